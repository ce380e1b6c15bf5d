// math.glsl — the float32 functions of elementwise.comp, built as exp.glsl
// is from +, *, comparisons and bit operations, which Vulkan rounds
// correctly, so that each stays within Trueno's 4-ULP bound whatever a
// device's builtins do (the spec allows the builtin log an absolute 2^-21
// near 1, and division 2.5 ULP). The algorithms are the cpu-x86 plugin's
// (plugins/cpu-x86/vmath.h, which says where each comes from: Cephes'
// polynomials, fdlibm's expm1 scheme, Goldberg's log1p correction); the
// cancellation-free gelu's Chebyshev fits are tools/fit-gelu.py's.
#include "exp.glsl"

float f_inf() { return uintBitsToFloat(0x7f800000u); }
float f_nan() { return uintBitsToFloat(0x7fc00000u); }

// 1/x for x in [2^-100, 2^100]: an estimate from the exponent bits (within
// 1/8), three Newton steps e·(2 − x·e), each squaring the error, and a last
// one as e + e·(1 − x·e) through fma, whose residual 1 − x·e is exact where
// the device fuses it (NVIDIA, lavapipe): within about half an ULP more
// than a correct rounding (sigmoid reached 3.6 ULP with four plain steps)
float recip(float x)
{
    float e = intBitsToFloat(0x7EF311C3 - floatBitsToInt(x));
    [[unroll]] for (int i = 0; i < 3; i++) e = e * (2.0 - x * e);
    return fma(e, fma(-x, e, 1.0), e);
}

// log(1 + m) − m for m in [sqrt(1/2) − 1, sqrt(2) − 1]: Cephes' logf
// polynomial, m·z·P(m) − z/2 with z = m²
float log_tail(float m)
{
    float z = m * m;
    float p = 7.0376836292E-2;
    p = p * m - 1.1514610310E-1;
    p = p * m + 1.1676998740E-1;
    p = p * m - 1.2420140846E-1;
    p = p * m + 1.4249322787E-1;
    p = p * m - 1.6668057665E-1;
    p = p * m + 2.0000714765E-1;
    p = p * m - 2.4999993993E-1;
    p = p * m + 3.3333331174E-1;
    return m * z * p - 0.5 * z;
}

// log: x = 2^e·(1 + m), 1 + m in [sqrt(1/2), sqrt(2)), e·ln2 in two parts
// (Cody–Waite); subnormal inputs rescaled first
float log_cephes(float x)
{
    if (isnan(x) || x == f_inf()) return x;
    if (x == 0.0) return -f_inf();
    if (x < 0.0) return f_nan();
    bool sub = x < 1.17549435e-38;
    int bits = floatBitsToInt(sub ? x * 8388608.0 : x);
    int e = ((bits >> 23) & 0xff) - 126 - (sub ? 23 : 0);
    float m = intBitsToFloat((bits & 0x007fffff) | 0x3f000000);
    if (m < 0.707106781186547524) {
        e -= 1;
        m = m + m;
    }
    m -= 1.0;
    float ef = float(e);
    return m + (log_tail(m) + ef * -2.12194440e-4) + ef * 0.693359375;
}

// log1p: where 1 + x is in log's reduced range the polynomial takes x
// itself, so 1 + x is never rounded; beyond, log(1 + x), whose rounding
// costs at most about one ULP there (|log1p| > 0.34). (The CPU's
// Goldberg correction, log(u) − ((u − 1) − x)/u, is folded to nothing by
// Mesa's compiler, NoContraction or not: measured on lavapipe.)
float log1p_acc(float x)
{
    if (x == 0.0 || isnan(x)) return x;
    if (x > -0.2928932188 && x < 0.4142135624) return x + log_tail(x);
    return log_cephes(1.0 + x);
}

// expm1 = 2^n·expm1(r) + (2^n − 1), r = x − n·ln2, Taylor to r^9; x in
// [−30, 89] (−1 and inf beyond)
float expm1_acc(float x)
{
    if (isnan(x)) return x;
    float xc = clamp(x, -30.0, 89.0);
    float nf = floor(xc * 1.44269504088896341 + 0.5);
    int n = int(nf);
    float r = reduce_ln2(xc, nf);
    float q = 2.75573192e-6;
    q = q * r + 2.48015873e-5;
    q = q * r + 1.98412698e-4;
    q = q * r + 1.38888889e-3;
    q = q * r + 8.33333333e-3;
    q = q * r + 4.16666667e-2;
    q = q * r + 1.66666667e-1;
    q = q * r + 0.5;
    float pm = r + r * r * q;
    if (n > 24) return scale2(pm + 1.0, n);
    float s = intBitsToFloat((n + 127) << 23);
    return s * pm + (s - 1.0);
}

