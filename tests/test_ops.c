/*
 * test_ops.c — the first ops on the reference backend, through the public
 * API: values for every dtype, promotion, broadcasting, strided and
 * borrowed views, reductions over axes, matmul/dot against a naive float64
 * product, float16/bfloat16 rounding at the ties, user-facing error
 * messages, and results that do not depend on the thread count. Expected
 * values are computed here independently of the library's code.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

#include "tap.h"

static trueno_runtime *rt;

/* A tensor of `dt` from small integers/doubles (test-side conversion). */
static trueno_tensor *make(trueno_dtype dt, size_t rank, const int64_t *shape, const double *v)
{
    int64_t n = 1;
    for (size_t i = 0; i < rank; i++) n *= shape[i];
    unsigned char buf[8 * 4096];
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        switch ((int)dt) {
        case TRUENO_DTYPE_BOOL: buf[i] = x != 0; break;
        case TRUENO_DTYPE_UINT8: ((uint8_t *)buf)[i] = (uint8_t)x; break;
        case TRUENO_DTYPE_INT8: ((int8_t *)buf)[i] = (int8_t)x; break;
        case TRUENO_DTYPE_INT16: ((int16_t *)buf)[i] = (int16_t)x; break;
        case TRUENO_DTYPE_INT32: ((int32_t *)buf)[i] = (int32_t)x; break;
        case TRUENO_DTYPE_INT64: ((int64_t *)buf)[i] = (int64_t)x; break;
        case TRUENO_DTYPE_FLOAT32: ((float *)buf)[i] = (float)x; break;
        case TRUENO_DTYPE_FLOAT64: ((double *)buf)[i] = x; break;
        case TRUENO_DTYPE_FLOAT16: { /* small integers only: exact */
            int iv = abs((int)x); uint16_t h = 0;
            if (iv) { int e = 0; while ((1 << (e + 1)) <= iv) e++;
                      h = (uint16_t)(((e + 15) << 10) | ((iv << (10 - e)) & 0x3ff)); }
            ((uint16_t *)buf)[i] = (uint16_t)(h | (x < 0 ? 0x8000 : 0)); break; }
        case TRUENO_DTYPE_BFLOAT16: { float f = (float)x; uint32_t b; memcpy(&b, &f, 4);
            ((uint16_t *)buf)[i] = (uint16_t)(b >> 16); break; }
        }
    }
    trueno_tensor *t = NULL;
    if (trueno_tensor_from_buffer_copy(rt, dt, rank, shape, buf, &t) != TRUENO_OK)
        diag("make: %s", trueno_last_error());
    return t;
}

/* Reads any tensor back as doubles (test-side conversion). */
static void read_f64(const trueno_tensor *t, double *out)
{
    int64_t n = trueno_tensor_numel(t);
    unsigned char *buf = malloc((size_t)n * 8 + 8);
    trueno_tensor_read(t, buf, (size_t)n * 8 + 8);
    for (int64_t i = 0; i < n; i++) {
        switch ((int)trueno_tensor_dtype(t)) {
        case TRUENO_DTYPE_BOOL: out[i] = buf[i]; break;
        case TRUENO_DTYPE_UINT8: out[i] = ((uint8_t *)buf)[i]; break;
        case TRUENO_DTYPE_INT8: out[i] = ((int8_t *)buf)[i]; break;
        case TRUENO_DTYPE_INT16: out[i] = ((int16_t *)buf)[i]; break;
        case TRUENO_DTYPE_INT32: out[i] = ((int32_t *)buf)[i]; break;
        case TRUENO_DTYPE_INT64: out[i] = (double)((int64_t *)buf)[i]; break;
        case TRUENO_DTYPE_FLOAT32: out[i] = ((float *)buf)[i]; break;
        case TRUENO_DTYPE_FLOAT64: out[i] = ((double *)buf)[i]; break;
        case TRUENO_DTYPE_FLOAT16: { uint16_t h = ((uint16_t *)buf)[i];
            int e = (h >> 10) & 31, m = h & 1023;
            out[i] = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
            if (h & 0x8000) out[i] = -out[i];
            break; }
        case TRUENO_DTYPE_BFLOAT16: { uint32_t b = (uint32_t)((uint16_t *)buf)[i] << 16; float f;
            memcpy(&f, &b, 4); out[i] = f; break; }
        }
    }
    free(buf);
}

