/*
 * tensor.c — storages and tensors.
 *
 * A storage is reference-counted bytes that may have a copy in host memory
 * and in each DEVICE-memory device. `*_valid` says which copies hold the
 * current bytes. A write on one device makes its copy the only valid one;
 * a host read synchronises and copies back first. A tensor is a view:
 * dtype, shape, strides (elements) and offset over a storage.
 *
 * Every function that touches a storage's copies runs under the runtime's
 * lock (the dispatcher holds it; tensor_read and release take it).
 */
#include <string.h>

#include "internal.h"

int64_t tn_numel(size_t rank, const int64_t *shape)
{
    uint64_t n = 1; /* unsigned, and 0 first: no overflow on shapes not yet checked */
    for (size_t i = 0; i < rank; i++)
        if (shape[i] == 0) return 0;
    for (size_t i = 0; i < rank; i++) n *= (uint64_t)shape[i];
    return (int64_t)n;
}

void tn_contiguous_strides(size_t rank, const int64_t *shape, int64_t *strides)
{
    uint64_t s = 1; /* unsigned: an empty tensor's strides may exceed int64 harmlessly */
    for (size_t i = rank; i-- > 0;) {
        strides[i] = (int64_t)s;
        s *= shape[i] > 0 ? (uint64_t)shape[i] : 1;
    }
}

/* ---- storages ---------------------------------------------------------- */

static tn_storage *storage_new(trueno_runtime *rt, size_t bytes)
{
    tn_storage *st = tn_calloc(1, sizeof *st);
    if (!st) return NULL;
    st->refcount = 1;
    st->rt = rt;
    st->bytes = bytes;
    st->pending_dev = -1;
    __atomic_fetch_add(&rt->live_storages, 1, __ATOMIC_RELAXED);
    return st;
}

static trueno_status sync_pending(tn_storage *st)
{
    if (st->pending_dev < 0) return TRUENO_OK;
    tn_device *d = &st->rt->devices[st->pending_dev];
    st->pending_dev = -1;
    if (!d->handle.vtable->synchronize) return TRUENO_OK;
    trueno_status s = d->handle.vtable->synchronize(d->handle.impl);
    if (s == TRUENO_DEVICE_LOST) d->lost = true;
    if (s != TRUENO_OK)
        return tn_error(s, "synchronize on device '%s' (%s) failed: %s",
                        d->props->name, d->plugin_name, trueno_status_string(s));
    return TRUENO_OK;
}

void tn_storage_release(tn_storage *st)
{
    if (!st || __atomic_sub_fetch(&st->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    trueno_runtime *rt = st->rt;
    tn_runtime_lock(rt);
    /* never free host memory a device may still write; a device buffer
     * goes back to its device, which keeps it while queued work uses it
     * (buffer_free's contract), so a chain of ops on a device does not
     * wait for every temporary it frees */
    if (st->pending_dev >= 0 && rt->devices[st->pending_dev].host_memory) sync_pending(st);
    for (size_t i = 0; i < rt->n_devices; i++) {
        if (st->dev_buf[i])
            rt->devices[i].handle.vtable->buffer_free(rt->devices[i].handle.impl,
                                                      st->dev_buf[i]);
    }
    if (st->host_owned) tn_aligned_free(st->host_base);
    if (st->release) st->release(st->release_ctx);
    tn_runtime_unlock(rt);
    __atomic_fetch_sub(&rt->live_storages, 1, __ATOMIC_RELAXED);
    tn_free(st);
}

bool tn_storage_valid_on(const tn_storage *st, const tn_device *d)
{
    return d->host_memory ? st->host_valid : st->dev_valid[d->index];
}


static double transfer_ns(const tn_device *d, size_t bytes)
{
    const trueno_cost_model *c = d->props->cost;
    double gbs = c->transfer_gbs > 0 ? c->transfer_gbs : 1.0;
    return c->transfer_latency_ns + (double)bytes / gbs; /* GB/s == bytes/ns */
}

/* The device holding the only valid copy when the host has none, or NULL. */
static const tn_device *holder(const tn_storage *st)
{
    for (size_t i = 0; i < st->rt->n_devices; i++)
        if (st->dev_valid[i]) return &st->rt->devices[i];
    return NULL;
}

double tn_storage_move_cost(const tn_storage *st, const tn_device *d)
{
    if (tn_storage_valid_on(st, d) || st->bytes == 0) return 0;
    double ns = 0;
    if (!st->host_valid) {
        const tn_device *from = holder(st);
        if (from) ns += transfer_ns(from, st->bytes);
    }
    if (!d->host_memory) ns += transfer_ns(d, st->bytes);
    return ns;
}

static trueno_status host_alloc(tn_storage *st)
{
    if (st->host) return TRUENO_OK;
    size_t g = st->rt->guard_outputs ? TN_GUARD_BYTES : 0;
    char *base = tn_aligned_alloc(TN_HOST_ALIGN, st->bytes + 2 * g);
    if (!base)
        return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory allocating %zu bytes",
                        st->bytes);
    memset(base, TN_GUARD_BYTE, g);
    memset(base + g + st->bytes, TN_GUARD_BYTE, g);
    st->host_base = base;
    st->host = base + g;
    st->host_owned = true;
    return TRUENO_OK;
}

/* Index of the first guard byte that is not the pattern, or -1. */
static long first_bad(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != TN_GUARD_BYTE) return (long)i;
    return -1;
}

