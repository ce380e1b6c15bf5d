/*
 * kernels_avx2.c — AVX2 + FMA kernels (compiled with -mavx2 -mfma only).
 * GEMM tiles: float32 6×16 and float64 6×8, 12 ymm accumulators each,
 * one broadcast of A per row and two loads of B per k step (the register
 * blocking of Goto & van de Geijn, "Anatomy of high-performance matrix
 * multiplication", ACM TOMS 34(3), 2008).
 */
#include <immintrin.h>
#include <math.h>

#include "x86.h"

/* float32 element-wise math, shared by every ISA file (vmath.h) */
#define VB 32
#define VSQRT(x) (vf)_mm256_sqrt_ps((__m256)(x))
#define VSQRTD(x) (vd)_mm256_sqrt_pd((__m256d)(x))
#define VMIN(a, b) (vf)_mm256_min_ps((__m256)(a), (__m256)(b))
#define VMAX(a, b) (vf)_mm256_max_ps((__m256)(a), (__m256)(b))
#define VANY(m) (_mm256_movemask_ps((__m256)(m)) != 0)
#define VCVTPH_PS(h) (vf)_mm256_cvtph_ps((__m128i)(h))   /* F16C: the probe requires it for this level */
#define VCVTPS_PH(x) (vh)_mm256_cvtps_ph((__m256)(x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VSTREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), (__m256i)(v))
#include "vmath.h"

static void sgemm_micro(int64_t k, const float *a, const float *b, float *c, int64_t ldc, int accumulate)
{
    __m256 acc[6][2];
    for (int i = 0; i < 6; i++) {
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0); /* the C tile, written at the end */
    }
#pragma GCC unroll 4
    for (int64_t p = 0; p < k; p++, a += 6, b += 16) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        for (int i = 0; i < 6; i++) {
            __m256 ai = _mm256_broadcast_ss(a + i);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < 6; i++) {
        if (accumulate) {
            acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(c + i * ldc));
            acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(c + i * ldc + 8));
        }
        _mm256_storeu_ps(c + i * ldc, acc[i][0]);
        _mm256_storeu_ps(c + i * ldc + 8, acc[i][1]);
    }
}

static void dgemm_micro(int64_t k, const double *a, const double *b, double *c, int64_t ldc, int accumulate)
{
    __m256d acc[6][2];
    for (int i = 0; i < 6; i++) {
        acc[i][0] = acc[i][1] = _mm256_setzero_pd();
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0); /* the C tile, written at the end */
    }
#pragma GCC unroll 4
    for (int64_t p = 0; p < k; p++, a += 6, b += 8) {
        __m256d b0 = _mm256_loadu_pd(b), b1 = _mm256_loadu_pd(b + 4);
        for (int i = 0; i < 6; i++) {
            __m256d ai = _mm256_broadcast_sd(a + i);
            acc[i][0] = _mm256_fmadd_pd(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_pd(ai, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < 6; i++) {
        if (accumulate) {
            acc[i][0] = _mm256_add_pd(acc[i][0], _mm256_loadu_pd(c + i * ldc));
            acc[i][1] = _mm256_add_pd(acc[i][1], _mm256_loadu_pd(c + i * ldc + 4));
        }
        _mm256_storeu_pd(c + i * ldc, acc[i][0]);
        _mm256_storeu_pd(c + i * ldc + 4, acc[i][1]);
    }
}

/* NumPy's maximum/minimum: max(b, a) returns a on ±0 ties (as a >= b ? a : b),
 * and a + b restores NaN where either operand is one. */
static double hsum(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

static double sum_f32(const float *x, int64_t n)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    return hsum(_mm256_add_pd(s0, s1)) + x86_kernels_generic.sum_f32(x + i, n - i);
}

static double sum_f64(const double *x, int64_t n)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 = _mm256_add_pd(s0, _mm256_loadu_pd(x + i));
        s1 = _mm256_add_pd(s1, _mm256_loadu_pd(x + i + 4));
    }
    return hsum(_mm256_add_pd(s0, s1)) + x86_kernels_generic.sum_f64(x + i, n - i);
}

const x86_kernels x86_kernels_avx2 = {
    .isa = "avx2", .smr = 6, .snr = 16, .dmr = 6, .dnr = 8, .sgemm_micro = sgemm_micro,
    .dgemm_micro = dgemm_micro, .sum_f32 = sum_f32, .sum_f64 = sum_f64, X86_VMATH_KERNELS,
};
