/*
 * alloc.c — the one allocator hook. Every allocation the core makes goes
 * through these functions (and plugins get aligned_alloc through the host
 * table), so fault-injection tests can fail the Nth allocation here.
 */
#include <string.h>

#include "internal.h"

void *tn_malloc(size_t bytes) { return malloc(bytes ? bytes : 1); }

void *tn_calloc(size_t n, size_t size) { return calloc(n ? n : 1, size ? size : 1); }

void *tn_realloc(void *p, size_t bytes) { return realloc(p, bytes ? bytes : 1); }

void tn_free(void *p) { free(p); }

char *tn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = tn_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void *tn_aligned_alloc(size_t alignment, size_t bytes)
{
    void *p = NULL;
    if (alignment < sizeof(void *)) alignment = sizeof(void *);
    if (posix_memalign(&p, alignment, bytes ? bytes : alignment) != 0) return NULL;
    return p;
}

void tn_aligned_free(void *p) { free(p); }
