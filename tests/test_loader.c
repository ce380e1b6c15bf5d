/*
 * test_loader.c — plugin discovery and validation against real .so files
 * built from tests/plugins/testplugin.c (one per case) in two directories:
 *   argv[1] (dir a): fastcpu fakegpu newerminor abimajor toosmall nullfn
 *                    nodevice probefail noentry notelf dup
 *   argv[2] (dir b): dup (shadowed by a's), reference (reserved name),
 *                    and a directory named like a plugin
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trueno/trueno.h>

#include "tap.h"

static char dir_a[PATH_MAX], dir_b[PATH_MAX];

static trueno_runtime *make(const char *path, const char *allow, const char *deny, uint32_t flags)
{
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = flags, .plugin_path = path,
                                .backends = allow, .backends_disable = deny, .num_threads = 1};
    trueno_runtime *rt = NULL;
    if (trueno_runtime_create(&o, &rt) != TRUENO_OK) diag("create failed: %s", trueno_last_error());
    return rt;
}

static int find(trueno_runtime *rt, const char *dir, const char *name, trueno_plugin_info *out)
{
    char file[PATH_MAX + 64];
    snprintf(file, sizeof file, "%s/libtrueno-%s.so", dir, name);
    for (size_t i = 0; i < trueno_runtime_plugin_count(rt); i++) {
        out->struct_size = sizeof *out;
        if (trueno_runtime_plugin(rt, i, out) == TRUENO_OK && !strcmp(out->file, file)) return 1;
    }
    return 0;
}

static void expect(trueno_runtime *rt, const char *dir, const char *name, trueno_plugin_status status,
                   trueno_plugin_reason reason, const char *text_part)
{
    trueno_plugin_info p;
    if (!find(rt, dir, name, &p)) {
        ok(0, "%s: candidate recorded", name);
        return;
    }
    ok(p.status == status && p.reason == reason && strstr(p.reason_text, text_part),
       "%s: status %u reason %u (want %u/%u), text '%s' contains '%s'", name, p.status, p.reason,
       status, reason, p.reason_text, text_part);
}

static int add_works(trueno_runtime *rt, const char *backend)
{
    float a[3] = {1, 2, 3}, b[3] = {10, 20, 30}, c[3] = {0};
    int64_t shape[1] = {3};
    trueno_tensor *ta = NULL, *tb = NULL, *tc = NULL;
    int good = trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, shape, a, &ta) == TRUENO_OK &&
               trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, shape, b, &tb) == TRUENO_OK &&
               trueno_add(ta, tb, &tc) == TRUENO_OK &&
               trueno_tensor_read(tc, c, sizeof c) == TRUENO_OK;
    if (!good) diag("add failed: %s", trueno_last_error());
    good = good && c[0] == 11 && c[1] == 22 && c[2] == 33 && !strcmp(trueno_last_backend(), backend);
    if (!good) diag("ran on '%s', want '%s'", trueno_last_backend(), backend);
    trueno_tensor_free(ta);
    trueno_tensor_free(tb);
    trueno_tensor_free(tc);
    return good;
}

int main(int argc, char **argv)
{
    if (argc < 3 || !realpath(argv[1], dir_a) || !realpath(argv[2], dir_b)) {
        printf("Bail out! usage: test_loader DIR_A DIR_B\n");
        return 1;
    }
    char path[2 * PATH_MAX + 2];
    snprintf(path, sizeof path, "%s:%s", dir_a, dir_b);

    trueno_runtime *rt = make(path, NULL, NULL, TRUENO_RUNTIME_ONLY_PLUGIN_PATH);
    if (!ok(rt != NULL, "runtime starts although most plugins are broken")) return tap_done();
    ok(trueno_runtime_search_dir(rt, 0) && !strcmp(trueno_runtime_search_dir(rt, 0), dir_a) &&
       trueno_runtime_search_dir(rt, 1) && !strcmp(trueno_runtime_search_dir(rt, 1), dir_b) &&
       !trueno_runtime_search_dir(rt, 2), "search path is exactly options.plugin_path");

    expect(rt, dir_a, "fastcpu", TRUENO_PLUGIN_LOADED, TRUENO_PLUGIN_REASON_NONE, "ABI 1.1");
    expect(rt, dir_a, "fakegpu", TRUENO_PLUGIN_LOADED, TRUENO_PLUGIN_REASON_NONE, "1 device");
    expect(rt, dir_a, "newerminor", TRUENO_PLUGIN_LOADED, TRUENO_PLUGIN_REASON_NONE, "ABI 1.1");
    expect(rt, dir_a, "notelf", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_OPEN_FAILED, "dlopen failed");
    expect(rt, dir_a, "noentry", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_NO_ENTRY, "trueno_plugin_entry");
    expect(rt, dir_a, "abimajor", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_INCOMPATIBLE_ABI, "no ABI version in 1.0");
    expect(rt, dir_a, "toosmall", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_STRUCT_TOO_SMALL, "struct_size is 8");
    expect(rt, dir_a, "nullfn", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_MISSING_FUNCTION, "execute is NULL");
    expect(rt, dir_a, "nodevice", TRUENO_PLUGIN_NO_DEVICE, TRUENO_PLUGIN_REASON_NO_DEVICE, "no test hardware attached");
    expect(rt, dir_a, "probefail", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_PROBE_FAILED, "did not answer");
    expect(rt, dir_a, "dup", TRUENO_PLUGIN_LOADED, TRUENO_PLUGIN_REASON_NONE, "ABI 1.1");
    char shadow[PATH_MAX + 64];
    snprintf(shadow, sizeof shadow, "shadowed by %s/libtrueno-dup.so", dir_a);
    expect(rt, dir_b, "dup", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_SHADOWED, shadow);
    expect(rt, dir_b, "reference", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_SHADOWED, "built-in");
    trueno_plugin_info p;
    ok(!find(rt, dir_b, "dir", &p), "a directory named libtrueno-dir.so is not a candidate");
    ok(trueno_runtime_plugin_count(rt) == 13, "13 candidate files recorded (got %zu)",
       trueno_runtime_plugin_count(rt));
    ok(trueno_runtime_device_count(rt) == 5, "devices: reference + fastcpu + fakegpu + newerminor + dup (got %zu)",
       trueno_runtime_device_count(rt));
    trueno_device_info d = {.struct_size = sizeof d};
    ok(trueno_runtime_device(rt, 0, &d) == TRUENO_OK && !strcmp(d.plugin, "reference") &&
       d.props->kind == TRUENO_DEVICE_CPU, "device 0 is the built-in reference backend");
    ok(trueno_runtime_force_backend(rt, "newerminor") == TRUENO_OK && add_works(rt, "newerminor"),
       "a plugin built for a newer ABI minor (larger structs) loads and runs ops");
    ok(trueno_runtime_force_backend(rt, "nodevice") == TRUENO_NOT_FOUND &&
       strstr(trueno_last_error(), "nodevice"), "forcing a backend with no device is NOT_FOUND: %s",
       trueno_last_error());
    trueno_runtime_destroy(rt);

    rt = make(path, "fastcpu", NULL, TRUENO_RUNTIME_ONLY_PLUGIN_PATH);
    expect(rt, dir_a, "fastcpu", TRUENO_PLUGIN_LOADED, TRUENO_PLUGIN_REASON_NONE, "ABI");
    expect(rt, dir_a, "fakegpu", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_EXCLUDED, "TRUENO_BACKENDS");
    ok(trueno_runtime_device_count(rt) == 2, "TRUENO_BACKENDS=fastcpu leaves reference + fastcpu");
    trueno_runtime_destroy(rt);

    rt = make(path, NULL, "fakegpu,dup", TRUENO_RUNTIME_ONLY_PLUGIN_PATH);
    expect(rt, dir_a, "fakegpu", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_EXCLUDED, "TRUENO_BACKENDS_DISABLE");
    expect(rt, dir_a, "dup", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_EXCLUDED, "TRUENO_BACKENDS_DISABLE");
    expect(rt, dir_a, "fastcpu", TRUENO_PLUGIN_LOADED, TRUENO_PLUGIN_REASON_NONE, "ABI");
    trueno_runtime_destroy(rt);

    /* The environment gives the same lists. */
    setenv("TRUENO_BACKENDS_DISABLE", "fastcpu", 1);
    rt = make(path, NULL, NULL, TRUENO_RUNTIME_ONLY_PLUGIN_PATH);
    expect(rt, dir_a, "fastcpu", TRUENO_PLUGIN_REJECTED, TRUENO_PLUGIN_REASON_EXCLUDED, "TRUENO_BACKENDS_DISABLE");
    trueno_runtime_destroy(rt);
    unsetenv("TRUENO_BACKENDS_DISABLE");

    /* Never the current directory, never a relative path. */
    if (chdir(dir_a) == 0) {
        rt = make(".:plugins:", NULL, NULL, TRUENO_RUNTIME_ONLY_PLUGIN_PATH);
        ok(rt && trueno_runtime_search_dir(rt, 0) == NULL && trueno_runtime_plugin_count(rt) == 0,
           "relative entries ('.', 'plugins', '') are never searched, even from the plugin dir");
        trueno_runtime_destroy(rt);
        setenv("TRUENO_PLUGIN_PATH", ".", 1);
        rt = make(NULL, NULL, NULL, 0);
        int cwd_used = 0;
        for (size_t i = 0; rt && trueno_runtime_search_dir(rt, i); i++)
            cwd_used |= !strcmp(trueno_runtime_search_dir(rt, i), dir_a);
        ok(rt && !cwd_used, "TRUENO_PLUGIN_PATH=. does not make the current directory searched");
        trueno_runtime_destroy(rt);
    }

    /* TRUENO_PLUGIN_PATH comes before the directory beside the core. */
    setenv("TRUENO_PLUGIN_PATH", dir_a, 1);
    rt = make(NULL, "fastcpu", NULL, 0);
    const char *d0 = rt ? trueno_runtime_search_dir(rt, 0) : NULL;
    const char *d1 = rt ? trueno_runtime_search_dir(rt, 1) : NULL;
    ok(d0 && !strcmp(d0, dir_a), "TRUENO_PLUGIN_PATH is searched first");
    ok(d1 && strstr(d1, "/trueno/plugins"), "then the plugin dir beside libtrueno-core (%s)", d1 ? d1 : "none");
    ok(rt && add_works(rt, "fastcpu"), "a plugin found through TRUENO_PLUGIN_PATH runs the op");
    trueno_runtime_destroy(rt);
    unsetenv("TRUENO_PLUGIN_PATH");

    /* Zero plugins: the reference backend alone does everything. */
    rt = make(NULL, NULL, NULL, TRUENO_RUNTIME_NO_PLUGINS);
    ok(rt && trueno_runtime_plugin_count(rt) == 0 && trueno_runtime_device_count(rt) == 1 &&
       add_works(rt, "reference"), "with no plugins the reference backend runs ops");
    trueno_runtime_destroy(rt);

    trueno_runtime_options bad = {.struct_size = 4};
    ok(trueno_runtime_create(&bad, &rt) == TRUENO_INVALID_ARGUMENT && strstr(trueno_last_error(), "struct_size"),
       "options with a bad struct_size are refused: %s", trueno_last_error());
    return tap_done();
}
