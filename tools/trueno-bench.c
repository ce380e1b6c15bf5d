/*
 * trueno-bench — ops of the table × sizes × dtypes × backends, each forced
 * in turn and "auto" (the dispatcher's choice), timed through the public
 * API (trueno_op_run) as a user's program calls it.
 *
 *   trueno-bench [options] CELL...          CELL = op:dtype:shape[:key=value,...]
 *   trueno-bench [options] --ops add,exp --sizes 1000,1000000 [--dtypes float32,float64]
 *   trueno-bench --list                     the op table and the backends, as JSON
 *   trueno-bench --serve                    one line of options and cells per line on
 *                                           stdin, one JSON object per line on stdout
 *                                           (tools/bench-compare drives it this way)
 *   trueno-bench --first-op T0              start-up: seconds from T0 (CLOCK_MONOTONIC,
 *                                           taken before exec) to the first op's result
 * Options
 *   --backends LIST   plugin names ("reference", "cpu-x86", "vulkan", …), "openblas"
 *                     (cblas_?gemm/?dot from libopenblas.so.0, loaded when named)
 *                     and "auto";
 *                     default: every loaded backend, then auto
 *   --output reuse|fresh|both   outputs preallocated once and reused, or a new
 *                     output made and freed in every call (default reuse)
 *   --placement host|resident|both   host: every call borrows the inputs afresh
 *                     from host memory, so a device with its own memory pays the
 *                     upload each call (what the dispatcher prices); resident: the
 *                     same tensors every call, so after the first they stay where
 *                     it ran (default host)
 *   --call run|plan|both   each call through trueno_op_run (default), or a
 *                     plan (trueno_plan_create at the first call, then
 *                     trueno_plan_run: no validation or device choice per call)
 *   --format table|csv|json     (default table)
 *   --threads N       the runtime's pool (else TRUENO_NUM_THREADS, else the cores)
 *   --min-batch S     a batch lasts at least S seconds (default 0.002)
 *   --cell-time S     about S seconds of timed batches per cell (default 0.25);
 *                     3 to 21 batches
 *   --seed N          input values (default 1)
 *
 * One cell, for each backend: a warm-up call (it also uploads resident
 * inputs and builds GPU pipelines), then k calls per batch with k doubled
 * until a batch lasts --min-batch, each batch ended by
 * trueno_runtime_synchronize; per call the median, min and max over the
 * batches. GB/s and GFLOP/s come from trueno_op_bytes and trueno_op_flops,
 * the figures every cost model uses. "ran_on" is the backend that ran the
 * last call (trueno_last_backend): for auto, the dispatcher's choice.
 *
 * Counters: cycles, instructions and cache misses per element through
 * perf_event_open, counting every thread of the process (inherited by the
 * pool's threads, opened before the runtime starts them). Where the
 * machine has no PMU (most VMs) the tool says so and reports task-clock
 * instead: CPU time per call over all threads. `perf record -g
 * trueno-bench ...` works on it as on any program (the release build has
 * symbols).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <trueno/trueno.h>

#include "bench-cells.h"
#include "bench-clock.h"

#define MAX_BATCHES 21
#define MAX_BACKENDS 16

enum { OUT_REUSE = 1, OUT_FRESH = 2 };
enum { PLACE_HOST = 1, PLACE_RESIDENT = 2 };
enum { CALL_RUN = 1, CALL_PLAN = 2 };

typedef struct options {
    char *cells[512];
    size_t n_cells;
    char *backends[MAX_BACKENDS];
    size_t n_backends;
    int output, placement, call;
    const char *format;
    double min_batch_s, cell_s;
    unsigned long seed;
} options;

/* ---- counters ------------------------------------------------------------ */

static struct {
    int fd[3];
    int n;
    int hardware;        /* 1: cycles, instructions, cache misses; 0: task-clock */
    char note[160];
} perf = {{-1, -1, -1}, 0, 0, ""};

static int perf_open(uint32_t type, uint64_t config)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = type;
    a.config = config;
    a.inherit = 1; /* the pool's threads, started later, count too */
    a.exclude_kernel = type == PERF_TYPE_HARDWARE;
    a.exclude_hv = 1;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

