/*
 * ref_kernels.c — the reference kernels: the oracle every backend is
 * tested against, so they are written for exactness first.
 *
 *  - Floats are computed in float64 and rounded once to the output dtype;
 *    float16/bfloat16 element-wise results go through float32 first, as
 *    OPS.md specifies ("compute in float32 and round once").
 *  - Sums and dot products are pairwise over blocks of 128 terms in float64
 *    (Higham, "The accuracy of floating point summation", SIAM J. Sci.
 *    Comput. 14(4), 1993; the scheme of NumPy's pairwise_sum).
 *  - Integers wrap (computed in uint64, truncated on store), as NumPy.
 *  - Work is split by parallel_for at boundaries fixed by the sizes alone,
 *    so results do not depend on the thread count.
 */
#include <string.h>

#include "../internal.h"
#include "ref_kernels.h"

/* ---- strided iteration ------------------------------------------------- */

/* An odometer over `rank` axes of `shape`, moving up to three operands'
 * element offsets along their own strides. */
typedef struct nd_iter {
    uint32_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    int64_t idx[TRUENO_MAX_RANK];
    const int64_t *strides[3];
    int64_t off[3];
    int n_ops;
} nd_iter;

static void iter_start(nd_iter *it, const trueno_tensor_desc *shape_of,
                       const trueno_tensor_desc *const *ops, int n_ops, int64_t linear)
{
    it->rank = shape_of->rank;
    memcpy(it->shape, shape_of->shape, sizeof it->shape);
    it->n_ops = n_ops;
    for (int k = 0; k < n_ops; k++) {
        it->strides[k] = ops[k]->strides;
        it->off[k] = ops[k]->offset;
    }
    for (int ax = (int)it->rank - 1; ax >= 0; ax--) {
        int64_t e = it->shape[ax];
        it->idx[ax] = e ? linear % e : 0;
        linear = e ? linear / e : 0;
        for (int k = 0; k < n_ops; k++) it->off[k] += it->idx[ax] * it->strides[k][ax];
    }
}

static void iter_next(nd_iter *it)
{
    for (int ax = (int)it->rank - 1; ax >= 0; ax--) {
        for (int k = 0; k < it->n_ops; k++) it->off[k] += it->strides[k][ax];
        if (++it->idx[ax] < it->shape[ax]) return;
        for (int k = 0; k < it->n_ops; k++) it->off[k] -= it->strides[k][ax] * it->shape[ax];
        it->idx[ax] = 0;
    }
}

/* Element grains: enough work per chunk to pay for a thread hand-off. */
#define GRAIN_ELEMENTS 32768

/* Stores a float result: float16/bfloat16 round through float32 first
 * (compute in float32, round once to the output, as OPS.md says). */
static void store_float_result(void *base, uint32_t dt, int64_t i, double v)
{
    if (dt == TRUENO_DTYPE_FLOAT16 || dt == TRUENO_DTYPE_BFLOAT16) v = (float)v;
    tn_store_f64(base, dt, i, v);
}

/* ---- add, multiply ----------------------------------------------------- */

typedef struct binary_ctx {
    const trueno_op_desc *op;
    bool multiply;
} binary_ctx;

static void binary_range(void *arg, int64_t begin, int64_t end)
{
    const binary_ctx *c = arg;
    const trueno_tensor_desc *a = c->op->inputs[0], *b = c->op->inputs[1], *o = c->op->outputs[0];
    const trueno_tensor_desc *ops[3] = {a, b, o};
    uint32_t dt = c->op->dtype;
    nd_iter it;
    iter_start(&it, o, ops, 3, begin);
    for (int64_t n = begin; n < end; n++, iter_next(&it)) {
        if (tn_dtype_is_float(dt)) {
            double x = tn_load_f64(a->buffer, dt, it.off[0]);
            double y = tn_load_f64(b->buffer, dt, it.off[1]);
            store_float_result(o->buffer, dt, it.off[2], c->multiply ? x * y : x + y);
        } else if (dt == TRUENO_DTYPE_BOOL) {
            int64_t x = tn_load_i64(a->buffer, dt, it.off[0]);
            int64_t y = tn_load_i64(b->buffer, dt, it.off[1]);
            tn_store_i64(o->buffer, dt, it.off[2], c->multiply ? (x && y) : (x || y));
        } else {
            uint64_t x = (uint64_t)tn_load_i64(a->buffer, dt, it.off[0]);
            uint64_t y = (uint64_t)tn_load_i64(b->buffer, dt, it.off[1]);
            tn_store_i64(o->buffer, dt, it.off[2], (int64_t)(c->multiply ? x * y : x + y));
        }
    }
}

