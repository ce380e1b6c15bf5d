/*
 * test_properties.c — laws the ops must obey, checked on random data:
 *  - broadcasting: a + b equals a + broadcast_to(b, a's shape), and
 *    broadcasting is symmetric in shape;
 *  - add and multiply commute exactly; add associates within the float32
 *    tolerance; integer add associates exactly (wrapping);
 *  - an op on a strided view equals the op on its contiguous copy, bit for bit;
 *  - a reduction over all axes equals the same reduction applied axis by axis
 *    (exactly for integers, within tolerance for floats);
 *  - every op family gives bitwise identical results with 1, 2 and 3 threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

#include "tap.h"

static trueno_runtime *rt;
static unsigned seed = 12345;

static double urand(void)
{
    seed = seed * 1103515245u + 12345u;
    return (double)(seed >> 8) / 16777216.0;
}

static trueno_tensor *rand_f32(size_t rank, const int64_t *shape)
{
    int64_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= shape[i];
    float *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = (float)(urand() * 8 - 4);
    trueno_tensor *t = NULL;
    trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, rank, shape, v, &t);
    free(v);
    return t;
}

static trueno_tensor *rand_i32(size_t rank, const int64_t *shape)
{
    int64_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= shape[i];
    int32_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = (int32_t)(urand() * 4e9 - 2e9);
    trueno_tensor *t = NULL;
    trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_INT32, rank, shape, v, &t);
    free(v);
    return t;
}

/* Reads a tensor as doubles into a malloc'd array. */
static double *values(const trueno_tensor *t, int64_t *n)
{
    *n = trueno_tensor_numel(t);
    trueno_tensor *d = NULL;
    trueno_astype(t, TRUENO_DTYPE_FLOAT64, &d);
    double *v = malloc((size_t)(*n ? *n : 1) * sizeof *v);
    trueno_tensor_read(d, v, (size_t)*n * sizeof *v);
    trueno_tensor_free(d);
    return v;
}

static int bitwise_equal(const trueno_tensor *a, const trueno_tensor *b)
{
    if (trueno_tensor_dtype(a) != trueno_tensor_dtype(b) || trueno_tensor_numel(a) != trueno_tensor_numel(b)) return 0;
    size_t bytes = (size_t)trueno_tensor_numel(a) * 8 + 8;
    char *x = calloc(1, bytes), *y = calloc(1, bytes);
    trueno_tensor_read(a, x, bytes);
    trueno_tensor_read(b, y, bytes);
    int same = !memcmp(x, y, bytes);
    free(x);
    free(y);
    return same;
}

/* max |a - b| / max(|a|) */
static double rel_diff(const trueno_tensor *a, const trueno_tensor *b)
{
    int64_t n, m;
    double *x = values(a, &n), *y = values(b, &m), worst = 0, scale = 1e-300;
    for (int64_t i = 0; i < n && n == m; i++) {
        worst = fmax(worst, fabs(x[i] - y[i]));
        scale = fmax(scale, fabs(x[i]));
    }
    free(x);
    free(y);
    return n == m ? worst / scale : INFINITY;
}

static void broadcasting(void)
{
    int64_t sa[3] = {4, 1, 5}, sb[2] = {3, 1}, full[3] = {4, 3, 5};
    for (int trial = 0; trial < 5; trial++) {
        trueno_tensor *a = rand_f32(3, sa), *b = rand_f32(2, sb), *ab = NULL, *ba = NULL, *ea = NULL, *eb = NULL, *e = NULL;
        trueno_add(a, b, &ab);
        trueno_add(b, a, &ba);
        trueno_broadcast_to(a, 3, full, &ea);
        trueno_broadcast_to(b, 3, full, &eb);
        trueno_add(ea, eb, &e);
        const int64_t *s = trueno_tensor_shape(ab);
        ok(trueno_tensor_rank(ab) == 3 && s[0] == 4 && s[1] == 3 && s[2] == 5 && bitwise_equal(ab, ba) && bitwise_equal(ab, e),
           "broadcast (4,1,5)+(3,1) is (4,3,5), symmetric, and equals explicit broadcast_to (trial %d)", trial);
        trueno_tensor *all[] = {a, b, ab, ba, ea, eb, e};
        for (size_t i = 0; i < 7; i++) trueno_tensor_free(all[i]);
    }
}

