/* vlab grade, the command; see grade.h. */
/* `vlab grade SUBMISSION...` and `vlab grade --self DIR`: each submission's
 * runqemu_single_vm.sh run in its own sandbox (runner/grade/sandbox.h) with the
 * qemu shim on its PATH (runner/grade/shim.h); the recorded command line judged
 * (checks/grade_cmdline.h), the VM it started checked as `vlab verify` checks
 * a lab (chapters 1-2), saved artefacts judged as `vlab check` does, all
 * scored against a rubric (checks/rubric.h), and reported per submission and
 * for the class (runner/grade/grade_report.h). This is the command: its
 * options, checks of its inputs and the host, the class reports and what it
 * prints; the grading itself is runner/grade/grading_run.h.
 *
 *   parent ──fork──▶ worker (one per submission, at most -j at a time; slot s)
 *                     │ sandbox_start: mount+net namespaces, overlay, tap0
 *                     │ ──fork──▶ pid-ns init ──fork──▶ the script (a uid of its own, from 0x7A000000 up)
 *                     │ wait for the shim's record and the qemu it exec'd
 *                     │ checks while the script runs (verify_for_grading)
 *                     │ sandbox_stop: SIGKILL the init: the script and all it started end
 *                     └ OUT/NAME/: report.json, feedback.txt,
 *                       console.log, script.log, qemu-N.json, qemu-N.stderr
 *   parent: OUT/class.json, class.csv, class.junit.xml, class.tap; stdout in --format
 *
 * Exit status: 0 when grading completed, whatever the scores (a submission
 * vlab broke on is flagged "needs_regrade" in the reports); 2 usage; 3 the
 * host or an input is unusable (not root, no image, a bad rubric, a
 * submission that is no directory); 4 vlab broke, or a report could not be
 * written (a line names the file); 128+N on a signal.
 *
 * This file is the command (options, the inputs and the host checked, the
 * class reports, output, exit status); the grading itself is runner/grade/.
 */
#include "runner/cmd/commands.h"
#include "runner/cmd/grade_ci.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/class_report.h"
#include "checks/rubric.h"
#include "runner/assets.h"
#include "runner/grade/class_merge.h"
#include "runner/cleanup.h"
#include "runner/exit_status.h"
#include "runner/grade/grade_ctx.h"
#include "runner/grade/grade_jobs.h"
#include "runner/grade/grade_report.h"
#include "runner/grade/grading_run.h"
#include "runner/grade/sandbox.h"
#include "runner/grade/shim.h"
#include "runner/grade/two_vm_run.h"
#include "runner/host/host.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/util.h"
#include "runner/files.h"
#include "runner/sha256.h"
#include "runner/fetch/image.h"

#define DEFAULT_RUBRIC "assets/rubric/default.rubric"

/* What the options name that the grading context does not hold itself. */
struct grade_options {
	const char *rubric;       /* --rubric; NULL: the built-in default */
	const char *out;          /* --out; NULL until the default is taken */
	const char *manifest;     /* --manifest */
	enum accel_request accel; /* --accel */
	struct shard shard;       /* --shard */
	enum ci_kind ci;          /* --ci, as asked */
	const char *summary;      /* --summary */
	bool out_given;           /* --out was given */
	/* what goes into the grading context once parsed */
	enum report_format format; /* --format */
	int jobs;                 /* -j; 0: from the machine */
	int timeout_s;            /* --timeout */
	bool self;                /* --self */
	const char *profile;      /* --image */
};

/* Where the rows put the options (parse_options starts it afresh). */
static struct grade_options gopt;

/* parse_options: go on with the command (anything else is its status) */
#define GO_ON (-1)

#define GRADE_USAGE                                                                                       \
	"SUBMISSION... [-j N] [--rubric FILE|NAME] [--format FORMAT] [--out DIR] [--timeout S] [--memory SIZE] " \
	"[--disk SIZE] [--shard I/N] [--ci auto|github|gitlab|off] [--summary FILE] [--network vlab|script] "     \
	"| --self DIR"

