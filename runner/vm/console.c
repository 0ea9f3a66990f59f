/* The serial console driver; see console.h for the contract.
 *
 *   connect ──▶ wait_login_prompt ──▶ login ──▶ run, run, … ──▶ logout ─┐
 *                     ▲   (nudge "\r")   │ -EACCES: "login:" stays       │
 *                     └──────────────────┴───────────────────────────────┘
 *
 * What arrives goes three ways: raw to the transcript and to the 2 KiB tail,
 * and through a streaming cleaner (CRs, ANSI escapes and kernel log lines
 * removed) into con->cl, the text every wait looks at. Cleaning before
 * matching means a printk that lands in the middle of a marker or right after
 * a prompt does not hide it.
 *
 * Framing of a command (one shell line, as the guest's tty receives it):
 *
 *   echo "VL""B<id>"; command eval '<cmdline>' </dev/null; echo "VL""E<id>:$?"
 *
 * - The quotes split the markers in the tty's echo of the line, so "VLB<id>"
 *   and "VLE<id>:" appear only in what echo prints, never in the echo.
 * - <id> is "<nonce>-<n>-": a random per-console nonce and a counter, with a
 *   trailing '-' so that no id is a prefix of another; output of an earlier
 *   command that timed out can never end a later one.
 * - eval takes the command line as one single-quoted word, so anything the
 *   user may write works unchanged: a trailing '&' or ';', '&&', pipes, a
 *   '#' comment (with "{ …; }" both "x &;" and "x # c; }" break).
 * - "command eval": a syntax error inside plain eval makes an interactive ash
 *   abandon the rest of the line, end marker included; through "command" the
 *   special built-in's error is only a status of 2 (POSIX 2.14, "command").
 * - eval runs in the shell itself, so "cd" and variables persist.
 * - </dev/null: a command that reads stdin gets EOF instead of swallowing
 *   the next command line.
 * - Long command lines are cut into single-quoted pieces joined by
 *   backslash-newline, since busybox's line editor drops what goes past its
 *   buffer (CONFIG_FEATURE_EDITING_MAX_LEN, 1024 by default).
 */
#include "runner/vm/console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/clock.h"

/* Longest single poll(): bounds how late a stop request is seen when the
 * signal lands between the check and the poll. */
#define POLL_SLICE_MS 100
#define TAIL_KEEP 2048
/* While waiting for a prompt only the end of the text matters. */
#define CL_TRIM_AT (64 * 1024)
#define CL_TRIM_KEEP 4096
/* A command printing more than this is not something a check can use. */
#define MAX_OUTPUT (16 * 1024 * 1024)
/* Longest piece of a command line on one physical line (see the top). */
#define CHUNK_MAX 200
/* What the guest tty has to hold while the shell reads the lines. */
#define MAX_CMDLINE 8192
#define LOGOUT_NUDGE_MS 1000
#define INTERRUPT_PROMPT_MS 300
#define INTERRUPT_TRY_MS 2000

struct console {
	int fd;
	bool is_socket;
	bool eof;
	int transcript;
	struct strbuf rx;   /* received, held back by the cleaner (half an escape or kernel line) */
	struct strbuf cl;   /* cleaned text not yet consumed */
	struct strbuf tail; /* raw, the last TAIL_KEEP bytes (more, until trimmed) */
	uint32_t nonce;
	unsigned seq;
};

/* ---- I/O --------------------------------------------------------------- */

static void transcript_add(struct console *con, const void *data, size_t n)
{
	const char *p = data;

	/* best effort: a full disk must not fail the lab */
	while (con->transcript >= 0 && n > 0) {
		ssize_t w = write(con->transcript, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		n -= (size_t)w;
	}
}

static void received(struct console *con, const char *data, size_t n)
{
	size_t used, out;

	transcript_add(con, data, n);
	sb_add(&con->tail, data, n);
	if (con->tail.len > 2 * TAIL_KEEP)
		sb_remove_prefix(&con->tail, con->tail.len - TAIL_KEEP);

	sb_add(&con->rx, data, n);
	sb_grow(&con->cl, con->rx.len);
	used = console_clean_stream(con->rx.buf, con->rx.len, con->cl.buf + con->cl.len, &out, false);
	con->cl.len += out;
	con->cl.buf[con->cl.len] = '\0';
	sb_remove_prefix(&con->rx, used);
}

/* Read what is available now, up to 256 KiB so that a flood still lets the
 * caller look at the clock. Sets con->eof on end of file. */
static int read_available(struct console *con)
{
	char buf[16384];

	for (int reads = 0; reads < 16; reads++) {
		ssize_t n = read(con->fd, buf, sizeof(buf));
		if (n > 0) {
			received(con, buf, (size_t)n);
			continue;
		}
		if (n == 0) {
			con->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET || errno == EPIPE || errno == EIO) {
			con->eof = true;
			return 0;
		}
		return -errno;
	}
	return 0;
}

/* One poll slice: wait for input until deadline (at most POLL_SLICE_MS) and
 * read it. 0 when data came or the slice ended. */
static int poll_read(struct console *con, int64_t deadline)
{
	struct pollfd pfd = { .fd = con->fd, .events = POLLIN };
	int64_t left;
	int r;

	if (cleanup_stop_requested())
		return -EINTR;
	if (con->eof)
		return -EPIPE;
	left = ms_left(deadline);
	if (left <= 0)
		return -ETIMEDOUT;
	idle_tick();
	r = poll(&pfd, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS));
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	return read_available(con);
}

