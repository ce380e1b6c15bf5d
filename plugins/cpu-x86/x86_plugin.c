/*
 * x86_plugin.c — the cpu-x86 plugin: probe, device, cost model, and the
 * drivers that walk an op's strided operands and call the ISA's kernels.
 * Compiled for the x86-64 baseline (SSE2): it runs on any x86-64 CPU and
 * only calls the AVX2/AVX-512 kernels after CPUID and XGETBV say the CPU
 * and the OS support them.
 *
 * Ops (float32, float64): matmul (batched), gemm, conv2d (conv.c), add,
 * subtract, multiply, divide, maximum, minimum, the six comparisons (into
 * bool), sum, mean, var and std over trailing axes, dot of contiguous
 * vectors (all in float64 accumulation); the same element-wise ops but
 * divide for int8, uint8, int16, int32, int64; float64 negative, abs, square,
 * sqrt, reciprocal, relu, exp and log. Float32 only: the unary ops of vmath.h (negative,
 * abs, square, sqrt, rsqrt, reciprocal, relu, relu6, leaky_relu,
 * hardsigmoid, hardswish, softsign, exp, log, tanh, sigmoid, silu, gelu in
 * its erf form, softplus with beta 1 and threshold 20, logsigmoid, mish); argmax, argmin, amax, amin over trailing axes; softmax and
 * log_softmax along a contiguous last axis; layer_norm and rms_norm of
 * contiguous operands (float64 statistics); topk (k <= 64) along a
 * contiguous last axis; casts float32 <-> float64 and
 * float32 <-> bfloat16 between contiguous operands; contiguous (copies
 * between any layouts) for every dtype; conv2d (conv.c) and max, avg and
 * adaptive-avg pooling (pool.c) of float32 and float64. Everything else is
 * TRUENO_UNSUPPORTED, so the dispatcher runs it on another device (the
 * reference backend at least).
 *
 * TRUENO_X86_ISA=sse2|avx2|avx512 forces a lower level (a higher one than
 * the CPU has is refused with a log line), so every level is testable on an
 * AVX-512 machine.
 */
#include <cpuid.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "x86.h"

#define PLUGIN_NAME "cpu-x86"

typedef struct x86_device {
    const trueno_host *host;
    const x86_kernels *k;
    x86_isa isa;
    trueno_device handle;
    trueno_device_props props;
    trueno_cost_model cost;
    double matmul_fixed_ns; /* a GEMM's start (threads, first panels) beside flops / gflops */
    char name[192], features[256];
    const trueno_device *list[1];
} x86_device;

/* ---- probing ----------------------------------------------------------- */

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

/* The best level both the CPU and the OS (saved register state) support. */
static x86_isa detect(char *features, size_t size)
{
    unsigned a, b, c, d;
    size_t used = (size_t)snprintf(features, size, "sse2");
    if (!__get_cpuid(1, &a, &b, &c, &d)) return X86_SSE2;
    bool osxsave = c >> 27 & 1, avx = c >> 28 & 1, fma = c >> 12 & 1, f16c = c >> 29 & 1;
    uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    bool ymm_state = (xcr0 & 6) == 6, zmm_state = (xcr0 & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return X86_SSE2;
    bool avx2 = b >> 5 & 1, f = b >> 16 & 1, dq = b >> 17 & 1, bw = b >> 30 & 1, vl = b >> 31 & 1;
    if (f16c) used += (size_t)snprintf(features + used, size - used, " f16c");
    if (!(avx && avx2 && fma && f16c && ymm_state)) return X86_SSE2; /* the AVX2 kernels convert float16 with F16C */
    used += (size_t)snprintf(features + used, size - used, " avx avx2 fma");
    if (!(f && dq && bw && vl && zmm_state)) return X86_AVX2;
    snprintf(features + used, size - used, " avx512f avx512dq avx512bw avx512vl");
    return X86_AVX512;
}

static void brand(char *out, size_t size)
{
    unsigned r[12];
    snprintf(out, size, "x86-64 CPU");
    if (__get_cpuid(0x80000000, &r[0], &r[1], &r[2], &r[3]) == 0 || r[0] < 0x80000004) return;
    for (unsigned i = 0; i < 3; i++) __get_cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
    char s[49];
    memcpy(s, r, 48);
    s[48] = 0;
    char *p = s;
    while (*p == ' ') p++;
    snprintf(out, size, "%s", p);
}

/* ---- which ops, and their layouts ---------------------------------------- */

static bool float_dtype(uint32_t dt) { return dt == TRUENO_DTYPE_FLOAT32 || dt == TRUENO_DTYPE_FLOAT64; }
static bool half_dtype(uint32_t dt) { return dt == TRUENO_DTYPE_FLOAT16 || dt == TRUENO_DTYPE_BFLOAT16; }

static int binop_of(uint32_t op)
{
    switch (op) {
    case TRUENO_OP_ADD: return X86_ADD;
    case TRUENO_OP_SUBTRACT: return X86_SUB;
    case TRUENO_OP_MULTIPLY: return X86_MUL;
    case TRUENO_OP_DIVIDE: return X86_DIV;
    case TRUENO_OP_MAXIMUM: return X86_MAX;
    case TRUENO_OP_MINIMUM: return X86_MIN;
    case TRUENO_OP_EQUAL: return X86_EQ;
    case TRUENO_OP_NOT_EQUAL: return X86_NE;
    case TRUENO_OP_LESS: return X86_LT;
    case TRUENO_OP_LESS_EQUAL: return X86_LE;
    case TRUENO_OP_GREATER: return X86_GT;
    case TRUENO_OP_GREATER_EQUAL: return X86_GE;
    default: return -1;
    }
}

/* Reductions (sum, mean, argmax, amax, ...) over a mask of trailing axes
 * that are contiguous (the common "a row / everything" case), the reduced
 * block's size in *inner; other layouts go elsewhere. */
static bool sum_layout(const trueno_op_desc *op, int64_t *inner)
{
    const trueno_tensor_desc *a = op->inputs[0];
    uint64_t mask = (uint64_t)op->params->ints[0];
    uint32_t r = a->rank, first = r;
    while (first > 0 && (mask >> (first - 1) & 1)) first--;
    if (mask >> first != (1ull << (r - first)) - 1 || (mask & ((1ull << first) - 1))) return false;
    int64_t n = 1, expect = 1;
    for (uint32_t ax = r; ax-- > first;) {
        if (a->shape[ax] != 1 && a->strides[ax] != expect) return false;
        expect *= a->shape[ax];
        n *= a->shape[ax];
    }
    *inner = n;
    return true;
}

/* Reductions over one run of axes followed by kept axes (sum(axis=0) of a
 * matrix): the input and output contiguous, the input seen as (outer,
 * rows, inner) with the rows reduced; other masks go elsewhere. */
static int64_t flat_stride(const trueno_tensor_desc *t);
static bool column_layout(const trueno_op_desc *op, int64_t *outer, int64_t *rows, int64_t *inner)
{
    const trueno_tensor_desc *a = op->inputs[0];
    uint64_t mask = (uint64_t)op->params->ints[0];
    uint32_t r = a->rank, first = 0, last;
    while (first < r && !(mask >> first & 1)) first++;
    for (last = first; last < r && (mask >> last & 1); last++) {}
    if (first == r || last == r || mask >> last || flat_stride(a) != 1 || flat_stride(op->outputs[0]) != 1)
        return false;
    *outer = *rows = *inner = 1;
    for (uint32_t ax = 0; ax < r; ax++) *(ax < first ? outer : ax < last ? rows : inner) *= a->shape[ax];
    return true;
}

static bool unary_supported(uint32_t op, uint32_t dtype)
{
#define X86_CASE(name) case TRUENO_OP_##name:
    if (dtype == TRUENO_DTYPE_FLOAT64) {
        switch (op) {
        X86_UNARY_F64_OPS(X86_CASE)
            return true;
        default:
            return false;
        }
    }
    switch (op) {
    X86_UNARY_F32_OPS(X86_CASE)
        return dtype == TRUENO_DTYPE_FLOAT32;
    default:
        return false;
    }
#undef X86_CASE
}

/* softmax/log_softmax along the last axis, rows contiguous in and out */
static bool softmax_layout(const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    int64_t last = (int64_t)a->rank - 1;
    return op->dtype == TRUENO_DTYPE_FLOAT32 && a->rank > 0 && op->params->ints[0] == last &&
           (a->shape[last] == 1 || (a->strides[last] == 1 && o->strides[last] == 1));
}

/* topk along the last axis of float32 rows read with stride 1; k up to
 * TOPK_MAX_K (larger k is a sort, left to the reference) */
#define TOPK_MAX_K 64
static bool topk_layout(const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0];
    int64_t last = (int64_t)a->rank - 1;
    return op->dtype == TRUENO_DTYPE_FLOAT32 && a->rank > 0 && op->params->ints[0] == last &&
           op->params->ints[1] <= TOPK_MAX_K && (a->shape[last] == 1 || a->strides[last] == 1);
}

