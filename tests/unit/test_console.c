/* Unit tests of the serial console driver (runner/vm/console.c).
 *
 * The guest end is a fake peer in a forked child on the other end of a
 * socketpair: a small expect/send script for getty and login, and a fake
 * busybox shell that parses the framed command lines the driver sends
 * (markers, the eval'd word, continuation lines), echoes them as the tty
 * does and answers from a table. The child logs each command it decoded to a
 * pipe, and exits non-zero when the driver did not send what it expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "tests/unit/child.h"

#define PEER_WAIT_MS 3000
#define KMSG1 "[    3.141592] e1000 0000:00:03.0 eth0: (PCI:33MHz:32-bit) 52:54:00:8b:99:de\r\n"
#define KMSG2 "[    4.000001] random: crng init done\r\n"
#define PROMPT_ROOT "~ # \x1b[6n"

/* ---- the fake peer ----------------------------------------------------- */

enum op {
	OP_END,
	OP_EXPECT,   /* read until s has arrived (and drop it) */
	OP_SEND,     /* send s */
	OP_SHELL,    /* be a shell until "exit" */
	OP_CLOSE,    /* exit at once, closing the socket */
	OP_SLEEP,    /* pause 50 ms, so that the driver sees what came so far */
};

struct step {
	enum op op;
	const char *s;
};

enum {
	F_HANG = 1,          /* print "started" and never finish */
	F_CLOSE = 2,         /* close the connection instead of answering */
	F_BYTEWISE = 4,      /* the answer one byte per write */
	F_BIG = 8,           /* 110 KB of generated output */
	F_SPLIT_MARKERS = 16,/* a kernel message inside each marker */
	F_STALE = 32,        /* markers of an earlier command first */
	F_ANSWER_CLOSE = 64, /* answer, then close */
};

struct fake_cmd {
	const char *cmd;
	const char *out;
	int status;
	unsigned flags;
};

struct peer {
	pid_t pid;
	int log_fd; /* read end: one decoded command per line */
};

static const struct fake_cmd *shell_cmds;
static size_t n_shell_cmds;
static char *long_cmd; /* built at run time, > 1 KiB */

static struct strbuf in_buf;
static int peer_fd, peer_log;

static void peer_send_raw(const char *s, size_t n, bool bytewise)
{
	while (n > 0) {
		size_t k = bytewise ? 1 : n;
		ssize_t w = send(peer_fd, s, k, MSG_NOSIGNAL);
		/* the driver may hang up while the prompt after an answer is
		 * still on its way: that ends the script as EOF does */
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			_exit(0);
		if (w <= 0)
			_exit(10);
		s += w;
		n -= (size_t)w;
		if (bytewise)
			usleep(100);
	}
}

static void peer_send(const char *s)
{
	peer_send_raw(s, strlen(s), false);
}

/* Read more into in_buf; exit when the driver closed (status 0: that is how
 * every script ends) or nothing came in time. */
