/*
 * gemm.c — C = alpha·A·B + beta·C0 in the Goto/BLIS style (Goto & van de
 * Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
 * 34(3), 2008; Van Zee & van de Geijn, "BLIS", ACM TOMS 41(3), 2015):
 *
 *   for jc over n in NC:               B panel  KC×NC  (packed, shared; L3)
 *     for pc over k in KC:             (balanced: ceil(k/KC) panels of equal depth)
 *       pack B[pc, jc] into NR-wide slivers
 *       parallel for ic over m in MC:  A block  MC×KC  (packed per thread; L2)
 *         (and over groups of jr where there are fewer blocks than threads)
 *         pack A[ic, pc] into MR-tall slivers
 *         for jr, ir: micro-kernel MR×NR over kc (KC×NR sliver of B in L1)
 *
 * Any strides (transposes and views are read in place while packing);
 * edges are zero-padded in the packed panels and only the valid part of a
 * tile is written. alpha is folded into A while packing; a beta term is
 * added to each tile of the first KC panel while the tile is in cache
 * (C = A·B[:KC] + beta·C0, later panels add). Each element of C
 * is computed by one thread with the same order of operations whatever the
 * thread count, so results do not depend on it. beta == 0 ignores C0 (NaN
 * included), as BLAS does.
 */
#include <string.h>

#include "x86.h"

/* KC is the deepest panel: k is cut into ceil(k/KC) panels of equal depth,
 * so that no thin last panel costs a whole extra pass over C (k = 784:
 * three panels of 262, not 256+256+256+16); a KC×NR float32 sliver of B
 * (40 KiB at 320) stays in a 48 KiB L1. */
#define KC 320
#define MC 144
#define NC 3072
/* Packed panels up to SMALL_BYTES live on the stack (34 KiB of it at most,
 * the tile included): malloc and free of three buffers per call were as
 * costly as the micro-kernel's work in a 64³ sgemm.
 * TILE_BYTES holds the largest MR×NR tile of x86_kernels (12×32 float32,
 * 12×16 float64). */
#define SMALL_BYTES 16384
#define TILE_BYTES (12 * 32 * 4)

typedef struct gemm_job {
    const trueno_host *host;
    const x86_kernels *k;
    bool f64;
    int64_t m, n, kk, pc, kc, jc, nc;
    int64_t mc;             /* rows per block: <= MC, balanced over the threads */
    int64_t col_groups;     /* each block's column slivers in this many tasks */
    double alpha;
    double beta;            /* with c0: added to the tiles of the first KC panel */
    const char *a, *b, *c0;
    int64_t sc00, sc01;
    int64_t sa0, sa1, sb0, sb1, sc0, sc1;
    char *c;
    void *bp;               /* packed B: ceil(nc/NR) slivers of kc×NR */
    int mr, nr;
    trueno_status status;
} gemm_job;

/* Packing: T-typed copies into slivers, alpha folded into A, zeros past the
 * edges (one copy per element type keeps the inner loops free of branches). */
