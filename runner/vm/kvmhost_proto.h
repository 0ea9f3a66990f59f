/* What crosses the boundary with the emulated KVM host, besides the plan
 * (pure; runner/vm/kvmhost.h tells the whole design):
 *
 *   argv, env   files in the run's share, written by vlab before the boot:
 *               the strings one after the other, each ended by a NUL (no
 *               quoting, no shell: the agent hands them to execve as they are)
 *   status      a file in the share, written by the agent (tmp + rename):
 *               "exit N", "signal N" (the command's end), or "notrun ERRNO"
 *               (it could not be started); one line
 *   control     single bytes on the vlab.ctl port: host to guest, the signal
 *               to send the command's process group; guest to host, 'S' once
 *               the command runs */
#ifndef VLAB_KVMHOST_PROTO_H
#define VLAB_KVMHOST_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/util.h"

/* caps on what the agent reads back (a command line, an environment) */
#define KVMHOST_STRV_MAX 4096
#define KVMHOST_STRV_BYTES (256 * 1024)
#define KVMHOST_STATUS_BYTES 64
/* The inner runs' VLAB_RUN_DIR: a tmpfs inside, not the share, because a
 * UNIX socket cannot be bound on 9p (ENXIO) and qemu's serial and QMP
 * sockets live in a run directory. The agent copies it into the share's
 * runs/ when the command has ended. */
#define KVMHOST_INNER_RUN_DIR "/run/vlab"
/* the agent's "the command runs" byte */
#define KVMHOST_CTL_STARTED 'S'

/* v (n strings; n >= 1) as NUL-ended strings. */
void kvmhost_strv_encode(const char *const *v, size_t n, struct strbuf *sb);
/* Back into a NULL-terminated array of at most max strings, in one
 * allocation (free(*out) releases it all). -EINVAL when buf is empty, does
 * not end with a NUL, or holds more than max strings. */
int kvmhost_strv_decode(const char *buf, size_t len, size_t max, char ***out, size_t *n);

enum kvmhost_status_kind { KVMHOST_EXITED, KVMHOST_SIGNALED, KVMHOST_NOT_RUN };
struct kvmhost_status {
	enum kvmhost_status_kind kind;
	int value;  /* exit status 0-255, signal 1-64, errno 1-4095 */
};
void kvmhost_status_format(const struct kvmhost_status *st, char *buf, size_t n);
/* -EINVAL for anything but one well-formed line (a trailing newline allowed). */
int kvmhost_status_parse(const char *text, size_t len, struct kvmhost_status *st);
/* The exit status vlab kvmhost run exits with: N; 128+signal, as a shell
 * says it; 127 for a command not found, 126 for one that cannot run. */
int kvmhost_status_code(const struct kvmhost_status *st);

/* The control byte for a stop signal (SIGINT 'i', SIGTERM 't', SIGHUP 'h',
 * SIGKILL 'k'); 0 for another signal. */
char kvmhost_ctl_byte(int signo);
/* Its signal; 0 for a byte that is none. */
int kvmhost_ctl_signal(char byte);

/* The inner command's environment: nothing of the host's but the terminal
 * and language; PATH with vlab's own directory first; VLAB_RUN_DIR
 * KVMHOST_INNER_RUN_DIR; VLAB_IMAGE_DIR and XDG_CACHE_HOME where the
 * host's image and cache are; KVM_HOST_ENV=KVM_HOST_EMULATED, so that an
 * inner vlab's reports say whose KVM they counted (runner/host/host.h);
 * VLAB_STDOUT_TTY=1 when the command's stdout ends on a terminal out here
 * (inside it is a virtio-serial port): an inner vlab then colours and
 * draws its live lines as it would on that terminal, NO_COLOR and TERM
 * permitting. */
struct kvmhost_env_in {
	const char *vlab_dir;    /* the directory of vlab's binary */
	const char *image_dir;   /* NULL: not set */
	const char *cache_home;  /* NULL: not set */
	const char *term, *lang, *lc_all, *lc_ctype, *no_color;  /* the host's; NULL: not set */
	bool out_tty;            /* the command's stdout is relayed to a terminal */
};
/* KEY=VALUE strings into v (at most max; returns how many). Freed with
 * kvmhost_env_release. */
size_t kvmhost_env_build(const struct kvmhost_env_in *in, char **v, size_t max);
void kvmhost_env_release(char **v, size_t n);

#endif
