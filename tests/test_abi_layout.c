/*
 * test_abi_layout.c — pins the layout of every struct that crosses the
 * plugin ABI, and the values of its enums, for LP64 targets (x86-64,
 * AArch64). A change that inserts or retypes a field, or renumbers an
 * enum, fails here: the ABI only ever appends (see trueno_abi.h). When a
 * minor version appends a field, add its line; never edit an existing one.
 */
#include <stddef.h>
#include <string.h>

#include "tap.h"
#include "trueno_abi.h"

struct pin { const char *type, *field; size_t got, want; };
#define SIZE(T, n) {#T, "sizeof", sizeof(T), n}
#define FIELD(T, f, n) {#T, #f, offsetof(T, f), n}

static const struct pin pins[] = {
    SIZE(trueno_tensor_desc, 160),
    FIELD(trueno_tensor_desc, struct_size, 0),
    FIELD(trueno_tensor_desc, dtype, 4),
    FIELD(trueno_tensor_desc, rank, 8),
    FIELD(trueno_tensor_desc, buffer, 16),
    FIELD(trueno_tensor_desc, offset, 24),
    FIELD(trueno_tensor_desc, shape, 32),
    FIELD(trueno_tensor_desc, strides, 96),
    SIZE(trueno_op_params, 136),
    FIELD(trueno_op_params, ints, 8),
    FIELD(trueno_op_params, floats, 72),
    SIZE(trueno_op_desc, 48),
    FIELD(trueno_op_desc, op, 4),
    FIELD(trueno_op_desc, dtype, 8),
    FIELD(trueno_op_desc, n_inputs, 12),
    FIELD(trueno_op_desc, n_outputs, 16),
    FIELD(trueno_op_desc, inputs, 24),
    FIELD(trueno_op_desc, outputs, 32),
    FIELD(trueno_op_desc, params, 40),
    SIZE(trueno_cost_model, 72),
    FIELD(trueno_cost_model, calibrated, 4),
    FIELD(trueno_cost_model, launch_ns, 8),
    FIELD(trueno_cost_model, bandwidth_gbs, 16),
    FIELD(trueno_cost_model, gflops, 24),
    FIELD(trueno_cost_model, transfer_latency_ns, 56),
    FIELD(trueno_cost_model, transfer_gbs, 64),
    SIZE(trueno_device_props, 64),
    FIELD(trueno_device_props, kind, 4),
    FIELD(trueno_device_props, memory_kind, 8),
    FIELD(trueno_device_props, name, 16),
    FIELD(trueno_device_props, vendor, 24),
    FIELD(trueno_device_props, features, 32),
    FIELD(trueno_device_props, identity, 40),
    FIELD(trueno_device_props, memory_bytes, 48),
    FIELD(trueno_device_props, cost, 56),
    SIZE(trueno_device_vtable, 104),
    FIELD(trueno_device_vtable, get_properties, 8),
    FIELD(trueno_device_vtable, estimate, 16),
    FIELD(trueno_device_vtable, buffer_alloc, 24),
    FIELD(trueno_device_vtable, buffer_free, 32),
    FIELD(trueno_device_vtable, buffer_write, 40),
    FIELD(trueno_device_vtable, buffer_read, 48),
    FIELD(trueno_device_vtable, buffer_copy, 56),
    FIELD(trueno_device_vtable, execute, 64),
    FIELD(trueno_device_vtable, synchronize, 72),
    FIELD(trueno_device_vtable, destroy, 80),
    FIELD(trueno_device_vtable, host_alloc, 88), /* 1.1 */
    FIELD(trueno_device_vtable, host_free, 96),
    SIZE(trueno_device, 24),
    FIELD(trueno_device, impl, 8),
    FIELD(trueno_device, vtable, 16),
    SIZE(trueno_host, 80),
    FIELD(trueno_host, ctx, 8),
    FIELD(trueno_host, log, 16),
    FIELD(trueno_host, aligned_alloc, 24),
    FIELD(trueno_host, aligned_free, 32),
    FIELD(trueno_host, secure_getenv, 40),
    FIELD(trueno_host, parallel_for, 48),
    FIELD(trueno_host, num_threads, 56),
    FIELD(trueno_host, cache_load, 64),
    FIELD(trueno_host, cache_save, 72),
    SIZE(trueno_plugin, 48),
    FIELD(trueno_plugin, name, 8),
    FIELD(trueno_plugin, version, 16),
    FIELD(trueno_plugin, probe, 24),
    FIELD(trueno_plugin, get_proc, 32),
    FIELD(trueno_plugin, shutdown, 40),
    SIZE(trueno_abi_request, 24),
    FIELD(trueno_abi_request, major, 4),
    FIELD(trueno_abi_request, min_minor, 8),
    FIELD(trueno_abi_request, max_minor, 12),
    FIELD(trueno_abi_request, host, 16),
    SIZE(trueno_abi_reply, 32),
    FIELD(trueno_abi_reply, major, 4),
    FIELD(trueno_abi_reply, minor, 8),
    FIELD(trueno_abi_reply, plugin, 16),
    FIELD(trueno_abi_reply, instance, 24),
};

