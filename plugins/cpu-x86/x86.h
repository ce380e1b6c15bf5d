/*
 * x86.h — what the cpu-x86 plugin's files share: the ISA levels, the one
 * kernel table filled at probe, and the GEMM driver.
 *
 * Files: x86_plugin.c (entry, probe, cost model; baseline ISA),
 * gemm.c (packing, blocking, threads; baseline), conv.c (conv2d as
 * im2col + GEMM; baseline), and one kernel file per
 * ISA compiled with its own flags: kernels_generic.c (portable C: the
 * SSE2 baseline of x86-64), kernels_avx2.c (AVX2+FMA), kernels_avx512.c
 * (AVX-512 F/BW/DQ/VL). Nothing outside a kernel file assumes its ISA.
 */
#ifndef TRUENO_X86_H
#define TRUENO_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trueno_abi.h"

typedef enum x86_isa { X86_SSE2 = 0, X86_AVX2 = 1, X86_AVX512 = 2 } x86_isa;

/* Element-wise binary ops the kernels vectorise (a subset of the table):
 * arithmetic (the operands' dtype out) and comparisons (bool out). */
typedef enum x86_binop {
    X86_ADD, X86_SUB, X86_MUL, X86_DIV, X86_MAX, X86_MIN,
    X86_EQ, X86_NE, X86_LT, X86_LE, X86_GT, X86_GE
} x86_binop;


