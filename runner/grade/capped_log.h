/* A log with a cap: what a graded script prints goes through a pipe to a
 * relay process that keeps the first cap bytes in the file, counts and
 * drops the rest, and at the end says so in the file's last line. A script
 * that prints 64 MiB (or forever) costs the grader 1 MiB of disk, not
 * RLIMIT_FSIZE's worth, and its output never blocks (the relay always
 * reads). */
#ifndef VLAB_CAPPED_LOG_H
#define VLAB_CAPPED_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct capped_log {
	pid_t relay;       /* the relay process, registered for cleanup */
	int handle;        /* its cleanup registration */
	int write_fd;      /* give this to the writer (dup2 onto 1 and 2); close it here after */
	int result_fd;     /* the relay reports the byte count here at the end */
};

/* Start the relay writing path (created, truncated, 0644). 0 or -errno. */
int capped_log_start(const char *path, uint64_t cap, struct capped_log *cl);
/* Close our write end (if still open), wait up to timeout_ms for every
 * writer to be gone and the relay to finish, and tell how many bytes were
 * written in all. 0, -ETIMEDOUT (the relay is killed, *total what it had
 * counted is unknown: 0). */
int capped_log_finish(struct capped_log *cl, int64_t timeout_ms, uint64_t *total);

#endif
