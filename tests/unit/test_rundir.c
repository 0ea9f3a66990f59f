/* runner/rundir: run directories that never collide, whatever the clock does. */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/rundir.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

/* 2026-12-03 12:00:00 UTC: one second that every creation below shares */
#define PINNED ((time_t)1796299200)

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Many runs of one process in one second: every one a directory of its own,
 * fixed-width names that sort in the order they were made. */
static void test_same_second_all_distinct(void **state)
{
	const char *base = *state;
	enum { N = 300 };
	char *ids[N];
	regex_t re;
	assert_int_equal(regcomp(&re, "^[0-9]{8}-[0-9]{6}-[0-9]{7}-[0-9]{3}$", REG_EXTENDED | REG_NOSUB), 0);
	for (int i = 0; i < N; i++) {
		char *path;
		assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 4242, &ids[i], &path), 0);
		assert_int_equal(strlen(ids[i]), RUN_ID_LEN);
		assert_int_equal(regexec(&re, ids[i], 0, NULL, 0), 0);
		assert_true(is_dir(path));
		if (i)
			assert_true(strcmp(ids[i - 1], ids[i]) < 0);
		free(path);
	}
	regfree(&re);
	assert_int_equal(entries(base), N);
	for (int i = 0; i < N; i++)
		free(ids[i]);
}

/* A directory of the next name, left by another run (or by this pid before
 * a reboot), is skipped: never reused, never written into. */
static void test_taken_name_never_reused(void **state)
{
	const char *base = *state;
	char *id1, *p1, *id2, *p2;
	/* another pid takes the counter first, so this pid starts from 000 */
	assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 7, &id1, &p1), 0);
	free(id1);
	free(p1);
	/* what an earlier boot's run with pid 99 left: -000 and -001 */
	char *left0 = xasprintf("%s/20261203-120000-0000099-000", base);
	char *left1 = xasprintf("%s/20261203-120000-0000099-001", base);
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(mkdir(left0, 0700), 0);
	assert_int_equal(mkdir(left1, 0700), 0);
	char *marker = xasprintf("%s/report.json", left0);
	assert_int_equal(write_file_atomic(marker, "old", 3, 0600), 0);

	assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 99, &id2, &p2), 0);
	assert_string_equal(id2, "20261203-120000-0000099-002");
	assert_int_equal(entries(left0), 1);
	assert_int_equal(entries(left1), 0);
	assert_int_equal(entries(p2), 0);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(marker, &sb), 0);
	assert_string_equal(sb_str(&sb), "old");
	sb_release(&sb);
	free(id2);
	free(p2);
	free(marker);
	free(left0);
	free(left1);
}

/* The clock stepped back an hour and forward again: three distinct runs;
 * the one made while the clock was behind sorts first (uniqueness wins
 * over order). */
static void test_clock_stepped_back(void **state)
{
	const char *base = *state;
	char *a, *b, *c, *pa, *pb, *pc;
	assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 5, &a, &pa), 0);
	assert_int_equal(rundir_create_at(base, "", 0700, PINNED - 3600, 5, &b, &pb), 0);
	assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 5, &c, &pc), 0);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, b);
	assert_true(strcmp(b, a) < 0);
	assert_true(strcmp(a, c) < 0);
	assert_int_equal(entries(base), 3);
	free(a);
	free(b);
	free(c);
	free(pa);
	free(pb);
	free(pc);
}

/* Every counter of a second taken: -EEXIST, nothing else made. */
static void test_every_counter_taken(void **state)
{
	const char *base = *state;
	for (int i = 0; i < RUN_ID_TRIES; i++) {
		char *id, *p;
		assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 1234, &id, &p), 0);
		free(id);
		free(p);
	}
	char *id = (char *)"unset", *p = (char *)"unset";
	assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 1234, &id, &p), -EEXIST);
	assert_null(id);
	assert_null(p);
	assert_int_equal(entries(base), RUN_ID_TRIES);
}

static void test_prefix_and_mode(void **state)
{
	const char *base = *state;
	char *id, *p;
	assert_int_equal(rundir_create_at(base, "grade-", 0711, PINNED, 31, &id, &p), 0);
	char *want = xasprintf("%s/grade-%s", base, id);
	assert_string_equal(p, want);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0700, 0700);
	free(want);
	free(id);
	free(p);
}

/* A socket path in the run directory must fit sun_path. */
static void test_base_too_long(void **state)
{
	char base[200];
	memset(base, 'a', sizeof(base) - 1);
	base[0] = '/';
	base[sizeof(base) - 1] = '\0';
	char *id, *p;
	assert_int_equal(rundir_create_at(base, "", 0700, PINNED, 1, &id, &p), -ENAMETOOLONG);
	(void)state;
}

/* rundir_create below $VLAB_RUN_DIR, its clock pinned by the tests' hook. */
static void test_create_pinned_clock(void **state)
{
	const char *base = *state;
	setenv("VLAB_RUN_DIR", base, 1);
	setenv("VLAB_TEST_RUN_CLOCK", "1796299200", 1);
	setenv("TZ", "UTC", 1);
	tzset();
	char *a, *b, *pa, *pb;
	assert_int_equal(rundir_create(&a, &pa), 0);
	assert_int_equal(rundir_create(&b, &pb), 0);
	assert_string_equal(rundir_base(), base);
	assert_true(!strncmp(a, "20261203-120000-", 16));
	assert_true(!strncmp(b, "20261203-120000-", 16));
	assert_string_not_equal(a, b);
	assert_true(is_dir(pa) && is_dir(pb));
	free(a);
	free(b);
	free(pa);
	free(pb);
	unsetenv("VLAB_TEST_RUN_CLOCK");
}

int main(void)
{
	/* the names below are spelled in UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_second_all_distinct, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_taken_name_never_reused, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_clock_stepped_back, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_every_counter_taken, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_prefix_and_mode, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_base_too_long),
		cmocka_unit_test_setup_teardown(test_create_pinned_clock, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
