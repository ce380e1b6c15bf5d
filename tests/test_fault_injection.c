/*
 * test_fault_injection.c — every allocation of representative workloads
 * is made to fail in turn (trueno_testing_fail_allocation): runtime
 * creation with real plugins, each op family, .npy read/write, a
 * device-memory plugin with transfers, destroy. Each run must end in
 * TRUENO_OK (the failure was absorbed, e.g. by a fallback) or a clean
 * error status with a message; inputs must be unchanged; and nothing may
 * leak (LeakSanitizer checks at exit in the ASan build, and a runtime
 * asserts at destroy that every tensor was freed).
 *   argv[1]: the test plugin directory
 *   argv[2]: (optional) a directory of CPU plugins (cpu-x86): the op
 *            families run again there, so the plugins' own allocations
 *            (packing buffers, partial sums) fail too; the dispatcher
 *            re-runs the op on the reference and the result must stand
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trueno/trueno.h>
#include <trueno/trueno_testing.h>

#include "tap.h"

static char plugin_dir[PATH_MAX];
static trueno_tensor *x, *y, *imgs, *w, *labels, *idx;
static float x_data[6 * 8], y_data[8];
static char npy_path[] = "/tmp/trueno-fault-XXXXXX";

#define TRY(call) do { trueno_status s_ = (call); if (s_) { status = s_; goto done; } } while (0)

typedef trueno_status (*workload)(trueno_runtime *rt);

static trueno_status w_elementwise(trueno_runtime *rt)
{
    (void)rt;
    trueno_status status = TRUENO_OK;
    trueno_tensor *a = NULL, *b = NULL, *c = NULL, *i32 = NULL;
    TRY(trueno_add(x, y, &a));              /* broadcast */
    TRY(trueno_astype(x, TRUENO_DTYPE_INT32, &i32));
    TRY(trueno_multiply(i32, y, &b));       /* promotion: a cast first */
    TRY(trueno_gelu(x, 1, &c));
done:
    trueno_tensor_free(a); trueno_tensor_free(b); trueno_tensor_free(c); trueno_tensor_free(i32);
    return status;
}

static trueno_status w_reductions(trueno_runtime *rt)
{
    (void)rt;
    trueno_status status = TRUENO_OK;
    trueno_tensor *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL, *g = NULL;
    int ax[1] = {1};
    TRY(trueno_sum(x, ax, 1, 1, &a));
    TRY(trueno_var(x, NULL, 0, 1, 0, &b));
    TRY(trueno_argmax(x, 0, 0, &c));
    TRY(trueno_sort(x, 1, 1, &d));
    TRY(trueno_topk(x, 3, 1, 1, &e, &f));
    TRY(trueno_softmax(x, -1, &g));
done:
    trueno_tensor_free(a); trueno_tensor_free(b); trueno_tensor_free(c); trueno_tensor_free(d);
    trueno_tensor_free(e); trueno_tensor_free(f); trueno_tensor_free(g);
    return status;
}

static trueno_status w_linalg(trueno_runtime *rt)
{
    (void)rt;
    trueno_status status = TRUENO_OK;
    trueno_tensor *t = NULL, *a = NULL, *b = NULL, *c = NULL, *x3 = NULL;
    int64_t s3[3] = {2, 3, 8};
    TRY(trueno_transpose(x, 0, 1, &t));
    TRY(trueno_matmul(x, t, &a));
    TRY(trueno_gemm(0, 1, 2.0, x, x, 0.5, a, &b));
    TRY(trueno_reshape(x, 3, s3, &x3));
    TRY(trueno_matmul(x3, t, &c));          /* batched, broadcast */
done:
    trueno_tensor_free(t); trueno_tensor_free(a); trueno_tensor_free(b); trueno_tensor_free(c); trueno_tensor_free(x3);
    return status;
}

static trueno_status w_nn(trueno_runtime *rt)
{
    (void)rt;
    trueno_status status = TRUENO_OK;
    trueno_tensor *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    int64_t one[2] = {1, 1}, two[2] = {2, 2}, zero[2] = {0, 0};
    TRY(trueno_conv2d(imgs, w, NULL, one, one, one, 1, &a));
    TRY(trueno_max_pool2d(a, two, two, zero, one, 0, &b));
    TRY(trueno_layer_norm(x, 1, NULL, NULL, 1e-5, &c));
    TRY(trueno_cross_entropy(x, labels, TRUENO_REDUCTION_MEAN, -100, 0.1, &d));
done:
    trueno_tensor_free(a); trueno_tensor_free(b); trueno_tensor_free(c); trueno_tensor_free(d);
    return status;
}

