/* Reading a running qemu from the outside (runner/inspect/qemu_proc.h). */
#include "runner/inspect/qemu_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "checks/procfs_parse.h"
#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"

/* ---- finding qemu ------------------------------------------------------ */

static bool is_qemu_binary(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	return starts_with(base, "qemu-system-") || !strcmp(base, "qemu-kvm");
}

/* A readlink that NUL-terminates; -errno. */
static int read_link(const char *path, char *out, size_t n)
{
	ssize_t len = readlink(path, out, n - 1);
	if (len < 0) {
		out[0] = '\0';
		return -errno;
	}
	out[len] = '\0';
	return 0;
}

void qemu_proc_release(struct qemu_proc *q)
{
	qemu_cmdline_release(&q->cmd);
}

/* The ledger ("resources": runner/cleanup.c) in the directory of path
 * (as qemu resolves it), or up to `up` directories above it. */
static bool ledger_near(const struct qemu_proc *q, const char *path, int up)
{
	char dir[PATH_MAX];
	if (qemu_path_resolve(q->cwd, path, dir, sizeof(dir)))
		return false;
	for (int i = 0; i <= up; i++) {
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			return false;
		*slash = '\0';
		char *ledger = xasprintf("%s/resources", dir);
		bool there = path_exists(ledger);
		free(ledger);
		if (there)
			return true;
	}
	return false;
}

/* vlab's own qemus keep their serial socket in a run directory, next to
 * the run's ledger. The emulated KVM host (runner/vm/kvmhost.h) has its
 * serial port on a file and its channels on sockets named kvmhost-*.sock,
 * in a run directory or in its kvmhost/: it is vlab's too, never a lab
 * built by hand for verify, console or shell to take. */
static bool started_by_vlab(const struct qemu_proc *q)
{
	struct qemu_serial s;
	if (qemu_cmdline_serial(&q->cmd, &s, NULL, 0) == 0 && s.path)
		return ledger_near(q, s.path, 0);
	for (size_t i = 0; i < q->cmd.nopts; i++) {
		const struct qemu_opt *o = &q->cmd.opts[i];
		const char *b = qemu_opt_get(o, "backend");
		const char *path = qemu_opt_get(o, "path");
		const char *name = path ? strrchr(path, '/') : NULL;
		if (o->kind == QOPT_CHARDEV && b && !strcmp(b, "socket") && name && starts_with(name + 1, "kvmhost-") &&
		    ledger_near(q, path, 1))
			return true;
	}
	return false;
}

/* How long ago a process of this start time (clock ticks after boot)
 * started, -1 when the clocks cannot tell. */
static int64_t age_of(uint64_t start_ticks)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &ts))
		return -1;
	int64_t up_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	int64_t start_ms = (int64_t)(start_ticks * 1000 / (uint64_t)hz);
	return up_ms >= start_ms ? up_ms - start_ms : -1;
}

/* /proc/PID/stat's state letter and start time; -errno when unread. */
static int read_stat(pid_t pid, char *state, uint64_t *start_ticks)
{
	char path[64];
	struct strbuf sb = STRBUF_INIT;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int r = read_file(path, &sb);
	if (r == 0 && (procfs_parse_stat_state(sb_str(&sb), state) || procfs_parse_stat_starttime(sb_str(&sb), start_ticks)))
		r = -EINVAL;
	sb_release(&sb);
	return r;
}

bool qemu_proc_still_runs(const struct qemu_proc *q)
{
	char state = 0;
	uint64_t start = 0;
	if (read_stat(q->pid, &state, &start) || state == 'Z' || state == 'X')
		return false;
	return q->start_ticks == 0 || start == q->start_ticks;
}

