/* The pure helpers every module uses, checks/ included: allocation,
 * growable strings, bounded text, number and size parsing. Nothing here
 * touches a file, the clock or a process: files are runner/files.h, time
 * and the wait loops' tick runner/clock.h, digests runner/sha256.h.
 * Functions return 0 or a negative errno; nothing here exits except the x*
 * allocators, which abort on out-of-memory (there is nothing useful to do). */
#ifndef VLAB_UTIL_H
#define VLAB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A parse error "ORIGIN:LINE: what" into err (may be NULL); returns -EINVAL. */
int parse_error_at(char *err, size_t errlen, const char *origin, int line, const char *fmt, ...) PRINTF_LIKE(5, 6);

/* strtoll/strtoull with full-string and range checks. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_u64(const char *s, uint64_t *out);
/* A size as qemu's -m accepts it: "256", "256M", "256m", "0.25G", "268435456B",
 * "256MiB"... A bare number means MiB when bare_unit_mib is true (qemu -m), bytes
 * otherwise. */
int parse_size(const char *s, bool bare_unit_mib, uint64_t *bytes);
/* "256 MiB", "1.5 GiB", "4096 B" */
void format_size(uint64_t bytes, char *out, size_t n);

bool is_sha256_hex(const char *s);

/* Trim trailing \r\n and spaces in place. */
char *rtrim(char *s);
bool starts_with(const char *s, const char *prefix);

#endif
