/* The grader's side of the ip and brctl shims; see net_agent.h. */
#include "runner/grade/net_agent.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/grade/shim.h"
#include "runner/net/net.h"
#include "runner/proc.h"
#include "runner/untrusted_text.h"
#include "runner/util.h"
#include "runner/files.h"

/* A command line read from /proc, at most this much. */
#define CMDLINE_CAP 65536
#define CMDLINE_MAX_WORDS 256

/* ---- one op ---------------------------------------------------------------
 * The words are iproute2's and bridge-utils' own for the same failure, so
 * a script that reads them (or a student who reads script.log) meets what
 * the real tools say: ip's kernel errors are "RTNETLINK answers: ..." with
 * status 2, its "Cannot find device" status 1; brctl's are status 1. */

static int say(char *msg, size_t len, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int say(char *msg, size_t len, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return status;
}

static int rtnetlink(char *msg, size_t len, int err)
{
	return say(msg, len, 2, "RTNETLINK answers: %s", strerror(-err));
}

static int no_device(char *msg, size_t len, const char *name)
{
	return say(msg, len, 1, "Cannot find device \"%s\"", name);
}

int net_agent_apply(struct net *n, enum net_tool tool, const struct net_op *op, uid_t tap_owner, char *msg,
		    size_t len)
{
	msg[0] = '\0';
	struct net_link_info li;
	bool brctl = tool == NET_TOOL_BRCTL;
	int got = net_link_get(n, op->name, &li), r;
	switch (op->kind) {
	case NET_OP_TAP_ADD:
		/* every tap the sandbox's uid's, whatever `user` said: its qemu
		 * attaches without CAP_NET_ADMIN (tun_not_capable()) */
		r = net_tap_create(op->name, tap_owner);
		if (r == -EEXIST || r == -EBUSY)
			return say(msg, len, 1, "ioctl(TUNSETIFF): Device or resource busy");
		return r ? say(msg, len, 1, "ioctl(TUNSETIFF): %s", strerror(-r)) : 0;
	case NET_OP_TAP_DEL:
	case NET_OP_LINK_DEL:
	case NET_OP_BRIDGE_DEL:
		/* Deleting a lab link that is not there succeeds: the course's
		 * script deletes tap0-tap3 and its bridges before it makes them
		 * (its own guard is `ip a s dev NAME`, but a variant may delete
		 * blindly), and in the sandbox it always starts from a clean
		 * namespace: under `set -e` a failure here would end the script
		 * for nothing the student did wrong. */
		if (got == -ENODEV)
			return 0;
		if (got)
			return rtnetlink(msg, len, got);
		if (op->kind == NET_OP_TAP_DEL && strcmp(li.kind, "tun"))
			return say(msg, len, 1, "ioctl(TUNSETIFF): Invalid argument");
		if (op->kind == NET_OP_BRIDGE_DEL) {
			if (strcmp(li.kind, "bridge"))
				return say(msg, len, 1, "can't delete bridge %s: Invalid argument", op->name);
			/* the kernel's SIOCBRDELBR refuses a bridge that is up */
			if (li.up)
				return say(msg, len, 1, "bridge %s is still up; can't delete it", op->name);
		}
		r = net_link_delete(n, op->name);
		return r ? rtnetlink(msg, len, r) : 0;
	case NET_OP_BRIDGE_ADD:
		r = net_bridge_create(n, op->name);
		if (r == -EEXIST && brctl)
			return say(msg, len, 1, "device %s already exists; can't create bridge with the same name",
				   op->name);
		return r ? rtnetlink(msg, len, r) : 0;
	case NET_OP_LINK_UP:
	case NET_OP_LINK_DOWN:
		if (got)
			return got == -ENODEV ? no_device(msg, len, op->name) : rtnetlink(msg, len, got);
		r = net_link_set_up(n, op->name, op->kind == NET_OP_LINK_UP);
		return r ? rtnetlink(msg, len, r) : 0;
	case NET_OP_MASTER: {
		struct net_link_info br;
		int bgot = net_link_get(n, op->other, &br);
		if (brctl) {
			if (bgot)
				return say(msg, len, 1, "bridge %s does not exist!", op->other);
			if (got)
				return say(msg, len, 1, "interface %s does not exist!", op->name);
			if (li.master[0])
				return say(msg, len, 1, "device %s is already a member of a bridge; can't enslave it "
					   "to bridge %s.", op->name, op->other);
		} else {
			if (got)
				return no_device(msg, len, op->name);
			if (bgot)
				return say(msg, len, 1, "Device \"%s\" does not exist.", op->other);
		}
		r = net_link_set_master(n, op->name, op->other);
		return r ? rtnetlink(msg, len, r) : 0;
	}
	case NET_OP_NOMASTER:
	case NET_OP_DELIF:
		if (got)
			return brctl ? say(msg, len, 1, "interface %s does not exist!", op->name)
				     : no_device(msg, len, op->name);
		if (op->kind == NET_OP_DELIF && strcmp(li.master, op->other))
			return say(msg, len, 1, "device %s is not a slave of %s", op->name, op->other);
		r = net_link_set_master(n, op->name, NULL);
		return r ? rtnetlink(msg, len, r) : 0;
	case NET_OP_ADDR_ADD:
	case NET_OP_ADDR_DEL:
		if (got)
			return got == -ENODEV ? no_device(msg, len, op->name) : rtnetlink(msg, len, got);
		r = op->kind == NET_OP_ADDR_ADD ? net_addr_add(n, op->name, op->cidr) : net_addr_del(n, op->name, op->cidr);
		return r ? rtnetlink(msg, len, r) : 0;
	case NET_OP_ADDR_FLUSH:
		if (got)
			return got == -ENODEV ? no_device(msg, len, op->name) : rtnetlink(msg, len, got);
		/* net_link_get lists NET_MAX_ADDRS at most: again until none */
		for (int round = 0; round < 64 && li.naddrs > 0; round++) {
			for (int i = 0; i < li.naddrs; i++)
				if ((r = net_addr_del(n, op->name, li.addrs[i])) && r != -EADDRNOTAVAIL)
					return rtnetlink(msg, len, r);
			if ((r = net_link_get(n, op->name, &li)))
				return rtnetlink(msg, len, r);
		}
		return 0;
	}
	return say(msg, len, 1, "vlab: refused: an op vlab does not know");
}

/* ---- one request ------------------------------------------------------- */

/* Whether pid runs the binary that st describes (device and inode: the
 * shims are reached through symlinks and binds, whose paths differ). */
static bool runs_binary(pid_t pid, const struct stat *exe)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	return stat(p, &st) == 0 && st.st_dev == exe->st_dev && st.st_ino == exe->st_ino;
}