struct value { const char *name; long got, want; };
#define V(name, n) {#name, (long)(name), n}

static const struct value values[] = {
    V(TRUENO_ABI_MAJOR, 1), V(TRUENO_MAX_RANK, 8),
    V(TRUENO_OK, 0), V(TRUENO_INVALID_ARGUMENT, 1), V(TRUENO_SHAPE_MISMATCH, 2),
    V(TRUENO_DTYPE_UNSUPPORTED, 3), V(TRUENO_UNSUPPORTED, 4), V(TRUENO_OUT_OF_MEMORY, 5),
    V(TRUENO_DEVICE_OUT_OF_MEMORY, 6), V(TRUENO_DEVICE_LOST, 7), V(TRUENO_INCOMPATIBLE, 8),
    V(TRUENO_IO_ERROR, 9), V(TRUENO_INDEX_OUT_OF_RANGE, 10), V(TRUENO_DIVISION_BY_ZERO, 11),
    V(TRUENO_NOT_FOUND, 12), V(TRUENO_DEVICE_ERROR, 13), V(TRUENO_INTERNAL, 14),
    V(TRUENO_DTYPE_BOOL, 0), V(TRUENO_DTYPE_UINT8, 1), V(TRUENO_DTYPE_INT8, 2),
    V(TRUENO_DTYPE_INT16, 3), V(TRUENO_DTYPE_INT32, 4), V(TRUENO_DTYPE_INT64, 5),
    V(TRUENO_DTYPE_FLOAT16, 6), V(TRUENO_DTYPE_BFLOAT16, 7), V(TRUENO_DTYPE_FLOAT32, 8),
    V(TRUENO_DTYPE_FLOAT64, 9),
    V(TRUENO_DEVICE_CPU, 0), V(TRUENO_DEVICE_GPU, 1), V(TRUENO_DEVICE_ACCEL, 2),
    V(TRUENO_MEMORY_HOST, 0), V(TRUENO_MEMORY_DEVICE, 1),
    V(TRUENO_LOG_ERROR, 0), V(TRUENO_LOG_WARN, 1), V(TRUENO_LOG_INFO, 2), V(TRUENO_LOG_DEBUG, 3),
    V(TRUENO_OP_CLASS_ELEMENTWISE, 0), V(TRUENO_OP_CLASS_REDUCTION, 1),
    V(TRUENO_OP_CLASS_MATMUL, 2), V(TRUENO_OP_CLASS_COPY, 3),
    V(TRUENO_TOL_EXACT, 0), V(TRUENO_TOL_ULP, 1), V(TRUENO_TOL_NORM, 2),
    V(TRUENO_OP_ADD, 1), V(TRUENO_OP_MULTIPLY, 2), V(TRUENO_OP_SUM, 3), V(TRUENO_OP_DOT, 4),
    V(TRUENO_OP_MATMUL, 5), V(TRUENO_OP_CAST, 6), V(TRUENO_OP_CONTIGUOUS, 7),
};

int main(void)
{
    for (size_t i = 0; i < sizeof pins / sizeof *pins; i++)
        ok(pins[i].got == pins[i].want, "%s %s is %zu (pinned %zu)", pins[i].type,
           pins[i].field, pins[i].got, pins[i].want);
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        ok(values[i].got == values[i].want, "%s == %ld (pinned %ld)", values[i].name,
           values[i].got, values[i].want);
    /* every struct starts with its size */
    ok(offsetof(trueno_plugin, struct_size) == 0 && offsetof(trueno_host, struct_size) == 0 &&
       offsetof(trueno_device_vtable, struct_size) == 0 && offsetof(trueno_op_desc, struct_size) == 0,
       "struct_size is the first field");
    return tap_done();
}
