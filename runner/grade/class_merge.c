/* A class over many machines: the results of many graders joined into one
 * class report (vlab report merge), and the class page vlab grade writes
 * beside its own class.json; see class_merge.h. */
#include "runner/grade/class_merge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checks/class_report.h"
#include "runner/grade/class_html.h"
#include "runner/grade/grade_report.h"
#include "runner/util.h"
#include "runner/files.h"
#include "runner/exit_status.h"

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

int class_merge_load(const char *path, json_t *all, json_t *sources)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j) {
		error_line("cannot read '%s': %s%s", path, e.text,
			e.line > 0 ? " (not JSON written by vlab grade?)" : "");
		return -EINVAL;
	}
	const char *kind = json_string_value(json_object_get(j, "kind"));
	json_t *ver = json_object_get(j, "schema_version");
	int rc = 0;
	if (!kind || (strcmp(kind, "grade") && strcmp(kind, "grade-class"))) {
		error_line("'%s' is not a report of vlab grade (its \"kind\" is %s%s%s): give class.json or "
				"a submission's report.json",
			path, kind ? "'" : "", kind ? kind : "missing", kind ? "'" : "");
		rc = -EINVAL;
	} else if (json_integer_value(ver) != GRADE_SCHEMA_VERSION) {
		error_line("'%s' has schema_version %lld; this vlab reads %d: merge with the vlab that "
				"graded",
			path, (long long)json_integer_value(ver), GRADE_SCHEMA_VERSION);
		rc = -EINVAL;
	} else if (!strcmp(kind, "grade")) {
		json_array_append(all, j);
	} else {
		json_t *subs = json_object_get(j, "submissions");
		if (!json_is_array(subs)) {
			error_line("'%s' has no \"submissions\" array", path);
			rc = -EINVAL;
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

json_t *class_merge_sorted(json_t *results)
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

/* the page title of the merge being written (class_merge_write) */
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

json_t *class_merge_json(json_t *results, json_t *sources)
{
	json_t *cls = grade_class_json(results);
	json_object_set(cls, "sources", sources);
	return cls;
}

int class_merge_write(const char *dir, const json_t *cls, const json_t *results, const char *title,
		      const char **failed)
{
	html_title = title;
	*failed = NULL;
	int r = mkdir_p(dir, 0755);
	if (r)
		return r;
	/* the same writers as vlab grade's class reports, so a class graded
	 * in shards and merged has the same reports, byte for byte, as one
	 * graded whole (but for its times and "sources"); each whole or not
	 * at all */
	if ((r = grade_report_write(dir, *failed = "class.json", grade_write_json, cls)) ||
	    (r = grade_report_write(dir, *failed = "class.csv", grade_write_csv, results)) ||
	    (r = grade_report_write(dir, *failed = "class.junit.xml", grade_write_junit, results)) ||
	    (r = grade_report_write(dir, *failed = "class.tap", grade_write_tap, results)) ||
	    (r = grade_report_write(dir, *failed = "class.html", write_html, results)))
		return r;
	*failed = NULL;
	return 0;
}
