/*
 * bench-cells.c — turns a cell (op:dtype:shape[:keys]) into the operands of
 * one canonical layout of its op, by op family, from the op table. See
 * bench-cells.h for the syntax. Values are drawn from a 64-bit LCG in a
 * domain per input (domain_of), as float64, and converted to the input's
 * dtype by the library's own cast, so every dtype takes the same path.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench-cells.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Value domains of inputs. */
typedef enum domain {
    D_REAL,   /* [-3, 3]; integers [-100, 100] without 0 */
    D_POS,    /* [0.25, 3.25]; integers [1, 100] */
    D_NEG,    /* [-3.25, -0.25]; integers [-100, -1] */
    D_UNIT,   /* (-0.9, 0.9) */
    D_GE1,    /* [1.1, 4] */
    D_PROB,   /* [0.05, 0.95] */
    D_NEAR1,  /* [0.9, 1.1] (products stay finite); integers 1 */
    D_EXPO,   /* integer exponents 0..3 */
    D_BOOL,   /* 0 or 1 */
    D_INDEX   /* integers [0, hi) */
} domain;

typedef struct keys {
    int64_t axis, mask, k, out, kernel, stride, padding, groups;
    int to;
} keys;

static uint64_t lcg_state;

static double urand(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

const trueno_op_info *bench_op_by_name(const char *name)
{
    for (uint32_t code = 1; code < TRUENO_OP_COUNT_1_0; code++) {
        const trueno_op_info *info = trueno_op_lookup((trueno_op_code)code);
        if (info && strcmp(info->name, name) == 0) return info;
    }
    return NULL;
}

int bench_dtype_by_name(const char *name)
{
    for (int d = 0; d < TRUENO_DTYPE_COUNT_1_0; d++)
        if (strcmp(trueno_dtype_name((trueno_dtype)d), name) == 0) return d;
    return -1;
}

static int64_t numel(size_t rank, const int64_t *shape)
{
    int64_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= shape[i];
    return n;
}

/* n values of domain d for dtype dt (hi: D_INDEX's bound); returns how many
 * are non-zero (for masked_select's output). */
static int64_t draw(double *v, int64_t n, domain d, trueno_dtype dt, int64_t hi)
{
    bool integer = dt < TRUENO_DTYPE_FLOAT16;
    int64_t nonzero = 0;
    for (int64_t i = 0; i < n; i++) {
        double u = urand(), x;
        switch (d) {
        case D_POS: x = integer ? 1 + floor(u * 100) : 0.25 + 3 * u; break;
        case D_NEG: x = integer ? -1 - floor(u * 100) : -0.25 - 3 * u; break;
        case D_UNIT: x = 1.8 * u - 0.9; break;
        case D_GE1: x = 1.1 + 2.9 * u; break;
        case D_PROB: x = 0.05 + 0.9 * u; break;
        case D_NEAR1: x = integer ? 1 : 0.9 + 0.2 * u; break;
        case D_EXPO: x = floor(u * 4); break;
        case D_BOOL: x = u < 0.5; break;
        case D_INDEX: x = floor(u * (double)hi); break;
        default:
            x = integer ? floor(u * 201) - 100 : 6 * u - 3;
            if (integer && x == 0) x = 1;
        }
        if (dt == TRUENO_DTYPE_BOOL && d != D_INDEX) x = d == D_BOOL ? x : 1;
        if (dt == TRUENO_DTYPE_UINT8 && x < 0) x = -x;
        v[i] = x;
        nonzero += x != 0;
    }
    return nonzero;
}

/* Fills operand o (dtype, shape, stored layout, values of domain d). */
static int operand(trueno_runtime *rt, bench_operand *o, trueno_dtype dt, size_t rank, const int64_t *shape,
                   bool transposed, domain d, int64_t hi, int64_t *nonzero)
{
    o->dtype = dt;
    o->rank = rank;
    if (rank) memcpy(o->shape, shape, rank * sizeof *shape);
    o->transposed = transposed && rank == 2;
    int64_t n = numel(rank, shape), stored[TRUENO_MAX_RANK];
    if (rank) memcpy(stored, shape, rank * sizeof *shape);
    if (o->transposed) { stored[0] = shape[1]; stored[1] = shape[0]; }
    o->bytes = (size_t)n * trueno_dtype_size(dt);
    o->data = malloc(o->bytes ? o->bytes : 1);
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    trueno_tensor *f = NULL, *t = NULL;
    int status = -1;
    if (!o->data || !v) goto done;
    int64_t nz = draw(v, n, d, dt, hi);
    if (nonzero) *nonzero = nz;
    if (trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT64, rank, stored, v, &f) ||
        trueno_astype(f, dt, &t) || trueno_tensor_read(t, o->data, o->bytes))
        goto done;
    status = 0;
done:
    trueno_tensor_free(f);
    trueno_tensor_free(t);
    free(v);
    return status;
}

