/*
 * test_privileged_helper — run setuid by test_privileged.sh, so that the
 * kernel marks the process AT_SECURE. Creates a runtime whose program-
 * supplied plugin_path is argv[1] (trusted: it comes from the program, not
 * the environment) and prints what the loader did, one line per candidate:
 *   secure <0|1>
 *   plugin <name> <status> <reason-code>
 */
#include <stdio.h>
#include <sys/auxv.h>

#include <trueno/trueno.h>

int main(int argc, char **argv)
{
    printf("secure %lu\n", getauxval(AT_SECURE));
    trueno_runtime_options o = {.struct_size = sizeof o, .plugin_path = argc > 1 ? argv[1] : NULL};
    trueno_runtime *rt;
    if (trueno_runtime_create(&o, &rt) != TRUENO_OK) {
        printf("error %s\n", trueno_last_error());
        return 1;
    }
    for (size_t i = 0; i < trueno_runtime_plugin_count(rt); i++) {
        trueno_plugin_info p = {.struct_size = sizeof p};
        trueno_runtime_plugin(rt, i, &p);
        printf("plugin %s %u %u %s\n", p.name, p.status, p.reason, p.file);
    }
    trueno_runtime_destroy(rt);
    return 0;
}
