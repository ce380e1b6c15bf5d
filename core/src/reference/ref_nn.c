/*
 * ref_nn.c — the torch.nn.functional ops for the reference backend:
 * conv2d (direct), max/avg/adaptive-avg pooling, batch/layer/rms/group
 * norm, cosine similarity, dropout (Philox4x32-10) and the losses. All
 * arithmetic in float64, rounded once to the output.
 */
#include <math.h>
#include <string.h>

#include "../internal.h"
#include "ref_kernels.h"

#define LD(t, off) tn_load_f64((t)->buffer, (t)->dtype, (off))
#define AT4(t, a, b, c, d) ((t)->offset + (a) * (t)->strides[0] + (b) * (t)->strides[1] + \
                            (c) * (t)->strides[2] + (d) * (t)->strides[3])

/* ---- conv2d and pooling: one work item per (n, channel, output row) ----- */

static void conv_pool_rows(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = arg;
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    const int64_t *p = op->params->ints;
    int64_t C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t OC = o->shape[1], OH = o->shape[2], OW = o->shape[3];
    for (int64_t row = begin; row < end; row++) {
        int64_t oy = row % OH, oc = (row / OH) % OC, n = row / OH / OC;
        for (int64_t ox = 0; ox < OW; ox++) {
            double v = 0;
            if (op->op == TRUENO_OP_CONV2D) {
                const trueno_tensor_desc *w = op->inputs[1], *bias = op->inputs[2];
                int64_t groups = p[6], cg = C / groups, g = oc / (OC / groups);
                int64_t kh = w->shape[2], kw = w->shape[3];
                v = LD(bias, bias->offset + oc * bias->strides[0]);
                for (int64_t c = 0; c < cg; c++)
                    for (int64_t ky = 0; ky < kh; ky++) {
                        int64_t iy = oy * p[0] - p[2] + ky * p[4];
                        if (iy < 0 || iy >= H) continue;
                        for (int64_t kx = 0; kx < kw; kx++) {
                            int64_t ix = ox * p[1] - p[3] + kx * p[5];
                            if (ix < 0 || ix >= W) continue;
                            v += LD(x, AT4(x, n, g * cg + c, iy, ix)) * LD(w, AT4(w, oc, c, ky, kx));
                        }
                    }
            } else if (op->op == TRUENO_OP_MAX_POOL2D) {
                v = -INFINITY;
                for (int64_t ky = 0; ky < p[0]; ky++) {
                    int64_t iy = oy * p[2] - p[4] + ky * p[6];
                    if (iy < 0 || iy >= H) continue;
                    for (int64_t kx = 0; kx < p[1]; kx++) {
                        int64_t ix = ox * p[3] - p[5] + kx * p[7];
                        if (ix < 0 || ix >= W) continue;
                        double e = LD(x, AT4(x, n, oc, iy, ix));
                        if (isnan(e) || e > v) v = e;
                        if (isnan(v)) break;
                    }
                }
            } else if (op->op == TRUENO_OP_AVG_POOL2D) { /* PyTorch's divisor rules */
                int64_t y0 = oy * p[2] - p[4], x0 = ox * p[3] - p[5];
                int64_t y1 = y0 + p[0] < H + p[4] ? y0 + p[0] : H + p[4];
                int64_t x1 = x0 + p[1] < W + p[5] ? x0 + p[1] : W + p[5];
                int64_t pool = (y1 - y0) * (x1 - x0);
                y0 = y0 > 0 ? y0 : 0; x0 = x0 > 0 ? x0 : 0;
                y1 = y1 < H ? y1 : H; x1 = x1 < W ? x1 : W;
                for (int64_t iy = y0; iy < y1; iy++)
                    for (int64_t ix = x0; ix < x1; ix++) v += LD(x, AT4(x, n, oc, iy, ix));
                v /= (double)(p[6] ? pool : (y1 - y0) * (x1 - x0));
            } else { /* ADAPTIVE_AVG_POOL2D */
                int64_t y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH;
                int64_t x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;
                for (int64_t iy = y0; iy < y1; iy++)
                    for (int64_t ix = x0; ix < x1; ix++) v += LD(x, AT4(x, n, oc, iy, ix));
                v /= (double)((y1 - y0) * (x1 - x0));
            }
            tn_ref_store_float(o, AT4(o, n, oc, oy, ox), v);
        }
    }
}

trueno_status tn_ref_conv_pool(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *o = op->outputs[0];
    int64_t rows = o->shape[0] * o->shape[1] * o->shape[2];
    return host->parallel_for(host->ctx, rows, 8, conv_pool_rows, (void *)op);
}

/* ---- normalisation ------------------------------------------------------- */

/* Mean and biased variance of `count` elements at C-order positions
 * first..first+count of x (the normalised block), two-pass. */
static void moments(const trueno_tensor_desc *x, int64_t first, int64_t count, double *mean, double *var)
{
    double s = 0, q = 0;
    for (int64_t i = 0; i < count; i++) s += LD(x, tn_offset_of(x, first + i));
    *mean = count ? s / (double)count : NAN;
    for (int64_t i = 0; i < count; i++) {
        double d = LD(x, tn_offset_of(x, first + i)) - *mean;
        q += d * d;
    }
    *var = count ? q / (double)count : NAN;
}

