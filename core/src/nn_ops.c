/*
 * nn_ops.c — torch.nn.functional entry points (linear, convolution,
 * pooling, normalisation, dropout, embedding, distances, losses) and the
 * statistics ops (covariance, correlation, zscore, minmax normalisation).
 * Shapes are checked here and errors name them; the arithmetic is in the
 * kernels.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Casts each non-NULL input to the float dtype the op computes in. */
static trueno_status float_inputs(uint32_t op, const trueno_tensor *const *in, size_t n,
                                  const trueno_tensor **use, trueno_tensor **tmp, trueno_dtype *dt)
{
    trueno_dtype d = in[0]->dtype;
    for (size_t i = 1; i < n; i++) if (in[i]) d = tn_promote(d, in[i]->dtype);
    trueno_status s = tn_compute_dtype(tn_op_info(op), d, dt);
    for (size_t i = 0; i < n; i++) tmp[i] = NULL;
    for (size_t i = 0; i < n && s == TRUENO_OK; i++)
        if (in[i]) s = tn_as_dtype(in[i], *dt, &use[i], &tmp[i]);
    return s;
}

static void free_all(trueno_tensor **t, size_t n)
{
    for (size_t i = 0; i < n; i++) trueno_tensor_free(t[i]);
}

trueno_status trueno_linear(const trueno_tensor *x, const trueno_tensor *w, const trueno_tensor *b,
                            trueno_tensor **out)
{
    if (!x || !w || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "linear: NULL argument");
    char sa[160], sb[160];
    if (w->rank != 2 || x->rank < 1 || x->shape[x->rank - 1] != w->shape[1])
        return tn_error(TRUENO_SHAPE_MISMATCH, "linear: input %s and weight %s: the weight must be (out, in) with "
                        "in equal to the input's last axis", TN_SHAPE(x, sa), TN_SHAPE(w, sb));
    trueno_tensor *wt = NULL, *y = NULL;
    trueno_status s = trueno_transpose(w, 0, 1, &wt);
    if (s == TRUENO_OK) s = trueno_matmul(x, wt, &y);
    trueno_tensor_free(wt);
    if (s != TRUENO_OK || !b) { if (s == TRUENO_OK) *out = y; return s; }
    s = trueno_add(y, b, out);
    trueno_tensor_free(y);
    return s;
}

/* ---- convolution and pooling ------------------------------------------------ */

static int64_t pooled(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil, int ceil_mode)
{
    int64_t span = in + 2 * pad - dil * (k - 1) - 1;
    if (span < 0) return 0;
    int64_t o = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil_mode && (o - 1) * stride >= in + pad) o--; /* the last window must start inside */
    return o;
}

