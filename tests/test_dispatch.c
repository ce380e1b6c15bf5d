/*
 * test_dispatch.c — the cost-based dispatcher with real test plugins
 * (tests/plugins/testplugin.c): the cheapest device wins, transfers are
 * counted, resident data stays on its device, ties are deterministic,
 * TRUENO_LOG=dispatch shows every candidate, forcing works by API and by
 * environment, and a failing device (out of memory, lost) makes the op run
 * on the next one with the inputs untouched.
 *   argv[1]: the directory holding the test plugins
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trueno/trueno.h>

#include "tap.h"

static const char *plugin_dir;

static trueno_runtime *make(const char *allow)
{
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_ONLY_PLUGIN_PATH,
                                .plugin_path = plugin_dir, .backends = allow, .num_threads = 2};
    trueno_runtime *rt = NULL;
    if (trueno_runtime_create(&o, &rt) != TRUENO_OK) diag("create: %s", trueno_last_error());
    return rt;
}

static trueno_tensor *vec(trueno_runtime *rt, trueno_dtype dt, int64_t n, const void *data)
{
    trueno_tensor *t = NULL;
    trueno_tensor_from_buffer_copy(rt, dt, 1, &n, data, &t);
    return t;
}

/* add a+b (float32, n elements), check the values, return where it ran. */
static const char *add_check(trueno_tensor *a, trueno_tensor *b, trueno_tensor **keep)
{
    static char where[64];
    trueno_tensor *c = NULL;
    int64_t n = trueno_tensor_numel(a);
    float *va = malloc((size_t)n * 4), *vb = malloc((size_t)n * 4), *vc = malloc((size_t)n * 4);
    snprintf(where, sizeof where, "error");
    if (trueno_add(a, b, &c) == TRUENO_OK) {
        snprintf(where, sizeof where, "%s", trueno_last_backend());
        trueno_tensor_read(a, va, (size_t)n * 4);
        trueno_tensor_read(b, vb, (size_t)n * 4);
        trueno_tensor_read(c, vc, (size_t)n * 4);
        for (int64_t i = 0; i < n; i++)
            if (vc[i] != va[i] + vb[i]) { snprintf(where, sizeof where, "wrong value"); break; }
    } else {
        diag("add: %s", trueno_last_error());
    }
    free(va); free(vb); free(vc);
    if (keep) *keep = c;
    else trueno_tensor_free(c);
    return where;
}

static int device_lost(trueno_runtime *rt, const char *plugin)
{
    for (size_t i = 0; i < trueno_runtime_device_count(rt); i++) {
        trueno_device_info d = {.struct_size = sizeof d};
        if (trueno_runtime_device(rt, i, &d) == TRUENO_OK && !strcmp(d.plugin, plugin)) return (int)d.lost;
    }
    return -1;
}

