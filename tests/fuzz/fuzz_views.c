/*
 * fuzz_views — libFuzzer target for the shape, stride, broadcast and
 * slice-spec logic: the bytes are a program of view operations (reshape,
 * slice with steps, permute, squeeze/unsqueeze, select, broadcast_to,
 * expand, transpose, flatten, diagonal, contiguous) applied to a small
 * tensor. After each step that succeeds, every element of the view is read
 * (in bounds, or ASan aborts) and checked to be one of the original values.
 */
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

static trueno_runtime *rt;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS, .num_threads = 1};
    return trueno_runtime_create(&o, &rt) != TRUENO_OK;
}

typedef struct reader { const unsigned char *p; size_t n; } reader;

static int next(reader *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static int64_t small(reader *r) { return (int64_t)(next(r) % 13) - 4; } /* -4..8 */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    reader r = {data, size};
    int32_t v[120];
    for (int i = 0; i < 120; i++) v[i] = 1000 + i;
    int64_t shape[3] = {4, 5, 6};
    trueno_tensor *t = NULL;
    if (trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_INT32, 3, shape, v, &t)) return 0;
    for (int step = 0; step < 12 && r.n; step++) {
        trueno_tensor *next_t = NULL;
        size_t rank = trueno_tensor_rank(t), n = (size_t)(next(&r) % 9);
        int64_t s[TRUENO_MAX_RANK];
        int ax[TRUENO_MAX_RANK];
        trueno_slice sl[TRUENO_MAX_RANK];
        trueno_status st;
        switch (next(&r) % 12) {
        case 0: for (size_t i = 0; i < n; i++) s[i] = small(&r); st = trueno_reshape(t, n, s, &next_t); break;
        case 1:
            n = n > rank ? rank : n;
            for (size_t i = 0; i < n; i++) {
                sl[i].start = next(&r) % 3 ? small(&r) : TRUENO_SLICE_ALL;
                sl[i].stop = next(&r) % 3 ? small(&r) : TRUENO_SLICE_ALL;
                sl[i].step = small(&r);
            }
            st = trueno_slice_view(t, sl, n, &next_t);
            break;
        case 2: for (size_t i = 0; i < rank; i++) ax[i] = (int)small(&r); st = trueno_permute(t, ax, rank, &next_t); break;
        case 3: ax[0] = (int)small(&r); st = trueno_squeeze(t, ax, n % 2, &next_t); break;
        case 4: st = trueno_unsqueeze(t, (int)small(&r), &next_t); break;
        case 5: st = trueno_select(t, (int)small(&r), small(&r), &next_t); break;
        case 6: for (size_t i = 0; i < n; i++) s[i] = small(&r); st = trueno_broadcast_to(t, n, s, &next_t); break;
        case 7: for (size_t i = 0; i < n; i++) s[i] = small(&r); st = trueno_expand(t, n, s, &next_t); break;
        case 8: st = trueno_transpose(t, (int)small(&r), (int)small(&r), &next_t); break;
        case 9: st = trueno_flatten(t, (int)small(&r), (int)small(&r), &next_t); break;
        case 10: st = trueno_diagonal(t, small(&r), &next_t); break;
        default: st = trueno_contiguous(t, &next_t); break;
        }
        if (st != TRUENO_OK) {
            if (!*trueno_last_error() || next_t) abort(); /* a refusal says why and makes nothing */
            continue;
        }
        int64_t count = trueno_tensor_numel(next_t);
        if (count <= (1 << 16)) {
            int32_t *back = malloc((size_t)(count ? count : 1) * sizeof *back);
            if (trueno_tensor_read(next_t, back, (size_t)count * sizeof *back) != TRUENO_OK) abort();
            for (int64_t i = 0; i < count; i++)
                if (back[i] < 1000 || back[i] >= 1120) abort(); /* every element is one of the originals */
            free(back);
        }
        trueno_tensor_free(t);
        t = next_t;
    }
    trueno_tensor_free(t);
    return 0;
}