typedef struct norm_ctx {
    const trueno_op_desc *op;
    int64_t block;      /* elements normalised together */
    int64_t inner;      /* LAYER/RMS: weight length; GROUP: spatial size */
} norm_ctx;

static void norm_blocks(void *arg, int64_t begin, int64_t end)
{
    const norm_ctx *c = arg;
    const trueno_op_desc *op = c->op;
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    double eps = op->params->floats[0];
    for (int64_t b = begin; b < end; b++) {
        int64_t first = b * c->block;
        double mean = 0, var = 0;
        if (op->op == TRUENO_OP_RMS_NORM) {
            double q = 0;
            for (int64_t i = 0; i < c->block; i++) {
                double v = LD(x, tn_offset_of(x, first + i));
                q += v * v;
            }
            var = q / (double)c->block; /* mean of squares */
        } else {
            moments(x, first, c->block, &mean, &var);
        }
        double inv = 1 / sqrt(var + eps);
        for (int64_t i = 0; i < c->block; i++) {
            double v = (LD(x, tn_offset_of(x, first + i)) - mean) * inv;
            int64_t widx; /* which affine parameter applies */
            if (op->op == TRUENO_OP_GROUP_NORM) {
                int64_t C = x->shape[1], groups = op->params->ints[0];
                widx = ((b % groups) * (C / groups)) + i / c->inner;
            } else {
                widx = i;
            }
            const trueno_tensor_desc *w = op->inputs[1];
            v *= LD(w, tn_offset_of(w, widx));
            if (op->op != TRUENO_OP_RMS_NORM) {
                const trueno_tensor_desc *bias = op->inputs[2];
                v += LD(bias, tn_offset_of(bias, widx));
            }
            tn_ref_store_float(o, tn_offset_of(o, first + i), v);
        }
    }
}

static void batch_norm_range(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = arg;
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    const trueno_tensor_desc *mean = op->inputs[1], *var = op->inputs[2], *w = op->inputs[3], *b = op->inputs[4];
    int64_t C = x->shape[1], inner = 1;
    for (uint32_t ax = 2; ax < x->rank; ax++) inner *= x->shape[ax];
    double eps = op->params->floats[0];
    for (int64_t i = begin; i < end; i++) {
        int64_t c = (i / inner) % C;
        double v = (LD(x, tn_offset_of(x, i)) - LD(mean, tn_offset_of(mean, c))) /
                   sqrt(LD(var, tn_offset_of(var, c)) + eps);
        v = v * LD(w, tn_offset_of(w, c)) + LD(b, tn_offset_of(b, c));
        tn_ref_store_float(o, tn_offset_of(o, i), v);
    }
}

/* cosine similarity along `axis`: x1·x2 / (max(|x1|, eps) · max(|x2|, eps)) */
static void cosine_range(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = arg;
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    int axis = (int)op->params->ints[0];
    double eps = op->params->floats[0];
    for (int64_t i = begin; i < end; i++) {
        int64_t oo = tn_offset_of(o, i), ao = a->offset, bo = b->offset, rest = i;
        for (int ax = (int)o->rank - 1; ax >= 0; ax--) {
            int64_t idx = rest % o->shape[ax];
            rest /= o->shape[ax];
            ao += idx * a->strides[ax];
            bo += idx * b->strides[ax];
        }
        double dot = 0, na = 0, nb = 0;
        for (int64_t k = 0; k < a->shape[axis]; k++) {
            double x = LD(a, ao + k * a->strides[axis]), y = LD(b, bo + k * b->strides[axis]);
            dot += x * y; na += x * x; nb += y * y;
        }
        na = sqrt(na); nb = sqrt(nb);
        tn_ref_store_float(o, oo, dot / ((na > eps ? na : eps) * (nb > eps ? nb : eps)));
    }
}

trueno_status tn_ref_norm(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *x = op->inputs[0];
    int64_t numel = trueno_desc_numel(x);
    if (op->op == TRUENO_OP_BATCH_NORM)
        return host->parallel_for(host->ctx, numel, TN_REF_GRAIN, batch_norm_range, (void *)op);
    if (op->op == TRUENO_OP_COSINE_SIMILARITY)
        return host->parallel_for(host->ctx, trueno_desc_numel(op->outputs[0]), 256, cosine_range, (void *)op);
    norm_ctx c = {op, 1, 1};
    if (op->op == TRUENO_OP_GROUP_NORM) {
        int64_t groups = op->params->ints[0];
        c.inner = x->shape[0] && x->shape[1] ? numel / x->shape[0] / x->shape[1] : 1;
        c.block = x->shape[0] ? numel / x->shape[0] / groups : 0;
    } else { /* the last ints[0] axes are normalised */
        for (uint32_t ax = x->rank - (uint32_t)op->params->ints[0]; ax < x->rank; ax++) c.block *= x->shape[ax];
        c.inner = c.block;
    }
    if (c.block == 0 || numel == 0) return TRUENO_OK;
    return host->parallel_for(host->ctx, numel / c.block, 16, norm_blocks, &c);
}

