/*
 * ref_linalg.c — dot, matmul (batched), gemm and cdist for the reference
 * backend. Products accumulate in float64 (wrapping uint64 for integers),
 * one output row at a time, over column panels of B converted once per
 * panel; row i of C is sum over p of A[i,p]·B[p,:] in p order.
 */
#include <math.h>
#include <string.h>

#include "../internal.h"
#include "ref_kernels.h"

#define PAIRWISE_BLOCK 128
#define MATMUL_PANEL 256

static double dot_pairwise(const trueno_tensor_desc *a, const trueno_tensor_desc *b, int64_t lo, int64_t hi)
{
    if (hi - lo > PAIRWISE_BLOCK) {
        int64_t mid = lo + (hi - lo) / 2;
        return dot_pairwise(a, b, lo, mid) + dot_pairwise(a, b, mid, hi);
    }
    double s = 0;
    for (int64_t i = lo; i < hi; i++)
        s += tn_load_f64(a->buffer, a->dtype, a->offset + i * a->strides[0]) *
             tn_load_f64(b->buffer, b->dtype, b->offset + i * b->strides[0]);
    return s;
}

trueno_status tn_ref_dot(const trueno_host *host, const trueno_op_desc *op)
{
    (void)host;
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    int64_t n = a->shape[0];
    if (tn_dtype_is_float(op->dtype)) {
        tn_store_f64(o->buffer, o->dtype, o->offset, dot_pairwise(a, b, 0, n));
        return TRUENO_OK;
    }
    uint64_t s = 0;
    for (int64_t i = 0; i < n; i++)
        s += (uint64_t)tn_load_i64(a->buffer, a->dtype, a->offset + i * a->strides[0]) *
             (uint64_t)tn_load_i64(b->buffer, b->dtype, b->offset + i * b->strides[0]);
    tn_store_i64(o->buffer, o->dtype, o->offset, (int64_t)s); /* bool: any product */
    return TRUENO_OK;
}

/* One 2-D product C = alpha·A·B + beta·C0 at the given base offsets. */
typedef struct mm_ctx {
    const trueno_op_desc *op;
    const trueno_host *host;
    int64_t a_base, c_base, c0_base;
    int64_t k, j0, width;
    double alpha, beta;
    const trueno_tensor_desc *c0;      /* GEMM's c input, else NULL */
    const void *panel;                 /* k × width, double or uint64 */
    bool is_float;
    trueno_status status;
} mm_ctx;

static void mm_rows(void *arg, int64_t begin, int64_t end)
{
    mm_ctx *c = arg;
    const trueno_tensor_desc *a = c->op->inputs[0], *o = c->op->outputs[0];
    int r = (int)a->rank;
    int64_t as0 = a->strides[r - 2], as1 = a->strides[r - 1];
    int64_t os0 = o->strides[r - 2], os1 = o->strides[r - 1];
    int64_t k = c->k, w = c->width;
    void *scratch = c->host->aligned_alloc(c->host->ctx, 64, (size_t)(k + w) * 8);
    if (!scratch) { __atomic_store_n(&c->status, TRUENO_OUT_OF_MEMORY, __ATOMIC_RELAXED); return; }
    for (int64_t i = begin; i < end; i++) {
        int64_t arow = c->a_base + i * as0;
        int64_t orow = c->c_base + i * os0 + c->j0 * os1;
        if (c->is_float) {
            double *ar = scratch, *acc = ar + k;
            const double *bp = c->panel;
            for (int64_t p = 0; p < k; p++) ar[p] = tn_load_f64(a->buffer, a->dtype, arow + p * as1);
            for (int64_t j = 0; j < w; j++) acc[j] = 0;
            for (int64_t p = 0; p < k; p++)
                for (int64_t j = 0; j < w; j++) acc[j] += ar[p] * bp[p * w + j];
            for (int64_t j = 0; j < w; j++) {
                double v = acc[j];
                if (c->c0) { /* GEMM: beta == 0 ignores C, as BLAS */
                    v *= c->alpha;
                    if (c->beta != 0)
                        v += c->beta * tn_load_f64(c->c0->buffer, c->c0->dtype,
                                                   c->c0_base + i * c->c0->strides[0] + (c->j0 + j) * c->c0->strides[1]);
                }
                tn_store_f64(o->buffer, o->dtype, orow + j * os1, v);
            }
        } else {
            uint64_t *ar = scratch, *acc = ar + k;
            const uint64_t *bp = c->panel;
            for (int64_t p = 0; p < k; p++) ar[p] = (uint64_t)tn_load_i64(a->buffer, a->dtype, arow + p * as1);
            for (int64_t j = 0; j < w; j++) acc[j] = 0;
            for (int64_t p = 0; p < k; p++)
                for (int64_t j = 0; j < w; j++) acc[j] += ar[p] * bp[p * w + j];
            for (int64_t j = 0; j < w; j++) tn_store_i64(o->buffer, o->dtype, orow + j * os1, (int64_t)acc[j]);
        }
    }
    c->host->aligned_free(c->host->ctx, scratch);
}

