/* checks/perf_parse.c and check_exits_counted on perf kvm stat reports. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/ch4.h"
#include "checks/perf_parse.h"
#include "runner/util.h"
#include "runner/files.h"

static struct strbuf load(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xasprintf("%s/perf/%s", FIXTURES, name);
	if (read_file(path, &sb))
		fail_msg("cannot read %s", path);
	free(path);
	return sb;
}

static void test_intel_ept_off(void **state)
{
	(void)state;
	struct strbuf sb = load("perf-kvm-stat-report-intel-ept-off.txt");
	struct perf_report *r = calloc(1, sizeof(*r));
	assert_int_equal(perf_report_parse(sb.buf, sb.len, r), 0);
	assert_string_equal(r->event, "VM-EXIT");
	assert_int_equal(r->nrows, 6);
	assert_string_equal(r->rows[0].reason, "EXCEPTION_NMI");
	assert_int_equal(r->rows[0].samples, 5889);
	assert_true(r->rows[0].samples_pct > 98.58 && r->rows[0].samples_pct < 98.60);
	assert_true(r->rows[0].max_us > 2693.14 && r->rows[0].max_us < 2693.16);
	assert_string_equal(r->rows[1].reason, "CR_ACCESS");
	assert_int_equal(r->rows[1].samples, 69);
	/* the screenshot ends before the total: the rows' sum stands in */
	assert_false(r->has_total);
	assert_int_equal(r->total_samples, 5889 + 69 + 8 + 4 + 2 + 1);
	assert_int_equal(perf_cr_exits(r), 69);
	struct check_result c;
	check_init(&c, "ch4.exits_counted");
	check_exits_counted(&c, r);
	assert_int_equal(c.verdict, VERDICT_PASS);
	assert_non_null(strstr(c.detail, "CR-access exits: 69"));
	free(r);
	sb_release(&sb);
}

static void test_amd_names(void **state)
{
	(void)state;
	struct strbuf sb = load("perf-kvm-stat-report-amd-npt-off-handmade.txt");
	struct perf_report *r = calloc(1, sizeof(*r));
	assert_int_equal(perf_report_parse(sb.buf, sb.len, r), 0);
	assert_int_equal(r->nrows, 5);
	assert_true(r->has_total);
	assert_int_equal(r->total_samples, 6751);
	assert_true(r->total_time_us > 99931.40 && r->total_time_us < 99931.42);
	assert_int_equal(perf_cr_exits(r), 4120);
	free(r);
	sb_release(&sb);
}

static void test_pvm_no_exits(void **state)
{
	(void)state;
	struct strbuf sb = load("perf-kvm-stat-report-pvm-no-exits.txt");
	struct perf_report *r = calloc(1, sizeof(*r));
	assert_int_equal(perf_report_parse(sb.buf, sb.len, r), 0);
	assert_int_equal(r->nrows, 0);
	assert_true(r->has_total);
	assert_int_equal(r->total_samples, 0);
	struct check_result c;
	check_init(&c, "ch4.exits_counted");
	check_exits_counted(&c, r);
	assert_int_equal(c.verdict, VERDICT_FAIL);
	assert_non_null(strstr(c.detail, "no VM exits"));
	assert_non_null(strstr(c.hint, "kvm_pvm"));
	free(r);
	sb_release(&sb);
}

/* cut anywhere: no crash, never more rows than the whole file has */
static void test_truncated(void **state)
{
	(void)state;
	struct strbuf sb = load("perf-kvm-stat-report-intel-ept-off.txt");
	struct perf_report *r = calloc(1, sizeof(*r));
	for (size_t cut = 0; cut <= sb.len; cut++) {
		int rc = perf_report_parse(sb.buf, cut, r);
		assert_true(rc == 0 || rc == -EINVAL);
		assert_true(r->nrows <= 6);
		if (rc == -EINVAL)
			assert_int_equal(r->nrows, 0);
	}
	free(r);
	sb_release(&sb);
}

static void test_malformed(void **state)
{
	(void)state;
	struct perf_report *r = calloc(1, sizeof(*r));
	assert_int_equal(perf_report_parse("", 0, r), -EINVAL);
	const char *not_perf = "hello\nworld\n";
	assert_int_equal(perf_report_parse(not_perf, strlen(not_perf), r), -EINVAL);
	/* rows with bad numbers are skipped, good ones kept */
	const char *mixed = "  VM-EXIT Samples Samples% Time% Min Max Avg\n"
			    "  HLT x 1% 1% 1us 1us 1us\n"
			    "  HLT 12 1.0% 2.0% 1.0us 2.0us 1.5us ( +- 1.00% )\n"
			    "  IO 3 1.0% zz 1.0us 2.0us 1.5us\n";
	assert_int_equal(perf_report_parse(mixed, strlen(mixed), r), 0);
	assert_int_equal(r->nrows, 1);
	assert_int_equal(r->rows[0].samples, 12);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_ept_off),
		cmocka_unit_test(test_amd_names),
		cmocka_unit_test(test_pvm_no_exits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
