/*
 * ref_elementwise.c — every element-wise op of the table (binary,
 * unary, ternary, activations) for the reference backend.
 *
 * One evaluator per arity, a switch on the op per element: slow, but each
 * op's meaning sits in one line that can be read against NumPy's and
 * PyTorch's definitions. Floats are computed in float64 and rounded once to
 * the output (float16/bfloat16 through float32, as OPS.md specifies);
 * integers in int64/uint64 with two's complement wrap; bool as 0/1.
 *
 * Sources for the less obvious definitions:
 *  floor_divide/remainder   NumPy's npy_divmod (numpy/core/src/npymath/
 *                           npy_math_internal.h.src): Python's sign rule
 *  selu                     Klambauer et al., "Self-Normalizing Neural
 *                           Networks", 2017 (alpha, scale constants)
 *  gelu                     Hendrycks & Gimpel, "Gaussian Error Linear
 *                           Units", 2016 (erf form and tanh approximation)
 *  hardsigmoid, hardswish   Howard et al., "Searching for MobileNetV3", 2019
 *  mish                     Misra, "Mish", 2019
 *  lerp                     PyTorch's lerp: two forms split at weight 0.5
 */
#include <math.h>
#include <string.h>

#include "../internal.h"
#include "ref_kernels.h"

/* ---- float semantics --------------------------------------------------- */

/* NumPy's divmod for floats: returns the floor quotient, sets *mod. */
static double py_divmod(double a, double b, double *mod)
{
    double m = fmod(a, b);
    if (b == 0) { *mod = m; return a / b; }
    double div = (a - m) / b;
    if (m != 0) {
        if ((b < 0) != (m < 0)) { m += b; div -= 1; }
    } else {
        m = copysign(0, b);
    }
    double fl;
    if (div != 0) {
        fl = floor(div);
        if (div - fl > 0.5) fl += 1;
    } else {
        fl = copysign(0, a / b);
    }
    *mod = m;
    return fl;
}

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

static double softplus(double x, double beta, double threshold)
{
    return x * beta > threshold ? x : log1p(exp(beta * x)) / beta;
}

static double unary_f(uint32_t op, double x, const trueno_op_params *p)
{
    static const double selu_alpha = 1.6732632423543772848170429916717;
    static const double selu_scale = 1.0507009873554804934193349852946;
    switch (op) {
    case TRUENO_OP_NEGATIVE: return -x;
    case TRUENO_OP_ABS: return fabs(x);
    case TRUENO_OP_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x; /* ±0 and NaN as given */
    case TRUENO_OP_RECIPROCAL: return 1 / x;
    case TRUENO_OP_SQRT: return sqrt(x);
    case TRUENO_OP_RSQRT: return 1 / sqrt(x);
    case TRUENO_OP_SQUARE: return x * x;
    case TRUENO_OP_EXP: return exp(x);
    case TRUENO_OP_EXP2: return exp2(x);
    case TRUENO_OP_EXPM1: return expm1(x);
    case TRUENO_OP_LOG: return log(x);
    case TRUENO_OP_LOG2: return log2(x);
    case TRUENO_OP_LOG10: return log10(x);
    case TRUENO_OP_LOG1P: return log1p(x);
    case TRUENO_OP_SIN: return sin(x);
    case TRUENO_OP_COS: return cos(x);
    case TRUENO_OP_TAN: return tan(x);
    case TRUENO_OP_ARCSIN: return asin(x);
    case TRUENO_OP_ARCCOS: return acos(x);
    case TRUENO_OP_ARCTAN: return atan(x);
    case TRUENO_OP_SINH: return sinh(x);
    case TRUENO_OP_COSH: return cosh(x);
    case TRUENO_OP_TANH: return tanh(x);
    case TRUENO_OP_ARCSINH: return asinh(x);
    case TRUENO_OP_ARCCOSH: return acosh(x);
    case TRUENO_OP_ARCTANH: return atanh(x);
    case TRUENO_OP_ERF: return erf(x);
    case TRUENO_OP_ERFC: return erfc(x);
    case TRUENO_OP_FLOOR: return floor(x);
    case TRUENO_OP_CEIL: return ceil(x);
    case TRUENO_OP_ROUND: return nearbyint(x); /* half to even in the default mode */
    case TRUENO_OP_TRUNC: return trunc(x);
    case TRUENO_OP_ISNAN: return isnan(x);
    case TRUENO_OP_ISINF: return isinf(x);
    case TRUENO_OP_ISFINITE: return isfinite(x);
    case TRUENO_OP_LOGICAL_NOT: return x == 0;
    case TRUENO_OP_RELU: return x < 0 ? 0 : x;
    case TRUENO_OP_RELU6: return isnan(x) ? x : x < 0 ? 0 : x > 6 ? 6 : x;
    case TRUENO_OP_LEAKY_RELU: return x > 0 ? x : x * p->floats[0];
    case TRUENO_OP_ELU: return x > 0 ? x : p->floats[0] * expm1(x);
    case TRUENO_OP_SELU: return selu_scale * (x > 0 ? x : selu_alpha * expm1(x));
    case TRUENO_OP_CELU: return x > 0 ? x : p->floats[0] * expm1(x / p->floats[0]); /* NaN stays NaN */
    case TRUENO_OP_GELU:
        if (p->ints[1]) /* tanh approximation */
            return 0.5 * x * (1 + tanh(0.79788456080286535587989211986876 * (x + 0.044715 * x * x * x)));
        /* x·Φ(x) as 0.5·x·erfc(−x/√2): 1 + erf(x/√2) cancels for x < 0 */
        return 0.5 * x * erfc(-x * 0.70710678118654752440084436210485);
    case TRUENO_OP_SIGMOID: return sigmoid(x);
    case TRUENO_OP_HARDSIGMOID: return x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5;
    case TRUENO_OP_SILU: return x * sigmoid(x);
    case TRUENO_OP_MISH: return x * tanh(softplus(x, 1, 20));
    case TRUENO_OP_HARDSWISH: /* PyTorch's form: -inf gives NaN (-inf·0), as there */
        return x * (isnan(x) ? x : x + 3 < 0 ? 0 : x + 3 > 6 ? 6 : x + 3) / 6;
    case TRUENO_OP_SOFTPLUS: return softplus(x, p->floats[0], p->floats[1]);
    case TRUENO_OP_SOFTSIGN: return x / (1 + fabs(x));
    case TRUENO_OP_LOGSIGMOID: return fmin(x, 0) - log1p(exp(-fabs(x)));
    default: TN_ASSERT(!"not a float unary op"); return 0;
    }
}

