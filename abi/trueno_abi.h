/*
 * trueno_abi.h — the Trueno plugin contract (ABI 1.0).
 *
 * This is the one header a backend author needs. It is C99, includes only
 * <stddef.h> and <stdint.h>, and is installed with the library as
 * <trueno/trueno_abi.h>. A plugin never links against libtrueno-core: every
 * call between the two crosses the tables declared here.
 *
 * Map of this file
 *   1. Versions and limits
 *   2. Status codes, dtypes, device kinds, log levels   (append-only enums)
 *   3. The op table (TRUENO_OP_MAP)                     (append-only)
 *   4. Structs that cross the ABI                        (append-only fields)
 *   5. The entry function a plugin exports
 *   6. Helpers every backend shares (bytes and flops of an op)
 *
 * Versioning rules
 *   - TRUENO_ABI_MAJOR changes break; a core and a plugin of different majors
 *     never talk. TRUENO_ABI_MINOR changes only append: new enum values, new
 *     fields at the end of a struct, new ops at the end of the op table.
 *   - Every struct begins with uint32_t struct_size, set by whoever fills the
 *     struct to the size it was compiled with. A reader touches only the fields
 *     that lie inside struct_size; a field beyond it reads as absent (zero/NULL).
 *   - Enum values are fixed forever. Fields that carry an enum are uint32_t so
 *     the layout never depends on the compiler's choice of enum size.
 *   - Units: sizes and offsets in bytes unless they say "elements"; strides
 *     and tensor offsets in elements; time in nanoseconds; bandwidth in GB/s
 *     (10^9 bytes per second); throughput in GFLOP/s (10^9 flop per second).
 *
 * Rules for plugins
 *   - Never abort the process, never print to stdout; return a status and log
 *     through trueno_host.log.
 *   - An op code or dtype the plugin does not know is TRUENO_UNSUPPORTED from
 *     estimate(), never a crash.
 */
#ifndef TRUENO_ABI_H
#define TRUENO_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* 1. Versions and limits                                                    */
/* ------------------------------------------------------------------------ */

#define TRUENO_ABI_MAJOR 1
#define TRUENO_ABI_MINOR 0

/* Maximum tensor rank carried by a trueno_tensor_desc. Added in 1.0. */
#define TRUENO_MAX_RANK 8

/* Name of the one symbol a plugin exports (type trueno_plugin_entry_fn). */
#define TRUENO_PLUGIN_ENTRY_SYMBOL "trueno_plugin_entry"

/* Put this in front of the entry function's definition. */
#if defined(__GNUC__) || defined(__clang__)
#define TRUENO_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define TRUENO_PLUGIN_EXPORT
#endif

/* ------------------------------------------------------------------------ */
/* 2. Enumerations (values fixed forever; append only)                      */
/* ------------------------------------------------------------------------ */

/* Status codes, shared by the ABI and the public API. X(NAME, value, text).
 * Added in 1.0. */
#define TRUENO_STATUS_MAP(X)                                                  \
    X(OK, 0, "success")                                                       \
    X(INVALID_ARGUMENT, 1, "invalid argument")                                \
    X(SHAPE_MISMATCH, 2, "shape mismatch")                                    \
    X(DTYPE_UNSUPPORTED, 3, "dtype not supported by the operation")           \
    X(UNSUPPORTED, 4, "operation not supported by this device")               \
    X(OUT_OF_MEMORY, 5, "out of host memory")                                 \
    X(DEVICE_OUT_OF_MEMORY, 6, "out of device memory")                        \
    X(DEVICE_LOST, 7, "device lost")                                          \
    X(INCOMPATIBLE, 8, "no common ABI version")                               \
    X(IO_ERROR, 9, "input/output error")                                      \
    X(INDEX_OUT_OF_RANGE, 10, "index out of range")                           \
    X(DIVISION_BY_ZERO, 11, "integer division by zero")                       \
    X(NOT_FOUND, 12, "not found")                                             \
    X(DEVICE_ERROR, 13, "device error")                                       \
    X(INTERNAL, 14, "internal error")

