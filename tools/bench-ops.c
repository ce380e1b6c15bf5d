/*
 * bench-ops — seconds per call of ops of the table, run through the public
 * API on whatever backend the runtime picks (or TRUENO_BACKEND_FORCE), one
 * JSON object per case on stdout. tools/bench-x86.py runs it and NumPy and
 * PyTorch on the same cases in one run and prints the ratios.
 *
 *   trueno-bench-ops CASE...
 *   CASE = op:dtype:d0xd1x...[:ints0]     e.g. add:float32:10000000
 *          softmax:float32:1024x1024:1    argmax:float32:1000000:1
 *   trueno-bench-ops --api-add N          trueno_add(a, b, &out) on N
 *                                          float32, a new output per call
 *
 * Every input is uniform in [−3, 3] (seeded), all inputs of one shape;
 * outputs are preallocated once and reused (trueno_op_run). Reductions with
 * an axis mask (ints0) keep the reduced axes as extent 1. Each case runs in
 * batches of k calls, k chosen so a batch lasts ≥ 2 ms; the figure is the
 * median over 21 batches of the batch time / k. TRUENO_NUM_THREADS sets the
 * pool size.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <trueno/trueno.h>

#include "bench-clock.h"

#define BATCHES 21

typedef int (*call_fn)(void *ctx);

/* Median seconds per call of fn(ctx). */
static double time_calls(call_fn fn, void *ctx)
{
    long k = 1;
    for (;;) {
        double t0 = bench_now_s();
        for (long i = 0; i < k; i++)
            if (fn(ctx)) return -1;
        if (bench_now_s() - t0 >= 2e-3 || k >= (1L << 24)) break;
        k *= 2;
    }
    double t[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double t0 = bench_now_s();
        for (long i = 0; i < k; i++)
            if (fn(ctx)) return -1;
        t[b] = (bench_now_s() - t0) / (double)k;
    }
    return bench_median(t, BATCHES);
}

struct op_case {
    trueno_op_code op;
    const trueno_tensor *in[3];
    size_t n_in;
    trueno_tensor *out[2];
    size_t n_out;
    trueno_op_params params;
};

static int run_case(void *ctx)
{
    struct op_case *c = ctx;
    return trueno_op_run(c->op, c->in, c->n_in, &c->params, c->out, c->n_out);
}

struct add_case {
    const trueno_tensor *a, *b;
};

static int run_api_add(void *ctx)
{
    struct add_case *c = ctx;
    trueno_tensor *out;
    if (trueno_add(c->a, c->b, &out)) return 1;
    trueno_tensor_free(out);
    return 0;
}

static const trueno_op_info *op_by_name(const char *name)
{
    for (uint32_t code = 0; code < 1024; code++) {
        const trueno_op_info *info = trueno_op_lookup((trueno_op_code)code);
        if (info && strcmp(info->name, name) == 0) return info;
    }
    return NULL;
}

static int dtype_by_name(const char *name)
{
    for (int d = 0; d < TRUENO_DTYPE_COUNT_1_0; d++)
        if (strcmp(trueno_dtype_name((trueno_dtype)d), name) == 0) return d;
    return -1;
}

static trueno_tensor *random_tensor(trueno_runtime *rt, trueno_dtype dtype, size_t rank, const int64_t *shape)
{
    trueno_tensor *f, *t = NULL;
    int64_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= shape[i];
    float *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) return NULL;
    for (int64_t i = 0; i < n; i++) v[i] = (float)(rand() / (double)RAND_MAX * 6.0 - 3.0);
    if (trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, rank, shape, v, &f) == TRUENO_OK) {
        if (trueno_astype(f, dtype, &t)) t = NULL;
        trueno_tensor_free(f);
    }
    free(v);
    return t;
}

