/*
 * npy.c — reading and writing NumPy .npy files (format versions 1.0, 2.0
 * and 3.0, as numpy/lib/format.py defines them):
 *
 *   "\x93NUMPY" major minor, header length (uint16 LE for 1.x, uint32 LE
 *   for 2.x/3.x), then a Python dict literal
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 *   padded with spaces and a newline to a multiple of 64 bytes, then the
 *   raw data.
 *
 * The reader parses that literal itself (no Python evaluation), refuses
 * object arrays and pickles, structured and unknown dtypes, headers over
 * NumPy's 10000-byte cap, truncated data and trailing bytes. The writer
 * produces the same bytes numpy.save does (sorted keys, the 21-digit
 * growth padding of NumPy >= 1.23, 64-byte alignment).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define NPY_MAX_HEADER 10000
#define NPY_ALIGN 64
#define NPY_GROWTH_DIGITS 21

typedef struct npy_header {
    trueno_dtype dtype;
    bool big_endian;
    bool fortran;
    size_t rank;
    int64_t shape[TRUENO_MAX_RANK];
} npy_header;

/* ---- parsing the header dict ------------------------------------------ */

typedef struct cursor { const char *p, *end; } cursor;

static void skip_ws(cursor *c) { while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++; }

static bool eat(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) { c->p++; return true; }
    return false;
}

/* A quoted string ('...' or "..."), no escapes (none appear in valid headers). */
static bool parse_str(cursor *c, char *out, size_t size)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= size) return false;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end) return false;
    c->p++;
    out[n] = 0;
    return true;
}