/* DOT of two float32 or float64 vectors read with stride 1 */
static bool dot_layout(const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1];
    return (op->dtype == TRUENO_DTYPE_FLOAT32 || op->dtype == TRUENO_DTYPE_FLOAT64) &&
           op->outputs[0]->dtype == op->dtype && b->dtype == op->dtype && a->rank == 1 && b->rank == 1 &&
           (a->shape[0] <= 1 || (a->strides[0] == 1 && b->strides[0] == 1));
}

/* LAYER_NORM / RMS_NORM of float32, x and the output contiguous, the
 * normalised block (the last ints[0] axes) *block elements long, weight
 * (and bias) contiguous and that long */
static bool norm_layout(const trueno_op_desc *op, int64_t *block)
{
    const trueno_tensor_desc *x = op->inputs[0];
    int64_t axes = op->params->ints[0], n = 1;
    if (op->dtype != TRUENO_DTYPE_FLOAT32 || op->outputs[0]->dtype != TRUENO_DTYPE_FLOAT32 || axes < 1 ||
        axes > (int64_t)x->rank || flat_stride(x) != 1 || flat_stride(op->outputs[0]) != 1)
        return false;
    for (uint32_t ax = x->rank - (uint32_t)axes; ax < x->rank; ax++) n *= x->shape[ax];
    for (uint32_t i = 1; i < op->n_inputs; i++)
        if (op->inputs[i]->dtype != TRUENO_DTYPE_FLOAT32 || trueno_desc_numel(op->inputs[i]) != n ||
            flat_stride(op->inputs[i]) != 1)
            return false;
    *block = n;
    return true;
}

/* CAST pairs the kernels convert, both operands contiguous */
static bool cast_supported(const trueno_op_desc *op)
{
    uint32_t from = op->inputs[0]->dtype, to = op->outputs[0]->dtype;
    bool f32_f64 = (from == TRUENO_DTYPE_FLOAT32 && to == TRUENO_DTYPE_FLOAT64) ||
                   (from == TRUENO_DTYPE_FLOAT64 && to == TRUENO_DTYPE_FLOAT32);
    bool f32_half = (from == TRUENO_DTYPE_FLOAT32 && half_dtype(to)) || (half_dtype(from) && to == TRUENO_DTYPE_FLOAT32);
    return (f32_f64 || f32_half) && flat_stride(op->inputs[0]) == 1 && flat_stride(op->outputs[0]) == 1;
}

/* WHERE (any dtype, a bool condition) and CLIP (the dtypes with max/min
 * kernels), every operand contiguous or one broadcast value, the output
 * contiguous */
static bool ternary_supported(const x86_kernels *k, const trueno_op_desc *op)
{
    const trueno_tensor_desc *o = op->outputs[0];
    bool where = op->op == TRUENO_OP_WHERE;
    if (op->n_inputs != 3 || op->n_outputs != 1 || o->dtype != op->dtype || op->dtype >= TRUENO_DTYPE_COUNT_1_0 ||
        flat_stride(o) != 1 || (where ? op->inputs[0]->dtype != TRUENO_DTYPE_BOOL : op->inputs[0]->dtype != op->dtype))
        return false;
    for (uint32_t i = 0; i < 3; i++)
        if (flat_stride(op->inputs[i]) < 0 || (i > 0 && op->inputs[i]->dtype != op->dtype)) return false;
    return where || (op->dtype != TRUENO_DTYPE_BOOL && k->binary[op->dtype] != NULL);
}

static bool supported(const x86_kernels *k, const trueno_op_desc *op)
{
    int64_t inner;
    int bop = binop_of(op->op);
    uint32_t out_dtype = bop >= X86_EQ ? TRUENO_DTYPE_BOOL : op->dtype;
    if (bop >= 0 && op->n_inputs == 2) /* first: the commonest ops pay for the fewest tests */
        return op->dtype < TRUENO_DTYPE_COUNT_1_0 && op->n_outputs == 1 && op->outputs[0]->dtype == out_dtype &&
               op->inputs[0]->dtype == op->dtype && op->inputs[1]->dtype == op->dtype &&
               /* the integers and halves too, but no integer divide */
               op->dtype != TRUENO_DTYPE_BOOL && (bop != X86_DIV || float_dtype(op->dtype) || half_dtype(op->dtype));
    if (op->op == TRUENO_OP_WHERE || op->op == TRUENO_OP_CLIP) return ternary_supported(k, op);
    if (op->op == TRUENO_OP_CAST) return cast_supported(op);
    if (op->op == TRUENO_OP_CONTIGUOUS) return op->outputs[0]->dtype == op->dtype && op->dtype < TRUENO_DTYPE_COUNT_1_0;
    if (op->op == TRUENO_OP_CONV2D) return x86_conv2d_supported(op);
    if (op->op == TRUENO_OP_MAX_POOL2D || op->op == TRUENO_OP_AVG_POOL2D || op->op == TRUENO_OP_ADAPTIVE_AVG_POOL2D)
        return x86_pool_supported(op);
    int64_t outer, rows;
    if (op->op == TRUENO_OP_ARGMAX || op->op == TRUENO_OP_ARGMIN || op->op == TRUENO_OP_AMAX || op->op == TRUENO_OP_AMIN)
        return op->dtype == TRUENO_DTYPE_FLOAT32 &&
               ((sum_layout(op, &inner) && inner > 0 && inner < INT32_MAX) ||
                (column_layout(op, &outer, &rows, &inner) && rows > 0 && rows < INT32_MAX));
    if (op->op == TRUENO_OP_SOFTMAX || op->op == TRUENO_OP_LOG_SOFTMAX) return softmax_layout(op);
    if (op->op == TRUENO_OP_TOPK) return topk_layout(op);
    if (op->op == TRUENO_OP_DOT) return dot_layout(op);
    if (op->op == TRUENO_OP_LAYER_NORM || op->op == TRUENO_OP_RMS_NORM) return norm_layout(op, &inner);
    if (op->dtype >= TRUENO_DTYPE_COUNT_1_0 || op->n_outputs != 1 || op->outputs[0]->dtype != out_dtype) return false;
    for (uint32_t i = 0; i < op->n_inputs; i++)
        if (op->inputs[i]->dtype != op->dtype) return false;
    bool unary = op->n_inputs == 1 &&
                 !(op->op == TRUENO_OP_GELU && op->params->ints[1]) && /* not the tanh approximation */
                 !(op->op == TRUENO_OP_SOFTPLUS && (op->params->floats[0] != 1 || op->params->floats[1] != 20));
    if (half_dtype(op->dtype)) return unary && unary_supported(op->op, TRUENO_DTYPE_FLOAT32); /* through float32 */
    if (k->unary_int[op->dtype] && op->n_inputs == 1) {
#define X86_CASE(name) case TRUENO_OP_##name:
        switch (op->op) {
        X86_UNARY_INT_OPS(X86_CASE)
            return true;
        default:
            return false;
        }
#undef X86_CASE
    }
    if (!float_dtype(op->dtype)) return false;
    switch (op->op) {
    case TRUENO_OP_MATMUL: case TRUENO_OP_GEMM: return true;
    case TRUENO_OP_SUM: case TRUENO_OP_MEAN: case TRUENO_OP_VAR: case TRUENO_OP_STD:
        return sum_layout(op, &inner) || column_layout(op, &outer, &rows, &inner);
    default:
        return unary && unary_supported(op->op, op->dtype);
    }
}

/* ---- the cost model -------------------------------------------------------- */

static uint32_t op_class(uint32_t op)
{
    switch (op) {
#define X86_CLASS(NAME, code, name, n_in, n_out, cls, ...) case TRUENO_OP_##NAME: return cls;
    TRUENO_OP_MAP(X86_CLASS)
#undef X86_CLASS
    default: return TRUENO_OP_CLASS_ELEMENTWISE;
    }
}

static double model_ns(const x86_device *d, const trueno_op_desc *op)
{
    const trueno_cost_model *c = &d->cost;
    double flops = trueno_op_flops(op), bytes = trueno_op_bytes(op);
    uint32_t cl = op_class(op->op);
    if (op->op == TRUENO_OP_DOT) cl = TRUENO_OP_CLASS_REDUCTION; /* one pass, summed as sum is */
    double cls = c->gflops[cl == TRUENO_OP_CLASS_MATMUL || cl == TRUENO_OP_CLASS_REDUCTION ? cl
                                                                                         : TRUENO_OP_CLASS_ELEMENTWISE];
    double scale = op->dtype == TRUENO_DTYPE_FLOAT64 ? 2 : 1; /* half the lanes */
    double t_flop = flops * scale / cls, t_byte = bytes / c->bandwidth_gbs;
    double fixed = cl == TRUENO_OP_CLASS_MATMUL && flops > 0 ? d->matmul_fixed_ns : 0;
    return c->launch_ns + fixed + (t_flop > t_byte ? t_flop : t_byte);
}

/* ---- drivers ---------------------------------------------------------------- */

/* The odometer every driver walks: the offsets of element i of the first
 * `axes` axes of `shape` (C order) in each of n operands. */
