/* `vlab grade --ci`: the environment a CI runner gives (GITHUB_ACTIONS,
 * GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE, RUNNER_TEMP,
 * GITLAB_CI, TMPDIR), read once, and what the grading writes for it after
 * the reports: the log lines (groups or sections, the summary as text,
 * GitHub's annotations), the job summary and the step outputs. The
 * formatting is runner/grade/ci_report.h's. */
#ifndef VLAB_GRADE_CI_H
#define VLAB_GRADE_CI_H

#include <stddef.h>

#include <jansson.h>

#include "runner/grade/ci_report.h"
#include "runner/grade/grade_ctx.h"

struct grade_ci {
	enum ci_kind kind;    /* decided: CI_OFF, CI_GITHUB or CI_GITLAB */
	const char *summary;  /* where the Markdown summary is appended; NULL none */
	const char *output;   /* GitHub's step outputs file; NULL none */
};

/* The CI mode for the request (--ci) and --summary (NULL: the default). */
void grade_ci_decide(struct grade_ci *ci, enum ci_kind request, const char *summary_opt);

/* The report directory `--self` takes in CI mode without --out, made:
 * under GitHub $RUNNER_TEMP/vlab-grades, else a new
 * ${TMPDIR:-/tmp}/vlab-grades.XXXXXX (a name nobody could make before
 * vlab, as root, writes into it). A new string, or NULL with err set. */
char *grade_ci_default_out(const struct grade_ci *ci, char *err, size_t errlen);

/* After the reports: the CI's log lines (on stdout with --format text, on
 * stderr with the others, whose stdout is the report), the job summary and
 * the step outputs. 0, or EXIT_INTERNAL after a line naming a file that
 * could not be written. */
int grade_ci_report(const struct grade_ci *ci, const struct grade_ctx *ctx, const json_t *results);

#endif
