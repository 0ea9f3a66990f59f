/* The report writers (runner/grade/grade_report.c, class_html.c,
 * runner/report.c) against what their real consumers read, and against a
 * submission's hostile bytes:
 *  - JUnit validates with xmllint against vlab's schema and against an
 *    independent expression of the Jenkins xUnit plugin's junit-10.xsd
 *    (tests/fixtures/junit/); a failure's body, which is all GitLab's
 *    parser keeps (lib/gitlab/ci/parsers/test/junit.rb: the <failure>,
 *    <error> or <skipped> element as the case's system_output), holds the
 *    detail and the hint;
 *  - TAP is read by perl's TAP::Parser, its YAML blocks by its YAMLish
 *    reader (the hint among them);
 *  - a result whose details quote a script that printed ESC [2J, an OSC
 *    title, a lone 0xff, a C1 CSI (0xc2 0x9b) and a formula leaves no raw
 *    control byte or invalid UTF-8 in any format, the escaped text visible,
 *    and no CSV cell a spreadsheet would run.
 * A consumer that is not installed (xmllint, perl's TAP::Parser) skips its
 * part, naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/class_report.h"
#include "runner/grade/class_html.h"
#include "runner/grade/class_merge.h"
#include "runner/grade/grade_report.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/untrusted_text.h"
#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

/* What the hostile script printed, as its last line reached a detail. */
static const char HOSTILE[] = "boot\x1b[2J\x1b]0;x\x07 lone \xff c1 \xc2\x9b end";
static const char FORMULA[] = "=HYPERLINK(\"http://x.invalid\",\"click\")";

static json_t *results;

/* results.json's two results, and a third whose texts are hostile: its
 * strings made with json_stringn_nocheck, so they hold the bytes as a
 * report.json from anywhere (vlab report merge) or a writer's caller
 * could. */
static int setup(void **state)
{
	(void)state;
	json_error_t e;
	results = json_load_file(FIXTURES "/grade-report/results.json", 0, &e);
	if (!results)
		fail_msg("results.json:%d: %s", e.line, e.text);
	json_t *h = json_deep_copy(json_array_get(results, 0));
	json_object_set_new(h, "submission", json_string("=mallory"));
	json_t *c = json_array_get(json_object_get(h, "checks"), 1);
	json_object_set_new(c, "detail", json_stringn_nocheck(HOSTILE, strlen(HOSTILE)));
	json_object_set_new(c, "hint", json_stringn_nocheck(FORMULA, strlen(FORMULA)));
	json_object_set_new(json_array_get(json_object_get(h, "checks"), 3), "detail",
			    json_stringn_nocheck(HOSTILE, strlen(HOSTILE)));
	json_object_set_new(json_array_get(json_object_get(h, "checks"), 0), "id", json_string("+ch1.plus\x1b"));
	json_array_set_new(json_object_get(h, "adaptations"), 0, json_stringn_nocheck(HOSTILE, strlen(HOSTILE)));
	json_array_append_new(results, h);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(results);
	return 0;
}

static char *written(void (*fn)(FILE *, const json_t *), const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, v);
	fclose(f);
	return buf;
}

/* No C0 control but newline and tab, no DEL, no C1 control, only valid
 * UTF-8: what `grep -P '[\x00-\x08\x0b-\x1f\x7f]'` and `iconv -f UTF-8`
 * would find. */
static void assert_clean_bytes(const char *what, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			fail_msg("%s: a raw control byte 0x%02x at %zu", what, c, i);
		size_t l = utf8_sequence_len((const unsigned char *)s + i, n - i);
		if (!l)
			fail_msg("%s: invalid UTF-8 at %zu (0x%02x)", what, i, c);
		if (l == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0)
			fail_msg("%s: a C1 control at %zu", what, i);
		i += l;
	}
}

