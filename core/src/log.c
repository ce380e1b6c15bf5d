/*
 * log.c — TRUENO_LOG: a comma-separated list of what goes to stderr.
 *   error, warn, info, debug   plugin and core messages up to that level
 *   loader                     every candidate file and why it was taken
 *   dispatch                   every op, each candidate's cost, the choice
 *   all                        everything
 * Unset: nothing is printed (a library does not talk unless asked).
 */
#include <stdarg.h>
#include <string.h>

#include "internal.h"

static unsigned log_mask; /* bits: 1 << level, and TN_LOG_CAT_* */

void tn_log_configure(void)
{
    const char *spec = secure_getenv("TRUENO_LOG");
    unsigned mask = 0;
    if (spec) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", spec);
        char *save = NULL;
        for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
            if (!strcmp(w, "error")) mask |= 1u << TRUENO_LOG_ERROR;
            else if (!strcmp(w, "warn")) mask |= 3u;
            else if (!strcmp(w, "info")) mask |= 7u;
            else if (!strcmp(w, "debug")) mask |= 15u;
            else if (!strcmp(w, "loader")) mask |= TN_LOG_CAT_LOADER;
            else if (!strcmp(w, "dispatch")) mask |= TN_LOG_CAT_DISPATCH;
            else if (!strcmp(w, "all")) mask |= 15u | TN_LOG_CAT_LOADER | TN_LOG_CAT_DISPATCH;
        }
    }
    __atomic_store_n(&log_mask, mask, __ATOMIC_RELAXED);
}

bool tn_log_enabled(unsigned what)
{
    unsigned mask = __atomic_load_n(&log_mask, __ATOMIC_RELAXED);
    unsigned bit = what < 8 ? 1u << what : what;
    return (mask & bit) != 0;
}

void tn_log(unsigned what, const char *source, const char *fmt, ...)
{
    static const char *const level_names[] = {"error", "warn", "info", "debug"};
    if (!tn_log_enabled(what)) return;
    const char *tag = what < 4 ? level_names[what]
                    : what == TN_LOG_CAT_LOADER ? "loader" : "dispatch";
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fputs per line so lines from threads do not interleave. */
    char out[2200];
    snprintf(out, sizeof out, "[trueno %s] %s: %s\n", tag, source, line);
    fputs(out, stderr);
}
