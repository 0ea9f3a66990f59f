/* Chapter 4 step 2's verdicts: ch4.exits_counted from a sample counted three
 * ways (perf's table, the kvm:kvm_exit tracepoint, QMP's exits counter), and
 * ch4.cr_exits_ept_off comparing CR-access exits per second with EPT/NPT off
 * and on. The perf tables are the lab's EPT-off screenshot and a hand-made
 * EPT-on one (tests/fixtures/perf/README.md). */
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
#include "runner/util.h"
#include "runner/files.h"

static void load_perf(struct exit_sample *s, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xasprintf("%s/perf/%s", FIXTURES, name);
	if (read_file(path, &sb))
		fail_msg("cannot read %s", path);
	s->perf_rc = perf_report_parse(sb.buf, sb.len, &s->perf);
	assert_int_equal(s->perf_rc, 0);
	free(path);
	sb_release(&sb);
}

static struct exit_sample *sample(double seconds)
{
	struct exit_sample *s = xcalloc(1, sizeof(*s));
	s->seconds = seconds;
	s->perf_rc = s->tp_rc = s->tp_cr_rc = s->qmp_rc = -ENOENT;
	snprintf(s->perf_why, sizeof(s->perf_why), "perf is not installed");
	snprintf(s->tp_why, sizeof(s->tp_why), "no kvm:kvm_exit in tracefs");
	snprintf(s->qmp_why, sizeof(s->qmp_why), "query-stats has no exits counter");
	return s;
}

static void test_exits_three_ways(void **state)
{
	(void)state;
	struct exit_sample *s = sample(10);
	load_perf(s, "perf-kvm-stat-report-intel-ept-off.txt");
	s->tp_rc = s->tp_cr_rc = 0;
	s->tp_exits = 5973;
	s->tp_cr_exits = 69;
	s->qmp_rc = 0;
	s->qmp_exits = 5990;
	struct check_result r;
	check_init(&r, "ch4.exits_counted");
	check_exits_sampled(&r, s);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "perf recorded 5973 exits in 6 reasons (EXCEPTION_NMI 5889, CR_ACCESS 69"));
	assert_non_null(strstr(r.detail, "kvm:kvm_exit fired 5973 times (597/s)"));
	assert_non_null(strstr(r.detail, "QMP's vCPU exits counter grew by 5990"));
	free(s);
}

static void test_exits_one_way_is_enough(void **state)
{
	(void)state;
	struct exit_sample *s = sample(5);
	s->qmp_rc = 0;
	s->qmp_exits = 120;
	struct check_result r;
	check_init(&r, "ch4.exits_counted");
	check_exits_sampled(&r, s);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "perf: perf is not installed"));
	assert_non_null(strstr(r.detail, "kvm:kvm_exit: no kvm:kvm_exit in tracefs"));
	free(s);
}

static void test_exits_none_counted_fails(void **state)
{
	(void)state;
	struct exit_sample *s = sample(10);
	load_perf(s, "perf-kvm-stat-report-pvm-no-exits.txt");
	s->tp_rc = 0;
	struct check_result r;
	check_init(&r, "ch4.exits_counted");
	check_exits_sampled(&r, s);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "no VM exits counted in 10.0 s"));
	assert_non_null(strstr(r.hint, "/root/while_true"));
	free(s);
}

static void test_exits_no_way_skips(void **state)
{
	(void)state;
	struct exit_sample *s = sample(10);
	struct check_result r;
	check_init(&r, "ch4.exits_counted");
	check_exits_sampled(&r, s);
	assert_int_equal(r.verdict, VERDICT_SKIP);
	assert_non_null(strstr(r.detail, "perf: perf is not installed; kvm:kvm_exit: no kvm:kvm_exit in tracefs"));
	free(s);
}