trueno_status trueno_conv2d(const trueno_tensor *x, const trueno_tensor *w, const trueno_tensor *bias,
                            const int64_t stride[2], const int64_t padding[2], const int64_t dilation[2],
                            int64_t groups, trueno_tensor **out)
{
    if (!x || !w || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "conv2d: NULL argument");
    char sa[160], sb[160];
    int64_t st[2] = {stride ? stride[0] : 1, stride ? stride[1] : 1};
    int64_t pd[2] = {padding ? padding[0] : 0, padding ? padding[1] : 0};
    int64_t dl[2] = {dilation ? dilation[0] : 1, dilation ? dilation[1] : 1};
    if (x->rank != 4 || w->rank != 4)
        return tn_error(TRUENO_SHAPE_MISMATCH, "conv2d: input %s must be (N, C, H, W) and weight %s (O, C/groups, kh, kw)",
                        TN_SHAPE(x, sa), TN_SHAPE(w, sb));
    if (groups < 1 || x->shape[1] % groups || w->shape[0] % groups || w->shape[1] * groups != x->shape[1])
        return tn_error(TRUENO_SHAPE_MISMATCH, "conv2d: input %s has %lld channels, weight %s expects %lld per group "
                        "with %lld groups (C must equal weight.shape[1]·groups, and groups divide O)",
                        TN_SHAPE(x, sa), (long long)x->shape[1], TN_SHAPE(w, sb), (long long)w->shape[1], (long long)groups);
    if (st[0] < 1 || st[1] < 1 || dl[0] < 1 || dl[1] < 1 || pd[0] < 0 || pd[1] < 0)
        return tn_error(TRUENO_INVALID_ARGUMENT, "conv2d: stride and dilation must be >= 1, padding >= 0");
    if (bias && (bias->rank != 1 || bias->shape[0] != w->shape[0]))
        return tn_error(TRUENO_SHAPE_MISMATCH, "conv2d: bias %s must be (%lld,)", TN_SHAPE(bias, sa), (long long)w->shape[0]);
    int64_t oh = pooled(x->shape[2], w->shape[2], st[0], pd[0], dl[0], 0);
    int64_t ow = pooled(x->shape[3], w->shape[3], st[1], pd[1], dl[1], 0);
    if (oh <= 0 || ow <= 0)
        return tn_error(TRUENO_SHAPE_MISMATCH, "conv2d: the kernel (%lld, %lld) with dilation is larger than the "
                        "padded input of %s", (long long)w->shape[2], (long long)w->shape[3], TN_SHAPE(x, sa));
    trueno_tensor *zero = NULL, *vb = NULL, *tmp[3] = {NULL, NULL, NULL};
    const trueno_tensor *use[3];
    trueno_dtype dt;
    trueno_status s = TRUENO_OK;
    if (!bias) { /* no bias: a stride-0 zero vector */
        if ((s = trueno_scalar(x->st->rt, x->dtype, 0, &zero)) == TRUENO_OK)
            s = tn_broadcast_view(zero, 1, &w->shape[0], &vb);
        bias = vb;
    }
    const trueno_tensor *in[3] = {x, w, bias};
    if (s == TRUENO_OK && (s = float_inputs(TRUENO_OP_CONV2D, in, 3, use, tmp, &dt)) == TRUENO_OK) {
        trueno_op_params p = tn_params();
        int64_t v[7] = {st[0], st[1], pd[0], pd[1], dl[0], dl[1], groups};
        memcpy(p.ints, v, sizeof v);
        int64_t shape[4] = {x->shape[0], w->shape[0], oh, ow};
        s = tn_run(TRUENO_OP_CONV2D, dt, use, 3, dt, 4, shape, &p, out);
    }
    free_all(tmp, 3);
    trueno_tensor_free(zero);
    trueno_tensor_free(vb);
    return s;
}

trueno_status trueno_conv1d(const trueno_tensor *x, const trueno_tensor *w, const trueno_tensor *bias,
                            int64_t stride, int64_t padding, int64_t dilation, int64_t groups, trueno_tensor **out)
{
    if (!x || !w || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "conv1d: NULL argument");
    char sa[160], sb[160];
    if (x->rank != 3 || w->rank != 3)
        return tn_error(TRUENO_SHAPE_MISMATCH, "conv1d: input %s must be (N, C, L) and weight %s (O, C/groups, k)",
                        TN_SHAPE(x, sa), TN_SHAPE(w, sb));
    trueno_tensor *x4 = NULL, *w4 = NULL, *y = NULL;
    trueno_status s;
    int64_t st[2] = {1, stride}, pd[2] = {0, padding}, dl[2] = {1, dilation};
    if ((s = trueno_unsqueeze(x, 2, &x4)) == TRUENO_OK && (s = trueno_unsqueeze(w, 2, &w4)) == TRUENO_OK &&
        (s = trueno_conv2d(x4, w4, bias, st, pd, dl, groups, &y)) == TRUENO_OK) {
        int axis[1] = {2};
        s = trueno_squeeze(y, axis, 1, out);
    }
    trueno_tensor_free(x4); trueno_tensor_free(w4); trueno_tensor_free(y);
    return s;
}

