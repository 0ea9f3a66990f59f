/* QMP client; see qmp.h for the protocol.
 *
 *   connect ──▶ greeting {"QMP"} ──▶ qmp_capabilities ──▶ READY
 *   READY: send {"execute", "id": N} ──▶ read messages until the reply with id N
 *          ├─ {"event"}: counted, name kept, skipped
 *          ├─ a reply with another id (one we gave up on earlier): skipped
 *          └─ {"return"} → 0, {"error"} → -EREMOTEIO "Class: desc"
 *
 * The socket is non-blocking and every wait is a poll() in slices of
 * POLL_SLICE_MS, so a stop request (cleanup_stop_requested) or a deadline is
 * noticed within a slice even when a signal lands just before poll().
 * Bytes read are kept in a buffer: a read may end in the middle of a message
 * or hold several.
 */
#include "runner/vm/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/clock.h"

#define POLL_SLICE_MS 50
/* qemu creates the socket a little after it starts: retry this often. */
/* The largest reply vlab asks for is query-stats for all vCPUs (a few KiB
 * per vCPU); a line this long without its newline is a broken peer. */
#define MAX_MESSAGE (16u << 20)
#define EVENTS_KEPT 16

struct qmp {
	int fd;
	struct strbuf in;          /* bytes read, not yet split into messages */
	json_int_t next_id;
	unsigned nevents;
	char *events[EVENTS_KEPT]; /* ring: events[(nevents - 1) % EVENTS_KEPT] is the last */
};

enum qmp_msg_kind qmp_classify(const char *line, size_t len, json_t **obj)
{
	enum qmp_msg_kind kind = QMP_MSG_INVALID;
	json_t *o, *ret, *err, *ev, *greet;

	if (obj)
		*obj = NULL;
	if (!line)
		return QMP_MSG_INVALID;
	/* Without JSON_DECODE_ANY jansson takes only an object or an array. */
	o = json_loadb(line, len, 0, NULL);
	if (!json_is_object(o))
		goto out;
	greet = json_object_get(o, "QMP");
	ret = json_object_get(o, "return");
	err = json_object_get(o, "error");
	ev = json_object_get(o, "event");
	/* Exactly one of the four members makes a message (qmp-spec 2.2-2.5). */
	if (!!greet + !!ret + !!err + !!ev != 1)
		goto out;
	if (greet && json_is_object(greet))
		kind = QMP_MSG_GREETING;
	else if (ret)
		kind = QMP_MSG_RETURN; /* any JSON value */
	else if (err && json_is_object(err))
		kind = QMP_MSG_ERROR;
	else if (ev && json_is_string(ev))
		kind = QMP_MSG_EVENT;
out:
	if (kind != QMP_MSG_INVALID && obj) {
		*obj = o;
		return kind;
	}
	json_decref(o);
	return kind;
}

/* Has pid gone? kill(pid, 0) still succeeds on a zombie (our own child that
 * nobody has reaped yet), so /proc/PID/stat's state field settles that case:
 * 'Z' zombie, 'X' dead (proc(5)). */

/* Waits for events on fd until the deadline, one slice at a time. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int r;

	for (;;) {
		idle_tick();
		if (cleanup_stop_requested())
			return -EINTR;
		left = ms_left(deadline);
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS));
		if (r < 0 && errno != EINTR)
			return -errno;
		/* POLLHUP/POLLERR: let read()/send() report what happened */
		if (r > 0)
			return 0;
	}
}

