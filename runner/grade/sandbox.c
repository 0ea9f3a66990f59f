/* The grading sandbox; see sandbox.h for its shape and why. */
#include "runner/grade/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <jansson.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/net/net.h"
#include "runner/proc.h"
#include "runner/grade/scratch_disk.h"
#include "runner/grade/seccomp_filter.h"
#include "runner/grade/shim.h"
#include "runner/util.h"

#define LAB_TAP_NAME "tap0"
#define LAB_HOST_CIDR "10.0.0.1/24"

static int fail(char *err, size_t errlen, int r, const char *fmt, ...) PRINTF_LIKE(4, 5);
static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", msg, strerror(-r));
	return r;
}

static void note(struct sandbox *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void note(struct sandbox *sb, const char *fmt, ...)
{
	if (sb->nnotes >= SANDBOX_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sb->notes[sb->nnotes++], sizeof(sb->notes[0]), fmt, ap);
	va_end(ap);
}

static char *sub(const char *root, const char *name)
{
	return xasprintf("%s/%s", root, name);
}

/* The lab's name for an image file, as a relative symlink in the merged
 * directory, unless the submission or the image has that name already. */
static int lab_name(struct sandbox *sb, const char *name, const char *target, uid_t uid)
{
	if (!strcmp(name, target))
		return 0;
	char *p = sub(sb->work, name);
	struct stat st;
	int r = 0;
	/* a copy the student handed in is set aside (a whiteout in this run's
	 * layer): every submission is graded on the same guest */
	bool own = lstat(p, &st) == 0;
	if ((own && unlink(p) < 0) || symlink(target, p) < 0 || fchownat(AT_FDCWD, p, uid, uid, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	else
		note(sb, "%s is the image's %s, placed under the lab's name%s", name, target,
		     own ? " (the submission's own copy set aside)" : "");
	free(p);
	return r;
}


/* ---- inside: vlab --sandbox-init ------------------------------------------ */

int sandbox_init_main(int argc, char **argv)
{
	int64_t fd;
	if (argc != 4 || parse_i64(argv[2], 3, 1023, &fd)) {
		fprintf(stderr, "vlab: --sandbox-init is vlab grade's own (STATUS_FD SCRIPT)\n");
		return 125;
	}
	pid_t script = fork();
	if (script < 0)
		return 125;
	if (script == 0) {
		close((int)fd);
		char *args[] = { argv[3], NULL };
		execv(argv[3], args);
		int e = errno;
		dprintf(2, "vlab: cannot run %s: %s\n", argv[3], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p == script) {
			if (write((int)fd, &st, sizeof(st)) < 0)
				_exit(1);
		} else if (p < 0 && errno == ECHILD) {
			pause();  /* until the worker ends the sandbox */
		}
	}
}

/* ---- the worker's side --------------------------------------------------- */

/* Descriptors as the launcher hands them to bwrap (and bwrap on). */
enum { FD_STATUS = 3, FD_INFO = 4, FD_SECCOMP = 5, FD_SHIM = 6, FD_FIRST_FREE = 7 };

static void add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, sizeof(char *) * (*n + 2));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static void add2(char ***v, size_t *n, const char *a, const char *b)
{
	add(v, n, a);
	add(v, n, b);
}

static void add3(char ***v, size_t *n, const char *a, const char *b, const char *c)
{
	add(v, n, a);
	add(v, n, b);
	add(v, n, c);
}

/* bwrap's command line for a sandbox below root (see sandbox.h). */
char **sandbox_bwrap_argv(const struct sandbox_spec *spec, const char *root)
{
	char **v = NULL;
	size_t n = 0;
	char buf[4200], buf2[4200];
	add(&v, &n, spec->bwrap);
	add(&v, &n, "--unshare-user");
	add2(&v, &n, "--uid", "0");
	add2(&v, &n, "--gid", "0");
	add(&v, &n, "--disable-userns");
	add(&v, &n, "--unshare-pid");
	/* vlab's init is the pid namespace's init: unkillable from inside
	 * (the kernel drops signals from its own namespace to an init without
	 * handlers), so a script's kill -9 $PPID cannot end the sandbox */
	add(&v, &n, "--as-pid-1");
	add(&v, &n, "--unshare-ipc");
	add(&v, &n, "--unshare-uts");
	add(&v, &n, "--unshare-cgroup-try");
	add2(&v, &n, "--hostname", "vlab-sandbox");
	add(&v, &n, "--die-with-parent");
	add(&v, &n, "--new-session");
	add2(&v, &n, "--cap-drop", "ALL");
	snprintf(buf, sizeof(buf), "%d", FD_INFO);
	add2(&v, &n, "--info-fd", buf);
	snprintf(buf, sizeof(buf), "%d", FD_SECCOMP);
	add2(&v, &n, "--seccomp", buf);
	/* the host's programs and libraries, read-only; merged-/usr links
	 * as they are on the host */
	add3(&v, &n, "--ro-bind", "/usr", "/usr");
	static const char *const top[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	for (size_t i = 0; i < ARRAY_SIZE(top); i++) {
		struct stat st;
		if (lstat(top[i], &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			ssize_t l = readlink(top[i], buf, sizeof(buf) - 1);
			if (l <= 0)
				continue;
			buf[l] = '\0';
			add3(&v, &n, "--symlink", buf, top[i]);
		} else if (S_ISDIR(st.st_mode)) {
			add3(&v, &n, "--ro-bind", top[i], top[i]);
		}
	}
	/* what a shell script and qemu read of /etc: users and groups (so
	 * `id` names root), the loader's cache, Debian's alternatives (awk,
	 * editor, ...), the time zone and hosts, and the scripts qemu runs for
	 * a -netdev tap without script=no (/etc/qemu-ifup, which ends well
	 * when tap0 is up already) */
	static const char *const etc[] = { "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ld.so.cache",
					   "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
					   "/etc/hosts", "/etc/host.conf", "/etc/os-release", "/etc/bash.bashrc",
					   "/etc/qemu-ifup", "/etc/qemu-ifdown", "/etc/qemu" };
	for (size_t i = 0; i < ARRAY_SIZE(etc); i++)
		add3(&v, &n, "--ro-bind-try", etc[i], etc[i]);
	add2(&v, &n, "--proc", "/proc");
	add2(&v, &n, "--dev", "/dev");
	add2(&v, &n, "--size", "67108864");
	add2(&v, &n, "--tmpfs", "/dev/shm");
	snprintf(buf, sizeof(buf), "%s/dev/tun", root);
	add3(&v, &n, "--dev-bind", buf, "/dev/net/tun");
	if (spec->dev_kvm) {
		snprintf(buf, sizeof(buf), "%s/dev/kvm", root);
		add3(&v, &n, "--dev-bind", buf, "/dev/kvm");
	}
	snprintf(buf, sizeof(buf), "%s/sys", root);
	add3(&v, &n, "--ro-bind", buf, "/sys");
	add2(&v, &n, "--size", "16777216");
	add2(&v, &n, "--tmpfs", "/run");
	snprintf(buf, sizeof(buf), "%s/disk/tmp", root);
	add3(&v, &n, "--bind", buf, "/tmp");
	snprintf(buf, sizeof(buf), "%s/disk/var-tmp", root);
	add3(&v, &n, "--bind", buf, "/var/tmp");
	/* the same absolute paths inside as outside */
	snprintf(buf, sizeof(buf), "%s/work", root);
	add3(&v, &n, "--bind", buf, buf);
	snprintf(buf, sizeof(buf), "%s/" SANDBOX_SHIM_DIR, root);
	add3(&v, &n, "--bind", buf, buf);
	snprintf(buf, sizeof(buf), "%s/bin", root);
	add3(&v, &n, "--ro-bind", buf, buf);
	add3(&v, &n, "--ro-bind", spec->vlab_exe, spec->vlab_exe);
	/* the directories bwrap made on /run to bind the above are no
	 * place to write */
	add2(&v, &n, "--remount-ro", "/run");
	snprintf(buf, sizeof(buf), "%s/work", root);
	add2(&v, &n, "--chdir", buf);
	add(&v, &n, "--");
	add(&v, &n, spec->vlab_exe);
	add(&v, &n, "--sandbox-init");
	snprintf(buf, sizeof(buf), "%d", FD_STATUS);
	snprintf(buf2, sizeof(buf2), "./%s", spec->script);
	add2(&v, &n, buf, buf2);
	return v;
}

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };
	setrlimit(res, &rl);
}

/* fd onto want, through a number above every wanted one, so that moving
 * one never closes another still to be moved. */
static int lift(int fd)
{
	return fcntl(fd, F_DUPFD, 16);
}

/* The launcher: the worker's child that becomes bwrap. Never returns. */
static void launch(const struct sandbox_spec *spec, const struct sandbox *sb, char **argv, char **envp, int status_w,
		   int info_w, int seccomp_fd, int shim_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	if (cgroup_enter(&sb->cgroup, getpid()) < 0) {
		dprintf(spec->output_fd, "vlab: cannot move the sandbox into its cgroup: %s\n", strerror(errno));
		_exit(125);
	}
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int a = lift(status_w), b = lift(info_w), c = lift(seccomp_fd), d = lift(shim_fd), out = lift(spec->output_fd);
	if (in < 0 || a < 0 || b < 0 || c < 0 || d < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || dup2(a, FD_STATUS) < 0 || dup2(b, FD_INFO) < 0 || dup2(c, FD_SECCOMP) < 0 ||
	    dup2(d, FD_SHIM) < 0)
		_exit(125);
	/* nothing else of the worker's reaches the sandbox */
	if (close_range(FD_FIRST_FREE, ~0U, 0) < 0)
		_exit(125);
	set_limit(RLIMIT_NPROC, (rlim_t)spec->nproc);
	set_limit(RLIMIT_CPU, (rlim_t)spec->cpu_s);
	set_limit(RLIMIT_FSIZE, (rlim_t)spec->fsize);
	set_limit(RLIMIT_CORE, 0);
	gid_t gid = (gid_t)spec->uid;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(spec->uid, spec->uid, spec->uid) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		dprintf(2, "vlab: cannot drop to uid %u for the sandbox: %s\n", (unsigned)spec->uid, strerror(errno));
		_exit(125);
	}
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0)
		_exit(125);
	execve(argv[0], argv, envp);
	dprintf(2, "vlab: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(125);
}

static unsigned long ns_inode(pid_t pid, const char *ns)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(p, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static int network(uid_t uid, char *err, size_t errlen)
{
	struct net *n;
	int r = net_open(&n);
	if (r)
		return fail(err, errlen, r, "cannot open netlink in the sandbox's network namespace");
	if ((r = net_link_set_up(n, "lo", true)) || (r = net_tap_create(LAB_TAP_NAME, uid)) ||
	    (r = net_link_set_up(n, LAB_TAP_NAME, true)) || (r = net_addr_add(n, LAB_TAP_NAME, LAB_HOST_CIDR)))
		fail(err, errlen, r, "cannot make " LAB_TAP_NAME " " LAB_HOST_CIDR " in the sandbox");
	net_close(n);
	return r;
}

/* ROOT/dev: tun (and kvm) for the sandbox's uid alone; a tmpfs of root's,
 * so its device nodes open (bwrap binds them in). */
static int device_nodes(const char *dir, uid_t uid, bool kvm)
{
	if (mount("vlab-dev", dir, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return -errno;
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = { { "tun", 10, 200 }, { "kvm", 10, 232 } };
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		if (!kvm && !strcmp(nodes[i].name, "kvm"))
			continue;
		char *p = sub(dir, nodes[i].name);
		int r = 0;
		if (mknod(p, S_IFCHR | 0600, makedev(nodes[i].maj, nodes[i].min)) < 0 || chown(p, uid, uid) < 0 ||
		    chmod(p, 0600) < 0)
			r = -errno;
		free(p);
		if (r)
			return r;
	}
	return 0;
}

/* bwrap's --info-fd: {"child-pid": N, ...}, N the pid namespace's init. */
static pid_t read_child_pid(int fd, int64_t timeout_ms)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t deadline = now_ms() + timeout_ms;
	pid_t pid = 0;
	while (!pid && ms_left(deadline) > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)ms_left(deadline)) <= 0)
			break;
		char buf[512];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || sb.len > 65536)
			break;
		sb_add(&sb, buf, (size_t)n);
		json_t *j = json_loadb(sb.buf, sb.len, 0, NULL);
		if (j) {
			json_int_t v = json_integer_value(json_object_get(j, "child-pid"));
			if (v > 0 && v < INT_MAX)
				pid = (pid_t)v;
			json_decref(j);
		}
	}
	sb_release(&sb);
	return pid;
}

