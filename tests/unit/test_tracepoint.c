/* runner/tracepoint: the id lookup on fake tracefs trees, and real counters
 * on a tracepoint any kernel with syscall tracing has
 * (syscalls:sys_enter_getppid: this test is the only caller of getppid), for
 * this thread and for every thread of this process. Where this host refuses
 * perf events or has no syscall tracepoints, those tests are SKIPPED with
 * the reason. */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/ch4.h"
#include "runner/host/tracepoint.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/child.h"

#define EVENT "syscalls:sys_enter_getppid"

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	free(dir);
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
}

static int make_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/vlab-tp-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int remove_root(void **state)
{
	(void)state;
	remove_tree(root);
	return 0;
}

static void test_event_id(void **state)
{
	(void)state;
	put("events/kvm/kvm_pio/id", "110\n");
	put("events/kvm/kvm_exit/id", "103");
	put("events/kvm/kvm_bad/id", "ten\n");
	put("events/kvm/kvm_empty/id", "");
	int id = 0;
	char why[256];
	assert_int_equal(tp_event_id(root, "kvm:kvm_pio", &id, why, sizeof(why)), 0);
	assert_int_equal(id, 110);
	assert_int_equal(tp_event_id(root, "kvm:kvm_exit", &id, NULL, 0), 0);
	assert_int_equal(id, 103);

	assert_int_equal(tp_event_id(root, "kvm:kvm_nope", &id, why, sizeof(why)), -ENOENT);
	char want[512];
	snprintf(want, sizeof(want), "no tracepoint kvm:kvm_nope in %s/events (is the kvm module loaded?)", root);
	assert_string_equal(why, want);

	assert_int_equal(tp_event_id(root, "kvm:kvm_bad", &id, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "kvm_bad/id holds 'ten', not a tracepoint id"));
	assert_int_equal(tp_event_id(root, "kvm:kvm_empty", &id, why, sizeof(why)), -EINVAL);

	/* names that would leave events/ */
	const char *bad[] = { "kvm", "kvm:", ":kvm_pio", "../kvm:kvm_pio", "kvm:../../x", "kvm:kvm/pio", "a:b:c" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(tp_event_id(root, bad[i], &id, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "is not a tracepoint name (system:event)"));
	}
}

static void test_no_tracefs(void **state)
{
	(void)state;
	int id = 0;
	char why[256];
	char *empty = xasprintf("%s/empty", root);
	assert_int_equal(mkdir_p(empty, 0755), 0);
	assert_int_equal(tp_event_id(empty, "kvm:kvm_pio", &id, why, sizeof(why)), -ENOENT);
	char want[512];
	snprintf(want, sizeof(want), "no tracefs at %s (no events/ there)", empty);
	assert_string_equal(why, want);

	struct tp_counter c = TP_COUNTER_INIT;
	assert_int_equal(tp_open(&c, empty, "kvm:kvm_pio", 0, 0), -ENOENT);
	assert_string_equal(c.why, want);
	assert_int_equal(c.nfds, 0);
	uint64_t n = 1;
	assert_int_equal(tp_read(&c, &n), -EBADF);
	assert_int_equal(n, 0);
	assert_int_equal(tp_enable(&c), -EBADF);
	tp_close(&c);
	tp_close(&c);
	free(empty);
}

/* tracefs mounted but root's alone (mode 0700, as on these machines): not
 * "not mounted", but the permission it is. Checked in a child that is not
 * root (root would pass any mode bits): root becomes uid 65534, which a user
 * namespace that maps root alone (unshare -U -r) does not have, and then
 * the test is skipped saying so. */
static const char *child_tracefs_not_ours(void *arg)
{
	const char *locked = arg;
	int id = 0;
	char why[256];

	if (geteuid() == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			snprintf(child_msg, sizeof(child_msg), "SKIP: root cannot become uid 65534 here (%s), "
				 "and root would pass the 0700 mode this test is about", strerror(errno));
			return child_msg;
		}
	} else {
		CHILD_CHECK(chmod(locked, 0) == 0, "chmod 0 %s: %s", locked, strerror(errno));
	}
	int rc = tp_event_id(locked, "kvm:kvm_pio", &id, why, sizeof(why));
	CHILD_CHECK(rc == -EACCES && strstr(why, "(tracefs is mounted there, but not for this user)"),
		    "tp_event_id gave %d: '%s'", rc, why);
	return NULL;
}

static void test_tracefs_not_ours(void **state)
{
	(void)state;
	put("locked/events/kvm/kvm_pio/id", "110\n");
	char *locked = xasprintf("%s/locked", root);
	assert_int_equal(chmod(locked, 0700), 0);
	run_child(child_tracefs_not_ours, locked);
	chmod(locked, 0700);
	free(locked);
}

/* Open EVENT for pid, or SKIP with the reason this host gives. */
static void open_or_skip(struct tp_counter *c, pid_t pid, unsigned flags)
{
	int rc = tp_open(c, NULL, EVENT, pid, flags);
	if (rc == -ENOENT || rc == -EACCES || rc == -EPERM || rc == -ENOSYS) {
		print_message("SKIP: %s\n", c->why);
		skip();
	}
	if (rc)
		fail_msg("tp_open(%s): %s: %s", EVENT, strerror(-rc), c->why);
}

static void getppid_n(int n)
{
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid); /* not glibc's getppid(): never cached */
}

