/*
 * ref_copy.c — casts, strided copies and the indexing ops (index_select,
 * gather, scatter, masked_select, nonzero) for the reference backend.
 * Indices are int64; a negative index counts from the end (as NumPy);
 * one outside [-n, n) is TRUENO_INDEX_OUT_OF_RANGE, reported with the
 * first offending position.
 */
#include <string.h>

#include "../internal.h"
#include "ref_kernels.h"

static void cast_range(void *arg, int64_t begin, int64_t end)
{
    const trueno_op_desc *op = arg;
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    const trueno_tensor_desc *ops[2] = {a, o};
    tn_nd_iter it;
    tn_iter_start(&it, o, ops, 2, begin);
    bool from_float = tn_dtype_is_float(a->dtype);
    size_t es = trueno_dtype_size(a->dtype);
    bool same = a->dtype == o->dtype;
    for (int64_t n = begin; n < end; n++, tn_iter_next(&it)) {
        if (same)
            memcpy((char *)o->buffer + it.off[1] * (int64_t)es, (const char *)a->buffer + it.off[0] * (int64_t)es, es);
        else if (from_float)
            tn_store_f64(o->buffer, o->dtype, it.off[1], tn_load_f64(a->buffer, a->dtype, it.off[0]));
        else
            tn_store_i64(o->buffer, o->dtype, it.off[1], tn_load_i64(a->buffer, a->dtype, it.off[0]));
    }
}

/* CAST and CONTIGUOUS: element-by-element into the output's layout. */
trueno_status tn_ref_copy(const trueno_host *host, const trueno_op_desc *op)
{
    return host->parallel_for(host->ctx, trueno_desc_numel(op->outputs[0]), TN_REF_GRAIN, cast_range, (void *)op);
}

static void copy_elem(const trueno_tensor_desc *o, int64_t oo, const trueno_tensor_desc *a, int64_t ao)
{
    size_t es = trueno_dtype_size(a->dtype);
    memcpy((char *)o->buffer + oo * (int64_t)es, (const char *)a->buffer + ao * (int64_t)es, es);
}

/* Resolves a possibly negative index against extent n; false if out of range. */
static bool resolve(int64_t *i, int64_t n)
{
    if (*i < 0) *i += n;
    return *i >= 0 && *i < n;
}

static trueno_status index_error(const char *op, int64_t bad, int64_t pos, int64_t n, int axis)
{
    return tn_error(TRUENO_INDEX_OUT_OF_RANGE, "%s: index %lld (at position %lld of the index "
                    "tensor) is out of range for axis %d of extent %lld (valid: %lld..%lld)", op,
                    (long long)bad, (long long)pos, axis, (long long)n, (long long)-n, (long long)(n - 1));
}

