/* The lab's network namespace; see ns.h.
 *
 *   ns_create ──▶ CREATED ──ns_enter──▶ INSIDE ──ns_leave──▶ CREATED
 *                    │                     │
 *                    └──────ns_remove◀─────┘  (goes home first when inside)
 *                              │
 *                              ▼
 *                           REMOVED ──ns_remove──▶ REMOVED (idempotent)
 *
 * A userns lab has no way home: ns_enter and ns_leave are no-ops there and
 * ns_remove only closes the fd. */
#include "runner/net/ns.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/net/net.h"
#include "runner/util.h"
#include "runner/files.h"

#define TUN_PATH "/dev/net/tun"

static void init(struct netns *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->fd = -1;
	ns->home_fd = -1;
	ns->cleanup = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int check_run_id(const char *id)
{
	if (!id || !*id)
		return -EINVAL;
	if (strlen(id) + sizeof(".99") > sizeof(((struct netns *)0)->name) - strlen(NS_PREFIX))
		return -ENAMETOOLONG;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return -EINVAL;
	return 0;
}

/* Whether fd names the network namespace this thread is in. */
static bool inside(int fd)
{
	struct stat a, b;

	if (fd < 0 || fstat(fd, &a) < 0 || stat("/proc/thread-self/ns/net", &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A one-line sysctl value as a number, -1 when it cannot be read. */
static long long read_sysctl(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t v = -1;

	if (read_file(path, &sb) == 0 && sb.len &&
	    parse_i64(rtrim(sb.buf), INT64_MIN, INT64_MAX, &v) < 0)
		v = -1;
	sb_release(&sb);
	return v;
}

/* Bring lo up in the lab namespace: a fresh namespace has it down, and
 * pinging one's own 10.0.0.1 goes over lo. */
static int lo_up(struct netns *ns)
{
	struct net *n = NULL;
	int r;

	if (!ns->userns && setns(ns->fd, CLONE_NEWNET) < 0)
		return -errno;
	r = net_open(&n);   /* the socket is bound to the lab namespace */
	if (!ns->userns && setns(ns->home_fd, CLONE_NEWNET) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = net_link_set_up(n, "lo", true);
	net_close(n);
	return r;
}

/* /run/netns as iproute2 leaves it: a mount point of its own, shared, so the
 * bind mounts made under it propagate into mount namespaces made later (an
 * `ip netns exec` shell, a container) and vice versa. A lock on the
 * directory keeps two of us from stacking mounts on it at once (iproute2
 * saw that lock a system up, Debian #949235). */
static int prepare_run_dir(void)
{
	bool made_mount = false;
	int lock, r = 0;

	if (mkdir(NS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	lock = open(NS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return -errno;
	flock(lock, LOCK_EX);   /* refused: go on unlocked, as iproute2 does */
	while (mount("", NS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet; make it one, once */
		if (errno != EINVAL || made_mount) {
			r = -errno;
			break;
		}
		if (mount(NS_RUN_DIR, NS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0) {
			r = -errno;
			break;
		}
		made_mount = true;
	}
	close(lock);
	return r;
}

/* A child unshares a new network namespace and bind-mounts it onto path, so
 * it outlives the child; this process never leaves its own. The child only
 * makes raw system calls (we may have threads). */
static int bind_new_netns(const char *path, const char **stage)
{
	int pipefd[2], status, rep[2] = { 0, 0 };
	sigset_t all, old;
	ssize_t got;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	/* The child runs with every signal blocked: a second Ctrl-C must not
	 * run the registry's emergency path in it too. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		int msg[2] = { 0, 0 };

		close(pipefd[0]);
		if (unshare(CLONE_NEWNET) < 0) {
			msg[0] = 1;
			msg[1] = errno;
		} else if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
			msg[0] = 2;
			msg[1] = errno;
		}
		if (write(pipefd[1], msg, sizeof(msg)) < 0)
			_exit(1);
		_exit(msg[0] ? 1 : 0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		int e = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		*stage = "fork";
		return -e;
	}
	close(pipefd[1]);
	do
		got = read(pipefd[0], rep, sizeof(rep));
	while (got < 0 && errno == EINTR);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(rep)) {
		*stage = "namespace helper";
		return -EIO;
	}
	if (rep[0]) {
		*stage = rep[0] == 1 ? "unshare(CLONE_NEWNET)" : "bind mount";
		return -rep[1];
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*stage = "namespace helper";
		return -EIO;
	}
	return 0;
}

static void cleanup_cb(void *arg)
{
	ns_remove(arg);
}

static int create_named(struct netns *ns, const char *run_id, char *err, size_t errlen)
{
	const char *stage = "";
	int fd, r;

	ns->home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns->home_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open /proc/thread-self/ns/net: %s", strerror(-r));
		goto fail;
	}
	r = prepare_run_dir();
	if (r < 0) {
		snprintf(err, errlen, "cannot prepare %s for network namespaces: %s",
			 NS_RUN_DIR, strerror(-r));
		goto fail;
	}
	/* vlab-RUNID, claimed by O_EXCL; run ids are unique within one run
	 * base, so a taken name is another base's run (VLAB_RUN_DIR) or one
	 * that a killed vlab left: the next of vlab-RUNID.1 .. .99 is taken */
	fd = -EEXIST;
	for (int k = 0; k < 100 && fd == -EEXIST; k++) {
		if (k)
			snprintf(ns->name, sizeof(ns->name), NS_PREFIX "%s.%d", run_id, k);
		else
			snprintf(ns->name, sizeof(ns->name), NS_PREFIX "%s", run_id);
		snprintf(ns->path, sizeof(ns->path), NS_RUN_DIR "/%s", ns->name);
		fd = open(ns->path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0) {
		r = fd;
		if (r == -EEXIST)
			snprintf(err, errlen, "network namespaces '" NS_PREFIX "%s' and '.1' to '.99' after it exist "
				 "already: `vlab clean` removes what an earlier run left", run_id);
		else
			snprintf(err, errlen, "cannot create '%s': %s", ns->path, strerror(-r));
		goto fail;
	}
	close(fd);
	r = bind_new_netns(ns->path, &stage);
	if (r < 0) {
		snprintf(err, errlen, "cannot create network namespace '%s': %s: %s",
			 ns->name, stage, strerror(-r));
		unlink(ns->path);
		goto fail;
	}
	ns->named = true;
	ns->fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", ns->path, strerror(-r));
		goto fail_remove;
	}
	r = cleanup_add_callback(cleanup_cb, ns, ns->name);
	if (r < 0) {
		snprintf(err, errlen, "cannot register network namespace '%s' for cleanup: %s",
			 ns->name, strerror(-r));
		goto fail_remove;
	}
	ns->cleanup = r;
	/* an out-now stop (a separate second signal) unmounts and unlinks it
	 * from the handler; the namespace goes with its last process */
	cleanup_set_emergency(r, EMERGENCY_NETNS, ns->path);
	r = lo_up(ns);
	if (r < 0) {
		snprintf(err, errlen, "cannot set lo up in '%s': %s", ns->name, strerror(-r));
		goto fail_remove;
	}
	return 0;
fail_remove:
	ns_remove(ns);
fail:
	close_fd(&ns->fd);
	close_fd(&ns->home_fd);
	init(ns);
	return r;
}

/* Why the kernel said no to a user namespace, and what would let it. */
static void describe_userns_refusal(int r, char *err, size_t errlen)
{
	long long clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
	long long aa = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	long long max = read_sysctl("/proc/sys/user/max_user_namespaces");
	const char *what = "cannot create a user and network namespace";

	if (r == -EINVAL)
		snprintf(err, errlen, "%s: this process has threads, and unshare(CLONE_NEWUSER) "
			 "needs a single-threaded one", what);
	else if (max == 0)
		snprintf(err, errlen, "%s: user.max_user_namespaces is 0: run vlab as root, "
			 "or sysctl -w user.max_user_namespaces=15000", what);
	else if (r == -ENOSPC || r == -EUSERS)
		snprintf(err, errlen, "%s: all %lld allowed by user.max_user_namespaces are in use: "
			 "run vlab as root, or raise it (sysctl -w user.max_user_namespaces=N)",
			 what, max);
	else if (clone == 0)
		snprintf(err, errlen, "%s: unprivileged user namespaces are disabled "
			 "(kernel.unprivileged_userns_clone=0): run vlab as root, or "
			 "sysctl -w kernel.unprivileged_userns_clone=1", what);
	else if (aa == 1)
		snprintf(err, errlen, "%s: AppArmor restricts unprivileged user namespaces "
			 "(kernel.apparmor_restrict_unprivileged_userns=1): run vlab as root, or "
			 "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0", what);
	else
		snprintf(err, errlen, "%s: %s (a seccomp filter or container may forbid it): "
			 "run vlab as root, or allow unprivileged user namespaces "
			 "(kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)",
			 what, strerror(-r));
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return (size_t)n == strlen(text) ? 0 : -EIO;
}

/* After a uid change without exec a process is not dumpable, and its /proc
 * files (uid_map, setgroups) then belong to root: say so when that is why. */
static const char *dumpable_hint(void)
{
	return prctl(PR_GET_DUMPABLE) == 0 ? " (this process changed its uid and is not "
		"dumpable, so its /proc/self files are root's: PR_SET_DUMPABLE 1 first)" : "";
}

static int create_userns(struct netns *ns, char *err, size_t errlen)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int r;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		r = -errno;
		describe_userns_refusal(r, err, errlen);
		return r;
	}
	/* From here on this process is in the new namespaces for good. */
	ns->userns = true;
	/* An unprivileged writer of gid_map must first give up setgroups(2)
	 * (user_namespaces(7), since Linux 3.19). */
	r = write_proc("/proc/self/setgroups", "deny");
	if (r < 0 && r != -ENOENT) {
		snprintf(err, errlen, "cannot write /proc/self/setgroups: %s%s", strerror(-r),
			 dumpable_hint());
		goto fail;
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	r = write_proc("/proc/self/uid_map", map);
	if (r == 0) {
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		r = write_proc("/proc/self/gid_map", map);
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot map uid %u and gid %u to root in the new user namespace: %s%s",
			 (unsigned int)uid, (unsigned int)gid, strerror(-r), dumpable_hint());
		goto fail;
	}
	ns->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open /proc/self/ns/net: %s", strerror(-r));
		goto fail;
	}
	r = lo_up(ns);
	if (r < 0) {
		snprintf(err, errlen, "cannot set lo up in the lab namespace: %s", strerror(-r));
		goto fail;
	}
	return 0;
fail:
	close_fd(&ns->fd);
	init(ns);
	return r;
}

int ns_create(struct netns *ns, const char *run_id, char *err, size_t errlen)
{
	int r;

	init(ns);
	if (errlen)
		err[0] = '\0';
	r = check_run_id(run_id);
	if (r < 0) {
		snprintf(err, errlen, "bad run id '%s' for a network namespace name", run_id ? run_id : "");
		return r;
	}
	if (geteuid() == 0)
		return create_named(ns, run_id, err, errlen);
	return create_userns(ns, err, errlen);
}

int ns_enter(struct netns *ns)
{
	if (ns->userns)
		return 0;
	if (ns->fd < 0)
		return -EBADF;
	return setns(ns->fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int ns_leave(struct netns *ns)
{
	if (ns->userns)
		return 0;
	if (ns->home_fd < 0)
		return -EBADF;
	return setns(ns->home_fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

/* umount2 + unlink of /run/netns/<name>; -ENOENT when neither is there. */
static int remove_path(const char *path)
{
	bool gone = false;

	/* EINVAL: not a mount point (any more); ENOENT: no file */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL) {
		if (errno != ENOENT)
			return -errno;
		gone = true;
	}
	if (unlink(path) < 0) {
		if (errno != ENOENT)
			return -errno;
		gone = true;
	}
	return gone ? -ENOENT : 0;
}

int ns_remove(struct netns *ns)
{
	int r = 0;

	if (ns->cleanup >= 0) {
		cleanup_forget(ns->cleanup);
		ns->cleanup = -1;
	}
	if (ns->named) {
		/* a thread left inside would keep the namespace alive */
		if (ns->home_fd >= 0 && inside(ns->fd))
			setns(ns->home_fd, CLONE_NEWNET);
		if (ns->path[0]) {
			r = remove_path(ns->path);
			if (r == -ENOENT)
				r = 0;
		}
	}
	close_fd(&ns->fd);
	close_fd(&ns->home_fd);
	return r;
}

int ns_remove_named(const char *name)
{
	char path[128];

	if (!name || !starts_with(name, NS_PREFIX) || strlen(name) >= 64 || strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), NS_RUN_DIR "/%s", name);
	return remove_path(path);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ns_list_vlab(char names[][64], size_t max, size_t *n)
{
	char **found = NULL;
	size_t count = 0;
	struct dirent *de;
	DIR *dir;

	*n = 0;
	dir = opendir(NS_RUN_DIR);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (!starts_with(de->d_name, NS_PREFIX) || strlen(de->d_name) >= 64)
			continue;
		found = xrealloc(found, (count + 1) * sizeof(*found));
		found[count++] = xstrdup(de->d_name);
	}
	closedir(dir);
	if (count)
		qsort(found, count, sizeof(*found), by_name);
	for (size_t i = 0; i < count; i++) {
		if (i < max)
			snprintf(names[i], 64, "%s", found[i]);
		free(found[i]);
	}
	free(found);
	*n = count;
	return 0;
}

/* Whether CapEff in /proc/self/status has CAP_NET_ADMIN. */
static bool have_net_admin(void)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long caps = 0;
	const char *p;

	if (read_file("/proc/self/status", &sb) == 0 && (p = strstr(sb_str(&sb), "\nCapEff:")))
		caps = strtoull(p + strlen("\nCapEff:"), NULL, 16);
	sb_release(&sb);
	return caps & (1ULL << CAP_NET_ADMIN);
}

/* The initial user namespace maps all of 0..2^32-2 onto itself. */
static bool in_initial_userns(void)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long inside_id, outside_id, count;
	bool initial = false;

	if (read_file("/proc/self/uid_map", &sb) == 0 &&
	    sscanf(sb_str(&sb), "%llu %llu %llu", &inside_id, &outside_id, &count) == 3)
		initial = inside_id == 0 && outside_id == 0 && count == 4294967295ULL;
	sb_release(&sb);
	return initial;
}

/* The owner of a node as the fix text should name it. Inside a user
 * namespace an unmapped owner (root, for a device node) shows as the
 * overflow uid. */
static void owner_name(uid_t uid, char *buf, size_t n)
{
	long long overflow = read_sysctl("/proc/sys/kernel/overflowuid");

	if (uid == 0 || ((long long)uid == overflow && !in_initial_userns()))
		snprintf(buf, n, "root");
	else
		snprintf(buf, n, "uid %u", (unsigned int)uid);
}

int ns_tun_usable(char *err, size_t errlen)
{
	struct stat st;
	char owner[32];
	int fd, r;

	if (errlen)
		err[0] = '\0';
	fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			snprintf(err, errlen, TUN_PATH " is missing: modprobe tun, or "
				 "mknod -m 0666 " TUN_PATH " c 10 200");
		else if (r == -ENXIO || r == -ENODEV)
			snprintf(err, errlen, TUN_PATH " has no driver behind it: modprobe tun");
		else if ((r == -EACCES || r == -EPERM) && stat(TUN_PATH, &st) == 0) {
			owner_name(st.st_uid, owner, sizeof(owner));
			snprintf(err, errlen, TUN_PATH " is mode %04o owned by %s: run vlab as root, "
				 "or chmod 0666 " TUN_PATH " as Debian ships it",
				 (unsigned int)(st.st_mode & 07777), owner);
		} else
			snprintf(err, errlen, "cannot open " TUN_PATH ": %s", strerror(-r));
		return r;
	}
	close(fd);
	/* TUNSETIFF wants CAP_NET_ADMIN over the namespace. Root without it
	 * is a container that dropped it; a user gets it from ns_create's
	 * user namespace, so for a user it is not asked here, and this may
	 * run before ns_create. */
	if (geteuid() == 0 && !have_net_admin()) {
		snprintf(err, errlen, "root without CAP_NET_ADMIN cannot create taps: "
			 "give vlab CAP_NET_ADMIN (a container: --cap-add NET_ADMIN)");
		return -EPERM;
	}
	return 0;
}