/* Before the runtime exists, so that its threads inherit the counters. */
static void perf_init(void)
{
    static const uint64_t hw[3] = {PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_INSTRUCTIONS, PERF_COUNT_HW_CACHE_MISSES};
    for (perf.n = 0; perf.n < 3; perf.n++)
        if ((perf.fd[perf.n] = perf_open(PERF_TYPE_HARDWARE, hw[perf.n])) < 0) break;
    if (perf.n == 3) {
        perf.hardware = 1;
        snprintf(perf.note, sizeof perf.note, "cycles, instructions, cache-misses (perf_event_open)");
        return;
    }
    int e = errno;
    for (int i = 0; i < perf.n; i++) close(perf.fd[i]);
    perf.n = 0;
    if ((perf.fd[0] = perf_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK)) >= 0) perf.n = 1;
    snprintf(perf.note, sizeof perf.note, "no hardware counters here (perf_event_open: %s); %s", strerror(e),
             perf.n ? "task-clock instead" : "no task-clock either");
}

static void perf_read(double *v)
{
    for (int i = 0; i < perf.n; i++) {
        uint64_t x = 0;
        v[i] = read(perf.fd[i], &x, sizeof x) == (ssize_t)sizeof x ? (double)x : NAN;
    }
}

/* ---- one backend on one cell -------------------------------------------- */

typedef struct result {
    char backend[32], ran_on[32], error[512];
    int output, placement, call, ok, unsupported;
    long calls;
    int batches;
    double median_s, min_s, max_s;
    double counters[3];
} result;

typedef struct run_ctx {
    trueno_runtime *rt;
    const bench_cell *cell;
    int output, placement, call, openblas;
    trueno_tensor *in[8], *out[2];   /* resident inputs, reused outputs (else NULL) */
    trueno_plan *plan;               /* --call plan: made by the first (warm-up) call */
    void *blas_out;                  /* openblas's reused output */
} run_ctx;

/* A tensor over operand o's bytes (a transposed view where o says so). */
static trueno_status borrow(trueno_runtime *rt, const bench_operand *o, trueno_tensor **t)
{
    int64_t stored[TRUENO_MAX_RANK] = {0};
    if (o->rank) memcpy(stored, o->shape, o->rank * sizeof *stored);
    if (!o->transposed)
        return trueno_tensor_from_buffer_borrow(rt, o->dtype, o->rank, stored, NULL, o->data, t);
    stored[0] = o->shape[1];
    stored[1] = o->shape[0];
    trueno_tensor *base;
    trueno_status s = trueno_tensor_from_buffer_borrow(rt, o->dtype, 2, stored, NULL, o->data, &base);
    if (s) return s;
    s = trueno_transpose(base, 0, 1, t);
    trueno_tensor_free(base);
    return s;
}

/* OpenBLAS, loaded only when the "openblas" backend is asked for (so that
 * start-up figures and machines without it are unaffected). The CBLAS
 * constants are the standard's (CblasRowMajor 101, CblasNoTrans 111). */
static struct {
    int tried;
    void *lib;
    void (*sgemm)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
    void (*dgemm)(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int);
    float (*sdot)(int, const float *, int, const float *, int);
    double (*ddot)(int, const double *, int, const double *, int);
    void (*set_num_threads)(int);
    char *(*get_corename)(void);
    char why[256];
} blas;

static int openblas_load(void)
{
    if (blas.tried) return blas.lib != NULL;
    blas.tried = 1;
    if (!(blas.lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL))) {
        snprintf(blas.why, sizeof blas.why, "OpenBLAS not loaded (%s; apt install libopenblas0)", dlerror());
        return 0;
    }
    *(void **)&blas.sgemm = dlsym(blas.lib, "cblas_sgemm");
    *(void **)&blas.dgemm = dlsym(blas.lib, "cblas_dgemm");
    *(void **)&blas.sdot = dlsym(blas.lib, "cblas_sdot");
    *(void **)&blas.ddot = dlsym(blas.lib, "cblas_ddot");
    *(void **)&blas.set_num_threads = dlsym(blas.lib, "openblas_set_num_threads");
    *(void **)&blas.get_corename = dlsym(blas.lib, "openblas_get_corename");
    if (!blas.sgemm || !blas.dgemm || !blas.sdot || !blas.ddot || !blas.set_num_threads || !blas.get_corename) {
        snprintf(blas.why, sizeof blas.why, "libopenblas.so.0 lacks a CBLAS function");
        dlclose(blas.lib);
        blas.lib = NULL;
        return 0;
    }
    return 1;
}

/* cblas_?gemm / cblas_?dot on the host buffers: the anchor of the matmul
 * family. Row-major, no transposes; alpha and beta as the cell's. */
