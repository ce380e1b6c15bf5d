/*
 * reduce_ops.c — entry points of the reductions (over a set of axes), the
 * ops along one axis (softmax, cumsum, sorting) and argmin/argmax.
 */
#include <string.h>

#include "internal.h"

/* Runs reduction `op` over `mask` in keepdims form, then drops the reduced
 * axes unless keepdims (a view of the same storage). */
trueno_status tn_reduce(uint32_t op, const trueno_tensor *a, uint32_t mask, int keepdims,
                        trueno_op_params params, trueno_tensor **out)
{
    const trueno_op_info *info = tn_op_info(op);
    if (!a || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", info->name);
    trueno_dtype cdt;
    trueno_status s = tn_compute_dtype(info, a->dtype, &cdt);
    if (s != TRUENO_OK) return s;
    int64_t kshape[TRUENO_MAX_RANK], rshape[TRUENO_MAX_RANK];
    size_t rrank = 0;
    char sa[160];
    for (size_t i = 0; i < a->rank; i++) {
        bool reduced = (mask >> i) & 1;
        if (reduced && a->shape[i] == 0 &&
            (op == TRUENO_OP_AMIN || op == TRUENO_OP_AMAX || op == TRUENO_OP_ARGMIN || op == TRUENO_OP_ARGMAX))
            return tn_error(TRUENO_INVALID_ARGUMENT, "%s: axis %zu of shape %s is empty, and %s has no "
                            "identity to return for it", info->name, i, TN_SHAPE(a, sa), info->name);
        kshape[i] = reduced ? 1 : a->shape[i];
        if (!reduced) rshape[rrank++] = a->shape[i];
    }
    params.ints[0] = mask;
    trueno_tensor *cast = NULL, *res = NULL;
    const trueno_tensor *use;
    if ((s = tn_as_dtype(a, cdt, &use, &cast)) == TRUENO_OK)
        s = tn_run(op, cdt, &use, 1, tn_out_dtype(info, cdt), a->rank, kshape, &params, &res);
    trueno_tensor_free(cast);
    if (s != TRUENO_OK) return s;
    if (keepdims) { *out = res; return TRUENO_OK; }
    int64_t strides[TRUENO_MAX_RANK];
    tn_contiguous_strides(rrank, rshape, strides);
    s = tn_tensor_view(res, rrank, rshape, strides, 0, out);
    trueno_tensor_free(res);
    return s;
}

static trueno_status reduce_axes(uint32_t op, const trueno_tensor *a, const int *axes, size_t n_axes,
                                 int keepdims, trueno_op_params params, trueno_tensor **out)
{
    if (!a) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: a is NULL", tn_op_info(op)->name);
    uint32_t mask;
    trueno_status s = tn_axes_mask(tn_op_info(op)->name, a, axes, n_axes, &mask);
    if (s != TRUENO_OK) return s;
    return tn_reduce(op, a, mask, keepdims, params, out);
}

trueno_status trueno_sum(const trueno_tensor *a, const int *axes, size_t n_axes, int keepdims,
                         trueno_tensor **out)
{
    return reduce_axes(TRUENO_OP_SUM, a, axes, n_axes, keepdims, tn_params(), out);
}

#define TRUENO_X_(fn, NAME)                                                            \
    trueno_status trueno_##fn(const trueno_tensor *a, const int *axes, size_t n_axes,  \
                              int keepdims, trueno_tensor **out)                       \
    {                                                                                  \
        return reduce_axes(TRUENO_OP_##NAME, a, axes, n_axes, keepdims, tn_params(), out); \
    }
TRUENO_REDUCE_OPS(TRUENO_X_)
#undef TRUENO_X_

static trueno_status var_std(uint32_t op, const trueno_tensor *a, const int *axes, size_t n_axes,
                             double correction, int keepdims, trueno_tensor **out)
{
    trueno_op_params p = tn_params();
    p.floats[0] = correction;
    return reduce_axes(op, a, axes, n_axes, keepdims, p, out);
}

trueno_status trueno_var(const trueno_tensor *a, const int *axes, size_t n_axes, double correction,
                         int keepdims, trueno_tensor **out)
{
    return var_std(TRUENO_OP_VAR, a, axes, n_axes, correction, keepdims, out);
}

trueno_status trueno_std(const trueno_tensor *a, const int *axes, size_t n_axes, double correction,
                         int keepdims, trueno_tensor **out)
{
    return var_std(TRUENO_OP_STD, a, axes, n_axes, correction, keepdims, out);
}

trueno_status trueno_norm(const trueno_tensor *a, trueno_norm_ord ord, const int *axes, size_t n_axes,
                          int keepdims, trueno_tensor **out)
{
    if (ord < TRUENO_NORM_L1 || ord > TRUENO_NORM_LINF)
        return tn_error(TRUENO_INVALID_ARGUMENT, "norm: ord %d is not L1 (1), L2 (2) or Linf (3)", (int)ord);
    trueno_op_params p = tn_params();
    p.ints[1] = ord;
    return reduce_axes(TRUENO_OP_NORM, a, axes, n_axes, keepdims, p, out);
}

static trueno_status arg_extreme(uint32_t op, const trueno_tensor *a, int axis, int keepdims,
                                 trueno_tensor **out)
{
    const char *name = tn_op_info(op)->name;
    if (!a || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", name);
    if (axis == TRUENO_AXIS_NONE) { /* the flat index, over every axis */
        uint32_t mask = (uint32_t)((1u << a->rank) - 1);
        char sa[160];
        if (tn_numel(a->rank, a->shape) == 0)
            return tn_error(TRUENO_INVALID_ARGUMENT, "%s: the tensor of shape %s is empty", name, TN_SHAPE(a, sa));
        return tn_reduce(op, a, mask, keepdims, tn_params(), out);
    }
    int ax = 0;
    trueno_status s = tn_axis(name, a, axis, a->rank, &ax);
    if (s != TRUENO_OK) return s;
    return tn_reduce(op, a, 1u << ax, keepdims, tn_params(), out);
}

trueno_status trueno_argmin(const trueno_tensor *a, int axis, int keepdims, trueno_tensor **out)
{
    return arg_extreme(TRUENO_OP_ARGMIN, a, axis, keepdims, out);
}

trueno_status trueno_argmax(const trueno_tensor *a, int axis, int keepdims, trueno_tensor **out)
{
    return arg_extreme(TRUENO_OP_ARGMAX, a, axis, keepdims, out);
}

/* ---- along one axis ---------------------------------------------------- */

static trueno_status along_axis(uint32_t op, const trueno_tensor *a, int axis, trueno_op_params p,
                                int64_t extent_out, trueno_tensor **out)
{
    const trueno_op_info *info = tn_op_info(op);
    if (!a || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", info->name);
    trueno_tensor *a1 = NULL;
    trueno_status s = TRUENO_OK;
    const trueno_tensor *src = a;
    if (a->rank == 0) { /* a 0-d tensor is treated as 1-D of one element */
        int64_t one = 1, st = 1;
        if ((s = tn_tensor_view(a, 1, &one, &st, a->offset, &a1)) != TRUENO_OK) return s;
        src = a1;
    }
    int ax = 0;
    if ((s = tn_axis(info->name, src, axis, src->rank, &ax)) != TRUENO_OK) { trueno_tensor_free(a1); return s; }
    trueno_dtype cdt;
    if ((s = tn_compute_dtype(info, src->dtype, &cdt)) != TRUENO_OK) { trueno_tensor_free(a1); return s; }
    p.ints[0] = ax;
    int64_t shape[TRUENO_MAX_RANK];
    memcpy(shape, src->shape, sizeof shape);
    if (extent_out >= 0) shape[ax] = extent_out;
    trueno_tensor *cast = NULL, *res[2] = {NULL, NULL};
    const trueno_tensor *use;
    if ((s = tn_as_dtype(src, cdt, &use, &cast)) == TRUENO_OK)
        s = tn_run(op, cdt, &use, 1, tn_out_dtype(info, cdt), src->rank, shape, &p, res);
    trueno_tensor_free(cast);
    if (s == TRUENO_OK && a1) { /* back to 0-d */
        for (int i = 0; i < 2 && res[i] && s == TRUENO_OK; i++) {
            trueno_tensor *v = NULL;
            s = tn_tensor_view(res[i], 0, NULL, NULL, 0, &v);
            trueno_tensor_free(res[i]);
            res[i] = v;
        }
    }
    trueno_tensor_free(a1);
    if (s != TRUENO_OK) {
        trueno_tensor_free(res[0]);
        trueno_tensor_free(res[1]);
        return s;
    }
    out[0] = res[0];
    if (info->n_outputs > 1) out[1] = res[1];
    return TRUENO_OK;
}

trueno_status trueno_softmax(const trueno_tensor *x, int axis, trueno_tensor **out)
{
    return along_axis(TRUENO_OP_SOFTMAX, x, axis, tn_params(), -1, out);
}

trueno_status trueno_log_softmax(const trueno_tensor *x, int axis, trueno_tensor **out)
{
    return along_axis(TRUENO_OP_LOG_SOFTMAX, x, axis, tn_params(), -1, out);
}

trueno_status trueno_cumsum(const trueno_tensor *a, int axis, trueno_tensor **out)
{
    return along_axis(TRUENO_OP_CUMSUM, a, axis, tn_params(), -1, out);
}

trueno_status trueno_cumprod(const trueno_tensor *a, int axis, trueno_tensor **out)
{
    return along_axis(TRUENO_OP_CUMPROD, a, axis, tn_params(), -1, out);
}

trueno_status trueno_sort(const trueno_tensor *a, int axis, int descending, trueno_tensor **out)
{
    trueno_op_params p = tn_params();
    p.ints[1] = descending != 0;
    return along_axis(TRUENO_OP_SORT, a, axis, p, -1, out);
}

trueno_status trueno_argsort(const trueno_tensor *a, int axis, int descending, trueno_tensor **out)
{
    trueno_op_params p = tn_params();
    p.ints[1] = descending != 0;
    return along_axis(TRUENO_OP_ARGSORT, a, axis, p, -1, out);
}

trueno_status trueno_topk(const trueno_tensor *a, int64_t k, int axis, int largest,
                          trueno_tensor **values, trueno_tensor **indices)
{
    if (!a || !values || !indices) return tn_error(TRUENO_INVALID_ARGUMENT, "topk: NULL argument");
    int ax = 0;
    trueno_status s = tn_axis("topk", a, axis, a->rank ? a->rank : 1, &ax);
    if (s != TRUENO_OK) return s;
    int64_t n = a->rank ? a->shape[ax] : 1;
    char sa[160];
    if (k < 0 || k > n)
        return tn_error(TRUENO_INVALID_ARGUMENT, "topk: k = %lld is out of range for axis %d of shape %s "
                        "(0..%lld)", (long long)k, axis, TN_SHAPE(a, sa), (long long)n);
    trueno_op_params p = tn_params();
    p.ints[1] = k;
    p.ints[2] = largest != 0;
    trueno_tensor *res[2] = {NULL, NULL};
    if ((s = along_axis(TRUENO_OP_TOPK, a, axis, p, k, res)) != TRUENO_OK) return s;
    *values = res[0];
    *indices = res[1];
    return TRUENO_OK;
}
