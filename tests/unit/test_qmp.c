/* runner/qmp: the client against a fake QMP server, a forked child on the
 * other end of a socketpair (or of a UNIX socket for qmp_connect). The child
 * checks what the client sent and exits non-zero on anything unexpected; the
 * parent asserts on what the client returned and on the child's exit status.
 * Real messages come from tests/fixtures/qmp (QEMU 7.2, see its README). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cleanup.h"
#include "runner/vm/qmp.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "tests/unit/child.h"

#define QMP_FIXTURES FIXTURES "/qmp/"

/* Child exit codes, so a failure says what the fake server saw. */
enum {
	SRV_OK = 0,
	SRV_EOF = 10,        /* the client closed before sending a request */
	SRV_BAD_JSON = 11,   /* a request that is not one line of JSON */
	SRV_WRONG_CMD = 12,  /* another "execute" than expected */
	SRV_NO_ID = 13,      /* a request without an integer id */
	SRV_BAD_ARGS = 14,
	SRV_ID_ORDER = 15,   /* ids that do not increase */
	SRV_SETUP = 16,
};

static char *fixture(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];

	snprintf(path, sizeof(path), "%s%s", QMP_FIXTURES, name);
	if (read_file(path, &sb) < 0)
		fail_msg("cannot read '%s'", path);
	return sb.buf;
}

/* ---- the fake server (runs in the child: no cmocka there) ---- */

static void srv_write(int fd, const char *s, size_t len)
{
	ssize_t w;

	while (len) {
		w = send(fd, s, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* the client went away: its side of the test says so */
		}
		s += w;
		len -= (size_t)w;
	}
}

static void srv_send(int fd, const char *s)
{
	srv_write(fd, s, strlen(s));
}

static void srv_sendf(int fd, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void srv_sendf(int fd, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	srv_write(fd, sb.buf, sb.len);
	sb_release(&sb);
}

/* One request line (the client sends one per line); exits on EOF. */
static json_t *srv_request(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *req;
	char c;
	ssize_t r;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(SRV_EOF);
		if (c == '\n')
			break;
		sb_add(&sb, &c, 1);
	}
	req = json_loads(sb_str(&sb), 0, NULL);
	sb_release(&sb);
	if (!json_is_object(req))
		_exit(SRV_BAD_JSON);
	return req;
}

/* Reads a request, checks its command, returns its id. */
static json_int_t srv_expect(int fd, const char *cmd)
{
	json_t *req = srv_request(fd);
	const char *got = json_string_value(json_object_get(req, "execute"));
	json_t *id = json_object_get(req, "id");
	json_int_t v;

	if (!got || strcmp(got, cmd) != 0)
		_exit(SRV_WRONG_CMD);
	if (!json_is_integer(id))
		_exit(SRV_NO_ID);
	v = json_integer_value(id);
	json_decref(req);
	return v;
}

static void srv_reply(int fd, json_int_t id, const char *ret)
{
	srv_sendf(fd, "{\"return\": %s, \"id\": %lld}\r\n", ret, (long long)id);
}

/* The real greeting, then qmp_capabilities. */
static json_int_t srv_handshake(int fd)
{
	char *greeting = fixture("greeting-qemu7.2.json");
	json_int_t id;

	srv_send(fd, greeting);
	free(greeting);
	id = srv_expect(fd, "qmp_capabilities");
	srv_reply(fd, id, "{}");
	return id;
}

/* After the scenario: wait for the client to close, so no write of ours
 * races its reads, then exit cleanly. */
static void srv_drain(int fd)
{
	char c;

	while (read(fd, &c, 1) > 0)
		;
	_exit(SRV_OK);
}

typedef void (*server_fn)(int fd);

/* Forks a server running fn on one end of a socketpair; returns the other. */
static int start_server(server_fn fn, pid_t *pid)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		default_fault_signals();
		close(sv[0]);
		fn(sv[1]);
		_exit(SRV_OK);
	}
	close(sv[1]);
	return sv[0];
}