static trueno_status run_openblas(run_ctx *x)
{
    const bench_cell *c = x->cell;
    uint32_t op = c->info->code;
    bool f64 = c->dtype == TRUENO_DTYPE_FLOAT64;
    if ((c->dtype != TRUENO_DTYPE_FLOAT32 && !f64) ||
        !(op == TRUENO_OP_DOT || op == TRUENO_OP_GEMM || (op == TRUENO_OP_MATMUL && c->in[0].rank == 2)))
        return TRUENO_UNSUPPORTED;
    void *out = x->blas_out;
    if (x->output == OUT_FRESH && !(out = malloc(c->out[0].bytes ? c->out[0].bytes : 8))) return TRUENO_OUT_OF_MEMORY;
    if (op == TRUENO_OP_DOT) {
        int n = (int)c->in[0].shape[0];
        if (f64) *(double *)out = blas.ddot(n, c->in[0].data, 1, c->in[1].data, 1);
        else *(float *)out = blas.sdot(n, c->in[0].data, 1, c->in[1].data, 1);
    } else {
        enum { ROW_MAJOR = 101, NO_TRANS = 111 };
        int m = (int)c->in[0].shape[0], k = (int)c->in[0].shape[1], n = (int)c->in[1].shape[1];
        double alpha = op == TRUENO_OP_GEMM ? c->params.floats[0] : 1, beta = op == TRUENO_OP_GEMM ? c->params.floats[1] : 0;
        if (op == TRUENO_OP_GEMM) memcpy(out, c->in[2].data, c->out[0].bytes);
        if (f64) blas.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, alpha, c->in[0].data, k, c->in[1].data, n, beta, out, n);
        else blas.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, (float)alpha, c->in[0].data, k, c->in[1].data, n,
                        (float)beta, out, n);
    }
    if (out != x->blas_out) free(out);
    return TRUENO_OK;
}

static trueno_status run_once(run_ctx *x)
{
    if (x->openblas) return run_openblas(x);
    const bench_cell *c = x->cell;
    trueno_tensor *in[8] = {0}, *out[2] = {0};
    trueno_status s = TRUENO_OK;
    for (size_t i = 0; i < c->n_in && !s; i++)
        s = x->placement == PLACE_RESIDENT ? (in[i] = x->in[i], TRUENO_OK) : borrow(x->rt, &c->in[i], &in[i]);
    for (size_t i = 0; i < c->n_out && !s; i++)
        s = x->output == OUT_REUSE ? (out[i] = x->out[i], TRUENO_OK)
                                   : trueno_tensor_empty(x->rt, c->out[i].dtype, c->out[i].rank, c->out[i].shape, &out[i]);
    if (!s && x->call == CALL_PLAN && !x->plan)
        s = trueno_plan_create((trueno_op_code)c->info->code, (const trueno_tensor *const *)in, c->n_in, &c->params, out,
                               c->n_out, &x->plan);
    if (!s && x->call == CALL_PLAN) s = trueno_plan_run(x->plan, (const trueno_tensor *const *)in, out);
    else if (!s) s = trueno_op_run((trueno_op_code)c->info->code, (const trueno_tensor *const *)in, c->n_in, &c->params,
                                   out, c->n_out);
    if (x->placement != PLACE_RESIDENT)
        for (size_t i = 0; i < c->n_in; i++) trueno_tensor_free(in[i]);
    if (x->output != OUT_REUSE)
        for (size_t i = 0; i < c->n_out; i++) trueno_tensor_free(out[i]);
    return s;
}

static trueno_status run_batch(run_ctx *x, long k)
{
    for (long i = 0; i < k; i++) {
        trueno_status s = run_once(x);
        if (s) return s;
    }
    return x->openblas ? TRUENO_OK : trueno_runtime_synchronize(x->rt);
}

static void fail_result(result *r, trueno_status s)
{
    r->unsupported = s == TRUENO_UNSUPPORTED;
    snprintf(r->error, sizeof r->error, "%s", r->unsupported && !trueno_last_error()[0] ? "unsupported" : trueno_last_error());
}

