/* runner/grade/grade_report.c: the class and per-submission reports made from
 * result objects (tests/fixtures/grade-report/results.json: every status,
 * a regrade, a name and a detail that need quoting). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "runner/grade/grade_report.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

static json_t *results;

static int setup(void **state)
{
	(void)state;
	json_error_t e;
	results = json_load_file(FIXTURES "/grade-report/results.json", 0, &e);
	if (!results)
		fail_msg("results.json:%d: %s", e.line, e.text);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(results);
	return 0;
}

/* What fn writes, as a string (malloc'd). */
static char *written(void (*fn)(FILE *, const json_t *), const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, v);
	fclose(f);
	return buf;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_class_summary(void **state)
{
	(void)state;
	json_t *c = grade_class_json(results);
	json_t *sum = json_object_get(c, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "count")), 2);
	/* (60 + 100) / 2 */
	assert_true(json_real_value(json_object_get(sum, "mean_percent")) > 79.9 &&
		    json_real_value(json_object_get(sum, "mean_percent")) < 80.1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(sum, "needs_regrade"), 0)), "bob,jr");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "rubric"), "title")), "t");
	json_decref(c);
}

static void test_csv(void **state)
{
	(void)state;
	char *s = written(grade_write_csv, results);
	assert_non_null(strstr(s, "submission,score,max_score,percent,needs_regrade,ch1.qemu_running,ch1.cmdline_memory,"
				  "ch1.memory_256m,ch2.tap_up,ch2.nic_mac,ch1_points,ch1_max,ch2_points,ch2_max\n"));
	/* each chapter's points of those counted: ch2's skipped tap_up is out of its maximum */
	assert_non_null(strstr(s, "\nalice,15,25,60.0,no,10,0,0,skip,5,10,20,5,5\n"));
	/* quoted name; checks it lacks stay empty, lined up by id; so does a
	 * chapter it has no check of; an ERROR is out of the maximum */
	assert_non_null(strstr(s, "\n\"bob,jr\",10,10,100.0,yes,10,error,,,,10,10,,\n"));
	free(s);
}

static void test_tap(void **state)
{
	(void)state;
	char *s = written(grade_write_tap, results);
	assert_true(starts_with(s, "TAP version 13\n1..7\n"));
	assert_non_null(strstr(s, "not ok 2 - alice: ch1.cmdline_memory (0/10)\n"));
	assert_non_null(strstr(s, "ok 4 - alice: ch2.tap_up (0/0) # SKIP no taps here\n"));
	/* a YAML double-quoted scalar on one line: its quote and newline
	 * escaped; the hint too */
	assert_non_null(strstr(s, "  detail: \"`-m 512M` gives the guest 512 MiB, it's \\\"big\\\"\\nsecond line # not a directive\"\n"
				  "  hint: \"use -m 256M\"\n  ...\n"));
	assert_non_null(strstr(s, "not ok 7 - bob,jr: ch1.cmdline_memory (0/0)\n"));
	assert_int_equal(count(s, "\nok "), 4);
	free(s);
}

static void test_junit(void **state)
{
	(void)state;
	char *s = written(grade_write_junit, results);
	/* no skipped= on <testsuites> (the xUnit plugin's junit-10.xsd) */
	assert_non_null(strstr(s, "<testsuites name=\"vlab grade\" tests=\"7\" failures=\"2\" errors=\"1\" time=\"10.000\">"));
	assert_non_null(strstr(s, "<testsuite name=\"alice\" tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"1\" "
				  "time=\"9.000\" timestamp=\"2024-05-01T09:30:00\">"));
	/* the detail, then the hint, in the body: all GitLab shows */
	assert_non_null(strstr(s, "<failure message=\"`-m 512M` gives the guest 512 MiB, it&apos;s &quot;big&quot;\">`-m 512M` "
				  "gives the guest 512 MiB, it&apos;s &quot;big&quot;\nsecond line # not a directive\nhint: use -m "
				  "256M</failure>"));
	assert_non_null(strstr(s, "<property name=\"score\" value=\"15\"/>"));
	assert_non_null(strstr(s, "it&apos;s &quot;big&quot;"));
	assert_int_equal(count(s, "<testcase "), 7);
	assert_int_equal(count(s, "</testcase>"), 7);
	free(s);
}

static void feedback_of0(FILE *f, const json_t *v)
{
	grade_write_feedback(f, json_array_get(v, 0));
}
static void feedback_of1(FILE *f, const json_t *v)
{
	grade_write_feedback(f, json_array_get(v, 1));
}

static void test_feedback(void **state)
{
	(void)state;
	char *s = written(feedback_of0, results);
	assert_true(starts_with(s, "vlab grade: alice: 15/25 points\n"));
	assert_non_null(strstr(s, "  * -enable-kvm -> -accel tcg: no hardware KVM\n"));
	assert_non_null(strstr(s, "        to do: use -m 256M\n"));
	assert_non_null(strstr(s, "        parent failed: ch1.cmdline_memory\n"));
	assert_non_null(strstr(s, "Skipped (left out of the maximum: this host lacks what they need): ch2.tap_up\n"));
	free(s);
	s = written(feedback_of1, results);
	assert_non_null(strstr(s, "(provisional: vlab broke on some checks"));
	free(s);
}

/* How many entries dir holds besides . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* A report file is written whole, byte for byte what the writer prints, and
 * a write that cannot be made is an error, leaving no temporary behind. */
static void test_report_write(void **state)
{
	const char *dir = *state;
	assert_int_equal(grade_report_write(dir, "class.json", grade_write_json, results), 0);
	char *p = xasprintf("%s/class.json", dir);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	char *want = json_dumps(results, JSON_INDENT(2));
	assert_string_equal(sb_str(&sb), want);
	free(want);
	sb_release(&sb);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	free(p);
	assert_int_equal(grade_report_write(dir, "class.csv", grade_write_csv, results), 0);
	assert_int_equal(entries(dir), 2);
	/* a directory where the file goes: the rename fails */
	char *sub = xasprintf("%s/class.tap", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	int r = grade_report_write(dir, "class.tap", grade_write_tap, results);
	assert_true(r == -EISDIR || r == -EEXIST || r == -ENOTEMPTY);
	assert_int_equal(entries(dir), 3);
	free(sub);
	/* no directory at all */
	char *gone = xasprintf("%s/no-such-dir", dir);
	assert_int_equal(grade_report_write(gone, "class.tap", grade_write_tap, results), -ENOENT);
	free(gone);
	assert_int_equal(entries(dir), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_summary), cmocka_unit_test(test_csv),
		cmocka_unit_test(test_tap),		cmocka_unit_test(test_junit),	      cmocka_unit_test(test_feedback),
		cmocka_unit_test_setup_teardown(test_report_write, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