static void test_count_this_thread(void **state)
{
	(void)state;
	struct tp_counter c = TP_COUNTER_INIT;
	open_or_skip(&c, 0, 0);
	assert_int_equal(c.nfds, 1);
	assert_true(c.id > 0);
	uint64_t n = 99;
	getppid_n(3); /* disabled: not counted */
	assert_int_equal(tp_read(&c, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tp_enable(&c), 0);
	getppid_n(5);
	assert_int_equal(tp_disable(&c), 0);
	getppid_n(2);
	assert_int_equal(tp_read(&c, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(tp_reset(&c), 0);
	assert_int_equal(tp_read(&c, &n), 0);
	assert_int_equal(n, 0);
	tp_close(&c);
	assert_int_equal(c.nfds, 0);
	assert_null(c.fds);
}

/* A child's getppid()s, counted from here by pid: what chapter 4 does to
 * qemu. */
static void test_count_other_process(void **state)
{
	(void)state;
	int go[2], done[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char b;
		default_fault_signals();
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		getppid_n(7);
		_exit(write(done[1], "x", 1) == 1 ? 0 : 1);
	}
	struct tp_counter c = TP_COUNTER_INIT;
	int rc = tp_open(&c, NULL, EVENT, pid, TP_ALL_THREADS);
	char b = 0;
	if (rc == 0) {
		assert_int_equal(c.nfds, 1);
		assert_int_equal(tp_enable(&c), 0);
	}
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(read(done[0], &b, 1), 1);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_child_exited_ok(st, "the counted child");
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	if (rc) {
		print_message("SKIP: %s\n", c.why);
		skip();
	}
	uint64_t n = 0;
	assert_int_equal(tp_read(&c, &n), 0);
	assert_int_equal(n, 7);
	tp_close(&c);

	/* gone now */
	assert_int_equal(tp_open(&c, NULL, EVENT, pid, TP_ALL_THREADS), -ESRCH);
	assert_non_null(strstr(c.why, "cannot list the threads of pid"));
}

struct worker {
	int go[2], done[2];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char b;
	if (read(w->go[0], &b, 1) == 1) {
		getppid_n(4);
		if (write(w->done[1], "x", 1) != 1)
			return NULL;
	}
	return NULL;
}

/* Every thread of this process: one counter each, summed. */
static void test_count_all_threads(void **state)
{
	(void)state;
	struct worker w;
	assert_int_equal(pipe(w.go), 0);
	assert_int_equal(pipe(w.done), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, worker_main, &w), 0);
	struct tp_counter c = TP_COUNTER_INIT;
	int rc = tp_open(&c, NULL, EVENT, getpid(), TP_ALL_THREADS);
	if (rc == 0) {
		assert_int_equal(c.nfds, 2);
		assert_int_equal(tp_enable(&c), 0);
	}
	getppid_n(2);
	char b;
	assert_int_equal(write(w.go[1], "x", 1), 1);
	assert_int_equal(read(w.done[0], &b, 1), 1);
	pthread_join(t, NULL);
	for (int i = 0; i < 2; i++) {
		close(w.go[i]);
		close(w.done[i]);
	}
	if (rc) {
		print_message("SKIP: %s\n", c.why);
		skip();
	}
	uint64_t n = 0;
	assert_int_equal(tp_read(&c, &n), 0);
	assert_int_equal(n, 6);
	tp_close(&c);
}

/* A filter on the event's fields: raw_syscalls:sys_enter counts every
 * syscall, "id == SYS_getppid" only getppid's. */
static void test_filter(void **state)
{
	(void)state;
	struct tp_counter c = TP_COUNTER_INIT;
	int rc = tp_open(&c, NULL, "raw_syscalls:sys_enter", 0, 0);
	if (rc) {
		print_message("SKIP: %s\n", c.why);
		skip();
	}
	char filter[64];
	snprintf(filter, sizeof(filter), "id == %d", (int)SYS_getppid);
	assert_int_equal(tp_set_filter(&c, filter), 0);
	assert_int_equal(tp_enable(&c), 0);
	getppid_n(6);
	(void)getpid();
	assert_int_equal(tp_disable(&c), 0);
	uint64_t n = 0;
	assert_int_equal(tp_read(&c, &n), 0);
	assert_int_equal(n, 6);
	/* a field the event does not have: refused, and said so */
	assert_true(tp_set_filter(&c, "no_such_field == 1") < 0);
	assert_non_null(strstr(c.why, "refuses the filter 'no_such_field == 1'"));
	tp_close(&c);
	assert_int_equal(tp_set_filter(&c, filter), -EBADF);
}

/* Chapter 4's CR-access filter is one the kernel takes for kvm:kvm_exit. */
static void test_kvm_exit_cr_filter(void **state)
{
	(void)state;
	struct tp_counter c = TP_COUNTER_INIT;
	int rc = tp_open(&c, NULL, "kvm:kvm_exit", 0, 0);
	if (rc) {
		print_message("SKIP: %s\n", c.why);
		skip();
	}
	assert_int_equal(tp_set_filter(&c, KVM_EXIT_CR_FILTER), 0);
	tp_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_id),
		cmocka_unit_test(test_no_tracefs),
		cmocka_unit_test(test_tracefs_not_ours),
		cmocka_unit_test(test_count_this_thread),
		cmocka_unit_test(test_count_other_process),
		cmocka_unit_test(test_count_all_threads),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_kvm_exit_cr_filter),
	};
	return cmocka_run_group_tests(tests, make_root, remove_root);
}
