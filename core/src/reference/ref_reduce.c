/*
 * ref_reduce.c — reductions over a set of axes (sum … norm), ops along one
 * axis (softmax, log_softmax, cumsum, cumprod) and sorting (sort, argsort,
 * topk) for the reference backend.
 *
 * Reductions: each output element's reduced elements are cut into chunks
 * of SUM_CHUNK (fixed by the sizes alone); (output, chunk) pairs are the
 * parallel work items; chunk results are combined in chunk order. Sums are
 * pairwise over blocks of 128 terms in float64 (Higham 1993; NumPy's
 * pairwise_sum), variance is two-pass (mean, then squared deviations),
 * logsumexp subtracts the maximum first. min/max/argmin/argmax propagate
 * NaN (the first NaN wins, as NumPy) and report the first occurrence.
 * Sorting is a stable merge sort with NaN ordered last (largest).
 */
#include <math.h>
#include <string.h>

#include "../internal.h"
#include "ref_kernels.h"

#define PAIRWISE_BLOCK 128
#define SUM_CHUNK 65536

/* ---- the reduced sub-space of one output element ------------------------ */

typedef enum { MAP_ID, MAP_ABS, MAP_SQ, MAP_DEV2, MAP_EXPC } term_map;
typedef enum { SCAN_SUM, SCAN_PROD, SCAN_MIN, SCAN_MAX, SCAN_ABSMAX, SCAN_COUNT } scan_kind;

typedef struct part {
    double f;        /* float accumulator */
    int64_t i;       /* integer accumulator or count */
    int64_t arg;     /* index of the extreme, in the reduced space */
    bool any;        /* the chunk had at least one element */
} part;

typedef struct red_ctx {
    const trueno_op_desc *op;
    uint32_t n_red, n_kept;
    int64_t red_shape[TRUENO_MAX_RANK], red_stride[TRUENO_MAX_RANK];
    int64_t kept_shape[TRUENO_MAX_RANK], kept_stride[TRUENO_MAX_RANK], out_stride[TRUENO_MAX_RANK];
    int64_t red_count, n_chunks;
    bool is_float;
    scan_kind scan;
    term_map map;
    const double *center;   /* per output: the mean (MAP_DEV2) or max (MAP_EXPC) */
    part *parts;            /* [n_out][n_chunks] */
} red_ctx;

static int64_t red_offset(const red_ctx *c, int64_t base, int64_t i, int64_t *idx)
{
    int64_t off = base;
    for (int ax = (int)c->n_red - 1; ax >= 0; ax--) {
        idx[ax] = i % c->red_shape[ax];
        i /= c->red_shape[ax];
        off += idx[ax] * c->red_stride[ax];
    }
    return off;
}

static void red_step(const red_ctx *c, int64_t *off, int64_t *idx)
{
    for (int ax = (int)c->n_red - 1; ax >= 0; ax--) {
        *off += c->red_stride[ax];
        if (++idx[ax] < c->red_shape[ax]) return;
        *off -= c->red_stride[ax] * c->red_shape[ax];
        idx[ax] = 0;
    }
}

static double apply_map(term_map m, double x, double center)
{
    switch (m) {
    case MAP_ABS: return fabs(x);
    case MAP_SQ: return x * x;
    case MAP_DEV2: return (x - center) * (x - center);
    case MAP_EXPC: return exp(x - center);
    default: return x;
    }
}

static double block_sum(const red_ctx *c, int64_t base, int64_t lo, int64_t hi, double center)
{
    const trueno_tensor_desc *a = c->op->inputs[0];
    int64_t idx[TRUENO_MAX_RANK];
    int64_t off = red_offset(c, base, lo, idx);
    double s = 0;
    for (int64_t i = lo; i < hi; i++, red_step(c, &off, idx))
        s += apply_map(c->map, tn_load_f64(a->buffer, a->dtype, off), center);
    return s;
}

