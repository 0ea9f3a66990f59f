/* The cleanup registry: every resource vlab creates is registered here when
 * it is created and released in reverse order on every way out.
 *
 *      create ──register──▶ LIVE ──cleanup_release()──▶ released (killed / unlinked)
 *                            │  └──cleanup_forget()────▶ forgotten (--keep, or the
 *                            │                           owner released it itself)
 *                            └──exit / failure / signal─▶ released by cleanup_run_all()
 *
 * Signals: the first SIGINT/SIGTERM/SIGHUP only records a stop request; every
 * wait in vlab polls cleanup_stop_requested() and unwinds with -EINTR, so the
 * command layer tears down in order (netlink included) and exits 128+signo.
 * A second such signal, or a crash (SIGSEGV, SIGBUS, SIGABRT, SIGFPE), runs the
 * emergency path inside the handler: only async-signal-safe calls (kill of
 * process groups with SIGKILL, unlink, rmdir of the registered paths), then
 * the default action is restored and the signal re-raised.
 *
 * The registry also appends each registration to a ledger file in the run
 * directory, so `vlab clean` can find what a SIGKILLed vlab left behind.
 */
#ifndef VLAB_CLEANUP_H
#define VLAB_CLEANUP_H

#include <stdbool.h>
#include <sys/types.h>

enum resource_kind {
	RES_PROCESS,   /* a child in its own process group: SIGTERM, grace, SIGKILL */
	RES_FILE,      /* a file or socket: unlink */
	RES_DIR,       /* an empty-at-the-end directory vlab made: rmdir */
	RES_TREE,      /* a directory vlab made and owns entirely: rm -rf (not in the handler) */
	RES_CALLBACK,  /* an action on the orderly path only (netlink deletes, namespaces) */
};

typedef void (*cleanup_fn)(void *arg);

void cleanup_install_signal_handlers(void);
/* Where registrations are appended (NULL: nowhere). Setting it writes the
 * "owner PID STARTTIME" line that tells whether the run is still alive. */
void cleanup_set_ledger(const char *path);
/* Append a line of its own to the ledger ("netns vlab-...", "kept"). */
void cleanup_ledger_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A process's start time (field 22 of /proc/PID/stat, clock ticks since
 * boot), 0 when gone: with the pid it names the process exactly, so a
 * recycled pid is never taken for ours. */
unsigned long long proc_start_time(pid_t pid);

int cleanup_add_process(pid_t pid, const char *what);
int cleanup_add_path(enum resource_kind kind, const char *path);
int cleanup_add_callback(cleanup_fn fn, void *arg, const char *what);

/* Release one now. */
void cleanup_release(int handle);
/* Drop from the registry without releasing (--keep, or released elsewhere). */
void cleanup_forget(int handle);
/* Release everything still registered, newest first. Idempotent. */
void cleanup_run_all(void);
/* Forget everything (--keep at the end of a run). */
void cleanup_forget_all(void);

bool cleanup_stop_requested(void);
/* The signal that asked to stop (0 if none). */
int cleanup_stop_signal(void);
/* For tests: pretend a stop was requested / clear it. */
void cleanup_request_stop(int signo);
void cleanup_clear_stop(void);

#endif