// tanh: Cephes' odd polynomial below 0.625, else ±(1 − 2/(e^2|x| + 1)),
// |x| capped at 9.5, where tanh rounds to 1
float tanh_acc(float x)
{
    if (isnan(x)) return x;
    float a = abs(x), z = x * x;
    float p = -5.70498872745E-3;
    p = p * z + 2.06390887954E-2;
    p = p * z - 5.37397155531E-2;
    p = p * z + 1.33314422036E-1;
    p = p * z - 3.33332819422E-1;
    if (a < 0.625) return p * z * x + x;
    float big = 1.0 - 2.0 * recip(exp_cephes(2.0 * min(a, 9.5)) + 1.0);
    return x < 0.0 ? -big : big;
}

// sigmoid without overflow: t = e^−|x|, 1/(1 + t) or t/(1 + t)
float sigmoid_acc(float x)
{
    if (isnan(x)) return x;
    float t = exp_cephes(-abs(x)), r = recip(1.0 + t);
    return x < 0.0 ? t * r : r;
}

// silu = x·sigmoid(x); for x < 0 as (x·y/(1 + t))·2^n with e^x = y·2^n,
// so that a subnormal result is rounded once (x·sigmoid(x) was 52 ULP off
// at x = −104)
float silu_acc(float x)
{
    if (isnan(x)) return x;
    if (x == -f_inf()) return f_nan();                  // −inf·0
    if (x >= 0.0) return x * recip(1.0 + exp_cephes(-x));
    if (x < -120.0) return -0.0;                        // |silu| < 2^-150
    int n;
    float y = exp_parts(x, n), r = recip(1.0 + scale2(y, n));
    return scale2(x * y * r, n);
}

// gelu = x·Φ(x), exact (erf) form, without the cancellation of
// 0.5·x·(1 + erf(x/√2)): |x| < 1: x·(1/2 + x·S(2x² − 1)); beyond, u = |x|,
// Φ(−u) = e^(−u²/2)·H(1/u)/u with u² carried exactly as p + e (Dekker's
// product, `precise` so no contraction breaks it) and H a Chebyshev fit
// on two intervals of 1/u
const float gelu_s[7] = float[](8.396533419e-09, -2.394565638e-07, 5.884340067e-06, -1.223112618e-04,
                                2.088627290e-03, -2.867621644e-02, 3.680489932e-01);
const float gelu_h_near[10] = float[](-5.194464301e-07, -3.188758369e-07, 9.048374185e-06, -4.357500023e-05,
                                      1.597436033e-04, -4.392318009e-04, 4.816774510e-04, 4.489571626e-03,
                                      -4.652496816e-02, 3.034468636e-01);
const float gelu_h_far[10] = float[](8.087372520e-07, -6.239460321e-07, -7.473995417e-06, 3.132293428e-05,
                                     -4.620984079e-05, -2.116780294e-04, 1.735237244e-03, -4.403296334e-03,
                                     -2.348682164e-02, 3.797170638e-01);

float gelu_acc(float x)
{
    if (isnan(x)) return x;
    if (x == -f_inf()) return f_nan();                  // −inf·Φ(−inf), as PyTorch
    float u = abs(x);
    if (u < 1.0) {
        float s = 2.0 * (x * x) - 1.0, q = gelu_s[0];
        [[unroll]] for (int k = 1; k < 7; k++) q = q * s + gelu_s[k];
        return x * (0.5 + x * q);
    }
    float t = max(recip(min(u, 14.0)), 1.0 / 14.0), h;
    if (t < 0.4) {
        float s = 6.08695652 * t - 1.43478261;
        h = gelu_h_far[0];
        [[unroll]] for (int k = 1; k < 10; k++) h = h * s + gelu_h_far[k];
    } else {
        float s = 3.33333333 * t - 2.33333333;
        h = gelu_h_near[0];
        [[unroll]] for (int k = 1; k < 10; k++) h = h * s + gelu_h_near[k];
    }
    precise float sc = min(20.0, u), p = sc * sc, c = sc * 4097.0, sh = c - (c - sc), sl = sc - sh;
    precise float e = ((sh * sh - p) + 2.0 * sh * sl) + sl * sl;
    int n;
    float yh = exp_parts(-0.5 * p, n) * h;
    float y = scale2(yh - yh * (0.5 * e), n);
    return x < 0.0 ? -y : x - y;
}
