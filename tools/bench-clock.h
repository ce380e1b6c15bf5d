/*
 * bench-clock.h — what the bench tools share: a monotonic clock in seconds
 * and the median of n timings (sorted in place, so t[0] and t[n-1] are then
 * the minimum and maximum).
 */
#ifndef TRUENO_BENCH_CLOCK_H
#define TRUENO_BENCH_CLOCK_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static inline double bench_median(double *t, size_t n)
{
    qsort(t, n, sizeof *t, bench_cmp_double);
    return t[n / 2];
}

#endif