static void bench_backend(trueno_runtime *rt, const bench_cell *c, const char *backend, int output, int placement,
                          int call, const options *o, result *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->backend, sizeof r->backend, "%s", backend);
    r->output = output;
    r->placement = placement;
    r->call = call;
    run_ctx x = {.rt = rt, .cell = c, .output = output, .placement = placement, .call = call,
                 .openblas = !strcmp(backend, "openblas")};
    trueno_status s = TRUENO_OK;
    if (x.openblas && !openblas_load()) {
        snprintf(r->error, sizeof r->error, "%s", blas.why);
        r->unsupported = 1;
        return;
    }
    if (x.openblas && !(x.blas_out = malloc(c->out[0].bytes ? c->out[0].bytes : 8))) s = TRUENO_OUT_OF_MEMORY;
    if (x.openblas) blas.set_num_threads((int)trueno_runtime_num_threads(rt));
    if (!x.openblas) s = trueno_runtime_force_backend(rt, strcmp(backend, "auto") ? backend : NULL);
    for (size_t i = 0; i < c->n_in && !s && !x.openblas && placement == PLACE_RESIDENT; i++)
        s = borrow(rt, &c->in[i], &x.in[i]);
    for (size_t i = 0; i < c->n_out && !s && !x.openblas && output == OUT_REUSE; i++)
        s = trueno_tensor_empty(rt, c->out[i].dtype, c->out[i].rank, c->out[i].shape, &x.out[i]);
    if (!s) s = run_batch(&x, 1); /* warm-up */
    double t[MAX_BATCHES], c0[3] = {0}, c1[3] = {0};
    long k = 1;
    int batches = 0;
    while (!s) { /* k calls per batch, k doubled until a batch lasts min_batch_s */
        double t0 = bench_now_s();
        s = run_batch(&x, k);
        double dt = bench_now_s() - t0;
        if (dt >= o->min_batch_s || k >= (1L << 24)) {
            batches = (int)fmin(MAX_BATCHES, fmax(3, o->cell_s / dt));
            break;
        }
        k *= 2;
    }
    if (!s) perf_read(c0);
    for (int b = 0; b < batches && !s; b++) {
        double t0 = bench_now_s();
        s = run_batch(&x, k);
        t[b] = (bench_now_s() - t0) / (double)k;
    }
    if (!s) {
        perf_read(c1);
        snprintf(r->ran_on, sizeof r->ran_on, "%s", x.openblas ? "openblas" : trueno_last_backend());
        r->ok = 1;
        r->calls = k;
        r->batches = batches;
        r->median_s = bench_median(t, (size_t)batches);
        r->min_s = t[0];
        r->max_s = t[batches - 1];
        double calls = (double)k * batches;
        for (int i = 0; i < perf.n; i++)
            r->counters[i] = (c1[i] - c0[i]) / calls / (perf.hardware ? fmax(c->elements, 1) : 1);
    } else if (x.openblas && s == TRUENO_UNSUPPORTED) {
        r->unsupported = 1;
        snprintf(r->error, sizeof r->error, "OpenBLAS has no routine for it (2-D matmul, gemm, dot; float32, float64)");
    } else {
        fail_result(r, s);
    }
    for (size_t i = 0; i < 8; i++) trueno_tensor_free(x.in[i]);
    for (size_t i = 0; i < 2; i++) trueno_tensor_free(x.out[i]);
    trueno_plan_free(x.plan);
    free(x.blas_out);
    trueno_runtime_force_backend(rt, NULL);
}

/* ---- output -------------------------------------------------------------- */

static const char *output_name(int o) { return o == OUT_REUSE ? "reuse" : "fresh"; }
static const char *placement_name(int p) { return p == PLACE_HOST ? "host" : "resident"; }
static const char *call_name(int c) { return c == CALL_RUN ? "run" : "plan"; }

static void shape_str(const bench_cell *c, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->rank && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? "x" : "", (long long)c->shape[i]);
}

static cJSON *result_json(const bench_cell *c, const result *r, trueno_runtime *rt)
{
    cJSON *j = cJSON_CreateObject();
    char shape[128];
    shape_str(c, shape, sizeof shape);
    cJSON_AddStringToObject(j, "cell", c->spec);
    cJSON_AddStringToObject(j, "op", c->info->name);
    cJSON_AddStringToObject(j, "dtype", trueno_dtype_name(c->dtype));
    cJSON_AddStringToObject(j, "shape", shape);
    cJSON_AddStringToObject(j, "backend", r->backend);
    cJSON_AddStringToObject(j, "output", output_name(r->output));
    cJSON_AddStringToObject(j, "placement", placement_name(r->placement));
    cJSON_AddStringToObject(j, "call", call_name(r->call));
    cJSON_AddNumberToObject(j, "threads", trueno_runtime_num_threads(rt));
    cJSON_AddNumberToObject(j, "bytes", c->bytes);
    cJSON_AddNumberToObject(j, "flops", c->flops);
    cJSON_AddNumberToObject(j, "elements", c->elements);
    cJSON_AddStringToObject(j, "status", r->ok ? "ok" : r->unsupported ? "unsupported" : "error");
    if (!r->ok) {
        cJSON_AddStringToObject(j, "error", r->error);
        return j;
    }
    cJSON_AddStringToObject(j, "ran_on", r->ran_on);
    cJSON_AddNumberToObject(j, "calls_per_batch", (double)r->calls);
    cJSON_AddNumberToObject(j, "batches", r->batches);
    cJSON_AddNumberToObject(j, "median_ns", r->median_s * 1e9);
    cJSON_AddNumberToObject(j, "min_ns", r->min_s * 1e9);
    cJSON_AddNumberToObject(j, "max_ns", r->max_s * 1e9);
    cJSON_AddNumberToObject(j, "gbs", c->bytes / r->median_s * 1e-9);
    cJSON_AddNumberToObject(j, "gflops", c->flops / r->median_s * 1e-9);
    cJSON *k = cJSON_AddObjectToObject(j, "counters");
    if (perf.hardware) {
        cJSON_AddNumberToObject(k, "cycles_per_element", r->counters[0]);
        cJSON_AddNumberToObject(k, "instructions_per_element", r->counters[1]);
        cJSON_AddNumberToObject(k, "cache_misses_per_element", r->counters[2]);
    } else if (perf.n) {
        cJSON_AddNumberToObject(k, "task_clock_ns_per_call", r->counters[0]);
        cJSON_AddNumberToObject(k, "cpus_busy", r->counters[0] / (r->median_s * 1e9));
    }
    return j;
}

