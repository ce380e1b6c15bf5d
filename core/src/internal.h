/*
 * internal.h — what the core's files share. Nothing here is public.
 *
 *   error.c      last-error messages, status strings, shape formatting
 *   log.c        TRUENO_LOG categories and the one printing function
 *   alloc.c      the one allocator hook every core allocation goes through
 *   cost_cache.c measured cost-model figures kept across runs
 *   host.c       the services table lent to each plugin, tracking its memory
 *   dtype.c      element load/store, float16/bfloat16 rounding, promotion
 *   threadpool.c the runtime's one pool behind trueno_host.parallel_for
 *   loader.c     plugin discovery, handshake, validation
 *   runtime.c    runtime lifetime, host services, introspection
 *   tensor.c     storages with per-memory-space copies, tensors, views
 *   dispatch.c   cost-based device choice, transfers, fallback
 *   ops.c        public op entry points: checks, promotion, output shapes
 *   reference/   the built-in reference backend (a device like any other)
 */
#ifndef TRUENO_INTERNAL_H
#define TRUENO_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "trueno/trueno.h"

/* Broken invariants inside the library (never user errors). */
#define TN_ASSERT(cond)                                                       \
    do {                                                                      \
        if (!(cond)) tn_assert_fail(#cond, __FILE__, __LINE__);               \
    } while (0)
_Noreturn void tn_assert_fail(const char *expr, const char *file, int line);

#define TN_MAX_DEVICES 64
#define TN_HOST_ALIGN 64
#define TN_REFERENCE_NAME "reference"

/* ---- alloc.c ------------------------------------------------------------ */
void *tn_malloc(size_t bytes);
void *tn_calloc(size_t n, size_t size);
void *tn_realloc(void *p, size_t bytes);
void tn_free(void *p);
char *tn_strdup(const char *s);
void *tn_aligned_alloc(size_t alignment, size_t bytes);
void tn_aligned_free(void *p);

/* ---- error.c ------------------------------------------------------------ */
/* Sets this thread's last error from a printf format and returns `status`. */
trueno_status tn_error(trueno_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes "(3,4)" / "()" for a shape into buf. Returns buf. */
const char *tn_shape_str(size_t rank, const int64_t *shape, char *buf,
                         size_t size);
void tn_set_last_backend(const char *name);

/* ---- log.c -------------------------------------------------------------- */
enum {
    TN_LOG_CAT_LOADER = 1u << 8,
    TN_LOG_CAT_DISPATCH = 1u << 9
};
/* Re-reads TRUENO_LOG (called by trueno_runtime_create). */
void tn_log_configure(void);
/* `what` is a trueno_log_level or a TN_LOG_CAT_* category. */
bool tn_log_enabled(unsigned what);
void tn_log(unsigned what, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- dtype.c ------------------------------------------------------------ */
bool tn_dtype_valid(uint32_t dtype);
bool tn_dtype_is_float(uint32_t dtype);
bool tn_dtype_is_int(uint32_t dtype); /* signed or unsigned, not bool */
/* NumPy 2 result_type for two arrays, with OPS.md's int/float rule. */
trueno_dtype tn_promote(trueno_dtype a, trueno_dtype b);
/* Element i (in elements from `base`) as double / as int64; any dtype. */
double tn_load_f64(const void *base, uint32_t dtype, int64_t i);
int64_t tn_load_i64(const void *base, uint32_t dtype, int64_t i);
/* Stores with the conversion rules of CAST (see trueno_abi.h). */
void tn_store_f64(void *base, uint32_t dtype, int64_t i, double v);
void tn_store_i64(void *base, uint32_t dtype, int64_t i, int64_t v);
uint16_t tn_f64_to_f16(double x);
uint16_t tn_f64_to_bf16(double x);
float tn_f16_to_f32(uint16_t h);
float tn_bf16_to_f32(uint16_t h);

/* ---- cost_cache.c ------------------------------------------------------- */
/* Measured cost figures kept across runs under the user's cache dir. */
bool tn_cost_cache_load(const char *key, double *values, size_t n);
void tn_cost_cache_save(const char *key, const double *values, size_t n);

/* ---- host.c ------------------------------------------------------------- */
typedef struct tn_host_ctx tn_host_ctx;
/* A services table for one plugin instance named `name`. */
tn_host_ctx *tn_host_create(trueno_runtime *rt, const char *name);
const trueno_host *tn_host_table(const tn_host_ctx *c);
/* Frees the context and every block the plugin still holds (logged). */
void tn_host_destroy(tn_host_ctx *c);

/* ---- threadpool.c ------------------------------------------------------- */
typedef struct tn_pool tn_pool;
tn_pool *tn_pool_create(uint32_t n_threads);
void tn_pool_destroy(tn_pool *pool);
trueno_status tn_pool_set_threads(tn_pool *pool, uint32_t n_threads);
uint32_t tn_pool_threads(const tn_pool *pool);
trueno_status tn_pool_parallel_for(tn_pool *pool, int64_t n, int64_t grain,
                                   trueno_range_fn fn, void *arg);

/* ---- devices and plugins ------------------------------------------------ */
typedef struct tn_plugin tn_plugin;

typedef struct tn_device {
    trueno_device handle;          /* copy of what the plugin gave */
    const trueno_device_props *props;
    int plugin_index;              /* in rt->plugins; -1 for the reference */
    const char *plugin_name;
    uint32_t index;
    bool host_memory;
    bool lost;
    uint64_t ops_run;
} tn_device;

struct tn_plugin {
    char *file;
    char *name;
    char *version;
    char *reason_text;
    trueno_plugin_status status;
    trueno_plugin_reason reason;
    uint32_t abi_major, abi_minor;
    void *dl;
    tn_host_ctx *host;             /* lent to this plugin's instance */
    const trueno_plugin *desc;
    void *instance;
    uint32_t n_devices;
};

struct trueno_runtime {
    pthread_mutex_t lock;          /* recursive: guards storages and devices */
    tn_host_ctx *reference_host;   /* lent to the reference backend */
    tn_pool *pool;
    char **search_dirs;
    size_t n_search_dirs;
    tn_plugin *plugins;
    size_t n_plugins;
    tn_device devices[TN_MAX_DEVICES];
    size_t n_devices;
    char *force_backend;           /* NULL: choose by cost */
    bool guard_outputs;            /* TRUENO_RUNTIME_GUARD_OUTPUTS */
    void *reference_instance;
    long live_storages;            /* for the destroy-time check */
    struct tn_host_block *host_blocks; /* trueno_host_alloc's, newest first */
};

/* The size of an ABI struct up to and including field `last`. */
#define TN_SIZE_UPTO(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))
/* Whether a plugin filled an optional vtable entry of a later ABI minor:
 * inside the struct_size it gave and not NULL. */
#define TN_VTABLE_HAS(v, field) ((v)->struct_size >= TN_SIZE_UPTO(trueno_device_vtable, field) && (v)->field)

/* loader.c: fills rt->search_dirs, rt->plugins and appends devices. */
trueno_status tn_loader_load(trueno_runtime *rt,
                             const trueno_runtime_options *opts);
void tn_loader_unload(trueno_runtime *rt);
/* Adds one probed device to rt->devices (used by the loader and for the
 * reference backend). Returns false when the table is full. */
bool tn_runtime_add_device(trueno_runtime *rt, int plugin_index,
                           const char *plugin_name,
                           const trueno_device *dev);
void tn_runtime_lock(trueno_runtime *rt);
void tn_runtime_unlock(trueno_runtime *rt);

/* reference/ref_backend.c */
trueno_status tn_reference_create(const trueno_host *host, void **instance,
                                  const trueno_device **device);
void tn_reference_destroy(void *instance);

/* ---- tensor.c ----------------------------------------------------------- */
typedef struct tn_storage {
    long refcount;                 /* atomic */
    trueno_runtime *rt;
    size_t bytes;
    void *host;                    /* NULL until needed */
    void *host_base;               /* what was allocated: host minus its guard */
    bool host_owned;               /* false for borrowed memory */
    bool host_valid;
    void *dev_buf[TN_MAX_DEVICES];
    bool dev_valid[TN_MAX_DEVICES];
    int pending_dev;               /* device that may still be writing, -1 */
    void (*release)(void *ctx);    /* called when the storage goes (DLPack import) */
    void *release_ctx;
} tn_storage;

struct trueno_tensor {
    tn_storage *st;
    trueno_dtype dtype;
    uint32_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    int64_t strides[TRUENO_MAX_RANK];
    int64_t offset;
};

/* A new tensor of `shape`, C order, over a new storage with no memory yet
 * (the dispatcher allocates it where the op runs). */
trueno_status tn_tensor_new_unallocated(trueno_runtime *rt, trueno_dtype dt,
                                        size_t rank, const int64_t *shape,
                                        trueno_tensor **out);
/* trueno_tensor_empty whose host memory is the valid copy: for a caller
 * that writes the bytes there itself before anyone reads them. */
trueno_status tn_tensor_new_host(trueno_runtime *rt, trueno_dtype dtype, size_t rank, const int64_t *shape,
                                trueno_tensor **out);
/* A view of t's storage with the given layout (no checks of bounds). */
trueno_status tn_tensor_view(const trueno_tensor *t, size_t rank,
                             const int64_t *shape, const int64_t *strides,
                             int64_t offset, trueno_tensor **out);
int64_t tn_numel(size_t rank, const int64_t *shape);
void tn_contiguous_strides(size_t rank, const int64_t *shape,
                           int64_t *strides);
void tn_storage_release(tn_storage *st);
/* Make a valid copy of st in device d's memory space (moving data). */
trueno_status tn_storage_ensure_on(tn_storage *st, const tn_device *d);
trueno_status tn_storage_ensure_host(tn_storage *st);
/* Allocate st's memory in d's space for an op to write. */
trueno_status tn_storage_alloc_on(tn_storage *st, const tn_device *d);
/* Record that d wrote st: d's copy is the only valid one. */
void tn_storage_mark_written(tn_storage *st, const tn_device *d);
/* With guard_outputs: checks (and re-arms) the guard bytes of st's copy on
 * device d; TRUENO_DEVICE_ERROR with a message when they were written. */
trueno_status tn_storage_check_guards(tn_storage *st, const tn_device *d);
#define TN_GUARD_BYTES 64
#define TN_GUARD_BYTE 0xA5
/* Bytes an operand would move to reach device d and the cost in ns. */
double tn_storage_move_cost(const tn_storage *st, const tn_device *d);
bool tn_storage_valid_on(const tn_storage *st, const tn_device *d);
/* The buffer pointer d is given for st (inline: every op asks, per operand). */
static inline void *tn_storage_buffer_for(const tn_storage *st, const tn_device *d)
{
    return d->host_memory ? st->host : st->dev_buf[d->index];
}
void tn_tensor_desc_fill(const trueno_tensor *t, void *buffer,
                         trueno_tensor_desc *desc);

/* ---- dispatch.c --------------------------------------------------------- */
/* Runs `op` on the cheapest device able to: inputs/outputs are tensors
 * whose dtypes and shapes the caller has checked; outputs are fresh
 * (unallocated) tensors. `opname` and the shapes go into messages. */
trueno_status tn_dispatch(trueno_runtime *rt, uint32_t op, uint32_t dtype,
                          const trueno_tensor *const *inputs, size_t n_in,
                          trueno_tensor *const *outputs, size_t n_out,
                          const trueno_op_params *params);
/* The same for an op whose descriptors the caller has filled (with NULL
 * buffers): in_desc/out_desc are the arrays op->inputs/outputs point
 * into, written with each device's buffers as it is tried. */
trueno_status tn_dispatch_desc(trueno_runtime *rt, trueno_op_desc *op,
                               const trueno_tensor *const *inputs, trueno_tensor_desc *in_desc,
                               trueno_tensor *const *outputs, trueno_tensor_desc *out_desc);

/* The pieces trueno_plan_run (plan.c) shares with the dispatcher: */
/* the device the dispatcher would choose first now, or NULL (none can) */
tn_device *tn_cheapest_device(trueno_runtime *rt, const trueno_op_desc *op, const trueno_tensor *const *in,
                              trueno_tensor *const *out);
/* which outputs hold data (written in part: read-modify-write); locked */
void tn_outputs_rmw(trueno_tensor *const *out, size_t n_out, bool *rmw);
/* one attempt on d, the runtime locked: inputs moved there, outputs
 * allocated, execute; on success the outputs marked written there, on a
 * failure undone (nothing of the inputs is lost) */
trueno_status tn_run_on_device(tn_device *d, trueno_op_desc *op, const trueno_tensor *const *in,
                               trueno_tensor_desc *in_desc, trueno_tensor *const *out,
                               trueno_tensor_desc *out_desc, const bool *rmw);
/* a failure another device may not have (out of memory, lost, declined) */
bool tn_is_device_failure(trueno_status s);

/* trueno_op_run's checks (validate.c): the arguments and the op's rules;
 * fills *op over di/dout, pi/po its pointer arrays, params NULL as zeros */
trueno_status tn_op_prepare(trueno_op_code code, const trueno_tensor *const *in, size_t n_in,
                            const trueno_op_params *params, trueno_tensor *const *outs, size_t n_out,
                            trueno_op_desc *op, trueno_tensor_desc *di, const trueno_tensor_desc **pi,
                            trueno_tensor_desc *dout, const trueno_tensor_desc **po);
/* ops whose kernels can refuse their data (division by zero, bad
 * indices): run into temporaries so a failure leaves the outputs alone */
bool tn_may_refuse_data(uint32_t op, uint32_t dtype);

/* ---- op table and the helpers every op entry point uses (ops.c) ---------- */
const trueno_op_info *tn_op_info(uint32_t op);

#define TN_SHAPE(t, buf) tn_shape_str((t)->rank, (t)->shape, buf, sizeof buf)
/* Zeroed op parameters with struct_size set. */
trueno_op_params tn_params(void);
/* Runs one op into fresh outputs of the given dtypes and shapes (all
 * outputs share rank/shape except TOPK's two, which do too). */
trueno_status tn_run(uint32_t op, trueno_dtype in_dt, const trueno_tensor *const *in, size_t n_in,
                     trueno_dtype out_dt, size_t rank, const int64_t *shape,
                     const trueno_op_params *params, trueno_tensor **out);
/* Runs `op` writing into an existing tensor view `dst` (read-modify-write). */
trueno_status tn_run_into(uint32_t op, trueno_dtype in_dt, const trueno_tensor *const *in,
                          size_t n_in, trueno_tensor *dst, const trueno_op_params *params);
/* *use is a (dtype dt) version of a: a itself, or a cast copy in *tmp. */
trueno_status tn_as_dtype(const trueno_tensor *a, trueno_dtype dt, const trueno_tensor **use,
                          trueno_tensor **tmp);
/* NumPy broadcasting of n shapes; the error names them and the axis. */
trueno_status tn_broadcast_shapes(const char *fn, const trueno_tensor *const *ts, size_t n,
                                  size_t *rank, int64_t *shape);
/* A stride-0 view of t broadcast to `shape`. */
trueno_status tn_broadcast_view(const trueno_tensor *t, size_t rank, const int64_t *shape,
                                trueno_tensor **out);
/* Normalises a (possibly negative) axis of an n-axis tensor, or errs. */
trueno_status tn_axis(const char *fn, const trueno_tensor *t, int axis, size_t rank, int *out);
/* Bit mask of axes (none = all), or errs on a bad/repeated axis. */
trueno_status tn_axes_mask(const char *fn, const trueno_tensor *t, const int *axes, size_t n,
                           uint32_t *mask);
/* The dtype an op computes a promoted input dtype in: itself when the op
 * accepts it; float32 for bool/integers when the op takes only floats;
 * else DTYPE_UNSUPPORTED with a message. */
trueno_status tn_compute_dtype(const trueno_op_info *info, trueno_dtype dt, trueno_dtype *out);
trueno_dtype tn_out_dtype(const trueno_op_info *info, trueno_dtype compute);
/* The element-wise engine behind every element-wise entry point. */
trueno_status tn_elementwise(uint32_t op, const trueno_tensor *const *in, size_t n,
                             const trueno_op_params *params, trueno_tensor **out);
/* Reduction over an axis mask, keepdims or not. */
trueno_status tn_reduce(uint32_t op, const trueno_tensor *a, uint32_t mask, int keepdims,
                        trueno_op_params params, trueno_tensor **out);
/* Validates a kernel op descriptor against the op's rules (shapes, ranks,
 * dtypes, parameters) before any device sees it. */
trueno_status tn_validate_op(const trueno_op_desc *op);

#endif /* TRUENO_INTERNAL_H */
