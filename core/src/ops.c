/*
 * ops.c — the public op entry points.
 *
 * Each function checks its operands in the user's terms (shapes, dtypes,
 * axes), applies NumPy's rules (broadcasting, type promotion, matmul's
 * 1-D promotion), casts mixed inputs to one dtype, builds the views a
 * device receives (broadcast axes get stride 0, reductions get keepdims
 * shape), and hands the op to the dispatcher. The op table itself lives in
 * trueno_abi.h (TRUENO_OP_MAP); tn_op_info is generated from it.
 */
#include <string.h>

#include "internal.h"

/* ---- the op table ------------------------------------------------------ */

static const trueno_op_info op_table[TRUENO_OP_COUNT_1_0] = {
#define TRUENO_X_(NAME, code, text, nin, cls, dts, np, pt, tk, t16, tb16, t32, t64) \
    [code] = {sizeof(trueno_op_info), code, nin, cls, dts, tk, text, np, pt,         \
              {[TRUENO_DTYPE_FLOAT16] = t16, [TRUENO_DTYPE_BFLOAT16] = tb16,         \
               [TRUENO_DTYPE_FLOAT32] = t32, [TRUENO_DTYPE_FLOAT64] = t64}},
    TRUENO_OP_MAP(TRUENO_X_)
#undef TRUENO_X_
};

const trueno_op_info *tn_op_info(uint32_t op)
{
    return op > 0 && op < TRUENO_OP_COUNT_1_0 ? &op_table[op] : NULL;
}

const trueno_op_info *trueno_op_lookup(trueno_op_code op) { return tn_op_info(op); }

/* ---- helpers ----------------------------------------------------------- */

#define SHAPE(t, buf) tn_shape_str((t)->rank, (t)->shape, buf, sizeof buf)

static trueno_status check_pair(const char *fn, const trueno_tensor *a, const trueno_tensor *b,
                                trueno_tensor **out)
{
    if (!a || !b || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    if (a->st->rt != b->st->rt)
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "%s: a and b belong to different runtimes", fn);
    return TRUENO_OK;
}

static trueno_status check_dtype(const trueno_op_info *info, trueno_dtype dt)
{
    if (info->dtypes & TRUENO_DTYPE_BIT(dt)) return TRUENO_OK;
    return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: dtype %s is not supported "
                    "(docs/ops.md lists each op's dtypes)", info->name, trueno_dtype_name(dt));
}

/* Runs a single-output op into a fresh tensor of `shape`. */
static trueno_status run(uint32_t opcode, trueno_dtype in_dt, const trueno_tensor *const *in,
                         size_t n_in, trueno_dtype out_dt, size_t rank, const int64_t *shape,
                         const trueno_op_params *params, trueno_tensor **out)
{
    trueno_op_params zero;
    if (!params) {
        memset(&zero, 0, sizeof zero);
        zero.struct_size = sizeof zero;
        params = &zero;
    }
    trueno_tensor *res;
    trueno_status s = tn_tensor_new_unallocated(in[0]->st->rt, out_dt, rank, shape, &res);
    if (s != TRUENO_OK) return s;
    s = tn_dispatch(in[0]->st->rt, opcode, in_dt, in, n_in, &res, 1, params);
    if (s != TRUENO_OK) {
        trueno_tensor_free(res);
        return s;
    }
    *out = res;
    return TRUENO_OK;
}

static trueno_status cast_to(const trueno_tensor *a, trueno_dtype dt, trueno_tensor **out)
{
    return run(TRUENO_OP_CAST, a->dtype, &a, 1, dt, a->rank, a->shape, NULL, out);
}

/* In `*tmp` a version of `a` in dtype `dt` (a itself when it already is). */
static trueno_status as_dtype(const trueno_tensor *a, trueno_dtype dt, const trueno_tensor **use,
                              trueno_tensor **tmp)
{
    *tmp = NULL;
    *use = a;
    if (a->dtype == dt) return TRUENO_OK;
    trueno_status s = cast_to(a, dt, tmp);
    if (s == TRUENO_OK) *use = *tmp;
    return s;
}

/* ---- element-wise ------------------------------------------------------ */

/* NumPy broadcasting (numpy.org/doc/stable/user/basics.broadcasting.html):
 * align shapes from the right; each pair of extents must be equal or one
 * of them 1. */