/* pid's command line as words into sb (NUL-separated): argc, or -errno. */
static int read_cmdline(pid_t pid, struct strbuf *sb, const char **argv, int max)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	int r = read_file(p, sb);
	if (r)
		return r;
	if (!sb->len || sb->len > CMDLINE_CAP)
		return -E2BIG;
	if (sb->buf[sb->len - 1] != '\0')
		sb_add(sb, "", 1);
	int argc = 0;
	for (size_t i = 0; i < sb->len && argc < max; i += strlen(sb->buf + i) + 1)
		argv[argc++] = sb->buf + i;
	return argc;
}

static json_t *text_json(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, strlen(s), 0);
	json_t *j = json_string(sb_str(&sb));
	sb_release(&sb);
	return j;
}

struct agent {
	struct net *net;
	struct stat exe;
	uid_t tap_owner;
	int log_fd;
};

/* The request from pid: the status and words for the shim; the log line. */
static int handle(struct agent *ag, pid_t pid, int seq, char *msg, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	const char *argv[CMDLINE_MAX_WORDS];
	int argc = -EPERM, status = 1;
	struct net_cmd c = { .cls = NET_CMD_REFUSED };
	json_t *line = json_pack("{s:i, s:i}", "seq", seq, "pid", (int)pid);
	if (!runs_binary(pid, &ag->exe)) {
		say(msg, len, 1, "vlab: refused: only vlab's ip and brctl shims ask the grader");
	} else if ((argc = read_cmdline(pid, &sb, argv, CMDLINE_MAX_WORDS)) < 0) {
		say(msg, len, 1, "vlab: refused: the command line could not be read (%s)", strerror(-argc));
	} else {
		json_t *a = json_array();
		for (int i = 0; i < argc; i++)
			json_array_append_new(a, text_json(argv[i]));
		json_object_set_new(line, "argv", a);
		net_cmd_parse(argc, argv, &c);
		char why[200] = "";
		if (c.cls != NET_CMD_CHANGE)
			say(msg, len, 1, "vlab: refused: %s", c.cls == NET_CMD_REFUSED ? c.why : "nothing to change");
		for (int k = 0; c.cls == NET_CMD_CHANGE && k < c.nops; k++) {
			if (net_op_allowed(&c.ops[k], why, sizeof(why))) {
				say(msg, len, 1, "vlab: refused: %s (nothing of this command was applied)", why);
				c.cls = NET_CMD_REFUSED;
			}
		}
		json_t *applied = json_array();
		for (int k = 0; c.cls == NET_CMD_CHANGE && k < c.nops; k++) {
			char d[80];
			net_op_describe(&c.ops[k], d, sizeof(d));
			json_array_append_new(applied, json_string(d));
			status = net_agent_apply(ag->net, c.tool, &c.ops[k], ag->tap_owner, msg, len);
			if (status)
				break;
		}
		if (c.cls == NET_CMD_CHANGE && !status)
			msg[0] = '\0';
		json_object_set_new(line, "applied", applied);
	}
	json_object_set_new(line, "status", json_integer(status));
	json_object_set_new(line, "message", text_json(msg));
	if (ag->log_fd >= 0) {
		char *s = json_dumps(line, JSON_COMPACT);
		if (s) {
			dprintf(ag->log_fd, "%s\n", s);
			free(s);
		}
	}
	json_decref(line);
	sb_release(&sb);
	return status;
}