static const struct opt grade_opts[] = {
	{ OPT_OPERAND, "SUBMISSION", 0, NULL,
	  "a directory with the student's runqemu_single_vm.sh (and saved artefacts)", COMPLETE_DIR, NULL, TO_LOOP },
	{ OPT_SELF, "self", 0, NULL, "check your own folder before handing it in (the same checks)", COMPLETE_NONE,
	  NULL, TO_FLAG(&gopt.self) },
	{ OPT_JOBS, "jobs", 'j', "N", "grade N submissions at once (default: from the CPUs and free memory)", COMPLETE_NONE,
	  NULL, TO_INT(&gopt.jobs, 1, GRADE_MAX_JOBS, "a number") },
	{ OPT_RUBRIC, "rubric", 0, "FILE|NAME",
	  "points per check: a file, or a built-in rubric: default (chapters 1-2; the default) or lab (chapters 1-4)",
	  COMPLETE_FILE, NULL, TO_STRING(&gopt.rubric) },
	OPT_FORMAT_TO(&gopt.format, FORMATS_ALL),
	OPT_LIKE(opt_out, "./vlab-grades", TO_STRING(&gopt.out)),
	OPT_LIKE(opt_timeout, "180, for each submission", TO_INT(&gopt.timeout_s, 10, 3600, "whole seconds")),
	/* the sandbox's limit, not the guest's (vlab check --guest-memory) */
	{ OPT_MEMORY, "memory", 0, "SIZE",
	  "the memory limit of a sandbox as a whole, qemu and the script included\n"
	  "(default 1G; twice it for the two-VM script); not the guest's RAM", COMPLETE_NONE, NULL, TO_LOOP },
	{ OPT_DISK, "disk", 0, "SIZE", "a sandbox's writable layer, the rootfs copy included (default 1G)",
	  COMPLETE_NONE, NULL, TO_LOOP },
	OPT_IMAGE_TO(&gopt.profile),
	OPT_MANIFEST_TO(&gopt.manifest),
	OPT_ACCEL_ROW,
	{ OPT_NETWORK, "network", 0, "vlab|script",
	  "who builds the sandbox's network: vlab (tap0 up with 10.0.0.1/24, as chapters 1-2; the default)\n"
	  "or the script (lo alone; its ip and brctl commands on the lab's links are applied)",
	  COMPLETE_WORDS, "vlab script", TO_LOOP },
	{ OPT_SHARD, "shard", 0, "I/N", "grade only the I-th of N slices (by name); join them with vlab report merge",
	  COMPLETE_NONE, NULL, TO_LOOP },
	{ OPT_CI, "ci", 0, "auto|github|gitlab|off",
	  "report in the CI's own terms (default auto: github when GITHUB_ACTIONS=true,\n"
	  "gitlab when GITLAB_CI=true, else off): job summary, annotations, folded log parts",
	  COMPLETE_WORDS, "auto github gitlab off", TO_LOOP },
	{ OPT_SUMMARY, "summary", 0, "FILE",
	  "append the Markdown job summary to FILE (default with --ci github: $GITHUB_STEP_SUMMARY)", COMPLETE_FILE,
	  NULL, TO_STRING(&gopt.summary) },
	{ 0 },
};

#define usage(...) usage_fail("grade " GRADE_USAGE, __VA_ARGS__)

/* The options into ctx and opts: GO_ON, or the command's status. The
 * submissions start at argv[optind]. */
static int parse_options(int argc, char **argv, struct grade_ctx *ctx, struct grade_options *opts)
{
	gopt = (struct grade_options){ .accel = ACCEL_REQ_AUTO, .shard = { 1, 1 }, .ci = CI_AUTO, .timeout_s = 180,
				       .profile = "default" };
	struct opt_parser p;
	opt_parser_init(&p, &command_grade);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0) {
		switch (c) {
		case OPT_CI:
			if (ci_kind_parse(optarg, &gopt.ci))
				return usage("unknown --ci '%s' (auto, github, gitlab or off)", optarg);
			break;
		case OPT_MEMORY:
		case OPT_DISK: {
			uint64_t bytes;
			uint64_t min = c == OPT_MEMORY ? SANDBOX_MEMORY_MIN : SANDBOX_DISK_MIN;
			if (parse_size(optarg, false, &bytes) || bytes < min || bytes > (1ULL << 40))
				return usage("%s takes a size from %llu MiB to 1 TiB such as 1G or 512M, not '%s'",
					     c == OPT_MEMORY ? "--memory" : "--disk", (unsigned long long)(min >> 20), optarg);
			*(c == OPT_MEMORY ? &ctx->memory_bytes : &ctx->disk_bytes) = bytes;
			break;
		}
		case OPT_ACCEL:
			if (accel_request_parse(optarg, &gopt.accel))
				return usage("unknown --accel '%s' (auto, kvm or tcg)", optarg);
			break;
		case OPT_NETWORK:
			if (strcmp(optarg, "vlab") && strcmp(optarg, "script"))
				return usage("unknown --network '%s' (vlab or script)", optarg);
			ctx->script_network = !strcmp(optarg, "script");
			break;
		case OPT_SHARD: {
			char why[160];
			if (shard_parse(optarg, &gopt.shard, why, sizeof(why)))
				return usage("%s", why);
			break;
		}
		}
	}
	gopt.out_given = gopt.out != NULL;
	if (!gopt.out)
		gopt.out = "vlab-grades";
	*opts = gopt;
	ctx->format = gopt.format;
	ctx->jobs = gopt.jobs;
	ctx->timeout_s = gopt.timeout_s;
	ctx->self = gopt.self;
	ctx->profile = gopt.profile;
	return c < 0 ? EXIT_USAGE : GO_ON;
}