typedef struct x86_kernels {
    const char *isa;
    /* GEMM micro-kernels: c[MR×NR] (row-major, ldc) = Σ_p a[p·MR + i]·b[p·NR + j]
     * over p < k, on packed panels (a: MR per p, b: NR per p); with
     * `accumulate` the sum is added to c instead of replacing it. */
    int smr, snr, dmr, dnr;
    void (*sgemm_micro)(int64_t k, const float *a, const float *b, float *c, int64_t ldc, int accumulate);
    void (*dgemm_micro)(int64_t k, const double *a, const double *b, double *c, int64_t ldc, int accumulate);
    /* Per dtype (NULL: not vectorised): o[i] = a[i·sa] op b[i·sb] for
     * i < n, with sa, sb in {0, 1} (a stride of 0 is a broadcast scalar);
     * NaN-propagating max/min, as NumPy; integers wrap. `stream`:
     * non-temporal stores for an output far larger than the caches. */
    void (*binary[TRUENO_DTYPE_COUNT_1_0])(x86_binop op, int64_t n, const void *a, int64_t sa, const void *b,
                                           int64_t sb, void *o, int stream);
    /* The comparisons into bool bytes (0/1), per operand dtype; IEEE for
     * floats: NaN is unequal to everything, unordered otherwise. */
    void (*compare[TRUENO_DTYPE_COUNT_1_0])(x86_binop op, int64_t n, const void *a, int64_t sa, const void *b,
                                            int64_t sb, uint8_t *o);
    /* o[i] = op(a[i]) for i < n, contiguous float32; op one of
     * X86_UNARY_F32_OPS; param is leaky_relu's slope. Nonzero: an input
     * outside the kernel's domain (sin/cos of |x| > 8192), o incomplete. */
    int (*unary_f32)(uint32_t op, float param, int64_t n, const float *a, float *o);
    /* Σ x[i] for i < n (contiguous), accumulated in float64 (AVX2 and
     * AVX-512: blocks of 8 vectors summed in float32 first, vmath.h's
     * sum_f32_blocks, error within 3·2^-24·Σ|x|). */
    double (*sum_f32)(const float *x, int64_t n);
    double (*sum_f64)(const double *x, int64_t n);
    /* The index of the first largest (want_min 0) or smallest (1) of
     * x[0..n), 1 <= n < 2^31, and that value; the first NaN wins (amax
     * and amin use the value). */
    int64_t (*argmax_f32)(const float *x, int64_t n, int want_min, float *value);
    /* dst[i·ldd + c] = src[c·lds + i] for i, c < transpose_block, 32-bit
     * elements, strides in elements (NULL, 0: none; CONTIGUOUS of a
     * transposed view goes through a scalar tile then). */
    void (*transpose_32)(const void *src, int64_t lds, void *dst, int64_t ldd);
    int transpose_block;
    /* sgemm's packing of an smr-row sliver of a row-major A (lda: its row
     * stride, rows <= smr of it): dst[p·smr + i] = alpha·a[i·lda + p] for
     * p < kc, zeros past rows (NULL: gemm.c's scalar packing) */
    void (*pack_a_f32)(const float *a, int64_t lda, int64_t rows, int64_t kc, float alpha, float *dst);
    /* amax (want_min 0) or amin (1) of x[0..n), n >= 1: NaN if any is. */
    float (*amax_f32)(const float *x, int64_t n, int want_min);
    /* CAST of n contiguous elements: float32 <-> float64, float32 <->
     * bfloat16 (as uint16 bits); -1 for another pair. */
    int (*cast_f32)(uint32_t from, uint32_t to, int64_t n, const void *src, void *dst);
    /* softmax (log_softmax 0) or log_softmax (1) of one contiguous row;
     * next_x and next_o (or NULL) are the row to be done next, prefetched
     * meanwhile (a 1024x1024 softmax was bound by L3 loads here). */
    void (*softmax_f32)(const float *x, float *o, int64_t n, int log_softmax, const float *next_x, float *next_o);
    /* torch.topk of one contiguous row of n: the k (1..n) largest (largest
     * 1) or smallest, sorted, NaN the largest, ties in index order. */
    void (*topk_f32)(const float *x, int64_t n, int64_t k, int largest, float *val, int64_t *idx);
    /* Σ a[i]·b[i] over contiguous runs, products and sum in float64. */
    double (*dot_f32)(const float *a, const float *b, int64_t n);
    double (*dot_f64)(const double *a, const double *b, int64_t n);
    /* Σ (x[i] − c)² in float64 (layer_norm's variance, rms_norm's mean
     * square with c = 0), and one normalised row: o = (x − mean)·inv·w + b
     * (b may be NULL) computed in float64 and rounded once. */
    double (*sqdev_f32)(const float *x, int64_t n, double c);
    double (*sqdev_f64)(const double *x, int64_t n, double c);
    void (*norm_row_f32)(const float *x, int64_t n, double mean, double inv, const float *w, const float *b, float *o);
    /* o[i] = op(a[i]) for i < n, contiguous float64; op one of
     * X86_UNARY_F64_OPS. Returns 0 (-1 for another op). */
    int (*unary_f64)(uint32_t op, int64_t n, const double *a, double *o);
    /* Reductions over a non-trailing run of axes, w <= X86_COL_W adjacent
     * columns of a (rows, ld) row-major block at x: acc[c] = Σ_r x[r·ld + c]
     * in float64, or Σ_r (x[r·ld + c] − center[c])² where center is not
     * NULL; the rows are added in blocks of X86_COL_ROWS, each block's sum
     * then added to the total. */
    void (*colsum_f32)(const float *x, int64_t rows, int64_t ld, int64_t w, const double *center, double *acc);
    void (*colsum_f64)(const double *x, int64_t rows, int64_t ld, int64_t w, const double *center, double *acc);
    /* The same columns' first largest (or with want_min smallest) value
     * and its row, 1 <= rows < 2^31; a NaN wins (the first one), as
     * argmax_f32 along a row. */
    void (*colarg_f32)(const float *x, int64_t rows, int64_t ld, int64_t w, int want_min, float *best, int32_t *row);
    /* WHERE: o[i] = c[i·sc] ? a[i·sa] : b[i·sb] for elements of es bytes
     * (1, 2, 4 or 8: it picks bits, so any dtype), strides 0 or 1 */
    void (*where)(size_t es, int64_t n, const uint8_t *c, int64_t sc, const void *a, int64_t sa, const void *b,
                  int64_t sb, void *o);
    /* o[i] = op(a[i]) for the integer dtypes (uint8, int8 … int64; NULL
     * elsewhere), op one of X86_UNARY_INT_OPS, wrapping as the reference
     * does (negative and abs of the most negative value are itself).
     * Returns 0 (-1 for another op). */
    int (*unary_int[TRUENO_DTYPE_COUNT_1_0])(uint32_t op, int64_t n, const void *a, void *o);
} x86_kernels;

