/* A file copied whole; see file_copy.h. */
#include "runner/grade/file_copy.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every byte of in to out: copy_file_range (in the kernel), read and
 * write where it is not supported between the two file systems. */
static int copy_bytes(int in, int out, off_t size)
{
	off_t done = 0;
	while (done < size) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(size - done), 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			char buf[1 << 16];
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t)n) != n)
				return errno ? -errno : -EIO;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;  /* the file shrank while it was copied */
		done += n;
	}
	return 0;
}

int file_copy_new(int src_dir, const char *src, int dst_dir, const char *dst, uid_t uid)
{
	int in = openat(src_dir, src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return -errno;
	struct stat st;
	int r = fstat(in, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
	if (r) {
		close(in);
		return r;
	}
	int out = openat(dst_dir, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	r = copy_bytes(in, out, st.st_size);
	if (!r && fchown(out, uid, uid) < 0)
		r = -errno;
	if (close(out) < 0 && !r)
		r = -errno;
	close(in);
	if (r)
		unlinkat(dst_dir, dst, 0);
	return r;
}
