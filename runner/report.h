/* What the student and the grader see: progress while a chapter runs (text
 * format only) and the report at the end (text summary or JSON). */
#ifndef VLAB_REPORT_H
#define VLAB_REPORT_H

#include <stdbool.h>

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "runner/lab.h"

struct step;

#define REPORT_SCHEMA_VERSION 1

/* Progress (text format; silent in JSON). All go to stdout. */
/* Whether the user asked for no colour (https://no-color.org: NO_COLOR set
 * and not empty); every coloured output asks this, and its own tty. */
bool no_color_asked(void);

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
 * (text format on a terminal only). It lasts until the step's next words
 * (every ui_* line clears it first), the next wait line or the step's end
 * (the engine ends it); ui_wait_end ends it sooner, before a silent wait
 * the line would misname. */
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
/* TAP: one line of a test point's description (escaped as untrusted text,
 * newline and tab as spaces, '#' as '*' so no directive is smuggled in), and
 * a YAML double-quoted scalar on one line (escaped as untrusted text, then
 * '"', '\\', newline and tab as YAML escapes), as TAP::Parser's YAMLish
 * reader reads it. */
void report_tap_text(FILE *f, const char *s);
void report_yaml_quoted(FILE *f, const char *s);
/* A JSON string of s, which may not be valid UTF-8 (then with its invalid
 * bytes escaped as \xHH rather than lost). New reference. */
json_t *report_json_text(const char *s);
/* The UTC time t as ISO 8601 without a zone (YYYY-MM-DDTHH:MM:SS), as
 * Ant's JUnit schema has a <testsuite timestamp>. */
#define REPORT_TIMESTAMP_LEN 20
void report_timestamp(time_t t, char out[REPORT_TIMESTAMP_LEN]);
/* o's "started_at", or now when it has none (a report of an older vlab). */
const char *report_started_at(const json_t *o);

#endif
