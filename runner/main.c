/* vlab's command layer: one table of commands, their usage and what they
 * need; the only place that prints fatal errors and chooses exit statuses. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/chapter.h"
#include "runner/cleanup.h"
#include "runner/engine.h"
#include "runner/report.h"
#include "runner/status.h"
#include "runner/attach.h"
#include "runner/doctor.h"
#include "runner/check_cmd.h"
#include "runner/fetch_cmd.h"
#include "runner/verify.h"
#include "runner/handout.h"
#include "runner/grade/sandbox.h"
#include "runner/grade/shim.h"
#include "runner/cmd/grade.h"
#include "runner/class_merge.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;    /* after "vlab NAME" */
	const char *summary;
	const char *options;  /* the option lines of --help */
};

static const struct cmd *current;
static int usage_error(const char *fmt, ...) PRINTF_LIKE(1, 2);

#define LAB_OPTIONS                                                                                \
	"  --format FORMAT         text, json, junit or tap (default text)\n"                                   \
	"  --image PROFILE         image profile (default 'default'; see `vlab list`)\n"             \
	"  --manifest FILE         extra image profiles (files in DIR/PROFILE/ beside FILE)\n"      \
	"  --accel auto|kvm|tcg    accelerator (auto: KVM only where a standard guest runs on it)\n"  \
	"  --boot-timeout SECONDS  how long to wait for the guest's login prompt\n"                 \
	"  --keep                  leave the lab running at the end (see `vlab status`, `vlab clean`)\n"   \
	"  --quiet                 only the checklist\n"                                            \
	"  --manual                vlab sets up and boots; you type the guest commands in `vlab console`\n" \
	"  --host-net              (root) chapter 2 in the host's own namespace, as the lab does it\n"                                            \
	"  --step NAME             run one step (and, quietly, the steps it needs before it)\n"      \
	"  --duration SECONDS      how long each iperf3 run lasts (chapter 3; default 5)\n"             \
	"  --seconds SECONDS       how long to count VM exits (chapter 4 step 2; default 10)\n"         \
	"  --allow-module-reload   (root) chapter 4 may reload kvm_intel/kvm_amd with ept/npt off,\n"   \
	"                          then restores it (every KVM guest on the host must be stopped)\n"

static int cmd_chapter(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_list(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct cmd commands[] = {
	{ "chapter", cmd_chapter, "N [options]", "run chapter N end to end and check it", LAB_OPTIONS },
	{ "run", cmd_run, "[options]", "run every chapter in order, one summary", LAB_OPTIONS },
	{ "doctor", cmd_doctor, DOCTOR_USAGE, DOCTOR_SUMMARY, DOCTOR_OPTIONS },
	{ "check", cmd_check, CHECK_USAGE, CHECK_SUMMARY, CHECK_OPTIONS },
	{ "verify", cmd_verify, VERIFY_USAGE, VERIFY_SUMMARY, VERIFY_OPTIONS },
	{ "grade", cmd_grade, GRADE_USAGE, GRADE_SUMMARY, GRADE_OPTIONS },
	{ "report", cmd_report, REPORT_USAGE, REPORT_SUMMARY, REPORT_OPTIONS },
	{ "handout", cmd_handout, HANDOUT_USAGE, HANDOUT_SUMMARY, HANDOUT_OPTIONS },
	{ "fetch", cmd_fetch, FETCH_USAGE, FETCH_SUMMARY, FETCH_OPTIONS },
	{ "image", cmd_image, IMAGE_USAGE, IMAGE_SUMMARY, IMAGE_OPTIONS },
	{ "list", cmd_list, "[--format text|json]", "chapters, their steps and check ids",
	  "  --format text|json      how to print (default text)\n" },
	{ "console", cmd_console, "[VM] [--run RUN_ID]", "attach this terminal to a VM's serial console (Ctrl-] detaches)", "" },
	{ "shell", cmd_shell, "[RUN_ID]", "a shell inside the lab's network namespace, to ping and curl the guests", "" },
	{ "status", cmd_status, "", "what vlab has running or left behind (VMs, sockets, namespaces)", "" },
	{ "clean", cmd_clean, "[RUN_ID]", "remove what a killed or --keep vlab left behind (only what it recorded)", "" },
	{ "version", cmd_version, "", "print vlab's version", "" },
	{ "help", cmd_help, "[COMMAND]", "this help, or a command's", "" },
};

static void print_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: vlab %s %s\n%s\n", c->name, c->usage, c->summary);
	if (c->options && *c->options)
		fprintf(f, "\noptions:\n%s", c->options);
}

static void print_main_usage(FILE *f)
{
	fprintf(f, "usage: vlab COMMAND [options]\n\n"
		   "vlab runs the QEMU/KVM virtualization lab step by step and checks each outcome.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`vlab COMMAND --help` tells more. Exit status: 0 all checks passed, 1 a check failed,\n"
		   "2 usage error, 3 the host lacks what is needed or an input is unusable, 4 internal error.\n");
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vlab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (current)
		fprintf(stderr, "usage: vlab %s %s\n", current->name, current->usage);
	return EXIT_USAGE;
}

enum { OPT_FORMAT = 256, OPT_IMAGE, OPT_MANIFEST, OPT_ACCEL, OPT_KEEP, OPT_BOOT_TIMEOUT, OPT_HELP, OPT_QUIET,
       OPT_STEP, OPT_MANUAL, OPT_HOST_NET, OPT_DURATION, OPT_SECONDS, OPT_ALLOW_MODULE_RELOAD };

static const struct option lab_longopts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "manifest", required_argument, NULL, OPT_MANIFEST },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "boot-timeout", required_argument, NULL, OPT_BOOT_TIMEOUT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "manual", no_argument, NULL, OPT_MANUAL },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "host-net", no_argument, NULL, OPT_HOST_NET },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "allow-module-reload", no_argument, NULL, OPT_ALLOW_MODULE_RELOAD },
	{ NULL, 0, NULL, 0 },
};