static void odometer(const trueno_tensor_desc *shape, int axes, int64_t i, const trueno_tensor_desc *const *t, int n,
                     int64_t *off)
{
    for (int k = 0; k < n; k++) off[k] = t[k]->offset;
    for (int ax = axes - 1; ax >= 0; ax--) {
        int64_t idx = i % shape->shape[ax];
        i /= shape->shape[ax];
        for (int k = 0; k < n; k++) off[k] += idx * t[k]->strides[ax];
    }
}

/* Element-wise ops. Flat mode: every operand is contiguous or a broadcast
 * scalar, so the op is one long row cut into fixed chunks of FLAT_CHUNK
 * (the cut depends on the size alone, never the thread count). Row mode:
 * the odometer walks all axes but the last, the kernel runs the last. */
#define FLAT_CHUNK 65536
/* Outputs of at least this many bytes are written past the caches
 * (non-temporal stores): far above any L2, and the next op would not find
 * them in cache anyway. Measured: 10M float32 add 10.0 -> 8.1 ms. */
#define STREAM_BYTES (16 << 20)

typedef struct ew_job {
    const x86_device *d;
    const trueno_op_desc *op;
    bool flat, stream;
    int refused;                 /* a kernel found an input outside its domain */
    int64_t n, inner;
    int64_t flat_stride[3];      /* per operand (a, b, out; WHERE/CLIP: the three inputs): 1, or 0 for a scalar */
} ew_job;

/* An operand's stride in flat mode: 1 (C order), 0 (one broadcast value), -1 neither. */
static int64_t flat_stride(const trueno_tensor_desc *t)
{
    int64_t expect = 1;
    bool contiguous = true, scalar = true;
    for (uint32_t ax = t->rank; ax-- > 0;) {
        if (t->shape[ax] == 1) continue;
        contiguous &= t->strides[ax] == expect;
        scalar &= t->strides[ax] == 0;
        expect *= t->shape[ax];
    }
    return contiguous ? 1 : scalar ? 0 : -1;
}

/* One run of n elements (sa, sb in {0, 1}, the output contiguous). */
static void binary_run(const x86_kernels *k, x86_binop bop, uint32_t dtype, int64_t n, const char *pa, int64_t sa,
                       const char *pb, int64_t sb, char *po, bool stream)
{
    if (bop >= X86_EQ) k->compare[dtype](bop, n, pa, sa, pb, sb, (uint8_t *)po);
    else k->binary[dtype](bop, n, pa, sa, pb, sb, po, stream);
}

/* float16 and bfloat16 element-wise ops: each run widened to float32 in
 * blocks of HALF_BLOCK on the stack, computed by the float32 kernel and
 * rounded back once, to nearest even. For + − × ÷ that is the correctly
 * rounded result: rounding a float32 result again to 11 (or 8) bits is
 * never wrong, as 24 >= 2·11 + 2 (S. A. Figueroa, "When is double
 * rounding innocuous?", SIGNUM Newsletter 30(3), 1995); the
 * transcendentals keep their float32 error, thousandths of a half's ULP.
 * Strides: element strides of the run (0: one broadcast value). */
#define HALF_BLOCK 512

static void half_widen(const x86_kernels *k, uint32_t dt, const char *p, int64_t s, int64_t n, float *f)
{
    uint16_t h[HALF_BLOCK];
    if (s != 1)
        for (int64_t i = 0; i < n; i++) memcpy(&h[i], p + i * s * 2, 2);
    k->cast_f32(dt, TRUENO_DTYPE_FLOAT32, n, s == 1 ? (const void *)p : h, f);
}

static void half_narrow(const x86_kernels *k, uint32_t dt, const float *f, int64_t n, char *p, int64_t s)
{
    uint16_t h[HALF_BLOCK];
    k->cast_f32(TRUENO_DTYPE_FLOAT32, dt, n, f, s == 1 ? (void *)p : h);
    if (s != 1)
        for (int64_t i = 0; i < n; i++) memcpy(p + i * s * 2, &h[i], 2);
}

static void half_binary(const x86_kernels *k, x86_binop bop, uint32_t dt, int64_t n, const char *pa, int64_t sa,
                        const char *pb, int64_t sb, char *po, int64_t so)
{
    float fa[HALF_BLOCK], fb[HALF_BLOCK], fo[HALF_BLOCK];
    uint8_t bo[HALF_BLOCK];
    for (int64_t at = 0; at < n; at += HALF_BLOCK) {
        int64_t m = n - at < HALF_BLOCK ? n - at : HALF_BLOCK;
        half_widen(k, dt, pa + at * sa * 2, sa, m, fa);
        half_widen(k, dt, pb + at * sb * 2, sb, m, fb);
        if (bop >= X86_EQ) { /* comparisons write bool bytes */
            k->compare[TRUENO_DTYPE_FLOAT32](bop, m, fa, 1, fb, 1, bo);
            for (int64_t i = 0; i < m; i++) po[(at + i) * so] = (char)bo[i];
        } else {
            k->binary[TRUENO_DTYPE_FLOAT32](bop, m, fa, 1, fb, 1, fo, 0);
            half_narrow(k, dt, fo, m, po + at * so * 2, so);
        }
    }
}

static int half_unary(const x86_kernels *k, const trueno_op_desc *op, float param, int64_t n, const char *pa,
                      int64_t sa, char *po, int64_t so)
{
    float fa[HALF_BLOCK], fo[HALF_BLOCK];
    int refused = 0;
    for (int64_t at = 0; at < n; at += HALF_BLOCK) {
        int64_t m = n - at < HALF_BLOCK ? n - at : HALF_BLOCK;
        half_widen(k, op->dtype, pa + at * sa * 2, sa, m, fa);
        refused |= k->unary_f32(op->op, param, m, fa, fo);
        half_narrow(k, op->dtype, fo, m, po + at * so * 2, so);
    }
    return refused;
}

static void ew_rows(void *arg, int64_t begin, int64_t end)
{
    const ew_job *j = arg;
    const trueno_op_desc *op = j->op;
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    x86_binop bop = (x86_binop)binop_of(op->op);
    int64_t es = (int64_t)trueno_dtype_size(op->dtype), oes = bop >= X86_EQ ? 1 : es; /* comparisons write bool */
    int last = (int)o->rank - 1;
    for (int64_t r = begin; r < end; r++) {
        int64_t ia = a->offset, ib = b->offset, io = o->offset, len, sa, sb, so;
        if (j->flat) {
            int64_t start = r * FLAT_CHUNK;
            len = j->n - start < FLAT_CHUNK ? j->n - start : FLAT_CHUNK;
            sa = j->flat_stride[0];
            sb = j->flat_stride[1];
            so = 1;
            ia += start * sa;
            ib += start * sb;
            io += start;
        } else {
            const trueno_tensor_desc *t[3] = {a, b, o};
            int64_t off[3];
            odometer(o, last, r, t, 3, off);
            ia = off[0], ib = off[1], io = off[2];
            len = j->inner;
            sa = a->strides[last];
            sb = b->strides[last];
            so = o->strides[last];
        }
        const char *pa = (const char *)a->buffer + ia * es, *pb = (const char *)b->buffer + ib * es;
        char *po = (char *)o->buffer + io * oes;
        if (half_dtype(op->dtype)) {
            half_binary(j->d->k, bop, op->dtype, len, pa, sa, pb, sb, po, so);
            continue;
        }
        if ((sa == 0 || sa == 1) && (sb == 0 || sb == 1) && so == 1) {
            binary_run(j->d->k, bop, op->dtype, len, pa, sa, pb, sb, po, j->stream);
            continue;
        }
        for (int64_t i = 0; i < len; i++) /* any strides: element by element, same kernel */
            binary_run(j->d->k, bop, op->dtype, 1, pa + i * sa * es, 1, pb + i * sb * es, 1, po + i * so * oes, false);
    }
}

/* Unary float32 and float64 ops: contiguous rows straight through the
 * kernel; other layouts gathered into a lane buffer, computed, scattered
 * back. */
static int unary_run(const x86_kernels *k, const trueno_op_desc *op, float param, int64_t n, const void *a, void *o)
{
    if (op->dtype == TRUENO_DTYPE_FLOAT64) return k->unary_f64(op->op, n, a, o);
    if (k->unary_int[op->dtype]) return k->unary_int[op->dtype](op->op, n, a, o);
    return k->unary_f32(op->op, param, n, a, o);
}

