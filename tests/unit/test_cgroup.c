/* runner/cgroup: which cgroups a host has, from captured /proc files; v2's
 * path logic and files on a fake cgroupfs; v1 for real where it is mounted
 * (the CI machines), a process killed with its group. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/grade/cgroup.h"
#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

static char *fixture(const char *name)
{
	char *p = xasprintf("%s/cgroup/%s", FIXTURES, name);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	free(p);
	return sb.buf;
}

static char *fake_root(void)
{
	void *dir = NULL;
	assert_int_equal(scratch_setup(&dir), 0);
	return dir;
}

static char *slurp(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(p, &sb);
	free(p);
	if (r) {
		sb_release(&sb);
		return xstrdup("(missing)");
	}
	return sb.buf ? sb.buf : xstrdup("");
}

/* The CI machines: v1 hierarchies, the job's memory group below the root. */
static void test_v1_ci(void **state)
{
	(void)state;
	char *mi = fixture("mountinfo-v1-ci"), *sc = fixture("self-cgroup-v1-ci");
	struct cgroup_host h;
	assert_int_equal(cgroup_host_parse("", mi, sc, &h), 0);
	assert_int_equal(h.version, CGROUP_V1);
	assert_string_equal(h.dir[CG_MEMORY], "/sys/fs/cgroup/memory/process_api/3f5cc57be8f085175436147dab8112d0");
	assert_string_equal(h.dir[CG_PIDS], "/sys/fs/cgroup/pids");
	assert_string_equal(h.dir[CG_CPU], "/sys/fs/cgroup/cpu");
	char d[600];
	cgroup_host_describe(&h, d, sizeof(d));
	assert_non_null(strstr(d, "v1 (memory, pids, cpu)"));
	free(mi);
	free(sc);
}

/* cpu and cpuacct mounted together (most v1 distributions), and a cgroup
 * namespace whose mount root is the job's own group. */
static void test_v1_joined_and_namespaced(void **state)
{
	(void)state;
	const char *mi = "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
			 "31 25 0:27 /job/7 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
			 "32 25 0:28 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
	const char *sc = "3:pids:/job/7\n2:memory:/job/7/inner\n1:cpu,cpuacct:/job/7\n";
	struct cgroup_host h;
	assert_int_equal(cgroup_host_parse("/fake", mi, sc, &h), 0);
	assert_int_equal(h.version, CGROUP_V1);
	assert_string_equal(h.dir[CG_CPU], "/fake/sys/fs/cgroup/cpu,cpuacct/job/7");
	assert_string_equal(h.dir[CG_MEMORY], "/fake/sys/fs/cgroup/memory/inner");
	assert_string_equal(h.dir[CG_PIDS], "/fake/sys/fs/cgroup/pids/job/7");
}

/* A Debian 12 host with systemd: one v2 hierarchy offering the three. */
static void test_v2_debian(void **state)
{
	(void)state;
	char *root = fake_root();
	char *mi = fixture("mountinfo-v2-debian12"), *sc = fixture("self-cgroup-v2-debian12");
	const char *own = "sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope";
	char *ctl = xasprintf("%s/cgroup.controllers", own);
	scratch_put(root, ctl, "cpuset cpu io memory pids\n");
	struct cgroup_host h;
	assert_int_equal(cgroup_host_parse(root, mi, sc, &h), 0);
	assert_int_equal(h.version, CGROUP_V2);
	char *want = xasprintf("%s/%s", root, own);
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		assert_string_equal(h.dir[k], want);

	/* a controller missing from our group: none, saying what it saw */
	scratch_put(root, ctl, "cpuset io memory\n");
	assert_int_equal(cgroup_host_parse(root, mi, sc, &h), 0);
	assert_int_equal(h.version, CGROUP_NONE);
	assert_non_null(strstr(h.why, "offers 'cpuset io memory' to vlab's own group"));
	free(want);
	free(ctl);
	free(mi);
	free(sc);
	assert_int_equal(remove_tree(root), 0);
	free(root);
}

/* The CI machines' empty v2 mount alone, without the v1 hierarchies. */
static void test_none(void **state)
{
	(void)state;
	char *root = fake_root();
	const char *mi = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	scratch_put(root, "sys/fs/cgroup/unified/cgroup.controllers", "\n");
	struct cgroup_host h;
	assert_int_equal(cgroup_host_parse(root, mi, "0::/\n", &h), 0);
	assert_int_equal(h.version, CGROUP_NONE);
	assert_non_null(strstr(h.why, "not memory, pids and cpu"));
	assert_int_equal(cgroup_host_parse(root, "", "", &h), 0);
	assert_int_equal(h.version, CGROUP_NONE);
	assert_non_null(strstr(h.why, "neither"));
	struct cgroup cg;
	char err[256];
	struct cgroup_limits lim = { 1 << 30, 512, 100 };
	assert_int_equal(cgroup_create(&h, "p", "n", &lim, &cg, err, sizeof(err)), 0);
	assert_int_equal(cg.ndirs, 0);
	assert_int_equal(cgroup_enter(&cg, 1), 0);
	assert_int_equal(cgroup_kill_remove(&cg, 10), 0);
	assert_int_equal(remove_tree(root), 0);
	free(root);
}

/* v2's files on a fake cgroupfs: the controllers offered to the children of
 * our own group and of the parent, the limits, the pid moved in. */
