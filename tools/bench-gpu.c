/*
 * trueno-bench-gpu BACKEND — a GPU plugin's speed on resident tensors
 * (issue 5's figures), every op forced onto BACKEND (e.g. vulkan):
 *
 *   a chain of 1000 dependent adds of 1024      µs per op (one sync at the end)
 *   1000 independent adds of 1024               µs per op (a barrier every 16)
 *   sgemm n³ for n = 1024, 2048, 4096, 8192     TFLOP/s
 *   add and exp of 64 Mi float32 (256 MiB)      GB/s (bytes read + written)
 *   contiguous copy of 256 MiB                  GB/s (read + written)
 *   upload / readback of 256 MiB                GB/s, pageable and pinned (trueno_host_alloc)
 *   the chain and the independent adds twice again, after all of the above
 *   (the second time shows whether a slowdown the cells left lasts)
 *
 * TRUENO_BENCH_GPU_MAX_N caps n, TRUENO_BENCH_GPU_BIG_MIB the 256 MiB, and
 * TRUENO_BENCH_GPU_TRANSFERS=0 leaves the uploads and readbacks out
 * (=pageable or =pinned: only those).
 *
 * Inputs are uploaded once by a first run; timings are the best of 3
 * rounds, each ended by trueno_runtime_synchronize. tools/bench-h100.sh
 * runs it beside PyTorch (cuBLAS) on the same machine.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

#include "bench-clock.h"

#define CHECK(call)                                                                                               \
    do {                                                                                                          \
        if ((call) != TRUENO_OK) {                                                                                \
            fprintf(stderr, "trueno-bench-gpu: %s: %s\n", #call, trueno_last_error());                          \
            exit(1);                                                                                              \
        }                                                                                                         \
    } while (0)

static trueno_runtime *rt;

static trueno_tensor *random_of(trueno_dtype dt, int64_t rows, int64_t cols, unsigned seed)
{
    int64_t shape[2] = {rows, cols};
    trueno_tensor *t;
    CHECK(trueno_rand(rt, dt, 2, shape, seed, &t));
    return t;
}

static trueno_tensor *empty_of(trueno_dtype dt, int64_t rows, int64_t cols)
{
    int64_t shape[2] = {rows, cols};
    trueno_tensor *t;
    CHECK(trueno_tensor_empty(rt, dt, 2, shape, &t));
    return t;
}

static trueno_tensor *random_tensor(int64_t rows, int64_t cols, unsigned seed)
{
    return random_of(TRUENO_DTYPE_FLOAT32, rows, cols, seed);
}

static trueno_tensor *empty(int64_t rows, int64_t cols) { return empty_of(TRUENO_DTYPE_FLOAT32, rows, cols); }

/* best of 3 rounds of runs of op lasting about 0.2 s each (at least one
 * run, at most 1000), in seconds per run */
static double time_op(trueno_op_code op, const trueno_tensor *const *in, size_t n_in, trueno_tensor *out)
{
    double best = 1e30;
    CHECK(trueno_op_run(op, in, n_in, NULL, &out, 1)); /* uploads the inputs, warms the pipeline */
    CHECK(trueno_runtime_synchronize(rt));
    double t1 = bench_now_s();
    CHECK(trueno_op_run(op, in, n_in, NULL, &out, 1));
    CHECK(trueno_runtime_synchronize(rt));
    t1 = bench_now_s() - t1;
    int reps = t1 > 0.2 ? 1 : t1 < 2e-4 ? 1000 : (int)(0.2 / t1);
    for (int round = 0; round < 3; round++) {
        double t0 = bench_now_s();
        for (int r = 0; r < reps; r++) CHECK(trueno_op_run(op, in, n_in, NULL, &out, 1));
        CHECK(trueno_runtime_synchronize(rt));
        double t = (bench_now_s() - t0) / reps;
        best = t < best ? t : best;
    }
    return best;
}

/* a chain of 1000 dependent small adds, s = s + y, on resident tensors;
 * then the same adds independent. main runs them first (issue 5's
 * figure) and again after the other cells (`again`) */
