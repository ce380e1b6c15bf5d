#version 450
#extension GL_EXT_control_flow_attributes : require
// torch.topk along the last axis of float32 rows, k <= KMAX: one
// workgroup per row. Each of the 128 invocations keeps the k best of its
// strided share of the row (elements tid, tid + 128, ...; insertion into a
// sorted private list), then the 128·KMAX survivors are sorted in shared
// memory by a bitonic network (Batcher, "Sorting networks and their
// applications", AFIPS 1968) and the first k are written. Order: the
// larger (largest = 1) or smaller value first, NaN the largest value,
// equal values by index, as the reference backend's stable sort. Indices
// are written as int64 (two 32-bit words: an index is below 2^31).
layout(local_size_x = 128) in;
#define THREADS 128
#define KMAX 32
#define SLOTS (THREADS * KMAX)     // 4096: a power of two
#define NONE 0xffffffffu

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer V { float v[]; };
layout(std430, binding = 2) writeonly buffer I { uint idx[]; };   // int64 as (low, high) words

layout(push_constant) uniform Params {
    uint n, k, largest, rows;
    int sx0, sx1, sv0, sv1, si0, si1;
    uint ox, ov, oi;
} p;

shared float sval[SLOTS];
shared uint sidx[SLOTS];

// is (a, ia) strictly before (b, ib)? NONE marks an empty slot, after everything
bool before(float a, uint ia, float b, uint ib)
{
    if (ia == NONE) return false;
    if (ib == NONE) return true;
    bool na = isnan(a), nb = isnan(b);
    if (na || nb) {
        if (na && nb) return ia < ib;
        return p.largest != 0u ? na : nb;
    }
    if (a != b) return p.largest != 0u ? a > b : a < b;
    return ia < ib;
}

void main()
{
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;   // uniform over the workgroup
    uint tid = gl_LocalInvocationID.x;
    float lv[KMAX];
    uint li[KMAX];
    [[unroll]] for (uint q = 0; q < KMAX; q++) li[q] = NONE;
    int base = int(p.ox) + int(row) * p.sx0;
    for (uint j = tid; j < p.n; j += THREADS) {
        float a = x[base + int(j) * p.sx1];
        if (!before(a, j, lv[p.k - 1], li[p.k - 1])) continue;
        uint pos = p.k - 1;
        while (pos > 0 && before(a, j, lv[pos - 1], li[pos - 1])) {
            lv[pos] = lv[pos - 1];
            li[pos] = li[pos - 1];
            pos--;
        }
        lv[pos] = a;
        li[pos] = j;
    }
    for (uint q = 0; q < KMAX; q++) {
        sval[tid * KMAX + q] = q < p.k ? lv[q] : 0.0;
        sidx[tid * KMAX + q] = q < p.k ? li[q] : NONE;
    }
    barrier();
    // bitonic sort of SLOTS entries, THREADS invocations, SLOTS/2 pairs per step
    for (uint size = 2; size <= SLOTS; size <<= 1) {
        for (uint stride = size >> 1; stride > 0; stride >>= 1) {
            for (uint t = tid; t < SLOTS / 2; t += THREADS) {
                uint lo = 2 * t - (t & (stride - 1)), hi = lo + stride;
                bool up = (lo & size) == 0;
                float a = sval[lo], b = sval[hi];
                uint ia = sidx[lo], ib = sidx[hi];
                if (before(b, ib, a, ia) == up) {
                    sval[lo] = b; sidx[lo] = ib;
                    sval[hi] = a; sidx[hi] = ia;
                }
            }
            barrier();
        }
    }
    for (uint q = tid; q < p.k; q += THREADS) {
        v[int(p.ov) + int(row) * p.sv0 + int(q) * p.sv1] = sval[q];
        int at = int(p.oi) + int(row) * p.si0 + int(q) * p.si1;
        idx[2 * at] = sidx[q];
        idx[2 * at + 1] = 0u;
    }
}