/* ---- dropout --------------------------------------------------------------- */

void tn_philox4x32(uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1; c3 = (uint32_t)p0; c0 = n0; c2 = n2;
        k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

static void dropout_range(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = arg;
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    double p = op->params->floats[0];
    uint64_t seed = (uint64_t)op->params->ints[0];
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    for (int64_t i = begin; i < end; i++) {
        uint32_t ctr[4] = {(uint32_t)i, (uint32_t)((uint64_t)i >> 32), 0, 0}, r[4];
        tn_philox4x32(ctr, key, r);
        double u = r[0] * (1.0 / 4294967296.0); /* uniform in [0, 1) */
        double v = u < p ? 0 : LD(x, tn_offset_of(x, i)) / (1 - p);
        tn_ref_store_float(o, tn_offset_of(o, i), v);
    }
}

trueno_status tn_ref_dropout(const trueno_host *host, const trueno_op_desc *op)
{
    return host->parallel_for(host->ctx, trueno_desc_numel(op->outputs[0]), TN_REF_GRAIN, dropout_range, (void *)op);
}

/* ---- losses -------------------------------------------------------------------- */

static double elementwise_loss(uint32_t code, double x, double t, double beta)
{
    double d = x - t;
    switch (code) {
    case TRUENO_OP_MSE_LOSS: return d * d;
    case TRUENO_OP_L1_LOSS: return fabs(d);
    case TRUENO_OP_SMOOTH_L1_LOSS:
        return beta == 0 || fabs(d) >= beta ? fabs(d) - 0.5 * beta : 0.5 * d * d / beta;
    case TRUENO_OP_BINARY_CROSS_ENTROPY:
        return -(t * fmax(log(x), -100) + (1 - t) * fmax(log1p(-x), -100));
    default: /* BINARY_CROSS_ENTROPY_WITH_LOGITS, the stable form */
        return (1 - t) * x + fmax(-x, 0) + log1p(exp(-fabs(x)));
    }
}

trueno_status tn_ref_loss(const trueno_host *host, const trueno_op_desc *op)
{
    (void)host;
    const trueno_tensor_desc *x = op->inputs[0], *t = op->inputs[1], *o = op->outputs[0];
    int64_t reduction = op->params->ints[0];
    double sum = 0, count = 0;
    if (op->op == TRUENO_OP_CROSS_ENTROPY || op->op == TRUENO_OP_NLL_LOSS) {
        int64_t N = x->shape[0], C = x->shape[1], ignore = op->params->ints[1];
        double eps = op->op == TRUENO_OP_CROSS_ENTROPY ? op->params->floats[0] : 0;
        for (int64_t i = 0; i < N; i++) {
            int64_t target = tn_load_i64(t->buffer, t->dtype, t->offset + i * t->strides[0]);
            double loss = 0;
            if (target == ignore) {
                if (reduction == 0) tn_ref_store_float(o, o->offset + i * o->strides[0], 0);
                continue;
            }
            if (target < 0 || target >= C)
                return tn_error(TRUENO_INDEX_OUT_OF_RANGE, "%s: target %lld of sample %lld is not a "
                                "class in 0..%lld", tn_op_info(op->op)->name, (long long)target,
                                (long long)i, (long long)(C - 1));
            int64_t row = x->offset + i * x->strides[0], cs = x->strides[1];
            if (op->op == TRUENO_OP_NLL_LOSS) {
                loss = -LD(x, row + target * cs);
            } else { /* -log_softmax, with label smoothing eps spread over the classes */
                double m = -INFINITY, s = 0, all = 0;
                for (int64_t c = 0; c < C; c++) m = fmax(m, LD(x, row + c * cs));
                for (int64_t c = 0; c < C; c++) s += exp(LD(x, row + c * cs) - m);
                double lse = m + log(s);
                for (int64_t c = 0; c < C; c++) all += lse - LD(x, row + c * cs);
                loss = (1 - eps) * (lse - LD(x, row + target * cs)) + eps / (double)C * all;
            }
            if (reduction == 0) tn_ref_store_float(o, o->offset + i * o->strides[0], loss);
            sum += loss;
            count += 1;
        }
    } else {
        double beta = op->params->floats[0];
        int64_t n = trueno_desc_numel(x);
        for (int64_t i = 0; i < n; i++) {
            double loss = elementwise_loss(op->op, LD(x, tn_offset_of(x, i)), LD(t, tn_offset_of(t, i)), beta);
            if (reduction == 0) tn_ref_store_float(o, tn_offset_of(o, i), loss);
            sum += loss;
        }
        count = (double)n;
    }
    if (reduction == 1) tn_ref_store_float(o, o->offset, sum / count);
    if (reduction == 2) tn_ref_store_float(o, o->offset, sum);
    return TRUENO_OK;
}
