/*
 * validate.c — the op-descriptor checks the core makes before a device
 * sees an op from trueno_op_run (and, in debug builds, asserts for every op
 * its own entry points build): counts, dtypes and every shape relation a
 * kernel relies on to stay inside its buffers. The rules are the operand
 * conventions written above TRUENO_OP_MAP.
 */
#include <string.h>

#include "internal.h"

#define FAIL(...) return tn_error(TRUENO_INVALID_ARGUMENT, __VA_ARGS__)

static bool same_shape(const trueno_tensor_desc *a, const trueno_tensor_desc *b)
{
    if (a->rank != b->rank) return false;
    for (uint32_t i = 0; i < a->rank; i++) if (a->shape[i] != b->shape[i]) return false;
    return true;
}

static bool shape_but_axis(const trueno_tensor_desc *a, const trueno_tensor_desc *b, int64_t axis, int64_t extent)
{
    if (a->rank != b->rank) return false;
    for (uint32_t i = 0; i < a->rank; i++)
        if (a->shape[i] != ((int64_t)i == axis ? extent : b->shape[i])) return false;
    return true;
}

trueno_status tn_validate_op(const trueno_op_desc *op)
{
    const trueno_op_info *info = tn_op_info(op->op);
    if (!info) FAIL("op_run: unknown op code %u", op->op);
    const char *fn = info->name;
    if (op->n_inputs != info->n_inputs || op->n_outputs != info->n_outputs)
        FAIL("%s: takes %u inputs and %u outputs, got %u and %u", fn, info->n_inputs, info->n_outputs,
             op->n_inputs, op->n_outputs);
    if (!op->params) FAIL("%s: params is NULL", fn);
    if (!tn_dtype_valid(op->dtype) || !(info->dtypes & TRUENO_DTYPE_BIT(op->dtype)))
        return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: dtype %s is not one it takes", fn, trueno_dtype_name(op->dtype));
    const trueno_tensor_desc *const *in = op->inputs, *o = op->outputs[0];
    for (uint32_t i = 0; i < op->n_inputs + op->n_outputs; i++) {
        const trueno_tensor_desc *t = i < op->n_inputs ? in[i] : op->outputs[i - op->n_inputs];
        if (!t || !tn_dtype_valid(t->dtype) || t->rank > TRUENO_MAX_RANK) FAIL("%s: operand %u is malformed", fn, i);
        for (uint32_t d = 0; d < t->rank; d++) if (t->shape[d] < 0) FAIL("%s: operand %u has a negative extent", fn, i);
    }
    /* which inputs carry the op's dtype, and which are indices/masks */
    uint32_t code = op->op;
    for (uint32_t i = 0; i < op->n_inputs; i++) {
        uint32_t want = op->dtype;
        if ((code == TRUENO_OP_WHERE && i == 0) || (code == TRUENO_OP_MASKED_SELECT && i == 1)) want = TRUENO_DTYPE_BOOL;
        if ((code == TRUENO_OP_INDEX_SELECT || code == TRUENO_OP_GATHER || code == TRUENO_OP_SCATTER ||
             code == TRUENO_OP_CROSS_ENTROPY || code == TRUENO_OP_NLL_LOSS) && i == 1)
            want = TRUENO_DTYPE_INT64;
        if (in[i]->dtype != want)
            return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: input %u is %s, expected %s", fn, i,
                            trueno_dtype_name(in[i]->dtype), trueno_dtype_name(want));
    }
    if (code != TRUENO_OP_CAST) {
        trueno_dtype want = tn_out_dtype(info, op->dtype);
        if (o->dtype != want)
            return tn_error(TRUENO_DTYPE_UNSUPPORTED, "%s: output is %s, expected %s", fn,
                            trueno_dtype_name(o->dtype), trueno_dtype_name(want));
        if (info->n_outputs > 1 && op->outputs[1]->dtype != TRUENO_DTYPE_INT64)
            FAIL("%s: the indices output must be int64", fn);
    }
    const trueno_tensor_desc *a = in[0];
    int64_t axis = op->params->ints[0];
    uint64_t mask = (uint64_t)op->params->ints[0];
    switch (code) {
    case TRUENO_OP_SUM: case TRUENO_OP_PROD: case TRUENO_OP_MEAN: case TRUENO_OP_VAR: case TRUENO_OP_STD:
    case TRUENO_OP_AMIN: case TRUENO_OP_AMAX: case TRUENO_OP_ARGMIN: case TRUENO_OP_ARGMAX: case TRUENO_OP_ALL:
    case TRUENO_OP_ANY: case TRUENO_OP_COUNT_NONZERO: case TRUENO_OP_LOGSUMEXP: case TRUENO_OP_NORM:
        if (mask >> a->rank) FAIL("%s: the axis mask names axes beyond rank %u", fn, a->rank);
        if (o->rank != a->rank) FAIL("%s: the output must have the input's rank (keepdims form)", fn);
        for (uint32_t d = 0; d < a->rank; d++) {
            bool r = mask >> d & 1;
            if (o->shape[d] != (r ? 1 : a->shape[d])) FAIL("%s: output extent %u must be %s", fn, d, r ? "1" : "the input's");
            if (r && a->shape[d] == 0 && (code == TRUENO_OP_AMIN || code == TRUENO_OP_AMAX ||
                                           code == TRUENO_OP_ARGMIN || code == TRUENO_OP_ARGMAX))
                FAIL("%s: reduces an empty axis", fn);
        }
        if (code == TRUENO_OP_NORM && (op->params->ints[1] < 1 || op->params->ints[1] > 3)) FAIL("norm: ord must be 1, 2 or 3");
        return TRUENO_OK;
    case TRUENO_OP_SOFTMAX: case TRUENO_OP_LOG_SOFTMAX: case TRUENO_OP_CUMSUM: case TRUENO_OP_CUMPROD:
    case TRUENO_OP_SORT: case TRUENO_OP_ARGSORT: case TRUENO_OP_TOPK:
        if (axis < 0 || axis >= a->rank) FAIL("%s: axis %lld is not in 0..%d", fn, (long long)axis, (int)a->rank - 1);
        if (code == TRUENO_OP_TOPK) {
            int64_t k = op->params->ints[1];
            if (k < 0 || k > a->shape[axis]) FAIL("topk: k = %lld is out of range", (long long)k);
            if (!shape_but_axis(o, a, axis, k) || !same_shape(o, op->outputs[1])) FAIL("topk: outputs must be the input with axis extent k");
            return TRUENO_OK;
        }
        if (!same_shape(o, a)) FAIL("%s: the output must have the input's shape", fn);
        return TRUENO_OK;
    case TRUENO_OP_DOT:
        if (a->rank != 1 || !same_shape(a, in[1]) || o->rank != 0) FAIL("dot: needs two 1-D inputs of one length and a 0-d output");
        return TRUENO_OK;
    case TRUENO_OP_MATMUL: {
        const trueno_tensor_desc *b = in[1];
        uint32_t r = a->rank;
        if (r < 2 || b->rank != r || o->rank != r) FAIL("matmul: a, b and the output need one rank >= 2");
        for (uint32_t d = 0; d + 2 < r; d++)
            if (a->shape[d] != o->shape[d] || b->shape[d] != o->shape[d]) FAIL("matmul: batch extents must be equal");
        if (a->shape[r - 1] != b->shape[r - 2] || o->shape[r - 2] != a->shape[r - 2] || o->shape[r - 1] != b->shape[r - 1])
            FAIL("matmul: shapes must be (..., m, k), (..., k, n) -> (..., m, n)");
        return TRUENO_OK;
    }
    case TRUENO_OP_GEMM: {
        const trueno_tensor_desc *b = in[1], *c = in[2];
        if (a->rank != 2 || b->rank != 2 || c->rank != 2 || !same_shape(o, c) || a->shape[1] != b->shape[0] ||
            c->shape[0] != a->shape[0] || c->shape[1] != b->shape[1])
            FAIL("gemm: shapes must be (m, k), (k, n), (m, n) -> (m, n)");
        return TRUENO_OK;
    }
    case TRUENO_OP_CONV2D: {
        const trueno_tensor_desc *w = in[1], *b = in[2];
        const int64_t *p = op->params->ints;
        if (a->rank != 4 || w->rank != 4 || b->rank != 1 || o->rank != 4) FAIL("conv2d: ranks must be 4, 4, 1 -> 4");
        if (p[6] < 1 || a->shape[1] != w->shape[1] * p[6] || w->shape[0] % p[6] || b->shape[0] != w->shape[0])
            FAIL("conv2d: channels, groups and bias do not agree");
        for (int i = 0; i < 6; i++) if (p[i] < (i == 2 || i == 3 ? 0 : 1)) FAIL("conv2d: bad stride/padding/dilation");
        if (o->shape[0] != a->shape[0] || o->shape[1] != w->shape[0]) FAIL("conv2d: output must be (N, O, OH, OW)");
        return TRUENO_OK;
    }
    case TRUENO_OP_MAX_POOL2D: case TRUENO_OP_AVG_POOL2D: case TRUENO_OP_ADAPTIVE_AVG_POOL2D: {
        const int64_t *p = op->params->ints;
        if (a->rank != 4 || o->rank != 4 || o->shape[0] != a->shape[0] || o->shape[1] != a->shape[1])
            FAIL("%s: input and output must be (N, C, H, W) with equal N and C", fn);
        if (code != TRUENO_OP_ADAPTIVE_AVG_POOL2D)
            for (int i = 0; i < (code == TRUENO_OP_MAX_POOL2D ? 8 : 6); i++)
                if (p[i] < (i == 4 || i == 5 ? 0 : 1)) FAIL("%s: bad kernel/stride/padding/dilation", fn);
        if (code == TRUENO_OP_ADAPTIVE_AVG_POOL2D && (o->shape[2] < 1 || o->shape[3] < 1) && trueno_desc_numel(o))
            FAIL("%s: output size must be >= 1", fn);
        return TRUENO_OK;
    }
    case TRUENO_OP_BATCH_NORM:
        if (a->rank < 2 || !same_shape(o, a)) FAIL("batch_norm: x must be (N, C, ...) and the output its shape");
        for (uint32_t i = 1; i < 5; i++)
            if (trueno_desc_numel(in[i]) != a->shape[1]) FAIL("batch_norm: parameter %u must have C elements", i);
        return TRUENO_OK;
    case TRUENO_OP_LAYER_NORM: case TRUENO_OP_RMS_NORM: {
        if (axis < 1 || axis > a->rank || !same_shape(o, a)) FAIL("%s: ints[0] must name 1..rank last axes", fn);
        int64_t block = 1;
        for (uint32_t d = a->rank - (uint32_t)axis; d < a->rank; d++) block *= a->shape[d];
        for (uint32_t i = 1; i < op->n_inputs; i++)
            if (trueno_desc_numel(in[i]) != block) FAIL("%s: weight/bias must have the normalised shape", fn);
        return TRUENO_OK;
    }
    case TRUENO_OP_GROUP_NORM:
        if (a->rank < 2 || axis < 1 || a->shape[1] % axis || !same_shape(o, a)) FAIL("group_norm: C must divide into ints[0] groups");
        if (trueno_desc_numel(in[1]) != a->shape[1] || trueno_desc_numel(in[2]) != a->shape[1]) FAIL("group_norm: weight/bias need C elements");
        return TRUENO_OK;
    case TRUENO_OP_COSINE_SIMILARITY:
        if (!same_shape(a, in[1]) || axis < 0 || axis >= a->rank || !shape_but_axis(o, a, axis, 1))
            FAIL("cosine_similarity: equal input shapes, and the output with extent 1 on the axis");
        return TRUENO_OK;
    case TRUENO_OP_CDIST:
        if (a->rank != 2 || in[1]->rank != 2 || a->shape[1] != in[1]->shape[1] || o->rank != 2 ||
            o->shape[0] != a->shape[0] || o->shape[1] != in[1]->shape[0])
            FAIL("cdist: shapes must be (P, M), (R, M) -> (P, R)");
        return TRUENO_OK;
    case TRUENO_OP_CROSS_ENTROPY: case TRUENO_OP_NLL_LOSS:
        if (a->rank != 2 || in[1]->rank != 1 || in[1]->shape[0] != a->shape[0]) FAIL("%s: input (N, C), target (N,)", fn);
        if (axis < 0 || axis > 2 || o->rank != (axis == 0) || (axis == 0 && o->shape[0] != a->shape[0]))
            FAIL("%s: the output must be (N,) for reduction none, else 0-d", fn);
        return TRUENO_OK;
    case TRUENO_OP_MSE_LOSS: case TRUENO_OP_L1_LOSS: case TRUENO_OP_SMOOTH_L1_LOSS:
    case TRUENO_OP_BINARY_CROSS_ENTROPY: case TRUENO_OP_BINARY_CROSS_ENTROPY_WITH_LOGITS:
        if (!same_shape(a, in[1]) || axis < 0 || axis > 2 || (axis == 0 ? !same_shape(o, a) : o->rank != 0))
            FAIL("%s: equal input shapes; the output their shape (none) or 0-d", fn);
        return TRUENO_OK;
    case TRUENO_OP_INDEX_SELECT:
        if (axis < 0 || axis >= a->rank || in[1]->rank != 1 || !shape_but_axis(o, a, axis, in[1]->shape[0]))
            FAIL("index_select: a 1-D index, and the output the input with the axis extent the index length");
        return TRUENO_OK;
    case TRUENO_OP_GATHER: case TRUENO_OP_SCATTER: {
        const trueno_tensor_desc *idx = in[1];
        if (axis < 0 || axis >= (a->rank ? a->rank : 1) || idx->rank != a->rank) FAIL("%s: index must have the input's rank", fn);
        for (uint32_t d = 0; d < a->rank; d++) {
            if ((int64_t)d != axis && idx->shape[d] > a->shape[d]) FAIL("%s: index is larger than the input off the axis", fn);
            if (code == TRUENO_OP_SCATTER && (in[2]->rank != a->rank || idx->shape[d] > in[2]->shape[d]))
                FAIL("scatter: index is larger than src");
        }
        if (code == TRUENO_OP_GATHER ? !same_shape(o, idx) : !same_shape(o, a)) FAIL("%s: wrong output shape", fn);
        return TRUENO_OK;
    }
    case TRUENO_OP_MASKED_SELECT:
        if (!same_shape(a, in[1]) || o->rank != 1 || o->shape[0] > trueno_desc_numel(a)) FAIL("masked_select: bad shapes");
        return TRUENO_OK;
    case TRUENO_OP_NONZERO:
        if (o->rank != 2 || o->shape[1] != a->rank || o->shape[0] > trueno_desc_numel(a)) FAIL("nonzero: output must be (count, rank)");
        return TRUENO_OK;
    default: /* element-wise, CAST, CONTIGUOUS, DROPOUT */
        for (uint32_t i = 0; i < op->n_inputs; i++)
            if (!same_shape(in[i], o)) FAIL("%s: every operand must have the output's shape (broadcast views)", fn);
        return TRUENO_OK;
    }
}

