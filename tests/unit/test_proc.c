/* runner/proc: running a command to completion with its output collected,
 * and what a stop request (SIGINT turned into cleanup_request_stop) does to
 * proc_run (gives up, the child killed) and to proc_run_to_end (waits for
 * the child: a module load is never cut short). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/util.h"

static void test_run_collects(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	struct strbuf out = STRBUF_INIT;
	int st = 0;
	assert_int_equal(proc_run(argv, 5000, &out, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	assert_non_null(strstr(sb_str(&out), "out\n"));
	assert_non_null(strstr(sb_str(&out), "err\n"));
	sb_release(&out);
	const char *missing[] = { "vlab-no-such-command", NULL };
	assert_int_equal(proc_run(missing, 5000, NULL, &st), -ENOENT);
}

static void test_stop_request(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "sleep 0.3; echo done", NULL };
	int st = 0;
	struct strbuf out = STRBUF_INIT;
	cleanup_request_stop(2);
	/* -EINTR, not the child's status: it gave up before the child ended */
	assert_int_equal(proc_run(argv, 5000, &out, &st), -EINTR);
	assert_null(strstr(sb_str(&out), "done"));
	/* to the end: the stop is not its business */
	assert_int_equal(proc_run_to_end(argv, 5000, &out, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(sb_str(&out), "done"));
	cleanup_clear_stop();
	sb_release(&out);
}

static void test_timeout(void **state)
{
	(void)state;
	const char *argv[] = { "sleep", "10", NULL };
	int st = 0;
	assert_int_equal(proc_run_to_end(argv, 200, NULL, &st), -ETIMEDOUT);
	assert_int_equal(proc_run(argv, 200, NULL, &st), -ETIMEDOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_collects),
		cmocka_unit_test(test_stop_request),
		cmocka_unit_test(test_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