static void peer_read(void)
{
	struct pollfd pfd = { .fd = peer_fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (poll(&pfd, 1, PEER_WAIT_MS) <= 0)
		_exit(11);
	n = read(peer_fd, buf, sizeof(buf));
	if (n <= 0)
		_exit(0);
	sb_add(&in_buf, buf, (size_t)n);
}

static void peer_expect(const char *s)
{
	const char *p;

	while (!(p = in_buf.buf ? strstr(in_buf.buf, s) : NULL)) {
		struct pollfd pfd = { .fd = peer_fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (poll(&pfd, 1, PEER_WAIT_MS) <= 0)
			_exit(12);
		n = read(peer_fd, buf, sizeof(buf));
		if (n <= 0)
			_exit(13); /* closed before sending what we wait for */
		sb_add(&in_buf, buf, (size_t)n);
	}
	sb_remove_prefix(&in_buf, (size_t)(p - in_buf.buf) + strlen(s));
}

/* "\n" to "\r\n", as the tty's onlcr does. */
static void add_crlf(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			sb_add(sb, "\r", 1);
		sb_add(sb, s, 1);
	}
}

/* Decode "echo "VL""B<id>"; command eval WORD </dev/null; echo "VL""E<id>:$?"\n".
 * 1: decoded, 0: needs more lines, -1: not a framed command. */
static int parse_framed(const char *s, struct strbuf *id, struct strbuf *cmd)
{
	static const char pre[] = "echo \"VL\"\"B";
	static const char mid[] = "\"; command eval ";
	static const char post1[] = " </dev/null; echo \"VL\"\"E";
	const char *p, *q;

	sb_reset(id);
	sb_reset(cmd);
	if (strncmp(s, pre, strlen(pre)) != 0)
		return -1;
	p = s + strlen(pre);
	q = strchr(p, '"');
	if (!q)
		return -1;
	sb_add(id, p, (size_t)(q - p));
	p = q;
	if (strncmp(p, mid, strlen(mid)) != 0)
		return -1;
	p += strlen(mid);
	/* one shell word: '...' pieces, backslash escapes, backslash-newline */
	for (;;) {
		if (*p == '\0')
			return 0;
		if (*p == '\'') {
			q = strchr(p + 1, '\'');
			if (!q)
				return 0;
			sb_add(cmd, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (*p == '\\') {
			if (p[1] == '\0')
				return 0;
			if (p[1] != '\n')
				sb_add(cmd, p + 1, 1);
			p += 2;
		} else if (*p == ' ' || *p == ';' || *p == '\n') {
			break;
		} else {
			sb_add(cmd, p, 1);
			p++;
		}
	}
	if (strncmp(p, post1, strlen(post1)) != 0)
		return -1;
	p += strlen(post1);
	if (strncmp(p, id->buf, id->len) != 0 || strcmp(p + id->len, ":$?\"\n") != 0)
		return -1;
	return 1;
}

static const struct fake_cmd *find_cmd(const char *cmd)
{
	static const struct fake_cmd unknown = { NULL, "sh: not found\n", 127, 0 };

	if (long_cmd && strcmp(cmd, long_cmd) == 0) {
		static const struct fake_cmd lc = { NULL, "long ok\n", 0, 0 };
		return &lc;
	}
	for (size_t i = 0; i < n_shell_cmds; i++)
		if (strcmp(shell_cmds[i].cmd, cmd) == 0)
			return &shell_cmds[i];
	return &unknown;
}

static void answer(const struct fake_cmd *c, const char *id, struct strbuf *pending_hang)
{
	struct strbuf o = STRBUF_INIT;

	if (c->flags & F_CLOSE)
		_exit(0);
	if (c->flags & F_STALE) {
		/* "<nonce>-<n>-" → the same nonce, n - 1 */
		const char *dash = strchr(id, '-');
		unsigned n = (unsigned)strtoul(dash + 1, NULL, 10);
		sb_addf(&o, "VLB%.*s-%u-\r\nstale output\r\nVLE%.*s-%u-:9\r\n", (int)(dash - id),
			id, n - 1, (int)(dash - id), id, n - 1);
	}
	if (c->flags & F_SPLIT_MARKERS)
		sb_addf(&o, "VL%sB%s\r\n", KMSG1, id);
	else
		sb_addf(&o, "VLB%s\r\n", id);
	if (c->flags & F_HANG) {
		sb_adds(&o, "started\r\n");
		peer_send_raw(o.buf, o.len, false);
		sb_reset(pending_hang);
		sb_adds(pending_hang, id);
		sb_release(&o);
		return;
	}
	if (c->flags & F_BIG) {
		for (int i = 0; i < 10000; i++)
			sb_addf(&o, "line %05d\r\n", i);
	} else {
		add_crlf(&o, c->out);
	}
	if (c->flags & F_SPLIT_MARKERS)
		sb_addf(&o, "VLE%s:%s%d\r\n", id, KMSG2, c->status);
	else
		sb_addf(&o, "VLE%s:%d\r\n", id, c->status);
	sb_adds(&o, PROMPT_ROOT);
	peer_send_raw(o.buf, o.len, c->flags & F_BYTEWISE);
	sb_release(&o);
	if (c->flags & F_ANSWER_CLOSE)
		_exit(0);
}

/* A busybox shell as far as the driver can tell, until "exit". */
static void peer_shell(void)
{
	struct strbuf text = STRBUF_INIT, id = STRBUF_INIT, cmd = STRBUF_INIT;
	struct strbuf hang = STRBUF_INIT;

	for (;;) {
		char *cr, *intr;

		if (!in_buf.len)
			peer_read();
		intr = memchr(in_buf.buf, '\x03', in_buf.len);
		cr = memchr(in_buf.buf, '\r', in_buf.len);
		if (intr && (!cr || intr < cr)) {
			struct strbuf o = STRBUF_INIT;
			/* ash aborts the line: the hung command's end marker
			 * (ash never prints it; here it does, as a stale one) */
			sb_adds(&o, "^C\r\n");
			if (hang.len)
				sb_addf(&o, "VLE%s:130\r\n", hang.buf);
			sb_adds(&o, PROMPT_ROOT);
			peer_send_raw(o.buf, o.len, false);
			sb_release(&o);
			sb_reset(&hang);
			sb_reset(&text);
			sb_remove_prefix(&in_buf, (size_t)(intr - in_buf.buf) + 1);
			continue;
		}
		if (!cr) {
			peer_read();
			continue;
		}
		/* one physical line: echo it, as the tty does */
		size_t n = (size_t)(cr - in_buf.buf);
		peer_send_raw(in_buf.buf, n, false);
		peer_send("\r\n");
		sb_add(&text, in_buf.buf, n);
		sb_add(&text, "\n", 1);
		sb_remove_prefix(&in_buf, n + 1);

		if (strcmp(text.buf, "exit\n") == 0)
			break;
		if (strcmp(text.buf, "\n") == 0) {
			sb_reset(&text);
			peer_send(PROMPT_ROOT);
			continue;
		}
		int r = parse_framed(text.buf, &id, &cmd);
		if (r == 0) {
			peer_send("> ");
			continue;
		}
		if (r < 0) {
			dprintf(peer_log, "BAD %s", text.buf);
			_exit(14);
		}
		dprintf(peer_log, "%s\n", cmd.buf);
		sb_reset(&text);
		answer(find_cmd(cmd.buf), id.buf, &hang);
	}
	sb_release(&text);
	sb_release(&id);
	sb_release(&cmd);
	sb_release(&hang);
}

static void peer_main(const struct step *script)
{
	for (const struct step *s = script; s->op != OP_END; s++) {
		switch (s->op) {
		case OP_EXPECT:
			peer_expect(s->s);
			break;
		case OP_SEND:
			peer_send(s->s);
			break;
		case OP_SHELL:
			peer_shell();
			break;
		case OP_SLEEP:
			usleep(50 * 1000);
			break;
		case OP_CLOSE:
			_exit(0);
		case OP_END:
			break;
		}
	}
	/* until the driver closes its end */
	for (;;)
		peer_read();
}

/* Fork the peer; *con gets the driver's end. */
static struct peer start_peer(const struct step *script, struct console **con,
			      const char *transcript)
{
	struct peer p;
	int sv[2], lp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(lp, O_CLOEXEC), 0);
	p.pid = fork();
	assert_true(p.pid >= 0);
	if (p.pid == 0) {
		default_fault_signals();
		close(sv[0]);
		close(lp[0]);
		peer_fd = sv[1];
		peer_log = lp[1];
		peer_main(script);
		_exit(0);
	}
	close(sv[1]);
	close(lp[1]);
	p.log_fd = lp[0];
	assert_int_equal(console_from_fd(con, sv[0], transcript), 0);
	return p;
}

/* Close the driver's end, reap the peer (which must have been content) and
 * return what it logged. */
static char *finish(struct peer p, struct console *con)
{
	struct strbuf log = STRBUF_INIT;
	int st;

	console_close(con);
	assert_int_equal(waitpid(p.pid, &st, 0), p.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	for (;;) {
		char buf[4096];
		ssize_t n = read(p.log_fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		sb_add(&log, buf, (size_t)n);
	}
	close(p.log_fd);
	return log.buf ? log.buf : xstrdup("");
}

static const struct fake_cmd basic_cmds[] = {
	{ "echo hello", "hello\n", 0, 0 },
	{ "false", "", 1, 0 },
	{ "printf abc", "abc", 0, 0 },
	{ "ls /nope && echo yes", "ls: /nope: No such file or directory\n", 1, 0 },
	{ "sleep 1 &", "", 0, 0 },
	{ "echo 'it'\\''s' \"two  words\" | tr a-z A-Z; # done", "IT'S TWO  WORDS\n", 0, 0 },
	{ "printf 'a\\nb\\n'\necho c", "a\nb\nc\n", 0, 0 },
	{ "dmesg-noise", "line1\n" KMSG1 "line2 part" KMSG2 " rest\n", 0, 0 },
	{ "split", "ok\n", 3, F_SPLIT_MARKERS },
	{ "slow", "one byte\nat a time " KMSG2 "still\n", 4, F_BYTEWISE },
	{ "big", NULL, 0, F_BIG },
	{ "hang", NULL, 0, F_HANG },
	{ "stale", "fresh\n", 0, F_STALE },
	{ "bye", NULL, 0, F_CLOSE },
	{ "last words", "said\n", 5, F_ANSWER_CLOSE },
	{ "true", "", 0, 0 },
};

static const struct step shell_only[] = {
	{ OP_SHELL, NULL },
	{ OP_END, NULL },
};

static int setup_shell(void **state)
{
	shell_cmds = basic_cmds;
	n_shell_cmds = ARRAY_SIZE(basic_cmds);
	(void)state;
	return 0;
}

/* ---- console_clean_output ---------------------------------------------- */

static void check_clean(const char *in, const char *want)
{
	char *buf = xstrdup(in);
	size_t n = console_clean_output(buf, strlen(buf));

	buf[n] = '\0';
	assert_string_equal(buf, want);
	free(buf);
}

static void test_clean_output(void **state)
{
	(void)state;
	check_clean("~ # \x1b[6n", "~ # ");
	check_clean("\x1b[1;34mdir\x1b[0m file\r\n", "dir file\n");
	check_clean("a\r\nb\r\n", "a\nb\n");
	check_clean(KMSG1 "ok\r\n", "ok\n");
	check_clean("hel" KMSG2 "lo\r\n", "hello\n");
	check_clean("x\n[12345.678901] late\r\ny\n", "x\ny\n");
	check_clean("a\x1b" "7b", "ab");
	check_clean("a\x1b", "a");
	check_clean("a\x1b[12", "a");
	/* a kernel line cut off at the end is gone too */
	check_clean("out\n[   12.345678] foo", "out\n");
	/* what only looks a bit like a timestamp stays */
	check_clean("[ 1.2 ] x\n", "[ 1.2 ] x\n");
	check_clean("[1.23456] x\n", "[1.23456] x\n");
	check_clean("[    3.14", "[    3.14");
	check_clean("array[0] = 1\n", "array[0] = 1\n");
	check_clean("end[", "end[");
	/* too long to be a kernel line: no newline within 2 KiB */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "[    1.000000] ");
	for (int i = 0; i < 300; i++)
		sb_adds(&sb, "0123456789");
	check_clean(sb.buf, sb.buf);
	sb_release(&sb);
	/* an escape sequence that never ends does not swallow the rest */
	sb_adds(&sb, "\x1b[");
	for (int i = 0; i < 100; i++)
		sb_adds(&sb, "1;");
	sb_adds(&sb, "m visible");
	char *cleaned = xstrdup(sb.buf);
	cleaned[console_clean_output(cleaned, sb.len)] = '\0';
	assert_non_null(strstr(cleaned, "m visible"));
	free(cleaned);
	sb_release(&sb);
	assert_int_equal(console_clean_output(NULL, 0), 0);
	char empty[1] = "";
	assert_int_equal(console_clean_output(empty, 0), 0);
}

/* ---- login --------------------------------------------------------------- */

static void test_prompt_after_nudge(void **state)
{
	static const struct step script[] = {
		{ OP_EXPECT, "\r" },
		{ OP_SEND, "\r\nvlab login: " },
		{ OP_END, NULL },
	};
	struct console *con;
	struct peer p = start_peer(script, &con, NULL);
	int64_t t0 = now_ms();

	(void)state;
	assert_int_equal(console_wait_login_prompt(con, 30, 2000), 0);
	assert_true(now_ms() - t0 >= 25);
	assert_true(now_ms() - t0 < 1500);
	free(finish(p, con));
}

static void test_prompt_variants(void **state)
{
	static const struct step no_space[] = {
		{ OP_SEND, "Welcome\r\nvlab login:" },
		{ OP_END, NULL },
	};
	/* a kernel message right after the prompt does not hide it */
	static const struct step kmsg_after[] = {
		{ OP_SEND, "box login: " KMSG1 },
		{ OP_END, NULL },
	};
	static const struct step none[] = {
		{ OP_SEND, "booting...\r\n" },
		{ OP_END, NULL },
	};
	struct console *con;
	struct peer p;

	(void)state;
	p = start_peer(no_space, &con, NULL);
	assert_int_equal(console_wait_login_prompt(con, 5000, 2000), 0);
	free(finish(p, con));

	p = start_peer(kmsg_after, &con, NULL);
	assert_int_equal(console_wait_login_prompt(con, 5000, 2000), 0);
	free(finish(p, con));

	p = start_peer(none, &con, NULL);
	int64_t t0 = now_ms();
	assert_int_equal(console_wait_login_prompt(con, 40, 150), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 140);
	assert_true(now_ms() - t0 < 1500);
	assert_non_null(strstr(console_tail(con), "booting..."));
	free(finish(p, con));
}

static void test_login_root(void **state)
{
	static const struct step script[] = {
		{ OP_SEND, "\r\nvlab login: " },
		{ OP_EXPECT, "root\r" },
		{ OP_SEND, "root\r\nPass" },
		{ OP_SEND, "word: " },
		{ OP_EXPECT, "toor\r" },
		{ OP_SEND, "\r\nWelcome to vlab\r\n" PROMPT_ROOT KMSG1 },
		{ OP_SHELL, NULL },
		{ OP_END, NULL },
	};
	char dir[] = "/tmp/test_console.XXXXXX";
	struct strbuf out = STRBUF_INIT, tr = STRBUF_INIT;
	struct console *con;
	struct stat st;
	int status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/transcript", dir);
	struct peer p = start_peer(script, &con, path);
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	assert_int_equal(console_login(con, "root", "toor", 2000), 0);
	assert_int_equal(console_run(con, "echo hello", 2000, &out, &status), 0);
	assert_string_equal(sb_str(&out), "hello\n");
	assert_int_equal(status, 0);
	char *log = finish(p, con);

	/* the shell was made scriptable, and quiet because root */
	assert_non_null(strstr(log, "stty columns 1000"));
	assert_non_null(strstr(log, "dmesg -n 1"));
	assert_non_null(strstr(log, "PS1="));

	/* everything went to the transcript, but the password */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(read_file(path, &tr), 0);
	assert_non_null(strstr(tr.buf, "Welcome to vlab"));
	assert_non_null(strstr(tr.buf, "VLB"));
	assert_null(strstr(tr.buf, "toor"));

	unlink(path);
	rmdir(dir);
	free(path);
	free(log);
	sb_release(&out);
	sb_release(&tr);
}

static void test_login_user(void **state)
{
	static const struct step script[] = {
		{ OP_SEND, "vlab login: " },
		{ OP_EXPECT, "student\r" },
		{ OP_SEND, "student\r\nPassword: " },
		{ OP_EXPECT, "student\r" },
		{ OP_SEND, "\r\n~ $ \x1b[6n" },
		{ OP_SHELL, NULL },
		{ OP_END, NULL },
	};
	struct console *con;
	struct peer p = start_peer(script, &con, NULL);

	(void)state;
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	assert_int_equal(console_login(con, "student", "student", 2000), 0);
	char *log = finish(p, con);
	assert_non_null(strstr(log, "stty columns 1000"));
	assert_null(strstr(log, "dmesg"));
	free(log);
}

/* console_login_plain (vlab verify): the same login, but nothing typed
 * into the shell afterwards; commands still run, with the shell's own
 * prompt; a refusal is -EACCES as ever. */
static void test_login_plain(void **state)
{
	static const struct step script[] = {
		{ OP_SEND, "vlab login: " },
		{ OP_EXPECT, "root\r" },
		{ OP_SEND, "root\r\nPassword: " },
		{ OP_EXPECT, "bad\r" },
		{ OP_SEND, "\r\nLogin incorrect\r\nvlab login: " },
		{ OP_EXPECT, "root\r" },
		{ OP_SEND, "root\r\nPassword: " },
		{ OP_EXPECT, "toor\r" },
		{ OP_SEND, "\r\n~ # \x1b[6n" },
		{ OP_SHELL, NULL },
		{ OP_END, NULL },
	};
	struct strbuf out = STRBUF_INIT;
	struct console *con;
	int status;
	struct peer p = start_peer(script, &con, NULL);

	(void)state;
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	assert_int_equal(console_login_plain(con, "root", "bad", 2000), -EACCES);
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	assert_int_equal(console_login_plain(con, "root", "toor", 2000), 0);
	assert_int_equal(console_run(con, "echo hello", 2000, &out, &status), 0);
	assert_string_equal(sb_str(&out), "hello\n");
	char *log = finish(p, con);
	/* the only command the shell saw is ours */
	assert_string_equal(log, "echo hello\n");
	free(log);
	sb_release(&out);
}

/* A nudge that crossed the prompt: getty prints "login:" once more before it
 * reads the user name; that is not a refusal. */
static void test_login_prompt_twice(void **state)
{
	static const struct step script[] = {
		{ OP_SEND, "vlab login: " },
		{ OP_EXPECT, "student\r" },
		{ OP_SEND, "\r\nvlab login: " },
		{ OP_SLEEP, NULL },
		{ OP_SEND, "student\r\nPassword: " },
		{ OP_EXPECT, "student\r" },
		{ OP_SEND, "\r\n~ $ \x1b[6n" },
		{ OP_SHELL, NULL },
		{ OP_END, NULL },
	};
	struct console *con;
	struct peer p = start_peer(script, &con, NULL);

	(void)state;
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	assert_int_equal(console_login(con, "student", "student", 2000), 0);
	free(finish(p, con));
}

static void test_login_no_password(void **state)
{
	static const struct step script[] = {
		{ OP_SEND, "vlab login: " },
		{ OP_EXPECT, "root\r" },
		{ OP_SEND, "root\r\n" PROMPT_ROOT },
		{ OP_SHELL, NULL },
		{ OP_END, NULL },
	};
	struct console *con;
	struct peer p = start_peer(script, &con, NULL);

	(void)state;
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	assert_int_equal(console_login(con, "root", NULL, 2000), 0);
	free(finish(p, con));
}

static void test_login_incorrect(void **state)
{
	static const struct step script[] = {
		{ OP_SEND, "vlab login: " },
		{ OP_EXPECT, "root\r" },
		{ OP_SEND, "root\r\nPassword: " },
		{ OP_EXPECT, "bad\r" },
		{ OP_SEND, "\r\nLogin incorrect\r\nvlab login: " },
		{ OP_EXPECT, "root\r" },
		{ OP_SEND, "root\r\nPassword: " },
		{ OP_EXPECT, "toor\r" },
		{ OP_SEND, "\r\n" PROMPT_ROOT },
		{ OP_SHELL, NULL },
		{ OP_END, NULL },
	};
	struct console *con;
	struct peer p = start_peer(script, &con, NULL);

	(void)state;
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	assert_int_equal(console_login(con, "root", "bad", 2000), -EACCES);
	/* the new prompt came along: no nudge, no wait */
	int64_t t0 = now_ms();
	assert_int_equal(console_wait_login_prompt(con, 5000, 2000), 0);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(console_login(con, "root", "toor", 2000), 0);
	free(finish(p, con));
}

static void test_logout(void **state)
{
	static const struct step script[] = {
		{ OP_SHELL, NULL },
		{ OP_SEND, "logout\r\n\r\nvlab login: " },
		{ OP_END, NULL },
	};
	struct console *con;
	struct peer p = start_peer(script, &con, NULL);

	(void)state;
	assert_int_equal(console_logout(con, 2000), 0);
	free(finish(p, con));
}

/* ---- console_run --------------------------------------------------------- */

static void run_ok(struct console *con, const char *cmd, const char *want, int want_status)
{
	struct strbuf out = STRBUF_INIT;
	int status = -7;

	assert_int_equal(console_run(con, cmd, 2000, &out, &status), 0);
	assert_string_equal(sb_str(&out), want);
	assert_int_equal(status, want_status);
	sb_release(&out);
}

static void test_run_basic(void **state)
{
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);

	(void)state;
	run_ok(con, "echo hello", "hello\n", 0);
	run_ok(con, "false", "", 1);
	run_ok(con, "printf abc", "abc", 0);
	run_ok(con, "ls /nope && echo yes", "ls: /nope: No such file or directory\n", 1);
	run_ok(con, "sleep 1 &", "", 0);
	run_ok(con, "echo 'it'\\''s' \"two  words\" | tr a-z A-Z; # done", "IT'S TWO  WORDS\n", 0);
	run_ok(con, "printf 'a\\nb\\n'\necho c", "a\nb\nc\n", 0);
	run_ok(con, "no such thing", "sh: not found\n", 127);
	/* the output also goes to the tail */
	assert_non_null(strstr(console_tail(con), "sh: not found"));
	char *log = finish(p, con);
	/* the shell got every command line back exactly */
	assert_non_null(strstr(log, "echo 'it'\\''s' \"two  words\" | tr a-z A-Z; # done\n"));
	assert_non_null(strstr(log, "sleep 1 &\n"));
	free(log);
}

static void test_run_kernel_messages(void **state)
{
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);

	(void)state;
	run_ok(con, "dmesg-noise", "line1\nline2 part rest\n", 0);
	/* a printk inside the begin marker and before the status */
	run_ok(con, "split", "ok\n", 3);
	free(finish(p, con));
}

static void test_run_bytewise(void **state)
{
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);

	(void)state;
	run_ok(con, "slow", "one byte\nat a time still\n", 4);
	free(finish(p, con));
}

