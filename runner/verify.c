/* `vlab verify`; see verify.h for what it reads and why it changes nothing. */
#include "runner/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "chapters/chapter.h"
#include "checks/ch1.h"
#include "checks/ch2.h"
#include "checks/guest_parse.h"
#include "runner/net/http_get.h"
#include "runner/net/icmp_echo.h"
#include "checks/ping_parse.h"
#include "checks/procfs_parse.h"
#include "checks/qemu_cmdline_verdicts.h"
#include "checks/qmp_parse.h"
#include "checks/two_vm_plan.h"
#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/engine.h"
#include "runner/net/net.h"
#include "runner/proc.h"
#include "runner/vm/qmp.h"
#include "runner/report.h"
#include "runner/vm/vm.h"

/* The lab's addresses and accounts (lab text, chapters 1 and 2). */
#define HOST_CIDR "10.0.0.1/24"
#define HOST_IP "10.0.0.1"
#define GUEST_IP "10.0.0.10"
#define GUEST_CIDR "10.0.0.10/24"
#define HTTP_URL "http://10.0.0.10:8000/"
#define ROOT_USER "root"
#define ROOT_PASSWORD "toor"
#define STUDENT_USER "student"
#define STUDENT_PASSWORD "student"

/* How long the console gets to answer an Enter (twice). */
#define PROBE_MS 1500

/* Each interface as "NAME MAC DRIVER" (the driver is the device/driver
 * link's name), as chapter 2 lists them. */
#define LIST_NICS                                                                                        \
	"for i in /sys/class/net/*; do d=$(readlink $i/device/driver); "                                 \
	"echo \"${i##*/} $(cat $i/address) ${d##*/}\"; done"

struct qemu_proc {
	pid_t pid;
	struct qemu_cmdline cmd;
	char state;              /* /proc/PID/stat's letter, 0 unknown */
	char cwd[PATH_MAX];      /* "" when unreadable */
	int cwd_error;           /* why not (-EACCES: not root) */
	bool vlab_own;           /* started by vlab itself (a run directory's ledger beside its socket) */
};

enum console_state {
	CON_NONE,      /* the command has no serial socket to log in through */
	CON_FREE,      /* at a login prompt: vlab logs in and out */
	CON_SHELL,     /* a shell was open: used as it is */
	CON_HELD,      /* another client holds it */
	CON_BUSY,      /* it answered, with neither prompt */
	CON_SILENT,    /* it did not answer */
	CON_UNUSABLE,  /* cannot connect */
};

static const char *const console_state_names[] = {
	[CON_NONE] = "none", [CON_FREE] = "free", [CON_SHELL] = "shell-open", [CON_HELD] = "held",
	[CON_BUSY] = "busy", [CON_SILENT] = "silent", [CON_UNUSABLE] = "unusable",
};

/* Everything read, before any verdict. */
struct evidence {
	struct qemu_proc *q;
	int chapter;
	int64_t scale;                 /* timeouts x4 under TCG, as vlab's own runs */
	char differences[12][256];
	size_t ndifferences;

	/* network namespace */
	char ns_name[128];             /* for the student: "network namespace vt-1234" */
	char ns_id[96];                /* for JSON: "vt-1234", "host", "net:[4026532601]" */
	char ns_error[256];            /* why it could not be entered, "" */

	/* the tap (ch2) */
	char tap[16];                  /* the one checked */
	char tap_held[16];             /* the one qemu's tun fd is attached to, "" none */
	int tap_rc;                    /* net_link_get's */
	struct net_link_info tap_info;
	struct icmp_result icmp;
	int icmp_rc;
	struct http_result http;
	int http_rc;
	bool host_ran;

	/* QMP */
	char qmp_path[PATH_MAX];       /* "" none */
	char qmp_note[256];            /* why it was not asked, "" */
	bool qmp_ok;
	char qmp_status[32];
	bool qmp_running;
	uint64_t qmp_base_memory;
	bool qmp_memory_ok;

	/* the serial console */
	char serial_path[PATH_MAX];    /* as the student would name it (qemu's cwd + path) */
	char serial_connect[PATH_MAX]; /* what vlab connects to (/proc/PID/cwd/...) */
	enum console_state con;
	char con_why[512];             /* a phrase for details: "the serial console is held by socat (pid 42)" */
	char holder[96];               /* "socat (pid 42)", "" */
	bool serial_ok;                /* the command has a socket port */
	struct check_result serial_verdict;   /* its FAIL when not */

	/* the guest */
	bool asked;                    /* commands ran in a guest shell */
	char shell_user[32];           /* who that shell was */
	bool root_tried, student_tried;
	int root_rc, student_rc;
	char root_id[64], student_id[64];
	char root_dev[256], root_fstype[64];
	bool mounts_ok;
	bool ip_read;                  /* `ip a s` ran */
	struct ip_iface ifs[8];
	int nifs;                      /* what parse_ip_addr_show() made of it */
	char nic_if[32], nic_driver[64];
	bool nics_ok;
	struct strbuf ping_out;
	bool ping_ran;
	char index_sha256[65];
	char guest_error[256];         /* the console stopped answering: what happened */
	int64_t t_cmdline_ms, t_host_ms, t_guest_ms;

	/* `vlab grade` (verify_for_grading): wait for the guest to boot, and do
	 * the lab's guest side itself as root before reading */
	int64_t boot_wait_ms;          /* > 0: wait this long for "login:" instead of probing */
	const char *transcript;        /* the console transcript, NULL none */
	const char *guest_setup_http;  /* NULL: verify (change nothing); else the HTTP server to start */
	const char *qmp_override;      /* the QMP socket to ask (the shim's), NULL: the command's */
	char guest_setup_note[256];    /* what the set-up did or why it could not */

	/* `vlab verify 3`: these read-only commands instead of chapters 1-2's,
	 * in root's session only (no student login) */
	const char *const *only_cmds;  /* NULL-terminated; NULL: chapters 1-2's commands */
	struct strbuf only_out[6];
	int only_ran;                  /* how many of them ran to the end */
};

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

static void proc_release(struct qemu_proc *q)
{
	qemu_cmdline_release(&q->cmd);
}

/* vlab's own qemus keep their serial socket in a run directory, next to
 * the run's ledger ("resources": runner/cleanup.c). */
static bool started_by_vlab(const struct qemu_proc *q)
{
	struct qemu_serial s;
	char path[PATH_MAX];
	if (qemu_cmdline_serial(&q->cmd, &s, NULL, 0) || !s.path ||
	    qemu_path_resolve(q->cwd, s.path, path, sizeof(path)))
		return false;
	char *slash = strrchr(path, '/');
	if (!slash)
		return false;
	snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "resources");
	return path_exists(path);
}

static int load_proc(pid_t pid, struct qemu_proc *q)
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
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, &sb) == 0)
		procfs_parse_stat_state(sb_str(&sb), &q->state);
	sb_release(&sb);
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	q->cwd_error = read_link(path, q->cwd, sizeof(q->cwd));
	q->vlab_own = started_by_vlab(q);
	return 0;
}

/* Every qemu process; *n of them in *out (malloc'd). */
static int find_qemus(struct qemu_proc **out, size_t *n)
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
		if (load_proc((pid_t)pid, &q))
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
static int qemu_fds(pid_t pid, unsigned long **socks, size_t *nsocks, char *tap, size_t taplen)
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
static size_t qemu_taps(pid_t pid, char taps[][16], size_t max)
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
static int unix_peer_inode(unsigned long ino, unsigned long *peer)
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
static int socket_held(const struct qemu_proc *q, const char *connect_path, char *holder, size_t n)
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
			r = 1;
			unsigned long peer;
			if (peer_in_ns_of(reps[k], us[i].inode, &peer) == 0 && peer)
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

struct target_ns {
	int fd, home;
	bool same, entered;
};

/* The namespace's name for the student: a named one in /run/netns, the
 * host's, or qemu's own. */
static void name_ns(int fd, char *out, size_t n, char *id, size_t idn)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "/run/netns/%s", de->d_name);
		if (de->d_name[0] != '.' && same_file(fd, p)) {
			snprintf(out, n, "network namespace %s", de->d_name);
			snprintf(id, idn, "%s", de->d_name);
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
	} else if (fstat(fd, &st) == 0) {
		snprintf(out, n, "qemu's own network namespace (net:[%lu])", (unsigned long)st.st_ino);
		snprintf(id, idn, "net:[%lu]", (unsigned long)st.st_ino);
	} else {
		snprintf(out, n, "qemu's network namespace");
	}
}

static int ns_open(pid_t pid, struct target_ns *t, struct evidence *ev)
{
	char p[64];
	t->fd = t->home = -1;
	t->same = t->entered = false;
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	t->fd = open(p, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		int r = -errno;
		snprintf(ev->ns_error, sizeof(ev->ns_error),
			 "cannot open qemu's network namespace (%s: %s): run vlab verify as root, as qemu runs", p,
			 strerror(-r));
		return r;
	}
	name_ns(t->fd, ev->ns_name, sizeof(ev->ns_name), ev->ns_id, sizeof(ev->ns_id));
	t->same = same_file(t->fd, "/proc/thread-self/ns/net");
	if (t->same)
		return 0;
	t->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (t->home < 0)
		return -errno;
	return 0;
}

/* setns() moves only this thread; vlab is single-threaded here. */
static int ns_go(struct target_ns *t, struct evidence *ev)
{
	if (t->fd < 0)
		return -EBADF; /* ns_open said why */
	if (t->same || t->entered)
		return 0;
	if (setns(t->fd, CLONE_NEWNET) < 0) {
		int r = -errno;
		snprintf(ev->ns_error, sizeof(ev->ns_error), "cannot enter %s (setns: %s): run vlab verify as root",
			 ev->ns_name, strerror(-r));
		return r;
	}
	t->entered = true;
	return 0;
}