static void unary_rows(void *arg, int64_t begin, int64_t end)
{
    const ew_job *j = arg;
    const trueno_op_desc *op = j->op;
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    float param = (float)op->params->floats[0];
    double buf_in[256], buf_out[256];
    size_t es = trueno_dtype_size(op->dtype);
    int last = (int)o->rank - 1;
    for (int64_t r = begin; r < end; r++) {
        int64_t ia = a->offset, io = o->offset, len, sa = 1, so = 1;
        if (j->flat) {
            int64_t start = r * FLAT_CHUNK;
            len = j->n - start < FLAT_CHUNK ? j->n - start : FLAT_CHUNK;
            ia += start;
            io += start;
        } else {
            const trueno_tensor_desc *t[2] = {a, o};
            int64_t off[2];
            odometer(o, last, r, t, 2, off);
            ia = off[0], io = off[1];
            len = j->inner;
            sa = a->strides[last];
            so = o->strides[last];
        }
        const char *pa = (const char *)a->buffer + ia * (int64_t)es;
        char *po = (char *)o->buffer + io * (int64_t)es;
        int refused = 0;
        if (half_dtype(op->dtype)) {
            refused = half_unary(j->d->k, op, param, len, pa, sa, po, so);
        } else if (sa == 1 && so == 1) {
            refused = unary_run(j->d->k, op, param, len, pa, po);
        } else {
            for (int64_t at = 0; at < len; at += 256) {
                int64_t m = len - at < 256 ? len - at : 256;
                for (int64_t i = 0; i < m; i++) memcpy((char *)buf_in + i * (int64_t)es, pa + (at + i) * sa * (int64_t)es, es);
                refused |= unary_run(j->d->k, op, param, m, buf_in, buf_out);
                for (int64_t i = 0; i < m; i++) memcpy(po + (at + i) * so * (int64_t)es, (char *)buf_out + i * (int64_t)es, es);
            }
        }
        if (refused) __atomic_store_n((int *)&j->refused, 1, __ATOMIC_RELAXED);
    }
}

static trueno_status run_elementwise(const x86_device *d, const trueno_op_desc *op)
{
    const trueno_tensor_desc *o = op->outputs[0];
    ew_job j = {d, op, false, false, 0, trueno_desc_numel(o), 0, {0, 0, 0}};
    if (j.n == 0) return TRUENO_OK;
    bool unary = op->n_inputs == 1;
    j.flat_stride[0] = flat_stride(op->inputs[0]);
    j.flat_stride[1] = unary ? 1 : flat_stride(op->inputs[1]);
    j.flat_stride[2] = flat_stride(o);
    j.flat = unary ? j.flat_stride[0] == 1 && j.flat_stride[2] == 1
                   : j.flat_stride[0] >= 0 && j.flat_stride[1] >= 0 && j.flat_stride[2] == 1;
    int64_t rows;
    if (j.flat) {
        rows = (j.n + FLAT_CHUNK - 1) / FLAT_CHUNK;
        j.stream = j.n * (int64_t)trueno_dtype_size(o->dtype) >= STREAM_BYTES;
    } else {
        j.inner = o->shape[o->rank - 1];
        rows = j.n / j.inner;
    }
    /* small ops stay on the calling thread: a hand-off costs microseconds
     * (one chunk: called here, not through the pool) */
    int64_t per_row = j.flat ? FLAT_CHUNK : j.inner;
    int64_t grain = per_row >= FLAT_CHUNK ? 1 : FLAT_CHUNK / per_row;
    trueno_range_fn fn = unary ? unary_rows : ew_rows;
    trueno_status s = TRUENO_OK;
    if (rows <= grain) fn(&j, 0, rows);
    else s = d->host->parallel_for(d->host->ctx, rows, grain, fn, &j);
    /* an input outside a kernel's domain: the next device runs the op */
    return s == TRUENO_OK && __atomic_load_n(&j.refused, __ATOMIC_RELAXED) ? TRUENO_UNSUPPORTED : s;
}

/* SUM over contiguous trailing axes (and DOT, a sum of products): each
 * output element's run is cut into chunks of SUM_CHUNK, summed in float64
 * by the ISA's kernel, and the chunk sums combined pairwise in chunk order
 * (as the reference). */
#define SUM_CHUNK 65536

/* Reductions over a mask of trailing contiguous axes (sum_layout): the
 * offset of output element o's reduced block in a (the kept axes walked
 * in C order), and of output element i in the keepdims-form output. */
static int64_t reduced_block_offset(const trueno_tensor_desc *a, int64_t mask, int64_t o)
{
    int kept = (int)a->rank;
    while (kept > 0 && (mask >> (kept - 1) & 1)) kept--;
    int64_t off;
    odometer(a, kept, o, &a, 1, &off);
    return off;
}

static int64_t keepdims_offset(const trueno_tensor_desc *o, int64_t i)
{
    int64_t off;
    odometer(o, (int)o->rank, i, &o, 1, &off);
    return off;
}

typedef struct sum_job {
    const x86_device *d;
    const trueno_op_desc *op;
    int64_t inner, chunks;
    double *partial;
    const double *center; /* VAR/STD's second pass: each output's mean */
} sum_job;

static void sum_chunks(void *arg, int64_t begin, int64_t end)
{
    const sum_job *j = arg;
    const trueno_tensor_desc *a = j->op->inputs[0];
    for (int64_t w = begin; w < end; w++) {
        int64_t o = w / j->chunks, c = w % j->chunks, off = reduced_block_offset(a, j->op->params->ints[0], o);
        int64_t start = c * SUM_CHUNK, len = j->inner - start < SUM_CHUNK ? j->inner - start : SUM_CHUNK;
        if (j->op->op == TRUENO_OP_DOT) {
            const trueno_tensor_desc *b = j->op->inputs[1];
            j->partial[w] = a->dtype == TRUENO_DTYPE_FLOAT64
                                ? j->d->k->dot_f64((const double *)a->buffer + a->offset + start,
                                                   (const double *)b->buffer + b->offset + start, len)
                                : j->d->k->dot_f32((const float *)a->buffer + a->offset + start,
                                                   (const float *)b->buffer + b->offset + start, len);
            continue;
        }
        if (j->center) {
            j->partial[w] = a->dtype == TRUENO_DTYPE_FLOAT64
                                ? j->d->k->sqdev_f64((const double *)a->buffer + off + start, len, j->center[o])
                                : j->d->k->sqdev_f32((const float *)a->buffer + off + start, len, j->center[o]);
            continue;
        }
        j->partial[w] = a->dtype == TRUENO_DTYPE_FLOAT64
                            ? j->d->k->sum_f64((const double *)a->buffer + off + start, len)
                            : j->d->k->sum_f32((const float *)a->buffer + off + start, len);
    }
}

static double pairwise(const double *v, int64_t n)
{
    if (n <= 4) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += v[i];
        return s;
    }
    return pairwise(v, n / 2) + pairwise(v + n / 2, n - n / 2);
}

/* SUM, MEAN, VAR or STD from the float64 sum s over n elements (VAR/STD:
 * of the squared deviations), as the reference: MEAN of nothing is 0/0,
 * VAR with no degrees of freedom left is inf or NaN */
static double finish_sum(const trueno_op_desc *op, double s, int64_t n)
{
    if (op->op == TRUENO_OP_MEAN) return s / (double)n;
    if (op->op != TRUENO_OP_VAR && op->op != TRUENO_OP_STD) return s;
    double dof = (double)n - op->params->floats[0];   /* the correction (ddof) */
    s /= dof > 0 ? dof : 0;
    return op->op == TRUENO_OP_STD ? sqrt(s) : s;
}

/* Reductions in column_layout: a task is up to X86_COL_W adjacent columns
 * of one outer index, its rows walked top to bottom by the ISA's column
 * kernels (VAR/STD: the means, then the squared deviations about them,
 * the reference's two passes), so the result is the same at any thread
 * count. */
typedef struct col_job {
    const x86_device *d;
    const trueno_op_desc *op;
    int64_t rows, inner, width, blocks;
} col_job;

static void col_tasks(void *arg, int64_t begin, int64_t end)
{
    const col_job *j = arg;
    const trueno_op_desc *op = j->op;
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    const x86_kernels *k = j->d->k;
    bool f64 = a->dtype == TRUENO_DTYPE_FLOAT64;
    for (int64_t t = begin; t < end; t++) {
        int64_t outer = t / j->blocks, c0 = t % j->blocks * j->width;
        int64_t w = j->inner - c0 < j->width ? j->inner - c0 : j->width;
        int64_t in = a->offset + outer * j->rows * j->inner + c0, out = o->offset + outer * j->inner + c0;
        if (op->op == TRUENO_OP_ARGMAX || op->op == TRUENO_OP_ARGMIN || op->op == TRUENO_OP_AMAX || op->op == TRUENO_OP_AMIN) {
            float best[X86_COL_W];
            int32_t row[X86_COL_W];
            k->colarg_f32((const float *)a->buffer + in, j->rows, j->inner, w,
                          op->op == TRUENO_OP_ARGMIN || op->op == TRUENO_OP_AMIN, best, row);
            for (int64_t c = 0; c < w; c++)
                if (op->op == TRUENO_OP_ARGMAX || op->op == TRUENO_OP_ARGMIN) ((int64_t *)o->buffer)[out + c] = row[c];
                else ((float *)o->buffer)[out + c] = best[c];
            continue;
        }
        double acc[X86_COL_W], mean[X86_COL_W];
        const double *center = NULL;
        for (int pass = 0; pass < (op->op == TRUENO_OP_VAR || op->op == TRUENO_OP_STD ? 2 : 1); pass++) {
            if (f64) k->colsum_f64((const double *)a->buffer + in, j->rows, j->inner, w, center, acc);
            else k->colsum_f32((const float *)a->buffer + in, j->rows, j->inner, w, center, acc);
            for (int64_t c = 0; c < w; c++) mean[c] = acc[c] / (double)j->rows;
            center = mean;
        }
        for (int64_t c = 0; c < w; c++) {
            double v = finish_sum(op, acc[c], j->rows);
            if (f64) ((double *)o->buffer)[out + c] = v;
            else ((float *)o->buffer)[out + c] = (float)v;
        }
    }
}