static void test_run_big(void **state)
{
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);
	int status;

	(void)state;
	for (int i = 0; i < 10000; i++)
		sb_addf(&want, "line %05d\n", i);
	assert_int_equal(console_run(con, "big", 5000, &out, &status), 0);
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.buf, want.buf, want.len);
	assert_int_equal(status, 0);
	/* the tail is bounded */
	assert_true(strlen(console_tail(con)) <= 2048);
	assert_non_null(strstr(console_tail(con), "line 09999"));
	free(finish(p, con));
	sb_release(&out);
	sb_release(&want);
}

static void test_run_long_command(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	struct console *con;

	(void)state;
	/* longer than busybox's line editor takes, with quotes and a newline */
	sb_adds(&cmd, "printf '%s\\n' '");
	for (int i = 0; i < 300; i++)
		sb_adds(&cmd, "abcd");
	sb_adds(&cmd, "' | wc -c; echo 'it'\\''s'\necho \"");
	for (int i = 0; i < 100; i++)
		sb_adds(&cmd, "x'y ");
	sb_adds(&cmd, "\"");
	long_cmd = cmd.buf;
	struct peer p = start_peer(shell_only, &con, NULL);
	run_ok(con, long_cmd, "long ok\n", 0);
	char *log = finish(p, con);
	assert_non_null(strstr(log, long_cmd));
	free(log);
	long_cmd = NULL;
	sb_release(&cmd);
}

