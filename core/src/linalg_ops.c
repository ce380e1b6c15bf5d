/*
 * linalg_ops.c — matmul (NumPy semantics: 1-D promotion, batched with
 * broadcast batch axes), dot, vdot, inner, outer, matvec, gemm and trace.
 */
#include <string.h>

#include "internal.h"

static trueno_status check_pair(const char *fn, const trueno_tensor *a, const trueno_tensor *b,
                                trueno_tensor **out)
{
    if (!a || !b || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: NULL argument", fn);
    if (a->st->rt != b->st->rt) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: a and b belong to different runtimes", fn);
    return TRUENO_OK;
}

trueno_status trueno_matmul(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    trueno_status s = check_pair("matmul", a, b, out);
    if (s != TRUENO_OK) return s;
    char sa[160], sb[160];
    if (a->rank == 0 || b->rank == 0)
        return tn_error(TRUENO_INVALID_ARGUMENT, "matmul: operand %s is 0-d (shapes %s and %s); matmul "
                        "needs at least 1-D operands. Hint: use multiply for a scalar factor",
                        a->rank == 0 ? "a" : "b", TN_SHAPE(a, sa), TN_SHAPE(b, sb));
    /* the matrix parts, with NumPy's promotion of 1-D operands */
    int64_t m = a->rank >= 2 ? a->shape[a->rank - 2] : 1, k = a->shape[a->rank - 1];
    int64_t kb = b->rank >= 2 ? b->shape[b->rank - 2] : b->shape[0], n = b->rank >= 2 ? b->shape[b->rank - 1] : 1;
    if (k != kb) {
        const char *hint = "did you mean to transpose one of them (trueno_transpose)?";
        if (a->rank == 2 && b->rank == 2) {
            if (a->shape[0] == kb) hint = "did you mean to transpose a (trueno_transpose(a, 0, 1))?";
            else if (n == k) hint = "did you mean to transpose b (trueno_transpose(b, 0, 1))?";
            else if (a->shape[0] == n) hint = "did you mean to transpose both, or to swap a and b?";
        }
        return tn_error(TRUENO_SHAPE_MISMATCH,
                        "matmul: Inner dimensions do not match (%lld \xe2\x89\xa0 %lld): a has shape %s "
                        "and b has shape %s; the last axis of a must equal the %s axis of b. Hint: %s",
                        (long long)k, (long long)kb, TN_SHAPE(a, sa), TN_SHAPE(b, sb),
                        b->rank >= 2 ? "second-to-last" : "only", hint);
    }
    /* batch axes broadcast */
    size_t ab = a->rank > 2 ? a->rank - 2 : 0, bb = b->rank > 2 ? b->rank - 2 : 0;
    size_t nb = ab > bb ? ab : bb;
    if (nb + 2 > TRUENO_MAX_RANK) return tn_error(TRUENO_INVALID_ARGUMENT, "matmul: too many batch axes");
    int64_t shape_a[TRUENO_MAX_RANK], shape_b[TRUENO_MAX_RANK], shape_o[TRUENO_MAX_RANK];
    int64_t st_a[TRUENO_MAX_RANK], st_b[TRUENO_MAX_RANK];
    for (size_t i = 0; i < nb; i++) {
        size_t from_right = nb - 1 - i;
        int64_t ea = from_right < ab ? a->shape[ab - 1 - from_right] : 1;
        int64_t eb = from_right < bb ? b->shape[bb - 1 - from_right] : 1;
        if (ea != eb && ea != 1 && eb != 1)
            return tn_error(TRUENO_SHAPE_MISMATCH, "matmul: the batch axes of shapes %s and %s do not "
                            "broadcast (%lld vs %lld); the axes before the last two must be equal or 1",
                            TN_SHAPE(a, sa), TN_SHAPE(b, sb), (long long)ea, (long long)eb);
        shape_o[i] = ea == 1 ? eb : ea;
        shape_a[i] = shape_b[i] = shape_o[i];
        st_a[i] = from_right < ab && ea != 1 ? a->strides[ab - 1 - from_right] : 0;
        st_b[i] = from_right < bb && eb != 1 ? b->strides[bb - 1 - from_right] : 0;
    }
    shape_a[nb] = m; shape_a[nb + 1] = k;
    shape_b[nb] = k; shape_b[nb + 1] = n;
    shape_o[nb] = m; shape_o[nb + 1] = n;
    trueno_dtype dt;
    if ((s = tn_compute_dtype(tn_op_info(TRUENO_OP_MATMUL), tn_promote(a->dtype, b->dtype), &dt)) != TRUENO_OK)
        return s;

    trueno_tensor *ca = NULL, *cb = NULL, *va = NULL, *vb = NULL, *res = NULL;
    const trueno_tensor *ua, *ub;
    if ((s = tn_as_dtype(a, dt, &ua, &ca)) == TRUENO_OK && (s = tn_as_dtype(b, dt, &ub, &cb)) == TRUENO_OK) {
        st_a[nb] = a->rank >= 2 ? ua->strides[ua->rank - 2] : 0;
        st_a[nb + 1] = ua->strides[ua->rank - 1];
        st_b[nb] = b->rank >= 2 ? ub->strides[ub->rank - 2] : ub->strides[0];
        st_b[nb + 1] = b->rank >= 2 ? ub->strides[ub->rank - 1] : 0;
        if ((s = tn_tensor_view(ua, nb + 2, shape_a, st_a, ua->offset, &va)) == TRUENO_OK &&
            (s = tn_tensor_view(ub, nb + 2, shape_b, st_b, ub->offset, &vb)) == TRUENO_OK) {
            const trueno_tensor *in[2] = {va, vb};
            s = tn_run(TRUENO_OP_MATMUL, dt, in, 2, dt, nb + 2, shape_o, NULL, &res);
        }
    }
    if (s == TRUENO_OK && (a->rank == 1 || b->rank == 1)) { /* drop the promoted axes */
        int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK];
        size_t r = 0;
        for (size_t i = 0; i < nb; i++) shape[r++] = shape_o[i];
        if (a->rank != 1) shape[r++] = m;
        if (b->rank != 1) shape[r++] = n;
        tn_contiguous_strides(r, shape, strides);
        s = tn_tensor_view(res, r, shape, strides, 0, out);
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

static trueno_status dot_1d(const char *fn, const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    char sa[160], sb[160];
    if (a->shape[0] != b->shape[0])
        return tn_error(TRUENO_SHAPE_MISMATCH, "%s: shapes %s and %s not aligned: %lld (dim 0) \xe2\x89\xa0 %lld (dim 0)",
                        fn, TN_SHAPE(a, sa), TN_SHAPE(b, sb), (long long)a->shape[0], (long long)b->shape[0]);
    trueno_dtype dt;
    trueno_status s = tn_compute_dtype(tn_op_info(TRUENO_OP_DOT), tn_promote(a->dtype, b->dtype), &dt);
    if (s != TRUENO_OK) return s;
    trueno_tensor *ca = NULL, *cb = NULL;
    const trueno_tensor *ua, *ub;
    if ((s = tn_as_dtype(a, dt, &ua, &ca)) == TRUENO_OK && (s = tn_as_dtype(b, dt, &ub, &cb)) == TRUENO_OK) {
        const trueno_tensor *in[2] = {ua, ub};
        s = tn_run(TRUENO_OP_DOT, dt, in, 2, dt, 0, NULL, NULL, out);
    }
    trueno_tensor_free(ca);
    trueno_tensor_free(cb);
    return s;
}

trueno_status trueno_dot(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    trueno_status s = check_pair("dot", a, b, out);
    if (s != TRUENO_OK) return s;
    if (a->rank == 0 || b->rank == 0) return trueno_multiply(a, b, out); /* numpy.dot */
    if (a->rank == 1 && b->rank == 1) return dot_1d("dot", a, b, out);
    char sa[160], sb[160];
    if (a->rank > 2 || b->rank > 2)
        return tn_error(TRUENO_INVALID_ARGUMENT, "dot: shapes %s and %s: dot of N-d (N > 2) operands is not "
                        "supported; use matmul for stacks of matrices", TN_SHAPE(a, sa), TN_SHAPE(b, sb));
    return trueno_matmul(a, b, out);
}

trueno_status trueno_vdot(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    trueno_status s = check_pair("vdot", a, b, out);
    if (s != TRUENO_OK) return s;
    trueno_tensor *fa = NULL, *fb = NULL;
    int64_t na = -1;
    if ((s = trueno_reshape(a, 1, &na, &fa)) == TRUENO_OK && (s = trueno_reshape(b, 1, &na, &fb)) == TRUENO_OK)
        s = dot_1d("vdot", fa, fb, out);
    trueno_tensor_free(fa);
    trueno_tensor_free(fb);
    return s;
}

trueno_status trueno_inner(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    trueno_status s = check_pair("inner", a, b, out);
    if (s != TRUENO_OK) return s;
    if (a->rank == 0 || b->rank == 0) return trueno_multiply(a, b, out);
    char sa[160], sb[160];
    int64_t k = a->shape[a->rank - 1];
    if (k != b->shape[b->rank - 1])
        return tn_error(TRUENO_SHAPE_MISMATCH, "inner: the last axes of %s and %s differ (%lld \xe2\x89\xa0 %lld)",
                        TN_SHAPE(a, sa), TN_SHAPE(b, sb), (long long)k, (long long)b->shape[b->rank - 1]);
    if (a->rank + b->rank - 2 > TRUENO_MAX_RANK) return tn_error(TRUENO_INVALID_ARGUMENT, "inner: result rank too high");
    /* (A, k) @ (B, k)ᵀ, then the shape a[:-1] + b[:-1] */
    int64_t s2a[2] = {-1, k}, s2b[2] = {-1, k};
    trueno_tensor *fa = NULL, *fb = NULL, *fbt = NULL, *r = NULL;
    if ((s = trueno_reshape(a, 2, s2a, &fa)) == TRUENO_OK && (s = trueno_reshape(b, 2, s2b, &fb)) == TRUENO_OK &&
        (s = trueno_transpose(fb, 0, 1, &fbt)) == TRUENO_OK && (s = trueno_matmul(fa, fbt, &r)) == TRUENO_OK) {
        int64_t shape[TRUENO_MAX_RANK];
        size_t rank = 0;
        for (size_t i = 0; i + 1 < a->rank; i++) shape[rank++] = a->shape[i];
        for (size_t i = 0; i + 1 < b->rank; i++) shape[rank++] = b->shape[i];
        s = trueno_reshape(r, rank, shape, out);
    }
    trueno_tensor_free(fa); trueno_tensor_free(fb); trueno_tensor_free(fbt); trueno_tensor_free(r);
    return s;
}

trueno_status trueno_outer(const trueno_tensor *a, const trueno_tensor *b, trueno_tensor **out)
{
    trueno_status s = check_pair("outer", a, b, out);
    if (s != TRUENO_OK) return s;
    int64_t col[2] = {-1, 1}, row[2] = {1, -1};
    trueno_tensor *fa = NULL, *fb = NULL;
    if ((s = trueno_reshape(a, 2, col, &fa)) == TRUENO_OK && (s = trueno_reshape(b, 2, row, &fb)) == TRUENO_OK)
        s = trueno_multiply(fa, fb, out);
    trueno_tensor_free(fa);
    trueno_tensor_free(fb);
    return s;
}

trueno_status trueno_matvec(const trueno_tensor *a, const trueno_tensor *x, trueno_tensor **out)
{
    trueno_status s = check_pair("matvec", a, x, out);
    if (s != TRUENO_OK) return s;
    char sa[160], sb[160];
    if (a->rank != 2 || x->rank != 1)
        return tn_error(TRUENO_INVALID_ARGUMENT, "matvec: needs a matrix and a vector, got shapes %s and %s",
                        TN_SHAPE(a, sa), TN_SHAPE(x, sb));
    return trueno_matmul(a, x, out);
}

trueno_status trueno_gemm(int trans_a, int trans_b, double alpha, const trueno_tensor *a,
                          const trueno_tensor *b, double beta, const trueno_tensor *c, trueno_tensor **out)
{
    trueno_status s = check_pair("gemm", a, b, out);
    if (s != TRUENO_OK) return s;
    if (!c) return tn_error(TRUENO_INVALID_ARGUMENT, "gemm: c is NULL (pass a zeros tensor and beta 0)");
    char sa[160], sb[160], sc[160];
    if (a->rank != 2 || b->rank != 2 || c->rank != 2)
        return tn_error(TRUENO_INVALID_ARGUMENT, "gemm: a, b and c must be 2-D, got %s, %s, %s",
                        TN_SHAPE(a, sa), TN_SHAPE(b, sb), TN_SHAPE(c, sc));
    trueno_tensor *ta = NULL, *tb = NULL, *ca = NULL, *cb = NULL, *cc = NULL;
    const trueno_tensor *opa = a, *opb = b;
    if (trans_a && (s = trueno_transpose(a, 0, 1, &ta)) == TRUENO_OK) opa = ta;
    if (s == TRUENO_OK && trans_b && (s = trueno_transpose(b, 0, 1, &tb)) == TRUENO_OK) opb = tb;
    if (s == TRUENO_OK) {
        int64_t m = opa->shape[0], k = opa->shape[1], n = opb->shape[1];
        if (opb->shape[0] != k || c->shape[0] != m || c->shape[1] != n)
            s = tn_error(TRUENO_SHAPE_MISMATCH, "gemm: op(a) is (%lld,%lld), op(b) is (%lld,%lld) and c is %s; "
                         "need op(a) (m,k), op(b) (k,n), c (m,n). Hint: check trans_a / trans_b",
                         (long long)m, (long long)k, (long long)opb->shape[0], (long long)n, TN_SHAPE(c, sc));
    }
    trueno_dtype dt = tn_promote(tn_promote(a->dtype, b->dtype), c->dtype);
    if (s == TRUENO_OK) s = tn_compute_dtype(tn_op_info(TRUENO_OP_GEMM), dt, &dt);
    const trueno_tensor *ua, *ub, *uc;
    if (s == TRUENO_OK && (s = tn_as_dtype(opa, dt, &ua, &ca)) == TRUENO_OK &&
        (s = tn_as_dtype(opb, dt, &ub, &cb)) == TRUENO_OK && (s = tn_as_dtype(c, dt, &uc, &cc)) == TRUENO_OK) {
        trueno_op_params p = tn_params();
        p.floats[0] = alpha;
        p.floats[1] = beta;
        const trueno_tensor *in[3] = {ua, ub, uc};
        s = tn_run(TRUENO_OP_GEMM, dt, in, 3, dt, 2, c->shape, &p, out);
    }
    trueno_tensor_free(ta); trueno_tensor_free(tb);
    trueno_tensor_free(ca); trueno_tensor_free(cb); trueno_tensor_free(cc);
    return s;
}

trueno_status trueno_trace(const trueno_tensor *a, trueno_tensor **out)
{
    trueno_tensor *d = NULL;
    trueno_status s = trueno_diagonal(a, 0, &d);
    if (s == TRUENO_OK) s = trueno_sum(d, NULL, 0, 0, out);
    trueno_tensor_free(d);
    return s;
}