static int equal_values(const trueno_tensor *t, const double *want, int64_t n)
{
    double got[4096];
    if (trueno_tensor_numel(t) != n) return 0;
    read_f64(t, got);
    for (int64_t i = 0; i < n; i++)
        if (!(got[i] == want[i] || (isnan(got[i]) && isnan(want[i])))) {
            diag("element %lld: got %.17g want %.17g", (long long)i, got[i], want[i]);
            return 0;
        }
    return 1;
}

static int shape_is(const trueno_tensor *t, size_t rank, const int64_t *shape)
{
    if (trueno_tensor_rank(t) != rank) return 0;
    for (size_t i = 0; i < rank; i++) if (trueno_tensor_shape(t)[i] != shape[i]) return 0;
    return 1;
}

static void test_elementwise_dtypes(void)
{
    int64_t s[1] = {4};
    double a[4] = {0, 1, 2, 5}, b[4] = {3, 1, 0, 2};
    for (int dt = 0; dt < TRUENO_DTYPE_COUNT_1_0; dt++) {
        trueno_tensor *ta = make(dt, 1, s, a), *tb = make(dt, 1, s, b), *sum = NULL, *prod = NULL;
        double want_sum[4], want_prod[4];
        for (int i = 0; i < 4; i++) {
            want_sum[i] = dt == TRUENO_DTYPE_BOOL ? (a[i] || b[i]) : a[i] + b[i];
            want_prod[i] = dt == TRUENO_DTYPE_BOOL ? (a[i] && b[i]) : a[i] * b[i];
        }
        ok(trueno_add(ta, tb, &sum) == TRUENO_OK && (int)trueno_tensor_dtype(sum) == dt &&
           equal_values(sum, want_sum, 4), "add %s", trueno_dtype_name(dt));
        ok(trueno_multiply(ta, tb, &prod) == TRUENO_OK && (int)trueno_tensor_dtype(prod) == dt &&
           equal_values(prod, want_prod, 4), "multiply %s", trueno_dtype_name(dt));
        trueno_tensor_free(ta); trueno_tensor_free(tb); trueno_tensor_free(sum); trueno_tensor_free(prod);
    }
    /* integers wrap, as NumPy */
    int64_t s1[1] = {2};
    double x[2] = {100, 200}, y[2] = {100, 100};
    trueno_tensor *ta = make(TRUENO_DTYPE_INT8, 1, s1, x), *tb = make(TRUENO_DTYPE_INT8, 1, s1, y), *r = NULL;
    double w8[2] = {-56, 44}; /* 200 as int8 is -56; -56 + 100 = 44 */
    ok(trueno_add(ta, tb, &r) == TRUENO_OK && equal_values(r, w8, 2), "int8 add wraps");
    trueno_tensor_free(ta); trueno_tensor_free(tb); trueno_tensor_free(r);
    ta = make(TRUENO_DTYPE_UINT8, 1, s1, x); tb = make(TRUENO_DTYPE_UINT8, 1, s1, y);
    double wu[2] = {200, 44};
    ok(trueno_add(ta, tb, &r) == TRUENO_OK && equal_values(r, wu, 2), "uint8 add wraps");
    trueno_tensor_free(ta); trueno_tensor_free(tb); trueno_tensor_free(r);
}

