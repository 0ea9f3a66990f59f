/* Small helpers: allocation, strbuf, files, time, numbers, sha256. */
#include "runner/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ms_left(int64_t deadline_ms)
{
	int64_t left = deadline_ms - now_ms();
	return left > 0 ? left : 0;
}

int read_file(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		sb_grow(sb, 4096);
		ssize_t n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
	}
	close(fd);
	return 0;
}

int read_untrusted_at(int dirfd, const char *name, size_t cap, struct strbuf *sb, bool *truncated, mode_t *type)
{
	if (truncated)
		*truncated = false;
	if (type)
		*type = 0;
	if (!*name || strchr(name, '/'))
		return -EINVAL;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		/* O_NOFOLLOW on a link gives ELOOP; an O_PATH look says what
		 * else refused (ENXIO: a socket) */
		struct stat st;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
			if (type)
				*type = st.st_mode & S_IFMT;
			return S_ISLNK(st.st_mode) ? -ELOOP : -EINVAL;
		}
		return -e;
	}
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		if (type)
			*type = st.st_mode & S_IFMT;
		r = -EINVAL;
	}
	size_t got = 0;
	while (!r) {
		size_t room = cap - got > 65536 ? 65536 : cap - got;
		char buf[65536];
		ssize_t n = read(fd, buf, room ? room : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		if (!room) {
			if (truncated)
				*truncated = true;
			break;
		}
		sb_add(sb, buf, (size_t)n);
		got += (size_t)n;
	}
	close(fd);
	return r;
}

const char *untrusted_refusal(int r, mode_t type)
{
	if (r == -ELOOP)
		return "a symbolic link";
	if (r != -EINVAL)
		return "";
	switch (type) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFDIR:
		return "a directory";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
	case S_IFBLK:
		return "a device node";
	case S_IFLNK:
		return "a symbolic link";
	default:
		return "not a regular file";
	}
}

int copy_untrusted_at(int dirfd, const char *name, size_t cap, int out_dirfd, const char *out_name, mode_t mode)
{
	struct strbuf sb = STRBUF_INIT;
	int r = read_untrusted_at(dirfd, name, cap, &sb, NULL, NULL);
	if (!r) {
		if (unlinkat(out_dirfd, out_name, 0) < 0 && errno != ENOENT)
			r = -errno;
		int fd = r ? -1 : openat(out_dirfd, out_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (!r && fd < 0)
			r = -errno;
		if (fd >= 0) {
			if (sb.len && write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
				r = -EIO;
			if (close(fd) < 0 && !r)
				r = -errno;
		}
	}
	sb_release(&sb);
	return r;
}

int open_tmp_beside(const char *path, mode_t mode, char **tmp)
{
	char *name = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkostemp(name, O_CLOEXEC);
	if (fd < 0) {
		int e = -errno;
		free(name);
		*tmp = NULL;
		return e;
	}
	if (fchmod(fd, mode) < 0) {
		int e = -errno;
		close(fd);
		unlink(name);
		free(name);
		*tmp = NULL;
		return e;
	}
	*tmp = name;
	return fd;
}

int write_file_atomic(const char *path, const void *data, size_t n, mode_t mode)
{
	char *tmp;
	int ret = 0;
	int fd = open_tmp_beside(path, mode, &tmp);
	if (fd < 0)
		return fd;
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

int mkdir_p(const char *path, mode_t mode)
{
	if (!*path)
		return -ENOENT;  /* as mkdir(""); the loop below starts past the first byte */
	char *p = xstrdup(path);
	int ret = 0;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			struct stat st;
			/* a file in the way is an error, as for `mkdir -p` */
			if (mkdir(p, mode) < 0 &&
			    (errno != EEXIST || stat(p, &st) < 0 || !S_ISDIR(st.st_mode))) {
				ret = errno == EEXIST ? -ENOTDIR : -errno;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return ret;
}

int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = xasprintf("%s/%s", path, de->d_name);
		int r = remove_tree(sub);
		if (r && !ret)
			ret = r;
		free(sub);
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool paths_overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > lb)
		return paths_overlap(b, a);
	return !strncmp(a, b, la) && (b[la] == '/' || !b[la] || (la == 1 && a[0] == '/'));
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

int sha256_file(const char *path, char out[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		out_of_memory();
	int ret = 0;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	static unsigned char buf[1 << 16];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	unsigned char md[32];
	unsigned len = 0;
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (ret)
		return ret;
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

void sha256_buf(const void *data, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	out[0] = '\0';
	if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL))
		return;
	for (unsigned i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
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

static void (*tick_fn)(void);

void idle_set_tick(void (*fn)(void))
{
	tick_fn = fn;
}

void idle_tick(void)
{
	if (tick_fn)
		tick_fn();
}

int read_line_at(const char *root, const char *path, char *out, size_t n)
{
	char *p = xasprintf("%s%s", root, path);
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(p, &sb);
	out[0] = '\0';
	if (r == 0 && sb.len) {
		sb.buf[strcspn(sb.buf, "\n")] = '\0';
		snprintf(out, n, "%s", rtrim(sb.buf));
	}
	sb_release(&sb);
	free(p);
	return r;
}

bool path_exists_at(const char *root, const char *path)
{
	char *p = xasprintf("%s%s", root, path);
	bool r = access(p, F_OK) == 0;
	free(p);
	return r;
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
