/*
 * views.c — tensor creation (zeros … randn), copies, and the views:
 * reshape (a view when the strides allow it), flatten, squeeze, unsqueeze,
 * permute, swapaxes, slices with steps, select, broadcast_to/expand and
 * diagonal. A view is a new handle over the same storage; nothing is
 * copied.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "reference/ref_kernels.h"

/* ---- creation ----------------------------------------------------------- */

/* Fills a fresh host tensor element by element with f(i). */
typedef double (*value_fn)(const void *ctx, int64_t i);

static trueno_status make_filled(trueno_runtime *rt, trueno_dtype dt, size_t rank,
                                 const int64_t *shape, value_fn f, const void *ctx,
                                 trueno_tensor **out)
{
    if (!out) return tn_error(TRUENO_INVALID_ARGUMENT, "creation: out is NULL");
    trueno_tensor *t = NULL;
    trueno_status s = tn_tensor_new_host(rt, dt, rank, shape, &t);
    if (s != TRUENO_OK) return s;
    int64_t n = tn_numel(rank, shape);
    for (int64_t i = 0; i < n; i++) tn_store_f64(t->st->host, dt, i, f(ctx, i));
    *out = t;
    return TRUENO_OK;
}

static double const_value(const void *ctx, int64_t i) { (void)i; return *(const double *)ctx; }

trueno_status trueno_full(trueno_runtime *rt, trueno_dtype dt, size_t rank, const int64_t *shape,
                          double value, trueno_tensor **out)
{
    return make_filled(rt, dt, rank, shape, const_value, &value, out);
}

trueno_status trueno_zeros(trueno_runtime *rt, trueno_dtype dt, size_t rank, const int64_t *shape,
                           trueno_tensor **out)
{
    return trueno_full(rt, dt, rank, shape, 0, out);
}

trueno_status trueno_ones(trueno_runtime *rt, trueno_dtype dt, size_t rank, const int64_t *shape,
                          trueno_tensor **out)
{
    return trueno_full(rt, dt, rank, shape, 1, out);
}

trueno_status trueno_scalar(trueno_runtime *rt, trueno_dtype dt, double value, trueno_tensor **out)
{
    return trueno_full(rt, dt, 0, NULL, value, out);
}

trueno_status trueno_empty_like(const trueno_tensor *t, trueno_tensor **out)
{
    if (!t) return tn_error(TRUENO_INVALID_ARGUMENT, "empty_like: t is NULL");
    return trueno_tensor_empty(t->st->rt, t->dtype, t->rank, t->shape, out);
}

trueno_status trueno_full_like(const trueno_tensor *t, double value, trueno_tensor **out)
{
    if (!t) return tn_error(TRUENO_INVALID_ARGUMENT, "full_like: t is NULL");
    return trueno_full(t->st->rt, t->dtype, t->rank, t->shape, value, out);
}

trueno_status trueno_zeros_like(const trueno_tensor *t, trueno_tensor **out) { return trueno_full_like(t, 0, out); }
trueno_status trueno_ones_like(const trueno_tensor *t, trueno_tensor **out) { return trueno_full_like(t, 1, out); }

typedef struct range_ctx { double start, step; } range_ctx;
static double range_value(const void *ctx, int64_t i)
{
    const range_ctx *r = ctx;
    return r->start + (double)i * r->step;
}

trueno_status trueno_arange(trueno_runtime *rt, trueno_dtype dt, double start, double stop,
                            double step, trueno_tensor **out)
{
    if (step == 0 || isnan(step) || isnan(start) || isnan(stop))
        return tn_error(TRUENO_INVALID_ARGUMENT, "arange: step must be a non-zero number (got %g)", step);
    double len = ceil((stop - start) / step);
    if (len > 9e15) return tn_error(TRUENO_INVALID_ARGUMENT, "arange: %g elements is too many", len);
    int64_t n = len > 0 ? (int64_t)len : 0;
    range_ctx r = {start, step};
    return make_filled(rt, dt, 1, &n, range_value, &r, out);
}