typedef enum trueno_status {
#define TRUENO_X_(name, value, text) TRUENO_##name = value,
    TRUENO_STATUS_MAP(TRUENO_X_)
#undef TRUENO_X_
    TRUENO_STATUS_COUNT_1_0 = 15
} trueno_status;

/* Element types. X(NAME, value, "name", size in bytes). Added in 1.0.
 * float16 is IEEE 754 binary16; bfloat16 is the upper half of a binary32. */
#define TRUENO_DTYPE_MAP(X)                                                   \
    X(BOOL, 0, "bool", 1)                                                     \
    X(UINT8, 1, "uint8", 1)                                                   \
    X(INT8, 2, "int8", 1)                                                     \
    X(INT16, 3, "int16", 2)                                                   \
    X(INT32, 4, "int32", 4)                                                   \
    X(INT64, 5, "int64", 8)                                                   \
    X(FLOAT16, 6, "float16", 2)                                               \
    X(BFLOAT16, 7, "bfloat16", 2)                                             \
    X(FLOAT32, 8, "float32", 4)                                               \
    X(FLOAT64, 9, "float64", 8)

typedef enum trueno_dtype {
#define TRUENO_X_(name, value, text, size) TRUENO_DTYPE_##name = value,
    TRUENO_DTYPE_MAP(TRUENO_X_)
#undef TRUENO_X_
    TRUENO_DTYPE_COUNT_1_0 = 10
} trueno_dtype;

/* Bit masks over dtypes, used by the op table: bit d is set when dtype d is
 * accepted. */
#define TRUENO_DTYPE_BIT(d) (1u << (d))
#define TRUENO_DTYPES_FLOAT                                                   \
    (TRUENO_DTYPE_BIT(TRUENO_DTYPE_FLOAT16) |                                 \
     TRUENO_DTYPE_BIT(TRUENO_DTYPE_BFLOAT16) |                                \
     TRUENO_DTYPE_BIT(TRUENO_DTYPE_FLOAT32) |                                 \
     TRUENO_DTYPE_BIT(TRUENO_DTYPE_FLOAT64))
#define TRUENO_DTYPES_INT                                                     \
    (TRUENO_DTYPE_BIT(TRUENO_DTYPE_UINT8) | TRUENO_DTYPE_BIT(TRUENO_DTYPE_INT8) | \
     TRUENO_DTYPE_BIT(TRUENO_DTYPE_INT16) |                                   \
     TRUENO_DTYPE_BIT(TRUENO_DTYPE_INT32) | TRUENO_DTYPE_BIT(TRUENO_DTYPE_INT64))
#define TRUENO_DTYPES_ALL                                                     \
    (TRUENO_DTYPE_BIT(TRUENO_DTYPE_BOOL) | TRUENO_DTYPES_INT | TRUENO_DTYPES_FLOAT)

/* What a device is. Added in 1.0. */
typedef enum trueno_device_kind {
    TRUENO_DEVICE_CPU = 0,
    TRUENO_DEVICE_GPU = 1,
    TRUENO_DEVICE_ACCEL = 2
} trueno_device_kind;

/* Where a device's buffers live. HOST: buffers are plain host pointers the
 * core allocates; the device's buffer functions are not used. DEVICE: the
 * device has its own memory; buffers are handles its buffer_alloc returned,
 * and the core moves data with buffer_write/buffer_read. Added in 1.0. */
typedef enum trueno_memory_kind {
    TRUENO_MEMORY_HOST = 0,
    TRUENO_MEMORY_DEVICE = 1
} trueno_memory_kind;

/* Log levels for trueno_host.log. Added in 1.0. */
typedef enum trueno_log_level {
    TRUENO_LOG_ERROR = 0,
    TRUENO_LOG_WARN = 1,
    TRUENO_LOG_INFO = 2,
    TRUENO_LOG_DEBUG = 3
} trueno_log_level;

