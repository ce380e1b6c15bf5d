/*
 * kernels_generic.c — the portable kernels: plain C that the compiler
 * turns into SSE2 (the x86-64 baseline), and the fallback of every
 * kernel on any CPU. 4×8 GEMM tiles.
 */
#include <math.h>

#include "x86.h"
#include <emmintrin.h>

/* float32 element-wise math, shared by every ISA file (vmath.h) */
#define VB 16
#define VSQRT(x) (vf)_mm_sqrt_ps((__m128)(x))
#define VSQRTD(x) (vd)_mm_sqrt_pd((__m128d)(x))
#define VMIN(a, b) (vf)_mm_min_ps((__m128)(a), (__m128)(b))
#define VMAX(a, b) (vf)_mm_max_ps((__m128)(a), (__m128)(b))
#define VANY(m) (_mm_movemask_ps((__m128)(m)) != 0)
#define VSTREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), (__m128i)(v))
#include "vmath.h"

#define MR 4
#define NR 8

static void sgemm_micro(int64_t k, const float *a, const float *b, float *c, int64_t ldc, int accumulate)
{
    float acc[MR][NR] = {{0}};
    for (int64_t p = 0; p < k; p++, a += MR, b += NR)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

static void dgemm_micro(int64_t k, const double *a, const double *b, double *c, int64_t ldc, int accumulate)
{
    double acc[MR][NR] = {{0}};
    for (int64_t p = 0; p < k; p++, a += MR, b += NR)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

static double sum_f32(const float *x, int64_t n)
{
    double s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) s[j] += x[i + j];
    for (; i < n; i++) s[0] += x[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static double sum_f64(const double *x, int64_t n)
{
    double s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) s[j] += x[i + j];
    for (; i < n; i++) s[0] += x[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

const x86_kernels x86_kernels_generic = {
    .isa = "sse2", .smr = MR, .snr = NR, .dmr = MR, .dnr = NR, .sgemm_micro = sgemm_micro,
    .dgemm_micro = dgemm_micro, .sum_f32 = sum_f32, .sum_f64 = sum_f64, X86_VMATH_KERNELS,
};
