#version 450
// MAX_POOL2D, AVG_POOL2D and ADAPTIVE_AVG_POOL2D of float32 (N, C, H, W)
// with any strides, as the reference computes them: one invocation per
// output element (n, c, oy, ox), a float32 maximum or sum over its window.
// max: padding is -inf, a NaN in the window wins (torch.nn.functional
// .max_pool2d); avg: PyTorch's divisor (the window clipped to the padded
// input, or to the input without count_include_pad); adaptive: bins
// [floor(i·H/OH), ceil((i+1)·H/OH)).
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };

layout(push_constant) uniform Params {
    uint total, op, rows, pad0;   // op: 0 max, 1 avg, 2 adaptive avg; rows: invocations per grid row (y)
    int C, H, W, OH, OW;
    int kh, kw, sh, sw, ph, pw, dh, dw, count_pad;
    int sx0, sx1, sx2, sx3, so0, so1, so2, so3;
    uint ox, oo;
} p;

void main()
{
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * p.rows;
    if (i >= p.total) return;
    int ix = int(i % uint(p.OW)), rest = int(i / uint(p.OW));
    int iy = rest % p.OH;
    rest /= p.OH;
    int c = rest % p.C, n = rest / p.C;
    int base = int(p.ox) + n * p.sx0 + c * p.sx1;
    float v;
    if (p.op == 0u) {
        v = uintBitsToFloat(0xff800000u); // -inf
        bool nan = false;
        for (int ky = 0; ky < p.kh && !nan; ky++) {
            int y = iy * p.sh - p.ph + ky * p.dh;
            if (y < 0 || y >= p.H) continue;
            for (int kx = 0; kx < p.kw; kx++) {
                int xx = ix * p.sw - p.pw + kx * p.dw;
                if (xx < 0 || xx >= p.W) continue;
                float e = x[base + y * p.sx2 + xx * p.sx3];
                if (isnan(e)) { v = e; nan = true; break; }
                v = max(v, e);
            }
        }
    } else {
        int y0, y1, x0, x1;
        float divisor;
        if (p.op == 1u) {
            y0 = iy * p.sh - p.ph; x0 = ix * p.sw - p.pw;
            y1 = min(y0 + p.kh, p.H + p.ph); x1 = min(x0 + p.kw, p.W + p.pw);
            int pool = (y1 - y0) * (x1 - x0);
            y0 = max(y0, 0); x0 = max(x0, 0); y1 = min(y1, p.H); x1 = min(x1, p.W);
            divisor = float(p.count_pad != 0 ? pool : (y1 - y0) * (x1 - x0));
        } else {
            y0 = iy * p.H / p.OH; y1 = ((iy + 1) * p.H + p.OH - 1) / p.OH;
            x0 = ix * p.W / p.OW; x1 = ((ix + 1) * p.W + p.OW - 1) / p.OW;
            divisor = float((y1 - y0) * (x1 - x0));
        }
        float s = 0.0;
        for (int y = y0; y < y1; y++)
            for (int xx = x0; xx < x1; xx++) s += x[base + y * p.sx2 + xx * p.sx3];
        v = s / divisor;
    }
    o[int(p.oo) + n * p.so0 + c * p.so1 + iy * p.so2 + ix * p.so3] = v;
}
