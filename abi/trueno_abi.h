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
#define TRUENO_ABI_MINOR 1

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

/* Tolerance classes of the op table. Added in 1.0. */
typedef enum trueno_tol_class {
    TRUENO_TOL_CLASS_EXACT = 0,  /* bit-identical (any NaN matches any NaN) */
    TRUENO_TOL_CLASS_ULP1 = 1,   /* 1 ULP of the output dtype */
    TRUENO_TOL_CLASS_ULP4 = 2,   /* 4 ULP (float32/64), 1 ULP (float16/bfloat16):
                                    math functions and activations */
    TRUENO_TOL_CLASS_SUM = 3,    /* NORM: 1e-6 float32, 1e-14 float64,
                                    1e-3 float16, 8e-3 bfloat16 */
    TRUENO_TOL_CLASS_MATMUL = 4  /* NORM: 5e-4 float32, 1e-12 float64,
                                    2e-3 float16, 1e-2 bfloat16 */
} trueno_tol_class;

/* How an op's output dtype follows from its input dtype. Added in 1.0. */
typedef enum trueno_out_rule {
    TRUENO_OUT_SAME = 0,   /* the input dtype */
    TRUENO_OUT_BOOL = 1,   /* bool (comparisons, predicates) */
    TRUENO_OUT_INT64 = 2,  /* int64 (indices, counts) */
    TRUENO_OUT_ACCUM = 3   /* int64 for bool and integers, else the input's
                              (sum, prod, cumsum, cumprod) */
} trueno_out_rule;

