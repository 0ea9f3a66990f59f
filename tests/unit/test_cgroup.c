/* runner/cgroup: which cgroups a host has, from captured /proc files; v2's
 * path logic and files on a fake cgroupfs; v1 for real where it is mounted
 * (the CI machines), a process killed with its group. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/grade/cgroup.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"
#include "tests/unit/fake_cgroupfs.h"
#include "tests/unit/child.h"

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

static void assert_file(const char *root, const char *rel, const char *want)
{
	char *got = slurp(root, rel);
	if (strcmp(got, want))
		fail_msg("%s holds '%s', want '%s'", rel, got, want);
	free(got);
}

static bool there(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	bool yes = access(p, F_OK) == 0;
	free(p);
	return yes;
}

static void v2_host(struct cgroup_host *h, const char *own)
{
	memset(h, 0, sizeof(*h));
	h->version = CGROUP_V2;
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		snprintf(h->dir[k], sizeof(h->dir[k]), "%s", own);
}

/* v2 on a fake cgroupfs that keeps the kernel's no-internal-process rule:
 * vlab, a member of its own group, moves into a leaf before the controllers
 * go on; the sandbox's limits and its pid; everything undone after, vlab
 * back where it was. Turning the controllers on in vlab's own group while
 * vlab is in it, as vlab once did, is refused here as on a real v2 host. */
static void test_v2_layout(void **state)
{
	(void)state;
	char *root = fake_root(), *hier = xasprintf("%s/cg", root), *own = xasprintf("%s/cg/job", root);
	char self[32], err[512] = "";
	snprintf(self, sizeof(self), "%d\n", (int)getpid());
	fake_cgroupfs_start(hier, own, self);
	assert_int_equal(fake_write(own, "cgroup.subtree_control", "+memory +pids +cpu"), -EBUSY);

	struct cgroup_host h;
	v2_host(&h, own);
	if (cgroup_prepare_parent(&h, "vlab-grade-1", err, sizeof(err)))
		fail_msg("cgroup_prepare_parent: %s", err);
	assert_int_equal(h.version, CGROUP_V2);
	assert_file(root, "cg/job/cgroup.procs", "");
	assert_file(root, "cg/job/vlab-grade-1.vlab/cgroup.procs", self);
	assert_file(root, "cg/job/cgroup.subtree_control", "cpu memory pids");
	assert_file(root, "cg/job/vlab-grade-1/cgroup.subtree_control", "cpu memory pids");
	assert_file(root, "cg/job/vlab-grade-1/cgroup.procs", "");

	struct cgroup_limits lim = { 1ULL << 30, 512, 50 };
	struct cgroup cg;
	if (cgroup_create(&h, "vlab-grade-1", "alice", &lim, &cg, err, sizeof(err)))
		fail_msg("cgroup_create: %s", err);
	assert_int_equal(cg.ndirs, 1);
	assert_file(root, "cg/job/vlab-grade-1/alice/memory.max", "1073741824");
	assert_file(root, "cg/job/vlab-grade-1/alice/pids.max", "512");
	assert_file(root, "cg/job/vlab-grade-1/alice/cpu.weight", "50");
	/* a pid that is not ours (nothing here signals it) */
	char sandboxed[32];
	snprintf(sandboxed, sizeof(sandboxed), "%d", (int)getpid() + 1);
	assert_int_equal(cgroup_enter(&cg, getpid() + 1), 0);
	char *listed = xasprintf("%s\n", sandboxed);
	assert_file(root, "cg/job/vlab-grade-1/alice/cgroup.procs", listed);
	free(listed);
	/* a group of that name there already (another grading's): refused,
	 * named, never shared */
	struct cgroup other;
	char *bob = xasprintf("%s/vlab-grade-1/bob", own);
	assert_int_equal(fake_mkdir(bob), 0);
	assert_int_equal(cgroup_create(&h, "vlab-grade-1", "bob", &lim, &other, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "bob"));
	assert_int_equal(fake_rmdir(bob), 0);
	free(bob);

	/* the sandbox's process gone (its pid dropped, as the kernel does) */
	fake_drop_pid(hier, sandboxed);
	assert_int_equal(cgroup_kill_remove(&cg, 100), 0);
	cgroup_remove_parent(&h, "vlab-grade-1");
	assert_false(there(root, "cg/job/vlab-grade-1"));
	assert_false(there(root, "cg/job/vlab-grade-1.vlab"));
	assert_file(root, "cg/job/cgroup.subtree_control", "");
	assert_file(root, "cg/job/cgroup.procs", self);
	assert_string_equal(h.leaf, "");
	assert_string_equal(h.enabled, "");
	fake_cgroupfs_stop();
	assert_int_equal(remove_tree(root), 0);
	free(own);
	free(hier);
	free(root);
}

