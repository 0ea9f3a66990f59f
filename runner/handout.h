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
#include "runner/ci_template.h"
#include "runner/vm/image.h"

/* Write the handout into dir (which exists): the starter scripts from
 * vlab's embedded assets, then img's files under the lab's names, each path
 * printed as it is written. Files dir has already are refused unless force.
 * 0, or -1 with the reason in err. */
int handout_write(const char *dir, const struct image *img, bool force, char *err, size_t errlen);

/* A CI file for a course that grades in plain CI (runner/ci_template.h):
 * the student's self-check (class_run false) or the TA's class run, filled
 * with v and written below dir at ci_template_dest(), its directories made;
 * its path printed. An existing file is refused unless force. 0, or -1 with
 * the reason in err (nothing written). */
int handout_write_ci(const char *dir, enum ci_forge k, bool class_run, const struct ci_values *v, bool force,
		     char *err, size_t errlen);

#endif
