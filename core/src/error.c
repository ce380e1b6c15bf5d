/*
 * error.c — status strings and the per-thread last-error message.
 */
#include <stdarg.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[1024];
static _Thread_local char last_backend[64];

_Noreturn void tn_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "trueno: internal error: assertion '%s' failed at %s:%d\n",
            expr, file, line);
    abort();
}

trueno_status tn_error(trueno_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

const char *trueno_last_error(void) { return last_error; }

void tn_set_last_backend(const char *name)
{
    /* every op calls this: a bounded copy, not snprintf */
    size_t n = strnlen(name, sizeof last_backend - 1);
    memcpy(last_backend, name, n);
    last_backend[n] = '\0';
}

const char *trueno_last_backend(void) { return last_backend; }

const char *trueno_status_string(trueno_status status)
{
    switch (status) {
#define TRUENO_X_(name, value, text) case TRUENO_##name: return text;
        TRUENO_STATUS_MAP(TRUENO_X_)
#undef TRUENO_X_
    default: return "unknown status";
    }
}

const char *trueno_dtype_name(trueno_dtype dtype)
{
    switch (dtype) {
#define TRUENO_X_(name, value, text, size) case value: return text;
        TRUENO_DTYPE_MAP(TRUENO_X_)
#undef TRUENO_X_
    default: return "?";
    }
}

/* NumPy spells a 1-D shape "(5,)"; we do the same so messages read alike. */
const char *tn_shape_str(size_t rank, const int64_t *shape, char *buf,
                         size_t size)
{
    size_t used = 0;
    used += (size_t)snprintf(buf + used, size - used, "(");
    for (size_t i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ",%lld" : "%lld",
                                 (long long)shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, rank == 1 ? ",)" : ")");
    return buf;
}
