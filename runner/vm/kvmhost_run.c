/* The emulated KVM host's run, the host's side: the command's output
 * relayed as it comes, a stop forwarded and waited for with a deadline, the
 * boot and the command held to theirs, qemu reaped (its peak memory kept)
 * or killed, and the exit status read back from the share as an untrusted
 * file. See kvmhost.h. */
#include "runner/vm/kvmhost_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/vm/attach.h"
#include "runner/vm/kvmhost.h"
#include "runner/vm/kvmhost_proto.h"
#include "runner/clock.h"
#include "runner/files.h"

/* what vlab reads back of the console log for a message */
#define CONSOLE_CAP (1u << 20)

static bool raw_mode;

int kh_fail(struct kh *k, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	text_vprintf(k->res->why, sizeof(k->res->why), fmt, ap);
	va_end(ap);
	return r;
}

char *kh_path(const struct kh *k, const char *name)
{
	return xasprintf("%s/%s", k->dir, name);
}

PRINTF_LIKE(2, 3)
static void progress(const struct kh *k, const char *fmt, ...)
{
	if (k->o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("vlab kvmhost: ", stderr);
	vfprintf(stderr, fmt, ap);
	/* the terminal in raw mode needs the carriage return itself */
	fputs(raw_mode ? "\r\n" : "\n", stderr);
	va_end(ap);
}

void kh_progress_begin(struct kh *k)
{
	progress(k, "booting the emulated KVM host (TCG, -cpu max: AMD-V with nested paging; %d vCPUs, %s) in %s",
		 KVMHOST_CPUS, KVMHOST_MEM_TEXT, k->dir);
	for (int i = 0; i < k->plan.nnotes; i++)
		progress(k, "%s", k->plan.notes[i]);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			poll(&pf, 1, 100);
			continue;
		}
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void send_ctl(struct kh *k, int signo)
{
	char b = kvmhost_ctl_byte(signo);
	if (b && k->fd_ctl >= 0)
		write_all(k->fd_ctl, &b, 1);
}

/* qemu, when it has ended: reaped here, for its peak memory */
static void reap_qemu(struct kh *k)
{
	struct rusage ru;
	int st;
	pid_t p = wait4(k->qemu, &st, WNOHANG, &ru);
	if (p == k->qemu) {
		k->exited = true;
		k->wstatus = st;
		k->res->qemu_maxrss_kb = ru.ru_maxrss;
		/* reaped: its pid is no longer ours to signal */
		cleanup_forget(k->qemu_h);
		k->qemu_h = -1;
	} else if (p < 0 && errno == ECHILD) {
		k->exited = true;
	}
}

static void kill_qemu(struct kh *k)
{
	cleanup_release(k->qemu_h); /* SIGTERM, a grace, SIGKILL; reaped */
	k->qemu_h = -1;
	k->killed = k->exited = true;
}

/* A stop request, the boot's deadline and the command's. */
static void check_deadlines(struct kh *k)
{
	int64_t now = now_ms();
	if (cleanup_stop_requested() && !k->stop_signal) {
		k->stop_signal = cleanup_stop_signal();
		if (!k->started) {
			kill_qemu(k); /* nothing runs yet that could end in order */
			return;
		}
		send_ctl(k, k->o->shell ? SIGHUP : k->stop_signal);
		k->grace_until = now + KVMHOST_STOP_GRACE_MS;
	}
	if (!k->started && now >= k->t_start + k->o->boot_timeout_ms) {
		k->boot_timed_out = true;
		kill_qemu(k);
		return;
	}
	if (k->started && k->o->timeout_ms > 0 && !k->timed_out && now >= k->t_started + k->o->timeout_ms) {
		k->timed_out = true;
		send_ctl(k, k->o->shell ? SIGHUP : SIGTERM);
		k->grace_until = now + KVMHOST_STOP_GRACE_MS;
	}
	if (k->grace_until && now >= k->grace_until)
		kill_qemu(k);
}

enum pass { PASS_DATA, PASS_AGAIN, PASS_END };

/* What one channel socket has, to its destination. */
static enum pass pass(int sock, int dest, bool *dest_closed)
{
	char buf[16384];
	ssize_t n = read(sock, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? PASS_AGAIN : PASS_END;
	if (n == 0)
		return PASS_END;
	/* a reader that went away (vlab ... | head) loses the rest, the run goes on */
	if (!*dest_closed && write_all(dest, buf, (size_t)n))
		*dest_closed = true;
	return PASS_DATA;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void on_ctl(struct kh *k)
{
	char buf[64];
	ssize_t n = read(k->fd_ctl, buf, sizeof(buf));
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != KVMHOST_CTL_STARTED || k->started)
			continue;
		k->started = true;
		k->res->ran = true;
		k->t_started = now_ms();
		k->res->boot_ms = k->t_started - k->t_start;
		progress(k, "up in %.1f s; %s", (double)k->res->boot_ms / 1000.0,
			 k->o->shell ? "a root shell (exit or Ctrl-] leaves)" : "the command runs");
	}
}

/* The terminal's keys to the shell; Ctrl-] or the end of input hangs up. */
static void on_stdin(struct kh *k)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	char *esc = n > 0 ? memchr(buf, ATTACH_ESCAPE, (size_t)n) : NULL;
	size_t upto = n <= 0 ? 0 : esc ? (size_t)(esc - buf) : (size_t)n;
	if (upto)
		write_all(k->fd_tty, buf, upto);
	if (n <= 0 && !raw_mode) {
		/* piped input ended: an EOF for the shell (Ctrl-D on its tty) */
		write_all(k->fd_tty, "\x04", 1);
		k->stdin_done = true;
	} else if (n <= 0 || esc) {
		send_ctl(k, SIGHUP);
		k->stdin_done = true;
	}
}