trueno_status tn_storage_check_guards(tn_storage *st, const tn_device *d)
{
    const size_t g = TN_GUARD_BYTES;
    if (!st->rt->guard_outputs || st->bytes == 0) return TRUENO_OK;
    long before = -1, after = -1;
    if (d->host_memory) {
        if (!st->host_owned) return TRUENO_OK; /* borrowed memory has no guards */
        unsigned char *base = st->host_base, *end = base + g + st->bytes;
        before = first_bad(base, g);
        after = first_bad(end, g);
        memset(base, TN_GUARD_BYTE, g);
        memset(end, TN_GUARD_BYTE, g);
    } else {
        unsigned char tail[TN_GUARD_BYTES], pattern[TN_GUARD_BYTES];
        memset(pattern, TN_GUARD_BYTE, g);
        void *buf = st->dev_buf[d->index];
        if (d->handle.vtable->buffer_read(d->handle.impl, buf, st->bytes, tail, g) != TRUENO_OK) return TRUENO_OK;
        after = first_bad(tail, g);
        d->handle.vtable->buffer_write(d->handle.impl, buf, st->bytes, pattern, g);
    }
    if (before < 0 && after < 0) return TRUENO_OK;
    tn_log(TRUENO_LOG_ERROR, "dispatch", "%s '%s' wrote outside its output of %zu bytes (guard byte %ld %s "
           "the output was changed)", d->plugin_name, d->props->name, st->bytes,
           before >= 0 ? (long)g - before : after, before >= 0 ? "before" : "after");
    return tn_error(TRUENO_DEVICE_ERROR, "%s '%s' wrote outside its output of %zu bytes (guard bytes %s it)",
                    d->plugin_name, d->props->name, st->bytes, before >= 0 ? "before" : "after");
}

trueno_status tn_storage_ensure_host(tn_storage *st)
{
    trueno_status s = sync_pending(st);
    if (s != TRUENO_OK) return s;
    if (st->host_valid || st->bytes == 0) return TRUENO_OK;
    const tn_device *from = holder(st);
    if ((s = host_alloc(st)) != TRUENO_OK) return s;
    if (!from) { /* never written (trueno_tensor_empty): its bytes are whatever the host memory holds */
        st->host_valid = true;
        return TRUENO_OK;
    }
    s = from->handle.vtable->buffer_read(from->handle.impl, st->dev_buf[from->index],
                                         0, st->host, st->bytes);
    if (s == TRUENO_DEVICE_LOST) ((tn_device *)from)->lost = true;
    if (s != TRUENO_OK)
        return tn_error(s, "reading %zu bytes back from device '%s' (%s) failed: %s",
                        st->bytes, from->props->name, from->plugin_name,
                        trueno_status_string(s));
    st->host_valid = true;
    return TRUENO_OK;
}

static trueno_status dev_alloc(tn_storage *st, const tn_device *d)
{
    if (st->dev_buf[d->index] || st->bytes == 0) return TRUENO_OK;
    size_t g = st->rt->guard_outputs ? TN_GUARD_BYTES : 0;
    trueno_status s = d->handle.vtable->buffer_alloc(d->handle.impl, st->bytes + g, &st->dev_buf[d->index]);
    if (s == TRUENO_OK && g) {
        unsigned char pattern[TN_GUARD_BYTES];
        memset(pattern, TN_GUARD_BYTE, g);
        s = d->handle.vtable->buffer_write(d->handle.impl, st->dev_buf[d->index], st->bytes, pattern, g);
    }
    return s;
}

