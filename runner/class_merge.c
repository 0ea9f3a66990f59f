/* vlab report merge, and the class pieces vlab grade shares (class_merge.h). */
#include "runner/class_merge.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "checks/class_report.h"
#include "runner/grade/class_html.h"
#include "runner/exit_status.h"
#include "runner/grade/grade_report.h"
#include "runner/report.h"
#include "runner/util.h"

void grade_write_class_html(FILE *f, const json_t *results)
{
	struct class_stats s;
	char why[256];
	if (class_stats_compute(results, &s, why, sizeof(why))) {
		fprintf(f, "<!DOCTYPE html><title>class report</title><p>");
		html_escape(f, why);
		fprintf(f, "</p>\n");
		return;
	}
	class_write_html(f, &s, results, "Class report");
	class_stats_release(&s);
}

#define merge_usage(...) usage_fail("report " REPORT_USAGE, __VA_ARGS__)

/* The results in one input file, appended to all. 0, or EXIT_HOST after a
 * one-line error naming the file. */
static int load_input(const char *path, json_t *all, json_t *sources)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j) {
		fprintf(stderr, "vlab: cannot read '%s': %s%s\n", path, e.text,
			e.line > 0 ? " (not JSON written by vlab grade?)" : "");
		return EXIT_HOST;
	}
	const char *kind = json_string_value(json_object_get(j, "kind"));
	json_t *ver = json_object_get(j, "schema_version");
	int rc = 0;
	if (!kind || (strcmp(kind, "grade") && strcmp(kind, "grade-class"))) {
		fprintf(stderr, "vlab: '%s' is not a report of vlab grade (its \"kind\" is %s%s%s): give class.json or "
				"a submission's report.json\n",
			path, kind ? "'" : "", kind ? kind : "missing", kind ? "'" : "");
		rc = EXIT_HOST;
	} else if (json_integer_value(ver) != GRADE_SCHEMA_VERSION) {
		fprintf(stderr, "vlab: '%s' has schema_version %lld; this vlab reads %d: merge with the vlab that "
				"graded\n",
			path, (long long)json_integer_value(ver), GRADE_SCHEMA_VERSION);
		rc = EXIT_HOST;
	} else if (!strcmp(kind, "grade")) {
		json_array_append(all, j);
	} else {
		json_t *subs = json_object_get(j, "submissions");
		if (!json_is_array(subs)) {
			fprintf(stderr, "vlab: '%s' has no \"submissions\" array\n", path);
			rc = EXIT_HOST;
		} else {
			json_array_extend(all, subs);
		}
	}
	if (!rc)
		json_array_append_new(sources, json_string(path));
	json_decref(j);
	return rc;
}

static int by_submission(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *p = json_string_value(json_object_get(x, "submission"));
	const char *q = json_string_value(json_object_get(y, "submission"));
	return strcmp(p ? p : "", q ? q : "");
}

/* The results sorted by submission name (a stable class report whatever
 * order the shards came in). */
static json_t *sorted(json_t *results)
{
	size_t n = json_array_size(results);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(results, i);
	qsort(v, n, sizeof(*v), by_submission);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* Results graded with another rubric, image or accelerator than the first
 * cannot be compared: said, not refused (a TA may mean it). */
static json_t *mismatches(const json_t *results)
{
	json_t *warn = json_array();
	const json_t *first = json_array_get(results, 0);
	static const char *const keys[][2] = { { "rubric", "sha256" }, { "image", "sha256" }, { "accelerator", "name" } };
	for (size_t k = 0; first && k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *want = json_string_value(json_object_get(json_object_get(first, keys[k][0]), keys[k][1]));
		size_t i;
		const json_t *r;
		json_array_foreach(results, i, r) {
			const char *got = json_string_value(json_object_get(json_object_get(r, keys[k][0]), keys[k][1]));
			if (want && got && strcmp(want, got)) {
				char *w = xasprintf("%s was graded with another %s (%s %.12s) than %s (%.12s)",
						    json_string_value(json_object_get(r, "submission")), keys[k][0],
						    keys[k][1], got, json_string_value(json_object_get(first, "submission")),
						    want);
				json_array_append_new(warn, json_string(w));
				free(w);
				break;
			}
		}
	}
	return warn;
}

/* Write what fn prints to dir/name, atomically. */
static int write_atomic_with(const char *dir, const char *name, void (*fn)(FILE *, const json_t *), const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fn(f, v);
	fclose(f);
	char *p = xasprintf("%s/%s", dir, name);
	int r = write_file_atomic(p, buf, len, 0644);
	free(p);
	free(buf);
	return r;
}

static void dump_json(FILE *f, const json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2));
	fputc('\n', f);
}

static const char *html_title = "Class report";

static void write_html(FILE *f, const json_t *results)
{
	struct class_stats s;
	char why[256];
	if (class_stats_compute(results, &s, why, sizeof(why)) == 0) {
		class_write_html(f, &s, results, html_title);
		class_stats_release(&s);
	}
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
	const char *out = "vlab-class";
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
			html_title = optarg;
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
		status = load_input(argv[i], all, sources);
	json_t *results = NULL, *cls = NULL;
	struct class_stats s;
	memset(&s, 0, sizeof(s));
	char why[256];
	if (status)
		goto done;
	results = sorted(all);
	if (class_stats_compute(results, &s, why, sizeof(why))) {
		fprintf(stderr, "vlab: the merged results are not vlab grade's: %s\n", why);
		status = EXIT_HOST;
		goto done;
	}
	cls = grade_class_json(results);
	json_object_set(cls, "sources", sources);
	json_object_set_new(cls, "warnings", mismatches(results));
	int r = mkdir_p(out, 0755);
	if (!r)
		r = write_atomic_with(out, "class.json", dump_json, cls);
	if (!r)
		r = write_atomic_with(out, "class.csv", grade_write_csv, results);
	if (!r)
		r = write_atomic_with(out, "class.html", write_html, results);
	if (r) {
		fprintf(stderr, "vlab: cannot write the class report in '%s': %s\n", out, strerror(-r));
		status = EXIT_HOST;
		goto done;
	}
	if (json) {
		report_print_json(cls);
		goto done;
	}
	printf("%zu submissions from %zu reports: mean %.1f%%, median %.1f%% of those scored\n", s.count,
	       json_array_size(sources), s.mean_percent, s.median_percent);
	size_t i;
	const json_t *w;
	json_array_foreach(json_object_get(cls, "warnings"), i, w)
		printf("warning: %s\n", json_string_value(w));
	json_array_foreach(json_object_get(json_object_get(cls, "summary"), "needs_regrade"), i, w)
		printf("needs regrading: %s\n", json_string_value(w));
	for (size_t k = 0; k < s.nduplicate_names; k++)
		printf("graded more than once (do the shards overlap?): %s\n", s.duplicate_names[k]);
	for (size_t k = 0; k < s.ndups; k++) {
		printf("identical %s (sha256 %.12s) in:", s.dups[k].file, s.dups[k].sha256);
		for (size_t n = 0; n < s.dups[k].nnames; n++)
			printf("%s %s", n ? "," : "", s.dups[k].names[n]);
		printf("\n");
	}
	printf("wrote %s/class.json, %s/class.csv, %s/class.html\n", out, out, out);
done:
	class_stats_release(&s);
	json_decref(cls);
	json_decref(results);
	json_decref(all);
	json_decref(sources);
	return status;
}
