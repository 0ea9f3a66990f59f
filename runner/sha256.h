/* SHA-256 (libcrypto's) of a file or a buffer, as lower-case hex: what
 * reports, the image manifest and the fetch cache record. Reentrant. */
#ifndef VLAB_SHA256_H
#define VLAB_SHA256_H

#include <stddef.h>

/* Lower-case hex sha256 of a file (65 bytes with NUL). */
int sha256_file(const char *path, char out[65]);
/* The same of n bytes in memory ("" when the digest cannot be made). */
void sha256_buf(const void *data, size_t n, char out[65]);

#endif
