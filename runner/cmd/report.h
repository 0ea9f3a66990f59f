/* `vlab report merge FILE...`: the class reports of many graders (vlab
 * grade --shard I/N) joined into one (runner/grade/class_merge.h). */
#ifndef VLAB_CMD_REPORT_H
#define VLAB_CMD_REPORT_H

#define REPORT_USAGE "merge FILE... [--out DIR] [--title TEXT] [--format text|json]"
#define REPORT_SUMMARY "join the class reports of many graders (vlab grade --shard I/N) into one"
#define REPORT_OPTIONS                                                                                  \
	"  FILE                    a class.json (or one report.json) that vlab grade wrote\n"            \
	"  --out DIR               where class.json, class.csv and class.html go (default ./vlab-class)\n" \
	"  --title TEXT            the page's title (default \"Class report\")\n"                       \
	"  --format text|json      what to print (default text: a summary)\n"

int cmd_report(int argc, char **argv);

#endif
