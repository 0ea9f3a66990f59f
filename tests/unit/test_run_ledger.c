/* runner/run_ledger: the ledgers ("resources") of run directories, as vlab
 * status, clean, console and shell read them. The run directory base is read
 * once per process (rundir_base() caches it), so one scratch directory,
 * named in VLAB_RUN_DIR before the first test, serves them all; each test
 * makes its runs in it and removes them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cleanup.h"
#include "runner/run_ledger.h"
#include "runner/rundir.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

static char *base;

/* A pid no process has (above Linux's largest pid_max, 2^22): an owner
 * that is gone. */
#define NO_PID "4194305"

static int group_setup(void **state)
{
	void *dir;
	if (scratch_setup(&dir))
		return -1;
	base = dir;
	setenv("VLAB_RUN_DIR", base, 1);
	return strcmp(rundir_base(), base) ? -1 : 0;
}

static int group_teardown(void **state)
{
	void *dir = base;
	return scratch_teardown(&dir);
}

/* A run directory named id under the base with this ledger text. */
static char *make_run(const char *id, const char *ledger)
{
	char *rel = xasprintf("%s/resources", id);
	scratch_put(base, rel, ledger);
	free(rel);
	return xasprintf("%s/%s", base, id);
}

/* "owner PID START" of this very process: a live owner. */
static char *own_owner_line(void)
{
	return xasprintf("owner %d %llu\n", (int)getpid(), proc_start_time(getpid()));
}

static void test_parse_every_kind(void **state)
{
	struct ledger l;
	const char *text = "owner 10 12345\n"
			   "process 11 12346 vm1\n"
			   "file /run/vlab/x/vm1.serial.sock\n"
			   "dir /run/vlab/x/d\n"
			   "tree /run/vlab/x/t\n"
			   "netns vlab-abc\n"
			   "link tap0 7\n"
			   "kept\n";
	assert_int_equal(ledger_parse(text, &l), 0);
	assert_int_equal(l.n, 8);
	assert_int_equal(l.entries[0].kind, LEDGER_OWNER);
	assert_int_equal(l.entries[0].pid, 10);
	assert_true(l.entries[0].start == 12345ULL);
	assert_int_equal(l.entries[1].kind, LEDGER_PROCESS);
	assert_string_equal(l.entries[1].what, "vm1");
	assert_int_equal(l.entries[2].kind, LEDGER_FILE);
	assert_string_equal(l.entries[2].path, "/run/vlab/x/vm1.serial.sock");
	assert_int_equal(l.entries[3].kind, LEDGER_DIR);
	assert_int_equal(l.entries[4].kind, LEDGER_TREE);
	assert_int_equal(l.entries[5].kind, LEDGER_NETNS);
	assert_string_equal(l.entries[5].path, "vlab-abc");
	assert_int_equal(l.entries[6].kind, LEDGER_LINK);
	assert_string_equal(l.entries[6].path, "tap0");
	assert_int_equal(l.entries[6].ifindex, 7);
	assert_int_equal(l.entries[7].kind, LEDGER_KEPT);
	ledger_release(&l);
	assert_null(l.entries);
	assert_int_equal(l.n, 0);
}

/* A newer vlab may write lines this one does not know: skipped. */
static void test_parse_skips_unknown_lines(void **state)
{
	struct ledger l;
	assert_int_equal(ledger_parse("future thing 1 2\n\nfile /a/b\n", &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.entries[0].kind, LEDGER_FILE);
	ledger_release(&l);
}

static void test_parse_refuses_malformed_known_lines(void **state)
{
	static const char *const bad[] = {
		"owner x 1\n", "owner 0 1\n", "process 5\n", "file relative/path\n", "file \n", "link tap0\n",
		"link tap0 0\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ledger l;
		assert_int_equal(ledger_parse(bad[i], &l), -EINVAL);
		assert_null(l.entries);
	}
}

/* Live is "its owner still runs", told by the start time as well as the
 * pid, so a recycled pid is not mistaken for vlab. */
static void test_run_dir_live(void **state)
{
	char *owner = own_owner_line();
	char *live = make_run("20260101-000000-0000001-000", owner);
	char *stale_text = xasprintf("owner %d 1\n", (int)getpid());
	char *stale = make_run("20260101-000000-0000001-001", stale_text);
	char *none = xasprintf("%s/20260101-000000-0000001-002", base);
	assert_true(run_process_alive(getpid(), proc_start_time(getpid())));
	assert_false(run_process_alive(getpid(), 1));
	assert_true(run_dir_live(live));
	assert_false(run_dir_live(stale));
	assert_false(run_dir_live(none));
	remove_tree(live);
	remove_tree(stale);
	free(owner);
	free(stale_text);
	free(live);
	free(stale);
	free(none);
}

static const struct run *find_run(const struct run *runs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(runs[i].id, id))
			return &runs[i];
	return NULL;
}