typedef struct lin_ctx { double start, stop, step; int64_t last; } lin_ctx;
static double lin_value(const void *ctx, int64_t i)
{
    const lin_ctx *l = ctx;
    return i == l->last ? l->stop : l->start + (double)i * l->step;
}

trueno_status trueno_linspace(trueno_runtime *rt, trueno_dtype dt, double start, double stop,
                              int64_t num, int endpoint, trueno_tensor **out)
{
    if (num < 0) return tn_error(TRUENO_INVALID_ARGUMENT, "linspace: num must be >= 0 (got %lld)", (long long)num);
    int64_t div = endpoint ? num - 1 : num;
    lin_ctx l = {start, stop, div > 0 ? (stop - start) / (double)div : 0, endpoint && num > 1 ? num - 1 : -1};
    return make_filled(rt, dt, 1, &num, lin_value, &l, out);
}

typedef struct eye_ctx { int64_t m, k; } eye_ctx;
static double eye_value(const void *ctx, int64_t i)
{
    const eye_ctx *e = ctx;
    return i % e->m - i / e->m == e->k;
}

trueno_status trueno_eye(trueno_runtime *rt, trueno_dtype dt, int64_t n, int64_t m, int64_t k,
                         trueno_tensor **out)
{
    if (n < 0 || m < 0) return tn_error(TRUENO_INVALID_ARGUMENT, "eye: negative size (%lld, %lld)", (long long)n, (long long)m);
    int64_t shape[2] = {n, m};
    eye_ctx e = {m ? m : 1, k};
    return make_filled(rt, dt, 2, shape, eye_value, &e, out);
}

typedef struct rand_ctx { uint32_t key[2]; int bits; bool normal; } rand_ctx;

/* Element i uses Philox counter i: two uniforms (with `bits` of precision,
 * so that rounding to the dtype never gives 1.0), and for randn the Box–Muller
 * transform of them. */
static double rand_value(const void *ctx, int64_t i)
{
    const rand_ctx *r = ctx;
    uint32_t ctr[4] = {(uint32_t)i, (uint32_t)((uint64_t)i >> 32), 0, 0}, w[4];
    tn_philox4x32(ctr, r->key, w);
    uint64_t b1 = ((uint64_t)w[0] << 32 | w[1]) >> (64 - r->bits);
    double u1 = ldexp((double)b1, -r->bits);
    if (!r->normal) return u1;
    uint64_t b2 = ((uint64_t)w[2] << 32 | w[3]) >> 11;
    double u2 = ldexp((double)b2, -53);
    return sqrt(-2 * log(1 - u1)) * cos(2 * M_PI * u2);
}

static trueno_status random_tensor(trueno_runtime *rt, trueno_dtype dt, size_t rank,
                                   const int64_t *shape, uint64_t seed, bool normal, trueno_tensor **out)
{
    if (!tn_dtype_is_float(dt))
        return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: dtype %s is not a float dtype",
                        normal ? "randn" : "rand", trueno_dtype_name(dt));
    rand_ctx r = {{(uint32_t)seed, (uint32_t)(seed >> 32)}, 53, normal};
    if (!normal)
        r.bits = dt == TRUENO_DTYPE_FLOAT64 ? 53 : dt == TRUENO_DTYPE_FLOAT32 ? 24
               : dt == TRUENO_DTYPE_FLOAT16 ? 11 : 8;
    return make_filled(rt, dt, rank, shape, rand_value, &r, out);
}

trueno_status trueno_rand(trueno_runtime *rt, trueno_dtype dt, size_t rank, const int64_t *shape,
                          uint64_t seed, trueno_tensor **out)
{
    return random_tensor(rt, dt, rank, shape, seed, false, out);
}

trueno_status trueno_randn(trueno_runtime *rt, trueno_dtype dt, size_t rank, const int64_t *shape,
                           uint64_t seed, trueno_tensor **out)
{
    return random_tensor(rt, dt, rank, shape, seed, true, out);
}