/* vlab's group shared with another process (the login shell it was started
 * from): the kernel refuses the controllers whatever vlab does with itself.
 * Nothing is left, vlab is back, and grading goes on without limits,
 * saying why and what to do. */
static void test_v2_shared_group(void **state)
{
	(void)state;
	char *root = fake_root(), *hier = xasprintf("%s/cg", root), *own = xasprintf("%s/cg/job", root);
	char members[64], self[32], err[512] = "";
	snprintf(self, sizeof(self), "%d\n", (int)getpid());
	snprintf(members, sizeof(members), "%d\n%s", (int)getpid() + 1, self); /* another's, then ours */
	fake_cgroupfs_start(hier, own, members);
	struct cgroup_host h;
	v2_host(&h, own);
	assert_int_equal(cgroup_prepare_parent(&h, "vlab-grade-2", err, sizeof(err)), -EBUSY);
	assert_int_equal(h.version, CGROUP_NONE);
	assert_contains(err, "1 other process shares vlab's cgroup");
	assert_contains(err, "no-internal-process rule");
	assert_contains(err, "systemd-run --scope");
	assert_string_equal(h.why, err);
	assert_file(root, "cg/job/cgroup.procs", members);
	assert_file(root, "cg/job/cgroup.subtree_control", "");
	assert_false(there(root, "cg/job/vlab-grade-2"));
	assert_false(there(root, "cg/job/vlab-grade-2.vlab"));
	/* and then as with no cgroups at all */
	struct cgroup cg;
	struct cgroup_limits lim = { 1ULL << 30, 512, 100 };
	assert_int_equal(cgroup_create(&h, "vlab-grade-2", "x", &lim, &cg, err, sizeof(err)), 0);
	assert_int_equal(cg.ndirs, 0);
	fake_cgroupfs_stop();
	assert_int_equal(remove_tree(root), 0);
	free(own);
	free(hier);
	free(root);
}

/* vlab in the hierarchy's root, which may hold processes and has the
 * controllers on already: only vlab moves, nothing is turned on, so
 * nothing is turned off after. */
static void test_v2_root_group(void **state)
{
	(void)state;
	char *root = fake_root(), *hier = xasprintf("%s/cg", root);
	char members[64], err[512] = "";
	snprintf(members, sizeof(members), "1\n%d\n", (int)getpid());
	fake_cgroupfs_start(hier, hier, members);
	struct cgroup_host h;
	v2_host(&h, hier);
	if (cgroup_prepare_parent(&h, "vlab-grade-3", err, sizeof(err)))
		fail_msg("cgroup_prepare_parent: %s", err);
	assert_string_equal(h.enabled, "");
	assert_file(root, "cg/cgroup.procs", "1\n");
	cgroup_remove_parent(&h, "vlab-grade-3");
	assert_file(root, "cg/cgroup.subtree_control", "cpu memory pids\n");
	assert_file(root, "cg/cgroup.procs", members);
	assert_false(there(root, "cg/vlab-grade-3.vlab"));
	fake_cgroupfs_stop();
	assert_int_equal(remove_tree(root), 0);
	free(hier);
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

/* A cgroup write the host refuses as such, not vlab's doing: a cgroupfs
 * mounted read-only (EROFS), or one not ours to write (EACCES, EPERM: a
 * user namespace's root). Those skip, naming it; anything else, EBUSY
 * above all (the no-internal-process rule broken), fails. */
static void skip_if_host_refuses(int r, const char *err)
{
	if (r == -EROFS || r == -EACCES || r == -EPERM) {
		print_message("SKIP: this host's cgroup filesystem is %s: %s\n",
			      r == -EROFS ? "mounted read-only" : "not writable by this process", err);
		skip();
	}
}

/* For real: this host's own cgroups (v1 on the CI machines), a child in a
 * group of its own, killed with it, the group removed; on v2, the layout
 * of cgroup_prepare_parent made and undone. */
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
	char err[512] = "", parent[64];
	snprintf(parent, sizeof(parent), "vlab-test-%d", (int)getpid());
	int r = cgroup_prepare_parent(&h, parent, err, sizeof(err));
	skip_if_host_refuses(r, err);
	if (r == -EBUSY && strstr(err, "share vlab's cgroup")) {
		/* the kernel's rule, kept by vlab, against a host where this
		 * test is not alone in its group (make, the shell) */
		print_message("SKIP: this test's cgroup v2 group holds other processes, so the kernel gives its "
			      "children no controllers: %s\n", err);
		skip();
	}
	if (r)
		fail_msg("%s", err);
	r = cgroup_create(&h, parent, "kill-me", &lim, &cg, err, sizeof(err));
	if (r)
		cgroup_remove_parent(&h, parent);
	skip_if_host_refuses(r, err);
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
	if (h.version == CGROUP_V2)
		assert_true(h.leaf[0] == '\0' && h.enabled[0] == '\0');
}

