// float16 and bfloat16 bits to and from float32, as the reference rounds:
// widening is exact; narrowing rounds to nearest even on the bits (the
// FPU rounds a float16 subnormal), NaN stays NaN (quiet), overflow is inf.
// Shared by cast.comp and the 16-bit element-wise and matmul modules.
float f16_bits_to_f32(uint h)
{
    uint em = h & 0x7fffu, e = em >> 10, sign = (h & 0x8000u) << 16;
    if (e == 0u) return uintBitsToFloat(floatBitsToUint(float(em) * 5.9604644775390625e-08) | sign); // · 2^-24
    if (e == 31u) return uintBitsToFloat((em << 13) | 0x7f800000u | sign);
    return uintBitsToFloat(((em << 13) + ((127u - 15u) << 23)) | sign);
}

uint f32_to_f16_bits(float v)
{
    uint b = floatBitsToUint(v), a = b & 0x7fffffffu, sign = (b >> 16) & 0x8000u, r;
    if (a > 0x7f800000u) r = 0x7e00u;                                       // NaN
    else if (a >= 0x477ff000u) r = 0x7c00u;                                 // rounds to inf
    else if (a < 0x38800000u) r = floatBitsToUint(uintBitsToFloat(a) + 0.5) - 0x3f000000u; // subnormal: the FPU rounds
    else r = (a - ((127u - 15u) << 23) + 0xfffu + ((a >> 13) & 1u)) >> 13; // to nearest even, carry into the exponent
    return r | sign;
}

uint f32_to_bf16_bits(float v)
{
    uint b = floatBitsToUint(v);
    if ((b & 0x7fffffffu) > 0x7f800000u) return ((b >> 16) & 0x8000u) | 0x7fc0u;
    return (b + 0x7fffu + ((b >> 16) & 1u)) >> 16;
}

#if defined(FLOAT16) || defined(BFLOAT16)
// the module's 16-bit type (FLOAT16 or BFLOAT16) to and from float32
float widen(uint h)
{
#ifdef FLOAT16
    return f16_bits_to_f32(h);
#else
    return uintBitsToFloat(h << 16);
#endif
}

uint narrow(float v)
{
#ifdef FLOAT16
    return f32_to_f16_bits(v);
#else
    return f32_to_bf16_bits(v);
#endif
}
#endif
