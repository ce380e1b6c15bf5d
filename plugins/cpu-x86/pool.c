/*
 * pool.c — MAX_POOL2D, AVG_POOL2D and ADAPTIVE_AVG_POOL2D of float32 and
 * float64 (N, C, H, W), any strides, as the reference computes them
 * (torch.nn.functional's rules, ops table in trueno_abi.h): one task per
 * output row (n, c, oy). A row is built kernel tap by kernel tap: for each
 * (ky, kx) the valid outputs [lo, hi) take the input at ox·sw − pw + kx·dw
 * into a row of accumulators, a loop over ox the compiler vectorises
 * where the input's stride allows. max: padding is −inf, a NaN wins
 * (once a NaN, always a NaN); avg and adaptive: float64 sums rounded
 * once, PyTorch's divisors. Compiled for the baseline ISA.
 */
#include <math.h>

#include "x86.h"

#define POOL_ROW 4096 /* output widths up to this; wider rows go to another device */

typedef struct pool_job {
    const trueno_op_desc *op;
    int64_t C, H, W, OH, OW;
} pool_job;

static double load(const trueno_tensor_desc *t, int64_t at)
{
    return t->dtype == TRUENO_DTYPE_FLOAT64 ? ((const double *)t->buffer)[at] : ((const float *)t->buffer)[at];
}

static void store_row(const trueno_tensor_desc *o, int64_t base, const double *v, int64_t n)
{
    if (o->dtype == TRUENO_DTYPE_FLOAT64)
        for (int64_t i = 0; i < n; i++) ((double *)o->buffer)[base + i * o->strides[3]] = v[i];
    else
        for (int64_t i = 0; i < n; i++) ((float *)o->buffer)[base + i * o->strides[3]] = (float)v[i];
}

/* [lo, hi): the outputs ox whose input column ox·s − pad + k·dil lies in [0, W) */
static void valid_range(int64_t OW, int64_t W, int64_t s, int64_t pad, int64_t k, int64_t dil, int64_t *lo,
                        int64_t *hi)
{
    int64_t off = k * dil - pad; /* ix = ox·s + off */
    *lo = off >= 0 ? 0 : (-off + s - 1) / s;
    *hi = off >= W ? 0 : (W - 1 - off) / s + 1;
    if (*hi > OW) *hi = OW;
    if (*lo > *hi) *lo = *hi;
}