static trueno_status pool(uint32_t op, const trueno_tensor *x, const int64_t k[2], const int64_t stride[2],
                          const int64_t padding[2], const int64_t dilation[2], int ceil_mode, int count_pad,
                          int64_t oh_fixed, int64_t ow_fixed, trueno_tensor **out)
{
    const char *fn = tn_op_info(op)->name;
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    char sa[160];
    if (x->rank != 4) return tn_error(TRUENO_SHAPE_MISMATCH, "%s: input %s must be (N, C, H, W)", fn, TN_SHAPE(x, sa));
    trueno_op_params p = tn_params();
    int64_t oh = oh_fixed, ow = ow_fixed;
    if (op != TRUENO_OP_ADAPTIVE_AVG_POOL2D) {
        if (!k || k[0] < 1 || k[1] < 1) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: kernel sizes must be >= 1", fn);
        int64_t st[2] = {stride ? stride[0] : k[0], stride ? stride[1] : k[1]};
        int64_t pd[2] = {padding ? padding[0] : 0, padding ? padding[1] : 0};
        int64_t dl[2] = {dilation ? dilation[0] : 1, dilation ? dilation[1] : 1};
        if (st[0] < 1 || st[1] < 1 || dl[0] < 1 || dl[1] < 1 || pd[0] < 0 || pd[1] < 0 ||
            pd[0] * 2 > k[0] || pd[1] * 2 > k[1])
            return tn_error(TRUENO_INVALID_ARGUMENT, "%s: stride/dilation must be >= 1 and padding at most half "
                            "the kernel (got padding %lld, %lld for kernel %lld, %lld)", fn, (long long)pd[0],
                            (long long)pd[1], (long long)k[0], (long long)k[1]);
        oh = pooled(x->shape[2], k[0], st[0], pd[0], dl[0], ceil_mode);
        ow = pooled(x->shape[3], k[1], st[1], pd[1], dl[1], ceil_mode);
        if (op == TRUENO_OP_MAX_POOL2D) {
            int64_t v[8] = {k[0], k[1], st[0], st[1], pd[0], pd[1], dl[0], dl[1]};
            memcpy(p.ints, v, sizeof v);
        } else {
            int64_t v[7] = {k[0], k[1], st[0], st[1], pd[0], pd[1], count_pad != 0};
            memcpy(p.ints, v, sizeof v);
        }
        if (oh <= 0 || ow <= 0)
            return tn_error(TRUENO_SHAPE_MISMATCH, "%s: the window is larger than the padded input %s", fn, TN_SHAPE(x, sa));
    } else if (oh < 1 || ow < 1) {
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: output size must be >= 1", fn);
    }
    trueno_dtype dt;
    trueno_status s = tn_compute_dtype(tn_op_info(op), x->dtype, &dt);
    if (s != TRUENO_OK) return s;
    trueno_tensor *cast = NULL;
    const trueno_tensor *use;
    int64_t shape[4] = {x->shape[0], x->shape[1], oh, ow};
    if ((s = tn_as_dtype(x, dt, &use, &cast)) == TRUENO_OK) s = tn_run(op, dt, &use, 1, dt, 4, shape, &p, out);
    trueno_tensor_free(cast);
    return s;
}

trueno_status trueno_max_pool2d(const trueno_tensor *x, const int64_t kernel[2], const int64_t stride[2],
                                const int64_t padding[2], const int64_t dilation[2], int ceil_mode, trueno_tensor **out)
{
    return pool(TRUENO_OP_MAX_POOL2D, x, kernel, stride, padding, dilation, ceil_mode, 0, 0, 0, out);
}

trueno_status trueno_avg_pool2d(const trueno_tensor *x, const int64_t kernel[2], const int64_t stride[2],
                                const int64_t padding[2], int ceil_mode, int count_include_pad, trueno_tensor **out)
{
    return pool(TRUENO_OP_AVG_POOL2D, x, kernel, stride, padding, NULL, ceil_mode, count_include_pad, 0, 0, out);
}

trueno_status trueno_adaptive_avg_pool2d(const trueno_tensor *x, int64_t out_h, int64_t out_w, trueno_tensor **out)
{
    return pool(TRUENO_OP_ADAPTIVE_AVG_POOL2D, x, NULL, NULL, NULL, NULL, 0, 0, out_h, out_w, out);
}

/* ---- normalisation ----------------------------------------------------------- */

/* A (shape)-tensor of `value` broadcast from a 0-d one when p is NULL. */
static trueno_status param_or(const trueno_tensor *p, const trueno_tensor *like, size_t rank, const int64_t *shape,
                              double value, trueno_tensor **hold, const trueno_tensor **use)
{
    *hold = NULL;
    if (p) { *use = p; return TRUENO_OK; }
    trueno_tensor *sc = NULL;
    trueno_status s = trueno_scalar(like->st->rt, like->dtype, value, &sc);
    if (s == TRUENO_OK) s = tn_broadcast_view(sc, rank, shape, hold);
    trueno_tensor_free(sc);
    *use = *hold;
    return s;
}