static void algebra(void)
{
    int64_t s[2] = {33, 17};
    trueno_tensor *a = rand_f32(2, s), *b = rand_f32(2, s), *c = rand_f32(2, s);
    trueno_tensor *ab = NULL, *ba = NULL, *m1 = NULL, *m2 = NULL, *l = NULL, *r = NULL, *abc1 = NULL, *abc2 = NULL;
    trueno_add(a, b, &ab); trueno_add(b, a, &ba);
    trueno_multiply(a, b, &m1); trueno_multiply(b, a, &m2);
    ok(bitwise_equal(ab, ba) && bitwise_equal(m1, m2), "float32 add and multiply commute exactly");
    trueno_add(ab, c, &abc1); trueno_add(b, c, &l); trueno_add(a, l, &abc2);
    double d = rel_diff(abc1, abc2);
    ok(d <= 2 * 5.97e-8 * 3, "(a+b)+c and a+(b+c) agree within two float32 roundings (rel %.2e)", d);
    trueno_tensor *all[] = {a, b, c, ab, ba, m1, m2, l, r, abc1, abc2};
    for (size_t i = 0; i < 11; i++) trueno_tensor_free(all[i]);

    trueno_tensor *x = rand_i32(2, s), *y = rand_i32(2, s), *z = rand_i32(2, s), *xy = NULL, *yz = NULL, *p = NULL, *q = NULL;
    trueno_add(x, y, &xy); trueno_add(xy, z, &p);
    trueno_add(y, z, &yz); trueno_add(x, yz, &q);
    ok(bitwise_equal(p, q), "int32 add (wrapping) associates exactly");
    trueno_tensor *more[] = {x, y, z, xy, yz, p, q};
    for (size_t i = 0; i < 7; i++) trueno_tensor_free(more[i]);
}

static void views(void)
{
    int64_t s[3] = {6, 7, 8};
    trueno_tensor *a = rand_f32(3, s), *v = NULL, *c = NULL;
    int perm[3] = {2, 0, 1};
    trueno_slice sl[3] = {{1, TRUENO_SLICE_ALL, 2}, {TRUENO_SLICE_ALL, TRUENO_SLICE_ALL, -1}, {0, 7, 3}};
    trueno_tensor *p = NULL;
    trueno_permute(a, perm, 3, &p);
    trueno_slice_view(p, sl, 3, &v);
    trueno_copy(v, &c);
    const char *names[] = {"exp", "sum axis 1", "matmul with its transpose", "softmax", "sort", "cumsum", "argmax"};
    for (int k = 0; k < 7; k++) {
        trueno_tensor *rv = NULL, *rc = NULL, *tv = NULL, *tc = NULL;
        int ax[1] = {1};
        switch (k) {
        case 0: trueno_exp(v, &rv); trueno_exp(c, &rc); break;
        case 1: trueno_sum(v, ax, 1, 0, &rv); trueno_sum(c, ax, 1, 0, &rc); break;
        case 2:
            trueno_transpose(v, -1, -2, &tv); trueno_transpose(c, -1, -2, &tc);
            trueno_matmul(v, tv, &rv); trueno_matmul(c, tc, &rc);
            break;
        case 3: trueno_softmax(v, -1, &rv); trueno_softmax(c, -1, &rc); break;
        case 4: trueno_sort(v, 0, 0, &rv); trueno_sort(c, 0, 0, &rc); break;
        case 5: trueno_cumsum(v, 2, &rv); trueno_cumsum(c, 2, &rc); break;
        case 6: trueno_argmax(v, 1, 0, &rv); trueno_argmax(c, 1, 0, &rc); break;
        }
        ok(rv && rc && bitwise_equal(rv, rc), "%s of a permuted, stepped, reversed view equals it on the contiguous copy", names[k]);
        trueno_tensor_free(rv); trueno_tensor_free(rc); trueno_tensor_free(tv); trueno_tensor_free(tc);
    }
    trueno_tensor_free(a); trueno_tensor_free(v); trueno_tensor_free(c); trueno_tensor_free(p);
}

typedef trueno_status (*reduce_fn)(const trueno_tensor *, const int *, size_t, int, trueno_tensor **);

