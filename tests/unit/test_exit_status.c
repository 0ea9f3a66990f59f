/* runner/exit_status: the one mapping from a run's verdict to vlab's exit
 * status, which vlab(1)'s EXIT STATUS documents (0 passed or skipped, 1 a
 * check failed, 4 vlab broke). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
