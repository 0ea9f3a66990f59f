/* The grading sandbox; see sandbox.h for its shape and why. */
#include "runner/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/net.h"
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
	if ((own && unlink(p) < 0) || symlink(target, p) < 0 || lchown(p, uid, uid) < 0)
		r = -errno;
	else
		note(sb, "%s is the image's %s, placed under the lab's name%s", name, target,
		     own ? " (the submission's own copy set aside)" : "");
	free(p);
	return r;
}

/* ---- inside the pid namespace ------------------------------------------- */

/* The sandbox's /dev: a tmpfs with the few nodes a script and qemu use. */
static int private_dev(bool kvm)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {
		{ "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
		{ "/dev/net/tun", 10, 200 }, { "/dev/kvm", 10, 232 },
	};
	if (mount("vlab-dev", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return -errno;
	if (mkdir("/dev/net", 0755) < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		if (!kvm && !strcmp(nodes[i].name, "/dev/kvm"))
			continue;
		if (mknod(nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0 ||
		    chmod(nodes[i].name, 0666) < 0)
			return -errno;
	}
	if (symlink("/proc/self/fd", "/dev/fd") < 0 || symlink("/proc/self/fd/0", "/dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", "/dev/stdout") < 0 || symlink("/proc/self/fd/2", "/dev/stderr") < 0)
		return -errno;
	return 0;
}

/* Fresh tmpfs over the host's world-writable directories (/tmp, /var/tmp,
 * /run/lock; /dev/shm went with the host's /dev): whatever the script
 * writes there stays in the sandbox and goes with it. keep (vlab's own
 * binary, which the shims link to) stays reachable at its path when it lies
 * below one of them: that one file is bound back, read-only, so the path
 * /proc/PID/exe shows is the same as outside. */
static int private_tmp(const char *keep)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp", "/run/lock" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct stat st;
		if (lstat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		size_t dl = strlen(dirs[i]);
		bool below = keep && !strncmp(keep, dirs[i], dl) && keep[dl] == '/';
		int keep_fd = below ? open(keep, O_PATH | O_CLOEXEC) : -1;
		if (below && keep_fd < 0)
			return -errno;
		int r = 0;
		if (mount("vlab-tmp", dirs[i], "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m") < 0)
			r = -errno;
		if (!r && below) {
			char *parent = xstrdup(keep), from[64];
			*strrchr(parent, '/') = '\0';
			int fd = -1;
			snprintf(from, sizeof(from), "/proc/self/fd/%d", keep_fd);
			if ((r = mkdir_p(parent, 0755)) == 0 &&
			    ((fd = open(keep, O_WRONLY | O_CREAT | O_CLOEXEC, 0755)) < 0 ||
			     mount(from, keep, NULL, MS_BIND, NULL) < 0 ||
			     mount(NULL, keep, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0))
				r = -errno;
			if (fd >= 0)
				close(fd);
			free(parent);
		}
		if (keep_fd >= 0)
			close(keep_fd);
		if (r)
			return r;
	}
	return 0;
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };
	setrlimit(res, &rl);
}

/* The script's process: never returns. */
static void run_script(const struct sandbox_spec *spec, const struct sandbox *sb)
{
	int out = spec->output_fd;
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(125);
	setsid();
	set_limit(RLIMIT_NPROC, (rlim_t)spec->nproc);
	set_limit(RLIMIT_CPU, (rlim_t)spec->cpu_s);
	set_limit(RLIMIT_FSIZE, (rlim_t)spec->fsize);
	set_limit(RLIMIT_CORE, 0);
	gid_t gid = (gid_t)spec->uid;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(spec->uid, spec->uid, spec->uid) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		dprintf(2, "vlab: cannot drop to uid %d in the sandbox: %s\n", (int)spec->uid, strerror(errno));
		_exit(125);
	}
	if (getuid() == 0 || geteuid() == 0)
		_exit(125);
	if (chdir(sb->work) < 0) {
		dprintf(2, "vlab: cannot enter %s: %s\n", sb->work, strerror(errno));
		_exit(125);
	}
	char *path = xasprintf("PATH=%s/../bin:/usr/local/bin:/usr/bin:/bin", sb->work);
	char *home = xasprintf("HOME=%s", sb->work);
	char *envp[64];
	int n = 0;
	envp[n++] = path;
	envp[n++] = home;
	envp[n++] = (char *)"LANG=C.UTF-8";
	envp[n++] = (char *)"TERM=dumb";
	for (char *const *e = spec->env; e && *e && n < 62; e++)
		envp[n++] = *e;
	envp[n] = NULL;
	char *script = xasprintf("./%s", spec->script);
	char *argv[] = { script, NULL };
	execve(script, argv, envp);
	int e = errno;
	dprintf(2, "vlab: cannot run %s: %s\n", spec->script, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* The pid namespace's init: never returns. */
static void run_init(const struct sandbox_spec *spec, const struct sandbox *sb, int status_w, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* getppid() is 0 for a pid namespace's init: whether the worker died
	 * before the prctl shows as its end of our pipe being closed */
	struct pollfd alive = { .fd = status_w, .events = 0 };
	if (poll(&alive, 1, 0) > 0 && (alive.revents & (POLLERR | POLLHUP)))
		_exit(1);
	(void)parent;
	setpgid(0, 0);
	/* its own mount namespace: /proc, /sys (its links are the sandbox's
	 * network namespace's) and /dev of the sandbox's,
	 * while the worker keeps the host's */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    private_dev(spec->dev_kvm) < 0 || private_tmp(spec->vlab_exe) < 0) {
		int st = 125 << 8;
		dprintf(2, "vlab: cannot prepare the sandbox's mounts: %s\n", strerror(errno));
		if (write(status_w, &st, sizeof(st)) < 0)
			_exit(1);
		_exit(1);
	}
	pid_t script = fork();
	if (script < 0)
		_exit(1);
	if (script == 0) {
		close(status_w);
		run_script(spec, sb);
	}
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p == script) {
			if (write(status_w, &st, sizeof(st)) < 0)
				_exit(1);
		} else if (p < 0 && errno == ECHILD) {
			pause();  /* until the worker's SIGKILL */
		}
	}
}

