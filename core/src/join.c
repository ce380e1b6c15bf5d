/*
 * join.c — concatenate, stack, split, tile, repeat, pad, and the indexing
 * entry points (index_select/take, gather, scatter, masked_select,
 * masked_fill, nonzero).
 *
 * Assembling ops write each part into a view of one fresh output with the
 * CONTIGUOUS (or CAST) kernel, so every part runs on whichever device the
 * dispatcher picks; tile, repeat and the reflect/edge pads are index_select
 * with computed indices.
 */
#include <string.h>

#include "internal.h"

static trueno_status read_count(const trueno_tensor *t, int64_t *n)
{
    return trueno_tensor_read(t, n, sizeof *n);
}

/* A 1-D int64 tensor of n indices from f(ctx, j). */
static trueno_status index_tensor(trueno_runtime *rt, int64_t n, int64_t (*f)(const int64_t *ctx, int64_t j),
                                  const int64_t *ctx, trueno_tensor **out)
{
    trueno_status s = tn_tensor_new_host(rt, TRUENO_DTYPE_INT64, 1, &n, out);
    if (s != TRUENO_OK) return s;
    int64_t *v = (*out)->st->host;
    for (int64_t j = 0; j < n; j++) v[j] = f(ctx, j);
    return TRUENO_OK;
}

/* ---- concatenate, stack, split -------------------------------------------- */

trueno_status trueno_concatenate(const trueno_tensor *const *ts, size_t n, int axis, trueno_tensor **out)
{
    if (!ts || !out || n == 0) return tn_error(TRUENO_INVALID_ARGUMENT, "concatenate: need at least one tensor");
    for (size_t i = 0; i < n; i++)
        if (!ts[i]) return tn_error(TRUENO_INVALID_ARGUMENT, "concatenate: tensor %zu is NULL", i);
    const trueno_tensor *t0 = ts[0];
    char sa[160], sb[160];
    if (t0->rank == 0)
        return tn_error(TRUENO_INVALID_ARGUMENT, "concatenate: zero-dimensional tensors cannot be "
                        "concatenated. Hint: use stack, or unsqueeze them first");
    int ax = 0;
    trueno_status s = tn_axis("concatenate", t0, axis, t0->rank, &ax);
    if (s != TRUENO_OK) return s;
    int64_t shape[TRUENO_MAX_RANK];
    memcpy(shape, t0->shape, sizeof shape);
    shape[ax] = 0;
    trueno_dtype dt = t0->dtype;
    for (size_t i = 0; i < n; i++) {
        const trueno_tensor *t = ts[i];
        bool ok = t->rank == t0->rank && t->st->rt == t0->st->rt;
        for (size_t d = 0; ok && d < t->rank; d++) ok = (int)d == ax || t->shape[d] == t0->shape[d];
        if (!ok)
            return tn_error(TRUENO_SHAPE_MISMATCH, "concatenate: tensor %zu has shape %s but tensor 0 has "
                            "shape %s; all must match except on axis %d", i, TN_SHAPE(t, sa), TN_SHAPE(t0, sb), ax);
        shape[ax] += t->shape[ax];
        dt = tn_promote(dt, t->dtype);
    }
    trueno_tensor *res = NULL;
    if ((s = tn_tensor_new_unallocated(t0->st->rt, dt, t0->rank, shape, &res)) != TRUENO_OK) return s;
    int64_t at = 0;
    for (size_t i = 0; i < n && s == TRUENO_OK; i++) {
        const trueno_tensor *t = ts[i];
        if (tn_numel(t->rank, t->shape) == 0) continue;
        int64_t vshape[TRUENO_MAX_RANK];
        memcpy(vshape, res->shape, sizeof vshape);
        vshape[ax] = t->shape[ax];
        trueno_tensor *part = NULL;
        if ((s = tn_tensor_view(res, res->rank, vshape, res->strides, at * res->strides[ax], &part)) != TRUENO_OK) break;
        s = tn_run_into(t->dtype == dt ? TRUENO_OP_CONTIGUOUS : TRUENO_OP_CAST, t->dtype, &t, 1, part, NULL);
        trueno_tensor_free(part);
        at += t->shape[ax];
    }
    if (s == TRUENO_OK && tn_numel(res->rank, res->shape) == 0) {
        trueno_tensor_free(res); /* nothing was written: give an allocated empty tensor */
        return trueno_tensor_empty(t0->st->rt, dt, t0->rank, shape, out);
    }
    if (s != TRUENO_OK) { trueno_tensor_free(res); return s; }
    *out = res;
    return TRUENO_OK;
}