static double pairwise(const red_ctx *c, int64_t base, int64_t lo, int64_t hi, double center)
{
    if (hi - lo <= PAIRWISE_BLOCK) return block_sum(c, base, lo, hi, center);
    int64_t mid = lo + (hi - lo) / 2;
    return pairwise(c, base, lo, mid, center) + pairwise(c, base, mid, hi, center);
}

/* Is candidate (v, at) better than the current extreme? NaN beats all. */
static bool better_f(scan_kind k, double cur, double v)
{
    if (isnan(cur)) return false;
    if (isnan(v)) return true;
    return k == SCAN_MIN ? v < cur : v > cur;
}

static void scan_range(const red_ctx *c, int64_t base, int64_t lo, int64_t hi, part *p)
{
    const trueno_tensor_desc *a = c->op->inputs[0];
    int64_t idx[TRUENO_MAX_RANK];
    int64_t off = red_offset(c, base, lo, idx);
    p->any = hi > lo;
    p->f = c->scan == SCAN_PROD ? 1 : 0;
    p->i = c->scan == SCAN_PROD ? 1 : 0;
    p->arg = lo;
    uint64_t iprod = 1;
    for (int64_t i = lo; i < hi; i++, red_step(c, &off, idx)) {
        switch (c->scan) {
        case SCAN_PROD:
            if (c->is_float) p->f *= tn_load_f64(a->buffer, a->dtype, off);
            else iprod *= (uint64_t)tn_load_i64(a->buffer, a->dtype, off);
            break;
        case SCAN_COUNT:
            p->i += c->is_float ? tn_load_f64(a->buffer, a->dtype, off) != 0
                                : tn_load_i64(a->buffer, a->dtype, off) != 0;
            break;
        case SCAN_SUM: /* integers only; float sums go through pairwise() */
            p->i = (int64_t)((uint64_t)p->i + (uint64_t)tn_load_i64(a->buffer, a->dtype, off));
            break;
        default: { /* MIN, MAX, ABSMAX */
            scan_kind k = c->scan == SCAN_ABSMAX ? SCAN_MAX : c->scan;
            if (c->is_float) {
                double v = tn_load_f64(a->buffer, a->dtype, off);
                if (c->scan == SCAN_ABSMAX) v = fabs(v);
                if (i == lo || better_f(k, p->f, v)) { p->f = v; p->arg = i; }
            } else {
                int64_t v = tn_load_i64(a->buffer, a->dtype, off);
                if (i == lo || (k == SCAN_MIN ? v < p->i : v > p->i)) { p->i = v; p->arg = i; }
            }
        }
        }
    }
    if (c->scan == SCAN_PROD && !c->is_float) p->i = (int64_t)iprod;
}

static int64_t kept_base(const red_ctx *c, int64_t o)
{
    int64_t off = c->op->inputs[0]->offset;
    for (int ax = (int)c->n_kept - 1; ax >= 0; ax--) {
        off += (o % c->kept_shape[ax]) * c->kept_stride[ax];
        o /= c->kept_shape[ax];
    }
    return off;
}

static void reduce_range(void *arg, int64_t begin, int64_t end)
{
    red_ctx *c = arg;
    for (int64_t w = begin; w < end; w++) {
        int64_t o = w / c->n_chunks, chunk = w % c->n_chunks;
        int64_t lo = chunk * SUM_CHUNK, hi = lo + SUM_CHUNK < c->red_count ? lo + SUM_CHUNK : c->red_count;
        int64_t base = kept_base(c, o);
        part *p = &c->parts[w];
        if (c->scan == SCAN_SUM && c->is_float) {
            p->f = pairwise(c, base, lo, hi, c->center ? c->center[o] : 0);
            p->any = hi > lo;
        } else {
            scan_range(c, base, lo, hi, p);
        }
    }
}

static double pairwise_array(const part *v, int64_t n)
{
    if (n <= 8) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += v[i].f;
        return s;
    }
    return pairwise_array(v, n / 2) + pairwise_array(v + n / 2, n - n / 2);
}