static void test_promotion(void)
{
    struct { trueno_dtype a, b, want; } cases[] = {
        {TRUENO_DTYPE_INT32, TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT32},
        {TRUENO_DTYPE_UINT8, TRUENO_DTYPE_INT8, TRUENO_DTYPE_INT16},
        {TRUENO_DTYPE_UINT8, TRUENO_DTYPE_INT32, TRUENO_DTYPE_INT32},
        {TRUENO_DTYPE_BOOL, TRUENO_DTYPE_INT8, TRUENO_DTYPE_INT8},
        {TRUENO_DTYPE_INT16, TRUENO_DTYPE_INT64, TRUENO_DTYPE_INT64},
        {TRUENO_DTYPE_FLOAT16, TRUENO_DTYPE_BFLOAT16, TRUENO_DTYPE_FLOAT32},
        {TRUENO_DTYPE_INT64, TRUENO_DTYPE_FLOAT16, TRUENO_DTYPE_FLOAT16},
        {TRUENO_DTYPE_FLOAT32, TRUENO_DTYPE_FLOAT64, TRUENO_DTYPE_FLOAT64},
    };
    int64_t s[1] = {3};
    double a[3] = {1, 2, 3}, b[3] = {4, 5, 6}, want[3];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int k = 0; k < 3; k++) want[k] = (cases[i].a == TRUENO_DTYPE_BOOL ? 1 : a[k]) + b[k];
        trueno_tensor *ta = make(cases[i].a, 1, s, a), *tb = make(cases[i].b, 1, s, b), *r = NULL;
        ok(trueno_add(ta, tb, &r) == TRUENO_OK && trueno_tensor_dtype(r) == cases[i].want &&
           equal_values(r, want, 3), "%s + %s -> %s", trueno_dtype_name(cases[i].a),
           trueno_dtype_name(cases[i].b), trueno_dtype_name(cases[i].want));
        trueno_tensor_free(ta); trueno_tensor_free(tb); trueno_tensor_free(r);
    }
}

static void test_broadcast_and_views(void)
{
    int64_t sa[2] = {3, 1}, sb[1] = {4}, so[2] = {3, 4};
    double a[3] = {10, 20, 30}, b[4] = {1, 2, 3, 4}, want[12];
    for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) want[i * 4 + j] = a[i] + b[j];
    trueno_tensor *ta = make(TRUENO_DTYPE_FLOAT32, 2, sa, a), *tb = make(TRUENO_DTYPE_FLOAT32, 1, sb, b), *r = NULL;
    ok(trueno_add(ta, tb, &r) == TRUENO_OK && shape_is(r, 2, so) && equal_values(r, want, 12),
       "(3,1) + (4,) broadcasts to (3,4)");
    trueno_tensor_free(r);

    trueno_tensor *bad = NULL, *sentinel = (trueno_tensor *)&bad, *out = sentinel;
    int64_t s5[1] = {5};
    double five[5] = {0};
    bad = make(TRUENO_DTYPE_FLOAT32, 1, s5, five);
    trueno_tensor *t34 = NULL;
    trueno_add(ta, tb, &t34);
    trueno_status st = trueno_add(t34, bad, &out);
    const char *msg = trueno_last_error();
    ok(st == TRUENO_SHAPE_MISMATCH && strstr(msg, "(3,4)") && strstr(msg, "(5,)") &&
       strstr(msg, "axis -1") && strstr(msg, "Hint"), "broadcast error names both shapes and the axis: %s", msg);
    ok(out == sentinel, "a failing call leaves *out untouched");
    trueno_tensor_free(bad);

    /* a transposed (strided) view as input */
    trueno_tensor *tt = NULL, *r2 = NULL;
    trueno_transpose(t34, 0, 1, &tt);
    int64_t s43[2] = {4, 3};
    double want_t[12];
    for (int j = 0; j < 4; j++) for (int i = 0; i < 3; i++) want_t[j * 3 + i] = 2 * want[i * 4 + j];
    ok(tt && shape_is(tt, 2, s43) && trueno_add(tt, tt, &r2) == TRUENO_OK && equal_values(r2, want_t, 12),
       "transposed view: add of strided operands");
    trueno_tensor *c = NULL;
    double want_c[12];
    for (int j = 0; j < 4; j++) for (int i = 0; i < 3; i++) want_c[j * 3 + i] = want[i * 4 + j];
    ok(trueno_contiguous(tt, &c) == TRUENO_OK && trueno_tensor_strides(c)[0] == 3 &&
       trueno_tensor_strides(c)[1] == 1 && equal_values(c, want_c, 12), "contiguous copies a view into C order");
    trueno_tensor_free(c); trueno_tensor_free(r2); trueno_tensor_free(tt); trueno_tensor_free(t34);
    trueno_tensor_free(ta); trueno_tensor_free(tb);

    /* borrowed memory with a negative stride: a reversed vector */
    float mem[5] = {1, 2, 3, 4, 5};
    int64_t sh[1] = {5}, strides[1] = {-1};
    trueno_tensor *rev = NULL, *twice = NULL;
    double want_rev[5] = {10, 8, 6, 4, 2};
    ok(trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, sh, strides, mem + 4, &rev) == TRUENO_OK &&
       trueno_add(rev, rev, &twice) == TRUENO_OK && equal_values(twice, want_rev, 5),
       "borrowed buffer with stride -1");
    ok(mem[0] == 1 && mem[4] == 5, "borrowed input unchanged");
    trueno_tensor_free(rev); trueno_tensor_free(twice);
}