/* The hostile bytes, escaped, are there to read. */
static void assert_visible(const char *what, const char *s)
{
	static const char *const seen[] = { "\\x1b[2J", "\\x1b]0;x\\x07", "\\xff", "\\xc2\\x9b" };
	for (size_t k = 0; k < ARRAY_SIZE(seen); k++)
		if (!strstr(s, seen[k]))
			fail_msg("%s: the escaped %s is not there", what, seen[k]);
}

static void feedback_of_hostile(FILE *f, const json_t *v)
{
	grade_write_feedback(f, json_array_get(v, 2));
}

static void class_html(FILE *f, const json_t *v)
{
	struct class_stats s;
	char why[256];
	assert_int_equal(class_stats_compute(v, &s, why, sizeof(why)), 0);
	class_write_html(f, &s, v, "class \x1b[31m\xff");
	class_stats_release(&s);
}

/* Chapter reports (run/verify) of the same hostile detail. */
static json_t *chapter_reports(void)
{
	json_t *ch = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s}", "chapter", 1, "title", "Chapter one", "accel", "tcg",
			       "image", "default", "duration_ms", (json_int_t)1500, "started_at", "2024-05-01T09:30:00");
	json_t *checks = json_array();
	json_array_append_new(checks, json_pack("{s:s, s:s, s:o, s:s, s:I}", "id", "ch1.serial_login_root", "status",
						"fail", "detail", json_stringn_nocheck(HOSTILE, strlen(HOSTILE)), "hint",
						"log in as root", "duration_ms", (json_int_t)5));
	json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:n, s:I}", "id", "ch1.qemu_running", "status", "pass",
						"detail", "runs", "hint", "duration_ms", (json_int_t)5));
	json_array_append_new(checks, json_pack("{s:s, s:s, s:o, s:n, s:I}", "id", "ch1.memory_256m", "status", "skip",
						"detail", json_stringn_nocheck(HOSTILE, strlen(HOSTILE)), "hint",
						"duration_ms", (json_int_t)0));
	json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:n, s:I}", "id", "ch1.rootfs_virtio_blk", "status",
						"error", "detail", "vlab broke", "hint", "duration_ms", (json_int_t)0));
	json_object_set_new(ch, "checks", checks);
	json_t *a = json_array();
	json_array_append_new(a, ch);
	return a;
}

static void test_hostile_text_every_format(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		void (*fn)(FILE *, const json_t *);
		bool visible; /* the detail is in this format */
	} fmts[] = {
		{ "class.tap", grade_write_tap, true },	       { "class.junit.xml", grade_write_junit, true },
		{ "class.csv", grade_write_csv, false },       { "class.html", class_html, false },
		{ "feedback.txt", feedback_of_hostile, true },
	};
	for (size_t k = 0; k < ARRAY_SIZE(fmts); k++) {
		char *s = written(fmts[k].fn, results);
		assert_clean_bytes(fmts[k].what, s);
		if (fmts[k].visible)
			assert_visible(fmts[k].what, s);
		free(s);
	}
	/* names and ids: escaped where they are */
	char *s = written(class_html, results);
	assert_contains(s, "<title>class \\x1b[31m\\xff</title>");
	assert_contains(s, "+ch1.plus\\x1b");
	free(s);
	/* CSV: the formula-looking name and id stay text; numbers stay numbers */
	s = written(grade_write_csv, results);
	assert_contains(s, "\n\"'=mallory\",15,25,60.0,no,");
	assert_null(strstr(s, ",=") ? strstr(s, ",=") : strstr(s, "\n="));
	free(s);
	s = written(grade_write_tap, results);
	assert_contains(s, "  hint: \"=HYPERLINK(\\\"http://x.invalid\\\",\\\"click\\\")\"\n");
	free(s);
	/* run/verify's formats */
	json_t *ch = chapter_reports();
	s = written(report_write_junit, ch);
	assert_clean_bytes("verify junit", s);
	assert_visible("verify junit", s);
	free(s);
	s = written(report_write_tap, ch);
	assert_clean_bytes("verify tap", s);
	assert_visible("verify tap", s);
	free(s);
	json_decref(ch);
	/* JSON: invalid UTF-8 escaped visibly, not the key lost */
	json_t *j = report_json_text(HOSTILE);
	assert_non_null(j);
	assert_contains(json_string_value(j), "\\xff");
	assert_contains(json_string_value(j), "\\x1b[2J");
	json_decref(j);
}