static void test_cr_perf_both(void **state)
{
	(void)state;
	struct exit_sample *off = sample(10), *on = sample(10);
	load_perf(off, "perf-kvm-stat-report-intel-ept-off.txt");
	load_perf(on, "perf-kvm-stat-report-intel-ept-on-handmade.txt");
	struct check_result r;
	check_init(&r, "ch4.cr_exits_ept_off");
	check_cr_exits_ept_off(&r, on, off, "ept");
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "7/s with ept off, 0/s with it on: 34x rarer (perf kvm stat)"));
	/* the same counts over a much shorter EPT-off interval: per second is what counts */
	off->seconds = 0.5;
	check_init(&r, "ch4.cr_exits_ept_off");
	check_cr_exits_ept_off(&r, on, off, "ept");
	assert_int_equal(r.verdict, VERDICT_PASS);
	/* and the other way round: not rarer enough */
	off->seconds = 10;
	on->seconds = 0.5;
	check_init(&r, "ch4.cr_exits_ept_off");
	check_cr_exits_ept_off(&r, on, off, "ept");
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "only 1.7x rarer"));
	free(off);
	free(on);
}

static void test_cr_tracepoint_when_no_perf(void **state)
{
	(void)state;
	struct exit_sample *off = sample(10), *on = sample(10);
	off->tp_rc = off->tp_cr_rc = on->tp_rc = on->tp_cr_rc = 0;
	off->tp_cr_exits = 41000;
	on->tp_cr_exits = 0;
	struct check_result r;
	check_init(&r, "ch4.cr_exits_ept_off");
	check_cr_exits_ept_off(&r, on, off, "npt");
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "4100/s with npt off, none with it on (kvm:kvm_exit filtered to CR access)"));
	/* with EPT off and no CR exit at all, something did not take */
	off->tp_cr_exits = 0;
	check_init(&r, "ch4.cr_exits_ept_off");
	check_cr_exits_ept_off(&r, on, off, "npt");
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "no CR-access exits in 10.0 s with npt off"));
	free(off);
	free(on);
}

static void test_cr_undecoded_skips(void **state)
{
	(void)state;
	struct exit_sample *off = sample(10), *on = sample(10);
	on->tp_rc = on->tp_cr_rc = 0;
	struct check_result r;
	check_init(&r, "ch4.cr_exits_ept_off");
	check_cr_exits_ept_off(&r, on, off, "ept");
	assert_int_equal(r.verdict, VERDICT_SKIP);
	assert_non_null(strstr(r.detail, "not decoded with ept off"));
	assert_non_null(strstr(r.detail, "perf is not installed"));
	free(off);
	free(on);
}

static void test_ept_restored(void **state)
{
	(void)state;
	struct check_result r;
	check_init(&r, "ch4.ept_restored");
	check_ept_restored(&r, "kvm_amd", "npt", 0, "reloaded kvm_amd with npt=1", true, true, "1", true);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.detail, "kvm_amd npt=1 as before: reloaded kvm_amd with npt=1");
	/* the reload never started: nothing to put back */
	check_init(&r, "ch4.ept_restored");
	check_ept_restored(&r, "kvm_intel", "ept", 1, "", true, false, "N", false);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "the reload never started"));
	/* left off, the restore failed, or the module could not be read */
	check_init(&r, "ch4.ept_restored");
	check_ept_restored(&r, "kvm_amd", "npt", 0, "", true, false, "0", true);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "the state file was not found"));
	assert_non_null(strstr(r.hint, "vlab clean"));
	check_init(&r, "ch4.ept_restored");
	check_ept_restored(&r, "kvm_amd", "npt", -EBUSY, "modprobe -r kvm_amd: in use", true, true, "1", true);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "modprobe -r kvm_amd: in use");
	check_init(&r, "ch4.ept_restored");
	check_ept_restored(&r, "kvm_amd", "npt", 0, "done", false, true, "", true);
	assert_int_equal(r.verdict, VERDICT_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exits_three_ways),
		cmocka_unit_test(test_exits_one_way_is_enough),
		cmocka_unit_test(test_exits_none_counted_fails),
		cmocka_unit_test(test_exits_no_way_skips),
		cmocka_unit_test(test_cr_perf_both),
		cmocka_unit_test(test_cr_tracepoint_when_no_perf),
		cmocka_unit_test(test_cr_undecoded_skips),
		cmocka_unit_test(test_ept_restored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