int main(int argc, char **argv)
{
    static char dir[PATH_MAX];
    if (argc < 2 || !realpath(argv[1], dir)) { printf("Bail out! usage: test_dispatch PLUGIN_DIR\n"); return 1; }
    plugin_dir = dir; /* relative plugin directories are never searched */
    float x[1000], y[1000];
    int32_t xi[1000];
    for (int i = 0; i < 1000; i++) { x[i] = (float)i * 0.5f; y[i] = 3.0f - (float)i; xi[i] = i; }

    /* ---- cheapest wins; what a device cannot run goes elsewhere --------- */
    char log_path[] = "/tmp/trueno-dispatch-log-XXXXXX";
    int log_fd = mkstemp(log_path), saved = dup(2);
    dup2(log_fd, 2);
    setenv("TRUENO_LOG", "dispatch,warn", 1);
    trueno_runtime *rt = make("fastcpu");
    unsetenv("TRUENO_LOG");
    trueno_tensor *a = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, x), *b = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, y);
    trueno_tensor *ai = vec(rt, TRUENO_DTYPE_INT32, 1000, xi);
    const char *w1 = add_check(a, b, NULL);
    trueno_tensor *ci = NULL;
    trueno_add(ai, ai, &ci);
    const char *w2 = trueno_last_backend();
    fflush(stderr);
    dup2(saved, 2);
    ok(!strcmp(w1, "fastcpu"), "float32 add runs on the cheaper plugin (ran on %s)", w1);
    ok(!strcmp(w2, "reference"), "int32 add, which fastcpu does not support, runs on reference (%s)", w2);
    trueno_tensor_free(ci);
    char log[8192] = "";
    ssize_t got = pread(log_fd, log, sizeof log - 1, 0);
    log[got > 0 ? got : 0] = 0;
    close(log_fd);
    unlink(log_path);
    ok(strstr(log, "add float32 (1000,),(1000,) -> (1000,)") && strstr(log, "fastcpu 'test device fastcpu'") &&
       strstr(log, "reference '") && strstr(log, "estimate") && strstr(log, "=> fastcpu"),
       "TRUENO_LOG=dispatch prints the op, shapes, each candidate's cost and the choice");
    diag("log: %.300s", log);

    /* ---- forcing -------------------------------------------------------- */
    ok(trueno_runtime_force_backend(rt, "reference") == TRUENO_OK && !strcmp(add_check(a, b, NULL), "reference"),
       "trueno_runtime_force_backend(reference) overrides the cost model");
    ok(trueno_runtime_force_backend(rt, NULL) == TRUENO_OK && !strcmp(add_check(a, b, NULL), "fastcpu"),
       "force_backend(NULL) returns to cost-based choice");
    trueno_runtime_force_backend(rt, "fastcpu");
    trueno_tensor *out = NULL;
    ok(trueno_add(ai, ai, &out) == TRUENO_UNSUPPORTED && strstr(trueno_last_error(), "forced backend 'fastcpu'") && !out,
       "a forced backend that cannot run the op is an error, not a silent fallback: %s", trueno_last_error());
    trueno_runtime_force_backend(rt, NULL);

    /* ---- failures fall back; lost devices are never chosen again -------- */
    setenv("TRUENO_TEST_FAIL", "fastcpu:nomem", 1);
    ok(!strcmp(add_check(a, b, NULL), "reference"), "out of device memory: the op re-runs on the next device");
    unsetenv("TRUENO_TEST_FAIL");
    ok(device_lost(rt, "fastcpu") == 0 && !strcmp(add_check(a, b, NULL), "fastcpu"),
       "after out-of-memory the device is still used");
    setenv("TRUENO_TEST_FAIL", "fastcpu:lost", 1);
    char lost_path[] = "/tmp/trueno-lost-log-XXXXXX";
    int lost_fd = mkstemp(lost_path), saved_err = dup(2);
    dup2(lost_fd, 2);
    const char *where_lost = add_check(a, b, NULL);
    fflush(stderr);
    dup2(saved_err, 2);
    unsetenv("TRUENO_TEST_FAIL");
    char lost_log[2048] = "";
    ssize_t lost_n = pread(lost_fd, lost_log, sizeof lost_log - 1, 0);
    lost_log[lost_n > 0 ? lost_n : 0] = 0;
    close(lost_fd);
    unlink(lost_path);
    ok(!strcmp(where_lost, "reference"), "device lost: the op re-runs on the next device, inputs intact");
    ok(strstr(lost_log, "failed on fastcpu 'test device fastcpu' (device lost); running it on the next cheapest device") != NULL,
       "the log says which device failed, how, and that the op moved on");
    ok(device_lost(rt, "fastcpu") == 1, "the lost device is marked lost");
    ok(!strcmp(add_check(a, b, NULL), "reference"), "a lost device is never chosen again");
    float back[1000];
    trueno_tensor_read(a, back, sizeof back);
    ok(!memcmp(back, x, sizeof back), "inputs unchanged after the failures");
    trueno_tensor_free(a); trueno_tensor_free(b); trueno_tensor_free(ai);
    trueno_runtime_destroy(rt);

    /* ---- forcing by environment ------------------------------------------ */
    setenv("TRUENO_FORCE_BACKEND", "reference", 1);
    rt = make("fastcpu");
    unsetenv("TRUENO_FORCE_BACKEND");
    a = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, x);
    ok(!strcmp(add_check(a, a, NULL), "reference"), "TRUENO_FORCE_BACKEND=reference is obeyed");
    trueno_tensor_free(a);
    trueno_runtime_destroy(rt);

    /* ---- ties go to a fixed order: same cost, both plugins -> lower index */
    rt = make("fastcpu,dup");
    a = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, x);
    int all_dup = 1;
    for (int i = 0; i < 5; i++) all_dup &= !strcmp(add_check(a, a, NULL), "dup");
    ok(all_dup, "equal estimates: the same device (first in order, 'dup') wins every time");
    trueno_tensor_free(a);
    trueno_runtime_destroy(rt);

    /* ---- transfers are priced; resident data stays on its device --------- */
    rt = make("fakegpu");
    a = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, x);
    b = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, y);
    ok(!strcmp(add_check(a, b, NULL), "reference"),
       "host inputs: moving them to fakegpu (1 ms each) costs more than adding on the host");
    trueno_tensor *z = NULL, *z2 = NULL, *zz = NULL;
    trueno_runtime_force_backend(rt, "fakegpu");
    ok(trueno_add(a, b, &z) == TRUENO_OK && !strcmp(trueno_last_backend(), "fakegpu"),
       "forced onto fakegpu: the inputs are uploaded and the op runs there");
    trueno_runtime_force_backend(rt, NULL);
    ok(z && trueno_add(z, z, &z2) == TRUENO_OK && !strcmp(trueno_last_backend(), "fakegpu"),
       "its result lives only on fakegpu, so the next op stays there (moving it would cost more)");
    float v2[1000];
    int right = z2 && trueno_tensor_read(z2, v2, sizeof v2) == TRUENO_OK;
    for (int i = 0; right && i < 1000; i++) right = v2[i] == 2 * (x[i] + y[i]);
    ok(right, "the device-resident chain reads back right");
    setenv("TRUENO_TEST_FAIL", "fakegpu:lost", 1);
    ok(z2 && !strcmp(add_check(z2, z2, &zz), "reference"), "fakegpu lost mid-chain: the op falls back to the host");
    unsetenv("TRUENO_TEST_FAIL");
    ok(device_lost(rt, "fakegpu") == 1, "fakegpu marked lost");
    trueno_tensor_free(z); trueno_tensor_free(z2); trueno_tensor_free(zz);
    trueno_tensor_free(a); trueno_tensor_free(b);
    trueno_runtime_destroy(rt);

    /* ---- pinned host memory (trueno_host_alloc) ----------------------------- */
    {
        setenv("TRUENO_LOG", "error", 1); /* trueno_host_free's complaint below */
        trueno_runtime *cpu = make("fastcpu"), *gpu = make("fakegpu");
        unsetenv("TRUENO_LOG");
        void *p = NULL, *q = NULL;
        int pinned = -1, pinned_gpu = -1;
        int fine = trueno_host_alloc(cpu, 4000, &p, &pinned) == TRUENO_OK && p && pinned == 0 && ((uintptr_t)p & 63) == 0;
        ok(fine, "without a device that pins memory, trueno_host_alloc gives ordinary aligned memory (pinned=%d)", pinned);
        trueno_host_free(cpu, p);
        fine = trueno_host_alloc(cpu, 0, &p, NULL) == TRUENO_INVALID_ARGUMENT && strstr(trueno_last_error(), "0 bytes");
        char why[200];
        snprintf(why, sizeof why, "%s", trueno_last_error());
        fine = fine && trueno_host_alloc(NULL, 8, &p, NULL) == TRUENO_INVALID_ARGUMENT;
        ok(fine, "0 bytes or a NULL runtime: INVALID_ARGUMENT (%s)", why);
        fine = trueno_host_alloc(gpu, 4000, &p, &pinned_gpu) == TRUENO_OK && pinned_gpu == 1 &&
              trueno_host_alloc(gpu, 4000, &q, NULL) == TRUENO_OK;
        ok(fine, "a device-memory plugin with host_alloc pins it (pinned=%d)", pinned_gpu);
        /* through the fake GPU: an input borrowing pinned memory, read back into pinned memory */
        memcpy(p, x, sizeof x);
        int64_t n = 1000;
        trueno_tensor *in = NULL, *res = NULL, *one = vec(gpu, TRUENO_DTYPE_FLOAT32, 1000, y);
        trueno_tensor_from_buffer_borrow(gpu, TRUENO_DTYPE_FLOAT32, 1, &n, NULL, p, &in);
        trueno_tensor_empty(gpu, TRUENO_DTYPE_FLOAT32, 1, &n, &res);
        const trueno_tensor *io[2] = {in, one};
        trueno_runtime_force_backend(gpu, "fakegpu");
        trueno_status st = trueno_op_run(TRUENO_OP_ADD, io, 2, NULL, &res, 1);
        trueno_runtime_force_backend(gpu, NULL);
        const char *ran = trueno_last_backend();
        memset(q, 0, 4000);
        int good = st == TRUENO_OK && trueno_tensor_read(res, q, 4000) == TRUENO_OK;
        for (int i = 0; i < 1000 && good; i++) good = ((float *)q)[i] == x[i] + y[i];
        ok(good && !strcmp(ran, "fakegpu"), "add on %s from a pinned input, read back into pinned memory", ran);
        trueno_tensor_free(in);
        trueno_tensor_free(res);
        trueno_tensor_free(one);
        trueno_host_free(gpu, p);
        char stack, err_path[] = "/tmp/trueno-hostfree-log-XXXXXX", logged[512] = "";
        int err_fd = mkstemp(err_path), err_back = dup(2);
        dup2(err_fd, 2);
        trueno_host_free(gpu, &stack); /* not from trueno_host_alloc: logged, ignored */
        trueno_host_free(gpu, NULL);
        fflush(stderr);
        dup2(err_back, 2);
        ssize_t nlog = pread(err_fd, logged, sizeof logged - 1, 0);
        logged[nlog > 0 ? nlog : 0] = 0;
        close(err_fd);
        close(err_back);
        unlink(err_path);
        ok(strstr(logged, "did not come from trueno_host_alloc") != NULL,
           "trueno_host_free of a pointer it did not give logs an error and frees nothing: %s", logged);
        trueno_runtime_destroy(gpu); /* frees q (a leak under ASan otherwise) */
        trueno_runtime_destroy(cpu);
    }

    /* ---- plans: checked and placed once, run many times ------------------- */
    rt = make("fastcpu");
    a = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, x);
    b = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, y);
    trueno_tensor *a2 = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, y), *b2 = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, y);
    trueno_tensor *sum = NULL, *short_in = vec(rt, TRUENO_DTYPE_FLOAT32, 999, x), *wide = NULL, *strided = NULL;
    int64_t n1000 = 1000, n2000 = 2000;
    trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 1, &n1000, &sum);
    trueno_zeros(rt, TRUENO_DTYPE_FLOAT32, 1, &n2000, &wide);
    trueno_slice step2 = {0, TRUENO_SLICE_ALL, 2};
    trueno_slice_view(wide, &step2, 1, &strided);  /* 1000 elements, stride 2 */
    const trueno_tensor *ab[2] = {a, b}, *ab2[2] = {a2, b2}, *bad_shape[2] = {a, short_in}, *bad_strides[2] = {a, strided};
    trueno_plan *plan = NULL;
    trueno_status st = trueno_plan_create(TRUENO_OP_ADD, ab, 2, NULL, &sum, 1, &plan);
    ok(st == TRUENO_OK && plan && !strcmp(trueno_plan_backend(plan), "fastcpu"),
       "a plan for add is placed where the dispatcher would run it: %s", plan ? trueno_plan_backend(plan) : trueno_last_error());
    float vals[1000];
    int good = trueno_plan_run(plan, ab2, &sum) == TRUENO_OK && !strcmp(trueno_last_backend(), "fastcpu");
    trueno_tensor_read(sum, vals, sizeof vals);
    for (int i = 0; i < 1000; i++) good &= vals[i] == y[i] + y[i];
    ok(good, "the plan runs on other tensors of the same layout, with their data");
    for (int i = 0; i < 1000; i++) vals[i] = -1;
    trueno_tensor *sentinel = vec(rt, TRUENO_DTYPE_FLOAT32, 1000, vals);
    st = trueno_plan_run(plan, bad_shape, &sentinel);
    ok(st == TRUENO_SHAPE_MISMATCH && strstr(trueno_last_error(), "input 1 is float32 (999,)") &&
       strstr(trueno_last_error(), "the plan was made for float32 (1000,)"), "another shape is refused, naming both: %s",
       trueno_last_error());
    st = trueno_plan_run(plan, bad_strides, &sentinel);
    trueno_tensor_read(sentinel, vals, sizeof vals);
    ok(st == TRUENO_SHAPE_MISMATCH && strstr(trueno_last_error(), "strides (2,)") && vals[0] == -1 && vals[999] == -1,
       "other strides are refused and the output is untouched: %s", trueno_last_error());
    ok(trueno_plan_run(plan, NULL, &sum) == TRUENO_INVALID_ARGUMENT && trueno_plan_run(NULL, ab, &sum) ==
       TRUENO_INVALID_ARGUMENT, "NULL arguments are refused");
    trueno_runtime_force_backend(rt, "reference");
    ok(trueno_plan_run(plan, ab, &sum) == TRUENO_OK && !strcmp(trueno_last_backend(), "reference"),
       "with another backend forced the plan's device steps aside (ran on %s)", trueno_last_backend());
    trueno_runtime_force_backend(rt, NULL);
    setenv("TRUENO_TEST_FAIL", "fastcpu:nomem", 1);
    good = trueno_plan_run(plan, ab, &sum) == TRUENO_OK && !strcmp(trueno_last_backend(), "reference");
    unsetenv("TRUENO_TEST_FAIL");
    trueno_tensor_read(sum, vals, sizeof vals);
    for (int i = 0; i < 1000; i++) good &= vals[i] == x[i] + y[i];
    ok(good, "the planned device out of memory: the run goes to the next device, right values");
    ok(trueno_plan_run(plan, ab, &sum) == TRUENO_OK && !strcmp(trueno_last_backend(), "fastcpu"),
       "and the next run is back on the planned device");
    setenv("TRUENO_TEST_FAIL", "fastcpu:lost", 1);
    setenv("TRUENO_LOG", "error", 1);
    st = trueno_plan_run(plan, ab, &sum);
    unsetenv("TRUENO_LOG");
    unsetenv("TRUENO_TEST_FAIL");
    ok(st == TRUENO_OK && !strcmp(trueno_last_backend(), "reference") && device_lost(rt, "fastcpu") == 1 &&
       trueno_plan_run(plan, ab, &sum) == TRUENO_OK && !strcmp(trueno_last_backend(), "reference"),
       "the planned device lost: this run and the next ones go elsewhere");
    trueno_plan_free(plan);
    /* integer floor_divide may refuse its data: every run goes through trueno_op_run */
    int32_t num[4] = {7, -7, 9, 1}, den[4] = {2, 2, 0, 1}, prev[4] = {5, 5, 5, 5}, now_v[4];
    int64_t n4 = 4;
    trueno_tensor *ti = NULL, *td = NULL, *tq = NULL;
    trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_INT32, 1, &n4, num, &ti);
    trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_INT32, 1, &n4, den, &td);
    trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_INT32, 1, &n4, prev, &tq);
    const trueno_tensor *qd[2] = {ti, td};
    plan = NULL;
    st = trueno_plan_create(TRUENO_OP_FLOOR_DIVIDE, qd, 2, NULL, &tq, 1, &plan);
    ok(st == TRUENO_OK && trueno_plan_backend(plan) == NULL, "a plan for integer floor_divide leaves each run to op_run");
    st = trueno_plan_run(plan, qd, &tq);
    trueno_tensor_read(tq, now_v, sizeof now_v);
    ok(st != TRUENO_OK && !memcmp(now_v, prev, sizeof prev), "a division by zero fails and the output keeps its values: %s",
       trueno_last_error());
    trueno_plan_free(plan);
    const trueno_tensor *f64_in[1] = {ti};
    ok(trueno_plan_create(TRUENO_OP_ADD, f64_in, 1, NULL, &tq, 1, &plan) == TRUENO_INVALID_ARGUMENT,
       "plan_create checks as op_run does (add takes 2 inputs): %s", trueno_last_error());
    trueno_tensor *all[] = {a, b, a2, b2, sum, short_in, wide, strided, sentinel, ti, td, tq};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) trueno_tensor_free(all[i]);
    trueno_runtime_destroy(rt);

    /* ---- guard bytes catch a device writing outside its output ------------- */
    static char over_dir[PATH_MAX];
    if (argc > 2 && realpath(argv[2], over_dir)) {
        char log2_path[] = "/tmp/trueno-guard-log-XXXXXX";
        int fd2 = mkstemp(log2_path), keep = dup(2);
        dup2(fd2, 2);
        setenv("TRUENO_LOG", "error", 1);
        trueno_runtime_options o = {.struct_size = sizeof o, .plugin_path = over_dir, .num_threads = 2,
                                    .flags = TRUENO_RUNTIME_ONLY_PLUGIN_PATH | TRUENO_RUNTIME_GUARD_OUTPUTS};
        trueno_runtime *grt = NULL;
        trueno_runtime_create(&o, &grt);
        unsetenv("TRUENO_LOG");
        a = vec(grt, TRUENO_DTYPE_FLOAT32, 1000, x);
        const char *where = add_check(a, a, NULL);
        fflush(stderr);
        dup2(keep, 2);
        char glog[2048] = "";
        ssize_t got2 = pread(fd2, glog, sizeof glog - 1, 0);
        glog[got2 > 0 ? got2 : 0] = 0;
        close(fd2);
        unlink(log2_path);
        ok(!strcmp(where, "reference") && strstr(glog, "overwrite 'test device overwrite' wrote outside its output"),
           "with guard bytes, a plugin writing past its output is caught, logged, and the op re-runs correctly "
           "elsewhere (ran on %s)", where);
        trueno_tensor_free(a);
        trueno_runtime_destroy(grt);
    } else {
        ok(0, "the overwrite plugin directory was given");
    }
    return tap_done();
}
