/*
 * dtype.c — element access for every dtype, float16/bfloat16 rounding, and
 * type promotion.
 *
 * float16/bfloat16 rounding is round-to-nearest-even straight from the
 * exact double value (IEEE 754-2019 §4.3.1, as NumPy's npy_double_to_half),
 * done on the integer bits so it needs no particular FPU mode.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

bool tn_dtype_valid(uint32_t dtype) { return dtype < TRUENO_DTYPE_COUNT_1_0; }

bool tn_dtype_is_float(uint32_t dtype)
{
    return dtype < TRUENO_DTYPE_COUNT_1_0 &&
           (TRUENO_DTYPES_FLOAT & TRUENO_DTYPE_BIT(dtype)) != 0;
}

bool tn_dtype_is_int(uint32_t dtype)
{
    return dtype < TRUENO_DTYPE_COUNT_1_0 &&
           (TRUENO_DTYPES_INT & TRUENO_DTYPE_BIT(dtype)) != 0;
}

/* ---- promotion --------------------------------------------------------- */

static int int_bits(trueno_dtype d)
{
    switch (d) {
    case TRUENO_DTYPE_UINT8: case TRUENO_DTYPE_INT8: return 8;
    case TRUENO_DTYPE_INT16: return 16;
    case TRUENO_DTYPE_INT32: return 32;
    default: return 64;
    }
}

static trueno_dtype signed_int_of_bits(int bits)
{
    return bits <= 8 ? TRUENO_DTYPE_INT8 : bits <= 16 ? TRUENO_DTYPE_INT16
         : bits <= 32 ? TRUENO_DTYPE_INT32 : TRUENO_DTYPE_INT64;
}

/* NumPy 2 result_type for arrays among bool and the integers (uint8 with a
 * signed type needs the next wider signed type; there is no uint64, so
 * everything fits in int64), the float where an integer meets a float
 * (OPS.md: "mixed int/float gives the float", as PyTorch), the wider float
 * among floats, and float32 for float16 with bfloat16 (as PyTorch). */
trueno_dtype tn_promote(trueno_dtype a, trueno_dtype b)
{
    if (a == b) return a;
    if (a == TRUENO_DTYPE_BOOL) return b;
    if (b == TRUENO_DTYPE_BOOL) return a;
    bool fa = tn_dtype_is_float(a), fb = tn_dtype_is_float(b);
    if (fa && !fb) return a;
    if (fb && !fa) return b;
    if (fa && fb) {
        if ((a == TRUENO_DTYPE_FLOAT16 && b == TRUENO_DTYPE_BFLOAT16) ||
            (a == TRUENO_DTYPE_BFLOAT16 && b == TRUENO_DTYPE_FLOAT16))
            return TRUENO_DTYPE_FLOAT32;
        return a > b ? a : b; /* enum order is width order for floats */
    }
    /* two different integer types */
    bool ua = a == TRUENO_DTYPE_UINT8, ub = b == TRUENO_DTYPE_UINT8;
    if (ua) return signed_int_of_bits(int_bits(b) > 8 ? int_bits(b) : 16);
    if (ub) return signed_int_of_bits(int_bits(a) > 8 ? int_bits(a) : 16);
    return int_bits(a) > int_bits(b) ? a : b;
}

/* ---- float16 / bfloat16 ------------------------------------------------ */

/* Rounds |x| (given by its double bits) to a binary format with `frac`
 * fraction bits, minimum normal exponent `emin` and maximum `emax`,
 * returning the magnitude bits (exponent | fraction), bias = emax. */
static uint32_t round_to_small(uint64_t bits, int frac, int emin, int emax)
{
    const uint32_t exp_all_ones = (uint32_t)(2 * emax + 1);
    int e = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ull << 52) - 1);
    if (e == 0x7ff) /* inf or NaN (quiet NaN with the top fraction bit) */
        return (exp_all_ones << frac) | (m ? 1u << (frac - 1) : 0);
    if (e == 0) return 0; /* double subnormals are far below both formats */
    e -= 1023;
    m |= 1ull << 52;
    int shift = 52 - frac + (e < emin ? emin - e : 0);
    if (shift >= 64) return 0;
    uint64_t keep = m >> shift;
    uint64_t rem = m & ((1ull << shift) - 1);
    uint64_t half = 1ull << (shift - 1);
    if (rem > half || (rem == half && (keep & 1))) keep++;
    if (e < emin) /* subnormal result; a carry into bit `frac` is min normal */
        return (uint32_t)keep;
    /* normal: keep has frac+1 bits, or frac+2 after a carry */
    if (keep >> (frac + 1)) { keep >>= 1; e++; }
    if (e > emax) return exp_all_ones << frac; /* overflow to infinity */
    return ((uint32_t)(e + emax) << frac) | (uint32_t)(keep & ((1u << frac) - 1));
}

static uint64_t f64_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

uint16_t tn_f64_to_f16(double x)
{
    uint64_t b = f64_bits(x);
    uint16_t sign = (uint16_t)((b >> 48) & 0x8000);
    return sign | (uint16_t)round_to_small(b & ~(1ull << 63), 10, -14, 15);
}

