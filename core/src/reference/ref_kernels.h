/*
 * ref_kernels.h — what the reference backend's kernel files share: the
 * strided N-d iterator and one entry point per op family. Each kernel takes
 * a validated op descriptor (host buffers) and the host services.
 */
#ifndef TRUENO_REF_KERNELS_H
#define TRUENO_REF_KERNELS_H

#include <string.h>

#include "trueno_abi.h"

typedef trueno_status (*tn_ref_kernel)(const trueno_host *host, const trueno_op_desc *op);

/* Elements per parallel_for chunk: enough work to pay for a hand-off. */
#define TN_REF_GRAIN 32768

/* An odometer over the shape of one tensor, moving up to four operands'
 * element offsets along their own strides (operands share the shape). */
typedef struct tn_nd_iter {
    uint32_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    int64_t idx[TRUENO_MAX_RANK];
    const int64_t *strides[4];
    int64_t off[4];
    int n_ops;
} tn_nd_iter;

/* Positions the iterator at C-order element `linear` of `shape_of`. */
static inline void tn_iter_start(tn_nd_iter *it, const trueno_tensor_desc *shape_of,
                                 const trueno_tensor_desc *const *ops, int n_ops, int64_t linear)
{
    it->rank = shape_of->rank;
    memcpy(it->shape, shape_of->shape, sizeof it->shape);
    it->n_ops = n_ops;
    for (int k = 0; k < n_ops; k++) {
        it->strides[k] = ops[k]->strides;
        it->off[k] = ops[k]->offset;
    }
    for (int ax = (int)it->rank - 1; ax >= 0; ax--) {
        int64_t e = it->shape[ax];
        it->idx[ax] = e ? linear % e : 0;
        linear = e ? linear / e : 0;
        for (int k = 0; k < n_ops; k++) it->off[k] += it->idx[ax] * it->strides[k][ax];
    }
}

static inline void tn_iter_next(tn_nd_iter *it)
{
    for (int ax = (int)it->rank - 1; ax >= 0; ax--) {
        for (int k = 0; k < it->n_ops; k++) it->off[k] += it->strides[k][ax];
        if (++it->idx[ax] < it->shape[ax]) return;
        for (int k = 0; k < it->n_ops; k++) it->off[k] -= it->strides[k][ax] * it->shape[ax];
        it->idx[ax] = 0;
    }
}

/* Element offset of C-order element `linear` of t (no iterator needed). */
static inline int64_t tn_offset_of(const trueno_tensor_desc *t, int64_t linear)
{
    int64_t off = t->offset;
    for (int ax = (int)t->rank - 1; ax >= 0; ax--) {
        int64_t e = t->shape[ax];
        off += (e ? linear % e : 0) * t->strides[ax];
        linear = e ? linear / e : 0;
    }
    return off;
}

/* Stores a float result rounded once: float16/bfloat16 through float32
 * (OPS.md: "compute in float32 and round once to the output"). */
void tn_ref_store_float(const trueno_tensor_desc *o, int64_t off, double v);

trueno_status tn_ref_elementwise(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_reduce(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_along_axis(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_sort(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_dot(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_matmul(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_cdist(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_copy(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_index(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_conv_pool(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_norm(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_loss(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_dropout(const trueno_host *host, const trueno_op_desc *op);

/* Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
 * 3", SC'11): four 32-bit words from a 128-bit counter and 64-bit key. */
void tn_philox4x32(uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

#endif
