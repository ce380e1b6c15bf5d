/*
 * testplugin.c — one source, many test plugins. Compiled once per case with
 * -DTP_MODE=<mode> -DTP_NAME="<name>"; each build is a real .so that the
 * loader tests open.
 *
 *   TP_GOOD        host-memory CPU device; add and multiply (float32) with
 *                  an estimate of 1 ns, so it wins every op it accepts
 *   TP_FAKEGPU     DEVICE-memory "GPU" whose buffers are host memory behind
 *                  its own alloc/read/write; fast compute, costly transfers
 *                  (1 ms + 10 MB/s), so it wins only when data is resident;
 *                  "pinned" host memory (ABI 1.1's host_alloc) from malloc
 *   TP_NEWERMINOR  a plugin built for a newer ABI minor: every struct it
 *                  hands over is larger than ABI 1.0's; picks 1.0
 *   TP_ABIMAJOR    speaks only ABI 2.x: answers INCOMPATIBLE
 *   TP_TOOSMALL    trueno_plugin.struct_size smaller than ABI 1.0's
 *   TP_NULLFN      a device whose vtable lacks execute()
 *   TP_NODEVICE    probe finds no device, with a reason
 *   TP_PROBEFAIL   probe fails with DEVICE_ERROR and a reason
 *   TP_NOENTRY     exports no entry symbol at all
 *   TP_OVERWRITE   like TP_GOOD, but writes one element past the end of its
 *                  output (only ever loaded with guard bytes around outputs)
 *   TP_CRASH       dies with SIGSEGV in probe (trueno-info --isolate's case)
 *
 * Failure injection for the dispatcher tests: when the environment has
 * TRUENO_TEST_FAIL=<name>:<nomem|lost|error>, execute() fails that way.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "trueno_abi.h"

#define TP_GOOD 0
#define TP_FAKEGPU 1
#define TP_NEWERMINOR 2
#define TP_ABIMAJOR 3
#define TP_TOOSMALL 4
#define TP_NULLFN 5
#define TP_NODEVICE 6
#define TP_PROBEFAIL 7
#define TP_NOENTRY 8
#define TP_OVERWRITE 9
#define TP_CRASH 10

#ifndef TP_MODE
#error "define TP_MODE"
#endif
#ifndef TP_NAME
#error "define TP_NAME"
#endif

#if TP_MODE == TP_NOENTRY
/* A shared object with code but no Trueno entry point. */
__attribute__((visibility("default"))) int tp_not_a_plugin(void);
int tp_not_a_plugin(void) { return 42; }
#else

/* A newer minor: the same structs with a field appended, as a newer header
 * would give them. The core must read only the 1.0 part. */
typedef struct { trueno_plugin base; void *future; } tp_plugin_struct;
typedef struct { trueno_device_vtable base; void *future; } tp_vtable_struct;
typedef struct { trueno_device_props base; uint64_t future; } tp_props_struct;
typedef struct { trueno_cost_model base; double future; } tp_cost_struct;
typedef struct { trueno_device base; void *future; } tp_device_struct;
#if TP_MODE == TP_NEWERMINOR
#define TP_GROWN(type, base_type) sizeof(type)
#else
#define TP_GROWN(type, base_type) sizeof(base_type)
#endif

typedef struct tp_instance {
    const trueno_host *host;
    tp_device_struct device;
    const trueno_device *list[1];
    tp_props_struct props;
    tp_cost_struct cost;
} tp_instance;

static int failure_mode(tp_instance *t)
{
    const char *f = t->host->secure_getenv(t->host->ctx, "TRUENO_TEST_FAIL");
    size_t n = strlen(TP_NAME);
    if (!f || strncmp(f, TP_NAME, n) || f[n] != ':') return TRUENO_OK;
    f += n + 1;
    if (!strcmp(f, "nomem")) return TRUENO_DEVICE_OUT_OF_MEMORY;
    if (!strcmp(f, "lost")) return TRUENO_DEVICE_LOST;
    if (!strcmp(f, "error")) return TRUENO_DEVICE_ERROR;
    return TRUENO_OK;
}

static const trueno_device_props *tp_props(void *dev) { return &((tp_instance *)dev)->props.base; }

