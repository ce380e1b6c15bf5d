/*
 * trueno.h — the public API of libtrueno-core.
 *
 * N-dimensional tensors with NumPy semantics, run on whichever backend the
 * cost model says is cheapest. Link with -ltrueno-core (pkg-config trueno,
 * or CMake's Trueno::core).
 *
 * Conventions that hold for every function below
 *   - Every function that can fail returns a trueno_status (TRUENO_OK == 0).
 *     On failure trueno_last_error() gives a message in the caller's terms
 *     (the operation, the shapes and dtypes involved, the rule broken, a
 *     hint), kept per thread until the next failing call on that thread.
 *   - A failing call changes none of its inputs and writes no output
 *     handle: *out is left as it was.
 *   - Ownership is in the names: *_copy copies the caller's memory, *_borrow
 *     keeps a pointer to it (the caller keeps it alive and unchanged until
 *     every tensor using it is freed). Every trueno_tensor * a function hands
 *     back is owned by the caller and released with trueno_tensor_free().
 *   - Shapes and strides are int64_t, strides in elements (not bytes, unlike
 *     NumPy), rank 0..TRUENO_MAX_RANK (8).
 *   - A runtime may be used from several threads at once; ops on one
 *     runtime are serialised by it (each op may use the thread pool).
 *
 * Environment variables read by trueno_runtime_create (through
 * secure_getenv: ignored, with a log line, in a setuid/setgid process)
 *   TRUENO_PLUGIN_PATH        colon-separated plugin directories searched
 *                             first
 *   TRUENO_BACKENDS           comma-separated plugin names to load (others
 *                             are skipped as "excluded")
 *   TRUENO_BACKENDS_DISABLE   comma-separated plugin names not to load
 *   TRUENO_FORCE_BACKEND      run every op on this plugin ("reference" for
 *                             the built-in backend), else fail the op
 *   TRUENO_NUM_THREADS        size of the one thread pool (default: online
 *                             CPUs)
 *   TRUENO_LOG                comma-separated: error, warn, info, debug,
 *                             loader, dispatch, all — what goes to stderr
 */
#ifndef TRUENO_H
#define TRUENO_H

#include <stddef.h>
#include <stdint.h>

#include "trueno_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TRUENO_BUILDING_CORE) && (defined(__GNUC__) || defined(__clang__))
#define TRUENO_API __attribute__((visibility("default")))
#else
#define TRUENO_API
#endif

/* Version of the library (not of the ABI). */
#define TRUENO_VERSION_MAJOR 0
#define TRUENO_VERSION_MINOR 1
#define TRUENO_VERSION_PATCH 0

typedef struct trueno_runtime trueno_runtime;
typedef struct trueno_tensor trueno_tensor;

/* ======================================================================== */
/* Errors                                                                   */
/* ======================================================================== */

/* The message of the last failing call on this thread ("" if none). Owned by
 * the library; valid until the next Trueno call on this thread. */
TRUENO_API const char *trueno_last_error(void);

/* A short constant text for a status ("shape mismatch"); never NULL. */
TRUENO_API const char *trueno_status_string(trueno_status status);

/* Name of a dtype ("float32"), or "?" for an unknown value. */
TRUENO_API const char *trueno_dtype_name(trueno_dtype dtype);

/* ======================================================================== */
/* Runtime                                                                  */
/* ======================================================================== */

/* Flags for trueno_runtime_options.flags. */
enum {
    /* Search only options.plugin_path: no TRUENO_PLUGIN_PATH, no directory
     * beside the core, no compiled-in default. For tests and embedders. */
    TRUENO_RUNTIME_ONLY_PLUGIN_PATH = 1u << 0,
    /* Load no plugins at all: only the reference backend. */
    TRUENO_RUNTIME_NO_PLUGINS = 1u << 1
};

/* Options for trueno_runtime_create. Zero-initialise, set struct_size to
 * sizeof(trueno_runtime_options), then set what you need; NULL or 0 means
 * "take the environment variable, else the default". */
