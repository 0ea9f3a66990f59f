/* `vlab check KIND FILE...`: one verifier on files a student hands in, so a
 * grader can judge them without re-running the lab. The kinds and their
 * judges are checks/check_kinds.h; this is the command around them. */
#include "runner/cmd/commands.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "checks/check_kinds.h"
#include "checks/check_registry.h"
#include "runner/exit_status.h"
#include "runner/report.h"
#include "runner/util.h"
#include "runner/files.h"

#define CHECK_USAGE "KIND FILE... [--format text|json] [--guest-memory SIZE]"
#define usage(...) usage_fail("check " CHECK_USAGE, __VA_ARGS__)

/* Where --format goes (cmd_check sets the default first). */
static enum report_format check_format;

/* One row a kind: keep the KIND help in step with checks/check_kinds.c (a
 * unit test holds them together). */
static const struct opt check_opts[] = {
	{ OPT_OPERAND, "KIND", 0, NULL,
	  "what the files are:\n"
	  "  iperf   iperf3 runs, as `iperf3 -c SERVER -J` (or -s) printed them; each run in a log judged\n"
	  "  strace  qemu's ioctls, as `strace -f -e trace=ioctl -o FILE qemu ...` wrote them\n"
	  "  perf    VM exits, as `perf kvm stat report` printed them",
	  COMPLETE_WORDS, "iperf strace perf", TO_LOOP },
	/* the guest's memory, not vlab's: vlab grade's --memory is a sandbox's
	 * limit, so this one has a name of its own (--memory, its first
	 * spelling, is a usage error here: one name, one meaning) */
	{ OPT_GUEST_MEMORY, "guest-memory", 0, "SIZE",
	  "strace: the guest RAM the log must show, as qemu's -m takes it (default 256M);\n"
	  "the guest's, not a limit (vlab grade --memory is a sandbox's)",
	  COMPLETE_NONE, NULL, TO_LOOP },
	{ OPT_OPERAND, "FILE", 0, NULL, "a file to judge; - reads standard input", COMPLETE_FILE, NULL, TO_LOOP },
	OPT_FORMAT_TO(&check_format, FORMATS_TEXT_JSON),
	{ 0 },
};

/* An unusable input outranks a failed check: the grader must look. */
static int worse(int worst, int st)
{
	return st == EXIT_HOST || (worst != EXIT_HOST && st > worst) ? st : worst;
}

/* Judge one report of a file (the file, or one run of several) into checks;
 * its exit status. With several, the verdict line says which run it is on,
 * and the check object carries the run and its own metrics and facts;
 * with one, they are the file's. */
static int check_span(const struct check_kind *k, const char *path, const char *data, const struct check_span *sp,
		      size_t i, size_t n, enum report_format f, json_t *file_report, char *why, size_t whylen,
		      enum verdict *verdict)
{
	struct check_result r;
	check_init(&r, check_registry_kind_id(k->name));
	json_t *metrics = json_object(), *facts = json_object();
	char which[160] = "";
	if (n > 1)
		snprintf(which, sizeof(which), "run %zu of %zu (line %d%s%s)", i + 1, n, sp->line,
			 sp->label[0] ? ": " : "", sp->label);
	char span_why[256] = "";
	if (k->judge(data + sp->offset, sp->len, &r, metrics, facts, span_why, sizeof(span_why))) {
		if (which[0])
			text_prefix(span_why, sizeof(span_why), which);
		error_line("%s: %s", path, span_why);
		if (!why[0]) /* the report's "why": the first unusable one */
			snprintf(why, whylen, "%s", span_why);
		json_decref(metrics);
		json_decref(facts);
		return EXIT_HOST;
	}
	if (which[0])
		check_detail_prefix(&r, which);
	if (f == FORMAT_TEXT && n == 1)
		printf("%s %s\n", k->name, path);
	if (f == FORMAT_TEXT)
		ui_print_check(&r);
	*verdict = r.verdict;
	json_t *check = json_pack("{s:s, s:s, s:s, s:o}", "id", r.id, "status", verdict_name(r.verdict), "detail",
				  r.detail, "hint", r.hint[0] ? json_string(r.hint) : json_null());
	if (n > 1) {
		json_object_set_new(check, "run", json_pack("{s:i, s:i, s:i, s:o}", "index", (int)i + 1, "of", (int)n,
							   "line", sp->line, "label",
							   sp->label[0] ? json_string(sp->label) : json_null()));
		json_object_set_new(check, "metrics", metrics);
		json_object_set_new(check, "facts", facts);
	} else {
		json_object_update(json_object_get(file_report, "metrics"), metrics);
		json_object_update(json_object_get(file_report, "facts"), facts);
		json_decref(metrics);
		json_decref(facts);
	}
	json_array_append_new(json_object_get(file_report, "checks"), check);
	return exit_status_of_verdict(r.verdict);
}

