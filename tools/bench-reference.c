/*
 * bench-reference — the reference backend's speed on the yardstick the
 * op-catalog issue sets (matmul 512×512 float32 under a second on the
 * 2-core CI machine), plus a few element-wise and reduction figures, as
 * medians of repeated runs in one process. A benchmark, not a test.
 *
 *   trueno-bench-reference [threads]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <trueno/trueno.h>

#include "bench-clock.h"

int main(int argc, char **argv)
{
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS,
                                .num_threads = argc > 1 ? (uint32_t)atoi(argv[1]) : 0};
    trueno_runtime *rt;
    if (trueno_runtime_create(&o, &rt)) { fprintf(stderr, "%s\n", trueno_last_error()); return 1; }
    int64_t sq[2] = {512, 512}, big[1] = {1 << 22};
    trueno_tensor *a, *b, *v;
    trueno_rand(rt, TRUENO_DTYPE_FLOAT32, 2, sq, 1, &a);
    trueno_rand(rt, TRUENO_DTYPE_FLOAT32, 2, sq, 2, &b);
    trueno_rand(rt, TRUENO_DTYPE_FLOAT32, 1, big, 3, &v);
    const char *names[] = {"matmul 512x512x512 float32", "exp of 4M float32", "add of 4M float32", "sum of 4M float32"};
    double flop[] = {2.0 * 512 * 512 * 512, 1 << 22, 1 << 22, 1 << 22};
    printf("reference backend, %u threads (median of 5)\n", trueno_runtime_num_threads(rt));
    for (int k = 0; k < 4; k++) {
        double t[5];
        for (int r = 0; r < 5; r++) {
            trueno_tensor *out = NULL;
            double t0 = bench_now_s();
            trueno_status s = k == 0 ? trueno_matmul(a, b, &out) : k == 1 ? trueno_exp(v, &out)
                            : k == 2 ? trueno_add(v, v, &out) : trueno_sum(v, NULL, 0, 0, &out);
            t[r] = bench_now_s() - t0;
            if (s) { fprintf(stderr, "%s\n", trueno_last_error()); return 1; }
            trueno_tensor_free(out);
        }
        double m = bench_median(t, 5);
        printf("  %-28s %8.1f ms  %6.2f GFLOP/s\n", names[k], m * 1e3, flop[k] / m * 1e-9);
    }
    trueno_tensor_free(a);
    trueno_tensor_free(b);
    trueno_tensor_free(v);
    trueno_runtime_destroy(rt);
    return 0;
}
