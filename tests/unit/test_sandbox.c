/* runner/grade/sandbox.c: the per-host uid claim and what it refuses, and the
 * bubblewrap command line (the sandbox itself needs root and namespaces:
 * tests/integration/grade_inputs.sh and grade_attack.sh prove it). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/grade/sandbox.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

static void test_claims_are_distinct_and_released(void **state)
{
	(void)state;
	uid_t a, b, c;
	int fa, fb, fc;
	assert_int_equal(sandbox_claim_uid("", &a, &fa), 0);
	assert_int_equal(sandbox_claim_uid("", &b, &fb), 0);
	assert_true(a != b);
	assert_true(a >= SANDBOX_UID_BASE && a < SANDBOX_UID_BASE + SANDBOX_UID_COUNT);
	assert_true(b >= SANDBOX_UID_BASE && b < SANDBOX_UID_BASE + SANDBOX_UID_COUNT);
	/* a's claim ends with its socket: the next claim may take it again
	 * (or another free one, should another grader run now), never b */
	close(fa);
	assert_int_equal(sandbox_claim_uid("", &c, &fc), 0);
	assert_true(c != b);
	close(fb);
	close(fc);
}

/* The range lies outside what anyone allocates: above 65535 and above
 * systemd-nspawn's container range (0x80000..0x6FFFFFFF). */
static void test_range_is_nobodys(void **state)
{
	(void)state;
	assert_true(SANDBOX_UID_BASE > 0x6FFFFFFFu);
	assert_true(SANDBOX_UID_BASE + SANDBOX_UID_COUNT < 0xFFFFFFFEu);
}

static void test_delegated(void **state)
{
	(void)state;
	const char *text = "student:100000:65536\n# a comment\nbig:2046820352:3\nbroken line\nx:1:\n";
	assert_true(sandbox_uid_delegated(text, 100000));
	assert_true(sandbox_uid_delegated(text, 165535));
	assert_false(sandbox_uid_delegated(text, 165536));
	assert_true(sandbox_uid_delegated(text, SANDBOX_UID_BASE + 2));
	assert_false(sandbox_uid_delegated(text, SANDBOX_UID_BASE + 3));
	assert_false(sandbox_uid_delegated("", 5));
}

/* On a fake host whose /etc/subuid delegates the first three uids of the
 * range, /etc/subgid the fourth, and whose processes run as the fifth:
 * the claim takes none of them. */
static void test_claim_skips_uids_in_use(void **state)
{
	(void)state;
	char root[] = "/tmp/vlab-test-sandbox.XXXXXX";
	assert_non_null(mkdtemp(root));
	char line[128];
	snprintf(line, sizeof(line), "someone:%u:3\n", SANDBOX_UID_BASE);
	scratch_put(root, "etc/subuid", line);
	snprintf(line, sizeof(line), "someone:%u:1\n", SANDBOX_UID_BASE + 3);
	scratch_put(root, "etc/subgid", line);
	snprintf(line, sizeof(line), "Name:\tx\nUid:\t%u\t%u\t%u\t%u\n", SANDBOX_UID_BASE + 4, SANDBOX_UID_BASE + 4,
		 SANDBOX_UID_BASE + 4, SANDBOX_UID_BASE + 4);
	scratch_put(root, "proc/4242/status", line);
	scratch_put(root, "proc/self/status", "Uid:\t0\t0\t0\t0\n");
	uid_t u;
	int fd;
	assert_int_equal(sandbox_claim_uid(root, &u, &fd), 0);
	assert_true(u >= SANDBOX_UID_BASE + 5);
	close(fd);
	assert_int_equal(remove_tree(root), 0);
}

static bool has_seq(char **v, const char *a, const char *b, const char *c)
{
	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], a) && (!b || (v[i + 1] && !strcmp(v[i + 1], b))) &&
		    (!c || (v[i + 1] && v[i + 2] && !strcmp(v[i + 2], c))))
			return true;
	return false;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* The jail's shape as bwrap is told it (sandbox.h). */
