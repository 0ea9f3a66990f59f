/* The options of `vlab chapter` and `vlab run`, and what they share. */
#include "runner/cmd/lab_options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner/exit_status.h"
#include "runner/util.h"

#define LAB_OPTS                                                                                               \
	{ OPT_FORMAT, "format", 0, "FORMAT", "text, json, junit or tap (default text)", COMPLETE_WORDS,               \
	  "text json junit tap" },                                                                                \
	{ OPT_IMAGE, "image", 0, "PROFILE", "image profile (default 'default'; see `vlab list`)", COMPLETE_PROFILE,   \
	  NULL },                                                                                                 \
	{ OPT_MANIFEST, "manifest", 0, "FILE", "extra image profiles (files in DIR/PROFILE/ beside FILE)",          \
	  COMPLETE_FILE, NULL },                                                                                  \
	{ OPT_ACCEL, "accel", 0, "auto|kvm|tcg", "accelerator (auto: KVM only where a standard guest runs on it)",  \
	  COMPLETE_WORDS, "auto kvm tcg" },                                                                       \
	{ OPT_BOOT_TIMEOUT, "boot-timeout", 0, "SECONDS", "how long to wait for the guest's login prompt",          \
	  COMPLETE_NONE, NULL },                                                                                  \
	{ OPT_KEEP, "keep", 0, NULL, "leave the lab running at the end (see `vlab status`, `vlab clean`)",          \
	  COMPLETE_NONE, NULL },                                                                                  \
	{ OPT_QUIET, "quiet", 0, NULL, "only the checklist", COMPLETE_NONE, NULL },                                  \
	{ OPT_MANUAL, "manual", 0, NULL, "vlab sets up and boots; you type the guest commands in `vlab console`",   \
	  COMPLETE_NONE, NULL },                                                                                  \
	{ OPT_HOST_NET, "host-net", 0, NULL, "(root) chapter 2 in the host's own namespace, as the lab does it",    \
	  COMPLETE_NONE, NULL },                                                                                  \
	{ OPT_STEP, "step", 0, "NAME", "run one step (and, quietly, the steps it needs before it)", COMPLETE_STEP,  \
	  NULL },                                                                                                 \
	{ OPT_DURATION, "duration", 0, "SECONDS", "how long each iperf3 run lasts (chapter 3; default 5)",          \
	  COMPLETE_NONE, NULL },                                                                                  \
	{ OPT_SECONDS, "seconds", 0, "SECONDS", "how long to count VM exits (chapter 4 step 2; default 10)",        \
	  COMPLETE_NONE, NULL },                                                                                  \
	{ OPT_ALLOW_MODULE_RELOAD, "allow-module-reload", 0, NULL,                                                  \
	  "(root) chapter 4 may reload kvm_intel/kvm_amd with ept/npt off,\n"                                     \
	  "then restores it (every KVM guest on the host must be stopped)",                                       \
	  COMPLETE_NONE, NULL },                                                                                  \
	{ OPT_EMULATED_KVM, "emulated-kvm", 0, "WHEN",                                                             \
	  "chapters 4-5 inside an emulated KVM host (TCG, AMD-V, no root):\n"                                      \
	  "auto (default) where this host's KVM lacks what a step needs,\n"                                        \
	  "always, or never (those steps skip)",                                                                  \
	  COMPLETE_WORDS, "auto always never" },                                                                  \
	{ 0 }

const struct opt chapter_opts[] = {
	{ OPT_OPERAND, "N", 0, NULL, NULL, COMPLETE_CHAPTER, NULL },
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
	memset(o, 0, sizeof(*o));
	o->profile = "default";
	o->accel = ACCEL_REQ_AUTO;
	struct opt_parser p;
	opt_parser_init(&p, cmd);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0) {
		switch (c) {
		case OPT_FORMAT:
			if (report_format_parse(optarg, &o->format))
				return command_usage_fail(cmd, "unknown --format '%s' (text, json, junit or tap)", optarg);
			break;
		case OPT_IMAGE:
			o->profile = optarg;
			break;
		case OPT_MANIFEST:
			o->manifest = optarg;
			break;
		case OPT_ACCEL:
			if (accel_request_parse(optarg, &o->accel))
				return command_usage_fail(cmd, "unknown --accel '%s' (auto, kvm or tcg)", optarg);
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_STEP:
			o->only_step = optarg;
			break;
		case OPT_MANUAL:
			o->manual = true;
			break;
		case OPT_HOST_NET:
			o->host_net = true;
			break;
		case OPT_BOOT_TIMEOUT: {
			int64_t s;
			if (parse_i64(optarg, 1, 3600, &s))
				return command_usage_fail(cmd, "--boot-timeout takes whole seconds from 1 to 3600, not '%s'", optarg);
			o->boot_timeout_ms = s * 1000;
			break;
		}
		case OPT_DURATION: {
			int64_t s;
			if (parse_i64(optarg, 1, 600, &s))
				return command_usage_fail(cmd, "--duration takes whole seconds from 1 to 600, not '%s'", optarg);
			o->duration_s = (int)s;
			break;
		}
		case OPT_SECONDS: {
			int64_t s;
			if (parse_i64(optarg, 1, 300, &s))
				return command_usage_fail(cmd, "--seconds takes whole seconds from 1 to 300, not '%s'", optarg);
			o->count_seconds = (int)s;
			break;
		}
		case OPT_ALLOW_MODULE_RELOAD:
			o->allow_module_reload = true;
			break;
		case OPT_EMULATED_KVM:
			if (emulated_kvm_parse(optarg, &o->emulated_kvm))
				return command_usage_fail(cmd, "unknown --emulated-kvm '%s' (auto, always or never)", optarg);
			break;
		}
	}
	return c < 0 ? EXIT_USAGE : 0;
}

