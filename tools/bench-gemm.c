/*
 * bench-gemm — float32 matmul through Trueno (the dispatcher's choice,
 * normally cpu-x86) against OpenBLAS's cblas_sgemm, side by side in one
 * run: for each size and thread count the two alternate, REPS times each,
 * and the medians are compared. Outputs are preallocated for both.
 * Run with OPENBLAS_CORETYPE unset so OpenBLAS uses its best kernels (the
 * first line names the kernels OpenBLAS chose). Before each pair the bench
 * sleeps 0.2 s, as OpenBLAS's idle threads keep spinning for a while and
 * would steal the core from Trueno's next run, then warms Trueno up again
 * with an untimed call (OpenBLAS runs right after Trueno, warm too).
 *
 *   trueno-bench-gemm [sizes...]     (default 256 512 1024 2048)
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <trueno/trueno.h>

#include "bench-clock.h"

void openblas_set_num_threads(int n);
char *openblas_get_corename(void);

#define REPS 11 /* alternating pairs per size and thread count; the medians compared */

int main(int argc, char **argv)
{
    int sizes[8] = {256, 512, 1024, 2048}, n_sizes = 4;
    if (argc > 1) {
        n_sizes = 0;
        for (int i = 1; i < argc && n_sizes < 8; i++) sizes[n_sizes++] = atoi(argv[i]);
    }
    const struct timespec idle = {0, 200000000};
    printf("OpenBLAS kernels: %s%s\n", openblas_get_corename(),
           getenv("OPENBLAS_CORETYPE") ? " (OPENBLAS_CORETYPE is set: unset it for OpenBLAS's best kernels)" : "");
    printf("%6s %7s %14s %14s %8s   %s\n", "n", "threads", "Trueno GFLOP/s", "OpenBLAS", "ratio", "Trueno ran on");
    for (int threads = 1; threads <= 2; threads++) {
        trueno_runtime_options o = {.struct_size = sizeof o, .num_threads = (uint32_t)threads};
        trueno_runtime *rt;
        if (trueno_runtime_create(&o, &rt)) { fprintf(stderr, "%s\n", trueno_last_error()); return 1; }
        openblas_set_num_threads(threads);
        for (int s = 0; s < n_sizes; s++) {
            int n = sizes[s];
            int64_t shape[2] = {n, n};
            float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
            for (long i = 0; i < (long)n * n; i++) { a[i] = (float)(i % 17) * 0.1f; b[i] = (float)(i % 13) * 0.2f; }
            trueno_tensor *ta, *tb, *tc;
            trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, a, &ta);
            trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, b, &tb);
            trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 2, shape, &tc);
            const trueno_tensor *in[2] = {ta, tb};
            double tt[REPS], to[REPS];
            trueno_op_run(TRUENO_OP_MATMUL, in, 2, NULL, &tc, 1); /* warm-up */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
            for (int r = 0; r < REPS; r++) {
                nanosleep(&idle, NULL); /* OpenBLAS's threads spin after a call and would slow Trueno's */
                trueno_op_run(TRUENO_OP_MATMUL, in, 2, NULL, &tc, 1); /* warm again after the pause */
                double t0 = bench_now_s();
                trueno_op_run(TRUENO_OP_MATMUL, in, 2, NULL, &tc, 1);
                double t1 = bench_now_s();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
                double t2 = bench_now_s();
                tt[r] = t1 - t0;
                to[r] = t2 - t1;
            }
            double mt = bench_median(tt, REPS), mo = bench_median(to, REPS);
            double flop = 2.0 * n * n * n;
            printf("%6d %7d %14.1f %14.1f %8.2f   %s\n", n, threads, flop / mt * 1e-9, flop / mo * 1e-9, mo / mt, trueno_last_backend());
            trueno_tensor_free(ta); trueno_tensor_free(tb); trueno_tensor_free(tc);
            free(a); free(b); free(c);
        }
        trueno_runtime_destroy(rt);
    }
    return 0;
}