trueno_status tn_storage_ensure_on(tn_storage *st, const tn_device *d)
{
    if (st->pending_dev >= 0 && st->pending_dev != (int)d->index) {
        trueno_status s = sync_pending(st);
        if (s != TRUENO_OK) return s;
    }
    if (d->host_memory) return tn_storage_ensure_host(st);
    if (st->dev_valid[d->index] || st->bytes == 0) return TRUENO_OK;
    trueno_status s = tn_storage_ensure_host(st);
    if (s != TRUENO_OK) return s;
    if ((s = dev_alloc(st, d)) != TRUENO_OK) return s;
    s = d->handle.vtable->buffer_write(d->handle.impl, st->dev_buf[d->index], 0,
                                       st->host, st->bytes);
    if (s != TRUENO_OK) return s;
    st->dev_valid[d->index] = true;
    return TRUENO_OK;
}

trueno_status tn_storage_alloc_on(tn_storage *st, const tn_device *d)
{
    return d->host_memory ? host_alloc(st) : dev_alloc(st, d);
}

void tn_storage_mark_written(tn_storage *st, const tn_device *d)
{
    memset(st->dev_valid, 0, sizeof st->dev_valid);
    st->host_valid = d->host_memory;
    if (!d->host_memory) st->dev_valid[d->index] = true;
    st->pending_dev = d->handle.vtable->synchronize ? (int)d->index : -1;
}

/* ---- tensors ----------------------------------------------------------- */

static trueno_status check_shape(const char *fn, trueno_dtype dtype, size_t rank,
                                 const int64_t *shape)
{
    char buf[160];
    if (!tn_dtype_valid(dtype))
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: unknown dtype %d", fn, (int)dtype);
    if (rank > TRUENO_MAX_RANK)
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "%s: rank %zu is more than the %d axes Trueno supports", fn,
                        rank, TRUENO_MAX_RANK);
    if (rank && !shape)
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: shape is NULL for rank %zu", fn, rank);
    double total = 1;
    for (size_t i = 0; i < rank; i++) {
        if (shape[i] < 0)
            return tn_error(TRUENO_INVALID_ARGUMENT,
                            "%s: negative extent %lld on axis %zu of shape %s", fn,
                            (long long)shape[i], i, tn_shape_str(rank, shape, buf, sizeof buf));
        total *= (double)(shape[i] ? shape[i] : 1); /* strides must be addressable even when empty */
    }
    if (total * (double)trueno_dtype_size(dtype) > 9.0e18)
        return tn_error(TRUENO_INVALID_ARGUMENT, "%s: shape %s of %s is too large", fn,
                        tn_shape_str(rank, shape, buf, sizeof buf), trueno_dtype_name(dtype));
    return TRUENO_OK;
}

static trueno_status tensor_new(trueno_runtime *rt, tn_storage *st, trueno_dtype dtype,
                                size_t rank, const int64_t *shape,
                                const int64_t *strides, int64_t offset,
                                trueno_tensor **out)
{
    trueno_tensor *t = tn_calloc(1, sizeof *t);
    if (!t) return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory for a tensor");
    (void)rt;
    t->st = st;
    t->dtype = dtype;
    t->rank = (uint32_t)rank;
    if (rank) memcpy(t->shape, shape, rank * sizeof *shape);
    if (strides) memcpy(t->strides, strides, rank * sizeof *strides);
    else tn_contiguous_strides(rank, shape, t->strides);
    t->offset = offset;
    *out = t;
    return TRUENO_OK;
}

trueno_status tn_tensor_new_unallocated(trueno_runtime *rt, trueno_dtype dtype,
                                        size_t rank, const int64_t *shape,
                                        trueno_tensor **out)
{
    size_t bytes = (size_t)tn_numel(rank, shape) * trueno_dtype_size(dtype);
    tn_storage *st = storage_new(rt, bytes);
    if (!st) return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory for a tensor");
    trueno_status s = tensor_new(rt, st, dtype, rank, shape, NULL, 0, out);
    if (s != TRUENO_OK) tn_storage_release(st);
    return s;
}

trueno_status tn_tensor_view(const trueno_tensor *t, size_t rank, const int64_t *shape,
                             const int64_t *strides, int64_t offset, trueno_tensor **out)
{
    trueno_status s = tensor_new(t->st->rt, t->st, t->dtype, rank, shape, strides,
                                 offset, out);
    if (s == TRUENO_OK) __atomic_add_fetch(&t->st->refcount, 1, __ATOMIC_RELAXED);
    return s;
}