typedef struct trueno_runtime_options {
    uint32_t struct_size;
    uint32_t flags;             /* TRUENO_RUNTIME_* */
    const char *plugin_path;    /* colon-separated; searched before
                                   TRUENO_PLUGIN_PATH */
    const char *backends;       /* allow list, as TRUENO_BACKENDS */
    const char *backends_disable; /* deny list, as TRUENO_BACKENDS_DISABLE */
    const char *force_backend;  /* as TRUENO_FORCE_BACKEND */
    uint32_t num_threads;       /* as TRUENO_NUM_THREADS */
    uint32_t reserved0;
} trueno_runtime_options;

/* Creates a runtime: the reference backend plus every plugin that loads
 * (see docs/plugin-guide.md for the search order and rules). A plugin that
 * cannot be loaded never makes this fail; it is recorded with a reason (see
 * trueno_runtime_plugin). `options` may be NULL. Errors: OUT_OF_MEMORY,
 * INVALID_ARGUMENT (bad struct_size or option). */
TRUENO_API trueno_status trueno_runtime_create(
    const trueno_runtime_options *options, trueno_runtime **out);

/* Destroys a runtime: waits for its devices, destroys them, unloads the
 * plugins, stops the thread pool. Every tensor of the runtime must have
 * been freed first (a tensor still alive is a programmer error, reported
 * as an assertion). NULL is ignored. */
TRUENO_API void trueno_runtime_destroy(trueno_runtime *rt);

/* Sets the thread count of the runtime's one pool (>= 1), used by the
 * reference backend and every CPU plugin. Results never depend on it. */
TRUENO_API trueno_status trueno_runtime_set_num_threads(trueno_runtime *rt,
                                                        uint32_t n);
TRUENO_API uint32_t trueno_runtime_num_threads(const trueno_runtime *rt);

/* Forces every later op onto the plugin `name` ("reference" for the
 * built-in backend); NULL returns to cost-based choice. An op the forced
 * backend cannot run fails with TRUENO_UNSUPPORTED. Errors: NOT_FOUND when
 * no loaded device belongs to `name`. */
TRUENO_API trueno_status trueno_runtime_force_backend(trueno_runtime *rt,
                                                      const char *name);

/* --- Introspection (what trueno-info prints) ----------------------------- */

/* What happened to one candidate plugin file. */
typedef enum trueno_plugin_status {
    TRUENO_PLUGIN_LOADED = 0,    /* loaded, at least one device */
    TRUENO_PLUGIN_NO_DEVICE = 1, /* loaded, probe found no device */
    TRUENO_PLUGIN_REJECTED = 2   /* not used; see reason */
} trueno_plugin_status;

/* Why, for NO_DEVICE and REJECTED. Fixed values. */
#define TRUENO_PLUGIN_REASON_MAP(X)                                           \
    X(NONE, 0, "none")                                                        \
    X(OPEN_FAILED, 1, "open-failed")                                          \
    X(NO_ENTRY, 2, "no-entry-symbol")                                         \
    X(INCOMPATIBLE_ABI, 3, "incompatible-abi")                                \
    X(STRUCT_TOO_SMALL, 4, "struct-too-small")                                \
    X(MISSING_FUNCTION, 5, "missing-function")                                \
    X(PROBE_FAILED, 6, "probe-failed")                                        \
    X(NO_DEVICE, 7, "no-device")                                              \
    X(SHADOWED, 8, "shadowed")                                                \
    X(EXCLUDED, 9, "excluded")                                                \
    X(INSECURE, 10, "insecure-file")                                          \
    X(TOO_MANY, 11, "too-many-devices")

typedef enum trueno_plugin_reason {
#define TRUENO_X_(name, value, text) TRUENO_PLUGIN_REASON_##name = value,
    TRUENO_PLUGIN_REASON_MAP(TRUENO_X_)
#undef TRUENO_X_
    TRUENO_PLUGIN_REASON_COUNT = 12
} trueno_plugin_reason;

/* One candidate plugin file. Strings are owned by the runtime. */
typedef struct trueno_plugin_info {
    uint32_t struct_size;
    uint32_t status;            /* trueno_plugin_status */
    uint32_t reason;            /* trueno_plugin_reason */
    uint32_t abi_major;         /* negotiated; 0 when not reached */
    uint32_t abi_minor;
    uint32_t n_devices;
    const char *file;           /* absolute path */
    const char *name;           /* from the file name: libtrueno-<name>.so */
    const char *version;        /* the plugin's; "" when not loaded */
    const char *reason_text;    /* human words; "" when loaded */
} trueno_plugin_info;