static void test_run_stale_markers(void **state)
{
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);

	(void)state;
	run_ok(con, "echo hello", "hello\n", 0);
	/* the peer first prints the markers of the command before */
	run_ok(con, "stale", "fresh\n", 0);
	free(finish(p, con));
}

static void test_run_timeout_then_interrupt(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);
	int status = 0;

	(void)state;
	int64_t t0 = now_ms();
	assert_int_equal(console_run(con, "hang", 200, &out, &status), -ETIMEDOUT);
	int64_t took = now_ms() - t0;
	assert_true(took >= 190);
	assert_true(took < 1500);
	assert_int_equal(status, -1);
	/* what came so far is there for the error message */
	assert_string_equal(sb_str(&out), "started\n");
	assert_non_null(strstr(console_tail(con), "started"));

	/* ^C; the hung command's end marker arrives late and must not be
	 * taken for the next command's */
	assert_int_equal(console_interrupt(con, 2000), 0);
	run_ok(con, "echo hello", "hello\n", 0);
	char *log = finish(p, con);
	assert_non_null(strstr(log, "hang\ntrue\necho hello\n"));
	free(log);
	sb_release(&out);
}

static void test_run_peer_closes(void **state)
{
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);
	int status;

	(void)state;
	assert_int_equal(console_run(con, "bye", 2000, NULL, &status), -EPIPE);
	assert_int_equal(console_run(con, "echo hello", 2000, NULL, &status), -EPIPE);
	free(finish(p, con));

	/* an answer that comes complete just before the close still counts */
	p = start_peer(shell_only, &con, NULL);
	run_ok(con, "last words", "said\n", 5);
	assert_int_equal(console_run(con, "echo hello", 2000, NULL, &status), -EPIPE);
	free(finish(p, con));
}

