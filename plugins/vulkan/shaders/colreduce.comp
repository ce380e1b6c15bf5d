#version 450
// Reductions over a run of axes followed by kept ones (sum(axis=0) of a
// matrix): the contiguous input seen as (outer, rows, inner), one
// invocation per kept element (outer·inner of them) walking its column down
// the rows, neighbours reading neighbouring addresses: sum and mean with a
// Kahan sum (`precise`), amax/amin (NaN propagates, as NumPy) and
// argmax/argmin (first occurrence, the first NaN wins; int64 output written
// as two 32-bit words), the semantics of reduce.comp along rows.
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(std430, binding = 2) writeonly buffer OI { uint oi[]; };

layout(push_constant) uniform Params {
    uint rows, inner, outputs, op;
    uint ox, oo;            // offsets in elements
} p;

const uint SUM = 0u, MEAN = 1u, AMAX = 2u, AMIN = 3u, ARGMAX = 4u, ARGMIN = 5u;

void main()
{
    uint k = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    if (k >= p.outputs) return;
    uint base = p.ox + (k / p.inner) * p.rows * p.inner + k % p.inner;
    if (p.op == SUM || p.op == MEAN) {
        precise float hi = 0.0, lo = 0.0;
        for (uint r = 0u; r < p.rows; r++) {
            precise float y = x[base + r * p.inner] - lo;
            precise float t = hi + y;
            lo = isinf(t) ? 0.0 : (t - hi) - y;   // past an infinity there is nothing to compensate
            hi = t;
        }
        precise float total = isinf(hi) ? hi : hi - lo;
        o[p.oo + k] = p.op == MEAN ? total / float(p.rows) : total;
        return;
    }
    bool max_op = p.op == AMAX || p.op == ARGMAX;
    float best = x[base];
    uint at = 0u;
    for (uint r = 1u; r < p.rows && !isnan(best); r++) {
        float v = x[base + r * p.inner];
        if (isnan(v) || (max_op ? v > best : v < best)) {
            best = v;
            at = r;
        }
    }
    if (p.op == AMAX || p.op == AMIN) {
        o[p.oo + k] = best;
    } else {
        oi[2u * (p.oo + k)] = at;
        oi[2u * (p.oo + k) + 1u] = 0u;
    }
}
