#version 450
// layer_norm / rms_norm of float32 rows along the last axis, one workgroup
// per row, as the reference computes them: the mean, then the variance
// about it in a second pass (rms_norm: the mean square alone), each a
// compensated sum (Kahan per invocation, TwoSum tree, as softmax.comp), then
// o = (x − mean)·inversesqrt(var + eps)·w + b. inversesqrt is within 2 ULP
// (Vulkan's bound), far inside the 1e-6 of the result's scale these ops are
// held to. A NaN or ±inf in a row makes the row NaN, as in the reference.
layout(local_size_x = 256) in;
#define THREADS 256u

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };

layout(push_constant) uniform Params {
    uint n, rms, rows, pad;
    int sx0, sx1, so0, so1;
    uint ox, oo, ow, ob;
    float eps;
} p;

shared float s_hi[THREADS], s_lo[THREADS];

// The workgroup's total of every invocation's (hi, lo) pair.
float workgroup_sum(uint tid, float hi, float lo)
{
    s_hi[tid] = hi;
    s_lo[tid] = -lo;
    barrier();
    for (uint h = THREADS / 2u; h > 0u; h >>= 1u) {
        if (tid < h) {
            precise float a = s_hi[tid], c = s_hi[tid + h];
            precise float s = a + c;
            precise float cc = s - a;
            precise float err = isinf(s) || isnan(s) ? 0.0 : (a - (s - cc)) + (c - cc);
            s_hi[tid] = s;
            s_lo[tid] = s_lo[tid] + s_lo[tid + h] + err;
        }
        barrier();
    }
    precise float total = s_hi[0] + s_lo[0];
    barrier(); // s_hi is reused by the next sum
    return total;
}

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    uint tid = gl_LocalInvocationID.x;
    int xb = int(p.ox) + int(row) * p.sx0, ob = int(p.oo) + int(row) * p.so0;

    float mean = 0.0;
    if (p.rms == 0u) {
        precise float hi = 0.0, lo = 0.0;
        for (uint j = tid; j < p.n; j += THREADS) {
            precise float y = x[xb + int(j) * p.sx1] - lo;
            precise float t = hi + y;
            lo = isinf(t) || isnan(t) ? 0.0 : (t - hi) - y;
            hi = t;
        }
        mean = workgroup_sum(tid, hi, lo) / float(p.n);
    }
    precise float hi = 0.0, lo = 0.0;
    for (uint j = tid; j < p.n; j += THREADS) {
        float d = x[xb + int(j) * p.sx1] - mean;
        precise float y = d * d - lo;
        precise float t = hi + y;
        lo = isinf(t) || isnan(t) ? 0.0 : (t - hi) - y;
        hi = t;
    }
    float inv = inversesqrt(workgroup_sum(tid, hi, lo) / float(p.n) + p.eps);
    for (uint j = tid; j < p.n; j += THREADS) {
        float v = (x[xb + int(j) * p.sx1] - mean) * inv * w[p.ow + j];
        o[ob + int(j) * p.so1] = p.rms != 0u ? v : v + b[p.ob + j];
    }
}