static trueno_status w_join_index(trueno_runtime *rt)
{
    (void)rt;
    trueno_status status = TRUENO_OK;
    trueno_tensor *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *m = NULL;
    const trueno_tensor *parts[3] = {x, x, x};
    int64_t widths[4] = {1, 1, 2, 2};
    TRY(trueno_concatenate(parts, 3, 0, &a));
    TRY(trueno_pad(x, widths, 4, TRUENO_PAD_REFLECT, 0, &b));
    TRY(trueno_index_select(x, 1, idx, &c));
    TRY(trueno_greater(x, y, &m));
    TRY(trueno_masked_select(x, m, &d));
    TRY(trueno_nonzero(m, &e));
done:
    trueno_tensor_free(a); trueno_tensor_free(b); trueno_tensor_free(c); trueno_tensor_free(d);
    trueno_tensor_free(e); trueno_tensor_free(m);
    return status;
}

static trueno_status w_npy(trueno_runtime *rt)
{
    trueno_status status = TRUENO_OK;
    trueno_tensor *t = NULL, *back = NULL;
    TRY(trueno_transpose(x, 0, 1, &t));
    TRY(trueno_npy_save(t, npy_path));
    TRY(trueno_npy_load(rt, npy_path, &back));
done:
    trueno_tensor_free(t); trueno_tensor_free(back);
    return status;
}

/* On the DEVICE-memory test plugin: uploads, a resident chain, a read-back. */
static trueno_status w_device(trueno_runtime *rt)
{
    (void)rt;
    trueno_status status = TRUENO_OK;
    trueno_tensor *a = NULL, *b = NULL;
    float back[6 * 8];
    TRY(trueno_add(x, y, &a));
    TRY(trueno_multiply(a, a, &b));
    TRY(trueno_tensor_read(b, back, sizeof back));
done:
    trueno_tensor_free(a); trueno_tensor_free(b);
    return status;
}

/* Runs w with allocation n failing; checks the outcome. Returns the number
 * of problems found. */
static int run_once(workload wl, trueno_runtime *rt, long n, int *failed_cleanly)
{
    trueno_testing_fail_allocation(n);
    trueno_status s = wl(rt);
    trueno_testing_fail_allocation(0);
    int bad = 0;
    if (s != TRUENO_OK) {
        (*failed_cleanly)++;
        if (!*trueno_last_error()) { diag("allocation %ld: status %d with no message", n, s); bad++; }
    }
    float xb[6 * 8], yb[8];
    trueno_tensor_read(x, xb, sizeof xb);
    trueno_tensor_read(y, yb, sizeof yb);
    if (memcmp(xb, x_data, sizeof xb) || memcmp(yb, y_data, sizeof yb)) { diag("allocation %ld changed an input", n); bad++; }
    return bad;
}

static void walk(const char *name, workload wl, trueno_runtime *rt)
{
    trueno_testing_fail_allocation(0);
    trueno_status s = wl(rt);
    long total = trueno_testing_allocation_count();
    int bad = s != TRUENO_OK, failed = 0;
    for (long n = 1; n <= total; n++) bad += run_once(wl, rt, n, &failed);
    ok(bad == 0 && total > 0, "%s: each of its %ld allocations failed in turn: %d clean errors, %ld absorbed, "
       "no crash, inputs unchanged", name, total, failed, total - failed);
}

static trueno_status make_inputs(trueno_runtime *rt)
{
    for (int i = 0; i < 6 * 8; i++) x_data[i] = (float)((i * 37) % 23) / 4.0f - 2.5f;
    for (int i = 0; i < 8; i++) y_data[i] = (float)i - 3.5f;
    int64_t sx[2] = {6, 8}, sy[1] = {8}, si[4] = {1, 2, 6, 5}, sw[4] = {3, 2, 3, 3}, sl[1] = {6}, sidx[1] = {3};
    float img[60], wt[54];
    for (int i = 0; i < 60; i++) img[i] = (float)(i % 7) - 3;
    for (int i = 0; i < 54; i++) wt[i] = (float)(i % 5) - 2;
    int64_t lab[6] = {0, 7, 3, -100, 2, 1}, ix[3] = {7, 0, -1};
    trueno_status s;
    if ((s = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 2, sx, x_data, &x)) ||
        (s = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, sy, y_data, &y)) ||
        (s = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 4, si, img, &imgs)) ||
        (s = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 4, sw, wt, &w)) ||
        (s = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_INT64, 1, sl, lab, &labels)) ||
        (s = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_INT64, 1, sidx, ix, &idx)))
        return s;
    return TRUENO_OK;
}

