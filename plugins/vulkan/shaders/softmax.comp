#version 450
#extension GL_GOOGLE_include_directive : require
// softmax / log_softmax of float32 rows along the last axis, one workgroup
// per row, max-subtracted: m = max x, s = Σ e^(x−m) (compensated: Kahan
// per invocation, TwoSum tree), then e^(x−m)/s or x − m − log s. exp is
// exp.glsl's (within 4 ULP); log is the builtin (Vulkan: 3 ULP, or an
// absolute 2^-21 for arguments in [0.5, 2]), well inside the 1e-6 of the
// result's scale these ops are held to. As PyTorch, a row holding a NaN, a
// +inf or only −inf comes out all NaN (x − m is NaN somewhere, so s is).
layout(local_size_x = 256) in;
#define THREADS 256u

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };

layout(push_constant) uniform Params {
    uint n, log_softmax, rows, pad; // row_header in vk_plugin.c (flag: log_softmax)
    int sx0, sx1, so0, so1;
    uint ox, oo;
} p;

#include "exp.glsl"

shared float s_hi[THREADS], s_lo[THREADS];
shared uint s_nan[THREADS];

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    uint tid = gl_LocalInvocationID.x;
    int xb = int(p.ox) + int(row) * p.sx0, ob = int(p.oo) + int(row) * p.so0;

    float m = -1.0 / 0.0;
    uint nan_seen = 0u;
    for (uint j = tid; j < p.n; j += THREADS) {
        float v = x[xb + int(j) * p.sx1];
        if (isnan(v)) nan_seen = 1u;
        else m = max(m, v);
    }
    s_hi[tid] = m;
    s_nan[tid] = nan_seen;
    barrier();
    for (uint h = THREADS / 2u; h > 0u; h >>= 1u) {
        if (tid < h) {
            s_hi[tid] = max(s_hi[tid], s_hi[tid + h]);
            s_nan[tid] |= s_nan[tid + h];
        }
        barrier();
    }
    m = s_nan[0] != 0u ? 0.0 / 0.0 : s_hi[0];
    barrier();

    precise float hi = 0.0, lo = 0.0;
    for (uint j = tid; j < p.n; j += THREADS) {
        float e = exp_cephes(x[xb + int(j) * p.sx1] - m);
        precise float y = e - lo;
        precise float t = hi + y;
        lo = isinf(t) || isnan(t) ? 0.0 : (t - hi) - y;
        hi = t;
    }
    s_hi[tid] = hi;
    s_lo[tid] = -lo;
    barrier();
    for (uint h = THREADS / 2u; h > 0u; h >>= 1u) {
        if (tid < h) {
            precise float a = s_hi[tid], b = s_hi[tid + h];
            precise float s = a + b;
            precise float bb = s - a;
            precise float err = isinf(s) || isnan(s) ? 0.0 : (a - (s - bb)) + (b - bb);
            s_hi[tid] = s;
            s_lo[tid] = s_lo[tid] + s_lo[tid + h] + err;
        }
        barrier();
    }
    precise float total = s_hi[0] + s_lo[0];
    float log_total = log(total);
    for (uint j = tid; j < p.n; j += THREADS) {
        float d = x[xb + int(j) * p.sx1] - m;
        o[ob + int(j) * p.so1] = p.log_softmax != 0u ? d - log_total : exp_cephes(d) / total;
    }
}
