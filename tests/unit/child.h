/* For unit tests that fork: what every forked child does first
 * (default_fault_signals), the parent's verdict on its wait status, and, for
 * tests that must change uid, namespaces or mounts, run_child: the scenario
 * runs in a forked child, which reports back through a pipe. Include after
 * <cmocka.h>. (Not folded into unit_helpers.h: <signal.h> brings <unistd.h>,
 * whose names some tests use for their own.) */
#ifndef VLAB_TEST_CHILD_H
#define VLAB_TEST_CHILD_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/util.h"

/* First thing in every forked test child: the fault signals back at their
 * default dispositions. The child inherits cmocka's handlers, which longjmp
 * into its runner, so a crash there would otherwise go on to run the rest
 * of the suite a second time, in the child (ASan's would report and exit
 * 1, hiding which signal it was). */
static inline void default_fault_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGSYS };
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* A forked child's wait status, which must be exit 0: a child killed by a
 * signal is named as such, not as a bare status. */
static inline void assert_child_exited_ok(int status, const char *what)
{
	if (WIFSIGNALED(status))
		fail_msg("%s died of %s", what, strsignal(WTERMSIG(status)));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s exited with status %d", what, WEXITSTATUS(status));
}

/* A child's verdict: NULL when all held, "SKIP: why", or what failed. */
typedef const char *(*child_fn)(void *arg);

static char child_msg[512] __attribute__((unused));
#define CHILD_CHECK(cond, ...) do { \
		if (!(cond)) { \
			snprintf(child_msg, sizeof(child_msg), __VA_ARGS__); \
			return child_msg; \
		} \
	} while (0)

/* Run fn in a child: NULL is a pass, "SKIP: why" a skip, else a failure. */
static inline void run_child(child_fn fn, void *arg)
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
