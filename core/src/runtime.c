/*
 * runtime.c — a runtime's life: options, the device table, introspection
 * for trueno-info.
 */
#include <string.h>
#include <unistd.h>

#include "internal.h"

void tn_runtime_lock(trueno_runtime *rt) { pthread_mutex_lock(&rt->lock); }
void tn_runtime_unlock(trueno_runtime *rt) { pthread_mutex_unlock(&rt->lock); }

/* ---- devices ----------------------------------------------------------- */

bool tn_runtime_add_device(trueno_runtime *rt, int plugin_index, const char *plugin_name,
                           const trueno_device *dev)
{
    if (rt->n_devices == TN_MAX_DEVICES) return false;
    tn_device *d = &rt->devices[rt->n_devices];
    memset(d, 0, sizeof *d);
    d->handle.struct_size = sizeof d->handle;
    d->handle.impl = dev->impl;
    d->handle.vtable = dev->vtable;
    d->props = dev->vtable->get_properties(dev->impl);
    d->plugin_index = plugin_index;
    d->plugin_name = plugin_name;
    d->index = (uint32_t)rt->n_devices;
    d->host_memory = d->props->memory_kind == TRUENO_MEMORY_HOST;
    rt->n_devices++;
    return true;
}

static uint32_t threads_from_env(const trueno_runtime_options *o)
{
    if (o && o->num_threads) return o->num_threads;
    const char *env = secure_getenv("TRUENO_NUM_THREADS");
    if (env && *env) {
        char *end;
        long n = strtol(env, &end, 10);
        if (*end == 0 && n >= 1 && n <= 1024) return (uint32_t)n;
        tn_log(TRUENO_LOG_WARN, "core", "TRUENO_NUM_THREADS='%s' is not a count in 1..1024; "
               "using the number of CPUs", env);
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (uint32_t)cpus : 1;
}

trueno_status trueno_runtime_create(const trueno_runtime_options *options,
                                    trueno_runtime **out)
{
    if (!out) return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_runtime_create: out is NULL");
    if (options && options->struct_size < offsetof(trueno_runtime_options, reserved0))
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "trueno_runtime_create: options.struct_size %u is too small "
                        "(set it to sizeof(trueno_runtime_options))",
                        options->struct_size);
    tn_log_configure();

    trueno_runtime *rt = tn_calloc(1, sizeof *rt);
    if (!rt) return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory creating a runtime");
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rt->lock, &attr);
    pthread_mutexattr_destroy(&attr);

    rt->guard_outputs = options && (options->flags & TRUENO_RUNTIME_GUARD_OUTPUTS);
    rt->pool = tn_pool_create(threads_from_env(options));
    rt->reference_host = tn_host_create(rt, TN_REFERENCE_NAME);
    if (!rt->pool || !rt->reference_host) {
        trueno_runtime_destroy(rt);
        return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory creating the thread pool");
    }

    /* The reference backend comes first in the device table; it loses
     * cost ties to plugins (see dispatch.c), never disappears, and is what
     * an op falls back to when every plugin fails. */
    const trueno_device *ref;
    trueno_status s = tn_reference_create(tn_host_table(rt->reference_host), &rt->reference_instance, &ref);
    if (s != TRUENO_OK) {
        trueno_runtime_destroy(rt);
        return tn_error(s, "creating the reference backend failed: %s", trueno_status_string(s));
    }
    tn_runtime_add_device(rt, -1, TN_REFERENCE_NAME, ref);

    if ((s = tn_loader_load(rt, options)) != TRUENO_OK) {
        trueno_runtime_destroy(rt);
        return s;
    }

    const char *force = options && options->force_backend ? options->force_backend
                                                          : secure_getenv("TRUENO_FORCE_BACKEND");
    if (force && *force && !(rt->force_backend = tn_strdup(force))) {
        trueno_runtime_destroy(rt);
        return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory creating a runtime");
    }
    *out = rt;
    return TRUENO_OK;
}

/* ---- pinned host memory ------------------------------------------------ */

typedef struct tn_host_block {
    void *ptr;
    int device;                    /* its index in rt->devices, or -1: tn_aligned_alloc */
    struct tn_host_block *next;
} tn_host_block;

