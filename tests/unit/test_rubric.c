/* checks/rubric.c: the rubric format (the default in assets/ included) and
 * the scoring rules: parents, FAIL, SKIP out of the maximum, ERROR flagged
 * for regrading. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/rubric.h"
#include "runner/util.h"
#include "runner/files.h"

static struct rubric rub;
static struct score sc;

static int parse(const char *text, char *err, size_t n)
{
	return rubric_parse(text, strlen(text), "test.rubric", &rub, err, n);
}

static void test_default_rubric(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(FIXTURES "/../../assets/rubric/default.rubric", &sb), 0);
	char err[256];
	assert_int_equal(rubric_parse(sb.buf, sb.len, "default.rubric", &rub, err, sizeof(err)), 0);
	assert_int_equal(rub.version, 1);
	assert_int_equal(rubric_max_points(&rub), 100);
	assert_non_null(strstr(rub.title, "chapters 1-2"));
	assert_int_equal(rub.iperf_seconds, 0); /* not said: RUBRIC_IPERF_SECONDS_DEFAULT */
	/* points only for the student's own work */
	for (int i = 0; i < rub.nitems; i++)
		if (rub.items[i].evidence == EVIDENCE_VLAB)
			assert_int_equal(rub.items[i].points, 0);
	const struct rubric_item *it = rubric_find(&rub, "ch1.memory_256m");
	assert_non_null(it);
	assert_string_equal(rub.items[it->parent].id, "ch1.qemu_running");
	assert_int_equal(rubric_find(&rub, "ch2.http_200")->evidence, EVIDENCE_VLAB);
	sb_release(&sb);
}

/* assets/rubric/lab.rubric (`vlab grade --rubric lab`): chapters 1-4 in
 * 100 points, the default's chapters 1-2 with their parents, chapter 3's
 * two-VM checks, the saved artefacts; points only for the student's work. */
static void test_lab_rubric(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(FIXTURES "/../../assets/rubric/lab.rubric", &sb), 0);
	char err[256];
	int pr = rubric_parse(sb.buf, sb.len, "lab.rubric", &rub, err, sizeof(err));
	if (pr)
		print_error("%s\n", err);
	assert_int_equal(pr, 0);
	assert_int_equal(rubric_max_points(&rub), 100);
	assert_non_null(strstr(rub.title, "chapters 1-4"));
	assert_int_equal(rub.iperf_seconds, 2);
	for (int i = 0; i < rub.nitems; i++)
		if (rub.items[i].evidence == EVIDENCE_VLAB)
			assert_int_equal(rub.items[i].points, 0);
	static const char *const want[] = { "ch1.qemu_running", "ch3.vm1_command_line", "ch3.vm2_command_line",
					    "ch3.bridges", "ch3.taps_attached", "ch3.ping_e1000_link",
					    "ch3.ping_virtio_link", "ch3.iperf_e1000", "ch3.iperf_virtio",
					    "ch3.virtio_faster", "ch3.iperf_saved",
					    "ch4.strace_memory_region", "ch4.exits_counted" };
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		const struct rubric_item *it = rubric_find(&rub, want[k]);
		assert_non_null(it);
		assert_true(it->points > 0);
		assert_int_equal(it->evidence, EVIDENCE_STUDENT);
	}
	const struct rubric_item *it = rubric_find(&rub, "ch1.serial_login_student");
	assert_string_equal(rub.items[it->parent].id, "ch1.serial_login_root");
	/* what vlab did in the guests earns nothing */
	assert_int_equal(rubric_find(&rub, "ch3.guest_addresses")->evidence, EVIDENCE_VLAB);
	assert_int_equal(rubric_find(&rub, "ch3.iperf_server")->points, 0);
	/* a VM that never ran: its children say "parent failed", the score is
	 * the rest's */
	struct check_result res[2];
	check_init(&res[0], "ch1.qemu_running");
	check_fail(&res[0], NULL, "qemu exited");
	check_init(&res[1], "ch3.bridges");
	check_pass(&res[1], "br0 and br1");
	rubric_score(&rub, res, 2, &sc);
	assert_int_equal(sc.points, rubric_find(&rub, "ch3.bridges")->points);
	int parent_failed = 0;
	for (int i = 0; i < sc.nitems; i++)
		parent_failed += sc.items[i].outcome == OUTCOME_PARENT_FAILED;
	assert_true(parent_failed >= 5);
	sb_release(&sb);
}

