/*
 * trueno-fashion-knn — classifies the 10,000 Fashion-MNIST test images by
 * k-nearest neighbours over the 60,000 training images (brute force, squared
 * Euclidean distance), the way scikit-learn's
 * KNeighborsClassifier(algorithm="brute") does, with Trueno doing the work:
 *
 *   ‖x − y‖² = ‖x‖² − 2·x·yᵀ + ‖y‖²
 *
 * ‖y‖² of every training image once (exactly, from the bytes), then per
 * block of test images one gemm (alpha −2, beta 1, c the row of ‖y‖²
 * broadcast: the ranking does not need ‖x‖², a constant per row) and one
 * topk for the nearest candidates of each row. Where a GPU plugin has a
 * device, the cost model puts the gemm and the topk there; the training
 * images are uploaded once and stay resident.
 *
 * Exactness: the pixels are bytes, so the true distances are integers
 * (over 255²). The float32 gemm ranks the candidates; each candidate's
 * distance is then recomputed exactly from the bytes, and the result is
 * accepted only when the gemm's documented error bound (trueno_op_tolerance
 * of gemm, float32) proves that no training image outside the candidates
 * can be nearer than the k-th; otherwise that test image is scanned
 * exactly against the whole training set (counted and printed). The
 * re-ranking runs over OpenMP threads where the compiler has OpenMP.
 * Ties go to the lower training index; the vote (uniform: most neighbours,
 * distance: Σ 1/distance, an exact match taking all the weight) breaks
 * ties toward the lower class number, as scikit-learn's does.
 *
 * Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)
 * or --data DIR; IDX files as idx.h reads them.
 */
#define _GNU_SOURCE /* getopt_long, clock_gettime */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <trueno/trueno.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gallery.h"
#include "idx.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define N_CLASSES 10
/* candidates taken from the float32 ranking per test image (topk's k) */
#define CANDIDATES 32
/* neighbours kept exactly per test image: max(k, what the gallery shows) */
#define KEEP_MIN GALLERY_NEIGHBOURS

static const char *class_names[N_CLASSES] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

