/* vlab grade's reports; see grade_report.h. */
#include "runner/grade/grade_report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "checks/class_report.h"
#include "runner/junit.h"
#include "runner/report.h"
#include "runner/untrusted_text.h"
#include "runner/util.h"
#include "runner/files.h"

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static json_int_t jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

json_t *grade_checks_json(const struct score *s)
{
	json_t *a = json_array();
	for (int i = 0; i < s->nitems; i++) {
		const struct item_score *is = &s->items[i];
		const struct rubric_item *it = is->item;
		const struct check_result *r = is->result;
		json_t *c = json_object();
		json_object_set_new(c, "id", json_string(it->id));
		json_object_set_new(c, "status", json_string(outcome_name(is->outcome)));
		json_object_set_new(c, "verdict", r && r->done ? json_string(verdict_name(r->verdict)) : json_null());
		json_object_set_new(c, "points", json_integer(is->points));
		json_object_set_new(c, "max_points", json_integer(is->max_points));
		json_object_set_new(c, "rubric_points", json_integer(it->points));
		json_object_set_new(c, "evidence", json_string(check_evidence_name(it->evidence)));
		json_object_set_new(c, "parent", it->parent >= 0 ? json_string(s->items[it->parent].item->id) : json_null());
		/* a detail may quote what the script or qemu printed: JSON
		 * escapes control characters itself, invalid UTF-8 is escaped
		 * visibly rather than lost */
		json_object_set_new(c, "detail", r && r->done ? report_json_text(r->detail) : json_null());
		json_object_set_new(c, "hint", r && r->done && r->hint[0] ? report_json_text(r->hint) : json_null());
		json_object_set_new(c, "note", is->note[0] ? report_json_text(is->note) : json_null());
		json_object_set_new(c, "duration_ms", json_integer(r && r->done ? r->duration_ms : 0));
		json_array_append_new(a, c);
	}
	return a;
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

json_t *grade_class_json(json_t *results)
{
	json_t *first = json_array_get(results, 0);
	double sum = 0;
	size_t n = 0, i;
	json_t *r, *regrade = json_array();
	json_array_foreach(results, i, r) {
		json_int_t max = jint(r, "max_score");
		if (max > 0) {
			sum += 100.0 * (double)jint(r, "score") / (double)max;
			n++;
		}
		if (json_is_true(json_object_get(r, "needs_regrade")))
			json_array_append_new(regrade, json_string(jstr(r, "submission")));
	}
	json_t *o = json_object();
	json_object_set_new(o, "schema_version", json_integer(GRADE_SCHEMA_VERSION));
	json_object_set_new(o, "kind", json_string("grade-class"));
	json_object_set_new(o, "vlab_version", json_string(VLAB_VERSION));
	const char *same[] = { "rubric", "image", "accelerator" };
	for (size_t k = 0; k < ARRAY_SIZE(same); k++) {
		json_t *v = first ? json_object_get(first, same[k]) : NULL;
		json_object_set(o, same[k], v ? v : json_null());
	}
	json_object_set_new(o, "summary", json_pack("{s:I, s:f, s:o}", "count", (json_int_t)json_array_size(results),
						    "mean_percent", n ? sum / (double)n : 0.0, "needs_regrade", regrade));
	/* the class view: histogram, pass rates, identical saved artefacts */
	struct class_stats cs;
	char why[256];
	if (class_stats_compute(results, &cs, why, sizeof(why)) == 0) {
		json_object_set_new(o, "class", class_stats_json(&cs));
		class_stats_release(&cs);
	}
	json_object_set_new(o, "warnings", mismatches(results));
	json_object_set(o, "submissions", results);
	return o;
}

/* A submission's checks counted as JUnit counts them. */
static struct junit_counts submission_counts(const json_t *r)
{
	struct junit_counts c = { 0, 0, 0, 0 };
	size_t k;
	const json_t *chk;
	json_array_foreach(json_object_get(r, "checks"), k, chk)
		junit_count(&c, jstr(chk, "status"));
	return c;
}

void grade_write_junit(FILE *f, const json_t *results)
{
	size_t i, k;
	const json_t *r, *c;
	struct junit_counts all = { 0, 0, 0, 0 };
	double total_s = 0;
	json_array_foreach(results, i, r) {
		total_s += (double)jint(r, "duration_ms") / 1000.0;
		struct junit_counts n = submission_counts(r);
		all.tests += n.tests;
		all.failures += n.failures;
		all.errors += n.errors;
		all.skipped += n.skipped;
	}
	junit_begin(f, "vlab grade", &all, total_s);
	json_array_foreach(results, i, r) {
		char score[24], max[24];
		snprintf(score, sizeof(score), "%lld", (long long)jint(r, "score"));
		snprintf(max, sizeof(max), "%lld", (long long)jint(r, "max_score"));
		const struct junit_property props[] = {
			{ "score", score },
			{ "max_score", max },
			{ "needs_regrade", json_is_true(json_object_get(r, "needs_regrade")) ? "true" : "false" },
			{ "vlab_version", jstr(r, "vlab_version") },
			{ "rubric_sha256", jstr(json_object_get(r, "rubric"), "sha256") },
			{ "image_sha256", jstr(json_object_get(r, "image"), "sha256") },
			{ "accelerator", jstr(json_object_get(r, "accelerator"), "name") },
		};
		struct junit_counts n = submission_counts(r);
		junit_suite_begin(f, jstr(r, "submission"), &n, (double)jint(r, "duration_ms") / 1000.0,
				  report_started_at(r), props, ARRAY_SIZE(props));
		json_array_foreach(json_object_get(r, "checks"), k, c) {
			/* the message: the note (why it scored so) or the detail's
			 * first line; the body, which is all GitLab shows: the
			 * detail, the note, then the hint */
			const char *detail = jstr(c, "detail"), *note = jstr(c, "note");
			struct strbuf body = STRBUF_INIT, out = STRBUF_INIT;
			sb_adds(&body, detail);
			if (*note)
				sb_addf(&body, "%s%s", body.len ? "\n" : "", note);
			sb_addf(&out, "points %lld/%lld (%s evidence)", (long long)jint(c, "points"),
				(long long)jint(c, "max_points"), jstr(c, "evidence"));
			junit_case(f, &(struct junit_case){
					      .classname = jstr(r, "submission"),
					      .name = jstr(c, "id"),
					      .seconds = (double)jint(c, "duration_ms") / 1000.0,
					      .status = jstr(c, "status"),
					      .message = *note ? note : detail,
					      .text = sb_str(&body),
					      .hint = jstr(c, "hint"),
					      .system_out = sb_str(&out),
				      });
			sb_release(&body);
			sb_release(&out);
		}
		junit_suite_end(f);
	}
	junit_end(f);
}

void grade_write_tap(FILE *f, const json_t *results)
{
	size_t i, k, n = 0;
	const json_t *r, *c;
	json_array_foreach(results, i, r)
		n += json_array_size(json_object_get(r, "checks"));
	fprintf(f, "TAP version 13\n1..%zu\n", n);
	size_t t = 0;
	json_array_foreach(results, i, r) {
		fputs("# ", f);
		report_tap_text(f, jstr(r, "submission"));
		fprintf(f, ": %lld/%lld%s\n", (long long)jint(r, "score"), (long long)jint(r, "max_score"),
			json_is_true(json_object_get(r, "needs_regrade")) ? " (needs regrading)" : "");
		json_array_foreach(json_object_get(r, "checks"), k, c) {
			const char *st = jstr(c, "status");
			bool ok = !strcmp(st, "pass") || !strcmp(st, "skip");
			fprintf(f, "%s %zu - ", ok ? "ok" : "not ok", ++t);
			report_tap_text(f, jstr(r, "submission"));
			fputs(": ", f);
			report_tap_text(f, jstr(c, "id"));
			fprintf(f, " (%lld/%lld)", (long long)jint(c, "points"), (long long)jint(c, "max_points"));
			if (!strcmp(st, "skip")) {
				fputs(" # SKIP ", f);
				report_tap_text(f, jstr(c, "detail"));
			}
			fputc('\n', f);
			if (!ok) {
				/* the YAML block: status and detail always, the
				 * note and the hint when there are */
				fputs("  ---\n  status: ", f);
				report_yaml_quoted(f, st);
				static const char *const keys[] = { "detail", "note", "hint" };
				for (size_t q = 0; q < ARRAY_SIZE(keys); q++) {
					if (q && !*jstr(c, keys[q]))
						continue;
					fprintf(f, "\n  %s: ", keys[q]);
					report_yaml_quoted(f, jstr(c, keys[q]));
				}
				fputs("\n  ...\n", f);
			}
		}
	}
}

/* A CSV cell of text (a name, a check's id): escaped as untrusted text on
 * one line, quoted where RFC 4180 needs it, and one that a spreadsheet
 * would take for a formula (it starts with =, +, -, @, a tab or a carriage
 * return: https://owasp.org/www-community/attacks/CSV_Injection) quoted
 * with a leading ' so it stays text. vlab's own numbers never pass here. */
static void csv_field(FILE *f, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, strlen(s), 0);
	const char *t = sb_str(&sb);
	bool formula = *t && strchr("=+-@\t\r", *t);
	if (!formula && !strpbrk(t, ",\"\n\r")) {
		fputs(t, f);
		sb_release(&sb);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *t; t++) {
		if (*t == '"')
			fputc('"', f);
		fputc(*t, f);
	}
	fputc('"', f);
	sb_release(&sb);
}

