/* A sandbox's size-limited writable layer; see scratch_disk.h. */
#include "runner/grade/scratch_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/proc.h"
#include "runner/util.h"

static int fail(char *err, size_t errlen, int r, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(-r));
	return r;
}

/* Attach fd to a free loop device, autoclear set: its fd, or -errno. Another
 * process may take the device the kernel offered first (EBUSY): ask again. */
static int loop_attach(int backing, char *dev, size_t devlen)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	int r = -EBUSY;
	for (int attempt = 0; attempt < 16 && r == -EBUSY; attempt++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			r = -errno;
			break;
		}
		snprintf(dev, devlen, "/dev/loop%d", n);
		int fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			break;
		}
		/* LOOP_CONFIGURE (Linux 5.8) attaches and sets the flags in one
		 * step: no moment without autoclear */
		struct loop_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (unsigned)backing;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
			close(ctl);
			return fd;
		}
		r = -errno;
		if (r == -EINVAL || r == -ENOTTY) {
			/* an older kernel: attach, then set autoclear */
			struct loop_info64 info;
			memset(&info, 0, sizeof(info));
			info.lo_flags = LO_FLAGS_AUTOCLEAR;
			if (ioctl(fd, LOOP_SET_FD, backing) == 0) {
				if (ioctl(fd, LOOP_SET_STATUS64, &info) == 0) {
					close(ctl);
					return fd;
				}
				r = -errno;
				ioctl(fd, LOOP_CLR_FD, 0);
			} else {
				r = -errno;
			}
		}
		close(fd);
	}
	close(ctl);
	return r;
}

int scratch_disk_mount(const char *image, const char *mountpoint, uint64_t bytes, char *err, size_t errlen)
{
	int fd = open(image, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot create", image);
	int r = 0;
	if (ftruncate(fd, (off_t)bytes) < 0) {
		r = fail(err, errlen, -errno, "cannot size", image);
		goto out;
	}
	/* no journal and no reserved blocks: scratch space that dies with the
	 * sandbox; lazy inode tables keep mke2fs at a few ms */
	const char *argv[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-m", "0", "-O", "^has_journal",
			       "-E", "lazy_itable_init=1,nodiscard", image, NULL };
	struct strbuf out = STRBUF_INIT;
	int st = 0;
	r = proc_run(argv, 30000, &out, &st);
	if (!r && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		r = -EIO;
	if (r) {
		snprintf(err, errlen, "mke2fs %s failed: %s", image, out.len ? rtrim(out.buf) : strerror(-r));
		sb_release(&out);
		goto out;
	}
	sb_release(&out);
	char dev[64];
	int lfd = loop_attach(fd, dev, sizeof(dev));
	if (lfd < 0) {
		r = fail(err, errlen, lfd, "cannot attach a loop device to", image);
		goto out;
	}
	if (mount(dev, mountpoint, "ext4", MS_NOSUID | MS_NODEV, NULL) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot mount %s (%s) on %s: %s", dev, image, mountpoint, strerror(-r));
		ioctl(lfd, LOOP_CLR_FD, 0);
	}
	/* the mount holds the device now; autoclear frees it at the unmount */
	close(lfd);
out:
	close(fd);
	if (r)
		unlink(image);
	return r;
}