static void output(bench_operand *o, trueno_dtype dt, size_t rank, const int64_t *shape)
{
    o->dtype = dt;
    o->rank = rank;
    if (rank) memcpy(o->shape, shape, rank * sizeof *shape); /* a 0-d output has no shape */
    o->bytes = (size_t)numel(rank, shape) * trueno_dtype_size(dt);
}

static trueno_dtype out_dtype(const trueno_op_info *info, trueno_dtype dt)
{
    if (info->out_rule == TRUENO_OUT_BOOL) return TRUENO_DTYPE_BOOL;
    if (info->out_rule == TRUENO_OUT_INT64) return TRUENO_DTYPE_INT64;
    if (info->out_rule == TRUENO_OUT_ACCUM && dt < TRUENO_DTYPE_FLOAT16) return TRUENO_DTYPE_INT64;
    return dt;
}

/* The domain of input i of an element-wise op. */
static domain domain_of(trueno_op_code op, uint32_t i, trueno_dtype dt)
{
    bool integer = dt < TRUENO_DTYPE_FLOAT16;
    switch (op) {
    case TRUENO_OP_LOG: case TRUENO_OP_LOG2: case TRUENO_OP_LOG10: case TRUENO_OP_LOG1P:
    case TRUENO_OP_SQRT: case TRUENO_OP_RSQRT:
        return D_POS;
    case TRUENO_OP_POWER: return i == 0 ? D_POS : integer ? D_EXPO : D_REAL;
    case TRUENO_OP_FLOOR_DIVIDE: case TRUENO_OP_REMAINDER: case TRUENO_OP_FMOD:
    case TRUENO_OP_DIVIDE:
        return i == 1 ? D_POS : D_REAL;
    case TRUENO_OP_ARCSIN: case TRUENO_OP_ARCCOS: case TRUENO_OP_ARCTANH: return D_UNIT;
    case TRUENO_OP_ARCCOSH: return D_GE1;
    case TRUENO_OP_WHERE: return i == 0 ? D_BOOL : D_REAL;
    case TRUENO_OP_CLIP: return i == 1 ? D_NEG : i == 2 ? D_POS : D_REAL;
    default: return D_REAL;
    }
}

static int make_elementwise(trueno_runtime *rt, bench_cell *c, const keys *k)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    for (uint32_t i = 0; i < c->info->n_inputs; i++) {
        trueno_dtype dt = op == TRUENO_OP_WHERE && i == 0 ? TRUENO_DTYPE_BOOL : c->dtype;
        bool transposed = op == TRUENO_OP_CONTIGUOUS; /* copying a transposed view */
        if (operand(rt, &c->in[i], dt, c->rank, c->shape, transposed, domain_of(op, i, c->dtype), 0, NULL))
            return -1;
    }
    c->n_in = c->info->n_inputs;
    trueno_dtype odt = op == TRUENO_OP_CAST ? (trueno_dtype)k->to : out_dtype(c->info, c->dtype);
    output(&c->out[0], odt, c->rank, c->shape);
    c->n_out = 1;
    trueno_op_params *p = &c->params;
    if (op == TRUENO_OP_LEAKY_RELU) p->floats[0] = 0.01;                   /* PyTorch's defaults */
    if (op == TRUENO_OP_ELU || op == TRUENO_OP_CELU) p->floats[0] = 1;
    if (op == TRUENO_OP_SOFTPLUS) { p->floats[0] = 1; p->floats[1] = 20; }
    if (op == TRUENO_OP_DROPOUT) { p->floats[0] = 0.5; p->ints[0] = 1234; }
    return 0;
}