static void test_bwrap_argv(void **state)
{
	(void)state;
	struct sandbox_spec spec = {
		.script = "runqemu_single_vm.sh",
		.vlab_exe = "/opt/vlab/bin/vlab",
		.bwrap = "/usr/bin/bwrap",
	};
	const char *root = "/run/vlab/grade-X/alice";
	char **v = sandbox_bwrap_argv(&spec, root);
	assert_string_equal(v[0], "/usr/bin/bwrap");
	/* root of a user namespace of its own, nobody on the host */
	assert_true(has_seq(v, "--unshare-user", NULL, NULL));
	assert_true(has_seq(v, "--uid", "0", NULL));
	assert_true(has_seq(v, "--gid", "0", NULL));
	assert_true(has_seq(v, "--disable-userns", NULL, NULL));
	assert_true(has_seq(v, "--cap-drop", "ALL", NULL));
	for (const char *const *ns = (const char *const[]){ "--unshare-pid", "--unshare-ipc", "--unshare-uts", NULL };
	     *ns; ns++)
		assert_true(has_seq(v, *ns, NULL, NULL));
	assert_false(has_seq(v, "--unshare-net", NULL, NULL)); /* the worker's namespace, with tap0 */
	assert_false(has_seq(v, "--share-net", NULL, NULL));
	assert_true(has_seq(v, "--as-pid-1", NULL, NULL));
	assert_true(has_seq(v, "--die-with-parent", NULL, NULL));
	assert_true(has_seq(v, "--new-session", NULL, NULL));
	assert_true(has_seq(v, "--seccomp", "5", NULL));
	assert_true(has_seq(v, "--info-fd", "4", NULL));
	/* its own root: read-only /usr, nothing of /home, /root, /srv */
	assert_true(has_seq(v, "--ro-bind", "/usr", "/usr"));
	assert_true(has_seq(v, "--proc", "/proc", NULL));
	assert_true(has_seq(v, "--dev", "/dev", NULL));
	for (size_t i = 0; v[i]; i++) {
		assert_true(strcmp(v[i], "/") && strcmp(v[i], "/home") && strcmp(v[i], "/root") && strcmp(v[i], "/srv"));
		assert_true(strncmp(v[i], "/run/vlab/grade-X/alice/sub", 27));
	}
	assert_true(has_seq(v, "--dev-bind", "/run/vlab/grade-X/alice/dev/tun", "/dev/net/tun"));
	assert_false(has_seq(v, "--dev-bind", "/run/vlab/grade-X/alice/dev/kvm", "/dev/kvm"));
	assert_true(has_seq(v, "--ro-bind", "/run/vlab/grade-X/alice/sys", "/sys"));
	/* the same absolute paths inside as outside */
	assert_true(has_seq(v, "--bind", "/run/vlab/grade-X/alice/work", "/run/vlab/grade-X/alice/work"));
	assert_true(has_seq(v, "--bind", "/run/vlab/grade-X/alice/disk/shim", "/run/vlab/grade-X/alice/disk/shim"));
	assert_true(has_seq(v, "--ro-bind", "/run/vlab/grade-X/alice/bin", "/run/vlab/grade-X/alice/bin"));
	assert_true(has_seq(v, "--ro-bind", "/opt/vlab/bin/vlab", "/opt/vlab/bin/vlab"));
	assert_true(has_seq(v, "--bind", "/run/vlab/grade-X/alice/disk/tmp", "/tmp"));
	assert_true(has_seq(v, "--remount-ro", "/run", NULL));
	assert_true(has_seq(v, "--chdir", "/run/vlab/grade-X/alice/work", NULL));
	/* vlab's init runs the script */
	size_t n = 0;
	while (v[n])
		n++;
	assert_string_equal(v[n - 4], "/opt/vlab/bin/vlab");
	assert_string_equal(v[n - 3], "--sandbox-init");
	assert_string_equal(v[n - 2], "3");
	assert_string_equal(v[n - 1], "./runqemu_single_vm.sh");
	free_strv(v);

	spec.dev_kvm = true;
	v = sandbox_bwrap_argv(&spec, root);
	assert_true(has_seq(v, "--dev-bind", "/run/vlab/grade-X/alice/dev/kvm", "/dev/kvm"));
	free_strv(v);
}

/* ip and brctl by their absolute paths meet the shims; the real ones are
 * on /run/vlab-real, bound before /run is made read-only. Where this host
 * has them (ip is iproute2's, found by realpath as the sandbox does). */
static void test_net_tools_bound(void **state)
{
	(void)state;
	struct sandbox_spec spec = { .script = "s.sh", .vlab_exe = "/opt/vlab/bin/vlab", .bwrap = "/usr/bin/bwrap" };
	char **v = sandbox_bwrap_argv(&spec, "/run/vlab/grade-X/alice");
	char real[PATH_MAX];
	const char *tools[][2] = { { "/sbin/ip", "/run/vlab-real/ip" }, { "/usr/sbin/brctl", "/run/vlab-real/brctl" } };
	for (size_t t = 0; t < 2; t++) {
		if (!realpath(tools[t][0], real) || strncmp(real, "/usr/", 5)) {
			print_message("no %s here: its binds not checked\n", tools[t][0]);
			continue;
		}
		assert_true(has_seq(v, "--ro-bind", real, tools[t][1]));
		assert_true(has_seq(v, "--ro-bind", "/opt/vlab/bin/vlab", real));
	}
	size_t remount = 0, last_real = 0;
	for (size_t i = 0; v[i]; i++) {
		if (!strcmp(v[i], "--remount-ro"))
			remount = i;
		if (!strncmp(v[i], "/run/vlab-real/", 15))
			last_real = i;
	}
	assert_true(last_real < remount);
	free_strv(v);
	/* the environment says the mode and the channel */
	char **e = sandbox_env(&spec, "/b", "/w");
	assert_true(has_seq(e, "VLAB_SHIM_NET=vlab", NULL, NULL));
	assert_true(has_seq(e, "VLAB_SHIM_NET_FD=7", NULL, NULL));
	assert_true(has_seq(e, "VLAB_SHIM_FD=6", NULL, NULL));
	free_strv(e);
	spec.script_network = true;
	e = sandbox_env(&spec, "/b", "/w");
	assert_true(has_seq(e, "VLAB_SHIM_NET=script", NULL, NULL));
	free_strv(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claims_are_distinct_and_released),
		cmocka_unit_test(test_range_is_nobodys),
		cmocka_unit_test(test_delegated),
		cmocka_unit_test(test_claim_skips_uids_in_use),
		cmocka_unit_test(test_bwrap_argv),
		cmocka_unit_test(test_net_tools_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