static trueno_status run_columns(const x86_device *d, const trueno_op_desc *op)
{
    int64_t outer, rows, inner;
    column_layout(op, &outer, &rows, &inner);
    if (outer * inner == 0) return TRUENO_OK;
    /* Whole rows of up to 4 KiB per task: narrower blocks start a new page
     * every row, where the hardware prefetcher stops (1 KiB blocks of a
     * 1024x1024 sum(axis=0) took 1.5x as long). Fewer tasks than threads:
     * narrower blocks, down to 64 columns (a column's sum is the same
     * whatever the width). */
    int64_t width = X86_COL_W, threads = d->host->num_threads(d->host->ctx);
    while (width > 64 && outer * ((inner + width - 1) / width) < threads) width /= 2;
    col_job j = {d, op, rows, inner, width, (inner + width - 1) / width};
    int64_t per_task = rows * (inner < width ? inner : width);
    int64_t grain = per_task >= SUM_CHUNK ? 1 : SUM_CHUNK / (per_task ? per_task : 1);
    return d->host->parallel_for(d->host->ctx, outer * j.blocks, grain, col_tasks, &j);
}

static trueno_status run_sum(const x86_device *d, const trueno_op_desc *op)
{
    if (op->op != TRUENO_OP_DOT && !sum_layout(op, &(int64_t){0})) return run_columns(d, op);
    const trueno_tensor_desc *o = op->outputs[0];
    sum_job j = {d, op, 0, 0, NULL, NULL};
    if (op->op == TRUENO_OP_DOT) j.inner = op->inputs[0]->shape[0]; /* one output, the whole vector */
    else sum_layout(op, &j.inner);
    int64_t n_out = trueno_desc_numel(o);
    if (n_out == 0) return TRUENO_OK;
    j.chunks = j.inner ? (j.inner + SUM_CHUNK - 1) / SUM_CHUNK : 1;
    const trueno_host *h = d->host;
    bool var = op->op == TRUENO_OP_VAR || op->op == TRUENO_OP_STD;
    j.partial = h->aligned_alloc(h->ctx, 64, (size_t)(n_out * j.chunks) * sizeof(double));
    double *center = var ? h->aligned_alloc(h->ctx, 64, (size_t)n_out * sizeof(double)) : NULL;
    if (!j.partial || (var && !center)) {
        h->aligned_free(h->ctx, j.partial);
        h->aligned_free(h->ctx, center);
        return TRUENO_OUT_OF_MEMORY;
    }
    int64_t grain = j.inner ? SUM_CHUNK / (j.inner < SUM_CHUNK ? j.inner : SUM_CHUNK) : 1;
    for (int pass = 0; pass < (var ? 2 : 1); pass++) { /* VAR/STD: the mean, then Σ (x − mean)² (two passes, as the reference) */
        if (j.inner == 0) memset(j.partial, 0, (size_t)(n_out * j.chunks) * sizeof(double));
        else h->parallel_for(h->ctx, n_out * j.chunks, grain, sum_chunks, &j);
        if (pass == 0 && var) {
            for (int64_t i = 0; i < n_out; i++) center[i] = pairwise(j.partial + i * j.chunks, j.chunks) / (double)j.inner;
            j.center = center;
        }
    }
    for (int64_t i = 0; i < n_out; i++) {
        int64_t off = keepdims_offset(o, i);
        double s = finish_sum(op, pairwise(j.partial + i * j.chunks, j.chunks), j.inner);
        if (o->dtype == TRUENO_DTYPE_FLOAT64) ((double *)o->buffer)[off] = s;
        else ((float *)o->buffer)[off] = (float)s;
    }
    h->aligned_free(h->ctx, j.partial);
    h->aligned_free(h->ctx, center);
    return TRUENO_OK;
}

/* The ops done row by row over the pool (layer_norm, rms_norm, softmax):
 * each row `inner` elements long. */
typedef struct row_job {
    const x86_device *d;
    const trueno_op_desc *op;
    int64_t inner;
} row_job;

/* LAYER_NORM and RMS_NORM, one row (normalised block) per task: the mean
 * and the variance about it in two float64 passes (rms_norm: the mean
 * square), then the row normalised and scaled in float64, rounded once:
 * the reference's arithmetic, vectorised. */
static void norm_rows(void *arg, int64_t begin, int64_t end)
{
    const row_job *j = arg;
    const trueno_op_desc *op = j->op;
    const x86_kernels *k = j->d->k;
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0], *w = op->inputs[1];
    const float *b = op->op == TRUENO_OP_LAYER_NORM ? (const float *)op->inputs[2]->buffer + op->inputs[2]->offset : NULL;
    int64_t n = j->inner;
    for (int64_t r = begin; r < end; r++) {
        const float *xr = (const float *)x->buffer + x->offset + r * n;
        double mean = op->op == TRUENO_OP_LAYER_NORM ? k->sum_f32(xr, n) / (double)n : 0;
        double var = k->sqdev_f32(xr, n, mean) / (double)n;
        k->norm_row_f32(xr, n, mean, 1 / sqrt(var + op->params->floats[0]), (const float *)w->buffer + w->offset, b,
                        (float *)o->buffer + o->offset + r * n);
    }
}

static trueno_status run_norm(const x86_device *d, const trueno_op_desc *op)
{
    row_job j = {d, op, 0};
    norm_layout(op, &j.inner);
    int64_t rows = j.inner ? trueno_desc_numel(op->inputs[0]) / j.inner : 0;
    if (rows == 0) return TRUENO_OK;
    const trueno_host *h = d->host;
    return h->parallel_for(h->ctx, rows, 16384 / j.inner + 1, norm_rows, &j);
}

/* ARGMAX/ARGMIN (and AMAX/AMIN: the value found, NaN if any) over trailing
 * contiguous axes: the reduced block of each output element in chunks of
 * ARG_CHUNK (threads take chunks; the cut depends on the size alone),
 * merged in order so the first index wins. */
#define ARG_CHUNK 65536

typedef struct arg_job {
    const x86_device *d;
    const trueno_op_desc *op;
    int64_t inner, chunks;
    int64_t *index;
    float *value;
} arg_job;

static void arg_chunks(void *arg, int64_t begin, int64_t end)
{
    const arg_job *j = arg;
    const trueno_tensor_desc *a = j->op->inputs[0];
    for (int64_t w = begin; w < end; w++) {
        int64_t o = w / j->chunks, c = w % j->chunks, start = c * ARG_CHUNK;
        int64_t len = j->inner - start < ARG_CHUNK ? j->inner - start : ARG_CHUNK;
        const float *x = (const float *)a->buffer + reduced_block_offset(a, j->op->params->ints[0], o) + start;
        uint32_t op = j->op->op;
        int want_min = op == TRUENO_OP_ARGMIN || op == TRUENO_OP_AMIN;
        if (op == TRUENO_OP_AMAX || op == TRUENO_OP_AMIN) { /* the value alone */
            j->value[w] = j->d->k->amax_f32(x, len, want_min);
            j->index[w] = start;
            continue;
        }
        j->index[w] = start + j->d->k->argmax_f32(x, len, want_min, &j->value[w]);
    }
}

static trueno_status run_arg(const x86_device *d, const trueno_op_desc *op)
{
    const trueno_tensor_desc *o = op->outputs[0];
    const trueno_host *h = d->host;
    arg_job j = {d, op, 0, 0, NULL, NULL};
    if (!sum_layout(op, &j.inner)) return run_columns(d, op);
    int64_t n_out = trueno_desc_numel(o);
    if (n_out == 0) return TRUENO_OK;
    j.chunks = (j.inner + ARG_CHUNK - 1) / ARG_CHUNK;
    size_t n = (size_t)(n_out * j.chunks);
    j.index = h->aligned_alloc(h->ctx, 64, n * sizeof *j.index);
    j.value = h->aligned_alloc(h->ctx, 64, n * sizeof *j.value);
    if (!j.index || !j.value) {
        h->aligned_free(h->ctx, j.index);
        h->aligned_free(h->ctx, j.value);
        return TRUENO_OUT_OF_MEMORY;
    }
    int64_t grain = ARG_CHUNK / (j.inner < ARG_CHUNK ? j.inner : ARG_CHUNK);
    h->parallel_for(h->ctx, (int64_t)n, grain, arg_chunks, &j);
    bool want_min = op->op == TRUENO_OP_ARGMIN || op->op == TRUENO_OP_AMIN;
    for (int64_t i = 0; i < n_out; i++) {
        int64_t at = i * j.chunks;
        for (int64_t c = at + 1; c < (i + 1) * j.chunks && j.value[at] == j.value[at]; c++) {
            float v = j.value[c], b = j.value[at];
            if (v != v || (want_min ? v < b : v > b)) at = c;
        }
        if (op->op == TRUENO_OP_AMAX || op->op == TRUENO_OP_AMIN) ((float *)o->buffer)[keepdims_offset(o, i)] = j.value[at];
        else ((int64_t *)o->buffer)[keepdims_offset(o, i)] = j.index[at];
    }
    h->aligned_free(h->ctx, j.index);
    h->aligned_free(h->ctx, j.value);
    return TRUENO_OK;
}