static void end_server(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("fake server died of signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), SRV_OK);
}

/* Connects a client to a fresh server running fn. */
static struct qmp *client_for(server_fn fn, pid_t *pid)
{
	struct qmp *q = NULL;
	int fd = start_server(fn, pid);

	assert_int_equal(qmp_from_fd(&q, fd, 1000), 0);
	assert_non_null(q);
	return q;
}

/* ---- qmp_classify ---- */

static void test_classify_fixtures(void **state)
{
	static const struct {
		const char *file;
		enum qmp_msg_kind kind;
	} cases[] = {
		{ "greeting-qemu7.2.json", QMP_MSG_GREETING },
		{ "query-status-running.json", QMP_MSG_RETURN },
		{ "query-block-blockdev-file-raw.json", QMP_MSG_RETURN },
		{ "query-stats-vcpu-kvm_pvm.json", QMP_MSG_RETURN }, /* pretty-printed */
		{ "error-command-not-found.json", QMP_MSG_ERROR },
		{ "event-stop.json", QMP_MSG_EVENT },
		{ "event-shutdown.json", QMP_MSG_EVENT },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *line = fixture(cases[i].file);
		json_t *obj = NULL;

		assert_int_equal(qmp_classify(line, strlen(line), &obj), cases[i].kind);
		assert_true(json_is_object(obj));
		json_decref(obj);
		/* obj is optional */
		assert_int_equal(qmp_classify(line, strlen(line), NULL), cases[i].kind);
		free(line);
	}
}

static void test_classify_invalid(void **state)
{
	static const char *const lines[] = {
		"", "\r\n", "not json", "[1, 2]", "42", "\"return\"", "{}",
		"{\"id\": 1}",
		"{\"return\": {}, \"error\": {\"class\": \"x\", \"desc\": \"y\"}}",
		"{\"return\": 1, \"event\": \"STOP\"}",
		"{\"error\": \"oops\"}",
		"{\"event\": 5}",
		"{\"QMP\": []}",
		"{\"return\": {}} trailing",
		"{\"return\": {}}\r\n{\"return\": {}}",  /* two messages are not one */
		"{\"return\": 18446744073709551616}",   /* beyond int64: jansson refuses */
		"{\"return\": \"a\\u0000b\"}",
		"{\"return\": ",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		json_t *obj = (json_t *)&obj; /* must be reset to NULL */

		if (qmp_classify(lines[i], strlen(lines[i]), &obj) != QMP_MSG_INVALID)
			fail_msg("'%s' was classified", lines[i]);
		assert_null(obj);
	}
	assert_int_equal(qmp_classify(NULL, 0, NULL), QMP_MSG_INVALID);
	/* the length is honoured: only the first message of a longer buffer */
	assert_int_equal(qmp_classify("{\"return\": 1}xyz", 13, NULL), QMP_MSG_RETURN);
	/* "return" may hold any JSON value */
	{
		const char *l = "{\"return\": null, \"id\": 3}";

		assert_int_equal(qmp_classify(l, strlen(l), NULL), QMP_MSG_RETURN);
	}
}

/* ---- handshake and commands ---- */

static void srv_status(int fd)
{
	json_int_t caps = srv_handshake(fd);
	json_int_t id = srv_expect(fd, "query-status");

	if (id <= caps)
		_exit(SRV_ID_ORDER);
	srv_reply(fd, id, "{\"status\": \"running\", \"singlestep\": false, \"running\": true}");
	id = srv_expect(fd, "query-status");
	srv_reply(fd, id, "{\"status\": \"paused\", \"singlestep\": false, \"running\": false}");
	srv_drain(fd);
}

static void test_handshake_and_commands(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_status, &pid);
	json_t *res = NULL;
	char *err = NULL;

	assert_int_equal(qmp_execute(q, "query-status", NULL, &res, &err, 1000), 0);
	assert_null(err);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "running");
	assert_true(json_is_true(json_object_get(res, "running")));
	json_decref(res);
	/* result is optional */
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, NULL, 1000), 0);
	assert_int_equal(qmp_events_seen(q), 0);
	assert_string_equal(qmp_last_event(q), "");
	qmp_close(q);
	end_server(pid);
}

