/*
 * gallery.h — a PNG (libpng) of some test images, each followed by its
 * nearest training images, labelled with their classes: a frame in green
 * where the class is right (the prediction for a test image, the test
 * image's true class for a neighbour), in red where it is not. Ten rows,
 * one per class, alternating between correctly and wrongly classified
 * test images where both exist.
 */
#ifndef FASHION_KNN_GALLERY_H
#define FASHION_KNN_GALLERY_H

#include <stddef.h>
#include <stdint.h>

/* nearest training images shown per test image */
#define GALLERY_NEIGHBOURS 5

typedef struct gallery_input {
    const uint8_t *test, *train;          /* images, rows·cols bytes each */
    int rows, cols;
    int64_t n_test;
    const uint8_t *test_labels, *train_labels;
    const int *predicted;                 /* n_test */
    const int64_t *nearest_index;         /* n_test × keep, nearest first */
    int keep;
    const char *const *class_names;       /* 10 */
} gallery_input;

/* Writes the PNG to path. Returns 0, or -1 with a sentence in err. */
int gallery_write_png(const char *path, const gallery_input *g, char *err, size_t errlen);

#endif