static trueno_status binary(const trueno_host *host, const trueno_op_desc *op, bool multiply)
{
    binary_ctx c = {op, multiply};
    return host->parallel_for(host->ctx, trueno_desc_numel(op->outputs[0]), GRAIN_ELEMENTS,
                              binary_range, &c);
}

trueno_status tn_ref_add(const trueno_host *host, const trueno_op_desc *op)
{
    return binary(host, op, false);
}

trueno_status tn_ref_multiply(const trueno_host *host, const trueno_op_desc *op)
{
    return binary(host, op, true);
}

/* ---- sum --------------------------------------------------------------- */

#define PAIRWISE_BLOCK 128
#define SUM_CHUNK 65536 /* reduced elements per parallel work item */

/* The reduced sub-space of one output element: axes R of the input. */
typedef struct sum_ctx {
    const trueno_op_desc *op;
    uint32_t n_red;                  /* number of reduced axes */
    int64_t red_shape[TRUENO_MAX_RANK], red_stride[TRUENO_MAX_RANK];
    uint32_t n_kept;
    int64_t kept_shape[TRUENO_MAX_RANK], kept_stride[TRUENO_MAX_RANK],
            out_stride[TRUENO_MAX_RANK];
    int64_t red_count, n_chunks;
    bool is_float;
    double *fpart;                   /* [n_out][n_chunks] partial sums */
    int64_t *ipart;
} sum_ctx;

/* Input offset of reduced element i of the output at `base`. */
static int64_t red_offset(const sum_ctx *c, int64_t base, int64_t i, int64_t *idx)
{
    int64_t off = base;
    for (int ax = (int)c->n_red - 1; ax >= 0; ax--) {
        idx[ax] = i % c->red_shape[ax];
        i /= c->red_shape[ax];
        off += idx[ax] * c->red_stride[ax];
    }
    return off;
}

/* Plain sum of at most PAIRWISE_BLOCK terms [lo, hi), walking an odometer. */
static double block_sum_f(const sum_ctx *c, int64_t base, int64_t lo, int64_t hi)
{
    const trueno_tensor_desc *a = c->op->inputs[0];
    int64_t idx[TRUENO_MAX_RANK];
    int64_t off = red_offset(c, base, lo, idx);
    double s = 0;
    for (int64_t i = lo; i < hi; i++) {
        s += tn_load_f64(a->buffer, a->dtype, off);
        for (int ax = (int)c->n_red - 1; ax >= 0; ax--) {
            off += c->red_stride[ax];
            if (++idx[ax] < c->red_shape[ax]) break;
            off -= c->red_stride[ax] * c->red_shape[ax];
            idx[ax] = 0;
        }
    }
    return s;
}

static double pairwise_f(const sum_ctx *c, int64_t base, int64_t lo, int64_t hi)
{
    if (hi - lo <= PAIRWISE_BLOCK) return block_sum_f(c, base, lo, hi);
    int64_t mid = lo + (hi - lo) / 2;
    return pairwise_f(c, base, lo, mid) + pairwise_f(c, base, mid, hi);
}

static int64_t sum_i(const sum_ctx *c, int64_t base, int64_t lo, int64_t hi)
{
    const trueno_tensor_desc *a = c->op->inputs[0];
    int64_t idx[TRUENO_MAX_RANK];
    int64_t off = red_offset(c, base, lo, idx);
    uint64_t s = 0;
    for (int64_t i = lo; i < hi; i++) {
        s += (uint64_t)tn_load_i64(a->buffer, a->dtype, off);
        for (int ax = (int)c->n_red - 1; ax >= 0; ax--) {
            off += c->red_stride[ax];
            if (++idx[ax] < c->red_shape[ax]) break;
            off -= c->red_stride[ax] * c->red_shape[ax];
            idx[ax] = 0;
        }
    }
    return (int64_t)s;
}

/* Input offset of output element o's first term. */
static int64_t kept_base(const sum_ctx *c, int64_t o)
{
    int64_t off = c->op->inputs[0]->offset;
    for (int ax = (int)c->n_kept - 1; ax >= 0; ax--) {
        off += (o % c->kept_shape[ax]) * c->kept_stride[ax];
        o /= c->kept_shape[ax];
    }
    return off;
}

static void sum_range(void *arg, int64_t begin, int64_t end)
{
    sum_ctx *c = arg;
    for (int64_t w = begin; w < end; w++) {
        int64_t o = w / c->n_chunks, chunk = w % c->n_chunks;
        int64_t lo = chunk * SUM_CHUNK;
        int64_t hi = lo + SUM_CHUNK < c->red_count ? lo + SUM_CHUNK : c->red_count;
        int64_t base = kept_base(c, o);
        if (c->is_float) c->fpart[w] = pairwise_f(c, base, lo, hi);
        else c->ipart[w] = sum_i(c, base, lo, hi);
    }
}