/*
 * Every op Trueno knows, once. The core generates its public entry points'
 * checks, the reference backend's registration, the conformance cases, the
 * benchmark cells and docs/ops.md from this list.
 *
 * X(NAME, code, "name", n_in, n_out, class, dtypes, out_rule, "NumPy",
 *   "PyTorch", tolerance class)
 *
 * code       fixed value of TRUENO_OP_<NAME>; 0 is never an op.
 * dtypes     mask of input dtypes a device receives. The data inputs share
 *            op->dtype: the core casts mixed inputs to their promoted type
 *            first, and casts bool/integer inputs to float32 for ops whose
 *            mask holds only floats (exp of an int32 is float32, as in
 *            PyTorch). Index, mask and condition inputs keep their own
 *            dtype (int64 indices, bool masks) and are named below.
 * tolerance  EXACT, ULP1, ULP4, SUM or MATMUL: what a plugin's result must
 *            meet against the reference backend (and the reference against
 *            NumPy/PyTorch); trueno_tolerance() gives the kind and bound per
 *            dtype. Integer and bool results are always exact.
 *
 * Operand conventions (what a device receives in trueno_op_desc):
 *  - Element-wise ops (class ELEMENTWISE): inputs and output share rank and
 *    shape; a broadcast input has stride 0 along broadcast axes.
 *  - Reductions with an axis mask (SUM … NORM): the output has the input's
 *    rank with the reduced axes of extent 1 (keepdims form);
 *    params.ints[0] is the bit mask of reduced axes (bit i: axis i).
 *  - Ops along one axis (SOFTMAX, LOG_SOFTMAX, CUMSUM, CUMPROD, TOPK, SORT,
 *    ARGSORT, INDEX_SELECT, GATHER, SCATTER): params.ints[0] is the axis,
 *    0 <= axis < rank.
 *  - Losses: params.ints[0] is the reduction (0 none, 1 mean, 2 sum); for
 *    mean and sum the output is 0-d, for none it has the per-element shape.
 *  - bool: ADD is or, MULTIPLY is and. Integers wrap (two's complement).
 *  - Integer division by zero (FLOOR_DIVIDE, REMAINDER, FMOD) and a negative
 *    integer exponent (POWER) are TRUENO_DIVISION_BY_ZERO and
 *    TRUENO_INVALID_ARGUMENT; an index out of range is
 *    TRUENO_INDEX_OUT_OF_RANGE: never a crash.
 *
 * Per-op parameters (unlisted entries are zero):
 *  SUM/PROD/MEAN/AMIN/AMAX/ALL/ANY/COUNT_NONZERO/LOGSUMEXP  ints[0] mask
 *  VAR, STD       ints[0] mask; floats[0] correction (ddof; 1 is Bessel's)
 *  ARGMIN/ARGMAX  ints[0] mask of exactly one axis, or of every axis for
 *                 the flat index; first occurrence; NaN counts as extreme
 *  NORM           ints[0] mask; ints[1] ord: 1 sum|x|, 2 sqrt(sum x^2)
 *                 (vector 2-norm and Frobenius), 3 max|x|
 *  CAST           output dtype from the output; float→int truncates toward
 *                 zero into int64 (NaN→0, saturating), then wraps to the
 *                 target width (NumPy's x86-64 result); →float16/bfloat16
 *                 round to nearest even; →bool is x != 0
 *  CONTIGUOUS     copies the input into the output's layout (which may be a
 *                 strided view into a larger tensor)
 *  CLIP           inputs x, lo, hi (broadcast): minimum(maximum(x, lo), hi)
 *  WHERE          inputs cond (bool), a, b: cond ? a : b; op->dtype is a's
 *  LEAKY_RELU     floats[0] negative_slope
 *  ELU, CELU      floats[0] alpha
 *  GELU           ints[1] 1 for the tanh approximation, 0 for exact erf
 *  SOFTPLUS       floats[0] beta, floats[1] threshold
 *  SOFTMAX, LOG_SOFTMAX  ints[0] axis; max-subtracted (stable)
 *  CUMSUM/CUMPROD ints[0] axis
 *  TOPK           ints[0] axis, ints[1] k, ints[2] 1 largest / 0 smallest;
 *                 outputs values and int64 indices, sorted, ties by index
 *  SORT, ARGSORT  ints[0] axis, ints[1] 1 descending; stable; NaN last
 *  MATMUL         a (..., m, k), b (..., k, n) → (..., m, n); batch axes of
 *                 equal extents (broadcast ones have stride 0)
 *  GEMM           a (m, k), b (k, n), c (m, n) → alpha·a·b + beta·c with
 *                 floats[0] alpha, floats[1] beta (transposes are views)
 *  CONV2D         x (N, C, H, W), w (O, C/groups, kh, kw), bias (O);
 *                 ints[0..1] stride, [2..3] padding, [4..5] dilation,
 *                 [6] groups
 *  MAX_POOL2D     ints[0..1] kernel, [2..3] stride, [4..5] padding,
 *                 [6..7] dilation; padding is -inf
 *  AVG_POOL2D     ints[0..1] kernel, [2..3] stride, [4..5] padding,
 *                 [6] count_include_pad
 *  ADAPTIVE_AVG_POOL2D  output size from the output's shape; bins as
 *                 PyTorch: [floor(i·H/oh), ceil((i+1)·H/oh))
 *  BATCH_NORM     x (N, C, ...), running_mean, running_var, weight, bias
 *                 (C); floats[0] eps
 *  LAYER_NORM     x, weight, bias (the last ints[0] axes' shape); floats[0]
 *                 eps
 *  RMS_NORM       x, weight (the last ints[0] axes' shape); floats[0] eps
 *  GROUP_NORM     x (N, C, ...), weight, bias (C); ints[0] groups;
 *                 floats[0] eps
 *  DROPOUT        floats[0] p; ints[0] seed (Philox4x32-10, element i of the
 *                 output uses counter i, so the mask depends on nothing else)
 *  COSINE_SIMILARITY  x1, x2 (same shape); ints[0] axis; floats[0] eps;
 *                 the output keeps the axis with extent 1
 *  CDIST          x1 (P, M), x2 (R, M) → (P, R); floats[0] p (> 0, or
 *                 +inf)
 *  CROSS_ENTROPY  logits (N, C), target int64 (N); ints[1] ignore_index;
 *                 floats[0] label_smoothing
 *  NLL_LOSS       log-probabilities (N, C), target int64 (N); ints[1]
 *                 ignore_index
 *  SMOOTH_L1_LOSS floats[0] beta
 *  BINARY_CROSS_ENTROPY  input, target; log clamped at -100 (as PyTorch)
 *  INDEX_SELECT   x, index int64 (n) → x with axis extent n
 *  GATHER         x, index int64 (index's shape = output's shape)
 *  SCATTER        x, index int64, src; ints[1] 0 assign, 1 add; output is
 *                 a copy of x updated in index order
 *  MASKED_SELECT  x, mask bool (same shape) → 1-D of the selected values
 *  NONZERO        x → int64 (count, rank) of the non-zero positions
 *
 * Added in 1.0: every op below.
 */
