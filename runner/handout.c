/* A student's handout written into a directory; see handout.h. */
#include "runner/handout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/assets.h"
#include "runner/ci_template.h"
#include "runner/fetch/image.h"
#include "runner/util.h"
#include "runner/files.h"
#include "checks/lab_plan.h"

static int copy_file_sparse(const char *src, const char *dst, mode_t mode)
{
	int r = 0;
	char *buf = NULL;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	char *tmp = NULL;
	int out = open_tmp_beside(dst, mode, &tmp);
	if (out < 0) {
		r = out;
		goto out;
	}
	enum { BLOCK = 64 * 1024 };
	static const char zeros[BLOCK];
	buf = xmalloc(BLOCK);
	off_t size = 0;
	for (;;) {
		ssize_t n = read(in, buf, BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (n == BLOCK && !memcmp(buf, zeros, BLOCK)) {
			if (lseek(out, n, SEEK_CUR) < 0) {
				r = -errno;
				goto out;
			}
		} else {
			for (ssize_t done = 0; done < n;) {
				ssize_t w = write(out, buf + done, (size_t)(n - done));
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0) {
					r = -errno;
					goto out;
				}
				done += w;
			}
		}
		size += n;
	}
	/* a trailing hole needs the size set */
	if (ftruncate(out, size) < 0 || fchmod(out, mode) < 0 || rename(tmp, dst) < 0)
		r = -errno;
out:
	free(buf);
	if (out >= 0)
		close(out);
	if (r && tmp)
		unlink(tmp);
	close(in);
	free(tmp);
	return r;
}

static int write_asset(const char *dir, const char *name, const char *asset, bool force, char *err, size_t errlen)
{
	const struct embedded_asset *a = asset_find(asset);
	if (!a) {
		snprintf(err, errlen, "vlab was built without %s (a bug in the build)", asset);
		return -ENOENT;
	}
	char *path = xasprintf("%s/%s", dir, name);
	int r = 0;
	if (!force && path_exists(path)) {
		snprintf(err, errlen, "%s exists already: pass --force to overwrite it, or choose another directory", path);
		r = -EEXIST;
	} else if ((r = write_file_atomic(path, a->text, strlen(a->text), (mode_t)a->mode))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
	} else {
		chmod(path, (mode_t)a->mode); /* whatever the umask took away */
		printf("  %s\n", path);
	}
	free(path);
	return r;
}

static int copy_image_file(const char *dir, const char *name, const char *src, bool force, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name);
	int r = 0;
	if (!force && path_exists(path)) {
		snprintf(err, errlen, "%s exists already: pass --force to overwrite it, or choose another directory", path);
		r = -EEXIST;
	} else if ((r = copy_file_sparse(src, path, 0644))) {
		snprintf(err, errlen, "cannot copy %s to %s: %s", src, path, strerror(-r));
	} else {
		printf("  %s (from %s)\n", path, src);
	}
	free(path);
	return r;
}

/* The files of each kind of handout: a name in DIR, the embedded asset. */
struct handout_file {
	const char *name, *asset;
};
static const struct handout_file starter_files[] = {
	{ "runqemu_single_vm.sh", "assets/lab/runqemu_single_vm.sh" },
	{ "runqemu_two_vms.sh", "assets/lab/runqemu_two_vms.sh" },
	{ "connect_to_socket.sh", "assets/lab/connect_to_socket.sh" },
};
/* The TA's completed set, every saved file real tool output (the sources
 * are in assets/lab/reference/README.md) */
static const struct handout_file reference_files[] = {
	{ "runqemu_single_vm.sh", "assets/lab/reference/runqemu_single_vm.sh" },
	{ "runqemu_two_vms.sh", "assets/lab/reference/runqemu_two_vms.sh" },
	{ "connect_to_socket.sh", "assets/lab/connect_to_socket.sh" },
	{ "iperf_e1000.json", "assets/lab/reference/iperf_e1000.json" },
	{ "iperf_virtio.json", "assets/lab/reference/iperf_virtio.json" },
	{ "strace.log", "assets/lab/reference/strace.log" },
	{ "perf_ept_on.txt", "assets/lab/reference/perf_ept_on.txt" },
	{ "perf_ept_off.txt", "assets/lab/reference/perf_ept_off.txt" },
	{ "conclusions.txt", "assets/lab/reference/conclusions.txt" },
};

/* Without force, refuse before anything is written when one of the files
 * is there already, so a refused handout leaves dir as it was. */
static int refuse_existing(const char *dir, const char *name, bool force, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name);
	int r = 0;
	if (!force && path_exists(path)) {
		snprintf(err, errlen, "%s exists already: pass --force to overwrite it, or choose another directory", path);
		r = -EEXIST;
	}
	free(path);
	return r;
}

int handout_write(const char *dir, const struct image *img, bool reference, bool force, char *err, size_t errlen)
{
	const struct handout_file *files = reference ? reference_files : starter_files;
	size_t n = reference ? ARRAY_SIZE(reference_files) : ARRAY_SIZE(starter_files);
	const char *image_names[] = { LAB_KERNEL_NAME, LAB_ROOTFS_NAME, img->initrd ? LAB_INITRD_NAME : NULL };
	for (size_t k = 0; k < n; k++)
		if (refuse_existing(dir, files[k].name, force, err, errlen))
			return -1;
	for (size_t k = 0; k < ARRAY_SIZE(image_names); k++)
		if (image_names[k] && refuse_existing(dir, image_names[k], force, err, errlen))
			return -1;
	for (size_t k = 0; k < n; k++)
		if (write_asset(dir, files[k].name, files[k].asset, true, err, errlen))
			return -1;
	if (copy_image_file(dir, LAB_KERNEL_NAME, img->kernel, true, err, errlen) ||
	    copy_image_file(dir, LAB_ROOTFS_NAME, img->rootfs, true, err, errlen) ||
	    (img->initrd && copy_image_file(dir, LAB_INITRD_NAME, img->initrd, true, err, errlen)))
		return -1;
	return 0;
}

int handout_write_ci(const char *dir, enum ci_forge k, bool class_run, const struct ci_values *v, bool force,
		     char *err, size_t errlen)
{
	const char *asset_path = ci_template_asset(k, class_run), *dest = ci_template_dest(k, class_run);
	const struct embedded_asset *a = asset_path ? asset_find(asset_path) : NULL;
	if (!a) {
		snprintf(err, errlen, "vlab was built without %s (a bug in the build)", asset_path ? asset_path : "a CI template");
		return -1;
	}
	char *text = ci_template_fill(a->text, v, err, errlen);
	if (!text)
		return -1;
	char *path = xasprintf("%s/%s", dir, dest);
	char *parent = xstrdup(path);
	*strrchr(parent, '/') = '\0';
	int r = 0;
	if (!force && path_exists(path)) {
		snprintf(err, errlen, "%s exists already: pass --force to overwrite it, or choose another directory", path);
		r = -EEXIST;
	} else if ((r = mkdir_p(parent, 0755))) {
		snprintf(err, errlen, "cannot make directory %s: %s", parent, strerror(-r));
	} else if ((r = write_file_atomic(path, text, strlen(text), 0644))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
	} else {
		chmod(path, 0644);
		printf("  %s\n", path);
	}
	free(parent);
	free(path);
	free(text);
	return r ? -1 : 0;
}
