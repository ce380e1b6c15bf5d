/*
 * plan.c — an op checked and placed once, then run many times
 * (trueno_plan_create / trueno_plan_run).
 *
 * A plan keeps the layouts the op was validated for (dtype, shape and
 * strides of every operand) and the device the dispatcher chose then.
 * A run checks that its operands have those layouts and runs the op on
 * that device directly: no validation, no estimates, no ranking — what
 * a small op's call mostly cost. Whatever the plan cannot do the usual
 * way is done by the dispatcher: a device failure (out of memory, lost,
 * declined) re-runs the op on the next cheapest device, and the ops whose
 * kernels may refuse their data (trueno_op_run's temporaries) always go
 * through trueno_op_run.
 */
#include <string.h>

#include "internal.h"

struct trueno_plan {
    trueno_runtime *rt;
    trueno_op_params params;
    trueno_op_desc op;                           /* pointing at in_ptr, out_ptr */
    /* the layouts; a run sets their offsets and buffers while it holds the
     * runtime lock (runs of one plan from several threads take turns) */
    trueno_tensor_desc in[8], out[2];
    const trueno_tensor_desc *in_ptr[8], *out_ptr[2];
    tn_device *dev;                              /* NULL: through trueno_op_run */
};

trueno_status trueno_plan_create(trueno_op_code code, const trueno_tensor *const *inputs, size_t n_inputs,
                                 const trueno_op_params *params, trueno_tensor *const *outputs, size_t n_outputs,
                                 trueno_plan **plan)
{
    if (!plan) return tn_error(TRUENO_INVALID_ARGUMENT, "plan_create: plan is NULL");
    *plan = NULL;
    trueno_tensor_desc di[8], dout[2];
    const trueno_tensor_desc *pi[8], *po[2];
    trueno_op_desc op;
    trueno_status s = tn_op_prepare(code, inputs, n_inputs, params, outputs, n_outputs, &op, di, pi, dout, po);
    if (s != TRUENO_OK) return s;
    trueno_runtime *rt = inputs[0]->st->rt;
    tn_device *dev = NULL;
    if (!tn_may_refuse_data(code, op.dtype)) {
        dev = tn_cheapest_device(rt, &op, inputs, outputs);
        if (!dev)
            return tn_error(TRUENO_UNSUPPORTED, "plan_create: no device can run %s %s%s%s", tn_op_info(code)->name,
                            trueno_dtype_name(op.dtype), rt->force_backend ? " on the forced backend " : "",
                            rt->force_backend ? rt->force_backend : "");
    }
    trueno_plan *p = tn_calloc(1, sizeof *p);
    if (!p) return tn_error(TRUENO_OUT_OF_MEMORY, "plan_create: out of memory");
    p->rt = rt;
    p->params = *op.params;
    p->op = op;
    p->op.params = &p->params;
    memcpy(p->in, di, n_inputs * sizeof *di);
    memcpy(p->out, dout, n_outputs * sizeof *dout);
    for (size_t i = 0; i < n_inputs; i++) p->in_ptr[i] = &p->in[i];
    for (size_t i = 0; i < n_outputs; i++) p->out_ptr[i] = &p->out[i];
    p->op.inputs = p->in_ptr;
    p->op.outputs = p->out_ptr;
    p->dev = dev;
    *plan = p;
    return TRUENO_OK;
}

void trueno_plan_free(trueno_plan *plan) { tn_free(plan); }

const char *trueno_plan_backend(const trueno_plan *plan)
{
    return plan && plan->dev ? plan->dev->plugin_name : NULL;
}

/* operand t has the layout d was made from (offsets may differ) */
static bool same_layout(const trueno_tensor *t, const trueno_tensor_desc *d)
{
    if (t->dtype != d->dtype || t->rank != d->rank) return false;
    for (uint32_t i = 0; i < t->rank; i++) /* a loop: memcmp's call cost more than a few extents */
        if (t->shape[i] != d->shape[i] || t->strides[i] != d->strides[i]) return false;
    return true;
}

static trueno_status mismatch(const trueno_plan *p, const char *what, size_t i, const trueno_tensor *t,
                              const trueno_tensor_desc *d)
{
    char got[160], want[160], gs[160], ws[160];
    return tn_error(TRUENO_SHAPE_MISMATCH,
                    "plan_run (%s): %s %zu is %s %s with strides %s, but the plan was made for %s %s with strides "
                    "%s. Hint: make a plan for each layout, or call trueno_op_run",
                    tn_op_info(p->op.op)->name, what, i, trueno_dtype_name(t->dtype),
                    tn_shape_str(t->rank, t->shape, got, sizeof got), tn_shape_str(t->rank, t->strides, gs, sizeof gs),
                    trueno_dtype_name(d->dtype), tn_shape_str(d->rank, d->shape, want, sizeof want),
                    tn_shape_str(d->rank, d->strides, ws, sizeof ws));
}

