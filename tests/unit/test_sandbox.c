/* runner/sandbox.c: the per-host uid claim (the rest of the sandbox needs
 * root and namespaces: tests/integration/grade_inputs.sh proves it). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/sandbox.h"

static void test_claims_are_distinct_and_released(void **state)
{
	(void)state;
	uid_t a, b, c;
	int fa, fb, fc;
	assert_int_equal(sandbox_claim_uid(&a, &fa), 0);
	assert_int_equal(sandbox_claim_uid(&b, &fb), 0);
	assert_true(a != b);
	assert_true(a >= SANDBOX_UID_BASE && a < SANDBOX_UID_BASE + SANDBOX_UID_COUNT);
	assert_true(b >= SANDBOX_UID_BASE && b < SANDBOX_UID_BASE + SANDBOX_UID_COUNT);
	/* a's claim ends with its socket: the next claim may take it again
	 * (or another free one, should another grader run now), never b */
	close(fa);
	assert_int_equal(sandbox_claim_uid(&c, &fc), 0);
	assert_true(c != b);
	close(fb);
	close(fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claims_are_distinct_and_released),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
