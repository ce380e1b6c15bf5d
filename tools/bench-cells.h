/*
 * bench-cells.h — what trueno-bench runs: one cell is an op of the table
 * (TRUENO_OP_MAP) with a dtype and a size, turned into the operands a
 * device receives through trueno_op_run (the layouts documented above
 * TRUENO_OP_MAP), filled with seeded random values in each input's domain
 * (never zeros: log gets positive numbers, arcsin numbers in (-1, 1),
 * indices stay in range).
 *
 * A cell is written  op:dtype:shape[:key=value,...]
 *   shape  d0xd1x...; its meaning per family:
 *          element-wise, reductions, ops along an axis, norms, losses: the
 *          (first) input's shape;  matmul: n (n×n times n×n), MxKxN or
 *          BxMxKxN (batched);  gemm: n or MxKxN;  dot: n;  conv2d and the
 *          pools: N x C x H x W;  cross_entropy, nll_loss: N x C;
 *          cdist: P x M (x1 and x2 both P×M)
 *   keys   axis=A (ops along an axis; default the last), mask=M (reduced
 *          axes, bit i = axis i; default the last axis), k=K (topk, 8),
 *          to=DTYPE (cast; default float64, or float32 from float64),
 *          out=O, kernel=K, stride=S, padding=P, groups=G (conv2d: O
 *          defaults to C, 3x3 kernel, stride 1, padding 1; pools: 2x2
 *          kernel, stride 2)
 */
#ifndef TRUENO_BENCH_CELLS_H
#define TRUENO_BENCH_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <trueno/trueno.h>

/* One operand: its dtype and shape as the op sees it; its elements in C
 * order of the stored layout (a transposed operand is stored as the
 * (shape[1], shape[0]) matrix and seen through a transposed view). */
typedef struct bench_operand {
    trueno_dtype dtype;
    size_t rank;
    int64_t shape[TRUENO_MAX_RANK];
    bool transposed;
    void *data; /* host bytes; NULL for outputs */
    size_t bytes;
} bench_operand;

typedef struct bench_cell {
    const trueno_op_info *info;
    trueno_dtype dtype;
    size_t rank;                      /* the shape as written */
    int64_t shape[TRUENO_MAX_RANK];
    char spec[256];                   /* the cell as written, normalised */
    trueno_op_params params;
    bench_operand in[8];
    size_t n_in;
    bench_operand out[2];
    size_t n_out;
    double bytes, flops;              /* trueno_op_bytes / trueno_op_flops */
    double elements;                  /* the larger of input 0 and output 0 */
} bench_cell;

/* Parses `spec` and builds the cell's operands with values from `seed`,
 * using `rt` for dtype conversions. Returns 0, or -1 with a sentence in
 * err (an unknown op, dtype or key; a dtype the op does not take; an op
 * family with no generator yet). bench_cell_free releases the buffers. */
int bench_cell_make(trueno_runtime *rt, const char *spec, uint64_t seed, bench_cell *cell, char *err,
                    size_t err_size);
void bench_cell_free(bench_cell *cell);

/* The op of the table named `name` (trueno-bench's names are the table's). */
const trueno_op_info *bench_op_by_name(const char *name);
int bench_dtype_by_name(const char *name);

#endif
