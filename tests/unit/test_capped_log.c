/* runner/capped_log: 3 MiB written through a 1 MiB cap keeps the first MiB
 * and says how much there was; output under the cap is kept whole; a
 * writer in another process that ends late is waited for. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/grade/capped_log.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/child.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vlab-test-capped.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(dir);
}

static void test_over_the_cap(void **state)
{
	(void)state;
	char *path = xasprintf("%s/out.log", dir);
	struct capped_log cl;
	assert_int_equal(capped_log_start(path, 1 << 20, &cl), 0);
	pid_t w = fork();
	assert_true(w >= 0);
	if (w == 0) {
		char buf[4096];
		default_fault_signals();
		memset(buf, 'x', sizeof(buf));
		for (int i = 0; i < 3 * 256; i++)
			if (write(cl.write_fd, buf, sizeof(buf)) != sizeof(buf))
				_exit(1);
		_exit(0);
	}
	uint64_t total = 0;
	assert_int_equal(capped_log_finish(&cl, 10000, &total), 0);
	int st;
	waitpid(w, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* the writer never blocked for good */
	assert_int_equal(total, 3 << 20);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(path, &sb), 0);
	assert_true(sb.len > (1 << 20) && sb.len < (1 << 20) + 200);
	assert_non_null(strstr(sb.buf + (1 << 20), "[vlab: the output went on: 3145728 bytes in all, the first 1048576 kept]"));
	sb_release(&sb);
	free(path);
}

static void test_under_the_cap(void **state)
{
	(void)state;
	char *path = xasprintf("%s/small.log", dir);
	struct capped_log cl;
	assert_int_equal(capped_log_start(path, 1 << 20, &cl), 0);
	assert_int_equal(write(cl.write_fd, "hello\n", 6), 6);
	uint64_t total = 0;
	assert_int_equal(capped_log_finish(&cl, 10000, &total), 0);
	assert_int_equal(total, 6);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(path, &sb), 0);
	assert_string_equal(sb_str(&sb), "hello\n");
	sb_release(&sb);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_over_the_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_under_the_cap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