static trueno_status bad(const char *what, const char *detail)
{
    return tn_error(TRUENO_INVALID_ARGUMENT, "npy: %s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

static trueno_status parse_descr(const char *d, npy_header *h)
{
    if (!strcmp(d, "O") || !strcmp(d, "|O") || !strcmp(d, "<O") || !strcmp(d, ">O"))
        return bad("object arrays are refused", "they hold Python objects (a pickle), which Trueno never loads");
    if (strlen(d) != 3) return bad("unsupported dtype descr", d);
    char order = d[0], kind = d[1], size = d[2];
    if (order != '<' && order != '>' && order != '|' && order != '=') return bad("unsupported byte order in descr", d);
    h->big_endian = order == '>';
    struct { char kind, size; trueno_dtype dt; } map[] = {
        {'b', '1', TRUENO_DTYPE_BOOL}, {'u', '1', TRUENO_DTYPE_UINT8}, {'i', '1', TRUENO_DTYPE_INT8},
        {'i', '2', TRUENO_DTYPE_INT16}, {'i', '4', TRUENO_DTYPE_INT32}, {'i', '8', TRUENO_DTYPE_INT64},
        {'f', '2', TRUENO_DTYPE_FLOAT16}, {'f', '4', TRUENO_DTYPE_FLOAT32}, {'f', '8', TRUENO_DTYPE_FLOAT64},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].kind == kind && map[i].size == size) { h->dtype = map[i].dt; return TRUENO_OK; }
    return bad("this dtype has no Trueno equivalent (Trueno has bool, uint8, int8-64, float16/32/64)", d);
}

static trueno_status parse_header(const char *text, size_t len, npy_header *h)
{
    cursor c = {text, text + len};
    bool have_descr = false, have_order = false, have_shape = false;
    if (!eat(&c, '{')) return bad("the header is not a dict literal", NULL);
    while (!eat(&c, '}')) {
        char key[32], val[64];
        if (!parse_str(&c, key, sizeof key) || !eat(&c, ':')) return bad("malformed header dict", NULL);
        if (!strcmp(key, "descr")) {
            skip_ws(&c);
            if (c.p < c.end && *c.p == '[') return bad("structured dtypes are refused", "the descr is a list of fields");
            if (!parse_str(&c, val, sizeof val)) return bad("descr is not a string", NULL);
            trueno_status s = parse_descr(val, h);
            if (s != TRUENO_OK) return s;
            have_descr = true;
        } else if (!strcmp(key, "fortran_order")) {
            skip_ws(&c);
            if (c.end - c.p >= 4 && !strncmp(c.p, "True", 4)) { h->fortran = true; c.p += 4; }
            else if (c.end - c.p >= 5 && !strncmp(c.p, "False", 5)) { h->fortran = false; c.p += 5; }
            else return bad("fortran_order is not True or False", NULL);
            have_order = true;
        } else if (!strcmp(key, "shape")) {
            if (!eat(&c, '(')) return bad("shape is not a tuple", NULL);
            h->rank = 0;
            while (!eat(&c, ')')) {
                skip_ws(&c);
                int64_t v = 0;
                int digits = 0;
                while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
                    if (v > (INT64_MAX - 9) / 10) return bad("a shape extent is too large", NULL);
                    v = v * 10 + (*c.p++ - '0');
                    digits++;
                }
                if (!digits) return bad("a shape extent is not a non-negative integer", NULL);
                if (h->rank == TRUENO_MAX_RANK) return bad("more than 8 axes", NULL);
                h->shape[h->rank++] = v;
                if (!eat(&c, ',')) { if (!eat(&c, ')')) return bad("malformed shape tuple", NULL); break; }
            }
            have_shape = true;
        } else {
            return bad("unexpected key in the header", key);
        }
        if (!eat(&c, ',')) { if (!eat(&c, '}')) return bad("malformed header dict", NULL); break; }
    }
    skip_ws(&c);
    if (c.p != c.end) return bad("unexpected text after the header dict", NULL);
    if (!have_descr || !have_order || !have_shape) return bad("the header lacks descr, fortran_order or shape", NULL);
    double total = (double)trueno_dtype_size(h->dtype);
    for (size_t i = 0; i < h->rank; i++) total *= (double)(h->shape[i] ? h->shape[i] : 1);
    if (total > 9.0e18) return bad("the shape's size overflows", "its extents cannot be addressed");
    return TRUENO_OK;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct source {
    FILE *f;                 /* either a file … */
    const unsigned char *mem; /* … or memory */
    size_t size, pos;
} source;

static size_t src_read(source *s, void *dst, size_t n)
{
    if (s->f) return fread(dst, 1, n, s->f);
    size_t k = s->size - s->pos < n ? s->size - s->pos : n;
    memcpy(dst, s->mem + s->pos, k);
    s->pos += k;
    return k;
}

/* Bytes left to read, or SIZE_MAX when unknown (a pipe). */
static size_t src_remaining(source *s)
{
    if (!s->f) return s->size - s->pos;
    long here = ftell(s->f);
    if (here < 0 || fseek(s->f, 0, SEEK_END) != 0) return SIZE_MAX;
    long end = ftell(s->f);
    fseek(s->f, here, SEEK_SET);
    return end >= here ? (size_t)(end - here) : SIZE_MAX;
}

static bool src_at_end(source *s)
{
    if (s->f) { int ch = fgetc(s->f); return ch == EOF; }
    return s->pos == s->size;
}

static void swap_bytes(unsigned char *p, size_t n, size_t es)
{
    for (size_t i = 0; i < n; i++, p += es)
        for (size_t a = 0, b = es - 1; a < b; a++, b--) { unsigned char t = p[a]; p[a] = p[b]; p[b] = t; }
}

static trueno_status load(trueno_runtime *rt, source *src, trueno_tensor **out)
{
    if (!rt || !out) return tn_error(TRUENO_INVALID_ARGUMENT, "npy: NULL argument");
    unsigned char pre[12];
    if (src_read(src, pre, 8) != 8 || memcmp(pre, "\x93NUMPY", 6))
        return bad("not a .npy file", "the magic string \\x93NUMPY is missing");
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0) {
        char v[32];
        snprintf(v, sizeof v, "%d.%d", major, minor);
        return bad("unsupported format version (1.0, 2.0 and 3.0 are read)", v);
    }
    size_t hl_bytes = major == 1 ? 2 : 4;
    if (src_read(src, pre + 8, hl_bytes) != hl_bytes) return bad("truncated header length", NULL);
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    if (major > 1) hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    if (hlen > NPY_MAX_HEADER) {
        char n[32];
        snprintf(n, sizeof n, "%zu bytes", hlen);
        return bad("the header is longer than NumPy's 10000-byte limit", n);
    }
    char text[NPY_MAX_HEADER + 1];
    if (src_read(src, text, hlen) != hlen) return bad("truncated header", NULL);
    text[hlen] = 0;
    if (memchr(text, 0, hlen)) return bad("the header contains a NUL byte", NULL);
    npy_header h;
    memset(&h, 0, sizeof h);
    trueno_status s = parse_header(text, hlen, &h);
    if (s != TRUENO_OK) return s;

    trueno_tensor *t = NULL;
    /* Fortran order: the data is the transpose's C order */
    int64_t cshape[TRUENO_MAX_RANK];
    for (size_t i = 0; i < h.rank; i++) cshape[i] = h.fortran ? h.shape[h.rank - 1 - i] : h.shape[i];
    size_t es = trueno_dtype_size(h.dtype), n = (size_t)tn_numel(h.rank, cshape), bytes = n * es;
    /* refuse a short file before allocating what its header promises */
    size_t left = src_remaining(src);
    if (left != SIZE_MAX && left < bytes) {
        char detail[96];
        snprintf(detail, sizeof detail, "the header promises %zu bytes of data, the file holds %zu", bytes, left);
        return bad("the data is truncated", detail);
    }
    if ((s = tn_tensor_new_host(rt, h.dtype, h.rank, cshape, &t)) != TRUENO_OK) return s;
    if (src_read(src, t->st->host, bytes) != bytes) {
        trueno_tensor_free(t);
        return bad("the data is truncated", "the file ends before shape × itemsize bytes");
    }
    if (!src_at_end(src)) {
        trueno_tensor_free(t);
        return bad("unexpected bytes after the data", NULL);
    }
    if (h.big_endian && es > 1) swap_bytes(t->st->host, n, es);
    if (h.dtype == TRUENO_DTYPE_BOOL)
        for (size_t i = 0; i < n; i++) ((unsigned char *)t->st->host)[i] = ((unsigned char *)t->st->host)[i] != 0;
    if (!h.fortran || h.rank < 2) { *out = t; return TRUENO_OK; }
    int axes[TRUENO_MAX_RANK];
    for (size_t i = 0; i < h.rank; i++) axes[i] = (int)(h.rank - 1 - i);
    trueno_tensor *view = NULL;
    if ((s = trueno_permute(t, axes, h.rank, &view)) == TRUENO_OK) s = trueno_copy(view, out);
    trueno_tensor_free(view);
    trueno_tensor_free(t);
    return s;
}