/* Ops whose kernels can refuse their data (division by zero, bad indices):
 * run into temporaries so that a failure leaves the caller's outputs alone. */
bool tn_may_refuse_data(uint32_t op, uint32_t dtype)
{
    switch (op) {
    case TRUENO_OP_FLOOR_DIVIDE: case TRUENO_OP_REMAINDER: case TRUENO_OP_FMOD: case TRUENO_OP_POWER:
        return !tn_dtype_is_float(dtype);
    case TRUENO_OP_INDEX_SELECT: case TRUENO_OP_GATHER: case TRUENO_OP_SCATTER:
    case TRUENO_OP_CROSS_ENTROPY: case TRUENO_OP_NLL_LOSS:
        return true;
    default:
        return false;
    }
}

trueno_status tn_op_prepare(trueno_op_code code, const trueno_tensor *const *in, size_t n_in,
                            const trueno_op_params *params, trueno_tensor *const *outs, size_t n_out,
                            trueno_op_desc *op, trueno_tensor_desc *di, const trueno_tensor_desc **pi,
                            trueno_tensor_desc *dout, const trueno_tensor_desc **po)
{
    const trueno_op_info *info = tn_op_info(code);
    if (!info) return tn_error(TRUENO_INVALID_ARGUMENT, "op_run: unknown op code %d", (int)code);
    if (!in || !outs || n_in != info->n_inputs || n_out != info->n_outputs || n_in > 8 || n_out > 2)
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: takes %u inputs and %u outputs, got %zu and %zu", info->name,
                        info->n_inputs, info->n_outputs, n_in, n_out);
    for (size_t i = 0; i < n_in; i++)
        if (!in[i]) return tn_error(TRUENO_INVALID_ARGUMENT, "%s: input %zu is NULL", info->name, i);
    for (size_t i = 0; i < n_out; i++)
        if (!outs[i] || outs[i]->st->rt != in[0]->st->rt)
            return tn_error(TRUENO_INVALID_ARGUMENT, "%s: output %zu is NULL or of another runtime", info->name, i);
    static const trueno_op_params zero = {.struct_size = sizeof zero};
    if (!params) params = &zero;
    /* the data dtype: the first input's, but WHERE's is its second */
    uint32_t dtype = in[code == TRUENO_OP_WHERE ? 1 : 0]->dtype;
    for (size_t i = 0; i < n_in; i++) { tn_tensor_desc_fill(in[i], NULL, &di[i]); pi[i] = &di[i]; }
    for (size_t i = 0; i < n_out; i++) { tn_tensor_desc_fill(outs[i], NULL, &dout[i]); po[i] = &dout[i]; }
    *op = (trueno_op_desc){sizeof *op, code, dtype, (uint32_t)n_in, (uint32_t)n_out, 0, pi, po, params};
    return tn_validate_op(op);
}