static void srv_args(int fd)
{
	json_t *req, *want;

	srv_handshake(fd);
	req = srv_request(fd);
	want = json_pack("{s:s}", "target", "vcpu");
	if (!json_equal(json_object_get(req, "arguments"), want))
		_exit(SRV_BAD_ARGS);
	srv_reply(fd, json_integer_value(json_object_get(req, "id")), "[]");
	json_decref(want);
	json_decref(req);
	/* no "arguments" member at all when there are none */
	req = srv_request(fd);
	if (json_object_get(req, "arguments"))
		_exit(SRV_BAD_ARGS);
	srv_reply(fd, json_integer_value(json_object_get(req, "id")), "{}");
	json_decref(req);
	srv_drain(fd);
}

static void test_arguments(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_args, &pid);
	json_t *args = json_pack("{s:s}", "target", "vcpu");
	json_t *res = NULL;

	assert_int_equal(qmp_execute(q, "query-stats", args, &res, NULL, 1000), 0);
	assert_true(json_is_array(res));
	assert_int_equal(json_array_size(res), 0);
	json_decref(res);
	/* args are borrowed: still ours */
	assert_int_equal(args->refcount, 1);
	json_decref(args);
	assert_int_equal(qmp_execute(q, "cont", NULL, NULL, NULL, 1000), 0);
	/* arguments must be an object */
	args = json_array();
	assert_int_equal(qmp_execute(q, "cont", args, NULL, NULL, 1000), -EINVAL);
	json_decref(args);
	assert_int_equal(qmp_execute(q, NULL, NULL, NULL, NULL, 1000), -EINVAL);
	qmp_close(q);
	end_server(pid);
}

/* ---- events, partial and joined messages ---- */

static void srv_events_first(int fd)
{
	char *resume = fixture("event-resume.json"), *stop = fixture("event-stop.json");
	json_int_t id;

	srv_handshake(fd);
	id = srv_expect(fd, "stop");
	srv_send(fd, resume);
	usleep(5000);
	srv_send(fd, stop);
	usleep(5000);
	srv_reply(fd, id, "{}");
	free(resume);
	free(stop);
	srv_drain(fd);
}

static void test_reply_after_two_events(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_events_first, &pid);
	json_t *res = NULL;

	assert_int_equal(qmp_execute(q, "stop", NULL, &res, NULL, 1000), 0);
	assert_true(json_is_object(res));
	assert_int_equal(json_object_size(res), 0);
	json_decref(res);
	assert_int_equal(qmp_events_seen(q), 2);
	assert_string_equal(qmp_last_event(q), "STOP");
	qmp_close(q);
	end_server(pid);
}

static void srv_split(int fd)
{
	char *greeting = fixture("greeting-qemu7.2.json");
	struct strbuf sb = STRBUF_INIT;
	json_int_t id;
	size_t i;

	/* the greeting a byte at a time */
	for (i = 0; greeting[i]; i++)
		srv_write(fd, &greeting[i], 1);
	free(greeting);
	id = srv_expect(fd, "qmp_capabilities");
	srv_reply(fd, id, "{}");

	id = srv_expect(fd, "query-memory-size-summary");
	sb_addf(&sb, "{\"return\": {\"base-memory\": 268435456, \"plugged-memory\": 0}, \"id\": %lld}\r\n",
		(long long)id);
	/* cut inside a key, inside a number, and between '\r' and '\n' */
	srv_write(fd, sb.buf, 5);
	usleep(10000);
	srv_write(fd, sb.buf + 5, 30);
	usleep(10000);
	srv_write(fd, sb.buf + 35, sb.len - 36);
	usleep(10000);
	srv_write(fd, sb.buf + sb.len - 1, 1);
	sb_release(&sb);
	srv_drain(fd);
}

static void test_reply_split_across_writes(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_split, &pid);
	json_t *res = NULL;

	assert_int_equal(qmp_execute(q, "query-memory-size-summary", NULL, &res, NULL, 1000), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "base-memory")), 268435456);
	json_decref(res);
	qmp_close(q);
	end_server(pid);
}