/* The integer unary ops (floor, ceil, round and trunc are the identity) */
#define X86_UNARY_INT_OPS(X) X(NEGATIVE) X(ABS) X(SQUARE) X(SIGN) X(RELU) X(FLOOR) X(CEIL) X(ROUND) X(TRUNC)

#define X86_COL_W 1024
#define X86_COL_ROWS 128

extern const x86_kernels x86_kernels_generic;
extern const x86_kernels x86_kernels_avx2;
extern const x86_kernels x86_kernels_avx512;

/* The float32 unary ops the kernels vectorise (vmath.h); gelu in its exact
 * (erf) form only, the tanh approximation stays elsewhere; softplus with
 * PyTorch's defaults (beta 1, threshold 20) only. */
#define X86_UNARY_F32_OPS(X) X(NEGATIVE) X(ABS) X(SQUARE) X(SQRT) X(RSQRT) X(RECIPROCAL) X(RELU) X(RELU6) \
    X(LEAKY_RELU) X(HARDSIGMOID) X(HARDSWISH) X(SOFTSIGN) X(EXP) X(LOG) X(TANH) X(SIGMOID) X(SILU) X(GELU) \
    X(ERF) X(SIN) X(COS) X(EXPM1) X(LOG1P) X(ELU) X(CELU) X(SELU) X(SOFTPLUS) X(LOGSIGMOID) X(MISH) X(TAN) \
    X(EXP2) X(LOG2) X(LOG10) X(SINH) X(COSH) X(ARCSINH) X(ARCCOSH) X(ARCTANH) X(ARCTAN) X(ARCSIN) X(ARCCOS) \
    X(FLOOR) X(CEIL) X(ROUND) X(TRUNC) X(SIGN)

/* The float64 unary ops the kernels vectorise (vmath.h's float64 math). */
#define X86_UNARY_F64_OPS(X) X(NEGATIVE) X(ABS) X(SQUARE) X(SQRT) X(RECIPROCAL) X(RELU) X(EXP) X(LOG)

/* C (m×n) = alpha·A·B + beta·C0 for strided float32/float64 views (C0 may
 * be NULL: beta is then 0); element strides; threads through the host. */
trueno_status x86_gemm(const trueno_host *host, const x86_kernels *k, uint32_t dtype, int64_t m, int64_t n,
                       int64_t kk, double alpha, const void *a, int64_t sa0, int64_t sa1, const void *b,
                       int64_t sb0, int64_t sb1, double beta, const void *c0, int64_t sc00, int64_t sc01,
                       void *c, int64_t sc0, int64_t sc1);

/* CONV2D by im2col + x86_gemm (conv.c); supported: float32/float64 with
 * the weight's (C/groups, kh, kw) and the output's (OH, OW) axes each
 * flattening to one stride. */
bool x86_conv2d_supported(const trueno_op_desc *op);
/* pool.c: MAX_POOL2D, AVG_POOL2D, ADAPTIVE_AVG_POOL2D of float32/float64 */
bool x86_pool_supported(const trueno_op_desc *op);
trueno_status x86_pool(const trueno_host *host, const trueno_op_desc *op);
trueno_status x86_conv2d(const trueno_host *host, const x86_kernels *k, const trueno_op_desc *op);

#endif
