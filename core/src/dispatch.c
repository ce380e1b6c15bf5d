/*
 * dispatch.c — running one op on the cheapest device.
 *
 * For each usable device: its own estimate() plus the cost of moving every
 * input that is not already valid in its memory space (and nothing else).
 * Order: cost, then the device that already holds more inputs, then
 * plugins before the reference backend, then device index. The op runs on
 * the first; if that fails with a device failure (out of memory, device
 * lost, device error, unsupported) it runs on the next, and so on. Inputs
 * are never written, so a failed attempt loses nothing. TRUENO_LOG=dispatch
 * prints every decision.
 */
#include <string.h>

#include "internal.h"

typedef struct candidate {
    tn_device *dev;
    double estimate_ns, move_ns, cost_ns;
    int holds;
} candidate;

static int cmp_candidate(const void *pa, const void *pb)
{
    const candidate *a = pa, *b = pb;
    if (a->cost_ns != b->cost_ns) return a->cost_ns < b->cost_ns ? -1 : 1;
    if (a->holds != b->holds) return a->holds > b->holds ? -1 : 1;
    bool ra = a->dev->plugin_index < 0, rb = b->dev->plugin_index < 0;
    if (ra != rb) return ra ? 1 : -1;
    return a->dev->index < b->dev->index ? -1 : 1;
}

bool tn_is_device_failure(trueno_status s)
{
    return s == TRUENO_DEVICE_OUT_OF_MEMORY || s == TRUENO_DEVICE_LOST ||
           s == TRUENO_DEVICE_ERROR || s == TRUENO_OUT_OF_MEMORY || s == TRUENO_UNSUPPORTED;
}

static void describe_op(const trueno_op_info *info, uint32_t dtype,
                        const trueno_tensor *const *in, size_t n_in,
                        trueno_tensor *const *out, size_t n_out, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "%s %s", info->name, trueno_dtype_name(dtype));
    char sh[160];
    for (size_t i = 0; i < n_in && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : " ",
                                 tn_shape_str(in[i]->rank, in[i]->shape, sh, sizeof sh));
    for (size_t i = 0; i < n_out && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, " -> %s",
                                 tn_shape_str(out[i]->rank, out[i]->shape, sh, sizeof sh));
}

/* An output whose storage already holds data somewhere (a view into a
 * tensor being assembled, like concatenate's parts) is read-modify-write:
 * its current bytes must be on the device before the op writes its part. */
static bool holds_data(const tn_storage *st)
{
    if (st->host_valid) return true;
    for (size_t i = 0; i < TN_MAX_DEVICES; i++)
        if (st->dev_valid[i]) return true;
    return false;
}

/* Undoes what a failed attempt did to the outputs on device d: a fresh
 * output's memory there is freed; a read-modify-write output's copy on a
 * DEVICE-memory device is no longer trusted (a host copy will be rewritten
 * in full by the next attempt). */
static void drop_outputs(trueno_tensor *const *out, size_t n_out, const tn_device *d, const bool *rmw)
{
    for (size_t i = 0; i < n_out; i++) {
        tn_storage *st = out[i]->st;
        if (rmw[i]) {
            if (!d->host_memory) st->dev_valid[d->index] = false;
            continue;
        }
        if (!d->host_memory && st->dev_buf[d->index]) {
            d->handle.vtable->buffer_free(d->handle.impl, st->dev_buf[d->index]);
            st->dev_buf[d->index] = NULL;
        }
        st->dev_valid[d->index] = false;
        st->host_valid = false;
    }
}

static trueno_status attempt(tn_device *d, trueno_op_desc *op,
                             const trueno_tensor *const *in, trueno_tensor_desc *in_desc,
                             trueno_tensor *const *out, trueno_tensor_desc *out_desc, const bool *rmw)
{
    trueno_status s = TRUENO_OK;
    /* host memory already valid and nothing pending: the common case of
     * small ops on a CPU device, without the calls */
    for (size_t i = 0; i < op->n_inputs && s == TRUENO_OK; i++) {
        const tn_storage *st = in[i]->st;
        if (!(d->host_memory && st->host_valid && st->pending_dev < 0)) s = tn_storage_ensure_on(in[i]->st, d);
        in_desc[i].buffer = tn_storage_buffer_for(st, d);
    }
    for (size_t i = 0; i < op->n_outputs && s == TRUENO_OK; i++) {
        const tn_storage *st = out[i]->st;
        if (!(d->host_memory && st->host && (!rmw[i] || (st->host_valid && st->pending_dev < 0))))
            s = rmw[i] ? tn_storage_ensure_on(out[i]->st, d) : tn_storage_alloc_on(out[i]->st, d);
        out_desc[i].buffer = tn_storage_buffer_for(st, d);
    }
    if (s == TRUENO_OK) s = d->handle.vtable->execute(d->handle.impl, op);
    bool guards = out[0]->st->rt->guard_outputs;
    if (s == TRUENO_OK && guards && d->handle.vtable->synchronize)
        s = d->handle.vtable->synchronize(d->handle.impl); /* the guards are read after the op */
    for (size_t i = 0; i < op->n_outputs && s == TRUENO_OK && guards; i++) s = tn_storage_check_guards(out[i]->st, d);
    if (s == TRUENO_DEVICE_LOST) d->lost = true;
    return s;
}

