/*
 * ops.c — what every op entry point shares, and the element-wise ops.
 *
 * An entry point checks its operands in the user's terms (shapes, dtypes,
 * axes), applies NumPy's rules (broadcasting, type promotion), casts mixed
 * inputs to one dtype, builds the views a device receives (broadcast axes
 * get stride 0, reductions keepdims form) and hands the op to the
 * dispatcher. The op table itself is TRUENO_OP_MAP in trueno_abi.h; the
 * typed entry points of the element-wise families are generated from the
 * TRUENO_*_OPS lists in trueno.h.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* ---- the op table ------------------------------------------------------ */

static const trueno_op_info op_table[TRUENO_OP_COUNT_1_0] = {
#define TRUENO_X_(NAME_, code_, text_, nin_, nout_, cls_, dts_, out_, np_, pt_, tol_) \
    [code_] = {.struct_size = sizeof(trueno_op_info), .code = code_, .n_inputs = nin_,     \
               .n_outputs = nout_, .op_class = cls_, .dtypes = dts_, .out_rule = out_,     \
               .tol_class = TRUENO_TOL_CLASS_##tol_, .name = text_, .numpy = np_,          \
               .torch = pt_},
    TRUENO_OP_MAP(TRUENO_X_)
#undef TRUENO_X_
};

const trueno_op_info *tn_op_info(uint32_t op)
{
    return op > 0 && op < TRUENO_OP_COUNT_1_0 && op_table[op].name ? &op_table[op] : NULL;
}

const trueno_op_info *trueno_op_lookup(trueno_op_code op) { return tn_op_info(op); }

double trueno_op_tolerance(trueno_op_code op, trueno_dtype dtype, uint32_t *kind)
{
    const trueno_op_info *info = tn_op_info(op);
    uint32_t k;
    if (!info) return -1;
    double bound = trueno_tolerance(info->tol_class, dtype, &k);
    if (kind) *kind = k;
    return bound;
}

/* ---- shared helpers ---------------------------------------------------- */

trueno_op_params tn_params(void)
{
    trueno_op_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    return p;
}

trueno_status tn_run(uint32_t opcode, trueno_dtype in_dt, const trueno_tensor *const *in, size_t n_in,
                     trueno_dtype out_dt, size_t rank, const int64_t *shape,
                     const trueno_op_params *params, trueno_tensor **out)
{
    const trueno_op_info *info = tn_op_info(opcode);
    trueno_op_params zero = tn_params();
    if (!params) params = &zero;
    trueno_tensor *res[2] = {NULL, NULL};
    trueno_runtime *rt = in[0]->st->rt;
    trueno_status s = TRUENO_OK;
    for (uint32_t i = 0; i < info->n_outputs && s == TRUENO_OK; i++) /* TOPK: values, int64 indices */
        s = tn_tensor_new_unallocated(rt, i ? TRUENO_DTYPE_INT64 : out_dt, rank, shape, &res[i]);
    if (s == TRUENO_OK) s = tn_dispatch(rt, opcode, in_dt, in, n_in, res, info->n_outputs, params);
    if (s != TRUENO_OK) {
        trueno_tensor_free(res[0]);
        trueno_tensor_free(res[1]);
        return s;
    }
    for (uint32_t i = 0; i < info->n_outputs; i++) out[i] = res[i];
    return TRUENO_OK;
}

trueno_status tn_run_into(uint32_t opcode, trueno_dtype in_dt, const trueno_tensor *const *in,
                          size_t n_in, trueno_tensor *dst, const trueno_op_params *params)
{
    trueno_op_params zero = tn_params();
    return tn_dispatch(dst->st->rt, opcode, in_dt, in, n_in, &dst, 1, params ? params : &zero);
}

trueno_status tn_as_dtype(const trueno_tensor *a, trueno_dtype dt, const trueno_tensor **use,
                          trueno_tensor **tmp)
{
    *tmp = NULL;
    *use = a;
    if (a->dtype == dt) return TRUENO_OK;
    trueno_status s = tn_run(TRUENO_OP_CAST, a->dtype, &a, 1, dt, a->rank, a->shape, NULL, tmp);
    if (s == TRUENO_OK) *use = *tmp;
    return s;
}

