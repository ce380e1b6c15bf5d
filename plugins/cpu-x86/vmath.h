/*
 * vmath.h — the element-wise kernels written once with GCC vector
 * extensions and included by each ISA's kernel file with its own vector
 * size (VB bytes: 16 SSE2, 32 AVX2, 64 AVX-512), the way SLEEF builds one
 * source per ISA: float32 math (below), float32/float64 arithmetic and
 * comparisons, argmax/argmin, softmax, casts, and the float64-accumulated
 * dot and layer_norm/rms_norm rows. Every function works on
 * whole vectors: tails are padded through a lane buffer, so no scalar libm
 * loop hides inside.
 *
 * Algorithms (float32, round-to-nearest):
 *  exp    Cody–Waite reduction x = n·ln2 + r (ln2 split in two constants),
 *         degree-6 polynomial of Cephes' expf on |r| <= ln2/2, scaling by
 *         2^n through the exponent bits in two steps (reaches subnormals);
 *         with AVX-512, Tang's 16-entry table instead (vexp_in says how)
 *  log    frexp by bit manipulation (subnormals rescaled first), mantissa
 *         folded into [sqrt(1/2), sqrt(2)), degree-9 polynomial of Cephes'
 *         logf
 *  tanh   Cephes' tanhf: an odd polynomial below 0.625, else
 *         sign(x)·(1 − 2/(exp(2|x|)+1))
 *  sigmoid 1/(1+t) or t/(1+t) with t = exp(−|x|) (no overflow); silu
 *         x·sigmoid(x), scaled by 2^n only at the end where it is subnormal
 *  gelu   x·Φ(x) in three pieces with an exactly carried x² (vgelu says how)
 *  erf    from the same fits of Φ (verf says how)
 *  expm1  2^n·expm1(r) + (2^n − 1) (fdlibm's scheme); elu, selu, celu on it
 *  log1p  log(1 + x) with Goldberg's correction; softplus and logsigmoid on
 *         it and exp; mish as x·n/(n+2), n = e^x(e^x+2)
 *  sin, cos  reduction by π/2 in float64, Cephes' polynomials (|x| <= 8192)
 * (S. L. Moshier, Cephes Math Library, 1984–1992, netlib.org/cephes.) The
 * measured ULP errors are in docs/ulp.md (tools/ulp-table.c).
 */
#if !defined(VB) || !defined(VSQRT) || !defined(VSQRTD) || !defined(VMIN) || !defined(VMAX) || !defined(VSTREAM) || \
    !defined(VANY)
#error "define VB (vector bytes), VSQRT(x), VSQRTD(x) (float64), VMIN(a, b), VMAX(a, b) (the ISA's minps/maxps: b when either is NaN), VSTREAM(p, v) (a non-temporal store of a vector at aligned p) and VANY(m) (whether any lane of a comparison's mask is set) before including vmath.h (VSCALEF(y, n) is optional)"
#endif

#include <stdint.h>
#include <string.h>

typedef float vf __attribute__((vector_size(VB)));
typedef int32_t vi __attribute__((vector_size(VB)));
#define VL ((int)(VB / sizeof(float)))

static inline vf vsel(vi mask, vf a, vf b) { return (vf)(((vi)a & mask) | ((vi)b & ~mask)); }
static inline vf vsplat(float x) { return (vf){0} + x; }
static inline vf vabs(vf x) { return (vf)((vi)x & 0x7fffffff); }

/* exp(x) = y·2^n with y in about [0.7, 1.4] (full precision) and n an
 * integer, for x clamped to [−120, 90] (NaN passes through the clamp and
 * the polynomial; cosh and sinh stay finite up to 89.4): callers that
 * scale the result further keep the
 * precision a subnormal exp(x) would lose. n = rint(x/ln2) by adding and
 * removing 1.5·2^23, whose low bits then hold n. */
static inline vf vexp_reduce(vf x, vf *t_out)
{
    const vf shifter = vsplat(12582912.0f);
    vf xc = VMIN(vsplat(90.0f), VMAX(vsplat(-120.0f), x));
    vf t = xc * 1.44269504088896341f + shifter;
    vf n = t - shifter;
    vf r = xc - n * 0.693359375f - n * -2.12194440e-4f;  /* ln2 in two parts */
    vf p = vsplat(1.9875691500E-4f);
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    *t_out = t;
    return p * r * r + r + 1.0f;
}

/* vexp_reduce's t, n + 1.5·2^23, as the integer n */
static inline vi vexp_n(vf t) { return (vi)t - (vi)vsplat(12582912.0f); }

static inline vf vexp_parts(vf x, vi *n_out)
{
    vf t, y = vexp_reduce(x, &t);
    *n_out = vexp_n(t);
    return y;
}

/* y·2^n as y·2^h·2^(n−h), h = n/2: both factors are normal floats for
 * n in [−174, 129], so the product rounds once, into subnormals too, and
 * overflows to inf past FLT_MAX */
static inline vf vscale(vf y, vi n)
{
    vi h = n >> 1;
    return y * (vf)((h + 127) << 23) * (vf)((n - h + 127) << 23);
}

/* y·2^n: VSCALEF where the ISA has one (AVX-512's vscalefps, for an
 * integer-valued float n, in one instruction), rounded once, into
 * subnormals and to inf, as vscale's two steps are; it saves their eight
 * integer ops. */
static inline vf vldexp(vf y, vi n)
{
#ifdef VSCALEF
    return VSCALEF(y, __builtin_convertvector(n, vf));
#else
    return vscale(y, n);
#endif
}

/* a/b for sigmoid's division, b in [1, 2]: with AVX-512 a·e, e =
 * vrcp14ps's estimate of 1/b (relative error 2^-14) after one Newton step
 * e + e·(1 − b·e) in two FMAs (2^-28 off before its last rounding):
 * sigmoid 30000 13.7 -> 12.0-12.7 us here (tanh and gelu gained nothing
 * from it and keep their divisions); elsewhere the division itself. */
static inline vf vdiv(vf a, vf b)
{
#ifdef VRCP
    vf e = VRCP(b);
    return a * (e + e * (1.0f - b * e));
#else
    return a / b;
#endif
}

/* y·2^n for t = n + 1.5·2^23 (vexp_reduce's, vexp2's t): VSCALEF takes
 * n = t − 1.5·2^23 as it is, without vldexp's conversion back from the
 * integer (two ops of about sixteen in exp; the same result) */
static inline vf vldexp_t(vf y, vf t)
{
#ifdef VSCALEF
    return VSCALEF(y, t - 12582912.0f);
#else
    return vscale(y, vexp_n(t));
#endif
}

#if defined(VSCALEF) && defined(VPERM16)
/* With AVX-512, Tang's table method (P. T. P. Tang, "Table-driven
 * implementation of the exponential function in IEEE floating-point
 * arithmetic", ACM TOMS 15(2), 1989) with a 16-entry table, one vpermps:
 * x = (16n + j)·ln2/16 + r, |r| <= ln2/32 (Cody–Waite, ln2/16 in two
 * parts), e^x = 2^n·T[j]·(1 + q), T[j] = 2^(j/16) rounded to float32 and
 * q = r + r²/2 + r³/6 (truncation below 0.08 ULP). j is the low four bits
 * of t = 16n + j + 1.5·2^23, which vpermps reads by itself, and vscalefps
 * scales by 2^floor((16n + j)/16) = 2^n. Three fewer multiply-adds than
 * vexp_reduce's degree-7 polynomial: the softmax's exponential pass was
 * bound by the FP pipes' one 512-bit op a cycle. nonpositive: x <= 0 or
 * NaN (softmax's x − max, sigmoid's −|x|), so the upper clamp goes. */
static inline __attribute__((always_inline)) vf vexp_in(vf x, int nonpositive)
{
    const vf shifter = vsplat(12582912.0f);
    const vf table = {1.000000000e+00f, 1.044273734e+00f, 1.090507746e+00f, 1.138788581e+00f,
                      1.189207077e+00f, 1.241857767e+00f, 1.296839595e+00f, 1.354255557e+00f,
                      1.414213538e+00f, 1.476826191e+00f, 1.542210817e+00f, 1.610490322e+00f,
                      1.681792855e+00f, 1.756252170e+00f, 1.834008098e+00f, 1.915206552e+00f};
    vf xc = VMAX(vsplat(-120.0f), x);
    if (!nonpositive) xc = VMIN(vsplat(90.0f), xc);
    vf t = xc * 23.0831203f + shifter;                 /* 16/ln2 */
    vf k = t - shifter;
    vf r = xc - k * 0.0433216989f - k * -1.19040890e-10f;
    vf q = (r * 0.166666667f + 0.5f) * r * r + r;
    vf tj = VPERM16(t, table);
    return VSCALEF(tj + tj * q, k * 0.0625f);          /* vscalefps floors its exponent */
}

static inline vf vexp(vf x) { return vexp_in(x, 0); }
static inline vf vexp_neg(vf x) { return vexp_in(x, 1); }
#else
static inline vf vexp(vf x)
{
    vf t, y = vexp_reduce(x, &t);
    return vldexp_t(y, t);
}

/* e^x for x <= 0 or NaN */
static inline vf vexp_neg(vf x) { return vexp(x); }
#endif

/* exp2(x) = 2^n·2^f, n = rint(x), f = x − n in [−1/2, 1/2] exactly,
 * 2^f = 1 + f·P(f) (Cephes' exp2f); x clamped to [−151, 129], where the
 * result is 0 and inf */
static inline vf vexp2(vf x)
{
    const vf shifter = vsplat(12582912.0f);
    vf xc = VMIN(vsplat(129.0f), VMAX(vsplat(-151.0f), x));
    vf t = xc + shifter;
    vf f = xc - (t - shifter);
    vf p = vsplat(1.535336188319500E-4f);
    p = p * f + 1.339887440266574E-3f;
    p = p * f + 9.618437357674640E-3f;
    p = p * f + 5.550332471162809E-2f;
    p = p * f + 2.402264791363012E-1f;
    p = p * f + 6.931472028550421E-1f;
    return vldexp_t(p * f + 1.0f, t);
}

/* The pieces of log(x), x > 0, for log, log2 and log10 (Cephes' logf,
 * log2f, log10f): x = 2^e·(1 + m), 1 + m in [sqrt(1/2), sqrt(2)), and
 * log(1 + m) = m + (*t − *h) with *t = m·z·P(m), *h = z/2, z = m². */
static inline vf vlog_parts(vf x, vf *t, vf *h, vf *ef)
{
    vi bits = (vi)x;
    vi sub = (x < 1.17549435e-38f) & (x > 0.0f);           /* subnormal: scale by 2^23 */
    vf xs = vsel(sub, x * 8388608.0f, x);
    bits = (vi)xs;
    vi e = ((bits >> 23) & 0xff) - 126 - (sub & 23);
    vf m = (vf)((bits & 0x007fffff) | 0x3f000000);        /* mantissa in [0.5, 1) */
    vi small = m < 0.707106781186547524f;
    e = e + small;                                        /* small is -1 where true */
    m = vsel(small, m + m, m) - 1.0f;
    vf z = m * m;
    vf p = vsplat(7.0376836292E-2f);
    p = p * m - 1.1514610310E-1f;
    p = p * m + 1.1676998740E-1f;
    p = p * m - 1.2420140846E-1f;
    p = p * m + 1.4249322787E-1f;
    p = p * m - 1.6668057665E-1f;
    p = p * m + 2.0000714765E-1f;
    p = p * m - 2.4999993993E-1f;
    p = p * m + 3.3333331174E-1f;
    *ef = __builtin_convertvector(e, vf);
    *t = m * z * p;
    *h = 0.5f * z;
    return m;
}