trueno_status trueno_stack(const trueno_tensor *const *ts, size_t n, int axis, trueno_tensor **out)
{
    if (!ts || !out || n == 0) return tn_error(TRUENO_INVALID_ARGUMENT, "stack: need at least one tensor");
    trueno_tensor *views[64];
    char sa[160], sb[160];
    if (n > 64) return tn_error(TRUENO_INVALID_ARGUMENT, "stack: at most 64 tensors at once (got %zu)", n);
    trueno_status s = TRUENO_OK;
    size_t made = 0;
    for (size_t i = 0; i < n && s == TRUENO_OK; i++) {
        if (!ts[i]) { s = tn_error(TRUENO_INVALID_ARGUMENT, "stack: tensor %zu is NULL", i); break; }
        bool same = ts[i]->rank == ts[0]->rank;
        for (size_t d = 0; same && d < ts[i]->rank; d++) same = ts[i]->shape[d] == ts[0]->shape[d];
        if (!same) {
            s = tn_error(TRUENO_SHAPE_MISMATCH, "stack: tensor %zu has shape %s but tensor 0 has %s; stack "
                         "needs equal shapes", i, TN_SHAPE(ts[i], sa), TN_SHAPE(ts[0], sb));
            break;
        }
        if ((s = trueno_unsqueeze(ts[i], axis, &views[i])) == TRUENO_OK) made++;
    }
    if (s == TRUENO_OK) s = trueno_concatenate((const trueno_tensor *const *)views, n, axis < 0 ? axis : axis, out);
    for (size_t i = 0; i < made; i++) trueno_tensor_free(views[i]);
    return s;
}

trueno_status trueno_split_indices(const trueno_tensor *t, const int64_t *indices, size_t n_indices, int axis,
                                   trueno_tensor **outs)
{
    if (!t || !outs || (n_indices && !indices)) return tn_error(TRUENO_INVALID_ARGUMENT, "split: NULL argument");
    int ax = 0;
    trueno_status s = tn_axis("split", t, axis, t->rank, &ax);
    if (s != TRUENO_OK) return s;
    for (size_t i = 0; i <= n_indices; i++) {
        trueno_slice sl[TRUENO_MAX_RANK];
        for (size_t d = 0; d < t->rank; d++) sl[d] = (trueno_slice){TRUENO_SLICE_ALL, TRUENO_SLICE_ALL, 1};
        sl[ax].start = i == 0 ? TRUENO_SLICE_ALL : indices[i - 1];
        sl[ax].stop = i == n_indices ? TRUENO_SLICE_ALL : indices[i];
        if ((s = trueno_slice_view(t, sl, t->rank, &outs[i])) != TRUENO_OK) {
            for (size_t k = 0; k < i; k++) { trueno_tensor_free(outs[k]); outs[k] = NULL; }
            return s;
        }
    }
    return TRUENO_OK;
}

trueno_status trueno_split_sections(const trueno_tensor *t, int64_t sections, int axis, trueno_tensor **outs)
{
    if (!t || !outs) return tn_error(TRUENO_INVALID_ARGUMENT, "split: NULL argument");
    int ax = 0;
    trueno_status s = tn_axis("split", t, axis, t->rank, &ax);
    if (s != TRUENO_OK) return s;
    char sa[160];
    if (sections <= 0 || t->shape[ax] % sections)
        return tn_error(TRUENO_INVALID_ARGUMENT, "split: axis %d of shape %s (extent %lld) does not divide into "
                        "%lld equal sections", axis, TN_SHAPE(t, sa), (long long)t->shape[ax], (long long)sections);
    if (sections > 4096) return tn_error(TRUENO_INVALID_ARGUMENT, "split: at most 4096 sections");
    int64_t idx[4096];
    for (int64_t i = 1; i < sections; i++) idx[i - 1] = i * (t->shape[ax] / sections);
    return trueno_split_indices(t, idx, (size_t)(sections - 1), ax, outs);
}