static void test_sum(void)
{
    int64_t s[3] = {2, 3, 4};
    double v[24], w_all = 0, w_ax1[8] = {0}, w_ax02[3] = {0};
    for (int i = 0; i < 24; i++) { v[i] = i - 5; w_all += v[i]; }
    for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) {
        w_ax1[i * 4 + k] += v[i * 12 + j * 4 + k];
        w_ax02[j] += v[i * 12 + j * 4 + k];
    }
    for (int dt = 0; dt < TRUENO_DTYPE_COUNT_1_0; dt++) {
        if (dt == TRUENO_DTYPE_BOOL || dt == TRUENO_DTYPE_UINT8) continue; /* negative values */
        trueno_tensor *t = make(dt, 3, s, v), *r = NULL;
        trueno_dtype want_dt = dt >= TRUENO_DTYPE_FLOAT16 ? dt : TRUENO_DTYPE_INT64;
        ok(trueno_sum(t, NULL, 0, 0, &r) == TRUENO_OK && trueno_tensor_rank(r) == 0 &&
           trueno_tensor_dtype(r) == want_dt && equal_values(r, &w_all, 1), "sum all of %s -> %s",
           trueno_dtype_name(dt), trueno_dtype_name(want_dt));
        trueno_tensor_free(r);
        int ax1[1] = {-2};
        int64_t k1[3] = {2, 1, 4}, r1[2] = {2, 4};
        ok(trueno_sum(t, ax1, 1, 1, &r) == TRUENO_OK && shape_is(r, 3, k1) && equal_values(r, w_ax1, 8),
           "sum %s axis -2 keepdims", trueno_dtype_name(dt));
        trueno_tensor_free(r);
        ok(trueno_sum(t, ax1, 1, 0, &r) == TRUENO_OK && shape_is(r, 2, r1) && equal_values(r, w_ax1, 8),
           "sum %s axis 1", trueno_dtype_name(dt));
        trueno_tensor_free(r);
        int ax02[2] = {2, 0};
        int64_t r02[1] = {3};
        ok(trueno_sum(t, ax02, 2, 0, &r) == TRUENO_OK && shape_is(r, 1, r02) && equal_values(r, w_ax02, 3),
           "sum %s axes (2,0)", trueno_dtype_name(dt));
        trueno_tensor_free(r);
        trueno_tensor_free(t);
    }
    double bits[6] = {1, 0, 1, 1, 0, 1}, four = 4;
    int64_t s6[1] = {6};
    trueno_tensor *tb = make(TRUENO_DTYPE_BOOL, 1, s6, bits), *r = NULL;
    ok(trueno_sum(tb, NULL, 0, 0, &r) == TRUENO_OK && trueno_tensor_dtype(r) == TRUENO_DTYPE_INT64 &&
       equal_values(r, &four, 1), "sum of bool counts the trues as int64");
    trueno_tensor_free(r); trueno_tensor_free(tb);

    int64_t s0[2] = {0, 3}, r0s[1] = {3};
    double zeros[3] = {0, 0, 0};
    trueno_tensor *te = make(TRUENO_DTYPE_FLOAT32, 2, s0, zeros);
    int ax0[1] = {0};
    ok(trueno_sum(te, ax0, 1, 0, &r) == TRUENO_OK && shape_is(r, 1, r0s) && equal_values(r, zeros, 3),
       "sum over an empty axis gives zeros");
    trueno_tensor_free(r);
    int badax[1] = {2}, rep[2] = {1, -1};
    ok(trueno_sum(te, badax, 1, 0, &r) == TRUENO_INVALID_ARGUMENT &&
       strstr(trueno_last_error(), "axis 2 is out of bounds") && strstr(trueno_last_error(), "(0,3)"),
       "bad axis: %s", trueno_last_error());
    ok(trueno_sum(te, rep, 2, 0, &r) == TRUENO_INVALID_ARGUMENT && strstr(trueno_last_error(), "repeated"),
       "repeated axis: %s", trueno_last_error());
    trueno_tensor_free(te);

    /* Accuracy: 10^7 float32 terms (a naive float32 loop is off by ~1e-2 relative). */
    int64_t big = 10000000;
    float *x = malloc((size_t)big * sizeof *x);
    double exact = 0;
    for (int64_t i = 0; i < big; i++) { x[i] = 0.1f + (float)(i % 7) * 1e-3f; exact += x[i]; }
    trueno_tensor *tx = NULL, *rs = NULL;
    float got = 0;
    trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, &big, NULL, x, &tx);
    ok(trueno_sum(tx, NULL, 0, 0, &rs) == TRUENO_OK && trueno_tensor_read(rs, &got, 4) == TRUENO_OK &&
       fabs(got - exact) / exact < 1e-7, "sum of 1e7 float32 is within 1e-7 of the exact sum "
       "(rel err %.2e)", fabs(got - exact) / exact);
    trueno_tensor_free(rs);
    /* results do not depend on the thread count */
    float got1 = 0, got2 = 0;
    trueno_runtime_set_num_threads(rt, 1);
    trueno_sum(tx, NULL, 0, 0, &rs); trueno_tensor_read(rs, &got1, 4); trueno_tensor_free(rs);
    trueno_runtime_set_num_threads(rt, 3);
    trueno_sum(tx, NULL, 0, 0, &rs); trueno_tensor_read(rs, &got2, 4); trueno_tensor_free(rs);
    ok(memcmp(&got1, &got2, 4) == 0 && trueno_runtime_num_threads(rt) == 3,
       "sum is bitwise identical with 1 and 3 threads");
    trueno_tensor_free(tx);
    free(x);
}