static double pairwise_array(const double *v, int64_t n)
{
    if (n <= 8) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += v[i];
        return s;
    }
    return pairwise_array(v, n / 2) + pairwise_array(v + n / 2, n - n / 2);
}

trueno_status tn_ref_sum(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    uint64_t mask = (uint64_t)op->params->ints[0];
    sum_ctx c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.is_float = tn_dtype_is_float(a->dtype);
    c.red_count = 1;
    for (uint32_t ax = 0; ax < a->rank; ax++) {
        if ((mask >> ax) & 1) {
            c.red_shape[c.n_red] = a->shape[ax];
            c.red_stride[c.n_red++] = a->strides[ax];
            c.red_count *= a->shape[ax];
        } else {
            c.kept_shape[c.n_kept] = a->shape[ax];
            c.kept_stride[c.n_kept] = a->strides[ax];
            c.out_stride[c.n_kept++] = o->strides[ax];
        }
    }
    int64_t n_out = trueno_desc_numel(o);
    if (n_out == 0) return TRUENO_OK;
    c.n_chunks = c.red_count > 0 ? (c.red_count + SUM_CHUNK - 1) / SUM_CHUNK : 1;
    int64_t n_work = n_out * c.n_chunks;
    size_t bytes = (size_t)n_work * 8;
    void *part = host->aligned_alloc(host->ctx, 64, bytes);
    if (!part) return TRUENO_OUT_OF_MEMORY;
    if (c.is_float) c.fpart = part; else c.ipart = part;
    if (c.red_count == 0) memset(part, 0, bytes);
    else {
        int64_t per_item = c.red_count < SUM_CHUNK ? c.red_count : SUM_CHUNK;
        int64_t grain = GRAIN_ELEMENTS / per_item > 1 ? GRAIN_ELEMENTS / per_item : 1;
        host->parallel_for(host->ctx, n_work, grain, sum_range, &c);
    }
    for (int64_t i = 0; i < n_out; i++) {
        int64_t off = o->offset, rest = i;
        for (int ax = (int)c.n_kept - 1; ax >= 0; ax--) {
            off += (rest % c.kept_shape[ax]) * c.out_stride[ax];
            rest /= c.kept_shape[ax];
        }
        if (c.is_float) {
            tn_store_f64(o->buffer, o->dtype, off, pairwise_array(c.fpart + i * c.n_chunks, c.n_chunks));
        } else {
            uint64_t s = 0;
            for (int64_t k = 0; k < c.n_chunks; k++) s += (uint64_t)c.ipart[i * c.n_chunks + k];
            tn_store_i64(o->buffer, o->dtype, off, (int64_t)s);
        }
    }
    host->aligned_free(host->ctx, part);
    return TRUENO_OK;
}

/* ---- dot --------------------------------------------------------------- */

static double dot_pairwise(const trueno_tensor_desc *a, const trueno_tensor_desc *b,
                           int64_t lo, int64_t hi)
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

/* ---- matmul ------------------------------------------------------------ */

/* C = A·B with float64 (or wrapping uint64) accumulators, one row of C at a
 * time, over column panels of B converted once per panel. Row i of C is
 * sum over p of A[i,p]·B[p,:], accumulated in p order. */
#define MATMUL_PANEL 256

typedef struct matmul_ctx {
    const trueno_op_desc *op;
    const trueno_host *host;
    int64_t k, j0, width;
    const void *panel;               /* k × width, double or uint64 */
    bool is_float;
    trueno_status status;
} matmul_ctx;

