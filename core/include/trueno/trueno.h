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
    TRUENO_RUNTIME_NO_PLUGINS = 1u << 1,
    /* Surround every output with guard bytes (64 before and after in host
     * memory, 64 after in device memory) and check them after each op: a
     * device that writes outside its output gets TRUENO_DEVICE_ERROR for
     * that op, which then runs on the next device. For conformance tests
     * of backends; costs a check per op. */
    TRUENO_RUNTIME_GUARD_OUTPUTS = 1u << 2,
    /* Find and list the candidate plugin files (status NOT_LOADED) without
     * opening any: what trueno-info --isolate starts from. */
    TRUENO_RUNTIME_LIST_ONLY = 1u << 3
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

/* Waits until every op submitted to the runtime's devices has finished
 * (torch.cuda.synchronize): ops on a device with its own memory may run
 * after the call that started them returns; reading a result waits for
 * it anyway, so this is for timing. Errors: the first failing device's
 * status (TRUENO_DEVICE_LOST marks that device lost). */
TRUENO_API trueno_status trueno_runtime_synchronize(trueno_runtime *rt);

/* Host memory for data that moves between the host and a GPU often
 * (cudaHostAlloc, torch.Tensor.pin_memory): `bytes` (> 0) bytes aligned to
 * 64, page-locked ("pinned") by the first device that offers it (the
 * Vulkan plugin does), so that a transfer to or from it goes straight over
 * DMA instead of through a staging copy. Use it as a tensor's memory with
 * trueno_tensor_from_buffer_borrow (uploads read it directly) or as the
 * destination of trueno_tensor_read (a contiguous tensor held only on the
 * device is read straight into it). Where no device offers pinned memory,
 * or the one that does is out of it, ordinary host memory; *pinned (may
 * be NULL) is then 0, else 1. Free it with trueno_host_free, after every
 * tensor borrowing it; whatever is left is freed by
 * trueno_runtime_destroy. Errors: INVALID_ARGUMENT (NULL rt or ptr, 0
 * bytes), OUT_OF_MEMORY. */
TRUENO_API trueno_status trueno_host_alloc(trueno_runtime *rt, size_t bytes, void **ptr, int *pinned);

/* Frees memory from trueno_host_alloc of the same runtime; NULL is
 * ignored, as is (with an error logged) a pointer it did not return. */
TRUENO_API void trueno_host_free(trueno_runtime *rt, void *ptr);

/* --- Introspection (what trueno-info prints) ----------------------------- */