/* The submissions (n of them at args) into ctx: each a directory, by its
 * absolute path and its report name, no two names alike. 0 or the exit
 * status after a one-line error. */
static int take_submissions(struct grade_ctx *ctx, int n, char **args)
{
	ctx->n = n;
	if (!ctx->n)
		return usage(ctx->self ? "--self needs your folder" : "which submissions? (directories)");
	if (ctx->self && ctx->n != 1)
		return usage("--self checks one folder, yours");
	ctx->subs = xcalloc((size_t)ctx->n, sizeof(char *));
	ctx->names = xcalloc((size_t)ctx->n, sizeof(char *));
	for (int i = 0; i < ctx->n; i++) {
		const char *a = args[i];
		struct stat st;
		if (stat(a, &st) < 0 || !S_ISDIR(st.st_mode))
			return say_error(EXIT_HOST, "submission '%s' is %s: give each student's folder (holding %s)", a,
				errno == ENOENT ? "not there" : "no directory", GRADE_SCRIPT_NAME);
		ctx->subs[i] = realpath(a, NULL);
		ctx->names[i] = submission_name(ctx->subs[i]);
		for (int k = 0; k < i; k++) {
			if (!strcmp(ctx->names[k], ctx->names[i]))
				return usage("two submissions would be reported as '%s' (%s and %s): rename one folder",
					     ctx->names[i], ctx->subs[k], ctx->subs[i]);
		}
	}
	return 0;
}

static const struct grade_ctx *sort_ctx;

static int by_name(const void *a, const void *b)
{
	return strcmp(sort_ctx->names[*(const int *)a], sort_ctx->names[*(const int *)b]);
}

/* --shard I/N: keep this shard's slice of the submissions, in name order
 * (checks/class_report.h says how the slices are cut). */
static void keep_shard(struct grade_ctx *ctx, const struct shard *sh)
{
	int *order = xcalloc((size_t)ctx->n + 1, sizeof(int));
	for (int i = 0; i < ctx->n; i++)
		order[i] = i;
	sort_ctx = ctx;
	qsort(order, (size_t)ctx->n, sizeof(int), by_name);
	char **subs = xcalloc((size_t)ctx->n + 1, sizeof(char *)), **names = xcalloc((size_t)ctx->n + 1, sizeof(char *));
	int kept = 0;
	for (int pos = 0; pos < ctx->n; pos++) {
		int i = order[pos];
		if (shard_owns(sh, (size_t)pos)) {
			subs[kept] = ctx->subs[i];
			names[kept++] = ctx->names[i];
		} else {
			free(ctx->subs[i]);
			free(ctx->names[i]);
		}
	}
	if (ctx->format == FORMAT_TEXT)
		printf("vlab grade: shard %u/%u: %d of %d submissions\n", sh->index, sh->count, kept, ctx->n);
	free(ctx->subs);
	free(ctx->names);
	free(order);
	ctx->subs = subs;
	ctx->names = names;
	ctx->n = kept;
}

