/* A file copied whole into a directory as a new regular file, for a
 * sandbox's second rootfs (runner/grade/sandbox.h): neither end is ever
 * followed through a link, the copy is made fresh (never over a file that
 * is there) and handed to the sandbox's uid, and a copy that fails is
 * removed. */
#ifndef VLAB_FILE_COPY_H
#define VLAB_FILE_COPY_H

#include <sys/types.h>

/* Copy src (below src_dir) to dst (below dst_dir), mode 0644, owned by
 * uid: 0, or -errno (ENOSPC when the destination's disk is full, EINVAL
 * when src is not a regular file). */
int file_copy_new(int src_dir, const char *src, int dst_dir, const char *dst, uid_t uid);

#endif