static int ns_back(struct target_ns *t)
{
	if (!t->entered)
		return 0;
	if (setns(t->home, CLONE_NEWNET) < 0)
		return -errno;
	t->entered = false;
	return 0;
}

static void ns_close(struct target_ns *t)
{
	ns_back(t);
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
static void connect_path(const struct qemu_proc *q, const char *path, char *out, size_t n)
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

/* The host side, from qemu's network namespace: the tap, vlab's ICMP echo
 * and the HTTP GET. */
static void gather_host(struct evidence *ev, struct target_ns *t)
{
	const struct qemu_cmdline *c = &ev->q->cmd;
	int64_t t0 = now_ms();
	struct qemu_nic nics[8];
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	/* the tap qemu holds, else the one its command names, else the lab's */
	unsigned long *socks = NULL;
	size_t nsocks = 0;
	qemu_fds(ev->q->pid, &socks, &nsocks, ev->tap_held, sizeof(ev->tap_held));
	free(socks);
	const char *named = NULL;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(nics) && !named; i++)
		if (nics[i].ifname && nics[i].type && !strcmp(nics[i].type, "tap"))
			named = nics[i].ifname;
	snprintf(ev->tap, sizeof(ev->tap), "%s", ev->tap_held[0] ? ev->tap_held : named ? named : LAB_TAP);

	if (ns_go(t, ev))
		return;
	struct net *net;
	ev->tap_rc = net_open(&net);
	if (ev->tap_rc == 0) {
		ev->tap_rc = net_link_get(net, ev->tap, &ev->tap_info);
		net_close(net);
	}
	int64_t per = 1000 * ev->scale;
	ev->icmp_rc = icmp_ping(GUEST_IP, 3, 200, (int)per, &ev->icmp);
	if (!cleanup_stop_requested())
		ev->http_rc = http_get(HTTP_URL, 2000, 3000 * (long)ev->scale, &ev->http);
	else
		ev->http_rc = -EINTR;
	ev->host_ran = true;
	ev->t_host_ms = now_ms() - t0;
}

/* Where the serial console is, and whether someone holds it, as /proc
 * tells before vlab connects. --socket names it when the command's is not
 * the one to use (the student's word is taken for it). */
static void gather_serial(struct evidence *ev, const char *socket_opt)
{
	const struct qemu_proc *q = ev->q;
	struct qemu_serial s;
	check_init(&ev->serial_verdict, "serial");
	ev->serial_ok = check_cmdline_serial(&ev->serial_verdict, &q->cmd);
	if (socket_opt) {
		ev->serial_ok = true;
		snprintf(ev->serial_path, sizeof(ev->serial_path), "%s", socket_opt);
		snprintf(ev->serial_connect, sizeof(ev->serial_connect), "%s", socket_opt);
	} else if (ev->serial_ok && qemu_cmdline_serial(&q->cmd, &s, NULL, 0) == 0) {
		if (s.path[0] != '/' && !q->cwd[0]) {
			ev->con = CON_UNUSABLE;
			snprintf(ev->serial_path, sizeof(ev->serial_path), "%s", s.path);
			snprintf(ev->con_why, sizeof(ev->con_why),
				 "the serial socket %s is relative to qemu's working directory, which vlab cannot read "
				 "(/proc/%d/cwd: %s): run vlab verify as root, as qemu runs, or name it with --socket",
				 s.path, (int)q->pid, strerror(-q->cwd_error));
			return;
		}
		if (qemu_path_resolve(q->cwd, s.path, ev->serial_path, sizeof(ev->serial_path)))
			snprintf(ev->serial_path, sizeof(ev->serial_path), "%s", s.path);
		connect_path(q, s.path, ev->serial_connect, sizeof(ev->serial_connect));
	}
	if (!ev->serial_connect[0]) {
		ev->con = CON_NONE;
		snprintf(ev->con_why, sizeof(ev->con_why), "the VM has no serial console on a UNIX socket");
		return;
	}
	if (q->state && strchr("TtZX", q->state)) {
		ev->con = CON_UNUSABLE;
		snprintf(ev->con_why, sizeof(ev->con_why), "qemu is %s: nothing answers on its console",
			 q->state == 'Z' || q->state == 'X' ? "gone" : "stopped");
		return;
	}
	struct stat st;
	if (stat(ev->serial_connect, &st) < 0) {
		int e = errno;
		ev->con = CON_UNUSABLE;
		if (e == ENOENT)
			snprintf(ev->con_why, sizeof(ev->con_why), "the serial socket %s does not exist", ev->serial_path);
		else
			snprintf(ev->con_why, sizeof(ev->con_why), "cannot reach the serial socket %s: %s%s",
				 ev->serial_path, strerror(e),
				 e == EACCES ? " (run vlab verify as root, as qemu runs)" : "");
		return;
	}
	if (socket_held(q, ev->serial_connect, ev->holder, sizeof(ev->holder)) == 1) {
		ev->con = CON_HELD;
		snprintf(ev->con_why, sizeof(ev->con_why), "the serial console is held by %s",
			 ev->holder[0] ? ev->holder : "another client");
	} else {
		ev->con = CON_FREE; /* as far as /proc tells: the connect has the last word */
	}
}

/* QMP, when the command has a socket no one holds. */
static void gather_qmp(struct evidence *ev)
{
	const char *p = ev->qmp_override ? ev->qmp_override : qemu_cmdline_qmp_path(&ev->q->cmd);
	if (!p) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "no QMP socket in the command");
		return;
	}
	if (ev->q->state && strchr("TtZX", ev->q->state)) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "qemu is not running: QMP not asked");
		return;
	}
	if (p[0] != '/' && !ev->q->cwd[0]) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note),
			 "the QMP socket %s is relative to qemu's working directory, which vlab cannot read", p);
		return;
	}
	char holder[96];
	connect_path(ev->q, p, ev->qmp_path, sizeof(ev->qmp_path));
	if (socket_held(ev->q, ev->qmp_path, holder, sizeof(holder)) == 1) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "the QMP socket %s is held by %s", p,
			 holder[0] ? holder : "another client");
		return;
	}
	struct qmp *qmp;
	/* the socket must be the qemu's own: a socket in a directory someone
	 * else can write may be served by anyone */
	int r = qmp_connect_peer(&qmp, ev->qmp_path, ev->q->pid, ev->q->pid, 2000);
	if (r == -EPERM) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "the QMP socket %s is served by another process, not by qemu "
			 "(pid %d)", p, (int)ev->q->pid);
		return;
	}
	if (r) {
		snprintf(ev->qmp_note, sizeof(ev->qmp_note), "cannot talk QMP on %s: %s", p, strerror(-r));
		return;
	}
	json_t *ret = NULL;
	if (qmp_execute(qmp, "query-status", NULL, &ret, NULL, 2000 * ev->scale) == 0 &&
	    qmp_parse_status(ret, ev->qmp_status, sizeof(ev->qmp_status), &ev->qmp_running) == 0)
		ev->qmp_ok = true;
	json_decref(ret);
	ret = NULL;
	if (qmp_execute(qmp, "query-memory-size-summary", NULL, &ret, NULL, 2000 * ev->scale) == 0 &&
	    qmp_parse_memory_summary(ret, &ev->qmp_base_memory, NULL) == 0)
		ev->qmp_memory_ok = true;
	json_decref(ret);
	qmp_close(qmp);
}

/* ---- the console ------------------------------------------------------- */

/* The last non-empty line of cleaned console text (for messages). */
static void last_line(const char *text, char *out, size_t n)
{
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(out, n, "%.*s", (int)(end - start), start);
}

/* Press Enter and see what answers: a login prompt, a shell prompt, other
 * text, or nothing. The bytes read are the console's reply to our Enter:
 * nothing the student would have seen is consumed. */
static enum console_state probe_console(int fd, char *seen, size_t n)
{
	struct strbuf buf = STRBUF_INIT;
	enum console_state st = CON_SILENT;
	seen[0] = '\0';
	for (int attempt = 0; attempt < 2 && (st == CON_SILENT || st == CON_BUSY); attempt++) {
		if (send(fd, "\r", 1, MSG_NOSIGNAL) != 1) {
			st = CON_UNUSABLE;
			break;
		}
		int64_t deadline = now_ms() + PROBE_MS;
		while (ms_left(deadline) > 0 && !cleanup_stop_requested()) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int64_t left = ms_left(deadline);
			if (poll(&pfd, 1, (int)(left < 100 ? left : 100)) <= 0)
				continue;
			char chunk[4096];
			ssize_t got = read(fd, chunk, sizeof(chunk));
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				st = CON_UNUSABLE;
				break;
			}
			sb_add(&buf, chunk, (size_t)got);
			if (buf.len > 64 * 1024)
				sb_remove_prefix(&buf, buf.len - 4096);
			char *clean = xstrndup(buf.buf, buf.len);
			size_t cl = console_clean_output(clean, buf.len);
			clean[cl] = '\0';
			char *t = rtrim(xstrdup(clean));
			size_t tl = strlen(t);
			st = CON_BUSY;
			if (tl >= 6 && !strcmp(t + tl - 6, "login:"))
				st = CON_FREE;
			else if (cl >= 2 && clean[cl - 1] == ' ' && (clean[cl - 2] == '#' || clean[cl - 2] == '$'))
				st = CON_SHELL;
			last_line(clean, seen, n);
			free(t);
			free(clean);
			if (st == CON_FREE || st == CON_SHELL)
				break;
		}
		if (st == CON_UNUSABLE || st == CON_FREE || st == CON_SHELL)
			break;
	}
	sb_release(&buf);
	return st;
}

/* A guest command; on a broken console, say why and give up on the guest. */
static int guest_run(struct evidence *ev, struct console *con, const char *cmd, int64_t ms, struct strbuf *out)
{
	int status;
	int r = console_run(con, cmd, ms * ev->scale, out, &status);
	if (r && r != -EINTR && !ev->guest_error[0]) {
		snprintf(ev->guest_error, sizeof(ev->guest_error), "the guest stopped answering `%s` on the console (%s)",
			 cmd, strerror(-r));
		/* our own command: take it back, so the shell is left as found */
		if (r == -ETIMEDOUT)
			console_interrupt(con, 3000 * ev->scale);
	}
	return r;
}