trueno_status trueno_npy_load(trueno_runtime *rt, const char *path, trueno_tensor **out)
{
    if (!path) return tn_error(TRUENO_INVALID_ARGUMENT, "npy_load: path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) return tn_error(TRUENO_IO_ERROR, "npy_load: cannot open '%s': %s", path, strerror(errno));
    source src = {f, NULL, 0, 0};
    trueno_status s = load(rt, &src, out);
    fclose(f);
    if (s != TRUENO_OK && s != TRUENO_OUT_OF_MEMORY) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", trueno_last_error());
        tn_error(s, "npy_load '%s': %s", path, msg + (strncmp(msg, "npy: ", 5) ? 0 : 5));
    }
    return s;
}

trueno_status trueno_npy_load_buffer(trueno_runtime *rt, const void *data, size_t size, trueno_tensor **out)
{
    if (!data && size) return tn_error(TRUENO_INVALID_ARGUMENT, "npy_load_buffer: data is NULL");
    source src = {NULL, data, size, 0};
    return load(rt, &src, out);
}

/* ---- writing -------------------------------------------------------------- */

trueno_status trueno_npy_save(const trueno_tensor *t, const char *path)
{
    if (!t || !path) return tn_error(TRUENO_INVALID_ARGUMENT, "npy_save: NULL argument");
    static const char *const descr[TRUENO_DTYPE_COUNT_1_0] = {
        "|b1", "|u1", "|i1", "<i2", "<i4", "<i8", "<f2", NULL, "<f4", "<f8"};
    if (!descr[t->dtype])
        return tn_error(TRUENO_DTYPE_UNSUPPORTED, "npy_save: bfloat16 has no NumPy dtype. Hint: "
                        "trueno_astype(t, TRUENO_DTYPE_FLOAT32, …) first");
    char dict[512], shape[256];
    size_t used = (size_t)snprintf(shape, sizeof shape, "(");
    for (size_t i = 0; i < t->rank; i++)
        used += (size_t)snprintf(shape + used, sizeof shape - used, i ? ", %lld" : "%lld", (long long)t->shape[i]);
    snprintf(shape + used, sizeof shape - used, t->rank == 1 ? ",)" : ")");
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr[t->dtype], shape);
    if (t->rank > 0) { /* spare room to grow axis 0 in place, as numpy.save */
        char last[32];
        int digits = snprintf(last, sizeof last, "%lld", (long long)t->shape[0]);
        for (int i = digits; i < NPY_GROWTH_DIGITS; i++) dict[n++] = ' ';
        dict[n] = 0;
    }
    size_t hlen = (size_t)n + 1, prefix = hlen + 10 > 65535 ? 12 : 10;
    size_t pad = NPY_ALIGN - (prefix + hlen) % NPY_ALIGN;
    if (pad == NPY_ALIGN) pad = 0;
    size_t total_h = hlen + pad;

    trueno_tensor *c = NULL;
    trueno_status s = trueno_contiguous(t, &c);
    if (s != TRUENO_OK) return s;
    size_t bytes = (size_t)tn_numel(c->rank, c->shape) * trueno_dtype_size(c->dtype);
    void *data = tn_malloc(bytes);
    if (!data) { trueno_tensor_free(c); return tn_error(TRUENO_OUT_OF_MEMORY, "npy_save: out of host memory"); }
    if ((s = trueno_tensor_read(c, data, bytes)) != TRUENO_OK) { tn_free(data); trueno_tensor_free(c); return s; }
    trueno_tensor_free(c);

    FILE *f = fopen(path, "wb");
    if (!f) { tn_free(data); return tn_error(TRUENO_IO_ERROR, "npy_save: cannot create '%s': %s", path, strerror(errno)); }
    unsigned char head[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', prefix == 10 ? 1 : 2, 0,
                              (unsigned char)total_h, (unsigned char)(total_h >> 8),
                              (unsigned char)(total_h >> 16), (unsigned char)(total_h >> 24)};
    bool ok = fwrite(head, 1, prefix, f) == prefix && fwrite(dict, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF && fwrite(data, 1, bytes, f) == bytes;
    ok = fclose(f) == 0 && ok;
    tn_free(data);
    if (!ok) return tn_error(TRUENO_IO_ERROR, "npy_save: writing '%s' failed: %s", path, strerror(errno));
    return TRUENO_OK;
}