static trueno_status check_param(const char *fn, const char *what, const trueno_tensor *p, size_t rank,
                                 const int64_t *shape)
{
    char sa[160], sb[160];
    bool ok = p->rank == rank;
    for (size_t i = 0; ok && i < rank; i++) ok = p->shape[i] == shape[i];
    if (!ok)
        return tn_error(TRUENO_SHAPE_MISMATCH, "%s: %s has shape %s, expected %s", fn, what, TN_SHAPE(p, sa),
                        tn_shape_str(rank, shape, sb, sizeof sb));
    return TRUENO_OK;
}

static trueno_status run_norm(uint32_t op, const trueno_tensor *const *in, size_t n, trueno_op_params p,
                              trueno_tensor **out)
{
    const trueno_tensor *use[5];
    trueno_tensor *tmp[5];
    trueno_dtype dt;
    trueno_status s = float_inputs(op, in, n, use, tmp, &dt);
    if (s == TRUENO_OK) s = tn_run(op, dt, use, n, dt, in[0]->rank, in[0]->shape, &p, out);
    free_all(tmp, n);
    return s;
}

trueno_status trueno_batch_norm(const trueno_tensor *x, const trueno_tensor *mean, const trueno_tensor *var,
                                const trueno_tensor *weight, const trueno_tensor *bias, double eps, trueno_tensor **out)
{
    if (!x || !mean || !var || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "batch_norm: NULL argument");
    char sa[160];
    if (x->rank < 2) return tn_error(TRUENO_SHAPE_MISMATCH, "batch_norm: input %s needs (N, C, ...)", TN_SHAPE(x, sa));
    const int64_t *c = &x->shape[1];
    trueno_tensor *hw = NULL, *hb = NULL;
    const trueno_tensor *uw, *ub;
    trueno_status s;
    if ((s = check_param("batch_norm", "running_mean", mean, 1, c)) != TRUENO_OK ||
        (s = check_param("batch_norm", "running_var", var, 1, c)) != TRUENO_OK ||
        (weight && (s = check_param("batch_norm", "weight", weight, 1, c)) != TRUENO_OK) ||
        (bias && (s = check_param("batch_norm", "bias", bias, 1, c)) != TRUENO_OK))
        return s;
    if ((s = param_or(weight, x, 1, c, 1, &hw, &uw)) == TRUENO_OK && (s = param_or(bias, x, 1, c, 0, &hb, &ub)) == TRUENO_OK) {
        trueno_op_params p = tn_params();
        p.floats[0] = eps;
        const trueno_tensor *in[5] = {x, mean, var, uw, ub};
        s = run_norm(TRUENO_OP_BATCH_NORM, in, 5, p, out);
    }
    trueno_tensor_free(hw);
    trueno_tensor_free(hb);
    return s;
}

static trueno_status last_axes_norm(uint32_t op, const trueno_tensor *x, size_t n_axes, const trueno_tensor *weight,
                                    const trueno_tensor *bias, double eps, trueno_tensor **out)
{
    const char *fn = tn_op_info(op)->name;
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    char sa[160];
    if (n_axes < 1 || n_axes > x->rank)
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: cannot normalise the last %zu axes of shape %s", fn, n_axes, TN_SHAPE(x, sa));
    const int64_t *ns = &x->shape[x->rank - n_axes];
    trueno_status s;
    if ((weight && (s = check_param(fn, "weight", weight, n_axes, ns)) != TRUENO_OK) ||
        (bias && (s = check_param(fn, "bias", bias, n_axes, ns)) != TRUENO_OK))
        return s;
    trueno_tensor *hw = NULL, *hb = NULL;
    const trueno_tensor *uw, *ub;
    trueno_op_params p = tn_params();
    p.ints[0] = (int64_t)n_axes;
    p.floats[0] = eps;
    if ((s = param_or(weight, x, n_axes, ns, 1, &hw, &uw)) == TRUENO_OK &&
        (s = param_or(bias, x, n_axes, ns, 0, &hb, &ub)) == TRUENO_OK) {
        const trueno_tensor *in[3] = {x, uw, ub};
        s = run_norm(op, in, op == TRUENO_OP_RMS_NORM ? 2 : 3, p, out);
    }
    trueno_tensor_free(hw);
    trueno_tensor_free(hb);
    return s;
}

