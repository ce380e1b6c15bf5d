/*
 * dlpack.c — zero-copy exchange with NumPy, PyTorch and others through
 * DLPack (dmlc/dlpack v0.6, Debian's libdlpack-dev): a DLManagedTensor
 * describes CPU memory (data, byte_offset, shape, strides in elements,
 * dtype) and carries a deleter its consumer calls when done.
 */
#include <dlpack/dlpack.h>
#include <string.h>

#include "internal.h"

/* DLPack 0.8 added kDLBool = 6; PyTorch already uses it. */
#define TN_DL_BOOL 6

typedef struct export_ctx {
    DLManagedTensor managed;
    trueno_tensor *view;   /* keeps the storage alive */
    int64_t shape[TRUENO_MAX_RANK], strides[TRUENO_MAX_RANK];
} export_ctx;

static void export_deleter(DLManagedTensor *self)
{
    export_ctx *c = self->manager_ctx;
    trueno_tensor_free(c->view);
    tn_free(c);
}

trueno_status trueno_to_dlpack(const trueno_tensor *t, void **out)
{
    if (!t || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "to_dlpack: NULL argument");
    static const DLDataType types[TRUENO_DTYPE_COUNT_1_0] = {
        {TN_DL_BOOL, 8, 1}, {kDLUInt, 8, 1}, {kDLInt, 8, 1}, {kDLInt, 16, 1}, {kDLInt, 32, 1},
        {kDLInt, 64, 1}, {kDLFloat, 16, 1}, {kDLBfloat, 16, 1}, {kDLFloat, 32, 1}, {kDLFloat, 64, 1}};
    export_ctx *c = tn_calloc(1, sizeof *c);
    if (!c) return tn_error(TRUENO_OUT_OF_MEMORY, "to_dlpack: out of host memory");
    trueno_runtime *rt = t->st->rt;
    tn_runtime_lock(rt);
    trueno_status s = tn_storage_ensure_host(t->st); /* the consumer reads host memory */
    if (s == TRUENO_OK && !t->st->host && t->st->bytes == 0) s = TRUENO_OK;
    tn_runtime_unlock(rt);
    if (s == TRUENO_OK) s = tn_tensor_view(t, t->rank, t->shape, t->strides, t->offset, &c->view);
    if (s != TRUENO_OK) { tn_free(c); return s; }
    memcpy(c->shape, t->shape, sizeof c->shape);
    memcpy(c->strides, t->strides, sizeof c->strides);
    DLTensor *d = &c->managed.dl_tensor;
    d->data = t->st->host;
    d->device = (DLDevice){kDLCPU, 0};
    d->ndim = (int)t->rank;
    d->dtype = types[t->dtype];
    d->shape = c->shape;
    d->strides = c->strides;
    d->byte_offset = (uint64_t)(t->offset * (int64_t)trueno_dtype_size(t->dtype));
    c->managed.manager_ctx = c;
    c->managed.deleter = export_deleter;
    *out = &c->managed;
    return TRUENO_OK;
}

static void call_deleter(void *ctx)
{
    DLManagedTensor *m = ctx;
    if (m->deleter) m->deleter(m);
}

trueno_status trueno_from_dlpack(trueno_runtime *rt, void *dl, trueno_tensor **out)
{
    if (!rt || !dl || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "from_dlpack: NULL argument");
    DLManagedTensor *m = dl;
    const DLTensor *d = &m->dl_tensor;
    if (d->device.device_type != kDLCPU)
        return tn_error(TRUENO_UNSUPPORTED, "from_dlpack: the tensor lives on device type %d; only CPU memory "
                        "(kDLCPU) is imported. Hint: move it to the CPU first", (int)d->device.device_type);
    if (d->dtype.lanes != 1 || d->ndim < 0 || d->ndim > TRUENO_MAX_RANK)
        return tn_error(TRUENO_UNSUPPORTED, "from_dlpack: vector dtypes (lanes %u) and rank %d are not supported",
                        d->dtype.lanes, d->ndim);
    trueno_dtype dt;
    unsigned code = d->dtype.code, bits = d->dtype.bits;
    if (code == kDLInt && bits == 8) dt = TRUENO_DTYPE_INT8;
    else if (code == kDLInt && bits == 16) dt = TRUENO_DTYPE_INT16;
    else if (code == kDLInt && bits == 32) dt = TRUENO_DTYPE_INT32;
    else if (code == kDLInt && bits == 64) dt = TRUENO_DTYPE_INT64;
    else if (code == kDLUInt && bits == 8) dt = TRUENO_DTYPE_UINT8;
    else if (code == kDLFloat && bits == 16) dt = TRUENO_DTYPE_FLOAT16;
    else if (code == kDLFloat && bits == 32) dt = TRUENO_DTYPE_FLOAT32;
    else if (code == kDLFloat && bits == 64) dt = TRUENO_DTYPE_FLOAT64;
    else if (code == kDLBfloat && bits == 16) dt = TRUENO_DTYPE_BFLOAT16;
    else if (code == TN_DL_BOOL && bits == 8) dt = TRUENO_DTYPE_BOOL;
    else return tn_error(TRUENO_DTYPE_UNSUPPORTED, "from_dlpack: DLPack dtype code %u with %u bits has no Trueno dtype", code, bits);
    size_t es = trueno_dtype_size(dt);
    if (d->byte_offset % es)
        return tn_error(TRUENO_INVALID_ARGUMENT, "from_dlpack: byte_offset %llu is not a multiple of the element size",
                        (unsigned long long)d->byte_offset);
    trueno_tensor *t = NULL;
    trueno_status s = trueno_tensor_from_buffer_borrow(rt, dt, (size_t)d->ndim, d->shape, d->strides,
                                                       (char *)d->data + d->byte_offset, &t);
    if (s != TRUENO_OK) return s;
    t->st->release = call_deleter; /* the producer's deleter runs when the last view goes */
    t->st->release_ctx = m;
    *out = t;
    return TRUENO_OK;
}
