/*
 * loader.c — finding, opening and validating plugins.
 *
 * Search order (docs/plugin-guide.md): options.plugin_path, then
 * TRUENO_PLUGIN_PATH, then <dir of libtrueno-core>/trueno/plugins (so a
 * relocated install finds its own plugins), then the compiled-in
 * TRUENO_DEFAULT_PLUGIN_DIR. Relative entries (and so the current
 * directory) are never searched. In a privileged process (AT_SECURE:
 * setuid/setgid/capabilities) the environment is ignored and group- or
 * world-writable plugin files are refused.
 *
 * In each directory, regular files named libtrueno-<name>.so are taken in
 * name order; the first file of a name wins and later ones are recorded as
 * shadowed. Each is opened by absolute path with RTLD_NOW | RTLD_LOCAL.
 * Whatever goes wrong with one file is recorded with a reason and the next
 * file is tried: loading never fails because a plugin is bad.
 *
 * Known limit: plugins run in-process, so one that crashes (a segfault in
 * its probe) takes the process with it. trueno-info --isolate probes each
 * plugin in a child process first and reports such a crash instead.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "internal.h"

#ifndef TRUENO_DEFAULT_PLUGIN_DIR
#define TRUENO_DEFAULT_PLUGIN_DIR "/usr/local/lib/trueno/plugins"
#endif

/* Sizes of the ABI 1.0 structs: the least a plugin may hand back. A later
 * minor keeps these for plugins that negotiate 1.0. */
#define TN_SIZE_1_0_PLUGIN TN_SIZE_UPTO(trueno_plugin, shutdown)
#define TN_SIZE_1_0_DEVICE TN_SIZE_UPTO(trueno_device, vtable)
#define TN_SIZE_1_0_VTABLE TN_SIZE_UPTO(trueno_device_vtable, destroy)
#define TN_SIZE_1_0_PROPS TN_SIZE_UPTO(trueno_device_props, cost)
#define TN_SIZE_1_0_COST TN_SIZE_UPTO(trueno_cost_model, transfer_gbs)

static bool privileged(void) { return getauxval(AT_SECURE) != 0; }

/* ---- small string lists ------------------------------------------------ */

static bool list_contains(const char *list, const char *name)
{
    if (!list) return false;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, name, n)) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

static trueno_status add_dir(trueno_runtime *rt, const char *dir, const char *origin)
{
    if (!*dir) return TRUENO_OK;
    if (dir[0] != '/') {
        tn_log(TN_LOG_CAT_LOADER, "loader", "ignoring '%s' from %s: not an absolute path "
               "(relative directories, the current one included, are never searched)",
               dir, origin);
        return TRUENO_OK;
    }
    char real[PATH_MAX];
    const char *key = realpath(dir, real) ? real : dir;
    for (size_t i = 0; i < rt->n_search_dirs; i++)
        if (!strcmp(rt->search_dirs[i], key)) return TRUENO_OK;
    char **grown = tn_realloc(rt->search_dirs, (rt->n_search_dirs + 1) * sizeof *grown);
    if (!grown) return TRUENO_OUT_OF_MEMORY;
    rt->search_dirs = grown;
    if (!(rt->search_dirs[rt->n_search_dirs] = tn_strdup(key))) return TRUENO_OUT_OF_MEMORY;
    rt->n_search_dirs++;
    return TRUENO_OK;
}

static trueno_status add_path_list(trueno_runtime *rt, const char *list, const char *origin)
{
    char *copy = tn_strdup(list);
    if (!copy) return TRUENO_OUT_OF_MEMORY;
    trueno_status s = TRUENO_OK;
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && s == TRUENO_OK; d = strtok_r(NULL, ":", &save))
        s = add_dir(rt, d, origin);
    tn_free(copy);
    return s;
}

/* <dir of the loaded libtrueno-core>/trueno/plugins, or "" if unknown. */
static void core_relative_dir(char *out, size_t size)
{
    Dl_info info;
    out[0] = 0;
    if (!dladdr((void *)trueno_runtime_create, &info) || !info.dli_fname) return;
    char real[PATH_MAX];
    if (!realpath(info.dli_fname, real)) return;
    char *slash = strrchr(real, '/');
    if (!slash) return;
    *slash = 0;
    snprintf(out, size, "%s/trueno/plugins", real);
}

