/*
 * gemm.c — C = alpha·A·B + beta·C0 in the Goto/BLIS style (Goto & van de
 * Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
 * 34(3), 2008; Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015):
 *
 *   for jc over n in NC:               B panel  KC×NC  (packed, shared; L3)
 *     for pc over k in KC:
 *       pack B[pc, jc] into NR-wide slivers
 *       parallel for ic over m in MC:  A block  MC×KC  (packed per thread; L2)
 *         pack A[ic, pc] into MR-tall slivers
 *         for jr, ir: micro-kernel MR×NR over kc (KC×NR sliver of B in L1)
 *
 * Any strides (transposes and views are read in place while packing);
 * edges are zero-padded in the packed panels and only the valid part of a
 * tile is written. Each element of C is computed by one thread with the
 * same order of operations whatever the thread count, so results do not
 * depend on it. beta == 0 ignores C0 (NaN included), as BLAS does.
 */
#include <string.h>

#include "x86.h"

#define KC 256
#define MC 144
#define NC 3072

typedef struct gemm_job {
    const trueno_host *host;
    const x86_kernels *k;
    bool f64;
    int64_t m, n, kk, pc, kc, jc, nc;
    double alpha, beta;
    const char *a, *b, *c0;
    int64_t sa0, sa1, sb0, sb1, sc00, sc01, sc0, sc1;
    char *c;
    void *bp;               /* packed B: ceil(nc/NR) slivers of kc×NR */
    int mr, nr;
    trueno_status status;
} gemm_job;

static size_t esz(const gemm_job *j) { return j->f64 ? sizeof(double) : sizeof(float); }

static double load(const gemm_job *j, const char *base, int64_t idx)
{
    return j->f64 ? ((const double *)base)[idx] : ((const float *)base)[idx];
}

/* B[pc.., jc..] into slivers: sliver s holds columns s·NR.. for p < kc. */
static void pack_b(void *arg, int64_t begin, int64_t end)
{
    gemm_job *j = arg;
    for (int64_t s = begin; s < end; s++) {
        int64_t j0 = j->jc + s * j->nr;
        for (int64_t p = 0; p < j->kc; p++) {
            const char *row = j->b + (size_t)((j->pc + p) * j->sb0) * esz(j);
            for (int jj = 0; jj < j->nr; jj++) {
                int64_t col = j0 + jj;
                size_t at = (size_t)(s * j->kc * j->nr + p * j->nr + jj);
                if (j->f64) ((double *)j->bp)[at] = col < j->jc + j->nc ? ((const double *)row)[col * j->sb1] : 0;
                else ((float *)j->bp)[at] = col < j->jc + j->nc ? ((const float *)row)[col * j->sb1] : 0;
            }
        }
    }
}

/* One MC block of rows: pack A, run every tile, write C. */
static void row_block(void *arg, int64_t begin, int64_t end)
{
    gemm_job *j = arg;
    const trueno_host *h = j->host;
    int mr = j->mr, nr = j->nr;
    size_t es = esz(j);
    char *ap = h->aligned_alloc(h->ctx, 64, (size_t)(MC + mr) * KC * es);
    char *tile = h->aligned_alloc(h->ctx, 64, (size_t)mr * nr * es);
    if (!ap || !tile) {
        __atomic_store_n(&j->status, TRUENO_OUT_OF_MEMORY, __ATOMIC_RELAXED);
        h->aligned_free(h->ctx, ap);
        h->aligned_free(h->ctx, tile);
        return;
    }
    for (int64_t blk = begin; blk < end; blk++) {
        int64_t ic = blk * MC, mc = j->m - ic < MC ? j->m - ic : MC;
        int64_t n_sl = (mc + mr - 1) / mr;
        for (int64_t s = 0; s < n_sl; s++) /* pack A: sliver s holds rows s·MR.. */
            for (int64_t p = 0; p < j->kc; p++)
                for (int i = 0; i < mr; i++) {
                    int64_t row = ic + s * mr + i;
                    size_t at = (size_t)(s * j->kc * mr + p * mr + i);
                    double v = row < ic + mc ? load(j, j->a, row * j->sa0 + (j->pc + p) * j->sa1) : 0;
                    if (j->f64) ((double *)ap)[at] = v;
                    else ((float *)ap)[at] = (float)v;
                }
        bool first = j->pc == 0;
        for (int64_t jr = 0; jr < (j->nc + nr - 1) / nr; jr++) {
            const char *bs = (const char *)j->bp + (size_t)(jr * j->kc * nr) * es;
            int64_t cols = j->nc - jr * nr < nr ? j->nc - jr * nr : nr;
            for (int64_t ir = 0; ir < n_sl; ir++) {
                const char *as = ap + (size_t)(ir * j->kc * mr) * es;
                if (j->f64) j->k->dgemm_micro(j->kc, (const double *)as, (const double *)bs, (double *)tile, nr);
                else j->k->sgemm_micro(j->kc, (const float *)as, (const float *)bs, (float *)tile, nr);
                int64_t rows = mc - ir * mr < mr ? mc - ir * mr : mr;
                for (int64_t i = 0; i < rows; i++) {
                    int64_t r = ic + ir * mr + i;
                    for (int64_t jj = 0; jj < cols; jj++) {
                        int64_t col = j->jc + jr * nr + jj;
                        double t = load(j, tile, i * nr + jj) * j->alpha;
                        size_t at = (size_t)(r * j->sc0 + col * j->sc1);
                        double prev = first ? (j->c0 && j->beta != 0 ? j->beta * load(j, j->c0, r * j->sc00 + col * j->sc01) : 0)
                                            : load(j, j->c, (int64_t)at);
                        if (j->f64) ((double *)j->c)[at] = prev + t;
                        else ((float *)j->c)[at] = (float)(prev + (float)t);
                    }
                }
            }
        }
    }
    h->aligned_free(h->ctx, ap);
    h->aligned_free(h->ctx, tile);
}