static void test_matmul_dot(void)
{
    enum { M = 17, K = 33, N = 9 };
    double a[M * K], b[K * N], want[M * N];
    srand(7);
    for (int i = 0; i < M * K; i++) a[i] = (float)((rand() % 2001) - 1000) / 256.0f;
    for (int i = 0; i < K * N; i++) b[i] = (float)((rand() % 2001) - 1000) / 512.0f;
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
        double s = 0;
        for (int p = 0; p < K; p++) s += a[i * K + p] * b[p * N + j];
        want[i * N + j] = (float)s; /* products of these are exact in double */
    }
    int64_t sa[2] = {M, K}, sb[2] = {K, N}, so[2] = {M, N};
    trueno_tensor *ta = make(TRUENO_DTYPE_FLOAT32, 2, sa, a), *tb = make(TRUENO_DTYPE_FLOAT32, 2, sb, b), *r = NULL;
    ok(trueno_matmul(ta, tb, &r) == TRUENO_OK && shape_is(r, 2, so) && equal_values(r, want, M * N),
       "matmul float32 (17,33)@(33,9) equals float64 product rounded once");
    trueno_tensor_free(r);

    /* b given transposed in memory: (N,K) viewed as (K,N) */
    double bt[N * K];
    for (int p = 0; p < K; p++) for (int j = 0; j < N; j++) bt[j * K + p] = b[p * N + j];
    int64_t sbt[2] = {N, K};
    trueno_tensor *tbt = make(TRUENO_DTYPE_FLOAT32, 2, sbt, bt), *view = NULL;
    trueno_transpose(tbt, -1, -2, &view);
    ok(trueno_matmul(ta, view, &r) == TRUENO_OK && equal_values(r, want, M * N), "matmul with a transposed operand");
    trueno_tensor_free(r); trueno_tensor_free(view); trueno_tensor_free(tbt);

    /* 1-D promotion */
    int64_t sk[1] = {K}, sn[1] = {N};
    trueno_tensor *vk = make(TRUENO_DTYPE_FLOAT64, 1, sk, a), *r1 = NULL;
    double want_row[N];
    for (int j = 0; j < N; j++) { double s = 0; for (int p = 0; p < K; p++) s += a[p] * b[p * N + j]; want_row[j] = s; }
    ok(trueno_matmul(vk, tb, &r1) == TRUENO_OK && shape_is(r1, 1, sn) && trueno_tensor_dtype(r1) == TRUENO_DTYPE_FLOAT64 &&
       equal_values(r1, want_row, N),
       "matmul (33,)@(33,9) -> (9,) float64 (promoted)");
    trueno_tensor_free(r1);
    trueno_tensor *d = NULL;
    double wd = 0;
    for (int p = 0; p < K; p++) wd += a[p] * a[p];
    ok(trueno_dot(vk, vk, &d) == TRUENO_OK && trueno_tensor_rank(d) == 0 && equal_values(d, &wd, 1),
       "dot of 1-D vectors is 0-d");
    trueno_tensor_free(d);
    ok(trueno_dot(ta, tb, &d) == TRUENO_OK && equal_values(d, want, M * N), "dot of 2-D operands is matmul");
    trueno_tensor_free(d); trueno_tensor_free(vk);

    /* The error a user sees for mismatched inner dimensions. */
    int64_t s34[2] = {3, 4}, s56[2] = {5, 6};
    double z[30] = {0};
    trueno_tensor *x = make(TRUENO_DTYPE_FLOAT32, 2, s34, z), *y = make(TRUENO_DTYPE_FLOAT32, 2, s56, z);
    trueno_status st = trueno_matmul(x, y, &r);
    const char *msg = trueno_last_error();
    ok(st == TRUENO_SHAPE_MISMATCH && strstr(msg, "(3,4)") && strstr(msg, "(5,6)") &&
       strstr(msg, "4 \xe2\x89\xa0 5") && strstr(msg, "transpose"), "matmul (3,4)@(5,6): %s", msg);
    int64_t s53[2] = {3, 5};
    trueno_tensor *x2 = make(TRUENO_DTYPE_FLOAT32, 2, s53, z);
    st = trueno_matmul(x, x2, &r); /* (3,4)@(3,5): transposing a fixes it */
    ok(st == TRUENO_SHAPE_MISMATCH && strstr(trueno_last_error(), "transpose a"),
       "the hint names the operand to transpose: %s", trueno_last_error());
    int64_t s3[1] = {3}, s4[1] = {4};
    trueno_tensor *v3 = make(TRUENO_DTYPE_FLOAT32, 1, s3, z), *v4 = make(TRUENO_DTYPE_FLOAT32, 1, s4, z);
    ok(trueno_dot(v3, v4, &r) == TRUENO_SHAPE_MISMATCH && strstr(trueno_last_error(), "(3,) and (4,)"),
       "dot mismatch: %s", trueno_last_error());
    trueno_tensor_free(x); trueno_tensor_free(y); trueno_tensor_free(x2); trueno_tensor_free(v3);
    trueno_tensor_free(v4); trueno_tensor_free(ta); trueno_tensor_free(tb);

    /* integers wrap in int32; bool is or-of-ands */
    int64_t s22[2] = {2, 2};
    double ia[4] = {65536, 1, 0, 3}, ib[4] = {65536, 0, 2, 5};
    double iw[4] = {0 + 2, 0 + 5, 6, 15}; /* 65536^2 wraps to 0 in int32 */
    trueno_tensor *ti = make(TRUENO_DTYPE_INT32, 2, s22, ia), *tj = make(TRUENO_DTYPE_INT32, 2, s22, ib);
    ok(trueno_matmul(ti, tj, &r) == TRUENO_OK && trueno_tensor_dtype(r) == TRUENO_DTYPE_INT32 &&
       equal_values(r, iw, 4), "int32 matmul wraps");
    trueno_tensor_free(r); trueno_tensor_free(ti); trueno_tensor_free(tj);
    double ba[4] = {1, 0, 0, 0}, bb[4] = {0, 1, 1, 0}, bw[4] = {0, 1, 0, 0};
    ti = make(TRUENO_DTYPE_BOOL, 2, s22, ba); tj = make(TRUENO_DTYPE_BOOL, 2, s22, bb);
    ok(trueno_matmul(ti, tj, &r) == TRUENO_OK && trueno_tensor_dtype(r) == TRUENO_DTYPE_BOOL &&
       equal_values(r, bw, 4), "bool matmul is or-of-ands");
    trueno_tensor_free(r); trueno_tensor_free(ti); trueno_tensor_free(tj);

    /* thread-count independence on a bigger product */
    enum { B = 150 };
    float *m1 = malloc(B * B * sizeof *m1);
    float *o1 = malloc(B * B * sizeof *o1), *o2 = malloc(B * B * sizeof *o2);
    for (int i = 0; i < B * B; i++) m1[i] = (float)sin(i * 0.37);
    int64_t sbb[2] = {B, B};
    trueno_tensor *tm = NULL, *p = NULL;
    trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, sbb, NULL, m1, &tm);
    trueno_runtime_set_num_threads(rt, 1);
    trueno_matmul(tm, tm, &p); trueno_tensor_read(p, o1, B * B * 4); trueno_tensor_free(p);
    trueno_runtime_set_num_threads(rt, 2);
    trueno_matmul(tm, tm, &p); trueno_tensor_read(p, o2, B * B * 4); trueno_tensor_free(p);
    ok(memcmp(o1, o2, B * B * 4) == 0, "matmul is bitwise identical with 1 and 2 threads");
    trueno_tensor_free(tm);
    free(m1); free(o1); free(o2);
}