/* One message of the channel: 1 handled, 0 none (EOF: every sandbox
 * process is gone), -1 none yet. */
static int serve_one(struct agent *ag, int chan)
{
	char buf[64];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t n = recvmsg(chan, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -1 : 0;
	if (n == 0)
		return 0;
	buf[n] = '\0';
	struct ucred cred = { 0 };
	int reply = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nf; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (reply < 0)
					reply = fd;
				else
					close(fd);
			}
		}
	}
	/* the answer goes only to a UNIX seqpacket socket, as the shim makes
	 * (anything else a script sent along is closed unused) */
	int domain = 0, type = 0;
	socklen_t dl = sizeof(domain), tl = sizeof(type);
	if (reply >= 0 && (getsockopt(reply, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0 ||
			   getsockopt(reply, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || domain != AF_UNIX ||
			   type != SOCK_SEQPACKET)) {
		close(reply);
		reply = -1;
	}
	int64_t seq;
	if (strncmp(buf, "net-", 4) || parse_i64(buf + 4, 0, SHIM_NET_MAX_RECORDS, &seq) || cred.pid <= 0 || reply < 0) {
		if (reply >= 0)
			close(reply);
		return 1;
	}
	char msg[SHIM_NET_REPLY_MAX - 8];
	int status = handle(ag, cred.pid, (int)seq, msg, sizeof(msg));
	char out[SHIM_NET_REPLY_MAX];
	int len = snprintf(out, sizeof(out), "%d\n%s", status, msg);
	(void)!send(reply, out, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(reply);
	return 1;
}

static void agent_main(int chan, const char *vlab_exe, uid_t tap_owner, int log_fd, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	/* the worker's resources are the worker's to clean up, not this
	 * process's: a signal here just ends it */
	cleanup_forget_all();
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], sigs[i] == SIGPIPE ? SIG_IGN : SIG_DFL);
	struct agent ag = { .tap_owner = tap_owner, .log_fd = log_fd };
	if (stat(vlab_exe, &ag.exe) < 0 || net_open(&ag.net))
		_exit(1);
	for (;;) {
		int r = serve_one(&ag, chan);
		if (r == 0)
			break;
		if (r < 0) {
			struct pollfd p = { .fd = chan, .events = POLLIN };
			poll(&p, 1, 500);
		}
	}
	net_close(ag.net);
	_exit(0);
}

int net_agent_start(struct net_agent *a, int chan, const char *vlab_exe, uid_t tap_owner, int log_fd)
{
	a->pid = 0;
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(chan);
		if (log_fd >= 0)
			close(log_fd);
		return -e;
	}
	if (pid == 0)
		agent_main(chan, vlab_exe, tap_owner, log_fd, parent);
	close(chan);
	if (log_fd >= 0)
		close(log_fd);
	a->pid = pid;
	return 0;
}

void net_agent_stop(struct net_agent *a, int timeout_ms)
{
	if (a->pid <= 0)
		return;
	int st;
	if (proc_wait(a->pid, timeout_ms, &st) != 0) {
		kill(a->pid, SIGKILL);
		while (waitpid(a->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	a->pid = 0;
}
