/* What the student and the grader see: progress while a chapter runs (text
 * format only) and the report at the end (text summary or JSON). */
#ifndef VLAB_REPORT_H
#define VLAB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "runner/lab.h"

struct step;

#define REPORT_SCHEMA_VERSION 1

/* Progress (text format; silent in JSON). All go to stdout. */
void ui_chapter_begin(const struct lab *lab);
void ui_step_begin(const struct lab *lab, const struct step *st, int index);
void ui_note(const struct lab *lab, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* A command as the student would type it; where: "host" or "guest". */
void ui_command(const struct lab *lab, const char *where, const char *cmd);
/* Output of a command, indented. */
void ui_output(const struct lab *lab, const char *text);
void ui_step_checks(const struct lab *lab, const struct step *st);
/* One check's line (mark, id, detail, hint), as the checklist prints it,
 * outside a chapter (`vlab check`). */
void ui_print_check(const struct check_result *r);
/* A live status line with a spinner and the elapsed time while vlab waits
 * (text format on a terminal only; ends with ui_wait_end, which clears it). */
void ui_wait_begin(const struct lab *lab, const char *what);
void ui_wait_end(void);
/* Whether the terminal's locale takes UTF-8 (the marks, chapter 3's bars). */
bool ui_utf8(void);
void ui_chapter_end(const struct lab *lab);

/* "pass" | "fail" | "skip" | "error" for the whole chapter. */
enum verdict lab_result(const struct lab *lab);
/* The chapter's result as reports name it: lab_result()'s verdict, or
 * "incomplete" when a check could not be judged (lab->skip_is_unjudged and
 * a SKIP) and none failed or broke. */
const char *lab_result_name(const struct lab *lab);
/* Whether lab's result is "incomplete". */
bool lab_incomplete(const struct lab *lab);

/* The chapter's report object (its fields: vlab(1), "Reports"). New reference. */
json_t *report_chapter_json(const struct lab *lab);
/* Print a JSON value to stdout, indented, with a newline. */
void report_print_json(json_t *v);
/* The chapters' reports (an array of report_chapter_json objects) as JUnit
 * XML (one testsuite a chapter, one testcase a check) or TAP version 13 (one
 * test point a check, the hint in a YAML block), to f. */
void report_write_junit(FILE *f, const json_t *reports);
void report_write_tap(FILE *f, const json_t *reports);
/* "text", "json", "junit", "tap" -> format; -EINVAL otherwise. */
int report_format_parse(const char *s, enum report_format *f);
/* XML 1.0 text of s (the five specials escaped, control characters dropped). */
void report_xml_escape(FILE *f, const char *s);

#endif
