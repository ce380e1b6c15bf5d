/*
 * kernels_avx512.c — AVX-512 F/BW/DQ/VL kernels (compiled with those flags
 * only). GEMM tiles: float32 12×32 and float64 12×16 — 24 zmm
 * accumulators, two loads of B and one broadcast of A per row per k step,
 * leaving registers for the operands (Goto & van de Geijn 2008; the same
 * shape as OpenBLAS's and BLIS's AVX-512 kernels). Masked loads and stores
 * handle tails, so no scalar loop remains in the element-wise kernels.
 */
#include <immintrin.h>
#include <math.h>

#include "x86.h"

/* float32 element-wise math, shared by every ISA file (vmath.h) */
#define VB 64
#define VSQRT(x) (vf)_mm512_sqrt_ps((__m512)(x))
#define VSQRTD(x) (vd)_mm512_sqrt_pd((__m512d)(x))
#define VMIN(a, b) (vf)_mm512_min_ps((__m512)(a), (__m512)(b))
#define VMAX(a, b) (vf)_mm512_max_ps((__m512)(a), (__m512)(b))
#define VANY(m) (_mm512_movepi32_mask((__m512i)(m)) != 0)
#define VSTREAM(p, v) _mm512_stream_si512((void *)(p), (__m512i)(v))
#define VCVTPS_PD(h) (vd)_mm512_cvtps_pd((__m256)(h))
#define VCVTPD_PS(x) (vfh)_mm512_cvtpd_ps((__m512d)(x))
#define VSCALEF(y, n) (vf)_mm512_scalef_ps((__m512)(y), (__m512)(n))
#define VPERM16(idx, table) (vf)_mm512_permutexvar_ps((__m512i)(idx), (__m512)(table))
#define VRCP(x) (vf)_mm512_rcp14_ps((__m512)(x))
#define VCVTPH_PS(h) (vf)_mm512_cvtph_ps((__m256i)(h))
#define VCVTPS_PH(x) (vh)_mm512_cvtps_ph((__m512)(x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#include "vmath.h"

#define SMR 12
#define DMR 12

static void sgemm_micro(int64_t k, const float *a, const float *b, float *c, int64_t ldc, int accumulate)
{
    __m512 acc[SMR][2];
    for (int i = 0; i < SMR; i++) {
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);     /* the C tile, written at the end */
        _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int64_t p = 0; p < k; p++, a += SMR, b += 32) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        _mm_prefetch((const char *)(b + 256), _MM_HINT_T0);
        for (int i = 0; i < SMR; i++) {
            __m512 ai = _mm512_set1_ps(a[i]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < SMR; i++) {
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(c + i * ldc));
            acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(c + i * ldc + 16));
        }
        _mm512_storeu_ps(c + i * ldc, acc[i][0]);
        _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
    }
}

static void dgemm_micro(int64_t k, const double *a, const double *b, double *c, int64_t ldc, int accumulate)
{
    __m512d acc[DMR][2];
    for (int i = 0; i < DMR; i++) {
        acc[i][0] = acc[i][1] = _mm512_setzero_pd();
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + 8), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int64_t p = 0; p < k; p++, a += DMR, b += 16) {
        __m512d b0 = _mm512_loadu_pd(b), b1 = _mm512_loadu_pd(b + 8);
        for (int i = 0; i < DMR; i++) {
            __m512d ai = _mm512_set1_pd(a[i]);
            acc[i][0] = _mm512_fmadd_pd(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_pd(ai, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < DMR; i++) {
        if (accumulate) {
            acc[i][0] = _mm512_add_pd(acc[i][0], _mm512_loadu_pd(c + i * ldc));
            acc[i][1] = _mm512_add_pd(acc[i][1], _mm512_loadu_pd(c + i * ldc + 8));
        }
        _mm512_storeu_pd(c + i * ldc, acc[i][0]);
        _mm512_storeu_pd(c + i * ldc + 8, acc[i][1]);
    }
}

/* Σ x[i]: sum_f32_blocks (vmath.h), then the rest in float64 as it comes */
static double sum_f32(const float *x, int64_t n)
{
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd(), s2 = _mm512_setzero_pd(), s3 = _mm512_setzero_pd();
    int64_t i;
    double blocks = sum_f32_blocks(x, n, &i);
    for (; i + 32 <= n; i += 32) {
        __m512 v = _mm512_loadu_ps(x + i), w = _mm512_loadu_ps(x + i + 16);
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
        s2 = _mm512_add_pd(s2, _mm512_cvtps_pd(_mm512_castps512_ps256(w)));
        s3 = _mm512_add_pd(s3, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(w), 1))));
    }
    for (; i < n; i += 8) {
        __mmask8 m = n - i >= 8 ? 0xFF : (__mmask8)((1u << (n - i)) - 1);
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + i)));
    }
    return blocks + _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
}

