#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
// Element-wise float32 ops with any strides and broadcasting (stride 0):
// o[io] = op(a[ia], b[ib]) for binary ops, op(a[ia]) for unary ones. The
// plugin merges axes that are contiguous in every operand, so rank <= 4
// covers the layouts ops meet; a grid-stride loop covers any count.
//
// Only operations Vulkan computes correctly rounded (+, -, *, comparisons,
// floor, ceil, trunc, roundEven; Vulkan spec, "Precision and Operation of
// SPIR-V Instructions") and functions built from them (math.glsl), plus
// inversesqrt for rsqrt (2 ULP, within the op's 4).
#ifdef DENORM_PRESERVE
// float32 subnormals kept (SPV_KHR_float_controls' DenormPreserve), built
// for the devices that can: NVIDIA's driver flushes them otherwise, and
// exp of −100 or log of 1e-40 came out 2^23 subnormal ULP off
#extension GL_EXT_spirv_intrinsics : require
spirv_execution_mode(extensions = ["SPV_KHR_float_controls"], capabilities = [4464], 4459, 32);
#endif
layout(local_size_x_id = 0) in;
// the op, where the pipeline is specialised to one (the plugin makes one
// per op at its first use); ANY_OP: the push constant's
const uint ANY_OP = 0xffffffffu;
layout(constant_id = 1) const uint SPEC_OP = ANY_OP;

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
// FLOAT16 or BFLOAT16 (two more modules): 16-bit operands, two to a word,
// each widened to float32, the op computed there and the result rounded
// once (as the reference and cpu-x86 do; + − × ÷ are then correctly
// rounded, float32 having more than twice the bits). One invocation per
// output word: contiguous output, even count and offsets; an input is
// contiguous (even offset) or one element broadcast (stride 0).
layout(std430, binding = 0) readonly buffer A2 { uint a2[]; };
layout(std430, binding = 1) readonly buffer B2 { uint b2[]; };
layout(std430, binding = 2) writeonly buffer O2 { uint o2[]; };

#ifdef FUSED
// FUSED (two more modules, with and without DENORM_PRESERVE): a run of up
// to 16 element-wise ops over n contiguous elements in one dispatch. Each
// distinct buffer of the run is one of 8 slots at one element offset, so
// element i of every op is element i of the run: the invocation that
// handles i does every op for it in order, and no op reads an element
// another invocation wrote (the plugin fuses only such runs). ops[k]:
// code | a slot << 8 | b slot << 12 | o slot << 16.
layout(std430, binding = 0) buffer F0 { float f0[]; };
layout(std430, binding = 1) buffer F1 { float f1[]; };
layout(std430, binding = 2) buffer F2 { float f2[]; };
layout(std430, binding = 3) buffer F3 { float f3[]; };
layout(std430, binding = 4) buffer F4 { float f4[]; };
layout(std430, binding = 5) buffer F5 { float f5[]; };
layout(std430, binding = 6) buffer F6 { float f6[]; };
layout(std430, binding = 7) buffer F7 { float f7[]; };
layout(push_constant) uniform Fused {
    uint n, count;
    uint offset[8];         // each slot's offset in elements
    uint ops[16];
} q;
uint fused_op;              // the op being computed
#else
layout(push_constant) uniform Params {
    uint n, op, rank, unary;
    uint shape[4];          // output extents, outermost first
    int sa[4], sb[4], so[4];
    uint oa, ob, oo;        // offsets in elements
    float param;            // leaky_relu's slope, elu's alpha
} p;
#endif

// op codes, shared with vk_plugin.c
const uint ADD = 0u, SUB = 1u, MUL = 2u, MAX = 3u, MIN = 4u, FMAX = 5u, FMIN = 6u, COPYSIGN = 7u;
const uint NEG = 16u, ABS = 17u, SQUARE = 18u, RELU = 19u, EXP = 20u, LEAKY_RELU = 21u, COPY = 22u, LOG = 23u,
           TANH = 24u, SIGMOID = 25u, SILU = 26u, GELU = 27u, EXPM1 = 28u, LOG1P = 29u, ELU = 30u, SELU = 31u,
           SOFTPLUS = 32u, LOGSIGMOID = 33u, SOFTSIGN = 34u, RELU6 = 35u, HARDSIGMOID = 36u, HARDSWISH = 37u,
           RSQRT = 38u, FLOOR = 39u, CEIL = 40u, ROUND = 41u, TRUNC = 42u, SIGN = 43u;

#include "math.glsl"
#if defined(FLOAT16) || defined(BFLOAT16)
#include "half.glsl"
#endif

#ifdef FUSED
uint op_code() { return fused_op; }
float op_param() { return 0.0; }            // the ops with a parameter are not fused
#else
uint op_code() { return SPEC_OP != ANY_OP ? SPEC_OP : p.op; }
bool is_unary() { return SPEC_OP != ANY_OP ? SPEC_OP >= NEG : p.unary != 0u; }
float op_param() { return p.param; }
#endif

float binary(float x, float y)
{
    switch (op_code()) {
    case ADD: return x + y;
    case SUB: return x - y;
    case MUL: return x * y;
    case MAX: return isnan(x) || isnan(y) ? x + y : max(x, y);   // NaN propagates, as numpy.maximum
    case MIN: return isnan(x) || isnan(y) ? x + y : min(x, y);
    case FMAX: return isnan(x) ? y : isnan(y) ? x : max(x, y);     // NaN ignored, as numpy.fmax
    case FMIN: return isnan(x) ? y : isnan(y) ? x : min(x, y);
    default: return uintBitsToFloat((floatBitsToUint(x) & 0x7fffffffu) | (floatBitsToUint(y) & 0x80000000u));
    }
}