static int load_rubric(struct grade_ctx *ctx, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	/* a name with no '/' that is no file here is a built-in rubric's:
	 * `--rubric lab` is assets/rubric/lab.rubric */
	char builtin[96] = DEFAULT_RUBRIC;
	if (path && !strchr(path, '/') && !path_exists(path)) {
		snprintf(builtin, sizeof(builtin), "assets/rubric/%.40s.rubric", path);
		if (strlen(path) > 40 || !asset_find(builtin))
			return say_error(EXIT_HOST, "no rubric file %s, and no built-in rubric of that name (built in: "
				       "default, lab; a file in this directory is ./%s)", path, path);
		path = NULL;
	}
	if (path) {
		int r = read_file(path, &sb);
		if (r)
			return say_error(EXIT_HOST, "cannot read the rubric %s: %s (see README, \"Rubrics\")", path, strerror(-r));
		char *abs = realpath(path, NULL);
		snprintf(ctx->rubric_origin, sizeof(ctx->rubric_origin), "%s", abs ? abs : path);
		free(abs);
	} else {
		const struct embedded_asset *a = asset_find(builtin);
		if (!a)
			return say_error(EXIT_INTERNAL, "built without its rubric %s", builtin);
		sb_adds(&sb, a->text);
		snprintf(ctx->rubric_origin, sizeof(ctx->rubric_origin), "builtin:%s", builtin);
	}
	char err[512];
	int r = rubric_parse(sb_str(&sb), sb.len, path ? path : builtin, &ctx->rubric, err, sizeof(err));
	sha256_buf(sb_str(&sb), sb.len, ctx->rubric_sha256);
	sb_release(&sb);
	if (r)
		return say_error(EXIT_HOST, "bad rubric: %s", err);
	return 0;
}

/* The image profile and the accelerator into ctx: 0 or EXIT_HOST after a
 * line saying why. */
static int resolve_image_and_accel(struct grade_ctx *ctx, const struct grade_options *opts)
{
	char err[768];
	if (image_load_manifests(&ctx->manifest, opts->manifest, err, sizeof(err)) ||
	    image_resolve(&ctx->manifest, ctx->profile, &ctx->img, err, sizeof(err))) {
		return say_error(EXIT_HOST, "%s", err);
	}
	const struct image_profile *prof = ctx->img.profile;
	snprintf(ctx->http_cmd, sizeof(ctx->http_cmd), "%s",
		 prof && prof->http == HTTP_PYTHON3 ? "(cd /root && python3 -m http.server 8000 >/dev/null 2>&1 &)"
						    : "httpd -p 8000 -h /root");
	struct host_kvm h;
	host_probe_kvm("", &h);
	if (accel_decide(&h, opts->accel, &ctx->accel))
		return say_error(EXIT_HOST, "%s", ctx->accel.reason);
	return 0;
}

/* What grading needs of the host and the inputs, in this order: root, the
 * rubric, the image and accelerator, bwrap, the cgroups (grade_run warns
 * when there are none), qemu, vlab's own binary. 0 or the exit status
 * after a line. */
static int check_host(struct grade_ctx *ctx, const struct grade_options *opts)
{
	int status;
	if ((status = load_rubric(ctx, opts->rubric)) || (status = resolve_image_and_accel(ctx, opts)))
		return status;
	ctx->bwrap = proc_which("bwrap");
	if (!ctx->bwrap)
		return say_error(EXIT_HOST, "no bwrap on PATH: grading jails every script with bubblewrap and never runs one "
				"without it; install the package bubblewrap (make deps)");
	/* what it finds is warned about once grading sets it up (grade_run) */
	cgroup_host_detect("", &ctx->cgroups);
	ctx->real_qemu = proc_which(SHIM_QEMU_NAME);
	if (!ctx->real_qemu)
		return say_error(EXIT_HOST, "no %s on PATH: install qemu-system-x86 (make deps)", SHIM_QEMU_NAME);
	ssize_t len = readlink("/proc/self/exe", ctx->vlab_exe, sizeof(ctx->vlab_exe) - 1);
	if (len <= 0)
		return say_error(EXIT_INTERNAL, "cannot find its own binary (/proc/self/exe)");
	ctx->vlab_exe[len] = '\0';
	return 0;
}

/* The report directory out, made, as ctx->out (absolute). OUT/NAME is
 * rewritten: it must be no submission, nor inside one, nor hold one. 0 or
 * the exit status after a line. */
static int make_out_dir(struct grade_ctx *ctx, const char *out)
{
	int r = mkdir_p(out, 0755);
	char *abs_out = r ? NULL : realpath(out, NULL);
	if (!abs_out)
		return say_error(EXIT_HOST, "cannot make the report directory %s: %s", out, strerror(r ? -r : errno));
	snprintf(ctx->out, sizeof(ctx->out), "%s", abs_out);
	free(abs_out);
	for (int j = 0; j < ctx->n; j++) {
		char *dst = xasprintf("%s/%s", ctx->out, ctx->names[j]);
		for (int i = 0; i < ctx->n; i++) {
			if (paths_overlap(dst, ctx->subs[i])) {
				/* a submission is its author's files: a link in it
				 * (vlab-grades/NAME -> /etc) would take root's writes */
				int status = usage("the reports would go to %s, which overlaps the submission %s: give "
						   "--out a directory outside it (--out ../vlab-grades)",
						   dst, ctx->subs[i]);
				free(dst);
				return status;
			}
		}
		free(dst);
	}
	return 0;
}