/* One CASE: its JSON line, or an error message and 1. */
static int bench_case(trueno_runtime *rt, char *spec)
{
    char *name = strtok(spec, ":"), *dt = strtok(NULL, ":"), *dims = strtok(NULL, ":"), *ints0 = strtok(NULL, ":");
    const trueno_op_info *info = name ? op_by_name(name) : NULL;
    int dtype = dt ? dtype_by_name(dt) : -1;
    if (!info || dtype < 0 || !dims) {
        fprintf(stderr, "bench-ops: bad case (want op:dtype:d0xd1...[:ints0])\n");
        return 1;
    }
    int64_t shape[TRUENO_MAX_RANK], out_shape[TRUENO_MAX_RANK];
    size_t rank = 0;
    for (char *d = strtok(dims, "x"); d && rank < TRUENO_MAX_RANK; d = strtok(NULL, "x")) shape[rank++] = atoll(d);
    struct op_case c = {.op = (trueno_op_code)info->code, .n_in = info->n_inputs, .n_out = info->n_outputs};
    c.params.struct_size = sizeof c.params;
    c.params.ints[0] = ints0 ? atoll(ints0) : 0;
    /* Reductions by axis mask keep the reduced axes as extent 1; ops along
     * one axis (softmax, cumsum, ...) keep the shape. */
    int reduces = info->op_class == TRUENO_OP_CLASS_REDUCTION && info->out_rule != TRUENO_OUT_SAME;
    for (size_t i = 0; i < rank; i++) out_shape[i] = reduces && (c.params.ints[0] >> i & 1) ? 1 : shape[i];
    trueno_dtype out_dtype = info->out_rule == TRUENO_OUT_INT64  ? TRUENO_DTYPE_INT64
                             : info->out_rule == TRUENO_OUT_BOOL ? TRUENO_DTYPE_BOOL
                                                                 : (trueno_dtype)dtype;
    int status = 1;
    for (size_t i = 0; i < c.n_in; i++)
        if (!(c.in[i] = random_tensor(rt, (trueno_dtype)dtype, rank, shape))) goto done;
    for (size_t i = 0; i < c.n_out; i++)
        if (trueno_tensor_empty(rt, out_dtype, rank, out_shape, &c.out[i])) goto done;
    double s = time_calls(run_case, &c);
    if (s < 0) goto done;
    printf("{\"case\": \"%s:%s:", name, dt);
    for (size_t i = 0; i < rank; i++) printf("%s%lld", i ? "x" : "", (long long)shape[i]);
    printf("%s%s\", \"seconds\": %.9g}\n", ints0 ? ":" : "", ints0 ? ints0 : "", s);
    status = 0;
done:
    if (status) fprintf(stderr, "bench-ops: %s: %s\n", name, trueno_last_error());
    for (size_t i = 0; i < 3; i++) trueno_tensor_free((trueno_tensor *)c.in[i]);
    for (size_t i = 0; i < 2; i++) trueno_tensor_free(c.out[i]);
    return status;
}

int main(int argc, char **argv)
{
    trueno_runtime *rt;
    if (argc < 2) {
        fprintf(stderr, "usage: trueno-bench-ops op:dtype:d0xd1...[:ints0]... | --api-add N\n");
        return 2;
    }
    if (trueno_runtime_create(NULL, &rt)) {
        fprintf(stderr, "bench-ops: %s\n", trueno_last_error());
        return 1;
    }
    srand(1);
    int status = 0;
    for (int i = 1; i < argc && !status; i++) {
        if (strcmp(argv[i], "--api-add") == 0 && i + 1 < argc) {
            int64_t n = atoll(argv[++i]);
            struct add_case c = {random_tensor(rt, TRUENO_DTYPE_FLOAT32, 1, &n),
                                 random_tensor(rt, TRUENO_DTYPE_FLOAT32, 1, &n)};
            double s = c.a && c.b ? time_calls(run_api_add, &c) : -1;
            if (s < 0) {
                fprintf(stderr, "bench-ops: add: %s\n", trueno_last_error());
                status = 1;
            } else {
                printf("{\"case\": \"api-add:float32:%lld\", \"seconds\": %.9g}\n", (long long)n, s);
            }
            trueno_tensor_free((trueno_tensor *)c.a);
            trueno_tensor_free((trueno_tensor *)c.b);
        } else {
            status = bench_case(rt, argv[i]);
        }
    }
    trueno_runtime_destroy(rt);
    return status;
}
