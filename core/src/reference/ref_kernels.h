/*
 * ref_kernels.h — the reference backend's kernels, one per op of
 * TRUENO_OP_MAP. Each takes a validated op descriptor (host buffers) and
 * the host services (for parallel_for and scratch memory).
 */
#ifndef TRUENO_REF_KERNELS_H
#define TRUENO_REF_KERNELS_H

#include "trueno_abi.h"

typedef trueno_status (*tn_ref_kernel)(const trueno_host *host, const trueno_op_desc *op);

trueno_status tn_ref_add(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_multiply(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_sum(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_dot(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_matmul(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_cast(const trueno_host *host, const trueno_op_desc *op);
trueno_status tn_ref_contiguous(const trueno_host *host, const trueno_op_desc *op);

#endif
