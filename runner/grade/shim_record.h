/* What the qemu shim (runner/grade/shim.h) leaves in a sandbox's shim
 * directory, as the grading worker reads it: qemu-N.json, the record of
 * the command line a script ran qemu with, and qemu-N.stderr. Everything
 * there is written where the script can write too, so a record is read as
 * root reads untrusted files (util.h read_untrusted_at: through the
 * directory's fd, never through a link, never waiting on a FIFO, capped)
 * and trusted only when the process that announced it is the shim with
 * exactly its command line, and the running qemu is what the shim makes
 * of it. */
#ifndef VLAB_SHIM_RECORD_H
#define VLAB_SHIM_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "runner/host/host.h"

/* What root reads of a sandbox's files, at most (records, qemu's stderr,
 * copied to --out). */
#define SHIM_FILE_CAP (1 << 20)

struct record {
	bool present;
	json_t *json;
	const char **argv;        /* into json */
	int argc;
	/* from vlab's own layout (shim.h: qmp-N.sock, qemu-N.stderr beside
	 * qemu-N.json), never from what the record says */
	char qmp[PATH_MAX], stderr_path[PATH_MAX];
};

/* Record number seq of the shim directory (shim_fd, its path shim_dir).
 * 0 loaded; -ENOENT not there (yet); -EBADMSG its content is no record
 * (not JSON, no command line, over the cap); otherwise the file itself is
 * refused (a FIFO, a link, ...). refused says why in every refusal. */
int record_load(int shim_fd, const char *shim_dir, int seq, struct record *rec, char *refused, size_t n);
void record_release(struct record *rec);

/* Whether pid runs the binary exe (its /proc/PID/exe). */
bool process_exe_is(pid_t pid, const char *exe);

/* Whether pid is the qemu shim (vlab's binary, vlab_exe) run with exactly
 * the record's command line: what makes a record the shim's own. */
bool shim_process_is(const char *vlab_exe, pid_t pid, const struct record *rec);

/* Whether the record stands for the qemu that runs: the shim's adaptation
 * of the recorded argv, redone here with the shim's configuration (the
 * accelerator, initrd, its QMP socket), must be the process's /proc
 * cmdline, and the process real_qemu. The record lies where the script can
 * write, so a script could write one for a command it never ran and start
 * another qemu past the shim: that shows here. 1 it is, 0 it is not (why
 * says how), -1 cannot tell (qemu is gone: the VM checks say so). */
int record_verified(const char *real_qemu, const struct accel_decision *accel, const struct record *rec,
		    const char *initrd, pid_t qpid, char *why, size_t n);

/* The last non-empty line of a sandbox's file name below dirfd (for
 * details), "" when none or when it is not a regular file. */
void last_line_at(int dirfd, const char *name, char *out, size_t n);

/* qemu's records and stderr, and the network commands' records, kept with
 * the reports in outdir: regular files of the shims' names only
 * (qemu-N.json, qemu-N.stderr, net-N.json), read through
 * the shim directory's fd opened before the sandbox stopped, never through
 * a link. What is not kept is said in adaptations. */
void keep_shim_files(int shim_fd, const char *outdir, json_t *adaptations);

#endif