/* Run argv (a consumer), its output into out: its exit status, or -1 when
 * it could not run at all. */
static int consumer(const char *const *argv, struct strbuf *out)
{
	int st;
	if (proc_run(argv, 60000, out, &st))
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* sb's text, malloc'd, sb released */
static char *take(struct strbuf *sb)
{
	char *s = xstrdup(sb_str(sb));
	sb_release(sb);
	return s;
}

static char *put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	assert_int_equal(write_file_atomic(p, text, strlen(text), 0644), 0);
	return p;
}

static void xmllint_valid(const char *file)
{
	static const char *const schemas[] = { FIXTURES "/junit/junit.xsd", FIXTURES "/junit/xunit-junit-10.xsd" };
	for (size_t k = 0; k < ARRAY_SIZE(schemas); k++) {
		struct strbuf out = STRBUF_INIT;
		const char *argv[] = { "xmllint", "--noout", "--schema", schemas[k], file, NULL };
		int rc = consumer(argv, &out);
		if (rc)
			fail_msg("%s does not validate against %s (xmllint %d):\n%s", file, schemas[k], rc, sb_str(&out));
		sb_release(&out);
	}
}

/* The text of the element at xpath, as xmllint reads it. */
static char *xpath(const char *file, const char *expr)
{
	struct strbuf out = STRBUF_INIT;
	char *e = xasprintf("string(%s)", expr);
	const char *argv[] = { "xmllint", "--xpath", e, file, NULL };
	assert_int_equal(consumer(argv, &out), 0);
	free(e);
	/* xmllint ends what it prints with a newline of its own */
	if (out.len && out.buf[out.len - 1] == '\n')
		out.buf[--out.len] = '\0';
	return take(&out);
}

static void test_junit_consumers(void **state)
{
	const char *dir = *state;
	char *which = proc_which("xmllint");
	if (!which)
		skip(); /* xmllint (libxml2-utils) is not installed */
	free(which);
	char *s = written(grade_write_junit, results);
	char *grade = put(dir, "class.junit.xml", s);
	free(s);
	xmllint_valid(grade);
	json_t *ch = chapter_reports();
	s = written(report_write_junit, ch);
	char *verify = put(dir, "verify.xml", s);
	free(s);
	json_decref(ch);
	xmllint_valid(verify);
	/* what GitLab keeps of a failing case: the element's body */
	char *body = xpath(grade, "//testsuite[@name='alice']/testcase[@name='ch1.cmdline_memory']/failure");
	assert_contains(body, "`-m 512M` gives the guest 512 MiB, it's \"big\"\nsecond line");
	assert_contains(body, "\nhint: use -m 256M");
	free(body);
	body = xpath(grade, "//testsuite[@name='alice']/testcase[@name='ch1.memory_256m']/failure");
	assert_contains(body, "parent failed: ch1.cmdline_memory");
	free(body);
	body = xpath(verify, "//testcase[@name='ch1.serial_login_root']/failure");
	assert_contains(body, "boot\\x1b[2J");
	assert_contains(body, "\nhint: log in as root");
	free(body);
	body = xpath(verify, "//testcase[@name='ch1.rootfs_virtio_blk']/error");
	assert_string_equal(body, "vlab broke");
	free(body);
	/* the message attribute: short, one line */
	body = xpath(grade, "//testsuite[@name='alice']/testcase[@name='ch1.cmdline_memory']/failure/@message");
	assert_string_equal(body, "`-m 512M` gives the guest 512 MiB, it's \"big\"");
	free(body);
	/* the timestamps */
	body = xpath(grade, "//testsuite[@name='alice']/@timestamp");
	assert_string_equal(body, "2024-05-01T09:30:00");
	free(body);
	/* an attribute the xUnit schema refuses fails this check: the test
	 * can fail */
	char *bad = put(dir, "bad.xml", "<testsuites skipped=\"1\"><testsuite name=\"x\" tests=\"0\" failures=\"0\" "
					"errors=\"0\"/></testsuites>");
	struct strbuf out = STRBUF_INIT;
	const char *argv[] = { "xmllint", "--noout", "--schema", FIXTURES "/junit/xunit-junit-10.xsd", bad, NULL };
	assert_int_not_equal(consumer(argv, &out), 0);
	assert_contains(sb_str(&out), "skipped");
	sb_release(&out);
	free(bad);
	free(grade);
	free(verify);
}

