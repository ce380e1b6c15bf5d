/*
 * trueno-info — what this machine offers: every candidate plugin file with
 * its status and reason, the negotiated ABI, every device with its
 * properties and cost-model figures, and the directories searched.
 *
 *   trueno-info             a readable report
 *   trueno-info --json      one JSON object (schema in docs/plugin-guide.md)
 *   trueno-info --isolate   first load each plugin in a child process, so
 *                           that one which crashes (a broken driver) is
 *                           reported as "crashed" instead of killing
 *                           trueno-info; the others then load as usual
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <trueno/trueno.h>

static const char *plugin_status_name(uint32_t s)
{
    static const char *const names[] = {"loaded", "no-device", "rejected", "listed"};
    return s < 4 ? names[s] : "?";
}

static const char *reason_name(uint32_t r);

/* --isolate: the plugin files that crashed in a child, and how. */
#define MAX_CRASHED 64
static struct { char file[PATH_MAX]; char why[160]; } crashed[MAX_CRASHED];
static int n_crashed;

static const char *crash_of(const char *file)
{
    for (int i = 0; i < n_crashed; i++)
        if (!strcmp(crashed[i].file, file)) return crashed[i].why;
    return NULL;
}

/* Loads each candidate of the search path alone in a forked child. Returns
 * the comma-separated names that did not crash (for TRUENO_BACKENDS). */
static int isolate(char *allow, size_t size)
{
    trueno_runtime_options list = {.struct_size = sizeof list, .flags = TRUENO_RUNTIME_LIST_ONLY};
    trueno_runtime *rt;
    if (trueno_runtime_create(&list, &rt) != TRUENO_OK) return -1;
    size_t used = 0;
    allow[0] = 0;
    for (size_t i = 0; i < trueno_runtime_plugin_count(rt); i++) {
        trueno_plugin_info p = {.struct_size = sizeof p};
        if (trueno_runtime_plugin(rt, i, &p) != TRUENO_OK || p.status != TRUENO_PLUGIN_NOT_LOADED) continue;
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", p.file);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) { /* the child: load this one file, nothing else */
            trueno_runtime_options one = {.struct_size = sizeof one, .flags = TRUENO_RUNTIME_ONLY_PLUGIN_PATH,
                                          .plugin_path = dir, .backends = p.name};
            trueno_runtime *child;
            if (trueno_runtime_create(&one, &child) == TRUENO_OK) trueno_runtime_destroy(child);
            _exit(0);
        }
        int status = 0;
        if (pid > 0) waitpid(pid, &status, 0);
        if (pid > 0 && WIFSIGNALED(status) && n_crashed < MAX_CRASHED) {
            snprintf(crashed[n_crashed].file, sizeof crashed[n_crashed].file, "%s", p.file);
            snprintf(crashed[n_crashed].why, sizeof crashed[n_crashed].why,
                     "the plugin crashed while loading (signal %d, %s); without --isolate it kills the program",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
            n_crashed++;
        } else if (used + strlen(p.name) + 2 < size) {
            used += (size_t)snprintf(allow + used, size - used, "%s%s", used ? "," : "", p.name);
        }
    }
    trueno_runtime_destroy(rt);
    return 0;
}

/* A plugin's status/reason as shown, with --isolate's crash verdict. */
static void shown(const trueno_plugin_info *p, const char **status, const char **code, const char **text)
{
    const char *why = crash_of(p->file);
    *status = why ? "rejected" : plugin_status_name(p->status);
    *code = why ? "crashed" : reason_name(p->reason);
    *text = why ? why : p->reason_text;
}

static const char *reason_name(uint32_t r)
{
    switch (r) {
#define TRUENO_X_(name, value, text) case value: return text;
        TRUENO_PLUGIN_REASON_MAP(TRUENO_X_)
#undef TRUENO_X_
    default: return "?";
    }
}

static const char *kind_name(uint32_t k)
{
    return k == TRUENO_DEVICE_CPU ? "cpu" : k == TRUENO_DEVICE_GPU ? "gpu" : "accel";
}

static const char *const class_names[TRUENO_OP_CLASS_COUNT_1_0] = {
    "elementwise", "reduction", "matmul", "copy"};

/* The memory space a device computes in: "host", or its own. */
static void memory_space(const trueno_device_info *d, char *buf, size_t size)
{
    if (d->props->memory_kind == TRUENO_MEMORY_HOST) snprintf(buf, size, "host");
    else snprintf(buf, size, "device:%u", d->index);
}