static void print_text(const struct grade_ctx *ctx, json_t *results)
{
	if (ctx->self) {
		char *p = xasprintf("%s/%s/feedback.txt", ctx->out, ctx->names[0]);
		struct strbuf sb = STRBUF_INIT;
		if (read_file(p, &sb) == 0)
			fputs(sb_str(&sb), stdout);
		sb_release(&sb);
		printf("\n(the full report: %s/%s/report.json)\n", ctx->out, ctx->names[0]);
		free(p);
		return;
	}
	printf("vlab grade: %d submission(s); rubric %s (sha256 %.12s); image %s (sha256 %.12s); accelerator %s\n",
	       ctx->n, ctx->rubric_origin, ctx->rubric_sha256, ctx->profile, ctx->img.digest,
	       ctx->accel.accel == ACCEL_KVM ? "kvm" : "tcg");
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r) {
		printf("  %-24s %4lld/%-4lld%s\n", json_string_value(json_object_get(r, "submission")),
		       (long long)json_integer_value(json_object_get(r, "score")),
		       (long long)json_integer_value(json_object_get(r, "max_score")),
		       json_is_true(json_object_get(r, "needs_regrade")) ? "  needs regrading (vlab broke on a check)" : "");
	}
	printf("reports: %s/class.{json,csv,junit.xml,tap}; each student's: %s/NAME/feedback.txt, report.json\n",
	       ctx->out, ctx->out);
}

/* OUT/class.json (cls), class.csv, class.junit.xml, class.tap and
 * class.html, each written atomically: 0, or EXIT_INTERNAL after a line
 * naming the file that could not be written. */
static int write_class_reports(const struct grade_ctx *ctx, const json_t *results, const json_t *cls)
{
	static const struct {
		const char *name;
		void (*write)(FILE *, const json_t *);
		bool of_class;  /* writes cls, not results */
	} files[] = {
		{ "class.json", grade_write_json, true },
		{ "class.csv", grade_write_csv, false },
		{ "class.junit.xml", grade_write_junit, false },
		{ "class.tap", grade_write_tap, false },
		{ "class.html", grade_write_class_html, false },
	};
	for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
		int r = grade_report_write(ctx->out, files[k].name, files[k].write, files[k].of_class ? cls : results);
		if (r)
			return say_error(EXIT_INTERNAL, "cannot write %s/%s: %s", ctx->out, files[k].name, strerror(-r));
	}
	return 0;
}

/* The results on stdout in --format (--self's feedback in CI mode is the
 * CI's, grade_ci_report: there text from the submission is neutralised). */
static void print_results(const struct grade_ctx *ctx, const struct grade_ci *ci, json_t *results, json_t *cls)
{
	switch (ctx->format) {
	case FORMAT_TEXT:
		if (!(ctx->self && ci->kind != CI_OFF))
			print_text(ctx, results);
		break;
	case FORMAT_JSON:
		report_print_json(ctx->self ? json_array_get(results, 0) : cls);
		break;
	case FORMAT_JUNIT:
		grade_write_junit(stdout, results);
		break;
	case FORMAT_TAP:
		grade_write_tap(stdout, results);
		break;
	}
}

/* -j when it was not given: from the machine (runner/grade/grade_jobs.h),
 * said on a text report's first line when more than one is graded. */
static void choose_jobs(struct grade_ctx *ctx)
{
	if (ctx->jobs)
		return;
	struct grade_jobs_machine m;
	grade_jobs_machine_read(&m);
	/* a submission graded on the whole lab runs its two-VM script too:
	 * three guests in all, and that sandbox's larger limit */
	bool two = two_vm_run_wanted(&ctx->rubric);
	ctx->jobs = grade_default_jobs(&m, two ? ctx->memory_two_vms_bytes : ctx->memory_bytes,
				       two ? GRADE_WHOLE_LAB_CPU_PCT : GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS,
				       ctx->jobs_why, sizeof(ctx->jobs_why));
	if (ctx->format == FORMAT_TEXT && !ctx->self && ctx->n > 1)
		printf("vlab grade: %d submissions, %d at once (-j %s)\n", ctx->n,
		       ctx->jobs < ctx->n ? ctx->jobs : ctx->n, ctx->jobs_why);
}