trueno_status trueno_tensor_empty(trueno_runtime *rt, trueno_dtype dtype, size_t rank,
                                  const int64_t *shape, trueno_tensor **out)
{
    if (!rt || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_tensor_empty: NULL argument");
    trueno_status s = check_shape("trueno_tensor_empty", dtype, rank, shape);
    if (s != TRUENO_OK) return s;
    trueno_tensor *t = NULL;
    if ((s = tn_tensor_new_unallocated(rt, dtype, rank, shape, &t)) != TRUENO_OK) return s;
    if ((s = host_alloc(t->st)) != TRUENO_OK) {
        trueno_tensor_free(t);
        return s;
    }
    /* no copy is valid yet: an op writing the whole tensor on a device
     * then has nothing to upload first (a read takes the host memory) */
    *out = t;
    return TRUENO_OK;
}

trueno_status tn_tensor_new_host(trueno_runtime *rt, trueno_dtype dtype, size_t rank, const int64_t *shape,
                                trueno_tensor **out)
{
    trueno_status s = trueno_tensor_empty(rt, dtype, rank, shape, out);
    if (s == TRUENO_OK) (*out)->st->host_valid = true;
    return s;
}

trueno_status trueno_tensor_from_buffer_copy(trueno_runtime *rt, trueno_dtype dtype,
                                             size_t rank, const int64_t *shape,
                                             const void *data, trueno_tensor **out)
{
    if (!rt || !out)
        return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_tensor_from_buffer_copy: NULL argument");
    trueno_status s = check_shape("trueno_tensor_from_buffer_copy", dtype, rank, shape);
    if (s != TRUENO_OK) return s;
    size_t bytes = (size_t)tn_numel(rank, shape) * trueno_dtype_size(dtype);
    if (bytes && !data)
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "trueno_tensor_from_buffer_copy: data is NULL for %zu bytes", bytes);
    trueno_tensor *t = NULL;
    if ((s = tn_tensor_new_host(rt, dtype, rank, shape, &t)) != TRUENO_OK) return s;
    if (bytes) memcpy(t->st->host, data, bytes);
    *out = t;
    return TRUENO_OK;
}

trueno_status trueno_tensor_from_buffer_borrow(trueno_runtime *rt, trueno_dtype dtype,
                                               size_t rank, const int64_t *shape,
                                               const int64_t *strides, void *data,
                                               trueno_tensor **out)
{
    if (!rt || !out)
        return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_tensor_from_buffer_borrow: NULL argument");
    trueno_status s = check_shape("trueno_tensor_from_buffer_borrow", dtype, rank, shape);
    if (s != TRUENO_OK) return s;
    int64_t numel = tn_numel(rank, shape);
    if (numel && !data)
        return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_tensor_from_buffer_borrow: data is NULL");
    /* The storage spans every element the strides can reach; `offset`
     * moves element [0,…,0] there when some strides are negative. */
    int64_t lo = 0, hi = 0, st_strides[TRUENO_MAX_RANK];
    if (strides) memcpy(st_strides, strides, rank * sizeof *strides);
    else tn_contiguous_strides(rank, shape, st_strides);
    for (size_t i = 0; i < rank && numel; i++) {
        int64_t span = (shape[i] - 1) * st_strides[i];
        if (span < 0) lo += span; else hi += span;
    }
    size_t esize = trueno_dtype_size(dtype);
    tn_storage *st = storage_new(rt, numel ? (size_t)(hi - lo + 1) * esize : 0);
    if (!st) return tn_error(TRUENO_OUT_OF_MEMORY, "out of host memory for a tensor");
    st->host = numel ? (char *)data + lo * (int64_t)esize : data;
    st->host_base = st->host;
    st->host_owned = false;
    st->host_valid = true;
    trueno_tensor *t = NULL;
    s = tensor_new(rt, st, dtype, rank, shape, st_strides, -lo, &t);
    if (s != TRUENO_OK) { tn_storage_release(st); return s; }
    *out = t;
    return TRUENO_OK;
}

void trueno_tensor_free(trueno_tensor *t)
{
    if (!t) return;
    tn_storage_release(t->st);
    tn_free(t);
}

/* Field by field, without a memset: the 160-byte memset compiled to `rep
 * stos`, whose start-up was a quarter of a 1K-element add's time. */
void tn_tensor_desc_fill(const trueno_tensor *t, void *buffer, trueno_tensor_desc *d)
{
    d->struct_size = sizeof *d;
    d->dtype = t->dtype;
    d->rank = t->rank;
    d->reserved0 = 0;
    d->buffer = buffer;
    d->offset = t->offset;
    for (uint32_t i = 0; i < TRUENO_MAX_RANK; i++) {
        d->shape[i] = i < t->rank ? t->shape[i] : 0;
        d->strides[i] = i < t->rank ? t->strides[i] : 0;
    }
}

/* Copies a strided view into dst in C order, element by element. */
/* Copies t's elements in C order: the trailing axes that are contiguous
 * form one run copied by memcpy (the whole tensor when it is contiguous),
 * the axes before them are walked. */