/* After qemu's end: what it wrote before is still in the sockets. */
static void drain(struct kh *k)
{
	bool tty_closed = false;
	int *const socks[] = { &k->fd_out, &k->fd_err, &k->fd_tty };
	int dests[] = { k->o->out_fd, k->o->err_fd, STDOUT_FILENO };
	bool *const closed[] = { &k->out_closed, &k->err_closed, &tty_closed };
	for (size_t i = 0; i < ARRAY_SIZE(socks); i++) {
		while (*socks[i] >= 0 && pass(*socks[i], dests[i], closed[i]) == PASS_DATA)
			;
		close_fd(socks[i]);
	}
}

static void loop(struct kh *k)
{
	bool tty_closed = false;
	while (!k->exited) {
		idle_tick();
		reap_qemu(k);
		if (!k->exited)
			check_deadlines(k);
		if (k->exited)
			break;
		bool sh = k->o->shell;
		struct pollfd p[5] = {
			{ .fd = k->fd_out, .events = POLLIN },
			{ .fd = k->fd_err, .events = POLLIN },
			{ .fd = k->fd_ctl, .events = POLLIN },
			{ .fd = sh ? k->fd_tty : -1, .events = POLLIN },
			{ .fd = sh && !k->stdin_done && k->started ? STDIN_FILENO : -1, .events = POLLIN },
		};
		if (poll(p, 5, 100) <= 0)
			continue;
		/* a channel's end is qemu's: the reap above sees it next */
		if (p[0].revents && pass(k->fd_out, k->o->out_fd, &k->out_closed) == PASS_END)
			close_fd(&k->fd_out);
		if (p[1].revents && pass(k->fd_err, k->o->err_fd, &k->err_closed) == PASS_END)
			close_fd(&k->fd_err);
		if (p[2].revents & POLLIN)
			on_ctl(k);
		else if (p[2].revents)
			close_fd(&k->fd_ctl);
		if (p[3].revents && pass(k->fd_tty, STDOUT_FILENO, &tty_closed) == PASS_END)
			close_fd(&k->fd_tty);
		if (p[4].revents)
			on_stdin(k);
	}
	k->t_end = now_ms();
	drain(k);
}

/* The last line of the console log that /init or the agent wrote, or else
 * of qemu's own log: why the machine ended without a status. */
static void last_words(struct kh *k, char *out, size_t n)
{
	const char *const files[] = { "console.log", "qemu.log" };
	const char *const marks[] = { "vlab-kvmhost", "" };
	out[0] = '\0';
	int dirfd = open(k->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(files) && !out[0] && dirfd >= 0; i++) {
		struct strbuf sb = STRBUF_INIT;
		if (read_untrusted_at(dirfd, files[i], CONSOLE_CAP, &sb, NULL, NULL) == 0 && sb.len) {
			for (char *save = NULL, *line = strtok_r(sb.buf, "\r\n", &save); line;
			     line = strtok_r(NULL, "\r\n", &save))
				if (strstr(line, marks[i]))
					text_printf(out, n, "%s: %s", files[i], line);
		}
		sb_release(&sb);
	}
	if (dirfd >= 0)
		close(dirfd);
}

