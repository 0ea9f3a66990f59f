/* Rubrics: the parser and the scoring; see rubric.h for the format. */
#include "checks/rubric.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registry's row of id where `vlab grade` may earn it, else NULL:
 * a rubric can only give points to what grading gives verdicts on. */
static const struct check_row *graded_row(const char *id)
{
	const struct check_row *row = check_registry_find(id);
	return row && (row->earned & EARNED_GRADE) ? row : NULL;
}

const char *outcome_name(enum item_outcome o)
{
	switch (o) {
	case OUTCOME_PASS:
		return "pass";
	case OUTCOME_FAIL:
		return "fail";
	case OUTCOME_PARENT_FAILED:
		return "parent_failed";
	case OUTCOME_SKIP:
		return "skip";
	case OUTCOME_ERROR:
		return "error";
	}
	return "error";
}

/* ---- parsing ------------------------------------------------------------ */

#define MAX_WORDS 8
#define MAX_LINE 512

static int bad(char *err, size_t errlen, const char *origin, int line, const char *fmt, ...) PRINTF_LIKE(5, 6);
static int bad(char *err, size_t errlen, const char *origin, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s:%d: %s", origin, line, msg);
	return -EINVAL;
}

/* Split line (modified) at blanks; -E2BIG past MAX_WORDS. */
static int split(char *line, char *words[MAX_WORDS], int *n)
{
	*n = 0;
	for (char *p = line;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		if (*n == MAX_WORDS)
			return -E2BIG;
		words[(*n)++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static int find_item(const struct rubric *r, const char *id)
{
	for (int i = 0; i < r->nitems; i++)
		if (!strcmp(r->items[i].id, id))
			return i;
	return -1;
}

/* A known-ids list for messages: "ch1.cmdline_kvm, ch1.cmdline_cpu_host, ..." (first few). */
static void known_ids(char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ncheck_registry && used + 1 < n; i++) {
		if (!(check_registry[i].earned & EARNED_GRADE))
			continue;
		int w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", check_registry[i].id);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

static int parse_item(struct rubric *r, char **w, int nw, const char *origin, int line, char *err, size_t errlen)
{
	const struct check_row *gc = graded_row(w[0]);
	if (!gc) {
		char ids[200];
		known_ids(ids, sizeof(ids));
		return bad(err, errlen, origin, line, "unknown check '%.48s' (`vlab grade` knows: %s, ...; see README)",
			   w[0], ids);
	}
	if (find_item(r, w[0]) >= 0)
		return bad(err, errlen, origin, line, "check '%s' is listed twice (list each check once)", w[0]);
	if (r->nitems == RUBRIC_MAX_ITEMS)
		return bad(err, errlen, origin, line, "more than %d checks", RUBRIC_MAX_ITEMS);
	if (nw < 2)
		return bad(err, errlen, origin, line, "check '%s' has no points (write: %s POINTS)", w[0], w[0]);
	int64_t pts;
	if (parse_i64(w[1], 0, RUBRIC_MAX_POINTS, &pts))
		return bad(err, errlen, origin, line, "points of '%s' must be a whole number from 0 to %d, not '%.32s'",
			   w[0], RUBRIC_MAX_POINTS, w[1]);
	struct rubric_item *it = &r->items[r->nitems];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%s", w[0]);
	it->points = (int)pts;
	it->parent = -1;
	it->evidence = gc->evidence;
	it->line = line;
	bool seen_parent = false, seen_evidence = false;
	for (int i = 2; i < nw; i++) {
		if (starts_with(w[i], "parent=")) {
			const char *p = w[i] + 7;
			if (seen_parent)
				return bad(err, errlen, origin, line, "check '%s' has two parents (a check has at most one)",
					   w[0]);
			seen_parent = true;
			int pi = find_item(r, p);
			if (pi < 0)
				return bad(err, errlen, origin, line,
					   "parent '%.48s' of '%s' is not listed above it (list a parent before its children)",
					   p, w[0]);
			it->parent = pi;
		} else if (starts_with(w[i], "evidence=")) {
			const char *e = w[i] + 9;
			if (seen_evidence)
				return bad(err, errlen, origin, line, "check '%s' has two evidence= labels", w[0]);
			seen_evidence = true;
			enum check_evidence ev;
			if (!strcmp(e, "student"))
				ev = EVIDENCE_STUDENT;
			else if (!strcmp(e, "vlab"))
				ev = EVIDENCE_VLAB;
			else
				return bad(err, errlen, origin, line, "evidence= of '%s' is student or vlab, not '%.32s'",
					   w[0], e);
			if (ev != gc->evidence)
				return bad(err, errlen, origin, line,
					   "'%s' is evidence=%s (%s), not %s: the label says what the check proves; "
					   "change its points instead",
					   w[0], check_evidence_name(gc->evidence), gc->title, check_evidence_name(ev));
		} else {
			return bad(err, errlen, origin, line,
				   "unexpected '%.48s' after '%s %s' (parent=CHECK_ID or evidence=student|vlab)", w[i], w[0],
				   w[1]);
		}
	}
	r->nitems++;
	return 0;
}

int rubric_parse(const char *text, size_t len, const char *origin, struct rubric *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (err && errlen)
		err[0] = '\0';
	int line = 0;
	size_t pos = 0;
	bool header = false;
	while (pos < len) {
		line++;
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		if (n && text[pos + n - 1] == '\r')
			n--;  /* a file saved with CRLF line ends reads the same */
		if (n >= MAX_LINE)
			return bad(err, errlen, origin, line, "line longer than %d bytes", MAX_LINE - 1);
		char buf[MAX_LINE];
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos = end < len ? end + 1 : end;
		if (memchr(buf, '\0', n))
			return bad(err, errlen, origin, line, "a NUL byte (is this a text file?)");
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		char *w[MAX_WORDS];
		int nw;
		if (split(buf, w, &nw))
			return bad(err, errlen, origin, line, "too many words (CHECK_ID POINTS [parent=ID] [evidence=...])");
		if (!nw)
			continue;
		if (!header) {
			int64_t v;
			if (strcmp(w[0], "rubric") || nw != 2 || parse_i64(w[1], 1, 1000, &v))
				return bad(err, errlen, origin, line,
					   "a rubric starts with the line 'rubric %d' (the format's version)", RUBRIC_FORMAT);
			if (v != RUBRIC_FORMAT)
				return bad(err, errlen, origin, line, "rubric format %d is not known to this vlab (it reads %d)",
					   (int)v, RUBRIC_FORMAT);
			r->version = (int)v;
			header = true;
			continue;
		}
		if (!strcmp(w[0], "title")) {
			/* the words that follow, one blank between them */
			struct strbuf sb = STRBUF_INIT;
			for (int i = 1; i < nw; i++)
				sb_addf(&sb, "%s%s", i > 1 ? " " : "", w[i]);
			snprintf(r->title, sizeof(r->title), "%s", sb_str(&sb));
			sb_release(&sb);
			continue;
		}
		if (!strcmp(w[0], "iperf_seconds")) {
			int64_t v;
			if (nw != 2 || parse_i64(w[1], 1, RUBRIC_IPERF_SECONDS_MAX, &v))
				return bad(err, errlen, origin, line,
					   "iperf_seconds takes one whole number of seconds, 1 to %d (iperf3's -t in "
					   "grading's chapter 3)",
					   RUBRIC_IPERF_SECONDS_MAX);
			r->iperf_seconds = (int)v;
			continue;
		}
		int rc = parse_item(r, w, nw, origin, line, err, errlen);
		if (rc)
			return rc;
	}
	if (!header)
		return bad(err, errlen, origin, line ? line : 1, "empty rubric (it starts with 'rubric %d', then one check a line)",
			   RUBRIC_FORMAT);
	if (!r->nitems)
		return bad(err, errlen, origin, line, "no checks (one a line: CHECK_ID POINTS [parent=ID])");
	return 0;
}

const struct rubric_item *rubric_find(const struct rubric *r, const char *id)
{
	int i = find_item(r, id);
	return i < 0 ? NULL : &r->items[i];
}

int rubric_max_points(const struct rubric *r)
{
	int sum = 0;
	for (int i = 0; i < r->nitems; i++)
		sum += r->items[i].points;
	return sum;
}

/* ---- scoring ------------------------------------------------------------ */

void rubric_score(const struct rubric *r, const struct check_result *results, size_t n, struct score *s)
{
	memset(s, 0, sizeof(*s));
	s->nitems = r->nitems;
	for (int i = 0; i < r->nitems; i++) {
		const struct rubric_item *it = &r->items[i];
		struct item_score *is = &s->items[i];
		is->item = it;
		for (size_t k = 0; k < n; k++)
			if (results[k].id && !strcmp(results[k].id, it->id))
				is->result = &results[k];
		/* parents come first in the file, so theirs is decided already */
		const struct item_score *parent = it->parent >= 0 ? &s->items[it->parent] : NULL;
		if (parent && (parent->outcome == OUTCOME_FAIL || parent->outcome == OUTCOME_PARENT_FAILED)) {
			is->outcome = OUTCOME_PARENT_FAILED;
			snprintf(is->note, sizeof(is->note), "parent failed: %s", parent->item->id);
		} else if (!is->result || !is->result->done) {
			is->outcome = OUTCOME_ERROR;
			snprintf(is->note, sizeof(is->note), "vlab gave no verdict for this check: regrade");
		} else {
			switch (is->result->verdict) {
			case VERDICT_PASS:
				is->outcome = OUTCOME_PASS;
				break;
			case VERDICT_FAIL:
				is->outcome = OUTCOME_FAIL;
				break;
			case VERDICT_SKIP:
				is->outcome = OUTCOME_SKIP;
				snprintf(is->note, sizeof(is->note), "skipped: left out of the maximum");
				break;
			case VERDICT_ERROR:
			default:
				is->outcome = OUTCOME_ERROR;
				snprintf(is->note, sizeof(is->note), "vlab broke on this check: regrade");
				break;
			}
		}
		switch (is->outcome) {
		case OUTCOME_PASS:
			is->points = is->max_points = it->points;
			s->npass++;
			break;
		case OUTCOME_FAIL:
			is->max_points = it->points;
			s->nfail++;
			break;
		case OUTCOME_PARENT_FAILED:
			is->max_points = it->points;
			s->nparent_failed++;
			break;
		case OUTCOME_SKIP:
			s->nskip++;
			break;
		case OUTCOME_ERROR:
			s->nerror++;
			s->needs_regrade = true;
			break;
		}
		s->points += is->points;
		s->max_points += is->max_points;
	}
}