static void test_run_bad_command(void **state)
{
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);
	struct strbuf big = STRBUF_INIT;

	(void)state;
	assert_int_equal(console_run(con, "echo a\tb", 1000, NULL, NULL), -EINVAL);
	assert_int_equal(console_run(con, "echo \x03", 1000, NULL, NULL), -EINVAL);
	assert_int_equal(console_run(con, "echo \x7f", 1000, NULL, NULL), -EINVAL);
	for (int i = 0; i < 1000; i++)
		sb_adds(&big, "echo 1234;");
	assert_int_equal(console_run(con, big.buf, 1000, NULL, NULL), -E2BIG);
	/* nothing was sent: the shell is still fine */
	run_ok(con, "echo hello", "hello\n", 0);
	char *log = finish(p, con);
	assert_string_equal(log, "echo hello\n");
	free(log);
	sb_release(&big);
}

static void on_alarm(int sig)
{
	(void)sig;
	cleanup_request_stop(SIGINT);
}

static void test_stop_requested(void **state)
{
	struct console *con;
	struct peer p = start_peer(shell_only, &con, NULL);
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_value = { .tv_usec = 100 * 1000 } };
	int status;

	(void)state;
	/* before: nothing is sent */
	cleanup_request_stop(SIGINT);
	assert_int_equal(console_run(con, "echo hello", 2000, NULL, &status), -EINTR);
	assert_int_equal(console_wait_login_prompt(con, 10, 2000), -EINTR);
	assert_int_equal(console_interrupt(con, 2000), -EINTR);
	cleanup_clear_stop();

	/* while waiting: a "signal" 100 ms in */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	int64_t t0 = now_ms();
	assert_int_equal(console_run(con, "hang", 5000, NULL, &status), -EINTR);
	assert_true(now_ms() - t0 < 1000);
	sigaction(SIGALRM, &old, NULL);
	cleanup_clear_stop();

	char *log = finish(p, con);
	assert_string_equal(log, "hang\n");
	free(log);
}

