/*
 * test_threads.c — concurrent use: several threads issuing ops on one
 * runtime (shared inputs, their own outputs), one plan run by several
 * threads into outputs at different offsets, and several runtimes used at
 * once, give results bitwise identical to a serial run. Run under
 * ThreadSanitizer by tools/test.sh.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

#include "tap.h"

enum { N = 96, THREADS = 4, ROUNDS = 25 };
static float a_data[N * N], b_data[N * N];
static float want_mm[N * N], want_add[N * N], want_sum[N];

typedef struct job {
    trueno_runtime *rt;        /* shared, or NULL: make one's own */
    const trueno_tensor *a, *b;
    int mismatches, errors;
} job;

/* One round: matmul, add, sum over axis 0; compare with the serial run. */
static void round_trip(trueno_runtime *rt, const trueno_tensor *a, const trueno_tensor *b, job *j)
{
    trueno_tensor *mm = NULL, *ad = NULL, *sm = NULL;
    static _Thread_local float got[N * N];
    int axis[1] = {0};
    if (trueno_matmul(a, b, &mm) || trueno_add(a, b, &ad) || trueno_sum(a, axis, 1, 0, &sm)) {
        j->errors++;
    } else {
        trueno_tensor_read(mm, got, sizeof got);
        j->mismatches += memcmp(got, want_mm, sizeof want_mm) != 0;
        trueno_tensor_read(ad, got, sizeof got);
        j->mismatches += memcmp(got, want_add, sizeof want_add) != 0;
        trueno_tensor_read(sm, got, N * sizeof(float));
        j->mismatches += memcmp(got, want_sum, sizeof want_sum) != 0;
    }
    trueno_tensor_free(mm);
    trueno_tensor_free(ad);
    trueno_tensor_free(sm);
    (void)rt;
}

static void *worker(void *arg)
{
    job *j = arg;
    trueno_runtime *rt = j->rt;
    const trueno_tensor *a = j->a, *b = j->b;
    trueno_tensor *own_a = NULL, *own_b = NULL;
    int64_t shape[2] = {N, N};
    if (!rt) {
        trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS, .num_threads = 2};
        if (trueno_runtime_create(&o, &rt)) { j->errors++; return NULL; }
        trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, a_data, &own_a);
        trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, b_data, &own_b);
        a = own_a;
        b = own_b;
    }
    for (int r = 0; r < ROUNDS; r++) round_trip(rt, a, b, j);
    if (!j->rt) {
        trueno_tensor_free(own_a);
        trueno_tensor_free(own_b);
        trueno_runtime_destroy(rt);
    }
    return NULL;
}

/* One plan (add) shared by the threads, each writing its own rows of one
 * tensor: same layout, another offset at every run. */
typedef struct plan_job {
    const trueno_plan *plan;
    const trueno_tensor *a, *b;
    trueno_tensor *out;
    int mismatches, errors;
} plan_job;

static void *plan_worker(void *arg)
{
    plan_job *j = arg;
    static _Thread_local float got[N * N];
    const trueno_tensor *in[2] = {j->a, j->b};
    for (int r = 0; r < 4 * ROUNDS; r++) {
        if (trueno_plan_run(j->plan, in, &j->out) != TRUENO_OK) { j->errors++; continue; }
        trueno_tensor_read(j->out, got, sizeof got);
        j->mismatches += memcmp(got, want_add, sizeof want_add) != 0;
        memset(got, 0, sizeof got);
    }
    return NULL;
}

int main(void)
{
    for (int i = 0; i < N * N; i++) {
        a_data[i] = (float)((i * 37) % 101) / 16.0f - 3;
        b_data[i] = (float)((i * 53) % 89) / 32.0f - 1;
    }
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS, .num_threads = 2};
    trueno_runtime *rt;
    if (trueno_runtime_create(&o, &rt) != TRUENO_OK) { printf("Bail out! %s\n", trueno_last_error()); return 1; }
    int64_t shape[2] = {N, N};
    trueno_tensor *a = NULL, *b = NULL, *t = NULL;
    trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, a_data, &a);
    trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, b_data, &b);
    /* the serial results */
    int axis[1] = {0};
    trueno_matmul(a, b, &t); trueno_tensor_read(t, want_mm, sizeof want_mm); trueno_tensor_free(t);
    trueno_add(a, b, &t); trueno_tensor_read(t, want_add, sizeof want_add); trueno_tensor_free(t);
    trueno_sum(a, axis, 1, 0, &t); trueno_tensor_read(t, want_sum, sizeof want_sum); trueno_tensor_free(t);

    pthread_t th[THREADS];
    job jobs[THREADS];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){.rt = rt, .a = a, .b = b};
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    int bad = 0, errs = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        bad += jobs[i].mismatches;
        errs += jobs[i].errors;
    }
    ok(errs == 0 && bad == 0, "%d threads x %d rounds x 3 ops on one runtime: %d errors, %d results differing "
       "from the serial run", THREADS, ROUNDS, errs, bad);

    int64_t rows_shape[2] = {THREADS * N, N};
    trueno_tensor *rows = NULL, *views[THREADS];
    trueno_plan *plan = NULL;
    plan_job pj[THREADS];
    bad = errs = 0;
    trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 2, rows_shape, &rows);
    for (int i = 0; i < THREADS; i++) {
        trueno_slice sl = {i * N, (i + 1) * N, 1};
        views[i] = NULL;
        if (trueno_slice_view(rows, &sl, 1, &views[i]) != TRUENO_OK) errs++;
    }
    const trueno_tensor *ab[2] = {a, b};
    if (errs == 0 && trueno_plan_create(TRUENO_OP_ADD, ab, 2, NULL, &views[0], 1, &plan) != TRUENO_OK) errs++;
    for (int i = 0; i < THREADS && plan; i++) {
        pj[i] = (plan_job){.plan = plan, .a = a, .b = b, .out = views[i]};
        pthread_create(&th[i], NULL, plan_worker, &pj[i]);
    }
    for (int i = 0; i < THREADS && plan; i++) {
        pthread_join(th[i], NULL);
        bad += pj[i].mismatches;
        errs += pj[i].errors;
    }
    ok(plan && errs == 0 && bad == 0, "one plan run by %d threads x %d rounds into rows at other offsets: %d errors, "
       "%d results differing from the serial run", THREADS, 4 * ROUNDS, errs, bad);
    trueno_plan_free(plan);
    for (int i = 0; i < THREADS; i++) trueno_tensor_free(views[i]);
    trueno_tensor_free(rows);

    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, worker, &jobs[i]);
    bad = errs = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        bad += jobs[i].mismatches;
        errs += jobs[i].errors;
    }
    ok(errs == 0 && bad == 0, "%d runtimes used at once, %d rounds each: %d errors, %d differing results",
       THREADS, ROUNDS, errs, bad);
    trueno_tensor_free(a);
    trueno_tensor_free(b);
    trueno_runtime_destroy(rt);
    return tap_done();
}