static void free_inputs(void)
{
    trueno_tensor *all[] = {x, y, imgs, w, labels, idx};
    for (size_t i = 0; i < 6; i++) trueno_tensor_free(all[i]);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !realpath(argv[1], plugin_dir)) { printf("Bail out! usage: test_fault_injection PLUGIN_DIR\n"); return 1; }
    int fd = mkstemp(npy_path);
    if (fd >= 0) close(fd);

    /* 1. runtime creation with real plugins (working and broken), then destroy */
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_ONLY_PLUGIN_PATH,
                                .plugin_path = plugin_dir, .num_threads = 2};
    trueno_runtime *rt = NULL;
    trueno_testing_fail_allocation(0);
    trueno_status s = trueno_runtime_create(&o, &rt);
    long total = trueno_testing_allocation_count();
    trueno_runtime_destroy(rt);
    int bad = s != TRUENO_OK, failed = 0;
    for (long n = 1; n <= total; n++) {
        trueno_testing_fail_allocation(n);
        rt = NULL;
        s = trueno_runtime_create(&o, &rt);
        trueno_testing_fail_allocation(0);
        if (s != TRUENO_OK) {
            failed++;
            if (rt || !*trueno_last_error()) bad++;
        } else {
            /* a runtime that started anyway must still be usable */
            trueno_tensor *t = NULL, *u = NULL;
            float v[2] = {1, 2}, r[2] = {0};
            int64_t two = 2;
            if (trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, &two, v, &t) || trueno_add(t, t, &u) ||
                trueno_tensor_read(u, r, sizeof r) || r[1] != 4)
                bad++;
            trueno_tensor_free(t);
            trueno_tensor_free(u);
            trueno_runtime_destroy(rt);
        }
    }
    ok(bad == 0 && total > 0, "runtime create (with %s) + destroy: each of its %ld allocations failed in turn: "
       "%d clean errors, the rest started with a working runtime", plugin_dir, total, failed);

    /* 2. op families on the reference backend, and 3. through a device-memory plugin */
    trueno_runtime_options ref = {.struct_size = sizeof ref, .flags = TRUENO_RUNTIME_NO_PLUGINS, .num_threads = 2};
    trueno_runtime_options gpu = {.struct_size = sizeof gpu, .flags = TRUENO_RUNTIME_ONLY_PLUGIN_PATH,
                                  .plugin_path = plugin_dir, .backends = "fakegpu", .force_backend = "fakegpu",
                                  .num_threads = 2};
    char cpu_dir[PATH_MAX];
    trueno_runtime_options cpu = {.struct_size = sizeof cpu, .flags = TRUENO_RUNTIME_ONLY_PLUGIN_PATH,
                                  .plugin_path = cpu_dir, .num_threads = 2};
    const trueno_runtime_options *configs[3] = {&ref, &gpu, &cpu};
    int n_configs = argc > 2 && realpath(argv[2], cpu_dir) ? 3 : 2;
    for (int c = 0; c < n_configs; c++) {
        if (trueno_runtime_create(configs[c], &rt) != TRUENO_OK || make_inputs(rt) != TRUENO_OK) {
            printf("Bail out! %s\n", trueno_last_error());
            return 1;
        }
        if (c == 2) {
            walk("element-wise on the CPU plugins", w_elementwise, rt);
            walk("reductions on the CPU plugins", w_reductions, rt);
            walk("linear algebra on the CPU plugins", w_linalg, rt);
            walk("nn on the CPU plugins", w_nn, rt);
        } else if (c == 0) {
            walk("element-wise (broadcast, promotion, gelu)", w_elementwise, rt);
            walk("reductions (sum, var, argmax, sort, topk, softmax)", w_reductions, rt);
            walk("linear algebra (matmul, gemm, batched matmul)", w_linalg, rt);
            walk("nn (conv2d, max_pool2d, layer_norm, cross_entropy)", w_nn, rt);
            walk("join and index (concatenate, pad, index_select, masked_select, nonzero)", w_join_index, rt);
            walk(".npy save and load", w_npy, rt);
        } else {
            walk("add/multiply forced onto a DEVICE-memory plugin (uploads, resident chain, read-back)", w_device, rt);
        }
        free_inputs();
        trueno_runtime_destroy(rt);
    }
    unlink(npy_path);
    return tap_done();
}