/* Every run with a ledger, in the states vlab status names; a directory
 * without one is no run. */
static void test_runs_load_states(void **state)
{
	char *owner = own_owner_line();
	char *running = make_run("20260102-000000-0000001-000", owner);
	char *kept = make_run("20260102-000000-0000001-001", "owner " NO_PID " 1\nkept\n");
	char *left = make_run("20260102-000000-0000001-002", "owner " NO_PID " 1\n");
	char *bare = xasprintf("%s/20260102-000000-0000001-003", base);
	assert_int_equal(mkdir_p(bare, 0700), 0);
	struct run *runs;
	size_t n;
	assert_int_equal(runs_load(&runs, &n), 0);
	assert_int_equal(n, 3);
	const struct run *r = find_run(runs, n, "20260102-000000-0000001-000");
	assert_non_null(r);
	assert_true(r->owner_alive && r->live);
	assert_int_equal(r->owner, getpid());
	assert_string_equal(run_state(r), "running");
	r = find_run(runs, n, "20260102-000000-0000001-001");
	assert_non_null(r);
	assert_false(r->owner_alive);
	assert_string_equal(run_state(r), "kept (--keep)");
	r = find_run(runs, n, "20260102-000000-0000001-002");
	assert_non_null(r);
	assert_string_equal(run_state(r), "left behind (vlab was killed)");
	assert_null(find_run(runs, n, "20260102-000000-0000001-003"));
	runs_release(runs, n);
	remove_tree(running);
	remove_tree(kept);
	remove_tree(left);
	remove_tree(bare);
	free(owner);
	free(running);
	free(kept);
	free(left);
	free(bare);
}

/* vlab clean removes what the ledger records inside vlab's run directory,
 * and the ledger; a path outside it is never touched. */
static void test_run_clean_only_inside_base(void **state)
{
	char *outside = xstrdup("/tmp/vlab-test-outside.XXXXXX");
	int fd = mkstemp(outside);
	assert_true(fd >= 0);
	close(fd);
	char *inside = xasprintf("%s/20260103-000000-0000001-000/vm1.overlay", base);
	/* a sibling whose name starts with the base's, and a way out by ".." */
	char *sibling = xasprintf("%s-other", base);
	char *beside = xasprintf("%s/x", sibling);
	char *dotdot = xasprintf("%s/20260103-000000-0000001-000/../../%s/x", base, strrchr(sibling, '/') + 1);
	assert_int_equal(mkdir(sibling, 0700), 0);
	assert_int_equal(write_file_atomic(beside, "x", 1, 0644), 0);
	char *text = xasprintf("owner " NO_PID " 1\nfile %s\nfile %s\nfile %s\nfile %s\n", inside, outside, beside,
			       dotdot);
	char *dir = make_run("20260103-000000-0000001-000", text);
	assert_int_equal(write_file_atomic(inside, "x", 1, 0644), 0);
	assert_true(path_exists(dotdot));
	struct run *runs;
	size_t n;
	assert_int_equal(runs_load(&runs, &n), 0);
	const struct run *r = find_run(runs, n, "20260103-000000-0000001-000");
	assert_non_null(r);
	assert_int_equal(run_clean(r, false), 1);
	assert_false(path_exists(inside));
	assert_true(path_exists(outside));
	assert_true(path_exists(beside));
	remove_tree(sibling);
	free(sibling);
	free(beside);
	free(dotdot);
	char *ledger = xasprintf("%s/resources", dir);
	assert_false(path_exists(ledger));
	runs_release(runs, n);
	unlink(outside);
	remove_tree(dir);
	free(ledger);
	free(dir);
	free(text);
	free(inside);
	free(outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_kind),
		cmocka_unit_test(test_parse_skips_unknown_lines),
		cmocka_unit_test(test_parse_refuses_malformed_known_lines),
		cmocka_unit_test(test_run_dir_live),
		cmocka_unit_test(test_runs_load_states),
		cmocka_unit_test(test_run_clean_only_inside_base),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