/* Grading only: the lab's guest side of chapter 2, which is vlab's doing
 * and not the student's (their part is the NIC): the NIC with the lab's MAC
 * (else the first that is not lo) up with 10.0.0.10/24, and the HTTP server
 * on port 8000 serving /root. */
static void guest_setup(struct evidence *ev, struct console *con)
{
	struct strbuf out = STRBUF_INIT;
	char nic[32] = "", first[32] = "";
	/* the NIC modules load in the background at boot: a command with a NIC
	 * gets its NIC listed within 10 s (x4 under TCG), as chapter 2 waits */
	struct qemu_nic nics[2];
	bool wants = qemu_cmdline_nics(&ev->q->cmd, nics, ARRAY_SIZE(nics)) > 0;
	int64_t deadline = now_ms() + 10000 * ev->scale;
	for (;;) {
		if (guest_run(ev, con, LIST_NICS, 5000, &out))
			goto out;
		char *save = NULL, *list = xstrdup(sb_str(&out));
		for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char name[32], mac[32];
			if (sscanf(line, "%31s %31s", name, mac) != 2 || !strcmp(name, "lo"))
				continue;
			if (!first[0])
				snprintf(first, sizeof(first), "%s", name);
			if (!strcasecmp(mac, LAB_NIC_MAC))
				snprintf(nic, sizeof(nic), "%s", name);
		}
		free(list);
		if (first[0] || !wants || ms_left(deadline) <= 0 || cleanup_stop_requested())
			break;
		poll(NULL, 0, 300);
	}
	if (!nic[0])
		snprintf(nic, sizeof(nic), "%s", first);
	if (!nic[0]) {
		snprintf(ev->guest_setup_note, sizeof(ev->guest_setup_note), "the guest has no NIC to give " GUEST_CIDR);
		goto out;
	}
	/* the e1000 has carrier ~2 s after it is up (its watchdog period):
	 * the pings would lose their first packets to it, so the guest waits
	 * for it (up to 10 s) */
	char *cmd = xasprintf("ip link set %s up && ip addr add " GUEST_CIDR " dev %s && %s; for i in $(seq 100); do "
			      "[ \"$(cat /sys/class/net/%s/carrier 2>/dev/null)\" = 1 ] && break; sleep 0.1; done",
			      nic, nic, ev->guest_setup_http, nic);
	int r = guest_run(ev, con, cmd, 15000, &out);
	free(cmd);
	snprintf(ev->guest_setup_note, sizeof(ev->guest_setup_note), "vlab gave %s " GUEST_CIDR " and started the HTTP server%s%s",
		 nic, r ? ": " : "", r ? strerror(-r) : "");
out:
	sb_release(&out);
}

/* The read-only commands, in whatever shell we have. */
static void guest_commands(struct evidence *ev, struct console *con, const char *user)
{
	struct strbuf out = STRBUF_INIT;
	ev->asked = true;
	snprintf(ev->shell_user, sizeof(ev->shell_user), "%s", user);
	for (const char *const *cmd = ev->only_cmds; cmd && *cmd && ev->only_ran < (int)ARRAY_SIZE(ev->only_out); cmd++) {
		if (guest_run(ev, con, *cmd, 15000, &ev->only_out[ev->only_ran]))
			goto out;
		ev->only_ran++;
	}
	if (ev->only_cmds)
		goto out;
	if (ev->guest_setup_http && !strcmp(user, "root") && ev->chapter > 1)
		guest_setup(ev, con);
	if (guest_run(ev, con, "cat /proc/mounts", 5000, &out))
		goto out;
	/* read: a root it cannot tell stays "", which the verdict reports */
	ev->mounts_ok = true;
	if (parse_root_mount(sb_str(&out), ev->root_dev, sizeof(ev->root_dev), ev->root_fstype,
			     sizeof(ev->root_fstype)))
		ev->root_dev[0] = ev->root_fstype[0] = '\0';
	if (guest_run(ev, con, "ip a s", 5000, &out))
		goto out;
	ev->ip_read = true;
	ev->nifs = parse_ip_addr_show(sb_str(&out), ev->ifs, ARRAY_SIZE(ev->ifs));
	if (ev->chapter < 2)
		goto out;
	if (guest_run(ev, con, LIST_NICS, 5000, &out))
		goto out;
	ev->nics_ok = true;
	char *save = NULL, *list = xstrdup(sb_str(&out));
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], mac[32], drv[64] = "";
		if (sscanf(line, "%31s %31s %63s", name, mac, drv) >= 2 && !strcasecmp(mac, LAB_NIC_MAC)) {
			snprintf(ev->nic_if, sizeof(ev->nic_if), "%s", name);
			snprintf(ev->nic_driver, sizeof(ev->nic_driver), "%s", drv);
		}
	}
	free(list);
	if (guest_run(ev, con, "ping -c 3 -W 2 " HOST_IP, 15000, &ev->ping_out))
		goto out;
	ev->ping_ran = true;
	if (guest_run(ev, con, "sha256sum /root/index.html", 5000, &out))
		goto out;
	if (out.len >= 64) {
		snprintf(ev->index_sha256, sizeof(ev->index_sha256), "%.64s", out.buf);
		if (!is_sha256_hex(ev->index_sha256))
			ev->index_sha256[0] = '\0';
	}
out:
	sb_release(&out);
}

/* Log in as user, ask who we are, run the commands when none ran yet, log
 * out. *rc: the login's result. */
static void login_session(struct evidence *ev, struct console *con, const char *user, const char *password, int *rc,
			  char *id, size_t idlen)
{
	int64_t t = 10000 * ev->scale;
	*rc = console_login_plain(con, user, password, t);
	if (*rc && *rc != -EACCES && !ev->guest_error[0])
		snprintf(ev->guest_error, sizeof(ev->guest_error), "logging in as %s on the console failed (%s)", user,
			 strerror(-*rc));
	if (*rc)
		return;
	struct strbuf out = STRBUF_INIT;
	int status;
	*rc = console_run(con, "id -un", 5000 * ev->scale, &out, &status);
	snprintf(id, idlen, "%s", sb_str(&out));
	rtrim(id);
	sb_release(&out);
	if (*rc)
		return;
	if (!ev->asked)
		guest_commands(ev, con, id);
	if (console_logout(con, t) && !ev->guest_error[0])
		snprintf(ev->guest_error, sizeof(ev->guest_error), "%s's shell did not give the login prompt back", user);
}

/* Has the server accepted our connection? Until it does, our peer is an
 * embryo socket in its backlog, which has no inode (net/unix/af_unix.c
 * unix_stream_connect() makes it without a struct socket; accept grafts
 * one). 1 accepted, 0 still queued at the deadline, < 0 cannot tell (no
 * sock_diag). */
static int wait_accepted(int fd, int64_t timeout_ms)
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

static void gather_guest(struct evidence *ev)
{
	int64_t t0 = now_ms();
	if (ev->con != CON_FREE)
		return;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* non-blocking: a full backlog is EAGAIN, not a hang */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ev->serial_connect);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (e == EAGAIN) {
			ev->con = CON_HELD;
			snprintf(ev->con_why, sizeof(ev->con_why),
				 "the serial console is held by another client, and more wait for it");
		} else {
			ev->con = CON_UNUSABLE;
			snprintf(ev->con_why, sizeof(ev->con_why), "cannot connect to the serial socket %s: %s",
				 ev->serial_path, strerror(e));
		}
		if (fd >= 0)
			close(fd);
		return;
	}
	/* the server must be the qemu judged, not a process of someone who
	 * can write the socket's directory */
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.pid != ev->q->pid) {
		close(fd);
		ev->con = CON_UNUSABLE;
		snprintf(ev->con_why, sizeof(ev->con_why), "the serial socket %s is served by %s, not by qemu (pid %d)",
			 ev->serial_path, cl == sizeof(cred) && cred.pid > 0 ? "another process" : "an unknown process",
			 (int)ev->q->pid);
		return;
	}
	/* Not accepted: someone got there first. Leave before sending a byte,
	 * or qemu would hand our Enter to the guest once they go. */
	if (wait_accepted(fd, 1000) == 0) {
		close(fd);
		ev->con = CON_HELD;
		snprintf(ev->con_why, sizeof(ev->con_why),
			 "the serial console is held by another client (qemu did not take vlab's connection)");
		return;
	}
	char seen[160];
	struct console *con = NULL;
	if (ev->boot_wait_ms > 0) {
		/* grading: the VM has just started; its first "login:" may be
		 * a boot away */
		if (console_from_fd(&con, fd, ev->transcript)) {
			ev->con = CON_UNUSABLE;
			snprintf(ev->con_why, sizeof(ev->con_why), "cannot use the serial socket %s", ev->serial_path);
			return;
		}
		int r = console_wait_login_prompt(con, 3000, ev->boot_wait_ms);
		if (r == 0) {
			ev->con = CON_FREE;
			goto logins;
		}
		last_line(console_tail(con), seen, sizeof(seen));
		ev->con = CON_SILENT;
		snprintf(ev->con_why, sizeof(ev->con_why), "no login prompt on the serial console within %lld s (%s)%s%s%s",
			 (long long)(ev->boot_wait_ms / 1000), strerror(-r), seen[0] ? "; its last line: '" : "", seen,
			 seen[0] ? "'" : "");
		console_close(con);
		return;
	}
	ev->con = probe_console(fd, seen, sizeof(seen));
	switch (ev->con) {
	case CON_FREE:
		break;
	case CON_SHELL:
		break;
	case CON_BUSY:
		snprintf(ev->con_why, sizeof(ev->con_why),
			 "the serial console answered an Enter with neither a login prompt nor a shell prompt "
			 "(a program in the foreground?)%s%s%s",
			 seen[0] ? ": '" : "", seen, seen[0] ? "'" : "");
		break;
	case CON_SILENT:
		snprintf(ev->con_why, sizeof(ev->con_why),
			 "the serial console did not answer two Enters within %d s (another client may hold it, or "
			 "the guest hangs)",
			 2 * PROBE_MS / 1000);
		break;
	default:
		snprintf(ev->con_why, sizeof(ev->con_why), "the serial socket %s closed", ev->serial_path);
		break;
	}
	if (ev->con != CON_FREE && ev->con != CON_SHELL) {
		close(fd);
		return;
	}
	if (console_from_fd(&con, fd, NULL)) {
		ev->con = CON_UNUSABLE;
		snprintf(ev->con_why, sizeof(ev->con_why), "cannot use the serial socket %s", ev->serial_path);
		return;
	}
	if (ev->con == CON_SHELL) {
		struct strbuf out = STRBUF_INIT;
		int status;
		char who[32] = "";
		if (console_run(con, "id -un", 5000 * ev->scale, &out, &status) == 0) {
			snprintf(who, sizeof(who), "%s", sb_str(&out));
			rtrim(who);
			guest_commands(ev, con, who);
		} else {
			snprintf(ev->guest_error, sizeof(ev->guest_error), "the open shell did not run `id -un`");
		}
		sb_release(&out);
		snprintf(ev->con_why, sizeof(ev->con_why), "a shell was already open on the console%s%s%s: not logged in again",
			 who[0] ? " (as " : "", who, who[0] ? ")" : "");
	} else {
logins:
		ev->root_tried = true;
		login_session(ev, con, ROOT_USER, ROOT_PASSWORD, &ev->root_rc, ev->root_id, sizeof(ev->root_id));
		/* refused: getty comes back with a new prompt; any other failure
		 * is a broken console, where a second login would fare no better */
		if (ev->root_rc == -EACCES)
			console_wait_login_prompt(con, 1000, 10000 * ev->scale);
		if ((ev->root_rc == 0 || ev->root_rc == -EACCES) && !ev->only_cmds) {
			ev->student_tried = true;
			login_session(ev, con, STUDENT_USER, STUDENT_PASSWORD, &ev->student_rc, ev->student_id,
				      sizeof(ev->student_id));
		}
	}
	console_close(con);
	ev->t_guest_ms = now_ms() - t0;
}