typedef struct options {
    const char *data, *gallery, *predictions;
    int k, distance_weights;
    int64_t limit, block;
    uint32_t threads;
} options;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: trueno-fashion-knn [--data DIR] [--k N] [--weights uniform|distance]\n"
            "                          [--threads N] [--block N] [--limit N]\n"
            "                          [--gallery out.png] [--predictions FILE]\n"
            "  --data DIR         the four Fashion-MNIST IDX files (.gz or not); default\n"
            "                     " DEFAULT_DATA " (Debian's dataset-fashion-mnist)\n"
            "  --k N              neighbours that vote (default 1, at most %d)\n"
            "  --weights W        uniform (default) or distance (1/distance)\n"
            "  --threads N        threads for Trueno and the re-ranking (default: TRUENO_NUM_THREADS, else all cores)\n"
            "  --block N          test images per gemm (default 1024; memory grows with it)\n"
            "  --limit N          classify only the first N test images\n"
            "  --gallery FILE     write a PNG of test images and their nearest training images\n"
            "  --predictions FILE write the predicted class of each test image, one per line\n",
            CANDIDATES / 2);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int parse_int(const char *s, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "trueno-fashion-knn: %s must be an integer from %lld to %lld, got '%s'\n", name,
                (long long)lo, (long long)hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"data", required_argument, 0, 'd'},    {"k", required_argument, 0, 'k'},
        {"weights", required_argument, 0, 'w'}, {"threads", required_argument, 0, 't'},
        {"block", required_argument, 0, 'b'},   {"limit", required_argument, 0, 'l'},
        {"gallery", required_argument, 0, 'g'}, {"predictions", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    *o = (options){.data = DEFAULT_DATA, .k = 1, .block = 1024, .limit = INT64_MAX};
    int c;
    int64_t v;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'd': o->data = optarg; break;
        case 'g': o->gallery = optarg; break;
        case 'p': o->predictions = optarg; break;
        case 'k': if (parse_int(optarg, "--k", 1, CANDIDATES / 2, &v)) return -1; o->k = (int)v; break;
        case 't': if (parse_int(optarg, "--threads", 1, 1024, &v)) return -1; o->threads = (uint32_t)v; break;
        case 'b': if (parse_int(optarg, "--block", 1, 1 << 20, &v)) return -1; o->block = v; break;
        case 'l': if (parse_int(optarg, "--limit", 1, INT64_MAX, &v)) return -1; o->limit = v; break;
        case 'w':
            if (strcmp(optarg, "uniform") && strcmp(optarg, "distance")) {
                fprintf(stderr, "trueno-fashion-knn: --weights is uniform or distance, got '%s'\n", optarg);
                return -1;
            }
            o->distance_weights = !strcmp(optarg, "distance");
            break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "trueno-fashion-knn: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Reads DIR/name.gz, else DIR/name; a clear message naming the package
 * when the default directory lacks the files. */
static int load(const options *o, const char *name, int rank, idx_array *a)
{
    char path[4096], err[4096 + 256];
    snprintf(path, sizeof path, "%s/%s.gz", o->data, name);
    FILE *probe = fopen(path, "rb");
    if (!probe) snprintf(path, sizeof path, "%s/%s", o->data, name);
    else fclose(probe);
    if (idx_read(path, rank, a, err, sizeof err) == 0) return 0;
    fprintf(stderr, "trueno-fashion-knn: %s\n", err);
    if (!strcmp(o->data, DEFAULT_DATA) && access(path, F_OK) != 0)
        fprintf(stderr, "  The Fashion-MNIST files come from Debian's dataset-fashion-mnist package:\n"
                        "  sudo apt install dataset-fashion-mnist   (or pass --data DIR)\n");
    return -1;
}

/* ---- which backend ran each op, as the runtime says (trueno_last_backend) ---- */

typedef struct op_record {
    const char *op;
    char backend[3][32];
    int64_t runs[3];
} op_record;

enum { REC_GEMM, REC_TOPK, N_REC };
static op_record records[N_REC] = {{.op = "gemm"}, {.op = "topk"}};

static void record(int which)
{
    op_record *r = &records[which];
    const char *b = trueno_last_backend();
    for (int i = 0; i < 3; i++) {
        if (!r->runs[i]) snprintf(r->backend[i], sizeof r->backend[i], "%s", b);
        if (!strcmp(r->backend[i], b)) {
            r->runs[i]++;
            return;
        }
    }
}

/* ---- exact distances from the bytes ------------------------------------------ */

static int64_t exact_sqdist(const uint8_t *x, const uint8_t *y, int64_t n)
{
    int32_t s = 0; /* n·255² < 2^31 for n < 33025, checked at load */
    for (int64_t i = 0; i < n; i++) {
        int32_t d = (int32_t)x[i] - (int32_t)y[i];
        s += d * d;
    }
    return s;
}

typedef struct neighbour {
    int64_t d;     /* exact squared distance, in (1/255)² */
    int64_t index; /* training image */
} neighbour;

/* Inserts into best[0..*n) (sorted, at most cap): nearer first, ties by index. */
static void keep_nearest(neighbour *best, int *n, int cap, neighbour c)
{
    if (*n == cap && (c.d > best[cap - 1].d || (c.d == best[cap - 1].d && c.index > best[cap - 1].index))) return;
    int pos = *n < cap ? (*n)++ : cap - 1;
    for (; pos > 0 && (c.d < best[pos - 1].d || (c.d == best[pos - 1].d && c.index < best[pos - 1].index)); pos--)
        best[pos] = best[pos - 1];
    best[pos] = c;
}

/* The vote of the first k neighbours: the class with most votes (uniform)
 * or the largest Σ 1/distance; when some neighbours are at distance 0 only
 * they vote (scikit-learn's rule); ties go to the lower class. */
static int vote(const neighbour *nb, int k, const uint8_t *labels, int distance_weights)
{
    double w[N_CLASSES] = {0};
    int exact_match = 0;
    for (int i = 0; i < k; i++) exact_match |= nb[i].d == 0;
    for (int i = 0; i < k; i++) {
        double weight = !distance_weights ? 1 : exact_match ? nb[i].d == 0 : 255.0 / sqrt((double)nb[i].d);
        w[labels[nb[i].index]] += weight;
    }
    int best = 0;
    for (int c = 1; c < N_CLASSES; c++)
        if (w[c] > w[best]) best = c;
    return best;
}

/* ---- the classification ------------------------------------------------------ */

typedef struct dataset {
    idx_array train_img, train_lab, test_img, test_lab;
    int64_t n_train, n_test, dim;
    float *train_f, *test_f;  /* pixels / 255 */
} dataset;

typedef struct result {
    int *predicted;        /* n_test */
    neighbour *nearest;    /* n_test × keep */
    int keep;
    int64_t full_scans;
    double t_norms, t_gemm, t_topk, t_vote;
} result;

#define CHECK(call)                                                                                               \
    do {                                                                                                          \
        if ((call) != TRUENO_OK) {                                                                                \
            fprintf(stderr, "trueno-fashion-knn: %s\n", trueno_last_error());                                   \
            goto done;                                                                                            \
        }                                                                                                         \
    } while (0)

static int classify(trueno_runtime *rt, const dataset *ds, const options *o, result *res)
{
    const int64_t n = ds->n_train, dim = ds->dim, B = o->block < ds->n_test ? o->block : ds->n_test;
    const int cand = n < CANDIDATES ? (int)n : CANDIDATES;
    const int keep = o->k > KEEP_MIN ? o->k : KEEP_MIN < cand ? KEEP_MIN : cand;
    int rc = -1;
    trueno_tensor *train = NULL, *test = NULL, *ynorm = NULL, *dist = NULL;
    trueno_tensor *xb = NULL, *cb = NULL, *db = NULL, *vals = NULL, *idx = NULL;
    float *ny = malloc((size_t)n * sizeof *ny), *cv = malloc((size_t)B * cand * sizeof *cv);
    int64_t *ci = malloc((size_t)B * cand * sizeof *ci), *ny_exact = malloc((size_t)n * sizeof *ny_exact);
    res->predicted = malloc((size_t)ds->n_test * sizeof *res->predicted);
    res->nearest = malloc((size_t)ds->n_test * keep * sizeof *res->nearest);
    res->keep = keep;
    if (!ny || !cv || !ci || !ny_exact || !res->predicted || !res->nearest) {
        fprintf(stderr, "trueno-fashion-knn: out of memory\n");
        goto done;
    }

    /* the training and test images as float32 tensors (borrowed) */
    double t0 = now_s();
    int64_t train_shape[2] = {n, dim}, test_shape[2] = {ds->n_test, dim};
    CHECK(trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, train_shape, NULL, ds->train_f, &train));
    CHECK(trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, test_shape, NULL, ds->test_f, &test));
    /* ‖y‖² exactly, from the bytes (integers over 255²), then rounded
     * once to float32 for the gemm's c */
    int64_t ymax = 0;