static trueno_status build_search_path(trueno_runtime *rt, const trueno_runtime_options *o)
{
    trueno_status s = TRUENO_OK;
    if (o && o->plugin_path) s = add_path_list(rt, o->plugin_path, "options.plugin_path");
    if (s != TRUENO_OK || (o && (o->flags & TRUENO_RUNTIME_ONLY_PLUGIN_PATH))) return s;

    const char *env = secure_getenv("TRUENO_PLUGIN_PATH");
    if (!env && getenv("TRUENO_PLUGIN_PATH"))
        tn_log(TRUENO_LOG_WARN, "loader", "TRUENO_PLUGIN_PATH is ignored in a privileged "
               "(setuid/setgid) process");
    if (env && (s = add_path_list(rt, env, "TRUENO_PLUGIN_PATH")) != TRUENO_OK) return s;

    char dir[PATH_MAX + 32];
    core_relative_dir(dir, sizeof dir);
    if ((s = add_dir(rt, dir, "the directory beside libtrueno-core")) != TRUENO_OK) return s;
    return add_dir(rt, TRUENO_DEFAULT_PLUGIN_DIR, "the compiled-in default");
}

/* ---- candidates -------------------------------------------------------- */

/* libtrueno-<name>.so with <name> of [a-z0-9_-]; "core" is the library. */
static bool plugin_name_of(const char *file, char *name, size_t size)
{
    static const char prefix[] = "libtrueno-", suffix[] = ".so";
    size_t n = strlen(file), pl = sizeof prefix - 1, sl = sizeof suffix - 1;
    if (n <= pl + sl || strncmp(file, prefix, pl) || strcmp(file + n - sl, suffix)) return false;
    size_t len = n - pl - sl;
    if (len >= size) return false;
    for (size_t i = 0; i < len; i++) {
        char c = file[pl + i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    memcpy(name, file + pl, len);
    name[len] = 0;
    return strcmp(name, "core") != 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static tn_plugin *new_record(trueno_runtime *rt, const char *file, const char *name)
{
    tn_plugin *grown = tn_realloc(rt->plugins, (rt->n_plugins + 1) * sizeof *grown);
    if (!grown) return NULL;
    rt->plugins = grown;
    tn_plugin *p = &rt->plugins[rt->n_plugins];
    memset(p, 0, sizeof *p);
    p->file = tn_strdup(file);
    p->name = tn_strdup(name);
    if (!p->file || !p->name) {
        tn_free(p->file);
        tn_free(p->name);
        return NULL;
    }
    rt->n_plugins++;
    return p;
}

static void set_outcome(tn_plugin *p, trueno_plugin_status status, trueno_plugin_reason reason,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set_outcome(tn_plugin *p, trueno_plugin_status status, trueno_plugin_reason reason,
                        const char *fmt, ...)
{
    char text[1024] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
    }
    p->status = status;
    p->reason = reason;
    tn_free(p->reason_text);
    p->reason_text = tn_strdup(text);
    static const char *const status_names[] = {"loaded", "no-device", "rejected", "listed"};
    tn_log(TN_LOG_CAT_LOADER, "loader", "%s: %s%s%s", p->file, status_names[status],
           *text ? ": " : "", text);
}

/* Checks one device the plugin handed back; NULL when usable. */
static const char *check_device(const trueno_device *d, trueno_plugin_reason *why)
{
    *why = TRUENO_PLUGIN_REASON_STRUCT_TOO_SMALL;
    if (!d) { *why = TRUENO_PLUGIN_REASON_MISSING_FUNCTION; return "a device pointer is NULL"; }
    if (d->struct_size < TN_SIZE_1_0_DEVICE) return "trueno_device.struct_size is too small";
    const trueno_device_vtable *v = d->vtable;
    if (!v) { *why = TRUENO_PLUGIN_REASON_MISSING_FUNCTION; return "device vtable is NULL"; }
    if (v->struct_size < TN_SIZE_1_0_VTABLE) return "trueno_device_vtable.struct_size is too small";
    *why = TRUENO_PLUGIN_REASON_MISSING_FUNCTION;
    if (!v->get_properties) return "required function get_properties is NULL";
    if (!v->estimate) return "required function estimate is NULL";
    if (!v->execute) return "required function execute is NULL";
    if (!v->destroy) return "required function destroy is NULL";
    const trueno_device_props *pr = v->get_properties(d->impl);
    if (!pr) return "get_properties returned NULL";
    *why = TRUENO_PLUGIN_REASON_STRUCT_TOO_SMALL;
    if (pr->struct_size < TN_SIZE_1_0_PROPS) return "trueno_device_props.struct_size is too small";
    if (!pr->cost || pr->cost->struct_size < TN_SIZE_1_0_COST)
        return "trueno_device_props.cost is NULL or its struct_size is too small";
    *why = TRUENO_PLUGIN_REASON_MISSING_FUNCTION;
    if (!pr->name || !pr->vendor || !pr->features || !pr->identity)
        return "a device property string is NULL";
    if (pr->memory_kind == TRUENO_MEMORY_DEVICE &&
        (!v->buffer_alloc || !v->buffer_free || !v->buffer_write || !v->buffer_read ||
         !v->buffer_copy))
        return "a DEVICE-memory device lacks a buffer function";
    if (pr->memory_kind > TRUENO_MEMORY_DEVICE) return "unknown memory_kind";
    return NULL;
}

/* Handshake, probe and validation of one opened file. On any failure the
 * record says why and everything the plugin made is released. */
static void load_one(trueno_runtime *rt, tn_plugin *p)
{
    const char *err;
    p->dl = dlopen(p->file, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) {
        err = dlerror();
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_OPEN_FAILED, "dlopen failed: %s",
                    err ? err : "unknown error");
        return;
    }
    union { void *obj; trueno_plugin_entry_fn fn; } entry;
    entry.obj = dlsym(p->dl, TRUENO_PLUGIN_ENTRY_SYMBOL);
    if (!entry.obj) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_NO_ENTRY,
                    "the file exports no '%s' symbol (is it a Trueno plugin?)",
                    TRUENO_PLUGIN_ENTRY_SYMBOL);
        goto close;
    }

    if (!(p->host = tn_host_create(rt, p->name))) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_PROBE_FAILED,
                    "out of host memory before the entry function");
        goto close;
    }
    trueno_abi_request req = {sizeof req, TRUENO_ABI_MAJOR, 0, TRUENO_ABI_MINOR,
                              tn_host_table(p->host)};
    trueno_abi_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    trueno_status s = entry.fn(&req, &rep);
    if (s == TRUENO_INCOMPATIBLE) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_INCOMPATIBLE_ABI,
                    "the plugin speaks no ABI version in %u.0-%u.%u", TRUENO_ABI_MAJOR,
                    TRUENO_ABI_MAJOR, TRUENO_ABI_MINOR);
        goto close;
    }
    if (s != TRUENO_OK) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_PROBE_FAILED,
                    "the entry function failed: %s", trueno_status_string(s));
        goto close;
    }
    p->abi_major = rep.major;
    p->abi_minor = rep.minor;
    if (rep.major != TRUENO_ABI_MAJOR || rep.minor > TRUENO_ABI_MINOR) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_INCOMPATIBLE_ABI,
                    "the plugin chose ABI %u.%u, outside the %u.0-%u.%u the core offered",
                    rep.major, rep.minor, TRUENO_ABI_MAJOR, TRUENO_ABI_MAJOR, TRUENO_ABI_MINOR);
        goto close; /* not shut down: we cannot trust its struct layout */
    }
    const trueno_plugin *d = rep.plugin;
    if (!d) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_MISSING_FUNCTION,
                    "the entry function returned no plugin descriptor");
        goto close;
    }
    if (d->struct_size < TN_SIZE_1_0_PLUGIN) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_STRUCT_TOO_SMALL,
                    "trueno_plugin.struct_size is %u, ABI 1.0 needs at least %zu",
                    d->struct_size, (size_t)TN_SIZE_1_0_PLUGIN);
        goto close;
    }
    if (!d->probe || !d->shutdown) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_MISSING_FUNCTION,
                    "required function %s is NULL", d->probe ? "shutdown" : "probe");
        goto close;
    }
    p->desc = d;
    p->instance = rep.instance;
    if (d->version && !(p->version = tn_strdup(d->version))) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_PROBE_FAILED, "out of host memory while loading");
        goto close_instance;
    }
    if (d->name && strcmp(d->name, p->name))
        tn_log(TRUENO_LOG_WARN, "loader", "%s calls itself '%s'; the file name makes it '%s'",
               p->file, d->name, p->name);

    uint32_t n = 0;
    const trueno_device *const *devs = NULL;
    const char *reason = NULL;
    s = d->probe(p->instance, &n, &devs, &reason);
    if (s != TRUENO_OK) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_PROBE_FAILED, "probe failed: %s%s%s",
                    trueno_status_string(s), reason ? ": " : "", reason ? reason : "");
        goto close_instance;
    }
    if (n == 0) {
        set_outcome(p, TRUENO_PLUGIN_NO_DEVICE, TRUENO_PLUGIN_REASON_NO_DEVICE, "%s",
                    reason ? reason : "the probe found no device");
        goto close_instance;
    }
    if (!devs) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_MISSING_FUNCTION,
                    "probe reported %u devices but no array", n);
        goto close_instance;
    }
    for (uint32_t i = 0; i < n; i++) {
        trueno_plugin_reason why;
        const char *bad = check_device(devs[i], &why);
        if (bad) {
            set_outcome(p, TRUENO_PLUGIN_REJECTED, why, "device %u: %s", i, bad);
            goto destroy_devices;
        }
    }
    if (rt->n_devices + n > TN_MAX_DEVICES) {
        set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_TOO_MANY,
                    "%u devices would pass the limit of %d", n, TN_MAX_DEVICES);
        goto destroy_devices;
    }
    for (uint32_t i = 0; i < n; i++) tn_runtime_add_device(rt, (int)(p - rt->plugins), p->name, devs[i]);
    p->n_devices = n;
    set_outcome(p, TRUENO_PLUGIN_LOADED, TRUENO_PLUGIN_REASON_NONE,
                "ABI %u.%u, %u device%s", p->abi_major, p->abi_minor, n, n == 1 ? "" : "s");
    return;