static int make_reduction(trueno_runtime *rt, bench_cell *c, const keys *k, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    int64_t mask = k->mask >= 0 ? k->mask : (c->rank ? 1 << (c->rank - 1) : 0), oshape[TRUENO_MAX_RANK];
    if (mask >> c->rank) return fail(err, n_err, "mask=%lld names an axis past rank %zu", (long long)mask, c->rank);
    for (size_t i = 0; i < c->rank; i++) oshape[i] = mask >> i & 1 ? 1 : c->shape[i];
    domain d = op == TRUENO_OP_PROD ? D_NEAR1 : D_REAL;
    if (operand(rt, &c->in[0], c->dtype, c->rank, c->shape, false, d, 0, NULL)) return -1;
    c->n_in = 1;
    output(&c->out[0], out_dtype(c->info, c->dtype), c->rank, oshape);
    c->n_out = 1;
    c->params.ints[0] = mask;
    if (op == TRUENO_OP_VAR || op == TRUENO_OP_STD) c->params.floats[0] = 1;
    if (op == TRUENO_OP_NORM) c->params.ints[1] = 2;
    return 0;
}

static int make_axis(trueno_runtime *rt, bench_cell *c, const keys *k, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    int64_t axis = k->axis >= 0 ? k->axis : (int64_t)c->rank - 1, oshape[TRUENO_MAX_RANK];
    if (c->rank == 0 || axis >= (int64_t)c->rank)
        return fail(err, n_err, "axis=%lld is not an axis of a rank-%zu input", (long long)axis, c->rank);
    memcpy(oshape, c->shape, c->rank * sizeof *oshape);
    if (operand(rt, &c->in[0], c->dtype, c->rank, c->shape, false, op == TRUENO_OP_CUMPROD ? D_NEAR1 : D_REAL, 0, NULL))
        return -1;
    c->n_in = 1;
    c->params.ints[0] = axis;
    if (op == TRUENO_OP_TOPK) {
        int64_t kk = k->k > 0 ? k->k : 8;
        if (kk > c->shape[axis]) kk = c->shape[axis];
        c->params.ints[1] = kk;
        c->params.ints[2] = 1; /* largest */
        oshape[axis] = kk;
        output(&c->out[1], TRUENO_DTYPE_INT64, c->rank, oshape);
    }
    output(&c->out[0], out_dtype(c->info, c->dtype), c->rank, oshape);
    c->n_out = c->info->n_outputs;
    return 0;
}

static int make_matmul(trueno_runtime *rt, bench_cell *c, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    if (op == TRUENO_OP_DOT) {
        if (c->rank != 1) return fail(err, n_err, "dot takes one extent n");
        c->n_in = 2;
        c->n_out = 1;
        output(&c->out[0], c->dtype, 0, NULL);
        return operand(rt, &c->in[0], c->dtype, 1, c->shape, false, D_REAL, 0, NULL) ||
               operand(rt, &c->in[1], c->dtype, 1, c->shape, false, D_REAL, 0, NULL) ? -1 : 0;
    }
    int64_t b = 1, m, kk, n;
    if (c->rank == 1) m = kk = n = c->shape[0];
    else if (c->rank == 3) { m = c->shape[0]; kk = c->shape[1]; n = c->shape[2]; }
    else if (c->rank == 4 && op == TRUENO_OP_MATMUL) { b = c->shape[0]; m = c->shape[1]; kk = c->shape[2]; n = c->shape[3]; }
    else return fail(err, n_err, "%s takes n, MxKxN%s", c->info->name, op == TRUENO_OP_MATMUL ? " or BxMxKxN" : "");
    size_t r = c->rank == 4 ? 3 : 2;
    int64_t sa[3] = {b, m, kk}, sb[3] = {b, kk, n}, so[3] = {b, m, n};
    const int64_t *pa = sa + 3 - r, *pb = sb + 3 - r, *po = so + 3 - r;
    if (operand(rt, &c->in[0], c->dtype, r, pa, false, D_REAL, 0, NULL) ||
        operand(rt, &c->in[1], c->dtype, r, pb, false, D_REAL, 0, NULL))
        return -1;
    c->n_in = 2;
    if (op == TRUENO_OP_GEMM) {
        if (operand(rt, &c->in[2], c->dtype, 2, po, false, D_REAL, 0, NULL)) return -1;
        c->n_in = 3;
        c->params.floats[0] = 1; /* alpha */
        c->params.floats[1] = 0; /* beta */
    }
    output(&c->out[0], c->dtype, r, po);
    c->n_out = 1;
    return 0;
}