int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen)
{
	memset(sb, 0, sizeof(*sb));
	sb->status_fd = -1;
	sb->shim_fd = -1;
	sb->cleanup = -1;
	uid_t uid = spec->uid;
	int r = 0, seccomp_fd = -1, spipe[2] = { -1, -1 }, ipipe[2] = { -1, -1 }, chan[2] = { -1, -1 };
	char **argv = NULL, **envp = NULL;
	char *dsub = sub(spec->root, "sub"), *dimg = sub(spec->root, "img"), *disk = sub(spec->root, "disk");
	char *image = sub(spec->root, "disk.img"), *bin = sub(spec->root, "bin"), *dev = sub(spec->root, "dev");
	char *sys = sub(spec->root, "sys"), *upper = sub(disk, "upper"), *ovl = sub(disk, "ovl");
	char *tmp = sub(disk, "tmp"), *vartmp = sub(disk, "var-tmp"), *opts = NULL;
	snprintf(sb->work, sizeof(sb->work), "%s/work", spec->root);
	snprintf(sb->shim_dir, sizeof(sb->shim_dir), "%s/" SANDBOX_SHIM_DIR, spec->root);
	snprintf(sb->root, sizeof(sb->root), "%s", spec->root);
	if (mkdir(spec->root, 0755) < 0) {
		r = fail(err, errlen, -errno, "cannot make the sandbox %s", spec->root);
		goto out;
	}
	const char *dirs[] = { dsub, dimg, disk, bin, dev, sys, sb->work };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (mkdir(dirs[i], 0755) < 0) {
			r = fail(err, errlen, -errno, "cannot make %s", dirs[i]);
			goto out;
		}
	}
	const char *shims[] = { "qemu-system-x86_64", "sudo" };
	for (size_t i = 0; i < ARRAY_SIZE(shims); i++) {
		char *p = sub(bin, shims[i]);
		int rr = symlink(spec->vlab_exe, p) < 0 ? -errno : 0;
		free(p);
		if (rr) {
			r = fail(err, errlen, rr, "cannot make the %s shim", shims[i]);
			goto out;
		}
	}

	/* this worker's own mount and network namespaces, for good */
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) {
		r = fail(err, errlen, -errno, "cannot make the sandbox's namespaces (vlab grade runs as root)");
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		r = fail(err, errlen, -errno, "cannot make the sandbox's mounts private");
		goto out;
	}
	char why[512];
	if ((r = scratch_disk_mount(image, disk, spec->disk_bytes, why, sizeof(why)))) {
		snprintf(err, errlen, "cannot make the sandbox's disk: %s", why);
		goto out;
	}
	struct {
		const char *path;
		mode_t mode;
		bool theirs;
	} layer[] = { { upper, 0755, true }, { ovl, 0700, false }, { sb->shim_dir, 0755, true },
		      { tmp, 01777, true }, { vartmp, 01777, true } };
	for (size_t i = 0; i < ARRAY_SIZE(layer); i++) {
		if (mkdir(layer[i].path, layer[i].mode) < 0 || chmod(layer[i].path, layer[i].mode) < 0 ||
		    (layer[i].theirs && chown(layer[i].path, uid, uid) < 0)) {
			r = fail(err, errlen, -errno, "cannot make %s for uid %u", layer[i].path, (unsigned)uid);
			goto out;
		}
	}
	if (mount(spec->submission, dsub, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, dsub, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0 ||
	    mount(spec->image_dir, dimg, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dimg, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
		r = fail(err, errlen, -errno, "cannot bind %s and %s into the sandbox", spec->submission, spec->image_dir);
		goto out;
	}
	/* the paths are vlab's own (no ',' or ':' from the submission's name) */
	opts = xasprintf("lowerdir=%s:%s,upperdir=%s,workdir=%s", dimg, dsub, upper, ovl);
	if (mount("vlab-work", sb->work, "overlay", MS_NOSUID | MS_NODEV, opts) < 0) {
		r = fail(err, errlen, -errno, "cannot mount the sandbox's overlay on %s", sb->work);
		goto out;
	}
	if ((r = lab_name(sb, spec->lab_kernel, spec->kernel, uid)) || (r = lab_name(sb, spec->lab_rootfs, spec->rootfs, uid))) {
		fail(err, errlen, r, "cannot place the image's files under the lab's names");
		goto out;
	}
	/* qemu opens the rootfs read-write as the script's uid: this copies
	 * the image's file (by its own name, never through a link) up into
	 * the sandbox's layer, the image's own file untouched; the script is
	 * handed to the uid the same way */
	int wfd = open(sb->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = wfd < 0 || fchownat(wfd, spec->rootfs, uid, uid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	if (r == 0 && fchownat(wfd, spec->script, uid, uid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
		r = -errno;
	if (wfd >= 0)
		close(wfd);
	if (r) {
		fail(err, errlen, r, "cannot give the sandbox's rootfs copy to uid %u", (unsigned)uid);
		goto out;
	}
	if ((r = device_nodes(dev, uid, spec->dev_kvm))) {
		fail(err, errlen, r, "cannot make the sandbox's /dev/net/tun in %s", dev);
		goto out;
	}
	/* sysfs mounted from this network namespace lists its links */
	if (mount("sysfs", sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		r = fail(err, errlen, -errno, "cannot mount the sandbox's /sys");
		goto out;
	}
	if ((r = network(uid, err, errlen)))
		goto out;
	note(sb, "tap0 (up, 10.0.0.1/24) is vlab's, made before the script ran: the lab's own ip tuntap, ip link and "
		 "ip addr commands for it are refused in the sandbox and need not succeed");
	if (spec->cgroups && spec->cgroups->version != CGROUP_NONE &&
	    (r = cgroup_create(spec->cgroups, spec->cgroup_parent, spec->cgroup_name, &spec->limits, &sb->cgroup, err,
			       errlen)))
		goto out;
	/* in the ledger too: `vlab clean` removes what a SIGKILLed grading
	 * left (sandbox_stop removes them in the normal course) */
	for (int k = 0; k < sb->cgroup.ndirs; k++)
		cleanup_add_path(RES_DIR, sb->cgroup.dir[k]);
	if ((seccomp_fd = seccomp_filter_fd(why, sizeof(why))) < 0) {
		r = seccomp_fd;
		snprintf(err, errlen, "%s", why);
		goto out;
	}
	int one = 1;
	if (pipe2(spipe, O_CLOEXEC) < 0 || pipe2(ipipe, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0 ||
	    setsockopt(chan[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		r = fail(err, errlen, -errno, "the sandbox's pipes");
		goto out;
	}
	argv = sandbox_bwrap_argv(spec, spec->root);
	{
		size_t ne = 0;
		char path[4400], home[4200];
		snprintf(path, sizeof(path), "PATH=%s:/usr/local/bin:/usr/bin:/bin", bin);
		snprintf(home, sizeof(home), "HOME=%s", sb->work);
		add(&envp, &ne, path);
		add(&envp, &ne, home);
		add(&envp, &ne, "LANG=C.UTF-8");
		add(&envp, &ne, "TERM=dumb");
		add(&envp, &ne, "USER=root");
		char chan_env[64];
		snprintf(chan_env, sizeof(chan_env), SHIM_FD_ENV "=%d", FD_SHIM);
		add(&envp, &ne, chan_env);
		for (char *const *e = spec->env; e && *e; e++)
			add(&envp, &ne, *e);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		r = fail(err, errlen, -errno, "fork");
		goto out;
	}
	if (pid == 0)
		launch(spec, sb, argv, envp, spipe[1], ipipe[1], seccomp_fd, chan[1]);
	setpgid(pid, pid);  /* as the child does: no race on who is first */
	sb->launcher = pid;
	sb->cleanup = cleanup_add_process(pid, "the sandbox (bwrap)");
	close(spipe[1]);
	close(ipipe[1]);
	close(chan[1]);
	spipe[1] = ipipe[1] = chan[1] = -1;
	sb->status_fd = spipe[0];
	sb->shim_fd = chan[0];
	spipe[0] = chan[0] = -1;
	sb->init = read_child_pid(ipipe[0], 10000);
	if (sb->init <= 0) {
		int st = 0;
		bool gone = proc_exited(pid, &st);
		r = -ECHILD;
		snprintf(err, errlen, "bubblewrap did not start the sandbox%s (its words are in script.log)",
			 gone ? "" : " within 10 s");
		if (gone) {
			sb->launcher = 0;
			cleanup_forget(sb->cleanup);
			sb->cleanup = -1;
		}
		goto out;
	}
	sb->pidns = ns_inode(sb->init, "pid");
	char mapfile[64];
	snprintf(mapfile, sizeof(mapfile), "/proc/%d/uid_map", (int)sb->init);
	struct strbuf map = STRBUF_INIT;
	/* bwrap names its child before it has written the child's map */
	int64_t map_by = now_ms() + 2000;
	while ((read_file(mapfile, &map) || !map.len) && ms_left(map_by) > 0) {
		sb_reset(&map);
		poll(NULL, 0, 5);
	}
	if (map.len) {
		/* "         0 2046820352          1" -> "0 2046820352 1" */
		char *save = NULL, *tok;
		size_t w = 0;
		for (tok = strtok_r(map.buf ? map.buf : (char *)"", " \t\n", &save); tok && w < sizeof(sb->uid_map);
		     tok = strtok_r(NULL, " \t\n", &save))
			w += (size_t)snprintf(sb->uid_map + w, sizeof(sb->uid_map) - w, "%s%s", w ? " " : "", tok);
	}
	sb_release(&map);
out:
	if (r) {
		if (sb->launcher > 0) {
			kill(-sb->launcher, SIGKILL);
			waitpid(sb->launcher, NULL, 0);
			cleanup_forget(sb->cleanup);
			sb->cleanup = -1;
			sb->launcher = 0;
		}
		if (sb->status_fd >= 0)
			close(sb->status_fd);
		if (sb->shim_fd >= 0)
			close(sb->shim_fd);
		sb->status_fd = sb->shim_fd = -1;
		cgroup_kill_remove(&sb->cgroup, 2000);
		sandbox_unmount(sb);
	}
	for (int k = 0; k < 2; k++) {
		if (spipe[k] >= 0)
			close(spipe[k]);
		if (ipipe[k] >= 0)
			close(ipipe[k]);
		if (chan[k] >= 0)
			close(chan[k]);
	}
	if (seccomp_fd >= 0)
		close(seccomp_fd);
	free_strv(argv);
	free_strv(envp);
	free(dsub);
	free(dimg);
	free(disk);
	free(image);
	free(bin);
	free(dev);
	free(sys);
	free(upper);
	free(ovl);
	free(tmp);
	free(vartmp);
	free(opts);
	return r;
}

bool sandbox_script_exited(struct sandbox *sb)
{
	if (sb->script_exited)
		return true;
	if (sb->status_fd < 0)
		return false;
	struct pollfd p = { .fd = sb->status_fd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return false;
	int st;
	ssize_t n = read(sb->status_fd, &st, sizeof(st));
	if (n == (ssize_t)sizeof(st)) {
		sb->script_status = st;
		sb->script_exited = true;
	} else if (n == 0) {
		/* the sandbox is gone: so is the script */
		sb->script_status = 125 << 8;
		sb->script_exited = true;
	}
	return sb->script_exited;
}

int sandbox_shim_announcement(struct sandbox *sb, int *seq, pid_t *pid)
{
	if (sb->shim_fd < 0)
		return -EBADF;
	char msg[64];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(sb->shim_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	if (n == 0)
		return -EPIPE;  /* every holder of the other end is gone */
	msg[n] = '\0';
	struct ucred cred = { 0 };
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
		else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			/* descriptors a script sent along: closed, never used */
			int *fds = (int *)CMSG_DATA(c);
			size_t nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nf; i++)
				close(fds[i]);
		}
	}
	int64_t v;
	if (strncmp(msg, "qemu-", 5) || parse_i64(msg + 5, 1, 999, &v) || cred.pid <= 0)
		return -EINVAL;
	*seq = (int)v;
	*pid = cred.pid;
	return 0;
}

void sandbox_shim_answer(struct sandbox *sb)
{
	if (sb->shim_fd >= 0)
		(void)!send(sb->shim_fd, "k", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Processes of the sandbox's pid namespace but its init: fills up to max. */
static int ns_members(const struct sandbox *sb, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		int64_t pid;
		if (parse_i64(de->d_name, 1, INT_MAX, &pid))
			continue;
		if (sb->pidns && ns_inode((pid_t)pid, "pid") == sb->pidns && (pid_t)pid != sb->init) {
			if (n < max)
				pids[n] = (pid_t)pid;
			n++;
		}
	}
	closedir(d);
	return n;
}

int sandbox_stop(struct sandbox *sb, int *left)
{
	*left = 0;
	if (sb->launcher <= 0)
		return sandbox_unmount(sb);
	if (sb->init > 0)
		kill(sb->init, SIGKILL);
	/* bwrap ends when its child does; a bwrap that does not is killed */
	int st;
	if (proc_wait(sb->launcher, 5000, &st) != 0) {
		kill(-sb->launcher, SIGKILL);
		while (waitpid(sb->launcher, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (sb->cleanup >= 0)
		cleanup_forget(sb->cleanup);
	sb->cleanup = -1;
	/* the kernel kills the rest as the init dies; give it a moment */
	int64_t deadline = now_ms() + 2000;
	pid_t pids[8];
	while ((*left = ns_members(sb, pids, (int)ARRAY_SIZE(pids))) > 0 && ms_left(deadline) > 0)
		poll(NULL, 0, 20);
	sb->memory_peak = cgroup_memory_peak(&sb->cgroup);
	sb->memory_hit = cgroup_memory_hit(&sb->cgroup);
	int in_cgroup = cgroup_kill_remove(&sb->cgroup, 2000);
	if (in_cgroup > *left)
		*left = in_cgroup;
	sandbox_script_exited(sb);
	if (sb->status_fd >= 0)
		close(sb->status_fd);
	if (sb->shim_fd >= 0)
		close(sb->shim_fd);
	sb->status_fd = sb->shim_fd = -1;
	sb->init = 0;
	sb->launcher = 0;
	return sandbox_unmount(sb);
}

int sandbox_unmount(struct sandbox *sb)
{
	/* before ROOT is removed: a tree walk must never reach the
	 * submission or the image through their (read-only) binds; the
	 * overlay goes before the disk its upper layer lies on */
	static const char *const mounts[] = { "work", "sub", "img", "dev", "sys", "disk" };
	int r = 0;
	for (size_t i = 0; sb->root[0] && i < ARRAY_SIZE(mounts); i++) {
		char *p = sub(sb->root, mounts[i]);
		if (umount2(p, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			r = -errno;
		free(p);
	}
	return r;
}

bool sandbox_uid_delegated(const char *subid_text, uid_t uid)
{
	const char *line = subid_text;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[256];
		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			int64_t start, count;
			if (c2) {
				*c2 = '\0';
				if (parse_i64(c1 + 1, 0, UINT32_MAX, &start) == 0 && parse_i64(c2 + 1, 1, UINT32_MAX, &count) == 0 &&
				    (int64_t)uid >= start && (int64_t)uid < start + count)
					return true;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return false;
}

/* Host uids some process runs under (real, effective, saved, fs): a sorted
 * array. */
static size_t uids_in_use(const char *root, uid_t **out)
{
	char *procdir = xasprintf("%s/proc", root);
	DIR *d = opendir(procdir);
	size_t n = 0, cap = 0;
	*out = NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int64_t pid;
		if (parse_i64(de->d_name, 1, INT_MAX, &pid))
			continue;
		char *p = xasprintf("%s/%s/status", procdir, de->d_name);
		struct strbuf sb = STRBUF_INIT;
		if (read_file(p, &sb) == 0) {
			const char *l = strstr(sb_str(&sb), "\nUid:");
			unsigned long u[4];
			if (l && sscanf(l + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) == 4) {
				for (int k = 0; k < 4; k++) {
					if (n == cap) {
						cap = cap ? cap * 2 : 256;
						*out = xrealloc(*out, cap * sizeof(uid_t));
					}
					(*out)[n++] = (uid_t)u[k];
				}
			}
		}
		sb_release(&sb);
		free(p);
	}
	if (d)
		closedir(d);
	free(procdir);
	return n;
}

static bool uid_listed(const uid_t *v, size_t n, uid_t u)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == u)
			return true;
	return false;
}

int sandbox_claim_uid(const char *root, uid_t *uid, int *fd)
{
	struct strbuf subuid = STRBUF_INIT, subgid = STRBUF_INIT;
	char *a = xasprintf("%s/etc/subuid", root), *b = xasprintf("%s/etc/subgid", root);
	read_file(a, &subuid);
	read_file(b, &subgid);
	free(a);
	free(b);
	uid_t *used;
	size_t nused = uids_in_use(root, &used);
	int r = -EBUSY;
	for (unsigned i = 0; i < SANDBOX_UID_COUNT && r == -EBUSY; i++) {
		uid_t u = (uid_t)(SANDBOX_UID_BASE + i);
		if (sandbox_uid_delegated(sb_str(&subuid), u) || sandbox_uid_delegated(sb_str(&subgid), u) ||
		    (!*root && (getpwuid(u) || getgrgid((gid_t)u))) || uid_listed(used, nused, u))
			continue;
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0) {
			r = -errno;
			break;
		}
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "vlab-grade-uid-%u", (unsigned)u);
		if (bind(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) == 0) {
			*uid = u;
			*fd = s;
			r = 0;
		} else {
			int e = errno;
			close(s);
			if (e != EADDRINUSE)
				r = -e;
		}
	}
	free(used);
	sb_release(&subuid);
	sb_release(&subgid);
	return r;
}
