/* runner/cleanup: one stop event that sends several signals is one request
 * (the orderly teardown goes on); a later, separate request is "out now"
 * and the handler releases what it can with async-signal-safe calls:
 * processes, files, mounts, links, cgroups with their child groups. Each
 * scenario runs in a forked child: the handlers and the registry are
 * process-wide. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/files.h"
#include "unit_helpers.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A child that sleeps until killed, in its own process group (as vlab's
 * qemus are). */
static pid_t sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(pid, pid);
	return pid;
}

static bool alive(pid_t pid)
{
	return kill(pid, 0) == 0;
}

/* Two signals of one stop event, 100 ms apart (timeout relays to its
 * child, then to the group; a CI cancels with SIGINT then SIGTERM): one
 * request. The process lives on, its resources untouched, and the orderly
 * cleanup_run_all() then releases them. */
static void test_one_event_is_one_request(void **state)
{
	char *file = xasprintf("%s/one-event", (const char *)*state);
	int fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	pid_t vlab = fork();
	assert_true(vlab >= 0);
	if (vlab == 0) {
		cleanup_install_signal_handlers();
		cleanup_add_path(RES_FILE, file);
		raise(SIGINT);
		sleep_ms(100);
		raise(SIGTERM);
		raise(SIGINT);
		/* still here: the same request, recorded once */
		if (!cleanup_stop_requested() || cleanup_stop_signal() != SIGINT || access(file, F_OK))
			_exit(2);
		cleanup_run_all();
		_exit(access(file, F_OK) == 0 ? 3 : 0);
	}
	int st;
	assert_int_equal(waitpid(vlab, &st, 0), vlab);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	free(file);
}

/* A second request after the window: the handler kills the registered
 * process group, unlinks the file, and vlab dies by that signal. */
static void test_separate_request_is_out_now(void **state)
{
	char *file = xasprintf("%s/out-now", (const char *)*state);
	int fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t vlab = fork();
	assert_true(vlab >= 0);
	if (vlab == 0) {
		close(pfd[0]);
		cleanup_install_signal_handlers();
		pid_t qemu = sleeper();
		if (write(pfd[1], &qemu, sizeof(qemu)) != sizeof(qemu))
			_exit(2);
		cleanup_add_process(qemu, "a stand-in qemu");
		cleanup_add_path(RES_FILE, file);
		raise(SIGINT);
		sleep_ms(CLEANUP_SAME_STOP_MS + 300);
		raise(SIGTERM);
		_exit(3); /* not reached: SIGTERM's default action */
	}
	close(pfd[1]);
	pid_t qemu = 0;
	assert_int_equal(read(pfd[0], &qemu, sizeof(qemu)), sizeof(qemu));
	close(pfd[0]);
	int st;
	assert_int_equal(waitpid(vlab, &st, 0), vlab);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_int_equal(access(file, F_OK), -1);
	/* the stand-in was vlab's child: now init's, gone a moment after */
	for (int i = 0; i < 100 && alive(qemu); i++)
		sleep_ms(20);
	assert_false(alive(qemu));
	free(file);
}

/* The handler's mount and namespace actions, in a private mount namespace
 * of a child (root only): a tmpfs on a directory is detached, and a
 * "namespace file" bind mount is unmounted and unlinked. A grandchild in
 * the same mount namespace reads the mount table once vlab is gone and
 * says what it saw through a pipe. */