/* conv2d and the pools: x is N x C x H x W. */
static int make_image(trueno_runtime *rt, bench_cell *c, const keys *k, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    if (c->rank != 4) return fail(err, n_err, "%s takes N x C x H x W", c->info->name);
    const int64_t N = c->shape[0], C = c->shape[1], H = c->shape[2], W = c->shape[3];
    bool conv = op == TRUENO_OP_CONV2D;
    int64_t kern = k->kernel > 0 ? k->kernel : conv ? 3 : 2, stride = k->stride > 0 ? k->stride : conv ? 1 : 2;
    int64_t pad = k->padding >= 0 ? k->padding : conv ? 1 : 0;
    int64_t oh = (H + 2 * pad - kern) / stride + 1, ow = (W + 2 * pad - kern) / stride + 1;
    if (op == TRUENO_OP_ADAPTIVE_AVG_POOL2D) { oh = (H + 1) / 2; ow = (W + 1) / 2; }
    if (oh < 1 || ow < 1) return fail(err, n_err, "a %lldx%lld kernel does not fit %lldx%lld", (long long)kern,
                                      (long long)kern, (long long)H, (long long)W);
    if (operand(rt, &c->in[0], c->dtype, 4, c->shape, false, D_REAL, 0, NULL)) return -1;
    c->n_in = 1;
    c->n_out = 1;
    trueno_op_params *p = &c->params;
    if (conv) {
        int64_t O = k->out > 0 ? k->out : C, g = k->groups > 0 ? k->groups : 1;
        if (C % g || O % g) return fail(err, n_err, "groups=%lld must divide C=%lld and out=%lld", (long long)g,
                                        (long long)C, (long long)O);
        int64_t ws[4] = {O, C / g, kern, kern}, os[4] = {N, O, oh, ow};
        if (operand(rt, &c->in[1], c->dtype, 4, ws, false, D_REAL, 0, NULL) ||
            operand(rt, &c->in[2], c->dtype, 1, &O, false, D_REAL, 0, NULL))
            return -1;
        c->n_in = 3;
        output(&c->out[0], c->dtype, 4, os);
        int64_t ints[7] = {stride, stride, pad, pad, 1, 1, g};
        memcpy(p->ints, ints, sizeof ints);
        return 0;
    }
    int64_t os[4] = {N, C, oh, ow};
    output(&c->out[0], c->dtype, 4, os);
    int64_t ints[7] = {kern, kern, stride, stride, pad, pad, 1}; /* max: dilation 1; avg: count_include_pad */
    if (op == TRUENO_OP_MAX_POOL2D) p->ints[7] = 1;
    if (op != TRUENO_OP_ADAPTIVE_AVG_POOL2D) memcpy(p->ints, ints, sizeof ints);
    return 0;
}

/* batch_norm, layer_norm, rms_norm, group_norm */
static int make_norm(trueno_runtime *rt, bench_cell *c, const keys *k, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    bool per_channel = op == TRUENO_OP_BATCH_NORM || op == TRUENO_OP_GROUP_NORM;
    if (c->rank < (per_channel ? 2u : 1u)) return fail(err, n_err, "%s needs a rank-%d input", c->info->name, per_channel ? 2 : 1);
    int64_t w = per_channel ? c->shape[1] : c->shape[c->rank - 1];
    if (operand(rt, &c->in[0], c->dtype, c->rank, c->shape, false, D_REAL, 0, NULL)) return -1;
    c->n_in = c->info->n_inputs;
    for (size_t i = 1; i < c->n_in; i++) /* batch_norm's running_var (input 2) is positive */
        if (operand(rt, &c->in[i], c->dtype, 1, &w, false, op == TRUENO_OP_BATCH_NORM && i == 2 ? D_POS : D_REAL, 0, NULL))
            return -1;
    output(&c->out[0], c->dtype, c->rank, c->shape);
    c->n_out = 1;
    c->params.floats[0] = op == TRUENO_OP_RMS_NORM ? 1e-6 : 1e-5;
    if (op == TRUENO_OP_LAYER_NORM || op == TRUENO_OP_RMS_NORM) c->params.ints[0] = 1; /* the last axis */
    if (op == TRUENO_OP_GROUP_NORM) {
        int64_t g = k->groups > 0 ? k->groups : 32;
        while (g > 1 && w % g) g--; /* the largest count <= 32 that divides C */
        c->params.ints[0] = g;
    }
    return 0;
}

