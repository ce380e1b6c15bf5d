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
#define VCVTPS_PD(h) (vd)_mm256_cvtps_pd((__m128)(h))
#define VCVTPD_PS(x) (vfh)_mm256_cvtpd_ps((__m256d)(x))
#include "vmath.h"

/* The 12 accumulators are named variables, not an array: GCC 12 kept
 * an acc[6][2] array in registers but also stored ten of its twelve
 * vectors to the stack on every k step (ten stores per twelve FMAs),
 * which held 1024³ sgemm to 27 GFLOP/s on a Zen 3 core. */
#define GEMM_MICRO(NAME, T, VT, ZERO, LOAD, STORE, ADD, FMA, BCAST, NR)                                    \
    static void NAME(int64_t k, const T *a, const T *b, T *c, int64_t ldc, int accumulate)                \
    {                                                                                                    \
        VT c00 = ZERO(), c01 = ZERO(), c10 = ZERO(), c11 = ZERO(), c20 = ZERO(), c21 = ZERO();           \
        VT c30 = ZERO(), c31 = ZERO(), c40 = ZERO(), c41 = ZERO(), c50 = ZERO(), c51 = ZERO();           \
        for (int i = 0; i < 6; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);             \
        _Pragma("GCC unroll 4") for (int64_t p = 0; p < k; p++, a += 6, b += NR)                         \
        {                                                                                                \
            VT b0 = LOAD(b), b1 = LOAD(b + NR / 2), ai;                                                  \
            ai = BCAST(a + 0), c00 = FMA(ai, b0, c00), c01 = FMA(ai, b1, c01);                           \
            ai = BCAST(a + 1), c10 = FMA(ai, b0, c10), c11 = FMA(ai, b1, c11);                           \
            ai = BCAST(a + 2), c20 = FMA(ai, b0, c20), c21 = FMA(ai, b1, c21);                           \
            ai = BCAST(a + 3), c30 = FMA(ai, b0, c30), c31 = FMA(ai, b1, c31);                           \
            ai = BCAST(a + 4), c40 = FMA(ai, b0, c40), c41 = FMA(ai, b1, c41);                           \
            ai = BCAST(a + 5), c50 = FMA(ai, b0, c50), c51 = FMA(ai, b1, c51);                           \
        }                                                                                                \
        VT row[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};         \
        for (int i = 0; i < 6; i++) {                                                                    \
            if (accumulate) {                                                                            \
                row[i][0] = ADD(row[i][0], LOAD(c + i * ldc));                                           \
                row[i][1] = ADD(row[i][1], LOAD(c + i * ldc + NR / 2));                                  \
            }                                                                                            \
            STORE(c + i * ldc, row[i][0]);                                                               \
            STORE(c + i * ldc + NR / 2, row[i][1]);                                                      \
        }                                                                                                \
    }
GEMM_MICRO(sgemm_micro, float, __m256, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_add_ps,
           _mm256_fmadd_ps, _mm256_broadcast_ss, 16)
GEMM_MICRO(dgemm_micro, double, __m256d, _mm256_setzero_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_add_pd,
           _mm256_fmadd_pd, _mm256_broadcast_sd, 8)

/* NumPy's maximum/minimum: max(b, a) returns a on ±0 ties (as a >= b ? a : b),
 * and a + b restores NaN where either operand is one. */
static double hsum(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/* Σ x[i]: sum_f32_blocks (vmath.h), then the rest in float64 as it comes.
 * Four float64 sums: with two, the adds' latency bounded a 1024-wide row's
 * sum. */
static double sum_f32(const float *x, int64_t n)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    int64_t i;
    double blocks = sum_f32_blocks(x, n, &i);
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm_loadu_ps(x + i)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)));
        s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 8)));
        s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 12)));
    }
    return blocks + hsum(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3))) +
           x86_kernels_generic.sum_f32(x + i, n - i);
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

/* dst[i·ldd + c] = src[c·lds + i] for an 8×8 block of 32-bit elements:
 * unpacks (pairs), shuffles (quads), then the 128-bit halves exchanged */
static void transpose_32(const void *src, int64_t lds, void *dst, int64_t ldd)
{
    __m256 r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps((const float *)src + i * lds);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps((float *)dst + i * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
        _mm256_storeu_ps((float *)dst + (i + 4) * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    }
}

const x86_kernels x86_kernels_avx2 = {
    .isa = "avx2", .smr = 6, .snr = 16, .dmr = 6, .dnr = 8, .sgemm_micro = sgemm_micro,
    .dgemm_micro = dgemm_micro, .sum_f32 = sum_f32, .sum_f64 = sum_f64,
    .transpose_32 = transpose_32, .transpose_block = 8, X86_VMATH_KERNELS,
};
