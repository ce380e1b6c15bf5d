#version 450
#extension GL_EXT_control_flow_attributes : require
// C = alpha·A·B + beta·C0, float32, for operands the host found aligned to
// four floats (every matrix's contiguous axis has stride 1 and an extent,
// offset and other strides that are multiples of 4; C and C0 row-major):
// matmul.comp's scheme with every global and shared-memory access four
// floats wide. A workgroup computes a BM×BN block of C in K-tiles of BK,
// shared memory double-buffered (one barrier per K-tile; the next tile is
// loaded into registers while this one is multiplied). Each invocation
// keeps an 8×8 register block: rows {tm·4 .. tm·4+3} and {32+tm·4 ..} of
// its subgroup's 64×32 tile, columns {tn·4 ..} and {16+tn·4 ..}, so that
// one 16-byte shared load feeds 4 (A) or 4 (B) of the 64 FMAs per k, and
// the 32 invocations of a subgroup read 8 consecutive vec4 of A and 4 of
// B (no bank conflicts). The warp tiling of CUTLASS's SIMT sgemm; see also
// S. Boehm, "How to optimize a CUDA matmul kernel for cuBLAS-like
// performance" (2022), kernels 6 and 10. The tile sizes are
// specialization constants that the host picks from the device's limits
// and the product's size (vk_plugin.c, mm4_tiles). Flags: 1 beta term.
layout(constant_id = 0) const bool A_KC = true;  // A k-contiguous, else m-contiguous
layout(constant_id = 1) const bool B_KC = false; // B k-contiguous, else n-contiguous
layout(constant_id = 2) const uint BM = 128;     // a multiple of 64 (subgroup tiles of 64 rows)
layout(constant_id = 3) const uint BN = 64;      // a multiple of 32
layout(constant_id = 4) const uint BK = 16;      // a multiple of 4
// THREADS = (BM / 64)·(BN / 32)·32, passed by the host as the workgroup size
layout(local_size_x_id = 5) in;
const uint WARPS_N = BN / 32u;                   // subgroup tiles of 64×32 across a workgroup tile
const uint THREADS = BM / 64u * WARPS_N * 32u;
const uint A_V = BM * BK / 4u / THREADS;         // vec4 of A per invocation per K-tile
const uint B_V = BN * BK / 4u / THREADS;
const uint PAD = 1u;                             // a vec4 of padding per row: transposed stores spread over the banks

layout(std430, binding = 0) readonly buffer A { vec4 a[]; };
layout(std430, binding = 1) readonly buffer B { vec4 b[]; };
layout(std430, binding = 2) readonly buffer C0 { vec4 c0[]; };
layout(std430, binding = 3) writeonly buffer C { vec4 c[]; };

layout(push_constant) uniform Params {
    uint m, n, k, flags;
    int sa0, sa1, sb0, sb1;     // element strides of A (m, k) and B (k, n)
    int sc0, sc1, sd0, sd1;     // of C and of C0
    int ba, bb, bc, bd;         // batch strides (z)
    uint oa, ob, oc, od;        // offsets (elements)
    float alpha, beta;
} p;

shared vec4 As[2][BK][BM / 4 + PAD]; // As[s][k][m/4]: A's tile, m four at a time
shared vec4 Bs[2][BK][BN / 4 + PAD];