trueno_status trueno_layer_norm(const trueno_tensor *x, size_t n_axes, const trueno_tensor *weight,
                                const trueno_tensor *bias, double eps, trueno_tensor **out)
{
    return last_axes_norm(TRUENO_OP_LAYER_NORM, x, n_axes, weight, bias, eps, out);
}

trueno_status trueno_rms_norm(const trueno_tensor *x, size_t n_axes, const trueno_tensor *weight, double eps,
                              trueno_tensor **out)
{
    return last_axes_norm(TRUENO_OP_RMS_NORM, x, n_axes, weight, NULL, eps, out);
}

trueno_status trueno_group_norm(const trueno_tensor *x, int64_t groups, const trueno_tensor *weight,
                                const trueno_tensor *bias, double eps, trueno_tensor **out)
{
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "group_norm: NULL argument");
    char sa[160];
    if (x->rank < 2 || groups < 1 || x->shape[1] % groups)
        return tn_error(TRUENO_SHAPE_MISMATCH, "group_norm: input %s needs (N, C, ...) with C divisible by %lld groups",
                        TN_SHAPE(x, sa), (long long)groups);
    const int64_t *c = &x->shape[1];
    trueno_status s;
    if ((weight && (s = check_param("group_norm", "weight", weight, 1, c)) != TRUENO_OK) ||
        (bias && (s = check_param("group_norm", "bias", bias, 1, c)) != TRUENO_OK))
        return s;
    trueno_tensor *hw = NULL, *hb = NULL;
    const trueno_tensor *uw, *ub;
    trueno_op_params p = tn_params();
    p.ints[0] = groups;
    p.floats[0] = eps;
    if ((s = param_or(weight, x, 1, c, 1, &hw, &uw)) == TRUENO_OK && (s = param_or(bias, x, 1, c, 0, &hb, &ub)) == TRUENO_OK) {
        const trueno_tensor *in[3] = {x, uw, ub};
        s = run_norm(TRUENO_OP_GROUP_NORM, in, 3, p, out);
    }
    trueno_tensor_free(hw);
    trueno_tensor_free(hb);
    return s;
}

trueno_status trueno_dropout(const trueno_tensor *x, double p, uint64_t seed, int training, trueno_tensor **out)
{
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "dropout: NULL argument");
    if (!(p >= 0 && p <= 1)) return tn_error(TRUENO_INVALID_ARGUMENT, "dropout: p = %g is not a probability in [0, 1]", p);
    if (!training || p == 0) return trueno_copy(x, out);
    if (p == 1) return trueno_zeros_like(x, out);
    trueno_op_params prm = tn_params();
    prm.floats[0] = p;
    prm.ints[0] = (int64_t)seed;
    return run_norm(TRUENO_OP_DROPOUT, &x, 1, prm, out);
}

trueno_status trueno_embedding(const trueno_tensor *weight, const trueno_tensor *indices, trueno_tensor **out)
{
    char sa[160];
    if (weight && weight->rank != 2)
        return tn_error(TRUENO_SHAPE_MISMATCH, "embedding: weight %s must be (num_embeddings, dim)", TN_SHAPE(weight, sa));
    return trueno_index_select(weight, 0, indices, out);
}