trueno_status trueno_fill(trueno_tensor *t, double value)
{
    if (!t) return tn_error(TRUENO_INVALID_ARGUMENT, "fill: t is NULL");
    trueno_runtime *rt = t->st->rt;
    tn_runtime_lock(rt);
    trueno_status s = tn_storage_ensure_host(t->st);
    if (s == TRUENO_OK) {
        trueno_tensor_desc d;
        tn_tensor_desc_fill(t, t->st->host, &d);
        int64_t n = tn_numel(t->rank, t->shape);
        for (int64_t i = 0; i < n; i++) tn_store_f64(t->st->host, t->dtype, tn_offset_of(&d, i), value);
        tn_storage_mark_written(t->st, &rt->devices[0]); /* the host copy is now the only one */
    }
    tn_runtime_unlock(rt);
    return s;
}

trueno_status trueno_copy(const trueno_tensor *t, trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "copy: NULL argument");
    return tn_run(TRUENO_OP_CONTIGUOUS, t->dtype, &t, 1, t->dtype, t->rank, t->shape, NULL, out);
}

int trueno_tensor_is_contiguous(const trueno_tensor *t)
{
    int64_t expect = 1;
    for (size_t i = t->rank; i-- > 0;) {
        if (t->shape[i] != 1 && t->strides[i] != expect) return 0;
        expect *= t->shape[i];
    }
    return 1;
}

trueno_status trueno_contiguous(const trueno_tensor *t, trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "contiguous: NULL argument");
    if (trueno_tensor_is_contiguous(t)) return tn_tensor_view(t, t->rank, t->shape, t->strides, t->offset, out);
    return trueno_copy(t, out);
}

trueno_status trueno_astype(const trueno_tensor *a, trueno_dtype dtype, trueno_tensor **out)
{
    if (!a || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "astype: NULL argument");
    if (!tn_dtype_valid(dtype)) return tn_error(TRUENO_INVALID_ARGUMENT, "astype: unknown dtype %d", (int)dtype);
    return tn_run(TRUENO_OP_CAST, a->dtype, &a, 1, dtype, a->rank, a->shape, NULL, out);
}

/* ---- views --------------------------------------------------------------- */

/* Strides for viewing (oshape, ostride) as nshape without a copy, or false.
 * The chunk-matching rule of PyTorch's computeStride: axes of the old
 * shape that are laid out contiguously relative to each other form chunks,
 * and the new shape must split each chunk exactly. */