/* ---- index_select, take, gather, scatter ----------------------------------- */

static trueno_status as_index(const char *fn, const trueno_tensor *index, const trueno_tensor **use, trueno_tensor **tmp)
{
    if (!tn_dtype_is_int(index->dtype))
        return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: indices must be integers, not %s", fn, trueno_dtype_name(index->dtype));
    return tn_as_dtype(index, TRUENO_DTYPE_INT64, use, tmp);
}

/* numpy.take along axis: the result is t.shape[:axis] + index.shape + t.shape[axis+1:]. */
trueno_status trueno_index_select(const trueno_tensor *t, int axis, const trueno_tensor *index, trueno_tensor **out)
{
    if (!t || !index || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "index_select: NULL argument");
    char sa[160];
    if (t->rank == 0) return tn_error(TRUENO_INVALID_ARGUMENT, "index_select: t is 0-d; there is no axis to index");
    int ax = 0;
    trueno_status s = tn_axis("index_select", t, axis, t->rank, &ax);
    if (s != TRUENO_OK) return s;
    if (t->rank - 1 + index->rank > TRUENO_MAX_RANK)
        return tn_error(TRUENO_INVALID_ARGUMENT, "index_select: the result would have more than %d axes", TRUENO_MAX_RANK);
    int64_t n = tn_numel(index->rank, index->shape);
    if (n > 0 && t->shape[ax] == 0)
        return tn_error(TRUENO_INDEX_OUT_OF_RANGE, "index_select: axis %d of shape %s is empty; no index is valid",
                        axis, TN_SHAPE(t, sa));
    trueno_tensor *flat = NULL, *cast = NULL, *res = NULL;
    const trueno_tensor *idx;
    int64_t shape[TRUENO_MAX_RANK];
    memcpy(shape, t->shape, sizeof shape);
    shape[ax] = n;
    if ((s = as_index("index_select", index, &idx, &cast)) == TRUENO_OK &&
        (s = trueno_reshape(idx, 1, &n, &flat)) == TRUENO_OK) {
        trueno_op_params p = tn_params();
        p.ints[0] = ax;
        const trueno_tensor *in[2] = {t, flat};
        s = tn_run(TRUENO_OP_INDEX_SELECT, t->dtype, in, 2, t->dtype, t->rank, shape, &p, &res);
    }
    if (s == TRUENO_OK) { /* the axis becomes index.shape */
        int64_t rshape[TRUENO_MAX_RANK];
        size_t r = 0;
        for (int i = 0; i < ax; i++) rshape[r++] = t->shape[i];
        for (size_t i = 0; i < index->rank; i++) rshape[r++] = index->shape[i];
        for (size_t i = (size_t)ax + 1; i < t->rank; i++) rshape[r++] = t->shape[i];
        s = trueno_reshape(res, r, rshape, out);
    }
    trueno_tensor_free(flat);
    trueno_tensor_free(cast);
    trueno_tensor_free(res);
    return s;
}

trueno_status trueno_take(const trueno_tensor *t, const trueno_tensor *index, trueno_tensor **out)
{
    if (!t) return tn_error(TRUENO_INVALID_ARGUMENT, "take: t is NULL");
    int64_t all = -1;
    trueno_tensor *flat = NULL;
    trueno_status s = trueno_reshape(t, 1, &all, &flat);
    if (s == TRUENO_OK) s = trueno_index_select(flat, 0, index, out);
    trueno_tensor_free(flat);
    return s;
}

