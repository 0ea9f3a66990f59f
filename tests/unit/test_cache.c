/* runner/cache in a temporary $XDG_CACHE_HOME: a part becomes a blob only
 * when its bytes hash to its name, a wrong one is removed; a profile's
 * links and manifest entry; --check finds a changed blob and removes it;
 * a lock held elsewhere is waited for and a stop request ends the wait. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/fetch/cache.h"
#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/files.h"

/* sha256("abc") and sha256("") */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char home[] = "/tmp/vlab-test-cache.XXXXXX";

static void put(const char *sha, const char *bytes, const char *want, int expect)
{
	struct cache_part p;
	char got[65];
	assert_int_equal(cache_part_open(sha, true, &p), 0);
	assert_int_equal(write(p.fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
	assert_int_equal(cache_part_commit(&p, want, NULL, got), expect);
	assert_null(p.path);
}

static void test_commit(void **state)
{
	char err[256];
	assert_int_equal(cache_init(err, sizeof(err)), 0);
	assert_true(starts_with(cache_dir(), home));
	/* wrong bytes: -EBADMSG, nothing in sha256/, no part left */
	put(SHA_ABC, "abd", SHA_ABC, -EBADMSG);
	assert_false(cache_has_blob(SHA_ABC));
	char *part = xasprintf("%s/tmp/%s.part", cache_dir(), SHA_ABC);
	assert_false(path_exists(part));
	/* right bytes: the blob, read-only */
	put(SHA_ABC, "abc", SHA_ABC, 0);
	assert_true(cache_has_blob(SHA_ABC));
	assert_false(path_exists(part));
	char *blob = cache_blob_path(SHA_ABC);
	struct stat st;
	assert_int_equal(stat(blob, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	/* no hash wanted (a first import): named by what it is */
	put("import", "", NULL, 0);
	assert_true(cache_has_blob(SHA_EMPTY));
	free(blob);
	free(part);
}

static void test_install_profile(void **state)
{
	char err[256];
	struct manifest m = { .nprofiles = 0 };
	assert_int_equal(manifest_parse("profile p\nkernel k " SHA_ABC "\nrootfs r " SHA_EMPTY
					"\nkvmhost-modules km " SHA_EMPTY "\nappend x\nlogin root toor\nend\n",
					"t", &m, err, sizeof(err)),
			 0);
	assert_int_equal(cache_install_profile(&m.profiles[0], err, sizeof(err)), 0);
	char *k = xasprintf("%s/profiles/p/k", cache_dir());
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(k, &sb), 0);
	assert_string_equal(sb_str(&sb), "abc");
	sb_release(&sb);
	/* the emulated KVM host's file is linked like the guest's */
	char *km = xasprintf("%s/profiles/p/km", cache_dir());
	assert_true(path_exists(km));
	free(km);
	/* read back through the cache's manifest; a second profile keeps the first */
	struct manifest back = { .nprofiles = 0 };
	assert_int_equal(cache_load_manifest(&back, err, sizeof(err)), 0);
	assert_int_equal(back.nprofiles, 1);
	assert_string_equal(manifest_find(&back, "p")->rootfs.sha256, SHA_EMPTY);
	assert_string_equal(manifest_find(&back, "p")->kvmhost_modules.sha256, SHA_EMPTY);
	manifest_release(&back);
	free(m.profiles[0].name);
	m.profiles[0].name = xstrdup("q");
	assert_int_equal(cache_install_profile(&m.profiles[0], err, sizeof(err)), 0);
	assert_int_equal(cache_load_manifest(&back, err, sizeof(err)), 0);
	assert_int_equal(back.nprofiles, 2);
	manifest_release(&back);
	manifest_release(&m);
	free(k);
}

static int bad_seen, good_seen;
static void on_check(void *arg, const char *sha, uint64_t bytes, bool ok, const char *got)
{
	(void)arg;
	if (ok) {
		good_seen++;
		assert_string_equal(sha, got);
		return;
	}
	bad_seen++;
	assert_string_equal(sha, SHA_ABC);
	assert_int_equal(bytes, 3);
	assert_string_not_equal(got, SHA_ABC);
}

static void test_check(void **state)
{
	assert_int_equal(cache_check(NULL, NULL), 0);
	char *blob = cache_blob_path(SHA_ABC);
	assert_int_equal(chmod(blob, 0644), 0);
	FILE *f = fopen(blob, "w");
	fputs("abd", f);
	fclose(f);
	assert_int_equal(cache_check(on_check, NULL), 1);
	assert_int_equal(bad_seen, 1);
	assert_int_equal(good_seen, 1);
	assert_false(cache_has_blob(SHA_ABC));
	assert_true(cache_has_blob(SHA_EMPTY));
	free(blob);
}

static void test_lock_waits_and_stops(void **state)
{
	struct cache_lock a, b;
	assert_int_equal(cache_lock("x", &a, NULL, NULL), 0);
	/* another open file description: flock conflicts as with another process */
	cleanup_request_stop(15);
	assert_int_equal(cache_lock("x", &b, NULL, NULL), -EINTR);
	cleanup_clear_stop();
	cache_unlock(&a);
	assert_int_equal(cache_lock("x", &b, NULL, NULL), 0);
	cache_unlock(&b);
}

static int setup(void **state)
{
	if (!mkdtemp(home))
		return -1;
	setenv("XDG_CACHE_HOME", home, 1);
	return 0;
}

static int teardown(void **state)
{
	char *d = xasprintf("%s", home);
	/* blobs are read-only; remove_tree unlinks regardless of the mode */
	int r = remove_tree(d);
	free(d);
	return r;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_install_profile),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_lock_waits_and_stops),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