/* ---- the worker's side --------------------------------------------------- */

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

int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen)
{
	memset(sb, 0, sizeof(*sb));
	sb->status_fd = -1;
	sb->cleanup = -1;
	uid_t uid = spec->uid;
	int r = 0;
	char *dsub = sub(spec->root, "sub"), *dimg = sub(spec->root, "img"), *upper = sub(spec->root, "upper");
	char *ovl = sub(spec->root, "ovl"), *bin = sub(spec->root, "bin"), *opts = NULL;
	snprintf(sb->work, sizeof(sb->work), "%s/work", spec->root);
	snprintf(sb->shim_dir, sizeof(sb->shim_dir), "%s/shim", spec->root);
	snprintf(sb->root, sizeof(sb->root), "%s", spec->root);
	if (mkdir(spec->root, 0755) < 0) {
		r = fail(err, errlen, -errno, "cannot make the sandbox %s", spec->root);
		goto out;
	}
	const char *dirs[] = { dsub, dimg, upper, ovl, bin, sb->work, sb->shim_dir };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (mkdir(dirs[i], 0755) < 0) {
			r = fail(err, errlen, -errno, "cannot make %s", dirs[i]);
			goto out;
		}
	}
	if (chown(upper, uid, uid) < 0 || chown(sb->shim_dir, uid, uid) < 0) {
		r = fail(err, errlen, -errno, "cannot give the sandbox to uid %d", (int)uid);
		goto out;
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
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(spec->submission, dsub, NULL, MS_BIND | MS_REC, NULL) < 0 ||
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
	/* qemu opens the rootfs read-write as the script's uid: this copies it
	 * up into this run's layer, the image's own file untouched */
	char *rootfs = sub(sb->work, spec->lab_rootfs), *script = sub(sb->work, spec->script);
	r = chown(rootfs, uid, uid) < 0 ? -errno : 0;
	if (r == 0 && chown(script, uid, uid) < 0 && errno != ENOENT)
		r = -errno;
	free(rootfs);
	free(script);
	if (r) {
		fail(err, errlen, r, "cannot give the sandbox's rootfs copy to uid %d", (int)uid);
		goto out;
	}
	if ((r = network(uid, err, errlen)))
		goto out;

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = fail(err, errlen, -errno, "pipe");
		goto out;
	}
	if (unshare(CLONE_NEWPID) < 0) {
		r = fail(err, errlen, -errno, "cannot make the sandbox's pid namespace");
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	pid_t me = getpid();
	fflush(NULL);
	pid_t init = fork();
	if (init < 0) {
		r = fail(err, errlen, -errno, "fork");
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	if (init == 0) {
		close(pfd[0]);
		run_init(spec, sb, pfd[1], me);
	}
	close(pfd[1]);
	sb->init = init;
	sb->status_fd = pfd[0];
	setpgid(init, init);  /* as the child does: no race on who is first */
	sb->cleanup = cleanup_add_process(init, "the sandbox's init");
	sb->pidns = ns_inode(init, "pid");
out:
	if (r)
		sandbox_unmount(sb);
	free(dsub);
	free(dimg);
	free(upper);
	free(ovl);
	free(bin);
	free(opts);
	return r;
}

int sandbox_unmount(struct sandbox *sb);

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
		/* the init is gone: so is the script */
		sb->script_status = 125 << 8;
		sb->script_exited = true;
	}
	return sb->script_exited;
}