destroy_devices:
    for (uint32_t i = 0; i < n; i++)
        if (devs[i] && devs[i]->vtable && devs[i]->vtable->destroy)
            devs[i]->vtable->destroy(devs[i]->impl);
close_instance:
    d->shutdown(p->instance);
    p->desc = NULL;
    p->instance = NULL;
close:
    tn_host_destroy(p->host); /* frees what an untrusted plugin left */
    p->host = NULL;
    dlclose(p->dl);
    p->dl = NULL;
}

static trueno_status scan_dir(trueno_runtime *rt, const char *dir, const char *allow,
                              const char *deny, bool secure, bool list_only)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        tn_log(TN_LOG_CAT_LOADER, "loader", "%s: not searched (%s)", dir, "cannot open");
        return TRUENO_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    trueno_status s = TRUENO_OK;
    for (struct dirent *e; (e = readdir(dh));) {
        char name[NAME_MAX + 1];
        if (!plugin_name_of(e->d_name, name, sizeof name)) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = tn_realloc(names, cap * sizeof *grown);
            if (!grown) { s = TRUENO_OUT_OF_MEMORY; break; }
            names = grown;
        }
        if (!(names[n] = tn_strdup(e->d_name))) { s = TRUENO_OUT_OF_MEMORY; break; }
        n++;
    }
    closedir(dh);
    if (n) qsort(names, n, sizeof *names, cmp_str);

    for (size_t i = 0; i < n && s == TRUENO_OK; i++) {
        char path[PATH_MAX], name[NAME_MAX + 1];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        plugin_name_of(names[i], name, sizeof name);
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            tn_log(TN_LOG_CAT_LOADER, "loader", "%s: skipped, not a regular file", path);
            continue;
        }
        tn_plugin *p = new_record(rt, path, name);
        if (!p) { s = TRUENO_OUT_OF_MEMORY; break; }

        const tn_plugin *first = NULL;
        for (size_t j = 0; j + 1 < rt->n_plugins && !first; j++)
            if (!strcmp(rt->plugins[j].name, name)) first = &rt->plugins[j];
        if (!strcmp(name, TN_REFERENCE_NAME))
            set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_SHADOWED,
                        "'reference' is the name of the built-in backend");
        else if (first)
            set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_SHADOWED,
                        "shadowed by %s, found earlier in the search path", first->file);
        else if ((allow && !list_contains(allow, name)) || list_contains(deny, name))
            set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_EXCLUDED,
                        "excluded by %s", list_contains(deny, name)
                            ? "TRUENO_BACKENDS_DISABLE" : "TRUENO_BACKENDS");
        else if (secure && (sb.st_mode & (S_IWGRP | S_IWOTH)))
            set_outcome(p, TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_INSECURE,
                        "group- or world-writable file refused in a privileged process");
        else if (list_only)
            set_outcome(p, TRUENO_PLUGIN_NOT_LOADED, TRUENO_PLUGIN_REASON_NONE, NULL);
        else
            load_one(rt, p);
    }
    for (size_t i = 0; i < n; i++) tn_free(names[i]);
    tn_free(names);
    return s;
}