static void srv_joined(int fd)
{
	char *greeting = fixture("greeting-qemu7.2.json");
	struct strbuf sb = STRBUF_INIT;
	json_int_t id;

	/* greeting and the capabilities reply cannot share a write (the
	 * reply needs the request's id), but the first command's reply can
	 * come with a blank line, two events, a stale reply and the first
	 * half of the next event */
	srv_send(fd, greeting);
	free(greeting);
	id = srv_expect(fd, "qmp_capabilities");
	srv_reply(fd, id, "{}");
	id = srv_expect(fd, "query-status");
	sb_addf(&sb, "\r\n"
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\r\n"
		"{\"return\": \"stale\", \"id\": %lld}\r\n"
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"STOP\"}\r\n"
		"{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": %lld}\r\n"
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 4}, \"ev",
		(long long)id - 1, (long long)id);
	srv_write(fd, sb.buf, sb.len);
	sb_release(&sb);
	id = srv_expect(fd, "cont");
	sb_addf(&sb, "ent\": \"RESUME\"}\r\n{\"return\": {}, \"id\": %lld}\r\n", (long long)id);
	srv_write(fd, sb.buf, sb.len);
	sb_release(&sb);
	srv_drain(fd);
}

static void test_several_messages_in_one_write(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_joined, &pid);
	json_t *res = NULL;

	assert_int_equal(qmp_execute(q, "query-status", NULL, &res, NULL, 1000), 0);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "paused");
	json_decref(res);
	assert_int_equal(qmp_events_seen(q), 2);
	assert_string_equal(qmp_last_event(q), "STOP");
	/* the partial event left in the buffer is completed by the next read */
	assert_int_equal(qmp_execute(q, "cont", NULL, &res, NULL, 1000), 0);
	json_decref(res);
	assert_int_equal(qmp_events_seen(q), 3);
	assert_string_equal(qmp_last_event(q), "RESUME");
	qmp_close(q);
	end_server(pid);
}

/* More than EVENTS_KEPT events: the count goes on, the last one is kept. */
static void srv_many_events(int fd)
{
	json_int_t id;
	int i;

	srv_handshake(fd);
	id = srv_expect(fd, "cont");
	for (i = 0; i < 40; i++)
		srv_sendf(fd, "{\"event\": \"EV%d\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n", i);
	srv_reply(fd, id, "{}");
	srv_drain(fd);
}

static void test_many_events(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_many_events, &pid);

	assert_int_equal(qmp_execute(q, "cont", NULL, NULL, NULL, 1000), 0);
	assert_int_equal(qmp_events_seen(q), 40);
	assert_string_equal(qmp_last_event(q), "EV39");
	qmp_close(q);
	end_server(pid);
}

/* A reply larger than the socket buffer and the client's read size. */
static void srv_large(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	json_int_t id;
	int i;

	srv_handshake(fd);
	id = srv_expect(fd, "query-pci");
	sb_adds(&sb, "{\"return\": [");
	for (i = 0; i < 20000; i++)
		sb_addf(&sb, "%s{\"n\": %d, \"pad\": \"0123456789abcdef0123456789abcdef\"}", i ? ", " : "", i);
	sb_addf(&sb, "], \"id\": %lld}\r\n", (long long)id);
	srv_write(fd, sb.buf, sb.len);
	sb_release(&sb);
	srv_drain(fd);
}

static void test_large_reply(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_large, &pid);
	json_t *res = NULL;

	assert_int_equal(qmp_execute(q, "query-pci", NULL, &res, NULL, 2000), 0);
	assert_int_equal(json_array_size(res), 20000);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 19999), "n")), 19999);
	json_decref(res);
	qmp_close(q);
	end_server(pid);
}

/* ---- errors ---- */

static void srv_errors(int fd)
{
	json_int_t id;

	srv_handshake(fd);
	id = srv_expect(fd, "no-such-command");
	/* the real reply's shape (error-command-not-found.json), our id */
	srv_sendf(fd, "{\"id\": %lld, \"error\": {\"class\": \"CommandNotFound\", "
		  "\"desc\": \"The command no-such-command has not been found\"}}\r\n", (long long)id);
	id = srv_expect(fd, "no-such-command");
	srv_sendf(fd, "{\"id\": %lld, \"error\": {\"class\": \"CommandNotFound\", "
		  "\"desc\": \"The command no-such-command has not been found\"}}\r\n", (long long)id);
	/* an error qemu could not tie to a request (a JSON parse error)
	 * carries no id */
	srv_expect(fd, "query-status");
	srv_send(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'x'\"}}\r\n");
	/* an error object without its members */
	id = srv_expect(fd, "query-status");
	srv_sendf(fd, "{\"id\": %lld, \"error\": {}}\r\n", (long long)id);
	/* and the connection still works */
	id = srv_expect(fd, "query-status");
	srv_reply(fd, id, "{\"status\": \"running\", \"running\": true}");
	srv_drain(fd);
}