/* One device, the built-in reference device first. */
typedef struct trueno_device_info {
    uint32_t struct_size;
    uint32_t index;             /* position in the tie-break order */
    uint32_t lost;              /* 1 once the device reported DEVICE_LOST */
    uint32_t reserved0;
    const char *plugin;         /* "reference" for the built-in backend */
    const trueno_device_props *props; /* owned by the device */
    uint64_t ops_run;           /* ops executed on it so far */
} trueno_device_info;

TRUENO_API size_t trueno_runtime_plugin_count(const trueno_runtime *rt);
/* Fills *info for candidate i (0-based, search order). Set
 * info->struct_size first. Errors: INDEX_OUT_OF_RANGE. */
TRUENO_API trueno_status trueno_runtime_plugin(const trueno_runtime *rt,
                                               size_t i,
                                               trueno_plugin_info *info);
TRUENO_API size_t trueno_runtime_device_count(const trueno_runtime *rt);
TRUENO_API trueno_status trueno_runtime_device(const trueno_runtime *rt,
                                               size_t i,
                                               trueno_device_info *info);
/* The directories searched, in order; NULL past the end. */
TRUENO_API const char *trueno_runtime_search_dir(const trueno_runtime *rt,
                                                 size_t i);

/* Name of the plugin ("reference", "cpu-x86", …) that ran the last op this
 * thread completed, or "" if none. Owned by the library. */
TRUENO_API const char *trueno_last_backend(void);

/* ======================================================================== */
/* Tensors                                                                  */
/* ======================================================================== */

/* A tensor of `rank` axes of `shape`, uninitialised, C order. */
TRUENO_API trueno_status trueno_tensor_empty(trueno_runtime *rt,
                                             trueno_dtype dtype, size_t rank,
                                             const int64_t *shape,
                                             trueno_tensor **out);

/* A tensor holding a copy of `data`, which is `rank`-D of `shape`, C order
 * (row-major), elements of `dtype` (float16/bfloat16 as uint16_t bits,
 * bool as one byte 0 or 1). `data` may be NULL only if the shape has zero
 * elements. */
TRUENO_API trueno_status trueno_tensor_from_buffer_copy(
    trueno_runtime *rt, trueno_dtype dtype, size_t rank, const int64_t *shape,
    const void *data, trueno_tensor **out);

/* A tensor over the caller's memory, no copy. `strides` in elements (NULL:
 * C order); `data` points at element [0,…,0]. The caller keeps `data` alive
 * and does not write to it while the tensor (or any view of it) exists.
 * Negative and zero strides are allowed. */
TRUENO_API trueno_status trueno_tensor_from_buffer_borrow(
    trueno_runtime *rt, trueno_dtype dtype, size_t rank, const int64_t *shape,
    const int64_t *strides, void *data, trueno_tensor **out);

/* Releases a tensor handle; the storage goes when its last view goes.
 * NULL is ignored. */
TRUENO_API void trueno_tensor_free(trueno_tensor *t);

/* Copies the tensor's elements, in C order, into dst (dst_bytes must be at
 * least numel × dtype size), waiting for any device work first. */
TRUENO_API trueno_status trueno_tensor_read(const trueno_tensor *t, void *dst,
                                            size_t dst_bytes);

TRUENO_API trueno_dtype trueno_tensor_dtype(const trueno_tensor *t);
TRUENO_API size_t trueno_tensor_rank(const trueno_tensor *t);
/* Pointers into the tensor, valid while it lives; `rank` entries each. */
TRUENO_API const int64_t *trueno_tensor_shape(const trueno_tensor *t);
TRUENO_API const int64_t *trueno_tensor_strides(const trueno_tensor *t);
TRUENO_API int64_t trueno_tensor_numel(const trueno_tensor *t);
TRUENO_API trueno_runtime *trueno_tensor_runtime(const trueno_tensor *t);

/* A view with axes dim0 and dim1 exchanged (torch.transpose,
 * numpy.swapaxes); shares storage. Negative dims count from the end. */
TRUENO_API trueno_status trueno_transpose(const trueno_tensor *t, int dim0,
                                          int dim1, trueno_tensor **out);

/* ======================================================================== */
/* Operations (each is an entry of TRUENO_OP_MAP in trueno_abi.h)           */
/* ======================================================================== */

