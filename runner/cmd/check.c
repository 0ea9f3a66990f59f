/* `vlab check KIND FILE...`: one verifier on files a student hands in, so a
 * grader can judge them without re-running the lab. The kinds and their
 * judges are checks/check_kinds.h; this is the command around them. */
#include "runner/cmd/commands.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "checks/check_kinds.h"
#include "runner/exit_status.h"
#include "runner/report.h"
#include "runner/util.h"

#define CHECK_USAGE "KIND FILE... [--format text|json] [--memory SIZE]"
#define usage(...) usage_fail("check " CHECK_USAGE, __VA_ARGS__)

/* One row a kind: keep the KIND help in step with checks/check_kinds.c (a
 * unit test holds them together). */
static const struct opt check_opts[] = {
	{ OPT_OPERAND, "KIND", 0, NULL,
	  "what the files are:\n"
	  "  iperf   an iperf3 run, as `iperf3 -c SERVER -J` (or -s) printed it\n"
	  "  strace  qemu's ioctls, as `strace -f -e trace=ioctl -o FILE qemu ...` wrote them\n"
	  "  perf    VM exits, as `perf kvm stat report` printed them",
	  COMPLETE_WORDS, "iperf strace perf" },
	{ OPT_MEMORY, "memory", 0, "SIZE", "strace: the RAM the log must show (default 256M)", COMPLETE_NONE, NULL },
	{ OPT_OPERAND, "FILE", 0, NULL, "a file to judge; - reads standard input", COMPLETE_FILE, NULL },
	{ OPT_FORMAT, "format", 0, "text|json", "how to print (default text)", COMPLETE_WORDS, "text json" },
	{ 0 },
};

/* Judge one file into a report object; returns its exit status. */
static int check_file(const struct check_kind *k, const char *path, enum report_format f, json_t **report)
{
	struct strbuf data = STRBUF_INIT;
	int rc = read_file(strcmp(path, "-") ? path : "/dev/stdin", &data);
	struct check_result r;
	check_init(&r, k->check_id);
	json_t *metrics = json_object(), *facts = json_object();
	char why[256] = "";
	const char *reason = NULL;
	int status;
	if (rc) {
		snprintf(why, sizeof(why), "cannot read it: %s", strerror(-rc));
		reason = "unreadable";
	} else if (k->judge(sb_str(&data), data.len, &r, metrics, facts, why, sizeof(why))) {
		reason = "unrecognized";
	}
	sb_release(&data);
	if (reason) {
		error_line("%s: %s", path, why);
		status = EXIT_HOST;
	} else {
		status = r.verdict == VERDICT_PASS || r.verdict == VERDICT_SKIP ? EXIT_PASS
			 : r.verdict == VERDICT_FAIL			     ? EXIT_CHECK_FAILED
									     : EXIT_INTERNAL;
	}
	if (f == FORMAT_TEXT && !reason) {
		printf("%s %s\n", k->name, path);
		ui_print_check(&r);
	}
	json_t *checks = json_array();
	if (!reason)
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:o}", "id", r.id, "status",
							 verdict_name(r.verdict), "detail", r.detail, "hint",
							 r.hint[0] ? json_string(r.hint) : json_null()));
	*report = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "schema_version",
			    REPORT_SCHEMA_VERSION, "vlab_version", VLAB_VERSION, "kind", k->name, "file", path,
			    "result", reason ? "unusable" : verdict_name(r.verdict), "reason",
			    reason ? json_string(reason) : json_null(), "why", why[0] ? json_string(why) : json_null(),
			    "checks", checks, "metrics", metrics, "facts", facts);
	return status;
}

static int cmd_check(int argc, char **argv)
{
	enum report_format f = FORMAT_TEXT;
	struct opt_parser p;
	opt_parser_init(&p, &command_check);
	int c;
	/* options may come anywhere (getopt permutes); a lone "-" is a FILE */
	while ((c = opt_next(&p, argc, argv)) > 0) {
		if (c == OPT_MEMORY) {
			/* qemu's -m spelling: a bare number is MiB */
			uint64_t memory;
			if (parse_size(optarg, true, &memory) || !memory)
				return usage("--memory takes a size as qemu's -m does (256M, 1G), not '%s'", optarg);
			check_kinds_set_strace_memory(memory);
			continue;
		}
		if (report_format_parse(optarg, &f) || f == FORMAT_JUNIT || f == FORMAT_TAP)
			return usage("--format takes text or json here, not '%s'", optarg);
	}
	if (c < 0)
		return EXIT_USAGE;
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
		/* an unusable input outranks a failed check: the grader must look */
		if (st == EXIT_HOST || (worst != EXIT_HOST && st > worst))
			worst = st;
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