/* the dispatcher's way, from scratch: the planned device is gone, has
 * failed, or another backend is forced */
static trueno_status dispatch_again(trueno_runtime *rt, trueno_op_desc *op, const trueno_tensor *const *inputs,
                                    trueno_tensor_desc *in_desc, trueno_tensor *const *outputs,
                                    trueno_tensor_desc *out_desc)
{
    for (size_t i = 0; i < op->n_inputs; i++) in_desc[i].buffer = NULL;
    for (size_t i = 0; i < op->n_outputs; i++) out_desc[i].buffer = NULL;
    return tn_dispatch_desc(rt, op, inputs, in_desc, outputs, out_desc);
}

trueno_status trueno_plan_run(const trueno_plan *p, const trueno_tensor *const *inputs,
                              trueno_tensor *const *outputs)
{
    if (!p || !inputs || !outputs) return tn_error(TRUENO_INVALID_ARGUMENT, "plan_run: plan, inputs or outputs is NULL");
    size_t n_in = p->op.n_inputs, n_out = p->op.n_outputs;
    for (size_t i = 0; i < n_in; i++) {
        if (!inputs[i] || inputs[i]->st->rt != p->rt)
            return tn_error(TRUENO_INVALID_ARGUMENT, "plan_run: input %zu is NULL or of another runtime", i);
        if (!same_layout(inputs[i], &p->in[i])) return mismatch(p, "input", i, inputs[i], &p->in[i]);
    }
    for (size_t i = 0; i < n_out; i++) {
        if (!outputs[i] || outputs[i]->st->rt != p->rt)
            return tn_error(TRUENO_INVALID_ARGUMENT, "plan_run: output %zu is NULL or of another runtime", i);
        if (!same_layout(outputs[i], &p->out[i])) return mismatch(p, "output", i, outputs[i], &p->out[i]);
    }
    trueno_runtime *rt = p->rt;
    if (!p->dev) return trueno_op_run(p->op.op, inputs, n_in, p->op.params, (trueno_tensor **)outputs, n_out);
    trueno_plan *mp = (trueno_plan *)p; /* its descriptors: see struct trueno_plan */
    tn_device *d = p->dev;
    bool rmw[2] = {false, false};
    tn_runtime_lock(rt);
    for (size_t i = 0; i < n_in; i++) mp->in[i].offset = inputs[i]->offset;
    for (size_t i = 0; i < n_out; i++) mp->out[i].offset = outputs[i]->offset;
    trueno_status s = TRUENO_OK;
    bool stands = !d->lost && !(rt->force_backend && strcmp(rt->force_backend, d->plugin_name));
    if (stands) {
        tn_outputs_rmw(outputs, n_out, rmw);
        s = tn_run_on_device(d, &mp->op, inputs, mp->in, outputs, mp->out, rmw);
    }
    if (stands && (s == TRUENO_OK || !tn_is_device_failure(s))) {
        tn_runtime_unlock(rt);
        if (s == TRUENO_OK || d->plugin_index < 0) return s; /* the op itself is wrong: the reference kernel says why */
        return tn_error(s, "plan_run (%s): %s (reported by %s '%s')", tn_op_info(p->op.op)->name,
                        trueno_status_string(s), d->plugin_name, d->props->name);
    }
    if (stands) { /* the planned device failed: logged as the dispatcher logs it (a device
                   * declining at run time is INFO, a failure WARN), then the dispatcher */
        int level = s == TRUENO_UNSUPPORTED ? TRUENO_LOG_INFO : TRUENO_LOG_WARN;
        if (tn_log_enabled(level))
            tn_log(level, "dispatch", "plan_run (%s) failed on %s '%s' (%s); running it on the next cheapest device",
                   tn_op_info(p->op.op)->name, d->plugin_name, d->props->name, trueno_status_string(s));
    }
    trueno_tensor_desc in_desc[8], out_desc[2];
    const trueno_tensor_desc *in_ptr[8], *out_ptr[2];
    memcpy(in_desc, p->in, n_in * sizeof *in_desc);
    memcpy(out_desc, p->out, n_out * sizeof *out_desc);
    for (size_t i = 0; i < n_in; i++) in_ptr[i] = &in_desc[i];
    for (size_t i = 0; i < n_out; i++) out_ptr[i] = &out_desc[i];
    trueno_op_desc op = p->op;
    op.inputs = in_ptr;
    op.outputs = out_ptr;
    tn_runtime_unlock(rt);
    return dispatch_again(rt, &op, inputs, in_desc, outputs, out_desc);
}