static void chain_cells(int again)
{
    const char *label = again ? "  the chain after the cells above" : "chain of 1000 adds of 1024";
    const char *label2 = again ? "  independent, after them" : "1000 independent adds of 1024";
    trueno_tensor *s0 = random_tensor(1, 1024, 5), *s1 = empty(1, 1024), *ys = random_tensor(1, 1024, 6);
    const trueno_tensor *first[2] = {s0, ys};
    CHECK(trueno_op_run(TRUENO_OP_ADD, first, 2, NULL, &s1, 1));
    CHECK(trueno_runtime_synchronize(rt));
    double best = 1e30, issue = 0;
    for (int round = 0; round < 3; round++) {
        double t0 = bench_now_s();
        for (int i = 0; i < 1000; i++) {
            trueno_tensor *src = i % 2 ? s0 : s1, *dst = i % 2 ? s1 : s0;
            const trueno_tensor *in[2] = {src, ys};
            CHECK(trueno_op_run(TRUENO_OP_ADD, in, 2, NULL, &dst, 1));
        }
        double t_issue = bench_now_s() - t0;
        CHECK(trueno_runtime_synchronize(rt));
        double per = (bench_now_s() - t0) / 1000;
        if (per < best) best = per, issue = t_issue / 1000;
    }
    /* the host's share: trueno_op_run returning, before the wait */
    printf("%-34s %9.3f us per op (the host issued one per %.3f us)\n", label, best * 1e6, issue * 1e6);
    /* the same adds, independent: 16 outputs in turn, so a barrier falls
     * only every 16 dispatches (what a dependent dispatch costs beyond) */
    trueno_tensor *outs[16];
    for (int i = 0; i < 16; i++) outs[i] = empty(1, 1024);
    const trueno_tensor *sy[2] = {s0, ys};
    best = 1e30;
    for (int round = 0; round < 4; round++) {
        double t0 = bench_now_s();
        for (int i = 0; i < 1000; i++) CHECK(trueno_op_run(TRUENO_OP_ADD, sy, 2, NULL, &outs[i % 16], 1));
        CHECK(trueno_runtime_synchronize(rt));
        double per = (bench_now_s() - t0) / 1000;
        if (round > 0 && per < best) best = per; /* round 0 moves the outputs to the device */
    }
    printf("%-34s %9.3f us per op\n", label2, best * 1e6);
    for (int i = 0; i < 16; i++) trueno_tensor_free(outs[i]);
    trueno_tensor_free(s0);
    trueno_tensor_free(s1);
    trueno_tensor_free(ys);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: trueno-bench-gpu BACKEND (a plugin name from trueno-info, e.g. vulkan)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int64_t max_n = getenv("TRUENO_BENCH_GPU_MAX_N") ? atoll(getenv("TRUENO_BENCH_GPU_MAX_N")) : 8192;
    CHECK(trueno_runtime_create(NULL, &rt));
    CHECK(trueno_runtime_force_backend(rt, argv[1]));
    for (size_t i = 0; i < trueno_runtime_device_count(rt); i++) {
        trueno_device_info info = {.struct_size = sizeof info};
        CHECK(trueno_runtime_device(rt, i, &info));
        if (!strcmp(info.plugin, argv[1])) printf("device: %s [%s]\n", info.props->name, info.props->features);
    }
    printf("%-34s %12s %14s\n", "case", "time", "rate");
    chain_cells(0);

    for (int64_t n = 1024; n <= max_n; n *= 2) {
        trueno_tensor *a = random_tensor(n, n, 1), *b = random_tensor(n, n, 2), *c = empty(n, n);
        const trueno_tensor *in[2] = {a, b};
        double flop = 2.0 * (double)n * n * n;
        double t = time_op(TRUENO_OP_MATMUL, in, 2, c);
        printf("sgemm %-28lld %9.3f ms %9.1f TFLOP/s  (ran on %s)\n", (long long)n, t * 1e3, flop / t * 1e-12,
               trueno_last_backend());
        trueno_tensor_free(a);
        trueno_tensor_free(b);
        trueno_tensor_free(c);
    }

    /* float16 matmul (float32 sums; through cooperative matrices where
     * TRUENO_VULKAN_COOPERATIVE_MATRIX=1 turned them on) */
    for (int64_t n = 4096; n <= max_n; n *= 2) {
        trueno_tensor *a = random_of(TRUENO_DTYPE_FLOAT16, n, n, 1), *b = random_of(TRUENO_DTYPE_FLOAT16, n, n, 2);
        trueno_tensor *c = empty_of(TRUENO_DTYPE_FLOAT16, n, n);
        const trueno_tensor *in[2] = {a, b};
        double t = time_op(TRUENO_OP_MATMUL, in, 2, c);
        printf("hgemm %-28lld %9.3f ms %9.1f TFLOP/s  (ran on %s)\n", (long long)n, t * 1e3,
               2.0 * (double)n * n * n / t * 1e-12, trueno_last_backend());
        trueno_tensor_free(a);
        trueno_tensor_free(b);
        trueno_tensor_free(c);
    }

    /* elements: 256 MiB of float32 (TRUENO_BENCH_GPU_BIG_MIB for a small device) */
    const int64_t big = (getenv("TRUENO_BENCH_GPU_BIG_MIB") ? atoll(getenv("TRUENO_BENCH_GPU_BIG_MIB")) : 256) << 18;
    trueno_tensor *x = random_tensor(1, big, 3), *y = random_tensor(1, big, 4), *z = empty(1, big);
    const trueno_tensor *xy[2] = {x, y}, *xx[1] = {x};
    double bytes = 4.0 * (double)big;
    char label[64];
#define LABEL(fmt) (snprintf(label, sizeof label, fmt, (long long)(big >> 18)), label)
    double t = time_op(TRUENO_OP_ADD, xy, 2, z);
    printf("%-34s %9.3f ms %9.1f GB/s\n", LABEL("add float32, %lld MiB"), t * 1e3, 3 * bytes / t * 1e-9);
    t = time_op(TRUENO_OP_EXP, xx, 1, z);
    printf("%-34s %9.3f ms %9.1f GB/s\n", LABEL("exp float32, %lld MiB"), t * 1e3, 2 * bytes / t * 1e-9);
    t = time_op(TRUENO_OP_CONTIGUOUS, xx, 1, z);
    printf("%-34s %9.3f ms %9.1f GB/s\n", LABEL("contiguous copy, %lld MiB"), t * 1e3, 2 * bytes / t * 1e-9);

    /* readback of a resident result into touched host memory (a first
     * read allocates and touches the host side: page faults are not the
     * transfer), then uploads of fresh host tensors (the first op on each
     * moves it; the op's own time, measured above, is taken off; best of 3,
     * each including the device allocation): from ordinary (pageable)
     * memory, then from pinned memory (trueno_host_alloc) borrowed by the
     * tensor */
    float *host = malloc((size_t)bytes);
    void *pin = NULL;
    int pinned = 0;
    CHECK(trueno_host_alloc(rt, (size_t)bytes, &pin, &pinned));
    int64_t shape[2] = {1, big};
    const char *only = getenv("TRUENO_BENCH_GPU_TRANSFERS");
    for (int kind = 0; kind < 2; kind++) {
        if (only && (!strcmp(only, "0") || !strcmp(only, kind ? "pageable" : "pinned"))) continue;
        void *mem = kind ? pin : host;
        double t_copy = t, t_read = 1e30, t_up = 1e30;
        for (int round = 0; round < 3; round++) {
            CHECK(trueno_tensor_read(z, mem, (size_t)bytes));
            CHECK(trueno_op_run(TRUENO_OP_CONTIGUOUS, xx, 1, NULL, &z, 1)); /* z on the device again */
            CHECK(trueno_runtime_synchronize(rt));
            double t0 = bench_now_s();
            CHECK(trueno_tensor_read(z, mem, (size_t)bytes));
            double tr = bench_now_s() - t0;
            t_read = tr < t_read ? tr : t_read;
        }
        /* uploads into the device buffer the tensor already has (trueno_fill
         * rewrites the host side, outside the timing), and of a fresh
         * tensor, the device allocation included */
        double t_alloc = 1e30;
        for (int round = 0; round < 3; round++) {
            trueno_tensor *fresh;
            if (kind) CHECK(trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, mem, &fresh));
            else CHECK(trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 2, shape, mem, &fresh));
            const trueno_tensor *ff[1] = {fresh};
            for (int again = 0; again < 2; again++) {
                if (again) CHECK(trueno_fill(fresh, 0.5));
                double t0 = bench_now_s();
                CHECK(trueno_op_run(TRUENO_OP_CONTIGUOUS, ff, 1, NULL, &z, 1));
                CHECK(trueno_runtime_synchronize(rt));
                double tu = bench_now_s() - t0 - t_copy;
                double *keep = again ? &t_up : &t_alloc;
                *keep = tu < *keep ? tu : *keep;
            }
            trueno_tensor_free(fresh);
        }
        const char *what = kind ? (pinned ? "pinned host" : "trueno_host_alloc, not pinned") : "pageable host";
        char l1[80], l2[80], l3[80];
        snprintf(l1, sizeof l1, "upload %lld MiB (%s)", (long long)(big >> 18), what);
        snprintf(l2, sizeof l2, "  the same with a new device buffer");
        snprintf(l3, sizeof l3, "readback %lld MiB (%s)", (long long)(big >> 18), what);
        printf("%-34s %9.3f ms %9.1f GB/s\n", l1, t_up * 1e3, bytes / t_up * 1e-9);
        printf("%-34s %9.3f ms %9.1f GB/s\n", l2, t_alloc * 1e3, bytes / t_alloc * 1e-9);
        printf("%-34s %9.3f ms %9.1f GB/s\n", l3, t_read * 1e3, bytes / t_read * 1e-9);
    }
    trueno_host_free(rt, pin);
    free(host);
    trueno_tensor_free(x);
    trueno_tensor_free(y);
    trueno_tensor_free(z);

    chain_cells(1);
    chain_cells(1);
    trueno_runtime_destroy(rt);
    return 0;
}