trueno_status x86_gemm(const trueno_host *host, const x86_kernels *k, uint32_t dtype, int64_t m, int64_t n,
                       int64_t kk, double alpha, const void *a, int64_t sa0, int64_t sa1, const void *b,
                       int64_t sb0, int64_t sb1, double beta, const void *c0, int64_t sc00, int64_t sc01,
                       void *c, int64_t sc0, int64_t sc1)
{
    gemm_job j;
    memset(&j, 0, sizeof j);
    j.host = host;
    j.k = k;
    j.f64 = dtype == TRUENO_DTYPE_FLOAT64;
    j.m = m; j.n = n; j.kk = kk; j.alpha = alpha; j.beta = beta;
    j.a = a; j.b = b; j.c0 = c0; j.c = c;
    j.sa0 = sa0; j.sa1 = sa1; j.sb0 = sb0; j.sb1 = sb1; j.sc00 = sc00; j.sc01 = sc01; j.sc0 = sc0; j.sc1 = sc1;
    j.mr = j.f64 ? k->dmr : k->smr;
    j.nr = j.f64 ? k->dnr : k->snr;
    if (m == 0 || n == 0) return TRUENO_OK;
    if (kk == 0) { /* C = beta·C0 */
        for (int64_t r = 0; r < m; r++)
            for (int64_t col = 0; col < n; col++) {
                double v = c0 && beta != 0 ? beta * load(&j, c0, r * sc00 + col * sc01) : 0;
                if (j.f64) ((double *)c)[r * sc0 + col * sc1] = v;
                else ((float *)c)[r * sc0 + col * sc1] = (float)v;
            }
        return TRUENO_OK;
    }
    size_t es = esz(&j);
    int64_t nc_max = n < NC ? n : NC;
    j.bp = host->aligned_alloc(host->ctx, 64, (size_t)((nc_max + j.nr - 1) / j.nr * j.nr) * KC * es);
    if (!j.bp) return TRUENO_OUT_OF_MEMORY;
    for (j.jc = 0; j.jc < n && j.status == TRUENO_OK; j.jc += NC) {
        j.nc = n - j.jc < NC ? n - j.jc : NC;
        for (j.pc = 0; j.pc < kk && j.status == TRUENO_OK; j.pc += KC) {
            j.kc = kk - j.pc < KC ? kk - j.pc : KC;
            int64_t slivers = (j.nc + j.nr - 1) / j.nr;
            /* small problems stay on one thread: the hand-off costs more */
            int64_t work = j.kc * j.nr;
            host->parallel_for(host->ctx, slivers, work > 65536 ? 1 : 65536 / work, pack_b, &j);
            int64_t blocks = (m + MC - 1) / MC;
            host->parallel_for(host->ctx, blocks, m * j.nc * j.kc < (1 << 21) ? blocks : 1, row_block, &j);
        }
    }
    host->aligned_free(host->ctx, j.bp);
    return j.status;
}