trueno_status trueno_cosine_similarity(const trueno_tensor *x1, const trueno_tensor *x2, int axis, double eps,
                                       trueno_tensor **out)
{
    if (!x1 || !x2 || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "cosine_similarity: NULL argument");
    const trueno_tensor *both[2] = {x1, x2};
    size_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    trueno_status s = tn_broadcast_shapes("cosine_similarity", both, 2, &rank, shape);
    if (s != TRUENO_OK) return s;
    trueno_tensor *probe = NULL, *v1 = NULL, *v2 = NULL, *res = NULL, *tmp[2] = {NULL, NULL};
    int ax = 0;
    if ((s = tn_broadcast_view(x1, rank, shape, &probe)) != TRUENO_OK) return s;
    s = tn_axis("cosine_similarity", probe, axis, rank, &ax);
    trueno_tensor_free(probe);
    if (s != TRUENO_OK) return s;
    const trueno_tensor *use[2];
    trueno_dtype dt;
    if ((s = float_inputs(TRUENO_OP_COSINE_SIMILARITY, both, 2, use, tmp, &dt)) == TRUENO_OK &&
        (s = tn_broadcast_view(use[0], rank, shape, &v1)) == TRUENO_OK &&
        (s = tn_broadcast_view(use[1], rank, shape, &v2)) == TRUENO_OK) {
        trueno_op_params p = tn_params();
        p.ints[0] = ax;
        p.floats[0] = eps;
        int64_t kshape[TRUENO_MAX_RANK];
        memcpy(kshape, shape, sizeof kshape);
        kshape[ax] = 1;
        const trueno_tensor *in[2] = {v1, v2};
        if ((s = tn_run(TRUENO_OP_COSINE_SIMILARITY, dt, in, 2, dt, rank, kshape, &p, &res)) == TRUENO_OK) {
            int sq[1] = {ax};
            s = trueno_squeeze(res, sq, 1, out);
        }
    }
    trueno_tensor_free(v1); trueno_tensor_free(v2); trueno_tensor_free(res);
    free_all(tmp, 2);
    return s;
}

trueno_status trueno_cdist(const trueno_tensor *x1, const trueno_tensor *x2, double p, trueno_tensor **out)
{
    if (!x1 || !x2 || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "cdist: NULL argument");
    char sa[160], sb[160];
    if (x1->rank != 2 || x2->rank != 2 || x1->shape[1] != x2->shape[1])
        return tn_error(TRUENO_SHAPE_MISMATCH, "cdist: x1 %s and x2 %s must be (P, M) and (R, M)", TN_SHAPE(x1, sa), TN_SHAPE(x2, sb));
    if (!(p > 0)) return tn_error(TRUENO_INVALID_ARGUMENT, "cdist: p = %g must be > 0", p);
    const trueno_tensor *in[2] = {x1, x2}, *use[2];
    trueno_tensor *tmp[2];
    trueno_dtype dt;
    trueno_status s = float_inputs(TRUENO_OP_CDIST, in, 2, use, tmp, &dt);
    if (s == TRUENO_OK) {
        trueno_op_params prm = tn_params();
        prm.floats[0] = p;
        int64_t shape[2] = {x1->shape[0], x2->shape[0]};
        s = tn_run(TRUENO_OP_CDIST, dt, use, 2, dt, 2, shape, &prm, out);
    }
    free_all(tmp, 2);
    return s;
}

/* ---- losses -------------------------------------------------------------------- */

static trueno_status class_loss(uint32_t op, const trueno_tensor *x, const trueno_tensor *target,
                                trueno_reduction red, int64_t ignore, double smoothing, trueno_tensor **out)
{
    const char *fn = tn_op_info(op)->name;
    if (!x || !target || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    char sa[160], sb[160];
    if (x->rank != 2 || target->rank != 1 || target->shape[0] != x->shape[0])
        return tn_error(TRUENO_SHAPE_MISMATCH, "%s: input %s must be (N, C) and target %s (N,)", fn, TN_SHAPE(x, sa), TN_SHAPE(target, sb));
    if (!tn_dtype_is_int(target->dtype))
        return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: targets are class indices; %s is not an integer dtype", fn,
                        trueno_dtype_name(target->dtype));
    if (red > TRUENO_REDUCTION_SUM || !(smoothing >= 0 && smoothing <= 1))
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: bad reduction or label_smoothing", fn);
    trueno_tensor *cx = NULL, *ct = NULL;
    const trueno_tensor *ux, *ut;
    trueno_dtype dt;
    trueno_status s = tn_compute_dtype(tn_op_info(op), x->dtype, &dt);
    if (s == TRUENO_OK && (s = tn_as_dtype(x, dt, &ux, &cx)) == TRUENO_OK &&
        (s = tn_as_dtype(target, TRUENO_DTYPE_INT64, &ut, &ct)) == TRUENO_OK) {
        trueno_op_params p = tn_params();
        p.ints[0] = red;
        p.ints[1] = ignore;
        p.floats[0] = smoothing;
        const trueno_tensor *in[2] = {ux, ut};
        s = tn_run(op, dt, in, 2, dt, red == TRUENO_REDUCTION_NONE ? 1 : 0, x->shape, &p, out);
    }
    trueno_tensor_free(cx);
    trueno_tensor_free(ct);
    return s;
}