/* log's special values, shared by log2 and log10: −inf at ±0, NaN below
 * 0, inf at inf, NaN as given */
static inline vf vlog_special(vf x, vf y)
{
    y = vsel(x == 0.0f, vsplat(-__builtin_inff()), y);
    y = vsel(x < 0.0f, vsplat(__builtin_nanf("")), y);
    y = vsel(x == __builtin_inff(), x, y);
    return vsel(x != x, x, y);
}

/* e·ln2 + log(1 + m), ln2 in two parts (Cody–Waite) */
static inline vf vlog(vf x)
{
    vf t, h, ef, m = vlog_parts(x, &t, &h, &ef);
    vf y = t + ef * -2.12194440e-4f - h;
    y = m + y + ef * 0.693359375f;
    return vlog_special(x, y);
}

/* e + log(1 + m)·log2(e), log2(e) as 1 + 0.44269504…: the m and e terms
 * are added last, exactly where they dominate (Cephes' log2f) */
static inline vf vlog2(vf x)
{
    vf t, h, ef, m = vlog_parts(x, &t, &h, &ef);
    vf y = t - h;
    vf z = y * 0.44269504088896340736f + m * 0.44269504088896340736f;
    return vlog_special(x, z + y + m + ef);
}

/* (e·log10(2) + log(1 + m)·log10(e)), both constants in two parts, the
 * large parts added last (Cephes' log10f) */
static inline vf vlog10(vf x)
{
    vf t, h, ef, m = vlog_parts(x, &t, &h, &ef);
    vf y = t - h;
    vf z = y * 7.00731903251827651129E-4f + m * 7.00731903251827651129E-4f + ef * 2.48745663981195213739E-4f;
    z = z + y * 4.3359375E-1f + m * 4.3359375E-1f + ef * 3.0078125E-1f;
    return vlog_special(x, z);
}

static inline vf vtanh(vf x)
{
    vf a = vabs(x), z = x * x;
    vf p = vsplat(-5.70498872745E-3f);
    p = p * z + 2.06390887954E-2f;
    p = p * z - 5.37397155531E-2f;
    p = p * z + 1.33314422036E-1f;
    p = p * z - 3.33332819422E-1f;
    vf small = p * z * x + x;
    vf big = 1.0f - 2.0f / (vexp(a + a) + 1.0f);
    big = (vf)((vi)big | ((vi)x & INT32_MIN));            /* the sign of x */
    vf y = vsel(a < 0.625f, small, big);
    return vsel(x != x, x, y);
}

/* sigmoid without overflow: t = exp(−|x|) <= 1, then 1/(1+t) for x >= 0
 * and t/(1+t) for x < 0 (exp(−x) itself overflows below x ≈ −88.7 while
 * the result, about e^x, is still representable) */
static inline vf vsigmoid(vf x)
{
    vf t = vexp_neg(-vabs(x));
    return vdiv(vsel(x < 0.0f, t, vsplat(1.0f)), 1.0f + t);
}

/* silu = x·sigmoid(x); for x < 0 as (x·y/(1+t))·2^n with exp(x) = y·2^n,
 * so a subnormal result is rounded once instead of multiplying a rounded
 * subnormal sigmoid by x */
static inline vf vsilu(vf x)
{
    vi n;
    vf y = vexp_parts(-vabs(x), &n);
    vf t = vscale(y, n);
    vf neg = vscale(x * y / (1.0f + t), n);
    neg = vsel(x < -120.0f, vsplat(-0.0f), neg);     /* below, |silu| < 2^-150 */
    neg = vsel(x == -__builtin_inff(), vsplat(__builtin_nanf("")), neg); /* -inf * sigmoid(-inf) */
    vf pos = x / (1.0f + t);
    return vsel(x != x, x, vsel(x < 0.0f, neg, pos));
}


/* gelu(x) = x·Φ(x), Φ the standard normal CDF (the exact, erf form):
 * |x| < 1: x·(1/2 + x·S(x²)); |x| >= 1, u = |x|: Φ(−u) = e^(−u²/2)·H(1/u)/u,
 * so gelu = −e^(−u²/2)·H for x < 0 and x − e^(−u²/2)·H for x > 0. u² is
 * carried as p + e exactly (Dekker's product, no FMA needed) and
 * e^(−u²/2) = e^(−p/2)·(1 − e/2): a rounded u² would cost u²/2 ULP. The
 * 2^n of the exponential is applied last, so subnormal results (x < −13)
 * round once. S and H (two intervals of 1/u) are Chebyshev fits made by
 * tools/fit-gelu.py. Unlike 0.5·x·(1 + erf(x/√2)) in float, this does not
 * cancel for negative x. */
static const float gelu_s[7] = {8.396533419e-09f, -2.394565638e-07f, 5.884340067e-06f, -1.223112618e-04f,
                                2.088627290e-03f, -2.867621644e-02f, 3.680489932e-01f};
static const float gelu_h_near[10] = {-5.194464301e-07f, -3.188758369e-07f, 9.048374185e-06f, -4.357500023e-05f,
                                      1.597436033e-04f, -4.392318009e-04f, 4.816774510e-04f, 4.489571626e-03f,
                                      -4.652496816e-02f, 3.034468636e-01f};
static const float gelu_h_far[10] = {8.087372520e-07f, -6.239460321e-07f, -7.473995417e-06f, 3.132293428e-05f,
                                     -4.620984079e-05f, -2.116780294e-04f, 1.735237244e-03f, -4.403296334e-03f,
                                     -2.348682164e-02f, 3.797170638e-01f};

/* c[0]·s^(n−1) + … + c[n−1] (Horner) */
static inline __attribute__((always_inline)) vf vhorner(vf s, const float *c, int n)
{
    vf p = vsplat(c[0]);
    for (int k = 1; k < n; k++) p = p * s + c[k];
    return p;
}

/* e^(−k·s²)·H(t) = result·2^(*n), s >= 0, k 1/2 or 1: s² carried as
 * p + e exactly (Dekker's product, no FMA needed) and e^(−k(p+e)) =
 * e^(−kp)·(1 − ke); the 2^n left to the caller so subnormal results round
 * once. t in [1/14, 1] (clamped). */
static inline vf vphi_tail(vf s, float k, vf t, vi *n)
{
    t = VMAX(t, vsplat(1.0f / 14.0f));
    vf h = vsel(t < 0.4f, vhorner(6.08695652f * t - 1.43478261f, gelu_h_far, 10),
                vhorner(3.33333333f * t - 2.33333333f, gelu_h_near, 10));
    vf sc = VMIN(vsplat(20.0f), s);                                    /* e^(−200) is 0 already */
    vf p = sc * sc, c = sc * 4097.0f, sh = c - (c - sc), sl = sc - sh;
    vf e = ((sh * sh - p) + 2.0f * sh * sl) + sl * sl;
    vf yh = vexp_parts(-k * p, n) * h;
    return yh - yh * (k * e);                /* not ·(1 − ke): 1 − ke itself would round */
}

static inline vf vgelu(vf x)
{
    vf u = vabs(x);
    vf small = x * (0.5f + x * vhorner(2.0f * (x * x) - 1.0f, gelu_s, 7));
    vi n;
    vf y0 = vphi_tail(u, 0.5f, 1.0f / VMAX(vsplat(1.0f), u), &n);    /* sets n: a statement of its own */
    vf y = vscale(y0, n);
    vf r = vsel(u < 1.0f, small, vsel(x < 0.0f, -y, x - y));
    r = vsel(x == -__builtin_inff(), vsplat(__builtin_nanf("")), r);  /* −inf·Φ(−inf), as PyTorch */
    return vsel(x != x, x, r);
}

/* erf from the same fits: erf(x) = 2Φ(x√2) − 1. |x| < 1/√2: 2√2·x·S(2x²);
 * beyond, ±(1 − erfc(|x|)) with erfc(u) = 2Φ(−u√2) = e^(−u²)·(√2/u)·
 * H(1/(u√2)). (erfc itself is not offered: the rounded √2/u factor puts
 * it at 4.7 ULP, past the op's bound; in 1 − erfc that error is scaled
 * down by erfc/(1 − erfc) <= 0.47.) */
static inline vf verf(vf x)
{
    vf u = vabs(x);
    vf small = 2.82842712f * x * vhorner(4.0f * (x * x) - 1.0f, gelu_s, 7);
    vf t2 = 1.41421356f / VMAX(u, vsplat(0.70710678f));                /* 2t = √2/u */
    vi n;
    vf y = vphi_tail(u, 1.0f, 0.5f * t2, &n);                          /* sets n: a statement of its own */
    vf big = 1.0f - vscale(t2 * y, n);
    big = (vf)((vi)big | ((vi)x & INT32_MIN));                         /* the sign of x */
    return vsel(u < 0.70710678f, small, big);                          /* NaN: small's NaN */
}

/* expm1(x) = 2^n·expm1(r) + (2^n − 1), r = x − n·ln2 in [−ln2/2, ln2/2]
 * (Cody–Waite), expm1(r) by its Taylor polynomial to r^9 (truncation below
 * 1e-9 relative): no e^x − 1 cancellation near 0 (fdlibm's scheme). x is
 * clamped to [−30, 89]: −1 and inf in float32 beyond. */
static inline vf vexpm1(vf x)
{
    const vf shifter = vsplat(12582912.0f);
    vf xc = VMIN(vsplat(89.0f), VMAX(vsplat(-30.0f), x));
    vf t = xc * 1.44269504088896341f + shifter;
    vf nf = t - shifter;
    vi n = (vi)t - (vi)shifter;
    vf r = xc - nf * 0.693359375f - nf * -2.12194440e-4f;
    vf q = vsplat(2.75573192e-6f);                                     /* 1/9! */
    q = q * r + 2.48015873e-5f;
    q = q * r + 1.98412698e-4f;
    q = q * r + 1.38888889e-3f;
    q = q * r + 8.33333333e-3f;
    q = q * r + 4.16666667e-2f;
    q = q * r + 1.66666667e-1f;
    q = q * r + 0.5f;
    vf p = r + r * r * q;                                              /* expm1(r) */
    vf s = (vf)((n + 127) << 23);                                      /* 2^n, n in [−44, 129] */
    vf small_n = s * p + (s - 1.0f);                                   /* n <= 24: s is normal */
    vf big_n = vscale(p + 1.0f, n);                                    /* n > 24: the −1 is below an ULP */
    return vsel(n > 24, big_n, small_n);
}

/* log1p(x) = log(u) − ((u − 1) − x)/u with u = 1 + x: the correction puts
 * back what rounding u lost (D. Goldberg, "What every computer scientist
 * should know about floating-point arithmetic", 1991, Theorem 4). */