/* What happened to one candidate plugin file. */
typedef enum trueno_plugin_status {
    TRUENO_PLUGIN_LOADED = 0,    /* loaded, at least one device */
    TRUENO_PLUGIN_NO_DEVICE = 1, /* loaded, probe found no device */
    TRUENO_PLUGIN_REJECTED = 2,  /* not used; see reason */
    TRUENO_PLUGIN_NOT_LOADED = 3 /* listed only (TRUENO_RUNTIME_LIST_ONLY) */
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
    X(TOO_MANY, 11, "too-many-devices")                                        \
    X(CRASHED, 12, "crashed")

typedef enum trueno_plugin_reason {
#define TRUENO_X_(name, value, text) TRUENO_PLUGIN_REASON_##name = value,
    TRUENO_PLUGIN_REASON_MAP(TRUENO_X_)
#undef TRUENO_X_
    TRUENO_PLUGIN_REASON_COUNT = 13
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
/* Creation                                                                 */
/* ======================================================================== */

/* Tensors of `shape` filled with 0, 1 or `value` (converted to dtype as
 * CAST converts a float64), C order. */
TRUENO_API trueno_status trueno_zeros(trueno_runtime *rt, trueno_dtype dtype, size_t rank,
                                      const int64_t *shape, trueno_tensor **out);
TRUENO_API trueno_status trueno_ones(trueno_runtime *rt, trueno_dtype dtype, size_t rank,
                                     const int64_t *shape, trueno_tensor **out);
TRUENO_API trueno_status trueno_full(trueno_runtime *rt, trueno_dtype dtype, size_t rank,
                                     const int64_t *shape, double value, trueno_tensor **out);
/* The same with t's dtype and shape (numpy *_like). */
TRUENO_API trueno_status trueno_empty_like(const trueno_tensor *t, trueno_tensor **out);
TRUENO_API trueno_status trueno_zeros_like(const trueno_tensor *t, trueno_tensor **out);
TRUENO_API trueno_status trueno_ones_like(const trueno_tensor *t, trueno_tensor **out);
TRUENO_API trueno_status trueno_full_like(const trueno_tensor *t, double value, trueno_tensor **out);
/* A 0-d tensor holding `value` (for scalar operands: broadcasting makes it
 * act on every element). */
TRUENO_API trueno_status trueno_scalar(trueno_runtime *rt, trueno_dtype dtype, double value,
                                       trueno_tensor **out);
/* numpy.arange: values start, start+step, … below stop (above, for a
 * negative step); ceil((stop-start)/step) elements. Errors: step 0. */
TRUENO_API trueno_status trueno_arange(trueno_runtime *rt, trueno_dtype dtype, double start,
                                       double stop, double step, trueno_tensor **out);
/* numpy.linspace: num values from start to stop (inclusive if endpoint). */
TRUENO_API trueno_status trueno_linspace(trueno_runtime *rt, trueno_dtype dtype, double start,
                                         double stop, int64_t num, int endpoint,
                                         trueno_tensor **out);
/* numpy.eye: n×m with ones on diagonal k (0 main, >0 above, <0 below). */
TRUENO_API trueno_status trueno_eye(trueno_runtime *rt, trueno_dtype dtype, int64_t n, int64_t m,
                                    int64_t k, trueno_tensor **out);
/* Uniform [0, 1) and standard normal values (float dtypes) from seed:
 * element i comes from Philox4x32-10 counter i (Salmon et al., SC'11), so
 * the result depends only on (seed, shape, dtype), never on threads. randn
 * uses the Box–Muller transform on two uniforms per element. */
TRUENO_API trueno_status trueno_rand(trueno_runtime *rt, trueno_dtype dtype, size_t rank,
                                     const int64_t *shape, uint64_t seed, trueno_tensor **out);
TRUENO_API trueno_status trueno_randn(trueno_runtime *rt, trueno_dtype dtype, size_t rank,
                                      const int64_t *shape, uint64_t seed, trueno_tensor **out);
/* Sets every element of t (and so of every view sharing its elements) to
 * value, in place. */
TRUENO_API trueno_status trueno_fill(trueno_tensor *t, double value);
/* A new C-order copy of t (always a new storage; numpy.copy). */
TRUENO_API trueno_status trueno_copy(const trueno_tensor *t, trueno_tensor **out);

/* ======================================================================== */
/* Views: new handles over the same storage, no data copied                 */
/* ======================================================================== */

/* numpy.reshape: a view when the strides allow it, else a C-order copy.
 * One entry of shape may be -1 (inferred). Errors: SHAPE_MISMATCH when the
 * element counts differ (names both shapes). */
TRUENO_API trueno_status trueno_reshape(const trueno_tensor *t, size_t rank, const int64_t *shape,
                                        trueno_tensor **out);
/* torch.flatten: axes start_axis..end_axis merged into one (view if
 * possible). */
TRUENO_API trueno_status trueno_flatten(const trueno_tensor *t, int start_axis, int end_axis,
                                        trueno_tensor **out);
/* Removes the listed axes of extent 1 (all of them when n_axes is 0).
 * Errors: an axis whose extent is not 1. */
TRUENO_API trueno_status trueno_squeeze(const trueno_tensor *t, const int *axes, size_t n_axes,
                                        trueno_tensor **out);
/* Inserts an axis of extent 1 at position axis (-1: at the end). */
TRUENO_API trueno_status trueno_unsqueeze(const trueno_tensor *t, int axis, trueno_tensor **out);
/* numpy.transpose / torch.permute: axes[i] is the input axis that becomes
 * axis i; a permutation of 0..rank-1 (negative counts from the end). */
TRUENO_API trueno_status trueno_permute(const trueno_tensor *t, const int *axes, size_t n_axes,
                                        trueno_tensor **out);
/* numpy.swapaxes, the same as trueno_transpose. */
TRUENO_API trueno_status trueno_swapaxes(const trueno_tensor *t, int axis0, int axis1,
                                         trueno_tensor **out);

/* One axis of a slice, as Python's start:stop:step. TRUENO_SLICE_ALL marks
 * a missing bound ("::2" is {TRUENO_SLICE_ALL, TRUENO_SLICE_ALL, 2}).
 * Negative bounds count from the end; out-of-range bounds are clipped as
 * Python clips them; step may be negative, never 0. */
#define TRUENO_SLICE_ALL INT64_MIN
typedef struct trueno_slice {
    int64_t start, stop, step;
} trueno_slice;
/* t[s0, s1, …] for the first n_slices axes (the rest are taken whole).
 * Errors: step 0, more slices than axes. */
TRUENO_API trueno_status trueno_slice_view(const trueno_tensor *t, const trueno_slice *slices,
                                           size_t n_slices, trueno_tensor **out);
/* t[..., index, ...] on `axis` (torch.select): drops the axis. Negative
 * index counts from the end. Errors: INDEX_OUT_OF_RANGE. */
TRUENO_API trueno_status trueno_select(const trueno_tensor *t, int axis, int64_t index,
                                       trueno_tensor **out);
/* numpy.broadcast_to / torch.expand: a stride-0 view of t with `shape`
 * (rank >= t's; -1 keeps an extent, for expand). Errors: SHAPE_MISMATCH. */
TRUENO_API trueno_status trueno_broadcast_to(const trueno_tensor *t, size_t rank,
                                             const int64_t *shape, trueno_tensor **out);
TRUENO_API trueno_status trueno_expand(const trueno_tensor *t, size_t rank, const int64_t *shape,
                                       trueno_tensor **out);
/* numpy.diagonal of a 2-D tensor (offset k), a 1-D view. */
TRUENO_API trueno_status trueno_diagonal(const trueno_tensor *t, int64_t k, trueno_tensor **out);
/* torch.Tensor.contiguous: t itself (a new handle) when already C order,
 * else a C-order copy. */
TRUENO_API trueno_status trueno_contiguous(const trueno_tensor *a, trueno_tensor **out);
/* 1 when t's layout is C order (every view of extent-1 axes counts). */
TRUENO_API int trueno_tensor_is_contiguous(const trueno_tensor *t);
/* A C-order copy of `a` converted to `dtype` (numpy astype; always a new
 * storage). float→int truncates toward zero into int64 (NaN → 0,
 * saturating), then wraps to the target width as NumPy does on x86-64
 * (NumPy itself leaves out-of-range casts undefined); → float16/bfloat16
 * rounds to nearest even; → bool is x != 0; integers narrow by wrapping. */
TRUENO_API trueno_status trueno_astype(const trueno_tensor *a, trueno_dtype dtype,
                                       trueno_tensor **out);

/* ======================================================================== */
/* Join, split, index                                                       */
/* ======================================================================== */

/* numpy.concatenate / numpy.stack of n tensors along axis (stack inserts a
 * new axis). Shapes must agree off the axis (stack: entirely); dtypes
 * promote. Errors: SHAPE_MISMATCH naming the first mismatching tensor. */
TRUENO_API trueno_status trueno_concatenate(const trueno_tensor *const *tensors, size_t n,
                                            int axis, trueno_tensor **out);
TRUENO_API trueno_status trueno_stack(const trueno_tensor *const *tensors, size_t n, int axis,
                                      trueno_tensor **out);
/* numpy.split into `sections` equal views along axis (outs has sections
 * entries), or numpy.split at sorted indices (n_indices + 1 views). */
TRUENO_API trueno_status trueno_split_sections(const trueno_tensor *t, int64_t sections, int axis,
                                               trueno_tensor **outs);
TRUENO_API trueno_status trueno_split_indices(const trueno_tensor *t, const int64_t *indices,
                                              size_t n_indices, int axis, trueno_tensor **outs);
/* numpy.tile: t repeated reps[i] times along each axis (reps aligned to the
 * right, as NumPy). */
TRUENO_API trueno_status trueno_tile(const trueno_tensor *t, const int64_t *reps, size_t n_reps,
                                     trueno_tensor **out);
/* numpy.repeat along axis: each element repeats[i] times (n_repeats == 1:
 * all the same). */
TRUENO_API trueno_status trueno_repeat(const trueno_tensor *t, const int64_t *repeats,
                                       size_t n_repeats, int axis, trueno_tensor **out);
typedef enum trueno_pad_mode {
    TRUENO_PAD_CONSTANT = 0, /* value */
    TRUENO_PAD_REFLECT = 1,  /* mirror without the edge (numpy 'reflect') */
    TRUENO_PAD_EDGE = 2      /* repeat the edge (numpy 'edge', torch 'replicate') */
} trueno_pad_mode;
/* numpy.pad: widths[2*i], widths[2*i+1] before and after axis i (n_widths
 * == 2 * rank). Errors: reflect wider than the axis minus one. */
TRUENO_API trueno_status trueno_pad(const trueno_tensor *t, const int64_t *widths, size_t n_widths,
                                    trueno_pad_mode mode, double value, trueno_tensor **out);
/* index_select / numpy.take along axis with a 1-D int64 (or other integer)
 * index; negative indices count from the end. Errors: INDEX_OUT_OF_RANGE. */
TRUENO_API trueno_status trueno_index_select(const trueno_tensor *t, int axis,
                                             const trueno_tensor *index, trueno_tensor **out);
/* numpy.take without an axis: t flattened, then index_select (any index
 * shape; the result has the index's shape). */
TRUENO_API trueno_status trueno_take(const trueno_tensor *t, const trueno_tensor *index,
                                     trueno_tensor **out);
/* torch.gather / numpy.take_along_axis: out[p] = t[p with the axis
 * coordinate replaced by index[p]]; index has t's rank. */
TRUENO_API trueno_status trueno_gather(const trueno_tensor *t, int axis, const trueno_tensor *index,
                                       trueno_tensor **out);
/* torch.scatter / scatter_add (functional): a copy of t with src[p] written
 * to (added at) t[p with the axis coordinate index[p]], in index order. */
TRUENO_API trueno_status trueno_scatter(const trueno_tensor *t, int axis, const trueno_tensor *index,
                                        const trueno_tensor *src, trueno_tensor **out);
TRUENO_API trueno_status trueno_scatter_add(const trueno_tensor *t, int axis,
                                            const trueno_tensor *index, const trueno_tensor *src,
                                            trueno_tensor **out);
/* t[mask] (mask bool, broadcast with t): a 1-D tensor, C order. */
TRUENO_API trueno_status trueno_masked_select(const trueno_tensor *t, const trueno_tensor *mask,
                                              trueno_tensor **out);
/* torch.masked_fill: value where mask (broadcast) is true, else t. */
TRUENO_API trueno_status trueno_masked_fill(const trueno_tensor *t, const trueno_tensor *mask,
                                            double value, trueno_tensor **out);
/* numpy.argwhere / torch.nonzero: int64 (count, rank) coordinates. */
TRUENO_API trueno_status trueno_nonzero(const trueno_tensor *t, trueno_tensor **out);

/* ======================================================================== */
/* Element-wise operations, with NumPy broadcasting                         */
/* ======================================================================== */
/*
 * Binary: shapes broadcast (aligned from the right; extents equal or 1)
 * and dtypes promote (NumPy 2 result_type among bool and integers; the
 * float where an integer meets a float; float32 for float16 with
 * bfloat16). Ops defined only on floats (divide, atan2, hypot, copysign)
 * compute integer inputs in float32, as PyTorch. Comparisons and logical
 * ops give bool. Integers wrap. bool add is or, multiply is and.
 * Errors: SHAPE_MISMATCH (both shapes and the failing axis);
 * DTYPE_UNSUPPORTED (e.g. subtract of bool, bitwise ops of floats);
 * DIVISION_BY_ZERO for an integer floor_divide/remainder/fmod by 0;
 * INVALID_ARGUMENT for an integer power with a negative exponent.
 * floor_divide and remainder follow Python's sign rule (NumPy's divmod);
 * fmod follows C's; maximum/minimum propagate NaN, fmax/fmin ignore it.
 *
 * Unary: same shape and dtype (bool for isnan/isinf/isfinite/logical_not);
 * math functions compute integer inputs in float32. Tolerances per op and
 * dtype are in docs/ops.md.
 */
#define TRUENO_BINARY_OPS(X)                                                  \
    X(subtract, SUBTRACT) X(divide, DIVIDE) X(floor_divide, FLOOR_DIVIDE)     \
    X(remainder, REMAINDER) X(fmod, FMOD) X(power, POWER) X(maximum, MAXIMUM) \
    X(minimum, MINIMUM) X(fmax, FMAX) X(fmin, FMIN) X(atan2, ATAN2)           \
    X(hypot, HYPOT) X(copysign, COPYSIGN) X(equal, EQUAL)                     \
    X(not_equal, NOT_EQUAL) X(less, LESS) X(less_equal, LESS_EQUAL)           \
    X(greater, GREATER) X(greater_equal, GREATER_EQUAL)                       \
    X(logical_and, LOGICAL_AND) X(logical_or, LOGICAL_OR)                     \
    X(logical_xor, LOGICAL_XOR) X(bitwise_and, BITWISE_AND)                   \
    X(bitwise_or, BITWISE_OR) X(bitwise_xor, BITWISE_XOR)
#define TRUENO_UNARY_OPS(X)                                                   \
    X(negative, NEGATIVE) X(abs, ABS) X(sign, SIGN) X(reciprocal, RECIPROCAL) \
    X(sqrt, SQRT) X(rsqrt, RSQRT) X(square, SQUARE) X(exp, EXP) X(exp2, EXP2) \
    X(expm1, EXPM1) X(log, LOG) X(log2, LOG2) X(log10, LOG10) X(log1p, LOG1P) \
    X(sin, SIN) X(cos, COS) X(tan, TAN) X(arcsin, ARCSIN) X(arccos, ARCCOS)   \
    X(arctan, ARCTAN) X(sinh, SINH) X(cosh, COSH) X(tanh, TANH)               \
    X(arcsinh, ARCSINH) X(arccosh, ARCCOSH) X(arctanh, ARCTANH) X(erf, ERF)   \
    X(erfc, ERFC) X(floor, FLOOR) X(ceil, CEIL) X(round, ROUND) X(trunc, TRUNC) \
    X(isnan, ISNAN) X(isinf, ISINF) X(isfinite, ISFINITE)                     \
    X(logical_not, LOGICAL_NOT) X(relu, RELU) X(relu6, RELU6) X(selu, SELU)   \
    X(sigmoid, SIGMOID) X(hardsigmoid, HARDSIGMOID) X(silu, SILU) X(mish, MISH) \
    X(hardswish, HARDSWISH) X(softsign, SOFTSIGN) X(logsigmoid, LOGSIGMOID)

TRUENO_API trueno_status trueno_add(const trueno_tensor *a, const trueno_tensor *b,
                                    trueno_tensor **out);
TRUENO_API trueno_status trueno_multiply(const trueno_tensor *a, const trueno_tensor *b,
                                         trueno_tensor **out);
#define TRUENO_X_(fn, NAME)                                                   \
    TRUENO_API trueno_status trueno_##fn(const trueno_tensor *a, const trueno_tensor *b, \
                                         trueno_tensor **out);
TRUENO_BINARY_OPS(TRUENO_X_)
#undef TRUENO_X_
#define TRUENO_X_(fn, NAME)                                                   \
    TRUENO_API trueno_status trueno_##fn(const trueno_tensor *a, trueno_tensor **out);
TRUENO_UNARY_OPS(TRUENO_X_)
#undef TRUENO_X_

/* numpy.clip with tensor bounds (broadcast): minimum(maximum(x, lo), hi). */
TRUENO_API trueno_status trueno_clip(const trueno_tensor *x, const trueno_tensor *lo,
                                     const trueno_tensor *hi, trueno_tensor **out);
/* The same with scalar bounds; NaN for a missing bound. */
TRUENO_API trueno_status trueno_clip_scalar(const trueno_tensor *x, double lo, double hi,
                                            trueno_tensor **out);
/* a·b + c with one rounding (C's fma; float32 through fmaf). */
TRUENO_API trueno_status trueno_fma(const trueno_tensor *a, const trueno_tensor *b,
                                    const trueno_tensor *c, trueno_tensor **out);
/* torch.lerp: start + weight·(end − start). */
TRUENO_API trueno_status trueno_lerp(const trueno_tensor *start, const trueno_tensor *end,
                                     const trueno_tensor *weight, trueno_tensor **out);
/* numpy.where: cond (any dtype, as bool) ? a : b, all broadcast together. */
TRUENO_API trueno_status trueno_where(const trueno_tensor *cond, const trueno_tensor *a,
                                      const trueno_tensor *b, trueno_tensor **out);

/* Activations with parameters (PyTorch defaults in brackets). */
TRUENO_API trueno_status trueno_leaky_relu(const trueno_tensor *x, double negative_slope /* 0.01 */,
                                           trueno_tensor **out);
TRUENO_API trueno_status trueno_elu(const trueno_tensor *x, double alpha /* 1 */, trueno_tensor **out);
TRUENO_API trueno_status trueno_celu(const trueno_tensor *x, double alpha /* 1 */, trueno_tensor **out);
/* approximate: 0 the exact erf form, 1 the tanh approximation. */
TRUENO_API trueno_status trueno_gelu(const trueno_tensor *x, int approximate /* 0 */,
                                     trueno_tensor **out);
TRUENO_API trueno_status trueno_softplus(const trueno_tensor *x, double beta /* 1 */,
                                         double threshold /* 20 */, trueno_tensor **out);
/* softmax / log_softmax along axis, max-subtracted. */
TRUENO_API trueno_status trueno_softmax(const trueno_tensor *x, int axis, trueno_tensor **out);
TRUENO_API trueno_status trueno_log_softmax(const trueno_tensor *x, int axis, trueno_tensor **out);

/* ======================================================================== */
/* Reductions                                                               */
/* ======================================================================== */
/*
 * Over `axes` (n_axes entries; negative counts from the end; none = all
 * axes), keeping reduced axes as extent 1 when keepdims. Float sums are
 * pairwise in float64 (Higham, SIAM J. Sci. Comput. 14(4), 1993), so they
 * are accurate to a few ULP at any length. sum and prod give int64 for
 * bool and integers (torch.sum); mean, var, std, logsumexp and norm
 * compute integers in float32; all, any give bool; count_nonzero int64.
 * amin/amax propagate NaN. Errors: INVALID_ARGUMENT for a bad or repeated
 * axis, and for amin/amax over an empty axis (no identity).
 */
#define TRUENO_REDUCE_OPS(X)                                                  \
    X(prod, PROD) X(mean, MEAN) X(amin, AMIN) X(amax, AMAX) X(min, AMIN)      \
    X(max, AMAX) X(all, ALL) X(any, ANY) X(count_nonzero, COUNT_NONZERO)      \
    X(logsumexp, LOGSUMEXP)
TRUENO_API trueno_status trueno_sum(const trueno_tensor *a, const int *axes, size_t n_axes,
                                    int keepdims, trueno_tensor **out);
#define TRUENO_X_(fn, NAME)                                                   \
    TRUENO_API trueno_status trueno_##fn(const trueno_tensor *a, const int *axes, size_t n_axes, \
                                         int keepdims, trueno_tensor **out);