static trueno_status broadcast_shapes(const char *fn, const trueno_tensor *a,
                                      const trueno_tensor *b, size_t *rank, int64_t *shape)
{
    size_t r = a->rank > b->rank ? a->rank : b->rank;
    for (size_t i = 0; i < r; i++) { /* i counts from the right */
        int64_t ea = i < a->rank ? a->shape[a->rank - 1 - i] : 1;
        int64_t eb = i < b->rank ? b->shape[b->rank - 1 - i] : 1;
        if (ea != eb && ea != 1 && eb != 1) {
            char sa[160], sb[160];
            return tn_error(TRUENO_SHAPE_MISMATCH,
                            "%s: operands could not be broadcast together with shapes %s "
                            "and %s: axis %d (counting from the right, -1 is the last) is "
                            "%lld in a but %lld in b, and broadcasting needs equal extents "
                            "or 1. Hint: reshape or unsqueeze one operand so the axes that "
                            "should match line up from the right",
                            fn, SHAPE(a, sa), SHAPE(b, sb), -(int)i - 1, (long long)ea,
                            (long long)eb);
        }
        shape[r - 1 - i] = ea == 1 ? eb : ea;
    }
    *rank = r;
    return TRUENO_OK;
}

/* A view of t broadcast to `shape` (rank >= t->rank): stride 0 where t has
 * extent 1 or lacks the axis. */
