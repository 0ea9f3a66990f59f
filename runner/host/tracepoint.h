/* Counting a kernel tracepoint for one process with perf_event_open(2):
 * how often "kvm:kvm_pio" fired in vlab's own VMM thread (chapter 5), or in
 * each of qemu's threads (chapter 4). No sampling and no ring buffer: a plain
 * counter per thread, read with read(2).
 *
 * The event's numeric id comes from tracefs, events/<system>/<name>/id.
 * vlab never mounts tracefs: when neither /sys/kernel/tracing nor
 * /sys/kernel/debug/tracing has the id, the counter is unavailable and says
 * why, for the caller to SKIP with. */
#ifndef VLAB_TRACEPOINT_H
#define VLAB_TRACEPOINT_H

#include <stdint.h>
#include <sys/types.h>

/* Open one counter per thread of pid listed in /proc/PID/task now (threads
 * started later are not counted). Without it, pid alone (perf's meaning of
 * pid: one thread, or with pid 0 the calling thread). */
#define TP_ALL_THREADS 0x1u

struct tp_counter {
	char event[96];  /* "kvm:kvm_pio" */
	int id;          /* tracefs id, 0 until found */
	int *fds;        /* one per thread counted */
	int nfds;
	char why[256];   /* after a failure: why this counter is unavailable */
};
#define TP_COUNTER_INIT { "", 0, NULL, 0, "" }

/* The id of event ("system:name") under tracefs: tracefs_root is the
 * directory holding events/ (NULL: /sys/kernel/tracing, then
 * /sys/kernel/debug/tracing). 0; -ENOENT (no such event, or tracefs not
 * mounted), -EACCES, -EINVAL (not "system:name", or a bad id file); why
 * (may be NULL) gets the sentence. */
int tp_event_id(const char *tracefs_root, const char *event, int *id, char *why, size_t whylen);

/* A disabled counter on event for pid (see TP_ALL_THREADS). 0, or a
 * negative errno with c->why set: -ENOENT/-EACCES from the id lookup,
 * -EACCES/-EPERM when perf_event_paranoid or a seccomp filter refuses,
 * -ESRCH when pid is gone, -ENOSYS without perf events. */
int tp_open(struct tp_counter *c, const char *tracefs_root, const char *event, pid_t pid, unsigned flags);
/* Start, stop, zero every thread's counter (PERF_EVENT_IOC_*). */
int tp_enable(struct tp_counter *c);
int tp_disable(struct tp_counter *c);
int tp_reset(struct tp_counter *c);
/* Count only the events whose fields pass filter (tracefs' filter
 * language: "exit_reason == 28 && isa == 1"), on every thread's counter.
 * 0, or -EINVAL when the kernel rejects the expression for this event. */
int tp_set_filter(struct tp_counter *c, const char *filter);
/* The sum over the counted threads. */
int tp_read(const struct tp_counter *c, uint64_t *count);
/* Closes the fds; c may be opened again. Safe on a never-opened counter. */
void tp_close(struct tp_counter *c);

#endif