static void print_time(char *buf, size_t n, double s)
{
    if (s < 1e-6) snprintf(buf, n, "%.0f ns", s * 1e9);
    else if (s < 1e-3) snprintf(buf, n, "%.2f us", s * 1e6);
    else if (s < 1) snprintf(buf, n, "%.3f ms", s * 1e3);
    else snprintf(buf, n, "%.3f s", s);
}

static void print_row(const char *format, const bench_cell *c, const result *r, trueno_runtime *rt)
{
    char shape[128], med[32], lo[32], hi[32];
    shape_str(c, shape, sizeof shape);
    const char *status = r->ok ? "ok" : r->unsupported ? "unsupported" : "error";
    if (!strcmp(format, "csv")) {
        printf("%s,%s,%s,%s,%s,%s,%s,%s,%u,%s", c->info->name, trueno_dtype_name(c->dtype), shape, r->backend,
               r->ok ? r->ran_on : "", output_name(r->output), placement_name(r->placement), call_name(r->call),
               trueno_runtime_num_threads(rt), status);
        if (r->ok)
            printf(",%.1f,%.1f,%.1f,%.3f,%.3f,%.4g,%.4g,%.4g\n", r->median_s * 1e9, r->min_s * 1e9, r->max_s * 1e9,
                   c->bytes / r->median_s * 1e-9, c->flops / r->median_s * 1e-9, r->counters[0], r->counters[1],
                   r->counters[2]);
        else
            printf(",,,,,,,,\n");
        return;
    }
    if (!r->ok) {
        printf("%-14s %-8s %-14s %-10s %-6s %-8s %-4s  %s: %.90s\n", c->info->name, trueno_dtype_name(c->dtype), shape,
               r->backend, output_name(r->output), placement_name(r->placement), call_name(r->call), status, r->error);
        return;
    }
    print_time(med, sizeof med, r->median_s);
    print_time(lo, sizeof lo, r->min_s);
    print_time(hi, sizeof hi, r->max_s);
    printf("%-14s %-8s %-14s %-10s %-6s %-8s %-4s %-10s %11s %11s %11s %9.2f %9.2f", c->info->name,
           trueno_dtype_name(c->dtype), shape, r->backend, output_name(r->output), placement_name(r->placement),
           call_name(r->call), r->ran_on, med, lo, hi, c->bytes / r->median_s * 1e-9, c->flops / r->median_s * 1e-9);
    if (perf.hardware) printf("  %6.2f cyc/el %6.2f ins/el %7.4f miss/el", r->counters[0], r->counters[1], r->counters[2]);
    else if (perf.n) printf("  %6.2f cpus", r->counters[0] / (r->median_s * 1e9));
    printf("\n");
}

static void print_header(const char *format)
{
    if (!strcmp(format, "csv"))
        printf("op,dtype,shape,backend,ran_on,output,placement,call,threads,status,median_ns,min_ns,max_ns,gbs,gflops,%s\n",
               perf.hardware ? "cycles_per_element,instructions_per_element,cache_misses_per_element"
                             : "task_clock_ns_per_call,,");
    else if (!strcmp(format, "table"))
        printf("# counters: %s\n%-14s %-8s %-14s %-10s %-6s %-8s %-4s %-10s %11s %11s %11s %9s %9s  %s\n", perf.note, "op",
               "dtype", "shape", "backend", "output", "place", "call", "ran on", "median", "min", "max", "GB/s", "GFLOP/s",
               perf.hardware ? "counters" : perf.n ? "task-clock" : "");
}