static double maximum_f(double a, double b) { return isnan(a) || isnan(b) ? NAN : a >= b ? a : b; }
static double minimum_f(double a, double b) { return isnan(a) || isnan(b) ? NAN : a <= b ? a : b; }

static double binary_f(uint32_t op, double a, double b)
{
    double mod;
    switch (op) {
    case TRUENO_OP_ADD: return a + b;
    case TRUENO_OP_SUBTRACT: return a - b;
    case TRUENO_OP_MULTIPLY: return a * b;
    case TRUENO_OP_DIVIDE: return a / b;
    case TRUENO_OP_FLOOR_DIVIDE: return py_divmod(a, b, &mod);
    case TRUENO_OP_REMAINDER: py_divmod(a, b, &mod); return mod;
    case TRUENO_OP_FMOD: return fmod(a, b);
    case TRUENO_OP_POWER: return pow(a, b);
    case TRUENO_OP_MAXIMUM: return maximum_f(a, b);
    case TRUENO_OP_MINIMUM: return minimum_f(a, b);
    case TRUENO_OP_FMAX: return fmax(a, b);
    case TRUENO_OP_FMIN: return fmin(a, b);
    case TRUENO_OP_ATAN2: return atan2(a, b);
    case TRUENO_OP_HYPOT: return hypot(a, b);
    case TRUENO_OP_COPYSIGN: return copysign(a, b);
    case TRUENO_OP_EQUAL: return a == b;
    case TRUENO_OP_NOT_EQUAL: return a != b;
    case TRUENO_OP_LESS: return a < b;
    case TRUENO_OP_LESS_EQUAL: return a <= b;
    case TRUENO_OP_GREATER: return a > b;
    case TRUENO_OP_GREATER_EQUAL: return a >= b;
    case TRUENO_OP_LOGICAL_AND: return a != 0 && b != 0;
    case TRUENO_OP_LOGICAL_OR: return a != 0 || b != 0;
    case TRUENO_OP_LOGICAL_XOR: return (a != 0) != (b != 0);
    default: TN_ASSERT(!"not a float binary op"); return 0;
    }
}

/* ---- integer semantics (bool is an integer 0/1 here) --------------------- */

