/* The checks of one graded submission, as they are filled in: a slot per
 * check id, whole groups failed when there is nothing to ask (no script, no
 * sandbox, no qemu), the recorded command line's checks
 * (checks/grade_cmdline.h) and the saved artefacts' (checks/saved_files.h),
 * and what else the report keeps of the run (facts, qemu's records,
 * adaptations, how the script ended). */
#ifndef VLAB_SUBMISSION_CHECKS_H
#define VLAB_SUBMISSION_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "checks/rubric.h"
#include "checks/verdict.h"

#define OUTCOME_MAX_RESULTS 64

struct outcome {
	struct check_result results[OUTCOME_MAX_RESULTS];
	size_t n;
	json_t *facts;
	json_t *qemus;            /* the records */
	json_t *adaptations;      /* sentences */
	char script[256];         /* how the script ended */
	int left;                 /* processes left after the stop */
	int uid;                  /* the script's uid, -1 none */
	char stderr_name[64];     /* the first qemu's stderr, as kept */
};

/* The result of check id in o, added (initialised) when new; NULL when o
 * is full. */
struct check_result *outcome_slot(struct outcome *o, const char *id);

/* Every check of the recorded command line (fail_cmdline_checks), of the
 * VM (fail_vm_checks), or both (fail_run_checks) not yet done: FAIL with
 * hint, or ERROR (vlab's failure, not the student's) when error, saying
 * why. */
void fail_cmdline_checks(struct outcome *o, bool error, const char *hint, const char *why);
/* The same for the checks ids[0..n). */
void fail_checks(struct outcome *o, const char *const *ids, size_t n, bool error, const char *hint,
		 const char *why);
void fail_run_checks(struct outcome *o, bool error, const char *hint, const char *why);

/* The VM's checks after its qemu exited: each one not passed, and
 * ch1.qemu_running whatever it said, FAIL with why (qemu's last words). */
void fail_vm_checks_qemu_exited(struct outcome *o, const char *why);

/* The command line's checks on the recorded argv. */
void static_checks(struct outcome *o, const char *const *argv, int argc);

/* Saved artefacts in the submission dir, judged as `vlab check` does: the
 * first file of each kind's names. Only for checks the rubric lists. */
void artefact_checks(struct outcome *o, const struct rubric *rubric, const char *dir);

/* The submission's saved artefacts as [{"file", "sha256", "bytes"}], for
 * the class report to find byte-identical ones (checks/class_report.h).
 * Regular files only: a link could point at another student's file. */
json_t *saved_artifacts_json(const char *dir);

/* Whether dir's script (a file name) cannot run (why and *hint say so in the student's
 * terms), looked at without following a link (a link could name a host
 * file) and without opening anything but a regular file (a FIFO would
 * block). */
bool script_unrunnable(const char *dir, const char *script, char *why, size_t n, const char **hint);

#endif
