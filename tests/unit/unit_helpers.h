/* What unit tests share: text and verdict assertions with a message that
 * shows what was seen, and, for tests that work in a scratch directory of
 * their own, a cmocka setup/teardown pair that makes and removes one under
 * /tmp (its path in *state) and files written below it, parents made.
 * Include after <cmocka.h>. */
#ifndef VLAB_TEST_UNIT_HELPERS_H
#define VLAB_TEST_UNIT_HELPERS_H

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "checks/verdict.h"
#include "runner/util.h"

#ifdef FIXTURES
/* A captured file of tests/fixtures/ (rel below it), whole, as a string to
 * free. */
static inline char *fixture_text(const char *rel)
{
	char *p = xasprintf("%s/%s", FIXTURES, rel);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	free(p);
	char *text = xstrdup(sb_str(&sb));
	sb_release(&sb);
	return text;
}
#endif

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

static inline void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' does not contain '%s'", hay, needle);
}

static inline void assert_verdict(const struct check_result *r, enum verdict v)
{
	if (r->verdict != v)
		fail_msg("%s: verdict %s, want %s (detail: %s)", r->id, verdict_name(r->verdict), verdict_name(v),
			 r->detail);
	assert_true(r->done);
}

static inline int scratch_setup(void **state)
{
	char *dir = xstrdup("/tmp/vlab-test.XXXXXX");
	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static inline int scratch_teardown(void **state)
{
	char *dir = *state;
	int r = remove_tree(dir);
	free(dir);
	return r;
}

/* root/rel with text, its directories made. */
static inline void scratch_put(const char *root, const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", root, rel);
	char *dir = xstrdup(p);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	assert_int_equal(write_file_atomic(p, text, strlen(text), 0644), 0);
	free(dir);
	free(p);
}

#endif