int qemu_proc_load(pid_t pid, struct qemu_proc *q)
{
	memset(q, 0, sizeof(*q));
	q->pid = pid;
	char path[64];
	struct strbuf sb = STRBUF_INIT;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int r = read_file(path, &sb);
	if (r == 0 && (!sb.len || !is_qemu_binary(sb.buf)))
		r = -ESRCH;
	if (r == 0)
		r = qemu_cmdline_parse_proc(sb.buf, sb.len, &q->cmd);
	sb_release(&sb);
	if (r)
		return r;
	q->age_ms = -1;
	if (read_stat(pid, &q->state, &q->start_ticks) == 0)
		q->age_ms = age_of(q->start_ticks);
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	q->cwd_error = read_link(path, q->cwd, sizeof(q->cwd));
	q->vlab_own = started_by_vlab(q);
	return 0;
}

int64_t qemu_proc_age_now(const struct qemu_proc *q)
{
	return q->age_ms >= 0 ? age_of(q->start_ticks) : -1;
}

/* Every qemu process; *n of them in *out (malloc'd). */
int qemu_procs_find(struct qemu_proc **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	struct dirent *de;
	size_t cap = 0;
	while ((de = readdir(d))) {
		int64_t pid;
		if (parse_i64(de->d_name, 1, INT_MAX, &pid) || pid == getpid())
			continue;
		struct qemu_proc q;
		if (qemu_proc_load((pid_t)pid, &q))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = q;
	}
	closedir(d);
	return 0;
}

/* ---- qemu's fds -------------------------------------------------------- */

/* The inodes of qemu's sockets and the tap its /dev/net/tun fd is
 * attached to. -EACCES when its fds cannot be read (not root). */
int qemu_fds(pid_t pid, unsigned long **socks, size_t *nsocks, char *tap, size_t taplen)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	*socks = NULL;
	*nsocks = 0;
	if (tap)
		tap[0] = '\0';
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *de;
	size_t cap = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[PATH_MAX], target[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_link(path, target, sizeof(target)))
			continue;
		unsigned long ino;
		if (procfs_parse_socket_link(target, &ino) == 0) {
			if (*nsocks == cap) {
				cap = cap ? cap * 2 : 16;
				*socks = xrealloc(*socks, cap * sizeof(**socks));
			}
			(*socks)[(*nsocks)++] = ino;
		} else if (tap && !tap[0] && !strcmp(target, "/dev/net/tun")) {
			struct strbuf info = STRBUF_INIT;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, de->d_name);
			if (read_file(path, &info) == 0)
				procfs_parse_tun_iff(sb_str(&info), tap, taplen);
			sb_release(&info);
		}
	}
	closedir(d);
	return 0;
}

/* Every tap qemu holds open (its /dev/net/tun descriptors' fdinfo "iff:"),
 * at most max; returns how many it found. */
size_t qemu_taps(pid_t pid, char taps[][16], size_t max)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) && n < max) {
		char path[PATH_MAX], target[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || read_link(path, target, sizeof(target)) || strcmp(target, "/dev/net/tun"))
			continue;
		struct strbuf info = STRBUF_INIT;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, de->d_name);
		if (read_file(path, &info) == 0 && procfs_parse_tun_iff(sb_str(&info), taps[n], 16) == 0)
			n++;
		sb_release(&info);
	}
	if (d)
		closedir(d);
	return n;
}

static bool has_inode(const unsigned long *v, size_t n, unsigned long ino)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == ino)
			return true;
	return false;
}

/* The peer of a UNIX socket, by sock_diag (net/unix/diag.c: an exact
 * request by inode, UDIAG_SHOW_PEER); in the namespace the socket lives in. */
int unix_peer_inode(unsigned long ino, unsigned long *peer)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg;
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = ~0u;
	msg.req.udiag_ino = (unsigned)ino;
	msg.req.udiag_show = UDIAG_SHOW_PEER;
	/* INET_DIAG_NOCOOKIE: no cookie to match */
	msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0u;
	int r = -ENOENT;
	if (send(fd, &msg, sizeof(msg), 0) < 0) {
		r = -errno;
		goto out;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 1000) <= 0) {
		r = -ETIMEDOUT;
		goto out;
	}
	long buf[2048];
	ssize_t got = recv(fd, buf, sizeof(buf), 0);
	if (got < 0) {
		r = -errno;
		goto out;
	}
	int len = (int)got;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			r = e->error ? e->error : -ENOENT;
			break;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		const struct unix_diag_msg *m = NLMSG_DATA(h);
		int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
		for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
			if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
				*peer = *(const uint32_t *)RTA_DATA(a);
				r = 0;
			}
		}
		break;
	}
