#version 450
#extension GL_EXT_control_flow_attributes : require
// C = alpha·A·B + beta·C0 for float32 views with any strides (a batch of
// such products along z): tiled through shared memory with a register
// block per invocation, the next K-tile loaded from global memory into
// registers while the current one is multiplied (double buffering in
// shared memory, one barrier per K-tile). The classic scheme of Volkov &
// Demmel, "Benchmarking GPUs to tune dense linear algebra" (SC'08), as in
// CUTLASS's SIMT sgemm. 16×16 invocations, each a TM×TN register block:
// a BM×BN = 16·TM × 16·TN block tile, K-tiles of BK = 8. TM = TN is fixed
// at build time (glslc -DTM=4 or 8: one SPIR-V module each; the plugin
// picks one from the device's limits): every array here then has a size
// known before specialization, and every loop over the register block is
// unrolled, so the block stays in registers.
// FLOAT16 or BFLOAT16 (with TM=4): 16-bit operands, two to a 32-bit word,
// widened to float32 as they are loaded and C rounded once from the
// float32 sum; each invocation owns pairs of adjacent columns, so that it
// writes whole words (the host passes C with unit column stride and an
// even width, row stride and offset).
layout(local_size_x = 256) in;
#ifndef TM
#define TM 4
#endif
#define TN TM
#define BM (16 * TM)
#define BN (16 * TN)
#define BK 8
#define THREADS 256
#define A_PER (BM * BK / THREADS)
#define B_PER (BN * BK / THREADS)

#if defined(FLOAT16) || defined(BFLOAT16)
#include "half.glsl"
layout(std430, binding = 0) readonly buffer A { uint a[]; };
layout(std430, binding = 1) readonly buffer B { uint b[]; };
layout(std430, binding = 2) readonly buffer C0 { uint c0[]; };
layout(std430, binding = 3) writeonly buffer C { uint c[]; };
// element i of a buffer of 16-bit values
#define AT(buf, i) widen((buf[uint(i) >> 1] >> ((uint(i) & 1u) * 16u)) & 0xffffu)
// column j of an invocation's block: pairs of adjacent columns
#define COL(j) (2u * tx + ((j) & 1u) + ((j) >> 1) * (2u * BN / TN))
#else
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer C0 { float c0[]; };
layout(std430, binding = 3) writeonly buffer C { float c[]; };
#define AT(buf, i) buf[i]
#define COL(j) (tx + (j) * (BN / TN))
#endif

layout(push_constant) uniform Params {
    uint m, n, k, flags;        // flags: 1 beta term, 2 A k-contiguous, 4 B k-contiguous
    int sa0, sa1, sb0, sb1;     // element strides of A (m, k) and B (k, n)
    int sc0, sc1, sd0, sd1;     // of C and of C0
    int ba, bb, bc, bd;         // batch strides (z)
    uint oa, ob, oc, od;        // offsets
    float alpha, beta;
} p;

shared float As[2][BK][BM + 1];
shared float Bs[2][BK][BN + 1];