#define TRUENO_X_EW TRUENO_OP_CLASS_ELEMENTWISE
#define TRUENO_X_RD TRUENO_OP_CLASS_REDUCTION
#define TRUENO_X_MM TRUENO_OP_CLASS_MATMUL
#define TRUENO_X_CP TRUENO_OP_CLASS_COPY
#define TRUENO_X_ALL TRUENO_DTYPES_ALL
#define TRUENO_X_NUM (TRUENO_DTYPES_INT | TRUENO_DTYPES_FLOAT)
#define TRUENO_X_FLT TRUENO_DTYPES_FLOAT
#define TRUENO_X_INTB (TRUENO_DTYPES_INT | TRUENO_DTYPE_BIT(TRUENO_DTYPE_BOOL))

#define TRUENO_OP_MAP(X)                                                      \
    /* --- element-wise binary ----------------------------------------- */  \
    X(ADD, 1, "add", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.add", "torch.add", EXACT) \
    X(MULTIPLY, 2, "multiply", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.multiply", "torch.mul", EXACT) \
    X(SUBTRACT, 8, "subtract", 2, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.subtract", "torch.sub", EXACT) \
    X(DIVIDE, 9, "divide", 2, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.divide", "torch.div", EXACT) \
    X(FLOOR_DIVIDE, 10, "floor_divide", 2, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.floor_divide", "torch.floor_divide", ULP1) \
    X(REMAINDER, 11, "remainder", 2, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.remainder", "torch.remainder", ULP1) \
    X(FMOD, 12, "fmod", 2, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.fmod", "torch.fmod", EXACT) \
    X(POWER, 13, "power", 2, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.power", "torch.pow", ULP4) \
    X(MAXIMUM, 14, "maximum", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.maximum", "torch.maximum", EXACT) \
    X(MINIMUM, 15, "minimum", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.minimum", "torch.minimum", EXACT) \
    X(FMAX, 16, "fmax", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.fmax", "torch.fmax", EXACT) \
    X(FMIN, 17, "fmin", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.fmin", "torch.fmin", EXACT) \
    X(ATAN2, 18, "atan2", 2, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.arctan2", "torch.atan2", ULP4) \
    X(HYPOT, 19, "hypot", 2, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.hypot", "torch.hypot", ULP4) \
    X(COPYSIGN, 20, "copysign", 2, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.copysign", "torch.copysign", EXACT) \
    X(EQUAL, 21, "equal", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.equal", "torch.eq", EXACT) \
    X(NOT_EQUAL, 22, "not_equal", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.not_equal", "torch.ne", EXACT) \
    X(LESS, 23, "less", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.less", "torch.lt", EXACT) \
    X(LESS_EQUAL, 24, "less_equal", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.less_equal", "torch.le", EXACT) \
    X(GREATER, 25, "greater", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.greater", "torch.gt", EXACT) \
    X(GREATER_EQUAL, 26, "greater_equal", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.greater_equal", "torch.ge", EXACT) \
    X(LOGICAL_AND, 27, "logical_and", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.logical_and", "torch.logical_and", EXACT) \
    X(LOGICAL_OR, 28, "logical_or", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.logical_or", "torch.logical_or", EXACT) \
    X(LOGICAL_XOR, 29, "logical_xor", 2, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.logical_xor", "torch.logical_xor", EXACT) \
    X(BITWISE_AND, 30, "bitwise_and", 2, 1, TRUENO_X_EW, TRUENO_X_INTB, TRUENO_OUT_SAME, "numpy.bitwise_and", "torch.bitwise_and", EXACT) \
    X(BITWISE_OR, 31, "bitwise_or", 2, 1, TRUENO_X_EW, TRUENO_X_INTB, TRUENO_OUT_SAME, "numpy.bitwise_or", "torch.bitwise_or", EXACT) \
    X(BITWISE_XOR, 32, "bitwise_xor", 2, 1, TRUENO_X_EW, TRUENO_X_INTB, TRUENO_OUT_SAME, "numpy.bitwise_xor", "torch.bitwise_xor", EXACT) \
    /* --- element-wise unary ------------------------------------------ */  \
    X(NEGATIVE, 33, "negative", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.negative", "torch.neg", EXACT) \
    X(ABS, 34, "abs", 1, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.abs", "torch.abs", EXACT) \
    X(SIGN, 35, "sign", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.sign", "torch.sign", EXACT) \
    X(RECIPROCAL, 36, "reciprocal", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.reciprocal", "torch.reciprocal", EXACT) \
    X(SQRT, 37, "sqrt", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.sqrt", "torch.sqrt", EXACT) \
    X(RSQRT, 38, "rsqrt", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "1/numpy.sqrt", "torch.rsqrt", ULP4) \
    X(SQUARE, 39, "square", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.square", "torch.square", EXACT) \
    X(EXP, 40, "exp", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.exp", "torch.exp", ULP4) \
    X(EXP2, 41, "exp2", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.exp2", "torch.exp2", ULP4) \
    X(EXPM1, 42, "expm1", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.expm1", "torch.expm1", ULP4) \
    X(LOG, 43, "log", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.log", "torch.log", ULP4) \
    X(LOG2, 44, "log2", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.log2", "torch.log2", ULP4) \
    X(LOG10, 45, "log10", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.log10", "torch.log10", ULP4) \
    X(LOG1P, 46, "log1p", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.log1p", "torch.log1p", ULP4) \
    X(SIN, 47, "sin", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.sin", "torch.sin", ULP4) \
    X(COS, 48, "cos", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.cos", "torch.cos", ULP4) \
    X(TAN, 49, "tan", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.tan", "torch.tan", ULP4) \
    X(ARCSIN, 50, "arcsin", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.arcsin", "torch.asin", ULP4) \
    X(ARCCOS, 51, "arccos", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.arccos", "torch.acos", ULP4) \
    X(ARCTAN, 52, "arctan", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.arctan", "torch.atan", ULP4) \
    X(SINH, 53, "sinh", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.sinh", "torch.sinh", ULP4) \
    X(COSH, 54, "cosh", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.cosh", "torch.cosh", ULP4) \
    X(TANH, 55, "tanh", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.tanh", "torch.tanh", ULP4) \
    X(ARCSINH, 56, "arcsinh", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.arcsinh", "torch.asinh", ULP4) \
    X(ARCCOSH, 57, "arccosh", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.arccosh", "torch.acosh", ULP4) \
    X(ARCTANH, 58, "arctanh", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.arctanh", "torch.atanh", ULP4) \
    X(ERF, 59, "erf", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "scipy.special.erf", "torch.erf", ULP4) \
    X(ERFC, 60, "erfc", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "scipy.special.erfc", "torch.erfc", ULP4) \
    X(FLOOR, 61, "floor", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.floor", "torch.floor", EXACT) \
    X(CEIL, 62, "ceil", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.ceil", "torch.ceil", EXACT) \
    X(ROUND, 63, "round", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.round", "torch.round", EXACT) \
    X(TRUNC, 64, "trunc", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.trunc", "torch.trunc", EXACT) \
    X(ISNAN, 65, "isnan", 1, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.isnan", "torch.isnan", EXACT) \
    X(ISINF, 66, "isinf", 1, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.isinf", "torch.isinf", EXACT) \
    X(ISFINITE, 67, "isfinite", 1, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.isfinite", "torch.isfinite", EXACT) \
    X(LOGICAL_NOT, 68, "logical_not", 1, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.logical_not", "torch.logical_not", EXACT) \
    /* --- element-wise ternary ---------------------------------------- */  \
    X(CLIP, 69, "clip", 3, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "numpy.clip", "torch.clamp", EXACT) \
    X(FMA, 70, "fma", 3, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "math.fma", "torch.addcmul", EXACT) \
    X(LERP, 71, "lerp", 3, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.lerp", ULP4) \
    X(WHERE, 72, "where", 3, 1, TRUENO_X_EW, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.where", "torch.where", EXACT) \
    /* --- activations (PyTorch semantics and defaults) ------------------ */ \
    X(RELU, 73, "relu", 1, 1, TRUENO_X_EW, TRUENO_X_NUM, TRUENO_OUT_SAME, "-", "torch.nn.functional.relu", EXACT) \
    X(RELU6, 74, "relu6", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.relu6", EXACT) \
    X(LEAKY_RELU, 75, "leaky_relu", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.leaky_relu", ULP1) \
    X(ELU, 76, "elu", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.elu", ULP4) \
    X(SELU, 77, "selu", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.selu", ULP4) \
    X(CELU, 78, "celu", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.celu", ULP4) \
    X(GELU, 79, "gelu", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.gelu", ULP4) \
    X(SIGMOID, 80, "sigmoid", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "scipy.special.expit", "torch.sigmoid", ULP4) \
    X(HARDSIGMOID, 81, "hardsigmoid", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.hardsigmoid", ULP4) \
    X(SILU, 82, "silu", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.silu", ULP4) \
    X(MISH, 83, "mish", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.mish", ULP4) \
    X(HARDSWISH, 84, "hardswish", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.hardswish", ULP4) \
    X(SOFTPLUS, 85, "softplus", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.softplus", ULP4) \
    X(SOFTSIGN, 86, "softsign", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.softsign", ULP4) \
    X(LOGSIGMOID, 87, "logsigmoid", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.logsigmoid", ULP4) \
    X(SOFTMAX, 88, "softmax", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "scipy.special.softmax", "torch.softmax", SUM) \
    X(LOG_SOFTMAX, 89, "log_softmax", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "scipy.special.log_softmax", "torch.log_softmax", SUM) \
    /* --- reductions ---------------------------------------------------- */ \
    X(SUM, 3, "sum", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_ACCUM, "numpy.sum", "torch.sum", SUM) \
    X(PROD, 90, "prod", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_ACCUM, "numpy.prod", "torch.prod", SUM) \
    X(MEAN, 91, "mean", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.mean", "torch.mean", SUM) \
    X(VAR, 92, "var", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.var", "torch.var", SUM) \
    X(STD, 93, "std", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.std", "torch.std", SUM) \
    X(AMIN, 94, "amin", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.amin", "torch.amin", EXACT) \
    X(AMAX, 95, "amax", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.amax", "torch.amax", EXACT) \
    X(ARGMIN, 96, "argmin", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_INT64, "numpy.argmin", "torch.argmin", EXACT) \
    X(ARGMAX, 97, "argmax", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_INT64, "numpy.argmax", "torch.argmax", EXACT) \
    X(ALL, 98, "all", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.all", "torch.all", EXACT) \
    X(ANY, 99, "any", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_BOOL, "numpy.any", "torch.any", EXACT) \
    X(COUNT_NONZERO, 100, "count_nonzero", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_INT64, "numpy.count_nonzero", "torch.count_nonzero", EXACT) \
    X(LOGSUMEXP, 101, "logsumexp", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "scipy.special.logsumexp", "torch.logsumexp", SUM) \
    X(NORM, 102, "norm", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "numpy.linalg.norm", "torch.linalg.norm", SUM) \
    X(CUMSUM, 103, "cumsum", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_ACCUM, "numpy.cumsum", "torch.cumsum", SUM) \
    X(CUMPROD, 104, "cumprod", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_ACCUM, "numpy.cumprod", "torch.cumprod", SUM) \
    X(TOPK, 105, "topk", 1, 2, TRUENO_X_RD, TRUENO_X_NUM, TRUENO_OUT_SAME, "-", "torch.topk", EXACT) \
    X(SORT, 106, "sort", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.sort", "torch.sort", EXACT) \
    X(ARGSORT, 107, "argsort", 1, 1, TRUENO_X_RD, TRUENO_X_ALL, TRUENO_OUT_INT64, "numpy.argsort", "torch.argsort", EXACT) \
    /* --- linear algebra ---------------------------------------------- */   \
    X(DOT, 4, "dot", 2, 1, TRUENO_X_MM, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.dot", "torch.dot", SUM) \
    X(MATMUL, 5, "matmul", 2, 1, TRUENO_X_MM, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.matmul", "torch.matmul", MATMUL) \
    X(GEMM, 108, "gemm", 3, 1, TRUENO_X_MM, TRUENO_X_FLT, TRUENO_OUT_SAME, "BLAS ?gemm", "torch.addmm", MATMUL) \
    /* --- copies ------------------------------------------------------------ */ \
    X(CAST, 6, "cast", 1, 1, TRUENO_X_CP, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.ndarray.astype", "torch.Tensor.to", EXACT) \
    X(CONTIGUOUS, 7, "contiguous", 1, 1, TRUENO_X_CP, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.ascontiguousarray", "torch.Tensor.contiguous", EXACT) \
    /* --- neural-network functions (torch.nn.functional) ---------------- */ \
    X(CONV2D, 109, "conv2d", 3, 1, TRUENO_X_MM, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.conv2d", MATMUL) \
    X(MAX_POOL2D, 110, "max_pool2d", 1, 1, TRUENO_X_RD, TRUENO_X_NUM, TRUENO_OUT_SAME, "-", "torch.nn.functional.max_pool2d", EXACT) \
    X(AVG_POOL2D, 111, "avg_pool2d", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.avg_pool2d", SUM) \
    X(ADAPTIVE_AVG_POOL2D, 112, "adaptive_avg_pool2d", 1, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.adaptive_avg_pool2d", SUM) \
    X(BATCH_NORM, 113, "batch_norm", 5, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.batch_norm", SUM) \
    X(LAYER_NORM, 114, "layer_norm", 3, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.layer_norm", SUM) \
    X(RMS_NORM, 115, "rms_norm", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "x*rsqrt(mean(x^2)+eps)*w", SUM) \
    X(GROUP_NORM, 116, "group_norm", 3, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.group_norm", SUM) \
    X(DROPOUT, 117, "dropout", 1, 1, TRUENO_X_EW, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.dropout", EXACT) \
    X(COSINE_SIMILARITY, 118, "cosine_similarity", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.cosine_similarity", SUM) \
    X(CDIST, 119, "cdist", 2, 1, TRUENO_X_MM, TRUENO_X_FLT, TRUENO_OUT_SAME, "scipy.spatial.distance.cdist", "torch.cdist", MATMUL) \
    X(CROSS_ENTROPY, 120, "cross_entropy", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.cross_entropy", SUM) \
    X(NLL_LOSS, 121, "nll_loss", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.nll_loss", SUM) \
    X(MSE_LOSS, 122, "mse_loss", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.mse_loss", SUM) \
    X(L1_LOSS, 123, "l1_loss", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.l1_loss", SUM) \
    X(SMOOTH_L1_LOSS, 124, "smooth_l1_loss", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.smooth_l1_loss", SUM) \
    X(BINARY_CROSS_ENTROPY, 125, "binary_cross_entropy", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.binary_cross_entropy", SUM) \
    X(BINARY_CROSS_ENTROPY_WITH_LOGITS, 126, "binary_cross_entropy_with_logits", 2, 1, TRUENO_X_RD, TRUENO_X_FLT, TRUENO_OUT_SAME, "-", "torch.nn.functional.binary_cross_entropy_with_logits", SUM) \
    /* --- indexing ------------------------------------------------------ */ \
    X(INDEX_SELECT, 127, "index_select", 2, 1, TRUENO_X_CP, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.take", "torch.index_select", EXACT) \
    X(GATHER, 128, "gather", 2, 1, TRUENO_X_CP, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.take_along_axis", "torch.gather", EXACT) \
    X(SCATTER, 129, "scatter", 3, 1, TRUENO_X_CP, TRUENO_X_ALL, TRUENO_OUT_SAME, "numpy.put_along_axis", "torch.scatter", EXACT) \
    X(MASKED_SELECT, 130, "masked_select", 2, 1, TRUENO_X_CP, TRUENO_X_ALL, TRUENO_OUT_SAME, "x[mask]", "torch.masked_select", EXACT) \
    X(NONZERO, 131, "nonzero", 1, 1, TRUENO_X_CP, TRUENO_X_ALL, TRUENO_OUT_INT64, "numpy.argwhere", "torch.nonzero", EXACT)

typedef enum trueno_op_code {
    TRUENO_OP_INVALID = 0,
#define TRUENO_X_(name, code, text, nin, nout, cls, dts, out, np, pt, tol) \
    TRUENO_OP_##name = code,
    TRUENO_OP_MAP(TRUENO_X_)
#undef TRUENO_X_
    TRUENO_OP_COUNT_1_0 = 132 /* one past the highest code of ABI 1.0 */
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
     * (NULL is ignored); it may be called while execute()d work that uses
     * the buffer is still queued, and the device then keeps the memory
     * until that work has finished. write/read/copy: offsets and sizes in bytes; they
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
     * written. TRUENO_DEVICE_OUT_OF_MEMORY, TRUENO_OUT_OF_MEMORY,
     * TRUENO_DEVICE_ERROR and TRUENO_UNSUPPORTED (e.g. an input value
     * outside the kernel's domain, found only now) tell the core to re-run
     * the op on the next device; so does TRUENO_DEVICE_LOST, after which
     * the core never uses this device again except to destroy() it. */
    trueno_status (*execute)(void *dev, const trueno_op_desc *op);

    /* Optional (NULL: execute is synchronous). Waits until all work
     * submitted to the device has finished. */
    trueno_status (*synchronize)(void *dev);

    /* Required. Frees the device; called once, before the plugin's
     * shutdown(). Every buffer has been freed before. */
    void (*destroy)(void *dev);

    /* Optional (NULL: none), TRUENO_MEMORY_DEVICE only. Added in 1.1.
     * Page-locked ("pinned") host memory the device reaches directly, as
     * cudaHostAlloc: host_alloc writes a pointer to `bytes` (> 0) bytes,
     * aligned to 64 bytes, to *ptr, or returns TRUENO_OUT_OF_MEMORY /
     * TRUENO_DEVICE_OUT_OF_MEMORY. buffer_write and buffer_read whose host
     * side lies inside such memory then move the bytes by DMA, without a
     * staging copy. host_free releases a pointer host_alloc returned, once
     * no transfer uses it; every one is freed before destroy(). */
    trueno_status (*host_alloc)(void *dev, size_t bytes, void **ptr);
    void (*host_free)(void *dev, void *ptr);
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

    /* The core's per-user cache of measured figures (cost models), so a
     * plugin calibrates once per machine: cache_load fills values[0..n)
     * and returns 1 when `key` (letters, digits, '-', '_'; the core adds
     * the CPU model) was saved before with n finite positive values, else
     * 0. cache_save stores them; failing to write is silent. A privileged
     * process has no cache. */
    int (*cache_load)(void *ctx, const char *key, double *values, size_t n);
    void (*cache_save)(void *ctx, const char *key, const double *values, size_t n);
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

/* The tolerance of a class for an output dtype: writes the kind
 * (trueno_tolerance_kind) and returns the bound (ULPs, or normalised
 * error). Integer and bool dtypes are always exact. */
static inline double trueno_tolerance(uint32_t tol_class, uint32_t dtype, uint32_t *kind)
{
    static const double norm[2][4] = {{1e-3, 8e-3, 1e-6, 1e-14}, {2e-3, 1e-2, 5e-4, 1e-12}};
    int f = dtype == TRUENO_DTYPE_FLOAT16 ? 0 : dtype == TRUENO_DTYPE_BFLOAT16 ? 1
          : dtype == TRUENO_DTYPE_FLOAT32 ? 2 : dtype == TRUENO_DTYPE_FLOAT64 ? 3 : -1;
    *kind = TRUENO_TOL_EXACT;
    if (f < 0 || tol_class == TRUENO_TOL_CLASS_EXACT) return 0;
    if (tol_class == TRUENO_TOL_CLASS_ULP1) { *kind = TRUENO_TOL_ULP; return 1; }
    if (tol_class == TRUENO_TOL_CLASS_ULP4) { *kind = TRUENO_TOL_ULP; return f < 2 ? 1 : 4; }
    *kind = TRUENO_TOL_NORM;
    return norm[tol_class == TRUENO_TOL_CLASS_MATMUL][f];
}

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

/* Arithmetic an op performs, in flop: 2 per multiply-add for MATMUL, GEMM,
 * DOT and CONV2D, 0 for data movement (casts, copies, indexing), else one
 * per element of the larger of the first input and the output. The
 * throughput term of every cost model and trueno-bench's GFLOP/s. */
static inline double trueno_op_flops(const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    double batch = 1;
    uint32_t i;
    switch (op->op) {
    case TRUENO_OP_MATMUL:
        for (i = 0; i + 2 < o->rank; i++) batch *= (double)o->shape[i];
        return 2.0 * batch * (double)a->shape[a->rank - 2] * (double)a->shape[a->rank - 1] *
               (double)op->inputs[1]->shape[op->inputs[1]->rank - 1];
    case TRUENO_OP_GEMM:
        return 2.0 * (double)a->shape[0] * (double)a->shape[1] * (double)op->inputs[1]->shape[1];
    case TRUENO_OP_DOT:
        return 2.0 * (double)a->shape[0];
    case TRUENO_OP_CONV2D: /* 2 per multiply-add: N·O·OH·OW·(C/groups)·kh·kw */
        return 2.0 * (double)trueno_desc_numel(o) * (double)op->inputs[1]->shape[1] *
               (double)op->inputs[1]->shape[2] * (double)op->inputs[1]->shape[3];
    case TRUENO_OP_CDIST:
        return 3.0 * (double)trueno_desc_numel(o) * (double)a->shape[1];
    case TRUENO_OP_CAST:
    case TRUENO_OP_CONTIGUOUS:
    case TRUENO_OP_INDEX_SELECT:
    case TRUENO_OP_GATHER:
    case TRUENO_OP_SCATTER:
    case TRUENO_OP_MASKED_SELECT:
    case TRUENO_OP_NONZERO:
        return 0;
    default: /* one per element read, or written if more */
        return (double)(trueno_desc_numel(a) > trueno_desc_numel(o) ? trueno_desc_numel(a)
                                                                    : trueno_desc_numel(o));
    }
}

#ifdef __cplusplus
}
#endif

#endif /* TRUENO_ABI_H */
