#version 450
// Reductions of float32 rows along the last axis, one workgroup per row:
// sum and mean (compensated: each invocation keeps a Kahan sum of its
// strided share, the shares are combined by a tree of TwoSums, Knuth TAOCP
// vol. 2, 4.2.2; `precise` keeps the compiler from reassociating them),
// amax/amin (NaN propagates, as NumPy) and argmax/argmin (first occurrence,
// the first NaN wins; int64 output written as two 32-bit words).
layout(local_size_x = 256) in;
#define THREADS 256u

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(std430, binding = 2) writeonly buffer OI { uint oi[]; };

layout(push_constant) uniform Params {
    uint n, op, rows, pad;
    int sx0, sx1, so0, pad2;
    uint ox, oo;
} p;

const uint SUM = 0u, MEAN = 1u, AMAX = 2u, AMIN = 3u, ARGMAX = 4u, ARGMIN = 5u;

shared float s_hi[THREADS], s_lo[THREADS];
shared uint s_at[THREADS];

// does (a, ia) win over (b, ib)? NONE (ib = ~0) loses to everything
bool wins(float a, uint ia, float b, uint ib)
{
    if (ia == 0xffffffffu) return false;
    if (ib == 0xffffffffu) return true;
    bool na = isnan(a), nb = isnan(b);
    if (na || nb) return na && (!nb || ia < ib);
    bool max_op = p.op == AMAX || p.op == ARGMAX;
    if (a != b) return max_op ? a > b : a < b;
    return ia < ib;
}

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    uint tid = gl_LocalInvocationID.x;
    int base = int(p.ox) + int(row) * p.sx0;
    bool is_sum = p.op == SUM || p.op == MEAN;
    precise float hi = 0.0, lo = 0.0;
    float best = 0.0;
    uint at = 0xffffffffu;
    for (uint j = tid; j < p.n; j += THREADS) {
        float v = x[base + int(j) * p.sx1];
        if (is_sum) {
            precise float y = v - lo;
            precise float t = hi + y;
            lo = isinf(t) ? 0.0 : (t - hi) - y;   // past an infinity there is nothing to compensate
            hi = t;
        } else if (wins(v, j, best, at)) {
            best = v;
            at = j;
        }
    }
    s_hi[tid] = is_sum ? hi : best;
    s_lo[tid] = -lo;
    s_at[tid] = at;
    barrier();
    for (uint half_ = THREADS / 2u; half_ > 0u; half_ >>= 1u) {
        if (tid < half_) {
            if (is_sum) {
                precise float a = s_hi[tid], b = s_hi[tid + half_];
                precise float s = a + b;
                precise float bb = s - a;
                precise float err = isinf(s) ? 0.0 : (a - (s - bb)) + (b - bb);
                s_hi[tid] = s;
                s_lo[tid] = s_lo[tid] + s_lo[tid + half_] + err;
            } else if (wins(s_hi[tid + half_], s_at[tid + half_], s_hi[tid], s_at[tid])) {
                s_hi[tid] = s_hi[tid + half_];
                s_at[tid] = s_at[tid + half_];
            }
        }
        barrier();
    }
    if (tid == 0u) {
        int dst = int(p.oo) + int(row) * p.so0;
        if (is_sum) {
            precise float total = isinf(s_hi[0]) ? s_hi[0] : s_hi[0] + s_lo[0];
            o[dst] = p.op == MEAN ? total / float(p.n) : total;
        } else if (p.op == AMAX || p.op == AMIN) {
            o[dst] = s_hi[0];
        } else {
            oi[2 * dst] = s_at[0];
            oi[2 * dst + 1] = 0u;
        }
    }
}