static trueno_status matmul_2d(mm_ctx *c, int64_t b_base, int64_t m, int64_t n, void *panel, int64_t pw)
{
    const trueno_tensor_desc *b = c->op->inputs[1];
    int r = (int)b->rank;
    int64_t bs0 = b->strides[r - 2], bs1 = b->strides[r - 1], k = c->k;
    int64_t work_per_row = k * pw > 0 ? k * pw : 1;
    int64_t grain = 262144 / work_per_row > 1 ? 262144 / work_per_row : 1;
    for (int64_t j0 = 0; j0 < n && c->status == TRUENO_OK; j0 += pw) {
        int64_t w = n - j0 < pw ? n - j0 : pw;
        for (int64_t p = 0; p < k; p++)
            for (int64_t j = 0; j < w; j++) {
                int64_t off = b_base + p * bs0 + (j0 + j) * bs1;
                if (c->is_float) ((double *)panel)[p * w + j] = tn_load_f64(b->buffer, b->dtype, off);
                else ((uint64_t *)panel)[p * w + j] = (uint64_t)tn_load_i64(b->buffer, b->dtype, off);
            }
        c->j0 = j0;
        c->width = w;
        c->panel = panel;
        c->host->parallel_for(c->host->ctx, m, grain, mm_rows, c);
    }
    return c->status;
}

/* MATMUL (..., m, k) @ (..., k, n) and GEMM alpha·a·b + beta·c. */
trueno_status tn_ref_matmul(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    int r = (int)o->rank;
    int64_t m = o->shape[r - 2], n = o->shape[r - 1], k = a->shape[r - 1];
    mm_ctx c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.host = host;
    c.k = k;
    c.is_float = tn_dtype_is_float(op->dtype);
    if (op->op == TRUENO_OP_GEMM) {
        c.c0 = op->inputs[2];
        c.alpha = op->params->floats[0];
        c.beta = op->params->floats[1];
    }
    if (m == 0 || n == 0) return TRUENO_OK;
    int64_t pw = n < MATMUL_PANEL ? n : MATMUL_PANEL;
    void *panel = host->aligned_alloc(host->ctx, 64, (size_t)(k * pw + 1) * 8);
    if (!panel) return TRUENO_OUT_OF_MEMORY;
    int64_t batches = 1;
    for (int ax = 0; ax < r - 2; ax++) batches *= o->shape[ax];
    for (int64_t bi = 0; bi < batches && c.status == TRUENO_OK; bi++) {
        int64_t rest = bi, ao = a->offset, bo = b->offset, oo = o->offset;
        for (int ax = r - 3; ax >= 0; ax--) {
            int64_t idx = rest % o->shape[ax];
            rest /= o->shape[ax];
            ao += idx * a->strides[ax];
            bo += idx * b->strides[ax];
            oo += idx * o->strides[ax];
        }
        c.a_base = ao;
        c.c_base = oo;
        c.c0_base = c.c0 ? c.c0->offset : 0;
        matmul_2d(&c, bo, m, n, panel, pw);
    }
    host->aligned_free(host->ctx, panel);
    return c.status;
}

/* CDIST: ||x1[i] - x2[j]||_p for p > 0 (p = inf: the largest difference). */
typedef struct cdist_ctx { const trueno_op_desc *op; } cdist_ctx;

static void cdist_rows(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = ((cdist_ctx *)arg)->op;
    const trueno_tensor_desc *x1 = op->inputs[0], *x2 = op->inputs[1], *o = op->outputs[0];
    double p = op->params->floats[0];
    int64_t r = x2->shape[0], m = x1->shape[1];
    for (int64_t i = begin; i < end; i++)
        for (int64_t j = 0; j < r; j++) {
            double acc = 0;
            for (int64_t t = 0; t < m; t++) {
                double d = fabs(tn_load_f64(x1->buffer, x1->dtype, x1->offset + i * x1->strides[0] + t * x1->strides[1]) -
                                tn_load_f64(x2->buffer, x2->dtype, x2->offset + j * x2->strides[0] + t * x2->strides[1]));
                if (isinf(p)) acc = d > acc || isnan(d) ? d : acc;
                else if (p == 2) acc += d * d;
                else if (p == 1) acc += d;
                else acc += pow(d, p);
            }
            double v = isinf(p) || p == 1 ? acc : p == 2 ? sqrt(acc) : pow(acc, 1 / p);
            tn_ref_store_float(o, o->offset + i * o->strides[0] + j * o->strides[1], v);
        }
}

trueno_status tn_ref_cdist(const trueno_host *host, const trueno_op_desc *op)
{
    cdist_ctx c = {op};
    return host->parallel_for(host->ctx, op->inputs[0]->shape[0], 16, cdist_rows, &c);
}
