/* `vlab report merge FILE...`: the class reports of many graders (vlab
 * grade --shard I/N) joined into one, by runner/grade/class_merge.h. */
#include "runner/cmd/commands.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "checks/class_report.h"
#include "runner/exit_status.h"
#include "runner/grade/class_merge.h"
#include "runner/report.h"

#define REPORT_USAGE "merge FILE... [--out DIR] [--title TEXT] [--format text|json]"
#define merge_usage(...) usage_fail("report " REPORT_USAGE, __VA_ARGS__)

/* Where the rows put the options (cmd_report sets the defaults first). */
static struct {
	const char *out, *title;
	enum report_format format;
} merge_args;

static const struct opt report_opts[] = {
	{ OPT_OPERAND, "merge", 0, NULL, NULL, COMPLETE_WORDS, "merge", TO_LOOP },
	{ OPT_OPERAND, "FILE", 0, NULL, "a class.json (or one report.json) that vlab grade wrote", COMPLETE_FILE, NULL,
	  TO_LOOP },
	OPT_LIKE(opt_out, "./vlab-class", TO_STRING(&merge_args.out)),
	{ OPT_TITLE, "title", 0, "TEXT", "the page's title (default \"Class report\")", COMPLETE_NONE, NULL,
	  TO_STRING(&merge_args.title) },
	OPT_FORMAT_TO(&merge_args.format, FORMATS_TEXT_JSON),
	{ 0 },
};

/* What the merge found and wrote, for a person. */
static void print_summary(const struct class_stats *s, const json_t *cls, size_t nsources, const char *out)
{
	printf("%zu submissions from %zu reports: mean %.1f%%, median %.1f%% of those scored\n", s->count,
	       nsources, s->mean_percent, s->median_percent);
	size_t i;
	const json_t *w;
	json_array_foreach(json_object_get(cls, "warnings"), i, w)
		printf("warning: %s\n", json_string_value(w));
	json_array_foreach(json_object_get(json_object_get(cls, "summary"), "needs_regrade"), i, w)
		printf("needs regrading: %s\n", json_string_value(w));
	for (size_t k = 0; k < s->nduplicate_names; k++)
		printf("graded more than once (do the shards overlap?): %s\n", s->duplicate_names[k]);
	for (size_t k = 0; k < s->ndups; k++) {
		printf("identical %s (sha256 %.12s) in:", s->dups[k].file, s->dups[k].sha256);
		for (size_t n = 0; n < s->dups[k].nnames; n++)
			printf("%s %s", n ? "," : "", s->dups[k].names[n]);
		printf("\n");
	}
	printf("wrote %s/class.{json,csv,junit.xml,tap,html}\n", out);
}

static int cmd_report(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "merge"))
		return merge_usage(argc < 2 ? "report what? (merge)" : "unknown report command '%s' (merge)", argv[1]);
	argc--;
	argv++;
	merge_args.out = "vlab-class";
	merge_args.title = "Class report";
	merge_args.format = FORMAT_TEXT;
	struct opt_parser p;
	opt_parser_init(&p, &command_report);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0)
		;
	const char *out = merge_args.out, *title = merge_args.title;
	bool json = merge_args.format == FORMAT_JSON;
	if (c < 0)
		return EXIT_USAGE;
	if (optind >= argc)
		return merge_usage("which reports? (the class.json of each shard)");
	json_t *all = json_array(), *sources = json_array();
	int status = 0;
	for (int i = optind; i < argc && !status; i++)
		if (class_merge_load(argv[i], all, sources))
			status = EXIT_HOST;
	json_t *results = NULL, *cls = NULL;
	struct class_stats s;
	memset(&s, 0, sizeof(s));
	char why[256];
	if (status)
		goto done;
	results = class_merge_sorted(all);
	if (class_stats_compute(results, &s, why, sizeof(why))) {
		error_line("the merged results are not vlab grade's: %s", why);
		status = EXIT_HOST;
		goto done;
	}
	cls = class_merge_json(results, sources);
	const char *failed;
	int r = class_merge_write(out, cls, results, title, &failed);
	if (r) {
		/* as vlab grade: a report that cannot be written is vlab's failure
		 * to finish its work (exit 4), named */
		if (failed)
			error_line("cannot write %s/%s: %s", out, failed, strerror(-r));
		else
			error_line("cannot make the directory '%s': %s", out, strerror(-r));
		status = EXIT_INTERNAL;
		goto done;
	}
	if (json) {
		report_print_json(cls);
		goto done;
	}
	print_summary(&s, cls, json_array_size(sources), out);
done:
	class_stats_release(&s);
	json_decref(cls);
	json_decref(results);
	json_decref(all);
	json_decref(sources);
	return status;
}

const struct command command_report = {
	.name = "report",
	.run = cmd_report,
	.usage = REPORT_USAGE,
	.summary = "join the class reports of many graders (vlab grade --shard I/N) into one",
	.opts = report_opts,
};
