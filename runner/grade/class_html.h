/* The class report as one self-contained HTML page a teaching assistant
 * opens in a browser: the summary, a score histogram and each check's pass
 * rate as inline SVG/CSS bars (no script, nothing fetched), identical saved
 * artefacts, and every submission's score. Every string from the results
 * (submission names come from students' directory names) is escaped. */
#ifndef VLAB_CLASS_HTML_H
#define VLAB_CLASS_HTML_H

#include <jansson.h>
#include <stdio.h>

#include "checks/class_report.h"

/* Text with &, <, >, " and ' escaped for HTML element content and quoted
 * attributes. */
void html_escape(FILE *f, const char *s);

/* results: the array class_stats_compute read; stats: its facts. */
void class_write_html(FILE *f, const struct class_stats *stats, const json_t *results, const char *title);

#endif
