/*
 * alloc.c — the one allocator hook. Every allocation the core makes goes
 * through these functions (and plugins get aligned_alloc through the host
 * table), so fault-injection tests can fail the Nth allocation here
 * (trueno_testing_fail_allocation, the way SQLite's test/malloc.test and
 * Lua's ltests.c do it).
 */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "trueno/trueno_testing.h"

static long alloc_count; /* atomic: allocations since the last reset */
static long fail_at;     /* atomic: fail the allocation with this number; 0 off */

void trueno_testing_fail_allocation(long n)
{
    __atomic_store_n(&alloc_count, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_at, n, __ATOMIC_SEQ_CST);
}

long trueno_testing_allocation_count(void) { return __atomic_load_n(&alloc_count, __ATOMIC_SEQ_CST); }

/* True when this allocation is the one to fail. */
static bool injected_failure(void)
{
    long n = __atomic_add_fetch(&alloc_count, 1, __ATOMIC_SEQ_CST);
    long at = __atomic_load_n(&fail_at, __ATOMIC_RELAXED);
    return at != 0 && n == at;
}

void *tn_malloc(size_t bytes) { return injected_failure() ? NULL : malloc(bytes ? bytes : 1); }

void *tn_calloc(size_t n, size_t size)
{
    return injected_failure() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *tn_realloc(void *p, size_t bytes) { return injected_failure() ? NULL : realloc(p, bytes ? bytes : 1); }

void tn_free(void *p) { free(p); }

char *tn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = tn_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Blocks of at least this size start on a 2 MiB boundary and ask for
 * transparent huge pages (Linux's THP in its "madvise" mode, Debian's
 * default): a large matrix read with a long row stride (a gemm's C, a
 * transposed operand) then needs one TLB entry per 2 MiB, not per 4 KiB. */
#define TN_HUGE_MIN ((size_t)4 << 20)
#define TN_HUGE_PAGE ((size_t)2 << 20)

void *tn_aligned_alloc(size_t alignment, size_t bytes)
{
    void *p = NULL;
    if (injected_failure()) return NULL;
    if (alignment < sizeof(void *)) alignment = sizeof(void *);
    if (bytes >= TN_HUGE_MIN && alignment < TN_HUGE_PAGE) alignment = TN_HUGE_PAGE;
    if (posix_memalign(&p, alignment, bytes ? bytes : alignment) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= TN_HUGE_MIN) (void)madvise(p, bytes / TN_HUGE_PAGE * TN_HUGE_PAGE, MADV_HUGEPAGE);
#endif
    return p;
}

void tn_aligned_free(void *p) { free(p); }