/* Whether the console log holds the kernel's report of a soft lockup. */
static bool console_locked_up(struct kh *k)
{
	int dirfd = open(k->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return false;
	struct strbuf sb = STRBUF_INIT;
	bool found = read_untrusted_at(dirfd, "console.log", CONSOLE_CAP, &sb, NULL, NULL) == 0 && sb.len &&
		     memmem(sb.buf, sb.len, KVMHOST_LOCKUP_MARK, strlen(KVMHOST_LOCKUP_MARK)) != NULL;
	sb_release(&sb);
	close(dirfd);
	return found;
}

/* The command's exit status from guest/status, read as root must read what
 * code in the emulated host could have written. */
static int read_status(struct kh *k, struct kvmhost_status *st)
{
	int dirfd = open(k->guest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	struct strbuf sb = STRBUF_INIT;
	bool truncated = false;
	mode_t type = 0;
	int r = read_untrusted_at(dirfd, "status", KVMHOST_STATUS_BYTES, &sb, &truncated, &type);
	close(dirfd);
	if (r == 0 && (truncated || kvmhost_status_parse(sb_str(&sb), sb.len, st)))
		r = -EBADMSG;
	sb_release(&sb);
	return r;
}

static int outcome(struct kh *k)
{
	struct kvmhost_result *res = k->res;
	res->command_ms = k->started ? k->t_end - k->t_started : 0;
	if (k->stop_signal) {
		res->status = 128 + k->stop_signal;
		return kh_fail(k, -EINTR, "stopped by signal %d; the emulated host %s", k->stop_signal,
			       k->killed ? "was killed" : "powered off");
	}
	if (k->boot_timed_out)
		return kh_fail(k, -ETIMEDOUT, "the emulated host did not start the command within %lld s (see %s/console.log)",
			       (long long)(k->o->boot_timeout_ms / 1000), k->dir);
	if (k->timed_out) {
		res->status = 124;
		return kh_fail(k, -ETIMEDOUT, "the command did not end within %lld s: it was sent SIGTERM%s",
			       (long long)(k->o->timeout_ms / 1000), k->killed ? " and the emulated host killed" : "");
	}
	struct kvmhost_status st;
	int r = read_status(k, &st);
	if (r && console_locked_up(k)) {
		res->locked_up = true;
		return kh_fail(k, -EIO,
			       "the emulated host's kernel found a CPU stuck inside KVM (a soft lockup) and powered off: "
			       "a weakness of QEMU's emulated AMD-V, not of the command; see %s/console.log",
			       k->dir);
	}
	if (r) {
		res->ended_early = true;
		char why[600];
		last_words(k, why, sizeof(why));
		return kh_fail(k, -EIO, "the emulated host ended without the command's exit status (%s)%s%s; see %s",
			       r == -ENOENT ? "none written" : strerror(-r), why[0] ? ": " : "", why, k->dir);
	}
	res->status = kvmhost_status_code(&st);
	return 0;
}

int kh_supervise(struct kh *k)
{
	struct termios saved;
	raw_mode = k->o->shell && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw_mode) {
		struct termios t = saved;
		/* every key, Ctrl-C included, goes to the shell inside */
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	loop(k);
	if (raw_mode)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	raw_mode = false;
	int r = outcome(k);
	if (r == 0 || r == -EINTR) {
		char mem[32] = "";
		if (k->res->qemu_maxrss_kb > 0)
			format_size((uint64_t)k->res->qemu_maxrss_kb * 1024, mem, sizeof(mem));
		progress(k, "%s %d after %.1f s (boot %.1f s)%s%s; console log %s/console.log",
			 r ? "stopped, status" : "the command exited with status", k->res->status,
			 (double)k->res->command_ms / 1000.0, (double)k->res->boot_ms / 1000.0,
			 mem[0] ? "; qemu's peak memory " : "", mem, k->dir);
	}
	return r;
}

void kh_stopped(struct kh *k)
{
	k->res->status = 128 + cleanup_stop_signal();
	kh_fail(k, -EINTR, "stopped by signal %d before the emulated host started", cleanup_stop_signal());
}