/* Grade the class, write its reports and print them: the exit status. */
static int grade_and_report(struct grade_ctx *ctx, const struct grade_ci *ci)
{
	char err[PATH_MAX + 256];
	if (grade_prepare_root(ctx, err, sizeof(err)))
		return say_error(EXIT_HOST, "%s", err);
	choose_jobs(ctx);
	json_t *results = json_array();
	int failed_writes = 0;
	int r = grade_run(ctx, results, &failed_writes);
	if (r == -EINTR) {
		error_line("stopped by signal %d; every sandbox was ended", cleanup_stop_signal());
		json_decref(results);
		return 128 + cleanup_stop_signal();
	}
	json_t *cls = grade_class_json(results);
	int status = write_class_reports(ctx, results, cls);
	if (!status) {
		print_results(ctx, ci, results, cls);
		status = grade_ci_report(ci, ctx, results);
		/* a submission's reports that could not be written: its worker
		 * said which */
		if (failed_writes)
			status = EXIT_INTERNAL;
	}
	json_decref(cls);
	json_decref(results);
	return status;
}

/* The n submissions at args, checked with the host, graded and reported:
 * the exit status. */
static int grade_submissions(struct grade_ctx *ctx, const struct grade_options *opts, int n, char **args)
{
	int status = take_submissions(ctx, n, args);
	if (!status && opts->shard.count > 1)
		keep_shard(ctx, &opts->shard);
	if (!status)
		status = check_host(ctx, opts);
	char err[PATH_MAX + 256];
	if (!status && grade_root_reachable(err, sizeof(err)))
		status = say_error(EXIT_HOST, "%s", err);
	struct grade_ci ci;
	grade_ci_decide(&ci, opts->ci, opts->summary);
	char *ci_out = NULL;
	/* in CI the folder checked is the repository itself, and the default
	 * ./vlab-grades would lie inside it: the reports go outside */
	if (!status && ctx->self && !opts->out_given && ci.kind != CI_OFF) {
		char why[PATH_MAX + 128];
		ci_out = grade_ci_default_out(&ci, why, sizeof(why));
		if (!ci_out)
			status = say_error(EXIT_HOST, "%s", why);
	}
	if (!status)
		status = make_out_dir(ctx, ci_out ? ci_out : opts->out);
	free(ci_out);
	if (!status)
		status = grade_and_report(ctx, &ci);
	return status;
}

static void grade_ctx_free(struct grade_ctx *ctx)
{
	for (int i = 0; ctx->subs && i < ctx->n; i++) {
		free(ctx->subs[i]);
		free(ctx->names[i]);
	}
	free(ctx->subs);
	free(ctx->names);
	free(ctx->real_qemu);
	free(ctx->bwrap);
	free(ctx->grade_root);
	image_release(&ctx->img);
	manifest_release(&ctx->manifest);
	free(ctx);
}

static int cmd_grade(int argc, char **argv)
{
	struct grade_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->memory_bytes = SANDBOX_MEMORY_DEFAULT;
	ctx->disk_bytes = SANDBOX_DISK_DEFAULT;
	struct grade_options opts;
	int status = parse_options(argc, argv, ctx, &opts);
	/* two qemus of 256 MiB each and the script: twice one VM's
	 * (SANDBOX_MEMORY_TWO_VMS in sandbox.h says what was measured) */
	ctx->memory_two_vms_bytes = SANDBOX_MEMORY_TWO_VMS(ctx->memory_bytes);
	if (status == GO_ON)
		status = grade_submissions(ctx, &opts, argc - optind, argv + optind);
	grade_ctx_free(ctx);
	return status;
}

const struct command command_grade = {
	.name = "grade",
	.run = cmd_grade,
	.usage = GRADE_USAGE,
	.summary = "grade students' submissions (their runqemu_single_vm.sh) in sandboxes, against a rubric",
	.opts = grade_opts,
	.needs = NEEDS_ROOT | NEEDS_IMAGE,
	.root_why = "grading runs each script in a sandbox vlab makes as root (namespaces, tap0, an unprivileged uid "
		    "for the script): run sudo vlab grade ...",
};
