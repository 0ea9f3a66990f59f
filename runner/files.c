/* Files: whole reads, untrusted reads, atomic writes, trees; see files.h. */
#include "runner/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
