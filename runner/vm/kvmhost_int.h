/* What kvmhost.c (the machine's setup) and kvmhost_run.c (the run) share:
 * one run's state. Not for other modules: they use kvmhost.h. */
#ifndef VLAB_KVMHOST_INT_H
#define VLAB_KVMHOST_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/exit_status.h"
#include "runner/util.h"
#include "runner/fetch/image.h"
#include "runner/vm/kvmhost_plan.h"

/* kvmhost.h's: declared, not included, so that kvmhost.c's header and this
 * one do not include each other */
struct kvmhost_opts;
struct kvmhost_result;

#define EXIT_HOST_STATUS EXIT_HOST

struct kh {
	const struct kvmhost_opts *o;
	struct kvmhost_result *res;
	struct manifest m;
	struct image img;
	char *dir;                 /* console.log, qemu.log, the sockets, the initrd, guest/ */
	char *guest;               /* the writable share, canonical */
	bool own_run;              /* dir is a run directory of its own, with its ledger */
	char *initrd;
	struct kvmhost_root_entry root[8];
	size_t nroot;
	char *links[8];            /* the root entries' symlink targets */
	char *wanted[5];           /* cwd, vlab's directory, the image's, the cache's, extra_dir */
	char *agent, *modules_dir;
	struct kvmhost_plan_in pin;
	struct kvmhost_plan plan;
	pid_t qemu;
	int qemu_h, initrd_h, sock_h[4];
	int fd_out, fd_err, fd_ctl, fd_tty;
	int64_t t_start, t_started, t_end;
	bool started, exited, killed, boot_timed_out, timed_out, out_closed, err_closed, stdin_done;
	int stop_signal;           /* the stop request's, once sent */
	int64_t grace_until;       /* after a stop or the timeout: when qemu is killed */
	int wstatus;
};

/* kvmhost_run.c: */
/* res->why from fmt; returns r. */
int kh_fail(struct kh *k, int r, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* DIR/name, to free */
char *kh_path(const struct kh *k, const char *name);
void kh_progress_begin(struct kh *k);
/* Relay, forward stops, wait for qemu's end; then the status. */
int kh_supervise(struct kh *k);
/* A stop before qemu ran: the status says so. */
void kh_stopped(struct kh *k);

#endif
