/* Where each of several iperf3 runs in one log begins and ends; see
 * iperf_runs.h. */
#include "checks/iperf_runs.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

struct splitter {
	const char *buf;
	struct iperf_span *spans;
	size_t n, cap;
	/* the run being read */
	bool open;
	size_t start;
	int line;
	char label[sizeof(((struct iperf_span *)0)->label)];
	bool client, done, errored, summed;
	/* lines after it (or before the first) that may introduce the next run */
	bool pending, pending_error, pending_idle_stop;
	size_t pending_start;
	int pending_err_line;
};

static void add_span(struct splitter *sp, size_t from, size_t to, int line, const char *label)
{
	if (to <= from)
		return;
	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 4;
		sp->spans = xrealloc(sp->spans, sp->cap * sizeof(*sp->spans));
	}
	struct iperf_span *s = &sp->spans[sp->n++];
	s->offset = from;
	s->len = to - from;
	s->line = line;
	snprintf(s->label, sizeof(s->label), "%s", label);
}

static void close_run(struct splitter *sp, size_t at)
{
	if (sp->open)
		add_span(sp, sp->start, at, sp->line, sp->label);
	sp->open = false;
}

/* A run begins at from (its introducing lines, if any) with line lineno,
 * whose text is its label. */
static void begin_run(struct splitter *sp, size_t from, int lineno, const char *text)
{
	sp->open = true;
	sp->start = from;
	sp->line = lineno;
	snprintf(sp->label, sizeof(sp->label), "%s", text);
	sp->client = sp->done = sp->errored = sp->summed = false;
	sp->pending = sp->pending_error = sp->pending_idle_stop = false;
}

static void add_pending(struct splitter *sp, size_t at)
{
	if (!sp->pending)
		sp->pending_start = at;
	sp->pending = true;
}

enum line_kind { L_OTHER, L_BLANK, L_CLIENT, L_SERVER, L_ALONE_ERROR, L_RUN_ERROR, L_INTRO, L_DONE, L_SUMMARY };

/* What a line of iperf3's text says about where runs begin and end. Errors
 * that end a run part-way (an interrupt, a peer gone) belong to a report;
 * the others (unable to connect, a bad parameter) come before any report,
 * so nothing of iperf3's follows them. */
static enum line_kind line_kind(const char *t)
{
	if (!*t)
		return L_BLANK;
	if (starts_with(t, "Connecting to host "))
		return L_CLIENT;
	if (starts_with(t, "Accepted connection from "))
		return L_SERVER;
	if (starts_with(t, "iperf3: interrupt - ") ||
	    (starts_with(t, "iperf3: error - ") && (strstr(t, "terminated") || strstr(t, "closed unexpectedly"))))
		return L_RUN_ERROR;
	if (starts_with(t, "iperf3: error - "))
		return L_ALONE_ERROR;
	if (starts_with(t, "Server listening on ") || (strlen(t) >= 3 && strspn(t, "-") == strlen(t)))
		return L_INTRO; /* a server's banner and its rules */
	if (starts_with(t, "iperf Done."))
		return L_DONE;
	size_t n = strlen(t);
	if ((n > 7 && !strcmp(t + n - 7, " sender")) || (n > 9 && !strcmp(t + n - 9, " receiver")))
		return L_SUMMARY;
	return L_OTHER;
}

/* An error line: iperf3 writes it to unbuffered stderr, its report to
 * stdout, so in a log saved with `>>log 2>&1` a run's error comes before
 * its report, and on a terminal after it. */
static void split_run_error(struct splitter *sp, size_t ls, int lineno, const char *t)
{
	if (sp->open && sp->client && !sp->done && !sp->errored) {
		sp->errored = true; /* after its own report, as on a terminal */
		sp->pending = false;
		return;
	}
	/* a server stopped (Ctrl-C) while it waited for the next client, after a
	 * test it finished: dropped unless a report follows it */
	bool idle_stop = sp->open && !sp->client && sp->summed && strstr(t, "interrupt");
	add_pending(sp, ls);
	if (!sp->pending_error) {
		sp->pending_error = true;
		sp->pending_idle_stop = idle_stop;
		sp->pending_err_line = lineno;
	}
}

