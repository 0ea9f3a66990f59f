/* A class graded: each submission in a worker process of its own (at most
 * -j at a time), its run (runner/grade/submission_run.h) scored against the
 * rubric (checks/rubric.h) and reported in OUT/NAME (report.json,
 * feedback.txt; runner/grade/grade_report.h); the results
 * gathered for the class.
 *
 *   parent ──fork──▶ worker (one per submission; a deadline of --timeout
 *                    plus a margin, then SIGKILL and a result flagged for
 *                    regrading)
 *   parent: the subreaper of what a killed worker's sandbox left */
#ifndef VLAB_GRADING_RUN_H
#define VLAB_GRADING_RUN_H

#include <stddef.h>

#include <jansson.h>

#include "runner/grade/grade_ctx.h"

/* A submission's report name: its directory's name, [A-Za-z0-9._-] kept
 * (others '_', a leading '.' too). New string. */
char *submission_name(const char *path);

/* The grading directory ctx->grade_root under the run directory (and the
 * cgroup parent's name from its run id), which the scripts' uids must
 * traverse (not list) to reach their own sandbox: 0, or -errno with err
 * saying what failed. */
int grade_prepare_root(struct grade_ctx *ctx, char *err, size_t errlen);
/* Whether the sandboxes' user can reach the run directory through every
 * directory above it; -EACCES with the one in the way named in err. */
int grade_root_reachable(char *err, size_t errlen);

/* Grade every submission of ctx, appending each one's result to results
 * (in ctx's order; a worker that left none, or was killed at its deadline,
 * gets one with every check an ERROR and needs_regrade). The grading
 * directory is registered for cleanup and a ledger kept in it while the
 * workers run, so `vlab status` and `vlab clean` see what a killed grading
 * left. *failed_writes counts the workers that could not write their
 * reports (each said which file on stderr). 0, -EINTR when stopped by a
 * signal (every sandbox ended), or -errno when no worker could be forked. */
int grade_run(struct grade_ctx *ctx, json_t *results, int *failed_writes);

#endif