/* Op classes: the cost models keep one throughput figure per class.
 * Added in 1.0. */
typedef enum trueno_op_class {
    TRUENO_OP_CLASS_ELEMENTWISE = 0, /* one output element per input element */
    TRUENO_OP_CLASS_REDUCTION = 1,   /* many input elements to one output */
    TRUENO_OP_CLASS_MATMUL = 2,      /* dot products: 2 flop per multiply-add */
    TRUENO_OP_CLASS_COPY = 3,        /* data movement, casts; no arithmetic */
    TRUENO_OP_CLASS_COUNT_1_0 = 4
} trueno_op_class;

/* Tolerance kinds of the conformance contract (see TRUENO_OP_MAP).
 *   EXACT: bit-identical to the reference (NaN matches any NaN).
 *   ULP:   at most tol units in the last place of the output dtype.
 *   NORM:  |got - exact| <= tol * sum(|terms|), the normalised error of a
 *          sum of products against a float64 reference (the ggml
 *          test-backend-ops measure; see docs/ops.md). Added in 1.0. */
typedef enum trueno_tolerance_kind {
    TRUENO_TOL_EXACT = 0,
    TRUENO_TOL_ULP = 1,
    TRUENO_TOL_NORM = 2
} trueno_tolerance_kind;

/* ------------------------------------------------------------------------ */
/* 3. The op table                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Every op Trueno knows, once. The core generates its public entry points'
 * checks, the reference backend's registration, the conformance cases, the
 * benchmark cells and docs/ops.md from this list.
 *
 * X(NAME, code, "name", n_inputs, class, dtypes, "NumPy", "PyTorch",
 *   tolerance kind, tol_float16, tol_bfloat16, tol_float32, tol_float64)
 *
 * code       fixed value of TRUENO_OP_<NAME>; 0 is never an op.
 * dtypes     mask of accepted input dtypes (all inputs share one dtype: the
 *            core casts mixed inputs to their promoted type first).
 * tolerance  what a plugin's result must meet against the reference backend.
 *            Integer and bool results are always EXACT.
 *
 * Operand conventions (what a plugin receives in trueno_op_desc):
 *  ADD, MULTIPLY  inputs a, b and output have the same rank and shape; a
 *                 broadcast input has stride 0 along broadcast axes. bool:
 *                 add is logical or, multiply is logical and. Integers wrap.
 *  SUM            output has the input's rank; reduced axes have extent 1
 *                 (keepdims form). params.ints[0] is the bit mask of reduced
 *                 axes. Output dtype: int64 for bool and integer inputs, the
 *                 input dtype for floats. Floats must be summed accurately
 *                 (pairwise or compensated), never a naive running total.
 *  DOT            a and b are 1-D of equal length n; output is 0-d.
 *  MATMUL         a is (m, k), b is (k, n), output (m, n). bool: or of ands.
 *  CAST           input of op.dtype, output of the output's dtype. Float to
 *                 integer truncates toward zero (NaN and out-of-range values
 *                 are undefined in C; Trueno gives 0 for NaN and saturates);
 *                 to float16/bfloat16 rounds to nearest even; to bool is != 0.
 *  CONTIGUOUS     copy of any strided input into the output's layout.
 * Added in 1.0: all seven ops below.
 */
