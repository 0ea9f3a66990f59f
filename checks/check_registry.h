/* Every check id vlab has, in one table: which chapter and step decide it
 * (the step by its name in the chapter's table), the one line that says
 * what it checks, whose work passing proves (the evidence a rubric may
 * restate but not change), where it may be earned (a chapter run, `vlab
 * verify`, `vlab grade`, `vlab check`), which of grading's judges decides
 * it, and its verdicts on a hand-built lab's facts. A step's checks, a
 * rubric's ids, `vlab list`, vlab-grade(1)'s list of checks, verify's and
 * grading's lists and their verdicts all come from it;
 * tests/unit/test_check_registry.c holds the chapters' step names to it.
 * Pure data, lookups and the verdicts' dispatch: no I/O. */
#ifndef VLAB_CHECKS_CHECK_REGISTRY_H
#define VLAB_CHECKS_CHECK_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/lab_facts.h"
#include "checks/verdict.h"

/* Whose work a PASS proves: "student" (their command line, their VM's
 * devices, a saved log) or "vlab" (what vlab itself did to reach the
 * check: tap0, the guest's address, the HTTP server). Named check_evidence,
 * not evidence: the inspectors' struct evidence shares C's tag namespace. */
enum check_evidence { EVIDENCE_STUDENT, EVIDENCE_VLAB };

/* Where a check may be earned (a row's earned, or'ed). */
#define EARNED_CHAPTER 1u  /* `vlab chapter N` (the step table lists it) */
#define EARNED_VERIFY 2u   /* `vlab verify N`, of the lab built by hand */
#define EARNED_GRADE 4u    /* `vlab grade`: a rubric may name it */
#define EARNED_CHECK 8u    /* `vlab check KIND FILE`, of a saved file (checks/check_kinds.c) */
/* with EARNED_VERIFY: only of its own chapter's VM (`vlab verify 2` reads
 * chapter 2's VM, which has a NIC by design, so chapter 1's "no NIC" is
 * not its to earn) */
#define EARNED_VERIFY_OWN_VM 16u

/* Which of grading's runs decides a graded check; each run takes its list
 * of ids from here (check_registry_ids), in the table's order. */
enum check_graded_by {
	GRADED_BY_NONE,           /* not graded */
	GRADED_BY_CMDLINE,        /* the command line the qemu shim recorded */
	GRADED_BY_VM,             /* the one running VM of chapters 1-2 */
	GRADED_BY_TWO_VMS_HOST,   /* chapter 3's two qemus, as the host sees them */
	GRADED_BY_TWO_VMS_GUEST,  /* chapter 3's guests, over the links */
	GRADED_BY_SAVED,          /* saved files, each judged by `vlab check`'s kind (the row's saved) */
	GRADED_BY_EPT_PAIR,       /* the two saved perf reports, EPT/NPT on and off, compared */
	GRADED_BY_CONCLUSIONS,    /* the conclusions written down, against the student's own saved runs */
};

/* The files of a submission grading judges a check on, by `vlab check`'s
 * kind: names prefix*suffix; every: each such file is judged (iperf3's
 * runs: each is a measurement the conclusions may rest on, so a forged
 * second run must fail as the first would), else only the first in name
 * order (a strace log or a perf report: one suffices). */
struct check_saved {
	const char *prefix, *suffix;
	const char *what;         /* in words, after "the submission has no": "iperf3's JSON (iperf*.json)" */
	bool every;
};

struct check_row {
	const char *id;           /* "ch1.qemu_running" (checks/lab_plan.h's CHECK_*) */
	int chapter;
	const char *step;         /* the step's name in the chapter's table; NULL: no step decides it */
	const char *title;        /* one line for `vlab list`, rubrics' readers and the reports */
	enum check_evidence evidence;
	unsigned earned;          /* EARNED_* */
	enum check_graded_by graded_by;  /* GRADED_BY_NONE unless earned has EARNED_GRADE */
	/* Its verdict on a hand-built lab of chapters 1-2 (verify, and
	 * grading's running VM): checks/handbuilt_lab.h; NULL: none. */
	void (*on_lab)(struct check_result *r, const struct lab_facts *f);
	/* Its verdict on chapter 3's two VMs (verify 3, grading's two-VM
	 * runs): checks/handbuilt_two_vms.h; NULL: none. */
	void (*on_two_vms)(struct check_result *r, const struct two_vm_facts *f);
	/* `vlab check`'s kind that judges its file (checks/check_kinds.h);
	 * NULL: none. The kind's own id is its row with EARNED_CHECK. */
	const char *kind;
	/* grading's saved files it is judged on by kind; NULL: none */
	const struct check_saved *saved;
	/* a PASS holds only while the VM runs: a VM that exits after it fails it */
	bool while_running;
};

extern const struct check_row check_registry[];
extern const size_t ncheck_registry;

/* The row of id, or NULL. */
const struct check_row *check_registry_find(const char *id);
/* "student", "vlab" */
const char *check_evidence_name(enum check_evidence e);
/* The most checks one step decides (chapter 4's exits has three). */
#define CHECKS_PER_STEP_MAX 8

/* The ids chapter's step decides, in the table's order, into
 * ids[0..max); returns how many there are (more than max: only max were
 * written). The chapters' step tables take their checks from here. */
size_t check_registry_step_ids(int chapter, const char *step, const char **ids, size_t max);
/* Whether chapter's step decides id. */
bool check_registry_in_step(const char *id, int chapter, const char *step);

/* The ids graded_by decides, in the table's order, into ids[0..max);
 * returns how many there are (more than max: only max were written). */
size_t check_registry_ids(enum check_graded_by by, const char **ids, size_t max);

/* Each of checks[0..n) whose row has a verdict on a hand-built lab, judged
 * by it on f; the others are left alone. */
void check_registry_judge_lab(const struct lab_facts *f, struct check_result *checks, size_t n);

/* The id `vlab check`'s kind carries: its row with EARNED_CHECK; NULL
 * when none. */
const char *check_registry_kind_id(const char *kind);

/* The same with the verdicts on chapter 3's two VMs. */
void check_registry_judge_two_vms(const struct two_vm_facts *f, struct check_result *checks, size_t n);

#endif