/* ---- the backends --------------------------------------------------------- */

/* Distinct plugin names of the loaded devices, in device order. */
static size_t loaded_backends(trueno_runtime *rt, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t d = 0; d < trueno_runtime_device_count(rt); d++) {
        trueno_device_info info = {.struct_size = sizeof info};
        if (trueno_runtime_device(rt, d, &info) || info.lost) continue;
        size_t i = 0;
        while (i < n && strcmp(names[i], info.plugin)) i++;
        if (i == n && n < max) names[n++] = info.plugin;
    }
    return n;
}

static int print_list(trueno_runtime *rt)
{
    cJSON *j = cJSON_CreateObject(), *ops = cJSON_AddArrayToObject(j, "ops");
    static const char *classes[] = {"elementwise", "reduction", "matmul", "copy"};
    for (uint32_t code = 1; code < TRUENO_OP_COUNT_1_0; code++) {
        const trueno_op_info *info = trueno_op_lookup((trueno_op_code)code);
        if (!info) continue;
        cJSON *o = cJSON_CreateObject(), *dts = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "name", info->name);
        cJSON_AddNumberToObject(o, "code", code);
        cJSON_AddStringToObject(o, "class", classes[info->op_class]);
        cJSON_AddNumberToObject(o, "n_inputs", info->n_inputs);
        cJSON_AddNumberToObject(o, "n_outputs", info->n_outputs);
        cJSON_AddStringToObject(o, "numpy", info->numpy);
        cJSON_AddStringToObject(o, "torch", info->torch);
        for (int d = 0; d < TRUENO_DTYPE_COUNT_1_0; d++)
            if (info->dtypes >> d & 1) cJSON_AddItemToArray(dts, cJSON_CreateString(trueno_dtype_name((trueno_dtype)d)));
        cJSON_AddItemToObject(o, "dtypes", dts);
        cJSON_AddItemToArray(ops, o);
    }
    cJSON *bk = cJSON_AddArrayToObject(j, "devices");
    for (size_t d = 0; d < trueno_runtime_device_count(rt); d++) {
        trueno_device_info info = {.struct_size = sizeof info};
        if (trueno_runtime_device(rt, d, &info)) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "backend", info.plugin);
        cJSON_AddStringToObject(o, "name", info.props->name);
        cJSON_AddStringToObject(o, "features", info.props->features);
        cJSON_AddStringToObject(o, "memory", info.props->memory_kind == TRUENO_MEMORY_HOST ? "host" : "device");
        cJSON_AddItemToArray(bk, o);
    }
    if (openblas_load()) cJSON_AddStringToObject(j, "openblas", blas.get_corename());
    else cJSON_AddNullToObject(j, "openblas");
    cJSON_AddStringToObject(j, "counters", perf.note);
    cJSON_AddNumberToObject(j, "threads", trueno_runtime_num_threads(rt));
    char *s = cJSON_PrintUnformatted(j);
    printf("%s\n", s);
    free(s);
    cJSON_Delete(j);
    return 0;
}

/* ---- options -------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: trueno-bench [--backends LIST] [--output reuse|fresh|both] [--placement host|resident|both]\n"
                    "                    [--call run|plan|both] [--format table|csv|json] [--threads N] [--min-batch S] [--cell-time S]\n"
                    "                    [--seed N] [--ops LIST --sizes LIST [--dtypes LIST]] [CELL...]\n"
                    "       trueno-bench --list | --serve | --first-op T0\n"
                    "CELL = op:dtype:shape[:key=value,...], e.g. add:float32:1000000 matmul:float32:512\n"
                    "       softmax:float32:1024x1024 conv2d:float32:8x64x56x56:out=64\n");
    return 2;
}

/* Strings in argv stay owned by the caller; cells from --ops × --sizes ×
 * --dtypes are built into `store`. */
