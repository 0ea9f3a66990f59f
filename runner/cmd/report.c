/* vlab report merge; see report.h. */
#include "runner/cmd/report.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "checks/class_report.h"
#include "runner/exit_status.h"
#include "runner/grade/class_merge.h"
#include "runner/report.h"

#define merge_usage(...) usage_fail("report " REPORT_USAGE, __VA_ARGS__)

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
	printf("wrote %s/class.json, %s/class.csv, %s/class.html\n", out, out, out);
}

int cmd_report(int argc, char **argv)
{
	enum { OPT_OUT = 256, OPT_TITLE, OPT_FORMAT, OPT_HELP };
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "merge")) {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			printf("usage: vlab report %s\n%s\n\noptions:\n%s", REPORT_USAGE, REPORT_SUMMARY, REPORT_OPTIONS);
			return EXIT_PASS;
		}
		return merge_usage(argc < 2 ? "report what? (merge)" : "unknown report command '%s' (merge)", argv[1]);
	}
	argc--;
	argv++;
	const char *out = "vlab-class", *title = "Class report";
	bool json = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "text"))
				return merge_usage("unknown --format '%s' (text or json)", optarg);
			break;
		case OPT_HELP:
			printf("usage: vlab report %s\n%s\n\noptions:\n%s", REPORT_USAGE, REPORT_SUMMARY, REPORT_OPTIONS);
			return EXIT_PASS;
		case ':':
			return merge_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			return merge_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
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
		fprintf(stderr, "vlab: the merged results are not vlab grade's: %s\n", why);
		status = EXIT_HOST;
		goto done;
	}
	cls = class_merge_json(results, sources);
	int r = class_merge_write(out, cls, results, title);
	if (r) {
		fprintf(stderr, "vlab: cannot write the class report in '%s': %s\n", out, strerror(-r));
		status = EXIT_HOST;
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