out:
	close(fd);
	return r;
}

/* An embryo socket in a listener's backlog has no inode: net/unix/af_unix.c
 * unix_stream_connect() makes it without a struct socket, and accept()
 * grafts one. */
int unix_wait_accepted(int fd, int64_t timeout_ms)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		unsigned long peer = 0;
		int r = unix_peer_inode((unsigned long)st.st_ino, &peer);
		if (r)
			return r;
		if (peer)
			return 1;
		if (ms_left(deadline) <= 0 || cleanup_stop_requested())
			return 0;
		poll(NULL, 0, 20);
	}
}

/* "socat (pid 4242)": the process holding the socket with that inode. */
static void name_holder(unsigned long ino, pid_t not_pid, char *out, size_t n)
{
	out[0] = '\0';
	char want[64];
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *de;
	while (!out[0] && (de = readdir(d))) {
		int64_t pid;
		if (parse_i64(de->d_name, 1, INT_MAX, &pid) || pid == not_pid)
			continue;
		char dir[64];
		snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
		DIR *fds = opendir(dir);
		if (!fds)
			continue;
		struct dirent *fe;
		while ((fe = readdir(fds))) {
			char path[PATH_MAX], target[64];
			snprintf(path, sizeof(path), "%s/%s", dir, fe->d_name);
			if (fe->d_name[0] == '.' || read_link(path, target, sizeof(target)) || strcmp(target, want))
				continue;
			struct strbuf comm = STRBUF_INIT;
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
			read_file(path, &comm);
			snprintf(out, n, "%s (pid %d)", comm.len ? rtrim(comm.buf) : "a process", (int)pid);
			sb_release(&comm);
			break;
		}
		closedir(fds);
	}
	closedir(d);
}

/* /proc/PID/net/unix of pid (its network namespace's UNIX sockets), into
 * *out (malloc'd). */
static int read_net_unix(pid_t pid, struct unix_sock **out, size_t *n)
{
	char path[64];
	struct strbuf text = STRBUF_INIT;
	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/net/unix", (int)pid);
	int r = read_file(path, &text);
	if (r == 0) {
		procfs_parse_net_unix(sb_str(&text), NULL, 0, n);
		*out = xcalloc(*n ? *n : 1, sizeof(**out));
		procfs_parse_net_unix(sb_str(&text), *out, *n, n);
	}
	sb_release(&text);
	return r;
}