static int make_loss(trueno_runtime *rt, bench_cell *c, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    c->n_in = 2;
    c->n_out = 1;
    output(&c->out[0], c->dtype, 0, NULL);
    c->params.ints[0] = 1; /* reduction 'mean' */
    if (op == TRUENO_OP_CROSS_ENTROPY || op == TRUENO_OP_NLL_LOSS) {
        if (c->rank != 2) return fail(err, n_err, "%s takes N x C", c->info->name);
        c->params.ints[1] = -100; /* ignore_index */
        return operand(rt, &c->in[0], c->dtype, 2, c->shape, false, op == TRUENO_OP_NLL_LOSS ? D_NEG : D_REAL, 0, NULL) ||
               operand(rt, &c->in[1], TRUENO_DTYPE_INT64, 1, c->shape, false, D_INDEX, c->shape[1], NULL) ? -1 : 0;
    }
    if (op == TRUENO_OP_SMOOTH_L1_LOSS) c->params.floats[0] = 1; /* beta */
    domain d0 = op == TRUENO_OP_BINARY_CROSS_ENTROPY ? D_PROB : D_REAL;
    domain d1 = op == TRUENO_OP_BINARY_CROSS_ENTROPY || op == TRUENO_OP_BINARY_CROSS_ENTROPY_WITH_LOGITS ? D_PROB : D_REAL;
    return operand(rt, &c->in[0], c->dtype, c->rank, c->shape, false, d0, 0, NULL) ||
           operand(rt, &c->in[1], c->dtype, c->rank, c->shape, false, d1, 0, NULL) ? -1 : 0;
}

static int make_pairwise(trueno_runtime *rt, bench_cell *c, const keys *k, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    if (operand(rt, &c->in[0], c->dtype, c->rank, c->shape, false, D_REAL, 0, NULL) ||
        operand(rt, &c->in[1], c->dtype, c->rank, c->shape, false, D_REAL, 0, NULL))
        return -1;
    c->n_in = 2;
    c->n_out = 1;
    if (op == TRUENO_OP_CDIST) {
        if (c->rank != 2) return fail(err, n_err, "cdist takes P x M");
        int64_t os[2] = {c->shape[0], c->shape[0]};
        output(&c->out[0], c->dtype, 2, os);
        c->params.floats[0] = 2;
        return 0;
    }
    int64_t axis = k->axis >= 0 ? k->axis : (int64_t)c->rank - 1, os[TRUENO_MAX_RANK];
    if (c->rank == 0 || axis >= (int64_t)c->rank) return fail(err, n_err, "axis=%lld is out of range", (long long)axis);
    memcpy(os, c->shape, c->rank * sizeof *os);
    os[axis] = 1;
    output(&c->out[0], c->dtype, c->rank, os);
    c->params.ints[0] = axis;
    c->params.floats[0] = 1e-8;
    return 0;
}