/* TAP::Parser's reading of a TAP file, one line a result: its type,
 * ok/not ok, and for YAML the keys and values it decoded. */
static const char TAP_READER[] =
	"use strict; use TAP::Parser;"
	"my $p = TAP::Parser->new({ source => $ARGV[0] });"
	"while (my $r = $p->next) {"
	"  if ($r->is_yaml) { my $d = $r->data; print 'yaml ', join(' ', map { \"$_=[$d->{$_}]\" } sort keys %$d), \"\\n\"; }"
	"  elsif ($r->is_test) { print 'test ', ($r->is_ok ? 'ok' : 'notok'), ($r->has_skip ? ' skip' : ''), \"\\n\"; }"
	"}"
	"print 'errors ', scalar($p->parse_errors), \"\\n\"; print \"$_\\n\" for $p->parse_errors;";

static char *tap_read(const char *file)
{
	struct strbuf out = STRBUF_INIT;
	const char *argv[] = { "perl", "-e", TAP_READER, file, NULL };
	int rc = consumer(argv, &out);
	if (rc)
		fail_msg("TAP::Parser could not read %s (%d): %s", file, rc, sb_str(&out));
	return take(&out);
}

static void test_tap_consumer(void **state)
{
	const char *dir = *state;
	struct strbuf out = STRBUF_INIT;
	const char *probe[] = { "perl", "-MTAP::Parser", "-e", "1", NULL };
	int rc = consumer(probe, &out);
	sb_release(&out);
	if (rc)
		skip(); /* perl's TAP::Parser (perl-modules) is not installed */
	char *s = written(grade_write_tap, results);
	char *file = put(dir, "class.tap", s);
	free(s);
	char *got = tap_read(file);
	assert_contains(got, "\nerrors 0\n");
	/* the hint among the failing check's YAML, decoded as it was */
	assert_contains(got, "yaml detail=[`-m 512M` gives the guest 512 MiB, it's \"big\"\nsecond line # not a directive] "
			     "hint=[use -m 256M] status=[fail]\n");
	assert_contains(got, "yaml detail=[x] note=[parent failed: ch1.cmdline_memory] status=[parent_failed]\n");
	/* the hostile detail: read back as the visible escapes, not bytes */
	assert_contains(got, "detail=[boot\\x1b[2J\\x1b]0;x\\x07 lone \\xff c1 \\xc2\\x9b end] "
			     "hint=[=HYPERLINK(\"http://x.invalid\",\"click\")]");
	assert_contains(got, "test ok skip\n");
	free(got);
	free(file);
	json_t *ch = chapter_reports();
	s = written(report_write_tap, ch);
	json_decref(ch);
	file = put(dir, "verify.tap", s);
	free(s);
	got = tap_read(file);
	assert_contains(got, "\nerrors 0\n");
	assert_contains(got, "yaml detail=[boot\\x1b[2J\\x1b]0;x\\x07 lone \\xff c1 \\xc2\\x9b end] hint=[log in as root] "
			     "status=[fail]\n");
	free(got);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_text_every_format),
		cmocka_unit_test_setup_teardown(test_junit_consumers, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_tap_consumer, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
