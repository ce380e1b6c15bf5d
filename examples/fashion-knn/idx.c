/* idx.c — see idx.h. */
#include "idx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* zlib's message, without the path it puts in front */
static const char *zmsg(gzFile f, const char *path, int *code)
{
    const char *msg = gzerror(f, code);
    size_t n = strlen(path);
    return strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2 : msg;
}

/* Reads exactly n bytes; -1 on a short read (truncated file) or a gzip
 * error, with the reason in err. */
static int read_exact(gzFile f, const char *path, void *buf, size_t n, const char *what, char *err, size_t errlen)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 30) ? 1u << 30 : (unsigned)(n - got);
        int r = gzread(f, (char *)buf + got, chunk);
        if (r < 0) {
            int code;
            const char *msg = zmsg(f, path, &code);
            return fail(err, errlen, "%s: not a readable gzip stream (%s) while reading the %s", path, msg, what);
        }
        if (r == 0) {
            int code;
            const char *msg = zmsg(f, path, &code);
            return fail(err, errlen, "%s: truncated: the %s needs %zu bytes, the file ends after %zu%s%s", path, what,
                        n, got, code != Z_OK ? "; zlib: " : "", code != Z_OK ? msg : "");
        }
        got += (size_t)r;
    }
    return 0;
}

int idx_read(const char *path, int rank, idx_array *out, char *err, size_t errlen)
{
    gzFile f = gzopen(path, "rb");
    if (!f) return fail(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
    idx_array a = {.rank = rank};
    uint8_t head[4], dims[12];
    int rc = read_exact(f, path, head, 4, "IDX header", err, errlen);
    if (rc == 0 && (head[0] != 0 || head[1] != 0))
        rc = fail(err, errlen, "%s: not an IDX file (it starts with %02x %02x, not 00 00)", path, head[0], head[1]);
    if (rc == 0 && head[2] != 0x08)
        rc = fail(err, errlen, "%s: IDX element type 0x%02x; only 0x08 (unsigned byte) is read", path, head[2]);
    if (rc == 0 && head[3] != rank)
        rc = fail(err, errlen, "%s: %d dimensions; expected %d (%s)", path, head[3], rank,
                  rank == 3 ? "images: count, rows, columns" : "labels: count");
    if (rc == 0) rc = read_exact(f, path, dims, 4 * (size_t)rank, "dimensions", err, errlen);
    a.size = 1;
    for (int i = 0; rc == 0 && i < rank; i++) {
        a.dims[i] = (uint32_t)dims[4 * i] << 24 | (uint32_t)dims[4 * i + 1] << 16 | (uint32_t)dims[4 * i + 2] << 8 |
                    dims[4 * i + 3];
        if (a.dims[i] == 0) rc = fail(err, errlen, "%s: dimension %d is 0", path, i);
        else if ((a.size *= a.dims[i]) > (size_t)1 << 31)
            rc = fail(err, errlen, "%s: implausible dimensions (more than 2 GiB of data)", path);
    }
    if (rc == 0 && !(a.data = malloc(a.size))) rc = fail(err, errlen, "%s: out of memory for %zu bytes", path, a.size);
    if (rc == 0) rc = read_exact(f, path, a.data, a.size, "data", err, errlen);
    if (rc == 0) {
        char extra;
        int r = gzread(f, &extra, 1);
        if (r != 0) {
            int code;
            const char *msg = zmsg(f, path, &code);
            rc = r > 0 ? fail(err, errlen, "%s: longer than its header says (%zu data bytes)", path, a.size)
                       : fail(err, errlen, "%s: not a readable gzip stream (%s)", path, msg);
        }
    }
    gzclose(f);
    if (rc != 0) {
        free(a.data);
        return rc;
    }
    *out = a;
    return 0;
}

void idx_free(idx_array *a)
{
    free(a->data);
    a->data = NULL;
}
