/* What unit tests share: text and verdict assertions with a message that
 * shows what was seen, and, for tests that work in a scratch directory of
 * their own, a cmocka setup/teardown pair that makes and removes one under
 * /tmp (its path in *state) and files written below it, parents made.
 * Include after <cmocka.h>. */
#ifndef VLAB_TEST_UNIT_HELPERS_H
#define VLAB_TEST_UNIT_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "checks/verdict.h"
#include "runner/util.h"
#include "runner/files.h"

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
