/* `vlab handout DIR`: what a student receives for the lab (the starter
 * runqemu_single_vm.sh with its TODO, the course's runqemu_two_vms.sh,
 * connect_to_socket.sh, and the image under the lab's file names), written
 * by runner/handout.h; with --reference, the TA's completed set instead;
 * with --student-ci, the student's CI self-check beside them; with --class-ci, only
 * the TA's class run (runner/ci_template.h). */
#include "runner/cmd/commands.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/ci_template.h"
#include "runner/exit_status.h"
#include "runner/handout.h"
#include "runner/util.h"
#include "runner/files.h"
#include "runner/fetch/image.h"
#include "checks/lab_plan.h"

#define HANDOUT_USAGE                                                                                     \
	"DIR [--image PROFILE] [--manifest FILE] [--force] [--student-ci github|gitlab] [--mirror URL] [--reference] | "             \
	"DIR --class-ci github|gitlab [--shards N] [--image PROFILE] [--mirror URL] [--force]"

/* Where the rows put the options (cmd_handout starts it afresh). */
static struct {
	const char *profile, *manifest;
	bool force, reference;
} hargs;

static const struct opt handout_opts[] = {
	{ OPT_OPERAND, "DIR", 0, NULL, "where to write them (made when missing)", COMPLETE_DIR, NULL, TO_LOOP },
	OPT_IMAGE_TO(&hargs.profile),
	OPT_MANIFEST_TO(&hargs.manifest),
	{ OPT_FORCE, "force", 0, NULL, "overwrite files DIR already has", COMPLETE_NONE, NULL, TO_FLAG(&hargs.force) },
	{ OPT_REFERENCE, "reference", 0, NULL,
	  "the TA's reference instead of the starter: both scripts complete\nand the saved files, full marks under "
	  "--rubric lab",
	  COMPLETE_NONE, NULL, TO_FLAG(&hargs.reference) },
	{ OPT_STUDENT_CI, "student-ci", 0, "github|gitlab",
	  "also the student's self-check: .github/workflows/vlab.yml or .gitlab-ci.yml\n(feedback on each push, not a "
	  "grade)",
	  COMPLETE_WORDS, "github gitlab", TO_LOOP },
	{ OPT_CLASS_CI, "class-ci", 0, "github|gitlab",
	  "only the TA's class run, in shards, then vlab report merge:\n.github/workflows/vlab-class.yml or "
	  ".gitlab-ci.yml",
	  COMPLETE_WORDS, "github gitlab", TO_LOOP },
	{ OPT_SHARDS, "shards", 0, "N", "--class-ci: grade in N jobs at once (1 to 200, default 4)", COMPLETE_NONE,
	  NULL, TO_LOOP },
	/* the mirror the CI file fetches from */
	OPT_LIKE(opt_mirror, "a placeholder in the CI file, for the course to edit", TO_LOOP),
	{ 0 },
};

#define usage(...) usage_fail("handout " HANDOUT_USAGE, __VA_ARGS__)

/* --class-ci: the TA's class run alone (no starter, no image: the grading
 * repository holds the students' folders). */
static int write_class_ci(const char *dir, enum ci_forge k, const struct ci_values *v, bool force)
{
	char err[768] = "";
	int r = mkdir_p(dir, 0755);
	if (r) {
		error_line("cannot make directory %s: %s", dir, strerror(-r));
		return EXIT_HOST;
	}
	printf("vlab handout: the class run in %u shard%s, image profile '%s', in %s:\n", v->shards,
	       v->shards == 1 ? "" : "s", v->profile, dir);
	if (handout_write_ci(dir, k, true, v, force, err, sizeof(err))) {
		error_line("%s", err);
		return EXIT_HOST;
	}
	printf("It grades every folder under %s/submissions/ and merges the shards; the course edits its VLAB_* "
	       "settings%s.\n",
	       dir, strcmp(v->mirror, CI_MIRROR_EDIT_ME) ? "" : " (the mirror is a placeholder)");
	return EXIT_PASS;
}

/* The starter files and the image into dir (with --student-ci, the student's
 * self-check file too): the command's status. */
