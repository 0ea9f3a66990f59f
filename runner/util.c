/* The pure helpers (runner/util.h): allocation, strbuf, bounded text, numbers. */
#include "runner/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void out_of_memory(void)
{
	static const char msg[] = "vlab: out of memory\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		out_of_memory();
	return p;
}

bool text_vprintf(char *dst, size_t n, const char *fmt, va_list ap)
{
	if (!n)
		return false;
	int w = vsnprintf(dst, n, fmt, ap);
	if (w >= 0 && (size_t)w < n)
		return true;
	/* cut: say so where the reader looks, at the end */
	static const char mark[] = "...";
	if (n > sizeof(mark))
		memcpy(dst + n - sizeof(mark), mark, sizeof(mark));
	else
		dst[n - 1] = 0;
	return false;
}

bool text_printf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool fit = text_vprintf(dst, n, fmt, ap);
	va_end(ap);
	return fit;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (!sb.buf)
		return xstrdup("");
	return sb.buf;
}

void sb_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
	/* a first allocation is not terminated yet: read_file of an empty
	 * file grows, reads nothing and would hand back garbage */
	sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const void *data, size_t n)
{
	sb_grow(sb, n);
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_remove_prefix(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		sb_reset(sb);
		return;
	}
	memmove(sb->buf, sb->buf + n, sb->len - n);
	sb->len -= n;
	sb->buf[sb->len] = '\0';
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	/* strtoll would skip leading blanks: a number is digits, an optional sign */
	if (!s || !*s || !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return -EINVAL;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	/* a digit first: strtoull skips blanks and then negates a '-', so
	 * " -5" would come out as 2^64 - 5 */
	if (!s || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	*out = v;
	return 0;
}

/* qemu's size syntax (util/cutils.c qemu_strtosz): a decimal number, an
 * optional fraction, an optional suffix B K M G T P E (case-insensitive, powers
 * of 1024); "-m" treats a bare number as MiB. We also take the "KiB/MiB/GiB"
 * spellings students write, though qemu itself does not. */
int parse_size(const char *s, bool bare_unit_mib, uint64_t *bytes)
{
	if (!s)
		return -EINVAL;
	while (*s == ' ')
		s++;
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	/* reject hex and exponents, which strtod accepts but qemu does not */
	for (const char *c = s; c < end; c++)
		if (!((*c >= '0' && *c <= '9') || *c == '.'))
			return -EINVAL;
	uint64_t unit;
	switch (*end) {
	case '\0':
		unit = bare_unit_mib ? 1ULL << 20 : 1;
		break;
	case 'b': case 'B': unit = 1; break;
	case 'k': case 'K': unit = 1ULL << 10; break;
	case 'm': case 'M': unit = 1ULL << 20; break;
	case 'g': case 'G': unit = 1ULL << 30; break;
	case 't': case 'T': unit = 1ULL << 40; break;
	case 'p': case 'P': unit = 1ULL << 50; break;
	case 'e': case 'E': unit = 1ULL << 60; break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		if (unit > 1 && (!strcmp(end, "iB") || !strcmp(end, "ib") || !strcmp(end, "B") || !strcmp(end, "b")))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	/* whole numbers exactly (a double holds only 53 bits) */
	if (!memchr(s, '.', (size_t)(end - s))) {
		unsigned long long whole;
		errno = 0;
		whole = strtoull(s, NULL, 10);
		if (errno == ERANGE || (unit > 1 && whole > UINT64_MAX / unit))
			return -ERANGE;
		*bytes = whole * unit;
		return 0;
	}
	double total = v * (double)unit;
	if (total >= 18446744073709551616.0)
		return -ERANGE;
	/* a fraction must come out to whole bytes, as in qemu */
	if (total != floor(total))
		return -EINVAL;
	*bytes = (uint64_t)total;
	return 0;
}

void format_size(uint64_t bytes, char *out, size_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;
	uint64_t whole = bytes;
	while (u + 1 < ARRAY_SIZE(units) && whole >= 1024 && whole % 1024 == 0) {
		whole /= 1024;
		u++;
	}
	if (whole >= 1024 * 10 && u + 1 < ARRAY_SIZE(units)) {
		double d = (double)bytes;
		u = 0;
		while (d >= 1024 && u + 1 < ARRAY_SIZE(units)) {
			d /= 1024;
			u++;
		}
		snprintf(out, n, "%.1f %s", d, units[u]);
		return;
	}
	snprintf(out, n, "%llu %s", (unsigned long long)whole, units[u]);
}

bool is_sha256_hex(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

char *rtrim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int parse_error_at(char *err, size_t errlen, const char *origin, int line, const char *fmt, ...)
{
	if (err && errlen) {
		int n = snprintf(err, errlen, "%s:%d: ", origin, line);
		if (n >= 0 && (size_t)n < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}