/* ---- console_connect ----------------------------------------------------- */

static void test_connect_nobody(void **state)
{
	char path[] = "/tmp/test_console.sock.XXXXXX";
	struct console *con = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	(void)state;
	int tmp = mkstemp(path);
	assert_true(tmp >= 0);
	close(tmp);
	unlink(path);

	int64_t t0 = now_ms();
	assert_int_equal(console_connect(&con, path, NULL, 0, 60), -ENOENT);
	assert_true(now_ms() - t0 >= 50);
	assert_true(now_ms() - t0 < 1000);
	assert_null(con);

	/* bound but not listening */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(console_connect(&con, path, NULL, 0, 30), -ECONNREFUSED);
	close(fd);
	unlink(path);

	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(console_connect(&con, longpath, NULL, 0, 30), -ENAMETOOLONG);

	cleanup_request_stop(SIGTERM);
	assert_int_equal(console_connect(&con, path, NULL, 0, 1000), -EINTR);
	cleanup_clear_stop();
}

static void test_connect_watch_pid(void **state)
{
	siginfo_t si;
	struct console *con = NULL;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0); /* nothing run that could fault */
	/* wait until it is a zombie, without reaping it */
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	int64_t t0 = now_ms();
	assert_int_equal(console_connect(&con, "/nonexistent/vlab.sock", NULL, pid, 5000), -EPIPE);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	/* reaped: gone all the same */
	assert_int_equal(console_connect(&con, "/nonexistent/vlab.sock", NULL, pid, 5000), -EPIPE);
}