/* Combines output o's chunk results into one part, in chunk order. */
static part combine(const red_ctx *c, int64_t o)
{
    const part *ps = &c->parts[o * c->n_chunks];
    part r = ps[0];
    if (c->scan == SCAN_SUM && c->is_float) { r.f = pairwise_array(ps, c->n_chunks); return r; }
    for (int64_t k = 1; k < c->n_chunks; k++) {
        const part *p = &ps[k];
        switch (c->scan) {
        case SCAN_SUM: r.i = (int64_t)((uint64_t)r.i + (uint64_t)p->i); break;
        case SCAN_COUNT: r.i += p->i; break;
        case SCAN_PROD: r.f *= p->f; r.i = (int64_t)((uint64_t)r.i * (uint64_t)p->i); break;
        default: {
            scan_kind kk = c->scan == SCAN_ABSMAX ? SCAN_MAX : c->scan;
            if (!p->any) break;
            if (c->is_float ? better_f(kk, r.f, p->f) : (kk == SCAN_MIN ? p->i < r.i : p->i > r.i)) {
                r.f = p->f; r.i = p->i; r.arg = p->arg;
            }
        }
        }
    }
    return r;
}

/* One pass: fills c->parts and returns the combined part per output. */
static trueno_status run_pass(const trueno_host *host, red_ctx *c, int64_t n_out, part *out)
{
    int64_t n_work = n_out * c->n_chunks;
    if (c->red_count == 0) {
        for (int64_t o = 0; o < n_out; o++) {
            memset(&out[o], 0, sizeof out[o]);
            out[o].f = c->scan == SCAN_PROD ? 1 : 0;
            out[o].i = c->scan == SCAN_PROD ? 1 : 0;
        }
        return TRUENO_OK;
    }
    int64_t per_item = c->red_count < SUM_CHUNK ? c->red_count : SUM_CHUNK;
    int64_t grain = TN_REF_GRAIN / per_item > 1 ? TN_REF_GRAIN / per_item : 1;
    host->parallel_for(host->ctx, n_work, grain, reduce_range, c);
    for (int64_t o = 0; o < n_out; o++) out[o] = combine(c, o);
    return TRUENO_OK;
}