static int parse_options(int argc, char **argv, options *o, char *store, size_t store_size, uint32_t *threads)
{
    memset(o, 0, sizeof *o);
    o->output = OUT_REUSE;
    o->placement = PLACE_HOST;
    o->call = CALL_RUN;
    o->format = "table";
    o->min_batch_s = 2e-3;
    o->cell_s = 0.25;
    o->seed = 1;
    char *ops = NULL, *sizes = NULL, *dtypes = "float32";
    static char backends[512];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') {
            if (o->n_cells == sizeof o->cells / sizeof *o->cells) return fprintf(stderr, "too many cells\n"), 2;
            o->cells[o->n_cells++] = argv[i];
            continue;
        }
        if (!v) return usage();
        i++;
        if (!strcmp(a, "--backends")) {
            snprintf(backends, sizeof backends, "%s", v);
            for (char *b = strtok(backends, ","); b && o->n_backends < MAX_BACKENDS; b = strtok(NULL, ","))
                o->backends[o->n_backends++] = b;
        } else if (!strcmp(a, "--output") || !strcmp(a, "--placement")) {
            int m = !strcmp(v, "both") ? 3 : !strcmp(v, "reuse") || !strcmp(v, "host") ? 1
                    : !strcmp(v, "fresh") || !strcmp(v, "resident") ? 2 : 0;
            if (!m) return usage();
            *(a[2] == 'o' ? &o->output : &o->placement) = m;
        } else if (!strcmp(a, "--call")) {
            o->call = !strcmp(v, "both") ? 3 : !strcmp(v, "run") ? CALL_RUN : !strcmp(v, "plan") ? CALL_PLAN : 0;
            if (!o->call) return usage();
        } else if (!strcmp(a, "--format")) {
            if (strcmp(v, "table") && strcmp(v, "csv") && strcmp(v, "json")) return usage();
            o->format = v;
        } else if (!strcmp(a, "--threads")) *threads = (uint32_t)atoi(v);
        else if (!strcmp(a, "--min-batch")) o->min_batch_s = atof(v);
        else if (!strcmp(a, "--cell-time")) o->cell_s = atof(v);
        else if (!strcmp(a, "--seed")) o->seed = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--ops")) ops = argv[i];
        else if (!strcmp(a, "--sizes")) sizes = argv[i];
        else if (!strcmp(a, "--dtypes")) dtypes = argv[i];
        else return usage();
    }
    if (!ops != !sizes) return fprintf(stderr, "trueno-bench: --ops and --sizes go together\n"), 2;
    size_t used = 0;
    for (char *op = ops; op && *op;) { /* --ops × --dtypes × --sizes */
        size_t lo = strcspn(op, ",");
        for (char *dt = dtypes; *dt;) {
            size_t ld = strcspn(dt, ",");
            for (char *sz = sizes; *sz;) {
                size_t ls = strcspn(sz, ",");
                int w = snprintf(store + used, store_size - used, "%.*s:%.*s:%.*s", (int)lo, op, (int)ld, dt, (int)ls, sz);
                if (w < 0 || used + (size_t)w + 1 >= store_size || o->n_cells == sizeof o->cells / sizeof *o->cells)
                    return fprintf(stderr, "trueno-bench: too many cells\n"), 2;
                o->cells[o->n_cells++] = store + used;
                used += (size_t)w + 1;
                sz += ls + (sz[ls] == ',');
            }
            dt += ld + (dt[ld] == ',');
        }
        op += lo + (op[lo] == ',');
    }
    return 0;
}

/* Runs every cell of `o` on every backend; table/CSV rows as they come, or
 * one JSON object at the end. Returns 1 when a cell could not be made or a
 * backend failed (unsupported is not a failure). */
static int run_cells(trueno_runtime *rt, const options *o, int serve)
{
    const char *names[MAX_BACKENDS];
    size_t n_names = o->n_backends;
    if (n_names) memcpy(names, o->backends, n_names * sizeof *names);
    else {
        n_names = loaded_backends(rt, names, MAX_BACKENDS - 1);
        names[n_names++] = "auto";
    }
    int json = serve || !strcmp(o->format, "json"), status = 0;
    cJSON *root = json ? cJSON_CreateObject() : NULL, *results = json ? cJSON_AddArrayToObject(root, "results") : NULL;
    if (!json) print_header(o->format);
    for (size_t i = 0; i < o->n_cells; i++) {
        bench_cell cell;
        char err[512] = "";
        if (bench_cell_make(rt, o->cells[i], o->seed + i, &cell, err, sizeof err)) {
            fprintf(stderr, "trueno-bench: %s\n", err);
            if (json) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "cell", o->cells[i]);
                cJSON_AddStringToObject(e, "status", "error");
                cJSON_AddStringToObject(e, "error", err);
                cJSON_AddItemToArray(results, e);
            }
            status = 1;
            continue;
        }
        for (int out = OUT_REUSE; out <= OUT_FRESH; out++) {
            if (!(o->output & out)) continue;
            for (int place = PLACE_HOST; place <= PLACE_RESIDENT; place++) {
                if (!(o->placement & place)) continue;
                for (int call = CALL_RUN; call <= CALL_PLAN; call++)
                for (size_t b = 0; b < n_names; b++) {
                    if (!(o->call & call)) continue;
                    if (call == CALL_PLAN && !strcmp(names[b], "openblas")) continue; /* no plans in OpenBLAS */
                    result r;
                    bench_backend(rt, &cell, names[b], out, place, call, o, &r);
                    if (!r.ok && !r.unsupported) status = 1;
                    if (json) cJSON_AddItemToArray(results, result_json(&cell, &r, rt));
                    else print_row(o->format, &cell, &r, rt);
                    fflush(stdout);
                    if (!strcmp(names[b], "openblas") && trueno_runtime_num_threads(rt) > 1) {
                        /* OpenBLAS's idle threads spin for a while after a call and
                         * would take the cores from the next backend's run */
                        const struct timespec idle = {0, 200000000};
                        nanosleep(&idle, NULL);
                    }
                }
            }
        }
        bench_cell_free(&cell);
    }
    if (json) {
        cJSON_AddStringToObject(root, "counters", perf.note);
        char *s = serve ? cJSON_PrintUnformatted(root) : cJSON_Print(root);
        printf("%s\n", s);
        fflush(stdout);
        free(s);
        cJSON_Delete(root);
    }
    return status;
}

