/* `vlab handout DIR`: what a student receives for chapters 1-2 of the lab:
 * the starter runqemu_single_vm.sh with its TODO, connect_to_socket.sh, and
 * the image's files under the lab's names (alpine-bzImage,
 * simple_alpine_rootfs1.ext4), copied sparsely from an image profile. */
#ifndef VLAB_HANDOUT_H
#define VLAB_HANDOUT_H

#include <sys/types.h>

#include "runner/lab_names.h"

#define HANDOUT_USAGE "DIR [--image PROFILE] [--manifest FILE] [--force]"
#define HANDOUT_SUMMARY "write a student's starter files and the image under the lab's names"
#define HANDOUT_OPTIONS                                                                               \
	"  DIR                     where to write them (made when missing)\n"                          \
	"  --image PROFILE         the image profile whose files to copy (default 'default')\n"       \
	"  --manifest FILE         extra image profiles\n"                                            \
	"  --force                 overwrite files DIR already has\n"

/* Copy src to dst (created with mode, replaced when it exists), leaving
 * holes where src has them or where a block is all zeros. */
int copy_file_sparse(const char *src, const char *dst, mode_t mode);

int cmd_handout(int argc, char **argv);

#endif