static trueno_status gather_scatter(uint32_t op, const trueno_tensor *t, int axis, const trueno_tensor *index,
                                    const trueno_tensor *src, bool add, trueno_tensor **out)
{
    const char *fn = op == TRUENO_OP_GATHER ? "gather" : add ? "scatter_add" : "scatter";
    if (!t || !index || !out || (op == TRUENO_OP_SCATTER && !src))
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    char sa[160], sb[160];
    if (index->rank != t->rank || (src && src->rank != t->rank))
        return tn_error(TRUENO_SHAPE_MISMATCH, "%s: index has shape %s but t has %s; they need the same number of "
                        "axes", fn, TN_SHAPE(index, sa), TN_SHAPE(t, sb));
    int ax = 0;
    trueno_status s = tn_axis(fn, t, axis, t->rank ? t->rank : 1, &ax);
    if (s != TRUENO_OK) return s;
    for (size_t d = 0; d < t->rank; d++) {
        if (((int)d != ax && index->shape[d] > t->shape[d]) || (src && index->shape[d] > src->shape[d]))
            return tn_error(TRUENO_SHAPE_MISMATCH, "%s: index shape %s is larger than %s on axis %zu", fn,
                            TN_SHAPE(index, sa), src && index->shape[d] > src->shape[d] ? "src" : "t", d);
    }
    trueno_tensor *cast = NULL, *scast = NULL;
    const trueno_tensor *idx, *usrc = NULL;
    trueno_op_params p = tn_params();
    p.ints[0] = ax;
    p.ints[1] = add;
    if ((s = as_index(fn, index, &idx, &cast)) == TRUENO_OK) {
        if (op == TRUENO_OP_GATHER) {
            const trueno_tensor *in[2] = {t, idx};
            s = tn_run(op, t->dtype, in, 2, t->dtype, index->rank, index->shape, &p, out);
        } else if ((s = tn_as_dtype(src, t->dtype, &usrc, &scast)) == TRUENO_OK) {
            const trueno_tensor *in[3] = {t, idx, usrc};
            s = tn_run(op, t->dtype, in, 3, t->dtype, t->rank, t->shape, &p, out);
        }
    }
    trueno_tensor_free(cast);
    trueno_tensor_free(scast);
    return s;
}

trueno_status trueno_gather(const trueno_tensor *t, int axis, const trueno_tensor *index, trueno_tensor **out)
{
    return gather_scatter(TRUENO_OP_GATHER, t, axis, index, NULL, false, out);
}

trueno_status trueno_scatter(const trueno_tensor *t, int axis, const trueno_tensor *index,
                             const trueno_tensor *src, trueno_tensor **out)
{
    return gather_scatter(TRUENO_OP_SCATTER, t, axis, index, src, false, out);
}

trueno_status trueno_scatter_add(const trueno_tensor *t, int axis, const trueno_tensor *index,
                                 const trueno_tensor *src, trueno_tensor **out)
{
    return gather_scatter(TRUENO_OP_SCATTER, t, axis, index, src, true, out);
}

/* ---- masks ------------------------------------------------------------------ */

trueno_status trueno_masked_select(const trueno_tensor *t, const trueno_tensor *mask, trueno_tensor **out)
{
    if (!t || !mask || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "masked_select: NULL argument");
    const trueno_tensor *both[2] = {t, mask};
    size_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    trueno_status s = tn_broadcast_shapes("masked_select", both, 2, &rank, shape);
    if (s != TRUENO_OK) return s;
    trueno_tensor *cmask = NULL, *vt = NULL, *vm = NULL, *count = NULL;
    const trueno_tensor *um;
    int64_t n = 0;
    if ((s = tn_as_dtype(mask, TRUENO_DTYPE_BOOL, &um, &cmask)) == TRUENO_OK &&
        (s = tn_broadcast_view(t, rank, shape, &vt)) == TRUENO_OK &&
        (s = tn_broadcast_view(um, rank, shape, &vm)) == TRUENO_OK &&
        (s = trueno_count_nonzero(vm, NULL, 0, 0, &count)) == TRUENO_OK &&
        (s = read_count(count, &n)) == TRUENO_OK) {
        const trueno_tensor *in[2] = {vt, vm};
        s = tn_run(TRUENO_OP_MASKED_SELECT, t->dtype, in, 2, t->dtype, 1, &n, NULL, out);
    }
    trueno_tensor_free(cmask); trueno_tensor_free(vt);
    trueno_tensor_free(vm); trueno_tensor_free(count);
    return s;
}

trueno_status trueno_masked_fill(const trueno_tensor *t, const trueno_tensor *mask, double value, trueno_tensor **out)
{
    if (!t || !mask || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "masked_fill: NULL argument");
    trueno_tensor *v = NULL;
    trueno_status s = trueno_scalar(t->st->rt, t->dtype, value, &v);
    if (s == TRUENO_OK) s = trueno_where(mask, v, t, out);
    trueno_tensor_free(v);
    return s;
}