static int parse_format(const char *s, enum report_format *f)
{
	if (report_format_parse(s, f))
		return usage_error("unknown --format '%s' (text, json, junit or tap)", s);
	return 0;
}

/* The reports of the chapters run, in the format asked for (text was
 * printed as the chapters ran). single: print the one chapter's object, not
 * an array (`vlab chapter N --format json`). */
static void print_reports(enum report_format f, json_t *all, bool single)
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

/* Parses the lab options; returns 0, EXIT_USAGE, or -1 after --help. */
static int parse_lab_options(int argc, char **argv, struct lab_options *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = "default";
	o->accel = ACCEL_REQ_AUTO;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", lab_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (parse_format(optarg, &o->format))
				return EXIT_USAGE;
			break;
		case OPT_IMAGE:
			o->profile = optarg;
			break;
		case OPT_MANIFEST:
			o->manifest = optarg;
			break;
		case OPT_ACCEL:
			if (accel_request_parse(optarg, &o->accel))
				return usage_error("unknown --accel '%s' (auto, kvm or tcg)", optarg);
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
				return usage_error("--boot-timeout takes whole seconds from 1 to 3600, not '%s'", optarg);
			o->boot_timeout_ms = s * 1000;
			break;
		}
		case OPT_DURATION: {
			int64_t s;
			if (parse_i64(optarg, 1, 600, &s))
				return usage_error("--duration takes whole seconds from 1 to 600, not '%s'", optarg);
			o->duration_s = (int)s;
			break;
		}
		case OPT_SECONDS: {
			int64_t s;
			if (parse_i64(optarg, 1, 300, &s))
				return usage_error("--seconds takes whole seconds from 1 to 300, not '%s'", optarg);
			o->count_seconds = (int)s;
			break;
		}
		case OPT_ALLOW_MODULE_RELOAD:
			o->allow_module_reload = true;
			break;
		case OPT_HELP:
			print_usage(stdout, current);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	return 0;
}

static int cmd_chapter(int argc, char **argv)
{
	struct lab_options o;
	int r = parse_lab_options(argc, argv, &o);
	if (r)
		return r < 0 ? 0 : r;
	if (optind >= argc)
		return usage_error("which chapter? (%d..%d)", chapters[0]->number, chapters[nchapters - 1]->number);
	if (optind + 1 < argc)
		return usage_error("unexpected '%s'", argv[optind + 1]);
	int64_t n;
	const struct chapter *ch = NULL;
	if (parse_i64(argv[optind], 0, 99, &n) == 0)
		ch = chapter_find((int)n);
	if (ch && o.only_step) {
		bool found = false;
		struct strbuf names = STRBUF_INIT;
		for (size_t s = 0; s < ch->nsteps; s++) {
			found |= !strcmp(ch->steps[s].name, o.only_step);
			sb_addf(&names, "%s%s", s ? ", " : "", ch->steps[s].name);
		}
		if (!found) {
			r = usage_error("chapter %d has no step '%s' (steps: %s)", ch->number, o.only_step, names.buf);
			sb_release(&names);
			return r;
		}
		sb_release(&names);
	}
	if (!ch) {
		struct strbuf known = STRBUF_INIT;
		for (size_t i = 0; i < nchapters; i++)
			sb_addf(&known, "%s%d", i ? ", " : "", chapters[i]->number);
		r = usage_error("no chapter '%s' (chapters: %s)", argv[optind], known.buf);
		sb_release(&known);
		return r;
	}
	json_t *all = json_array();
	r = engine_run_chapter(ch, &o, all, NULL, 0);
	print_reports(o.format, all, true);
	json_decref(all);
	return r;
}