static bool view_strides(size_t orank, const int64_t *oshape, const int64_t *ostride, size_t nrank,
                         const int64_t *nshape, int64_t *nstride)
{
    int64_t numel = tn_numel(orank, oshape);
    if (numel == 0 || orank == 0) {
        tn_contiguous_strides(nrank, nshape, nstride);
        return true;
    }
    int view_d = (int)nrank - 1;
    int64_t chunk_base = ostride[orank - 1], tensor_numel = 1, view_numel = 1;
    for (int d = (int)orank - 1; d >= 0; d--) {
        tensor_numel *= oshape[d];
        if (d == 0 || (oshape[d - 1] != 1 && ostride[d - 1] != tensor_numel * chunk_base)) {
            while (view_d >= 0 && (view_numel < tensor_numel || nshape[view_d] == 1)) {
                nstride[view_d] = view_numel * chunk_base;
                view_numel *= nshape[view_d];
                view_d--;
            }
            if (view_numel != tensor_numel) return false;
            if (d > 0) {
                chunk_base = ostride[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    return view_d == -1;
}

trueno_status trueno_reshape(const trueno_tensor *t, size_t rank, const int64_t *shape, trueno_tensor **out)
{
    if (!t || !out || (rank && !shape)) return tn_error(TRUENO_INVALID_ARGUMENT, "reshape: NULL argument");
    if (rank > TRUENO_MAX_RANK)
        return tn_error(TRUENO_INVALID_ARGUMENT, "reshape: rank %zu is more than %d", rank, TRUENO_MAX_RANK);
    int64_t ns[TRUENO_MAX_RANK], known = 1;
    int infer = -1;
    char sa[160], sb[160];
    for (size_t i = 0; i < rank; i++) {
        ns[i] = shape[i];
        if (shape[i] == -1 && infer < 0) { infer = (int)i; continue; }
        if (shape[i] < 0)
            return tn_error(TRUENO_INVALID_ARGUMENT, "reshape: extent %lld in %s is negative (only one "
                            "-1 may be inferred)", (long long)shape[i], tn_shape_str(rank, shape, sb, sizeof sb));
        known *= shape[i];
    }
    int64_t numel = tn_numel(t->rank, t->shape);
    if (infer >= 0) {
        if (known == 0 || numel % known)
            return tn_error(TRUENO_SHAPE_MISMATCH, "reshape: cannot reshape a tensor of shape %s (%lld "
                            "elements) into %s: the -1 cannot be inferred", TN_SHAPE(t, sa),
                            (long long)numel, tn_shape_str(rank, shape, sb, sizeof sb));
        ns[infer] = numel / known;
        known *= ns[infer];
    }
    if (known != numel)
        return tn_error(TRUENO_SHAPE_MISMATCH, "reshape: cannot reshape a tensor of shape %s (%lld elements) "
                        "into shape %s (%lld elements). Hint: the product of the extents must stay the "
                        "same; use -1 for one extent to infer it", TN_SHAPE(t, sa), (long long)numel,
                        tn_shape_str(rank, ns, sb, sizeof sb), (long long)known);
    int64_t nst[TRUENO_MAX_RANK];
    if (view_strides(t->rank, t->shape, t->strides, rank, ns, nst))
        return tn_tensor_view(t, rank, ns, nst, t->offset, out);
    trueno_tensor *c = NULL;
    trueno_status s = trueno_copy(t, &c);
    if (s != TRUENO_OK) return s;
    tn_contiguous_strides(rank, ns, nst);
    s = tn_tensor_view(c, rank, ns, nst, 0, out);
    trueno_tensor_free(c);
    return s;
}

trueno_status trueno_flatten(const trueno_tensor *t, int start_axis, int end_axis, trueno_tensor **out)
{
    if (!t) return tn_error(TRUENO_INVALID_ARGUMENT, "flatten: t is NULL");
    if (t->rank == 0) { int64_t one = 1; return trueno_reshape(t, 1, &one, out); }
    int s0 = 0, s1 = 0;
    trueno_status s = tn_axis("flatten", t, start_axis, t->rank, &s0);
    if (s == TRUENO_OK) s = tn_axis("flatten", t, end_axis, t->rank, &s1);
    if (s != TRUENO_OK) return s;
    if (s0 > s1) return tn_error(TRUENO_INVALID_ARGUMENT, "flatten: start axis %d comes after end axis %d", start_axis, end_axis);
    int64_t shape[TRUENO_MAX_RANK];
    size_t r = 0;
    for (int i = 0; i < s0; i++) shape[r++] = t->shape[i];
    shape[r] = 1;
    for (int i = s0; i <= s1; i++) shape[r] *= t->shape[i];
    r++;
    for (int i = s1 + 1; i < (int)t->rank; i++) shape[r++] = t->shape[i];
    return trueno_reshape(t, r, shape, out);
}

trueno_status trueno_squeeze(const trueno_tensor *t, const int *axes, size_t n_axes, trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "squeeze: NULL argument");
    uint32_t mask = 0;
    char sa[160];
    if (axes && n_axes) {
        trueno_status s = tn_axes_mask("squeeze", t, axes, n_axes, &mask);
        if (s != TRUENO_OK) return s;
        for (size_t i = 0; i < t->rank; i++)
            if ((mask >> i & 1) && t->shape[i] != 1)
                return tn_error(TRUENO_INVALID_ARGUMENT, "squeeze: axis %zu of shape %s has extent %lld, "
                                "not 1", i, TN_SHAPE(t, sa), (long long)t->shape[i]);
    } else {
        for (size_t i = 0; i < t->rank; i++) mask |= (uint32_t)(t->shape[i] == 1) << i;
    }
    int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK];
    size_t r = 0;
    for (size_t i = 0; i < t->rank; i++)
        if (!(mask >> i & 1)) { shape[r] = t->shape[i]; strides[r++] = t->strides[i]; }
    return tn_tensor_view(t, r, shape, strides, t->offset, out);
}

trueno_status trueno_unsqueeze(const trueno_tensor *t, int axis, trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "unsqueeze: NULL argument");
    if (t->rank == TRUENO_MAX_RANK)
        return tn_error(TRUENO_INVALID_ARGUMENT, "unsqueeze: the tensor already has %d axes", TRUENO_MAX_RANK);
    int ax = 0;
    trueno_status s = tn_axis("unsqueeze", t, axis, t->rank + 1, &ax);
    if (s != TRUENO_OK) return s;
    int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK];
    for (int i = 0, j = 0; i <= (int)t->rank; i++) {
        if (i == ax) {
            shape[i] = 1;
            strides[i] = j < (int)t->rank ? t->shape[j] * t->strides[j] : 1;
            continue;
        }
        shape[i] = t->shape[j];
        strides[i] = t->strides[j++];
    }
    return tn_tensor_view(t, t->rank + 1, shape, strides, t->offset, out);
}