TRUENO_REDUCE_OPS(TRUENO_X_)
#undef TRUENO_X_
/* numpy.var / numpy.std with ddof = correction (0 population, 1 sample;
 * torch's default is 1, NumPy's 0). Two-pass in float64. */
TRUENO_API trueno_status trueno_var(const trueno_tensor *a, const int *axes, size_t n_axes,
                                    double correction, int keepdims, trueno_tensor **out);
TRUENO_API trueno_status trueno_std(const trueno_tensor *a, const int *axes, size_t n_axes,
                                    double correction, int keepdims, trueno_tensor **out);
typedef enum trueno_norm_ord {
    TRUENO_NORM_L1 = 1,   /* sum |x| */
    TRUENO_NORM_L2 = 2,   /* sqrt(sum x²); over two axes it is Frobenius */
    TRUENO_NORM_LINF = 3  /* max |x| */
} trueno_norm_ord;
TRUENO_API trueno_status trueno_norm(const trueno_tensor *a, trueno_norm_ord ord, const int *axes,
                                     size_t n_axes, int keepdims, trueno_tensor **out);
/* Pass as axis for argmin/argmax to get the index into the flattened
 * tensor (numpy's axis=None). */
#define TRUENO_AXIS_NONE INT32_MIN
/* numpy.argmin / argmax: int64, first occurrence, NaN counts as extreme. */
TRUENO_API trueno_status trueno_argmin(const trueno_tensor *a, int axis, int keepdims,
                                       trueno_tensor **out);
