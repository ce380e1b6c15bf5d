/*
 * idx.h — reading the IDX files of MNIST and Fashion-MNIST (gzip-compressed
 * or not), as described at yann.lecun.com/exdb/mnist ("the IDX file
 * format"): two zero bytes, a type byte (0x08: unsigned byte), the number of
 * dimensions, each dimension as a big-endian uint32, then the data in C
 * order. Only unsigned-byte files are read, as both datasets use.
 */
#ifndef FASHION_KNN_IDX_H
#define FASHION_KNN_IDX_H

#include <stddef.h>
#include <stdint.h>

/* An unsigned-byte IDX array: dims[0..rank) and dims[0]·…·dims[rank-1]
 * bytes, owned (free with idx_free). */
typedef struct idx_array {
    int rank;
    uint32_t dims[3];
    uint8_t *data;
    size_t size;
} idx_array;

/* Reads `path` (zlib's gzread: gzip or plain) expecting `rank` dimensions
 * (3 for images, 1 for labels). A file that is missing, not IDX, of
 * another type or rank, with a zero or implausible dimension (more than
 * 2^31 bytes), truncated, longer than its header says, or a corrupt gzip
 * stream is refused: returns -1 with a sentence in err (errlen bytes) and
 * *out untouched; 0 on success. */
int idx_read(const char *path, int rank, idx_array *out, char *err, size_t errlen);

void idx_free(idx_array *a);

#endif
