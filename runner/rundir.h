/* The run directory: $VLAB_RUN_DIR, else /run/vlab as root, else
 * $XDG_RUNTIME_DIR/vlab, else /tmp/vlab-UID. Each run gets its own
 * subdirectory named by its run id (sockets, logs, transcripts, report). */
#ifndef VLAB_RUNDIR_H
#define VLAB_RUNDIR_H

/* The base directory (created 0700 when missing). */
const char *rundir_base(void);
/* Create BASE/RUN_ID; run_id is "YYYYmmdd-HHMMSS-PID". */
int rundir_create(char **run_id, char **path);

#endif