/* CAST between contiguous operands, in chunks of FLAT_CHUNK over threads. */
static void cast_chunks(void *arg, int64_t begin, int64_t end)
{
    const ew_job *j = arg;
    const trueno_tensor_desc *a = j->op->inputs[0], *o = j->op->outputs[0];
    size_t ies = trueno_dtype_size(a->dtype), oes = trueno_dtype_size(o->dtype);
    for (int64_t r = begin; r < end; r++) {
        int64_t start = r * FLAT_CHUNK, len = j->n - start < FLAT_CHUNK ? j->n - start : FLAT_CHUNK;
        j->d->k->cast_f32(a->dtype, o->dtype, len, (const char *)a->buffer + (a->offset + start) * (int64_t)ies,
                          (char *)o->buffer + (o->offset + start) * (int64_t)oes);
    }
}

static trueno_status run_cast(const x86_device *d, const trueno_op_desc *op)
{
    ew_job j = {d, op, true, false, 0, trueno_desc_numel(op->outputs[0]), 0, {1, 1, 1}};
    if (j.n == 0) return TRUENO_OK;
    return d->host->parallel_for(d->host->ctx, (j.n + FLAT_CHUNK - 1) / FLAT_CHUNK, 1, cast_chunks, &j);
}

/* WHERE and CLIP in flat chunks of FLAT_CHUNK (ternary_supported's
 * layouts; strides 0 or 1): the where kernel, and for CLIP
 * numpy.minimum(numpy.maximum(x, lo), hi), the two NaN-propagating kernels
 * in turn, the second in place. */
static void ternary_chunks(void *arg, int64_t begin, int64_t end)
{
    const ew_job *j = arg;
    const trueno_op_desc *op = j->op;
    const trueno_tensor_desc *const *in = op->inputs, *o = op->outputs[0];
    int64_t es = (int64_t)trueno_dtype_size(op->dtype), ces = (int64_t)trueno_dtype_size(in[0]->dtype);
    for (int64_t r = begin; r < end; r++) {
        int64_t start = r * FLAT_CHUNK, len = j->n - start < FLAT_CHUNK ? j->n - start : FLAT_CHUNK;
        const int64_t *s = j->flat_stride;
        const char *p0 = (const char *)in[0]->buffer + (in[0]->offset + start * s[0]) * ces;
        const char *p1 = (const char *)in[1]->buffer + (in[1]->offset + start * s[1]) * es;
        const char *p2 = (const char *)in[2]->buffer + (in[2]->offset + start * s[2]) * es;
        char *po = (char *)o->buffer + (o->offset + start) * es;
        if (op->op == TRUENO_OP_WHERE) {
            j->d->k->where((size_t)es, len, (const uint8_t *)p0, s[0], p1, s[1], p2, s[2], po);
        } else {
            j->d->k->binary[op->dtype](X86_MAX, len, p0, s[0], p1, s[1], po, 0);
            j->d->k->binary[op->dtype](X86_MIN, len, po, 1, p2, s[2], po, 0);
        }
    }
}

static trueno_status run_ternary(const x86_device *d, const trueno_op_desc *op)
{
    ew_job j = {d, op, true, false, 0, trueno_desc_numel(op->outputs[0]), 0, {0, 0, 0}};
    for (int i = 0; i < 3; i++) j.flat_stride[i] = flat_stride(op->inputs[i]);
    if (j.n == 0) return TRUENO_OK;
    int64_t chunks = (j.n + FLAT_CHUNK - 1) / FLAT_CHUNK;
    return d->host->parallel_for(d->host->ctx, chunks, 1, ternary_chunks, &j);
}

/* CONTIGUOUS (any dtype): the input's elements into the output's layout,
 * row by row of the last axis, memcpy where both rows are contiguous. */
static void copy_rows(void *arg, int64_t begin, int64_t end)
{
    const ew_job *j = arg;
    const trueno_tensor_desc *a = j->op->inputs[0], *o = j->op->outputs[0];
    int64_t es = (int64_t)trueno_dtype_size(o->dtype), last = (int64_t)o->rank - 1;
    int64_t sa = last >= 0 ? a->strides[last] : 1, so = last >= 0 ? o->strides[last] : 1;
    const trueno_tensor_desc *t[2] = {a, o};
    for (int64_t r = begin; r < end; r++) {
        int64_t off[2];
        odometer(o, (int)last, r, t, 2, off);
        const char *src = (const char *)a->buffer + off[0] * es;
        char *dst = (char *)o->buffer + off[1] * es;
        if ((sa == 1 && so == 1) || j->inner == 1) {
            memcpy(dst, src, (size_t)(j->inner * es));
            continue;
        }
        for (int64_t i = 0; i < j->inner; i++) memcpy(dst + i * so * es, src + i * sa * es, (size_t)es);
    }
}

/* A transposing copy (the output's last axis contiguous, the input's
 * second-to-last axis contiguous instead) in TILE×TILE tiles of the last
 * two axes, so that both sides of a tile stay in L1: the row-by-row copy
 * above reads one element per cache line there (1024² float32: 4.7 ms,
 * PyTorch 1.1 ms). One task is a band of TILE output rows of one matrix. */
#define TILE 32

static bool transposing(const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    int r = (int)o->rank;
    size_t es = trueno_dtype_size(o->dtype);
    return r >= 2 && o->shape[r - 1] > 1 && o->shape[r - 2] > 1 && o->strides[r - 1] == 1 && a->strides[r - 2] == 1 &&
           a->strides[r - 1] != 1 && (es == 1 || es == 2 || es == 4 || es == 8);
}

/* Through a local tile: a matrix whose rows are a multiple of 4 KiB apart
 * maps a tile's lines onto one L1 set on both sides, so the tile is read
 * and written whole segment by segment instead. */
#define X86_TRANSPOSE_TILE(type)                                                                    \
    do {                                                                                             \
        const type *src = (const type *)a->buffer + off[0];                                          \
        type *dst = (type *)o->buffer + off[1], tile[TILE][TILE];                                    \
        for (int64_t c = c0; c < c1; c++)                                                            \
            for (int64_t i = i0; i < i1; i++) tile[c - c0][i - i0] = src[i + c * sa_c];              \
        for (int64_t i = i0; i < i1; i++)                                                            \
            for (int64_t c = c0; c < c1; c++) dst[i * so_r + c] = tile[c - c0][i - i0];              \
    } while (0)

static void transpose_bands(void *arg, int64_t begin, int64_t end)
{
    const ew_job *j = arg;
    const trueno_tensor_desc *a = j->op->inputs[0], *o = j->op->outputs[0];
    const trueno_tensor_desc *t[2] = {a, o};
    int r = (int)o->rank;
    int64_t R = o->shape[r - 2], C = o->shape[r - 1], sa_c = a->strides[r - 1], so_r = o->strides[r - 2];
    int64_t bands = (R + TILE - 1) / TILE;
    size_t es = trueno_dtype_size(o->dtype);
    for (int64_t w = begin; w < end; w++) {
        int64_t off[2], i0 = (w % bands) * TILE, i1 = i0 + TILE < R ? i0 + TILE : R;
        odometer(o, r - 2, w / bands, t, 2, off);
        for (int64_t c0 = 0; c0 < C; c0 += TILE) {
            int64_t c1 = c0 + TILE < C ? c0 + TILE : C;
            switch (es) {
            case 1: X86_TRANSPOSE_TILE(uint8_t); break;
            case 2: X86_TRANSPOSE_TILE(uint16_t); break;
            case 4:
                if (j->d->k->transpose_32 && i1 - i0 == TILE && c1 - c0 == TILE) { /* whole blocks in registers */
                    const uint32_t *src = (const uint32_t *)a->buffer + off[0];
                    uint32_t *dst = (uint32_t *)o->buffer + off[1];
                    int b = j->d->k->transpose_block;
                    for (int64_t c = c0; c < c1; c += b)
                        for (int64_t i = i0; i < i1; i += b) j->d->k->transpose_32(src + i + c * sa_c, sa_c, dst + i * so_r + c, so_r);
                    break;
                }
                X86_TRANSPOSE_TILE(uint32_t);
                break;
            default: X86_TRANSPOSE_TILE(uint64_t); break;
            }
        }
    }
}

