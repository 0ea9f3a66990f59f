/* The ip and brctl shims of `vlab grade`; see shim.h. */
#include "runner/grade/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/net_cmd.h"
#include "runner/exit_status.h"
#include "runner/untrusted_text.h"
#include "runner/util.h"
#include "runner/clock.h"

static json_t *ops_json(const struct net_cmd *c)
{
	json_t *a = json_array();
	for (int i = 0; i < c->nops; i++) {
		const struct net_op *op = &c->ops[i];
		json_t *o = json_pack("{s:s, s:s}", "op", net_op_kind_name(op->kind), "name", op->name);
		if (op->other[0])
			json_object_set_new(o, "bridge", json_string(op->other));
		if (op->cidr[0])
			json_object_set_new(o, "address", json_string(op->cidr));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *record_json(int argc, char **argv, const struct net_cmd *c, int status, const char *message)
{
	json_t *a = json_array();
	for (int i = 0; i < argc; i++) {
		json_t *w = json_string(argv[i]);
		if (!w) {
			/* not UTF-8: kept visible, \xHH */
			struct strbuf sb = STRBUF_INIT;
			untrusted_text_append(&sb, argv[i], strlen(argv[i]), 0);
			w = json_string(sb_str(&sb));
			sb_release(&sb);
		}
		json_array_append_new(a, w);
	}
	static const char *const cls[] = { [NET_CMD_REFUSED] = "refused", [NET_CMD_READ_ONLY] = "read-only",
					   [NET_CMD_CHANGE] = "change" };
	json_t *rec = json_pack("{s:o, s:s, s:o, s:i}", "argv", a, "class", cls[c->cls], "ops", ops_json(c), "pid",
				(int)getpid());
	if (c->cls == NET_CMD_REFUSED)
		json_object_set_new(rec, "refused", json_string(c->why));
	if (status >= 0)
		json_object_set_new(rec, "outcome", json_pack("{s:i, s:s}", "status", status, "message", message));
	return rec;
}

/* Publish dir/net-N.json with the first free N (written aside, then
 * link()ed: a name taken fails), as the qemu shim publishes qemu-N.json. */
static int publish(const char *dir, json_t *rec, int *seq)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/.net-record.XXXXXX", dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	int r = json_dump_file(rec, tmp, JSON_INDENT(2)) < 0 ? -EIO : -EEXIST;
	for (int n = 1; n <= SHIM_NET_MAX_RECORDS && r == -EEXIST; n++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/net-%d.json", dir, n);
		r = link(tmp, path) == 0 ? 0 : -errno;
		if (r == 0)
			*seq = n;
	}
	unlink(tmp);
	return r;
}

/* The record again, now with its outcome (written aside, renamed over). */
static void republish(const char *dir, int seq, json_t *rec)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/.net-record.XXXXXX", dir);
	snprintf(path, sizeof(path), "%s/net-%d.json", dir, seq);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return;
	close(fd);
	if (json_dump_file(rec, tmp, JSON_INDENT(2)) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

/* Ask the grader to apply record seq: "net-N" on its channel with a
 * socket of this process's own for the answer (the channel is shared by
 * every process of the sandbox; the answer must reach this one). The
 * answer is "STATUS\nMESSAGE". -ETIMEDOUT after SHIM_NET_WAIT_MS. */
static int ask_grader(int seq, int *status, char *message, size_t n)
{
	const char *env = getenv(SHIM_NET_FD_ENV);
	int64_t chan;
	if (!env || parse_i64(env, 3, 1023, &chan))
		return -EBADF;
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	char msg[32];
	int len = snprintf(msg, sizeof(msg), "net-%d", seq);
	struct iovec iov = { .iov_base = msg, .iov_len = (size_t)len };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pair[1], sizeof(int));
	int r = sendmsg((int)chan, &mh, MSG_NOSIGNAL) == len ? 0 : -errno;
	close(pair[1]);
	if (r) {
		close(pair[0]);
		return r;
	}
	struct pollfd p = { .fd = pair[0], .events = POLLIN };
	char reply[SHIM_NET_REPLY_MAX + 1];
	ssize_t got = -1;
	int64_t deadline = now_ms() + SHIM_NET_WAIT_MS;
	while (got < 0 && ms_left(deadline) > 0) {
		int pr = poll(&p, 1, (int)ms_left(deadline));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		got = recv(pair[0], reply, SHIM_NET_REPLY_MAX, 0);
		if (got < 0 && errno != EINTR)
			break;
	}
	close(pair[0]);
	if (got <= 0)
		return got == 0 ? -EPIPE : -ETIMEDOUT;
	reply[got] = '\0';
	char *nl = strchr(reply, '\n');
	int64_t st;
	if (nl)
		*nl = '\0';
	if (!nl || parse_i64(reply, 0, 255, &st))
		return -EBADMSG;
	*status = (int)st;
	snprintf(message, n, "%s", nl + 1);
	return 0;
}

/* What the real program needs not of the grader's. */
static void drop_grader_env(void)
{
	static const char *const fds[] = { SHIM_FD_ENV, SHIM_NET_FD_ENV };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		const char *v = getenv(fds[i]);
		int64_t fd;
		if (v && !parse_i64(v, 3, 1023, &fd))
			close((int)fd);
		unsetenv(fds[i]);
	}
}