static inline vf vlog1p(vf x)
{
    vf u = 1.0f + x, l = vlog(u);
    vf r = l - ((u - 1.0f) - x) / u;
    r = vsel((u > 0.0f) & (u < __builtin_inff()), r, l);               /* −1, < −1, inf, NaN: log's */
    return vsel(x == 0.0f, x, r);                                      /* log1p(−0) = −0 */
}

/* softplus with PyTorch's defaults (beta 1, threshold 20): x past 20,
 * else log1p(e^x) */
static inline vf vsoftplus(vf x) { return vsel(x > 20.0f, x, vlog1p(vexp(x))); }

/* logsigmoid = min(x, 0) − log1p(e^−|x|): no overflow, no cancellation */
static inline vf vlogsigmoid(vf x) { return vsel(x < 0.0f, x, vsplat(0.0f)) - vlog1p(vexp_neg(-vabs(x))); }

/* cosh and sinh from e^|x| = y·2^n: c = y·2^(n−1) (finite up to |x| =
 * 89.4, where e^|x| itself has overflowed) and cosh = c + 1/(4c); sinh =
 * ±(c − 1/(4c)) for |x| >= 1, where the difference loses at most a bit,
 * and x + x·z·P(z), z = x², below (Cephes' sinhf) */
static inline vf vcosh_half(vf a)
{
    vi n;
    vf y = vexp_parts(a, &n);
    return vldexp(y, n - 1);
}

static inline vf vcosh(vf x)
{
    vf c = vcosh_half(vabs(x));
    return c + 0.25f / c;
}

static inline vf vsinh(vf x)
{
    vf a = vabs(x), z = x * x, c = vcosh_half(a);
    vf small = ((2.03721912945E-4f * z + 8.33028376239E-3f) * z + 1.66667160211E-1f) * z * x + x;
    vf big = (vf)((vi)(c - 0.25f / c) | ((vi)x & INT32_MIN));
    return vsel(a < 1.0f, small, big);                                 /* NaN: big's */
}

/* arctanh: x + x·z·P(z) below 1/2 (Cephes' atanhf), else
 * ±log1p(2a/(1 − a))/2, a = |x|, where 1 − a is exact; ±inf at ±1, NaN
 * beyond */
static inline vf vatanh(vf x)
{
    vf a = vabs(x), z = x * x;
    vf small = ((((1.81740078349E-1f * z + 8.24370301058E-2f) * z + 1.46691431730E-1f) * z + 1.99782164500E-1f) * z +
                3.33337300303E-1f) * z * x + x;
    vf big = 0.5f * vlog1p((a + a) / (1.0f - a));
    big = vsel(a == 1.0f, vsplat(__builtin_inff()), vsel(a > 1.0f, vsplat(__builtin_nanf("")), big));
    big = (vf)((vi)big | ((vi)x & INT32_MIN));
    return vsel(a < 0.5f, small, big);                                 /* NaN: big's */
}

/* arcsinh: x + x·z·P(z) below 1/2 (Cephes' asinhf); up to 1500
 * log1p(a + a²/(1 + sqrt(a² + 1))), the same as log(a + sqrt(a² + 1))
 * without rounding the sum near 1 (that form reached 3.6 ULP at 0.5);
 * log(a) + ln2 beyond, where a² + 1 is a² (and would overflow past
 * 1.8e19); the sign of x */
static inline vf vasinh(vf x)
{
    vf a = vabs(x), z = x * x;
    vf small = (((2.0122003309E-2f * z - 4.2699340972E-2f) * z + 7.4847586088E-2f) * z - 1.6666288134E-1f) * z * x + x;
    vf mid = vlog1p(a + z / (1.0f + VSQRT(z + 1.0f)));
    vf big = vsel(a > 1500.0f, vlog(a) + 0.693147180559945309f, mid);
    big = (vf)((vi)big | ((vi)x & INT32_MIN));
    return vsel(a < 0.5f, small, big);
}

/* arccosh (Cephes' acoshf): sqrt(z)·P(z) for z = x − 1 < 1/2 (exact
 * there); log(x + sqrt(z·(x + 1))) up to 1500; log(x) + ln2 beyond; NaN
 * below 1 */
static inline vf vacosh(vf x)
{
    vf z = x - 1.0f;
    vf small = ((((1.7596881071E-3f * z - 7.5272886713E-3f) * z + 2.6454905019E-2f) * z - 1.1784741703E-1f) * z +
                1.4142135263E0f) * VSQRT(VMAX(z, vsplat(0.0f)));
    vf big = vlog(vsel(x > 1500.0f, x, x + VSQRT(z * (x + 1.0f)))) +
             vsel(x > 1500.0f, vsplat(0.693147180559945309f), vsplat(0.0f));
    vf y = vsel(z < 0.5f, small, big);
    return vsel(x < 1.0f, vsplat(__builtin_nanf("")), vsel(x != x, x, y));
}

/* arctan (Cephes' atanf): a = |x| reduced to [0, tan(π/8)] by
 * π/2 + atan(−1/a) past tan(3π/8) and π/4 + atan((a − 1)/(a + 1)) past
 * tan(π/8), then w + w·z·P(z); the sign of x */
static inline vf vatan(vf x)
{
    vf a = vabs(x);
    vi far = a > 2.414213562373095f, mid = (a > 0.4142135623730950f) & ~far;
    vf w = vsel(far, -1.0f / a, vsel(mid, (a - 1.0f) / (a + 1.0f), a));
    vf y0 = vsel(far, vsplat(1.5707963267948966f), vsel(mid, vsplat(0.7853981633974483f), vsplat(0.0f)));
    vf z = w * w;
    vf y = y0 + ((((8.05374449538e-2f * z - 1.38776856032E-1f) * z + 1.99777106478E-1f) * z - 3.33329491539E-1f) * z * w + w);
    return vsel(x != x, x, (vf)((vi)y | ((vi)x & INT32_MIN)));
}

/* asin(s) for s in [0, 1/2] (Cephes' asinf polynomial): s + s·z·P(z) */
static inline vf vasin_core(vf s)
{
    vf z = s * s;
    return ((((4.2163199048E-2f * z + 2.4181311049E-2f) * z + 4.5470025998E-2f) * z + 7.4953002686E-2f) * z +
            1.6666752422E-1f) * z * s + s;
}

/* arcsin (Cephes' asinf): the polynomial up to 1/2, π/2 − 2·asin(sqrt((1 −
 * a)/2)) beyond (1 − a exact there); NaN past 1; the sign of x */
static inline vf vasin(vf x)
{
    vf a = vabs(x);
    vf big = 1.5707963267948966f - 2.0f * vasin_core(VSQRT(VMAX(0.5f * (1.0f - a), vsplat(0.0f))));
    vf y = vsel(a > 0.5f, big, vasin_core(a));
    y = vsel(a > 1.0f, vsplat(__builtin_nanf("")), y);
    return vsel(x != x, x, (vf)((vi)y | ((vi)x & INT32_MIN)));
}

/* arccos (Cephes' acosf): π/2 − asin(x) for |x| <= 1/2, 2·asin(sqrt((1 −
 * x)/2)) above, π − 2·asin(sqrt((1 + x)/2)) below; NaN past ±1 */
static inline vf vacos(vf x)
{
    vf a = vabs(x);
    vf s = vasin_core(VSQRT(VMAX(0.5f * (1.0f - a), vsplat(0.0f))));
    vf y = vsel(a <= 0.5f, 1.5707963267948966f - (vf)((vi)vasin_core(a) | ((vi)x & INT32_MIN)),
                vsel(x > 0.0f, 2.0f * s, 3.14159265358979323846f - 2.0f * s));
    y = vsel(a > 1.0f, vsplat(__builtin_nanf("")), y);
    return vsel(x != x, x, y);
}

/* rint for |x| < 2^23 by adding and removing 2^23 carrying x's sign (to
 * nearest, ties to even: the default rounding mode), with x's sign kept
 * on a zero result; from 2^23 on every float is an integer, and inf and
 * NaN pass, so those lanes are x. floor, ceil and trunc correct it by one
 * where it went the wrong way; all four results carry the sign of x
 * (numpy.floor(-0.5) is -1, numpy.ceil(-0.5) is -0). */
static inline vf vsign_of(vf r, vf x) { return (vf)((vi)r | ((vi)x & INT32_MIN)); }

static inline vf vrint(vf x)
{
    vf magic = vsign_of(vsplat(8388608.0f), x);
    return vsel(vabs(x) < 8388608.0f, vsign_of((x + magic) - magic, x), x);
}

static inline vf vfloor(vf x)
{
    vf r = vrint(x);
    return vsign_of(vsel(r > x, r - 1.0f, r), x);
}

static inline vf vceil(vf x)
{
    vf r = vrint(x);
    return vsign_of(vsel(r < x, r + 1.0f, r), x);
}

static inline vf vtrunc(vf x) { return vsign_of(vfloor(vabs(x)), x); }

/* sin and cos: q = rint(x·2/π) and r = x − q·π/2 in float64 (π/2 in two
 * parts, fdlibm's pio2_1 of 33 bits and its tail: q·pio2_1 is exact, so
 * r keeps its accuracy next to the zeros of sin and cos, where a float32
 * reduction loses hundreds of ULP), then Cephes' sinf/cosf polynomials on
 * r in [−π/4, π/4] by the quadrant q mod 4. Exact for |x| <= 8192; a
 * finite lane beyond sets *bad and the plugin leaves the op to another
 * device (no Payne–Hanek reduction here). */
#define SINCOS_LIMIT 8192.0f
typedef float vfh __attribute__((vector_size(VB / 2)));
typedef int32_t vih __attribute__((vector_size(VB / 2)));
typedef double vd __attribute__((vector_size(VB)));

/* the reduction of VL/2 lanes */
static inline vfh reduce_pio2(vfh x, vih *q_out)
{
    const vd shifter = (vd){0} + 6755399441055744.0;                    /* 1.5·2^52 */
    vd xd = __builtin_convertvector(x, vd);
    vd q = (xd * 0.63661977236758134308 + shifter) - shifter;
    vd r = (xd - q * 1.57079632673412561417e+00) - q * 6.07710050650619224932e-11;
    *q_out = __builtin_convertvector(q, vih);
    return __builtin_convertvector(r, vfh);
}

/* r = x − q·π/2 for all lanes (two halves in float64), q in *q */
static inline vf reduce_quadrant(vf x, vi *q)
{
    vfh half[2], rh[2];
    vih qh[2];
    memcpy(half, &x, sizeof x);
    rh[0] = reduce_pio2(half[0], &qh[0]);
    rh[1] = reduce_pio2(half[1], &qh[1]);
    vf r;
    memcpy(&r, rh, sizeof r);
    memcpy(q, qh, sizeof *q);
    return r;
}

/* what sin, cos and tan share past the polynomial: a finite lane beyond
 * SINCOS_LIMIT sets *bad, ±inf gives NaN, NaN passes */
static inline vf vtrig_special(vf x, vf y, vi *bad)
{
    *bad |= (vabs(x) > SINCOS_LIMIT) & (vabs(x) < __builtin_inff());
    y = vsel(vabs(x) < __builtin_inff(), y, vsplat(__builtin_nanf("")));
    return vsel(x != x, x, y);
}

