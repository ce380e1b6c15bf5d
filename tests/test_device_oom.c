/*
 * test_device_oom.c — running a GPU out of memory for real. Results of
 * exp(x) on a 1 GiB tensor x held by a GPU device are kept, one new
 * 1 GiB output each, until the device cannot allocate another: that op
 * must still succeed (the dispatcher re-runs it on another device, as
 * trueno_op_run promises for TRUENO_DEVICE_OUT_OF_MEMORY), agree with
 * exp(x), and every output made before must still read back intact.
 *
 * Only on a device of kind GPU (the device machine's H200): on a CPU
 * Vulkan implementation (lavapipe) device memory is host memory, and
 * filling it would fill the machine; there the test skips.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

#include "tap.h"

#define GIB_FLOATS ((int64_t)1 << 28)
#define MAX_OUTPUTS 512 /* 512 GiB: past any device lent here */

/* element i of x: small values, so exp(x) is well inside float32 */
static float x_at(int64_t i) { return (float)(i % 1000) * 0.001f - 0.5f; }

/* whether t (1 GiB) holds exp(x) at a spread of indices, within 4 ULP */
static int holds_exp(const trueno_tensor *t, float *buf)
{
    if (trueno_tensor_read(t, buf, (size_t)GIB_FLOATS * sizeof *buf) != TRUENO_OK) return 0;
    for (int64_t i = 0; i < GIB_FLOATS; i += 9973) {
        float want = expf(x_at(i));
        if (!(fabsf(buf[i] - want) <= 4 * 1.2e-7f * want)) return 0;
    }
    return 1;
}

int main(void)
{
    trueno_runtime *rt = NULL;
    if (trueno_runtime_create(NULL, &rt) != TRUENO_OK) {
        printf("Bail out! %s\n", trueno_last_error());
        return 1;
    }
    const char *gpu = NULL;
    for (size_t i = 0; i < trueno_runtime_device_count(rt) && !gpu; i++) {
        trueno_device_info info = {.struct_size = sizeof info};
        if (trueno_runtime_device(rt, i, &info) == TRUENO_OK && info.props->kind == TRUENO_DEVICE_GPU) {
            gpu = info.plugin;
            diag("filling %s: %s (%.1f GiB)", info.plugin, info.props->name,
                 (double)info.props->memory_bytes / (1u << 30));
        }
    }
    if (!gpu) {
        printf("ok 1 - # SKIP no device of kind GPU (a CPU implementation's memory is the machine's)\n");
        trueno_runtime_destroy(rt);
        printf("1..1\n");
        return 0;
    }
    int64_t n = GIB_FLOATS;
    float *buf = malloc((size_t)n * sizeof *buf);
    trueno_tensor *h = NULL, *x = NULL, *out[MAX_OUTPUTS] = {NULL};
    if (!buf || trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 1, &n, &x) != TRUENO_OK) {
        printf("Bail out! no host memory for the operands\n");
        return 1;
    }
    /* x copied by the GPU, so that it lives there only */
    for (int64_t i = 0; i < n; i++) buf[i] = x_at(i);
    int made = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, &n, buf, &h) == TRUENO_OK &&
               trueno_runtime_force_backend(rt, gpu) == TRUENO_OK &&
               trueno_op_run(TRUENO_OP_CONTIGUOUS, (const trueno_tensor *const *)&h, 1, NULL, &x, 1) == TRUENO_OK;
    trueno_runtime_force_backend(rt, NULL);
    trueno_tensor_free(h);
    ok(made && !strcmp(trueno_last_backend(), gpu), "x made on %s", gpu);

    int on_gpu = 0, fell_back = -1;
    char where[64] = "";
    trueno_status s = TRUENO_OK;
    for (int k = 0; k < MAX_OUTPUTS && fell_back < 0 && s == TRUENO_OK; k++) {
        s = trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 1, &n, &out[k]);
        if (s != TRUENO_OK) break;
        s = trueno_op_run(TRUENO_OP_EXP, (const trueno_tensor *const *)&x, 1, NULL, &out[k], 1);
        snprintf(where, sizeof where, "%s", trueno_last_backend());
        if (s == TRUENO_OK && !strcmp(where, gpu)) on_gpu++;
        else if (s == TRUENO_OK) fell_back = k;
        if (s == TRUENO_OK) s = trueno_runtime_synchronize(rt);
    }
    ok(s == TRUENO_OK, "every exp(x) succeeded (%s)", s == TRUENO_OK ? "ok" : trueno_last_error());
    ok(on_gpu > 0 && fell_back == on_gpu, "%d GiB of outputs on %s, then output %d ran on %s", on_gpu, gpu,
       fell_back, fell_back >= 0 ? where : "(none)");
    ok(fell_back >= 0 && holds_exp(out[fell_back], buf), "the output computed after the device was full is exp(x)");
    ok(on_gpu > 0 && holds_exp(out[0], buf) && holds_exp(out[on_gpu - 1], buf),
       "the first and the last output the device made read back intact");
    /* the device can be used again once memory is freed */
    for (int k = 0; k < MAX_OUTPUTS; k++) trueno_tensor_free(out[k]);
    trueno_tensor *again = NULL;
    s = trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 1, &n, &again);
    if (s == TRUENO_OK) s = trueno_op_run(TRUENO_OP_EXP, (const trueno_tensor *const *)&x, 1, NULL, &again, 1);
    ok(s == TRUENO_OK && !strcmp(trueno_last_backend(), gpu) && holds_exp(again, buf),
       "with the outputs freed, exp(x) runs on %s again (ran on %s)", gpu, trueno_last_backend());
    trueno_tensor_free(again);
    trueno_tensor_free(x);
    free(buf);
    trueno_runtime_destroy(rt);
    return tap_done();
}