trueno_status tn_ref_reduce(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    uint64_t mask = (uint64_t)op->params->ints[0];
    red_ctx c;
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
    part *results = host->aligned_alloc(host->ctx, 64, (size_t)n_out * sizeof(part));
    c.parts = host->aligned_alloc(host->ctx, 64, (size_t)(n_out * c.n_chunks) * sizeof(part));
    double *center = host->aligned_alloc(host->ctx, 64, (size_t)n_out * sizeof(double));
    if (!results || !c.parts || !center) {
        host->aligned_free(host->ctx, results);
        host->aligned_free(host->ctx, c.parts);
        host->aligned_free(host->ctx, center);
        return TRUENO_OUT_OF_MEMORY;
    }
    uint32_t code = op->op;
    double n = (double)c.red_count;
    switch (code) {
    case TRUENO_OP_SUM: case TRUENO_OP_MEAN: c.scan = SCAN_SUM; break;
    case TRUENO_OP_PROD: c.scan = SCAN_PROD; break;
    case TRUENO_OP_AMIN: case TRUENO_OP_ARGMIN: c.scan = SCAN_MIN; break;
    case TRUENO_OP_AMAX: case TRUENO_OP_ARGMAX: case TRUENO_OP_LOGSUMEXP: c.scan = SCAN_MAX; break;
    case TRUENO_OP_ALL: case TRUENO_OP_ANY: case TRUENO_OP_COUNT_NONZERO: c.scan = SCAN_COUNT; break;
    case TRUENO_OP_VAR: case TRUENO_OP_STD: c.scan = SCAN_SUM; break;
    case TRUENO_OP_NORM:
        c.scan = op->params->ints[1] == 3 ? SCAN_ABSMAX : SCAN_SUM;
        c.map = op->params->ints[1] == 1 ? MAP_ABS : MAP_SQ;
        break;
    default: TN_ASSERT(!"not a reduction");
    }
    run_pass(host, &c, n_out, results);
    /* second passes: squared deviations from the mean, exp(x - max) */
    if (code == TRUENO_OP_VAR || code == TRUENO_OP_STD || code == TRUENO_OP_LOGSUMEXP) {
        for (int64_t i = 0; i < n_out; i++)
            center[i] = code == TRUENO_OP_LOGSUMEXP ? results[i].f : results[i].f / n;
        if (code == TRUENO_OP_LOGSUMEXP) {
            c.scan = SCAN_SUM;
            c.map = MAP_EXPC;
        } else {
            c.map = MAP_DEV2;
        }
        c.center = center;
        run_pass(host, &c, n_out, results);
    }
    for (int64_t i = 0; i < n_out; i++) {
        int64_t off = o->offset, rest = i;
        for (int ax = (int)c.n_kept - 1; ax >= 0; ax--) {
            off += (rest % c.kept_shape[ax]) * c.out_stride[ax];
            rest /= c.kept_shape[ax];
        }
        part r = results[i];
        switch (code) {
        case TRUENO_OP_SUM: case TRUENO_OP_PROD: case TRUENO_OP_AMIN: case TRUENO_OP_AMAX:
            if (c.is_float) tn_store_f64(o->buffer, o->dtype, off, r.f);
            else tn_store_i64(o->buffer, o->dtype, off, r.i);
            break;
        case TRUENO_OP_MEAN: tn_store_f64(o->buffer, o->dtype, off, r.f / n); break;
        case TRUENO_OP_VAR: case TRUENO_OP_STD: {
            double dof = n - op->params->floats[0];
            double v = r.f / (dof > 0 ? dof : 0);
            tn_store_f64(o->buffer, o->dtype, off, code == TRUENO_OP_STD ? sqrt(v) : v);
            break;
        }
        case TRUENO_OP_ARGMIN: case TRUENO_OP_ARGMAX: tn_store_i64(o->buffer, o->dtype, off, r.arg); break;
        case TRUENO_OP_ALL: tn_store_i64(o->buffer, o->dtype, off, r.i == c.red_count); break;
        case TRUENO_OP_ANY: tn_store_i64(o->buffer, o->dtype, off, r.i > 0); break;
        case TRUENO_OP_COUNT_NONZERO: tn_store_i64(o->buffer, o->dtype, off, r.i); break;
        case TRUENO_OP_LOGSUMEXP: {
            double m = center[i];
            double v = c.red_count == 0 ? -INFINITY : isinf(m) || isnan(m) ? m : m + log(r.f);
            tn_store_f64(o->buffer, o->dtype, off, v);
            break;
        }
        case TRUENO_OP_NORM:
            tn_store_f64(o->buffer, o->dtype, off, op->params->ints[1] == 2 ? sqrt(r.f) : r.f);
            break;
        }
    }
    host->aligned_free(host->ctx, results);
    host->aligned_free(host->ctx, c.parts);
    host->aligned_free(host->ctx, center);
    return TRUENO_OK;
}

/* ---- along one axis: softmax, log_softmax, cumsum, cumprod -------------- */

typedef struct line_ctx {
    const trueno_op_desc *op;
    int axis;
    int64_t extent;
} line_ctx;

/* Offsets of line `l` (all axes but `axis`, C order) in t. */
static int64_t line_base(const trueno_tensor_desc *t, int axis, int64_t l)
{
    int64_t off = t->offset;
    for (int ax = (int)t->rank - 1; ax >= 0; ax--) {
        if (ax == axis) continue;
        off += (l % t->shape[ax]) * t->strides[ax];
        l /= t->shape[ax];
    }
    return off;
}