/* NumPy broadcasting (numpy.org/doc/stable/user/basics.broadcasting.html):
 * align shapes from the right; each set of extents must be equal or 1. */
trueno_status tn_broadcast_shapes(const char *fn, const trueno_tensor *const *ts, size_t n,
                                  size_t *rank, int64_t *shape)
{
    size_t r = 0;
    for (size_t k = 0; k < n; k++) r = ts[k]->rank > r ? ts[k]->rank : r;
    for (size_t i = 0; i < r; i++) { /* i counts from the right */
        int64_t e = 1;
        size_t owner = 0;
        for (size_t k = 0; k < n; k++) {
            int64_t ek = i < ts[k]->rank ? ts[k]->shape[ts[k]->rank - 1 - i] : 1;
            if (ek == 1 || ek == e) continue;
            if (e != 1) {
                char sa[160], sb[160];
                return tn_error(TRUENO_SHAPE_MISMATCH,
                                "%s: operands could not be broadcast together with shapes %s "
                                "and %s: axis %d (counting from the right, -1 is the last) is "
                                "%lld in operand %zu but %lld in operand %zu, and broadcasting "
                                "needs equal extents or 1. Hint: reshape or unsqueeze one operand "
                                "so the axes that should match line up from the right",
                                fn, TN_SHAPE(ts[owner], sa), TN_SHAPE(ts[k], sb), -(int)i - 1,
                                (long long)e, owner, (long long)ek, k);
            }
            e = ek;
            owner = k;
        }
        shape[r - 1 - i] = e;
    }
    *rank = r;
    return TRUENO_OK;
}

trueno_status tn_broadcast_view(const trueno_tensor *t, size_t rank, const int64_t *shape,
                                trueno_tensor **out)
{
    int64_t strides[TRUENO_MAX_RANK];
    size_t lead = rank - t->rank;
    for (size_t i = 0; i < rank; i++) {
        if (i < lead) strides[i] = 0;
        else strides[i] = t->shape[i - lead] == 1 && shape[i] != 1 ? 0 : t->strides[i - lead];
    }
    return tn_tensor_view(t, rank, shape, strides, t->offset, out);
}

trueno_status tn_axis(const char *fn, const trueno_tensor *t, int axis, size_t rank, int *out)
{
    int r = (int)rank, ax = axis < 0 ? axis + r : axis;
    if (ax < 0 || ax >= r) {
        char sa[160];
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "%s: axis %d is out of bounds for a tensor of shape %s (rank %d: valid "
                        "axes are %d..%d)", fn, axis, TN_SHAPE(t, sa), r, -r, r - 1);
    }
    *out = ax;
    return TRUENO_OK;
}

trueno_status tn_axes_mask(const char *fn, const trueno_tensor *t, const int *axes, size_t n,
                           uint32_t *mask)
{
    *mask = 0;
    if (!axes || n == 0) {
        *mask = (uint32_t)((1u << t->rank) - 1);
        return TRUENO_OK;
    }
    for (size_t i = 0; i < n; i++) {
        int ax = 0;
        trueno_status s = tn_axis(fn, t, axes[i], t->rank, &ax);
        if (s != TRUENO_OK) return s;
        if (*mask & (1u << ax))
            return tn_error(TRUENO_INVALID_ARGUMENT, "%s: axis %d is repeated in the axes list", fn, axes[i]);
        *mask |= 1u << ax;
    }
    return TRUENO_OK;
}

trueno_status tn_compute_dtype(const trueno_op_info *info, trueno_dtype dt, trueno_dtype *out)
{
    if (info->dtypes & TRUENO_DTYPE_BIT(dt)) { *out = dt; return TRUENO_OK; }
    if (info->dtypes == TRUENO_DTYPES_FLOAT) { *out = TRUENO_DTYPE_FLOAT32; return TRUENO_OK; }
    return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: dtype %s is not supported (%s; docs/ops.md "
                    "lists each op's dtypes)", info->name, trueno_dtype_name(dt),
                    dt == TRUENO_DTYPE_BOOL ? "use logical_* ops for bool, or cast first"
                    : tn_dtype_is_float(dt) ? "this op takes integers (and bool)"
                                            : "cast to another dtype first");
}

