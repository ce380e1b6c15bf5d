/*
 * fuzz_op_run — libFuzzer target for the op-descriptor validation the core
 * does before any device sees an op (trueno_op_run): the bytes choose an op
 * of the table, the dtype, each operand's rank and extents, and the op's
 * parameters. Index operands hold values around their valid range. The
 * validator must refuse what breaks the op's rules (with a message), and
 * whatever it accepts must run on the reference backend without touching
 * memory outside the operands (ASan/UBSan) and with guard bytes intact.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

static trueno_runtime *rt;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    trueno_runtime_options o = {.struct_size = sizeof o, .num_threads = 1,
                                .flags = TRUENO_RUNTIME_NO_PLUGINS | TRUENO_RUNTIME_GUARD_OUTPUTS};
    return trueno_runtime_create(&o, &rt) != TRUENO_OK;
}

typedef struct reader { const unsigned char *p; size_t n; } reader;

static unsigned next(reader *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

/* A tensor of dtype with rank and extents from the bytes (small), filled
 * with small values (indices: around -5..6). */
static trueno_tensor *operand(reader *r, trueno_dtype dt)
{
    size_t rank = next(r) % 5;
    int64_t shape[TRUENO_MAX_RANK];
    for (size_t i = 0; i < rank; i++) shape[i] = next(r) % 5;
    trueno_tensor *t = NULL;
    if (trueno_zeros(rt, TRUENO_DTYPE_FLOAT64, rank, shape, &t)) return NULL;
    int64_t n = trueno_tensor_numel(t);
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = (double)((int)next(r) % 12 - 5);
    trueno_tensor *f = NULL, *out = NULL;
    trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT64, rank, shape, v, &f);
    free(v);
    trueno_tensor_free(t);
    if (f && dt != TRUENO_DTYPE_FLOAT64) trueno_astype(f, dt, &out);
    else out = f, f = NULL;
    trueno_tensor_free(f);
    return out;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    reader r = {data, size};
    trueno_op_code code = (trueno_op_code)(next(&r) % TRUENO_OP_COUNT_1_0);
    const trueno_op_info *info = trueno_op_lookup(code);
    if (!info) return 0;
    /* a dtype the op takes, mostly */
    trueno_dtype dt = (trueno_dtype)(next(&r) % TRUENO_DTYPE_COUNT_1_0);
    trueno_tensor *in[8] = {NULL}, *out[2] = {NULL};
    for (uint32_t i = 0; i < info->n_inputs; i++) {
        trueno_dtype d = dt;
        if ((code == TRUENO_OP_WHERE && i == 0) || (code == TRUENO_OP_MASKED_SELECT && i == 1)) d = TRUENO_DTYPE_BOOL;
        if (i == 1 && (code == TRUENO_OP_INDEX_SELECT || code == TRUENO_OP_GATHER || code == TRUENO_OP_SCATTER ||
                       code == TRUENO_OP_CROSS_ENTROPY || code == TRUENO_OP_NLL_LOSS))
            d = TRUENO_DTYPE_INT64;
        in[i] = operand(&r, d);
    }
    for (uint32_t i = 0; i < info->n_outputs; i++) {
        trueno_dtype d = i ? TRUENO_DTYPE_INT64 : (trueno_dtype)(next(&r) % TRUENO_DTYPE_COUNT_1_0);
        out[i] = operand(&r, d);
    }
    trueno_op_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    for (int i = 0; i < 8; i++) p.ints[i] = (int64_t)(next(&r) % 11) - 2;
    for (int i = 0; i < 8; i++) p.floats[i] = (double)((int)next(&r) % 9 - 2) * 0.5;
    bool complete = true;
    for (uint32_t i = 0; i < info->n_inputs; i++) complete &= in[i] != NULL;
    for (uint32_t i = 0; i < info->n_outputs; i++) complete &= out[i] != NULL;
    if (complete) {
        trueno_status s = trueno_op_run(code, (const trueno_tensor *const *)in, info->n_inputs, &p, out, info->n_outputs);
        if (s != TRUENO_OK && !*trueno_last_error()) abort(); /* a refusal says why */
        if (s == TRUENO_DEVICE_ERROR) abort();                 /* guard bytes were overwritten */
    }
    for (int i = 0; i < 8; i++) trueno_tensor_free(in[i]);
    trueno_tensor_free(out[0]);
    trueno_tensor_free(out[1]);
    return 0;
}