static cJSON *device_json(const trueno_device_info *d)
{
    const trueno_device_props *p = d->props;
    const trueno_cost_model *c = p->cost;
    char space[32];
    memory_space(d, space, sizeof space);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddStringToObject(o, "plugin", d->plugin);
    cJSON_AddStringToObject(o, "kind", kind_name(p->kind));
    cJSON_AddStringToObject(o, "vendor", p->vendor);
    cJSON_AddStringToObject(o, "identity", p->identity);
    cJSON_AddStringToObject(o, "memory_space", space);
    cJSON_AddNumberToObject(o, "memory_bytes", (double)p->memory_bytes);
    cJSON *features = cJSON_AddArrayToObject(o, "features");
    char *copy = strdup(p->features), *save = NULL;
    for (char *w = copy ? strtok_r(copy, " ", &save) : NULL; w; w = strtok_r(NULL, " ", &save))
        cJSON_AddItemToArray(features, cJSON_CreateString(w));
    free(copy);
    cJSON_AddBoolToObject(o, "lost", d->lost);
    cJSON *cost = cJSON_AddObjectToObject(o, "cost");
    cJSON_AddBoolToObject(cost, "calibrated", c->calibrated);
    cJSON_AddNumberToObject(cost, "launch_ns", c->launch_ns);
    cJSON_AddNumberToObject(cost, "bandwidth_gbs", c->bandwidth_gbs);
    cJSON *g = cJSON_AddObjectToObject(cost, "gflops");
    for (int k = 0; k < TRUENO_OP_CLASS_COUNT_1_0; k++)
        if (k != TRUENO_OP_CLASS_COPY) cJSON_AddNumberToObject(g, class_names[k], c->gflops[k]);
    cJSON_AddNumberToObject(cost, "transfer_latency_ns", c->transfer_latency_ns);
    cJSON_AddNumberToObject(cost, "transfer_gbs", c->transfer_gbs);
    return o;
}

static int print_json(trueno_runtime *rt)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *abi = cJSON_AddObjectToObject(root, "abi");
    cJSON_AddNumberToObject(abi, "major", TRUENO_ABI_MAJOR);
    cJSON_AddNumberToObject(abi, "minor", TRUENO_ABI_MINOR);
    cJSON_AddNumberToObject(root, "threads", trueno_runtime_num_threads(rt));
    cJSON *path = cJSON_AddArrayToObject(root, "search_path");
    for (size_t i = 0; trueno_runtime_search_dir(rt, i); i++)
        cJSON_AddItemToArray(path, cJSON_CreateString(trueno_runtime_search_dir(rt, i)));

    size_t n_dev = trueno_runtime_device_count(rt);
    cJSON *plugins = cJSON_AddArrayToObject(root, "plugins");
    for (size_t i = 0; i < trueno_runtime_plugin_count(rt); i++) {
        trueno_plugin_info p = {.struct_size = sizeof p};
        if (trueno_runtime_plugin(rt, i, &p) != TRUENO_OK) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", p.file);
        cJSON_AddStringToObject(o, "name", p.name);
        const char *st, *code, *text;
        shown(&p, &st, &code, &text);
        cJSON_AddStringToObject(o, "status", st);
        cJSON_AddStringToObject(o, "reason_code", code);
        cJSON_AddStringToObject(o, "reason", text);
        char abi_text[32] = "";
        if (p.abi_major) snprintf(abi_text, sizeof abi_text, "%u.%u", p.abi_major, p.abi_minor);
        if (p.abi_major) cJSON_AddStringToObject(o, "abi", abi_text);
        else cJSON_AddNullToObject(o, "abi");
        cJSON_AddStringToObject(o, "version", p.version);
        cJSON *devs = cJSON_AddArrayToObject(o, "devices");
        for (size_t d = 0; d < n_dev; d++) {
            trueno_device_info di = {.struct_size = sizeof di};
            if (trueno_runtime_device(rt, d, &di) == TRUENO_OK && !strcmp(di.plugin, p.name))
                cJSON_AddItemToArray(devs, cJSON_CreateString(di.props->name));
        }
        cJSON_AddItemToArray(plugins, o);
    }
    cJSON *devices = cJSON_AddArrayToObject(root, "devices");
    for (size_t d = 0; d < n_dev; d++) {
        trueno_device_info di = {.struct_size = sizeof di};
        if (trueno_runtime_device(rt, d, &di) == TRUENO_OK)
            cJSON_AddItemToArray(devices, device_json(&di));
    }
    char *text = cJSON_Print(root);
    if (text) puts(text);
    free(text);
    cJSON_Delete(root);
    return text ? 0 : 1;
}