#define TRUENO_OP_MAP(X)                                                      \
    X(ADD, 1, "add", 2, TRUENO_OP_CLASS_ELEMENTWISE, TRUENO_DTYPES_ALL,       \
      "numpy.add", "torch.add", TRUENO_TOL_EXACT, 0, 0, 0, 0)                 \
    X(MULTIPLY, 2, "multiply", 2, TRUENO_OP_CLASS_ELEMENTWISE,                \
      TRUENO_DTYPES_ALL, "numpy.multiply", "torch.mul", TRUENO_TOL_EXACT, 0,  \
      0, 0, 0)                                                                \
    X(SUM, 3, "sum", 1, TRUENO_OP_CLASS_REDUCTION, TRUENO_DTYPES_ALL,         \
      "numpy.sum", "torch.sum", TRUENO_TOL_NORM, 1e-3, 8e-3, 1e-6, 1e-14)     \
    X(DOT, 4, "dot", 2, TRUENO_OP_CLASS_MATMUL, TRUENO_DTYPES_ALL,            \
      "numpy.dot", "torch.dot", TRUENO_TOL_NORM, 1e-3, 8e-3, 1e-6, 1e-14)     \
    X(MATMUL, 5, "matmul", 2, TRUENO_OP_CLASS_MATMUL, TRUENO_DTYPES_ALL,      \
      "numpy.matmul", "torch.matmul", TRUENO_TOL_NORM, 2e-3, 1e-2, 5e-4,      \
      1e-12)                                                                  \
    X(CAST, 6, "cast", 1, TRUENO_OP_CLASS_COPY, TRUENO_DTYPES_ALL,            \
      "numpy.ndarray.astype", "torch.Tensor.to", TRUENO_TOL_EXACT, 0, 0, 0,   \
      0)                                                                      \
    X(CONTIGUOUS, 7, "contiguous", 1, TRUENO_OP_CLASS_COPY,                   \
      TRUENO_DTYPES_ALL, "numpy.ascontiguousarray",                           \
      "torch.Tensor.contiguous", TRUENO_TOL_EXACT, 0, 0, 0, 0)

typedef enum trueno_op_code {
    TRUENO_OP_INVALID = 0,
#define TRUENO_X_(name, code, text, nin, cls, dts, np, pt, tk, t16, tb16, t32, t64) \
    TRUENO_OP_##name = code,
    TRUENO_OP_MAP(TRUENO_X_)
#undef TRUENO_X_
    TRUENO_OP_COUNT_1_0 = 8 /* one past the highest code of ABI 1.0 */
} trueno_op_code;

/* ------------------------------------------------------------------------ */
/* 4. Structs that cross the ABI                                             */
/* ------------------------------------------------------------------------ */

/* A strided view of a buffer. Filled by the core; read-only to plugins.
 * Added in 1.0. */
typedef struct trueno_tensor_desc {
    uint32_t struct_size;
    uint32_t dtype;           /* trueno_dtype */
    uint32_t rank;            /* 0..TRUENO_MAX_RANK; 0 is a scalar */
    uint32_t reserved0;       /* zero */
    void *buffer;             /* HOST memory: base host pointer of the
                                 storage. DEVICE memory: the handle this
                                 device's buffer_alloc returned. Never NULL
                                 unless the tensor has zero elements. */
    int64_t offset;           /* elements from the buffer's start */
    int64_t shape[TRUENO_MAX_RANK];   /* extents; entries >= rank are 0 */
    int64_t strides[TRUENO_MAX_RANK]; /* elements; may be 0 (broadcast) or
                                         negative; entries >= rank are 0 */
} trueno_tensor_desc;

/* Op parameters; what each entry means is given per op in TRUENO_OP_MAP.
 * Unused entries are zero. Added in 1.0. */
typedef struct trueno_op_params {
    uint32_t struct_size;
    uint32_t reserved0;
    int64_t ints[8];
    double floats[8];
} trueno_op_params;

/* One operation for a device to estimate or execute. Filled by the core,
 * valid only during the call it is passed to. Added in 1.0. */
typedef struct trueno_op_desc {
    uint32_t struct_size;
    uint32_t op;          /* trueno_op_code */
    uint32_t dtype;       /* dtype of every input (trueno_dtype) */
    uint32_t n_inputs;
    uint32_t n_outputs;
    uint32_t reserved0;
    const trueno_tensor_desc *const *inputs;   /* n_inputs pointers */
    const trueno_tensor_desc *const *outputs;  /* n_outputs pointers */
    const trueno_op_params *params;            /* never NULL */
} trueno_op_desc;