static void test_bad_rubrics(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "", "test.rubric:1: empty rubric" },
		{ "ch1.qemu_running 10\n", "test.rubric:1: a rubric starts with the line 'rubric 1'" },
		{ "rubric 2\n", "rubric format 2 is not known" },
		{ "rubric 1\n", "no checks" },
		{ "rubric 1\nch9.nope 3\n", "test.rubric:2: unknown check 'ch9.nope'" },
		{ "rubric 1\nch1.qemu_running\n", "has no points" },
		{ "rubric 1\nch1.qemu_running -1\n", "whole number from 0 to 1000, not '-1'" },
		{ "rubric 1\nch1.qemu_running 1001\n", "not '1001'" },
		{ "rubric 1\nch1.qemu_running 1.5\n", "not '1.5'" },
		{ "rubric 1\nch1.qemu_running 1\nch1.qemu_running 2\n", "test.rubric:3: check 'ch1.qemu_running' is listed twice" },
		{ "rubric 1\nch1.memory_256m 5 parent=ch1.qemu_running\nch1.qemu_running 1\n",
		  "parent 'ch1.qemu_running' of 'ch1.memory_256m' is not listed above it" },
		{ "rubric 1\nch1.qemu_running 1 parent=ch1.qemu_running\n", "is not listed above it" },
		{ "rubric 1\nch2.http_200 5 evidence=student\n", "'ch2.http_200' is evidence=vlab" },
		{ "rubric 1\nch2.http_200 5 evidence=teacher\n", "student or vlab, not 'teacher'" },
		{ "rubric 1\nch2.http_200 5 bonus\n", "unexpected 'bonus'" },
		{ "rubric 1\nch1.qemu_running 1 a b c d e f g\n", "too many words" },
		{ "rubric 1\niperf_seconds 0\nch1.qemu_running 1\n", "test.rubric:2: iperf_seconds takes one whole number of seconds, 1 to 60" },
		{ "rubric 1\niperf_seconds 61\nch1.qemu_running 1\n", "1 to 60" },
		{ "rubric 1\niperf_seconds\nch1.qemu_running 1\n", "iperf_seconds takes one whole number" },
		{ "rubric 1\niperf_seconds 2 s\nch1.qemu_running 1\n", "iperf_seconds takes one whole number" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		if (parse(cases[i].text, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu was accepted", i);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].want);
	}
}

static void test_comments_crlf_and_evidence_default(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(parse("# hi\r\n\r\nrubric 1 # v\r\n  ch1.qemu_running\t7  # main\r\nch2.tap_up 0", err,
			       sizeof(err)),
			 0);
	assert_int_equal(rub.nitems, 2);
	assert_int_equal(rub.items[0].points, 7);
	assert_int_equal(rub.items[0].line, 4);
	assert_int_equal(rub.items[1].evidence, EVIDENCE_VLAB);
	assert_int_equal(rub.items[1].parent, -1);
}

/* A chain a -> b -> c and a lone d, with the given verdicts (-1: none). */
static void score_with(const int v[4])
{
	char err[256];
	assert_int_equal(parse("rubric 1\n"
			       "ch1.qemu_running 10\n"
			       "ch1.serial_login_root 20 parent=ch1.qemu_running\n"
			       "ch1.serial_login_student 5 parent=ch1.serial_login_root\n"
			       "ch1.cmdline_memory 8\n",
			       err, sizeof(err)),
			 0);
	static const char *const ids[] = { "ch1.qemu_running", "ch1.serial_login_root", "ch1.serial_login_student",
					   "ch1.cmdline_memory" };
	struct check_result res[4];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		if (v[i] < 0)
			continue;
		check_init(&res[n], ids[i]);
		res[n].done = true;
		res[n].verdict = (enum verdict)v[i];
		n++;
	}
	rubric_score(&rub, res, n, &sc);
}