static int accepts(const trueno_op_desc *op)
{
    return (op->op == TRUENO_OP_ADD || op->op == TRUENO_OP_MULTIPLY) &&
           op->dtype == TRUENO_DTYPE_FLOAT32 && op->n_inputs == 2 && op->n_outputs == 1;
}

static trueno_status tp_estimate(void *dev, const trueno_op_desc *op, double *ns)
{
    (void)dev;
    if (!accepts(op)) return TRUENO_UNSUPPORTED;
    *ns = 1 + trueno_op_bytes(op) / 1000.0; /* 1 ns + 1 TB/s: always fast */
    return TRUENO_OK;
}

/* float32 add/multiply over any strides (the core passes broadcast views). */
__attribute__((unused)) static trueno_status tp_execute(void *dev, const trueno_op_desc *op)
{
    tp_instance *t = dev;
    int fail = failure_mode(t);
    if (fail != TRUENO_OK) return (trueno_status)fail;
    if (!accepts(op)) return TRUENO_UNSUPPORTED;
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    int64_t n = trueno_desc_numel(o), idx[TRUENO_MAX_RANK] = {0};
    const float *pa = a->buffer, *pb = b->buffer;
    float *po = o->buffer;
    for (int64_t i = 0; i < n; i++) {
        int64_t oa = a->offset, ob = b->offset, oo = o->offset;
        for (uint32_t ax = 0; ax < o->rank; ax++) {
            oa += idx[ax] * a->strides[ax];
            ob += idx[ax] * b->strides[ax];
            oo += idx[ax] * o->strides[ax];
        }
        po[oo] = op->op == TRUENO_OP_ADD ? pa[oa] + pb[ob] : pa[oa] * pb[ob];
        for (int ax = (int)o->rank - 1; ax >= 0; ax--) {
            if (++idx[ax] < o->shape[ax]) break;
            idx[ax] = 0;
        }
    }
#if TP_MODE == TP_OVERWRITE
    po[o->offset + n] = -1; /* the bug: one past a contiguous output */
#endif
    return TRUENO_OK;
}

static void tp_destroy(void *dev) { (void)dev; /* lives inside the instance */ }

#if TP_MODE == TP_FAKEGPU
static trueno_status tp_alloc(void *dev, size_t bytes, void **buffer)
{
    tp_instance *t = dev;
    *buffer = t->host->aligned_alloc(t->host->ctx, 64, bytes);
    return *buffer ? TRUENO_OK : TRUENO_DEVICE_OUT_OF_MEMORY;
}
static void tp_free(void *dev, void *buffer)
{
    tp_instance *t = dev;
    t->host->aligned_free(t->host->ctx, buffer);
}
static trueno_status tp_write(void *dev, void *buffer, size_t offset, const void *src, size_t bytes)
{
    (void)dev;
    memcpy((char *)buffer + offset, src, bytes);
    return TRUENO_OK;
}
static trueno_status tp_read(void *dev, void *buffer, size_t offset, void *dst, size_t bytes)
{
    (void)dev;
    memcpy(dst, (char *)buffer + offset, bytes);
    return TRUENO_OK;
}
static trueno_status tp_copy(void *dev, void *dst, size_t dst_off, void *src, size_t src_off, size_t bytes)
{
    (void)dev;
    memcpy((char *)dst + dst_off, (char *)src + src_off, bytes);
    return TRUENO_OK;
}
static trueno_status tp_host_alloc(void *dev, size_t bytes, void **ptr)
{
    tp_instance *t = dev;
    *ptr = t->host->aligned_alloc(t->host->ctx, 64, bytes);
    return *ptr ? TRUENO_OK : TRUENO_OUT_OF_MEMORY;
}
static void tp_host_free(void *dev, void *ptr)
{
    tp_instance *t = dev;
    t->host->aligned_free(t->host->ctx, ptr);
}
#endif

static const tp_vtable_struct tp_vtable = {
    .base = {
        .struct_size = TP_GROWN(tp_vtable_struct, trueno_device_vtable),
        .get_properties = tp_props,
        .estimate = tp_estimate,
#if TP_MODE != TP_NULLFN
        .execute = tp_execute,
#endif
        .destroy = tp_destroy,
#if TP_MODE == TP_FAKEGPU
        .buffer_alloc = tp_alloc, .buffer_free = tp_free, .buffer_write = tp_write,
        .buffer_read = tp_read, .buffer_copy = tp_copy, .host_alloc = tp_host_alloc, .host_free = tp_host_free,
#endif
    },
};