trueno_status tn_loader_load(trueno_runtime *rt, const trueno_runtime_options *o)
{
    if (o && (o->flags & TRUENO_RUNTIME_NO_PLUGINS)) return TRUENO_OK;
    trueno_status s = build_search_path(rt, o);
    if (s != TRUENO_OK) return tn_error(s, "out of host memory building the plugin search path");
    const char *allow = o && o->backends ? o->backends : secure_getenv("TRUENO_BACKENDS");
    const char *deny = o && o->backends_disable ? o->backends_disable
                                                : secure_getenv("TRUENO_BACKENDS_DISABLE");
    bool secure = privileged();
    for (size_t i = 0; i < rt->n_search_dirs && s == TRUENO_OK; i++) {
        tn_log(TN_LOG_CAT_LOADER, "loader", "searching %s", rt->search_dirs[i]);
        s = scan_dir(rt, rt->search_dirs[i], allow && *allow ? allow : NULL, deny, secure,
                     o && (o->flags & TRUENO_RUNTIME_LIST_ONLY));
    }
    if (s != TRUENO_OK) return tn_error(s, "out of host memory while loading plugins");
    return TRUENO_OK;
}

void tn_loader_unload(trueno_runtime *rt)
{
    /* Devices first (in reverse), then each plugin's instance, then the
     * handle: a device may still use its plugin's code while it dies. */
    for (size_t i = rt->n_devices; i-- > 0;) {
        tn_device *d = &rt->devices[i];
        if (d->plugin_index < 0) continue;
        if (d->handle.vtable->synchronize && !d->lost) d->handle.vtable->synchronize(d->handle.impl);
        d->handle.vtable->destroy(d->handle.impl);
    }
    for (size_t i = 0; i < rt->n_plugins; i++) {
        tn_plugin *p = &rt->plugins[i];
        if (p->desc) p->desc->shutdown(p->instance);
        tn_host_destroy(p->host);
        if (p->dl) dlclose(p->dl);
        tn_free(p->file);
        tn_free(p->name);
        tn_free(p->version);
        tn_free(p->reason_text);
    }
    tn_free(rt->plugins);
    rt->plugins = NULL;
    rt->n_plugins = 0;
    for (size_t i = 0; i < rt->n_search_dirs; i++) tn_free(rt->search_dirs[i]);
    tn_free(rt->search_dirs);
    rt->search_dirs = NULL;
    rt->n_search_dirs = 0;
}