#define DEFINE_PACKERS(T, SUF)                                                              \
    static void pack_b_sliver_##SUF(const gemm_job *j, int64_t s, T *dst)                  \
    {                                                                                       \
        int64_t j0 = j->jc + s * j->nr, cols = j->jc + j->nc - j0;                         \
        if (cols > j->nr) cols = j->nr;                                                     \
        const T *src = (const T *)j->b + (j->pc * j->sb0 + j0 * j->sb1);                   \
        for (int64_t p = 0; p < j->kc; p++, dst += j->nr, src += j->sb0) {                 \
            int64_t jj = 0;                                                                 \
            if (j->sb1 == 1) for (; jj < cols; jj++) dst[jj] = src[jj];                     \
            else for (; jj < cols; jj++) dst[jj] = src[jj * j->sb1];                        \
            for (; jj < j->nr; jj++) dst[jj] = 0;                                           \
        }                                                                                   \
    }                                                                                       \
    /* slivers [s0, s1) into bp. A B with unit column stride is read a row */              \
    /* at a time across the slivers: read sliver by sliver, every NR-wide  */              \
    /* piece came from a new line and page (13% of a 1024³ sgemm on Zen 3). */             \
    static void pack_b_##SUF(const gemm_job *j, int64_t s0, int64_t s1, T *bp)              \
    {                                                                                       \
        int64_t full = j->nc / j->nr < s1 ? j->nc / j->nr : s1; /* slivers within nc */      \
        if (j->sb1 != 1 || full <= s0) {                                                    \
            for (int64_t s = s0; s < s1; s++) pack_b_sliver_##SUF(j, s, bp + s * j->kc * j->nr); \
            return;                                                                         \
        }                                                                                   \
        const T *row = (const T *)j->b + (j->pc * j->sb0 + j->jc);                         \
        for (int64_t p = 0; p < j->kc; p++, row += j->sb0)                                  \
            for (int64_t s = s0; s < full; s++)                                             \
                memcpy(bp + (s * j->kc + p) * j->nr, row + s * j->nr, (size_t)j->nr * sizeof(T)); \
        for (int64_t s = full; s < s1; s++) pack_b_sliver_##SUF(j, s, bp + s * j->kc * j->nr); \
    }                                                                                       \
    static void pack_a_##SUF(const gemm_job *j, int64_t row0, int64_t rows, T *dst)        \
    {                                                                                       \
        const T *src = (const T *)j->a + (row0 * j->sa0 + j->pc * j->sa1);                 \
        T alpha = (T)j->alpha;                                                              \
        for (int64_t p = 0; p < j->kc; p++, dst += j->mr) {                                 \
            int64_t i = 0;                                                                  \
            for (; i < rows; i++) dst[i] = alpha * src[i * j->sa0 + p * j->sa1];            \
            for (; i < j->mr; i++) dst[i] = 0;                                              \
        }                                                                                   \
    }
DEFINE_PACKERS(float, f32)
DEFINE_PACKERS(double, f64)

static size_t esz(const gemm_job *j) { return j->f64 ? sizeof(double) : sizeof(float); }

static void pack_b(void *arg, int64_t begin, int64_t end)
{
    gemm_job *j = arg;
    if (j->f64) pack_b_f64(j, begin, end, j->bp);
    else pack_b_f32(j, begin, end, j->bp);
}

/* C[tile] += beta·C0[tile] (beta·C0 rounded to the element type first, as
 * when C was set to it before the panels added) */
static void add_beta_c0(const gemm_job *j, int64_t row0, int64_t col0, int64_t rows, int64_t cols)
{
    for (int64_t i = 0; i < rows; i++) {
        int64_t src = (row0 + i) * j->sc00 + col0 * j->sc01, dst = (row0 + i) * j->sc0 + col0 * j->sc1;
        if (j->f64) {
            const double *s = (const double *)j->c0 + src;
            double *d = (double *)j->c + dst;
            for (int64_t jj = 0; jj < cols; jj++) d[jj * j->sc1] += j->beta * s[jj * j->sc01];
        } else {
            const float *s = (const float *)j->c0 + src;
            float *d = (float *)j->c + dst;
            for (int64_t jj = 0; jj < cols; jj++) d[jj * j->sc1] += (float)(j->beta * (double)s[jj * j->sc01]);
        }
    }
}

/* Tasks [begin, end), task t being block t / col_groups of MC rows and
 * group t % col_groups of the column slivers: pack A (once per block),
 * run the group's tiles. A full tile of a C with unit column stride is
 * written in place by the micro-kernel; edge tiles and other strides go
 * through a small tile buffer. */
