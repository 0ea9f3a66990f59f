/* The one JUnit XML writer behind vlab's two JUnit reports: a chapter
 * run's (runner/report.c: a testsuite a chapter) and a class's
 * (runner/grade/grade_report.c: a testsuite a submission). Each report
 * walks its own JSON and hands this writer suites and cases; the XML's
 * shape, the counts and the outcome's message and body are decided here,
 * once, as their consumers read them:
 *   - <testsuites> carries tests, failures, errors and time, not skipped:
 *     the Jenkins xUnit plugin's junit-10.xsd does not allow it there
 *     (each <testsuite> carries its own);
 *   - a case's outcome (<failure>, <error>, <skipped>) has a short message
 *     attribute (the first line of what it is given) and its whole text,
 *     then "hint: " and the hint, in its body: GitLab's parser
 *     (lib/gitlab/ci/parsers/test/junit.rb) shows only the body.
 * Text is escaped for XML 1.0 here (it cannot carry most control
 * characters, even as references). */
#ifndef VLAB_JUNIT_H
#define VLAB_JUNIT_H

#include <stddef.h>
#include <stdio.h>

/* A check's status word ("pass", "fail", "parent_failed", "skip",
 * "error") as JUnit counts it: a parent that failed is a failure too, and
 * a word vlab does not know is an error, never a pass. */
enum junit_outcome { JUNIT_PASS, JUNIT_FAILURE, JUNIT_ERROR, JUNIT_SKIPPED };
enum junit_outcome junit_outcome_of(const char *status);

struct junit_counts {
	size_t tests, failures, errors, skipped;
};
/* One more case of status into c. */
void junit_count(struct junit_counts *c, const char *status);

struct junit_property {
	const char *name, *value;
};

struct junit_case {
	const char *classname, *name;
	double seconds;
	const char *status;     /* the check's status word */
	const char *message;    /* the outcome's message attribute: its first line */
	const char *text;       /* the outcome's body, before the hint */
	const char *hint;       /* "" none */
	const char *system_out; /* NULL: no <system-out> */
};

void junit_begin(FILE *f, const char *name, const struct junit_counts *all, double seconds);
void junit_suite_begin(FILE *f, const char *name, const struct junit_counts *c, double seconds,
		       const char *timestamp, const struct junit_property *props, size_t nprops);
void junit_case(FILE *f, const struct junit_case *c);
void junit_suite_end(FILE *f);
void junit_end(FILE *f);

#endif
