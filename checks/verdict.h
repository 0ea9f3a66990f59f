/* A check's verdict: the four outcomes kselftest has, with what was seen.
 * Checks never print and never exit: they fill in a check_result. */
#ifndef VLAB_VERDICT_H
#define VLAB_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "runner/util.h"
#include "checks/lab_plan.h"

enum verdict {
	VERDICT_PASS,   /* the lab is right */
	VERDICT_FAIL,   /* the student's lab is wrong: detail says what was seen, hint what to do */
	VERDICT_SKIP,   /* the host lacks something: detail says what */
	VERDICT_ERROR,  /* vlab itself broke */
};

struct check_result {
	const char *id;       /* CHECK_CH1_MEMORY_256M, static */
	enum verdict verdict;
	bool done;            /* a verdict was given */
	char detail[1024];
	char hint[512];
	int64_t duration_ms;
};

void check_init(struct check_result *r, const char *id);
void check_pass(struct check_result *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* hint may be NULL */
void check_fail(struct check_result *r, const char *hint, const char *fmt, ...) PRINTF_LIKE(3, 4);
void check_skip(struct check_result *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
void check_error(struct check_result *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* r, when nothing gave it a verdict: ERROR, "vlab gave no verdict" (a bug
 * in vlab, never a silent pass); a decided r is left as it is. The one
 * sweep every report runs before it is written. */
void check_settle_undecided(struct check_result *r);
/* "PREFIX: " before buf's text, cut to n bytes; before r's detail: which of
 * several reports in one file the verdict is on ("run 2 of 3 (line 12)"). */
void text_prefix(char *buf, size_t n, const char *prefix);
void check_detail_prefix(struct check_result *r, const char *prefix);
const char *verdict_name(enum verdict v); /* "pass", "fail", "skip", "error" */

#endif