TRUENO_API trueno_status trueno_argmax(const trueno_tensor *a, int axis, int keepdims,
                                       trueno_tensor **out);
/* Running sum / product along axis (int64 for bool and integers). */
TRUENO_API trueno_status trueno_cumsum(const trueno_tensor *a, int axis, trueno_tensor **out);
TRUENO_API trueno_status trueno_cumprod(const trueno_tensor *a, int axis, trueno_tensor **out);
/* torch.topk: the k largest (or smallest) along axis, sorted, with their
 * int64 indices; equal values keep index order. */
TRUENO_API trueno_status trueno_topk(const trueno_tensor *a, int64_t k, int axis, int largest,
                                     trueno_tensor **values, trueno_tensor **indices);
/* Stable sort / argsort along axis; NaN sorts last ascending, first
 * descending (it counts as the largest value). */
TRUENO_API trueno_status trueno_sort(const trueno_tensor *a, int axis, int descending,
                                     trueno_tensor **out);
TRUENO_API trueno_status trueno_argsort(const trueno_tensor *a, int axis, int descending,
                                        trueno_tensor **out);

/* ======================================================================== */
/* Linear algebra                                                           */
/* ======================================================================== */

/* numpy.matmul: 1-D operands are promoted (a row, a column) and the added
 * axes removed; operands of rank > 2 are stacks of matrices whose batch
 * axes broadcast. Float products accumulate in float64 on the reference
 * backend. Errors: SHAPE_MISMATCH ("Inner dimensions do not match (4 ≠ 5)"
 * with a transpose hint, or batch axes that do not broadcast). */