trueno_status trueno_host_alloc(trueno_runtime *rt, size_t bytes, void **ptr, int *pinned)
{
    if (!rt || !ptr || bytes == 0)
        return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_host_alloc: %s",
                        bytes == 0 ? "0 bytes" : "NULL argument");
    tn_host_block *b = tn_malloc(sizeof *b);
    if (!b) return tn_error(TRUENO_OUT_OF_MEMORY, "trueno_host_alloc: out of host memory");
    b->ptr = NULL;
    b->device = -1;
    tn_runtime_lock(rt);
    for (size_t i = 0; i < rt->n_devices && !b->ptr; i++) {
        tn_device *d = &rt->devices[i];
        if (d->host_memory || d->lost || !TN_VTABLE_HAS(d->handle.vtable, host_alloc) ||
            !TN_VTABLE_HAS(d->handle.vtable, host_free))
            continue;
        trueno_status s = d->handle.vtable->host_alloc(d->handle.impl, bytes, &b->ptr);
        if (s == TRUENO_OK && b->ptr) b->device = (int)i;
        else {
            b->ptr = NULL;
            tn_log(TRUENO_LOG_INFO, "runtime", "%s '%s' gave no pinned memory for %zu bytes (%s): ordinary host memory",
                   d->plugin_name, d->props->name, bytes, trueno_status_string(s));
        }
    }
    if (!b->ptr) b->ptr = tn_aligned_alloc(TN_HOST_ALIGN, bytes);
    if (!b->ptr) {
        tn_runtime_unlock(rt);
        tn_free(b);
        return tn_error(TRUENO_OUT_OF_MEMORY, "trueno_host_alloc: out of host memory allocating %zu bytes", bytes);
    }
    b->next = rt->host_blocks;
    rt->host_blocks = b;
    tn_runtime_unlock(rt);
    *ptr = b->ptr;
    if (pinned) *pinned = b->device >= 0;
    return TRUENO_OK;
}

static void free_block(trueno_runtime *rt, tn_host_block *b)
{
    if (b->device >= 0) {
        tn_device *d = &rt->devices[b->device];
        d->handle.vtable->host_free(d->handle.impl, b->ptr);
    } else {
        tn_aligned_free(b->ptr);
    }
    tn_free(b);
}

void trueno_host_free(trueno_runtime *rt, void *ptr)
{
    if (!rt || !ptr) return;
    tn_runtime_lock(rt);
    tn_host_block **at = &rt->host_blocks;
    while (*at && (*at)->ptr != ptr) at = &(*at)->next;
    tn_host_block *b = *at;
    if (b) *at = b->next;
    tn_runtime_unlock(rt);
    if (b) free_block(rt, b);
    else tn_log(TRUENO_LOG_ERROR, "runtime", "trueno_host_free: %p did not come from trueno_host_alloc", ptr);
}

void trueno_runtime_destroy(trueno_runtime *rt)
{
    if (!rt) return;
    TN_ASSERT(__atomic_load_n(&rt->live_storages, __ATOMIC_RELAXED) == 0 &&
              "every tensor must be freed before its runtime");
    while (rt->host_blocks) { /* before the devices that gave them go */
        tn_host_block *b = rt->host_blocks;
        rt->host_blocks = b->next;
        free_block(rt, b);
    }
    tn_loader_unload(rt); /* plugin devices, instances, handles */
    if (rt->n_devices) {
        rt->devices[0].handle.vtable->destroy(rt->devices[0].handle.impl);
        rt->n_devices = 0;
    }
    if (rt->reference_instance) tn_reference_destroy(rt->reference_instance);
    tn_host_destroy(rt->reference_host);
    tn_pool_destroy(rt->pool);
    tn_free(rt->force_backend);
    pthread_mutex_destroy(&rt->lock);
    tn_free(rt);
}

trueno_status trueno_runtime_set_num_threads(trueno_runtime *rt, uint32_t n)
{
    if (!rt || n == 0 || n > 1024)
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "trueno_runtime_set_num_threads: %u is not a thread count in 1..1024", n);
    return tn_pool_set_threads(rt->pool, n);
}