trueno_status trueno_nonzero(const trueno_tensor *t, trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "nonzero: NULL argument");
    trueno_tensor *count = NULL;
    int64_t n = 0;
    trueno_status s = trueno_count_nonzero(t, NULL, 0, 0, &count);
    if (s == TRUENO_OK) s = read_count(count, &n);
    trueno_tensor_free(count);
    if (s != TRUENO_OK) return s;
    int64_t shape[2] = {n, t->rank};
    if (n == 0 || t->rank == 0) return trueno_zeros(t->st->rt, TRUENO_DTYPE_INT64, 2, shape, out);
    return tn_run(TRUENO_OP_NONZERO, t->dtype, &t, 1, TRUENO_DTYPE_INT64, 2, shape, NULL, out);
}

/* ---- tile, repeat, pad ------------------------------------------------------- */

static int64_t modulo_index(const int64_t *ctx, int64_t j) { return j % ctx[0]; }

trueno_status trueno_tile(const trueno_tensor *t, const int64_t *reps, size_t n_reps, trueno_tensor **out)
{
    if (!t || !out || (n_reps && !reps)) return tn_error(TRUENO_INVALID_ARGUMENT, "tile: NULL argument");
    size_t rank = t->rank > n_reps ? t->rank : n_reps;
    if (rank > TRUENO_MAX_RANK) return tn_error(TRUENO_INVALID_ARGUMENT, "tile: more than %d axes", TRUENO_MAX_RANK);
    int64_t shape[TRUENO_MAX_RANK] = {0};
    for (size_t i = 0; i < rank; i++) shape[i] = i < rank - t->rank ? 1 : t->shape[i - (rank - t->rank)];
    trueno_tensor *cur = NULL;
    trueno_status s = trueno_reshape(t, rank, shape, &cur);
    for (size_t i = 0; i < rank && s == TRUENO_OK; i++) {
        int64_t r = i < rank - n_reps ? 1 : reps[i - (rank - n_reps)];
        if (r < 0) { s = tn_error(TRUENO_INVALID_ARGUMENT, "tile: repetition %lld is negative", (long long)r); break; }
        if (r == 1) continue;
        int64_t ctx[1] = {shape[i] ? shape[i] : 1};
        trueno_tensor *idx = NULL, *next = NULL;
        if ((s = index_tensor(t->st->rt, shape[i] * r, modulo_index, ctx, &idx)) == TRUENO_OK &&
            (s = trueno_index_select(cur, (int)i, idx, &next)) == TRUENO_OK) {
            trueno_tensor_free(cur);
            cur = next;
        }
        trueno_tensor_free(idx);
    }
    if (s != TRUENO_OK) { trueno_tensor_free(cur); return s; }
    if (cur->st == t->st) { /* no repetition at all: still a copy, as numpy.tile */
        s = trueno_copy(cur, out);
        trueno_tensor_free(cur);
        return s;
    }
    *out = cur;
    return TRUENO_OK;
}

trueno_status trueno_repeat(const trueno_tensor *t, const int64_t *repeats, size_t n_repeats, int axis,
                            trueno_tensor **out)
{
    if (!t || !out || !repeats || n_repeats == 0) return tn_error(TRUENO_INVALID_ARGUMENT, "repeat: NULL argument");
    if (axis == TRUENO_AXIS_NONE) {
        int64_t all = -1;
        trueno_tensor *flat = NULL;
        trueno_status s = trueno_reshape(t, 1, &all, &flat);
        if (s == TRUENO_OK) s = trueno_repeat(flat, repeats, n_repeats, 0, out);
        trueno_tensor_free(flat);
        return s;
    }
    int ax = 0;
    trueno_status s = tn_axis("repeat", t, axis, t->rank, &ax);
    if (s != TRUENO_OK) return s;
    int64_t n = t->shape[ax], total = 0;
    if (n_repeats != 1 && (int64_t)n_repeats != n)
        return tn_error(TRUENO_SHAPE_MISMATCH, "repeat: %zu repeat counts for an axis of %lld elements (give 1 or %lld)",
                        n_repeats, (long long)n, (long long)n);
    for (int64_t i = 0; i < n; i++) {
        int64_t r = repeats[n_repeats == 1 ? 0 : i];
        if (r < 0) return tn_error(TRUENO_INVALID_ARGUMENT, "repeat: count %lld is negative", (long long)r);
        total += r;
    }
    trueno_tensor *idx = NULL;
    if ((s = tn_tensor_new_host(t->st->rt, TRUENO_DTYPE_INT64, 1, &total, &idx)) != TRUENO_OK) return s;
    int64_t *v = idx->st->host, w = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t r = 0; r < repeats[n_repeats == 1 ? 0 : i]; r++) v[w++] = i;
    s = trueno_index_select(t, ax, idx, out);
    trueno_tensor_free(idx);
    return s;
}

