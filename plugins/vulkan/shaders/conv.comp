#version 450
// CONV2D of float32: x (N, C, H, W) with any strides, w (O, C/groups, kh,
// kw) contiguous, bias (O) with a stride, out (N, O, OH, OW) with any
// strides; stride, padding, dilation and groups as
// torch.nn.functional.conv2d. Direct: one invocation per output element,
// a float32 fused multiply-add over its C/groups × kh × kw taps (what the
// reference sums in float64). The 64 invocations of a workgroup share an
// output channel and neighbouring pixels, so they read the same weights
// (broadcast) and nearby inputs (cached).
layout(local_size_x_id = 0) in; // 64, from the plugin

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };

layout(push_constant) uniform Params {
    uint total, rows;             // output elements; invocations per grid row (y)
    int C, H, W, OC, OH, OW, kh, kw;
    int sh, sw, ph, pw, dh, dw, groups;
    int sx0, sx1, sx2, sx3, sb, so0, so1, so2, so3;
    uint ox, ow, ob, oo;
} p;

void main()
{
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * p.rows;
    if (i >= p.total) return;
    int ix = int(i % uint(p.OW)), rest = int(i / uint(p.OW));
    int iy = rest % p.OH;
    rest /= p.OH;
    int oc = rest % p.OC, n = rest / p.OC;
    int cg = p.C / p.groups, g = oc / (p.OC / p.groups);
    float v = b[int(p.ob) + oc * p.sb];
    int wbase = int(p.ow) + oc * cg * p.kh * p.kw;
    for (int c = 0; c < cg; c++) {
        int xbase = int(p.ox) + n * p.sx0 + (g * cg + c) * p.sx1;
        for (int ky = 0; ky < p.kh; ky++) {
            int y = iy * p.sh - p.ph + ky * p.dh;
            if (y < 0 || y >= p.H) continue;
            for (int kx = 0; kx < p.kw; kx++) {
                int xx = ix * p.sw - p.pw + kx * p.dw;
                if (xx < 0 || xx >= p.W) continue;
                v = fma(x[xbase + y * p.sx2 + xx * p.sx3], w[wbase + (c * p.kh + ky) * p.kw + kx], v);
            }
        }
    }
    o[int(p.oo) + n * p.so0 + oc * p.so1 + iy * p.so2 + ix * p.so3] = v;
}
