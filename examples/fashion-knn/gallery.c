/* gallery.c — see gallery.h. Text in a 5×7 pixel font drawn here. */
#include "gallery.h"

#include <ctype.h>
#include <errno.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALE 2        /* each pixel of an image drawn as SCALE×SCALE */
#define BORDER 2
#define CELL_W 72
#define LINE_H 10
#define HEADER_H 16
#define GAP 20         /* between the test image and its neighbours */

static const struct glyph {
    char c;
    uint8_t rows[7]; /* 5 bits each, the leftmost pixel in bit 4 */
} font[] = {
    {'#', {0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'-', {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}},
    {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
    {'0', {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}},
    {'1', {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'2', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}},
    {'3', {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
    {'4', {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}},
    {'5', {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
    {'6', {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}},
    {'7', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}},
    {'9', {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
    {':', {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}},
    {'A', {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}},
    {'B', {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e}},
    {'C', {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e}},
    {'D', {0x1e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1e}},
    {'E', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f}},
    {'F', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10}},
    {'G', {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f}},
    {'H', {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}},
    {'I', {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f}},
    {'M', {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}},
    {'P', {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10}},
    {'Q', {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d}},
    {'R', {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11}},
    {'S', {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e}},
    {'T', {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a}},
    {'X', {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x04}},
    {'Z', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f}},
};

typedef struct canvas {
    int w, h;
    uint8_t *rgb;
} canvas;

static void put(canvas *cv, int x, int y, const uint8_t c[3])
{
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h) return;
    memcpy(cv->rgb + 3 * ((size_t)y * cv->w + x), c, 3);
}

static void text(canvas *cv, int x, int y, const char *s, const uint8_t c[3])
{
    for (; *s; s++, x += 6) {
        char u = (char)toupper((unsigned char)*s);
        for (size_t g = 0; g < sizeof font / sizeof *font; g++) {
            if (font[g].c != u) continue;
            for (int r = 0; r < 7; r++)
                for (int b = 0; b < 5; b++)
                    if (font[g].rows[r] >> (4 - b) & 1) put(cv, x + b, y + r, c);
        }
    }
}

/* An image at (x, y), framed in `frame`, inverted (dark garment on white). */
static void image(canvas *cv, int x, int y, const uint8_t *pix, int rows, int cols, const uint8_t frame[3])
{
    int w = cols * SCALE + 2 * BORDER, h = rows * SCALE + 2 * BORDER;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            int pr = (j - BORDER) / SCALE, pc = (i - BORDER) / SCALE;
            bool inside = j >= BORDER && i >= BORDER && pr < rows && pc < cols;
            uint8_t v = inside ? (uint8_t)(255 - pix[pr * cols + pc]) : 0;
            uint8_t c[3] = {v, v, v};
            put(cv, x + i, y + j, inside ? c : frame);
        }
}

/* The test images shown: per class, the first correctly (even classes) or
 * wrongly (odd classes) classified one, else the first of the other kind. */
static int pick(const gallery_input *g, int64_t *shown)
{
    int n = 0;
    for (int c = 0; c < 10; c++) {
        int64_t first[2] = {-1, -1};
        for (int64_t t = 0; t < g->n_test; t++) {
            if (g->test_labels[t] != c) continue;
            int wrong = g->predicted[t] != c;
            if (first[wrong] < 0) first[wrong] = t;
        }
        int want = c % 2;
        int64_t t = first[want] >= 0 ? first[want] : first[!want];
        if (t >= 0) shown[n++] = t;
    }
    return n;
}

int gallery_write_png(const char *path, const gallery_input *g, char *err, size_t errlen)
{
    static const uint8_t black[3] = {0, 0, 0}, green[3] = {0, 150, 60},
                         red[3] = {210, 30, 30};
    int64_t shown[10];
    int n = pick(g, shown), nb = g->keep < GALLERY_NEIGHBOURS ? g->keep : GALLERY_NEIGHBOURS;
    int img_h = g->rows * SCALE + 2 * BORDER, cell_h = img_h + 2 * LINE_H + 8;
    canvas cv = {.w = CELL_W * (1 + nb) + GAP + 8, .h = HEADER_H + n * cell_h + 4};
    if (g->cols * SCALE + 2 * BORDER > CELL_W || g->rows > 256) {
        snprintf(err, errlen, "gallery: images of %dx%d are too large to draw", g->rows, g->cols);
        return -1;
    }
    cv.rgb = malloc((size_t)cv.w * cv.h * 3);
    if (!cv.rgb) {
        snprintf(err, errlen, "gallery: out of memory");
        return -1;
    }
    memset(cv.rgb, 255, (size_t)cv.w * cv.h * 3);
    text(&cv, 4, 4, "test image", black);
    text(&cv, 4 + CELL_W + GAP, 4, "nearest training images (class, index)", black);
    for (int r = 0; r < n; r++) {
        int64_t t = shown[r];
        int y = HEADER_H + r * cell_h, truth = g->test_labels[t], pred = g->predicted[t];
        image(&cv, 4, y, g->test + t * g->rows * g->cols, g->rows, g->cols, pred == truth ? green : red);
        text(&cv, 4, y + img_h + 2, g->class_names[truth], black);
        char line[32];
        snprintf(line, sizeof line, ">%s", g->class_names[pred]);
        text(&cv, 4, y + img_h + 2 + LINE_H, line, pred == truth ? green : red);
        for (int q = 0; q < nb; q++) {
            int64_t j = g->nearest_index[t * g->keep + q];
            int x = 4 + CELL_W * (q + 1) + GAP, lab = g->train_labels[j];
            const uint8_t *frame = lab == truth ? green : red;
            image(&cv, x, y, g->train + j * g->rows * g->cols, g->rows, g->cols, frame);
            text(&cv, x, y + img_h + 2, g->class_names[lab], frame);
            snprintf(line, sizeof line, "#%lld", (long long)j);
            text(&cv, x, y + img_h + 2 + LINE_H, line, black);
        }
    }

    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "gallery: %s: %s", path, strerror(errno));
        free(cv.rgb);
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc = -1;
    if (png && info && !setjmp(png_jmpbuf(png))) {
        png_init_io(png, f);
        png_set_IHDR(png, info, (png_uint_32)cv.w, (png_uint_32)cv.h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        for (int y = 0; y < cv.h; y++) png_write_row(png, cv.rgb + (size_t)y * cv.w * 3);
        png_write_end(png, NULL);
        rc = 0;
    }
    png_destroy_write_struct(&png, &info);
    if (fclose(f) != 0) rc = -1;
    if (rc != 0) snprintf(err, errlen, "gallery: writing %s failed (libpng or disk)", path);
    free(cv.rgb);
    return rc;
}