uint32_t trueno_runtime_num_threads(const trueno_runtime *rt) { return tn_pool_threads(rt->pool); }

trueno_status trueno_runtime_force_backend(trueno_runtime *rt, const char *name)
{
    if (!rt) return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_runtime_force_backend: rt is NULL");
    char *copy = NULL;
    if (name) {
        bool found = false;
        for (size_t i = 0; i < rt->n_devices; i++)
            found |= !strcmp(rt->devices[i].plugin_name, name);
        if (!found)
            return tn_error(TRUENO_NOT_FOUND,
                            "trueno_runtime_force_backend: no loaded backend is named '%s' "
                            "(trueno-info lists them)", name);
        if (!(copy = tn_strdup(name)))
            return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory");
    }
    tn_runtime_lock(rt);
    tn_free(rt->force_backend);
    rt->force_backend = copy;
    tn_runtime_unlock(rt);
    return TRUENO_OK;
}

trueno_status trueno_runtime_synchronize(trueno_runtime *rt)
{
    if (!rt) return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_runtime_synchronize: rt is NULL");
    trueno_status first = TRUENO_OK;
    tn_runtime_lock(rt);
    for (size_t i = 0; i < rt->n_devices; i++) {
        tn_device *d = &rt->devices[i];
        if (d->lost || !d->handle.vtable->synchronize) continue;
        trueno_status s = d->handle.vtable->synchronize(d->handle.impl);
        if (s == TRUENO_DEVICE_LOST) d->lost = true;
        if (s != TRUENO_OK && first == TRUENO_OK)
            first = tn_error(s, "synchronize on device '%s' (%s) failed: %s", d->plugin_name, d->props->name,
                             trueno_status_string(s));
    }
    tn_runtime_unlock(rt);
    return first;
}

/* ---- introspection ----------------------------------------------------- */

size_t trueno_runtime_plugin_count(const trueno_runtime *rt) { return rt ? rt->n_plugins : 0; }

trueno_status trueno_runtime_plugin(const trueno_runtime *rt, size_t i, trueno_plugin_info *info)
{
    if (!rt || !info || info->struct_size < sizeof *info)
        return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_runtime_plugin: bad argument "
                        "(set info->struct_size = sizeof(trueno_plugin_info))");
    if (i >= rt->n_plugins)
        return tn_error(TRUENO_INDEX_OUT_OF_RANGE, "trueno_runtime_plugin: index %zu, "
                        "but only %zu candidate plugins", i, rt->n_plugins);
    const tn_plugin *p = &rt->plugins[i];
    info->status = p->status;
    info->reason = p->reason;
    info->abi_major = p->abi_major;
    info->abi_minor = p->abi_minor;
    info->n_devices = p->n_devices;
    info->file = p->file;
    info->name = p->name;
    info->version = p->version ? p->version : "";
    info->reason_text = p->reason_text ? p->reason_text : "";
    return TRUENO_OK;
}

size_t trueno_runtime_device_count(const trueno_runtime *rt) { return rt ? rt->n_devices : 0; }

trueno_status trueno_runtime_device(const trueno_runtime *rt, size_t i, trueno_device_info *info)
{
    if (!rt || !info || info->struct_size < sizeof *info)
        return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_runtime_device: bad argument "
                        "(set info->struct_size = sizeof(trueno_device_info))");
    if (i >= rt->n_devices)
        return tn_error(TRUENO_INDEX_OUT_OF_RANGE, "trueno_runtime_device: index %zu, "
                        "but only %zu devices", i, rt->n_devices);
    const tn_device *d = &rt->devices[i];
    tn_runtime_lock((trueno_runtime *)rt);
    info->lost = d->lost;
    tn_runtime_unlock((trueno_runtime *)rt);
    info->index = d->index;
    info->plugin = d->plugin_name;
    info->props = d->props;
    info->ops_run = __atomic_load_n(&d->ops_run, __ATOMIC_RELAXED);
    return TRUENO_OK;
}

const char *trueno_runtime_search_dir(const trueno_runtime *rt, size_t i)
{
    return rt && i < rt->n_search_dirs ? rt->search_dirs[i] : NULL;
}
