/* perf kvm stat report parser. */
#include "checks/perf_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "0.63us" -> 0.63; "2693.15us" */
static bool parse_us(const char *tok, double *v)
{
	char *end;
	*v = strtod(tok, &end);
	return end != tok && (!strcmp(end, "us") || !*end);
}

static bool parse_pct(const char *tok, double *v)
{
	char *end;
	*v = strtod(tok, &end);
	return end != tok && !strcmp(end, "%");
}

static void parse_row(struct perf_report *r, char *line)
{
	char *tok[12];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " \t", &save); t && n < 12; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	/* REASON SAMPLES S% T% MIN MAX AVG ( +- X% ) */
	if (n < 7 || r->nrows >= PERF_MAX_REASONS)
		return;
	char *end;
	unsigned long long samples = strtoull(tok[1], &end, 10);
	if (*end || !isdigit((unsigned char)tok[1][0]))
		return;
	struct perf_exit_row row;
	memset(&row, 0, sizeof(row));
	if (!parse_pct(tok[2], &row.samples_pct) || !parse_pct(tok[3], &row.time_pct) ||
	    !parse_us(tok[4], &row.min_us) || !parse_us(tok[5], &row.max_us) || !parse_us(tok[6], &row.avg_us))
		return;
	snprintf(row.reason, sizeof(row.reason), "%s", tok[0]);
	row.samples = samples;
	r->rows[r->nrows++] = row;
}

int perf_report_parse(const char *text, size_t len, struct perf_report *out)
{
	memset(out, 0, sizeof(out[0]));
	bool header = false;
	const char *end = text + len;
	for (const char *p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char line[512];
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		char first[32] = "", second[32] = "";
		if (sscanf(line, "%31s %31s", first, second) < 1)
			continue;
		if (!header) {
			/* "VM-EXIT    Samples  Samples%  Time% ..." */
			if (!strcmp(second, "Samples")) {
				header = true;
				snprintf(out->event, sizeof(out->event), "%s", first);
			}
			continue;
		}
		unsigned long long total;
		const char *t = strstr(line, "Total Samples:");
		if (t && sscanf(t, "Total Samples:%llu", &total) == 1) {
			out->has_total = true;
			out->total_samples = total;
			const char *h = strstr(t, "handled time:");
			if (h)
				out->total_time_us = strtod(h + strlen("handled time:"), NULL);
			continue;
		}
		parse_row(out, line);
	}
	if (!header)
		return -EINVAL;
	if (!out->has_total)
		for (size_t i = 0; i < out->nrows; i++)
			out->total_samples += out->rows[i].samples;
	return 0;
}

uint64_t perf_cr_exits(const struct perf_report *r)
{
	uint64_t n = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		const char *s = r->rows[i].reason;
		if (!strcmp(s, "CR_ACCESS") || !strncmp(s, "read_cr", 7) || !strncmp(s, "write_cr", 8) ||
		    (!strncmp(s, "cr", 2) && strstr(s, "_write")))
			n += r->rows[i].samples;
	}
	return n;
}