/* ---- verdicts ------------------------------------------------------------ */

/* More evidence (the guest's, QMP's) on top of the command line's: a
 * failure there wins; both details when both pass. where: "in the guest: ",
 * or "" when the evidence names its source itself. */
static void merge_evidence(struct check_result *r, const struct check_result *g, const char *where)
{
	if (r->verdict != VERDICT_PASS || !g->done)
		return;
	char d[sizeof(r->detail)];
	if (g->verdict == VERDICT_PASS) {
		snprintf(d, sizeof(d), "%s; %s%s", r->detail, where, g->detail);
		snprintf(r->detail, sizeof(r->detail), "%s", d);
		return;
	}
	snprintf(d, sizeof(d), "the command line is right, but %s%s", where, g->detail);
	*r = *g;
	snprintf(r->detail, sizeof(r->detail), "%s", d);
}

/* Why the guest was not asked, for details ("" when it was). */
static const char *not_asked(const struct evidence *ev)
{
	if (ev->asked && !ev->guest_error[0])
		return "";
	if (ev->guest_error[0])
		return ev->guest_error;
	if (ev->con_why[0])
		return ev->con_why;
	return "no shell on the console";
}

static void verdict_login(struct check_result *r, const struct evidence *ev, bool tried, int rc, const char *id,
			  const char *user)
{
	if (!ev->serial_ok) {
		const char *check_id = r->id;
		*r = ev->serial_verdict;
		r->id = check_id;
		return;
	}
	if (ev->con == CON_SHELL) {
		check_skip(r, "%s", ev->con_why);
		return;
	}
	if (ev->con == CON_HELD) {
		check_skip(r, "%s (%s): QEMU serves one client at a time, so vlab did not log in; only the outside "
			      "checks ran",
			   ev->con_why, ev->serial_path);
		return;
	}
	if (ev->con != CON_FREE) {
		check_skip(r, "%s; only the outside checks ran", ev->con_why);
		return;
	}
	if (!tried) {
		check_fail(r, NULL, "not tried: %s", not_asked(ev));
		return;
	}
	check_login(r, user, rc, id, NULL);
	if (r->verdict == VERDICT_PASS)
		snprintf(r->detail, sizeof(r->detail), "logged in as %s over %s; `id -un` = %s; logged out again", user,
			 ev->serial_path, id);
}

static void verdict_ch1(struct lab *lab, const struct evidence *ev)
{
	const struct qemu_cmdline *c = &ev->q->cmd;
	struct check_result *r, g;

	if ((r = lab_check(lab, "ch1.qemu_running"))) {
		check_cmdline_lab_vm(r, c, ev->q->pid, ev->q->state, ev->qmp_ok ? ev->qmp_status : NULL, ev->qmp_running);
		r->duration_ms = ev->t_cmdline_ms;
	}
	if ((r = lab_check(lab, "ch1.memory_256m"))) {
		check_cmdline_memory(r, c, LAB_QEMU_MEMORY_BYTES);
		if (ev->qmp_memory_ok) {
			check_init(&g, r->id);
			check_memory(&g, ev->qmp_base_memory, LAB_QEMU_MEMORY_BYTES);
			merge_evidence(r, &g, "");
		}
		r->duration_ms = ev->t_cmdline_ms;
	}
	if ((r = lab_check(lab, "ch1.rootfs_virtio_blk"))) {
		bool read = ev->mounts_ok;
		check_cmdline_rootfs(r, c, read ? ev->root_dev : NULL, read ? ev->root_fstype : NULL, not_asked(ev));
		r->duration_ms = ev->t_cmdline_ms + ev->t_guest_ms;
	}
	for (int student = 0; student < 2; student++) {
		const char *id = student ? "ch1.serial_login_student" : "ch1.serial_login_root";
		if (!(r = lab_check(lab, id)))
			continue;
		if (student)
			verdict_login(r, ev, ev->student_tried, ev->student_rc, ev->student_id, "student");
		else
			verdict_login(r, ev, ev->root_tried, ev->root_rc, ev->root_id, "root");
		r->duration_ms = ev->t_guest_ms;
	}
	if ((r = lab_check(lab, "ch1.only_loopback"))) {
		check_cmdline_no_nic(r, c);
		if (r->verdict == VERDICT_PASS) {
			check_init(&g, r->id);
			if (ev->ip_read)
				check_only_loopback(&g, ev->ifs, ev->nifs);
			if (g.done)
				merge_evidence(r, &g, "in the guest: ");
			else if (not_asked(ev)[0])
				snprintf(r->detail + strlen(r->detail), sizeof(r->detail) - strlen(r->detail),
					 "; the guest's `ip a s` was not read: %s", not_asked(ev));
		}
		r->duration_ms = ev->t_cmdline_ms + ev->t_guest_ms;
	}
}

/* The guest's interface for the lab: by its MAC, else the one holding the
 * lab's address, else the first that is not lo. */
static const struct ip_iface *guest_iface(const struct evidence *ev)
{
	for (int i = 0; i < ev->nifs; i++)
		if (!strcasecmp(ev->ifs[i].mac, LAB_NIC_MAC))
			return &ev->ifs[i];
	for (int i = 0; i < ev->nifs; i++)
		for (int a = 0; a < ev->ifs[i].naddrs; a++)
			if (!strcmp(ev->ifs[i].addrs[a], GUEST_CIDR))
				return &ev->ifs[i];
	for (int i = 0; i < ev->nifs; i++)
		if (strcmp(ev->ifs[i].link_type, "loopback"))
			return &ev->ifs[i];
	return NULL;
}

/* ICMP's word on the guest's address, when the console cannot say. */
static void icmp_stand_in(const struct evidence *ev, struct strbuf *sb)
{
	if (!ev->host_ran)
		return;
	if (ev->icmp_rc == 0 && ev->icmp.received > 0)
		sb_addf(sb, "; stand-in: " GUEST_IP " answered %d/%d of vlab's ICMP echo requests, so the guest does "
			    "have that address",
			ev->icmp.received, ev->icmp.sent);
	else if (ev->icmp_rc == 0)
		sb_addf(sb, "; and " GUEST_IP " answered none of vlab's ICMP echo requests (see ch2.ping_host_to_guest)");
}