static void line_range(void *arg, int64_t begin, int64_t end)
{
    const line_ctx *c = arg;
    const trueno_tensor_desc *a = c->op->inputs[0], *o = c->op->outputs[0];
    int64_t sa = a->strides[c->axis], so = o->strides[c->axis], n = c->extent;
    bool is_float = tn_dtype_is_float(a->dtype);
    for (int64_t l = begin; l < end; l++) {
        int64_t ia = line_base(a, c->axis, l), io = line_base(o, c->axis, l);
        switch (c->op->op) {
        case TRUENO_OP_SOFTMAX:
        case TRUENO_OP_LOG_SOFTMAX: {
            double m = -INFINITY, s = 0;
            for (int64_t k = 0; k < n; k++) {
                double x = tn_load_f64(a->buffer, a->dtype, ia + k * sa);
                m = isnan(x) || x > m ? x : m;
            }
            for (int64_t k = 0; k < n; k++) s += exp(tn_load_f64(a->buffer, a->dtype, ia + k * sa) - m);
            for (int64_t k = 0; k < n; k++) {
                double x = tn_load_f64(a->buffer, a->dtype, ia + k * sa);
                double y = c->op->op == TRUENO_OP_SOFTMAX ? exp(x - m) / s : x - m - log(s);
                tn_ref_store_float(o, io + k * so, y);
            }
            break;
        }
        default: { /* CUMSUM, CUMPROD: float64 or wrapping uint64 running total */
            bool prod = c->op->op == TRUENO_OP_CUMPROD;
            double f = prod ? 1 : 0;
            uint64_t i = prod ? 1 : 0;
            for (int64_t k = 0; k < n; k++) {
                if (is_float) {
                    double x = tn_load_f64(a->buffer, a->dtype, ia + k * sa);
                    f = prod ? f * x : f + x;
                    tn_ref_store_float(o, io + k * so, f);
                } else {
                    uint64_t x = (uint64_t)tn_load_i64(a->buffer, a->dtype, ia + k * sa);
                    i = prod ? i * x : i + x;
                    tn_store_i64(o->buffer, o->dtype, io + k * so, (int64_t)i);
                }
            }
        }
        }
    }
}

trueno_status tn_ref_along_axis(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0];
    line_ctx c = {op, (int)op->params->ints[0], a->shape[op->params->ints[0]]};
    if (c.extent == 0) return TRUENO_OK;
    int64_t lines = trueno_desc_numel(a) / c.extent;
    int64_t grain = TN_REF_GRAIN / c.extent > 1 ? TN_REF_GRAIN / c.extent : 1;
    return host->parallel_for(host->ctx, lines, grain, line_range, &c);
}

/* ---- sort, argsort, topk -------------------------------------------------- */

typedef struct sort_item {
    double f;
    int64_t i;
    int64_t index;
} sort_item;

typedef struct sort_ctx {
    const trueno_op_desc *op;
    const trueno_host *host;
    int axis;
    int64_t extent, k;
    bool descending, is_float;
    trueno_status status;
} sort_ctx;

/* <0 when x sorts before y ascending; NaN is the largest value. */
static int cmp_items(const sort_item *x, const sort_item *y, bool is_float)
{
    if (is_float) {
        bool nx = isnan(x->f), ny = isnan(y->f);
        if (nx || ny) return nx - ny;
        return (x->f > y->f) - (x->f < y->f);
    }
    return (x->i > y->i) - (x->i < y->i);
}

/* Bottom-up merge sort: stable, so equal values keep their index order. */
static void merge_sort(sort_item *v, sort_item *tmp, int64_t n, bool desc, bool is_float)
{
    for (int64_t width = 1; width < n; width *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * width) {
            int64_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                int c = cmp_items(&v[j], &v[i], is_float);
                bool take_right = desc ? c > 0 : c < 0; /* strictly: ties keep the left */
                tmp[k++] = take_right ? v[j++] : v[i++];
            }
            while (i < mid) tmp[k++] = v[i++];
            while (j < hi) tmp[k++] = v[j++];
        }
        memcpy(v, tmp, (size_t)n * sizeof *v);
    }
}