static void test_error_replies(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_errors, &pid);
	json_t *res = (json_t *)&res;
	char *err = NULL;

	assert_int_equal(qmp_execute(q, "no-such-command", NULL, &res, &err, 1000), -EREMOTEIO);
	assert_null(res);
	assert_string_equal(err, "CommandNotFound: The command no-such-command has not been found");
	free(err);
	/* errdesc is optional */
	assert_int_equal(qmp_execute(q, "no-such-command", NULL, NULL, NULL, 1000), -EREMOTEIO);
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, &err, 1000), -EREMOTEIO);
	assert_string_equal(err, "GenericError: JSON parse error, invalid keyword 'x'");
	free(err);
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, &err, 1000), -EREMOTEIO);
	assert_string_equal(err, "GenericError: (no description)");
	free(err);
	assert_int_equal(qmp_execute(q, "query-status", NULL, &res, &err, 1000), 0);
	assert_null(err);
	assert_true(json_is_true(json_object_get(res, "running")));
	json_decref(res);
	qmp_close(q);
	end_server(pid);
}

static void srv_other_ids(int fd)
{
	json_int_t id;

	srv_handshake(fd);
	id = srv_expect(fd, "query-status");
	srv_sendf(fd, "{\"return\": \"older\", \"id\": %lld}\r\n", (long long)id - 1);
	srv_sendf(fd, "{\"return\": \"newer\", \"id\": %lld}\r\n", (long long)id + 1);
	srv_send(fd, "{\"return\": \"string id\", \"id\": \"1\"}\r\n");
	srv_send(fd, "{\"return\": \"no id\"}\r\n");
	srv_sendf(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"not ours\"}, \"id\": %lld}\r\n",
		  (long long)id + 7);
	/* a second greeting is no reply either */
	srv_send(fd, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
	srv_reply(fd, id, "\"ours\"");
	srv_drain(fd);
}

static void test_other_ids_skipped(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_other_ids, &pid);
	json_t *res = NULL;

	assert_int_equal(qmp_execute(q, "query-status", NULL, &res, NULL, 1000), 0);
	assert_string_equal(json_string_value(res), "ours");
	json_decref(res);
	assert_int_equal(qmp_events_seen(q), 0);
	qmp_close(q);
	end_server(pid);
}

static void srv_garbage(int fd)
{
	json_int_t id;

	srv_handshake(fd);
	srv_expect(fd, "query-status");
	srv_send(fd, "this is not QMP\r\n");
	id = srv_expect(fd, "query-status");
	srv_reply(fd, id, "1");
	srv_drain(fd);
}

static void test_garbage_line(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_garbage, &pid);
	json_t *res = NULL;

	assert_int_equal(qmp_execute(q, "query-status", NULL, &res, NULL, 1000), -EPROTO);
	assert_null(res);
	/* the bad line was consumed; the next command goes through */
	assert_int_equal(qmp_execute(q, "query-status", NULL, &res, NULL, 1000), 0);
	assert_int_equal(json_integer_value(res), 1);
	json_decref(res);
	qmp_close(q);
	end_server(pid);
}

/* ---- the server goes away, or says nothing ---- */

static void srv_close_on_command(int fd)
{
	char *ev = fixture("event-shutdown.json");

	srv_handshake(fd);
	srv_expect(fd, "quit");
	/* qemu's last words after "quit": the event, the reply, then close.
	 * Here the reply never comes. */
	srv_send(fd, ev);
	free(ev);
	_exit(SRV_OK);
}

static void test_server_closes(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_close_on_command, &pid);

	assert_int_equal(qmp_execute(q, "quit", NULL, NULL, NULL, 1000), -EPIPE);
	assert_int_equal(qmp_events_seen(q), 1);
	assert_string_equal(qmp_last_event(q), "SHUTDOWN");
	end_server(pid);
	/* and every later command, on the send side */
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, NULL, 1000), -EPIPE);
	qmp_close(q);
}