/* ctx: {before, n, mode}: the source index of padded position j. */
static int64_t pad_index(const int64_t *ctx, int64_t j)
{
    int64_t i = j - ctx[0], n = ctx[1];
    if (ctx[2] == TRUENO_PAD_EDGE || n == 1) return i < 0 ? 0 : i >= n ? n - 1 : i;
    int64_t period = 2 * (n - 1), m = ((i % period) + period) % period; /* reflect */
    return m < n ? m : period - m;
}

trueno_status trueno_pad(const trueno_tensor *t, const int64_t *widths, size_t n_widths, trueno_pad_mode mode,
                         double value, trueno_tensor **out)
{
    if (!t || !out || (n_widths && !widths)) return tn_error(TRUENO_INVALID_ARGUMENT, "pad: NULL argument");
    char sa[160];
    if (n_widths != 2 * t->rank)
        return tn_error(TRUENO_INVALID_ARGUMENT, "pad: %zu widths for a tensor of shape %s; give before and after "
                        "for each of its %u axes", n_widths, TN_SHAPE(t, sa), t->rank);
    int64_t shape[TRUENO_MAX_RANK];
    for (size_t i = 0; i < t->rank; i++) {
        if (widths[2 * i] < 0 || widths[2 * i + 1] < 0)
            return tn_error(TRUENO_INVALID_ARGUMENT, "pad: widths of axis %zu are negative", i);
        if (mode != TRUENO_PAD_CONSTANT && t->shape[i] == 0 && (widths[2 * i] || widths[2 * i + 1]))
            return tn_error(TRUENO_INVALID_ARGUMENT, "pad: cannot %s-pad the empty axis %zu",
                            mode == TRUENO_PAD_EDGE ? "edge" : "reflect", i);
        shape[i] = t->shape[i] + widths[2 * i] + widths[2 * i + 1];
    }
    trueno_status s;
    if (mode == TRUENO_PAD_CONSTANT) {
        trueno_tensor *res = NULL, *inner = NULL;
        if ((s = trueno_full(t->st->rt, t->dtype, t->rank, shape, value, &res)) != TRUENO_OK) return s;
        int64_t off = 0;
        for (size_t i = 0; i < t->rank; i++) off += widths[2 * i] * res->strides[i];
        if (tn_numel(t->rank, t->shape) > 0 &&
            (s = tn_tensor_view(res, t->rank, t->shape, res->strides, off, &inner)) == TRUENO_OK)
            s = tn_run_into(TRUENO_OP_CONTIGUOUS, t->dtype, &t, 1, inner, NULL);
        trueno_tensor_free(inner);
        if (s != TRUENO_OK) { trueno_tensor_free(res); return s; }
        *out = res;
        return TRUENO_OK;
    }
    if (mode != TRUENO_PAD_REFLECT && mode != TRUENO_PAD_EDGE)
        return tn_error(TRUENO_INVALID_ARGUMENT, "pad: unknown mode %d", (int)mode);
    trueno_tensor *cur = NULL;
    s = trueno_copy(t, &cur);
    for (size_t i = 0; i < t->rank && s == TRUENO_OK; i++) {
        if (!widths[2 * i] && !widths[2 * i + 1]) continue;
        int64_t ctx[3] = {widths[2 * i], t->shape[i], mode};
        trueno_tensor *idx = NULL, *next = NULL;
        if ((s = index_tensor(t->st->rt, shape[i], pad_index, ctx, &idx)) == TRUENO_OK &&
            (s = trueno_index_select(cur, (int)i, idx, &next)) == TRUENO_OK) {
            trueno_tensor_free(cur);
            cur = next;
        }
        trueno_tensor_free(idx);
    }
    if (s != TRUENO_OK) { trueno_tensor_free(cur); return s; }
    *out = cur;
    return TRUENO_OK;
}