/* Start-up as a user sees it: from T0 (taken by the caller before it
 * started this process) to the first op's result read back. */
static int first_op(double t0)
{
    trueno_runtime *rt;
    int64_t n = 1024;
    float a[1024], b[1024], c[1024];
    for (int i = 0; i < 1024; i++) a[i] = (float)i, b[i] = 1;
    trueno_tensor *ta = NULL, *tb = NULL, *tc = NULL;
    double t_main = bench_now_s();
    if (trueno_runtime_create(NULL, &rt)) return fprintf(stderr, "trueno-bench: %s\n", trueno_last_error()), 1;
    trueno_status s = trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, &n, NULL, a, &ta);
    if (!s) s = trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, &n, NULL, b, &tb);
    if (!s) s = trueno_add(ta, tb, &tc);
    if (!s) s = trueno_tensor_read(tc, c, sizeof c);
    double t1 = bench_now_s();
    if (!s && c[1023] != 1024) s = TRUENO_INTERNAL;
    if (!s)
        printf("{\"first_op_s\": %.6f, \"in_process_s\": %.6f, \"plugin_files\": %zu, \"devices\": %zu, "
               "\"ran_on\": \"%s\"}\n", t1 - t0, t1 - t_main, trueno_runtime_plugin_count(rt),
               trueno_runtime_device_count(rt), trueno_last_backend());
    else
        fprintf(stderr, "trueno-bench: first op: %s\n", trueno_last_error());
    trueno_tensor_free(ta);
    trueno_tensor_free(tb);
    trueno_tensor_free(tc);
    trueno_runtime_destroy(rt);
    return s ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--first-op")) return first_op(atof(argv[2]));
    int list = argc == 2 && !strcmp(argv[1], "--list"), serve = argc == 2 && !strcmp(argv[1], "--serve");
    static char store[1 << 16];
    options o;
    uint32_t threads = 0;
    if (!list && !serve) {
        if (argc < 2) return usage();
        int s = parse_options(argc - 1, argv + 1, &o, store, sizeof store, &threads);
        if (s) return s;
        if (!o.n_cells) return usage();
    }
    perf_init();
    trueno_runtime_options ro = {.struct_size = sizeof ro, .num_threads = threads};
    trueno_runtime *rt;
    if (trueno_runtime_create(&ro, &rt)) return fprintf(stderr, "trueno-bench: %s\n", trueno_last_error()), 1;
    int status = 0;
    if (list) status = print_list(rt);
    else if (!serve) status = run_cells(rt, &o, 0);
    else {
        /* each line: the options and cells of one run, answered by one JSON line */
        char line[8192];
        while (fgets(line, sizeof line, stdin)) {
            char *args[600];
            int n = 0;
            for (char *w = strtok(line, " \t\n"); w && n < 600; w = strtok(NULL, " \t\n")) args[n++] = w;
            if (!n) break;
            threads = 0;
            if (parse_options(n, args, &o, store, sizeof store, &threads) || !o.n_cells) {
                printf("{\"error\": \"bad request line\"}\n");
                fflush(stdout);
                continue;
            }
            if (threads) trueno_runtime_set_num_threads(rt, threads);
            run_cells(rt, &o, 1);
        }
    }
    trueno_runtime_destroy(rt);
    if (blas.lib) dlclose(blas.lib);
    return status;
}