static inline vf vsincos(vf x, int want_cos, vi *bad)
{
    vi qi;
    vf r = reduce_quadrant(x, &qi);
    qi += want_cos;                                                    /* cos x = sin(x + π/2) */
    vf z = r * r;
    vf s = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
    vf c = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z + 1.0f;
    vf y = vsel((qi & 1) != 0, c, s);
    y = (vf)((vi)y ^ ((qi & 2) << 30));                                /* quadrants 2, 3: negated */
    y = vtrig_special(x, y, bad);
    return want_cos ? y : vsel(x == 0.0f, x, y);                       /* sin(−0) = −0 */
}

/* tan: the reduction of sin and cos, then Cephes' tanf polynomial on r
 * in [−π/4, π/4], r + r·z·P(z), and −1/that in the odd quadrants; same
 * domain as sin and cos */
static inline vf vtan(vf x, vi *bad)
{
    vi qi;
    vf r = reduce_quadrant(x, &qi);
    vf z = r * r;
    vf t = (((((9.38540185543E-3f * z + 3.11992232697E-3f) * z + 2.44301354525E-2f) * z + 5.34112807005E-2f) * z +
             1.33387994085E-1f) * z + 3.33331568548E-1f) * z * r + r;
    vf y = vtrig_special(x, vsel((qi & 1) != 0, -1.0f / t, t), bad);
    return vsel(x == 0.0f, x, y);                                      /* tan(−0) = −0 */
}

/* mish = x·tanh(softplus(x)) = x·n/(n+2), n = t(t+2), t = e^x = y·2^k:
 * x·y·(t+2)/(t(t+2)+2) in float64 (in float32 its five roundings reached
 * 3.7 ULP), rounded once, then 2^k applied, so that the subnormal results
 * of x < −87 round once more at most (as silu); x past 20 is x, and −inf
 * gives NaN (−inf·tanh(0)), as the reference and PyTorch */
static inline vf vmish(vf x)
{
    vi k;
    vf y = vexp_parts(x, &k), t = vscale(y, k), m;
    vfh xh[2], yh[2], th[2], mh[2];
    memcpy(xh, &x, sizeof x);
    memcpy(yh, &y, sizeof y);
    memcpy(th, &t, sizeof t);
    for (int h = 0; h < 2; h++) {
        vd td = __builtin_convertvector(th[h], vd);
        vd md = __builtin_convertvector(xh[h], vd) * __builtin_convertvector(yh[h], vd) * (td + 2.0) /
                (td * (td + 2.0) + 2.0);
        mh[h] = __builtin_convertvector(md, vfh);
    }
    memcpy(&m, mh, sizeof m);
    vf r = vsel(x > 20.0f, x, vscale(m, k));
    return vsel(x == -__builtin_inff(), vsplat(__builtin_nanf("")), r);
}

static inline __attribute__((always_inline)) vf vunary(uint32_t op, vf x, float param, vi *bad)
{
    switch (op) {
    case TRUENO_OP_NEGATIVE: return -x;
    case TRUENO_OP_ABS: return vabs(x);
    case TRUENO_OP_SQUARE: return x * x;
    case TRUENO_OP_SQRT: return VSQRT(x);
    case TRUENO_OP_RSQRT: return 1.0f / VSQRT(x);
    case TRUENO_OP_RECIPROCAL: return 1.0f / x;
    case TRUENO_OP_RELU: return vsel(x < 0.0f, vsplat(0.0f), x);
    case TRUENO_OP_RELU6: return vsel(x != x, x, vsel(x < 0.0f, vsplat(0.0f), vsel(x > 6.0f, vsplat(6.0f), x)));
    case TRUENO_OP_LEAKY_RELU: return vsel(x > 0.0f, x, x * param);
    case TRUENO_OP_HARDSIGMOID:
        /* (x+3)/6 rather than x/6+1/2: x+3 is exact where the sum cancels */
        return vsel(x <= -3.0f, vsplat(0.0f), vsel(x >= 3.0f, vsplat(1.0f), (x + 3.0f) / 6.0f));
    case TRUENO_OP_HARDSWISH: {
        vf t = x + 3.0f;
        t = vsel(x != x, x, vsel(t < 0.0f, vsplat(0.0f), vsel(t > 6.0f, vsplat(6.0f), t)));
        return x * t / 6.0f;
    }
    case TRUENO_OP_SOFTSIGN: return x / (1.0f + vabs(x));
    case TRUENO_OP_EXP: return vexp(x);
    case TRUENO_OP_LOG: return vlog(x);
    case TRUENO_OP_TANH: return vtanh(x);
    case TRUENO_OP_SIGMOID: return vsigmoid(x);
    case TRUENO_OP_GELU: return vgelu(x);
    case TRUENO_OP_ERF: return verf(x);
    case TRUENO_OP_EXPM1: return vexpm1(x);
    case TRUENO_OP_LOG1P: return vlog1p(x);
    case TRUENO_OP_ELU: return vsel(x > 0.0f, x, param * vexpm1(x));
    case TRUENO_OP_CELU: return vsel(x > 0.0f, x, param * vexpm1(x / param));
    case TRUENO_OP_SELU: return 1.05070099f * vsel(x > 0.0f, x, 1.67326324f * vexpm1(x));
    case TRUENO_OP_SOFTPLUS: return vsoftplus(x);
    case TRUENO_OP_LOGSIGMOID: return vlogsigmoid(x);
    case TRUENO_OP_MISH: return vmish(x);
    case TRUENO_OP_SIN: return vsincos(x, 0, bad);
    case TRUENO_OP_TAN: return vtan(x, bad);
    case TRUENO_OP_EXP2: return vexp2(x);
    case TRUENO_OP_LOG2: return vlog2(x);
    case TRUENO_OP_LOG10: return vlog10(x);
    case TRUENO_OP_SINH: return vsinh(x);
    case TRUENO_OP_COSH: return vcosh(x);
    case TRUENO_OP_ARCSINH: return vasinh(x);
    case TRUENO_OP_ARCCOSH: return vacosh(x);
    case TRUENO_OP_ARCTANH: return vatanh(x);
    case TRUENO_OP_ARCTAN: return vatan(x);
    case TRUENO_OP_ARCSIN: return vasin(x);
    case TRUENO_OP_ARCCOS: return vacos(x);
    case TRUENO_OP_FLOOR: return vfloor(x);
    case TRUENO_OP_CEIL: return vceil(x);
    case TRUENO_OP_ROUND: return vrint(x);
    case TRUENO_OP_TRUNC: return vtrunc(x);
    case TRUENO_OP_SIGN: return vsel(x > 0.0f, vsplat(1.0f), vsel(x < 0.0f, vsplat(-1.0f), x)); /* ±0, NaN as given */
    case TRUENO_OP_COS: return vsincos(x, 1, bad);
    default: return vsilu(x);
    }
}

/* o[i] = op(a[i]) for n contiguous float32 elements: inlined into one
 * loop per op by unary_f32 below, so no switch runs per vector. Returns
 * nonzero when an input is out of the kernel's domain (sin/cos beyond
 * SINCOS_LIMIT): the output is then incomplete. */
static inline __attribute__((always_inline)) int unary_loop(uint32_t op, float param, int64_t n, const float *a,
                                                            float *o)
{
    vi bad = {0};
    int64_t i = 0;
    for (; i + VL <= n; i += VL) {
        vf x;
        memcpy(&x, a + i, sizeof x);
        vf y = vunary(op, x, param, &bad);
        memcpy(o + i, &y, sizeof y);
    }
    if (i < n) { /* the tail through the same vector code */
        vf x = vsplat(1.0f);
        memcpy(&x, a + i, (size_t)(n - i) * sizeof(float));
        vf y = vunary(op, x, param, &bad);
        memcpy(o + i, &y, (size_t)(n - i) * sizeof(float));
    }
    int any = 0;
    for (int l = 0; l < VL; l++) any |= bad[l];
    return any;
}

static int unary_f32(uint32_t op, float param, int64_t n, const float *a, float *o)
{
#define X86_CASE(name) case TRUENO_OP_##name: return unary_loop(TRUENO_OP_##name, param, n, a, o);
    switch (op) {
    X86_UNARY_F32_OPS(X86_CASE)
    }
#undef X86_CASE
    return -1;
}

/* x[i .. i+VL) as a vector; past n (the tail) the lanes hold `fill`. */
static inline __attribute__((always_inline)) vf vload_tail(const float *x, int64_t i, int64_t n, float fill)
{
    vf v;
    if (i + VL <= n) {
        memcpy(&v, x + i, sizeof v);
    } else {
        v = vsplat(fill);
        memcpy(&v, x + i, (size_t)(n - i) * sizeof(float));
    }
    return v;
}

/* The first index of the largest (want_min 0) or smallest (1) of x[0..n),
 * 1 <= n < 2^31; the first NaN wins, as numpy.argmax. Blocks of
 * ARG_BLOCK elements are reduced by max (min) alone, in four chains (one
 * was bound by maxps's latency); a block's lanes are compared with the
 * best so far (VANY), and reduced only when one beats it. The first block
 * whose extreme strictly beats every earlier one holds the answer's first
 * occurrence, so that block alone is scanned for it at the end, a vector
 * at a time (amax of 1024-wide rows spent 20% in a scalar scan). NaN: an
 * FMA per vector adds v·0 into four sums (one was bound by the FMA's
 * latency) that a NaN or an infinity turns NaN; then a scan for the first
 * NaN decides (infinities alone: none). Tracking an index per lane cost 3
 * more ops per vector. 1M float32, one thread: 154-176 us against NumPy's
 * 146-171 on an AVX-512 Xeon (one sum); 182 -> 90 us against NumPy's 93
 * on a Zen 3 core (four). The padded tail repeats x[0], which never beats
 * the best. */
#define ARG_BLOCK (16 * VL)
#define ARG_EXT(v, m) (want_min ? VMIN(v, m) : VMAX(v, m)) /* a NaN v keeps m */
static inline __attribute__((always_inline)) int64_t arg_loop(const float *x, int64_t n, int want_min, float *value)
{
    /* Σ v·0 in p0..p3: NaN once a NaN or an infinity was seen (named
     * variables: GCC 12 stored an array of them to the stack per vector) */
    vf p0 = {0}, p1 = {0}, p2 = {0}, p3 = {0};
    float best = x[0];
    int64_t at = 0;  /* the block holding the first occurrence of best */
    for (int64_t i = 0; i < n; i += ARG_BLOCK) {
        vf m0 = vsplat(x[0]), m1 = m0, m2 = m0, m3 = m0;
        if (i + ARG_BLOCK <= n) {
            for (int q = 0; q < 16; q += 4) {
                vf v0, v1, v2, v3;
                memcpy(&v0, x + i + q * VL, sizeof v0);
                memcpy(&v1, x + i + (q + 1) * VL, sizeof v1);
                memcpy(&v2, x + i + (q + 2) * VL, sizeof v2);
                memcpy(&v3, x + i + (q + 3) * VL, sizeof v3);
                m0 = ARG_EXT(v0, m0), m1 = ARG_EXT(v1, m1), m2 = ARG_EXT(v2, m2), m3 = ARG_EXT(v3, m3);
                p0 += v0 * 0.0f, p1 += v1 * 0.0f, p2 += v2 * 0.0f, p3 += v3 * 0.0f;
            }
            m0 = want_min ? VMIN(VMIN(m0, m1), VMIN(m2, m3)) : VMAX(VMAX(m0, m1), VMAX(m2, m3));
        } else {
            for (int64_t k = i; k < n; k += VL) {
                vf v = vload_tail(x, k, n, x[0]);
                m0 = ARG_EXT(v, m0);
                p0 += v * 0.0f;
            }
        }
        if (VANY(want_min ? m0 < best : m0 > best)) {
            for (int l = 0; l < VL; l++)
                if (want_min ? m0[l] < best : m0[l] > best) best = m0[l];
            at = i;
        }
    }
    vf poisoned = (p0 + p1) + (p2 + p3);
    if (VANY(poisoned != poisoned) || x[0] != x[0]) {
        for (int64_t k = 0; k < n; k++)
            if (x[k] != x[k]) {
                *value = x[k];
                return k;
            }
    }
    /* == also for ±0: the first zero is the value, as NumPy's */
    for (vf vb = vsplat(best); at + VL <= n; at += VL) {
        vf v;
        memcpy(&v, x + at, sizeof v);
        if (VANY(v == vb)) break;
    }
    while (x[at] != best) at++;
    *value = x[at];
    return at;
}
static int64_t argmax_f32(const float *x, int64_t n, int want_min, float *value)
{
    return want_min ? arg_loop(x, n, 1, value) : arg_loop(x, n, 0, value);
}

