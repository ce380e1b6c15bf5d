/*
 * ref_backend.c — the built-in reference backend: one host-memory CPU
 * device that runs every op of TRUENO_OP_MAP with the kernels of
 * ref_*.c. It is a device like any plugin's (same vtable, same host
 * services), so the dispatcher treats it no differently, except that it
 * loses cost ties and can never be excluded.
 *
 * Cost model: launch latency, bandwidth and per-class throughput measured
 * once per machine and thread count by running its own kernels, cached in
 * the user's cache directory (see cost_cache.c).
 */
#include <string.h>
#include <time.h>

#include "../internal.h"
#include "ref_kernels.h"

/* The kernel that runs each op of TRUENO_OP_MAP, by family. */
static tn_ref_kernel kernel_for(uint32_t op)
{
    switch (op) {
    case TRUENO_OP_SUM: case TRUENO_OP_PROD: case TRUENO_OP_MEAN: case TRUENO_OP_VAR:
    case TRUENO_OP_STD: case TRUENO_OP_AMIN: case TRUENO_OP_AMAX: case TRUENO_OP_ARGMIN:
    case TRUENO_OP_ARGMAX: case TRUENO_OP_ALL: case TRUENO_OP_ANY: case TRUENO_OP_COUNT_NONZERO:
    case TRUENO_OP_LOGSUMEXP: case TRUENO_OP_NORM:
        return tn_ref_reduce;
    case TRUENO_OP_SOFTMAX: case TRUENO_OP_LOG_SOFTMAX: case TRUENO_OP_CUMSUM: case TRUENO_OP_CUMPROD:
        return tn_ref_along_axis;
    case TRUENO_OP_TOPK: case TRUENO_OP_SORT: case TRUENO_OP_ARGSORT:
        return tn_ref_sort;
    case TRUENO_OP_DOT: return tn_ref_dot;
    case TRUENO_OP_MATMUL: case TRUENO_OP_GEMM: return tn_ref_matmul;
    case TRUENO_OP_CDIST: return tn_ref_cdist;
    case TRUENO_OP_CAST: case TRUENO_OP_CONTIGUOUS: return tn_ref_copy;
    case TRUENO_OP_INDEX_SELECT: case TRUENO_OP_GATHER: case TRUENO_OP_SCATTER:
    case TRUENO_OP_MASKED_SELECT: case TRUENO_OP_NONZERO:
        return tn_ref_index;
    case TRUENO_OP_CONV2D: case TRUENO_OP_MAX_POOL2D: case TRUENO_OP_AVG_POOL2D:
    case TRUENO_OP_ADAPTIVE_AVG_POOL2D:
        return tn_ref_conv_pool;
    case TRUENO_OP_BATCH_NORM: case TRUENO_OP_LAYER_NORM: case TRUENO_OP_RMS_NORM:
    case TRUENO_OP_GROUP_NORM: case TRUENO_OP_COSINE_SIMILARITY:
        return tn_ref_norm;
    case TRUENO_OP_DROPOUT: return tn_ref_dropout;
    case TRUENO_OP_CROSS_ENTROPY: case TRUENO_OP_NLL_LOSS: case TRUENO_OP_MSE_LOSS:
    case TRUENO_OP_L1_LOSS: case TRUENO_OP_SMOOTH_L1_LOSS: case TRUENO_OP_BINARY_CROSS_ENTROPY:
    case TRUENO_OP_BINARY_CROSS_ENTROPY_WITH_LOGITS:
        return tn_ref_loss;
    default: {
        const trueno_op_info *info = tn_op_info(op);
        return info && info->op_class == TRUENO_OP_CLASS_ELEMENTWISE ? tn_ref_elementwise : NULL;
    }
    }
}

static tn_ref_kernel kernels[TRUENO_OP_COUNT_1_0];
static pthread_once_t kernels_once = PTHREAD_ONCE_INIT;

static void fill_kernels(void)
{
    for (uint32_t op = 1; op < TRUENO_OP_COUNT_1_0; op++) kernels[op] = tn_op_info(op) ? kernel_for(op) : NULL;
}

typedef struct ref_device {
    const trueno_host *host;
    trueno_device handle;
    trueno_device_props props;
    trueno_cost_model cost;
    char name[160];
} ref_device;

/* ---- validation shared by estimate and execute ------------------------- */