TRUENO_API trueno_status trueno_matmul(const trueno_tensor *a, const trueno_tensor *b,
                                       trueno_tensor **out);
/* numpy.dot for 0-D (multiply), 1-D (inner product, 0-d result) and 2-D
 * operands (matmul). */
TRUENO_API trueno_status trueno_dot(const trueno_tensor *a, const trueno_tensor *b,
                                    trueno_tensor **out);
/* numpy.vdot: dot of the flattened operands (real dtypes). */
TRUENO_API trueno_status trueno_vdot(const trueno_tensor *a, const trueno_tensor *b,
                                     trueno_tensor **out);
/* numpy.inner: sum over the last axes; shape a[:-1] + b[:-1]. */
TRUENO_API trueno_status trueno_inner(const trueno_tensor *a, const trueno_tensor *b,
                                      trueno_tensor **out);
/* numpy.outer: (a.size, b.size) of products of the flattened operands. */
TRUENO_API trueno_status trueno_outer(const trueno_tensor *a, const trueno_tensor *b,
                                      trueno_tensor **out);
/* matrix (m, n) times vector (n) → (m). */
TRUENO_API trueno_status trueno_matvec(const trueno_tensor *a, const trueno_tensor *x,
                                       trueno_tensor **out);
/* BLAS ?gemm, functional: alpha·op(a)·op(b) + beta·c where op transposes
 * when trans_a / trans_b are set (a view: strided operands are read in
 * place, never copied). c is (m, n) and is not changed; beta == 0 ignores
 * c's values (NaN included), as BLAS does. Float dtypes. */
