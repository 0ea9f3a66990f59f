/* The class view of many graded submissions (see class_report.h). */
#include "checks/class_report.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

int shard_parse(const char *s, struct shard *out, char *why, size_t n)
{
	unsigned i = 0, c = 0;
	int used = 0;
	if (!s || sscanf(s, "%u/%u%n", &i, &c, &used) != 2 || s[used] || !strchr("0123456789", s[0])) {
		snprintf(why, n, "--shard takes I/N (the I-th of N slices, e.g. 2/4), not '%s'", s ? s : "");
		return -EINVAL;
	}
	if (c < 1 || c > 1000 || i < 1 || i > c) {
		snprintf(why, n, "--shard %s: I must be from 1 to N, and N from 1 to 1000", s);
		return -EINVAL;
	}
	out->index = i;
	out->count = c;
	return 0;
}

bool shard_owns(const struct shard *sh, size_t pos)
{
	return pos % sh->count == sh->index - 1;
}

static unsigned class_histogram_bin(double percent)
{
	if (!(percent > 0))
		return 0;
	if (percent >= 100)
		return CLASS_HISTOGRAM_BINS - 1;
	unsigned b = (unsigned)(percent / 10);
	return b > CLASS_HISTOGRAM_BINS - 2 ? CLASS_HISTOGRAM_BINS - 2 : b;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct class_check_rate *rate_of(struct class_stats *s, const char *id)
{
	for (size_t i = 0; i < s->nchecks; i++)
		if (!strcmp(s->checks[i].id, id))
			return &s->checks[i];
	if (s->nchecks == CLASS_MAX_CHECKS)
		return NULL;
	struct class_check_rate *r = &s->checks[s->nchecks++];
	snprintf(r->id, sizeof(r->id), "%s", id);
	return r;
}

/* One saved artefact of one submission, for finding identical ones. */
struct saved {
	const char *file, *sha256, *name;
};

static int by_saved(const void *a, const void *b)
{
	const struct saved *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (!c)
		c = strcmp(x->sha256, y->sha256);
	return c ? c : strcmp(x->name, y->name);
}

static bool is_sha256(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789abcdef", *p))
			return false;
	return true;
}

/* One result's checks counted into their pass rates. */
static void count_checks(struct class_stats *out, const json_t *checks)
{
	size_t k;
	const json_t *c;
	json_array_foreach(checks, k, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *st = json_string_value(json_object_get(c, "status"));
		struct class_check_rate *rate = id && st ? rate_of(out, id) : NULL;
		if (!rate)
			continue;
		if (!strcmp(st, "pass")) {
			rate->passed++;
			rate->graded++;
		} else if (!strcmp(st, "fail") || !strcmp(st, "parent_failed")) {
			rate->graded++;
		} else if (!strcmp(st, "skip")) {
			rate->skipped++;
		} else if (!strcmp(st, "error")) {
			rate->errors++;
		}
	}
}

int check_id_chapter(const char *id)
{
	if (!id || strncmp(id, "ch", 2) || !isdigit((unsigned char)id[2]) || id[3] != '.')
		return -1;
	return id[2] - '0';
}

bool result_chapter_points(const json_t *result, int ch, long long *points, long long *max)
{
	size_t k;
	const json_t *c;
	bool any = false;
	*points = *max = 0;
	json_array_foreach(json_object_get(result, "checks"), k, c) {
		if (check_id_chapter(json_string_value(json_object_get(c, "id"))) != ch)
			continue;
		any = true;
		*points += json_integer_value(json_object_get(c, "points"));
		*max += json_integer_value(json_object_get(c, "max_points"));
	}
	return any;
}

/* The chapters the results' checks are of, in order, each with its rubric
 * points and its mean percent. */
static void find_chapters(struct class_stats *out, const json_t *results)
{
	bool seen[CLASS_MAX_CHAPTERS] = { false };
	long long rubric[CLASS_MAX_CHAPTERS] = { 0 };
	size_t i, k;
	const json_t *r, *c;
	json_array_foreach(results, i, r) {
		bool mine[CLASS_MAX_CHAPTERS] = { false };
		long long pts[CLASS_MAX_CHAPTERS] = { 0 };
		json_array_foreach(json_object_get(r, "checks"), k, c) {
			int ch = check_id_chapter(json_string_value(json_object_get(c, "id")));
			if (ch < 0)
				continue;
			mine[ch] = true;
			pts[ch] += json_integer_value(json_object_get(c, "rubric_points"));
		}
		for (int ch = 0; ch < CLASS_MAX_CHAPTERS; ch++)
			if (mine[ch] && !seen[ch]) {
				seen[ch] = true;
				rubric[ch] = pts[ch];
			}
	}
	for (int ch = 0; ch < CLASS_MAX_CHAPTERS; ch++) {
		if (!seen[ch])
			continue;
		struct class_chapter *cc = &out->chapters[out->nchapters++];
		cc->number = ch;
		cc->rubric_points = rubric[ch];
		double sum = 0;
		json_array_foreach(results, i, r) {
			long long p, m;
			if (json_is_true(json_object_get(r, "needs_regrade")) || !result_chapter_points(r, ch, &p, &m) ||
			    m <= 0)
				continue;
			sum += 100.0 * (double)p / (double)m;
			cc->scored++;
		}
		cc->mean_percent = cc->scored ? sum / cc->scored : 0;
	}
}

struct saved_list {
	struct saved *v;
	size_t n, cap;
};

/* The artefacts submission name saved (r's "saved": file and sha256), for
 * find_identical_artefacts; entries without a well-formed sha256 are left out. */
static void collect_saved(struct saved_list *l, const json_t *r, const char *name)
{
	size_t k;
	const json_t *sv;
	json_array_foreach(json_object_get(r, "saved"), k, sv) {
		const char *file = json_string_value(json_object_get(sv, "file"));
		const char *sha = json_string_value(json_object_get(sv, "sha256"));
		if (!file || !sha || !is_sha256(sha))
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 16;
			l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		l->v[l->n++] = (struct saved){ file, sha, name };
	}
}

/* Mean and median of the n percentages (sorts them). */
static void summarise_percents(struct class_stats *out, double *percents, size_t n)
{
	if (!n)
		return;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += percents[i];
	out->mean_percent = sum / (double)n;
	qsort(percents, n, sizeof(double), by_double);
	out->median_percent = n % 2 ? percents[n / 2] : (percents[n / 2 - 1] + percents[n / 2]) / 2;
}

/* The same name twice: two machines graded the same submission (sorts names). */
static void find_duplicate_names(struct class_stats *out, const char **names, size_t count)
{
	qsort(names, count, sizeof(char *), by_string);
	for (size_t i = 1; i < count; i++)
		if (!strcmp(names[i], names[i - 1]) && (i < 2 || strcmp(names[i], names[i - 2]))) {
			out->duplicate_names = xrealloc(out->duplicate_names,
							(out->nduplicate_names + 1) * sizeof(char *));
			out->duplicate_names[out->nduplicate_names++] = xstrdup(names[i]);
		}
}

/* Identical artefacts: runs of the same (file, sha256) from two or more
 * submissions (sorts l). */
static void find_identical_artefacts(struct class_stats *out, struct saved_list *l)
{
	struct saved *saved = l->v;
	size_t nsaved = l->n;
	if (nsaved)
		qsort(saved, nsaved, sizeof(*saved), by_saved);
	for (size_t i = 0; i < nsaved;) {
		size_t j = i + 1;
		while (j < nsaved && !strcmp(saved[j].file, saved[i].file) && !strcmp(saved[j].sha256, saved[i].sha256))
			j++;
		size_t distinct = 0;
		for (size_t k = i; k < j; k++)
			distinct += k == i || strcmp(saved[k].name, saved[k - 1].name);
		if (distinct >= 2) {
			out->dups = xrealloc(out->dups, (out->ndups + 1) * sizeof(*out->dups));
			struct class_duplicate *d = &out->dups[out->ndups++];
			memset(d, 0, sizeof(*d));
			snprintf(d->file, sizeof(d->file), "%s", saved[i].file);
			snprintf(d->sha256, sizeof(d->sha256), "%s", saved[i].sha256);
			d->names = xcalloc(distinct, sizeof(char *));
			for (size_t k = i; k < j; k++)
				if (k == i || strcmp(saved[k].name, saved[k - 1].name))
					d->names[d->nnames++] = xstrdup(saved[k].name);
		}
		i = j;
	}
}

int class_stats_compute(const json_t *results, struct class_stats *out, char *why, size_t n)
{
	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (!json_is_array(results)) {
		snprintf(why, n, "the results are not a JSON array");
		return -EINVAL;
	}
	size_t count = json_array_size(results);
	double *percents = xcalloc(count + 1, sizeof(double));
	size_t npercents = 0;
	const char **names = xcalloc(count + 1, sizeof(char *));
	struct saved_list saved = { NULL, 0, 0 };
	int rc = 0;
	for (size_t i = 0; i < count; i++) {
		const json_t *r = json_array_get(results, i);
		const char *name = json_string_value(json_object_get(r, "submission"));
		const json_t *score = json_object_get(r, "score"), *max = json_object_get(r, "max_score");
		const json_t *checks = json_object_get(r, "checks");
		if (!name || !*name || !json_is_number(score) || !json_is_number(max) || !json_is_array(checks)) {
			snprintf(why, n, "result %zu%s%s%s lacks %s", i + 1, name ? " ('" : "", name ? name : "",
				 name ? "')" : "",
				 !name || !*name ? "\"submission\"" :
				 !json_is_number(score) ? "a numeric \"score\"" :
				 !json_is_number(max) ? "a numeric \"max_score\"" : "a \"checks\" array");
			rc = -EINVAL;
			goto out;
		}
		names[i] = name;
		out->count++;
		if (json_is_true(json_object_get(r, "needs_regrade"))) {
			out->regrade++;
		} else if (json_number_value(max) > 0) {
			double p = 100.0 * json_number_value(score) / json_number_value(max);
			percents[npercents++] = p;
			out->histogram[class_histogram_bin(p)]++;
		}
		count_checks(out, checks);
		collect_saved(&saved, r, name);
	}
	summarise_percents(out, percents, npercents);
	find_duplicate_names(out, names, count);
	find_identical_artefacts(out, &saved);
	find_chapters(out, results);
out:
	free(percents);
	free(names);
	free(saved.v);
	if (rc)
		class_stats_release(out);
	return rc;
}

void class_stats_release(struct class_stats *s)
{
	for (size_t i = 0; i < s->ndups; i++) {
		for (size_t k = 0; k < s->dups[i].nnames; k++)
			free(s->dups[i].names[k]);
		free(s->dups[i].names);
	}
	free(s->dups);
	for (size_t i = 0; i < s->nduplicate_names; i++)
		free(s->duplicate_names[i]);
	free(s->duplicate_names);
	memset(s, 0, sizeof(*s));
}

json_t *class_stats_json(const struct class_stats *s)
{
	json_t *hist = json_array(), *checks = json_array(), *dups = json_array(), *twice = json_array(),
	       *chapters = json_array();
	for (int i = 0; i < CLASS_HISTOGRAM_BINS; i++) {
		char bin[16];
		if (i == CLASS_HISTOGRAM_BINS - 1)
			snprintf(bin, sizeof(bin), "100");
		else
			snprintf(bin, sizeof(bin), "%d-%d", i * 10, i * 10 + 9);
		json_array_append_new(hist, json_pack("{s:s, s:i}", "bin", bin, "count", (int)s->histogram[i]));
	}
	for (size_t i = 0; i < s->nchecks; i++) {
		const struct class_check_rate *c = &s->checks[i];
		json_array_append_new(checks, json_pack("{s:s, s:i, s:i, s:o, s:i, s:i}", "id", c->id, "passed",
							(int)c->passed, "graded", (int)c->graded, "pass_rate",
							c->graded ? json_real((double)c->passed / c->graded) : json_null(),
							"skipped", (int)c->skipped, "errors", (int)c->errors));
	}
	for (size_t i = 0; i < s->ndups; i++) {
		json_t *names = json_array();
		for (size_t k = 0; k < s->dups[i].nnames; k++)
			json_array_append_new(names, json_string(s->dups[i].names[k]));
		json_array_append_new(dups, json_pack("{s:s, s:s, s:o}", "file", s->dups[i].file, "sha256",
						      s->dups[i].sha256, "submissions", names));
	}
	for (size_t i = 0; i < s->nduplicate_names; i++)
		json_array_append_new(twice, json_string(s->duplicate_names[i]));
	for (size_t i = 0; i < s->nchapters; i++) {
		char name[8];
		snprintf(name, sizeof(name), "ch%d", s->chapters[i].number);
		json_array_append_new(chapters, json_pack("{s:s, s:I, s:f, s:i}", "chapter", name, "rubric_points",
							  (json_int_t)s->chapters[i].rubric_points, "mean_percent",
							  s->chapters[i].mean_percent, "scored", (int)s->chapters[i].scored));
	}
	unsigned scored = 0;
	for (int i = 0; i < CLASS_HISTOGRAM_BINS; i++)
		scored += s->histogram[i];
	return json_pack("{s:i, s:i, s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "scored", (int)scored, "regrade",
			 (int)s->regrade, "mean_percent", s->mean_percent, "median_percent", s->median_percent,
			 "histogram", hist, "checks", checks, "identical_artifacts", dups, "graded_twice", twice,
			 "chapters", chapters);
}
