/* runner/junit: the one JUnit writer's counting and shape, as both of
 * vlab's JUnit reports use it (their consumers' contracts are checked on
 * whole reports in test_report_consumers.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/junit.h"

static void test_outcomes_and_counts(void **state)
{
	(void)state;
	assert_int_equal(junit_outcome_of("pass"), JUNIT_PASS);
	assert_int_equal(junit_outcome_of("fail"), JUNIT_FAILURE);
	/* a check whose parent failed scored nothing: a failure, as grading's
	 * report always counted it, not an error */
	assert_int_equal(junit_outcome_of("parent_failed"), JUNIT_FAILURE);
	assert_int_equal(junit_outcome_of("skip"), JUNIT_SKIPPED);
	assert_int_equal(junit_outcome_of("error"), JUNIT_ERROR);
	/* a word no check has is vlab's fault: never a pass */
	assert_int_equal(junit_outcome_of("passed"), JUNIT_ERROR);
	assert_int_equal(junit_outcome_of(""), JUNIT_ERROR);
	struct junit_counts c = { 0, 0, 0, 0 };
	static const char *const st[] = { "pass", "fail", "parent_failed", "skip", "error", "pass" };
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		junit_count(&c, st[i]);
	assert_int_equal(c.tests, 6);
	assert_int_equal(c.failures, 2);
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.skipped, 1);
}

static void test_shape(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct junit_counts c = { 2, 1, 0, 0 };
	const struct junit_property props[] = { { "score", "90" }, { "who", "a<b" } };
	junit_begin(f, "vlab grade", &c, 1.5);
	junit_suite_begin(f, "alice", &c, 1.5, "2026-12-05T10:00:00Z", props, 2);
	junit_case(f, &(struct junit_case){ .classname = "alice", .name = "ch1.qemu_running", .seconds = 0.25,
					    .status = "pass", .message = "", .text = "", .hint = "",
					    .system_out = "points 10/10" });
	junit_case(f, &(struct junit_case){ .classname = "alice", .name = "ch1.memory_256m", .seconds = 0,
					    .status = "fail", .message = "qemu has 512 MiB\nsecond line",
					    .text = "qemu has 512 MiB\nsecond line", .hint = "use -m 256M",
					    .system_out = NULL });
	junit_suite_end(f);
	junit_end(f);
	fclose(f);
	/* no skipped= on <testsuites> (junit-10.xsd), each suite has its own */
	assert_non_null(strstr(buf, "<testsuites name=\"vlab grade\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"1.500\">"));
	assert_non_null(strstr(buf, "<testsuite name=\"alice\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(buf, "<property name=\"who\" value=\"a&lt;b\"/>"));
	assert_non_null(strstr(buf, "<system-out>points 10/10</system-out>"));
	/* the message is the first line; the body has all, then the hint */
	assert_non_null(strstr(buf, "<failure message=\"qemu has 512 MiB\">qemu has 512 MiB\nsecond line\nhint: use -m 256M</failure>"));
	/* the outcome is inside the failed case, after its name */
	assert_true(strstr(buf, "<failure") > strstr(buf, "ch1.memory_256m"));
	assert_non_null(strstr(buf, "</testsuites>\n"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes_and_counts),
		cmocka_unit_test(test_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
