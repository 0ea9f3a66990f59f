/* The run directory: $VLAB_RUN_DIR, else /run/vlab as root, else
 * $XDG_RUNTIME_DIR/vlab, else /tmp/vlab-UID. Each run gets its own
 * subdirectory named by its run id (sockets, logs, transcripts, report).
 *
 * A run id is "YYYYmmdd-HHMMSS-PPPPPPP-NNN": local time, the pid zero-padded
 * to 7 digits (pid_max is at most 2^22) and a counter. Every field is fixed
 * width, so names sort by creation time while the clock only moves forward.
 * The directory is made with mkdir(2), which fails on a name taken, and the
 * counter moves on: two runs of one process in one second, a pid reused after
 * a reboot, or a clock stepped backwards never share (or write into) a
 * directory. When the clock stepped back, uniqueness wins over order. */
#ifndef VLAB_RUNDIR_H
#define VLAB_RUNDIR_H

#include <sys/types.h>
#include <time.h>

/* "YYYYmmdd-HHMMSS-PPPPPPP-NNN" and its NUL */
#define RUN_ID_LEN 27
/* how many counters one process tries for one second before giving up */
#define RUN_ID_TRIES 1000

/* The base directory (created 0700 when missing). */
const char *rundir_base(void);
/* Create BASE/RUN_ID (mode 0700) with a fresh run id. The wall clock comes
 * from VLAB_TEST_RUN_CLOCK (seconds since the epoch) when it is set: a test
 * pins it to put several runs into one second. */
int rundir_create(char **run_id, char **path);
/* The same below base, named prefix + run id ("" or "grade-"), with mode
 * (less the umask), at the given time and pid: the core, for tests and for
 * grading's root. *run_id is the id without the prefix. -EEXIST when every
 * counter of that second is taken, -ENAMETOOLONG when a socket path in it
 * would not fit. */
int rundir_create_at(const char *base, const char *prefix, mode_t mode, time_t when, pid_t pid, char **run_id,
		     char **path);

#endif