static void row_block(void *arg, int64_t begin, int64_t end)
{
    gemm_job *j = arg;
    const trueno_host *h = j->host;
    int mr = j->mr, nr = j->nr;
    size_t es = esz(j);
    _Alignas(64) char tile[TILE_BYTES], small_ap[SMALL_BYTES];
    size_t ap_bytes = (size_t)j->mc * (size_t)j->kc * es; /* mc is a multiple of mr */
    char *ap = ap_bytes <= sizeof small_ap ? small_ap : h->aligned_alloc(h->ctx, 64, ap_bytes);
    if (!ap) {
        __atomic_store_n(&j->status, TRUENO_OUT_OF_MEMORY, __ATOMIC_RELAXED);
        return;
    }
    int add = j->pc > 0;
    int64_t slivers = (j->nc + nr - 1) / nr, packed = -1;
    for (int64_t task = begin; task < end; task++) {
        int64_t blk = task / j->col_groups, grp = task % j->col_groups;
        int64_t ic = blk * j->mc, mc = j->m - ic < j->mc ? j->m - ic : j->mc;
        int64_t n_sl = (mc + mr - 1) / mr;
        for (int64_t s = 0; s < n_sl && blk != packed; s++) {
            int64_t rows = mc - s * mr < mr ? mc - s * mr : mr;
            size_t at = (size_t)(s * j->kc * mr);
            if (j->f64) pack_a_f64(j, ic + s * mr, rows, (double *)ap + at);
            else if (j->k->pack_a_f32 && j->sa1 == 1) /* rows of A contiguous in k */
                j->k->pack_a_f32((const float *)j->a + (ic + s * mr) * j->sa0 + j->pc, j->sa0, rows, j->kc, (float)j->alpha,
                                 (float *)ap + at);
            else pack_a_f32(j, ic + s * mr, rows, (float *)ap + at);
        }
        packed = blk;
        int64_t jr0 = slivers * grp / j->col_groups, jr1 = slivers * (grp + 1) / j->col_groups;
        for (int64_t jr = jr0; jr < jr1; jr++) {
            const char *bs = (const char *)j->bp + (size_t)(jr * j->kc * nr) * es;
            int64_t cols = j->nc - jr * nr < nr ? j->nc - jr * nr : nr, col0 = j->jc + jr * nr;
            for (int64_t ir = 0; ir < n_sl; ir++) {
                const char *as = ap + (size_t)(ir * j->kc * mr) * es;
                int64_t rows = mc - ir * mr < mr ? mc - ir * mr : mr, row0 = ic + ir * mr;
                char *c = j->c + (size_t)(row0 * j->sc0 + col0 * j->sc1) * es;
                bool direct = rows == mr && cols == nr && j->sc1 == 1;
                if (j->f64) j->k->dgemm_micro(j->kc, (const double *)as, (const double *)bs, direct ? (double *)c : (double *)tile,
                                              direct ? j->sc0 : nr, direct && add);
                else j->k->sgemm_micro(j->kc, (const float *)as, (const float *)bs, direct ? (float *)c : (float *)tile,
                                       direct ? j->sc0 : nr, direct && add);
                if (!direct)
                    for (int64_t i = 0; i < rows; i++)
                        for (int64_t jj = 0; jj < cols; jj++) {
                            int64_t at = i * j->sc0 + jj * j->sc1;
                            if (j->f64) ((double *)c)[at] = (add ? ((double *)c)[at] : 0) + ((double *)tile)[i * nr + jj];
                            else ((float *)c)[at] = (add ? ((float *)c)[at] : 0) + ((float *)tile)[i * nr + jj];
                        }
                if (j->c0 && !add) add_beta_c0(j, row0, col0, rows, cols);
            }
        }
    }
    if (ap != small_ap) h->aligned_free(h->ctx, ap);
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
    j.m = m; j.n = n; j.kk = kk; j.alpha = alpha;
    j.a = a; j.b = b; j.c = c;
    j.sa0 = sa0; j.sa1 = sa1; j.sb0 = sb0; j.sb1 = sb1; j.sc0 = sc0; j.sc1 = sc1;
    j.mr = j.f64 ? k->dmr : k->smr;
    j.nr = j.f64 ? k->dnr : k->snr;
    if (m == 0 || n == 0) return TRUENO_OK;
    if (c0 && beta != 0) {
        j.c0 = c0;
        j.beta = beta;
        j.sc00 = sc00;
        j.sc01 = sc01;
    }
    /* nothing to multiply: C = beta·C0 */
    if (kk == 0)
        for (int64_t r = 0; r < m; r++)
            for (int64_t col = 0; col < n; col++) {
                int64_t src = r * sc00 + col * sc01, dst = r * sc0 + col * sc1;
                if (j.f64) ((double *)c)[dst] = c0 && beta != 0 ? beta * ((const double *)c0)[src] : 0;
                else ((float *)c)[dst] = c0 && beta != 0 ? (float)(beta * ((const float *)c0)[src]) : 0;
            }
    if (kk == 0) return TRUENO_OK;
    /* Blocks of rows: as many as MC needs, rounded up to a multiple of the
     * thread count so that no thread idles on a short last block. Only the
     * split changes with the thread count, never an element's arithmetic. */
    int64_t threads = host->num_threads(host->ctx), blocks = (m + MC - 1) / MC;
    if (threads > 1 && m >= threads * j.mr) blocks = (blocks + threads - 1) / threads * threads;
    j.mc = ((m + blocks - 1) / blocks + j.mr - 1) / j.mr * j.mr;
    size_t es = esz(&j);
    if ((size_t)j.mr * (size_t)j.nr * es > TILE_BYTES) return TRUENO_UNSUPPORTED; /* a kernel table past TILE_BYTES */
    /* the packed panels as deep as k's panels are, not KC: a 64³ product
     * allocated 80 KiB of B panel and 89 KiB of A block for about 16 KiB each */
    int64_t nc_max = n < NC ? n : NC, panels = (kk + KC - 1) / KC, depth = (kk + panels - 1) / panels;
    _Alignas(64) char small_bp[SMALL_BYTES];
    size_t bp_bytes = (size_t)((nc_max + j.nr - 1) / j.nr * j.nr) * (size_t)depth * es;
    j.bp = bp_bytes <= sizeof small_bp ? small_bp : host->aligned_alloc(host->ctx, 64, bp_bytes);
    if (!j.bp) return TRUENO_OUT_OF_MEMORY;
    for (j.jc = 0; j.jc < n && j.status == TRUENO_OK; j.jc += NC) {
        j.nc = n - j.jc < NC ? n - j.jc : NC;
        for (j.pc = 0; j.pc < kk && j.status == TRUENO_OK; j.pc += depth) {
            j.kc = kk - j.pc < depth ? kk - j.pc : depth;
            int64_t slivers = (j.nc + j.nr - 1) / j.nr;
            /* small problems stay on one thread: the hand-off costs more */
            int64_t work = j.kc * j.nr;
            host->parallel_for(host->ctx, slivers, work > 65536 ? 1 : 65536 / work, pack_b, &j);
            /* fewer blocks than threads (a conv2d's 64 filters, a linear
             * layer's small batch): each block's columns in groups as well,
             * every C element still computed whole by one task */
            int64_t n_blocks = (m + j.mc - 1) / j.mc, small = m * j.nc * j.kc < (1 << 21);
            j.col_groups = small || n_blocks >= threads ? 1 : (threads + n_blocks - 1) / n_blocks;
            if (j.col_groups > slivers) j.col_groups = slivers;
            int64_t tasks = n_blocks * j.col_groups;
            host->parallel_for(host->ctx, tasks, small ? tasks : 1, row_block, &j);
        }
    }
    if (j.bp != small_bp) host->aligned_free(host->ctx, j.bp);
    return j.status;
}
