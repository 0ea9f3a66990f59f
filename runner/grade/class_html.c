/* The class report as HTML (see class_html.h). */
#include "runner/grade/class_html.h"

#include <string.h>

#include "runner/untrusted_text.h"

void html_escape(FILE *f, const char *raw)
{
	/* control bytes, C1 controls and invalid UTF-8 as the visible \xHH
	 * first (the page says charset utf-8, and a browser would show a
	 * replacement character or nothing), then HTML's specials */
	struct strbuf sb = STRBUF_INIT;
	if (raw)
		untrusted_text_append(&sb, raw, strlen(raw), UT_KEEP_NEWLINE | UT_KEEP_TAB);
	for (const char *s = sb_str(&sb); *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
	sb_release(&sb);
}

static const char STYLE[] =
	"body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}"
	"td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
	"td.num{text-align:right}"
	".rate{display:inline-block;height:.8em;background:#3a7}"
	".regrade{color:#b50}"
	"svg text{font-size:11px}";

static void histogram_svg(FILE *f, const struct class_stats *s)
{
	unsigned top = 1;
	for (int i = 0; i < CLASS_HISTOGRAM_BINS; i++)
		if (s->histogram[i] > top)
			top = s->histogram[i];
	const int bar_w = 40, gap = 8, height = 160, base = height + 20;
	int width = CLASS_HISTOGRAM_BINS * (bar_w + gap) + gap;
	fprintf(f, "<svg id=\"histogram\" width=\"%d\" height=\"%d\" role=\"img\" "
		   "aria-label=\"score histogram\">\n", width, base + 20);
	for (int i = 0; i < CLASS_HISTOGRAM_BINS; i++) {
		int h = (int)((double)s->histogram[i] / top * height);
		int x = gap + i * (bar_w + gap);
		char label[16];
		if (i == CLASS_HISTOGRAM_BINS - 1)
			snprintf(label, sizeof(label), "100%%");
		else
			snprintf(label, sizeof(label), "%d-%d%%", i * 10, i * 10 + 9);
		fprintf(f, "<rect class=\"bar\" data-bin=\"%s\" data-count=\"%u\" x=\"%d\" y=\"%d\" width=\"%d\" "
			   "height=\"%d\" fill=\"#37a\"><title>%s: %u</title></rect>\n",
			label, s->histogram[i], x, base - h, bar_w, h, label, s->histogram[i]);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%u</text><text x=\"%d\" y=\"%d\">%s</text>\n", x + 2, base - h - 4,
			s->histogram[i], x, base + 14, label);
	}
	fputs("</svg>\n", f);
}

void class_write_html(FILE *f, const struct class_stats *s, const json_t *results, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	html_escape(f, title);
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>", STYLE);
	html_escape(f, title);
	fprintf(f, "</h1>\n<p id=\"summary\">%zu submissions; mean %.1f%%, median %.1f%% (of those scored)", s->count,
		s->mean_percent, s->median_percent);
	if (s->regrade)
		fprintf(f, "; <span class=\"regrade\">%zu flagged for regrading</span>", s->regrade);
	fputs("</p>\n<h2>Scores</h2>\n", f);
	histogram_svg(f, s);

	fputs("<h2>Pass rate per check</h2>\n<table id=\"checks\"><tr><th>check</th><th>passed</th><th>graded</th>"
	      "<th>rate</th><th>skipped</th><th>errors</th></tr>\n", f);
	for (size_t i = 0; i < s->nchecks; i++) {
		const struct class_check_rate *c = &s->checks[i];
		double rate = c->graded ? 100.0 * c->passed / c->graded : 0;
		fputs("<tr><td>", f);
		html_escape(f, c->id);
		fprintf(f, "</td><td class=\"num\">%u</td><td class=\"num\">%u</td><td data-rate=\"%.1f\">"
			   "<span class=\"rate\" style=\"width:%.0fpx\"></span> %.0f%%</td><td class=\"num\">%u</td>"
			   "<td class=\"num\">%u</td></tr>\n",
			c->passed, c->graded, rate, rate, rate, c->skipped, c->errors);
	}
	fputs("</table>\n", f);

	if (s->ndups || s->nduplicate_names) {
		fputs("<h2>Look again</h2>\n<table id=\"duplicates\"><tr><th>file</th><th>sha256</th>"
		      "<th>identical in</th></tr>\n", f);
		for (size_t i = 0; i < s->ndups; i++) {
			fputs("<tr><td>", f);
			html_escape(f, s->dups[i].file);
			fprintf(f, "</td><td><code>%.16s…</code></td><td>", s->dups[i].sha256);
			for (size_t k = 0; k < s->dups[i].nnames; k++) {
				if (k)
					fputs(", ", f);
				html_escape(f, s->dups[i].names[k]);
			}
			fputs("</td></tr>\n", f);
		}
		for (size_t i = 0; i < s->nduplicate_names; i++) {
			fputs("<tr><td colspan=\"2\">graded more than once (two shards overlap?)</td><td>", f);
			html_escape(f, s->duplicate_names[i]);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}

	if (s->nchapters) {
		fputs("<h2>Points per chapter</h2>\n<table id=\"chapters\"><tr><th>chapter</th><th>rubric points</th>"
		      "<th>mean</th><th>scored</th></tr>\n", f);
		for (size_t c = 0; c < s->nchapters; c++)
			fprintf(f, "<tr><td>ch%d</td><td class=\"num\">%lld</td><td class=\"num\" data-mean=\"%.1f\">"
				   "%.0f%%</td><td class=\"num\">%u</td></tr>\n",
				s->chapters[c].number, s->chapters[c].rubric_points, s->chapters[c].mean_percent,
				s->chapters[c].mean_percent, s->chapters[c].scored);
		fputs("</table>\n", f);
	}

	/* a column per chapter the rubric has: the points earned of those
	 * counted (SKIP and ERROR left out, as in the score) */
	fputs("<h2>Submissions</h2>\n<table id=\"submissions\"><tr><th>submission</th><th>score</th>"
	      "<th>of</th><th>%</th>", f);
	for (size_t c = 0; c < s->nchapters; c++)
		fprintf(f, "<th class=\"chapter\">ch%d</th>", s->chapters[c].number);
	fputs("<th></th></tr>\n", f);
	size_t i;
	const json_t *r;
	json_array_foreach(results, i, r) {
		double score = json_number_value(json_object_get(r, "score"));
		double max = json_number_value(json_object_get(r, "max_score"));
		bool regrade = json_is_true(json_object_get(r, "needs_regrade"));
		fputs("<tr><td>", f);
		html_escape(f, json_string_value(json_object_get(r, "submission")));
		fprintf(f, "</td><td class=\"num\">%g</td><td class=\"num\">%g</td><td class=\"num\">%.0f</td>", score,
			max, max > 0 ? 100 * score / max : 0.0);
		for (size_t c = 0; c < s->nchapters; c++) {
			long long p, m;
			if (result_chapter_points(r, s->chapters[c].number, &p, &m))
				fprintf(f, "<td class=\"num\" data-chapter=\"ch%d\" data-points=\"%lld\" data-max=\"%lld\">"
					   "%lld/%lld</td>",
					s->chapters[c].number, p, m, p, m);
			else
				fprintf(f, "<td data-chapter=\"ch%d\"></td>", s->chapters[c].number);
		}
		fprintf(f, "<td%s>%s</td></tr>\n", regrade ? " class=\"regrade\"" : "", regrade ? "needs regrading" : "");
	}
	fputs("</table>\n</body></html>\n", f);
}
