/*
 * ulp-table — the accuracy of the cpu-x86 plugin's vectorised float32
 * functions (and its float64 exp and log, against long double), per ISA
 * level, written as Markdown (docs/ulp.md):
 *
 *   { trueno-ulp-table; trueno-ulp-table --vulkan; } > docs/ulp.md
 *
 * For each function: 10^7 inputs (half evenly spaced over the range where
 * the function varies, half sampled across every finite float bit pattern
 * of both signs) plus the edges (±0, ±subnormals, ±FLT_MAX, ±inf, NaN and
 * the overflow/underflow thresholds). Each result, computed by the plugin
 * (forced with TRUENO_X86_ISA), is compared with the float64 value of the
 * same formula from glibc's libm on the same input: the error in units in
 * the last place of the float32 result, max and mean; special values must
 * match exactly (NaN for NaN, the same infinity).
 */
#define _GNU_SOURCE
#include <float.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

#define N 10000000

static double ref(trueno_op_code op, double x)
{
    switch (op) {
    case TRUENO_OP_EXP: return exp(x);
    case TRUENO_OP_LOG: return log(x);
    case TRUENO_OP_TANH: return tanh(x);
    case TRUENO_OP_SIGMOID: return 1 / (1 + exp(-x));
    case TRUENO_OP_SILU: return x / (1 + exp(-x));
    case TRUENO_OP_GELU: return 0.5 * x * erfc(-x * 0.70710678118654752440); /* x·Φ(x), no cancellation */
    case TRUENO_OP_ERF: return erf(x);
    case TRUENO_OP_EXPM1: return expm1(x);
    case TRUENO_OP_LOG1P: return log1p(x);
    case TRUENO_OP_SELU: return 1.0507009873554804934 * (x > 0 ? x : 1.6732632423543772848 * expm1(x));
    case TRUENO_OP_SIN: return sin(x);
    case TRUENO_OP_COS: return cos(x);
    case TRUENO_OP_SQRT: return sqrt(x);
    case TRUENO_OP_RSQRT: return 1 / sqrt(x);
    case TRUENO_OP_RECIPROCAL: return 1 / x;
    case TRUENO_OP_SOFTSIGN: return x / (1 + fabs(x));
    case TRUENO_OP_SOFTPLUS: return x > 20 ? x : log1p(exp(x));
    case TRUENO_OP_LOGSIGMOID: return fmin(x, 0) - log1p(exp(-fabs(x)));
    case TRUENO_OP_MISH: return x * tanh(x > 20 ? x : log1p(exp(x)));
    case TRUENO_OP_TAN: return tan(x);
    case TRUENO_OP_EXP2: return exp2(x);
    case TRUENO_OP_LOG2: return log2(x);
    case TRUENO_OP_LOG10: return log10(x);
    case TRUENO_OP_SINH: return sinh(x);
    case TRUENO_OP_COSH: return cosh(x);
    case TRUENO_OP_ARCSINH: return asinh(x);
    case TRUENO_OP_ARCCOSH: return acosh(x);
    case TRUENO_OP_ARCTANH: return atanh(x);
    case TRUENO_OP_ARCTAN: return atan(x);
    case TRUENO_OP_ARCSIN: return asin(x);
    case TRUENO_OP_ARCCOS: return acos(x);
    default: return NAN;
    }
}

/* y = op(x) for n elements of dtype on the cpu-x86 plugin forced to isa,
 * or on the Vulkan plugin when isa is "vulkan" (its first device). */
static int evaluate(trueno_op_code op, trueno_dtype dtype, const char *isa, void *x, void *y, int64_t n)
{
    int vulkan = !strcmp(isa, "vulkan");
    if (!vulkan) setenv("TRUENO_X86_ISA", isa, 1);
    trueno_runtime_options o = {.struct_size = sizeof o, .num_threads = 2, .force_backend = vulkan ? "vulkan" : "cpu-x86"};
    trueno_runtime *rt = NULL;
    trueno_tensor *tx = NULL, *ty = NULL;
    trueno_op_params p = {.struct_size = sizeof p};
    if (op == TRUENO_OP_SOFTPLUS) p.floats[0] = 1, p.floats[1] = 20; /* PyTorch's beta and threshold */
    trueno_status s = trueno_runtime_create(&o, &rt);
    if (!s) s = trueno_tensor_from_buffer_borrow(rt, dtype, 1, &n, NULL, x, &tx);
    if (!s) s = trueno_tensor_empty(rt, dtype, 1, &n, &ty);
    if (!s) s = trueno_op_run(op, (const trueno_tensor *const *)&tx, 1, &p, &ty, 1);
    if (!s) s = trueno_tensor_read(ty, y, (size_t)n * trueno_dtype_size(dtype)); /* from the device, if it ran on one */
    int bad = s == TRUENO_UNSUPPORTED && vulkan ? -1 : s != TRUENO_OK; /* -1: the Vulkan plugin lacks it, no row */
    if (bad > 0) fprintf(stderr, "ulp-table: %s %s: %s\n", trueno_op_lookup(op)->name, trueno_dtype_name(dtype), trueno_last_error());
    trueno_tensor_free(tx);
    trueno_tensor_free(ty);
    trueno_runtime_destroy(rt);
    return bad;
}

