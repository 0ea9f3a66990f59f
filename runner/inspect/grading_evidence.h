/* The evidence of a lab that a graded script built, judged for grading. */
#ifndef VLAB_INSPECT_GRADING_EVIDENCE_H
#define VLAB_INSPECT_GRADING_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "checks/verdict.h"

/* For `vlab grade`: the same evidence and verdicts for chapters 1 and 2 on a
 * qemu a graded script started, with three differences: the command judged
 * is the one the shim recorded (argv), not /proc's adapted one; vlab waits
 * for the guest's first login prompt (boot_wait_ms) instead of probing; and,
 * logged in as root, vlab does the lab's guest side of chapter 2 itself (the
 * NIC up with 10.0.0.10/24, then http_cmd), since what is graded is the
 * student's script, not their typing in the guest. The checks go to
 * out[0..*n) (at most max); facts (a JSON object, may be NULL) gets what
 * was seen on the way. A qemu that is already gone still gets its verdicts
 * (each saying it is gone). 0, or -EINVAL when argv cannot be read. */
struct verify_grading {
	pid_t pid;
	const char *const *argv;
	int argc;
	const char *qmp_path;
	const char *transcript;
	const char *http_cmd;
	int64_t boot_wait_ms;
	bool tcg;
};
int verify_for_grading(const struct verify_grading *g, struct check_result *out, size_t max, size_t *n,
		       json_t *facts);

#endif
