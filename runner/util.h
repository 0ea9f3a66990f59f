/* Small helpers every module uses: growable strings, files, time, numbers.
 * Functions return 0 or a negative errno; nothing here exits except the x*
 * allocators, which abort on out-of-memory (there is nothing useful to do). */
#ifndef VLAB_UTIL_H
#define VLAB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* The one way vlab formats a message into a fixed buffer: as snprintf, but
 * a text too long for dst is never cut silently: its end becomes "...".
 * Returns true when it fit whole. (-Wformat-truncation holds snprintf
 * calls to fitting; this is for messages whose parts, a path or a guest's
 * line, have no bound.) */
bool text_printf(char *dst, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);
bool text_vprintf(char *dst, size_t n, const char *fmt, va_list ap) PRINTF_LIKE(3, 0);

/* A growable, always NUL-terminated byte string (git's strbuf, smaller). */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
#define STRBUF_INIT { NULL, 0, 0 }
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void sb_reset(struct strbuf *sb);
void sb_remove_prefix(struct strbuf *sb, size_t n);
const char *sb_str(const struct strbuf *sb); /* "" when empty, never NULL */
void sb_release(struct strbuf *sb);

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);
/* Remaining ms until deadline (never below 0). */
int64_t ms_left(int64_t deadline_ms);

/* Whole file into sb (appends). */
int read_file(const char *path, struct strbuf *sb);
/* Files below a root directory ("" for the host's own /proc, /sys), as the
 * host probes read them so their decisions are tested on fake trees. The
 * first line of root+path, trimmed ("" when unreadable): 0 or -errno. */
int read_line_at(const char *root, const char *path, char *out, size_t n);
/* A parse error "ORIGIN:LINE: what" into err (may be NULL); returns -EINVAL. */
int parse_error_at(char *err, size_t errlen, const char *origin, int line, const char *fmt, ...) PRINTF_LIKE(5, 6);
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

/* strtoll/strtoull with full-string and range checks. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_u64(const char *s, uint64_t *out);
/* A size as qemu's -m accepts it: "256", "256M", "256m", "0.25G", "268435456B",
 * "256MiB"... A bare number means MiB when bare_unit_mib is true (qemu -m), bytes
 * otherwise. */
int parse_size(const char *s, bool bare_unit_mib, uint64_t *bytes);
/* "256 MiB", "1.5 GiB", "4096 B" */
void format_size(uint64_t bytes, char *out, size_t n);

/* Lower-case hex sha256 of a file (65 bytes with NUL). */
int sha256_file(const char *path, char out[65]);
/* The same of n bytes in memory ("" when the digest cannot be made). */
void sha256_buf(const void *data, size_t n, char out[65]);
bool is_sha256_hex(const char *s);

/* Every wait loop (console, QMP, processes, sockets) calls idle_tick() about
 * every 100 ms while it waits: the UI hangs its spinner and elapsed time on
 * it. The tick must be cheap and must not call back into waits. */
void idle_set_tick(void (*fn)(void));
void idle_tick(void);

/* Trim trailing \r\n and spaces in place. */
char *rtrim(char *s);
bool starts_with(const char *s, const char *prefix);

#endif