/* ---- v2 for real, on a private mount of the cgroup2 hierarchy ---- */

static int cg_put(const char *dir, const char *file, const char *text)
{
	char *p = xasprintf("%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return -errno;
	int r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -errno;
	close(fd);
	return r;
}

/* In own, a group holding only this process: the kernel's rule as vlab
 * once broke it, then vlab's layout made, a process killed in its sandbox,
 * and all undone. */
static const char *v2_layout_steps(const char *own, const char *self)
{
	struct cgroup_host h;
	struct cgroup cg;
	struct cgroup_limits lim = { 256ULL << 20, 16, 100 };
	char err[512] = "";
	int r = cg_put(own, "cgroup.subtree_control", "+memory");
	CHILD_CHECK(r == -EBUSY, "memory turned on in a group holding a process: %d, not EBUSY", r);
	v2_host(&h, own);
	r = cgroup_prepare_parent(&h, "vlab-grade-real", err, sizeof(err));
	CHILD_CHECK(r == 0, "cgroup_prepare_parent: %.400s", err);
	r = cgroup_create(&h, "vlab-grade-real", "s", &lim, &cg, err, sizeof(err));
	CHILD_CHECK(r == 0, "cgroup_create: %.400s", err);
	pid_t pid = fork();
	if (pid == 0) {
		default_fault_signals();
		pause();
		_exit(0);
	}
	CHILD_CHECK(pid > 0 && cgroup_enter(&cg, pid) == 0, "cgroup_enter failed");
	CHILD_CHECK(cgroup_kill_remove(&cg, 2000) == 0, "a process outlived its sandbox's group");
	waitpid(pid, NULL, 0);
	cgroup_remove_parent(&h, "vlab-grade-real");
	char *procs = slurp(own, "cgroup.procs"), *want = xasprintf("%s\n", self);
	bool back = !strcmp(procs, want);
	free(want);
	CHILD_CHECK(back && !h.leaf[0] && !h.enabled[0], "after: %.100s lists '%.40s', leaf '%.100s', enabled '%s'",
		    own, procs, h.leaf, h.enabled);
	free(procs);
	return NULL;
}

static const char *child_v2_for_real(void *arg)
{
	const char *mnt = arg;
	char own[256], sub[128] = "", self[24];
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("none", mnt, "cgroup2", 0, NULL) < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: cannot mount cgroup2 in a private mount namespace: %s",
			 strerror(errno));
		return child_msg;
	}
	char *sc = xasprintf("%s/cgroup.subtree_control", mnt);
	read_line_at("", sc, sub, sizeof(sub));
	free(sc);
	if (!fake_word(sub, "memory") || !fake_word(sub, "pids") || !fake_word(sub, "cpu")) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: the cgroup v2 root here gives its children %s%s%s, not "
			 "memory, pids and cpu (cgroup v1 hierarchies hold them)", sub[0] ? "'" : "",
			 sub[0] ? sub : "no controllers", sub[0] ? "'" : "");
		return child_msg;
	}
	/* a group of this process's own below the root, which has them on */
	snprintf(own, sizeof(own), "%s/vlab-test-v2-%d", mnt, (int)getpid());
	snprintf(self, sizeof(self), "%d", (int)getpid());
	CHILD_CHECK(mkdir(own, 0755) == 0, "mkdir %.200s: %s", own, strerror(errno));
	const char *m = cg_put(own, "cgroup.procs", self) ? "cannot move into a group of its own" :
		v2_layout_steps(own, self);
	cg_put(mnt, "cgroup.procs", self);
	rmdir(own);
	return m;
}

static char cg2_mnt[64];

static int remove_cg2_mnt(void **state)
{
	(void)state;
	if (cg2_mnt[0])
		rmdir(cg2_mnt);
	cg2_mnt[0] = '\0';
	return 0;
}

static void test_real_v2(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP: mounting cgroup2 and making groups need root\n");
		skip();
	}
	snprintf(cg2_mnt, sizeof(cg2_mnt), "/tmp/vlab-cg2.XXXXXX");
	if (!mkdtemp(cg2_mnt)) {
		cg2_mnt[0] = '\0';
		fail_msg("mkdtemp: %s", strerror(errno));
	}
	run_child(child_v2_for_real, cg2_mnt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_ci),
		cmocka_unit_test(test_v1_joined_and_namespaced),
		cmocka_unit_test(test_v2_debian),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_v2_layout),
		cmocka_unit_test(test_v2_shared_group),
		cmocka_unit_test(test_v2_root_group),
		cmocka_unit_test(test_v1_files),
		cmocka_unit_test(test_real_kill),
		cmocka_unit_test_teardown(test_real_v2, remove_cg2_mnt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
