#define _GNU_SOURCE
/*
 * test_npy.c — .npy reading refuses malformed files with a clear error and
 * no leak (this program runs under ASan/LSan in CI), and a round trip
 * through a file keeps every value. Files NumPy writes, and byte-identity
 * with numpy.save, are checked by tests/differential/test_interop.py.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trueno/trueno.h>

#include "tap.h"

static trueno_runtime *rt;

/* A .npy image: magic, version, header length, `header` padded to 64. */
static size_t build(unsigned char *buf, int major, int minor, const char *header, const void *data,
                    size_t data_bytes)
{
    size_t hl = strlen(header), prefix = major == 1 ? 10 : 12;
    size_t total = prefix + hl + 1, pad = (64 - total % 64) % 64;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = (unsigned char)minor;
    size_t len = hl + pad + 1;
    for (size_t i = 0; i < prefix - 8; i++) buf[8 + i] = (unsigned char)(len >> (8 * i));
    memcpy(buf + prefix, header, hl);
    memset(buf + prefix + hl, ' ', pad);
    buf[prefix + hl + pad] = '\n';
    memcpy(buf + prefix + len, data, data_bytes);
    return prefix + len + data_bytes;
}

static void refused(const char *what, const void *buf, size_t size, const char *needle)
{
    trueno_tensor *t = NULL;
    trueno_status s = trueno_npy_load_buffer(rt, buf, size, &t);
    const char *msg = trueno_last_error();
    ok(s != TRUENO_OK && t == NULL && strstr(msg, needle) != NULL, "%s is refused: %s", what, msg);
    trueno_tensor_free(t);
}

int main(void)
{
    trueno_runtime_options o = {.struct_size = sizeof o, .flags = TRUENO_RUNTIME_NO_PLUGINS};
    if (trueno_runtime_create(&o, &rt) != TRUENO_OK) { printf("Bail out! %s\n", trueno_last_error()); return 1; }
    static unsigned char buf[32768];
    float data[6] = {1, 2, 3, 4, 5, 6};
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    size_t n;

    /* the well-formed file loads (the baseline for every case below) */
    n = build(buf, 1, 0, good, data, sizeof data);
    trueno_tensor *t = NULL;
    float back[6] = {0};
    ok(trueno_npy_load_buffer(rt, buf, n, &t) == TRUENO_OK && trueno_tensor_read(t, back, sizeof back) == TRUENO_OK &&
       !memcmp(back, data, sizeof data), "a well-formed v1.0 file loads");

    /* round trip through a file */
    char path[] = "/tmp/trueno-npy-XXXXXX";
    int fd = mkstemp(path);
    trueno_tensor *u = NULL;
    float again[6] = {0};
    ok(fd >= 0 && trueno_npy_save(t, path) == TRUENO_OK && trueno_npy_load(rt, path, &u) == TRUENO_OK &&
       trueno_tensor_read(u, again, sizeof again) == TRUENO_OK && !memcmp(again, data, sizeof data),
       "save then load keeps every value");
    trueno_tensor_free(t);
    trueno_tensor_free(u);
    if (fd >= 0) { close(fd); unlink(path); }
    ok(trueno_npy_load(rt, "/nonexistent/x.npy", &u) == TRUENO_IO_ERROR && strstr(trueno_last_error(), "cannot open"),
       "a missing file is an I/O error: %s", trueno_last_error());

    refused("an empty file", buf, 0, "magic");
    refused("a file without the magic string", "PK\x03\x04 not npy at all", 20, "magic");
    n = build(buf, 4, 0, good, data, sizeof data);
    refused("format version 4.0", buf, n, "version");
    n = build(buf, 1, 1, good, data, sizeof data);
    refused("format version 1.1", buf, n, "version");
    refused("a file cut inside the header length", "\x93NUMPY\x01\x00\x40", 9, "truncated header length");
    n = build(buf, 1, 0, good, data, sizeof data);
    refused("a header length beyond the file", buf, 100, "truncated header");
    {
        static char big[12000];
        memset(big, ' ', sizeof big - 1);
        memcpy(big, good, strlen(good));
        n = build(buf, 2, 0, big, data, sizeof data);
        refused("a header over 10000 bytes", buf, n, "10000");
    }
    struct { const char *what, *header, *needle; } bad[] = {
        {"a header that is not a dict", "hello", "not a dict"},
        {"a header without descr", "{'fortran_order': False, 'shape': (2, 3), }", "lacks"},
        {"a header without shape", "{'descr': '<f4', 'fortran_order': False, }", "lacks"},
        {"a header without fortran_order", "{'descr': '<f4', 'shape': (2, 3), }", "lacks"},
        {"an object array (pickle)", "{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }", "object arrays"},
        {"a unicode string dtype", "{'descr': '<U5', 'fortran_order': False, 'shape': (2, 3), }", "no Trueno equivalent"},
        {"a complex dtype", "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }", "no Trueno equivalent"},
        {"an unsigned 32-bit dtype", "{'descr': '<u4', 'fortran_order': False, 'shape': (2, 3), }", "no Trueno equivalent"},
        {"a structured dtype", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }", "structured"},
        {"a negative extent", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", "non-negative integer"},
        {"a fractional extent", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5, 3), }", "malformed shape"},
        {"more than 8 axes", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", "8 axes"},
        {"a shape whose size overflows", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", "overflows"},
        /* found by fuzz_npy: refused before allocating 533 GB for it */
        /* found by fuzz_npy: zero elements, but strides beyond int64 */
        {"an empty array whose other extents overflow", "{'descr': '<f4', 'fortran_order': False, 'shape': (66666666661, 66666666661, 0), }", "cannot be addressed"},
        {"a huge shape in a short file", "{'descr': '<f4', 'fortran_order': True, 'shape': (66666666661, 2), }", "promises 533333333288 bytes"},
        {"fortran_order that is not a bool", "{'descr': '<f4', 'fortran_order': maybe, 'shape': (2, 3), }", "True or False"},
        {"an unexpected key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1, }", "unexpected key"},
        {"an unterminated string", "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3), }", "descr"},
        {"text after the dict", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } extra", "after the header"},
        {"a byte order mark other than <>|=", "{'descr': '!f4', 'fortran_order': False, 'shape': (2, 3), }", "byte order"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = build(buf, 1, 0, bad[i].header, data, sizeof data);
        refused(bad[i].what, buf, n, bad[i].needle);
    }
    n = build(buf, 1, 0, good, data, sizeof data - 4);
    refused("truncated data", buf, n, "truncated");
    n = build(buf, 1, 0, good, data, sizeof data);
    buf[n] = 7;
    refused("trailing bytes after the data", buf, n + 1, "after the data");
    n = build(buf, 1, 0, good, data, sizeof data);
    buf[20] = 0;
    refused("a NUL byte inside the header", buf, n, "NUL");
    trueno_runtime_destroy(rt);
    return tap_done();
}