static void verdict_ch2(struct lab *lab, const struct evidence *ev)
{
	const struct qemu_cmdline *c = &ev->q->cmd;
	struct check_result *r, g;
	int64_t host_ms = ev->t_host_ms;

	if ((r = lab_check(lab, "ch2.tap_up"))) {
		if (!ev->host_ran)
			check_skip(r, "%s", ev->ns_error[0] ? ev->ns_error : "the host side was not read");
		else if (ev->tap_rc && ev->tap_rc != -ENODEV)
			check_error(r, "cannot read %s in %s: %s", ev->tap, ev->ns_name, strerror(-ev->tap_rc));
		else
			check_tap_up(r, ev->tap, ev->tap_rc == 0, ev->tap_rc == 0 && ev->tap_info.up, HOST_CIDR,
				     (const char (*)[48])ev->tap_info.addrs, ev->tap_rc == 0 ? ev->tap_info.naddrs : 0);
		if (r->verdict == VERDICT_PASS || r->verdict == VERDICT_FAIL) {
			char d[sizeof(r->detail)];
			snprintf(d, sizeof(d), "%s (in %s%s%s)", r->detail, ev->ns_name,
				 ev->tap_held[0] ? ", where qemu holds " : "", ev->tap_held);
			snprintf(r->detail, sizeof(r->detail), "%s", d);
		}
		r->duration_ms = host_ms;
	}
	if ((r = lab_check(lab, "ch2.nic_mac"))) {
		check_cmdline_nic(r, c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
		if (r->verdict == VERDICT_PASS) {
			check_init(&g, r->id);
			if (ev->nics_ok)
				check_nic_mac(&g, LAB_NIC_MAC, ev->nic_if[0] ? ev->nic_if : NULL, ev->nic_driver);
			if (g.done)
				merge_evidence(r, &g, "in the guest: ");
			else
				snprintf(r->detail + strlen(r->detail), sizeof(r->detail) - strlen(r->detail),
					 "; the guest's /sys was not read: %s", not_asked(ev));
		}
		r->duration_ms = ev->t_cmdline_ms + ev->t_guest_ms;
	}
	if ((r = lab_check(lab, "ch2.guest_ip"))) {
		if (ev->ip_read) {
			const struct ip_iface *i = guest_iface(ev);
			if (i)
				check_guest_ip(r, i->name, GUEST_CIDR, (const char (*)[48])i->addrs, i->naddrs, i->up);
			else
				check_guest_ip(r, NULL, GUEST_CIDR, NULL, 0, false);
		} else {
			struct strbuf d = STRBUF_INIT;
			sb_addf(&d, "the guest's addresses were not read: %s", not_asked(ev));
			icmp_stand_in(ev, &d);
			check_skip(r, "%s", d.buf);
			sb_release(&d);
		}
		r->duration_ms = ev->t_guest_ms;
	}
	if ((r = lab_check(lab, "ch2.ping_guest_to_host"))) {
		if (ev->ping_ran) {
			struct ping_summary sum;
			int pr = ping_parse(sb_str(&ev->ping_out), &sum);
			if (pr && strcmp(ev->shell_user, "root") && strstr(sb_str(&ev->ping_out), "ermission denied"))
				check_skip(r, "the guest's ping needs root, and the shell vlab had was %s's", ev->shell_user);
			else
				check_ping_guest_to_host(r, &sum, pr);
		} else {
			check_skip(r, "the guest's ping did not run: %s", not_asked(ev));
		}
		r->duration_ms = ev->t_guest_ms;
	}
	if ((r = lab_check(lab, "ch2.ping_host_to_guest"))) {
		if (!ev->host_ran)
			check_skip(r, "%s", ev->ns_error[0] ? ev->ns_error : "the host side was not read");
		else
			check_ping_host_to_guest(r, &ev->icmp, ev->icmp_rc);
		r->duration_ms = host_ms;
	}
	if ((r = lab_check(lab, "ch2.http_200"))) {
		if (!ev->host_ran) {
			check_skip(r, "%s", ev->ns_error[0] ? ev->ns_error : "the host side was not read");
		} else if (ev->index_sha256[0] || ev->http_rc || ev->http.status != 200) {
			check_http_200(r, HTTP_URL, &ev->http, ev->http_rc, ev->index_sha256[0] ? ev->index_sha256 : NULL);
		} else if (!ev->http.body_len) {
			check_fail(r, "serve the directory /root, which holds index.html (httpd -p 8000 -h /root)",
				   "GET %s -> 200 with an empty body", HTTP_URL);
		} else {
			check_pass(r, "GET %s -> 200, %zu bytes (not compared with /root/index.html: %s)", HTTP_URL,
				   ev->http.body_len, ev->asked ? "the guest could not read it" : not_asked(ev));
		}
		r->duration_ms = host_ms;
	}
}

/* ---- reporting ---------------------------------------------------------- */

/* A check of the lab's report, once. */
static void add_check(struct lab *lab, const char *id)
{
	if (lab->nchecks < LAB_MAX_CHECKS && !lab_check(lab, id))
		check_init(&lab->checks[lab->nchecks++], id);
}

static void lab_setup(struct lab *lab, const struct chapter *ch, const struct lab_options *o, const struct evidence *ev)
{
	memset(lab, 0, sizeof(*lab));
	lab->opt = o;
	lab->chapter = ch;
	lab->started_ms = now_ms();
	for (int v = 0; v < LAB_MAX_VMS; v++) {
		lab->vms[v].pid_handle = lab->vms[v].overlay_handle = -1;
		lab->vms[v].serial_handle = lab->vms[v].qmp_handle = -1;
	}
	for (size_t s = 0; s < ch->nsteps; s++) {
		for (const char *const *id = ch->steps[s].checks; id && *id; id++) {
			/* verify tears nothing down; chapter 2's VM has a NIC by design */
			if (!strcmp(*id, "ch2.teardown_clean") || (!strcmp(*id, "ch1.only_loopback") && ev->chapter > 1))
				continue;
			add_check(lab, *id);
		}
	}
	const struct qemu_cmdline *c = &ev->q->cmd;
	lab->accel.accel = c->accel == QACCEL_KVM ? ACCEL_KVM : ACCEL_TCG;
	snprintf(lab->accel.reason, sizeof(lab->accel.reason), "the student's qemu runs under %s (%s)", c->accel_name,
		 c->accel_from[0] ? c->accel_from : "qemu's default");
}

static json_t *verify_json(const struct evidence *ev)
{
	const struct qemu_proc *q = ev->q;
	json_t *argv = json_array();
	for (int i = 0; i < q->cmd.argc; i++)
		json_array_append_new(argv, json_string(q->cmd.argv[i]));
	json_t *diffs = json_array();
	for (size_t i = 0; i < ev->ndifferences && i < ARRAY_SIZE(ev->differences); i++)
		json_array_append_new(diffs, json_string(ev->differences[i]));
	json_t *o = json_object();
	json_object_set_new(o, "pid", json_integer(q->pid));
	json_object_set_new(o, "argv", argv);
	json_object_set_new(o, "cwd", q->cwd[0] ? json_string(q->cwd) : json_null());
	json_object_set_new(o, "netns", ev->ns_id[0] ? json_string(ev->ns_id) : json_null());
	json_object_set_new(o, "serial_socket", ev->serial_path[0] ? json_string(ev->serial_path) : json_null());
	json_object_set_new(o, "console", json_string(console_state_names[ev->con]));
	json_object_set_new(o, "console_detail", ev->con_why[0] ? json_string(ev->con_why) : json_null());
	const char *qmp = qemu_cmdline_qmp_path(&q->cmd);
	json_object_set_new(o, "qmp_socket", qmp ? json_string(qmp) : json_null());
	json_object_set_new(o, "differences", diffs);
	return o;
}

static void print_header(const struct lab *lab, const struct evidence *ev)
{
	const struct qemu_proc *q = ev->q;
	if (lab->opt->format != FORMAT_TEXT || lab->opt->quiet)
		return;
	printf("vlab verify: chapter%s %s, on the lab you built by hand (vlab changes nothing)\n",
	       ev->chapter > 1 ? "s 1 and" : "", ev->chapter > 1 ? "2" : "1");
	ui_note(lab, "qemu pid %d%s%s, its command:", (int)q->pid, q->cwd[0] ? ", working directory " : "", q->cwd);
	struct strbuf cmd = STRBUF_INIT;
	if (q->cmd.argc <= VM_MAX_ARGS) {
		struct vm_argv a;
		a.n = q->cmd.argc;
		for (int i = 0; i < a.n; i++)
			a.v[i] = q->cmd.argv[i];
		a.v[a.n] = NULL;
		vm_format_command(&a, true, &cmd);
	} else {
		for (int i = 0; i < q->cmd.argc; i++) {
			if (i)
				sb_adds(&cmd, " ");
			shell_quote(q->cmd.argv[i], &cmd);
		}
	}
	ui_command(lab, "host", cmd.buf);
	sb_release(&cmd);
	if (ev->ndifferences) {
		ui_note(lab, "Not as the lab writes it, though no check minds:");
		for (size_t i = 0; i < ev->ndifferences && i < ARRAY_SIZE(ev->differences); i++)
			ui_note(lab, "  * %s", ev->differences[i]);
	}
	if (ev->chapter > 1)
		ui_note(lab, "Host side: %s%s%s", ev->ns_name[0] ? ev->ns_name : "unknown",
			ev->ns_error[0] ? ": " : " (qemu's: the tap, ICMP and HTTP are checked there)", ev->ns_error);
	switch (ev->con) {
	case CON_FREE:
		ui_note(lab, "Serial console: %s was free: vlab logged in, read, and logged out", ev->serial_path);
		break;
	case CON_SHELL:
		ui_note(lab, "Serial console: %s: %s; vlab used it read-only", ev->serial_path, ev->con_why);
		break;
	default:
		ui_note(lab, "Serial console: %s", ev->con_why);
		break;
	}
	if (ev->qmp_ok)
		ui_note(lab, "QMP: %s answered", qemu_cmdline_qmp_path(&q->cmd));
	else
		ui_note(lab, "QMP: %s", ev->qmp_note);
}

/* ---- the command -------------------------------------------------------- */

enum { OPT_FORMAT = 256, OPT_PID, OPT_SOCKET, OPT_QUIET, OPT_HELP, OPT_IPERF_E1000, OPT_IPERF_VIRTIO };

static const struct option longopts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "iperf-e1000", required_argument, NULL, OPT_IPERF_E1000 },
	{ "iperf-virtio", required_argument, NULL, OPT_IPERF_VIRTIO },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

#define usage(...) usage_fail("verify " VERIFY_USAGE, __VA_ARGS__)

/* The one line of exit 3, in the format asked for. */
static int no_lab(enum report_format f, const char *reason, const char *msg)
{
	fprintf(stderr, "vlab: %s\n", msg);
	if (f == FORMAT_JSON) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s}", "schema_version", REPORT_SCHEMA_VERSION,
				      "vlab_version", VLAB_VERSION, "result", "error", "reason", reason, "message", msg);
		report_print_json(o);
		json_decref(o);
	} else if (f == FORMAT_TAP) {
		printf("TAP version 13\n1..0 # SKIP %s\n", msg);
	} else if (f == FORMAT_JUNIT) {
		json_t *none = json_array();
		report_write_junit(stdout, none);
		json_decref(none);
	}
	return EXIT_HOST;
}