static void print_text(trueno_runtime *rt)
{
    printf("Trueno %d.%d.%d, plugin ABI %d.%d, %u threads\n\n", TRUENO_VERSION_MAJOR,
           TRUENO_VERSION_MINOR, TRUENO_VERSION_PATCH, TRUENO_ABI_MAJOR, TRUENO_ABI_MINOR,
           trueno_runtime_num_threads(rt));
    printf("Plugin directories searched, in order:\n");
    if (!trueno_runtime_search_dir(rt, 0)) printf("  (none)\n");
    for (size_t i = 0; trueno_runtime_search_dir(rt, i); i++)
        printf("  %s\n", trueno_runtime_search_dir(rt, i));
    printf("\nPlugin files:\n");
    if (!trueno_runtime_plugin_count(rt)) printf("  (none found: only the built-in reference backend)\n");
    for (size_t i = 0; i < trueno_runtime_plugin_count(rt); i++) {
        trueno_plugin_info p = {.struct_size = sizeof p};
        if (trueno_runtime_plugin(rt, i, &p) != TRUENO_OK) continue;
        const char *st, *code, *text;
        shown(&p, &st, &code, &text);
        printf("  %-10s %-12s %s\n", st, p.name, p.file);
        if (p.abi_major) printf("             ABI %u.%u, version %s\n", p.abi_major, p.abi_minor,
                                *p.version ? p.version : "?");
        if (*text) printf("             %s: %s\n", code, text);
    }
    printf("\nDevices (tie-break order):\n");
    for (size_t d = 0; d < trueno_runtime_device_count(rt); d++) {
        trueno_device_info di = {.struct_size = sizeof di};
        if (trueno_runtime_device(rt, d, &di) != TRUENO_OK) continue;
        const trueno_device_props *p = di.props;
        const trueno_cost_model *c = p->cost;
        char space[32];
        memory_space(&di, space, sizeof space);
        printf("  [%zu] %s\n", d, p->name);
        printf("      plugin %s, kind %s, memory %s", di.plugin, kind_name(p->kind), space);
        if (p->memory_bytes) printf(" (%.1f GiB)", (double)p->memory_bytes / (1u << 30));
        printf("%s\n", di.lost ? ", LOST" : "");
        if (*p->vendor) printf("      vendor %s\n", p->vendor);
        if (*p->identity) printf("      identity %s\n", p->identity);
        printf("      features: %s\n", *p->features ? p->features : "-");
        printf("      cost model (%s): launch %.0f ns, bandwidth %.2f GB/s, GFLOP/s:",
               c->calibrated ? "measured" : "nominal", c->launch_ns, c->bandwidth_gbs);
        for (int k = 0; k < TRUENO_OP_CLASS_COUNT_1_0; k++)
            if (k != TRUENO_OP_CLASS_COPY) printf(" %s %.2f", class_names[k], c->gflops[k]);
        printf("\n");
        if (p->memory_kind == TRUENO_MEMORY_DEVICE)
            printf("      host<->device: %.0f ns + %.2f GB/s\n", c->transfer_latency_ns, c->transfer_gbs);
    }
}

int main(int argc, char **argv)
{
    int json = 0, isolated = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--isolate")) isolated = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: trueno-info [--json] [--isolate]\n"
                   "Lists plugin files with their status, devices and cost models.\n"
                   "--isolate loads each plugin in a child process first and reports one\n"
                   "that crashes instead of dying with it.\n"
                   "Environment: TRUENO_PLUGIN_PATH, TRUENO_BACKENDS, TRUENO_BACKENDS_DISABLE,\n"
                   "TRUENO_NUM_THREADS, TRUENO_LOG (see trueno.h).\n");
            return 0;
        } else {
            fprintf(stderr, "trueno-info: unknown argument '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    trueno_runtime *rt;
    char allow[8192];
    trueno_runtime_options opts = {.struct_size = sizeof opts};
    if (isolated) {
        if (isolate(allow, sizeof allow) != 0) {
            fprintf(stderr, "trueno-info: %s\n", trueno_last_error());
            return 1;
        }
        if (n_crashed) { /* load the rest in-process, never the crashers */
            opts.backends = *allow ? allow : "-";
        }
    }
    if (trueno_runtime_create(&opts, &rt) != TRUENO_OK) {
        fprintf(stderr, "trueno-info: %s\n", trueno_last_error());
        return 1;
    }
    int rc = 0;
    if (json) rc = print_json(rt);
    else print_text(rt);
    trueno_runtime_destroy(rt);
    return rc;
}