/* The socket appears some time after the connect started, as qemu's does. */
static void test_connect_late_socket(void **state)
{
	char dir[] = "/tmp/test_console.XXXXXX";
	struct console *con = NULL;
	pid_t pid;
	int st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/con.sock", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int l, c;
		char b;

		default_fault_signals();
		l = socket(AF_UNIX, SOCK_STREAM, 0);
		usleep(80 * 1000);
		strcpy(sa.sun_path, path);
		if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1))
			_exit(1);
		c = accept(l, NULL, NULL);
		if (c < 0 || write(c, "vlab login: ", 12) != 12)
			_exit(2);
		/* until the driver hangs up */
		while (read(c, &b, 1) > 0)
			;
		_exit(0);
	}
	int64_t t0 = now_ms();
	assert_int_equal(console_connect(&con, path, NULL, pid, 3000), 0);
	assert_true(now_ms() - t0 >= 60);
	assert_true(console_fd(con) >= 0);
	assert_int_equal(console_wait_login_prompt(con, 1000, 2000), 0);
	console_close(con);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_output),
		cmocka_unit_test_setup(test_prompt_after_nudge, setup_shell),
		cmocka_unit_test_setup(test_prompt_variants, setup_shell),
		cmocka_unit_test_setup(test_login_root, setup_shell),
		cmocka_unit_test_setup(test_login_user, setup_shell),
		cmocka_unit_test_setup(test_login_plain, setup_shell),
		cmocka_unit_test_setup(test_login_prompt_twice, setup_shell),
		cmocka_unit_test_setup(test_login_no_password, setup_shell),
		cmocka_unit_test_setup(test_login_incorrect, setup_shell),
		cmocka_unit_test_setup(test_logout, setup_shell),
		cmocka_unit_test_setup(test_run_basic, setup_shell),
		cmocka_unit_test_setup(test_run_kernel_messages, setup_shell),
		cmocka_unit_test_setup(test_run_bytewise, setup_shell),
		cmocka_unit_test_setup(test_run_big, setup_shell),
		cmocka_unit_test_setup(test_run_long_command, setup_shell),
		cmocka_unit_test_setup(test_run_stale_markers, setup_shell),
		cmocka_unit_test_setup(test_run_timeout_then_interrupt, setup_shell),
		cmocka_unit_test_setup(test_run_peer_closes, setup_shell),
		cmocka_unit_test_setup(test_run_bad_command, setup_shell),
		cmocka_unit_test_setup(test_stop_requested, setup_shell),
		cmocka_unit_test(test_connect_nobody),
		cmocka_unit_test(test_connect_watch_pid),
		cmocka_unit_test(test_connect_late_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
