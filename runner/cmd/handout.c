/* vlab handout; see handout.h. */
#include "runner/cmd/handout.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runner/exit_status.h"
#include "runner/handout.h"
#include "runner/util.h"
#include "runner/vm/image.h"

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
	if (handout_write(dir, &img, force, err, sizeof(err))) {
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