/* The largest (want_min 0) or smallest (1) of x[0..n), n >= 1, NaN if
 * any is NaN: arg_loop's four chains and NaN poison without its blocks,
 * as no index is wanted (amax of 1024-wide rows: the blocks' checks and
 * the final scan were half its time). */
static inline __attribute__((always_inline)) float ext_loop(const float *x, int64_t n, int want_min)
{
    vf p0 = {0}, p1 = {0}, p2 = {0}, p3 = {0};
    vf m0 = vsplat(x[0]), m1 = m0, m2 = m0, m3 = m0;
    int64_t i = 0;
    for (; i + 4 * VL <= n; i += 4 * VL) {
        vf v0, v1, v2, v3;
        memcpy(&v0, x + i, sizeof v0);
        memcpy(&v1, x + i + VL, sizeof v1);
        memcpy(&v2, x + i + 2 * VL, sizeof v2);
        memcpy(&v3, x + i + 3 * VL, sizeof v3);
        m0 = ARG_EXT(v0, m0), m1 = ARG_EXT(v1, m1), m2 = ARG_EXT(v2, m2), m3 = ARG_EXT(v3, m3);
        p0 += v0 * 0.0f, p1 += v1 * 0.0f, p2 += v2 * 0.0f, p3 += v3 * 0.0f;
    }
    for (; i < n; i += VL) {
        vf v = vload_tail(x, i, n, x[0]);
        m0 = ARG_EXT(v, m0);
        p0 += v * 0.0f;
    }
    vf poisoned = (p0 + p1) + (p2 + p3);
    if (VANY(poisoned != poisoned) || x[0] != x[0])
        for (int64_t k = 0; k < n; k++)
            if (x[k] != x[k]) return x[k];
    m0 = want_min ? VMIN(VMIN(m0, m1), VMIN(m2, m3)) : VMAX(VMAX(m0, m1), VMAX(m2, m3));
    float best = m0[0];
    for (int l = 1; l < VL; l++) best = want_min ? (m0[l] < best ? m0[l] : best) : (m0[l] > best ? m0[l] : best);
    return best;
}

static float amax_f32(const float *x, int64_t n, int want_min)
{
    return want_min ? ext_loop(x, n, 1) : ext_loop(x, n, 0);
}
#undef ARG_EXT

/* softmax (or log_softmax) of one contiguous row of n float32, in three
 * passes of which the last two run from L1 for rows up to a few thousand
 * (next_x/next_o, when not NULL, the next row, prefetched meanwhile):
 * m = max x, s = Σ e^(x−m) (float32 lanes; softmax stores e^(x−m) on the
 * way), then o = e^(x−m)·(1/s) or x − m − log s. As PyTorch, a row with a
 * NaN, a +inf or only −inf is all NaN: x − m is NaN there, so s is. */
static void softmax_f32(const float *x, float *o, int64_t n, int log_softmax, const float *next_x, float *next_o)
{
    vf m = vsplat(-__builtin_inff()), m1 = m, m2 = m, m3 = m, s = vsplat(0.0f);
    int64_t i = 0;
    for (; i + 4 * VL <= n; i += 4 * VL) { /* four chains: one was bound by maxps's latency */
        vf v0, v1, v2, v3;
        memcpy(&v0, x + i, sizeof v0);
        memcpy(&v1, x + i + VL, sizeof v1);
        memcpy(&v2, x + i + 2 * VL, sizeof v2);
        memcpy(&v3, x + i + 3 * VL, sizeof v3);
        m = VMAX(v0, m);         /* a NaN is skipped here and caught by s */
        m1 = VMAX(v1, m1);
        m2 = VMAX(v2, m2);
        m3 = VMAX(v3, m3);
    }
    for (; i < n; i += VL) {
        vf v = vload_tail(x, i, n, -__builtin_inff());
        m = VMAX(v, m);
    }
    m = VMAX(VMAX(m1, m), VMAX(m3, m2));
    float mx = m[0];
    for (int l = 1; l < VL; l++) mx = m[l] > mx ? m[l] : mx;
    vf vm = vsplat(mx);
    for (i = 0; i + VL <= n; i += VL) {
        vf v;
        memcpy(&v, x + i, sizeof v);
        if (next_x) { /* the next row streams in while this one's exponentials are computed */
            __builtin_prefetch(next_x + i, 0, 3);
            __builtin_prefetch(next_o + i, 1, 3);
        }
        vf e = vexp_neg(v - vm);
        s += e;
        if (!log_softmax) memcpy(o + i, &e, sizeof e);
    }
    if (i < n) {
        vf v = vsplat(-__builtin_inff());
        memcpy(&v, x + i, (size_t)(n - i) * sizeof(float));
        vf e = vexp_neg(v - vm);
        s += e;
        if (!log_softmax) memcpy(o + i, &e, (size_t)(n - i) * sizeof(float));
    }
    float sum = 0;
    for (int l = 0; l < VL; l++) sum += s[l];
    if (log_softmax) {
        float c = mx + logf(sum);
        for (i = 0; i + VL <= n; i += VL) {
            vf v;
            memcpy(&v, x + i, sizeof v);
            v -= c;
            memcpy(o + i, &v, sizeof v);
        }
        for (; i < n; i++) o[i] = x[i] - c;
    } else {
        vf r = vsplat(1.0f / sum);
        for (i = 0; i + VL <= n; i += VL) {
            vf v;
            memcpy(&v, o + i, sizeof v);
            v *= r;
            memcpy(o + i, &v, sizeof v);
        }
        for (; i < n; i++) o[i] *= r[0];
    }
}

/* ---- element-wise binary ops: float32, float64 and the integers -------------
 * o[i] = a[i·sa] op b[i·sb], sa and sb 0 (a broadcast scalar) or 1. One
 * loop per (op, sa, sb), full vectors then one padded tail vector. With
 * `stream` (and o aligned to a vector) full vectors are written with
 * non-temporal stores (VSTREAM), which skip reading the output's lines
 * into the cache first: for outputs far larger than the caches. NumPy's
 * maximum/minimum: a >= b ? a : b (<= for minimum), NaN in either gives
 * NaN. Integers wrap (the plugin is built with -fwrapv); they have no
 * divide here (DIVIDE is a float op, floor_divide is elsewhere). */
typedef int64_t vl __attribute__((vector_size(VB)));
typedef int8_t vi8 __attribute__((vector_size(VB)));
typedef uint8_t vu8 __attribute__((vector_size(VB)));
typedef int16_t vi16 __attribute__((vector_size(VB)));
#define X86_DIVIDE(x, y) ((x) / (y))
#define X86_NO_DIVIDE(x, y) (x)

/* One loop per (op, sa, sb), shared by the arithmetic and comparison
 * kernels: name##_op makes R (the output's lanes) from two V, STORE writes
 * a full R (non-temporal or not), the tail goes through a padded vector. */
#define X86_EW_LOOP(name, T, V, R, STORE)                                                                           \
    static inline __attribute__((always_inline)) void name##_loop(x86_binop op, int64_t n, const T *a, int64_t sa,  \
                                                                  const T *b, int64_t sb, char *o, int stream)      \
    {                                                                                                               \
        const int64_t lanes = (int64_t)(sizeof(V) / sizeof(T)), os = (int64_t)(sizeof(R) / (size_t)lanes);          \
        stream = stream && (uintptr_t)o % sizeof(R) == 0;                                                           \
        V as = (V){0} + a[0], bs = (V){0} + b[0], x = as, y = bs;                                                   \
        R r;                                                                                                        \
        int64_t i = 0;                                                                                              \
        for (; i + lanes <= n; i += lanes) {                                                                        \
            if (sa) memcpy(&x, a + i, sizeof x);                                                                    \
            if (sb) memcpy(&y, b + i, sizeof y);                                                                    \
            r = name##_op(op, x, y);                                                                                \
            STORE(o + i * os, r, stream);                                                                           \
        }                                                                                                           \
        if (stream) _mm_sfence();                                                                                   \
        if (i < n) {                                                                                                \
            x = as;                                                                                                 \
            y = bs;                                                                                                 \
            if (sa) memcpy(&x, a + i, (size_t)(n - i) * sizeof(T));                                                 \
            if (sb) memcpy(&y, b + i, (size_t)(n - i) * sizeof(T));                                                 \
            r = name##_op(op, x, y);                                                                                \
            memcpy(o + i * os, &r, (size_t)((n - i) * os));                                                         \
        }                                                                                                           \
    }
#define X86_EW_CASE(name, OP)                                                                                       \
    case OP:                                                                                                        \
        if (sa && sb) name##_loop(OP, n, a, 1, b, 1, o, stream);                                                    \
        else if (sa) name##_loop(OP, n, a, 1, b, 0, o, stream);                                                     \
        else name##_loop(OP, n, a, 0, b, sb, o, stream);                                                            \
        return;
#define X86_STORE_STREAMING(p, r, stream) \
    do { if (stream) VSTREAM(p, r); else memcpy(p, &r, sizeof r); } while (0)
#define X86_STORE_PLAIN(p, r, stream) memcpy(p, &r, sizeof r)

#define X86_BINARY_KERNEL(name, T, V, M, DIV)                                                                       \
    static inline __attribute__((always_inline)) V name##_op(x86_binop op, V x, V y)                                \
    {                                                                                                               \
        switch (op) {                                                                                               \
        case X86_ADD: return x + y;                                                                                 \
        case X86_SUB: return x - y;                                                                                 \
        case X86_MUL: return x * y;                                                                                 \
        case X86_DIV: return DIV(x, y);                                                                             \
        default: {                                                                                                  \
            M keep = (op == X86_MAX ? x >= y : x <= y) | (x != x);                                                  \
            return (V)(((M)x & keep) | ((M)y & ~keep));                                                             \
        }                                                                                                           \
        }                                                                                                           \
    }                                                                                                               \
    X86_EW_LOOP(name, T, V, V, X86_STORE_STREAMING)                                                                 \
    static void name(x86_binop op, int64_t n, const void *va, int64_t sa, const void *vb, int64_t sb, void *vo,     \
                     int stream)                                                                                    \
    {                                                                                                               \
        const T *a = va, *b = vb;                                                                                   \
        char *o = vo;                                                                                               \
        switch (op) {                                                                                               \
        X86_EW_CASE(name, X86_ADD) X86_EW_CASE(name, X86_SUB) X86_EW_CASE(name, X86_MUL)                            \
        X86_EW_CASE(name, X86_DIV) X86_EW_CASE(name, X86_MAX) X86_EW_CASE(name, X86_MIN)                            \
        default: return;                                                                                            \
        }                                                                                                           \
    }

