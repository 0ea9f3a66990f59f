/* `vlab grade`'s reports, all made from the per-submission result objects
 * (grade_result_json), so the class reports can be rebuilt from the files
 * of any number of runs.
 *
 * A result object (schema_version 1):
 *   { "schema_version": 1, "kind": "grade", "vlab_version": "0.1.0",
 *     "submission": "alice", "path": "/abs/alice",
 *     "started_at": "2024-05-01T09:30:00" (UTC, when its grading began),
 *     "score": 85, "max_score": 100, "needs_regrade": false, "regrade_reasons": [],
 *     "accelerator": {"name": "tcg", "reason": "..."},
 *     "image": {"profile": "default", "sha256": "..."},
 *     "rubric": {"path": "builtin:default.rubric", "sha256": "...", "title": "..."},
 *     "checks": [{"id", "status": pass|fail|parent_failed|skip|error, "verdict",
 *                 "points", "max_points", "rubric_points", "evidence": student|vlab,
 *                 "parent", "detail", "hint", "note"}],
 *     "skipped": [ids], "qemu": [{"argv", "exec_argv", "changes"}],
 *     "adaptations": [sentences], "script": {...}, "artifacts": {...},
 *     "facts": {...}, "duration_ms": N }
 */
#ifndef VLAB_GRADE_REPORT_H
#define VLAB_GRADE_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "checks/rubric.h"

#define GRADE_SCHEMA_VERSION 1

/* The checks part of a result: scored items as JSON (array), the skipped
 * ids (array). */
json_t *grade_checks_json(const struct score *s);

/* The class object: {"schema_version", "kind": "grade-class", "vlab_version",
 * "rubric", "image", "accelerator", "summary": {count, mean_percent,
 * needs_regrade: [names]}, "class": {statistics}, "warnings": [a line for
 * each result graded with another rubric, image or accelerator than the
 * first], "submissions": [results...]}. results is borrowed. */
json_t *grade_class_json(json_t *results);

/* results (an array of result objects) as JUnit XML (one testsuite per
 * submission, one testcase per check: failure for fail and parent_failed,
 * skipped, error), TAP 13 (one test point per check, "submission: id"), or
 * CSV (a header, one row per submission: name, score, max_score, percent,
 * needs_regrade, then each check's earned points or skip/error). */
void grade_write_junit(FILE *f, const json_t *results);
void grade_write_tap(FILE *f, const json_t *results);
void grade_write_csv(FILE *f, const json_t *results);
/* The plain feedback a student reads. */
void grade_write_feedback(FILE *f, const json_t *result);
/* v as indented JSON, as the report files hold it (no newline after). */
void grade_write_json(FILE *f, const json_t *v);

/* Write what fn prints of v to dir/name atomically (a temporary file beside
 * it, fsync, rename: a reader never sees half a report, and a failed write
 * leaves the one before): 0 or -errno. */
int grade_report_write(const char *dir, const char *name, void (*fn)(FILE *, const json_t *), const json_t *v);

#endif