/* Judge one file into a report object; returns its exit status. A file of
 * several runs (iperf3's, appended to one log) has each run judged. */
static int check_file(const struct check_kind *k, const char *path, enum report_format f, json_t **report)
{
	struct strbuf data = STRBUF_INIT;
	int rc = read_file(strcmp(path, "-") ? path : "/dev/stdin", &data);
	char why[256] = "";
	*report = json_pack("{s:i, s:s, s:s, s:s, s:[], s:{}, s:{}}", "schema_version", REPORT_SCHEMA_VERSION,
			    "vlab_version", VLAB_VERSION, "kind", k->name, "file", path, "checks", "metrics", "facts");
	if (rc) {
		snprintf(why, sizeof(why), "cannot read it: %s", strerror(-rc));
		error_line("%s: %s", path, why);
		sb_release(&data);
		json_object_set_new(*report, "result", json_string("unusable"));
		json_object_set_new(*report, "reason", json_string("unreadable"));
		json_object_set_new(*report, "why", json_string(why));
		json_object_set_new(*report, "runs", json_integer(0));
		return EXIT_HOST;
	}
	struct check_span whole = { .offset = 0, .len = data.len, .line = 1 }, *spans = &whole;
	size_t n = k->split ? k->split(sb_str(&data), data.len, &spans) : 1;
	if (f == FORMAT_TEXT && n > 1)
		printf("%s %s: %zu runs, each judged\n", k->name, path, n);
	int status = EXIT_PASS;
	enum verdict v = VERDICT_PASS;
	for (size_t i = 0; i < n; i++)
		status = worse(status,
			       check_span(k, path, sb_str(&data), &spans[i], i, n, f, *report, why, sizeof(why), &v));
	if (spans != &whole)
		free(spans);
	sb_release(&data);
	bool unusable = status == EXIT_HOST;
	/* one run: its verdict, as it always was; several: the worst */
	json_object_set_new(*report, "result",
			    json_string(unusable ? "unusable" : n == 1 ? verdict_name(v) : status == EXIT_PASS ? "pass"
									    : status == EXIT_CHECK_FAILED ? "fail" : "error"));
	json_object_set_new(*report, "reason", unusable ? json_string("unrecognized") : json_null());
	json_object_set_new(*report, "why", why[0] ? json_string(why) : json_null());
	json_object_set_new(*report, "runs", json_integer((json_int_t)n));
	return status;
}

static int cmd_check(int argc, char **argv)
{
	check_format = FORMAT_TEXT;
	struct opt_parser p;
	opt_parser_init(&p, &command_check);
	int c;
	/* options may come anywhere (getopt permutes); a lone "-" is a FILE */
	while ((c = opt_next(&p, argc, argv)) > 0) {
		switch (c) {
		case OPT_GUEST_MEMORY: {
			/* qemu's -m spelling: a bare number is MiB */
			uint64_t memory;
			if (parse_size(optarg, true, &memory) || !memory)
				return usage("--guest-memory takes a size as qemu's -m does (256M, 1G), not '%s'", optarg);
			check_kinds_set_strace_memory(memory);
			break;
		}
		}
	}
	if (c < 0)
		return EXIT_USAGE;
	enum report_format f = check_format;
	char kinds[128] = "";
	for (size_t i = 0; i < ncheck_kinds; i++)
		snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s", i ? ", " : "",
			 check_kinds[i].name);
	if (optind >= argc)
		return usage("which kind of file? (%s)", kinds);
	const struct check_kind *k = check_kind_find(argv[optind]);
	if (!k)
		return usage("no kind '%s' to check (%s)", argv[optind], kinds);
	if (optind + 1 >= argc)
		return usage("which file?");
	json_t *all = json_array();
	int worst = EXIT_PASS;
	for (int i = optind + 1; i < argc; i++) {
		json_t *rep = NULL;
		int st = check_file(k, argv[i], f, &rep);
		json_array_append_new(all, rep);
		worst = worse(worst, st);
	}
	if (f == FORMAT_JSON)
		report_print_json(json_array_size(all) == 1 ? json_array_get(all, 0) : all);
	json_decref(all);
	return worst;
}

const struct command command_check = {
	.name = "check",
	.run = cmd_check,
	.usage = CHECK_USAGE,
	.summary = "judge saved files a student hands in (iperf3 -J output, a strace log of qemu, perf kvm stat report)",
	.opts = check_opts,
};