static bool desc_ok(const trueno_tensor_desc *t)
{
    return t && t->struct_size >= sizeof *t && tn_dtype_valid(t->dtype) &&
           t->rank <= TRUENO_MAX_RANK;
}

static bool op_ok(const trueno_op_desc *op)
{
    const trueno_op_info *info = tn_op_info(op->op);
    if (!info || !kernels[op->op] || op->n_inputs != info->n_inputs ||
        op->n_outputs != info->n_outputs || !tn_dtype_valid(op->dtype) ||
        !(info->dtypes & TRUENO_DTYPE_BIT(op->dtype)) || !op->params)
        return false;
    for (uint32_t i = 0; i < op->n_inputs; i++)
        if (!desc_ok(op->inputs[i])) return false;
    for (uint32_t i = 0; i < op->n_outputs; i++)
        if (!desc_ok(op->outputs[i])) return false;
    return true;
}

/* ---- device functions -------------------------------------------------- */

static const trueno_device_props *ref_props(void *dev) { return &((ref_device *)dev)->props; }

static double model_ns(const trueno_cost_model *c, const trueno_op_desc *op)
{
    const trueno_op_info *info = tn_op_info(op->op);
    double bytes_ns = trueno_op_bytes(op) / c->bandwidth_gbs;
    double flops = trueno_op_flops(op);
    double flops_ns = info->op_class == TRUENO_OP_CLASS_COPY ? 0 : flops / c->gflops[info->op_class];
    return c->launch_ns + (bytes_ns > flops_ns ? bytes_ns : flops_ns);
}

static trueno_status ref_estimate(void *dev, const trueno_op_desc *op, double *ns)
{
    if (!op_ok(op)) return TRUENO_UNSUPPORTED;
    *ns = model_ns(&((ref_device *)dev)->cost, op);
    return TRUENO_OK;
}

static trueno_status ref_execute(void *dev, const trueno_op_desc *op)
{
    ref_device *d = dev;
    if (!op_ok(op)) return TRUENO_UNSUPPORTED;
    return kernels[op->op](d->host, op);
}

static void ref_destroy(void *dev) { tn_free(dev); }

static const trueno_device_vtable ref_vtable = {
    .struct_size = sizeof(trueno_device_vtable),
    .get_properties = ref_props,
    .estimate = ref_estimate,
    .execute = ref_execute,
    .destroy = ref_destroy,
};

/* ---- calibration ------------------------------------------------------- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best of three runs of `op` on host buffers, in ns. */
static double time_op(ref_device *d, const trueno_op_desc *op)
{
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now_ns();
        kernels[op->op](d->host, op);
        double t = now_ns() - t0;
        if (t < best) best = t;
    }
    return best > 1 ? best : 1;
}

static void set_desc(trueno_tensor_desc *t, void *buf, uint32_t rank, int64_t d0, int64_t d1)
{
    memset(t, 0, sizeof *t);
    t->struct_size = sizeof *t;
    t->dtype = TRUENO_DTYPE_FLOAT32;
    t->rank = rank;
    t->buffer = buf;
    t->shape[0] = d0;
    t->shape[1] = d1;
    t->strides[0] = rank == 2 ? d1 : 1;
    t->strides[1] = 1;
}

/* Runs add and sum on 2^18 float32 elements, matmul at 96^3 and add on
 * one element, and derives the model's figures. About 10 ms. */