static int shim_net_run(int argc, char **argv)
{
	const char *dir = getenv("VLAB_SHIM_DIR"), *mode = getenv(SHIM_NET_MODE_ENV);
	struct net_cmd c;
	net_cmd_parse(argc, (const char *const *)argv, &c);
	const char *tool = c.tool == NET_TOOL_BRCTL ? "brctl" : "ip";
	if (!dir || !mode) {
		error_line("called as %s outside `vlab grade` (VLAB_SHIM_DIR and " SHIM_NET_MODE_ENV " unset): run the "
			   "real %s instead", tool, tool);
		return 127;
	}
	int seq = 0, status = 1;
	char message[SHIM_NET_REPLY_MAX] = "";
	if (c.cls == NET_CMD_CHANGE && strcmp(mode, SHIM_NET_SCRIPT)) {
		/* chapters 1-2: tap0 is vlab's (sandbox.h); nothing of the
		 * script's is applied, as before the shims were there */
		snprintf(c.why, sizeof(c.why), "in this grading vlab makes tap0 itself (up, 10.0.0.1/24) before the "
			 "script runs; the script's network changes are not applied");
		c.cls = NET_CMD_REFUSED;  /* its ops stay in the record */
	}
	json_t *rec = record_json(argc, argv, &c, -1, "");
	int pr = publish(dir, rec, &seq);
	if (pr)
		error_line("the %s shim cannot record this command in %s: %s", tool, dir, strerror(-pr));
	if (c.cls == NET_CMD_READ_ONLY) {
		json_decref(rec);
		const char *real = getenv(c.tool == NET_TOOL_BRCTL ? SHIM_NET_REAL_BRCTL_ENV : SHIM_NET_REAL_IP_ENV);
		if (!real || !*real) {
			error_line("%s: the grading host has no %s to show this with", tool, tool);
			return 127;
		}
		drop_grader_env();
		argv[0] = (char *)tool;
		execv(real, argv);
		error_line("cannot run %s: %s", real, strerror(errno));
		return 127;
	}
	if (c.cls == NET_CMD_REFUSED) {
		snprintf(message, sizeof(message), "vlab: refused: %s", c.why);
		status = 1;
	} else {
		/* one the shim could not record (the record directory full)
		 * still goes to the grader, whose log is the record root keeps:
		 * as net-0 */
		int ar = ask_grader(seq, &status, message, sizeof(message));
		if (ar) {
			snprintf(message, sizeof(message), "vlab: the grader did not apply this command: %s",
				 ar == -ETIMEDOUT ? "no answer within 10 s" : strerror(-ar));
			status = 1;
		}
	}
	if (message[0])
		fprintf(stderr, "%s\n", message);
	if (!pr) {
		json_decref(rec);
		rec = record_json(argc, argv, &c, status, message);
		republish(dir, seq, rec);
	}
	json_decref(rec);
	return status;
}

int shim_net_main(int argc, char **argv)
{
	int status = shim_net_run(argc, argv);
	/* ended here rather than through exit(): in a sanitized build the
	 * leak check at exit stops the world with ptrace, which the sandbox's
	 * seccomp filter refuses, and that would turn every answered command
	 * into a crash (the qemu and sudo shims exec, and never get there) */
	fflush(NULL);
	_exit(status);
}