static int send_all(struct console *con, const char *data, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w;

		if (cleanup_stop_requested())
			return -EINTR;
		/* MSG_NOSIGNAL: a dead peer is -EPIPE here, not a SIGPIPE */
		if (con->is_socket)
			w = send(con->fd, data, n, MSG_NOSIGNAL);
		else
			w = write(con->fd, data, n);
		if (w > 0) {
			data += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = con->fd, .events = POLLOUT };
			int64_t left = ms_left(deadline);
			if (left <= 0)
				return -ETIMEDOUT;
			if (poll(&pfd, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS)) < 0 &&
			    errno != EINTR)
				return -errno;
			continue;
		}
		if (w < 0 && errno != EPIPE && errno != ECONNRESET && errno != EIO)
			return -errno;
		con->eof = true;
		return -EPIPE;
	}
	return 0;
}

static int con_send(struct console *con, const char *data, size_t n, int64_t deadline)
{
	transcript_add(con, data, n);
	return send_all(con, data, n, deadline);
}

/* Wait until match() says yes (> 0) or fails (< 0). Matching comes first, so
 * what arrived just before the peer closed still counts. */
typedef int (*match_fn)(struct console *con, void *arg);

static int wait_for(struct console *con, int64_t deadline, match_fn match, void *arg)
{
	for (;;) {
		int r = match(con, arg);
		if (r > 0)
			return 0;
		if (r < 0)
			return r;
		r = poll_read(con, deadline);
		if (r < 0)
			return r;
	}
}