trueno_status trueno_cross_entropy(const trueno_tensor *logits, const trueno_tensor *target, trueno_reduction red,
                                   int64_t ignore_index, double label_smoothing, trueno_tensor **out)
{
    return class_loss(TRUENO_OP_CROSS_ENTROPY, logits, target, red, ignore_index, label_smoothing, out);
}

trueno_status trueno_nll_loss(const trueno_tensor *log_probs, const trueno_tensor *target, trueno_reduction red,
                              int64_t ignore_index, trueno_tensor **out)
{
    return class_loss(TRUENO_OP_NLL_LOSS, log_probs, target, red, ignore_index, 0, out);
}

static trueno_status pair_loss(uint32_t op, const trueno_tensor *a, const trueno_tensor *b, trueno_reduction red,
                               double beta, trueno_tensor **out)
{
    const char *fn = tn_op_info(op)->name;
    if (!a || !b || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    if (red > TRUENO_REDUCTION_SUM) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: unknown reduction %d", fn, (int)red);
    if (beta < 0) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: beta must be >= 0", fn);
    const trueno_tensor *in[2] = {a, b}, *use[2];
    size_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    trueno_status s = tn_broadcast_shapes(fn, in, 2, &rank, shape);
    if (s != TRUENO_OK) return s;
    trueno_tensor *tmp[2], *v[2] = {NULL, NULL};
    trueno_dtype dt;
    if ((s = float_inputs(op, in, 2, use, tmp, &dt)) == TRUENO_OK &&
        (s = tn_broadcast_view(use[0], rank, shape, &v[0])) == TRUENO_OK &&
        (s = tn_broadcast_view(use[1], rank, shape, &v[1])) == TRUENO_OK) {
        trueno_op_params p = tn_params();
        p.ints[0] = red;
        p.floats[0] = beta;
        s = tn_run(op, dt, (const trueno_tensor *const *)v, 2, dt, red == TRUENO_REDUCTION_NONE ? rank : 0, shape, &p, out);
    }
    free_all(v, 2);
    free_all(tmp, 2);
    return s;
}

trueno_status trueno_mse_loss(const trueno_tensor *i, const trueno_tensor *t, trueno_reduction r, trueno_tensor **out)
{
    return pair_loss(TRUENO_OP_MSE_LOSS, i, t, r, 0, out);
}

trueno_status trueno_l1_loss(const trueno_tensor *i, const trueno_tensor *t, trueno_reduction r, trueno_tensor **out)
{
    return pair_loss(TRUENO_OP_L1_LOSS, i, t, r, 0, out);
}

trueno_status trueno_smooth_l1_loss(const trueno_tensor *i, const trueno_tensor *t, trueno_reduction r, double beta,
                                    trueno_tensor **out)
{
    return pair_loss(TRUENO_OP_SMOOTH_L1_LOSS, i, t, r, beta, out);
}

trueno_status trueno_binary_cross_entropy(const trueno_tensor *i, const trueno_tensor *t, trueno_reduction r,
                                          trueno_tensor **out)
{
    return pair_loss(TRUENO_OP_BINARY_CROSS_ENTROPY, i, t, r, 0, out);
}

trueno_status trueno_binary_cross_entropy_with_logits(const trueno_tensor *i, const trueno_tensor *t,
                                                      trueno_reduction r, trueno_tensor **out)
{
    return pair_loss(TRUENO_OP_BINARY_CROSS_ENTROPY_WITH_LOGITS, i, t, r, 0, out);
}

/* ---- statistics --------------------------------------------------------------- */

/* numpy.cov(x, ddof): xc = x − mean(x, axis 1); xc·xcᵀ / (n − ddof). */
trueno_status trueno_covariance(const trueno_tensor *x, double ddof, trueno_tensor **out)
{
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "covariance: NULL argument");
    char sa[160];
    if (x->rank > 2) return tn_error(TRUENO_SHAPE_MISMATCH, "covariance: x %s must be 1-D or 2-D (variables, observations)", TN_SHAPE(x, sa));
    trueno_tensor *x2 = NULL, *f = NULL, *mean = NULL, *xc = NULL, *xct = NULL, *prod = NULL, *scale = NULL;
    int64_t row[2] = {1, -1};
    trueno_status s = x->rank == 2 ? tn_tensor_view(x, 2, x->shape, x->strides, x->offset, &x2) : trueno_reshape(x, 2, row, &x2);
    int axis[1] = {1};
    trueno_dtype dt = TRUENO_DTYPE_FLOAT64;
    if (s == TRUENO_OK) s = tn_compute_dtype(tn_op_info(TRUENO_OP_MEAN), x->dtype, &dt);
    if (s == TRUENO_OK && (s = trueno_astype(x2, dt, &f)) == TRUENO_OK &&
        (s = trueno_mean(f, axis, 1, 1, &mean)) == TRUENO_OK && (s = trueno_subtract(f, mean, &xc)) == TRUENO_OK &&
        (s = trueno_transpose(xc, 0, 1, &xct)) == TRUENO_OK && (s = trueno_matmul(xc, xct, &prod)) == TRUENO_OK &&
        (s = trueno_scalar(x->st->rt, dt, 1.0 / ((double)x2->shape[1] - ddof), &scale)) == TRUENO_OK) {
        trueno_tensor *c = NULL;
        if ((s = trueno_multiply(prod, scale, &c)) == TRUENO_OK) {
            if (x->rank == 1) { s = trueno_reshape(c, 0, NULL, out); trueno_tensor_free(c); }
            else *out = c;
        }
    }
    trueno_tensor *all[] = {x2, f, mean, xc, xct, prod, scale};
    free_all(all, 7);
    return s;
}