static int64_t unary_i(uint32_t op, int64_t x, bool is_bool)
{
    switch (op) {
    case TRUENO_OP_NEGATIVE: return (int64_t)(0 - (uint64_t)x);
    case TRUENO_OP_ABS: return x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
    case TRUENO_OP_SIGN: return (x > 0) - (x < 0);
    case TRUENO_OP_SQUARE: return is_bool ? x : (int64_t)((uint64_t)x * (uint64_t)x);
    case TRUENO_OP_FLOOR: case TRUENO_OP_CEIL: case TRUENO_OP_ROUND: case TRUENO_OP_TRUNC: return x;
    case TRUENO_OP_ISNAN: case TRUENO_OP_ISINF: return 0;
    case TRUENO_OP_ISFINITE: return 1;
    case TRUENO_OP_LOGICAL_NOT: return x == 0;
    case TRUENO_OP_RELU: return x < 0 ? 0 : x;
    default: TN_ASSERT(!"not an integer unary op"); return 0;
    }
}

/* Python's floor division and remainder; *zero set when b == 0. */
static int64_t binary_i(uint32_t op, int64_t a, int64_t b, bool is_bool, bool *zero)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case TRUENO_OP_ADD: return is_bool ? (a || b) : (int64_t)(ua + ub);
    case TRUENO_OP_SUBTRACT: return (int64_t)(ua - ub);
    case TRUENO_OP_MULTIPLY: return is_bool ? (a && b) : (int64_t)(ua * ub);
    case TRUENO_OP_FLOOR_DIVIDE:
    case TRUENO_OP_REMAINDER:
    case TRUENO_OP_FMOD: {
        if (b == 0) { *zero = true; return 0; }
        if (b == -1) /* INT64_MIN / -1 overflows in C: the wrapped results */
            return op == TRUENO_OP_FLOOR_DIVIDE ? (int64_t)(0 - ua) : 0;
        int64_t q = a / b, r = a % b;
        if (op == TRUENO_OP_FMOD) return r;
        if (r != 0 && ((r < 0) != (b < 0))) { q -= 1; r += b; }
        return op == TRUENO_OP_FLOOR_DIVIDE ? q : r;
    }
    case TRUENO_OP_POWER: {
        if (b < 0) { *zero = true; return 0; } /* reported as a negative exponent */
        uint64_t result = 1, base = ua;
        for (uint64_t e = ub; e; e >>= 1, base *= base)
            if (e & 1) result *= base;
        return (int64_t)result;
    }
    case TRUENO_OP_MAXIMUM: case TRUENO_OP_FMAX: return a > b ? a : b;
    case TRUENO_OP_MINIMUM: case TRUENO_OP_FMIN: return a < b ? a : b;
    case TRUENO_OP_EQUAL: return a == b;
    case TRUENO_OP_NOT_EQUAL: return a != b;
    case TRUENO_OP_LESS: return a < b;
    case TRUENO_OP_LESS_EQUAL: return a <= b;
    case TRUENO_OP_GREATER: return a > b;
    case TRUENO_OP_GREATER_EQUAL: return a >= b;
    case TRUENO_OP_LOGICAL_AND: return a && b;
    case TRUENO_OP_LOGICAL_OR: return a || b;
    case TRUENO_OP_LOGICAL_XOR: return !a != !b;
    case TRUENO_OP_BITWISE_AND: return a & b;
    case TRUENO_OP_BITWISE_OR: return a | b;
    case TRUENO_OP_BITWISE_XOR: return a ^ b;
    default: TN_ASSERT(!"not an integer binary op"); return 0;
    }
}

/* ---- the evaluators ---------------------------------------------------- */

typedef struct ew_ctx {
    const trueno_op_desc *op;
    int64_t first_zero;   /* linear index of the first integer division by 0 */
} ew_ctx;

void tn_ref_store_float(const trueno_tensor_desc *o, int64_t off, double v)
{
    if (o->dtype == TRUENO_DTYPE_FLOAT16 || o->dtype == TRUENO_DTYPE_BFLOAT16) v = (float)v;
    tn_store_f64(o->buffer, o->dtype, off, v); /* bool outputs take v != 0 */
}

