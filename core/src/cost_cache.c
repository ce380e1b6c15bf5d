/*
 * cost_cache.c — keeps measured cost-model figures across runs, so that
 * calibration happens once per machine and start-up stays fast.
 *
 * Directory: $TRUENO_CACHE_DIR, else $XDG_CACHE_HOME/trueno, else
 * $HOME/.cache/trueno (read with secure_getenv; a privileged process uses
 * no cache). One text file per key, named <key>-<cpu hash>.cost, so a home
 * directory shared between machines keeps one set per CPU model. A file
 * that does not parse, or holds a figure that is not finite and positive,
 * is ignored and rewritten. Failing to write is not an error.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static uint32_t cpu_hash_value;
static pthread_once_t cpu_hash_once = PTHREAD_ONCE_INIT;

static void cpu_hash_compute(void)
{
    uint32_t h = 2166136261u; /* FNV-1a of /proc/cpuinfo's first model name */
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) && strncmp(line, "CPU part", 8)) continue;
            for (const char *p = line; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
            break;
        }
        fclose(f);
    }
    cpu_hash_value = h;
}

/* Once per process: reading /proc/cpuinfo costs tens of microseconds (the
 * kernel asks every CPU for its clock), and every runtime creation looks
 * up one cache file per CPU device. */
static uint32_t cpu_hash(void)
{
    pthread_once(&cpu_hash_once, cpu_hash_compute);
    return cpu_hash_value;
}

static bool cache_path(const char *key, char *path, size_t size, bool create)
{
    char dir[4096];
    const char *env = secure_getenv("TRUENO_CACHE_DIR");
    const char *xdg = secure_getenv("XDG_CACHE_HOME");
    const char *home = secure_getenv("HOME");
    if (env && *env) snprintf(dir, sizeof dir, "%s", env);
    else if (xdg && *xdg == '/') snprintf(dir, sizeof dir, "%s/trueno", xdg);
    else if (home && *home == '/') snprintf(dir, sizeof dir, "%s/.cache/trueno", home);
    else return false;
    if (create) {
        /* make the parent too ($HOME/.cache may not exist yet) */
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) { *slash = 0; mkdir(parent, 0700); }
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) return false;
    }
    return (size_t)snprintf(path, size, "%s/%s-%08x.cost", dir, key, cpu_hash()) < size;
}

bool tn_cost_cache_load(const char *key, double *values, size_t n)
{
    char path[4200];
    if (!cache_path(key, path, sizeof path, false)) return false;
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char magic[32] = "";
    bool ok = fscanf(f, "%31s", magic) == 1 && !strcmp(magic, "trueno-cost-1");
    for (size_t i = 0; ok && i < n; i++)
        ok = fscanf(f, "%lf", &values[i]) == 1 && isfinite(values[i]) && values[i] > 0;
    fclose(f);
    return ok;
}

void tn_cost_cache_save(const char *key, const double *values, size_t n)
{
    char path[4200], tmp[4300];
    if (!cache_path(key, path, sizeof path, true)) return;
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path); /* unique per writer, threads too */
    int fd = mkstemp(tmp);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "w");
    if (!f) { close(fd); unlink(tmp); return; }
    fprintf(f, "trueno-cost-1\n");
    for (size_t i = 0; i < n; i++) fprintf(f, "%.17g\n", values[i]);
    if (fclose(f) == 0) rename(tmp, path); /* atomic: readers see old or new */
    else unlink(tmp);
}