/* A device's cost-model figures, as shown by trueno-info. The device's own
 * estimate() uses them; the core uses transfer_* to price moving an operand
 * between host memory and this device. Owned by the device. Added in 1.0. */
typedef struct trueno_cost_model {
    uint32_t struct_size;
    uint32_t calibrated;       /* 1 when measured on this machine, 0 when
                                  nominal figures */
    double launch_ns;          /* fixed cost of one op */
    double bandwidth_gbs;      /* device memory bandwidth */
    double gflops[TRUENO_OP_CLASS_COUNT_1_0]; /* float32 throughput per class;
                                  COPY is unused (bandwidth bound) */
    double transfer_latency_ns; /* per host<->device transfer; 0 for HOST */
    double transfer_gbs;        /* host<->device bandwidth; 0 for HOST */
} trueno_cost_model;

/* What a device is, owned by the device, valid until its destroy().
 * Added in 1.0. */
typedef struct trueno_device_props {
    uint32_t struct_size;
    uint32_t kind;            /* trueno_device_kind */
    uint32_t memory_kind;     /* trueno_memory_kind */
    uint32_t reserved0;
    const char *name;         /* e.g. "AMD EPYC 9B14 (avx512)"; never NULL */
    const char *vendor;       /* never NULL; may be "" */
    const char *features;     /* space-separated ISA or feature words; "" */
    const char *identity;     /* PCI bus id, UUID, or ""; never NULL */
    uint64_t memory_bytes;    /* memory the device can use; 0 if unknown */
    const trueno_cost_model *cost; /* never NULL */
} trueno_device_props;

/*
 * A device's functions. `dev` is the device's impl pointer. All functions may
 * be called from any thread, but the core never calls one device from two
 * threads at once. Added in 1.0.
 */
typedef struct trueno_device_vtable {
    uint32_t struct_size;
    uint32_t reserved0;

    /* Required. Never NULL result. */
    const trueno_device_props *(*get_properties)(void *dev);

    /* Required. Writes the predicted run time of `op` in nanoseconds to
     * *ns and returns TRUENO_OK, or returns TRUENO_UNSUPPORTED when the
     * device cannot run it (unknown op code, dtype, rank or layout). Must be
     * cheap: it is called for every op. Excludes moving operands between
     * memory spaces, which the core adds itself. */
    trueno_status (*estimate)(void *dev, const trueno_op_desc *op, double *ns);

    /* Required for TRUENO_MEMORY_DEVICE, ignored (may be NULL) for HOST.
     * buffer_alloc: `bytes` > 0; writes a handle to *buffer; returns
     * TRUENO_DEVICE_OUT_OF_MEMORY when full. buffer_free: releases it
     * (NULL is ignored). write/read/copy: offsets and sizes in bytes; they
     * may be asynchronous only if the device orders them with later
     * execute() calls and synchronize() waits for them; read must have
     * filled `dst` when it returns. */
    trueno_status (*buffer_alloc)(void *dev, size_t bytes, void **buffer);
    void (*buffer_free)(void *dev, void *buffer);
    trueno_status (*buffer_write)(void *dev, void *buffer, size_t offset,
                                  const void *src, size_t bytes);
    trueno_status (*buffer_read)(void *dev, void *buffer, size_t offset,
                                 void *dst, size_t bytes);
    trueno_status (*buffer_copy)(void *dev, void *dst, size_t dst_offset,
                                 void *src, size_t src_offset, size_t bytes);

    /* Required. Runs `op` (which estimate() accepted) and may return before
     * it completes. On failure nothing but the outputs may have been
     * written. TRUENO_DEVICE_OUT_OF_MEMORY and TRUENO_DEVICE_LOST tell the
     * core to re-run the op on another device; after DEVICE_LOST the core
     * never uses this device again except to destroy() it. */
    trueno_status (*execute)(void *dev, const trueno_op_desc *op);

    /* Optional (NULL: execute is synchronous). Waits until all work
     * submitted to the device has finished. */
    trueno_status (*synchronize)(void *dev);

    /* Required. Frees the device; called once, before the plugin's
     * shutdown(). Every buffer has been freed before. */
    void (*destroy)(void *dev);
} trueno_device_vtable;

