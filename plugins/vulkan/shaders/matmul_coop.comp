#version 450
#extension GL_NV_cooperative_matrix : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_control_flow_attributes : require
// C = alpha·A·B + beta·C0 for float16 A, B, C0 and C through
// VK_NV_cooperative_matrix (tensor cores on NVIDIA): 16×16×16 products of
// float16 fragments summed in float32, C rounded once to float16. Opt-in
// (TRUENO_VULKAN_COOPERATIVE_MATRIX=1): the fragments' products are
// exact, but the order of the float32 sums is the hardware's. A workgroup
// of four 32-wide subgroups computes a 128×128 block of C, each subgroup
// 64×64 as 4×4 fragments loaded straight from the buffers (no shared
// memory). The host passes m, n, k multiples of 16 and offsets and leading
// dimensions multiples of 8 elements (the extension's 16-byte alignment);
// the layouts are specialization constants, since a fragment load's
// column-major flag must be a constant. Built without glslc -O: Debian
// 12's optimizer crashes on it; the driver's compiler optimizes.
layout(local_size_x = 128) in;
layout(constant_id = 0) const bool A_KC = true;  // A k-contiguous (row-major), else m-contiguous
layout(constant_id = 1) const bool B_KC = false; // B k-contiguous, else n-contiguous (row-major)
layout(std430, binding = 0) readonly buffer A { float16_t a[]; };
layout(std430, binding = 1) readonly buffer B { float16_t b[]; };
layout(std430, binding = 2) readonly buffer C0 { float16_t c0[]; };
layout(std430, binding = 3) writeonly buffer C { float16_t c[]; };
layout(push_constant) uniform Params {
    uint m, n, k, flags;
    int sa0, sa1, sb0, sb1;
    int sc0, sc1, sd0, sd1;
    int ba, bb, bc, bd;
    uint oa, ob, oc, od;
    float alpha, beta;
} p;
#define F16 fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define F32 fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define FM 4 // fragments per subgroup along m
#define FN 4 // and along n: a subgroup's block is 64×64, the workgroup's 128×128
void main()
{
    uint sg = gl_LocalInvocationID.x / 32u; // assumes 32-wide subgroups (the host checks)
    uint m0 = gl_WorkGroupID.y * (32u * FM) + (sg >> 1) * (16u * FM);
    uint n0 = gl_WorkGroupID.x * (32u * FN) + (sg & 1u) * (16u * FN);
    uint z = gl_WorkGroupID.z;
    if (m0 >= p.m || n0 >= p.n) return;
    uint abase = p.oa + z * uint(p.ba), bbase = p.ob + z * uint(p.bb);
    uint lda = uint(A_KC ? p.sa0 : p.sa1), ldb = uint(B_KC ? p.sb1 : p.sb0);
    // fragments past the edge (m, n multiples of 16) load the last one again
    // instead of reading outside the operand; their sums are not stored
    uint rows[FM], cols[FN];
    [[unroll]] for (uint i = 0; i < FM; i++) rows[i] = min(m0 + 16u * i, p.m - 16u);
    [[unroll]] for (uint j = 0; j < FN; j++) cols[j] = min(n0 + 16u * j, p.n - 16u);
    F32 acc[FM][FN];
    [[unroll]] for (uint i = 0; i < FM; i++) [[unroll]] for (uint j = 0; j < FN; j++) acc[i][j] = F32(0.0);
    for (uint k0 = 0; k0 < p.k; k0 += 16u) {
        F16 fa[FM], fb[FN];
        [[unroll]] for (uint i = 0; i < FM; i++) {
            if (A_KC) coopMatLoadNV(fa[i], a, abase + rows[i] * lda + k0, lda, false);
            else coopMatLoadNV(fa[i], a, abase + k0 * lda + rows[i], lda, true);
        }
        [[unroll]] for (uint j = 0; j < FN; j++) {
            if (B_KC) coopMatLoadNV(fb[j], b, bbase + cols[j] * ldb + k0, ldb, true);
            else coopMatLoadNV(fb[j], b, bbase + k0 * ldb + cols[j], ldb, false);
        }
        [[unroll]] for (uint i = 0; i < FM; i++)
            [[unroll]] for (uint j = 0; j < FN; j++) acc[i][j] = coopMatMulAddNV(fa[i], fb[j], acc[i][j]);
    }
    [[unroll]] for (uint i = 0; i < FM; i++)
        [[unroll]] for (uint j = 0; j < FN; j++) {
            uint r = m0 + 16u * i, q = n0 + 16u * j;
            if (r < p.m && q < p.n) {
                F32 v = acc[i][j] * p.alpha;
                if ((p.flags & 1u) != 0u) {
                    F16 h;
                    coopMatLoadNV(h, c0, p.od + z * uint(p.bd) + r * uint(p.sd0) + q, uint(p.sd0), false);
                    v = v + F32(h) * p.beta;
                }
                coopMatStoreNV(F16(v), c, p.oc + z * uint(p.bc) + r * uint(p.sc0) + q, uint(p.sc0), false);
            }
        }
}