static void gather_c_order(const trueno_tensor *t, const char *base, char *dst)
{
    size_t es = trueno_dtype_size(t->dtype);
    int64_t numel = tn_numel(t->rank, t->shape), idx[TRUENO_MAX_RANK] = {0}, run = 1;
    int outer = (int)t->rank;
    while (outer > 0 && (t->shape[outer - 1] == 1 || t->strides[outer - 1] == run)) run *= t->shape[--outer];
    int64_t off = t->offset;
    size_t run_bytes = (size_t)run * es;
    for (int64_t n = 0; n < numel / run; n++) {
        memcpy(dst + (size_t)n * run_bytes, base + off * (int64_t)es, run_bytes);
        for (int ax = outer - 1; ax >= 0; ax--) {
            off += t->strides[ax];
            if (++idx[ax] < t->shape[ax]) break;
            off -= t->strides[ax] * t->shape[ax];
            idx[ax] = 0;
        }
    }
}

trueno_status trueno_tensor_read(const trueno_tensor *t, void *dst, size_t dst_bytes)
{
    if (!t || (!dst && dst_bytes))
        return tn_error(TRUENO_INVALID_ARGUMENT, "trueno_tensor_read: NULL argument");
    int64_t numel = tn_numel(t->rank, t->shape);
    size_t need = (size_t)numel * trueno_dtype_size(t->dtype);
    if (dst_bytes < need) {
        char buf[160];
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "trueno_tensor_read: destination holds %zu bytes but the %s tensor "
                        "of shape %s needs %zu",
                        dst_bytes, trueno_dtype_name(t->dtype),
                        tn_shape_str(t->rank, t->shape, buf, sizeof buf), need);
    }
    if (numel == 0) return TRUENO_OK;
    trueno_runtime *rt = t->st->rt;
    tn_runtime_lock(rt);
    trueno_status s = sync_pending(t->st);
    const tn_device *from = t->st->host_valid ? NULL : holder(t->st);
    if (s == TRUENO_OK && from && trueno_tensor_is_contiguous(t)) {
        /* held only on a device: read straight into dst, no host copy in
         * between (by DMA where dst is pinned, trueno_host_alloc) */
        s = from->handle.vtable->buffer_read(from->handle.impl, t->st->dev_buf[from->index],
                                             (size_t)t->offset * trueno_dtype_size(t->dtype), dst, need);
        if (s == TRUENO_DEVICE_LOST) ((tn_device *)from)->lost = true;
        if (s != TRUENO_OK)
            s = tn_error(s, "reading %zu bytes back from device '%s' (%s) failed: %s", need, from->props->name,
                         from->plugin_name, trueno_status_string(s));
    } else if (s == TRUENO_OK && (s = tn_storage_ensure_host(t->st)) == TRUENO_OK) {
        gather_c_order(t, t->st->host, dst);
    }
    tn_runtime_unlock(rt);
    return s;
}

trueno_dtype trueno_tensor_dtype(const trueno_tensor *t) { return t->dtype; }
size_t trueno_tensor_rank(const trueno_tensor *t) { return t->rank; }
const int64_t *trueno_tensor_shape(const trueno_tensor *t) { return t->shape; }
const int64_t *trueno_tensor_strides(const trueno_tensor *t) { return t->strides; }
int64_t trueno_tensor_numel(const trueno_tensor *t) { return tn_numel(t->rank, t->shape); }
trueno_runtime *trueno_tensor_runtime(const trueno_tensor *t) { return t->st->rt; }

trueno_status trueno_transpose(const trueno_tensor *t, int dim0, int dim1,
                               trueno_tensor **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "transpose: NULL argument");
    int r = (int)t->rank;
    int d0 = dim0 < 0 ? dim0 + r : dim0, d1 = dim1 < 0 ? dim1 + r : dim1;
    if (d0 < 0 || d0 >= r || d1 < 0 || d1 >= r) {
        char buf[160];
        return tn_error(TRUENO_INVALID_ARGUMENT,
                        "transpose: dims (%d, %d) out of range for a tensor of shape %s "
                        "(rank %d: valid dims are %d..%d)",
                        dim0, dim1, tn_shape_str(t->rank, t->shape, buf, sizeof buf), r,
                        -r, r - 1);
    }
    int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK];
    memcpy(shape, t->shape, sizeof shape);
    memcpy(strides, t->strides, sizeof strides);
    shape[d0] = t->shape[d1]; shape[d1] = t->shape[d0];
    strides[d0] = t->strides[d1]; strides[d1] = t->strides[d0];
    return tn_tensor_view(t, t->rank, shape, strides, t->offset, out);
}