trueno_status trueno_permute(const trueno_tensor *t, const int *axes, size_t n_axes, trueno_tensor **out)
{
    if (!t || !out || (n_axes && !axes)) return tn_error(TRUENO_INVALID_ARGUMENT, "permute: NULL argument");
    char sa[160];
    if (n_axes != t->rank)
        return tn_error(TRUENO_INVALID_ARGUMENT, "permute: %zu axes given for a tensor of shape %s (rank "
                        "%u): give a permutation of all its axes", n_axes, TN_SHAPE(t, sa), t->rank);
    int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK];
    uint32_t seen = 0;
    for (size_t i = 0; i < n_axes; i++) {
        int ax = 0;
        trueno_status s = tn_axis("permute", t, axes[i], t->rank, &ax);
        if (s != TRUENO_OK) return s;
        if (seen >> ax & 1)
            return tn_error(TRUENO_INVALID_ARGUMENT, "permute: axis %d appears twice; give each axis once", axes[i]);
        seen |= 1u << ax;
        shape[i] = t->shape[ax];
        strides[i] = t->strides[ax];
    }
    return tn_tensor_view(t, t->rank, shape, strides, t->offset, out);
}

trueno_status trueno_swapaxes(const trueno_tensor *t, int a0, int a1, trueno_tensor **out)
{
    return trueno_transpose(t, a0, a1, out);
}

/* Python's slice.indices(): clipped start, and the element count. */
static int64_t slice_indices(const trueno_slice *sl, int64_t n, int64_t *start)
{
    int64_t step = sl->step, st = sl->start, sp = sl->stop;
    if (step > 0) {
        st = st == TRUENO_SLICE_ALL ? 0 : st < 0 ? (st + n < 0 ? 0 : st + n) : (st > n ? n : st);
        sp = sp == TRUENO_SLICE_ALL ? n : sp < 0 ? (sp + n < 0 ? 0 : sp + n) : (sp > n ? n : sp);
        *start = st;
        return sp > st ? (sp - st + step - 1) / step : 0;
    }
    st = st == TRUENO_SLICE_ALL ? n - 1 : st < 0 ? (st + n < 0 ? -1 : st + n) : (st >= n ? n - 1 : st);
    sp = sp == TRUENO_SLICE_ALL ? -1 : sp < 0 ? (sp + n < 0 ? -1 : sp + n) : (sp >= n ? n - 1 : sp);
    *start = st;
    return st > sp ? (st - sp - step - 1) / -step : 0;
}

trueno_status trueno_slice_view(const trueno_tensor *t, const trueno_slice *slices, size_t n_slices,
                                trueno_tensor **out)
{
    if (!t || !out || (n_slices && !slices)) return tn_error(TRUENO_INVALID_ARGUMENT, "slice: NULL argument");
    char sa[160];
    if (n_slices > t->rank)
        return tn_error(TRUENO_INVALID_ARGUMENT, "slice: %zu slices for a tensor of shape %s (rank %u)",
                        n_slices, TN_SHAPE(t, sa), t->rank);
    int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK], offset = t->offset;
    memcpy(shape, t->shape, sizeof shape);
    memcpy(strides, t->strides, sizeof strides);
    for (size_t i = 0; i < n_slices; i++) {
        if (slices[i].step == 0)
            return tn_error(TRUENO_INVALID_ARGUMENT, "slice: step 0 on axis %zu; a slice step must not be zero", i);
        if (slices[i].step == TRUENO_SLICE_ALL)
            return tn_error(TRUENO_INVALID_ARGUMENT, "slice: the step of axis %zu must be a number (1 for every element)", i);
        int64_t start, n = slice_indices(&slices[i], t->shape[i], &start);
        if (n > 0) offset += start * t->strides[i];
        shape[i] = n;
        strides[i] = t->strides[i] * slices[i].step;
    }
    return tn_tensor_view(t, t->rank, shape, strides, offset, out);
}