/* What one function at one ISA level gave: special values (NaN, ±inf of
 * the output type) must match exactly; every other result counts by its
 * error in units in the last place of the output type. */
typedef struct stats {
    double worst, worst_at, total, worst_normal;
    long counted, special_bad, special_bad_normal;
} stats;

/* "normal": the input and the exact result are zero or of normal
 * magnitude; a device that flushes subnormals (NVIDIA's Vulkan driver
 * does, for float32) is off by 2^23 subnormal ULP elsewhere. */
static void tally(stats *st, double x, long double exact, double got, int f32)
{
    double rounded = f32 ? (double)(float)exact : (double)exact, tiny = f32 ? FLT_MIN : DBL_MIN;
    bool normal = (x == 0 || fabs(x) >= tiny) && (exact == 0 || fabsl(exact) >= tiny);
    if (isnan(exact) || isinf(rounded) || isnan(got) || isinf(got)) {
        bool bad = !((isnan(exact) && isnan(got)) || (!isnan(exact) && got == rounded));
        st->special_bad += bad;
        st->special_bad_normal += bad && normal;
        return;
    }
    int e;
    frexpl(fabsl(exact), &e);
    if (e < (f32 ? -125 : -1021)) e = f32 ? -125 : -1021; /* subnormal results: a fixed unit */
    double err = (double)(fabsl((long double)got - exact) / ldexpl(1, e - (f32 ? 24 : 53)));
    st->total += err;
    st->counted++;
    if (err > st->worst) st->worst = err, st->worst_at = x;
    if (normal && err > st->worst_normal) st->worst_normal = err;
}

/* One table row; `digits` of the worst input: 9 for float32, 17 for float64. */
static void print_row(const char *name, double lo, double hi, const char *isa, const stats *st, int digits)
{
    printf("| %s | [%g, %g] | %s | %.2f (at x = %.*g) | %.2f | %.3f | %s |\n", name, lo, hi, isa, st->worst, digits,
           st->worst_at, st->worst_normal, st->counted ? st->total / (double)st->counted : 0,
           st->special_bad_normal ? "MISMATCH" : st->special_bad ? "exact but for subnormals" : "all exact");
    fflush(stdout);
}

/* The float64 functions against glibc's long double (64-bit mantissa:
 * the exact value to 2^-11 ULP of a double), same input scheme. */
static int f64_table(void)
{
    static const struct { trueno_op_code op; const char *name; double lo, hi; } fns[] = {
        {TRUENO_OP_EXP, "exp", -745, 709.7}, {TRUENO_OP_LOG, "log", 0, 1e6},
    };
    static const char *const isas[] = {"sse2", "avx2", "avx512"};
    double *x = malloc((size_t)N * sizeof *x), *y = malloc((size_t)N * sizeof *y);
    int64_t n = N;
    if (!x || !y) return 1;
    printf("\n## float64\n\n"
           "The same scheme for the float64 kernels, the exact value from glibc's long double `expl` and\n"
           "`logl` (a 64-bit significand: 11 bits past a double's). Bound: 4 ULP.\n\n"
           "| function | range of the even half | ISA | max ULP | max ULP, normal | mean ULP | special values |\n|---|---|---|---:|---:|---:|---|\n");
    for (size_t f = 0; f < sizeof fns / sizeof *fns; f++) {
        static const double edges[] = {0.0, -0.0, 4.9406564584124654e-324, -4.9406564584124654e-324, 2.2250738585072014e-308,
                                       DBL_MAX, -DBL_MAX, INFINITY, -INFINITY, NAN, 709.782712893384, 709.7827128933841,
                                       -708.3964185322641, -745.1332191019411, -745.1332191019412, 1.0, -1.0};
        int64_t ne = sizeof edges / sizeof *edges, i = 0;
        for (; i < ne; i++) x[i] = edges[i];
        for (; i < N / 2; i++) x[i] = fns[f].lo + (fns[f].hi - fns[f].lo) * (double)i / (N / 2);
        for (uint64_t k = 0; i < N; i++, k++) { /* finite bit patterns of both signs */
            uint64_t bits = (k * 0x9E3779B97F4A7C15ull) % 0x7FF0000000000000ull | (k & 1u) << 63;
            memcpy(&x[i], &bits, 8);
        }
        for (int level = 0; level < 3; level++) {
            if (evaluate(fns[f].op, TRUENO_DTYPE_FLOAT64, isas[level], x, y, n)) return 1;
            stats st = {0};
            for (int64_t k = 0; k < N; k++)
                tally(&st, x[k], fns[f].op == TRUENO_OP_EXP ? expl((long double)x[k]) : logl((long double)x[k]), y[k], 0);
            print_row(fns[f].name, fns[f].lo, fns[f].hi, isas[level], &st, 17);
        }
    }
    free(x);
    free(y);
    return 0;
}