void grade_write_csv(FILE *f, const json_t *results)
{
	const json_t *first = json_array_get(results, 0);
	const json_t *cols = first ? json_object_get(first, "checks") : NULL;
	size_t i, k;
	const json_t *r, *c;
	/* after the checks, so the columns before them keep their places: a
	 * chapter's points and its maximum (what counts: SKIP and ERROR left
	 * out), for the chapters the results' checks are of */
	bool chapter[CLASS_MAX_CHAPTERS] = { false };
	json_array_foreach(results, i, r)
		json_array_foreach(json_object_get(r, "checks"), k, c) {
			int ch = check_id_chapter(jstr(c, "id"));
			if (ch >= 0)
				chapter[ch] = true;
		}
	fputs("submission,score,max_score,percent,needs_regrade", f);
	json_array_foreach(cols, k, c) {
		fputc(',', f);
		csv_field(f, jstr(c, "id"));
	}
	for (int ch = 0; ch < CLASS_MAX_CHAPTERS; ch++)
		if (chapter[ch])
			fprintf(f, ",ch%d_points,ch%d_max", ch, ch);
	fputc('\n', f);
	json_array_foreach(results, i, r) {
		csv_field(f, jstr(r, "submission"));
		json_int_t max = jint(r, "max_score");
		fprintf(f, ",%lld,%lld,%.1f,%s", (long long)jint(r, "score"), (long long)max,
			max ? 100.0 * (double)jint(r, "score") / (double)max : 0.0,
			json_is_true(json_object_get(r, "needs_regrade")) ? "yes" : "no");
		/* by id, so a row lines up with the header whatever its order */
		json_array_foreach(cols, k, c) {
			const json_t *mine = NULL, *x;
			size_t m;
			json_array_foreach(json_object_get(r, "checks"), m, x)
				if (!strcmp(jstr(x, "id"), jstr(c, "id")))
					mine = x;
			fputc(',', f);
			if (!mine)
				continue;
			if (!strcmp(jstr(mine, "status"), "skip") || !strcmp(jstr(mine, "status"), "error"))
				fputs(jstr(mine, "status"), f);
			else
				fprintf(f, "%lld", (long long)jint(mine, "points"));
		}
		for (int ch = 0; ch < CLASS_MAX_CHAPTERS; ch++) {
			long long p, m;
			if (!chapter[ch])
				continue;
			if (result_chapter_points(r, ch, &p, &m))
				fprintf(f, ",%lld,%lld", p, m);
			else
				fputs(",,", f);
		}
		fputc('\n', f);
	}
}

