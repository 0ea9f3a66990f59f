/* Spawning and supervising processes: argv arrays only (never a shell),
 * optional own process group, stdio redirected to files, exec errors reported
 * back to the parent through a close-on-exec pipe, waits with deadlines that
 * also end on a stop request. */
#ifndef VLAB_PROC_H
#define VLAB_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/util.h"

struct spawn_opts {
	const char *const *argv;  /* argv[0] is looked up in PATH unless it has a '/' */
	const char *stdin_path;   /* NULL: /dev/null */
	const char *stdout_path;  /* NULL: /dev/null unless stdout_fd >= 0 */
	const char *stderr_path;  /* NULL: /dev/null unless stderr_fd >= 0 */
	int stdout_fd;            /* -1 when unused; dup2'd onto 1 */
	int stderr_fd;            /* -1 when unused; dup2'd onto 2 */
	bool own_pgrp;            /* setpgid(0,0): signals to the group reach its helpers too */
	bool die_with_parent;     /* PR_SET_PDEATHSIG SIGKILL: nothing outlives a SIGKILLed vlab */
	const char *cwd;
	char *const *envp;        /* NULL: inherit */
};
#define SPAWN_OPTS_INIT { .stdout_fd = -1, .stderr_fd = -1 }

/* Spawn. -ENOENT when argv[0] cannot be found, other -errno from exec. */
int proc_spawn(const struct spawn_opts *o, pid_t *pid);

/* Wait for pid until timeout_ms (< 0: forever). -ETIMEDOUT, -EINTR (stop
 * requested), 0 with *wstatus set when it exited. */
int proc_wait(pid_t pid, int64_t timeout_ms, int *wstatus);

/* Has pid exited? Reaps it when it has (the status goes to *wstatus). */
bool proc_exited(pid_t pid, int *wstatus);

/* Whether pid is gone or a zombie, without reaping it (for waits on a
 * process someone else reaps). */
bool proc_gone(pid_t pid);

/* Connect to the UNIX socket at path, retrying every 10 ms while it is not
 * there yet or not listening yet (a server such as qemu creates it some ms
 * after it starts), until timeout_ms. -EPIPE when watch_pid > 0 is gone,
 * -EINTR on a stop request; at the deadline the last connect error
 * (-ENOENT, -ECONNREFUSED), which says more than a timeout would. */
int unix_connect_retry(const char *path, pid_t watch_pid, int64_t timeout_ms, int *fd);
/* The same, and the server must be process peer (SO_PEERCRED, as this
 * process's pid namespace numbers it; 0: anyone): -EPERM when another
 * process serves the socket (a script's fake QMP server in grading). */
int unix_connect_peer(const char *path, pid_t watch_pid, pid_t peer, int64_t timeout_ms, int *fd);

/* Run argv to completion, stdout and stderr together into out (may be NULL),
 * killing it after timeout_ms. */
int proc_run(const char *const *argv, int64_t timeout_ms, struct strbuf *out, int *wstatus);
/* The same, but to the end even when a stop is requested, and the child
 * outlives a killed vlab (no parent-death signal): for work that must not be
 * cut in half, such as loading a kernel module. Only the timeout ends it
 * early (-ETIMEDOUT, the child killed). */
int proc_run_to_end(const char *const *argv, int64_t timeout_ms, struct strbuf *out, int *wstatus);

/* Full path of an executable found in PATH, or NULL (malloc'd). */
char *proc_which(const char *name);

/* "exited with status 1", "killed by signal 9 (Killed)" */
void proc_describe_status(int wstatus, char *buf, size_t n);

#endif
