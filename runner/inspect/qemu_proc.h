/* A running qemu read from the outside, changing nothing: every qemu in
 * /proc with its parsed command line, working directory and state; the
 * sockets and the tap among its fds; who holds its serial console (its
 * listening socket in /proc/PID/net/unix, the accepted peer found with
 * sock_diag in whichever network namespace the client lives in); and its
 * network namespace, entered and left by this thread alone (setns). Used
 * by `vlab verify` and by grading, which read a lab someone else built.
 * Functions return 0 or a negative errno. */
#ifndef VLAB_INSPECT_QEMU_PROC_H
#define VLAB_INSPECT_QEMU_PROC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checks/qemu_cmdline_verdicts.h"

struct qemu_proc {
	pid_t pid;
	struct qemu_cmdline cmd;
	char state;              /* /proc/PID/stat's letter, 0 unknown */
	int64_t age_ms;          /* how long it has run, from its stat's start time; -1 unknown */
	uint64_t start_ticks;    /* its stat's start time (clock ticks after boot), 0 unknown */
	char cwd[PATH_MAX];      /* "" when unreadable */
	int cwd_error;           /* why not (-EACCES: not root) */
	bool vlab_own;           /* started by vlab itself (a run directory's ledger beside its socket) */
};

/* How long q has run by now (q->age_ms is its age when loaded); -1 unknown. */
int64_t qemu_proc_age_now(const struct qemu_proc *q);
/* Every qemu-system-* (or qemu-kvm) process, *out allocated (*n of them). */
int qemu_procs_find(struct qemu_proc **out, size_t *n);
/* One process's command line, cwd and state; -ESRCH when it is gone. */
int qemu_proc_load(pid_t pid, struct qemu_proc *q);
void qemu_proc_release(struct qemu_proc *q);
/* Whether q's process still runs as the qemu loaded (not gone, not a
 * zombie, the same start time: a pid reused by another process is gone). */
bool qemu_proc_still_runs(const struct qemu_proc *q);

/* The inodes of qemu's sockets (*socks allocated) and the tap its
 * /dev/net/tun fd is attached to. -EACCES when its fds cannot be read. */
int qemu_fds(pid_t pid, unsigned long **socks, size_t *nsocks, char *tap, size_t taplen);
/* The taps qemu holds (up to max), from its tun fds' fdinfo. */
size_t qemu_taps(pid_t pid, char taps[][16], size_t max);
/* 1 when a client holds the serial socket qemu serves at connect_path
 * (holder: "socat (pid 42)"), 0 when free, negative when unknown. */
int socket_held(const struct qemu_proc *q, const char *connect_path, char *holder, size_t n);
/* The inode of the peer of UNIX socket ino (sock_diag UNIX_DIAG_PEER, in
 * this thread's network namespace): 0 while a connection still waits in
 * the listener's backlog. */
int unix_peer_inode(unsigned long ino, unsigned long *peer);
/* What vlab connects to for a path qemu opened (through /proc/PID/cwd or
 * /proc/PID/root when it fits a sockaddr_un). */
void connect_path(const struct qemu_proc *q, const char *path, char *out, size_t n);
/* qemu's serial console: the path= of the chardev its isa-serial uses (or
 * -serial unix:), as the student names it (shown: qemu's cwd + path) and
 * as vlab reaches it (conn: connect_path's). 0; -ENOENT when the VM has no
 * serial port on a UNIX socket qemu serves (both ""); -EACCES when path= is
 * relative and qemu's cwd cannot be read (shown: path= as written, conn ""). */
int qemu_serial_socket(const struct qemu_proc *q, char *shown, size_t shownlen, char *conn, size_t connlen);
/* Has the server accepted the UNIX connection fd? Until it does, fd's peer
 * is an embryo in its backlog (no inode). 1 accepted, 0 still queued after
 * timeout_ms (or a stop request), < 0 cannot tell (no sock_diag). */
int unix_wait_accepted(int fd, int64_t timeout_ms);

/* qemu's network namespace: what it is called, for the student and for
 * JSON, and why it could not be opened or entered. */
enum qemu_ns_kind {
	QEMU_NS_UNKNOWN,
	QEMU_NS_NAMED,   /* one `ip netns` names (/run/netns/NAME): id is NAME */
	QEMU_NS_HOST,    /* the host's (pid 1's) */
	QEMU_NS_OWN,     /* one of qemu's own, unnamed */
};
struct qemu_ns_said {
	enum qemu_ns_kind kind;
	char name[128];  /* for the student: "network namespace vt-1234" */
	char id[96];     /* for JSON: "vt-1234", "host", "net:[4026532601]" */
	char error[256]; /* why it could not be entered, "" */
};
struct qemu_ns {
	int fd, home;
	bool same, entered;
};
int qemu_ns_open(pid_t pid, struct qemu_ns *t, struct qemu_ns_said *said);
int qemu_ns_enter(struct qemu_ns *t, struct qemu_ns_said *said);
int qemu_ns_leave(struct qemu_ns *t);
void qemu_ns_close(struct qemu_ns *t);
/* A namespace scan could not come back home: the thread is lost. */
bool qemu_ns_lost(void);

#endif
