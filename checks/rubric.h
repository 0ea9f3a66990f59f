/* Grading rubrics: how many points each check is worth, which check a check
 * depends on, and whose work its evidence is; and the scoring of a graded
 * submission's verdicts against one. Pure: no I/O (the file is read by the
 * caller); the parser takes untrusted text (a teaching assistant's file) and
 * is fuzzed (tests/fuzz/fuzz_rubric.c).
 *
 * The format (assets/rubric/default.rubric is the default and its example):
 *
 *   # a comment; blank lines are ignored
 *   rubric 1                                    the format's version, first
 *   title Virtualization lab, chapters 1-2      optional, shown in reports
 *   CHECK_ID POINTS [parent=CHECK_ID] [evidence=student|vlab]
 *
 * CHECK_ID is one of the checks `vlab grade` may earn (the rows of
 * checks/check_registry.h with EARNED_GRADE). POINTS
 * is a whole number from 0 to 1000. parent= names a check listed earlier in
 * the file (so there are no cycles): when the parent fails, or its own
 * parent failed, this check scores 0 and says "parent failed" (MIT 6.828's
 * gradelib does the same). evidence= labels whose work the verdict proves:
 * "student" (their command line, their VM's devices, a saved log) or "vlab"
 * (what vlab itself did to reach the check: the guest's address, the HTTP
 * server); it must agree with vlab's own label for the check (it says what the
 * check is, the points say what it is worth), and is that label when left
 * out. A check may be listed once.
 *
 * Scoring (rubric_score): PASS earns the points; FAIL earns 0; a check whose
 * parent failed earns 0 ("parent failed"); SKIP (the host lacked something)
 * leaves the check out of the maximum and lists it; ERROR (vlab broke) leaves
 * it out of the score and the maximum and flags the submission for
 * regrading, so no student silently loses points to vlab; a check the run
 * gave no verdict for is an ERROR too.
 */
#ifndef VLAB_CHECKS_RUBRIC_H
#define VLAB_CHECKS_RUBRIC_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/check_registry.h"
#include "checks/verdict.h"

#define RUBRIC_FORMAT 1
#define RUBRIC_MAX_ITEMS 64
#define RUBRIC_MAX_POINTS 1000

struct rubric_item {
	char id[48];
	int points;
	int parent;          /* index of the parent item, -1 none */
	enum check_evidence evidence;
	int line;
};

/* How long each of grading's iperf3 clients runs (chapter 3) when a
 * rubric does not say (`iperf_seconds N`): long enough for a steady rate
 * under TCG, short for a class. */
#define RUBRIC_IPERF_SECONDS_DEFAULT 2
#define RUBRIC_IPERF_SECONDS_MAX 60

struct rubric {
	int version;
	char title[128];
	int iperf_seconds;  /* `iperf_seconds N`; 0: not said (RUBRIC_IPERF_SECONDS_DEFAULT) */
	struct rubric_item items[RUBRIC_MAX_ITEMS];
	int nitems;
};

/* Parse text[0..len) (need not be NUL-terminated). 0, or -EINVAL with one
 * line "ORIGIN:LINE: what is wrong (how to fix it)" in err. */
int rubric_parse(const char *text, size_t len, const char *origin, struct rubric *r, char *err, size_t errlen);
/* The item for id, or NULL. */
const struct rubric_item *rubric_find(const struct rubric *r, const char *id);
/* The largest score a submission can get (every check passing). */
int rubric_max_points(const struct rubric *r);

enum item_outcome {
	OUTCOME_PASS,
	OUTCOME_FAIL,
	OUTCOME_PARENT_FAILED,
	OUTCOME_SKIP,
	OUTCOME_ERROR,
};
const char *outcome_name(enum item_outcome o);  /* "pass", "fail", "parent_failed", "skip", "error" */

struct item_score {
	const struct rubric_item *item;
	const struct check_result *result;  /* the verdict it was scored from; NULL when the run gave none */
	enum item_outcome outcome;
	int points;          /* earned */
	int max_points;      /* counted in the maximum: the item's points, 0 for SKIP and ERROR */
	char note[160];      /* "parent failed: ch1.qemu_running", "no verdict was given" */
};

struct score {
	struct item_score items[RUBRIC_MAX_ITEMS];
	int nitems;
	int points, max_points;
	int npass, nfail, nparent_failed, nskip, nerror;
	bool needs_regrade;  /* an ERROR: vlab broke on this submission */
};

/* Score the verdicts results[0..n) (looked up by id) against r. */
void rubric_score(const struct rubric *r, const struct check_result *results, size_t n, struct score *s);

#endif