/* trueno-ulp-table            the cpu-x86 tables (docs/ulp.md)
 * trueno-ulp-table --vulkan   the float32 table of the Vulkan plugin's
 *                             first device, for the functions it has */
int main(int argc, char **argv)
{
    int vulkan = argc > 1 && !strcmp(argv[1], "--vulkan");
    /* max_abs: the kernel's domain (0: every float); beyond it the op runs elsewhere */
    static const struct { trueno_op_code op; const char *name; double lo, hi; float max_abs; } fns[] = {
        {TRUENO_OP_EXP, "exp", -104, 89, 0}, {TRUENO_OP_LOG, "log", 0, 1e6, 0}, {TRUENO_OP_TANH, "tanh", -10, 10, 0},
        {TRUENO_OP_SIGMOID, "sigmoid", -90, 20, 0}, {TRUENO_OP_SILU, "silu", -90, 90, 0},
        {TRUENO_OP_GELU, "gelu", -15, 5, 0}, {TRUENO_OP_ERF, "erf", -5, 5, 0},
        {TRUENO_OP_EXPM1, "expm1", -20, 89, 0}, {TRUENO_OP_LOG1P, "log1p", -1, 1e6, 0},
        {TRUENO_OP_SELU, "selu", -20, 5, 0},
        {TRUENO_OP_SIN, "sin", -8192, 8192, 8192}, {TRUENO_OP_COS, "cos", -8192, 8192, 8192},
        {TRUENO_OP_SQRT, "sqrt", 0, 1e6, 0},
        {TRUENO_OP_RSQRT, "rsqrt", 0, 1e6, 0}, {TRUENO_OP_RECIPROCAL, "reciprocal", -1e3, 1e3, 0},
        {TRUENO_OP_SOFTSIGN, "softsign", -1e3, 1e3, 0},
        {TRUENO_OP_SOFTPLUS, "softplus", -100, 30, 0}, {TRUENO_OP_LOGSIGMOID, "logsigmoid", -30, 100, 0},
        {TRUENO_OP_MISH, "mish", -110, 30, 0},
        {TRUENO_OP_TAN, "tan", -8192, 8192, 8192}, {TRUENO_OP_EXP2, "exp2", -150, 128, 0},
        {TRUENO_OP_LOG2, "log2", 0, 1e6, 0}, {TRUENO_OP_LOG10, "log10", 0, 1e6, 0},
        {TRUENO_OP_SINH, "sinh", -90, 90, 0}, {TRUENO_OP_COSH, "cosh", -90, 90, 0},
        {TRUENO_OP_ARCSINH, "arcsinh", -2000, 2000, 0}, {TRUENO_OP_ARCCOSH, "arccosh", 1, 2000, 0},
        {TRUENO_OP_ARCTANH, "arctanh", -1, 1, 0}, {TRUENO_OP_ARCTAN, "arctan", -10, 10, 0},
        {TRUENO_OP_ARCSIN, "arcsin", -1, 1, 0}, {TRUENO_OP_ARCCOS, "arccos", -1, 1, 0},
    };
    static const char *const x86_isas[] = {"sse2", "avx2", "avx512"}, *const vulkan_only[] = {"vulkan"};
    const char *const *isas = vulkan ? vulkan_only : x86_isas;
    int levels = vulkan ? 1 : 3;
    float *x = malloc((size_t)N * sizeof *x), *y = malloc((size_t)N * sizeof *y);
    int64_t n = N;
    if (vulkan) {
        trueno_runtime *rt = NULL;
        const char *name = "no Vulkan device";
        trueno_device_info info = {.struct_size = sizeof info};
        if (trueno_runtime_create(NULL, &rt) == TRUENO_OK)
            for (size_t d = 0; d < trueno_runtime_device_count(rt); d++)
                if (trueno_runtime_device(rt, d, &info) == TRUENO_OK && !strcmp(info.plugin, "vulkan")) {
                    name = info.props->name;
                    break;
                }
        printf("\n## Vulkan: %s\n\n"
               "The same scheme on the Vulkan plugin's first device (`trueno-ulp-table --vulkan`): its shaders'\n"
               "float32 functions, built from operations Vulkan rounds correctly (the ones it lacks run elsewhere and\n"
               "have no row).\n\n", name);
        trueno_runtime_destroy(rt);
    }
    if (vulkan)
        printf(
               "| function | range of the even half | ISA | max ULP | max ULP, normal | mean ULP | special values |\n|---|---|---|---:|---:|---:|---|\n");
    else
    printf("# ULP errors of the cpu-x86 plugin's float32 functions\n\n"
           "Generated by `tools/ulp-table.c` (`{ trueno-ulp-table; trueno-ulp-table --vulkan; } > docs/ulp.md`) on the machine that\n"
           "built this file. Each function was evaluated by the plugin at each forced ISA level\n"
           "(`TRUENO_X86_ISA`) on 10^7 inputs: half evenly spaced over the range where it varies, half\n"
           "sampled across every finite float32 bit pattern of both signs (sin, cos, tan: up to 8192, their\n"
           "kernels' domain; beyond it the plugin leaves the op to the reference), plus ±0, ±subnormals,\n"
           "±FLT_MAX, ±inf, NaN and the overflow/underflow edges. The error is |got − exact| in units in\n"
           "the last place of the float32 result, the exact value being the float64 result of the same\n"
           "formula (glibc libm) on the same input (subnormal results in the fixed unit 2^-149). \"max ULP,\n"
           "normal\" leaves out the inputs and results below FLT_MIN. Special values must match exactly\n"
           "(\"exact but for subnormals\": a subnormal input or result flushed to zero). The op table's\n"
           "bound for these ops is 4 ULP in float32 (`docs/ops.md`).\n\n"
           "| function | range of the even half | ISA | max ULP | max ULP, normal | mean ULP | special values |\n|---|---|---|---:|---:|---:|---|\n");
    for (size_t f = 0; f < sizeof fns / sizeof *fns; f++) {
        static const float edges[] = {0.0f, -0.0f, 1e-45f, -1e-45f, 1.17549435e-38f, -1.17549435e-38f, FLT_MAX, -FLT_MAX,
                                      INFINITY, -INFINITY, NAN, 88.7228391f, 88.72284f, -87.336544f, -103.97208f, -104.0f, 1.0f, -1.0f};
        int64_t ne = sizeof edges / sizeof *edges, i = 0;
        float max_abs = fns[f].max_abs > 0 ? fns[f].max_abs : FLT_MAX;
        uint32_t max_bits;
        memcpy(&max_bits, &max_abs, 4);
        for (; i < ne; i++) x[i] = isfinite(edges[i]) && fabsf(edges[i]) > max_abs ? copysignf(max_abs, edges[i]) : edges[i];
        for (; i < N / 2; i++) x[i] = (float)(fns[f].lo + (fns[f].hi - fns[f].lo) * (double)i / (N / 2));
        for (uint32_t k = 0; i < N; i++, k++) {     /* all finite bit patterns, both signs */
            uint32_t bits = (uint32_t)(k * 859u) % (max_bits + 1) | (k & 1u) << 31;
            memcpy(&x[i], &bits, 4);
        }
        for (int level = 0; level < levels; level++) {
            int bad = evaluate(fns[f].op, TRUENO_DTYPE_FLOAT32, isas[level], x, y, n);
            if (bad < 0) continue;
            if (bad) return 1;
            stats st = {0};
            for (int64_t k = 0; k < N; k++) tally(&st, x[k], ref(fns[f].op, x[k]), y[k], 1);
            print_row(fns[f].name, fns[f].lo, fns[f].hi, isas[level], &st, 9);
        }
    }
    free(x);
    free(y);
    return vulkan ? 0 : f64_table();
}