X86_BINARY_KERNEL(binary_f32, float, vf, vi, X86_DIVIDE)
X86_BINARY_KERNEL(binary_f64, double, vd, vl, X86_DIVIDE)
X86_BINARY_KERNEL(binary_i8, int8_t, vi8, vi8, X86_NO_DIVIDE)
X86_BINARY_KERNEL(binary_u8, uint8_t, vu8, vi8, X86_NO_DIVIDE)
X86_BINARY_KERNEL(binary_i16, int16_t, vi16, vi16, X86_NO_DIVIDE)
X86_BINARY_KERNEL(binary_i32, int32_t, vi, vi, X86_NO_DIVIDE)
X86_BINARY_KERNEL(binary_i64, int64_t, vl, vl, X86_NO_DIVIDE)

/* Comparisons: the lane masks narrowed to bool bytes (B: one byte per lane). */
typedef int8_t vb16 __attribute__((vector_size(VB / 2)));
typedef int8_t vb32 __attribute__((vector_size(VB / 4)));
typedef int8_t vb64 __attribute__((vector_size(VB / 8)));

#define X86_COMPARE_KERNEL(name, T, V, M, B)                                                                        \
    static inline __attribute__((always_inline)) B name##_op(x86_binop op, V x, V y)                                \
    {                                                                                                               \
        M m;                                                                                                        \
        switch (op) {                                                                                               \
        case X86_EQ: m = x == y; break;                                                                             \
        case X86_NE: m = x != y; break;                                                                             \
        case X86_LT: m = x < y; break;                                                                              \
        case X86_LE: m = x <= y; break;                                                                             \
        case X86_GT: m = x > y; break;                                                                              \
        default: m = x >= y; break;                                                                                 \
        }                                                                                                           \
        return __builtin_convertvector(m & 1, B);                                                                   \
    }                                                                                                               \
    X86_EW_LOOP(name, T, V, B, X86_STORE_PLAIN)                                                                     \
    static void name(x86_binop op, int64_t n, const void *va, int64_t sa, const void *vb, int64_t sb, uint8_t *vo)  \
    {                                                                                                               \
        const T *a = va, *b = vb;                                                                                   \
        char *o = (char *)vo;                                                                                       \
        const int stream = 0;                                                                                       \
        switch (op) {                                                                                               \
        X86_EW_CASE(name, X86_EQ) X86_EW_CASE(name, X86_NE) X86_EW_CASE(name, X86_LT)                               \
        X86_EW_CASE(name, X86_LE) X86_EW_CASE(name, X86_GT) X86_EW_CASE(name, X86_GE)                               \
        default: return;                                                                                            \
        }                                                                                                           \
    }

X86_COMPARE_KERNEL(compare_f32, float, vf, vi, vb32)
X86_COMPARE_KERNEL(compare_f64, double, vd, vl, vb64)
X86_COMPARE_KERNEL(compare_i8, int8_t, vi8, vi8, vi8)
X86_COMPARE_KERNEL(compare_u8, uint8_t, vu8, vi8, vi8)
X86_COMPARE_KERNEL(compare_i16, int16_t, vi16, vi16, vb16)
X86_COMPARE_KERNEL(compare_i32, int32_t, vi, vi, vb32)
X86_COMPARE_KERNEL(compare_i64, int64_t, vl, vl, vb64)

/* ---- casts between float32 and float64 / bfloat16 / float16 -----------------
 * float32 -> bfloat16 rounds to nearest even on the bits (subnormals and
 * the overflow to inf included); NaN becomes the quiet NaN 0x7fc0 with
 * its sign, as the reference. float64 -> float32 is the hardware's
 * round to nearest even. */
typedef uint16_t vh __attribute__((vector_size(VB / 2)));
typedef uint32_t vu __attribute__((vector_size(VB)));

static inline vh f32_to_bf16(vf x)
{
    vu b = (vu)x, nan = (vu)(x != x);
    vu r = (b + 0x7fff + ((b >> 16) & 1)) >> 16;
    r = (r & ~nan) | ((((b >> 16) & 0x8000) | 0x7fc0) & nan);
    return __builtin_convertvector(r, vh);
}

static inline vf bf16_to_f32(vh h) { return (vf)(__builtin_convertvector(h, vu) << 16); }

/* float16 (IEEE 754 binary16) <-> float32: the ISA's instructions where
 * the file has them (F16C's vcvtph2ps/vcvtps2ph, AVX-512F's zmm forms),
 * else on the bits. Widening is exact: subnormals (exponent field 0) are
 * their integer significand times 2^-24, inf and NaN keep their payload.
 * Narrowing rounds to nearest even: normal results by adding 0xfff plus
 * the lowest kept bit before the shift (a carry into the exponent is
 * right, up to inf from 65520 on); subnormal ones by the float unit
 * itself, adding 0.5 so that the sum's last place is 2^-24; NaN becomes
 * the quiet NaN 0x7e00 with its sign. */
static inline vf f16_to_f32(vh h)
{
#ifdef VCVTPH_PS
    return VCVTPH_PS(h);
#else
    vu x = __builtin_convertvector(h, vu), em = x & 0x7fff, e = em >> 10;
    vu normal = (em << 13) + ((127 - 15) << 23), special = (em << 13) | 0x7f800000;
    vu sub = (vu)(__builtin_convertvector((vi)em, vf) * 5.9604644775390625e-08f);   /* · 2^-24 */
    vu r = (sub & (vu)(e == 0)) | (special & (vu)(e == 31)) | (normal & (vu)((e != 0) & (e != 31)));
    return (vf)(r | (x & 0x8000) << 16);
#endif
}

static inline vh f32_to_f16(vf x)
{
#ifdef VCVTPS_PH
    return VCVTPS_PH(x);
#else
    vu b = (vu)x, a = b & 0x7fffffff;
    vu normal = (a - ((127u - 15) << 23) + 0xfff + ((a >> 13) & 1)) >> 13;
    vu sub = (vu)(vabs(x) + 0.5f) - 0x3f000000;
    vu small = (vu)(a < 0x38800000), big = (vu)(a >= 0x477ff000), nan = (vu)(a > 0x7f800000);
    vu r = (sub & small) | (0x7c00 & big & ~small) | (normal & ~small & ~big);
    r = (r & ~nan) | (0x7e00 & nan);
    return __builtin_convertvector(r | ((b >> 16) & 0x8000), vh);
#endif
}
/* VCVTPS_PD and VCVTPD_PS: the ISA file's one vcvtps2pd / vcvtpd2ps where
 * it gives them (GCC 12 splits the generic conversions into halves joined
 * by a vinsertf128 or vinsertf64x4, from partial loads) */
#ifndef VCVTPS_PD
#define VCVTPS_PD(h) __builtin_convertvector(h, vd)
#endif
#ifndef VCVTPD_PS
#define VCVTPD_PS(x) __builtin_convertvector(x, vfh)
#endif
static inline vd f32_to_f64(vfh x) { return VCVTPS_PD(x); }
static inline vfh f64_to_f32(vd x) { return VCVTPD_PS(x); }

/* dst[i] = convert(src[i]) for n contiguous elements: full vectors, then
 * the tail through a zeroed vector */
#define X86_CAST_LOOP(IN_T, IN_V, OUT_V, CONVERT)                                     \
    do {                                                                              \
        const int64_t lanes = (int64_t)(sizeof(IN_V) / sizeof(IN_T));                 \
        const IN_T *s = src;                                                          \
        char *d = dst;                                                                \
        int64_t i = 0;                                                                \
        for (; i + lanes <= n; i += lanes) {                                          \
            IN_V x;                                                                   \
            memcpy(&x, s + i, sizeof x);                                              \
            OUT_V y = CONVERT(x);                                                     \
            memcpy(d + i * (int64_t)(sizeof y / lanes), &y, sizeof y);                \
        }                                                                             \
        if (i < n) {                                                                  \
            IN_V x = {0};                                                             \
            memcpy(&x, s + i, (size_t)(n - i) * sizeof(IN_T));                        \
            OUT_V y = CONVERT(x);                                                     \
            memcpy(d + i * (int64_t)(sizeof y / lanes), &y, (size_t)(n - i) * (sizeof y / lanes)); \
        }                                                                             \
    } while (0)

/* Returns 0, or -1 for a pair it does not convert. */
static int cast_f32(uint32_t from, uint32_t to, int64_t n, const void *src, void *dst)
{
    if (from == TRUENO_DTYPE_FLOAT32 && to == TRUENO_DTYPE_FLOAT64) X86_CAST_LOOP(float, vfh, vd, f32_to_f64);
    else if (from == TRUENO_DTYPE_FLOAT64 && to == TRUENO_DTYPE_FLOAT32) X86_CAST_LOOP(double, vd, vfh, f64_to_f32);
    else if (from == TRUENO_DTYPE_FLOAT32 && to == TRUENO_DTYPE_BFLOAT16) X86_CAST_LOOP(float, vf, vh, f32_to_bf16);
    else if (from == TRUENO_DTYPE_BFLOAT16 && to == TRUENO_DTYPE_FLOAT32) X86_CAST_LOOP(uint16_t, vh, vf, bf16_to_f32);
    else if (from == TRUENO_DTYPE_FLOAT32 && to == TRUENO_DTYPE_FLOAT16) X86_CAST_LOOP(float, vf, vh, f32_to_f16);
    else if (from == TRUENO_DTYPE_FLOAT16 && to == TRUENO_DTYPE_FLOAT32) X86_CAST_LOOP(uint16_t, vh, vf, f16_to_f32);
    else return -1;
    return 0;
}

/* topk: is a strictly better than b? NaN counts as the largest value and
 * equals NaN, as the reference's stable sort has it. */
static inline int topk_better(float a, float b, int largest)
{
    if (largest) return a != a ? b == b : a > b;
    return b != b ? a == a : a < b;
}

/* Inserts (v, i) into the sorted best-so-far lists of *kept <= k entries
 * when it beats the k-th; after equal values, so ties keep index order. */
static inline void topk_insert(float v, int64_t i, float *val, int64_t *idx, int64_t *kept, int64_t k, int largest)
{
    if (*kept == k && !topk_better(v, val[k - 1], largest)) return;
    int64_t pos = *kept < k ? (*kept)++ : k - 1;
    for (; pos > 0 && topk_better(v, val[pos - 1], largest); pos--) {
        val[pos] = val[pos - 1];
        idx[pos] = idx[pos - 1];
    }
    val[pos] = v;
    idx[pos] = i;
}