float unary(float x)
{
    switch (op_code()) {
    case NEG: return -x;
    case ABS: return abs(x);
    case SQUARE: return x * x;
    case RELU: return isnan(x) ? x : max(x, 0.0);
    case EXP: return exp_cephes(x);
    case LEAKY_RELU: return x < 0.0 ? x * op_param() : x;
    case LOG: return log_cephes(x);
    case TANH: return tanh_acc(x);
    case SIGMOID: return sigmoid_acc(x);
    case SILU: return silu_acc(x);
    case GELU: return gelu_acc(x);
    case EXPM1: return expm1_acc(x);
    case LOG1P: return log1p_acc(x);
    case ELU: return x > 0.0 ? x : op_param() * expm1_acc(x);
    case SELU: return 1.05070099 * (x > 0.0 ? x : 1.67326324 * expm1_acc(x));
    case SOFTPLUS: return x > 20.0 ? x : log1p_acc(exp_cephes(x));            // PyTorch's beta 1, threshold 20
    case LOGSIGMOID: return min(x, 0.0) - log1p_acc(exp_cephes(-abs(x)));
    case SOFTSIGN: {                                                     // x/(1 + |x|), |x| capped where it is ±1
        float a = min(abs(x), 1e30);
        return isnan(x) || isinf(x) ? f_nan() : (x < 0.0 ? -a : a) * recip(1.0 + a);   // inf/inf, as PyTorch
    }
    case RELU6: return isnan(x) ? x : clamp(x, 0.0, 6.0);
    case HARDSIGMOID: {   // max() keeps (x + 3)/6 from becoming x/6 + 1/2, 16 ULP off near −3 (NVIDIA's
                          // compiler did that, `precise` or not)
        float h = max(x + 3.0, 0.0) * (1.0 / 6.0);
        return isnan(x) ? x : x <= -3.0 ? 0.0 : x >= 3.0 ? 1.0 : h;
    }
    case HARDSWISH: return isnan(x) ? x : x * clamp(x + 3.0, 0.0, 6.0) * (1.0 / 6.0);
    case RSQRT: return x == 0.0 ? (floatBitsToUint(x) != 0u ? -f_inf() : f_inf()) : x < 0.0 ? f_nan()
                      : x == f_inf() ? 0.0 : inversesqrt(x);
    case FLOOR: return floor(x);
    case CEIL: return ceil(x);
    case ROUND: return roundEven(x);
    case TRUNC: return trunc(x);
    case SIGN: return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : x;              // ±0 and NaN as given
    default: return x;
    }
}

#if defined(FLOAT16) || defined(BFLOAT16)
// elements 2w and 2w+1 of an input at element offset off, stride 0 or 1
vec2 load2(bool broadcast, uint off, uint w, bool second)
{
    if (broadcast) {
        uint h = ((second ? b2[off >> 1] : a2[off >> 1]) >> ((off & 1u) * 16u)) & 0xffffu;
        return vec2(widen(h));
    }
    uint word = second ? b2[(off >> 1) + w] : a2[(off >> 1) + w];
    return vec2(widen(word & 0xffffu), widen(word >> 16));
}
#endif

#ifdef FUSED
float load(uint slot, uint i)
{
    switch (slot) {
    case 0u: return f0[i];
    case 1u: return f1[i];
    case 2u: return f2[i];
    case 3u: return f3[i];
    case 4u: return f4[i];
    case 5u: return f5[i];
    case 6u: return f6[i];
    default: return f7[i];
    }
}

void store(uint slot, uint i, float v)
{
    switch (slot) {
    case 0u: f0[i] = v; break;
    case 1u: f1[i] = v; break;
    case 2u: f2[i] = v; break;
    case 3u: f3[i] = v; break;
    case 4u: f4[i] = v; break;
    case 5u: f5[i] = v; break;
    case 6u: f6[i] = v; break;
    default: f7[i] = v; break;
    }
}

void main()
{
    uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < q.n; i += step)
        for (uint k = 0u; k < q.count; k++) {
            uint c = q.ops[k], sa = (c >> 8) & 7u, sb = (c >> 12) & 7u, so = (c >> 16) & 7u;
            fused_op = c & 0xffu;
            float x = load(sa, q.offset[sa] + i);
            store(so, q.offset[so] + i, fused_op >= NEG ? unary(x) : binary(x, load(sb, q.offset[sb] + i)));
        }
}
#else
void main()
{
    uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
#if defined(FLOAT16) || defined(BFLOAT16)
    for (uint w = gl_GlobalInvocationID.x; w < p.n / 2u; w += step) {
        vec2 x = load2(p.sa[0] == 0, p.oa, w, false), y = is_unary() ? x : load2(p.sb[0] == 0, p.ob, w, true), r;
        [[unroll]] for (int c = 0; c < 2; c++) r[c] = is_unary() ? unary(x[c]) : binary(x[c], y[c]);
        o2[(p.oo >> 1) + w] = narrow(r[0]) | (narrow(r[1]) << 16);
    }
    return;
#endif
#ifdef VEC4
    for (uint i = gl_GlobalInvocationID.x; i < p.n / 4u; i += step) {
        vec4 x = a4[p.oa / 4u + i], y = is_unary() ? x : b4[p.ob / 4u + i], r;
        [[unroll]] for (int c = 0; c < 4; c++) r[c] = is_unary() ? unary(x[c]) : binary(x[c], y[c]);
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
        o[io] = is_unary() ? unary(a[ia]) : binary(a[ia], b[ib]);
    }
}
#endif