static int make_index(trueno_runtime *rt, bench_cell *c, const keys *k, char *err, size_t n_err)
{
    trueno_op_code op = (trueno_op_code)c->info->code;
    int64_t axis = k->axis >= 0 ? k->axis : op == TRUENO_OP_INDEX_SELECT ? 0 : (int64_t)c->rank - 1;
    if (c->rank == 0 || axis >= (int64_t)c->rank) return fail(err, n_err, "axis=%lld is out of range", (long long)axis);
    if (operand(rt, &c->in[0], c->dtype, c->rank, c->shape, false, D_REAL, 0, NULL)) return -1;
    c->n_in = c->info->n_inputs;
    c->n_out = 1;
    c->params.ints[0] = axis;
    int64_t extent = c->shape[axis], count;
    switch (op) {
    case TRUENO_OP_INDEX_SELECT:
        output(&c->out[0], c->dtype, c->rank, c->shape);
        return operand(rt, &c->in[1], TRUENO_DTYPE_INT64, 1, &extent, false, D_INDEX, extent, NULL);
    case TRUENO_OP_GATHER:
    case TRUENO_OP_SCATTER:
        output(&c->out[0], c->dtype, c->rank, c->shape);
        if (operand(rt, &c->in[1], TRUENO_DTYPE_INT64, c->rank, c->shape, false, D_INDEX, extent, NULL)) return -1;
        return op == TRUENO_OP_SCATTER ? operand(rt, &c->in[2], c->dtype, c->rank, c->shape, false, D_REAL, 0, NULL) : 0;
    case TRUENO_OP_MASKED_SELECT:
        if (operand(rt, &c->in[1], TRUENO_DTYPE_BOOL, c->rank, c->shape, false, D_BOOL, 0, &count)) return -1;
        output(&c->out[0], c->dtype, 1, &count);
        return 0;
    default: { /* NONZERO: every input value is non-zero */
        int64_t os[2] = {numel(c->rank, c->shape), (int64_t)c->rank};
        output(&c->out[0], TRUENO_DTYPE_INT64, 2, os);
        return 0;
    }
    }
}

static int parse_keys(char *s, keys *k, char *err, size_t n_err)
{
    for (char *kv = strtok(s, ","); kv; kv = strtok(NULL, ",")) {
        char *eq = strchr(kv, '=');
        if (!eq) return fail(err, n_err, "'%s' is not key=value", kv);
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(kv, "to")) {
            if ((k->to = bench_dtype_by_name(v)) < 0) return fail(err, n_err, "to=%s is not a dtype", v);
            continue;
        }
        int64_t x = atoll(v);
        if (!strcmp(kv, "axis")) k->axis = x;
        else if (!strcmp(kv, "mask")) k->mask = x;
        else if (!strcmp(kv, "k")) k->k = x;
        else if (!strcmp(kv, "out")) k->out = x;
        else if (!strcmp(kv, "kernel")) k->kernel = x;
        else if (!strcmp(kv, "stride")) k->stride = x;
        else if (!strcmp(kv, "padding")) k->padding = x;
        else if (!strcmp(kv, "groups")) k->groups = x;
        else return fail(err, n_err, "unknown key '%s' (axis, mask, k, to, out, kernel, stride, padding, groups)", kv);
    }
    return 0;
}