static int64_t deadline_in(int64_t timeout_ms)
{
	return now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* ---- prompts ----------------------------------------------------------- */

static void cl_trim(struct console *con)
{
	if (con->cl.len > CL_TRIM_AT)
		sb_remove_prefix(&con->cl, con->cl.len - CL_TRIM_KEEP);
}

/* Does the text end with word, give or take trailing spaces? */
static bool cl_ends_with_word(const struct console *con, const char *word)
{
	size_t len = con->cl.len, wl = strlen(word);

	while (len > 0 && con->cl.buf[len - 1] == ' ')
		len--;
	return len >= wl && memcmp(con->cl.buf + len - wl, word, wl) == 0;
}

/* A shell prompt: "# " (root) or "$ " at the very end; ash's ESC[6n after
 * it is already gone. */
static bool cl_ends_with_shell_prompt(const struct console *con)
{
	size_t len = con->cl.len;
	const char *b = con->cl.buf;

	return len >= 2 && b[len - 1] == ' ' && (b[len - 2] == '#' || b[len - 2] == '$');
}

static int match_login(struct console *con, void *arg)
{
	(void)arg;
	if (cl_ends_with_word(con, "login:"))
		return 1;
	cl_trim(con);
	return 0;
}

enum login_stage { AFTER_USER, AFTER_PASSWORD };
enum login_answer { SHELL_PROMPT = 1, PASSWORD_PROMPT };

struct login_wait {
	enum login_stage stage;
	enum login_answer answer;
};

/* What getty/login said to the user name or the password: a shell prompt, a
 * password prompt, or -EACCES. */
static int match_login_answer(struct console *con, void *arg)
{
	struct login_wait *lw = arg;
	const char *bad;

	if (con->cl.len == 0)
		return 0;
	bad = memmem(con->cl.buf, con->cl.len, "Login incorrect", 15);
	if (bad) {
		/* keep the "login:" that follows for console_wait_login_prompt() */
		sb_remove_prefix(&con->cl, (size_t)(bad - con->cl.buf) + 15);
		return -EACCES;
	}
	if (lw->stage == AFTER_USER && cl_ends_with_word(con, "Password:")) {
		lw->answer = PASSWORD_PROMPT;
		return 1;
	}
	if (cl_ends_with_shell_prompt(con)) {
		lw->answer = SHELL_PROMPT;
		return 1;
	}
	/* Back at getty after the password, without a word: refused all the
	 * same. Not before: a late nudge may make getty print "login:" once
	 * more, and the user name then goes to that prompt. */
	if (lw->stage == AFTER_PASSWORD && cl_ends_with_word(con, "login:"))
		return -EACCES;
	cl_trim(con);
	return 0;
}

static int match_shell_prompt(struct console *con, void *arg)
{
	(void)arg;
	if (cl_ends_with_shell_prompt(con))
		return 1;
	cl_trim(con);
	return 0;
}

/* ---- connecting -------------------------------------------------------- */

/* Has pid gone? kill(pid, 0) still succeeds on a zombie (a child the caller
 * has not reaped yet), so /proc/PID/stat's state settles that: 'Z' zombie,
 * 'X' dead (proc(5)). */

int console_from_fd(struct console **out, int fd, const char *transcript_path)
{
	struct console *con;
	int type, flags;
	socklen_t tlen = sizeof(type);

	if (!out || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	*out = NULL;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}

	con = xcalloc(1, sizeof(*con));
	con->fd = fd;
	con->transcript = -1;
	con->is_socket = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0;
	if (transcript_path) {
		con->transcript = open(transcript_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (con->transcript < 0) {
			int r = -errno;
			console_close(con);
			return r;
		}
	}
	if (getrandom(&con->nonce, sizeof(con->nonce), GRND_NONBLOCK) != sizeof(con->nonce))
		con->nonce = (uint32_t)now_ms() ^ ((uint32_t)getpid() << 16);
	*out = con;
	return 0;
}

int console_connect(struct console **out, const char *path, const char *transcript_path,
		    pid_t watch_pid, int64_t timeout_ms)
{
	int fd, r;

	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	r = unix_connect_retry(path, watch_pid, timeout_ms, &fd);
	if (r)
		return r;
	return console_from_fd(out, fd, transcript_path);
}

void console_close(struct console *con)
{
	if (!con)
		return;
	if (con->fd >= 0)
		close(con->fd);
	if (con->transcript >= 0)
		close(con->transcript);
	sb_release(&con->rx);
	sb_release(&con->cl);
	sb_release(&con->tail);
	free(con);
}

int console_fd(const struct console *con)
{
	return con ? con->fd : -1;
}

const char *console_tail(const struct console *con)
{
	if (!con || !con->tail.len)
		return "";
	if (con->tail.len > TAIL_KEEP)
		return con->tail.buf + con->tail.len - TAIL_KEEP;
	return con->tail.buf;
}

/* ---- login ------------------------------------------------------------- */

int console_wait_login_prompt(struct console *con, int nudge_ms, int64_t timeout_ms)
{
	int64_t deadline = deadline_in(timeout_ms);
	int64_t next_nudge = nudge_ms > 0 ? now_ms() + nudge_ms : deadline;
	int r;

	if (!con)
		return -EINVAL;
	if (cleanup_stop_requested())
		return -EINTR;
	for (;;) {
		r = wait_for(con, min64(next_nudge, deadline), match_login, NULL);
		if (r == 0) {
			sb_reset(&con->cl);
			return 0;
		}
		if (r != -ETIMEDOUT || ms_left(deadline) <= 0)
			return r;
		/* getty prints its prompt again after an Enter */
		r = con_send(con, "\r", 1, deadline);
		if (r < 0)
			return r;
		next_nudge = now_ms() + nudge_ms;
	}
}

static int send_line(struct console *con, const char *s, int64_t deadline)
{
	int r = con_send(con, s, strlen(s), deadline);
	return r < 0 ? r : con_send(con, "\r", 1, deadline);
}

/* The login itself, up to the shell prompt (console_login() and
 * console_login_plain() differ only in what they do after it). */
static int login_core(struct console *con, const char *user, const char *password, int64_t deadline)
{
	struct login_wait lw = { .stage = AFTER_USER };
	int r;

	if (!con || !user || !*user || strpbrk(user, "\r\n"))
		return -EINVAL;
	if (!password)
		password = "";
	if (strpbrk(password, "\r\n"))
		return -EINVAL;
	if (cleanup_stop_requested())
		return -EINTR;

	sb_reset(&con->cl);
	r = send_line(con, user, deadline);
	if (r < 0)
		return r;
	r = wait_for(con, deadline, match_login_answer, &lw);
	if (r < 0)
		return r;
	if (lw.answer == PASSWORD_PROMPT) {
		sb_reset(&con->cl);
		/* the tty does not echo it; the transcript does not keep it */
		transcript_add(con, "********\r", 9);
		r = send_all(con, password, strlen(password), deadline);
		if (r == 0)
			r = send_all(con, "\r", 1, deadline);
		if (r < 0)
			return r;
		lw.stage = AFTER_PASSWORD;
		r = wait_for(con, deadline, match_login_answer, &lw);
		if (r < 0)
			return r;
	}
	sb_reset(&con->cl);
	return 0;
}

int console_login(struct console *con, const char *user, const char *password, int64_t timeout_ms)
{
	int64_t deadline = deadline_in(timeout_ms);
	int r = login_core(con, user, password, deadline);
	if (r < 0)
		return r;

	/* No wrapping of long lines (ash wraps its echo at 80 columns), a short
	 * fixed prompt, and for root the kernel's messages off the console
	 * (console_loglevel 1: only emergencies). stty works on its stdin, which
	 * console_run points at /dev/null: stderr is still the tty. */
	bool root = strcmp(user, "root") == 0;
	const char *setup = root ? "stty columns 1000 <&2 2>/dev/null; dmesg -n 1; PS1='# '"
				 : "stty columns 1000 <&2 2>/dev/null; PS1='$ '";
	return console_run(con, setup, ms_left(deadline), NULL, NULL);
}

int console_login_plain(struct console *con, const char *user, const char *password, int64_t timeout_ms)
{
	return login_core(con, user, password, deadline_in(timeout_ms));
}

int console_logout_nowait(struct console *con, int64_t timeout_ms)
{
	if (!con)
		return -EINVAL;
	if (cleanup_stop_requested())
		return -EINTR;
	sb_reset(&con->cl);
	int r = send_line(con, "exit", deadline_in(timeout_ms));
	return r < 0 ? r : 0;
}

int console_logout(struct console *con, int64_t timeout_ms)
{
	int64_t deadline = deadline_in(timeout_ms);
	int r = console_logout_nowait(con, timeout_ms);
	if (r)
		return r;
	return console_wait_login_prompt(con, LOGOUT_NUDGE_MS, ms_left(deadline));
}

/* ---- commands ---------------------------------------------------------- */

/* Append cmdline as the argument of eval: single-quoted pieces ('\'' for a
 * quote) of at most CHUNK_MAX bytes joined by backslash-CR, a CR where the
 * command has a newline (inside quotes the newline stays part of the word). */
static void add_quoted_command(struct strbuf *sb, const char *cmdline)
{
	size_t piece = 0;

	sb_adds(sb, "'");
	for (const char *p = cmdline; *p; p++) {
		unsigned char c = (unsigned char)*p;

		/* never cut inside a UTF-8 sequence */
		if (piece >= CHUNK_MAX && (c & 0xc0) != 0x80) {
			sb_adds(sb, "'\\\r'");
			piece = 0;
		}
		if (c == '\'') {
			sb_adds(sb, "'\\''");
			piece += 4;
		} else if (c == '\n') {
			sb_adds(sb, "\r");
			piece = 0;
		} else {
			sb_add(sb, p, 1);
			piece++;
		}
	}
	sb_adds(sb, "'");
}

/* Control characters would be taken as keys by the tty or the line editor
 * (^C, ^D, TAB completion, DEL); a newline is fine. */
static bool cmdline_ok(const char *cmdline)
{
	for (const unsigned char *p = (const unsigned char *)cmdline; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			return false;
	return true;
}

struct run_wait {
	char begin[48];
	char end[48];
	size_t begin_len, end_len;
	size_t scan;       /* where the next search starts in con->cl */
	bool begun;
	size_t body;       /* output starts here in con->cl */
	size_t end_at;     /* end marker here */
	int status;
};

static int match_run(struct console *con, void *arg)
{
	struct run_wait *w = arg;
	const char *b = con->cl.buf;
	size_t len = con->cl.len;

	if (!b)
		return 0;
	if (!w->begun) {
		const char *p = memmem(b + w->scan, len - w->scan, w->begin, w->begin_len);
		if (!p) {
			/* nothing before the begin marker matters */
			if (len > CL_TRIM_AT) {
				sb_remove_prefix(&con->cl, len - w->begin_len);
				len = con->cl.len;
			}
			w->scan = len >= w->begin_len ? len - w->begin_len + 1 : 0;
			return 0;
		}
		w->begun = true;
		w->body = (size_t)(p - b) + w->begin_len;
		w->scan = w->body;
	}
	if (w->end_at == 0) {
		const char *p = memmem(b + w->scan, len - w->scan, w->end, w->end_len);
		if (!p) {
			if (len - w->body > MAX_OUTPUT)
				return -EMSGSIZE;
			w->scan = len - w->body >= w->end_len ? len - w->end_len + 1 : w->body;
			return 0;
		}
		w->end_at = (size_t)(p - b);
	}

	/* the status: digits up to the end of the line */
	size_t i = w->end_at + w->end_len, digits = 0;
	int status = 0;
	for (; i < len && b[i] >= '0' && b[i] <= '9'; i++, digits++)
		if (digits < 4)
			status = status * 10 + (b[i] - '0');
	if (i == len)
		return 0;
	if (digits == 0 || digits > 3)
		return -EPROTO;
	w->status = status;
	return 1;
}

int console_run(struct console *con, const char *cmdline, int64_t timeout_ms,
		struct strbuf *out, int *status)
{
	int64_t deadline = deadline_in(timeout_ms);
	struct strbuf line = STRBUF_INIT;
	struct run_wait w = { .status = -1 };
	unsigned n;
	int r;

	if (out)
		sb_reset(out);
	if (status)
		*status = -1;
	if (!con || !cmdline)
		return -EINVAL;
	if (!cmdline_ok(cmdline))
		return -EINVAL;
	if (strlen(cmdline) > MAX_CMDLINE)
		return -E2BIG;
	if (cleanup_stop_requested())
		return -EINTR;

	n = ++con->seq;
	w.begin_len = (size_t)snprintf(w.begin, sizeof(w.begin), "VLB%08x-%u-", con->nonce, n);
	w.end_len = (size_t)snprintf(w.end, sizeof(w.end), "VLE%08x-%u-:", con->nonce, n);
	sb_addf(&line, "echo \"VL\"\"B%08x-%u-\"; command eval ", con->nonce, n);
	add_quoted_command(&line, cmdline);
	sb_addf(&line, " </dev/null; echo \"VL\"\"E%08x-%u-:$?\"\r", con->nonce, n);

	/* what came before (prompts, echoes, a late answer to an earlier command)
	 * cannot hold this command's markers */
	sb_reset(&con->cl);
	r = con_send(con, line.buf, line.len, deadline);
	sb_release(&line);
	if (r < 0)
		return r;

	r = wait_for(con, deadline, match_run, &w);
	if (w.begun && out) {
		size_t stop = w.end_at ? w.end_at : con->cl.len;
		const char *body = con->cl.buf + w.body;
		size_t blen = stop > w.body ? stop - w.body : 0;

		/* the rest of the begin marker's line */
		if (blen && body[0] == '\n') {
			body++;
			blen--;
		}
		sb_add(out, body, blen);
	}
	if (r < 0)
		return r;
	if (status)
		*status = w.status;
	/* consume through the status line; what follows is the next prompt */
	sb_reset(&con->cl);
	return 0;
}

int console_interrupt(struct console *con, int64_t timeout_ms)
{
	int64_t deadline = deadline_in(timeout_ms);
	int r;

	if (!con)
		return -EINVAL;
	if (cleanup_stop_requested())
		return -EINTR;
	/* ^C again on every try: a ^C that reaches the tty while it still has
	 * our probe line queued flushes that line (ISIG without NOFLSH) */
	for (;;) {
		sb_reset(&con->cl);
		r = con_send(con, "\x03", 1, deadline);
		if (r < 0)
			return r;
		r = wait_for(con, min64(deadline, now_ms() + INTERRUPT_PROMPT_MS),
			     match_shell_prompt, NULL);
		if (r < 0 && r != -ETIMEDOUT)
			return r;
		if (ms_left(deadline) <= 0)
			return -ETIMEDOUT;
		r = console_run(con, "true", min64(ms_left(deadline), INTERRUPT_TRY_MS), NULL, NULL);
		if (r != -ETIMEDOUT)
			return r;
		if (ms_left(deadline) <= 0)
			return -ETIMEDOUT;
	}
}
