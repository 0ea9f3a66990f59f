/* vlab handout; see handout.h. */
#include "runner/handout.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/assets.h"
#include "runner/engine.h"
#include "runner/vm/image.h"
#include "runner/util.h"

int copy_file_sparse(const char *src, const char *dst, mode_t mode)
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

enum { OPT_IMAGE = 256, OPT_MANIFEST, OPT_FORCE, OPT_HELP };

int cmd_handout(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "manifest", required_argument, NULL, OPT_MANIFEST },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = "default", *extra = NULL;
	bool force = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_IMAGE:
			profile = optarg;
			break;
		case OPT_MANIFEST:
			extra = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_HELP:
			printf("usage: vlab handout " HANDOUT_USAGE "\n" HANDOUT_SUMMARY "\n\noptions:\n" HANDOUT_OPTIONS);
			return 0;
		default:
			fprintf(stderr, "vlab: %s '%s'\nusage: vlab handout " HANDOUT_USAGE "\n",
				c == ':' ? "option needs a value:" : "unknown option", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "vlab: %s\nusage: vlab handout " HANDOUT_USAGE "\n",
			optind >= argc ? "where to? (a directory)" : "one directory only");
		return EXIT_USAGE;
	}
	const char *dir = argv[optind];
	char err[768] = "";
	struct manifest m;
	struct image img;
	memset(&img, 0, sizeof(img));
	int r = image_load_manifests(&m, extra, err, sizeof(err));
	if (r == 0)
		r = image_resolve(&m, profile, &img, err, sizeof(err));
	if (r) {
		fprintf(stderr, "vlab: %s\n", err);
		manifest_release(&m);
		return EXIT_HOST;
	}
	int status = EXIT_PASS;
	if ((r = mkdir_p(dir, 0755))) {
		fprintf(stderr, "vlab: cannot make directory %s: %s\n", dir, strerror(-r));
		status = EXIT_HOST;
		goto out;
	}
	printf("vlab handout: chapters 1-2 of the lab, with image profile '%s', in %s:\n", profile, dir);
	if (write_asset(dir, "runqemu_single_vm.sh", "assets/lab/runqemu_single_vm.sh", force, err, sizeof(err)) ||
	    write_asset(dir, "connect_to_socket.sh", "assets/lab/connect_to_socket.sh", force, err, sizeof(err)) ||
	    copy_image_file(dir, LAB_KERNEL_NAME, img.kernel, force, err, sizeof(err)) ||
	    copy_image_file(dir, LAB_ROOTFS_NAME, img.rootfs, force, err, sizeof(err)) ||
	    (img.initrd && copy_image_file(dir, LAB_INITRD_NAME, img.initrd, force, err, sizeof(err)))) {
		fprintf(stderr, "vlab: %s\n", err);
		status = EXIT_HOST;
		goto out;
	}
	if (img.initrd)
		printf("This image's kernel needs its initrd to find the rootfs (the lab's Alpine kernel does not):\n"
		       "by hand, add -initrd %s to qemu's command; `vlab grade --self %s` adds it itself.\n",
		       LAB_INITRD_NAME, dir);
	printf("Complete the TODO in %s/runqemu_single_vm.sh, then check it with `vlab grade --self %s`.\n", dir, dir);
out:
	image_release(&img);
	manifest_release(&m);
	return status;
}