static bool calibrate(ref_device *d)
{
    enum { N = 1 << 18, M = 96 };
    float *buf = d->host->aligned_alloc(d->host->ctx, 64, 3 * N * sizeof(float));
    if (!buf) return false;
    for (int i = 0; i < 3 * N; i++) buf[i] = (float)(i % 97) * 0.25f;
    trueno_tensor_desc a, b, o;
    const trueno_tensor_desc *in[2] = {&a, &b}, *out[1] = {&o};
    trueno_op_params params;
    memset(&params, 0, sizeof params);
    params.struct_size = sizeof params;
    trueno_op_desc op = {sizeof op, TRUENO_OP_ADD, TRUENO_DTYPE_FLOAT32, 2, 1, 0, in, out, &params};

    set_desc(&a, buf, 1, 1, 0); set_desc(&b, buf + N, 1, 1, 0); set_desc(&o, buf + 2 * N, 1, 1, 0);
    double launch = time_op(d, &op);

    set_desc(&a, buf, 1, N, 0); set_desc(&b, buf + N, 1, N, 0); set_desc(&o, buf + 2 * N, 1, N, 0);
    double t_add = time_op(d, &op) - launch;
    d->cost.bandwidth_gbs = trueno_op_bytes(&op) / (t_add > 1 ? t_add : 1);
    d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE] = trueno_op_flops(&op) / (t_add > 1 ? t_add : 1);

    op.op = TRUENO_OP_SUM;
    op.n_inputs = 1;
    params.ints[0] = 1;
    set_desc(&o, buf + 2 * N, 1, 1, 0);
    double t_sum = time_op(d, &op) - launch;
    d->cost.gflops[TRUENO_OP_CLASS_REDUCTION] = trueno_op_flops(&op) / (t_sum > 1 ? t_sum : 1);

    op.op = TRUENO_OP_MATMUL;
    op.n_inputs = 2;
    params.ints[0] = 0;
    set_desc(&a, buf, 2, M, M); set_desc(&b, buf + N, 2, M, M); set_desc(&o, buf + 2 * N, 2, M, M);
    double t_mm = time_op(d, &op) - launch;
    d->cost.gflops[TRUENO_OP_CLASS_MATMUL] = trueno_op_flops(&op) / (t_mm > 1 ? t_mm : 1);
    d->cost.launch_ns = launch;
    d->host->aligned_free(d->host->ctx, buf);
    return true;
}

/* ---- creation ---------------------------------------------------------- */

trueno_status tn_reference_create(const trueno_host *host, void **instance,
                                  const trueno_device **device)
{
    pthread_once(&kernels_once, fill_kernels);
    for (uint32_t op = 1; op < TRUENO_OP_COUNT_1_0; op++)
        TN_ASSERT((!tn_op_info(op) || kernels[op]) && "every op of TRUENO_OP_MAP needs a reference kernel");
    ref_device *d = tn_calloc(1, sizeof *d);
    if (!d) return TRUENO_OUT_OF_MEMORY;
    d->host = host;
    d->handle.struct_size = sizeof d->handle;
    d->handle.impl = d;
    d->handle.vtable = &ref_vtable;
    uint32_t threads = host->num_threads(host->ctx);
    snprintf(d->name, sizeof d->name, "Trueno reference (portable C, %u thread%s)", threads,
             threads == 1 ? "" : "s");
    d->props.struct_size = sizeof d->props;
    d->props.kind = TRUENO_DEVICE_CPU;
    d->props.memory_kind = TRUENO_MEMORY_HOST;
    d->props.name = d->name;
    d->props.vendor = "";
    d->props.features = "portable-c float64-accumulation pairwise-sum";
    d->props.identity = "";
    d->props.memory_bytes = 0;
    d->props.cost = &d->cost;
    d->cost.struct_size = sizeof d->cost;

    /* launch, bandwidth and the three measured classes (COPY has none) */
    char key[64];
    snprintf(key, sizeof key, "reference-v1-threads%u", threads);
    double figures[5];
    if (tn_cost_cache_load(key, figures, 5)) {
        d->cost.calibrated = 1;
    } else if (calibrate(d)) {
        d->cost.calibrated = 1;
        figures[0] = d->cost.launch_ns;
        figures[1] = d->cost.bandwidth_gbs;
        memcpy(figures + 2, d->cost.gflops, 3 * sizeof(double));
        tn_cost_cache_save(key, figures, 5);
    }
    if (d->cost.calibrated) {
        d->cost.launch_ns = figures[0];
        d->cost.bandwidth_gbs = figures[1];
        memcpy(d->cost.gflops, figures + 2, 3 * sizeof(double));
    }
    if (!d->cost.calibrated) { /* nominal figures of a slow scalar loop */
        d->cost.launch_ns = 1000;
        d->cost.bandwidth_gbs = 1;
        d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE] = 0.1;
        d->cost.gflops[TRUENO_OP_CLASS_REDUCTION] = 0.1;
        d->cost.gflops[TRUENO_OP_CLASS_MATMUL] = 0.5;
    }
    if (d->cost.gflops[TRUENO_OP_CLASS_COPY] <= 0) d->cost.gflops[TRUENO_OP_CLASS_COPY] = 1;
    *instance = d;
    *device = &d->handle;
    return TRUENO_OK;
}

void tn_reference_destroy(void *instance)
{
    (void)instance; /* the device's destroy() freed it */
}
