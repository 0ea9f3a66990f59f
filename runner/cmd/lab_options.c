/* The options of `vlab chapter` and `vlab run`, and what they share. */
#include "runner/cmd/lab_options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chapters/ch3_plan.h"
#include "chapters/ch4_kvm.h"
#include "runner/chapter.h"
#include "runner/exit_status.h"
#include "runner/util.h"

/* Where the rows put the options: lab_options_parse starts it afresh and
 * hands it over. A chapter's own options (--duration, --seconds,
 * --allow-module-reload) go to that chapter's variables instead. */
static struct lab_options lab;

#define LAB_OPTS                                                                                               \
	OPT_FORMAT_TO(&lab.format, FORMATS_ALL),                                                                \
	OPT_IMAGE_TO(&lab.profile),                                                                             \
	OPT_MANIFEST_TO(&lab.manifest),                                                                         \
	OPT_ACCEL_ROW,                                                                                          \
	OPT_LIKE(opt_boot_timeout, "30 under KVM, 90 under TCG", TO_LOOP),                                      \
	{ OPT_KEEP, "keep", 0, NULL, "leave the lab running at the end (see `vlab status`, `vlab clean`)",          \
	  COMPLETE_NONE, NULL, TO_FLAG(&lab.keep) },                                                              \
	OPT_QUIET_TO(&lab.quiet),                                                                               \
	{ OPT_MANUAL, "manual", 0, NULL, "vlab sets up and boots; you type the guest commands in `vlab console`",   \
	  COMPLETE_NONE, NULL, TO_FLAG(&lab.manual) },                                                            \
	{ OPT_HOST_NET, "host-net", 0, NULL, "(root) chapter 2 in the host's own namespace, as the lab does it",    \
	  COMPLETE_NONE, NULL, TO_FLAG(&lab.host_net) },                                                          \
	{ OPT_STEP, "step", 0, "NAME", "run one step (and, quietly, the steps it needs before it)", COMPLETE_STEP,  \
	  NULL, TO_STRING(&lab.only_step) },                                                                      \
	{ OPT_DURATION, "duration", 0, "SECONDS", "how long each iperf3 run lasts (chapter 3; default 5)",          \
	  COMPLETE_NONE, NULL, TO_INT(&ch3_options.duration_s, 1, 600, "whole seconds") },                      \
	{ OPT_SECONDS, "seconds", 0, "SECONDS", "how long to count VM exits (chapter 4 step 2; default 10)",        \
	  COMPLETE_NONE, NULL, TO_INT(&ch4_options.count_seconds, 1, 300, "whole seconds") },                   \
	{ OPT_ALLOW_MODULE_RELOAD, "allow-module-reload", 0, NULL,                                                  \
	  "(root) chapter 4 may reload kvm_intel/kvm_amd with ept/npt off,\n"                                     \
	  "then restores it (every KVM guest on the host must be stopped)",                                       \
	  COMPLETE_NONE, NULL, TO_FLAG(&ch4_options.allow_module_reload) },                                     \
	{ OPT_EMULATED_KVM, "emulated-kvm", 0, "WHEN",                                                             \
	  "chapters 4-5 inside an emulated KVM host (TCG, AMD-V, no root):\n"                                      \
	  "auto (default) where this host's KVM lacks what a step needs,\n"                                        \
	  "always, or never (those steps skip)",                                                                  \
	  COMPLETE_WORDS, "auto always never", TO_LOOP },                                                                  \
	{ 0 }

const struct opt chapter_opts[] = {
	{ OPT_OPERAND, "N", 0, NULL, NULL, COMPLETE_CHAPTER, NULL, TO_LOOP },
	LAB_OPTS,
};

const struct opt run_opts[] = { LAB_OPTS };

/* The reports of the chapters run, in the format asked for (text was
 * printed as the chapters ran). single: print the one chapter's object, not
 * an array (`vlab chapter N --format json`). */
void lab_print_reports(enum report_format f, json_t *all, bool single)
{
	switch (f) {
	case FORMAT_TEXT:
		break;
	case FORMAT_JSON:
		report_print_json(single && json_array_size(all) == 1 ? json_array_get(all, 0) : all);
		break;
	case FORMAT_JUNIT:
		report_write_junit(stdout, all);
		break;
	case FORMAT_TAP:
		report_write_tap(stdout, all);
		break;
	}
}

/* The lab options into o; 0, or EXIT_USAGE after saying why. */
int lab_options_parse(const struct command *cmd, int argc, char **argv, struct lab_options *o)
{
	memset(&lab, 0, sizeof(lab));
	chapter_options_reset();
	lab.profile = "default";
	lab.accel = ACCEL_REQ_AUTO;
	struct opt_parser p;
	opt_parser_init(&p, cmd);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0) {
		switch (c) {
		case OPT_ACCEL:
			if (accel_request_parse(optarg, &lab.accel))
				return command_usage_fail(cmd, "unknown --accel '%s' (auto, kvm or tcg)", optarg);
			break;
		case OPT_BOOT_TIMEOUT: {
			/* seconds given, milliseconds kept */
			int64_t s;
			if (parse_i64(optarg, 1, 3600, &s))
				return command_usage_fail(cmd, "--boot-timeout takes whole seconds from 1 to 3600, not '%s'", optarg);
			lab.boot_timeout_ms = s * 1000;
			break;
		}
		case OPT_EMULATED_KVM:
			if (emulated_kvm_parse(optarg, &lab.emulated_kvm))
				return command_usage_fail(cmd, "unknown --emulated-kvm '%s' (auto, always or never)", optarg);
			break;
		}
	}
	*o = lab;
	return c < 0 ? EXIT_USAGE : 0;
}
