/* The grading sandbox; see sandbox.h for its shape and why. */
#include "runner/grade/sandbox.h"
#include "runner/grade/file_copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "runner/clock.h"
#include "runner/files.h"
#include "checks/lab_plan.h"

/* Detach the overlay, the binds and the disk (idempotent), so ROOT can be
 * removed. */
static int sandbox_unmount(struct sandbox *sb);


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


/* ---- the worker's side --------------------------------------------------- */

static unsigned long ns_inode(pid_t pid, const char *ns)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(p, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static int network(uid_t uid, bool script_network, char *err, size_t errlen)
{
	struct net *n;
	int r = net_open(&n);
	if (r)
		return fail(err, errlen, r, "cannot open netlink in the sandbox's network namespace");
	if (script_network) {
		if ((r = net_link_set_up(n, "lo", true)))
			fail(err, errlen, r, "cannot bring lo up in the sandbox");
	} else if ((r = net_link_set_up(n, "lo", true)) || (r = net_tap_create(LAB_TAP, uid)) ||
	    (r = net_link_set_up(n, LAB_TAP, true)) || (r = net_addr_add(n, LAB_TAP, LAB_HOST_CIDR)))
		fail(err, errlen, r, "cannot make " LAB_TAP " " LAB_HOST_CIDR " in the sandbox");
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

/* The paths below ROOT that sandbox_start makes (sandbox.h's tree). */
struct sandbox_paths {
	char *sub, *img, *disk, *image, *bin, *dev, *sys, *upper, *ovl, *tmp, *vartmp;
};

static void paths_make(struct sandbox_paths *p, const char *root)
{
	p->sub = sub(root, "sub");
	p->img = sub(root, "img");
	p->disk = sub(root, "disk");
	p->image = sub(root, "disk.img");
	p->bin = sub(root, "bin");
	p->dev = sub(root, "dev");
	p->sys = sub(root, "sys");
	p->upper = sub(p->disk, "upper");
	p->ovl = sub(p->disk, "ovl");
	p->tmp = sub(p->disk, "tmp");
	p->vartmp = sub(p->disk, "var-tmp");
}

static void paths_free(struct sandbox_paths *p)
{
	char *const all[] = { p->sub, p->img, p->disk, p->image, p->bin, p->dev,
			      p->sys, p->upper, p->ovl, p->tmp, p->vartmp };
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		free(all[i]);
}

/* The descriptors between the worker and the launcher. */
struct launch_fds {
	int seccomp;
	int status[2];              /* the script's wait status (pipe) */
	int info[2];                /* bwrap's --info-fd (pipe) */
	int chan[2];                /* the qemu shim's channel (socketpair) */
	int net[2];                 /* the ip and brctl shims' channel (socketpair) */
};

/* ROOT and its directories, and the shims in ROOT/bin. */
static int make_tree(const struct sandbox_spec *spec, const struct sandbox *sb, const struct sandbox_paths *p,
		     char *err, size_t errlen)
{
	if (mkdir(spec->root, 0755) < 0)
		return fail(err, errlen, -errno, "cannot make the sandbox %s", spec->root);
	const char *dirs[] = { p->sub, p->img, p->disk, p->bin, p->dev, p->sys, sb->work };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdir(dirs[i], 0755) < 0)
			return fail(err, errlen, -errno, "cannot make %s", dirs[i]);
	const char *shims[] = { SHIM_QEMU_NAME, SHIM_SUDO_NAME, SHIM_IP_NAME, SHIM_BRCTL_NAME };
	for (size_t i = 0; i < ARRAY_SIZE(shims); i++) {
		char *path = sub(p->bin, shims[i]);
		int rr = symlink(spec->vlab_exe, path) < 0 ? -errno : 0;
		free(path);
		if (rr)
			return fail(err, errlen, rr, "cannot make the %s shim", shims[i]);
	}
	return 0;
}

/* This worker's own mount and network namespaces, for good. */
static int enter_namespaces(char *err, size_t errlen)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		return fail(err, errlen, -errno, "cannot make the sandbox's namespaces (vlab grade runs as root)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(err, errlen, -errno, "cannot make the sandbox's mounts private");
	return 0;
}

/* The scratch disk on ROOT/disk and its layers, the sandbox uid's where
 * they are the script's. */
static int make_scratch_disk(const struct sandbox_spec *spec, const struct sandbox *sb,
			     const struct sandbox_paths *p, char *err, size_t errlen)
{
	uid_t uid = spec->uid;
	char why[512];
	int r = scratch_disk_mount(p->image, p->disk, spec->disk_bytes, why, sizeof(why));
	if (r) {
		snprintf(err, errlen, "cannot make the sandbox's disk: %s", why);
		return r;
	}
	struct {
		const char *path;
		mode_t mode;
		bool theirs;
	} layer[] = { { p->upper, 0755, true }, { p->ovl, 0700, false }, { sb->shim_dir, 0755, true },
		      { p->tmp, 01777, true }, { p->vartmp, 01777, true } };
	for (size_t i = 0; i < ARRAY_SIZE(layer); i++) {
		if (mkdir(layer[i].path, layer[i].mode) < 0 || chmod(layer[i].path, layer[i].mode) < 0 ||
		    (layer[i].theirs && chown(layer[i].path, uid, uid) < 0))
			return fail(err, errlen, -errno, "cannot make %s for uid %u", layer[i].path, (unsigned)uid);
	}
	return 0;
}

/* A second VM's rootfs: the image's copied whole under spec->lab_rootfs2
 * into this run's layer (a copy the student handed in set aside, as
 * lab_name does), the uid's. */
static int second_rootfs(const struct sandbox_spec *spec, struct sandbox *sb, const struct sandbox_paths *p,
			 char *err, size_t errlen)
{
	int src = open(p->img, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dst = open(sb->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	bool own = dst >= 0 && fstatat(dst, spec->lab_rootfs2, &st, AT_SYMLINK_NOFOLLOW) == 0;
	int r = src < 0 || dst < 0 || (own && unlinkat(dst, spec->lab_rootfs2, 0) < 0) ? -errno : 0;
	if (!r)
		r = file_copy_new(src, spec->rootfs, dst, spec->lab_rootfs2, spec->uid);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	if (r)
		return fail(err, errlen, r, "cannot copy the image's %s to %s for the second VM", spec->rootfs,
			    spec->lab_rootfs2);
	note(sb, "%s is a copy of the image's %s, the second VM's own%s", spec->lab_rootfs2, spec->rootfs,
	     own ? " (the submission's own copy set aside)" : "");
	return 0;
}

/* ROOT/work: the submission and the image bound read-only, the overlay
 * over them, the lab's names, the rootfs copy and the script the uid's. */
static int mount_work(const struct sandbox_spec *spec, struct sandbox *sb, const struct sandbox_paths *p, char *err,
		      size_t errlen)
{
	uid_t uid = spec->uid;
	if (mount(spec->submission, p->sub, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, p->sub, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0 ||
	    mount(spec->image_dir, p->img, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, p->img, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return fail(err, errlen, -errno, "cannot bind %s and %s into the sandbox", spec->submission,
			    spec->image_dir);
	/* the paths are vlab's own (no ',' or ':' from the submission's name) */
	char *opts = xasprintf("lowerdir=%s:%s,upperdir=%s,workdir=%s", p->img, p->sub, p->upper, p->ovl);
	int r = mount("vlab-work", sb->work, "overlay", MS_NOSUID | MS_NODEV, opts) < 0 ? -errno : 0;
	free(opts);
	if (r)
		return fail(err, errlen, r, "cannot mount the sandbox's overlay on %s", sb->work);
	if ((r = lab_name(sb, spec->lab_kernel, spec->kernel, uid)) || (r = lab_name(sb, spec->lab_rootfs, spec->rootfs, uid)))
		return fail(err, errlen, r, "cannot place the image's files under the lab's names");
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
	if (r)
		return fail(err, errlen, r, "cannot give the sandbox's rootfs copy to uid %u", (unsigned)uid);
	return spec->lab_rootfs2 ? second_rootfs(spec, sb, p, err, errlen) : 0;
}

/* ROOT/dev's nodes, ROOT/sys, and the network namespace's lo and tap0. */
static int devices_and_network(const struct sandbox_spec *spec, struct sandbox *sb, const struct sandbox_paths *p,
			       char *err, size_t errlen)
{
	int r = device_nodes(p->dev, spec->uid, spec->dev_kvm);
	if (r)
		return fail(err, errlen, r, "cannot make the sandbox's /dev/net/tun in %s", p->dev);
	/* sysfs mounted from this network namespace lists its links */
	if (mount("sysfs", p->sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail(err, errlen, -errno, "cannot mount the sandbox's /sys");
	if ((r = network(spec->uid, spec->script_network, err, errlen)))
		return r;
	if (spec->script_network) {
		note(sb, "the script's ip and brctl commands on the lab's links (tap0..tap3, br0, br1) were applied by "
			 "vlab in the sandbox's network namespace, which started with lo alone; others were refused");
		return 0;
	}
	note(sb, "tap0 (up, 10.0.0.1/24) is vlab's, made before the script ran: the lab's own ip tuntap, ip link and "
		 "ip addr commands for it are refused in the sandbox and need not succeed");
	return 0;
}

/* The sandbox's cgroup (when the host has cgroups), in the ledger too:
 * `vlab clean` removes what a SIGKILLed grading left (sandbox_stop removes
 * them in the normal course). */
static int make_cgroup(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen)
{
	int r;
	if (spec->cgroups && spec->cgroups->version != CGROUP_NONE &&
	    (r = cgroup_create(spec->cgroups, spec->cgroup_parent, spec->cgroup_name, &spec->limits, &sb->cgroup, err,
			       errlen)))
		return r;
	for (int k = 0; k < sb->cgroup.ndirs; k++)
		cleanup_add_cgroup(sb->cgroup.dir[k]);
	return 0;
}

/* The compiled seccomp filter, then the pipes and the shim's channel. */
static int open_channels(struct launch_fds *fds, char *err, size_t errlen)
{
	char why[512];
	if ((fds->seccomp = seccomp_filter_fd(why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s", why);
		return fds->seccomp;
	}
	int one = 1;
	if (pipe2(fds->status, O_CLOEXEC) < 0 || pipe2(fds->info, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds->chan) < 0 ||
	    setsockopt(fds->chan[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds->net) < 0 ||
	    setsockopt(fds->net[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return fail(err, errlen, -errno, "the sandbox's pipes");
	return 0;
}

/* Fork the launcher (it execs bwrap), keep the worker's ends, and wait for
 * bwrap to name the pid namespace's init. */
static int start_launcher(const struct sandbox_spec *spec, struct sandbox *sb, char **argv, char **envp,
			  struct launch_fds *fds, char *err, size_t errlen)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return fail(err, errlen, -errno, "fork");
	if (pid == 0)
		sandbox_launch(spec, &sb->cgroup, argv, envp, fds->status[1], fds->info[1], fds->seccomp, fds->chan[1],
			       fds->net[1]);
	setpgid(pid, pid);  /* as the child does: no race on who is first */
	sb->launcher = pid;
	sb->cleanup = cleanup_add_process(pid, "the sandbox (bwrap)");
	close(fds->status[1]);
	close(fds->info[1]);
	close(fds->chan[1]);
	close(fds->net[1]);
	fds->status[1] = fds->info[1] = fds->chan[1] = fds->net[1] = -1;
	sb->status_fd = fds->status[0];
	sb->shim_fd = fds->chan[0];
	sb->net_fd = fds->net[0];
	fds->status[0] = fds->chan[0] = fds->net[0] = -1;
	sb->init = sandbox_read_child_pid(fds->info[0], 10000);
	if (sb->init <= 0) {
		int st = 0;
		bool gone = proc_exited(pid, &st);
		snprintf(err, errlen, "bubblewrap did not start the sandbox%s (its words are in script.log)",
			 gone ? "" : " within 10 s");
		if (gone) {
			sb->launcher = 0;
			cleanup_forget(sb->cleanup);
			sb->cleanup = -1;
		}
		return -ECHILD;
	}
	return 0;
}

/* The started sandbox's pid namespace and its uid map, for the report. */
static void read_namespace_facts(struct sandbox *sb)
{
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
}

/* A start that failed leaves nothing running: the launcher killed, the
 * worker's ends closed, the cgroup and the mounts gone. */
static void undo_start(struct sandbox *sb)
{
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
	if (sb->net_fd >= 0)
		close(sb->net_fd);
	sb->status_fd = sb->shim_fd = sb->net_fd = -1;
	cgroup_kill_remove(&sb->cgroup, 2000);
	sandbox_unmount(sb);
}

static void close_launch_fds(struct launch_fds *fds)
{
	for (int k = 0; k < 2; k++) {
		if (fds->status[k] >= 0)
			close(fds->status[k]);
		if (fds->info[k] >= 0)
			close(fds->info[k]);
		if (fds->chan[k] >= 0)
			close(fds->chan[k]);
		if (fds->net[k] >= 0)
			close(fds->net[k]);
	}
	if (fds->seccomp >= 0)
		close(fds->seccomp);
}

int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen)
{
	memset(sb, 0, sizeof(*sb));
	sb->status_fd = -1;
	sb->shim_fd = -1;
	sb->net_fd = -1;
	sb->cleanup = -1;
	struct sandbox_paths paths;
	paths_make(&paths, spec->root);
	struct launch_fds fds = { -1, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
	char **argv = NULL, **envp = NULL;
	snprintf(sb->work, sizeof(sb->work), "%s/work", spec->root);
	snprintf(sb->shim_dir, sizeof(sb->shim_dir), "%s/" SANDBOX_SHIM_DIR, spec->root);
	snprintf(sb->root, sizeof(sb->root), "%s", spec->root);
	int r;
	if ((r = make_tree(spec, sb, &paths, err, errlen)) || (r = enter_namespaces(err, errlen)) ||
	    (r = make_scratch_disk(spec, sb, &paths, err, errlen)) || (r = mount_work(spec, sb, &paths, err, errlen)) ||
	    (r = devices_and_network(spec, sb, &paths, err, errlen)) || (r = make_cgroup(spec, sb, err, errlen)) ||
	    (r = open_channels(&fds, err, errlen)))
		goto out;
	argv = sandbox_bwrap_argv(spec, spec->root);
	envp = sandbox_env(spec, paths.bin, sb->work);
	r = start_launcher(spec, sb, argv, envp, &fds, err, errlen);
	if (r == 0)
		read_namespace_facts(sb);
out:
	if (r)
		undo_start(sb);
	close_launch_fds(&fds);
	sandbox_strv_free(argv);
	sandbox_strv_free(envp);
	paths_free(&paths);
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
	if (sb->net_fd >= 0)
		close(sb->net_fd);
	sb->status_fd = sb->shim_fd = sb->net_fd = -1;
	sb->init = 0;
	sb->launcher = 0;
	return sandbox_unmount(sb);
}

static int sandbox_unmount(struct sandbox *sb)
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