static void pool_rows(void *arg, int64_t begin, int64_t end)
{
    const pool_job *j = arg;
    const trueno_op_desc *op = j->op;
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    const int64_t *p = op->params->ints;
    double acc[POOL_ROW];
    for (int64_t row = begin; row < end; row++) {
        int64_t oy = row % j->OH, c = row / j->OH % j->C, n = row / j->OH / j->C;
        int64_t xb = x->offset + n * x->strides[0] + c * x->strides[1], sx = x->strides[3];
        int64_t ob = o->offset + n * o->strides[0] + c * o->strides[1] + oy * o->strides[2];
        if (op->op == TRUENO_OP_MAX_POOL2D) {
            for (int64_t i = 0; i < j->OW; i++) acc[i] = -INFINITY;
            for (int64_t ky = 0; ky < p[0]; ky++) {
                int64_t iy = oy * p[2] - p[4] + ky * p[6];
                if (iy < 0 || iy >= j->H) continue;
                for (int64_t kx = 0; kx < p[1]; kx++) {
                    int64_t lo, hi, off = kx * p[7] - p[5];
                    valid_range(j->OW, j->W, p[3], p[5], kx, p[7], &lo, &hi);
                    int64_t at = xb + iy * x->strides[2] + off * sx, step = p[3] * sx;
                    if (x->dtype == TRUENO_DTYPE_FLOAT64) {
                        const double *in = (const double *)x->buffer + at;
                        for (int64_t i = lo; i < hi; i++) {
                            double e = in[i * step];
                            acc[i] = e > acc[i] || e != e ? e : acc[i];
                        }
                    } else {
                        const float *in = (const float *)x->buffer + at;
                        for (int64_t i = lo; i < hi; i++) {
                            double e = in[i * step];
                            acc[i] = e > acc[i] || e != e ? e : acc[i];
                        }
                    }
                }
            }
        } else if (op->op == TRUENO_OP_AVG_POOL2D) {
            int64_t y0 = oy * p[2] - p[4], y1 = y0 + p[0] < j->H + p[4] ? y0 + p[0] : j->H + p[4];
            int64_t rows_all = y1 - y0;
            y0 = y0 > 0 ? y0 : 0;
            y1 = y1 < j->H ? y1 : j->H;
            for (int64_t i = 0; i < j->OW; i++) acc[i] = 0;
            for (int64_t iy = y0; iy < y1; iy++)
                for (int64_t kx = 0; kx < p[1]; kx++) {
                    int64_t lo, hi, off = kx - p[5];
                    valid_range(j->OW, j->W, p[3], p[5], kx, 1, &lo, &hi);
                    int64_t at = xb + iy * x->strides[2] + off * sx, step = p[3] * sx;
                    for (int64_t i = lo; i < hi; i++) acc[i] += load(x, at + i * step);
                }
            for (int64_t ox = 0; ox < j->OW; ox++) {
                int64_t x0 = ox * p[3] - p[5], x1 = x0 + p[1] < j->W + p[5] ? x0 + p[1] : j->W + p[5];
                int64_t cols_all = x1 - x0;
                x0 = x0 > 0 ? x0 : 0;
                x1 = x1 < j->W ? x1 : j->W;
                acc[ox] /= (double)(p[6] ? rows_all * cols_all : (y1 - y0) * (x1 - x0));
            }
        } else { /* ADAPTIVE_AVG_POOL2D: bins [floor(i·H/OH), ceil((i+1)·H/OH)) */
            int64_t y0 = oy * j->H / j->OH, y1 = ((oy + 1) * j->H + j->OH - 1) / j->OH;
            for (int64_t ox = 0; ox < j->OW; ox++) {
                int64_t x0 = ox * j->W / j->OW, x1 = ((ox + 1) * j->W + j->OW - 1) / j->OW;
                double s = 0;
                for (int64_t iy = y0; iy < y1; iy++)
                    for (int64_t ix = x0; ix < x1; ix++) s += load(x, xb + iy * x->strides[2] + ix * sx);
                acc[ox] = s / (double)((y1 - y0) * (x1 - x0));
            }
        }
        store_row(o, ob, acc, j->OW);
    }
}

bool x86_pool_supported(const trueno_op_desc *op)
{
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    return (op->dtype == TRUENO_DTYPE_FLOAT32 || op->dtype == TRUENO_DTYPE_FLOAT64) && o->dtype == op->dtype &&
           x->rank == 4 && o->rank == 4 && o->shape[3] <= POOL_ROW;
}

trueno_status x86_pool(const trueno_host *h, const trueno_op_desc *op)
{
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    pool_job j = {op, x->shape[1], x->shape[2], x->shape[3], o->shape[2], o->shape[3]};
    int64_t rows = o->shape[0] * o->shape[1] * o->shape[2];
    if (rows == 0 || j.OW == 0) return TRUENO_OK;
    /* about 16K input reads per task: small pools stay on the calling thread */
    int64_t per_row = j.OW * op->params->ints[0] * op->params->ints[1] + 1, grain = 16384 / per_row + 1;
    if (op->op == TRUENO_OP_ADAPTIVE_AVG_POOL2D) grain = 16384 / (j.W * (j.H / j.OH + 1) + 1) + 1;
    if (rows <= grain) {
        pool_rows(&j, 0, rows);
        return TRUENO_OK;
    }
    return h->parallel_for(h->ctx, rows, grain, pool_rows, &j);
}
