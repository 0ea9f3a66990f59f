/* A handout: what a student receives for the lab: the starter
 * runqemu_single_vm.sh with its TODO (chapters 1-2), the course's
 * runqemu_two_vms.sh as it ships it (chapter 3; it has no TODO),
 * connect_to_socket.sh, and the image's files under the lab's names
 * (alpine-bzImage, simple_alpine_rootfs1.ext4), copied sparsely from an
 * image profile. Or the TA's reference: the same with both scripts complete
 * and the files the lab asks a student to save (HANDOUT_SAVED_FILES), each
 * real tool output, which `vlab grade --rubric lab` scores full marks. */
#ifndef VLAB_HANDOUT_H
#define VLAB_HANDOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "checks/lab_plan.h"
#include "runner/ci_template.h"
#include "runner/fetch/image.h"

/* The files a student saves for grading (vlab-grade(1), "Saved work of
 * chapters 3 and 4"), as the handout names them to the student. */
#define HANDOUT_SAVED_FILES                                                                                  \
	"iperf_e1000.json and iperf_virtio.json (iperf3 -c ADDRESS -J over each link), conclusions.txt (which " \
	"NIC was faster, by how much), strace.log (chapter 4's strace of qemu), perf_ept_on.txt and "          \
	"perf_ept_off.txt (perf kvm stat report with EPT on and off)"

/* Write the handout into dir (which exists): the starter scripts (or, with
 * reference, the TA's completed set) from vlab's embedded assets, then img's
 * files under the lab's names, each path printed as it is written. Unless
 * force, a file dir has already is refused before anything is written.
 * 0, or -1 with the reason in err. */
int handout_write(const char *dir, const struct image *img, bool reference, bool force, char *err, size_t errlen);

/* A CI file for a course that grades in plain CI (runner/ci_template.h):
 * the student's self-check (class_run false) or the TA's class run, filled
 * with v and written below dir at ci_template_dest(), its directories made;
 * its path printed. An existing file is refused unless force. 0, or -1 with
 * the reason in err (nothing written). */
int handout_write_ci(const char *dir, enum ci_forge k, bool class_run, const struct ci_values *v, bool force,
		     char *err, size_t errlen);

#endif
