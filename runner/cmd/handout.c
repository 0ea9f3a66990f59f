/* `vlab handout DIR`: what a student receives for chapters 1-2 of the lab
 * (the starter runqemu_single_vm.sh with its TODO, connect_to_socket.sh,
 * and the image under the lab's file names), written by runner/handout.h. */
#include "runner/cmd/commands.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runner/exit_status.h"
#include "runner/handout.h"
#include "runner/util.h"
#include "runner/vm/image.h"
#include "checks/lab_plan.h"

#define HANDOUT_USAGE "DIR [--image PROFILE] [--manifest FILE] [--force]"

static const struct opt handout_opts[] = {
	{ OPT_OPERAND, "DIR", 0, NULL, "where to write them (made when missing)", COMPLETE_DIR, NULL },
	{ OPT_IMAGE, "image", 0, "PROFILE", "the image profile whose files to copy (default 'default')", COMPLETE_PROFILE,
	  NULL },
	{ OPT_MANIFEST, "manifest", 0, "FILE", "extra image profiles", COMPLETE_FILE, NULL },
	{ OPT_FORCE, "force", 0, NULL, "overwrite files DIR already has", COMPLETE_NONE, NULL },
	{ 0 },
};

static int cmd_handout(int argc, char **argv)
{
	const char *profile = "default", *extra = NULL;
	bool force = false;
	struct opt_parser p;
	opt_parser_init(&p, &command_handout);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0) {
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
		}
	}
	if (c < 0)
		return EXIT_USAGE;
	if (optind + 1 != argc)
		return usage_fail("handout " HANDOUT_USAGE, "%s",
				  optind >= argc ? "where to? (a directory)" : "one directory only");
	const char *dir = argv[optind];
	char err[768] = "";
	struct manifest m;
	struct image img;
	memset(&img, 0, sizeof(img));
	int r = image_load_manifests(&m, extra, err, sizeof(err));
	if (r == 0)
		r = image_resolve(&m, profile, &img, err, sizeof(err));
	if (r) {
		error_line("%s", err);
		manifest_release(&m);
		return EXIT_HOST;
	}
	int status = EXIT_PASS;
	if ((r = mkdir_p(dir, 0755))) {
		error_line("cannot make directory %s: %s", dir, strerror(-r));
		status = EXIT_HOST;
		goto out;
	}
	printf("vlab handout: chapters 1-2 of the lab, with image profile '%s', in %s:\n", profile, dir);
	if (handout_write(dir, &img, force, err, sizeof(err))) {
		error_line("%s", err);
		status = EXIT_HOST;
		goto out;
	}
	if (img.initrd)
		printf("This image's kernel needs its initrd to find the rootfs (the lab's Alpine kernel does not):\n"
		       "by hand, add -initrd %s to qemu's command; `vlab grade --self %s` adds it itself.\n",
		       LAB_INITRD_NAME, dir);
	printf("The accelerator: " LAB_TCG_POLICY ".\n");
	printf("Complete the TODO in %s/runqemu_single_vm.sh, then check it with `vlab grade --self %s`.\n", dir, dir);
out:
	image_release(&img);
	manifest_release(&m);
	return status;
}

const struct command command_handout = {
	.name = "handout",
	.run = cmd_handout,
	.usage = HANDOUT_USAGE,
	.summary = "write a student's starter files and the image under the lab's names",
	.opts = handout_opts,
	.needs = NEEDS_IMAGE,
};