/* Whether fd (a namespace's) is the file at path. */
static bool same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* One process of each network namespace there is (pids[0] is ours): a
 * socket lives in the namespace of the process that made it, and an
 * accepted UNIX socket is made by the connecting client (af_unix.c
 * unix_stream_connect() creates it in the client's namespace), so qemu's
 * side of a connection shows in the client's /proc/net/unix, not qemu's. */
static size_t netns_representatives(pid_t *pids, size_t max)
{
	ino_t seen[256];
	size_t n = 0;
	struct stat st;
	if (max && stat("/proc/self/ns/net", &st) == 0) {
		seen[n] = st.st_ino;
		pids[n++] = getpid();
	}
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && n < max && n < ARRAY_SIZE(seen) && (de = readdir(d))) {
		int64_t pid;
		char p[64];
		if (parse_i64(de->d_name, 1, INT_MAX, &pid))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
		if (stat(p, &st) < 0)
			continue;
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = seen[i] == st.st_ino;
		if (!known) {
			seen[n] = st.st_ino;
			pids[n++] = (pid_t)pid;
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* Set when a setns() back home failed: every later look would be in the
 * wrong namespace, so the command stops with an internal error. */
static bool ns_lost;

bool qemu_ns_lost(void)
{
	return ns_lost;
}

/* The peer of a socket of pid's network namespace (sock_diag answers only
 * there): into that namespace, when it is not ours, and back. */
static int peer_in_ns_of(pid_t pid, unsigned long ino, unsigned long *peer)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	int there = open(p, O_RDONLY | O_CLOEXEC);
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r = there < 0 || here < 0 ? -errno : 0;
	bool move = r == 0 && !same_file(there, "/proc/thread-self/ns/net");
	if (move && setns(there, CLONE_NEWNET) < 0)
		r = -errno;
	if (r == 0) {
		r = unix_peer_inode(ino, peer);
		if (move && setns(here, CLONE_NEWNET) < 0)
			ns_lost = true;
	}
	if (there >= 0)
		close(there);
	if (here >= 0)
		close(here);
	return r;
}

/* Is the UNIX socket at connect_path (qemu's listening one) held by a
 * client? 1 held (holder named when it can be), 0 free, -ENOENT when
 * qemu has no listening socket there, -EACCES when qemu's fds or sockets
 * cannot be read. */
int socket_held(const struct qemu_proc *q, const char *connect_path, char *holder, size_t n)
{
	holder[0] = '\0';
	struct stat want;
	if (stat(connect_path, &want) < 0)
		return -errno;
	unsigned long *socks;
	size_t nsocks;
	int r = qemu_fds(q->pid, &socks, &nsocks, NULL, 0);
	if (r)
		return r;
	struct unix_sock *us = NULL;
	size_t nus = 0;
	r = read_net_unix(q->pid, &us, &nus);
	if (r)
		goto out;
	/* the listener of that file, among qemu's own sockets (qemu made it:
	 * it is in qemu's namespace) */
	char bound[sizeof(us->path)] = "";
	for (size_t i = 0; i < nus && !bound[0]; i++) {
		if (!us[i].listening || !us[i].path[0] || us[i].path[0] == '@' || !has_inode(socks, nsocks, us[i].inode))
			continue;
		char p[PATH_MAX];
		struct stat st;
		if (us[i].path[0] == '/')
			snprintf(p, sizeof(p), "/proc/%d/root%s", (int)q->pid, us[i].path);
		else
			snprintf(p, sizeof(p), "/proc/%d/cwd/%s", (int)q->pid, us[i].path);
		if (stat(p, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
			snprintf(bound, sizeof(bound), "%s", us[i].path);
	}
	free(us);
	us = NULL;
	r = -ENOENT;
	if (!bound[0])
		goto out;
	/* qemu's accepted socket on it: connected, carrying the listener's
	 * path, in whichever namespace the client lives */
	r = 0;
	pid_t reps[64];
	size_t nreps = netns_representatives(reps, ARRAY_SIZE(reps));
	for (size_t k = 0; k < nreps && !r; k++) {
		if (read_net_unix(reps[k], &us, &nus))
			continue;
		for (size_t i = 0; i < nus && !r; i++) {
			if (us[i].listening || us[i].state != 3 || strcmp(us[i].path, bound) ||
			    !has_inode(socks, nsocks, us[i].inode))
				continue;
			/* a client that has just closed leaves qemu's end
			 * "connected" (state 03 in /proc/net/unix) until qemu's
			 * main loop sees the hang-up; its peer is then gone
			 * (sock_diag says inode 0): not held, qemu accepts the
			 * next one */
			unsigned long peer = 0;
			int known = peer_in_ns_of(reps[k], us[i].inode, &peer) == 0;
			if (known && !peer)
				continue;
			r = 1;
			if (known)
				name_holder(peer, q->pid, holder, n);
		}
		free(us);
		us = NULL;
	}
out:
	free(us);
	free(socks);
	return r;
}

/* ---- the network namespace --------------------------------------------- */


/* The namespace's name for the student: a named one in /run/netns, the
 * host's, or qemu's own. */
static void name_ns(int fd, char *out, size_t n, char *id, size_t idn, enum qemu_ns_kind *kind)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "/run/netns/%s", de->d_name);
		if (de->d_name[0] != '.' && same_file(fd, p)) {
			text_printf(out, n, "network namespace %s", de->d_name);
			text_printf(id, idn, "%s", de->d_name);
			*kind = QEMU_NS_NAMED;
			closedir(d);
			return;
		}
	}
	if (d)
		closedir(d);
	struct stat st;
	if (same_file(fd, "/proc/1/ns/net")) {
		snprintf(out, n, "the host's network namespace");
		snprintf(id, idn, "host");
		*kind = QEMU_NS_HOST;
	} else if (fstat(fd, &st) == 0) {
		snprintf(out, n, "qemu's own network namespace (net:[%lu])", (unsigned long)st.st_ino);
		snprintf(id, idn, "net:[%lu]", (unsigned long)st.st_ino);
		*kind = QEMU_NS_OWN;
	} else {
		snprintf(out, n, "qemu's network namespace");
	}
}

int qemu_ns_open(pid_t pid, struct qemu_ns *t, struct qemu_ns_said *said)
{
	char p[64];
	t->fd = t->home = -1;
	t->same = t->entered = false;
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	said->kind = QEMU_NS_UNKNOWN;
	t->fd = open(p, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		int r = -errno;
		snprintf(said->error, sizeof(said->error),
			 "cannot open qemu's network namespace (%s: %s): run vlab verify as root, as qemu runs", p,
			 strerror(-r));
		return r;
	}
	name_ns(t->fd, said->name, sizeof(said->name), said->id, sizeof(said->id), &said->kind);
	t->same = same_file(t->fd, "/proc/thread-self/ns/net");
	if (t->same)
		return 0;
	t->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (t->home < 0)
		return -errno;
	return 0;
}

/* setns() moves only this thread; vlab is single-threaded here. */
int qemu_ns_enter(struct qemu_ns *t, struct qemu_ns_said *said)
{
	if (t->fd < 0)
		return -EBADF; /* qemu_ns_open said why */
	if (t->same || t->entered)
		return 0;
	if (setns(t->fd, CLONE_NEWNET) < 0) {
		int r = -errno;
		snprintf(said->error, sizeof(said->error), "cannot enter %s (setns: %s): run vlab verify as root",
			 said->name, strerror(-r));
		return r;
	}
	t->entered = true;
	return 0;
}

int qemu_ns_leave(struct qemu_ns *t)
{
	if (!t->entered)
		return 0;
	if (setns(t->home, CLONE_NEWNET) < 0)
		return -errno;
	t->entered = false;
	return 0;
}

void qemu_ns_close(struct qemu_ns *t)
{
	qemu_ns_leave(t);
	if (t->fd >= 0)
		close(t->fd);
	if (t->home >= 0)
		close(t->home);
	t->fd = t->home = -1;
}

/* ---- gathering ---------------------------------------------------------- */

/* What vlab connects to for a path qemu opened: through qemu's own cwd and
 * root, which also holds across the mount namespace `ip netns exec` makes;
 * the plain path when that would not fit a sockaddr_un. */
void connect_path(const struct qemu_proc *q, const char *path, char *out, size_t n)
{
	char p[PATH_MAX];
	if (path[0] == '/')
		snprintf(p, sizeof(p), "/proc/%d/root%s", (int)q->pid, path);
	else
		snprintf(p, sizeof(p), "/proc/%d/cwd/%s", (int)q->pid, path);
	if (strlen(p) < sizeof(((struct sockaddr_un *)0)->sun_path) && q->cwd[0])
		snprintf(out, n, "%s", p);
	else
		qemu_path_resolve(q->cwd, path, out, n);
}


int qemu_serial_socket(const struct qemu_proc *q, char *shown, size_t shownlen, char *conn, size_t connlen)
{
	struct qemu_serial s;
	shown[0] = conn[0] = '\0';
	if (qemu_cmdline_serial(&q->cmd, &s, NULL, 0) || !s.path)
		return -ENOENT;
	if (s.path[0] != '/' && !q->cwd[0]) {
		snprintf(shown, shownlen, "%s", s.path);
		return -EACCES;
	}
	if (qemu_path_resolve(q->cwd, s.path, shown, shownlen))
		snprintf(shown, shownlen, "%s", s.path);
	connect_path(q, s.path, conn, connlen);
	return 0;
}