/* torch.topk of one contiguous row: the k (1 <= k <= n) largest (largest
 * 1) or smallest (0) of x[0..n), sorted, into val[0..k) and idx[0..k);
 * NaN is the largest value; equal values keep index order. One pass keeps
 * the k best so far in order; a block of 4 vectors none of whose elements
 * beats the k-th costs four compares, so data in no particular order costs
 * about one compare per VL elements and O(k) insertions per rise of the
 * threshold (selection by a running threshold, as in Knuth's TAOCP vol. 3,
 * 5.3.3). */
static void topk_f32(const float *x, int64_t n, int64_t k, int largest, float *val, int64_t *idx)
{
    int64_t kept = 0, i = 0;
    for (; i < n && kept < k; i++) topk_insert(x[i], i, val, idx, &kept, k, largest);
    for (; k > 0 && i + 4 * VL <= n; i += 4 * VL) {
        float thr = val[k - 1];
        vf t = vsplat(thr);
        vi hit[4], any = {0};
        for (int q = 0; q < 4; q++) {
            vf v;
            memcpy(&v, x + i + q * VL, sizeof v);
            /* against a NaN threshold only a smaller search finds better (any number) */
            hit[q] = thr != thr ? (largest ? (vi){0} : v == v) : largest ? (v > t) | (v != v) : v < t;
            any |= hit[q];
        }
        int some = 0;
        for (int l = 0; l < VL; l++) some |= any[l];
        if (!some) continue;
        /* only the flagged elements can beat the threshold, which only tightens */
        for (int q = 0; q < 4; q++)
            for (int l = 0; l < VL; l++)
                if (hit[q][l]) topk_insert(x[i + q * VL + l], i + q * VL + l, val, idx, &kept, k, largest);
    }
    for (; i < n; i++) topk_insert(x[i], i, val, idx, &kept, k, largest);
}

/* ---- float64-accumulated sums of products (dot, layer_norm, rms_norm) ----
 * Each float32 element is widened to float64 (exact), so a product of two
 * is exact and only the float64 sums round: the reference's precision. */
#define VLD ((int)(VB / sizeof(double))) /* vd's lanes (vd, vfh: beside sin and cos) */

/* VL/2 float32 at p widened to float64 */
static inline vd vwiden(const float *p)
{
    vfh h;
    memcpy(&h, p, sizeof h);
    return f32_to_f64(h);
}

static inline double vd_sum(vd a, vd b)
{
    double s = 0;
    for (int l = 0; l < VLD; l++) s += a[l] + b[l];
    return s;
}

/* Σ x[i] over the whole blocks of 8·VL at the start of x, *done the count
 * summed (the ISA files' sum_f32 go on from there): each block summed in
 * float32 as a tree of depth 3 per lane (each term rounded into at most
 * three sums: error <= 3u·Σ|x|, u = 2^-24, below the op's 1e-6·Σ|x|), the
 * block sum widened and added in float64; one conversion per eight vectors
 * instead of per vector (AVX-512: the mean of 1024x1024 116 -> 86 us here) */
static inline double sum_f32_blocks(const float *x, int64_t n, int64_t *done)
{
    vd s0 = {0}, s1 = {0};
    int64_t i = 0;
    for (; i + 8 * VL <= n; i += 8 * VL) { /* named vectors: GCC 12 kept an array of them on the stack */
        vf v0, v1, v2, v3, v4, v5, v6, v7;
        vfh h[2];
        memcpy(&v0, x + i, sizeof v0);
        memcpy(&v1, x + i + VL, sizeof v1);
        memcpy(&v2, x + i + 2 * VL, sizeof v2);
        memcpy(&v3, x + i + 3 * VL, sizeof v3);
        memcpy(&v4, x + i + 4 * VL, sizeof v4);
        memcpy(&v5, x + i + 5 * VL, sizeof v5);
        memcpy(&v6, x + i + 6 * VL, sizeof v6);
        memcpy(&v7, x + i + 7 * VL, sizeof v7);
        vf b = ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7));
        memcpy(h, &b, sizeof b);
        s0 += f32_to_f64(h[0]);
        s1 += f32_to_f64(h[1]);
    }
    *done = i;
    return vd_sum(s0, s1);
}

/* Σ a[i]·b[i], i < n, contiguous; four sums in turn, so that the FMA's
 * latency (4 cycles on Zen 3) is not the bound it was with two (with
 * vwiden one vcvtps2pd as well: 1M float32 335 -> 161 us on a Zen 3 core,
 * NumPy's float32 sdot 131) */