static trueno_status broadcast_view(const trueno_tensor *t, size_t rank, const int64_t *shape,
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

static trueno_status binary_elementwise(uint32_t opcode, const trueno_tensor *a,
                                        const trueno_tensor *b, trueno_tensor **out)
{
    const trueno_op_info *info = tn_op_info(opcode);
    trueno_status s = check_pair(info->name, a, b, out);
    if (s != TRUENO_OK) return s;
    trueno_dtype dt = tn_promote(a->dtype, b->dtype);
    if ((s = check_dtype(info, dt)) != TRUENO_OK) return s;
    size_t rank = 0;
    int64_t shape[TRUENO_MAX_RANK];
    if ((s = broadcast_shapes(info->name, a, b, &rank, shape)) != TRUENO_OK) return s;

    trueno_tensor *ca = NULL, *cb = NULL, *va = NULL, *vb = NULL;
    const trueno_tensor *ua, *ub;
    if ((s = as_dtype(a, dt, &ua, &ca)) == TRUENO_OK &&
        (s = as_dtype(b, dt, &ub, &cb)) == TRUENO_OK &&
        (s = broadcast_view(ua, rank, shape, &va)) == TRUENO_OK &&
        (s = broadcast_view(ub, rank, shape, &vb)) == TRUENO_OK) {
        const trueno_tensor *in[2] = {va, vb};
        s = run(opcode, dt, in, 2, dt, rank, shape, NULL, out);
    }
    trueno_tensor_free(ca);
    trueno_tensor_free(cb);
    trueno_tensor_free(va);
    trueno_tensor_free(vb);
    return s;
}

trueno_status trueno_add(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    return binary_elementwise(TRUENO_OP_ADD, a, b, out);
}

trueno_status trueno_multiply(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    return binary_elementwise(TRUENO_OP_MULTIPLY, a, b, out);
}

/* ---- reductions -------------------------------------------------------- */

static trueno_status sum_mask(const trueno_tensor *a, uint32_t mask, int keepdims,
                              trueno_tensor **out)
{
    const trueno_op_info *info = tn_op_info(TRUENO_OP_SUM);
    trueno_status s = check_dtype(info, a->dtype);
    if (s != TRUENO_OK) return s;
    trueno_dtype out_dt = tn_dtype_is_float(a->dtype) ? a->dtype : TRUENO_DTYPE_INT64;
    int64_t kshape[TRUENO_MAX_RANK], rshape[TRUENO_MAX_RANK];
    size_t rrank = 0;
    for (size_t i = 0; i < a->rank; i++) {
        bool reduced = (mask >> i) & 1;
        kshape[i] = reduced ? 1 : a->shape[i];
        if (!reduced) rshape[rrank++] = a->shape[i];
    }
    trueno_op_params params;
    memset(&params, 0, sizeof params);
    params.struct_size = sizeof params;
    params.ints[0] = mask;
    params.ints[1] = keepdims;
    trueno_tensor *res;
    if ((s = run(TRUENO_OP_SUM, a->dtype, &a, 1, out_dt, a->rank, kshape, &params, &res)) !=
        TRUENO_OK)
        return s;
    if (keepdims) { *out = res; return TRUENO_OK; }
    int64_t strides[TRUENO_MAX_RANK];
    tn_contiguous_strides(rrank, rshape, strides);
    s = tn_tensor_view(res, rrank, rshape, strides, 0, out);
    trueno_tensor_free(res);
    return s;
}

trueno_status trueno_sum(const trueno_tensor *a, const int *axes, size_t n_axes, int keepdims,
                         trueno_tensor **out)
{
    if (!a || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "sum: NULL argument");
    uint32_t mask = 0;
    char sa[160];
    if (!axes || n_axes == 0) mask = (1u << a->rank) - 1;
    for (size_t i = 0; axes && i < n_axes; i++) {
        int r = (int)a->rank, ax = axes[i] < 0 ? axes[i] + r : axes[i];
        if (ax < 0 || ax >= r)
            return tn_error(TRUENO_INVALID_ARGUMENT,
                            "sum: axis %d is out of bounds for a tensor of shape %s (rank %d: "
                            "valid axes are %d..%d)", axes[i], SHAPE(a, sa), r, -r, r - 1);
        if (mask & (1u << ax))
            return tn_error(TRUENO_INVALID_ARGUMENT, "sum: axis %d is repeated in the axes list",
                            axes[i]);
        mask |= 1u << ax;
    }
    return sum_mask(a, mask, keepdims, out);
}

/* ---- linear algebra ---------------------------------------------------- */

/* (m,k)@(k,n) with NumPy's promotion of 1-D operands: a (k) is a row, b (k)
 * a column; the added axes are removed from the result. */
trueno_status trueno_matmul(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    trueno_status s = check_pair("matmul", a, b, out);
    if (s != TRUENO_OK) return s;
    char sa[160], sb[160];
    if (a->rank == 0 || b->rank == 0)
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "matmul: operand %s is 0-d (shapes %s and %s); matmul needs at least "
                        "1-D operands. Hint: use multiply for a scalar factor",
                        a->rank == 0 ? "a" : "b", SHAPE(a, sa), SHAPE(b, sb));
    if (a->rank > 2 || b->rank > 2)
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "matmul: shapes %s and %s: batched (3-D and higher) matmul is not "
                        "implemented yet; only 1-D and 2-D operands are",
                        SHAPE(a, sa), SHAPE(b, sb));
    int64_t m = a->rank == 2 ? a->shape[0] : 1, k = a->shape[a->rank - 1];
    int64_t kb = b->shape[0], n = b->rank == 2 ? b->shape[1] : 1;
    if (k != kb) {
        const char *hint = "did you mean to transpose one of them (trueno_transpose)?";
        if (a->rank == 2 && b->rank == 2) {
            if (a->shape[0] == kb) hint = "did you mean to transpose a (trueno_transpose(a, 0, 1))?";
            else if (n == k) hint = "did you mean to transpose b (trueno_transpose(b, 0, 1))?";
            else if (a->shape[0] == n) hint = "did you mean to transpose both, or to swap a and b?";
        }
        return tn_error(TRUENO_SHAPE_MISMATCH,
                        "matmul: Inner dimensions do not match (%lld \xe2\x89\xa0 %lld): a has "
                        "shape %s and b has shape %s; the last axis of a must equal the %s "
                        "axis of b. Hint: %s",
                        (long long)k, (long long)kb, SHAPE(a, sa), SHAPE(b, sb),
                        b->rank == 2 ? "first (second-to-last)" : "only", hint);
    }
    trueno_dtype dt = tn_promote(a->dtype, b->dtype);
    if ((s = check_dtype(tn_op_info(TRUENO_OP_MATMUL), dt)) != TRUENO_OK) return s;

    trueno_tensor *ca = NULL, *cb = NULL, *va = NULL, *vb = NULL, *res = NULL;
    const trueno_tensor *ua, *ub;
    int64_t ash[2] = {m, k}, ast[2] = {0, 0}, bsh[2] = {k, n}, bst[2] = {0, 0};
    if ((s = as_dtype(a, dt, &ua, &ca)) == TRUENO_OK &&
        (s = as_dtype(b, dt, &ub, &cb)) == TRUENO_OK) {
        if (a->rank == 2) { ast[0] = ua->strides[0]; ast[1] = ua->strides[1]; }
        else ast[1] = ua->strides[0];
        if (b->rank == 2) { bst[0] = ub->strides[0]; bst[1] = ub->strides[1]; }
        else bst[0] = ub->strides[0];
        int64_t osh[2] = {m, n};
        if ((s = tn_tensor_view(ua, 2, ash, ast, ua->offset, &va)) == TRUENO_OK &&
            (s = tn_tensor_view(ub, 2, bsh, bst, ub->offset, &vb)) == TRUENO_OK) {
            const trueno_tensor *in[2] = {va, vb};
            s = run(TRUENO_OP_MATMUL, dt, in, 2, dt, 2, osh, NULL, &res);
        }
    }
    if (s == TRUENO_OK && (a->rank == 1 || b->rank == 1)) {
        int64_t shape[1] = {a->rank == 2 ? m : n}, strides[1] = {1};
        s = tn_tensor_view(res, a->rank + b->rank - 2, shape, strides, 0, out);
        trueno_tensor_free(res);
    } else if (s == TRUENO_OK) {
        *out = res;
    }
    trueno_tensor_free(ca);
    trueno_tensor_free(cb);
    trueno_tensor_free(va);
    trueno_tensor_free(vb);
    return s;
}