static int cmd_run(int argc, char **argv)
{
	struct lab_options o;
	int r = parse_lab_options(argc, argv, &o);
	if (r)
		return r < 0 ? 0 : r;
	if (optind < argc)
		return usage_error("unexpected '%s'", argv[optind]);
	json_t *all = json_array();
	int worst = EXIT_PASS;
	char why[1024] = "";
	const struct chapter *failed = NULL;
	bool cut_short = false;
	for (size_t i = 0; i < nchapters; i++) {
		char said[1024];
		r = engine_run_chapter(chapters[i], &o, all, said, sizeof(said));
		if (r > worst)
			worst = r;
		if (r > EXIT_CHECK_FAILED && !failed) {
			failed = chapters[i];
			snprintf(why, sizeof(why), "%s", said[0] ? said : "see the report above");
		}
		/* a host that cannot run a chapter, or a stop request, ends the
		 * run: the chapters after it need what is missing */
		if (r >= 128 || r == EXIT_HOST) {
			cut_short = i + 1 < nchapters;
			break;
		}
	}
	if (o.format != FORMAT_TEXT) {
		print_reports(o.format, all, false);
	} else if (!failed) {
		printf("\nvlab run: %zu chapter(s); %s\n", json_array_size(all),
		       worst == EXIT_PASS ? "all checks passed" : "some checks did not pass");
	} else {
		const char *what = worst >= 128 ? "was stopped" : worst == EXIT_HOST ? "could not run" : "broke vlab";
		printf("\nvlab run: chapter %d (%s) %s: %s%s\n", failed->number, failed->name, what, why,
		       cut_short ? "; the chapters after it were not run" : "");
	}
	json_decref(all);
	return worst;
}

static int cmd_list(int argc, char **argv)
{
	enum report_format f = FORMAT_TEXT;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", lab_longopts, NULL)) != -1) {
		if (c == OPT_FORMAT) {
			if (parse_format(optarg, &f))
				return EXIT_USAGE;
		} else if (c == OPT_HELP) {
			print_usage(stdout, current);
			return 0;
		} else {
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected '%s'", argv[optind]);
	json_t *out = json_array();
	for (size_t i = 0; i < nchapters; i++) {
		const struct chapter *ch = chapters[i];
		if (f == FORMAT_TEXT)
			printf("chapter %d  %s\n  %s\n", ch->number, ch->name, ch->summary);
		json_t *steps = json_array();
		for (size_t s = 0; s < ch->nsteps; s++) {
			const struct step *st = &ch->steps[s];
			json_t *ids = json_array();
			if (f == FORMAT_TEXT)
				printf("  step %-14s %s\n", st->name, st->title);
			for (const char *const *id = st->checks; id && *id; id++) {
				json_array_append_new(ids, json_string(*id));
				if (f == FORMAT_TEXT)
					printf("    check %s\n", *id);
			}
			json_array_append_new(steps, json_pack("{s:s, s:s, s:o}", "name", st->name, "title", st->title,
							       "checks", ids));
		}
		json_array_append_new(out, json_pack("{s:i, s:s, s:s, s:o}", "chapter", ch->number, "name", ch->name,
						     "title", ch->title, "steps", steps));
	}
	if (f == FORMAT_JSON)
		report_print_json(out);
	json_decref(out);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("vlab %s\n", VLAB_VERSION);
	return 0;
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_main_usage(stdout);
		return 0;
	}
	const struct cmd *c = find_cmd(argv[1]);
	if (!c)
		return usage_error("no command '%s' (see `vlab help`)", argv[1]);
	print_usage(stdout, c);
	return 0;
}

int main(int argc, char **argv)
{
	/* vlab under a shim's name, on a graded script's PATH (runner/grade/shim.h) */
	const char *shim;
	if (argc >= 1 && shim_name(argv[0], &shim))
		return !strcmp(shim, SHIM_QEMU_NAME) ? shim_qemu_main(argc, argv) : shim_sudo_main(argc, argv);
	/* the first process of vlab's inside a grading sandbox (sandbox.h) */
	if (argc >= 2 && !strcmp(argv[1], "--sandbox-init"))
		return sandbox_init_main(argc, argv);
	if (argc < 2) {
		print_main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	/* names match exactly: no prefixes (iproute2 regretted them) */
	const struct cmd *c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "vlab: no command '%s' (see `vlab --help`)\n", argv[1]);
		return EXIT_USAGE;
	}
	current = c;
	/* every command's help comes from this table */
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_usage(stdout, c);
			return 0;
		}
	}
	cleanup_install_signal_handlers();
	int r = c->fn(argc - 1, argv + 1);
	cleanup_run_all();
	return r;
}