TRUENO_API trueno_status trueno_gemm(int trans_a, int trans_b, double alpha, const trueno_tensor *a,
                                     const trueno_tensor *b, double beta, const trueno_tensor *c,
                                     trueno_tensor **out);
/* numpy.trace of a 2-D tensor: the sum of its main diagonal. */
TRUENO_API trueno_status trueno_trace(const trueno_tensor *a, trueno_tensor **out);

/* ======================================================================== */
/* Neural-network functions (torch.nn.functional semantics)                 */
/* ======================================================================== */

/* x (..., in) · weightᵀ (out, in) + bias (out; NULL for none). */
TRUENO_API trueno_status trueno_linear(const trueno_tensor *x, const trueno_tensor *weight,
                                       const trueno_tensor *bias, trueno_tensor **out);
/* conv2d: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) or NULL;
 * stride, padding, dilation are (h, w) pairs. Output (N, O, OH, OW) with
 * OH = (H + 2·pad − dil·(kh−1) − 1)/stride + 1. Direct convolution,
 * float64 accumulation on the reference backend. */
TRUENO_API trueno_status trueno_conv2d(const trueno_tensor *x, const trueno_tensor *weight,
                                       const trueno_tensor *bias, const int64_t stride[2],
                                       const int64_t padding[2], const int64_t dilation[2],
                                       int64_t groups, trueno_tensor **out);
/* conv1d: x (N, C, L), weight (O, C/groups, k); a conv2d of height 1. */
TRUENO_API trueno_status trueno_conv1d(const trueno_tensor *x, const trueno_tensor *weight,
                                       const trueno_tensor *bias, int64_t stride, int64_t padding,
                                       int64_t dilation, int64_t groups, trueno_tensor **out);
/* Pooling over (N, C, H, W); kernel/stride/padding/dilation are (h, w)
 * pairs (stride NULL: the kernel). max_pool2d pads with −inf, propagates
 * NaN; avg_pool2d's divisor counts padding when count_include_pad. */
TRUENO_API trueno_status trueno_max_pool2d(const trueno_tensor *x, const int64_t kernel[2],
                                           const int64_t stride[2], const int64_t padding[2],
                                           const int64_t dilation[2], int ceil_mode,
                                           trueno_tensor **out);
TRUENO_API trueno_status trueno_avg_pool2d(const trueno_tensor *x, const int64_t kernel[2],
                                           const int64_t stride[2], const int64_t padding[2],
                                           int ceil_mode, int count_include_pad, trueno_tensor **out);
TRUENO_API trueno_status trueno_adaptive_avg_pool2d(const trueno_tensor *x, int64_t out_h,
                                                    int64_t out_w, trueno_tensor **out);
/* Inference batch norm with running statistics over axis 1 (C);
 * weight/bias NULL mean 1 and 0. */
TRUENO_API trueno_status trueno_batch_norm(const trueno_tensor *x, const trueno_tensor *running_mean,
                                           const trueno_tensor *running_var,
                                           const trueno_tensor *weight, const trueno_tensor *bias,
                                           double eps /* 1e-5 */, trueno_tensor **out);
/* layer_norm over the last n_axes axes (weight/bias of that shape, or
 * NULL); rms_norm x / sqrt(mean(x²) + eps) · weight; group_norm over
 * `groups` channel groups of (N, C, ...). Biased variance, two-pass. */
TRUENO_API trueno_status trueno_layer_norm(const trueno_tensor *x, size_t n_axes,
                                           const trueno_tensor *weight, const trueno_tensor *bias,
                                           double eps /* 1e-5 */, trueno_tensor **out);
TRUENO_API trueno_status trueno_rms_norm(const trueno_tensor *x, size_t n_axes,
                                         const trueno_tensor *weight, double eps /* 1e-6 */,
                                         trueno_tensor **out);