/* topk for small k: one pass in index order keeping the k best so far in
 * order, so equal values keep their index order as with the stable sort;
 * O(n·k) at worst, about n comparisons for data in no particular order.
 * Leaves the k best in v[0..k). */
#define TOPK_SELECT_MAX 64
static void select_k(sort_item *v, int64_t n, int64_t k, bool desc, bool is_float)
{
    int64_t kept = 0;
    for (int64_t j = 0; j < n && k > 0; j++) {
        sort_item x = v[j];
        /* x goes before v[pos] only when strictly better: ties keep the earlier index */
#define BETTER(a, b) (desc ? cmp_items(a, b, is_float) > 0 : cmp_items(a, b, is_float) < 0)
        if (kept == k && !BETTER(&x, &v[k - 1])) continue;
        int64_t pos = kept < k ? kept : k - 1;
        while (pos > 0 && BETTER(&x, &v[pos - 1])) {
            v[pos] = v[pos - 1];
            pos--;
        }
#undef BETTER
        v[pos] = x;
        if (kept < k) kept++;
    }
}

static void sort_range(void *arg, int64_t begin, int64_t end)
{
    sort_ctx *c = arg;
    const trueno_tensor_desc *a = c->op->inputs[0], *o = c->op->outputs[0];
    const trueno_tensor_desc *o2 = c->op->n_outputs > 1 ? c->op->outputs[1] : NULL;
    sort_item *v = c->host->aligned_alloc(c->host->ctx, 64, (size_t)(2 * c->extent) * sizeof *v);
    if (!v) { __atomic_store_n(&c->status, TRUENO_OUT_OF_MEMORY, __ATOMIC_RELAXED); return; }
    int64_t sa = a->strides[c->axis], so = o->strides[c->axis];
    for (int64_t l = begin; l < end; l++) {
        int64_t ia = line_base(a, c->axis, l), io = line_base(o, c->axis, l);
        for (int64_t k = 0; k < c->extent; k++) {
            v[k].index = k;
            if (c->is_float) v[k].f = tn_load_f64(a->buffer, a->dtype, ia + k * sa);
            else v[k].i = tn_load_i64(a->buffer, a->dtype, ia + k * sa);
        }
        if (c->op->op == TRUENO_OP_TOPK && c->k <= TOPK_SELECT_MAX)
            select_k(v, c->extent, c->k, c->descending, c->is_float);
        else
            merge_sort(v, v + c->extent, c->extent, c->descending, c->is_float);
        for (int64_t k = 0; k < c->k; k++) {
            if (c->op->op == TRUENO_OP_ARGSORT) {
                tn_store_i64(o->buffer, o->dtype, io + k * so, v[k].index);
                continue;
            }
            if (c->is_float) tn_store_f64(o->buffer, o->dtype, io + k * so, v[k].f);
            else tn_store_i64(o->buffer, o->dtype, io + k * so, v[k].i);
            if (o2)
                tn_store_i64(o2->buffer, o2->dtype, line_base(o2, c->axis, l) + k * o2->strides[c->axis],
                             v[k].index);
        }
    }
    c->host->aligned_free(c->host->ctx, v);
}

trueno_status tn_ref_sort(const trueno_host *host, const trueno_op_desc *op)
{
    const trueno_tensor_desc *a = op->inputs[0];
    sort_ctx c = {op, host, (int)op->params->ints[0], 0, 0, false, tn_dtype_is_float(a->dtype), TRUENO_OK};
    c.extent = a->shape[c.axis];
    c.k = op->op == TRUENO_OP_TOPK ? op->params->ints[1] : c.extent;
    c.descending = op->op == TRUENO_OP_TOPK ? op->params->ints[2] != 0 : op->params->ints[1] != 0;
    if (c.extent == 0) return TRUENO_OK;
    int64_t lines = trueno_desc_numel(a) / c.extent;
    host->parallel_for(host->ctx, lines, TN_REF_GRAIN / c.extent > 1 ? TN_REF_GRAIN / c.extent : 1,
                       sort_range, &c);
    return c.status;
}
