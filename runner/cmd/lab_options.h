/* What `vlab chapter` and `vlab run` share: the lab's options (one table,
 * one parser into struct lab_options) and the machine-format reports. */
#ifndef VLAB_CMD_LAB_OPTIONS_H
#define VLAB_CMD_LAB_OPTIONS_H

#include <stdbool.h>

#include <jansson.h>

#include "runner/cmd/commands.h"
#include "runner/lab.h"
#include "runner/report.h"

extern const struct opt chapter_opts[], run_opts[];

/* The lab options into o; 0, or EXIT_USAGE after saying why. */
int lab_options_parse(const struct command *cmd, int argc, char **argv, struct lab_options *o);
/* The reports of the chapters run, in the format asked for (text was
 * printed as the chapters ran); single: the one chapter's object, not an
 * array. */
void lab_print_reports(enum report_format f, json_t *all, bool single);

#endif