static trueno_status run_contiguous(const x86_device *d, const trueno_op_desc *op)
{
    const trueno_tensor_desc *o = op->outputs[0];
    ew_job j = {d, op, false, false, 0, trueno_desc_numel(o), o->rank ? o->shape[o->rank - 1] : 1, {0, 0, 0}};
    if (j.n == 0) return TRUENO_OK;
    if (transposing(op)) {
        int64_t R = o->shape[o->rank - 2], band = TILE * j.inner;
        int64_t tasks = j.n / (R * j.inner) * ((R + TILE - 1) / TILE); /* the bands of every matrix */
        return d->host->parallel_for(d->host->ctx, tasks, band >= FLAT_CHUNK ? 1 : FLAT_CHUNK / band, transpose_bands, &j);
    }
    int64_t rows = j.n / j.inner, grain = j.inner >= FLAT_CHUNK ? 1 : FLAT_CHUNK / j.inner;
    return d->host->parallel_for(d->host->ctx, rows, grain, copy_rows, &j);
}

/* SOFTMAX/LOG_SOFTMAX along a contiguous last axis, rows over threads. */

static void softmax_rows(void *arg, int64_t begin, int64_t end)
{
    const row_job *j = arg;
    const trueno_tensor_desc *a = j->op->inputs[0], *o = j->op->outputs[0];
    const trueno_tensor_desc *t[2] = {a, o};
    int64_t off[2] = {0, 0}, next[2] = {0, 0};
    if (begin < end) odometer(o, (int)o->rank - 1, begin, t, 2, off);
    for (int64_t r = begin; r < end; r++) {
        if (r + 1 < end) odometer(o, (int)o->rank - 1, r + 1, t, 2, next);
        j->d->k->softmax_f32((const float *)a->buffer + off[0], (float *)o->buffer + off[1], j->inner,
                             j->op->op == TRUENO_OP_LOG_SOFTMAX, r + 1 < end ? (const float *)a->buffer + next[0] : NULL,
                             r + 1 < end ? (float *)o->buffer + next[1] : NULL);
        off[0] = next[0];
        off[1] = next[1];
    }
}

static trueno_status run_softmax(const x86_device *d, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0];
    row_job j = {d, op, a->shape[a->rank - 1]};
    int64_t n = trueno_desc_numel(a);
    if (n == 0) return TRUENO_OK;
    int64_t rows = n / j.inner, grain = j.inner >= 16384 ? 1 : 16384 / j.inner;
    return d->host->parallel_for(d->host->ctx, rows, grain, softmax_rows, &j);
}

/* TOPK: one row per task, the k best gathered on the stack, then stored
 * through the outputs' strides. */
static void topk_rows(void *arg, int64_t begin, int64_t end)
{
    const row_job *j = arg;
    const trueno_tensor_desc *a = j->op->inputs[0], *ov = j->op->outputs[0], *oi = j->op->outputs[1];
    const trueno_tensor_desc *t[3] = {a, ov, oi};
    int last = (int)a->rank - 1;
    int64_t k = j->op->params->ints[1];
    float val[TOPK_MAX_K];
    int64_t idx[TOPK_MAX_K];
    for (int64_t r = begin; r < end; r++) {
        int64_t off[3];
        odometer(a, last, r, t, 3, off);
        j->d->k->topk_f32((const float *)a->buffer + off[0], j->inner, k, j->op->params->ints[2] != 0, val, idx);
        for (int64_t q = 0; q < k; q++) {
            ((float *)ov->buffer)[off[1] + q * ov->strides[last]] = val[q];
            ((int64_t *)oi->buffer)[off[2] + q * oi->strides[last]] = idx[q];
        }
    }
}

static trueno_status run_topk(const x86_device *d, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0];
    row_job j = {d, op, a->shape[a->rank - 1]};
    int64_t n = trueno_desc_numel(a);
    if (n == 0 || op->params->ints[1] == 0) return TRUENO_OK;
    int64_t rows = n / j.inner, grain = j.inner >= 16384 ? 1 : 16384 / j.inner;
    return d->host->parallel_for(d->host->ctx, rows, grain, topk_rows, &j);
}

/* MATMUL (batched: the batch axes walked here) and GEMM. */
static trueno_status run_matmul(const x86_device *d, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    size_t es = op->dtype == TRUENO_DTYPE_FLOAT64 ? 8 : 4;
    int r = (int)o->rank;
    int64_t m = o->shape[r - 2], n = o->shape[r - 1], k = a->shape[r - 1];
    if (op->op == TRUENO_OP_GEMM) {
        const trueno_tensor_desc *c = op->inputs[2];
        return x86_gemm(d->host, d->k, op->dtype, m, n, k, op->params->floats[0],
                        (const char *)a->buffer + a->offset * (int64_t)es, a->strides[0], a->strides[1],
                        (const char *)b->buffer + b->offset * (int64_t)es, b->strides[0], b->strides[1],
                        op->params->floats[1], (const char *)c->buffer + c->offset * (int64_t)es, c->strides[0],
                        c->strides[1], (char *)o->buffer + o->offset * (int64_t)es, o->strides[0], o->strides[1]);
    }
    int64_t batches = 1;
    for (int ax = 0; ax < r - 2; ax++) batches *= o->shape[ax];
    trueno_status s = TRUENO_OK;
    const trueno_tensor_desc *t[3] = {a, b, o};
    for (int64_t bi = 0; bi < batches && s == TRUENO_OK; bi++) {
        int64_t off[3];
        odometer(o, r - 2, bi, t, 3, off);
        int64_t ao = off[0], bo = off[1], oo = off[2];
        s = x86_gemm(d->host, d->k, op->dtype, m, n, k, 1.0, (const char *)a->buffer + ao * (int64_t)es,
                     a->strides[r - 2], a->strides[r - 1], (const char *)b->buffer + bo * (int64_t)es,
                     b->strides[r - 2], b->strides[r - 1], 0.0, NULL, 0, 0, (char *)o->buffer + oo * (int64_t)es,
                     o->strides[r - 2], o->strides[r - 1]);
    }
    return s;
}

/* ---- the device ------------------------------------------------------------------ */

static const trueno_device_props *x86_props(void *dev) { return &((x86_device *)dev)->props; }

static trueno_status x86_estimate(void *dev, const trueno_op_desc *op, double *ns)
{
    if (!supported(((const x86_device *)dev)->k, op)) return TRUENO_UNSUPPORTED;
    *ns = model_ns(dev, op);
    return TRUENO_OK;
}

static trueno_status x86_execute(void *dev, const trueno_op_desc *op)
{
    if (!supported(((const x86_device *)dev)->k, op)) return TRUENO_UNSUPPORTED;
    switch (op->op) {
    case TRUENO_OP_WHERE: case TRUENO_OP_CLIP: return run_ternary(dev, op);
    case TRUENO_OP_MATMUL: case TRUENO_OP_GEMM: return run_matmul(dev, op);
    case TRUENO_OP_SUM: case TRUENO_OP_MEAN: case TRUENO_OP_VAR: case TRUENO_OP_STD: case TRUENO_OP_DOT:
        return run_sum(dev, op);
    case TRUENO_OP_LAYER_NORM: case TRUENO_OP_RMS_NORM: return run_norm(dev, op);
    case TRUENO_OP_ARGMAX: case TRUENO_OP_ARGMIN: case TRUENO_OP_AMAX: case TRUENO_OP_AMIN: return run_arg(dev, op);
    case TRUENO_OP_SOFTMAX: case TRUENO_OP_LOG_SOFTMAX: return run_softmax(dev, op);
    case TRUENO_OP_TOPK: return run_topk(dev, op);
    case TRUENO_OP_CAST: return run_cast(dev, op);
    case TRUENO_OP_CONTIGUOUS: return run_contiguous(dev, op);
    case TRUENO_OP_CONV2D: return x86_conv2d(((const x86_device *)dev)->host, ((const x86_device *)dev)->k, op);
    case TRUENO_OP_MAX_POOL2D: case TRUENO_OP_AVG_POOL2D: case TRUENO_OP_ADAPTIVE_AVG_POOL2D:
        return x86_pool(((const x86_device *)dev)->host, op);
    default: return run_elementwise(dev, op);
    }
}

static void x86_destroy(void *dev) { (void)dev; /* freed with the instance */ }

static const trueno_device_vtable x86_vtable = {
    .struct_size = sizeof(trueno_device_vtable),
    .get_properties = x86_props,
    .estimate = x86_estimate,
    .execute = x86_execute,
    .destroy = x86_destroy,
};

/* ---- calibration (once per machine, ISA and thread count; cached) --------------- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void desc1(trueno_tensor_desc *t, void *buf, int64_t n)
{
    memset(t, 0, sizeof *t);
    t->struct_size = sizeof *t;
    t->dtype = TRUENO_DTYPE_FLOAT32;
    t->rank = 1;
    t->buffer = buf;
    t->shape[0] = n;
    t->strides[0] = 1;
}

/* Best of three, each through the driver an op runs (so on the pool): add
 * of 2^20 float32 (bandwidth, element-wise rate), sum of 2^20 (reduction
 * rate), sgemm at 128³ and 512³ (matmul: the rate from the difference of
 * the two, the fixed start from the small one, as a GEMM's efficiency
 * grows with its size), a 1-element add (launch latency: the mean of 64
 * back to back); each timed run follows an untimed one of the same op. 35-45 ms here
 * (a cold trueno-bench --first-op, 1 or 2 threads), once per machine. */
