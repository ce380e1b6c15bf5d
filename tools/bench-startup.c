/*
 * bench-startup — how long from trueno_runtime_create to the first op's
 * result, as a user program sees it. Runs `reps` times in one process and
 * prints min / median / max in microseconds. The first repetition is the
 * process's first (cold dlopen of plugins, cost caches read).
 *
 *   trueno-bench-startup [reps]          (default 50)
 *   TRUENO_BACKENDS_DISABLE=... etc. select which plugins load.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <trueno/trueno.h>

#include "bench-clock.h"

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 50;
    if (reps < 1) reps = 1;
    double *t = calloc((size_t)reps, sizeof *t);
    float a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40}, c[4];
    int64_t shape[1] = {4};
    size_t n_plugins = 0;
    if (!t) return 1;
    for (int r = 0; r < reps; r++) {
        double t0 = 1e6 * bench_now_s();
        trueno_runtime *rt;
        trueno_tensor *ta, *tb, *tc;
        if (trueno_runtime_create(NULL, &rt) != TRUENO_OK ||
            trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, shape, NULL, a, &ta) ||
            trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, shape, NULL, b, &tb) ||
            trueno_add(ta, tb, &tc) || trueno_tensor_read(tc, c, sizeof c)) {
            fprintf(stderr, "bench-startup: %s\n", trueno_last_error());
            return 1;
        }
        t[r] = 1e6 * bench_now_s() - t0;
        n_plugins = trueno_runtime_plugin_count(rt);
        trueno_tensor_free(ta);
        trueno_tensor_free(tb);
        trueno_tensor_free(tc);
        trueno_runtime_destroy(rt);
        if (c[3] != 44) { fprintf(stderr, "bench-startup: wrong result\n"); return 1; }
    }
    double first = t[0];
    double median = bench_median(t, (size_t)reps);
    printf("start-up (runtime create -> first add read back), %d reps, %zu plugin files: "
           "first %.1f us, min %.1f us, median %.1f us, max %.1f us\n",
           reps, n_plugins, first, t[0], median, t[reps - 1]);
    free(t);
    return 0;
}