trueno_status tn_ref_index(const trueno_host *host, const trueno_op_desc *op)
{
    (void)host;
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    const trueno_tensor_desc *ops[3];
    tn_nd_iter it;
    int axis = (int)op->params->ints[0];
    int64_t n_out = trueno_desc_numel(o);
    switch (op->op) {
    case TRUENO_OP_INDEX_SELECT: { /* out[..., j, ...] = x[..., idx[j], ...] */
        const trueno_tensor_desc *idx = op->inputs[1];
        int64_t n = x->shape[axis];
        for (int64_t j = 0; j < idx->shape[0]; j++) { /* check everything before writing */
            int64_t i = tn_load_i64(idx->buffer, idx->dtype, idx->offset + j * idx->strides[0]);
            if (!resolve(&i, n)) return index_error("index_select", i, j, n, axis);
        }
        ops[0] = o;
        tn_iter_start(&it, o, ops, 1, 0);
        for (int64_t e = 0; e < n_out; e++, tn_iter_next(&it)) {
            int64_t i = tn_load_i64(idx->buffer, idx->dtype, idx->offset + it.idx[axis] * idx->strides[0]);
            resolve(&i, n);
            int64_t xo = x->offset;
            for (uint32_t ax = 0; ax < x->rank; ax++)
                xo += ((int)ax == axis ? i : it.idx[ax]) * x->strides[ax];
            copy_elem(o, it.off[0], x, xo);
        }
        return TRUENO_OK;
    }
    case TRUENO_OP_GATHER: { /* out[p] = x[p with axis coordinate index[p]] */
        const trueno_tensor_desc *idx = op->inputs[1];
        int64_t n = x->shape[axis];
        ops[0] = o; ops[1] = idx;
        tn_iter_start(&it, o, ops, 2, 0);
        for (int64_t e = 0; e < n_out; e++, tn_iter_next(&it)) {
            int64_t i = tn_load_i64(idx->buffer, idx->dtype, it.off[1]);
            if (!resolve(&i, n)) return index_error("gather", i, e, n, axis);
            int64_t xo = x->offset;
            for (uint32_t ax = 0; ax < x->rank; ax++)
                xo += ((int)ax == axis ? i : it.idx[ax]) * x->strides[ax];
            copy_elem(o, it.off[0], x, xo);
        }
        return TRUENO_OK;
    }
    case TRUENO_OP_SCATTER: { /* out = x; out[p with axis coordinate index[p]] (+)= src[p] */
        const trueno_tensor_desc *idx = op->inputs[1], *src = op->inputs[2];
        int64_t n = o->shape[axis];
        ops[0] = idx;
        tn_iter_start(&it, idx, ops, 1, 0);
        for (int64_t e = 0; e < trueno_desc_numel(idx); e++, tn_iter_next(&it)) {
            int64_t i = tn_load_i64(idx->buffer, idx->dtype, it.off[0]);
            if (!resolve(&i, n)) return index_error("scatter", i, e, n, axis);
        }
        ops[0] = x; ops[1] = o;
        tn_iter_start(&it, o, ops, 2, 0);
        for (int64_t e = 0; e < n_out; e++, tn_iter_next(&it)) copy_elem(o, it.off[1], x, it.off[0]);
        ops[0] = idx; ops[1] = src;
        tn_iter_start(&it, idx, ops, 2, 0);
        bool add = op->params->ints[1] != 0, is_float = tn_dtype_is_float(o->dtype);
        for (int64_t e = 0; e < trueno_desc_numel(idx); e++, tn_iter_next(&it)) {
            int64_t i = tn_load_i64(idx->buffer, idx->dtype, it.off[0]);
            resolve(&i, n);
            int64_t oo = o->offset;
            for (uint32_t ax = 0; ax < o->rank; ax++)
                oo += ((int)ax == axis ? i : it.idx[ax]) * o->strides[ax];
            if (!add) copy_elem(o, oo, src, it.off[1]);
            else if (is_float)
                tn_ref_store_float(o, oo, tn_load_f64(o->buffer, o->dtype, oo) + tn_load_f64(src->buffer, src->dtype, it.off[1]));
            else
                tn_store_i64(o->buffer, o->dtype, oo, (int64_t)((uint64_t)tn_load_i64(o->buffer, o->dtype, oo) +
                                                                (uint64_t)tn_load_i64(src->buffer, src->dtype, it.off[1])));
        }
        return TRUENO_OK;
    }
    case TRUENO_OP_MASKED_SELECT: { /* x and mask share a shape; C order */
        const trueno_tensor_desc *mask = op->inputs[1];
        ops[0] = x; ops[1] = mask;
        tn_iter_start(&it, x, ops, 2, 0);
        int64_t w = 0;
        for (int64_t e = 0; e < trueno_desc_numel(x); e++, tn_iter_next(&it))
            if (tn_load_i64(mask->buffer, mask->dtype, it.off[1]) && w < n_out)
                copy_elem(o, o->offset + (w++) * o->strides[0], x, it.off[0]);
        return TRUENO_OK;
    }
    case TRUENO_OP_NONZERO: { /* (count, rank) coordinates in C order */
        ops[0] = x;
        tn_iter_start(&it, x, ops, 1, 0);
        int64_t w = 0;
        bool is_float = tn_dtype_is_float(x->dtype);
        for (int64_t e = 0; e < trueno_desc_numel(x) && w < o->shape[0]; e++, tn_iter_next(&it)) {
            bool nz = is_float ? tn_load_f64(x->buffer, x->dtype, it.off[0]) != 0
                               : tn_load_i64(x->buffer, x->dtype, it.off[0]) != 0;
            if (!nz) continue;
            for (uint32_t ax = 0; ax < x->rank; ax++)
                tn_store_i64(o->buffer, o->dtype, o->offset + w * o->strides[0] + (int64_t)ax * o->strides[1], it.idx[ax]);
            w++;
        }
        return TRUENO_OK;
    }
    default: TN_ASSERT(!"not an indexing op"); return TRUENO_INTERNAL;
    }
}