trueno_status trueno_dot(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    trueno_status s = check_pair("dot", a, b, out);
    if (s != TRUENO_OK) return s;
    if (a->rank == 0 || b->rank == 0) return trueno_multiply(a, b, out); /* numpy.dot */
    if (a->rank != 1 || b->rank != 1) return trueno_matmul(a, b, out);
    if (a->shape[0] != b->shape[0]) {
        char sa[160], sb[160];
        return tn_error(TRUENO_SHAPE_MISMATCH,
                        "dot: shapes %s and %s not aligned: %lld (dim 0) \xe2\x89\xa0 %lld (dim 0)",
                        SHAPE(a, sa), SHAPE(b, sb), (long long)a->shape[0],
                        (long long)b->shape[0]);
    }
    trueno_dtype dt = tn_promote(a->dtype, b->dtype);
    if ((s = check_dtype(tn_op_info(TRUENO_OP_DOT), dt)) != TRUENO_OK) return s;
    trueno_tensor *ca = NULL, *cb = NULL;
    const trueno_tensor *ua, *ub;
    if ((s = as_dtype(a, dt, &ua, &ca)) == TRUENO_OK &&
        (s = as_dtype(b, dt, &ub, &cb)) == TRUENO_OK) {
        const trueno_tensor *in[2] = {ua, ub};
        s = run(TRUENO_OP_DOT, dt, in, 2, dt, 0, NULL, NULL, out);
    }
    trueno_tensor_free(ca);
    trueno_tensor_free(cb);
    return s;
}

/* ---- copies ------------------------------------------------------------ */

trueno_status trueno_astype(const trueno_tensor *a, trueno_dtype dtype, trueno_tensor **out)
{
    if (!a || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "astype: NULL argument");
    if (!tn_dtype_valid(dtype))
        return tn_error(TRUENO_INVALID_ARGUMENT, "astype: unknown dtype %d", (int)dtype);
    return cast_to(a, dtype, out);
}

trueno_status trueno_contiguous(const trueno_tensor *a, trueno_tensor **out)
{
    if (!a || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "contiguous: NULL argument");
    return run(TRUENO_OP_CONTIGUOUS, a->dtype, &a, 1, a->dtype, a->rank, a->shape, NULL, out);
}

/* ---- the generic entry ------------------------------------------------- */

trueno_status trueno_op_run(trueno_op_code op, const trueno_tensor *const *in, size_t n_in,
                            const trueno_op_params *params, trueno_tensor **out)
{
    const trueno_op_info *info = tn_op_info(op);
    if (!info) return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_op_run: unknown op code %d", (int)op);
    if (!in || n_in != info->n_inputs || !out)
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: takes %u inputs, got %zu", info->name,
                        info->n_inputs, in ? n_in : 0);
    for (size_t i = 0; i < n_in; i++)
        if (!in[i]) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: input %zu is NULL", info->name, i);
    switch (op) {
    case TRUENO_OP_ADD: return trueno_add(in[0], in[1], out);
    case TRUENO_OP_MULTIPLY: return trueno_multiply(in[0], in[1], out);
    case TRUENO_OP_DOT: return trueno_dot(in[0], in[1], out);
    case TRUENO_OP_MATMUL: return trueno_matmul(in[0], in[1], out);
    case TRUENO_OP_CONTIGUOUS: return trueno_contiguous(in[0], out);
    case TRUENO_OP_CAST:
        return trueno_astype(in[0], params ? (trueno_dtype)params->ints[0] : in[0]->dtype, out);
    case TRUENO_OP_SUM: {
        uint32_t mask = params ? (uint32_t)params->ints[0] : 0;
        if (mask >> in[0]->rank)
            return tn_error(TRUENO_INVALID_ARGUMENT, "sum: axis mask 0x%x names axes beyond "
                            "rank %u", mask, in[0]->rank);
        if (mask == 0) mask = (1u << in[0]->rank) - 1;
        return sum_mask(in[0], mask, params ? (int)params->ints[1] : 0, out);
    }
    default:
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: no entry point", info->name);
    }
}