/* numpy.corrcoef: cov / sqrt(diag ⊗ diag). */
trueno_status trueno_correlation(const trueno_tensor *x, trueno_tensor **out)
{
    trueno_tensor *c = NULL, *c2 = NULL, *d = NULL, *dd = NULL, *root = NULL;
    trueno_status s = trueno_covariance(x, 1, &c);
    int64_t one[2] = {1, 1};
    if (s == TRUENO_OK && (s = trueno_reshape(c, c->rank ? 2 : 2, c->rank ? c->shape : one, &c2)) == TRUENO_OK &&
        (s = trueno_diagonal(c2, 0, &d)) == TRUENO_OK && (s = trueno_outer(d, d, &dd)) == TRUENO_OK &&
        (s = trueno_sqrt(dd, &root)) == TRUENO_OK) {
        trueno_tensor *r = NULL;
        if ((s = trueno_divide(c2, root, &r)) == TRUENO_OK) {
            if (c->rank == 0) { s = trueno_reshape(r, 0, NULL, out); trueno_tensor_free(r); }
            else *out = r;
        }
    }
    trueno_tensor *all[] = {c, c2, d, dd, root};
    free_all(all, 5);
    return s;
}

trueno_status trueno_zscore(const trueno_tensor *x, int axis, double ddof, trueno_tensor **out)
{
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "zscore: NULL argument");
    trueno_tensor *mean = NULL, *std = NULL, *xc = NULL;
    int ax[1] = {axis};
    trueno_status s;
    if ((s = trueno_mean(x, ax, 1, 1, &mean)) == TRUENO_OK && (s = trueno_std(x, ax, 1, ddof, 1, &std)) == TRUENO_OK &&
        (s = trueno_subtract(x, mean, &xc)) == TRUENO_OK)
        s = trueno_divide(xc, std, out);
    trueno_tensor_free(mean); trueno_tensor_free(std); trueno_tensor_free(xc);
    return s;
}

trueno_status trueno_minmax_normalize(const trueno_tensor *x, int axis, trueno_tensor **out)
{
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "minmax_normalize: NULL argument");
    trueno_tensor *lo = NULL, *hi = NULL, *range = NULL, *xc = NULL;
    int ax[1] = {axis};
    trueno_status s;
    if ((s = trueno_amin(x, ax, 1, 1, &lo)) == TRUENO_OK && (s = trueno_amax(x, ax, 1, 1, &hi)) == TRUENO_OK &&
        (s = trueno_subtract(hi, lo, &range)) == TRUENO_OK && (s = trueno_subtract(x, lo, &xc)) == TRUENO_OK)
        s = trueno_divide(xc, range, out);
    trueno_tensor_free(lo); trueno_tensor_free(hi); trueno_tensor_free(range); trueno_tensor_free(xc);
    return s;
}