/* Whether /proc/PID/status's NSpid ends in inner (the pid in the innermost
 * namespace). */
static bool nspid_is(pid_t pid, pid_t inner)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	struct strbuf sb = STRBUF_INIT;
	bool yes = false;
	if (read_file(p, &sb) == 0) {
		const char *l = strstr(sb_str(&sb), "\nNSpid:");
		if (l) {
			const char *end = strchr(l + 1, '\n');
			const char *last = end ? end : l + strlen(l);
			while (last > l && (last[-1] == '\n' || last[-1] == ' '))
				last--;
			const char *start = last;
			while (start > l && start[-1] != '\t' && start[-1] != ' ')
				start--;
			int64_t v;
			char num[24];
			snprintf(num, sizeof(num), "%.*s", (int)(last - start), start);
			yes = parse_i64(num, 1, INT_MAX, &v) == 0 && v == inner;
		}
	}
	sb_release(&sb);
	return yes;
}

/* Processes of the sandbox's pid namespace: fills up to max pids. */
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

pid_t sandbox_host_pid(const struct sandbox *sb, pid_t inner_pid)
{
	pid_t pids[256];
	int n = ns_members(sb, pids, (int)ARRAY_SIZE(pids));
	for (int i = 0; i < n && i < (int)ARRAY_SIZE(pids); i++)
		if (nspid_is(pids[i], inner_pid))
			return pids[i];
	return 0;
}

int sandbox_stop(struct sandbox *sb, int *left)
{
	*left = 0;
	if (sb->init <= 0)
		return 0;
	kill(sb->init, SIGKILL);
	int st;
	while (waitpid(sb->init, &st, 0) < 0 && errno == EINTR)
		;
	if (sb->cleanup >= 0)
		cleanup_forget(sb->cleanup);
	sb->cleanup = -1;
	/* the kernel kills the rest as the init dies; give it a moment */
	int64_t deadline = now_ms() + 2000;
	pid_t pids[8];
	while ((*left = ns_members(sb, pids, (int)ARRAY_SIZE(pids))) > 0 && ms_left(deadline) > 0)
		poll(NULL, 0, 20);
	sandbox_script_exited(sb);
	if (sb->status_fd >= 0)
		close(sb->status_fd);
	sb->status_fd = -1;
	sb->init = 0;
	return sandbox_unmount(sb);
}

int sandbox_unmount(struct sandbox *sb)
{
	/* before ROOT is removed: a tree walk must never reach the
	 * submission or the image through their (read-only) binds */
	static const char *const mounts[] = { "work", "sub", "img" };
	int r = 0;
	for (size_t i = 0; sb->root[0] && i < ARRAY_SIZE(mounts); i++) {
		char *p = sub(sb->root, mounts[i]);
		if (umount2(p, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			r = -errno;
		free(p);
	}
	return r;
}

int sandbox_claim_uid(uid_t *uid, int *fd)
{
	for (int i = 0; i < SANDBOX_UID_COUNT; i++) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "vlab-grade-uid-%d", SANDBOX_UID_BASE + i);
		if (bind(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) == 0) {
			*uid = (uid_t)(SANDBOX_UID_BASE + i);
			*fd = s;
			return 0;
		}
		int e = errno;
		close(s);
		if (e != EADDRINUSE)
			return -e;
	}
	return -EBUSY;
}
