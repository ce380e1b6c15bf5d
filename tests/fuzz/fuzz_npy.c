/*
 * fuzz_npy — libFuzzer target: arbitrary bytes as a .npy file. A file is
 * either refused with a status and a message, or loads into a tensor
 * whose every element can be read back. ASan/UBSan watch every access.
 */
#include <stdlib.h>
#include <string.h>

#include <trueno/trueno.h>

static trueno_runtime *rt;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS, .num_threads = 1};
    return trueno_runtime_create(&o, &rt) != TRUENO_OK;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    trueno_tensor *t = NULL;
    if (trueno_npy_load_buffer(rt, data, size, &t) != TRUENO_OK) {
        if (!*trueno_last_error()) abort(); /* a refusal always says why */
        return 0;
    }
    size_t bytes = (size_t)trueno_tensor_numel(t) * 8 + 8;
    if (bytes < (1u << 26)) {
        void *buf = malloc(bytes);
        if (buf && trueno_tensor_read(t, buf, bytes) != TRUENO_OK) abort();
        free(buf);
    }
    trueno_tensor_free(t);
    return 0;
}