/* Closing a UNIX socket with unread input makes the peer's next read fail
 * with ECONNRESET instead of returning 0 (net/unix/af_unix.c,
 * unix_release_sock); the python capture client met exactly that after
 * "quit". The client must read it as the end of the connection too. */
static void srv_close_unread(int fd)
{
	srv_handshake(fd);
	usleep(30000); /* the client's request arrives and stays unread */
	_exit(SRV_OK);
}

static void test_server_closes_with_request_unread(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_close_unread, &pid);

	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, NULL, 1000), -EPIPE);
	end_server(pid);
	qmp_close(q);
}

static void srv_half_greeting(int fd)
{
	srv_send(fd, "{\"QMP\": {\"version\"");
	_exit(SRV_OK);
}

static void test_server_closes_in_greeting(void **state)
{
	struct qmp *q = (struct qmp *)&q;
	pid_t pid;
	int fd = start_server(srv_half_greeting, &pid);

	assert_int_equal(qmp_from_fd(&q, fd, 1000), -EPIPE);
	assert_null(q);
	end_server(pid);
}

static void srv_silent_after_handshake(int fd)
{
	srv_handshake(fd);
	srv_expect(fd, "query-status");
	srv_drain(fd);
}

static void test_server_silent(void **state)
{
	pid_t pid;
	struct qmp *q = client_for(srv_silent_after_handshake, &pid);
	int64_t t0 = now_ms(), took;

	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, NULL, 100), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took >= 100);
	assert_true(took < 400);
	qmp_close(q);
	end_server(pid);
}

static void srv_no_greeting(int fd)
{
	srv_drain(fd);
}

static void test_no_greeting(void **state)
{
	struct qmp *q = NULL;
	pid_t pid;
	int fd = start_server(srv_no_greeting, &pid);
	int64_t t0 = now_ms(), took;

	assert_int_equal(qmp_from_fd(&q, fd, 100), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took >= 100 && took < 400);
	assert_null(q);
	/* qmp_from_fd closed fd: the server saw EOF */
	end_server(pid);
}

static void srv_wrong_greeting(int fd)
{
	srv_send(fd, "{\"return\": {}}\r\n");
	srv_drain(fd);
}

static void srv_caps_refused(int fd)
{
	char *greeting = fixture("greeting-qemu7.2.json");
	json_int_t id;

	srv_send(fd, greeting);
	free(greeting);
	id = srv_expect(fd, "qmp_capabilities");
	srv_sendf(fd, "{\"id\": %lld, \"error\": {\"class\": \"CommandNotFound\", "
		  "\"desc\": \"Capabilities negotiation is already complete, command ignored\"}}\r\n",
		  (long long)id);
	srv_drain(fd);
}

static void test_bad_handshakes(void **state)
{
	struct qmp *q = NULL;
	pid_t pid;
	int fd;

	fd = start_server(srv_wrong_greeting, &pid);
	assert_int_equal(qmp_from_fd(&q, fd, 1000), -EPROTO);
	assert_null(q);
	end_server(pid);

	fd = start_server(srv_caps_refused, &pid);
	assert_int_equal(qmp_from_fd(&q, fd, 1000), -EREMOTEIO);
	assert_null(q);
	end_server(pid);

	assert_int_equal(qmp_from_fd(&q, -1, 1000), -EBADF);
}

/* ---- stop requests ---- */

static void on_alarm(int signo)
{
	/* what cleanup's own handler does on a first SIGINT */
	cleanup_request_stop(SIGINT);
}

/* Even when a test failed half-way: no stop request or timer leaks into
 * the next test. */
static int reset_stop(void **state)
{
	struct itimerval off = { 0 };

	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	cleanup_clear_stop();
	return 0;
}