TRUENO_API trueno_status trueno_group_norm(const trueno_tensor *x, int64_t groups,
                                           const trueno_tensor *weight, const trueno_tensor *bias,
                                           double eps /* 1e-5 */, trueno_tensor **out);
/* Zeroes each element with probability p and scales the rest by 1/(1−p)
 * when training (else returns a copy); the mask comes from Philox4x32-10
 * (seed, element index), so it is reproducible and thread-independent. */
TRUENO_API trueno_status trueno_dropout(const trueno_tensor *x, double p, uint64_t seed,
                                        int training, trueno_tensor **out);
/* Rows of weight (num, dim) at integer indices: output indices.shape + (dim). */
TRUENO_API trueno_status trueno_embedding(const trueno_tensor *weight, const trueno_tensor *indices,
                                          trueno_tensor **out);
/* x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along axis (dropped), broadcast. */
TRUENO_API trueno_status trueno_cosine_similarity(const trueno_tensor *x1, const trueno_tensor *x2,
                                                  int axis, double eps /* 1e-8 */,
                                                  trueno_tensor **out);
/* p-norm distances between the rows of x1 (P, M) and x2 (R, M) → (P, R);
 * p = INFINITY for the largest difference. */
TRUENO_API trueno_status trueno_cdist(const trueno_tensor *x1, const trueno_tensor *x2, double p,
                                      trueno_tensor **out);

typedef enum trueno_reduction {
    TRUENO_REDUCTION_NONE = 0,
    TRUENO_REDUCTION_MEAN = 1,
    TRUENO_REDUCTION_SUM = 2
} trueno_reduction;
/* Losses: logits/log-probabilities (N, C) with int64 class targets (N);
 * targets equal to ignore_index count for nothing (mean divides by the
 * rest). label_smoothing spreads that much of each target over all
 * classes. Errors: INDEX_OUT_OF_RANGE for a target outside 0..C-1. */
TRUENO_API trueno_status trueno_cross_entropy(const trueno_tensor *logits, const trueno_tensor *target,
                                              trueno_reduction reduction, int64_t ignore_index /* -100 */,
                                              double label_smoothing, trueno_tensor **out);
TRUENO_API trueno_status trueno_nll_loss(const trueno_tensor *log_probs, const trueno_tensor *target,
                                         trueno_reduction reduction, int64_t ignore_index,
                                         trueno_tensor **out);
/* Element-wise losses of input and target (broadcast). */
TRUENO_API trueno_status trueno_mse_loss(const trueno_tensor *input, const trueno_tensor *target,
                                         trueno_reduction reduction, trueno_tensor **out);
TRUENO_API trueno_status trueno_l1_loss(const trueno_tensor *input, const trueno_tensor *target,
                                        trueno_reduction reduction, trueno_tensor **out);
TRUENO_API trueno_status trueno_smooth_l1_loss(const trueno_tensor *input, const trueno_tensor *target,
                                               trueno_reduction reduction, double beta /* 1 */,
                                               trueno_tensor **out);
/* input in [0, 1]; log clamped at −100 as PyTorch. */
TRUENO_API trueno_status trueno_binary_cross_entropy(const trueno_tensor *input,
                                                     const trueno_tensor *target,
                                                     trueno_reduction reduction, trueno_tensor **out);
TRUENO_API trueno_status trueno_binary_cross_entropy_with_logits(const trueno_tensor *input,
                                                                 const trueno_tensor *target,
                                                                 trueno_reduction reduction,
                                                                 trueno_tensor **out);

/* ======================================================================== */
/* Statistics                                                               */
/* ======================================================================== */

/* numpy.cov / numpy.corrcoef: rows are variables, columns observations
 * (a 1-D input is one variable); ddof 1 for cov as NumPy's default. */
TRUENO_API trueno_status trueno_covariance(const trueno_tensor *x, double ddof, trueno_tensor **out);
TRUENO_API trueno_status trueno_correlation(const trueno_tensor *x, trueno_tensor **out);
/* scipy.stats.zscore along axis: (x − mean) / std with ddof. */
TRUENO_API trueno_status trueno_zscore(const trueno_tensor *x, int axis, double ddof,
                                       trueno_tensor **out);
/* (x − min) / (max − min) along axis (sklearn's minmax_scale). */
TRUENO_API trueno_status trueno_minmax_normalize(const trueno_tensor *x, int axis,
                                                 trueno_tensor **out);

/* ======================================================================== */
/* Files and interchange                                                    */
/* ======================================================================== */

/* Reads a .npy file (NumPy format 1.0, 2.0 and 3.0: numpy.lib.format):
 * bool, int8–int64, uint8, float16/32/64, either byte order, C or Fortran
 * order. Refused with INVALID_ARGUMENT or IO_ERROR and a message: object
 * arrays and pickles, structured and other dtypes (uint16–uint64 too:
 * Trueno has no such dtypes), a header over 10000 bytes (NumPy's cap),
 * truncated data, a shape whose size overflows. */
TRUENO_API trueno_status trueno_npy_load(trueno_runtime *rt, const char *path, trueno_tensor **out);
/* The same from memory (the bytes are copied). */
TRUENO_API trueno_status trueno_npy_load_buffer(trueno_runtime *rt, const void *data, size_t size,
                                                trueno_tensor **out);
/* Writes t as .npy version 1.0 (2.0 when the header needs it), C order,
 * little-endian. bfloat16 has no NumPy dtype: refused (cast it first). */
