/* The serial console driver: talks to a guest's getty/shell over the UNIX
 * socket that qemu's `-chardev socket,server` serves.
 *
 * It connects as soon as the socket exists (what the guest prints while no one
 * is connected is lost), nudges with Enter until "login:", logs in, makes the
 * shell scriptable (no wrapping, kernel messages off the console), and runs
 * commands framed by one-off markers that carry their exit status. Every byte
 * read or written is appended to a transcript file. Every wait has a deadline;
 * a peer that closes, a dead qemu and a stop request (SIGINT/SIGTERM) end the
 * wait at once.
 *
 * Errors (negative errno):
 *   -ETIMEDOUT  the deadline passed (console_tail() holds the end of what came)
 *   -EPIPE      the peer closed the socket (qemu exited)
 *   -EACCES     the guest said "Login incorrect"
 *   -EINTR      vlab was asked to stop (cleanup_stop_requested())
 *   -ECONNREFUSED / -ENOENT  nobody serves the socket (connect)
 */
#ifndef VLAB_CONSOLE_H
#define VLAB_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/util.h"
#include "runner/vm/console_clean.h"

struct console;

/* Connect to the UNIX socket at path, retrying until deadline (the socket
 * appears some ms after qemu starts). When watch_pid > 0 and that process is
 * gone, give up with -EPIPE. transcript_path may be NULL. */
int console_connect(struct console **out, const char *path, const char *transcript_path,
		    pid_t watch_pid, int64_t timeout_ms);
/* Use an already connected fd (tests use one end of a socketpair). Takes
 * ownership of fd. */
int console_from_fd(struct console **out, int fd, const char *transcript_path);
void console_close(struct console *con);

/* Wait for "login:", sending "\r" every nudge_ms (getty reprints the prompt
 * after an Enter; its first prompt may have been lost before we connected). */
int console_wait_login_prompt(struct console *con, int nudge_ms, int64_t timeout_ms);

/* From a login prompt: send user, wait "Password:", send password, then wait
 * for a shell prompt ("# " or "$ " at the end of what arrived) or "Login
 * incorrect" (-EACCES). Then prepare the shell for scripted use: stty columns
 * wide, a fixed PS1, kernel console messages off when root (dmesg -n 1). */
int console_login(struct console *con, const char *user, const char *password, int64_t timeout_ms);
/* The same login, but the shell is left as login made it: no stty, no
 * dmesg -n, PS1 untouched (`vlab verify` must leave the student's guest as
 * it found it). console_run() works there too: its markers need no PS1;
 * echoed input wraps at 80 columns, which its framing does not mind. */
int console_login_plain(struct console *con, const char *user, const char *password, int64_t timeout_ms);

/* Run one shell command line in the logged-in shell (through `eval`, so cd
 * and variables persist). Output (stdout and stderr of the command, CR/LF
 * normalised to LF, ANSI escapes and kernel log lines such as
 * "[   12.345678] e1000 ..." removed: use `dmesg -t`) replaces out's content,
 * the exit status goes to *status. stdin is /dev/null (`stty ... <&2` for
 * the tty). On -ETIMEDOUT the command may still be running (out holds what
 * came): do not reuse the console unless console_interrupt() succeeded.
 * Also -EINVAL (control characters other than newline in cmdline), -E2BIG
 * (over 8 KiB), -EMSGSIZE (over 16 MiB of output), -EPROTO (a garbled
 * exit status). */
int console_run(struct console *con, const char *cmdline, int64_t timeout_ms,
		struct strbuf *out, int *status);

/* Send Ctrl-C and wait until the shell answers again. */
int console_interrupt(struct console *con, int64_t timeout_ms);

/* Leave the shell ("exit") and wait for the next "login:". */
int console_logout(struct console *con, int64_t timeout_ms);
/* Type `exit` and leave: for a guest that ends right after (grading's),
 * where waiting for getty's next prompt would only cost time. */
int console_logout_nowait(struct console *con, int64_t timeout_ms);

/* Raw access for manual mode and `vlab console`. */
int console_fd(const struct console *con);
/* The last bytes received (up to 2 KiB), for error messages. */
const char *console_tail(const struct console *con);

#endif