trueno_status trueno_op_run(trueno_op_code code, const trueno_tensor *const *in, size_t n_in,
                            const trueno_op_params *params, trueno_tensor **outs, size_t n_out)
{
    trueno_tensor_desc di[8], dout[2];
    const trueno_tensor_desc *pi[8], *po[2];
    trueno_op_desc op;
    trueno_status s = tn_op_prepare(code, in, n_in, params, outs, n_out, &op, di, pi, dout, po);
    if (s != TRUENO_OK) return s;
    params = op.params;
    uint32_t dtype = op.dtype;
    trueno_runtime *rt = in[0]->st->rt;
    if (!tn_may_refuse_data(code, dtype)) return tn_dispatch_desc(rt, &op, in, di, outs, dout);
    trueno_tensor *tmp[2] = {NULL, NULL};
    for (size_t i = 0; i < n_out && s == TRUENO_OK; i++)
        s = tn_tensor_new_unallocated(rt, outs[i]->dtype, outs[i]->rank, outs[i]->shape, &tmp[i]);
    if (s == TRUENO_OK) s = tn_dispatch(rt, code, dtype, in, n_in, tmp, n_out, params);
    for (size_t i = 0; i < n_out && s == TRUENO_OK; i++) {
        const trueno_tensor *src = tmp[i];
        s = tn_run_into(TRUENO_OP_CONTIGUOUS, src->dtype, &src, 1, outs[i], NULL);
    }
    trueno_tensor_free(tmp[0]);
    trueno_tensor_free(tmp[1]);
    return s;
}