trueno_dtype tn_out_dtype(const trueno_op_info *info, trueno_dtype compute)
{
    switch (info->out_rule) {
    case TRUENO_OUT_BOOL: return TRUENO_DTYPE_BOOL;
    case TRUENO_OUT_INT64: return TRUENO_DTYPE_INT64;
    case TRUENO_OUT_ACCUM: return tn_dtype_is_float(compute) ? compute : TRUENO_DTYPE_INT64;
    default: return compute;
    }
}

/* ---- the element-wise engine ------------------------------------------- */

trueno_status tn_elementwise(uint32_t opcode, const trueno_tensor *const *in, size_t n,
                             const trueno_op_params *params, trueno_tensor **out)
{
    const trueno_op_info *info = tn_op_info(opcode);
    if (!out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: out is NULL", info->name);
    for (size_t i = 0; i < n; i++) {
        if (!in[i]) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: operand %zu is NULL", info->name, i);
        if (in[i]->st->rt != in[0]->st->rt)
            return tn_error(TRUENO_INVALID_ARGUMENT, "%s: operands belong to different runtimes", info->name);
    }
    /* WHERE: the condition is bool, the data operands promote */
    size_t first = opcode == TRUENO_OP_WHERE ? 1 : 0;
    trueno_dtype dt = in[first]->dtype;
    for (size_t i = first + 1; i < n; i++) dt = tn_promote(dt, in[i]->dtype);
    trueno_dtype cdt;
    trueno_status s = tn_compute_dtype(info, dt, &cdt);
    if (s != TRUENO_OK) return s;
    size_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    if ((s = tn_broadcast_shapes(info->name, in, n, &rank, shape)) != TRUENO_OK) return s;

    trueno_tensor *cast[3] = {NULL, NULL, NULL}, *view[3] = {NULL, NULL, NULL};
    const trueno_tensor *use[3];
    for (size_t i = 0; i < n && s == TRUENO_OK; i++) {
        trueno_dtype want = opcode == TRUENO_OP_WHERE && i == 0 ? TRUENO_DTYPE_BOOL : cdt;
        if ((s = tn_as_dtype(in[i], want, &use[i], &cast[i])) == TRUENO_OK)
            s = tn_broadcast_view(use[i], rank, shape, &view[i]);
    }
    if (s == TRUENO_OK)
        s = tn_run(opcode, cdt, (const trueno_tensor *const *)view, n, tn_out_dtype(info, cdt), rank,
                   shape, params, out);
    for (size_t i = 0; i < n; i++) {
        trueno_tensor_free(cast[i]);
        trueno_tensor_free(view[i]);
    }
    return s;
}

trueno_status trueno_add(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    const trueno_tensor *in[2] = {a, b};
    return tn_elementwise(TRUENO_OP_ADD, in, 2, NULL, out);
}

trueno_status trueno_multiply(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    const trueno_tensor *in[2] = {a, b};
    return tn_elementwise(TRUENO_OP_MULTIPLY, in, 2, NULL, out);
}

#define TRUENO_X_(fn, NAME)                                                          \
    trueno_status trueno_##fn(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out) \
    {                                                                                \
        const trueno_tensor *in[2] = {a, b};                                         \
        return tn_elementwise(TRUENO_OP_##NAME, in, 2, NULL, out);                   \
    }
TRUENO_BINARY_OPS(TRUENO_X_)
#undef TRUENO_X_

#define TRUENO_X_(fn, NAME)                                                          \
    trueno_status trueno_##fn(const trueno_tensor *a, trueno_tensor **out)           \
    {                                                                                \
        return tn_elementwise(TRUENO_OP_##NAME, &a, 1, NULL, out);                   \
    }
TRUENO_UNARY_OPS(TRUENO_X_)
#undef TRUENO_X_

static trueno_status ternary(uint32_t op, const trueno_tensor *a, const trueno_tensor *b,
                             const trueno_tensor *c, trueno_tensor **out)
{
    const trueno_tensor *in[3] = {a, b, c};
    return tn_elementwise(op, in, 3, NULL, out);
}

trueno_status trueno_clip(const trueno_tensor *x, const trueno_tensor *lo, const trueno_tensor *hi,
                          trueno_tensor **out)
{
    return ternary(TRUENO_OP_CLIP, x, lo, hi, out);
}

trueno_status trueno_fma(const trueno_tensor *a, const trueno_tensor *b, const trueno_tensor *c,
                         trueno_tensor **out)
{
    return ternary(TRUENO_OP_FMA, a, b, c, out);
}

trueno_status trueno_lerp(const trueno_tensor *start, const trueno_tensor *end,
                          const trueno_tensor *weight, trueno_tensor **out)
{
    return ternary(TRUENO_OP_LERP, start, end, weight, out);
}

trueno_status trueno_where(const trueno_tensor *cond, const trueno_tensor *a, const trueno_tensor *b,
                           trueno_tensor **out)
{
    return ternary(TRUENO_OP_WHERE, cond, a, b, out);
}

trueno_status trueno_clip_scalar(const trueno_tensor *x, double lo, double hi, trueno_tensor **out)
{
    if (!x || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "clip: NULL argument");
    trueno_runtime *rt = x->st->rt;
    trueno_tensor *tl = NULL, *th = NULL;
    /* A missing bound is the dtype's own extreme, so it never clips; a bound
     * beyond the dtype's range is brought inside it rather than wrapped. */
    double dmin = -INFINITY, dmax = INFINITY;
    if (!tn_dtype_is_float(x->dtype)) {
        int bits = (int)trueno_dtype_size(x->dtype) * 8;
        bool is_unsigned = x->dtype == TRUENO_DTYPE_UINT8 || x->dtype == TRUENO_DTYPE_BOOL;
        dmin = is_unsigned ? 0 : -ldexp(1, bits - 1);
        dmax = x->dtype == TRUENO_DTYPE_BOOL ? 1 : is_unsigned ? ldexp(1, bits) - 1 : ldexp(1, bits - 1) - 1;
    }
    double lo_v = isnan(lo) ? dmin : fmin(fmax(lo, dmin), dmax), hi_v = isnan(hi) ? dmax : fmin(fmax(hi, dmin), dmax);
    trueno_status s = trueno_scalar(rt, x->dtype, lo_v, &tl);
    if (s == TRUENO_OK) s = trueno_scalar(rt, x->dtype, hi_v, &th);
    if (s == TRUENO_OK) s = trueno_clip(x, tl, th, out);
    trueno_tensor_free(tl);
    trueno_tensor_free(th);
    return s;
}

static trueno_status activation(uint32_t op, const trueno_tensor *x, double f0, double f1, int64_t i1,
                                trueno_tensor **out)
{
    trueno_op_params p = tn_params();
    p.floats[0] = f0;
    p.floats[1] = f1;
    p.ints[1] = i1;
    if (!x) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: x is NULL", tn_op_info(op)->name);
    return tn_elementwise(op, &x, 1, &p, out);
}

trueno_status trueno_leaky_relu(const trueno_tensor *x, double slope, trueno_tensor **out)
{
    return activation(TRUENO_OP_LEAKY_RELU, x, slope, 0, 0, out);
}

trueno_status trueno_elu(const trueno_tensor *x, double alpha, trueno_tensor **out)
{
    return activation(TRUENO_OP_ELU, x, alpha, 0, 0, out);
}

trueno_status trueno_celu(const trueno_tensor *x, double alpha, trueno_tensor **out)
{
    if (alpha == 0) return tn_error(TRUENO_INVALID_ARGUMENT, "celu: alpha cannot be 0");
    return activation(TRUENO_OP_CELU, x, alpha, 0, 0, out);
}

trueno_status trueno_gelu(const trueno_tensor *x, int approximate, trueno_tensor **out)
{
    return activation(TRUENO_OP_GELU, x, 0, 0, approximate != 0, out);
}

trueno_status trueno_softplus(const trueno_tensor *x, double beta, double threshold, trueno_tensor **out)
{
    return activation(TRUENO_OP_SOFTPLUS, x, beta, threshold, 0, out);
}
