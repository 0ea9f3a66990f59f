/* checks/script_check on the fixtures of tests/fixtures/attack/ and on
 * hand-made heads: each way a handed-in script cannot run is named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "checks/script_check.h"
#include "runner/util.h"

#define NAME "runqemu_single_vm.sh"

/* The verdict on a fixture as the grader sees it (lstat, the first bytes). */
static int check_fixture(const char *sub, char *why, size_t wn, const char **hint)
{
	char *path = xasprintf("%s/attack/%s/" NAME, FIXTURES, sub);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	unsigned char head[SCRIPT_CHECK_HEAD];
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	free(path);
	return script_check(NAME, head, n, st.st_mode, why, wn, hint);
}

static void test_fixtures(void **state)
{
	(void)state;
	char why[256];
	const char *hint;
	assert_int_equal(check_fixture("sleep-after-qemu", why, sizeof(why), &hint), 0);
	assert_int_equal(check_fixture("crlf", why, sizeof(why), &hint), -1);
	assert_string_equal(why, NAME " has CRLF line ends (saved on Windows): the kernel looks for an interpreter "
				      "named \"/bin/bash\\r\"");
	assert_non_null(strstr(hint, "dos2unix"));
	assert_int_equal(check_fixture("not-a-script", why, sizeof(why), &hint), -1);
	assert_string_equal(why, NAME " is an ELF binary, not a shell script");
	/* git keeps the mode: 0644 */
	assert_int_equal(check_fixture("not-executable", why, sizeof(why), &hint), -1);
	assert_string_equal(why, NAME " is not executable (mode 0644)");
	assert_non_null(strstr(hint, "chmod +x"));
}

static void test_heads(void **state)
{
	(void)state;
	char why[256];
	const char *hint;
	const unsigned char plain[] = "qemu-system-x86_64 -m 256M\n";
	assert_int_equal(script_check(NAME, plain, sizeof(plain) - 1, S_IFREG | 0755, why, sizeof(why), &hint), -1);
	assert_string_equal(why, NAME " has no #! line, so the kernel cannot run it (it starts with \"qemu-system-x86_64 -m 25\")");
	assert_int_equal(script_check(NAME, plain, 0, S_IFREG | 0755, why, sizeof(why), &hint), -1);
	assert_string_equal(why, NAME " is empty");
	const unsigned char nul[] = "#!/bin/sh\n\0\0";
	assert_int_equal(script_check(NAME, nul, sizeof(nul) - 1, S_IFREG | 0755, why, sizeof(why), &hint), -1);
	assert_non_null(strstr(why, "binary data"));
	const unsigned char ok[] = "#!/bin/sh\nexec qemu-system-x86_64\r\n"; /* a CR later on is the shell's business */
	assert_int_equal(script_check(NAME, ok, sizeof(ok) - 1, S_IFREG | 0700, why, sizeof(why), &hint), 0);
	assert_int_equal(script_check(NAME, ok, sizeof(ok) - 1, S_IFLNK | 0777, why, sizeof(why), &hint), -1);
	assert_string_equal(why, NAME " is a symbolic link, not a file");
	assert_int_equal(script_check(NAME, ok, sizeof(ok) - 1, S_IFDIR | 0755, why, sizeof(why), &hint), -1);
	/* a shebang line without a newline (the whole file is one line) */
	const unsigned char one[] = "#!/bin/bash";
	assert_int_equal(script_check(NAME, one, sizeof(one) - 1, S_IFREG | 0755, why, sizeof(why), &hint), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_heads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