static void matmul_rows(void *arg, int64_t begin, int64_t end)
{
    matmul_ctx *c = arg;
    const trueno_tensor_desc *a = c->op->inputs[0], *o = c->op->outputs[0];
    const trueno_host *host = c->host;
    int64_t k = c->k, w = c->width;
    void *scratch = host->aligned_alloc(host->ctx, 64, (size_t)(k + w) * 8);
    if (!scratch) { __atomic_store_n(&c->status, TRUENO_OUT_OF_MEMORY, __ATOMIC_RELAXED); return; }
    for (int64_t i = begin; i < end; i++) {
        int64_t arow = a->offset + i * a->strides[0];
        int64_t orow = o->offset + i * o->strides[0] + c->j0 * o->strides[1];
        if (c->is_float) {
            double *ar = scratch, *acc = ar + k;
            const double *bp = c->panel;
            for (int64_t p = 0; p < k; p++) ar[p] = tn_load_f64(a->buffer, a->dtype, arow + p * a->strides[1]);
            for (int64_t j = 0; j < w; j++) acc[j] = 0;
            for (int64_t p = 0; p < k; p++)
                for (int64_t j = 0; j < w; j++) acc[j] += ar[p] * bp[p * w + j];
            for (int64_t j = 0; j < w; j++) tn_store_f64(o->buffer, o->dtype, orow + j * o->strides[1], acc[j]);
        } else {
            uint64_t *ar = scratch, *acc = ar + k;
            const uint64_t *bp = c->panel;
            for (int64_t p = 0; p < k; p++)
                ar[p] = (uint64_t)tn_load_i64(a->buffer, a->dtype, arow + p * a->strides[1]);
            for (int64_t j = 0; j < w; j++) acc[j] = 0;
            for (int64_t p = 0; p < k; p++)
                for (int64_t j = 0; j < w; j++) acc[j] += ar[p] * bp[p * w + j];
            for (int64_t j = 0; j < w; j++)
                tn_store_i64(o->buffer, o->dtype, orow + j * o->strides[1], (int64_t)acc[j]);
        }
    }
    host->aligned_free(host->ctx, scratch);
}

trueno_status tn_ref_matmul(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1];
    int64_t m = a->shape[0], k = a->shape[1], n = b->shape[1];
    matmul_ctx c = {op, host, k, 0, 0, NULL, tn_dtype_is_float(op->dtype), TRUENO_OK};
    if (m == 0 || n == 0) return TRUENO_OK;
    int64_t pw = n < MATMUL_PANEL ? n : MATMUL_PANEL;
    void *panel = host->aligned_alloc(host->ctx, 64, (size_t)(k * pw + 1) * 8);
    if (!panel) return TRUENO_OUT_OF_MEMORY;
    int64_t work_per_row = k * pw > 0 ? k * pw : 1;
    int64_t grain = 262144 / work_per_row > 1 ? 262144 / work_per_row : 1;
    for (int64_t j0 = 0; j0 < n && c.status == TRUENO_OK; j0 += pw) {
        int64_t w = n - j0 < pw ? n - j0 : pw;
        for (int64_t p = 0; p < k; p++)
            for (int64_t j = 0; j < w; j++) {
                int64_t off = b->offset + p * b->strides[0] + (j0 + j) * b->strides[1];
                if (c.is_float) ((double *)panel)[p * w + j] = tn_load_f64(b->buffer, b->dtype, off);
                else ((uint64_t *)panel)[p * w + j] = (uint64_t)tn_load_i64(b->buffer, b->dtype, off);
            }
        c.j0 = j0;
        c.width = w;
        c.panel = panel;
        host->parallel_for(host->ctx, m, grain, matmul_rows, &c);
    }
    host->aligned_free(host->ctx, panel);
    return c.status;
}

/* ---- cast, contiguous -------------------------------------------------- */

static void cast_range(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = arg;
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    const trueno_tensor_desc *ops[2] = {a, o};
    nd_iter it;
    iter_start(&it, o, ops, 2, begin);
    bool from_float = tn_dtype_is_float(a->dtype);
    for (int64_t n = begin; n < end; n++, iter_next(&it)) {
        if (from_float) tn_store_f64(o->buffer, o->dtype, it.off[1], tn_load_f64(a->buffer, a->dtype, it.off[0]));
        else tn_store_i64(o->buffer, o->dtype, it.off[1], tn_load_i64(a->buffer, a->dtype, it.off[0]));
    }
}

trueno_status tn_ref_cast(const trueno_host *host, const trueno_op_desc *op)
{
    return host->parallel_for(host->ctx, trueno_desc_numel(op->outputs[0]), GRAIN_ELEMENTS,
                              cast_range, (void *)op);
}

static void copy_range(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = arg;
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    const trueno_tensor_desc *ops[2] = {a, o};
    size_t es = trueno_dtype_size(a->dtype);
    nd_iter it;
    iter_start(&it, o, ops, 2, begin);
    for (int64_t n = begin; n < end; n++, iter_next(&it))
        memcpy((char *)o->buffer + it.off[1] * (int64_t)es,
               (const char *)a->buffer + it.off[0] * (int64_t)es, es);
}

trueno_status tn_ref_contiguous(const trueno_host *host, const trueno_op_desc *op)
{
    return host->parallel_for(host->ctx, trueno_desc_numel(op->outputs[0]), GRAIN_ELEMENTS,
                              copy_range, (void *)op);
}
