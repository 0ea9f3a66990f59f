/* Files as vlab reads and writes them: whole reads, reads below a root
 * (the host probes' fake trees), reads of files untrusted code could have
 * written, atomic writes, directories made and removed. Kept out of
 * runner/util.h so that checks/, which judges parsed evidence, sees no
 * file I/O. */
#ifndef VLAB_FILES_H
#define VLAB_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runner/util.h"

/* Whole file into sb (appends). */
int read_file(const char *path, struct strbuf *sb);
/* Files below a root directory ("" for the host's own /proc, /sys), as the
 * host probes read them so their decisions are tested on fake trees. The
 * first line of root+path, trimmed ("" when unreadable): 0 or -errno. */
int read_line_at(const char *root, const char *path, char *out, size_t n);
bool path_exists_at(const char *root, const char *path);
/* Read a file that untrusted code could have written (a sandbox's records,
 * qemu's stderr, a submission's files), as root must: name (one path
 * component, no '/') is opened relative to dirfd with O_NOFOLLOW|O_NONBLOCK,
 * so a symbolic link is never followed and a FIFO never waited on; fstat
 * must show a regular file; at most cap bytes are read (*truncated says
 * whether there was more; may be NULL). -ELOOP for a link, -EINVAL with
 * *type set (S_IFMT bits; may be NULL) for anything but a regular file. */
int read_untrusted_at(int dirfd, const char *name, size_t cap, struct strbuf *sb, bool *truncated, mode_t *type);
/* What read_untrusted_at refused, in words: "a symbolic link", "a FIFO",
 * "a directory", ... ("" for other errors). */
const char *untrusted_refusal(int r, mode_t type);
/* Copy such a file (up to cap bytes) to a new file out_name below out_dirfd
 * (replacing one vlab wrote there before; never through a link). */
int copy_untrusted_at(int dirfd, const char *name, size_t cap, int out_dirfd, const char *out_name, mode_t mode);
/* A new temporary file beside path, "PATH.tmp.XXXXXX", created with O_EXCL
 * (mkostemp) so no other writer's file is ever opened or truncated, then
 * given mode: its fd (O_CLOEXEC) or -errno; *tmp is its name to rename or
 * unlink (NULL on failure). */
int open_tmp_beside(const char *path, mode_t mode, char **tmp);
/* Write data to path atomically: a temp file beside it, fsync, rename. */
int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode);
/* mkdir -p with mode for the created components. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf of a directory vlab created (does not follow symlinks). */
int remove_tree(const char *path);
bool path_exists(const char *path);
/* Whether one of two absolute paths is the other or lies under it (by their
 * text: "/a/b" and "/a/bc" do not overlap; "/" overlaps every path). */
bool paths_overlap(const char *a, const char *b);

#endif