trueno_status trueno_select(const trueno_tensor *t, int axis, int64_t index, trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "select: NULL argument");
    int ax = 0;
    trueno_status s = tn_axis("select", t, axis, t->rank, &ax);
    if (s != TRUENO_OK) return s;
    int64_t n = t->shape[ax], i = index < 0 ? index + n : index;
    char sa[160];
    if (i < 0 || i >= n)
        return tn_error(TRUENO_INDEX_OUT_OF_RANGE, "select: index %lld is out of range for axis %d of "
                        "shape %s (valid: %lld..%lld)", (long long)index, axis, TN_SHAPE(t, sa),
                        (long long)-n, (long long)(n - 1));
    int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK];
    size_t r = 0;
    for (int k = 0; k < (int)t->rank; k++)
        if (k != ax) { shape[r] = t->shape[k]; strides[r++] = t->strides[k]; }
    return tn_tensor_view(t, r, shape, strides, t->offset + i * t->strides[ax], out);
}

static trueno_status broadcast_to(const char *fn, const trueno_tensor *t, size_t rank,
                                  const int64_t *shape, bool allow_keep, trueno_tensor **out)
{
    if (!t || !out || (rank && !shape)) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    char sa[160], sb[160];
    if (rank < t->rank || rank > TRUENO_MAX_RANK)
        return tn_error(TRUENO_SHAPE_MISMATCH, "%s: cannot broadcast shape %s to %s: the target has fewer "
                        "axes", fn, TN_SHAPE(t, sa), tn_shape_str(rank, shape, sb, sizeof sb));
    int64_t target[TRUENO_MAX_RANK];
    size_t lead = rank - t->rank;
    for (size_t i = 0; i < rank; i++) {
        int64_t have = i < lead ? 1 : t->shape[i - lead];
        target[i] = allow_keep && shape[i] == -1 && i >= lead ? have : shape[i];
        if (target[i] < 0 || (have != 1 && have != target[i]))
            return tn_error(TRUENO_SHAPE_MISMATCH, "%s: cannot broadcast shape %s to %s: axis %zu is %lld, "
                            "which is neither 1 nor %lld", fn, TN_SHAPE(t, sa),
                            tn_shape_str(rank, shape, sb, sizeof sb), i, (long long)have, (long long)shape[i]);
    }
    return tn_broadcast_view(t, rank, target, out);
}

trueno_status trueno_broadcast_to(const trueno_tensor *t, size_t rank, const int64_t *shape, trueno_tensor **out)
{
    return broadcast_to("broadcast_to", t, rank, shape, false, out);
}

trueno_status trueno_expand(const trueno_tensor *t, size_t rank, const int64_t *shape, trueno_tensor **out)
{
    return broadcast_to("expand", t, rank, shape, true, out);
}

trueno_status trueno_diagonal(const trueno_tensor *t, int64_t k, trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "diagonal: NULL argument");
    char sa[160];
    if (t->rank != 2)
        return tn_error(TRUENO_INVALID_ARGUMENT, "diagonal: needs a 2-D tensor, got shape %s", TN_SHAPE(t, sa));
    int64_t r0 = k < 0 ? -k : 0, c0 = k > 0 ? k : 0;
    int64_t n = t->shape[0] - r0 < t->shape[1] - c0 ? t->shape[0] - r0 : t->shape[1] - c0;
    if (n < 0) n = 0;
    int64_t stride = t->strides[0] + t->strides[1];
    return tn_tensor_view(t, 1, &n, &stride, t->offset + (n ? r0 * t->strides[0] + c0 * t->strides[1] : 0), out);
}
