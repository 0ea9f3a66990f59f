/* For unit tests that must change uid, namespaces or mounts: the scenario
 * runs in a forked child, which reports back through a pipe. Include after
 * <cmocka.h>. */
#ifndef VLAB_TEST_CHILD_H
#define VLAB_TEST_CHILD_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

/* A child's verdict: NULL when all held, "SKIP: why", or what failed. */
typedef const char *(*child_fn)(void *arg);

static char child_msg[512];
#define CHILD_CHECK(cond, ...) do { \
		if (!(cond)) { \
			snprintf(child_msg, sizeof(child_msg), __VA_ARGS__); \
			return child_msg; \
		} \
	} while (0)

/* Run fn in a child: NULL is a pass, "SKIP: why" a skip, else a failure. */
static void run_child(child_fn fn, void *arg)
{
	char msg[512] = "";
	int pfd[2], status;
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *m;

		default_fault_signals();
		m = fn(arg);
		close(pfd[0]);
		if (m && write(pfd[1], m, strlen(m)) < 0)
			_exit(2);
		_exit(m ? 1 : 0);
	}
	close(pfd[1]);
	got = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	msg[got > 0 ? got : 0] = '\0';
	if (WIFSIGNALED(status))
		fail_msg("child died of %s", strsignal(WTERMSIG(status)));
	if (starts_with(msg, "SKIP: ")) {
		print_message("%s\n", msg);
		skip();
	}
	if (msg[0])
		fail_msg("%s", msg);
	assert_child_exited_ok(status, "the child");
}

#endif