static void test_all_pass(void **state)
{
	(void)state;
	score_with((const int[]){ VERDICT_PASS, VERDICT_PASS, VERDICT_PASS, VERDICT_PASS });
	assert_int_equal(sc.points, 43);
	assert_int_equal(sc.max_points, 43);
	assert_int_equal(sc.npass, 4);
	assert_false(sc.needs_regrade);
}

static void test_parent_failed_is_transitive(void **state)
{
	(void)state;
	/* the grandchild passed on its own, but its parent's parent failed */
	score_with((const int[]){ VERDICT_FAIL, VERDICT_PASS, VERDICT_PASS, VERDICT_PASS });
	assert_int_equal(sc.items[0].outcome, OUTCOME_FAIL);
	assert_int_equal(sc.items[1].outcome, OUTCOME_PARENT_FAILED);
	assert_string_equal(sc.items[1].note, "parent failed: ch1.qemu_running");
	assert_int_equal(sc.items[2].outcome, OUTCOME_PARENT_FAILED);
	assert_string_equal(sc.items[2].note, "parent failed: ch1.serial_login_root");
	assert_int_equal(sc.points, 8);
	assert_int_equal(sc.max_points, 43);
	assert_int_equal(sc.nparent_failed, 2);
}

static void test_skip_leaves_the_maximum(void **state)
{
	(void)state;
	score_with((const int[]){ VERDICT_PASS, VERDICT_SKIP, VERDICT_PASS, VERDICT_FAIL });
	/* a skipped parent does not fail its child */
	assert_int_equal(sc.items[1].outcome, OUTCOME_SKIP);
	assert_int_equal(sc.items[1].max_points, 0);
	assert_int_equal(sc.items[2].outcome, OUTCOME_PASS);
	assert_int_equal(sc.points, 15);
	assert_int_equal(sc.max_points, 23);
	assert_int_equal(sc.nskip, 1);
	assert_false(sc.needs_regrade);
}

static void test_error_flags_regrade(void **state)
{
	(void)state;
	score_with((const int[]){ VERDICT_PASS, VERDICT_ERROR, VERDICT_PASS, VERDICT_PASS });
	assert_int_equal(sc.items[1].outcome, OUTCOME_ERROR);
	assert_true(sc.needs_regrade);
	/* out of both: never a silent 0 */
	assert_int_equal(sc.items[1].points, 0);
	assert_int_equal(sc.items[1].max_points, 0);
	assert_int_equal(sc.points, 23);
	assert_int_equal(sc.max_points, 23);
	/* no verdict at all is an error too */
	score_with((const int[]){ VERDICT_PASS, VERDICT_PASS, VERDICT_PASS, -1 });
	assert_int_equal(sc.items[3].outcome, OUTCOME_ERROR);
	assert_non_null(strstr(sc.items[3].note, "no verdict"));
	assert_true(sc.needs_regrade);
	assert_int_equal(sc.points, 35);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(outcome_name(OUTCOME_PARENT_FAILED), "parent_failed");
	assert_string_equal(check_evidence_name(EVIDENCE_VLAB), "vlab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rubric),
		cmocka_unit_test(test_lab_rubric),
		cmocka_unit_test(test_bad_rubrics),
		cmocka_unit_test(test_comments_crlf_and_evidence_default),
		cmocka_unit_test(test_all_pass),
		cmocka_unit_test(test_parent_failed_is_transitive),
		cmocka_unit_test(test_skip_leaves_the_maximum),
		cmocka_unit_test(test_error_flags_regrade),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