static void test_stop_requested(void **state)
{
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 50000 } };
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	pid_t pid;
	struct qmp *q = client_for(srv_silent_after_handshake, &pid);
	int64_t t0, took;

	/* already requested: no wait at all */
	cleanup_request_stop(SIGINT);
	t0 = now_ms();
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, NULL, 5000), -EINTR);
	assert_true(now_ms() - t0 < 100);
	cleanup_clear_stop();

	/* requested by a signal while waiting for the reply */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	t0 = now_ms();
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, NULL, 5000), -EINTR);
	took = now_ms() - t0;
	assert_true(took >= 40 && took < 500);
	assert_true(cleanup_stop_requested());
	cleanup_clear_stop();
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
	qmp_close(q);
	end_server(pid);
}

/* ---- qmp_connect over a UNIX socket path ---- */

static char sock_dir[64];
static char sock_path[128];

static int setup_dir(void **state)
{
	strcpy(sock_dir, "/tmp/vlab-test-qmp-XXXXXX");
	if (!mkdtemp(sock_dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/qmp.sock", sock_dir);
	return 0;
}

static int teardown_dir(void **state)
{
	reset_stop(state);
	unlink(sock_path);
	return rmdir(sock_dir);
}

/* Like qemu: the socket appears a while after the process starts. */
static void srv_late_listener(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, fd;
	json_int_t id;

	usleep(60000);
	strcpy(sa.sun_path, sock_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0)
		_exit(SRV_SETUP);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(SRV_SETUP);
	close(lfd);
	srv_handshake(fd);
	id = srv_expect(fd, "quit");
	srv_reply(fd, id, "{}");
	_exit(SRV_OK);
}

static void test_connect_retries(void **state)
{
	struct qmp *q = NULL;
	int64_t t0 = now_ms(), took;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		default_fault_signals();
		srv_late_listener();
	}
	assert_int_equal(qmp_connect(&q, sock_path, pid, 2000), 0);
	took = now_ms() - t0;
	assert_true(took >= 50 && took < 1000);
	assert_int_equal(qmp_execute(q, "quit", NULL, NULL, NULL, 1000), 0);
	qmp_close(q);
	end_server(pid);
	unlink(sock_path);
}

static void test_connect_watched_process_dies(void **state)
{
	struct qmp *q = NULL;
	int64_t t0;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(1); /* like qemu refusing its command line; nothing that could fault */
	/* not reaped: a zombie, which kill(pid, 0) still finds */
	usleep(20000);
	t0 = now_ms();
	assert_int_equal(qmp_connect(&q, sock_path, pid, 2000), -EPIPE);
	assert_true(now_ms() - t0 < 500);
	assert_null(q);
	/* reaped: gone altogether */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(qmp_connect(&q, sock_path, pid, 2000), -EPIPE);
}

static void test_connect_timeout(void **state)
{
	struct qmp *q = NULL;
	int64_t t0 = now_ms(), took;
	char long_path[200];

	/* a live watched process (us) and no socket */
	assert_int_equal(qmp_connect(&q, sock_path, getpid(), 100), -ETIMEDOUT);
	took = now_ms() - t0;
	assert_true(took >= 100 && took < 400);
	assert_null(q);

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(qmp_connect(&q, long_path, 0, 100), -ENAMETOOLONG);

	cleanup_request_stop(SIGTERM);
	assert_int_equal(qmp_connect(&q, sock_path, 0, 5000), -EINTR);
	cleanup_clear_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_fixtures),
		cmocka_unit_test(test_classify_invalid),
		cmocka_unit_test(test_handshake_and_commands),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_reply_after_two_events),
		cmocka_unit_test(test_reply_split_across_writes),
		cmocka_unit_test(test_several_messages_in_one_write),
		cmocka_unit_test(test_many_events),
		cmocka_unit_test(test_large_reply),
		cmocka_unit_test(test_error_replies),
		cmocka_unit_test(test_other_ids_skipped),
		cmocka_unit_test(test_garbage_line),
		cmocka_unit_test(test_server_closes),
		cmocka_unit_test(test_server_closes_with_request_unread),
		cmocka_unit_test(test_server_closes_in_greeting),
		cmocka_unit_test(test_server_silent),
		cmocka_unit_test(test_no_greeting),
		cmocka_unit_test(test_bad_handshakes),
		cmocka_unit_test_teardown(test_stop_requested, reset_stop),
		cmocka_unit_test_setup_teardown(test_connect_retries, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_connect_watched_process_dies, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_connect_timeout, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
