/* A class over many machines: `vlab report merge` joins the class reports
 * (or single results) that shards of `vlab grade --shard I/N` wrote into one
 * class report, and the class page `vlab grade` writes beside its own. */
#ifndef VLAB_CLASS_MERGE_H
#define VLAB_CLASS_MERGE_H

#include <jansson.h>
#include <stdio.h>

#define REPORT_USAGE "merge FILE... [--out DIR] [--title TEXT] [--format text|json]"
#define REPORT_SUMMARY "join the class reports of many graders (vlab grade --shard I/N) into one"
#define REPORT_OPTIONS                                                                                  \
	"  FILE                    a class.json (or one report.json) that vlab grade wrote\n"            \
	"  --out DIR               where class.json, class.csv and class.html go (default ./vlab-class)\n" \
	"  --title TEXT            the page's title (default \"Class report\")\n"                       \
	"  --format text|json      what to print (default text: a summary)\n"

int cmd_report(int argc, char **argv);

/* The class page of results (an array of results), for `vlab grade`'s own
 * class report beside class.json. */
void grade_write_class_html(FILE *f, const json_t *results);

#endif
