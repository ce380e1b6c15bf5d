#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
// Element-wise float32 ops with any strides and broadcasting (stride 0):
// o[io] = op(a[ia], b[ib]) for binary ops, op(a[ia]) for unary ones. The
// plugin merges axes that are contiguous in every operand, so rank <= 4
// covers the layouts ops meet; a grid-stride loop covers any count.
//
// Only operations Vulkan computes correctly rounded (+, -, *, comparisons;
// Vulkan spec, "Precision and Operation of SPIR-V Instructions") and exp
// built from them (exp.glsl).
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
// VEC4 (a second module, glslc -DVEC4): every operand contiguous, count and
// offsets multiples of 4: the same ops four lanes at a time through vec4
// views of the same buffers (16-byte loads reach the bandwidth 4-byte ones
// do not on NVIDIA)
layout(std430, binding = 0) readonly buffer A4 { vec4 a4[]; };
layout(std430, binding = 1) readonly buffer B4 { vec4 b4[]; };
layout(std430, binding = 2) writeonly buffer O4 { vec4 o4[]; };

layout(push_constant) uniform Params {
    uint n, op, rank, unary;
    uint shape[4];          // output extents, outermost first
    int sa[4], sb[4], so[4];
    uint oa, ob, oo;        // offsets in elements
    float param;            // leaky_relu's slope
} p;

// op codes, shared with vk_plugin.c
const uint ADD = 0u, SUB = 1u, MUL = 2u, MAX = 3u, MIN = 4u;
const uint NEG = 16u, ABS = 17u, SQUARE = 18u, RELU = 19u, EXP = 20u, LEAKY_RELU = 21u, COPY = 22u;

#include "exp.glsl"

float binary(float x, float y)
{
    switch (p.op) {
    case ADD: return x + y;
    case SUB: return x - y;
    case MUL: return x * y;
    case MAX: return isnan(x) || isnan(y) ? x + y : max(x, y);   // NaN propagates, as numpy.maximum
    default: return isnan(x) || isnan(y) ? x + y : min(x, y);
    }
}

float unary(float x)
{
    switch (p.op) {
    case NEG: return -x;
    case ABS: return abs(x);
    case SQUARE: return x * x;
    case RELU: return isnan(x) ? x : max(x, 0.0);
    case EXP: return exp_cephes(x);
    case LEAKY_RELU: return x < 0.0 ? x * p.param : x;
    default: return x;
    }
}

void main()
{
    uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
#ifdef VEC4
    for (uint i = gl_GlobalInvocationID.x; i < p.n / 4u; i += step) {
        vec4 x = a4[p.oa / 4u + i], y = p.unary != 0u ? x : b4[p.ob / 4u + i], r;
        [[unroll]] for (int c = 0; c < 4; c++) r[c] = p.unary != 0u ? unary(x[c]) : binary(x[c], y[c]);
        o4[p.oo / 4u + i] = r;
    }
    return;
#endif
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += step) {
        int ia = int(p.oa), ib = int(p.ob), io = int(p.oo);
        if (p.rank == 1u) {
            ia += int(i) * p.sa[0];
            ib += int(i) * p.sb[0];
            io += int(i) * p.so[0];
        } else {
            uint r = i;
            for (int d = int(p.rank) - 1; d >= 0; d--) {
                int c = int(r % p.shape[d]);
                r /= p.shape[d];
                ia += c * p.sa[d];
                ib += c * p.sb[d];
                io += c * p.so[d];
            }
        }
        o[io] = p.unary != 0u ? unary(a[ia]) : binary(a[ia], b[ib]);
    }
}