/* A device handle returned by probe(). Owned by the plugin. Added in 1.0. */
typedef struct trueno_device {
    uint32_t struct_size;
    uint32_t reserved0;
    void *impl;                          /* passed back as `dev` */
    const trueno_device_vtable *vtable;  /* never NULL */
} trueno_device;

/* Called by parallel_for on [begin, end). Added in 1.0. */
typedef void (*trueno_range_fn)(void *arg, int64_t begin, int64_t end);

/*
 * Services the core lends every plugin. Owned by the core; valid until the
 * plugin's shutdown() returns. `ctx` is passed back to every function.
 * Added in 1.0.
 */
typedef struct trueno_host {
    uint32_t struct_size;
    uint32_t reserved0;
    void *ctx;

    /* Logs one line (no newline needed). `source` names the plugin. Never
     * NULL. The core decides what is printed (TRUENO_LOG). */
    void (*log)(void *ctx, uint32_t level, const char *source,
                const char *message);

    /* Memory with `alignment` (a power of two >= sizeof(void *)); NULL when
     * out of memory. Free with aligned_free (NULL is ignored). */
    void *(*aligned_alloc)(void *ctx, size_t alignment, size_t bytes);
    void (*aligned_free)(void *ctx, void *ptr);

    /* getenv that returns NULL in a privileged (setuid/setgid) process, as
     * glibc's secure_getenv. The string is owned by the environment. */
    const char *(*secure_getenv)(void *ctx, const char *name);

    /* Runs fn over [0, n) split into ranges of at least `grain` elements on
     * the runtime's one thread pool, and returns when all have run. The
     * split depends only on n and grain, never on the thread count, so a
     * kernel's result cannot either. Nested calls run serially. */
    trueno_status (*parallel_for)(void *ctx, int64_t n, int64_t grain,
                                  trueno_range_fn fn, void *arg);

    /* The runtime's thread count (TRUENO_NUM_THREADS or the API). */
    uint32_t (*num_threads)(void *ctx);
} trueno_host;

/*
 * A plugin's descriptor, owned by the plugin, valid until shutdown() returns.
 * Added in 1.0.
 */
typedef struct trueno_plugin {
    uint32_t struct_size;
    uint32_t reserved0;
    const char *name;      /* e.g. "cpu-x86"; should match the file name
                              libtrueno-<name>.so, which is what counts */
    const char *version;   /* the plugin's own version; never NULL */

    /* Required. Finds the plugin's devices. Writes the count to *n_devices
     * and a plugin-owned array of device pointers to *devices (valid until
     * shutdown). Zero devices is a normal answer: return TRUENO_OK with
     * *n_devices = 0 and *reason saying why ("no Vulkan device"). Any other
     * status is a failed probe; *reason (plugin-owned, may be NULL) says
     * why. */
    trueno_status (*probe)(void *instance, uint32_t *n_devices,
                           const trueno_device *const **devices,
                           const char **reason);

    /* Optional. Looks up an extension by name; NULL means absent. */
    void *(*get_proc)(void *instance, const char *name);

    /* Required. Frees the instance; its devices were destroyed first. */
    void (*shutdown)(void *instance);
} trueno_plugin;

/* The core's side of the handshake. Owned by the core. Added in 1.0. */
typedef struct trueno_abi_request {
    uint32_t struct_size;
    uint32_t major;         /* the core's TRUENO_ABI_MAJOR */
    uint32_t min_minor;     /* the core speaks minors min_minor..max_minor */
    uint32_t max_minor;
    const trueno_host *host;
} trueno_abi_request;