static uint16_t half_bits(trueno_dtype dt, float v)
{
    int64_t s[1] = {1};
    trueno_tensor *t = NULL, *c = NULL;
    uint16_t h = 0xdead;
    trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, s, &v, &t);
    if (trueno_astype(t, dt, &c) == TRUENO_OK) trueno_tensor_read(c, &h, 2);
    trueno_tensor_free(t); trueno_tensor_free(c);
    return h;
}

static void test_cast(void)
{
    struct { float v; uint16_t f16, bf16; const char *what; } c[] = {
        {1.0f, 0x3c00, 0x3f80, "1"},
        {-0.0f, 0x8000, 0x8000, "-0"},
        {65504.0f, 0x7bff, 0x4780, "float16 max (bfloat16 rounds up to 65536)"},
        {65520.0f, 0x7c00, 0x4780, "65520: float16 overflows to inf"},
        {1.0f + 0x1p-11f, 0x3c00, 0x3f80, "1+2^-11: float16 tie to even (down)"},
        {1.0f + 0x3p-11f, 0x3c02, 0x3f80, "1+3*2^-11: float16 tie to even (up)"},
        {1.0f + 0x1p-8f, 0x3c04, 0x3f80, "1+2^-8: bfloat16 tie to even (down)"},
        {1.0f + 0x3p-8f, 0x3c0c, 0x3f82, "1+3*2^-8: bfloat16 tie to even (up)"},
        {0x1p-24f, 0x0001, 0x3380, "2^-24: smallest float16 subnormal"},
        {0x1p-25f, 0x0000, 0x3300, "2^-25: float16 tie to even (zero)"},
        {0x3p-26f, 0x0001, 0x3340, "3*2^-26: rounds up to the subnormal"},
        {3.4028235e38f, 0x7c00, 0x7f80, "FLT_MAX: both overflow to inf"},
        {INFINITY, 0x7c00, 0x7f80, "inf"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        uint16_t h = half_bits(TRUENO_DTYPE_FLOAT16, c[i].v), b = half_bits(TRUENO_DTYPE_BFLOAT16, c[i].v);
        ok(h == c[i].f16 && b == c[i].bf16, "cast %s: float16 0x%04x (want 0x%04x), bfloat16 0x%04x (want 0x%04x)",
           c[i].what, h, c[i].f16, b, c[i].bf16);
    }
    uint16_t hn = half_bits(TRUENO_DTYPE_FLOAT16, NAN), bn = half_bits(TRUENO_DTYPE_BFLOAT16, NAN);
    ok((hn & 0x7c00) == 0x7c00 && (hn & 0x3ff) && (bn & 0x7f80) == 0x7f80 && (bn & 0x7f), "NaN stays NaN");

    int64_t s[1] = {6};
    double v[6] = {-1.7, 2.9, 300.5, -300.5, NAN, 1e30};
    trueno_tensor *t = make(TRUENO_DTYPE_FLOAT64, 1, s, v), *r = NULL;
    /* 1e30 saturates to INT64_MAX, whose low 32 bits are -1 */
    double w32[6] = {-1, 2, 300, -300, 0, -1}, w8[6] = {-1, 2, 44, -44, 0, -1};
    ok(trueno_astype(t, TRUENO_DTYPE_INT32, &r) == TRUENO_OK && equal_values(r, w32, 6),
       "float64 -> int32 truncates toward zero, NaN -> 0");
    trueno_tensor_free(r);
    ok(trueno_astype(t, TRUENO_DTYPE_INT8, &r) == TRUENO_OK && equal_values(r, w8, 6),
       "float64 -> int8 wraps like NumPy (300 -> 44)");
    trueno_tensor_free(r);
    double wb[6] = {1, 1, 1, 1, 1, 1};
    ok(trueno_astype(t, TRUENO_DTYPE_BOOL, &r) == TRUENO_OK && equal_values(r, wb, 6), "float -> bool is x != 0 (NaN is true)");
    trueno_tensor_free(r); trueno_tensor_free(t);
    double iv[3] = {300, -1, 0};
    int64_t s3[1] = {3};
    t = make(TRUENO_DTYPE_INT32, 1, s3, iv);
    double wu8[3] = {44, 255, 0}, wbool[3] = {1, 1, 0};
    ok(trueno_astype(t, TRUENO_DTYPE_UINT8, &r) == TRUENO_OK && equal_values(r, wu8, 3), "int32 -> uint8 wraps");
    trueno_tensor_free(r);
    ok(trueno_astype(t, TRUENO_DTYPE_BOOL, &r) == TRUENO_OK && equal_values(r, wbool, 3), "int32 -> bool");
    trueno_tensor_free(r); trueno_tensor_free(t);
}

static void test_generic_entry(void)
{
    /* trueno_op_run drives every op of the table the same as its typed function */
    int64_t s[2] = {2, 3};
    double v[6] = {1, 2, 3, 4, 5, 6}, col[3] = {5, 7, 9};
    trueno_tensor *t = make(TRUENO_DTYPE_FLOAT32, 2, s, v), *r = NULL, *bad = NULL;
    trueno_op_params p = {.struct_size = sizeof p, .ints = {1, 0}};
    const trueno_tensor *in[1] = {t};
    int64_t keep[2] = {1, 3}, wrong[2] = {2, 3};
    trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 2, keep, &r);
    ok(trueno_op_run(TRUENO_OP_SUM, in, 1, &p, &r, 1) == TRUENO_OK && equal_values(r, col, 3),
       "op_run sum with axis mask 0b1 writes the preallocated keepdims output");
    trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 2, wrong, &bad);
    ok(trueno_op_run(TRUENO_OP_SUM, in, 1, &p, &bad, 1) == TRUENO_INVALID_ARGUMENT &&
       strstr(trueno_last_error(), "output extent 0 must be 1"), "op_run validates shapes: %s", trueno_last_error());
    ok(trueno_op_run(TRUENO_OP_ADD, in, 1, NULL, &r, 1) == TRUENO_INVALID_ARGUMENT, "op_run checks arity");
    ok(trueno_op_run((trueno_op_code)999, in, 1, NULL, &r, 1) == TRUENO_INVALID_ARGUMENT, "op_run rejects unknown ops");
    trueno_tensor_free(r);
    trueno_tensor_free(bad);
    for (uint32_t op = 1; op < TRUENO_OP_COUNT_1_0; op++) {
        const trueno_op_info *info = trueno_op_lookup((trueno_op_code)op);
        ok(info && info->code == op && info->name && info->numpy && info->torch, "op table entry %u (%s)",
           op, info ? info->name : "?");
    }
    trueno_tensor_free(t);
}

int main(void)
{
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS | TRUENO_RUNTIME_GUARD_OUTPUTS};
    if (trueno_runtime_create(&o, &rt) != TRUENO_OK) {
        printf("Bail out! %s\n", trueno_last_error());
        return 1;
    }
    test_elementwise_dtypes();
    test_promotion();
    test_broadcast_and_views();
    test_sum();
    test_matmul_dot();
    test_cast();
    test_generic_entry();
    trueno_runtime_destroy(rt);
    return tap_done();
}
