/*
 * skeleton.c — the smallest useful Trueno backend: one CPU device in host
 * memory that runs float32 add. Copy it to start a plugin of your own;
 * docs/plugin-guide.md explains each part.
 *
 * It includes nothing from Trueno but <trueno_abi.h>, never links against
 * libtrueno-core, and exports one symbol: trueno_plugin_entry.
 */
#include <stdlib.h>
#include <string.h>

#include <trueno_abi.h>

typedef struct skeleton {
    const trueno_host *host;       /* the core's services: log, memory, threads */
    trueno_cost_model cost;
    trueno_device_props props;
    trueno_device device;
    const trueno_device *devices[1];
} skeleton;

static const trueno_device_props *sk_properties(void *dev)
{
    return &((skeleton *)dev)->props;
}

/* Say what we can run, and how long it would take: here a fixed launch
 * cost plus bytes over a bandwidth. Anything else is UNSUPPORTED. */
static trueno_status sk_estimate(void *dev, const trueno_op_desc *op, double *ns)
{
    skeleton *s = dev;
    if (op->op != TRUENO_OP_ADD || op->dtype != TRUENO_DTYPE_FLOAT32) return TRUENO_UNSUPPORTED;
    *ns = s->cost.launch_ns + trueno_op_bytes(op) / s->cost.bandwidth_gbs;
    return TRUENO_OK;
}

/* out = a + b. All three share one shape; strides are in elements and may
 * be 0 (broadcast) or negative, so walk them with an index odometer. */
static trueno_status sk_execute(void *dev, const trueno_op_desc *op)
{
    (void)dev;
    if (op->op != TRUENO_OP_ADD || op->dtype != TRUENO_DTYPE_FLOAT32) return TRUENO_UNSUPPORTED;
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    const float *pa = a->buffer, *pb = b->buffer;
    float *po = o->buffer;
    int64_t n = trueno_desc_numel(o), idx[TRUENO_MAX_RANK] = {0};
    int64_t ia = a->offset, ib = b->offset, io = o->offset;
    for (int64_t i = 0; i < n; i++) {
        po[io] = pa[ia] + pb[ib];
        for (int ax = (int)o->rank - 1; ax >= 0; ax--) {
            ia += a->strides[ax]; ib += b->strides[ax]; io += o->strides[ax];
            if (++idx[ax] < o->shape[ax]) break;
            ia -= a->strides[ax] * a->shape[ax];
            ib -= b->strides[ax] * b->shape[ax];
            io -= o->strides[ax] * o->shape[ax];
            idx[ax] = 0;
        }
    }
    return TRUENO_OK;
}

static void sk_destroy(void *dev) { (void)dev; /* freed in shutdown */ }

static const trueno_device_vtable sk_vtable = {
    .struct_size = sizeof(trueno_device_vtable),
    .get_properties = sk_properties,
    .estimate = sk_estimate,
    .execute = sk_execute, /* synchronous: synchronize stays NULL */
    .destroy = sk_destroy, /* HOST memory: the buffer functions stay NULL */
};

static trueno_status sk_probe(void *instance, uint32_t *n_devices,
                              const trueno_device *const **devices, const char **reason)
{
    skeleton *s = instance;
    (void)reason;
    s->host->log(s->host->ctx, TRUENO_LOG_INFO, "skeleton", "probing: one host CPU device");
    *n_devices = 1;
    *devices = s->devices;
    return TRUENO_OK;
}

static void sk_shutdown(void *instance)
{
    skeleton *s = instance;
    s->host->aligned_free(s->host->ctx, s);
}

static const trueno_plugin sk_plugin = {
    .struct_size = sizeof(trueno_plugin),
    .name = "skeleton",
    .version = "0.1.0",
    .probe = sk_probe,
    .get_proc = NULL, /* no extensions */
    .shutdown = sk_shutdown,
};

TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req,
                                                      trueno_abi_reply *rep);
TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req,
                                                      trueno_abi_reply *rep)
{
    /* We were written against ABI 1.0: accept any core that speaks it. */
    if (req->major != TRUENO_ABI_MAJOR || req->min_minor > 0) return TRUENO_INCOMPATIBLE;
    skeleton *s = req->host->aligned_alloc(req->host->ctx, 64, sizeof *s);
    if (!s) return TRUENO_OUT_OF_MEMORY;
    memset(s, 0, sizeof *s);
    s->host = req->host;
    s->cost.struct_size = sizeof s->cost;
    s->cost.launch_ns = 50;         /* nominal figures; a real plugin measures */
    s->cost.bandwidth_gbs = 20;
    s->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE] = 5;
    s->props.struct_size = sizeof s->props;
    s->props.kind = TRUENO_DEVICE_CPU;
    s->props.memory_kind = TRUENO_MEMORY_HOST;
    s->props.name = "skeleton CPU device";
    s->props.vendor = "Example Corp";
    s->props.features = "scalar";
    s->props.identity = "";
    s->props.cost = &s->cost;
    s->device.struct_size = sizeof s->device;
    s->device.impl = s;
    s->device.vtable = &sk_vtable;
    s->devices[0] = &s->device;
    rep->major = TRUENO_ABI_MAJOR;
    rep->minor = 0;
    rep->plugin = &sk_plugin;
    rep->instance = s;
    return TRUENO_OK;
}
