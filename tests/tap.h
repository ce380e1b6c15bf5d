/*
 * tap.h — the Test Anything Protocol, version 12, for C test programs.
 *
 *   ok(cond, "what %s", ...)      one test line
 *   diag("text %d", ...)          a comment line (# ...)
 *   return tap_done();            prints the plan, exit status = failures
 *
 * The plan comes last ("1..N"), which TAP allows, so tests need not be
 * counted by hand. Every test program is one ctest test.
 */
#ifndef TRUENO_TAP_H
#define TRUENO_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_count);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!cond) tap_failed++;
    fflush(stdout);
    return cond;
}

__attribute__((format(printf, 1, 2), unused))
static void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

__attribute__((unused))
static int tap_done(void)
{
    printf("1..%d\n", tap_count);
    if (tap_failed) printf("# %d of %d tests failed\n", tap_failed, tap_count);
    return tap_failed ? 1 : 0;
}

#endif