/* Text a student reads in a terminal or an editor: escaped as untrusted. */
static void text(FILE *f, const char *s)
{
	untrusted_text_fputs(f, s, UT_KEEP_NEWLINE | UT_KEEP_TAB);
}

void grade_write_feedback(FILE *f, const json_t *result)
{
	const json_t *rub = json_object_get(result, "rubric");
	fputs("vlab grade: ", f);
	text(f, jstr(result, "submission"));
	fprintf(f, ": %lld/%lld points%s\n", (long long)jint(result, "score"), (long long)jint(result, "max_score"),
		json_is_true(json_object_get(result, "needs_regrade"))
			? " (provisional: vlab broke on some checks, a teaching assistant will regrade them)"
			: "");
	fputs("rubric: ", f);
	text(f, jstr(rub, "title"));
	fputs(" (sha256 ", f);
	text(f, jstr(rub, "sha256"));
	fputs("); vlab ", f);
	text(f, jstr(result, "vlab_version"));
	fputs("; image ", f);
	text(f, jstr(json_object_get(result, "image"), "profile"));
	fputs(" (sha256 ", f);
	text(f, jstr(json_object_get(result, "image"), "sha256"));
	fputs("); accelerator ", f);
	text(f, jstr(json_object_get(result, "accelerator"), "name"));
	fputc('\n', f);
	size_t i;
	const json_t *a;
	if (json_array_size(json_object_get(result, "adaptations"))) {
		fputs("\nWhat vlab changed to run your script here (no points depend on these):\n", f);
		json_array_foreach(json_object_get(result, "adaptations"), i, a) {
			fputs("  * ", f);
			text(f, json_string_value(a));
			fputc('\n', f);
		}
	}
	fputs("\nChecks:\n", f);
	const json_t *c;
	json_array_foreach(json_object_get(result, "checks"), i, c) {
		const char *st = jstr(c, "status");
		const char *mark = !strcmp(st, "pass") ? "PASS" : !strcmp(st, "skip") ? "SKIP" : !strcmp(st, "error") ? "ERROR"
								      : "FAIL";
		struct strbuf id = STRBUF_INIT;
		untrusted_text_append(&id, jstr(c, "id"), strlen(jstr(c, "id")), 0);
		fprintf(f, "  %-5s %-26s %3lld/%-3lld %s\n", mark, sb_str(&id), (long long)jint(c, "points"),
			(long long)jint(c, "rubric_points"), !strcmp(jstr(c, "evidence"), "vlab") ? "(vlab's step)" : "");
		sb_release(&id);
		static const struct {
			const char *key, *label;
		} lines[] = { { "note", "" }, { "detail", "saw: " }, { "hint", "to do: " } };
		for (size_t k = 0; k < ARRAY_SIZE(lines); k++) {
			const char *v = jstr(c, lines[k].key);
			/* a parent's failure says it all; a pass needs no hint */
			if (!*v || (k > 0 && !strcmp(st, "parent_failed")) || (k == 2 && !strcmp(st, "pass")))
				continue;
			fprintf(f, "        %s", lines[k].label);
			text(f, v);
			fputc('\n', f);
		}
	}
	if (json_array_size(json_object_get(result, "skipped"))) {
		fputs("\nSkipped (left out of the maximum: this host lacks what they need):", f);
		json_array_foreach(json_object_get(result, "skipped"), i, a) {
			fputc(' ', f);
			text(f, json_string_value(a));
		}
		fputc('\n', f);
	}
}

void grade_write_json(FILE *f, const json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2));
}

int grade_report_write(const char *dir, const char *name, void (*fn)(FILE *, const json_t *), const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fn(f, v);
	if (fclose(f)) {
		int e = -errno;
		free(buf);
		return e;
	}
	char *p = xasprintf("%s/%s", dir, name);
	int r = write_file_atomic(p, buf, len, 0644);
	free(p);
	free(buf);
	return r;
}