static trueno_status tp_probe(void *instance, uint32_t *n, const trueno_device *const **devices,
                              const char **reason)
{
    tp_instance *t = instance;
#if TP_MODE == TP_CRASH
    (void)t; (void)n; (void)devices; (void)reason;
    raise(SIGSEGV); /* a broken driver */
    return TRUENO_OK;
#elif TP_MODE == TP_NODEVICE
    (void)t; (void)devices;
    *n = 0;
    *reason = "no test hardware attached";
    return TRUENO_OK;
#elif TP_MODE == TP_PROBEFAIL
    (void)t; (void)n; (void)devices;
    *reason = "the test device did not answer";
    return TRUENO_DEVICE_ERROR;
#else
    (void)reason;
    *n = 1;
    *devices = t->list;
    return TRUENO_OK;
#endif
}

static void *tp_get_proc(void *instance, const char *name)
{
    (void)instance; (void)name;
    return NULL;
}

static void tp_shutdown(void *instance)
{
    tp_instance *t = instance;
    t->host->aligned_free(t->host->ctx, t);
}

static const tp_plugin_struct tp_plugin = {
    .base = {
#if TP_MODE == TP_TOOSMALL
        .struct_size = 8,
#else
        .struct_size = TP_GROWN(tp_plugin_struct, trueno_plugin),
#endif
        .name = TP_NAME,
        .version = "test-1",
        .probe = tp_probe,
        .get_proc = tp_get_proc,
        .shutdown = tp_shutdown,
    },
};

TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req,
                                                      trueno_abi_reply *rep);
TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req,
                                                      trueno_abi_reply *rep)
{
#if TP_MODE == TP_ABIMAJOR
    if (req->major != 2) return TRUENO_INCOMPATIBLE;
#endif
    if (req->major != TRUENO_ABI_MAJOR) return TRUENO_INCOMPATIBLE;
    const trueno_host *host = req->host;
    tp_instance *t = host->aligned_alloc(host->ctx, 64, sizeof *t);
    if (!t) return TRUENO_OUT_OF_MEMORY;
    memset(t, 0, sizeof *t);
    t->host = host;
    t->cost.base.struct_size = TP_GROWN(tp_cost_struct, trueno_cost_model);
    t->cost.base.launch_ns = 1;
    t->cost.base.bandwidth_gbs = 1000;
    for (int k = 0; k < TRUENO_OP_CLASS_COUNT_1_0; k++) t->cost.base.gflops[k] = 1000;
    t->props.base.struct_size = TP_GROWN(tp_props_struct, trueno_device_props);
    t->props.base.kind = TP_MODE == TP_FAKEGPU ? TRUENO_DEVICE_GPU : TRUENO_DEVICE_CPU;
    t->props.base.memory_kind = TP_MODE == TP_FAKEGPU ? TRUENO_MEMORY_DEVICE : TRUENO_MEMORY_HOST;
    t->props.base.name = "test device " TP_NAME;
    t->props.base.vendor = "Trueno tests";
    t->props.base.features = "test";
    t->props.base.identity = "";
    t->props.base.memory_bytes = 1u << 30;
    t->props.base.cost = &t->cost.base;
    if (TP_MODE == TP_FAKEGPU) {
        t->cost.base.transfer_latency_ns = 1e6; /* 1 ms + 10 MB/s: moving data */
        t->cost.base.transfer_gbs = 0.01;        /* always costs more than computing */
    }
    t->device.base.struct_size = TP_GROWN(tp_device_struct, trueno_device);
    t->device.base.impl = t;
    t->device.base.vtable = &tp_vtable.base;
    t->list[0] = &t->device.base;
    /* A plugin for a newer minor picks the highest minor both speak. */
    uint32_t mine = TP_MODE == TP_NEWERMINOR ? TRUENO_ABI_MINOR + 1 : TRUENO_ABI_MINOR;
    rep->major = TRUENO_ABI_MAJOR;
    rep->minor = mine < req->max_minor ? mine : req->max_minor;
    rep->plugin = &tp_plugin.base;
    rep->instance = t;
    return TRUENO_OK;
}
#endif