static void split_text_line(struct splitter *sp, size_t ls, size_t le, int lineno, const char *t)
{
	enum line_kind k = line_kind(t);
	size_t from = sp->pending ? sp->pending_start : ls;
	switch (k) {
	case L_CLIENT:
	case L_SERVER:
		close_run(sp, from);
		begin_run(sp, from, lineno, t);
		sp->client = k == L_CLIENT;
		return;
	case L_ALONE_ERROR: /* its detail will say the error: no label */
		close_run(sp, from);
		begin_run(sp, from, lineno, "");
		close_run(sp, le);
		return;
	case L_RUN_ERROR:
		split_run_error(sp, ls, lineno, t);
		return;
	case L_INTRO:
		add_pending(sp, ls);
		return;
	case L_BLANK:
		return;
	default:
		if (!sp->open) {
			add_pending(sp, ls); /* leading lines, or lines between runs */
			return;
		}
		if (!sp->pending_error)
			sp->pending = false; /* the rules were the run's own */
		sp->done |= k == L_DONE;
		sp->summed |= k == L_SUMMARY;
	}
}

static void split_text(struct splitter *sp, size_t len)
{
	int lineno = 1;
	for (size_t ls = 0; ls < len; lineno++) {
		const char *eol = memchr(sp->buf + ls, '\n', len - ls);
		size_t le = eol ? (size_t)(eol - sp->buf) + 1 : len;
		/* the line, bounded, NULs as blanks, without its line end */
		char t[160];
		size_t n = 0;
		for (size_t i = ls; i < le && n + 1 < sizeof(t); i++)
			t[n++] = sp->buf[i] ? sp->buf[i] : ' ';
		t[n] = '\0';
		rtrim(t);
		split_text_line(sp, ls, le, lineno, t);
		ls = le;
	}
	if (sp->pending && sp->pending_error && !sp->pending_idle_stop) {
		close_run(sp, sp->pending_start);
		begin_run(sp, sp->pending_start, sp->pending_err_line, "");
	}
	close_run(sp, sp->pending ? sp->pending_start : len);
}

/* A JSON object a server prints when stopped while it waited: no test. */
static bool idle_server_stop(const json_t *o)
{
	const char *error = json_string_value(json_object_get(o, "error"));
	const json_t *start = json_object_get(o, "start");
	return error && strstr(error, "interrupt") && !json_array_size(json_object_get(start, "connected")) &&
	       !json_array_size(json_object_get(o, "intervals"));
}

/* iperf3 -J objects one after another; what does not parse, from there to
 * the end, is one last run (which then fails to parse, saying why). */
static void split_json(struct splitter *sp, size_t pos, size_t len)
{
	int lineno = 1;
	for (size_t i = 0; i < pos; i++)
		lineno += sp->buf[i] == '\n';
	while (pos < len) {
		json_error_t err;
		json_t *o = sp->buf[pos] == '{' ? json_loadb(sp->buf + pos, len - pos, JSON_DISABLE_EOF_CHECK, &err) : NULL;
		size_t used = o && err.position > 0 ? (size_t)err.position : 0;
		if (!used || used > len - pos) {
			json_decref(o);
			add_span(sp, pos, len, lineno, "");
			return;
		}
		const char *time = json_string_value(json_object_get(
			json_object_get(json_object_get(o, "start"), "timestamp"), "time"));
		char label[sizeof(sp->label)] = "";
		if (time)
			snprintf(label, sizeof(label), "started %s", time);
		if (!idle_server_stop(o))
			add_span(sp, pos, pos + used, lineno, label);
		json_decref(o);
		for (size_t end = pos + used; pos < end; pos++)
			lineno += sp->buf[pos] == '\n';
		while (pos < len && (sp->buf[pos] == ' ' || sp->buf[pos] == '\t' || sp->buf[pos] == '\r' ||
				     sp->buf[pos] == '\n'))
			lineno += sp->buf[pos++] == '\n';
	}
}

size_t iperf_split_runs(const char *buf, size_t len, struct iperf_span **spans)
{
	struct splitter sp;
	memset(&sp, 0, sizeof(sp));
	sp.buf = buf;
	size_t i = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '{')
		split_json(&sp, i, len);
	else
		split_text(&sp, len);
	if (!sp.n) { /* no run told apart: the whole, as one */
		sp.spans = xcalloc(1, sizeof(*sp.spans));
		sp.spans[0].len = len;
		sp.spans[0].line = 1;
		sp.n = 1;
	}
	*spans = sp.spans;
	return sp.n;
}