void main()
{
    uint t = gl_LocalInvocationID.x;
    uint warp = t >> 5, lane = t & 31u;
    uint am = (warp / WARPS_N) * 16u + (lane >> 2); // this invocation's first vec4 of As (of 32 per row)
    uint bn = (warp % WARPS_N) * 8u + (lane & 3u);  // and of Bs
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN, z = gl_WorkGroupID.z;
    int abase = int(p.oa) + int(z) * p.ba, bbase = int(p.ob) + int(z) * p.bb;
    const bool a_kc = A_KC, b_kc = B_KC;

    vec4 acc[8][2];
    [[unroll]] for (uint i = 0; i < 8; i++) acc[i][0] = acc[i][1] = vec4(0.0);
    vec4 ra[A_V], rb[B_V];

    // vec4 e of a tile: along A's (B's) contiguous axis, whichever it is
    #define LOAD(k0)                                                                             \
        [[unroll]] for (uint q = 0; q < A_V; q++) {                                             \
            uint e = t + q * THREADS;                                                           \
            uint mm = a_kc ? e / (BK / 4) : (e % (BM / 4)) * 4u;                                \
            uint kk = a_kc ? (e % (BK / 4)) * 4u : e / (BM / 4);                                \
            uint gm = m0 + mm, gk = (k0) + kk;                                                  \
            ra[q] = gm < p.m && gk < p.k ? a[(abase + int(gm) * p.sa0 + int(gk) * p.sa1) >> 2] : vec4(0.0); \
        }                                                                                       \
        [[unroll]] for (uint q = 0; q < B_V; q++) {                                             \
            uint e = t + q * THREADS;                                                           \
            uint nn = b_kc ? e / (BK / 4) : (e % (BN / 4)) * 4u;                                \
            uint kk = b_kc ? (e % (BK / 4)) * 4u : e / (BN / 4);                                \
            uint gn = n0 + nn, gk = (k0) + kk;                                                  \
            rb[q] = gn < p.n && gk < p.k ? b[(bbase + int(gk) * p.sb0 + int(gn) * p.sb1) >> 2] : vec4(0.0); \
        }
    // k-contiguous vec4s are transposed into four rows of the tile
    #define STORE(s)                                                                             \
        [[unroll]] for (uint q = 0; q < A_V; q++) {                                             \
            uint e = t + q * THREADS;                                                           \
            if (a_kc) {                                                                         \
                uint mm = e / (BK / 4), kk = (e % (BK / 4)) * 4u;                               \
                [[unroll]] for (uint j = 0; j < 4; j++) As[s][kk + j][mm >> 2][mm & 3u] = ra[q][j]; \
            } else {                                                                            \
                As[s][e / (BM / 4)][e % (BM / 4)] = ra[q];                                      \
            }                                                                                   \
        }                                                                                       \
        [[unroll]] for (uint q = 0; q < B_V; q++) {                                             \
            uint e = t + q * THREADS;                                                           \
            if (b_kc) {                                                                         \
                uint nn = e / (BK / 4), kk = (e % (BK / 4)) * 4u;                               \
                [[unroll]] for (uint j = 0; j < 4; j++) Bs[s][kk + j][nn >> 2][nn & 3u] = rb[q][j]; \
            } else {                                                                            \
                Bs[s][e / (BN / 4)][e % (BN / 4)] = rb[q];                                      \
            }                                                                                   \
        }

    LOAD(0u)
    STORE(0u)
    barrier();
    uint tiles = (p.k + BK - 1) / BK;
    for (uint tile = 0; tile < tiles; tile++) {
        uint s = tile & 1u;
        if (tile + 1 < tiles) { LOAD((tile + 1) * BK) }
        [[unroll]] for (uint kk = 0; kk < BK; kk++) {
            vec4 a0 = As[s][kk][am], a1 = As[s][kk][am + 8u];
            vec4 b0 = Bs[s][kk][bn], b1 = Bs[s][kk][bn + 4u];
            [[unroll]] for (uint i = 0; i < 4; i++) {
                acc[i][0] = fma(vec4(a0[i]), b0, acc[i][0]);
                acc[i][1] = fma(vec4(a0[i]), b1, acc[i][1]);
                acc[i + 4][0] = fma(vec4(a1[i]), b0, acc[i + 4][0]);
                acc[i + 4][1] = fma(vec4(a1[i]), b1, acc[i + 4][1]);
            }
        }
        if (tile + 1 < tiles) { STORE(s ^ 1u) }
        barrier();
    }

    int cbase = int(p.oc) + int(z) * p.bc, dbase = int(p.od) + int(z) * p.bd;
    // unrolled with no `continue`: acc must stay in registers
    [[unroll]] for (uint i = 0; i < 8; i++) {
        uint gm = m0 + am * 4u + (i & 3u) + (i >> 2) * 32u;
        [[unroll]] for (uint h = 0; h < 2; h++) {
            uint gn = n0 + bn * 4u + h * 16u;
            if (gm < p.m && gn < p.n) {
                vec4 v = p.alpha * acc[i][h];
                if ((p.flags & 1u) != 0u) v += p.beta * c0[(dbase + int(gm) * p.sd0 + int(gn)) >> 2];
                c[(cbase + int(gm) * p.sc0 + int(gn)) >> 2] = v;
            }
        }
    }
}