static double sum_f64(const double *x, int64_t n)
{
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (int64_t i = 0; i < n; i += 16) {
        __mmask8 m0 = n - i >= 8 ? 0xFF : n - i > 0 ? (__mmask8)((1u << (n - i)) - 1) : 0;
        __mmask8 m1 = n - i >= 16 ? 0xFF : n - i > 8 ? (__mmask8)((1u << (n - i - 8)) - 1) : 0;
        s0 = _mm512_add_pd(s0, _mm512_maskz_loadu_pd(m0, x + i));
        s1 = _mm512_add_pd(s1, _mm512_maskz_loadu_pd(m1, x + i + 8));
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
}

/* dst[i·ldd + c] = src[c·lds + i] for a 16×16 block of 32-bit elements:
 * sixteen row loads, four stages of vpermt2ps each swapping the
 * off-diagonal h×h blocks of every 2h×2h block (h = 8, 4, 2, 1: lo[j] =
 * j & h ? 16 + j − h : j, hi[j] = j & h ? 16 + j : j + h), sixteen row
 * stores */
static inline __attribute__((always_inline)) void transpose16(__m512 *r)
{
    static const int32_t idx[4][2][16] = { /* per stage h = 8, 4, 2, 1: lo[j], hi[j] */
        {{0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23}, {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31}},
        {{0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27}, {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31}},
        {{0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29}, {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31}},
        {{0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30}, {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31}}};
#pragma GCC unroll 4
    for (int s = 0; s < 4; s++) {
        int h = 8 >> s;
        __m512i il = _mm512_loadu_si512(idx[s][0]), ih = _mm512_loadu_si512(idx[s][1]);
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++)
            if (!(i & h)) {
                __m512 a = r[i], b = r[i + h];
                r[i] = _mm512_permutex2var_ps(a, il, b);
                r[i + h] = _mm512_permutex2var_ps(a, ih, b);
            }
    }
}

static void transpose_32(const void *src, int64_t lds, void *dst, int64_t ldd)
{
    __m512 r[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps((const float *)src + i * lds);
    transpose16(r);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) _mm512_storeu_ps((float *)dst + i * ldd, r[i]);
}

/* GEMM's A packing for a row-major A: dst[p·12 + i] = alpha·a[i·lda + p]
 * for p < kc, i < 12 (zeros past rows): 16 values of each row at a time,
 * transposed in registers (transpose16, four rows of zeros) and stored 12
 * lanes a row (the scalar copy was a quarter of a 64³ sgemm) */
static void pack_a_f32(const float *a, int64_t lda, int64_t rows, int64_t kc, float alpha, float *dst)
{
    __m512 va = _mm512_set1_ps(alpha);
    for (int64_t p = 0; p < kc; p += 16) {
        __mmask16 m = kc - p >= 16 ? 0xFFFF : (__mmask16)((1u << (kc - p)) - 1);
        __m512 r[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++)
            r[i] = i < SMR && i < rows ? _mm512_mul_ps(va, _mm512_maskz_loadu_ps(m, a + i * lda + p)) : _mm512_setzero_ps();
        transpose16(r);
        int64_t n = kc - p < 16 ? kc - p : 16;
#pragma GCC unroll 16
        for (int k = 0; k < 16; k++)
            if (k < n) _mm512_mask_storeu_ps(dst + (p + k) * SMR, (__mmask16)((1u << SMR) - 1), r[k]);
    }
}

const x86_kernels x86_kernels_avx512 = {
    .isa = "avx512", .smr = SMR, .snr = 32, .dmr = DMR, .dnr = 16, .sgemm_micro = sgemm_micro,
    .dgemm_micro = dgemm_micro, .sum_f32 = sum_f32, .sum_f64 = sum_f64,
    .transpose_32 = transpose_32, .transpose_block = 16, .pack_a_f32 = pack_a_f32, X86_VMATH_KERNELS,
};
