/* runner/exit_status: the one mapping from a run's verdict to vlab's exit
 * status, which vlab(1)'s EXIT STATUS documents (0 passed or skipped, 1 a
 * check failed, 4 vlab broke); and checks/verdict's one sweep of checks
 * nothing decided, which makes them ERROR (so exit 4), never a pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "checks/verdict.h"
#include "runner/exit_status.h"

static void test_verdict_statuses(void **state)
{
	(void)state;
	assert_int_equal(exit_status_of_verdict(VERDICT_PASS), 0);
	/* a skipped check is the host's lack, said in the report, not a failure */
	assert_int_equal(exit_status_of_verdict(VERDICT_SKIP), 0);
	assert_int_equal(exit_status_of_verdict(VERDICT_FAIL), 1);
	assert_int_equal(exit_status_of_verdict(VERDICT_ERROR), 4);
	/* a value no verdict has is vlab's fault, never a pass */
	assert_int_equal(exit_status_of_verdict((enum verdict)99), EXIT_INTERNAL);
}

static void test_settle_undecided(void **state)
{
	(void)state;
	struct check_result undecided, failed;
	check_init(&undecided, "ch1.qemu_running");
	check_init(&failed, "ch1.memory_256m");
	check_fail(&failed, "use -m 256M", "qemu has 512 MiB");
	check_settle_undecided(&undecided);
	check_settle_undecided(&failed);
	assert_true(undecided.done);
	assert_int_equal(undecided.verdict, VERDICT_ERROR);
	assert_non_null(strstr(undecided.detail, "vlab gave no verdict"));
	assert_int_equal(exit_status_of_verdict(undecided.verdict), EXIT_INTERNAL);
	/* a decided check keeps its verdict and detail */
	assert_int_equal(failed.verdict, VERDICT_FAIL);
	assert_string_equal(failed.detail, "qemu has 512 MiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_statuses),
		cmocka_unit_test(test_settle_undecided),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
