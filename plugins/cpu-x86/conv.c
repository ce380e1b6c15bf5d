/*
 * conv.c — CONV2D (float32, float64) as im2col + GEMM: for each image n
 * and group g, the input patches are unrolled into col, a (C/groups·kh·kw)
 * × (OH·OW) matrix (zeros where the window hangs over the padding), and
 * out[n, g] = W[g] · col with x86_gemm, then the bias is added per output
 * channel (K. Chellapilla, S. Puri, P. Simard, "High Performance
 * Convolutional Neural Networks for Document Processing", 2006). Compiled
 * for the baseline ISA: the arithmetic is in the GEMM kernels.
 *
 * Layouts: x any strides; the weight's (C/groups, kh, kw) axes and the
 * output's (OH, OW) axes must each flatten to one stride (true for
 * contiguous tensors), else the op is left to another device.
 */
#include <string.h>

#include "x86.h"

typedef struct im2col_job {
    const trueno_tensor_desc *x;
    const int64_t *p;          /* stride h, w, padding h, w, dilation h, w, groups */
    int64_t n, c0, kh, kw, oh, ow;
    size_t es;
    char *col;
} im2col_job;

/* Rows [begin, end) of col: row r = (c·kh + i)·kw + j. */
static void im2col_rows(void *arg, int64_t begin, int64_t end)
{
    const im2col_job *j = arg;
    const trueno_tensor_desc *x = j->x;
    const int64_t *p = j->p, H = x->shape[2], W = x->shape[3];
    for (int64_t r = begin; r < end; r++) {
        int64_t c = r / (j->kh * j->kw), i = r / j->kw % j->kh, jj = r % j->kw;
        int64_t base = x->offset + j->n * x->strides[0] + (j->c0 + c) * x->strides[1];
        char *dst = j->col + (size_t)(r * j->oh * j->ow) * j->es;
        /* unit stride along w, in the input and the window: each output row
         * is one run of an input row between zeros (a memcpy; the loop
         * below was a third of a 3x3 conv2d's time) */
        bool runs = p[1] == 1 && x->strides[3] == 1;
        int64_t shift = jj * p[5] - p[3]; /* iw = ow + shift */
        int64_t lo = shift < 0 ? -shift : 0, hi = W - shift < j->ow ? W - shift : j->ow;
        if (hi < lo) hi = lo;
        for (int64_t oh = 0; oh < j->oh; oh++) {
            int64_t ih = oh * p[0] - p[2] + i * p[4];
            if (runs) {
                bool row_in = ih >= 0 && ih < H;
                size_t es = j->es, in_lo = row_in ? (size_t)lo : (size_t)j->ow, in_hi = row_in ? (size_t)hi : (size_t)j->ow;
                memset(dst, 0, in_lo * es);
                if (in_hi > in_lo)
                    memcpy(dst + in_lo * es, (const char *)x->buffer + (size_t)(base + ih * x->strides[2] + (int64_t)in_lo + shift) * es,
                           (in_hi - in_lo) * es);
                memset(dst + in_hi * es, 0, ((size_t)j->ow - in_hi) * es);
                dst += (size_t)j->ow * es;
                continue;
            }
            for (int64_t ow = 0; ow < j->ow; ow++, dst += j->es) {
                int64_t iw = ow * p[1] - p[3] + jj * p[5];
                bool inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
                int64_t at = base + ih * x->strides[2] + iw * x->strides[3];
                if (j->es == 8) *(double *)dst = inside ? ((const double *)x->buffer)[at] : 0.0;
                else *(float *)dst = inside ? ((const float *)x->buffer)[at] : 0.0f;
            }
        }
    }
}

/* Whether axes first..last of t walk as one run with a single stride
 * (extent-1 axes ignored), and that stride. */
static bool flatten(const trueno_tensor_desc *t, int first, int last, int64_t *stride)
{
    int64_t expect = 0;
    bool seen = false;
    *stride = 1;
    for (int ax = last; ax >= first; ax--) {
        if (t->shape[ax] == 1) continue;
        if (seen && t->strides[ax] != expect) return false;
        if (!seen) *stride = t->strides[ax];
        seen = true;
        expect = t->strides[ax] * t->shape[ax];
    }
    return true;
}

bool x86_conv2d_supported(const trueno_op_desc *op)
{
    int64_t s;
    for (uint32_t i = 0; i < 3; i++)
        if (op->inputs[i]->dtype != op->dtype) return false;
    return (op->dtype == TRUENO_DTYPE_FLOAT32 || op->dtype == TRUENO_DTYPE_FLOAT64) &&
           op->outputs[0]->dtype == op->dtype && flatten(op->inputs[1], 1, 3, &s) && flatten(op->outputs[0], 2, 3, &s);
}

trueno_status x86_conv2d(const trueno_host *h, const x86_kernels *k, const trueno_op_desc *op)
{
    const trueno_tensor_desc *x = op->inputs[0], *w = op->inputs[1], *bias = op->inputs[2], *o = op->outputs[0];
    const int64_t *p = op->params->ints;
    int64_t N = o->shape[0], O = o->shape[1], OH = o->shape[2], OW = o->shape[3];
    int64_t groups = p[6], og = O / groups, cg = w->shape[1], kh = w->shape[2], kw = w->shape[3];
    int64_t rows = cg * kh * kw, cols = OH * OW;
    size_t es = trueno_dtype_size(op->dtype);
    if (N == 0 || O == 0 || cols == 0) return TRUENO_OK;
    /* the weight as an (O × rows) matrix and the output as (O × cols) */
    int64_t w_col, o_col;
    flatten(w, 1, 3, &w_col);
    flatten(o, 2, 3, &o_col);
    char *col = rows ? h->aligned_alloc(h->ctx, 64, (size_t)(rows * cols) * es) : NULL;
    if (rows && !col) return TRUENO_OUT_OF_MEMORY;
    trueno_status s = TRUENO_OK;
    for (int64_t n = 0; n < N && s == TRUENO_OK; n++)
        for (int64_t g = 0; g < groups && s == TRUENO_OK; g++) {
            char *out = (char *)o->buffer + (size_t)(o->offset + n * o->strides[0] + g * og * o->strides[1]) * es;
            if (rows) {
                im2col_job j = {x, p, n, g * cg, kh, kw, OH, OW, es, col};
                s = h->parallel_for(h->ctx, rows, rows > 64 ? 1 : 64 / rows + 1, im2col_rows, &j);
                const char *wg = (const char *)w->buffer + (size_t)(w->offset + g * og * w->strides[0]) * es;
                if (s == TRUENO_OK)
                    s = x86_gemm(h, k, op->dtype, og, cols, rows, 1.0, wg, w->strides[0], w_col, col, cols, 1, 0.0,
                                 NULL, 0, 0, out, o->strides[1], o_col);
            }
            for (int64_t oc = 0; oc < og && s == TRUENO_OK; oc++) { /* + bias (an empty sum is just the bias) */
                int64_t b_at = bias->offset + (g * og + oc) * bias->strides[0];
                double b = es == 8 ? ((const double *)bias->buffer)[b_at] : ((const float *)bias->buffer)[b_at];
                for (int64_t c = 0; c < cols; c++) { /* rows == 0: out holds nothing yet */
                    int64_t at = oc * o->strides[1] + c * o_col;
                    if (es == 8) ((double *)out)[at] = (rows ? ((double *)out)[at] : 0.0) + b;
                    else ((float *)out)[at] = (rows ? ((float *)out)[at] : 0.0f) + (float)b;
                }
            }
        }
    h->aligned_free(h->ctx, col);
    return s;
}