/* The plugin's answer, written into a struct the core owns. The core sets
 * struct_size; the plugin writes only fields inside it. Added in 1.0. */
typedef struct trueno_abi_reply {
    uint32_t struct_size;
    uint32_t major;                 /* chosen; must equal request->major */
    uint32_t minor;                 /* chosen, inside the offered range */
    uint32_t reserved0;
    const trueno_plugin *plugin;    /* plugin-owned */
    void *instance;                 /* plugin-owned; passed to probe etc. */
} trueno_abi_reply;

/* ------------------------------------------------------------------------ */
/* 5. The entry function                                                     */
/* ------------------------------------------------------------------------ */

/*
 * A plugin exports exactly one symbol, named TRUENO_PLUGIN_ENTRY_SYMBOL:
 *
 *   TRUENO_PLUGIN_EXPORT trueno_status
 *   trueno_plugin_entry(const trueno_abi_request *req, trueno_abi_reply *rep);
 *
 * It picks a version inside the request's range, fills *rep and returns
 * TRUENO_OK, or returns TRUENO_INCOMPATIBLE when it speaks none of them. It
 * may be called more than once (one call per runtime); each call makes a
 * fresh instance. It must not call back into the core except through
 * req->host. Added in 1.0.
 */
typedef trueno_status (*trueno_plugin_entry_fn)(const trueno_abi_request *req,
                                                trueno_abi_reply *rep);

/* ------------------------------------------------------------------------ */
/* 6. Helpers every backend shares                                           */
/* ------------------------------------------------------------------------ */

/* Size in bytes of one element of `dtype`, 0 for an unknown dtype. */
static inline size_t trueno_dtype_size(uint32_t dtype)
{
    switch (dtype) {
#define TRUENO_X_(name, value, text, size) case value: return size;
        TRUENO_DTYPE_MAP(TRUENO_X_)
#undef TRUENO_X_
    default: return 0;
    }
}

/* Number of elements of a tensor description. */
static inline int64_t trueno_desc_numel(const trueno_tensor_desc *t)
{
    int64_t n = 1;
    uint32_t i;
    for (i = 0; i < t->rank; i++) n *= t->shape[i];
    return n;
}

/* Bytes an op reads and writes (each element once), the memory-traffic
 * term of every cost model and trueno-bench's GB/s. */
static inline double trueno_op_bytes(const trueno_op_desc *op)
{
    double bytes = 0;
    uint32_t i;
    for (i = 0; i < op->n_inputs; i++)
        bytes += (double)trueno_desc_numel(op->inputs[i]) *
                 (double)trueno_dtype_size(op->inputs[i]->dtype);
    for (i = 0; i < op->n_outputs; i++)
        bytes += (double)trueno_desc_numel(op->outputs[i]) *
                 (double)trueno_dtype_size(op->outputs[i]->dtype);
    return bytes;
}

/* Arithmetic an op performs, in flop: 2·m·n·k for MATMUL, 2·n for DOT, one
 * per input element for reductions, one per output element for element-wise
 * ops, 0 for COPY-class ops. The throughput term of every cost model and
 * trueno-bench's GFLOP/s. */
static inline double trueno_op_flops(const trueno_op_desc *op)
{
    switch (op->op) {
    case TRUENO_OP_MATMUL:
        return 2.0 * (double)op->inputs[0]->shape[0] *
               (double)op->inputs[0]->shape[1] *
               (double)op->inputs[1]->shape[1];
    case TRUENO_OP_DOT:
        return 2.0 * (double)op->inputs[0]->shape[0];
    case TRUENO_OP_SUM:
        return (double)trueno_desc_numel(op->inputs[0]);
    case TRUENO_OP_ADD:
    case TRUENO_OP_MULTIPLY:
        return (double)trueno_desc_numel(op->outputs[0]);
    default:
        return 0;
    }
}

#ifdef __cplusplus
}
#endif

#endif /* TRUENO_ABI_H */