TRUENO_API trueno_status trueno_npy_save(const trueno_tensor *t, const char *path);

/* DLPack (dlpack.h, v0.6, as Debian's libdlpack-dev ships it). Export:
 * a DLManagedTensor (as void *) that keeps t's storage alive until its
 * deleter runs; data on the host (CPU device). bfloat16 exports as
 * kDLBfloat. Import: a tensor over the DLManagedTensor's CPU memory, no
 * copy; its deleter is called when the last view goes. Errors: non-CPU
 * devices, lanes != 1, dtypes Trueno lacks. */
TRUENO_API trueno_status trueno_to_dlpack(const trueno_tensor *t, void **dl_managed_tensor);
TRUENO_API trueno_status trueno_from_dlpack(trueno_runtime *rt, void *dl_managed_tensor,
                                            trueno_tensor **out);

/* ======================================================================== */
/* The generic entry and the op table                                       */
/* ======================================================================== */

/* Runs a kernel op of TRUENO_OP_MAP exactly as a device receives it:
 * inputs already in the op's layout (same-dtype data inputs, broadcast
 * shapes, keepdims reductions; conventions above TRUENO_OP_MAP), `params`
 * as documented per op (NULL: zeros), and preallocated outputs (e.g. from
 * trueno_tensor_empty) of the op's shapes and dtypes, written in place.
 * trueno-bench and the conformance suite drive every op from the table
 * through it. The descriptor is validated before any device sees it
 * (INVALID_ARGUMENT / DTYPE_UNSUPPORTED naming the rule broken); a failing
 * call leaves the outputs unchanged. */
TRUENO_API trueno_status trueno_op_run(trueno_op_code op, const trueno_tensor *const *inputs,
                                       size_t n_inputs, const trueno_op_params *params,
                                       trueno_tensor **outputs, size_t n_outputs);

/* Plans: an op checked and placed once, then run many times — what a
 * loop over small tensors wants (a 1K-element float32 add through
 * trueno_op_run spends most of its time validating the operands and
 * asking every device for an estimate; a plan does that once).
 *
 * trueno_plan_create takes the arguments of trueno_op_run, checks them
 * the same way (same errors) and asks the dispatcher which device would
 * run the op now, for these operands where their data is now; it runs
 * nothing. The plan remembers each operand's dtype, shape and strides
 * (not the tensors: they may be freed) and that device. Errors:
 * trueno_op_run's; UNSUPPORTED when no device can run the op;
 * OUT_OF_MEMORY. Free the plan with trueno_plan_free, before its
 * runtime is destroyed.
 *
 * trueno_plan_run runs the op on operands of exactly the plan's layouts
 * (any tensors of the same runtime, any data, any offset into their
 * storage; outputs preallocated and written in place, as trueno_op_run)
 * on the planned device, moving inputs there if they are elsewhere.
 * Operands of another dtype, shape or strides: SHAPE_MISMATCH naming the
 * operand and both layouts, nothing run. If that device fails (out of
 * memory, lost, declines the data) or is no longer allowed (another
 * backend forced), the op goes to the dispatcher as trueno_op_run would
 * send it; ops whose kernels may refuse their data (integer division by
 * zero, out-of-range indices) always do. A failing run leaves the outputs
 * unchanged. A plan is read-only while it runs: several threads may run
 * one plan at once (on different outputs).
 *
 * trueno_plan_backend: the plugin name of the planned device ("cpu-x86",
 * "reference", ...), or NULL where every run goes to trueno_op_run. */
typedef struct trueno_plan trueno_plan;
TRUENO_API trueno_status trueno_plan_create(trueno_op_code op, const trueno_tensor *const *inputs,
                                            size_t n_inputs, const trueno_op_params *params,
                                            trueno_tensor *const *outputs, size_t n_outputs,
                                            trueno_plan **plan);
TRUENO_API trueno_status trueno_plan_run(const trueno_plan *plan, const trueno_tensor *const *inputs,
                                         trueno_tensor *const *outputs);
TRUENO_API const char *trueno_plan_backend(const trueno_plan *plan);
TRUENO_API void trueno_plan_free(trueno_plan *plan);

/* The op table, for tools (trueno-bench, the conformance suite, docs):
 * one entry of TRUENO_OP_MAP; NULL for an unknown code. */
typedef struct trueno_op_info {
    uint32_t struct_size;
    uint32_t code;
    uint32_t n_inputs;
    uint32_t n_outputs;
    uint32_t op_class;          /* trueno_op_class */
    uint32_t dtypes;            /* TRUENO_DTYPE_BIT mask a device receives */
    uint32_t out_rule;          /* trueno_out_rule */
    uint32_t tol_class;         /* trueno_tol_class; see trueno_tolerance() */
    const char *name;
    const char *numpy;
    const char *torch;
} trueno_op_info;
TRUENO_API const trueno_op_info *trueno_op_lookup(trueno_op_code op);
/* The tolerance an op's result in `dtype` is held to (trueno_tolerance of
 * its class): returns the bound and writes the trueno_tolerance_kind
 * (EXACT, ULP: units in the last place of dtype, NORM: |got − exact| ≤
 * bound · scale, scale the sum of |terms| or the largest |result|).
 * Unknown op: -1. */
TRUENO_API double trueno_op_tolerance(trueno_op_code op, trueno_dtype dtype, uint32_t *kind);

#ifdef __cplusplus
}
#endif

#endif /* TRUENO_H */