void main()
{
    uint t = gl_LocalInvocationID.x;
    uint tx = t % (BN / TN), ty = t / (BN / TN);
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN, z = gl_WorkGroupID.z;
    int abase = int(p.oa) + int(z) * p.ba, bbase = int(p.ob) + int(z) * p.bb;
    bool a_kc = (p.flags & 2u) != 0u, b_kc = (p.flags & 4u) != 0u;

    float acc[TM][TN];
    [[unroll]] for (uint i = 0; i < TM; i++)
        [[unroll]] for (uint j = 0; j < TN; j++) acc[i][j] = 0.0;
    float ra[A_PER], rb[B_PER];

    // element e of a tile: k-major or k-minor order, whichever reads memory contiguously
    #define LOAD(k0)                                                                       \
        [[unroll]] for (uint q = 0; q < A_PER; q++) {                                                 \
            uint e = t + q * THREADS, mm = a_kc ? e / BK : e % BM, kk = a_kc ? e % BK : e / BM; \
            uint gm = m0 + mm, gk = (k0) + kk;                                             \
            ra[q] = gm < p.m && gk < p.k ? AT(a, abase + int(gm) * p.sa0 + int(gk) * p.sa1) : 0.0; \
        }                                                                                  \
        [[unroll]] for (uint q = 0; q < B_PER; q++) {                                                 \
            uint e = t + q * THREADS, nn = b_kc ? e / BK : e % BN, kk = b_kc ? e % BK : e / BN; \
            uint gn = n0 + nn, gk = (k0) + kk;                                             \
            rb[q] = gn < p.n && gk < p.k ? AT(b, bbase + int(gk) * p.sb0 + int(gn) * p.sb1) : 0.0; \
        }
    #define STORE(s)                                                                       \
        [[unroll]] for (uint q = 0; q < A_PER; q++) {                                                 \
            uint e = t + q * THREADS;                                                      \
            As[s][a_kc ? e % BK : e / BM][a_kc ? e / BK : e % BM] = ra[q]; \
        }                                                                                  \
        [[unroll]] for (uint q = 0; q < B_PER; q++) {                                                 \
            uint e = t + q * THREADS;                                                      \
            Bs[s][b_kc ? e % BK : e / BN][b_kc ? e / BK : e % BN] = rb[q]; \
        }

    LOAD(0u)
    STORE(0u)
    barrier();
    uint tiles = (p.k + BK - 1) / BK;
    for (uint tile = 0; tile < tiles; tile++) {
        uint s = tile & 1u;
        if (tile + 1 < tiles) { LOAD((tile + 1) * BK) }
        [[unroll]] for (uint kk = 0; kk < BK; kk++) {
            float fa[TM], fb[TN];
            [[unroll]] for (uint i = 0; i < TM; i++) fa[i] = As[s][kk][ty + i * (BM / TM)];
            [[unroll]] for (uint j = 0; j < TN; j++) fb[j] = Bs[s][kk][COL(j)];
            [[unroll]] for (uint i = 0; i < TM; i++)
                [[unroll]] for (uint j = 0; j < TN; j++) acc[i][j] = fma(fa[i], fb[j], acc[i][j]);
        }
        if (tile + 1 < tiles) { STORE(s ^ 1u) }
        barrier();
    }

    int cbase = int(p.oc) + int(z) * p.bc, dbase = int(p.od) + int(z) * p.bd;
    // no `continue` here: it would stop the unrolling, and an acc indexed at
    // run time lives in local memory (the whole kernel then ran at 2 TFLOP/s)
    [[unroll]] for (uint i = 0; i < TM; i++) {
        uint gm = m0 + ty + i * (BM / TM);
#if defined(FLOAT16) || defined(BFLOAT16)
        [[unroll]] for (uint j = 0; j < TN; j += 2) {
            uint gn = n0 + COL(j); // even; gn + 1 < n with it, n being even
            if (gm < p.m && gn < p.n) {
                vec2 v = p.alpha * vec2(acc[i][j], acc[i][j + 1]);
                if ((p.flags & 1u) != 0u) {
                    int d0 = dbase + int(gm) * p.sd0 + int(gn) * p.sd1;
                    v += p.beta * vec2(AT(c0, d0), AT(c0, d0 + p.sd1));
                }
                c[uint(cbase + int(gm) * p.sc0 + int(gn)) >> 1] = narrow(v.x) | (narrow(v.y) << 16);
            }
        }
#else
        [[unroll]] for (uint j = 0; j < TN; j++) {
            uint gn = n0 + COL(j);
            if (gm < p.m && gn < p.n) {
                float v = p.alpha * acc[i][j];
                if ((p.flags & 1u) != 0u) v += p.beta * c0[dbase + int(gm) * p.sd0 + int(gn) * p.sd1];
                c[cbase + int(gm) * p.sc0 + int(gn) * p.sc1] = v;
            }
        }
#endif
    }
}
