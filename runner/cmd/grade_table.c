/* `vlab grade`'s entry of the command table (folded into runner/cmd/grade.c
 * once the command moves there). */
#include "runner/cmd/commands.h"
#include "runner/grade.h"

static const struct opt grade_opts[] = {
	{ OPT_OPERAND, "SUBMISSION", 0, NULL,
	  "a directory with the student's runqemu_single_vm.sh (and saved artefacts)", COMPLETE_DIR, NULL },
	{ OPT_SELF, "self", 0, NULL, "check your own folder before handing it in (the same checks)", COMPLETE_NONE,
	  NULL },
	{ 'j', "jobs", 'j', "N", "grade N submissions at once (default 1)", COMPLETE_NONE, NULL },
	{ OPT_RUBRIC, "rubric", 0, "FILE", "points per check (default: assets/rubric/default.rubric, built in)",
	  COMPLETE_FILE, NULL },
	{ OPT_FORMAT, "format", 0, "FORMAT", "text, json, junit or tap on stdout (default text)", COMPLETE_WORDS,
	  "text json junit tap" },
	{ OPT_OUT, "out", 0, "DIR", "where the reports go (default ./vlab-grades)", COMPLETE_DIR, NULL },
	{ OPT_TIMEOUT, "timeout", 0, "SECONDS", "wall time a submission gets (default 180)", COMPLETE_NONE, NULL },
	{ OPT_MEMORY, "memory", 0, "SIZE", "memory of a sandbox as a whole, qemu included (default 1G)", COMPLETE_NONE,
	  NULL },
	{ OPT_DISK, "disk", 0, "SIZE", "a sandbox's writable layer, the rootfs copy included (default 1G)",
	  COMPLETE_NONE, NULL },
	{ OPT_IMAGE, "image", 0, "PROFILE", "the image profile to grade with (default 'default')", COMPLETE_PROFILE,
	  NULL },
	{ OPT_MANIFEST, "manifest", 0, "FILE", "extra image profiles", COMPLETE_FILE, NULL },
	{ OPT_ACCEL, "accel", 0, "auto|kvm|tcg", "the accelerator qemu gets (auto: KVM where a standard guest boots)",
	  COMPLETE_WORDS, "auto kvm tcg" },
	{ OPT_SHARD, "shard", 0, "I/N", "grade only the I-th of N slices (by name); join them with vlab report merge",
	  COMPLETE_NONE, NULL },
	{ 0 },
};

const struct command command_grade = {
	.name = "grade",
	.run = cmd_grade,
	.usage = GRADE_USAGE,
	.summary = GRADE_SUMMARY,
	.opts = grade_opts,
	.needs = NEEDS_IMAGE,
};