static void test_v2_files(void **state)
{
	(void)state;
	char *root = fake_root();
	struct cgroup_host h = { .version = CGROUP_V2 };
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		snprintf(h.dir[k], sizeof(h.dir[k]), "%s/cg/job", root);
	scratch_put(root, "cg/job/cgroup.controllers", "cpu memory pids\n");
	struct cgroup_limits lim = { 1ULL << 30, 512, 50 };
	struct cgroup cg;
	char err[256] = "";
	assert_int_equal(cgroup_create(&h, "vlab-grade-1", "alice", &lim, &cg, err, sizeof(err)), 0);
	assert_int_equal(cg.ndirs, 1);
	const char *const want[][2] = {
		{ "cg/job/cgroup.subtree_control", "+memory +pids +cpu" },
		{ "cg/job/vlab-grade-1/cgroup.subtree_control", "+memory +pids +cpu" },
		{ "cg/job/vlab-grade-1/alice/memory.max", "1073741824" },
		{ "cg/job/vlab-grade-1/alice/pids.max", "512" },
		{ "cg/job/vlab-grade-1/alice/cpu.weight", "50" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *got = slurp(root, want[i][0]);
		assert_string_equal(got, want[i][1]);
		free(got);
	}
	assert_int_equal(cgroup_enter(&cg, 4242), 0);
	char *procs = slurp(root, "cg/job/vlab-grade-1/alice/cgroup.procs");
	assert_string_equal(procs, "4242");
	free(procs);
	/* a group of that name there already (another grading's): refused,
	 * named, never shared */
	scratch_put(root, "cg/job/vlab-grade-1/bob/cgroup.procs", "");
	assert_int_equal(cgroup_create(&h, "vlab-grade-1", "bob", &lim, &cg, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "bob"));
	assert_int_equal(remove_tree(root), 0);
	free(root);
}

/* v1's files on a fake tree: one group per hierarchy, cpu.shares from the
 * weight (100 -> the default 1024). */
static void test_v1_files(void **state)
{
	(void)state;
	char *root = fake_root();
	struct cgroup_host h = { .version = CGROUP_V1 };
	const char *name[] = { "memory/job", "pids", "cpu" };
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		snprintf(h.dir[k], sizeof(h.dir[k]), "%s/%s", root, name[k]);
	scratch_put(root, "memory/job/tasks", "");
	scratch_put(root, "pids/tasks", "");
	scratch_put(root, "cpu/tasks", "");
	struct cgroup_limits lim = { 512ULL << 20, 100, 100 };
	struct cgroup cg;
	char err[256] = "";
	assert_int_equal(cgroup_create(&h, "p", "s", &lim, &cg, err, sizeof(err)), 0);
	assert_int_equal(cg.ndirs, 3);
	char *a = slurp(root, "memory/job/p/s/memory.limit_in_bytes"), *b = slurp(root, "pids/p/s/pids.max"),
	     *c = slurp(root, "cpu/p/s/cpu.shares"), *d = slurp(root, "memory/job/p/s/memory.memsw.limit_in_bytes");
	assert_string_equal(a, "536870912");
	assert_string_equal(b, "100");
	assert_string_equal(c, "1024");
	assert_string_equal(d, "(missing)"); /* no swap accounting here: not made up */
	free(a);
	free(b);
	free(c);
	free(d);
	assert_int_equal(remove_tree(root), 0);
	free(root);
}

/* For real: this host's own cgroups (v1 on the CI machines), a child in a
 * group of its own, killed with it, the group removed. */
static void test_real_kill(void **state)
{
	(void)state;
	struct cgroup_host h;
	if (geteuid() != 0) {
		print_message("SKIP: making cgroups needs root\n");
		skip();
	}
	cgroup_host_detect("", &h);
	if (h.version == CGROUP_NONE) {
		print_message("SKIP: this host has no usable cgroups: %s\n", h.why);
		skip();
	}
	struct cgroup_limits lim = { 256ULL << 20, 16, 100 };
	struct cgroup cg;
	char err[256] = "", parent[64];
	snprintf(parent, sizeof(parent), "vlab-test-%d", (int)getpid());
	int r = cgroup_create(&h, parent, "kill-me", &lim, &cg, err, sizeof(err));
	if (r)
		fail_msg("%s", err);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		default_fault_signals();
		pause();
		_exit(0);
	}
	assert_int_equal(cgroup_enter(&cg, pid), 0);
	char dirs[CG_NCONTROLLERS][600];
	memcpy(dirs, cg.dir, sizeof(dirs));
	assert_int_equal(cgroup_kill_remove(&cg, 2000), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	struct stat sst;
	for (int k = 0; k < (h.version == CGROUP_V1 ? CG_NCONTROLLERS : 1); k++)
		assert_int_equal(stat(dirs[k], &sst), -1);
	cgroup_remove_parent(&h, parent);
	for (int k = 0; k < (h.version == CGROUP_V1 ? CG_NCONTROLLERS : 1); k++) {
		char *p = xasprintf("%s/%s", h.dir[k], parent);
		assert_int_equal(stat(p, &sst), -1);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_ci),
		cmocka_unit_test(test_v1_joined_and_namespaced),
		cmocka_unit_test(test_v2_debian),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_v2_files),
		cmocka_unit_test(test_v1_files),
		cmocka_unit_test(test_real_kill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