uint16_t tn_f64_to_bf16(double x)
{
    uint64_t b = f64_bits(x);
    uint16_t sign = (uint16_t)((b >> 48) & 0x8000);
    return sign | (uint16_t)round_to_small(b & ~(1ull << 63), 7, -126, 127);
}

float tn_f16_to_f32(uint16_t h)
{
    int e = (h >> 10) & 0x1f;
    int m = h & 0x3ff;
    float v;
    if (e == 0) v = ldexpf((float)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = ldexpf((float)(m | 0x400), e - 25);
    return (h & 0x8000) ? -v : v;
}

float tn_bf16_to_f32(uint16_t h)
{
    uint32_t b = (uint32_t)h << 16;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* ---- element access ---------------------------------------------------- */

static int64_t float_to_int64(double v);

double tn_load_f64(const void *base, uint32_t dtype, int64_t i)
{
    switch (dtype) {
    case TRUENO_DTYPE_BOOL: return ((const uint8_t *)base)[i] != 0;
    case TRUENO_DTYPE_UINT8: return ((const uint8_t *)base)[i];
    case TRUENO_DTYPE_INT8: return ((const int8_t *)base)[i];
    case TRUENO_DTYPE_INT16: return ((const int16_t *)base)[i];
    case TRUENO_DTYPE_INT32: return ((const int32_t *)base)[i];
    case TRUENO_DTYPE_INT64: return (double)((const int64_t *)base)[i];
    case TRUENO_DTYPE_FLOAT16: return tn_f16_to_f32(((const uint16_t *)base)[i]);
    case TRUENO_DTYPE_BFLOAT16: return tn_bf16_to_f32(((const uint16_t *)base)[i]);
    case TRUENO_DTYPE_FLOAT32: return ((const float *)base)[i];
    case TRUENO_DTYPE_FLOAT64: return ((const double *)base)[i];
    default: TN_ASSERT(!"unknown dtype"); return 0;
    }
}

int64_t tn_load_i64(const void *base, uint32_t dtype, int64_t i)
{
    switch (dtype) {
    case TRUENO_DTYPE_BOOL: return ((const uint8_t *)base)[i] != 0;
    case TRUENO_DTYPE_UINT8: return ((const uint8_t *)base)[i];
    case TRUENO_DTYPE_INT8: return ((const int8_t *)base)[i];
    case TRUENO_DTYPE_INT16: return ((const int16_t *)base)[i];
    case TRUENO_DTYPE_INT32: return ((const int32_t *)base)[i];
    case TRUENO_DTYPE_INT64: return ((const int64_t *)base)[i];
    default: return float_to_int64(tn_load_f64(base, dtype, i));
    }
}

/* float → integer: truncate toward zero into int64 (NaN → 0, saturating at
 * the int64 range), then narrow by wrapping, which is what NumPy does on
 * x86-64 for values that fit in an int64 (the C cast it uses leaves the
 * rest undefined). */
static int64_t float_to_int64(double v)
{
    if (isnan(v)) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

void tn_store_f64(void *base, uint32_t dtype, int64_t i, double v)
{
    switch (dtype) {
    case TRUENO_DTYPE_BOOL: ((uint8_t *)base)[i] = v != 0; break;
    case TRUENO_DTYPE_FLOAT16: ((uint16_t *)base)[i] = tn_f64_to_f16(v); break;
    case TRUENO_DTYPE_BFLOAT16: ((uint16_t *)base)[i] = tn_f64_to_bf16(v); break;
    case TRUENO_DTYPE_FLOAT32: ((float *)base)[i] = (float)v; break;
    case TRUENO_DTYPE_FLOAT64: ((double *)base)[i] = v; break;
    default: tn_store_i64(base, dtype, i, float_to_int64(v)); /* integers */
    }
}

/* Integers wrap to narrower integers (two's complement, as NumPy); to a
 * float they convert directly (int64 → float32 rounds once). */
void tn_store_i64(void *base, uint32_t dtype, int64_t i, int64_t v)
{
    switch (dtype) {
    case TRUENO_DTYPE_BOOL: ((uint8_t *)base)[i] = v != 0; break;
    case TRUENO_DTYPE_UINT8: ((uint8_t *)base)[i] = (uint8_t)v; break;
    case TRUENO_DTYPE_INT8: ((int8_t *)base)[i] = (int8_t)(uint8_t)v; break;
    case TRUENO_DTYPE_INT16: ((int16_t *)base)[i] = (int16_t)(uint16_t)v; break;
    case TRUENO_DTYPE_INT32: ((int32_t *)base)[i] = (int32_t)(uint32_t)v; break;
    case TRUENO_DTYPE_INT64: ((int64_t *)base)[i] = v; break;
    case TRUENO_DTYPE_FLOAT32: ((float *)base)[i] = (float)v; break;
    case TRUENO_DTYPE_FLOAT64: ((double *)base)[i] = (double)v; break;
    /* as PyTorch: through float32 (exact for every value below 2^24) */
    case TRUENO_DTYPE_FLOAT16: ((uint16_t *)base)[i] = tn_f64_to_f16((float)v); break;
    case TRUENO_DTYPE_BFLOAT16: ((uint16_t *)base)[i] = tn_f64_to_bf16((float)v); break;
    default: TN_ASSERT(!"unknown dtype");
    }
}
