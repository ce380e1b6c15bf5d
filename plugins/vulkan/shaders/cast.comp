#version 450
#extension GL_GOOGLE_include_directive : require
// CAST between float32, int32, float16 and bfloat16 from any view of at
// most four axes into a contiguous output (and CONTIGUOUS of int32,
// float16 and bfloat16: from = to, the bits copied), the reference's
// conversions bit for bit: float to int truncates toward
// zero into int64 (NaN 0, saturating) and wraps to 32 bits, as NumPy on
// x86-64; int to float rounds to nearest even (Vulkan converts correctly
// rounded); float16 and bfloat16 widen exactly and narrow from float32 by
// rounding to nearest even on the bits (the reference narrows from the
// exact value, which a float32 holds for every source but int32, and for
// int32 the reference goes through float32 too). The buffers are words:
// 16-bit operands are two elements to a word, so an invocation writes one
// word, one element or two.
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer X { uint x[]; };
layout(std430, binding = 1) writeonly buffer O { uint o[]; };

layout(push_constant) uniform Params {
    uint n, from, to, words;   // words: output words to write
    uint ox, oo, rank, pad;    // offsets in elements (oo even for 16-bit outputs)
    uint shape[4];             // the input's view (the output is contiguous in this shape)
    int sx[4];
} p;

const uint F32 = 0u, I32 = 1u, F16 = 2u, BF16 = 3u;

#include "half.glsl"

// float → int32 as the reference: truncate into int64 (saturating, NaN 0), keep the low 32 bits
int f32_to_i32(float v)
{
    if (isnan(v)) return 0;
    float a = abs(v);
    if (a < 2147483648.0) return int(v);
    if (a >= 9223372036854775808.0) return v > 0.0 ? -1 : 0;   // INT64_MAX's and INT64_MIN's low words
    uint bits = floatBitsToUint(a), shift = ((bits >> 23) & 0xffu) - 150u; // a = m·2^shift, shift >= 8
    uint low = shift >= 32u ? 0u : ((bits & 0x7fffffu) | 0x800000u) << shift;
    return int(v < 0.0 ? 0u - low : low);
}

// element i (C order) of the input, its bits (16-bit: in the low half)
uint load_raw(uint i)
{
    uint e = p.ox + i;
    if (p.rank > 1u || p.sx[0] != 1) {
        int off = int(p.ox);
        for (uint d = p.rank; d-- > 0u;) {
            off += int(i % p.shape[d]) * p.sx[d];
            i /= p.shape[d];
        }
        e = uint(off);
    }
    if (p.from == F16 || p.from == BF16) return (x[e >> 1] >> ((e & 1u) * 16u)) & 0xffffu;
    return x[e];
}

float as_float(uint raw)
{
    if (p.from == F16) return f16_bits_to_f32(raw);
    if (p.from == BF16) return uintBitsToFloat(raw << 16);
    if (p.from == I32) return float(int(raw));
    return uintBitsToFloat(raw);
}

uint convert(uint raw)   // one element, to the target's bits (16-bit targets in the low half)
{
    if (p.from == p.to) return raw;   // CONTIGUOUS
    if (p.to == I32) return p.from == F32 || p.from == F16 || p.from == BF16 ? uint(f32_to_i32(as_float(raw))) : raw;
    float v = as_float(raw);
    if (p.to == F16) return f32_to_f16_bits(v);
    if (p.to == BF16) return f32_to_bf16_bits(v);
    return floatBitsToUint(v);
}

void main()
{
    uint w = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    if (w >= p.words) return;
    if (p.to == F16 || p.to == BF16) {
        uint i = 2u * w;   // the two elements of output word oo/2 + w
        o[p.oo / 2u + w] = convert(load_raw(i)) | (convert(load_raw(i + 1u)) << 16);
    } else {
        o[p.oo + w] = convert(load_raw(w));
    }
}
