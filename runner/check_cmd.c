/* vlab check. */
#include "runner/check_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/saved_files.h"
#include "runner/engine.h"
#include "runner/report.h"
#include "runner/util.h"

#define usage(...) usage_fail("check " CHECK_USAGE, __VA_ARGS__)

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
		fprintf(stderr, "vlab: %s: %s\n", path, why);
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

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	enum report_format f = FORMAT_TEXT;
	optind = 1;
	opterr = 0;
	int c;
	/* options may come anywhere (getopt permutes); a lone "-" is a FILE */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'm') {
			/* qemu's -m spelling: a bare number is MiB */
			if (parse_size(optarg, true, &strace_wanted_memory) || !strace_wanted_memory)
				return usage("--memory takes a size as qemu's -m does (256M, 1G), not '%s'", optarg);
			continue;
		}
		if (c != 'f')
			return usage("unknown option '%s'", argv[optind - 1]);
		if (report_format_parse(optarg, &f) || f == FORMAT_JUNIT || f == FORMAT_TAP)
			return usage("--format takes text or json here, not '%s'", optarg);
	}
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