static double dot_f32(const float *a, const float *b, int64_t n)
{
    vd s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    int64_t i = 0;
    for (; i + 4 * VLD <= n; i += 4 * VLD) {
        s0 += vwiden(a + i) * vwiden(b + i);
        s1 += vwiden(a + i + VLD) * vwiden(b + i + VLD);
        s2 += vwiden(a + i + 2 * VLD) * vwiden(b + i + 2 * VLD);
        s3 += vwiden(a + i + 3 * VLD) * vwiden(b + i + 3 * VLD);
    }
    s0 += s2, s1 += s3;
    for (; i + 2 * VLD <= n; i += 2 * VLD) {
        s0 += vwiden(a + i) * vwiden(b + i);
        s1 += vwiden(a + i + VLD) * vwiden(b + i + VLD);
    }
    double s = vd_sum(s0, s1);
    for (; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

static double dot_f64(const double *a, const double *b, int64_t n)
{
    vd s0 = {0}, s1 = {0};
    int64_t i = 0;
    for (; i + 2 * VLD <= n; i += 2 * VLD) {
        vd a0, a1, b0, b1;
        memcpy(&a0, a + i, sizeof a0); memcpy(&a1, a + i + VLD, sizeof a1);
        memcpy(&b0, b + i, sizeof b0); memcpy(&b1, b + i + VLD, sizeof b1);
        s0 += a0 * b0;
        s1 += a1 * b1;
    }
    double s = vd_sum(s0, s1);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* Σ (x[i] − c)², i < n: layer_norm's variance about the mean (two passes,
 * as the reference), rms_norm's mean square with c = 0 */
static double sqdev_f32(const float *x, int64_t n, double c)
{
    vd s0 = {0}, s1 = {0}, vc = (vd){0} + c;
    int64_t i = 0;
    for (; i + 2 * VLD <= n; i += 2 * VLD) {
        vd d0 = vwiden(x + i) - vc, d1 = vwiden(x + i + VLD) - vc;
        s0 += d0 * d0;
        s1 += d1 * d1;
    }
    double s = vd_sum(s0, s1);
    for (; i < n; i++) s += ((double)x[i] - c) * ((double)x[i] - c);
    return s;
}

static double sqdev_f64(const double *x, int64_t n, double c)
{
    vd s0 = {0}, s1 = {0}, vc = (vd){0} + c;
    int64_t i = 0;
    for (; i + 2 * VLD <= n; i += 2 * VLD) {
        vd d0, d1;
        memcpy(&d0, x + i, sizeof d0);
        memcpy(&d1, x + i + VLD, sizeof d1);
        d0 -= vc;
        d1 -= vc;
        s0 += d0 * d0;
        s1 += d1 * d1;
    }
    double s = vd_sum(s0, s1);
    for (; i < n; i++) s += (x[i] - c) * (x[i] - c);
    return s;
}

/* o[i] = (x[i] − mean)·inv·w[i] + b[i] (b NULL: 0) in float64, rounded
 * once to float32 */
static void norm_row_f32(const float *x, int64_t n, double mean, double inv, const float *w, const float *b, float *o)
{
    vd vm = (vd){0} + mean, vinv = (vd){0} + inv;
    int64_t i = 0;
    for (; i + VLD <= n; i += VLD) {
        vd y = (vwiden(x + i) - vm) * vinv * vwiden(w + i);
        if (b) y += vwiden(b + i);
        vfh r = __builtin_convertvector(y, vfh);
        memcpy(o + i, &r, sizeof r);
    }
    for (; i < n; i++) o[i] = (float)(((double)x[i] - mean) * inv * (double)w[i] + (b ? (double)b[i] : 0.0));
}

/* ---- float64 math -------------------------------------------------------
 * exp  Cody–Waite reduction x = n·ln2 + r, ln2 in two parts (the high one
 *      with 32 trailing zero bits, so n·ln2_hi is exact), then e^r by its
 *      Taylor series to r^13 (|r| <= ln2/2: the first term left out is
 *      below 2^-57 of the result) summed as 1 + (r + r²·q) so the 1 comes
 *      last, and 2^n applied in two steps (normal factors, one rounding into
 *      subnormals, inf past DBL_MAX), as the float32 vexp
 * log  frexp by bits (subnormals rescaled first), the mantissa folded into
 *      [sqrt(1/2), sqrt(2)), f = m − 1 exactly, s = f/(2+f), and
 *      log(1+f) = 2·atanh(s) = f − s·(f − 2T), T = Σ s^(2k)/(2k+1) to s^22
 *      (since f = 2s + s·f); e·ln2 added in two parts
 * Measured in docs/ulp.md (tools/ulp-table.c, against long double). */
typedef int64_t vl __attribute__((vector_size(VB)));

static inline vd vsplat_d(double x) { return (vd){0} + x; }
static inline vd vsel_d(vl mask, vd a, vd b) { return (vd)(((vl)a & mask) | ((vl)b & ~mask)); }
static inline vd vpow2_d(vl n) { return (vd)((n + 1023) << 52); } /* 2^n, n in [-1022, 1023] */

static inline vd vexp_d(vd x)
{
    const vd shifter = vsplat_d(6755399441055744.0); /* 1.5·2^52: adding it rounds to an integer */
    vd xc = vsel_d(x > 710.0, vsplat_d(710.0), vsel_d(x < -746.0, vsplat_d(-746.0), x)); /* NaN passes */
    vd t = xc * 1.4426950408889634074 + shifter;
    vd n = t - shifter;
    vd r = xc - n * 6.93147180369123816490e-01 - n * 1.90821492927058770002e-10;
    vd q = vsplat_d(1.0 / 6227020800.0);             /* 1/13! */
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    vd y = 1.0 + (r + r * r * q);
    vl ni = (vl)t - (vl)shifter, h = ni >> 1;
    return y * vpow2_d(h) * vpow2_d(ni - h);
}

static inline vd vlog_d(vd x)
{
    vl sub = (x < 2.2250738585072014e-308) & (x > 0.0);  /* subnormal: scale by 2^52 */
    vd xs = vsel_d(sub, x * 4503599627370496.0, x);
    vl bits = (vl)xs;
    vl e = ((bits >> 52) & 0x7ff) - 1022 - (sub & 52);
    vd m = (vd)((bits & 0x000fffffffffffffLL) | 0x3fe0000000000000LL);  /* mantissa in [0.5, 1) */
    vl small = m < 0.70710678118654752440;
    e = e + small;                                                         /* small is -1 where true */
    vd f = vsel_d(small, m + m, m) - 1.0;
    vd s = f / (2.0 + f), z = s * s;
    vd tt = vsplat_d(1.0 / 23.0);
    tt = tt * z + 1.0 / 21.0;
    tt = tt * z + 1.0 / 19.0;
    tt = tt * z + 1.0 / 17.0;
    tt = tt * z + 1.0 / 15.0;
    tt = tt * z + 1.0 / 13.0;
    tt = tt * z + 1.0 / 11.0;
    tt = tt * z + 1.0 / 9.0;
    tt = tt * z + 1.0 / 7.0;
    tt = tt * z + 1.0 / 5.0;
    tt = tt * z + 1.0 / 3.0;
    tt = tt * z;
    vd ef = (vd)(e + 0x4338000000000000LL) - 6755399441055744.0;  /* e as a double, exactly */
    vd y = ef * 6.93147180369123816490e-01 + ((f - s * (f - 2.0 * tt)) + ef * 1.90821492927058770002e-10);
    y = vsel_d(x == 0.0, vsplat_d(-__builtin_inf()), y);
    y = vsel_d(x < 0.0, vsplat_d(__builtin_nan("")), y);
    y = vsel_d(x == __builtin_inf(), x, y);
    return vsel_d(x != x, x, y);
}

static inline __attribute__((always_inline)) vd vunary_d(uint32_t op, vd x)
{
    switch (op) {
    case TRUENO_OP_NEGATIVE: return -x;
    case TRUENO_OP_ABS: return (vd)((vl)x & 0x7fffffffffffffffLL);
    case TRUENO_OP_SQUARE: return x * x;
    case TRUENO_OP_SQRT: return VSQRTD(x);
    case TRUENO_OP_RECIPROCAL: return 1.0 / x;
    case TRUENO_OP_RELU: return vsel_d(x < 0.0, vsplat_d(0.0), x);
    case TRUENO_OP_EXP: return vexp_d(x);
    default: return vlog_d(x);
    }
}

static inline __attribute__((always_inline)) void unary_loop_d(uint32_t op, int64_t n, const double *a, double *o)
{
    int64_t i = 0;
    for (; i + VLD <= n; i += VLD) {
        vd x;
        memcpy(&x, a + i, sizeof x);
        vd y = vunary_d(op, x);
        memcpy(o + i, &y, sizeof y);
    }
    if (i < n) { /* the tail through the same vector code */
        vd x = vsplat_d(1.0);
        memcpy(&x, a + i, (size_t)(n - i) * sizeof(double));
        vd y = vunary_d(op, x);
        memcpy(o + i, &y, (size_t)(n - i) * sizeof(double));
    }
}

static int unary_f64(uint32_t op, int64_t n, const double *a, double *o)
{
#define X86_CASE(name) case TRUENO_OP_##name: unary_loop_d(TRUENO_OP_##name, n, a, o); return 0;
    switch (op) {
    X86_UNARY_F64_OPS(X86_CASE)
    }
#undef X86_CASE
    return -1;
}

/* ---- reductions over non-trailing axes (x86_kernels.colsum_*, colarg_f32)
 * Plain loops over the columns, each independent, so the compiler
 * vectorises them with this file's ISA (no reassociation: every column's
 * sum is added in row order, the same at every ISA and thread count). */
#define X86_COLSUM(name, T)                                                                                      \
    static void name(const T *x, int64_t rows, int64_t ld, int64_t w, const double *center, double *acc)        \
    {                                                                                                            \
        double blk[X86_COL_W];                                                                                   \
        for (int64_t c = 0; c < w; c++) acc[c] = 0;                                                              \
        for (int64_t r0 = 0; r0 < rows; r0 += X86_COL_ROWS) {                                                    \
            int64_t r1 = rows - r0 < X86_COL_ROWS ? rows : r0 + X86_COL_ROWS;                                    \
            for (int64_t c = 0; c < w; c++) blk[c] = 0;                                                          \
            int64_t r = r0;                                                                                      \
            for (; !center && r + 4 <= r1; r += 4) { /* four rows per pass over blk: fewer loads and stores */   \
                const T *p0 = x + r * ld, *p1 = p0 + ld, *p2 = p1 + ld, *p3 = p2 + ld;                           \
                for (int64_t c = 0; c < w; c++)                                                                  \
                    blk[c] += ((double)p0[c] + (double)p1[c]) + ((double)p2[c] + (double)p3[c]);                 \
            }                                                                                                    \
            for (; r < r1; r++) {                                                                                \
                const T *row = x + r * ld;                                                                       \
                if (center)                                                                                      \
                    for (int64_t c = 0; c < w; c++) {                                                            \
                        double d = (double)row[c] - center[c];                                                   \
                        blk[c] += d * d;                                                                         \
                    }                                                                                            \
                else                                                                                             \
                    for (int64_t c = 0; c < w; c++) blk[c] += (double)row[c];                                    \
            }                                                                                                    \
            for (int64_t c = 0; c < w; c++) acc[c] += blk[c];                                                    \
        }                                                                                                        \
    }
X86_COLSUM(colsum_f32, float)
X86_COLSUM(colsum_f64, double)

static void colarg_f32(const float *x, int64_t rows, int64_t ld, int64_t w, int want_min, float *best, int32_t *row)
{
    for (int64_t c = 0; c < w; c++) best[c] = x[c], row[c] = 0;
    for (int32_t r = 1; r < rows; r++) {
        const float *v = x + r * ld;
        for (int64_t c = 0; c < w; c++) {
            float b = best[c];
            int take = (want_min ? v[c] < b : v[c] > b) | ((v[c] != v[c]) & (b == b));
            best[c] = take ? v[c] : b;
            row[c] = take ? r : row[c];
        }
    }
}

/* WHERE by bit masks, branch-free where the operands are contiguous or a
 * broadcast value so that the loop vectorises at this file's ISA: m is all
 * ones where c[i] is true, o = (a & m) | (b & ~m) */
#define X86_WHERE_LOOP(T)                                                                                   \
    do {                                                                                                    \
        const T *pa = a, *pb = b;                                                                           \
        T *po = o, va = pa[0], vb = pb[0];                                                                  \
        if (sc == 1 && sa == 1 && sb == 1)                                                                  \
            for (int64_t i = 0; i < n; i++) {                                                               \
                T m = (T)0 - (T)(c[i] != 0);                                                                \
                po[i] = (T)((pa[i] & m) | (pb[i] & (T)~m));                                                 \
            }                                                                                               \
        else if (sc == 1 && sa == 1 && sb == 0)                                                             \
            for (int64_t i = 0; i < n; i++) {                                                               \
                T m = (T)0 - (T)(c[i] != 0);                                                                \
                po[i] = (T)((pa[i] & m) | (vb & (T)~m));                                                    \
            }                                                                                               \
        else if (sc == 1 && sa == 0 && sb == 1)                                                             \
            for (int64_t i = 0; i < n; i++) {                                                               \
                T m = (T)0 - (T)(c[i] != 0);                                                                \
                po[i] = (T)((va & m) | (pb[i] & (T)~m));                                                    \
            }                                                                                               \
        else                                                                                                \
            for (int64_t i = 0; i < n; i++) po[i] = c[i * sc] ? pa[i * sa] : pb[i * sb];                   \
    } while (0)

static void where_any(size_t es, int64_t n, const uint8_t *c, int64_t sc, const void *a, int64_t sa, const void *b,
                      int64_t sb, void *o)
{
    if (n <= 0) return;
    switch (es) {
    case 1: X86_WHERE_LOOP(uint8_t); break;
    case 2: X86_WHERE_LOOP(uint16_t); break;
    case 4: X86_WHERE_LOOP(uint32_t); break;
    default: X86_WHERE_LOOP(uint64_t); break;
    }
}

/* Integer unary ops: plain loops the compiler vectorises at this file's
 * ISA; arithmetic in the unsigned type of the same width, so it wraps. */
#define X86_INT_UNARY(NAME, T, UT)                                                                          \
    static int NAME(uint32_t op, int64_t n, const void *src, void *dst)                                     \
    {                                                                                                       \
        const T *a = src;                                                                                   \
        T *o = dst;                                                                                         \
        switch (op) {                                                                                       \
        case TRUENO_OP_NEGATIVE: for (int64_t i = 0; i < n; i++) o[i] = (T)(UT)(0u - (UT)a[i]); return 0;   \
        case TRUENO_OP_ABS: for (int64_t i = 0; i < n; i++) o[i] = a[i] < 0 ? (T)(UT)(0u - (UT)a[i]) : a[i]; \
            return 0;                                                                                       \
        case TRUENO_OP_SQUARE: for (int64_t i = 0; i < n; i++) o[i] = (T)(UT)((UT)a[i] * (UT)a[i]); return 0; \
        case TRUENO_OP_SIGN: for (int64_t i = 0; i < n; i++) o[i] = (T)((a[i] > 0) - (a[i] < 0)); return 0; \
        case TRUENO_OP_RELU: for (int64_t i = 0; i < n; i++) o[i] = a[i] < 0 ? 0 : a[i]; return 0;          \
        case TRUENO_OP_FLOOR: case TRUENO_OP_CEIL: case TRUENO_OP_ROUND: case TRUENO_OP_TRUNC:              \
            if (n > 0) memmove(o, a, (size_t)n * sizeof(T));                                               \
            return 0;                                                                                       \
        default: return -1;                                                                                 \
        }                                                                                                   \
    }
X86_INT_UNARY(unary_u8, uint8_t, uint8_t)
X86_INT_UNARY(unary_i8, int8_t, uint8_t)
X86_INT_UNARY(unary_i16, int16_t, uint16_t)
X86_INT_UNARY(unary_i32, int32_t, uint32_t)
X86_INT_UNARY(unary_i64, int64_t, uint64_t)

/* The kernel table's entries every ISA file fills from this header. */
#define X86_VMATH_KERNELS                                                                                     \
    .binary = {[TRUENO_DTYPE_UINT8] = binary_u8, [TRUENO_DTYPE_INT8] = binary_i8, [TRUENO_DTYPE_INT16] = binary_i16, \
               [TRUENO_DTYPE_INT32] = binary_i32, [TRUENO_DTYPE_INT64] = binary_i64,                            \
               [TRUENO_DTYPE_FLOAT32] = binary_f32, [TRUENO_DTYPE_FLOAT64] = binary_f64},                       \
    .compare = {[TRUENO_DTYPE_UINT8] = compare_u8, [TRUENO_DTYPE_INT8] = compare_i8,                            \
                [TRUENO_DTYPE_INT16] = compare_i16, [TRUENO_DTYPE_INT32] = compare_i32,                         \
                [TRUENO_DTYPE_INT64] = compare_i64, [TRUENO_DTYPE_FLOAT32] = compare_f32,                       \
                [TRUENO_DTYPE_FLOAT64] = compare_f64},                                                          \
    .unary_f32 = unary_f32, .argmax_f32 = argmax_f32, .amax_f32 = amax_f32, .cast_f32 = cast_f32, .softmax_f32 = softmax_f32, \
    .topk_f32 = topk_f32, .dot_f32 = dot_f32, .dot_f64 = dot_f64, .sqdev_f32 = sqdev_f32, .sqdev_f64 = sqdev_f64, .norm_row_f32 = norm_row_f32,   \
    .unary_f64 = unary_f64, .colsum_f32 = colsum_f32, .colsum_f64 = colsum_f64, .colarg_f32 = colarg_f32, \
    .where = where_any,                                                                                         \
    .unary_int = {[TRUENO_DTYPE_UINT8] = unary_u8, [TRUENO_DTYPE_INT8] = unary_i8, [TRUENO_DTYPE_INT16] = unary_i16, \
                  [TRUENO_DTYPE_INT32] = unary_i32, [TRUENO_DTYPE_INT64] = unary_i64}