static void note_zero(ew_ctx *c, int64_t n)
{
    int64_t cur = __atomic_load_n(&c->first_zero, __ATOMIC_RELAXED);
    while ((cur < 0 || n < cur) &&
           !__atomic_compare_exchange_n(&c->first_zero, &cur, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

static void ew_range(void *arg, int64_t begin, int64_t end)
{
    ew_ctx *c = arg;
    const trueno_op_desc *op = c->op;
    const trueno_tensor_desc *o = op->outputs[0];
    const trueno_tensor_desc *ops[4] = {op->inputs[0], op->n_inputs > 1 ? op->inputs[1] : NULL,
                                        op->n_inputs > 2 ? op->inputs[2] : NULL, NULL};
    ops[op->n_inputs] = o;
    tn_nd_iter it;
    tn_iter_start(&it, o, ops, (int)op->n_inputs + 1, begin);
    const int oi = (int)op->n_inputs;
    uint32_t dt = op->dtype, code = op->op;
    bool is_float = tn_dtype_is_float(dt), is_bool = dt == TRUENO_DTYPE_BOOL;
    for (int64_t n = begin; n < end; n++, tn_iter_next(&it)) {
        const trueno_tensor_desc *a = ops[0];
        if (op->n_inputs == 1) {
            if (is_float) tn_ref_store_float(o, it.off[oi], unary_f(code, tn_load_f64(a->buffer, dt, it.off[0]), op->params));
            else tn_store_i64(o->buffer, o->dtype, it.off[oi], unary_i(code, tn_load_i64(a->buffer, dt, it.off[0]), is_bool));
        } else if (op->n_inputs == 2) {
            const trueno_tensor_desc *b = ops[1];
            if (is_float) {
                tn_ref_store_float(o, it.off[oi], binary_f(code, tn_load_f64(a->buffer, dt, it.off[0]),
                                                     tn_load_f64(b->buffer, dt, it.off[1])));
            } else {
                bool zero = false;
                int64_t r = binary_i(code, tn_load_i64(a->buffer, dt, it.off[0]),
                                     tn_load_i64(b->buffer, dt, it.off[1]), is_bool, &zero);
                if (zero) note_zero(c, n);
                tn_store_i64(o->buffer, o->dtype, it.off[oi], r);
            }
        } else { /* ternary */
            const trueno_tensor_desc *b = ops[1], *t3 = ops[2];
            if (code == TRUENO_OP_WHERE) {
                /* inputs: cond (bool), a, b; op->dtype is a's */
                bool cond = tn_load_i64(a->buffer, a->dtype, it.off[0]) != 0;
                const trueno_tensor_desc *pick = cond ? b : t3;
                int64_t off = cond ? it.off[1] : it.off[2];
                if (is_float) tn_ref_store_float(o, it.off[oi], tn_load_f64(pick->buffer, dt, off));
                else tn_store_i64(o->buffer, o->dtype, it.off[oi], tn_load_i64(pick->buffer, dt, off));
            } else if (!is_float) { /* CLIP on integers */
                int64_t x = tn_load_i64(a->buffer, dt, it.off[0]);
                int64_t lo = tn_load_i64(b->buffer, dt, it.off[1]), hi = tn_load_i64(t3->buffer, dt, it.off[2]);
                x = x < lo ? lo : x;
                tn_store_i64(o->buffer, o->dtype, it.off[oi], x > hi ? hi : x);
            } else {
                double x = tn_load_f64(a->buffer, dt, it.off[0]);
                double y = tn_load_f64(b->buffer, dt, it.off[1]), z = tn_load_f64(t3->buffer, dt, it.off[2]);
                double r;
                if (code == TRUENO_OP_CLIP) r = minimum_f(maximum_f(x, y), z);
                else if (code == TRUENO_OP_FMA)  /* one rounding in the working precision */
                    r = dt == TRUENO_DTYPE_FLOAT64 ? fma(x, y, z) : (double)fmaf((float)x, (float)y, (float)z);
                else /* LERP(start x, end y, weight z) as PyTorch */
                    r = fabs(z) < 0.5 ? x + z * (y - x) : y - (y - x) * (1 - z);
                tn_ref_store_float(o, it.off[oi], r);
            }
        }
    }
}

trueno_status tn_ref_elementwise(const trueno_host *host, const trueno_op_desc *op)
{
    ew_ctx c = {op, -1};
    host->parallel_for(host->ctx, trueno_desc_numel(op->outputs[0]), TN_REF_GRAIN, ew_range, &c);
    if (c.first_zero >= 0) {
        if (op->op == TRUENO_OP_POWER)
            return tn_error(TRUENO_INVALID_ARGUMENT, "power: integers to negative integer powers are "
                            "not allowed (element %lld). Hint: cast to a float dtype first",
                            (long long)c.first_zero);
        return tn_error(TRUENO_DIVISION_BY_ZERO, "%s: integer division by zero (element %lld of the "
                        "broadcast result)", tn_op_info(op->op)->name, (long long)c.first_zero);
    }
    return TRUENO_OK;
}