/* The qemu to check: --pid's, else the one not started by vlab. */
static int pick(struct qemu_proc *all, size_t n, int64_t want_pid, enum report_format f, struct qemu_proc **out)
{
	char msg[768];
	*out = NULL;
	if (want_pid > 0) {
		for (size_t i = 0; i < n; i++)
			if (all[i].pid == want_pid)
				*out = &all[i];
		if (*out)
			return 0;
		snprintf(msg, sizeof(msg), "pid %lld is no qemu process (`pgrep -a qemu` lists them)", (long long)want_pid);
		return no_lab(f, "no_such_qemu", msg);
	}
	size_t mine = 0, theirs = 0;
	for (size_t i = 0; i < n; i++) {
		if (all[i].vlab_own) {
			theirs++;
		} else {
			mine++;
			*out = &all[i];
		}
	}
	if (mine == 1)
		return 0;
	*out = NULL;
	if (!mine) {
		snprintf(msg, sizeof(msg),
			 "no qemu of the lab is running%s: start the lab's VM (sudo ./runqemu_single_vm.sh, lab "
			 "chapter 1), then run vlab verify again",
			 theirs ? " (only qemus that vlab itself started; --pid PID checks one of those)" : "");
		return no_lab(f, "no_qemu", msg);
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (!all[i].vlab_own)
			sb_addf(&sb, "%s%d", sb.len ? ", " : "", (int)all[i].pid);
	fprintf(stderr, "vlab: several qemu processes run (pids %s): choose one with --pid\n", sb.buf);
	fprintf(stderr, "usage: vlab verify " VERIFY_USAGE "\n");
	sb_release(&sb);
	return EXIT_USAGE;
}

/* Every qemu in /proc; EXIT_INTERNAL, said, when /proc cannot be read. */
static int find_qemus_or_say(struct qemu_proc **all, size_t *n)
{
	int r = find_qemus(all, n);
	if (r) {
		fprintf(stderr, "vlab: cannot read /proc: %s\n", strerror(-r));
		return EXIT_INTERNAL;
	}
	return 0;
}

/* A stop request: said once; the exit status. */
static int stopped(void)
{
	fprintf(stderr, "vlab: stopped by signal %d; verify had changed nothing\n", cleanup_stop_signal());
	return 128 + cleanup_stop_signal();
}

/* The reports in a machine format (text was printed as it went). */
static void print_reports(enum report_format f, json_t *reports)
{
	if (f == FORMAT_JSON)
		report_print_json(reports);
	else if (f == FORMAT_JUNIT)
		report_write_junit(stdout, reports);
	else if (f == FORMAT_TAP)
		report_write_tap(stdout, reports);
}

/* ---- vlab verify 3: the two-VM lab of runqemu_two_vms.sh ------------------ */

/* The commands read in each guest, read-only; VM1's pings cross each link
 * to VM2 (chapter 3's own pings). */
static const char *const vm1_cmds[] = { "ip a s", "ping -c 3 -W 2 10.0.0.11", "ping -c 3 -W 2 10.0.1.11", NULL };
static const char *const vm2_cmds[] = { "ip a s", "cat /proc/net/tcp", "cat /proc/net/tcp6 2>/dev/null", NULL };

/* The namespace's links with their counters (entered and left again). */
static size_t two_vm_links(struct target_ns *t, struct evidence *ev, struct net_link_info *links, size_t max)
{
	size_t n = 0;
	if (ns_go(t, ev))
		return 0;
	struct net *net;
	if (net_open(&net) == 0) {
		if (net_link_list(net, links, max, &n))
			n = 0;
		net_close(net);
	}
	ns_back(t);
	return n < max ? n : max;
}

static const struct net_link_info *link_named(const struct net_link_info *l, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return &l[i];
	return NULL;
}

/* A tap's counters over VM1's session (after - before), zero when unknown. */
static struct tap_bytes tap_delta(const struct net_link_info *before, size_t nb, const struct net_link_info *after,
				  size_t na, const char *tap)
{
	struct tap_bytes d = { 0, 0 };
	const struct net_link_info *b = link_named(before, nb, tap), *a = link_named(after, na, tap);
	if (a && b && a->rx_bytes >= b->rx_bytes && a->tx_bytes >= b->tx_bytes) {
		d.rx = a->rx_bytes - b->rx_bytes;
		d.tx = a->tx_bytes - b->tx_bytes;
	}
	return d;
}

/* Why a guest was not asked, NULL when it was. */
static const char *not_asked_why(const struct evidence *ev)
{
	if (ev->asked && !ev->guest_error[0])
		return NULL;
	if (ev->guest_error[0])
		return ev->guest_error;
	return ev->con_why[0] ? ev->con_why : "its serial console could not be used";
}

/* ch3.ping_<link>_link: VM1's ping over the link, and the taps' counters
 * showing the link carried it both ways (a crossed plan sends the replies
 * over the other link). */
static void two_vm_ping_verdict(struct check_result *r, const struct evidence *vm1, int out_index,
				const struct two_vm_nic *link, const struct tap_bytes *vm1_tap,
				const struct tap_bytes *vm2_tap)
{
	char dst[32];
	snprintf(dst, sizeof(dst), "%.*s", (int)strcspn(two_vm_roles[1].nic[link == &two_vm_roles[0].nic[0] ? 0 : 1].cidr, "/"),
		 two_vm_roles[1].nic[link == &two_vm_roles[0].nic[0] ? 0 : 1].cidr);
	const char *why = not_asked_why(vm1);
	if (why || vm1->only_ran <= out_index) {
		check_skip(r, "VM1's guest was not asked: %s", why ? why : "the console stopped answering");
		return;
	}
	struct ping_summary s;
	int rc = ping_parse(sb_str(&vm1->only_out[out_index]), &s);
	check_ping_link(r, link->link, dst, &s, rc);
	if (r->verdict != VERDICT_PASS)
		return;
	/* three echo requests and their replies: 98-byte frames each way */
	const uint64_t least = 3 * 98;
	bool forth = vm1_tap->rx >= least && vm2_tap->tx >= least, back = vm2_tap->rx >= least && vm1_tap->tx >= least;
	const struct two_vm_nic *vm2_nic = &two_vm_roles[1].nic[link == &two_vm_roles[0].nic[0] ? 0 : 1];
	char *d = xstrdup(r->detail);
	if (forth && back)
		check_pass(r, "%s; the %s link carried it both ways (%s: %llu bytes from VM1, %s: %llu bytes from VM2)", d,
			   link->link, link->tap, (unsigned long long)vm1_tap->rx, vm2_nic->tap,
			   (unsigned long long)vm2_tap->rx);
	else
		check_fail(r, "each VM's address on a link belongs on the NIC of that link (find it by MAC); a crossed "
			      "plan sends the traffic over the other bridge",
			   "%s, but the %s link (%s, %s, %s) did not carry it %s: %s moved %llu bytes out of VM1 and %s "
			   "%llu out of VM2",
			   d, link->link, link->tap, link->bridge, vm2_nic->tap, forth ? "back" : back ? "there" : "either way",
			   link->tap, (unsigned long long)vm1_tap->rx, vm2_nic->tap, (unsigned long long)vm2_tap->rx);
	free(d);
}

static int verify_two_vms(const struct lab_options *o, const int64_t *want_pids, int nwant, const char *const files[2])
{
	int64_t t0 = now_ms();
	struct qemu_proc *all;
	size_t n;
	int r = find_qemus_or_say(&all, &n);
	if (r)
		return r;
	struct two_vm_candidate *cands = xcalloc(n + 1, sizeof(*cands));
	size_t nc = 0;
	int exit_status = EXIT_PASS;
	for (int w = 0; w < nwant; w++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found |= all[i].pid == want_pids[w];
		if (!found) {
			char msg[160];
			snprintf(msg, sizeof(msg), "pid %lld is no qemu process (`pgrep -a qemu` lists them)",
				 (long long)want_pids[w]);
			exit_status = no_lab(o->format, "no_such_qemu", msg);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		bool wanted = !nwant;
		for (int w = 0; w < nwant; w++)
			wanted |= all[i].pid == want_pids[w];
		if (wanted && (nwant || !all[i].vlab_own)) {
			cands[nc].pid = all[i].pid;
			cands[nc++].cmd = &all[i].cmd;
		}
	}
	int role[2];
	char why[512], left[8][200];
	size_t nleft;
	r = two_vm_pair(cands, nc, role, why, sizeof(why), left, ARRAY_SIZE(left), &nleft);
	if (r == -EEXIST) {
		fprintf(stderr, "vlab: %s\nusage: vlab verify " VERIFY_USAGE "\n", why);
		exit_status = EXIT_USAGE;
		goto out;
	}
	if (role[0] < 0 && role[1] < 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), "%s: start the two VMs (sudo ./runqemu_two_vms.sh, lab chapter 3), then run vlab "
				      "verify 3 again", nc ? why : "no qemu of the lab is running");
		exit_status = no_lab(o->format, "no_qemu", msg);
		goto out;
	}
	struct evidence *ev = xcalloc(2, sizeof(*ev));
	struct qemu_proc *q[2] = { NULL, NULL };
	for (int v = 0; v < 2; v++) {
		if (role[v] < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (all[i].pid == cands[role[v]].pid)
				q[v] = &all[i];
		ev[v].q = q[v];
		ev[v].chapter = 3;
		ev[v].scale = q[v]->cmd.accel == QACCEL_KVM ? 1 : 4;
		ev[v].only_cmds = v ? vm2_cmds : vm1_cmds;
		ev[v].ndifferences = qemu_cmdline_differences(&q[v]->cmd, ev[v].differences, ARRAY_SIZE(ev[v].differences));
	}
	/* the host side, in the namespace the qemus run in (VM1's, else VM2's) */
	int host = q[0] ? 0 : 1;
	struct target_ns t;
	bool ns_ok = ns_open(q[host]->pid, &t, &ev[host]) == 0;
	static struct net_link_info before[64], after[64];
	char taps[2][4][16];
	size_t ntaps[2] = { 0, 0 };
	for (int v = 0; v < 2; v++) {
		if (q[v])
			ntaps[v] = qemu_taps(q[v]->pid, taps[v], 4);
		if (q[v])
			gather_serial(&ev[v], NULL);
	}
	/* VM2 first, then VM1, whose pings the counters around it see */
	if (q[1] && !cleanup_stop_requested())
		gather_guest(&ev[1]);
	size_t nmid = ns_ok ? two_vm_links(&t, &ev[host], before, ARRAY_SIZE(before)) : 0;
	if (q[0] && !cleanup_stop_requested())
		gather_guest(&ev[0]);
	size_t nafter = ns_ok ? two_vm_links(&t, &ev[host], after, ARRAY_SIZE(after)) : 0;
	ns_close(&t);
	if (cleanup_stop_requested()) {
		exit_status = stopped();
		goto out_ev;
	}

	struct lab *lab = xcalloc(1, sizeof(*lab));
	lab_setup(lab, chapter_find(3), o, &ev[host]);
	add_check(lab, "ch3.vm1_command_line");
	add_check(lab, "ch3.vm2_command_line");
	add_check(lab, "ch3.taps_attached");
	add_check(lab, "ch3.guest_addresses");
	add_check(lab, "ch3.iperf_server");
	static const char *const cmd_ids[2] = { "ch3.vm1_command_line", "ch3.vm2_command_line" };
	for (int v = 0; v < 2; v++) {
		struct check_result *c = lab_check(lab, cmd_ids[v]);
		if (q[v])
			two_vm_check_cmdline(c, &q[v]->cmd, &two_vm_roles[v]);
		else
			check_fail(c, "start both VMs, as the course's runqemu_two_vms.sh does", "%s", why);
	}
	struct check_result *c = lab_check(lab, "ch3.bridges");
	if (!ns_ok)
		check_skip(c, "%s", ev[host].ns_error[0] ? ev[host].ns_error : "the qemus' network namespace was not read");
	else
		two_vm_check_bridges(c, after, nafter ? nafter : nmid);
	c = lab_check(lab, "ch3.taps_attached");
	if (q[0] && q[1]) {
		const char *tp[2][4] = { { NULL } };
		for (int v = 0; v < 2; v++)
			for (size_t k = 0; k < ntaps[v]; k++)
				tp[v][k] = taps[v][k];
		const pid_t pids[2] = { q[0]->pid, q[1]->pid };
		two_vm_check_taps(c, (const char *const(*)[4])tp, ntaps, pids);
	} else {
		check_fail(c, NULL, "%s", why);
	}
	/* the guests */
	static struct ip_iface ifs[2][8];
	size_t nifs[2] = { 0, 0 };
	const char *nr[2];
	for (int v = 0; v < 2; v++) {
		nr[v] = q[v] ? not_asked_why(&ev[v]) : why;
		if (!nr[v] && ev[v].only_ran >= 1) {
			int k = parse_ip_addr_show(sb_str(&ev[v].only_out[0]), ifs[v], 8);
			nifs[v] = k > 0 ? (size_t)k : 0;
		} else if (!nr[v]) {
			nr[v] = "`ip a s` did not run";
		}
	}
	c = lab_check(lab, "ch3.guest_addresses");
	const struct ip_iface *const ifp[2] = { ifs[0], ifs[1] };
	if (!q[0] || !q[1])
		check_fail(c, NULL, "%s", why);
	else
		two_vm_check_addresses(c, ifp, nifs, nr);
	struct tap_bytes d[4];
	for (int k = 0; k < 4; k++) {
		static const char *const names[4] = { "tap0", "tap1", "tap2", "tap3" };
		d[k] = tap_delta(before, nmid, after, nafter, names[k]);
	}
	static const char *const ping_ids[2] = { "ch3.ping_e1000_link", "ch3.ping_virtio_link" };
	for (int k = 0; k < 2; k++) {
		c = lab_check(lab, ping_ids[k]);
		if (!q[0] || !q[1])
			check_fail(c, NULL, "%s", why);
		else
			two_vm_ping_verdict(c, &ev[0], 1 + k, &two_vm_roles[0].nic[k], &d[k], &d[2 + k]);
	}
	c = lab_check(lab, "ch3.iperf_server");
	if (!q[1])
		check_fail(c, NULL, "%s", why);
	else if (nr[1] || ev[1].only_ran < 3)
		two_vm_check_iperf_server(c, 0, 0, nr[1] ? nr[1] : "the console stopped answering");
	else
		two_vm_check_iperf_server(c, procfs_tcp_listening(sb_str(&ev[1].only_out[1]), 5201),
					  procfs_tcp_listening(sb_str(&ev[1].only_out[2]), 5201), NULL);
	/* the saved client runs */
	static const char *const iperf_ids[2] = { "ch3.iperf_e1000", "ch3.iperf_virtio" };
	static const char *const iperf_opts[2] = { "--iperf-e1000", "--iperf-virtio" };
	double bps[2] = { 0, 0 };
	bool judged[2] = { false, false };
	for (int k = 0; k < 2; k++) {
		c = lab_check(lab, iperf_ids[k]);
		struct strbuf sb = STRBUF_INIT;
		struct iperf_result res;
		memset(&res, 0, sizeof(res));
		int prc = -EINVAL;
		if (files[k] && (r = read_file(files[k], &sb))) {
			check_fail(c, NULL, "cannot read %s: %s", files[k], strerror(-r));
		} else {
			if (files[k])
				prc = iperf_parse(sb_str(&sb), sb.len, &res);
			two_vm_check_iperf_file(c, &two_vm_roles[0].nic[k], iperf_opts[k], files[k], &res, prc);
			judged[k] = c->verdict == VERDICT_PASS;
			bps[k] = iperf_bps(&res);
		}
		sb_release(&sb);
	}
	c = lab_check(lab, "ch3.virtio_faster");
	if (!files[0] || !files[1])
		check_skip(c, "needs both saved client runs: give --iperf-e1000 FILE and --iperf-virtio FILE");
	else
		check_virtio_faster(c, bps[0], bps[1],
				    judged[0] && judged[1] ? NULL : "a saved run did not pass its own check");
	for (int i = 0; i < lab->nchecks; i++)
		if (!lab->checks[i].done)
			check_error(&lab->checks[i], "vlab gave no verdict for this check (a bug in vlab)");
	lab->duration_ms = now_ms() - t0;

	if (o->format == FORMAT_TEXT && !o->quiet) {
		printf("vlab verify: chapter 3, on the two VMs you built by hand (vlab changes nothing)\n");
		for (int v = 0; v < 2; v++) {
			if (!q[v]) {
				ui_note(lab, "%s: %s", two_vm_roles[v].name, why);
				continue;
			}
			ui_note(lab, "%s: qemu pid %d%s%s", two_vm_roles[v].name, (int)q[v]->pid,
				q[v]->cwd[0] ? ", working directory " : "", q[v]->cwd);
			char note[700];
			if (two_vm_append_note(&q[v]->cmd, note, sizeof(note)))
				ui_note(lab, "  * %s", note);
			for (size_t i = 0; i < ev[v].ndifferences && i < ARRAY_SIZE(ev[v].differences); i++)
				ui_note(lab, "  * %s", ev[v].differences[i]);
			ui_note(lab, "  serial console %s: %s", ev[v].serial_path[0] ? ev[v].serial_path : "(none)",
				ev[v].asked ? "read as root, read-only" : ev[v].con_why);
		}
		for (size_t i = 0; i < nleft && i < ARRAY_SIZE(left); i++)
			ui_note(lab, "%s", left[i]);
		ui_note(lab, "Host side: %s", ev[host].ns_name[0] ? ev[host].ns_name : "unknown");
	}
	ui_chapter_end(lab);
	json_t *obj = report_chapter_json(lab);
	json_t *vj = json_object(), *vms = json_array(), *lefts = json_array();
	for (int v = 0; v < 2; v++) {
		char note[700] = "";
		if (q[v])
			two_vm_append_note(&q[v]->cmd, note, sizeof(note));
		json_array_append_new(vms, q[v] ? json_pack("{s:s, s:i, s:s, s:s, s:s?}", "role", two_vm_roles[v].name,
							   "pid", (int)q[v]->pid, "console", console_state_names[ev[v].con],
							   "console_detail", ev[v].con_why, "kernel_command_line_note",
							   note[0] ? note : NULL)
						: json_pack("{s:s, s:n}", "role", two_vm_roles[v].name, "pid"));
	}
	for (size_t i = 0; i < nleft && i < ARRAY_SIZE(left); i++)
		json_array_append_new(lefts, json_string(left[i]));
	json_object_set_new(vj, "vms", vms);
	json_object_set_new(vj, "left_out", lefts);
	json_object_set_new(vj, "network_namespace", json_string(ev[host].ns_id));
	json_object_set_new(obj, "verify", vj);
	json_t *reports = json_array();
	json_array_append_new(reports, obj);
	print_reports(o->format, reports);
	json_decref(reports);
	enum verdict res = lab_result(lab);
	exit_status = res == VERDICT_FAIL ? EXIT_CHECK_FAILED : res == VERDICT_ERROR ? EXIT_INTERNAL : EXIT_PASS;
	free(lab);
out_ev:
	for (int v = 0; v < 2; v++)
		for (size_t k = 0; k < ARRAY_SIZE(ev[v].only_out); k++)
			sb_release(&ev[v].only_out[k]);
	free(ev);
out:
	free(cands);
	for (size_t i = 0; i < n; i++)
		proc_release(&all[i]);
	free(all);
	return exit_status;
}

int cmd_verify(int argc, char **argv)
{
	struct lab_options o;
	memset(&o, 0, sizeof(o));
	o.profile = "default";
	int64_t want_pid = 0, chapter = 0, pids[2] = { 0, 0 };
	int npids = 0;
	const char *socket_opt = NULL, *iperf_files[2] = { NULL, NULL };
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (report_format_parse(optarg, &o.format))
				return usage("unknown --format '%s' (text, json, junit or tap)", optarg);
			break;
		case OPT_PID:
			if (parse_i64(optarg, 1, INT_MAX, &want_pid))
				return usage("--pid takes a process id, not '%s'", optarg);
			if (npids == 2)
				return usage("--pid may be given twice (chapter 3's two VMs), not more");
			pids[npids++] = want_pid;
			break;
		case OPT_IPERF_E1000:
		case OPT_IPERF_VIRTIO:
			iperf_files[c == OPT_IPERF_VIRTIO] = optarg;
			break;
		case OPT_SOCKET:
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return usage("--socket '%s' is too long for a UNIX socket path", optarg);
			socket_opt = optarg;
			break;
		case OPT_QUIET:
			o.quiet = true;
			break;
		case OPT_HELP:
			printf("usage: vlab verify " VERIFY_USAGE "\n" VERIFY_SUMMARY "\n\noptions:\n" VERIFY_OPTIONS);
			return 0;
		case ':':
			return usage("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (parse_i64(argv[optind], 1, 3, &chapter))
			return usage("vlab verify checks chapters 1, 2 and 3, not '%s'", argv[optind]);
		if (optind + 1 < argc)
			return usage("unexpected '%s'", argv[optind + 1]);
	}
	if (chapter == 3) {
		if (socket_opt)
			return usage("--socket names one VM's console; chapter 3 finds both from their command lines");
		return verify_two_vms(&o, pids, npids, iperf_files);
	}
	if (npids > 1)
		return usage("--pid twice is for chapter 3's two VMs: vlab verify 3 --pid VM1_PID --pid VM2_PID");
	if (iperf_files[0] || iperf_files[1])
		return usage("--iperf-e1000 and --iperf-virtio are chapter 3's: vlab verify 3 --iperf-e1000 FILE ...");

	int64_t t0 = now_ms();
	struct qemu_proc *all;
	size_t n;
	int r = find_qemus_or_say(&all, &n);
	if (r)
		return r;
	struct qemu_proc *q;
	int exit_status = pick(all, n, want_pid, o.format, &q);
	if (!q)
		goto out_procs;

	struct evidence *ev = xcalloc(1, sizeof(*ev));
	ev->q = q;
	ev->scale = q->cmd.accel == QACCEL_KVM ? 1 : 4;
	if (!chapter) {
		struct qemu_nic nics[2];
		size_t nn = qemu_cmdline_nics(&q->cmd, nics, ARRAY_SIZE(nics));
		chapter = nn && nics[0].device ? 2 : 1;
	}
	ev->chapter = (int)chapter;
	ev->ndifferences = qemu_cmdline_differences(&q->cmd, ev->differences, ARRAY_SIZE(ev->differences));
	ev->t_cmdline_ms = now_ms() - t0;

	/* outside the guest: the namespace, the socket's holder, the tap,
	 * ICMP, HTTP, QMP; then back home before the console */
	struct target_ns t;
	bool ns_ok = ns_open(q->pid, &t, ev) == 0;
	gather_serial(ev, socket_opt);
	if (ns_ok && ev->chapter > 1)
		gather_host(ev, &t);
	gather_qmp(ev);
	if ((r = ns_back(&t)) || ns_lost) {
		if (!r)
			r = -EIO;
		fprintf(stderr, "vlab: cannot leave qemu's network namespace: %s\n", strerror(-r));
		ns_close(&t);
		exit_status = EXIT_INTERNAL;
		goto out_ev;
	}
	if (!cleanup_stop_requested())
		gather_guest(ev);
	ns_close(&t);
	if (cleanup_stop_requested()) {
		exit_status = stopped();
		goto out_ev;
	}

	struct lab *labs = xcalloc(2, sizeof(*labs));
	json_t *all_reports = json_array();
	exit_status = EXIT_PASS;
	for (int ch = 1; ch <= ev->chapter; ch++) {
		struct lab *lab = &labs[ch - 1];
		lab_setup(lab, chapter_find(ch), &o, ev);
		if (ch == 1)
			verdict_ch1(lab, ev);
		else
			verdict_ch2(lab, ev);
		for (int i = 0; i < lab->nchecks; i++)
			if (!lab->checks[i].done)
				check_error(&lab->checks[i], "vlab gave no verdict for this check (a bug in vlab)");
		lab->duration_ms = now_ms() - t0;
		if (ch == 1)
			print_header(lab, ev);
		ui_chapter_end(lab);
		json_t *obj = report_chapter_json(lab);
		json_object_set_new(obj, "verify", verify_json(ev));
		json_array_append_new(all_reports, obj);
		enum verdict v = lab_result(lab);
		int s = v == VERDICT_FAIL ? EXIT_CHECK_FAILED : v == VERDICT_ERROR ? EXIT_INTERNAL : EXIT_PASS;
		if (s > exit_status)
			exit_status = s;
	}
	print_reports(o.format, all_reports);
	json_decref(all_reports);
	free(labs);
out_ev:
	http_result_release(&ev->http);
	sb_release(&ev->ping_out);
	free(ev);
out_procs:
	for (size_t i = 0; i < n; i++)
		proc_release(&all[i]);
	free(all);
	return exit_status;
}

/* ---- for `vlab grade` ------------------------------------------------------ */

int verify_for_grading(const struct verify_grading *g, struct check_result *out, size_t max, size_t *n,
		       json_t *facts)
{
	*n = 0;
	struct qemu_proc *q = xcalloc(1, sizeof(*q));
	int load_rc = g->pid > 0 ? load_proc(g->pid, q) : -ESRCH;
	bool gone = load_rc != 0;
	if (gone) {
		/* exited already: the verdicts still get the recorded command */
		memset(q, 0, sizeof(*q));
		q->pid = g->pid;
		q->state = 'X';
	} else {
		qemu_cmdline_release(&q->cmd);
	}
	int r = qemu_cmdline_parse(g->argv, g->argc, &q->cmd);
	if (r) {
		free(q);
		return r;
	}
	struct evidence *ev = xcalloc(1, sizeof(*ev));
	ev->q = q;
	ev->scale = g->tcg ? 4 : 1;
	ev->chapter = 2;
	ev->boot_wait_ms = g->boot_wait_ms;
	ev->transcript = g->transcript;
	ev->guest_setup_http = g->http_cmd;
	ev->qmp_override = g->qmp_path;
	ev->ndifferences = qemu_cmdline_differences(&q->cmd, ev->differences, ARRAY_SIZE(ev->differences));

	/* the socket appears some ms after qemu starts */
	struct qemu_serial s;
	if (!gone && qemu_cmdline_serial(&q->cmd, &s, NULL, 0) == 0 && s.path) {
		char p[PATH_MAX];
		connect_path(q, s.path, p, sizeof(p));
		int64_t deadline = now_ms() + 10000;
		while (!path_exists(p) && !proc_gone(q->pid) && ms_left(deadline) > 0 && !cleanup_stop_requested())
			poll(NULL, 0, 20);
	}
	int64_t t0 = now_ms();
	struct target_ns t;
	bool ns_ok = !gone && ns_open(q->pid, &t, ev) == 0;
	gather_serial(ev, NULL);
	gather_qmp(ev);
	/* the guest first: vlab gives it its address and starts its server,
	 * which the host side's ICMP and HTTP then reach */
	if (!cleanup_stop_requested())
		gather_guest(ev);
	if (ns_ok && !cleanup_stop_requested())
		gather_host(ev, &t);
	if (ns_ok)
		ns_close(&t);
	ev->t_cmdline_ms = 0;

	struct lab_options o;
	memset(&o, 0, sizeof(o));
	o.profile = "default";
	o.format = FORMAT_JSON;
	struct lab *labs = xcalloc(2, sizeof(*labs));
	for (int ch = 1; ch <= 2; ch++) {
		struct lab *lab = &labs[ch - 1];
		lab_setup(lab, chapter_find(ch), &o, ev);
		if (ch == 1)
			verdict_ch1(lab, ev);
		else
			verdict_ch2(lab, ev);
		for (int i = 0; i < lab->nchecks && *n < max; i++) {
			if (!lab->checks[i].done)
				check_error(&lab->checks[i], "vlab gave no verdict for this check (a bug in vlab)");
			out[(*n)++] = lab->checks[i];
		}
	}
	if (facts) {
		json_t *diffs = json_array();
		for (size_t i = 0; i < ev->ndifferences && i < ARRAY_SIZE(ev->differences); i++)
			json_array_append_new(diffs, json_string(ev->differences[i]));
		json_object_set_new(facts, "differences", diffs);
		json_object_set_new(facts, "console", json_string(console_state_names[ev->con]));
		json_object_set_new(facts, "console_detail", ev->con_why[0] ? json_string(ev->con_why) : json_null());
		json_object_set_new(facts, "qmp", json_string(ev->qmp_ok ? "answered" : ev->qmp_note));
		json_object_set_new(facts, "guest_setup",
				    ev->guest_setup_note[0] ? json_string(ev->guest_setup_note) : json_null());
		json_object_set_new(facts, "guest_error", ev->guest_error[0] ? json_string(ev->guest_error) : json_null());
		json_object_set_new(facts, "checks_ms", json_integer(now_ms() - t0));
		char st[2] = { q->state ? q->state : '?', 0 };
		json_object_set_new(facts, "qemu_state", json_string(st));
		json_object_set_new(facts, "qemu_read", load_rc ? json_string(strerror(-load_rc)) : json_string("ok"));
	}
	free(labs);
	http_result_release(&ev->http);
	sb_release(&ev->ping_out);
	free(ev);
	proc_release(q);
	free(q);
	return 0;
}
