/*
 * host.c — the services table each plugin (and the reference backend) is
 * lent: one trueno_host per plugin instance, whose ctx knows the runtime
 * and the plugin's name.
 *
 * Every block a plugin takes through aligned_alloc is linked into its
 * context's list, so that when a plugin is rejected after its entry ran
 * (and cannot be trusted to shut down), or leaves blocks behind at
 * shutdown, the core frees them and says so: a broken plugin does not make
 * the process leak.
 */
#include <string.h>

#include "internal.h"

typedef struct tn_block {
    struct tn_block *prev, *next;
    void *base;          /* what tn_aligned_alloc returned */
    size_t bytes;
} tn_block;

struct tn_host_ctx {
    trueno_host host;
    trueno_runtime *rt;
    char *name;
    pthread_mutex_t mu;
    tn_block blocks;     /* circular list head */
    size_t live_blocks, live_bytes;
};

static void host_log(void *ctx, uint32_t level, const char *source, const char *message)
{
    tn_host_ctx *c = ctx;
    tn_log(level <= TRUENO_LOG_DEBUG ? level : TRUENO_LOG_DEBUG, source ? source : c->name, "%s",
           message ? message : "");
}

static void *host_aligned_alloc(void *ctx, size_t alignment, size_t bytes)
{
    tn_host_ctx *c = ctx;
    if (alignment < sizeof(void *) || (alignment & (alignment - 1))) return NULL;
    /* the block header sits just below the aligned pointer */
    size_t head = (sizeof(tn_block) + alignment - 1) & ~(alignment - 1);
    if (bytes > SIZE_MAX - head) return NULL;
    char *base = tn_aligned_alloc(alignment, head + bytes);
    if (!base) return NULL;
    tn_block *b = (tn_block *)(base + head) - 1;
    b->base = base;
    b->bytes = bytes;
    pthread_mutex_lock(&c->mu);
    b->next = c->blocks.next;
    b->prev = &c->blocks;
    c->blocks.next->prev = b;
    c->blocks.next = b;
    c->live_blocks++;
    c->live_bytes += bytes;
    pthread_mutex_unlock(&c->mu);
    return base + head;
}

static void host_aligned_free(void *ctx, void *p)
{
    tn_host_ctx *c = ctx;
    if (!p) return;
    tn_block *b = (tn_block *)p - 1;
    pthread_mutex_lock(&c->mu);
    b->prev->next = b->next;
    b->next->prev = b->prev;
    c->live_blocks--;
    c->live_bytes -= b->bytes;
    pthread_mutex_unlock(&c->mu);
    tn_aligned_free(b->base);
}

static const char *host_secure_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return name ? secure_getenv(name) : NULL;
}

static trueno_status host_parallel_for(void *ctx, int64_t n, int64_t grain, trueno_range_fn fn,
                                       void *arg)
{
    tn_host_ctx *c = ctx;
    if (!fn) return TRUENO_INVALID_ARGUMENT;
    return tn_pool_parallel_for(c->rt->pool, n, grain, fn, arg);
}

static uint32_t host_num_threads(void *ctx)
{
    return tn_pool_threads(((tn_host_ctx *)ctx)->rt->pool);
}

/* Keys are namespaced by the plugin's name, so plugins cannot clash. */
static bool cache_key(const tn_host_ctx *c, const char *key, char *out, size_t size)
{
    if (!key || !*key) return false;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return false;
    return (size_t)snprintf(out, size, "%s-%s", c->name, key) < size;
}

static int host_cache_load(void *ctx, const char *key, double *values, size_t n)
{
    char k[160];
    return values && cache_key(ctx, key, k, sizeof k) && tn_cost_cache_load(k, values, n);
}

static void host_cache_save(void *ctx, const char *key, const double *values, size_t n)
{
    char k[160];
    if (values && cache_key(ctx, key, k, sizeof k)) tn_cost_cache_save(k, values, n);
}

tn_host_ctx *tn_host_create(trueno_runtime *rt, const char *name)
{
    tn_host_ctx *c = tn_calloc(1, sizeof *c);
    if (!c) return NULL;
    if (!(c->name = tn_strdup(name))) { tn_free(c); return NULL; }
    c->rt = rt;
    pthread_mutex_init(&c->mu, NULL);
    c->blocks.next = c->blocks.prev = &c->blocks;
    c->host.struct_size = sizeof c->host;
    c->host.ctx = c;
    c->host.log = host_log;
    c->host.aligned_alloc = host_aligned_alloc;
    c->host.aligned_free = host_aligned_free;
    c->host.secure_getenv = host_secure_getenv;
    c->host.parallel_for = host_parallel_for;
    c->host.num_threads = host_num_threads;
    c->host.cache_load = host_cache_load;
    c->host.cache_save = host_cache_save;
    return c;
}

const trueno_host *tn_host_table(const tn_host_ctx *c) { return &c->host; }

void tn_host_destroy(tn_host_ctx *c)
{
    if (!c) return;
    if (c->live_blocks)
        tn_log(TRUENO_LOG_WARN, "core", "plugin '%s' still held %zu block(s), %zu bytes, when it "
               "was unloaded; the core freed them", c->name, c->live_blocks, c->live_bytes);
    while (c->blocks.next != &c->blocks) {
        tn_block *b = c->blocks.next;
        b->prev->next = b->next;
        b->next->prev = b->prev;
        tn_aligned_free(b->base);
    }
    pthread_mutex_destroy(&c->mu);
    tn_free(c->name);
    tn_free(c);
}