static bool calibrate(x86_device *d)
{
    enum { N = 1 << 20, G0 = 128, G1 = 512, LAUNCH_RUNS = 64 };
    const trueno_host *h = d->host;
    float *buf = h->aligned_alloc(h->ctx, 64, (size_t)3 * N * sizeof(float));
    if (!buf) return false;
    for (int i = 0; i < 3 * N; i++) buf[i] = (float)(i % 101) * 0.01f;
    trueno_tensor_desc ta, tb, to;
    const trueno_tensor_desc *in[2] = {&ta, &tb}, *out[1] = {&to};
    trueno_op_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    trueno_op_desc op = {sizeof op, TRUENO_OP_ADD, TRUENO_DTYPE_FLOAT32, 2, 1, 0, in, out, &p};
    trueno_op_desc sum = {sizeof sum, TRUENO_OP_SUM, TRUENO_DTYPE_FLOAT32, 1, 1, 0, in, out, &p};
    double best[5] = {1e30, 1e30, 1e30, 1e30, 1e30};
    /* each measured op runs once untimed just before (the launch: 64 times
     * after one), as a run of ops meets it: a cold first run waited for the
     * pool's threads to wake and for its data (a fixed start of 157 us was
     * cached once on 2 threads here, sending 64³ products to the reference
     * at 16x the time; an element-wise rate a third of the steady one, on
     * 16 threads, sent 64M-element exps to a GPU at 3.5x; the one-element
     * add cold cost 0.6-1.9 us against ~30 ns) */
    for (int rep = 0; rep < 3; rep++) {
        desc1(&ta, buf, 1); desc1(&tb, buf + N, 1); desc1(&to, buf + 2 * N, 1);
        run_elementwise(d, &op);
        double t0 = now_ns();
        for (int i = 0; i < LAUNCH_RUNS; i++) run_elementwise(d, &op);
        double t1 = now_ns();
        desc1(&ta, buf, N); desc1(&tb, buf + N, N); desc1(&to, buf + 2 * N, N);
        run_elementwise(d, &op);
        double t2a = now_ns();
        run_elementwise(d, &op);
        double t2 = now_ns();
        x86_gemm(h, d->k, TRUENO_DTYPE_FLOAT32, G0, G0, G0, 1, buf, G0, 1, buf + N, G0, 1, 0, NULL, 0, 0, buf + 2 * N,
                 G0, 1);
        double t3a = now_ns();
        x86_gemm(h, d->k, TRUENO_DTYPE_FLOAT32, G0, G0, G0, 1, buf, G0, 1, buf + N, G0, 1, 0, NULL, 0, 0, buf + 2 * N,
                 G0, 1);
        double t3 = now_ns();
        x86_gemm(h, d->k, TRUENO_DTYPE_FLOAT32, G1, G1, G1, 1, buf, G1, 1, buf + N, G1, 1, 0, NULL, 0, 0, buf + 2 * N,
                 G1, 1);
        double t4 = now_ns();
        desc1(&to, buf + 2 * N, 1);
        p.ints[0] = 1; /* the one axis */
        run_sum(d, &sum);
        double t5a = now_ns();
        run_sum(d, &sum);
        p.ints[0] = 0;
        double t5 = now_ns();
        double t[5] = {(t1 - t0) / LAUNCH_RUNS, t2 - t2a, t3 - t3a, t4 - t3, t5 - t5a};
        for (int i = 0; i < 5; i++) best[i] = t[i] < best[i] ? t[i] : best[i];
    }
    h->aligned_free(h->ctx, buf);
    double f0 = 2.0 * G0 * G0 * G0, f1 = 2.0 * G1 * G1 * G1;
    d->cost.launch_ns = best[0] > 20 ? best[0] : 20;
    d->cost.bandwidth_gbs = 3.0 * N * 4 / best[1];
    d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE] = N / best[1];
    d->cost.gflops[TRUENO_OP_CLASS_MATMUL] = best[3] > best[2] ? (f1 - f0) / (best[3] - best[2]) : f1 / best[3];
    d->matmul_fixed_ns = best[2] - f0 / d->cost.gflops[TRUENO_OP_CLASS_MATMUL];
    if (d->matmul_fixed_ns < 0) d->matmul_fixed_ns = 0;
    d->cost.gflops[TRUENO_OP_CLASS_REDUCTION] = N / best[4];
    d->cost.gflops[TRUENO_OP_CLASS_COPY] = d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE];
    return true;
}

static void set_cost(x86_device *d)
{
    const trueno_host *h = d->host;
    char key[64];
    snprintf(key, sizeof key, "v4-%s-threads%u", d->k->isa, h->num_threads(h->ctx));
    double v[7];
    bool has_cache = h->struct_size >= offsetof(trueno_host, cache_save) + sizeof(h->cache_save) && h->cache_load;
    if (has_cache && h->cache_load(h->ctx, key, v, 7)) {
        d->cost.launch_ns = v[0];
        d->cost.bandwidth_gbs = v[1];
        memcpy(d->cost.gflops, v + 2, 4 * sizeof(double));
        d->matmul_fixed_ns = v[6];
        d->cost.calibrated = 1;
    } else if (calibrate(d)) {
        d->cost.calibrated = 1;
        v[0] = d->cost.launch_ns;
        v[1] = d->cost.bandwidth_gbs;
        memcpy(v + 2, d->cost.gflops, 4 * sizeof(double));
        v[6] = d->matmul_fixed_ns > 1 ? d->matmul_fixed_ns : 1; /* the cache keeps positive figures */
        if (has_cache) h->cache_save(h->ctx, key, v, 7);
    } else { /* nominal figures of a modern core */
        d->cost.launch_ns = 200;
        d->cost.bandwidth_gbs = 10;
        for (int i = 0; i < 4; i++) d->cost.gflops[i] = 10;
        d->matmul_fixed_ns = 0;
    }
}

/* ---- the plugin ------------------------------------------------------------------ */

static trueno_status x86_probe(void *instance, uint32_t *n, const trueno_device *const **devices, const char **reason)
{
    x86_device *d = instance;
    (void)reason;
    *n = 1;
    *devices = d->list;
    return TRUENO_OK;
}

static void x86_shutdown(void *instance)
{
    x86_device *d = instance;
    d->host->aligned_free(d->host->ctx, d);
}

static const trueno_plugin x86_plugin = {
    .struct_size = sizeof(trueno_plugin),
    .name = PLUGIN_NAME,
    .version = "0.1.0",
    .probe = x86_probe,
    .shutdown = x86_shutdown,
};

TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req, trueno_abi_reply *rep);
TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req, trueno_abi_reply *rep)
{
    if (req->major != TRUENO_ABI_MAJOR) return TRUENO_INCOMPATIBLE;
    const trueno_host *h = req->host;
    x86_device *d = h->aligned_alloc(h->ctx, 64, sizeof *d);
    if (!d) return TRUENO_OUT_OF_MEMORY;
    memset(d, 0, sizeof *d);
    d->host = h;
    char features[200];
    x86_isa best = detect(features, sizeof features);
    d->isa = best;
    const char *want = h->secure_getenv(h->ctx, "TRUENO_X86_ISA");
    if (want && *want) {
        x86_isa asked = !strcmp(want, "sse2") ? X86_SSE2 : !strcmp(want, "avx2") ? X86_AVX2
                      : !strcmp(want, "avx512") ? X86_AVX512 : (x86_isa)-1;
        char msg[160];
        if ((int)asked < 0 || asked > best) {
            snprintf(msg, sizeof msg, "TRUENO_X86_ISA=%s is not a level this CPU supports (sse2, avx2, avx512 up to "
                     "its best); using its best", want);
            h->log(h->ctx, TRUENO_LOG_WARN, PLUGIN_NAME, msg);
        } else {
            d->isa = asked;
        }
    }
    d->k = d->isa == X86_AVX512 ? &x86_kernels_avx512 : d->isa == X86_AVX2 ? &x86_kernels_avx2 : &x86_kernels_generic;
    char cpu[128];
    brand(cpu, sizeof cpu);
    snprintf(d->name, sizeof d->name, "%s (%s, %u threads)", cpu, d->k->isa, h->num_threads(h->ctx));
    snprintf(d->features, sizeof d->features, "isa=%s %s", d->k->isa, features);
    d->props.struct_size = sizeof d->props;
    d->props.kind = TRUENO_DEVICE_CPU;
    d->props.memory_kind = TRUENO_MEMORY_HOST;
    d->props.name = d->name;
    d->props.vendor = "";
    d->props.features = d->features;
    d->props.identity = "";
    d->props.cost = &d->cost;
    d->cost.struct_size = sizeof d->cost;
    d->handle.struct_size = sizeof d->handle;
    d->handle.impl = d;
    d->handle.vtable = &x86_vtable;
    d->list[0] = &d->handle;
    set_cost(d);
    rep->major = TRUENO_ABI_MAJOR;
    rep->minor = 0;
    rep->plugin = &x86_plugin;
    rep->instance = d;
    return TRUENO_OK;
}
