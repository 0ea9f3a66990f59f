/* What a chapter's step calls for the parts every step shares, so that the
 * step reads as the lab's step: booting its VMs with the wait lines and the
 * one-line reason when a boot fails, and saying why the chapter cannot go
 * on. The engine (runner/engine.c) runs the steps and reads what these
 * leave: lab->blocked turns the checks not reached into FAILs saying why.
 *
 * The step protocol, the engine's side:
 *   a stop    SIGINT/SIGTERM make every wait of vlab's return -EINTR at
 *             once; after the step, the engine ends the run on a stop
 *             whatever the step returned, and no verdict of that run is
 *             reported. So a step need not test for -EINTR or poll for a
 *             stop: it returns early only to skip slow work after a wait
 *             (chapter 4's module reload), and polls only in long work that
 *             is not a wait (hashing the image)
 *   waiting   ui_wait_begin's line lasts until the step's next words or its
 *             end (runner/report.h): no ui_wait_end on any way out
 *   blocked   lab_block: the reason, once, and the step's return value */
#ifndef VLAB_STEP_H
#define VLAB_STEP_H

#include "runner/lab.h"
#include "runner/util.h"

/* How far lab_boot_vms takes its VMs. */
enum boot_until {
	BOOT_STARTED,       /* qemu runs (--manual: the student logs in) */
	BOOT_LOGIN_PROMPT,  /* every console printed 'login:' */
	BOOT_LOGGED_IN,     /* and the image profile's first account is logged in on each */
};

/* The n VMs, each prepared (vm_prepare), started together and, up to
 * until, brought to their login prompts (read side by side, so the boots
 * overlap) and logged in; a wait line for each stage, and the metric
 * boot_to_login_ms (first start to last prompt). 0; -EINTR on a stop;
 * another -errno with lab->blocked saying what failed and where to look. */
int lab_boot_vms(struct lab *lab, struct vm *const *vms, int n, enum boot_until until);

/* The chapter cannot go on: lab->blocked set from fmt (not for -EINTR, a
 * stop, which says nothing); returns rc, so a step ends with
 * `return lab_block(lab, rc, "...", ...)`. */
int lab_block(struct lab *lab, int rc, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