#pragma omp parallel for reduction(max : ymax) schedule(static)
    for (int64_t j = 0; j < n; j++) {
        const uint8_t *y = ds->train_img.data + j * dim;
        int64_t sum = 0;
        for (int64_t i = 0; i < dim; i++) sum += (int64_t)y[i] * y[i];
        ny_exact[j] = sum;
        ny[j] = (float)((double)sum / 65025.0);
        if (sum > ymax) ymax = sum;
    }
    int64_t ny_shape[1] = {n};
    CHECK(trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, ny_shape, ny, &ynorm));
    res->t_norms = now_s() - t0;

    /* The bound on |computed − exact| of one gemm output −2·x·y + ‖y‖²:
     * the tolerance every backend is held to for gemm (normalised by the
     * sum of |terms|, 2·x·y + ‖y‖² ≤ ‖x‖² + 2·max‖y‖² for pixels ≥ 0), plus
     * the roundings of pixels/255 and of ‖y‖² to float32. */
    uint32_t kind;
    double tol = trueno_op_tolerance(TRUENO_OP_GEMM, TRUENO_DTYPE_FLOAT32, &kind) + 8 * 0x1p-24;

    /* one reused (B, n) output for the gemm, through trueno_op_run */
    int64_t dist_shape[2] = {B, n};
    CHECK(trueno_tensor_empty(rt, TRUENO_DTYPE_FLOAT32, 2, dist_shape, &dist));
    for (int64_t b0 = 0; b0 < ds->n_test; b0 += B) {
        int64_t rows = ds->n_test - b0 < B ? ds->n_test - b0 : B;
        trueno_slice block = {b0, b0 + rows, 1}, head = {0, rows, 1};
        int64_t c_shape[2] = {rows, n};
        double t1 = now_s();
        CHECK(trueno_slice_view(test, &block, 1, &xb));
        CHECK(trueno_broadcast_to(ynorm, 2, c_shape, &cb));
        CHECK(trueno_slice_view(dist, &head, 1, &db));
        trueno_tensor *trainT = NULL;
        CHECK(trueno_transpose(train, 0, 1, &trainT));
        const trueno_tensor *in[3] = {xb, trainT, cb};
        trueno_op_params p = {.struct_size = sizeof p, .floats = {-2.0, 1.0}};
        trueno_status s = trueno_op_run(TRUENO_OP_GEMM, in, 3, &p, &db, 1);
        trueno_tensor_free(trainT);
        CHECK(s);
        record(REC_GEMM);
        double t2 = now_s();
        CHECK(trueno_topk(db, cand, 1, 0, &vals, &idx));
        record(REC_TOPK);
        CHECK(trueno_tensor_read(vals, cv, (size_t)(rows * cand) * sizeof *cv));
        CHECK(trueno_tensor_read(idx, ci, (size_t)(rows * cand) * sizeof *ci));
        double t3 = now_s();
        int64_t scans = 0;
#pragma omp parallel for reduction(+ : scans) schedule(dynamic, 16)
        for (int64_t r = 0; r < rows; r++) {
            int64_t t = b0 + r;
            const uint8_t *x = ds->test_img.data + t * dim;
            int64_t nx = 0;
            for (int64_t i = 0; i < dim; i++) nx += (int64_t)x[i] * x[i];
            neighbour *best = res->nearest + t * keep;
            int kept = 0;
            /* Exact distances of the candidates, nearest computed value
             * first, until the next one's value − err cannot beat the
             * keep-th exact one; every training image outside the
             * candidates has a computed value >= the last candidate's, so
             * an exact one >= that − err. */
            double err = tol * (double)(nx + 2 * ymax) / 65025.0, base = (double)nx / 65025.0;
            for (int q = 0; q < cand; q++) {
                if (kept == keep && base + cv[r * cand + q] - err > (double)best[keep - 1].d / 65025.0) break;
                int64_t j = ci[r * cand + q];
                keep_nearest(best, &kept, keep, (neighbour){exact_sqdist(x, ds->train_img.data + j * dim, dim), j});
            }
            double outside = base + cv[r * cand + cand - 1] - err;
            if (cand < n && !((double)best[keep - 1].d / 65025.0 < outside)) {
                kept = 0;
                for (int64_t j = 0; j < n; j++)
                    keep_nearest(best, &kept, keep, (neighbour){exact_sqdist(x, ds->train_img.data + j * dim, dim), j});
                scans++;
            }
            res->predicted[t] = vote(best, o->k, ds->train_lab.data, o->distance_weights);
        }
        res->full_scans += scans;
        res->t_gemm += t2 - t1;
        res->t_topk += t3 - t2;
        res->t_vote += now_s() - t3;
        trueno_tensor *views[] = {xb, cb, db, vals, idx};
        for (size_t i = 0; i < sizeof views / sizeof *views; i++) trueno_tensor_free(views[i]);
        xb = cb = db = vals = idx = NULL;
    }
    rc = 0;