static void reduction_by_axes(void)
{
    int64_t s[3] = {5, 6, 7};
    struct { const char *name; reduce_fn fn; int exact_float; } r[] = {
        {"sum", trueno_sum, 0}, {"prod", trueno_prod, 0}, {"amax", trueno_amax, 1}, {"amin", trueno_amin, 1},
        {"any", trueno_any, 1}, {"all", trueno_all, 1},
    };
    for (size_t k = 0; k < sizeof r / sizeof *r; k++) {
        for (int dt = 0; dt < 2; dt++) {
            trueno_tensor *a = dt ? rand_i32(3, s) : rand_f32(3, s), *all = NULL, *step1 = NULL, *step2 = NULL, *step3 = NULL;
            int a0[1] = {0};
            r[k].fn(a, NULL, 0, 0, &all);
            r[k].fn(a, a0, 1, 0, &step1);
            r[k].fn(step1, a0, 1, 0, &step2);
            r[k].fn(step2, a0, 1, 0, &step3);
            int good = all && step3;
            if (good) good = dt || r[k].exact_float ? bitwise_equal(all, step3) : rel_diff(all, step3) < 1e-5;
            ok(good, "%s over all axes equals %s axis by axis (%s)", r[k].name, r[k].name, dt ? "int32, exact" : "float32");
            trueno_tensor_free(a); trueno_tensor_free(all); trueno_tensor_free(step1);
            trueno_tensor_free(step2); trueno_tensor_free(step3);
        }
    }
}

static void thread_independence(void)
{
    int64_t s[2] = {300, 257}, big[1] = {3000001};
    trueno_tensor *a = rand_f32(2, s), *b = rand_f32(2, s), *v = rand_f32(1, big);
    const char *names[] = {"matmul", "sum of 3e6", "exp", "softmax", "var", "logsumexp", "sort", "conv2d"};
    for (int k = 0; k < 8; k++) {
        trueno_tensor *res[3] = {NULL, NULL, NULL};
        for (uint32_t threads = 1; threads <= 3; threads++) {
            trueno_runtime_set_num_threads(rt, threads);
            trueno_tensor *bt = NULL, *x4 = NULL, *w4 = NULL;
            int ax[1] = {1};
            int64_t sx[4] = {1, 300, 257, 1}, sw[4] = {4, 300, 3, 1}, one[2] = {1, 1}, zero[2] = {1, 0};
            switch (k) {
            case 0: trueno_transpose(b, 0, 1, &bt); trueno_matmul(a, bt, &res[threads - 1]); break;
            case 1: trueno_sum(v, NULL, 0, 0, &res[threads - 1]); break;
            case 2: trueno_exp(a, &res[threads - 1]); break;
            case 3: trueno_softmax(a, 1, &res[threads - 1]); break;
            case 4: trueno_var(v, NULL, 0, 1, 0, &res[threads - 1]); break;
            case 5: trueno_logsumexp(a, ax, 1, 0, &res[threads - 1]); break;
            case 6: trueno_sort(a, 0, 0, &res[threads - 1]); break;
            case 7:
                trueno_reshape(a, 4, sx, &x4);
                trueno_reshape(b, 4, (int64_t[4]){1, 300, 257, 1}, &w4);
                { trueno_tensor *w = NULL; trueno_slice sl[4] = {{0, 1, 1}, {0, 300, 1}, {0, 3, 1}, {0, 1, 1}};
                  trueno_tensor *w0 = NULL, *wr = NULL;
                  trueno_slice_view(w4, sl, 4, &w0);
                  trueno_expand(w0, 4, sw, &wr);
                  trueno_contiguous(wr, &w);
                  trueno_conv2d(x4, w, NULL, one, zero, one, 1, &res[threads - 1]);
                  trueno_tensor_free(w); trueno_tensor_free(w0); trueno_tensor_free(wr); }
                break;
            }
            trueno_tensor_free(bt); trueno_tensor_free(x4); trueno_tensor_free(w4);
        }
        ok(res[0] && res[1] && res[2] && bitwise_equal(res[0], res[1]) && bitwise_equal(res[0], res[2]),
           "%s is bitwise identical with 1, 2 and 3 threads", names[k]);
        for (int i = 0; i < 3; i++) trueno_tensor_free(res[i]);
    }
    trueno_runtime_set_num_threads(rt, 2);
    trueno_tensor_free(a); trueno_tensor_free(b); trueno_tensor_free(v);
}

int main(void)
{
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS | TRUENO_RUNTIME_GUARD_OUTPUTS,
                                .num_threads = 2};
    if (trueno_runtime_create(&o, &rt) != TRUENO_OK) { printf("Bail out! %s\n", trueno_last_error()); return 1; }
    broadcasting();
    algebra();
    views();
    reduction_by_axes();
    thread_independence();
    trueno_runtime_destroy(rt);
    return tap_done();
}