static int send_all(struct qmp *q, const char *buf, size_t len, int64_t deadline)
{
	ssize_t w;
	int r;

	while (len) {
		/* MSG_NOSIGNAL: a dead qemu is -EPIPE here, not a SIGPIPE. */
		w = send(q->fd, buf, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				return -EPIPE;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			r = wait_fd(q->fd, POLLOUT, deadline);
			if (r)
				return r;
			continue;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reads more bytes into q->in, waiting until the deadline. */
static int fill(struct qmp *q, int64_t deadline)
{
	char buf[8192];
	ssize_t n;
	int r;

	for (;;) {
		if (cleanup_stop_requested())
			return -EINTR;
		n = read(q->fd, buf, sizeof(buf));
		if (n > 0) {
			sb_add(&q->in, buf, (size_t)n);
			return 0;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		/* A UNIX socket closed with input it never read makes the
		 * peer's read fail with ECONNRESET, not return 0
		 * (net/unix/af_unix.c, unix_release_sock); a client reading
		 * on after QEMU 7.2's "quit" met it. Same meaning: gone. */
		if (errno == ECONNRESET)
			return -EPIPE;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		r = wait_fd(q->fd, POLLIN, deadline);
		if (r)
			return r;
	}
}

static bool is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* The next message (new reference in *msg). Blank lines are skipped; a line
 * that is not a QMP message is -EPROTO. */
static int read_message(struct qmp *q, json_t **msg, enum qmp_msg_kind *kind, int64_t deadline)
{
	bool blank;
	char *nl;
	size_t len;
	int r;

	for (;;) {
		nl = q->in.len ? memchr(q->in.buf, '\n', q->in.len) : NULL;
		if (!nl) {
			if (q->in.len > MAX_MESSAGE)
				return -EMSGSIZE;
			r = fill(q, deadline);
			if (r)
				return r;
			continue;
		}
		len = (size_t)(nl - q->in.buf);
		/* jansson skips the '\r' of qemu's "\r\n" as whitespace */
		blank = is_blank(q->in.buf, len);
		*kind = blank ? QMP_MSG_INVALID : qmp_classify(q->in.buf, len, msg);
		sb_remove_prefix(&q->in, len + 1);
		if (blank)
			continue;
		return *kind == QMP_MSG_INVALID ? -EPROTO : 0;
	}
}

static void note_event(struct qmp *q, const json_t *msg)
{
	const char *name = json_string_value(json_object_get(msg, "event"));
	char **slot = &q->events[q->nevents % EVENTS_KEPT];

	free(*slot);
	*slot = xstrdup(name ? name : "");
	q->nevents++;
}

unsigned qmp_events_seen(const struct qmp *q)
{
	return q ? q->nevents : 0;
}

const char *qmp_last_event(const struct qmp *q)
{
	/* "" rather than NULL so a caller can print it unconditionally */
	if (!q || !q->nevents)
		return "";
	return q->events[(q->nevents - 1) % EVENTS_KEPT];
}

static char *format_error(const json_t *msg)
{
	const json_t *err = json_object_get(msg, "error");
	const char *cls = json_string_value(json_object_get(err, "class"));
	const char *desc = json_string_value(json_object_get(err, "desc"));

	return xasprintf("%s: %s", cls ? cls : "GenericError", desc ? desc : "(no description)");
}

/* Is msg the reply to the request with this id? qemu copies the request's id
 * into the reply, errors included (qapi/qmp-dispatch.c); only a request it
 * could not parse as JSON gets an error without id, and then it can only be
 * the one request we have in flight. */
static bool is_our_reply(const json_t *msg, enum qmp_msg_kind kind, json_int_t id)
{
	const json_t *rid = json_object_get(msg, "id");

	if (!rid)
		return kind == QMP_MSG_ERROR;
	return json_is_integer(rid) && json_integer_value(rid) == id;
}

int qmp_execute(struct qmp *q, const char *cmd, json_t *args, json_t **result,
		char **errdesc, int64_t timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct strbuf out = STRBUF_INIT;
	enum qmp_msg_kind kind;
	json_t *req, *msg = NULL;
	json_int_t id;
	char *line = NULL;
	int r;

	if (result)
		*result = NULL;
	if (errdesc)
		*errdesc = NULL;
	if (!q || !cmd || (args && !json_is_object(args)))
		return -EINVAL;
	if (q->fd < 0)
		return -EPIPE;

	id = ++q->next_id;
	req = json_pack("{s:s, s:I}", "execute", cmd, "id", id);
	if (!req)
		return -ENOMEM;
	if (args && json_object_set(req, "arguments", args) < 0) {
		r = -ENOMEM;
		goto out;
	}
	/* JSON_COMPACT keeps it on one line: qemu's parser does not need
	 * newlines, but one line per message keeps traces readable. */
	line = json_dumps(req, JSON_COMPACT);
	if (!line) {
		r = -ENOMEM;
		goto out;
	}
	sb_adds(&out, line);
	sb_adds(&out, "\n");
	r = send_all(q, out.buf, out.len, deadline);
	if (r)
		goto out;

	for (;;) {
		r = read_message(q, &msg, &kind, deadline);
		if (r)
			goto out;
		if (kind == QMP_MSG_EVENT) {
			note_event(q, msg);
		} else if ((kind == QMP_MSG_RETURN || kind == QMP_MSG_ERROR) &&
			   is_our_reply(msg, kind, id)) {
			break;
		}
		/* a greeting mid-stream, or a late reply to an older request */
		json_decref(msg);
		msg = NULL;
	}

	if (kind == QMP_MSG_ERROR) {
		if (errdesc)
			*errdesc = format_error(msg);
		r = -EREMOTEIO;
		goto out;
	}
	if (result)
		*result = json_incref(json_object_get(msg, "return"));
	r = 0;
out:
	json_decref(msg);
	sb_release(&out);
	free(line);
	json_decref(req);
	return r;
}

int qmp_from_fd(struct qmp **out, int fd, int64_t timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	enum qmp_msg_kind kind;
	struct qmp *q;
	json_t *msg = NULL;
	int flags, r;

	if (!out) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	*out = NULL;
	if (fd < 0)
		return -EBADF;
	q = xcalloc(1, sizeof(*q));
	q->fd = fd;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}

	r = read_message(q, &msg, &kind, deadline);
	if (r)
		goto fail;
	json_decref(msg);
	if (kind != QMP_MSG_GREETING) {
		r = -EPROTO;
		goto fail;
	}
	/* Until qmp_capabilities the server is in negotiation mode and
	 * refuses every other command (qmp-spec 4). */
	r = qmp_execute(q, "qmp_capabilities", NULL, NULL, NULL, ms_left(deadline));
	if (r)
		goto fail;
	*out = q;
	return 0;
fail:
	qmp_close(q);
	return r;
}

int qmp_connect(struct qmp **out, const char *path, pid_t watch_pid, int64_t timeout_ms)
{
	return qmp_connect_peer(out, path, watch_pid, 0, timeout_ms);
}

int qmp_connect_peer(struct qmp **out, const char *path, pid_t watch_pid, pid_t peer, int64_t timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int fd, r;

	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	r = unix_connect_peer(path, watch_pid, peer, timeout_ms, &fd);
	/* a socket never served within the deadline is a timeout for QMP */
	if (r == -ENOENT || r == -ECONNREFUSED)
		return ms_left(deadline) <= 0 ? -ETIMEDOUT : r;
	if (r)
		return r;
	return qmp_from_fd(out, fd, ms_left(deadline));
}

void qmp_close(struct qmp *q)
{
	unsigned i;

	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	for (i = 0; i < EVENTS_KEPT; i++)
		free(q->events[i]);
	sb_release(&q->in);
	free(q);
}