done:;
    trueno_tensor *all[] = {train, test, ynorm, dist, xb, cb, db, vals, idx};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) trueno_tensor_free(all[i]);
    free(ny);
    free(cv);
    free(ci);
    free(ny_exact);
    return rc;
}

/* ---- the report -------------------------------------------------------------- */

static void print_confusion(const dataset *ds, const int *predicted)
{
    int64_t m[N_CLASSES][N_CLASSES] = {{0}};
    for (int64_t t = 0; t < ds->n_test; t++) m[ds->test_lab.data[t]][predicted[t]]++;
    printf("\nconfusion matrix (rows: true class, columns: predicted class)\n%12s", "");
    for (int c = 0; c < N_CLASSES; c++) printf(" %5.5s", class_names[c]);
    printf("  recall\n");
    for (int r = 0; r < N_CLASSES; r++) {
        int64_t row = 0;
        for (int c = 0; c < N_CLASSES; c++) row += m[r][c];
        printf("%-12s", class_names[r]);
        for (int c = 0; c < N_CLASSES; c++) printf(" %5lld", (long long)m[r][c]);
        printf("  %.3f\n", row ? (double)m[r][r] / (double)row : 0.0);
    }
}

static int write_predictions(const char *path, const int *predicted, int64_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "trueno-fashion-knn: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int64_t t = 0; t < n; t++) fprintf(f, "%d\n", predicted[t]);
    if (fclose(f) != 0) {
        fprintf(stderr, "trueno-fashion-knn: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Checks the four files agree: same image size, one label per image,
 * labels 0–9, images small enough for the exact int32 distances. */
static int check_dataset(dataset *ds)
{
    const idx_array *tri = &ds->train_img, *tei = &ds->test_img;
    if (tri->dims[1] != tei->dims[1] || tri->dims[2] != tei->dims[2]) {
        fprintf(stderr, "trueno-fashion-knn: training images are %ux%u but test images %ux%u\n", tri->dims[1],
                tri->dims[2], tei->dims[1], tei->dims[2]);
        return -1;
    }
    if (ds->train_lab.dims[0] != tri->dims[0] || ds->test_lab.dims[0] != tei->dims[0]) {
        fprintf(stderr, "trueno-fashion-knn: %u training images but %u labels, %u test images but %u labels\n",
                tri->dims[0], ds->train_lab.dims[0], tei->dims[0], ds->test_lab.dims[0]);
        return -1;
    }
    const idx_array *labs[2] = {&ds->train_lab, &ds->test_lab};
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; i < labs[l]->dims[0]; i++)
            if (labs[l]->data[i] >= N_CLASSES) {
                fprintf(stderr, "trueno-fashion-knn: %s label %u is %u; Fashion-MNIST classes are 0-9\n",
                        l ? "test" : "training", i, labs[l]->data[i]);
                return -1;
            }
    ds->n_train = tri->dims[0];
    ds->dim = (int64_t)tri->dims[1] * tri->dims[2];
    if (ds->dim > 33000) {
        fprintf(stderr, "trueno-fashion-knn: images of %lld pixels are larger than this program handles\n",
                (long long)ds->dim);
        return -1;
    }
    return 0;
}

static float *scaled(const idx_array *a)
{
    float *f = malloc(a->size * sizeof *f);
    if (!f) return NULL;
    for (size_t i = 0; i < a->size; i++) f[i] = (float)a->data[i] / 255.0f;
    return f;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0) return 2;
    int rc = 1;
    dataset ds = {0};
    result res = {0};
    trueno_runtime *rt = NULL;

    double t0 = now_s();
    if (load(&o, "train-images-idx3-ubyte", 3, &ds.train_img) || load(&o, "train-labels-idx1-ubyte", 1, &ds.train_lab) ||
        load(&o, "t10k-images-idx3-ubyte", 3, &ds.test_img) || load(&o, "t10k-labels-idx1-ubyte", 1, &ds.test_lab) ||
        check_dataset(&ds) != 0)
        goto out;
    ds.n_test = (int64_t)ds.test_img.dims[0] < o.limit ? (int64_t)ds.test_img.dims[0] : o.limit;
    if (o.k > ds.n_train) {
        fprintf(stderr, "trueno-fashion-knn: --k %d but only %lld training images\n", o.k, (long long)ds.n_train);
        goto out;
    }
    if (!(ds.train_f = scaled(&ds.train_img)) || !(ds.test_f = scaled(&ds.test_img))) {
        fprintf(stderr, "trueno-fashion-knn: out of memory\n");
        goto out;
    }
    double t_load = now_s() - t0;

    trueno_runtime_options ro = {.struct_size = sizeof ro, .num_threads = o.threads};
#ifdef _OPENMP
    if (o.threads) omp_set_num_threads((int)o.threads); /* the re-ranking too */
#endif
    if (trueno_runtime_create(&ro, &rt) != TRUENO_OK) {
        fprintf(stderr, "trueno-fashion-knn: %s\n", trueno_last_error());
        goto out;
    }
    printf("Fashion-MNIST from %s: %lld training and %lld test images of %ux%u\n", o.data, (long long)ds.n_train,
           (long long)ds.n_test, ds.test_img.dims[1], ds.test_img.dims[2]);
    printf("k = %d, %s weights, %u threads, blocks of %lld test images\n", o.k,
           o.distance_weights ? "distance" : "uniform", trueno_runtime_num_threads(rt),
           (long long)(o.block < ds.n_test ? o.block : ds.n_test));

    double t1 = now_s();
    if (classify(rt, &ds, &o, &res) != 0) goto out;
    double t_classify = now_s() - t1;

    int64_t correct = 0;
    for (int64_t t = 0; t < ds.n_test; t++) correct += res.predicted[t] == ds.test_lab.data[t];
    printf("\naccuracy: %.4f (%lld of %lld)\n", (double)correct / (double)ds.n_test, (long long)correct,
           (long long)ds.n_test);
    print_confusion(&ds, res.predicted);

    double gflop = 2.0 * (double)ds.n_test * (double)ds.n_train * (double)ds.dim * 1e-9;
    printf("\ntime: load %.2f s, distances %.2f s (norms %.2f s, gemm %.2f s = %.0f GFLOP/s), top-k %.2f s"
           " (topk %.2f s, exact re-ranking and vote %.2f s); classification %.2f s\n",
           t_load, res.t_norms + res.t_gemm, res.t_norms, res.t_gemm, gflop / res.t_gemm, res.t_topk + res.t_vote,
           res.t_topk, res.t_vote, t_classify);
    printf("(host clock; a GPU runs the gemm asynchronously, so its time shows where the program waits: top-k)\n");
    printf("backends (from the runtime):");
    for (int i = 0; i < N_REC; i++) {
        printf("%s %s on", i ? "," : "", records[i].op);
        for (int b = 0; b < 3 && records[i].runs[b]; b++)
            printf("%s %s (%lld)", b ? " +" : "", records[i].backend[b], (long long)records[i].runs[b]);
    }
    printf("\nexact re-ranking: %lld test images, %lld needed a full exact scan\n", (long long)ds.n_test,
           (long long)res.full_scans);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory (RSS): %.0f MiB\n", (double)ru.ru_maxrss / 1024.0);

    if (o.predictions && write_predictions(o.predictions, res.predicted, ds.n_test) != 0) goto out;
    if (o.gallery) {
        char err[512];
        gallery_input g = {.test = ds.test_img.data, .train = ds.train_img.data, .rows = (int)ds.test_img.dims[1],
                           .cols = (int)ds.test_img.dims[2], .n_test = ds.n_test, .test_labels = ds.test_lab.data,
                           .train_labels = ds.train_lab.data, .predicted = res.predicted,
                           .nearest_index = NULL, .keep = res.keep, .class_names = class_names};
        int64_t *near = malloc((size_t)(ds.n_test * res.keep) * sizeof *near);
        if (!near) goto out;
        for (int64_t i = 0; i < ds.n_test * res.keep; i++) near[i] = res.nearest[i].index;
        g.nearest_index = near;
        int grc = gallery_write_png(o.gallery, &g, err, sizeof err);
        free(near);
        if (grc != 0) {
            fprintf(stderr, "trueno-fashion-knn: %s\n", err);
            goto out;
        }
        printf("gallery: %s\n", o.gallery);
    }
    rc = 0;
out:
    trueno_runtime_destroy(rt);
    free(ds.train_f);
    free(ds.test_f);
    free(res.predicted);
    free(res.nearest);
    idx_free(&ds.train_img);
    idx_free(&ds.train_lab);
    idx_free(&ds.test_img);
    idx_free(&ds.test_lab);
    return rc;
}