/* Elementwise a + b and a * b with NumPy broadcasting (shapes aligned from
 * the right; extents equal or 1). dtypes: all; the result dtype is the
 * promotion of the two (NumPy 2's result_type among ints, the float where
 * ints meet floats, float32 for float16 with bfloat16). Integers wrap; bool
 * + is or, bool * is and. Errors: SHAPE_MISMATCH (names both shapes and
 * the failing axis). */
TRUENO_API trueno_status trueno_add(const trueno_tensor *a,
                                    const trueno_tensor *b,
                                    trueno_tensor **out);
TRUENO_API trueno_status trueno_multiply(const trueno_tensor *a,
                                         const trueno_tensor *b,
                                         trueno_tensor **out);

/* Sum over `axes` (n_axes entries, negative counts from the end; n_axes
 * == 0 or axes == NULL sums everything), keeping reduced axes as extent 1
 * when keepdims. Result dtype: int64 for bool and integers (torch.sum),
 * otherwise the input's. Floats are summed pairwise in float64 (more
 * accurate than NumPy's float32 pairwise sum; Higham, "The accuracy of
 * floating point summation", 1993). Errors: INVALID_ARGUMENT (axis out of
 * range or repeated). */
TRUENO_API trueno_status trueno_sum(const trueno_tensor *a, const int *axes,
                                    size_t n_axes, int keepdims,
                                    trueno_tensor **out);

/* Matrix product with NumPy matmul semantics for 1-D and 2-D operands:
 * (m,k)@(k,n) → (m,n); a 1-D a is a row (k)→ result (n); a 1-D b is a
 * column → result (m); both 1-D → 0-d. Float products accumulate in
 * float64 on the reference backend. Errors: SHAPE_MISMATCH ("Inner
 * dimensions do not match (4 ≠ 5)" with a transpose hint), INVALID_ARGUMENT
 * for rank 0 or > 2 (batched matmul comes with the full catalog). */
TRUENO_API trueno_status trueno_matmul(const trueno_tensor *a,
                                       const trueno_tensor *b,
                                       trueno_tensor **out);

/* numpy.dot for 1-D and 2-D operands: inner product of two vectors (a 0-d
 * result), otherwise the same as trueno_matmul. */
TRUENO_API trueno_status trueno_dot(const trueno_tensor *a,
                                    const trueno_tensor *b,
                                    trueno_tensor **out);

/* A C-order copy of `a` converted to `dtype` (numpy astype). float→int
 * truncates toward zero, saturates, NaN → 0; → float16/bfloat16 rounds to
 * nearest even; → bool is x != 0. */
TRUENO_API trueno_status trueno_astype(const trueno_tensor *a,
                                       trueno_dtype dtype,
                                       trueno_tensor **out);

/* A C-order copy of `a` (numpy.ascontiguousarray; always a new storage). */
TRUENO_API trueno_status trueno_contiguous(const trueno_tensor *a,
                                           trueno_tensor **out);

/* Generic entry, driven by the op table (trueno-bench and the conformance
 * suite use it): runs `op` on inputs with `params` (NULL: zeros) and the
 * op's own shape and dtype rules, exactly as the typed function would.
 * For SUM, params->ints[0] is the axis bit mask and ints[1] keepdims; for
 * CAST, ints[0] is the target dtype. */
TRUENO_API trueno_status trueno_op_run(trueno_op_code op,
                                       const trueno_tensor *const *inputs,
                                       size_t n_inputs,
                                       const trueno_op_params *params,
                                       trueno_tensor **out);

/* The op table, for tools: name ("add"), arity, class and dtype mask of an
 * op code; NULL/0 for an unknown code. */
typedef struct trueno_op_info {
    uint32_t struct_size;
    uint32_t code;
    uint32_t n_inputs;
    uint32_t op_class;
    uint32_t dtypes;            /* TRUENO_DTYPE_BIT mask */
    uint32_t tolerance_kind;    /* trueno_tolerance_kind */
    const char *name;
    const char *numpy;
    const char *torch;
    double tolerance[TRUENO_DTYPE_COUNT_1_0]; /* per output dtype */
} trueno_op_info;
TRUENO_API const trueno_op_info *trueno_op_lookup(trueno_op_code op);

#ifdef __cplusplus
}
#endif

#endif /* TRUENO_H */