static void test_out_now_unmounts(void **state)
{
	if (geteuid() != 0) {
		print_message("SKIP: mounts need root here\n");
		skip();
	}
	char *dir = xasprintf("%s/mnt", (const char *)*state);
	char *nsfile = xasprintf("%s/netns-file", (const char *)*state);
	assert_int_equal(mkdir(dir, 0700), 0);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t vlab = fork();
	assert_true(vlab >= 0);
	if (vlab == 0) {
		close(pfd[0]);
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		if (mount("tmpfs", dir, "tmpfs", 0, NULL) < 0)
			_exit(4);
		int fd = open(nsfile, O_CREAT | O_RDONLY, 0600);
		if (fd < 0 || mount("/proc/self/ns/net", nsfile, NULL, MS_BIND, NULL) < 0)
			_exit(5);
		close(fd);
		cleanup_install_signal_handlers();
		int h = cleanup_add_callback(NULL, NULL, "a mount");
		int n = cleanup_add_callback(NULL, NULL, "a namespace");
		if (cleanup_set_emergency(h, EMERGENCY_UMOUNT, dir) || cleanup_set_emergency(n, EMERGENCY_NETNS, nsfile) ||
		    cleanup_set_emergency(n, EMERGENCY_LINK, nsfile) != -EINVAL)
			_exit(6);
		pid_t vlab_pid = getpid();
		if (fork() == 0) {
			while (kill(vlab_pid, 0) == 0 && getppid() == vlab_pid)
				sleep_ms(10);
			struct strbuf sb = STRBUF_INIT;
			char seen = read_file("/proc/self/mounts", &sb)	 ? 'r'
				    : strstr(sb_str(&sb), dir)		 ? 'm'
				    : strstr(sb_str(&sb), nsfile)	 ? 'n'
				    : access(nsfile, F_OK) == 0		 ? 'f'
									 : 'k';
			_exit(write(pfd[1], &seen, 1) == 1 ? 0 : 1);
		}
		close(pfd[1]);
		raise(SIGINT);
		sleep_ms(CLEANUP_SAME_STOP_MS + 300);
		raise(SIGINT);
		_exit(3);
	}
	close(pfd[1]);
	int st;
	assert_int_equal(waitpid(vlab, &st, 0), vlab);
	char seen = 0;
	ssize_t got = read(pfd[0], &seen, 1);
	close(pfd[0]);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		print_message("SKIP: no private mount namespace here\n");
		skip();
	}
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGINT);
	assert_int_equal(got, 1);
	/* k: both detached, the file gone; m, n: still mounted; f: not unlinked */
	assert_int_equal(seen, 'k');
	rmdir(dir);
	free(dir);
	free(nsfile);
}

/* A real cgroup with a child group holding a process, as a killed grading
 * leaves it (the class's group, a sandbox's under it): emptied and removed,
 * children first. */
static void test_cgroup_tree_removed(void **state)
{
	(void)state;
	const char *bases[] = { "/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup" };
	char parent[256] = "", child[300];
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]) && !parent[0]; i++) {
		char probe[300];
		snprintf(probe, sizeof(probe), "%s/cgroup.procs", bases[i]);
		if (access(probe, W_OK))
			continue;
		snprintf(parent, sizeof(parent), "%s/vlab-grade-test-%d", bases[i], (int)getpid());
		if (mkdir(parent, 0755) < 0)
			parent[0] = '\0';
	}
	if (!parent[0]) {
		print_message("SKIP: no writable cgroup hierarchy here (not root, or cgroups read-only)\n");
		skip();
	}
	snprintf(child, sizeof(child), "%s/sandbox", parent);
	assert_int_equal(mkdir(child, 0755), 0);
	pid_t p = sleeper();
	char *procs = xasprintf("%s/cgroup.procs", child), *pid = xasprintf("%d\n", (int)p);
	int fd = open(procs, O_WRONLY);
	bool entered = fd >= 0 && write(fd, pid, strlen(pid)) == (ssize_t)strlen(pid);
	if (fd >= 0)
		close(fd);
	free(procs);
	free(pid);
	if (!entered) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		rmdir(child);
		rmdir(parent);
		print_message("SKIP: cannot move a process into %s (a cgroup v2 hierarchy without the controller?)\n",
			      child);
		skip();
	}
	/* reaped by us while the cleanup waits for the group to empty */
	pid_t reaper = fork();
	if (reaper == 0) {
		_exit(cgroup_empty_and_remove(parent, 3000) == 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(waitpid(reaper, &st, 0), reaper);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(access(child, F_OK), -1);
	assert_int_equal(access(parent, F_OK), -1);
	/* gone already: nothing to do, no error */
	assert_int_equal(cgroup_empty_and_remove(parent, 100), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_event_is_one_request, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_separate_request_is_out_now, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_out_now_unmounts, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_cgroup_tree_removed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
