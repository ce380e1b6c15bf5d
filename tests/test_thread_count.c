/*
 * test_thread_count.c — every plugin device gives bitwise the same result
 * whatever the size of the runtime's pool (1, 2, 3 threads): the cut of
 * an op into pieces may depend on its size, never on the thread count.
 * Ops big enough to be split: sum/mean of 1M+3 float32 (every axis),
 * sum, var and argmax over the first axis of a matrix (column blocks),
 * matmul 257×300×190 (float32, float64), softmax of 300×1000, argmax of
 * 1M+7 values with ties, add of 5M+1 (past the non-temporal threshold),
 * exp of 1M+5. A case the plugin does not support is skipped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

#include "tap.h"

typedef struct bench_case {
    const char *what;
    trueno_op_code op;
    trueno_dtype dtype, out_dtype;
    size_t rank;
    int64_t shape[2], out_shape[2], b_shape[2];
    int64_t ints0;
} bench_case;

static const bench_case cases[] = {
    {"sum 1M+3 float32", TRUENO_OP_SUM, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32, 1, {1000003}, {1}, {0}, 1},
    {"mean 1M+3 float32", TRUENO_OP_MEAN, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32, 1, {1000003}, {1}, {0}, 1},
    {"matmul 257x300x190 float32", TRUENO_OP_MATMUL, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32, 2, {257, 300},
     {257, 190}, {300, 190}, 0},
    {"matmul 257x300x190 float64", TRUENO_OP_MATMUL, TRUENO_DTYPE_FLOAT64, TRUENO_DTYPE_FLOAT64, 2, {257, 300},
     {257, 190}, {300, 190}, 0},
    {"softmax 300x1000 float32", TRUENO_OP_SOFTMAX, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32, 2, {300, 1000},
     {300, 1000}, {0}, 1},
    {"argmax 1M+7 float32 (ties)", TRUENO_OP_ARGMAX, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_INT64, 1, {1000007}, {1}, {0}, 1},
    {"add 5M+1 float32", TRUENO_OP_ADD, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32, 1, {5000001}, {5000001},
     {5000001}, 0},
    {"sum over axis 0 of 700x1500 float32", TRUENO_OP_SUM, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32, 2, {700, 1500},
     {1, 1500}, {0}, 1},
    {"var over axis 0 of 3000x301 float64", TRUENO_OP_VAR, TRUENO_DTYPE_FLOAT64, TRUENO_DTYPE_FLOAT64, 2, {3000, 301},
     {1, 301}, {0}, 1},
    {"argmax over axis 0 of 900x1100 float32 (ties)", TRUENO_OP_ARGMAX, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_INT64, 2,
     {900, 1100}, {1, 1100}, {0}, 1},
    {"exp 1M+5 float32", TRUENO_OP_EXP, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32, 1, {1000005}, {1000005}, {0}, 0},
};

static int64_t numel(size_t rank, const int64_t *shape)
{
    int64_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= shape[i];
    return n;
}

static trueno_tensor *filled(trueno_runtime *rt, trueno_dtype dt, size_t rank, const int64_t *shape, int ties,
                             unsigned seed)
{
    int64_t n = numel(rank, shape);
    double *v = malloc((size_t)n * sizeof *v);
    trueno_tensor *f = NULL, *t = NULL;
    srand(seed);
    for (int64_t i = 0; i < n; i++)
        v[i] = ties ? (double)(rand() % 5) : rand() / (double)RAND_MAX * 6 - 3;
    if (trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT64, rank, shape, v, &f) == TRUENO_OK)
        trueno_astype(f, dt, &t);
    trueno_tensor_free(f);
    free(v);
    return t;
}

/* Runs case c on `plugin` with a pool of `threads`: the output's bytes
 * (malloc'ed) in *result, or the failure. */
static trueno_status run(const char *plugin, int threads, const bench_case *c, void **result, size_t *bytes)
{
    trueno_runtime_options o = {.struct_size = sizeof o, .num_threads = (uint32_t)threads};
    trueno_runtime *rt;
    trueno_status s = trueno_runtime_create(&o, &rt);
    *result = NULL;
    if (s) return s;
    const trueno_op_info *info = trueno_op_lookup(c->op);
    trueno_tensor *in[2] = {filled(rt, c->dtype, c->rank, c->shape, c->op == TRUENO_OP_ARGMAX, 1), NULL}, *out = NULL;
    if (info->n_inputs == 2)
        in[1] = filled(rt, c->dtype, c->rank, c->op == TRUENO_OP_MATMUL ? c->b_shape : c->shape, 0, 2);
    trueno_op_params p = {.struct_size = sizeof p, .ints = {c->ints0}};
    s = !in[0] || (info->n_inputs == 2 && !in[1]) ? TRUENO_OUT_OF_MEMORY
        : trueno_tensor_empty(rt, c->out_dtype, c->rank, c->out_shape, &out);
    if (s == TRUENO_OK) s = trueno_runtime_force_backend(rt, plugin);  /* the inputs were made anywhere */
    if (s == TRUENO_OK) s = trueno_op_run(c->op, (const trueno_tensor *const *)in, info->n_inputs, &p, &out, 1);
    if (s == TRUENO_OK) {
        *bytes = (size_t)numel(c->rank, c->out_shape) * trueno_dtype_size(c->out_dtype);
        *result = malloc(*bytes);
        s = *result ? trueno_tensor_read(out, *result, *bytes) : TRUENO_OUT_OF_MEMORY;
    }
    trueno_tensor_free(in[0]);
    trueno_tensor_free(in[1]);
    trueno_tensor_free(out);
    trueno_runtime_destroy(rt);
    return s;
}

int main(void)
{
    trueno_runtime *rt;
    if (trueno_runtime_create(NULL, &rt)) {
        printf("Bail out! %s\n", trueno_last_error());
        return 1;
    }
    char plugins[8][64];
    size_t n_plugins = 0;
    for (size_t d = 0; d < trueno_runtime_device_count(rt) && n_plugins < 8; d++) {
        trueno_device_info info = {.struct_size = sizeof info};
        trueno_runtime_device(rt, d, &info);
        if (strcmp(info.plugin, "reference") && info.props->kind == TRUENO_DEVICE_CPU)
            snprintf(plugins[n_plugins++], sizeof plugins[0], "%s", info.plugin);
    }
    trueno_runtime_destroy(rt);
    if (n_plugins == 0) printf("ok 1 - # SKIP no CPU plugin device is loaded\n");
    for (size_t pl = 0; pl < n_plugins; pl++)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            size_t b1 = 0, b2 = 0, b3 = 0;
            void *r1, *r2, *r3;
            trueno_status s1 = run(plugins[pl], 1, &cases[i], &r1, &b1), s2 = run(plugins[pl], 2, &cases[i], &r2, &b2),
                          s3 = run(plugins[pl], 3, &cases[i], &r3, &b3);
            if (s1 == TRUENO_UNSUPPORTED)
                printf("ok %d - %s on %s # SKIP not supported by this device\n", ++tap_count, cases[i].what,
                       plugins[pl]);
            else if (s1 || s2 || s3)
                ok(0, "%s on %s: failed: %s", cases[i].what, plugins[pl], trueno_last_error());
            else
                ok(!memcmp(r1, r2, b1) && !memcmp(r1, r3, b1), "%s on %s: bitwise equal with 1, 2 and 3 threads",
                   cases[i].what, plugins[pl]);
            free(r1);
            free(r2);
            free(r3);
        }
    return tap_done();
}
