/* A handout: what a student receives for chapters 1-2 of the lab:
 * the starter runqemu_single_vm.sh with its TODO, connect_to_socket.sh, and
 * the image's files under the lab's names (alpine-bzImage,
 * simple_alpine_rootfs1.ext4), copied sparsely from an image profile. */
#ifndef VLAB_HANDOUT_H
#define VLAB_HANDOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "checks/lab_plan.h"
#include "runner/vm/image.h"

/* Write the handout into dir (which exists): the starter scripts from
 * vlab's embedded assets, then img's files under the lab's names, each path
 * printed as it is written. Files dir has already are refused unless force.
 * 0, or -1 with the reason in err. */
int handout_write(const char *dir, const struct image *img, bool force, char *err, size_t errlen);

#endif