trueno_status tn_run_on_device(tn_device *d, trueno_op_desc *op, const trueno_tensor *const *in,
                               trueno_tensor_desc *in_desc, trueno_tensor *const *out,
                               trueno_tensor_desc *out_desc, const bool *rmw)
{
    trueno_status s = attempt(d, op, in, in_desc, out, out_desc, rmw);
    if (s != TRUENO_OK) {
        drop_outputs(out, op->n_outputs, d, rmw);
        return s;
    }
    for (size_t k = 0; k < op->n_outputs; k++) tn_storage_mark_written(out[k]->st, d);
    /* a load and a store, not a locked add: every writer holds the runtime lock */
    __atomic_store_n(&d->ops_run, __atomic_load_n(&d->ops_run, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    tn_set_last_backend(d->plugin_name);
    return TRUENO_OK;
}

void tn_outputs_rmw(trueno_tensor *const *out, size_t n_out, bool *rmw)
{
    for (size_t i = 0; i < n_out; i++) rmw[i] = holds_data(out[i]->st);
}

/* The devices able to run op, cheapest first (the order above); the
 * runtime is locked. */
static size_t rank_devices(trueno_runtime *rt, const trueno_op_desc *op, const trueno_tensor *const *in,
                           trueno_tensor *const *out, const bool *rmw, candidate *cands)
{
    size_t n = 0;
    for (size_t i = 0; i < rt->n_devices; i++) {
        tn_device *d = &rt->devices[i];
        if (d->lost || (rt->force_backend && strcmp(rt->force_backend, d->plugin_name)))
            continue;
        double est = 0;
        if (d->handle.vtable->estimate(d->handle.impl, op, &est) != TRUENO_OK) continue;
        candidate *c = &cands[n++];
        c->dev = d;
        c->estimate_ns = est > 0 ? est : 0;
        c->move_ns = 0;
        c->holds = 0;
        for (size_t k = 0; k < op->n_inputs; k++) {
            c->move_ns += tn_storage_move_cost(in[k]->st, d);
            c->holds += tn_storage_valid_on(in[k]->st, d);
        }
        for (size_t k = 0; k < op->n_outputs; k++)
            if (rmw[k]) c->move_ns += tn_storage_move_cost(out[k]->st, d);
        c->cost_ns = c->estimate_ns + c->move_ns;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of devices */
        for (size_t k = i; k > 0 && cmp_candidate(&cands[k], &cands[k - 1]) < 0; k--) {
            candidate t = cands[k];
            cands[k] = cands[k - 1];
            cands[k - 1] = t;
        }
    return n;
}

tn_device *tn_cheapest_device(trueno_runtime *rt, const trueno_op_desc *op, const trueno_tensor *const *in,
                              trueno_tensor *const *out)
{
    bool rmw[2] = {false, false};
    candidate cands[TN_MAX_DEVICES];
    tn_runtime_lock(rt);
    tn_outputs_rmw(out, op->n_outputs, rmw);
    size_t n = rank_devices(rt, op, in, out, rmw, cands);
    tn_runtime_unlock(rt);
    return n ? cands[0].dev : NULL;
}

trueno_status tn_dispatch(trueno_runtime *rt, uint32_t opcode, uint32_t dtype,
                          const trueno_tensor *const *in, size_t n_in,
                          trueno_tensor *const *out, size_t n_out,
                          const trueno_op_params *params)
{
    TN_ASSERT(n_in <= 8 && n_out <= 2);
    trueno_tensor_desc in_desc[8], out_desc[2];
    const trueno_tensor_desc *in_ptr[8], *out_ptr[2];
    for (size_t i = 0; i < n_in; i++) {
        tn_tensor_desc_fill(in[i], NULL, &in_desc[i]);
        in_ptr[i] = &in_desc[i];
    }
    for (size_t i = 0; i < n_out; i++) {
        tn_tensor_desc_fill(out[i], NULL, &out_desc[i]);
        out_ptr[i] = &out_desc[i];
    }
    trueno_op_desc op = {
        .struct_size = sizeof op, .op = opcode, .dtype = dtype,
        .n_inputs = (uint32_t)n_in, .n_outputs = (uint32_t)n_out,
        .inputs = in_ptr, .outputs = out_ptr, .params = params,
    };
    return tn_dispatch_desc(rt, &op, in, in_desc, out, out_desc);
}

trueno_status tn_dispatch_desc(trueno_runtime *rt, trueno_op_desc *opd,
                               const trueno_tensor *const *in, trueno_tensor_desc *in_desc,
                               trueno_tensor *const *out, trueno_tensor_desc *out_desc)
{
    trueno_op_desc op = *opd;
    uint32_t opcode = op.op, dtype = op.dtype;
    size_t n_in = op.n_inputs, n_out = op.n_outputs;
    const trueno_op_info *info = tn_op_info(opcode);
    TN_ASSERT(info && n_in <= 8 && n_out <= 2);
    bool rmw[2] = {false, false};
    /* The op's description ("add float32 (3,4),(4,) -> (3,4)") is only
     * written for the log or an error: snprintf costs more than a small op. */
    char what[512];
    what[0] = '\0';
#define DESCRIBE() (what[0] ? what : (describe_op(info, dtype, in, n_in, out, n_out, what, sizeof what), what))
#ifndef NDEBUG
    /* every op the core's own entry points build must meet the op's rules */
    trueno_status valid = tn_validate_op(&op);
    if (valid != TRUENO_OK) fprintf(stderr, "trueno: %s\n", trueno_last_error());
    TN_ASSERT(valid == TRUENO_OK);
#endif

    tn_runtime_lock(rt);
    tn_outputs_rmw(out, n_out, rmw);
    candidate cands[TN_MAX_DEVICES];
    size_t n = rank_devices(rt, &op, in, out, rmw, cands);
    if (n == 0) {
        tn_runtime_unlock(rt);
        if (rt->force_backend)
            return tn_error(TRUENO_UNSUPPORTED,
                            "%s: the forced backend '%s' cannot run it (or is not loaded). "
                            "Hint: unset TRUENO_FORCE_BACKEND or force another backend",
                            DESCRIBE(), rt->force_backend);
        return tn_error(TRUENO_UNSUPPORTED, "%s: no device can run this op", DESCRIBE());
    }
    if (tn_log_enabled(TN_LOG_CAT_DISPATCH)) {
        char line[2048];
        size_t used = 0;
        for (size_t i = 0; i < n && used < sizeof line; i++)
            used += (size_t)snprintf(line + used, sizeof line - used,
                                     "%s%s '%s' %.0f ns (estimate %.0f + move %.0f)",
                                     i ? "; " : "", cands[i].dev->plugin_name,
                                     cands[i].dev->props->name, cands[i].cost_ns,
                                     cands[i].estimate_ns, cands[i].move_ns);
        tn_log(TN_LOG_CAT_DISPATCH, "dispatch", "%s: %s => %s", DESCRIBE(), line,
               cands[0].dev->plugin_name);
    }

    char failures[1024];
    failures[0] = '\0';
    size_t used = 0;
    trueno_status s = TRUENO_UNSUPPORTED;
    for (size_t i = 0; i < n; i++) {
        tn_device *d = cands[i].dev;
        if (d->lost) continue; /* lost while an earlier candidate ran */
        s = tn_run_on_device(d, &op, in, in_desc, out, out_desc, rmw);
        if (s == TRUENO_OK) {
            tn_runtime_unlock(rt);
            return TRUENO_OK;
        }
        if (!tn_is_device_failure(s)) { /* the op itself is wrong: no retry */
            tn_runtime_unlock(rt);
            if (d->plugin_index < 0) return s; /* the reference kernel said why */
            return tn_error(s, "%s: %s (reported by %s '%s')", DESCRIBE(), trueno_status_string(s),
                            d->plugin_name, d->props->name);
        }
        if (used < sizeof failures)
            used += (size_t)snprintf(failures + used, sizeof failures - used, "%s%s: %s",
                                     used ? "; " : "", d->plugin_name, trueno_status_string(s));
        /* a device declining at run time (an input outside its kernel's
         * domain) is ordinary: INFO; a device failing is WARN */
        int level = s == TRUENO_UNSUPPORTED ? TRUENO_LOG_INFO : TRUENO_LOG_WARN;
        if (tn_log_enabled(level))
            tn_log(level, "dispatch", "%s failed on %s '%s' (%s)%s", DESCRIBE(),
               d->plugin_name, d->props->name, trueno_status_string(s),
               i + 1 < n ? "; running it on the next cheapest device" : "");
    }
    tn_runtime_unlock(rt);
    return tn_error(s, "%s: every device that could run it failed (%s)", DESCRIBE(), failures);
#undef DESCRIBE
}
