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
 * One stop event often sends several signals: `timeout` signals its child,
 * then the whole process group, then SIGCONT; a CI cancel sends SIGINT and
 * then SIGTERM to the group; a student presses Ctrl-C twice. Stop signals
 * within CLEANUP_SAME_STOP_MS of the first are that same request. A stop
 * signal after that window is a separate request, "out now"; it, or a crash
 * (SIGSEGV, SIGBUS, SIGABRT, SIGFPE), runs the emergency path inside the
 * handler: async-signal-safe system calls only (SIGKILL to the process
 * groups, unlink and rmdir of the registered paths, the registered network
 * namespaces unmounted and unlinked, cgroups emptied and removed children
 * first, links deleted over netlink, mounts detached), then the default
 * action is restored and the signal re-raised. What it cannot release stays
 * in the ledger for `vlab clean`.
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
	RES_CALLBACK,  /* an action on the orderly path (netlink deletes, namespaces); the
			* emergency path does its cleanup_add_emergency() action, if any */
	RES_CGROUP,    /* a cgroup directory vlab made: its members killed, then rmdir */
};

/* Stop signals this close to the first are one request (see above). */
#define CLEANUP_SAME_STOP_MS 2000

/* What the emergency path can do, with async-signal-safe calls alone, for
 * a resource whose orderly release is a callback. */
enum emergency_action {
	EMERGENCY_NONE,
	EMERGENCY_NETNS,   /* a bind-mounted namespace file (/run/netns/NAME): umount2(MNT_DETACH), unlink */
	EMERGENCY_LINK,    /* a link in vlab's own network namespace, by its index: RTM_DELLINK */
	EMERGENCY_UMOUNT,  /* a mount point: umount2(MNT_DETACH) */
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
/* What the emergency path does for handle's resource (a callback's): a
 * path's action (EMERGENCY_NETNS, EMERGENCY_UMOUNT), or the deletion of the
 * link of index ifindex in vlab's own network namespace (only a link vlab
 * made there: --host-net; a link in a lab namespace goes with it). */
int cleanup_set_emergency(int handle, enum emergency_action action, const char *path);
int cleanup_set_emergency_link(int handle, int ifindex);
/* A cgroup directory (RES_CGROUP); its ledger line ("cgroup PATH") lets
 * `vlab clean` empty and remove it after a SIGKILL. */
int cleanup_add_cgroup(const char *path);
/* Empty the cgroup at path and its child groups, deepest first
 * (cgroup.kill where the kernel has it, else
 * SIGKILL to each pid of cgroup.procs, again until none is left or
 * timeout_ms passed), then rmdir it. Async-signal-safe: no malloc, no
 * stdio. 0, or -errno of the rmdir. */
int cgroup_empty_and_remove(const char *path, int timeout_ms);

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