static int write_starter(const char *dir, const char *profile, const char *extra, enum ci_forge ci,
			 const struct ci_values *values, bool reference, bool force)
{
	char err[768] = "";
	bool mirror_given = strcmp(values->mirror, CI_MIRROR_EDIT_ME) != 0;
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
	char *ci_path = ci ? xasprintf("%s/%s", dir, ci_template_dest(ci, false)) : NULL;
	if (ci_path && !force && path_exists(ci_path)) {
		/* before anything is written, as a starter file that exists is */
		error_line("%s exists already: pass --force to overwrite it, or choose another directory", ci_path);
		status = EXIT_HOST;
		goto out;
	}
	if ((r = mkdir_p(dir, 0755))) {
		error_line("cannot make directory %s: %s", dir, strerror(-r));
		status = EXIT_HOST;
		goto out;
	}
	printf("vlab handout: %s, with image profile '%s', in %s:\n",
	       reference ? "the TA's reference for chapters 1-4 of the lab" : "chapters 1-4 of the lab", profile, dir);
	if (handout_write(dir, &img, reference, force, err, sizeof(err)) ||
	    (ci && handout_write_ci(dir, ci, false, values, force, err, sizeof(err)))) {
		error_line("%s", err);
		status = EXIT_HOST;
		goto out;
	}
	if (img.initrd)
		printf("This image's kernel needs its initrd to find the rootfs (the lab's Alpine kernel does not):\n"
		       "by hand, add -initrd %s to qemu's command; `vlab grade --self %s` adds it itself.\n",
		       LAB_INITRD_NAME, dir);
	printf("The accelerator: " LAB_TCG_POLICY ".\n");
	if (reference) {
		printf("Both scripts are complete and the saved files are real runs: `vlab grade --self %s --rubric lab` "
		       "scores them full marks.\n",
		       dir);
	} else {
		printf("Complete the TODO in %s/runqemu_single_vm.sh, then check it with `vlab grade --self %s`.\n", dir,
		       dir);
		printf("Chapter 3 runs %s/runqemu_two_vms.sh as it is. Save in %s, for grading: " HANDOUT_SAVED_FILES
		       ".\n",
		       dir, dir);
	}
	if (ci)
		printf("%s runs the same check on each push: feedback, not the grade. The course edits its VLAB_* "
		       "settings%s.\n",
		       ci_template_dest(ci, false), mirror_given ? "" : " (the mirror is a placeholder)");
out:
	free(ci_path);
	image_release(&img);
	manifest_release(&m);
	return status;
}

static int cmd_handout(int argc, char **argv)
{
	hargs.profile = "default";
	hargs.manifest = NULL;
	hargs.force = hargs.reference = false;
	const char *mirror = NULL;
	bool shards_given = false;
	enum ci_forge ci = CI_FORGE_NONE, class_ci = CI_FORGE_NONE;
	int64_t shards = 4;
	char why[160];
	struct opt_parser p;
	opt_parser_init(&p, &command_handout);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0) {
		switch (c) {
		case OPT_STUDENT_CI:
		case OPT_CLASS_CI:
			if (ci_forge_parse(optarg, c == OPT_STUDENT_CI ? &ci : &class_ci))
				return usage("unknown %s '%s' (github or gitlab)", c == OPT_STUDENT_CI ? "--student-ci" : "--class-ci",
					     optarg);
			break;
		case OPT_SHARDS:
			if (parse_i64(optarg, 1, CI_MAX_SHARDS, &shards))
				return usage("--shards takes a number from 1 to %d, not '%s'", CI_MAX_SHARDS, optarg);
			shards_given = true;
			break;
		case OPT_MIRROR:
			if (ci_mirror_check(optarg, why, sizeof(why)))
				return usage("--mirror '%s' cannot go into a CI file: %s", optarg, why);
			mirror = optarg;
			break;
		}
	}
	if (c < 0)
		return EXIT_USAGE;
	const char *profile = hargs.profile, *extra = hargs.manifest;
	bool force = hargs.force, reference = hargs.reference;
	if (optind + 1 != argc)
		return usage("%s", optind >= argc ? "where to? (a directory)" : "one directory only");
	/* a student's repository gets --student-ci, the TA's grading repository
	 * --class-ci: never both in one directory (GitLab reads one
	 * .gitlab-ci.yml) */
	if (ci && class_ci)
		return usage("--student-ci (a student's self-check) and --class-ci (the TA's class run) go to different "
			     "repositories: give one");
	if (reference && class_ci)
		return usage("--reference is a folder of files, --class-ci the class run alone: give one");
	if (shards_given && !class_ci)
		return usage("--shards is the class run's: give it with --class-ci");
	if (mirror && !ci && !class_ci)
		return usage("--mirror goes into a CI file: give it with --student-ci or --class-ci");
	const char *dir = argv[optind];
	struct ci_values values = { .profile = profile, .mirror = mirror ? mirror : CI_MIRROR_EDIT_ME,
				    .shards = class_ci ? (unsigned)shards : 1 };
	if ((ci || class_ci) && ci_value_check(profile, why, sizeof(why)))
		return usage("--image '%s' cannot go into a CI file: %s", profile, why);
	if (class_ci)
		return write_class_ci(dir, class_ci, &values, force);
	return write_starter(dir, profile, extra, ci, &values, reference, force);
}

const struct command command_handout = {
	.name = "handout",
	.run = cmd_handout,
	.usage = HANDOUT_USAGE,
	.summary = "write a student's starter files and the image under the lab's names",
	.opts = handout_opts,
	.needs = NEEDS_IMAGE,
};