int bench_cell_make(trueno_runtime *rt, const char *spec, uint64_t seed, bench_cell *c, char *err, size_t n_err)
{
    memset(c, 0, sizeof *c);
    c->params.struct_size = sizeof c->params;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    snprintf(c->spec, sizeof c->spec, "%s", spec);
    char *save = NULL;
    char *name = strtok_r(buf, ":", &save), *dt = strtok_r(NULL, ":", &save);
    char *dims = strtok_r(NULL, ":", &save), *rest = strtok_r(NULL, "", &save);
    if (!name || !dt || !dims) return fail(err, n_err, "'%s': a cell is op:dtype:d0xd1...[:key=value,...]", spec);
    if (!(c->info = bench_op_by_name(name))) return fail(err, n_err, "'%s' is not an op of the table", name);
    int d = bench_dtype_by_name(dt);
    if (d < 0) return fail(err, n_err, "'%s' is not a dtype", dt);
    if (!(c->info->dtypes >> d & 1)) return fail(err, n_err, "%s does not take %s", name, dt);
    c->dtype = (trueno_dtype)d;
    char *dsave = NULL;
    for (char *x = strtok_r(dims, "x", &dsave); x; x = strtok_r(NULL, "x", &dsave)) {
        if (c->rank == TRUENO_MAX_RANK) return fail(err, n_err, "more than %d extents", TRUENO_MAX_RANK);
        char *end;
        long long v = strtoll(x, &end, 10);
        if (*end || v < 0) return fail(err, n_err, "'%s' is not an extent", x);
        c->shape[c->rank++] = v;
    }
    keys k = {.axis = -1, .mask = -1, .padding = -1,
              .to = c->dtype == TRUENO_DTYPE_FLOAT64 ? TRUENO_DTYPE_FLOAT32 : TRUENO_DTYPE_FLOAT64};
    if (rest && parse_keys(rest, &k, err, n_err)) return -1;
    lcg_state = seed;

    int s;
    switch (c->info->code) {
    case TRUENO_OP_SOFTMAX: case TRUENO_OP_LOG_SOFTMAX: case TRUENO_OP_CUMSUM: case TRUENO_OP_CUMPROD:
    case TRUENO_OP_TOPK: case TRUENO_OP_SORT: case TRUENO_OP_ARGSORT:
        s = make_axis(rt, c, &k, err, n_err);
        break;
    case TRUENO_OP_DOT: case TRUENO_OP_MATMUL: case TRUENO_OP_GEMM:
        s = make_matmul(rt, c, err, n_err);
        break;
    case TRUENO_OP_CONV2D: case TRUENO_OP_MAX_POOL2D: case TRUENO_OP_AVG_POOL2D: case TRUENO_OP_ADAPTIVE_AVG_POOL2D:
        s = make_image(rt, c, &k, err, n_err);
        break;
    case TRUENO_OP_BATCH_NORM: case TRUENO_OP_LAYER_NORM: case TRUENO_OP_RMS_NORM: case TRUENO_OP_GROUP_NORM:
        s = make_norm(rt, c, &k, err, n_err);
        break;
    case TRUENO_OP_CROSS_ENTROPY: case TRUENO_OP_NLL_LOSS: case TRUENO_OP_MSE_LOSS: case TRUENO_OP_L1_LOSS:
    case TRUENO_OP_SMOOTH_L1_LOSS: case TRUENO_OP_BINARY_CROSS_ENTROPY: case TRUENO_OP_BINARY_CROSS_ENTROPY_WITH_LOGITS:
        s = make_loss(rt, c, err, n_err);
        break;
    case TRUENO_OP_COSINE_SIMILARITY: case TRUENO_OP_CDIST:
        s = make_pairwise(rt, c, &k, err, n_err);
        break;
    case TRUENO_OP_INDEX_SELECT: case TRUENO_OP_GATHER: case TRUENO_OP_SCATTER: case TRUENO_OP_MASKED_SELECT:
    case TRUENO_OP_NONZERO:
        s = make_index(rt, c, &k, err, n_err);
        break;
    default:
        s = c->info->op_class == TRUENO_OP_CLASS_REDUCTION ? make_reduction(rt, c, &k, err, n_err)
                                                           : make_elementwise(rt, c, &k);
    }
    if (s) {
        if (!err[0]) snprintf(err, n_err, "%s: %s", spec, trueno_last_error());
        bench_cell_free(c);
        return -1;
    }

    /* bytes and flops as every cost model counts them (trueno_abi.h) */
    trueno_tensor_desc in_d[8], out_d[2];
    const trueno_tensor_desc *in_p[8], *out_p[2];
    for (size_t i = 0; i < c->n_in + c->n_out; i++) {
        const bench_operand *o = i < c->n_in ? &c->in[i] : &c->out[i - c->n_in];
        trueno_tensor_desc *t = i < c->n_in ? &in_d[i] : &out_d[i - c->n_in];
        memset(t, 0, sizeof *t);
        t->struct_size = sizeof *t;
        t->dtype = o->dtype;
        t->rank = (uint32_t)o->rank;
        memcpy(t->shape, o->shape, o->rank * sizeof *o->shape);
        if (i < c->n_in) in_p[i] = t;
        else out_p[i - c->n_in] = t;
    }
    trueno_op_desc op = {.struct_size = sizeof op, .op = c->info->code, .dtype = c->dtype,
                         .n_inputs = (uint32_t)c->n_in, .n_outputs = (uint32_t)c->n_out,
                         .inputs = in_p, .outputs = out_p, .params = &c->params};
    c->bytes = trueno_op_bytes(&op);
    c->flops = trueno_op_flops(&op);
    int64_t e0 = trueno_desc_numel(&in_d[0]), e1 = trueno_desc_numel(&out_d[0]);
    c->elements = (double)(e0 > e1 ? e0 : e1);
    return 0;
}

void bench_cell_free(bench_cell *c)
{
    for (size_t i = 0; i < 8; i++) {
        free(c->in[i].data);
        c->in[i].data = NULL;
    }
}
