/* `vlab run`: every chapter in order, one summary. */
#include "runner/cmd/lab_options.h"

#include <stdio.h>

#include "runner/chapter.h"
#include "runner/engine.h"
#include "runner/util.h"

static int cmd_run(int argc, char **argv)
{
	struct lab_options o;
	int r = lab_options_parse(&command_run, argc, argv, &o);
	if (r)
		return r;
	if (optind < argc)
		return command_usage_fail(&command_run, "unexpected '%s'", argv[optind]);
	json_t *all = json_array();
	int worst = EXIT_PASS;
	char why[1024] = "";
	const struct chapter *failed = NULL;
	bool cut_short = false;
	for (size_t i = 0; i < nchapters; i++) {
		char said[1024];
		r = engine_run_chapter(chapters[i], &o, all, said, sizeof(said));
		if (r > worst)
			worst = r;
		if (r > EXIT_CHECK_FAILED && !failed) {
			failed = chapters[i];
			snprintf(why, sizeof(why), "%s", said[0] ? said : "see the report above");
		}
		/* a host that cannot run a chapter, or a stop request, ends the
		 * run: the chapters after it need what is missing */
		if (r >= 128 || r == EXIT_HOST) {
			cut_short = i + 1 < nchapters;
			break;
		}
	}
	if (o.format != FORMAT_TEXT) {
		lab_print_reports(o.format, all, false);
	} else if (!failed) {
		printf("\nvlab run: %zu chapter(s); %s\n", json_array_size(all),
		       worst == EXIT_PASS ? "all checks passed" : "some checks did not pass");
	} else {
		const char *what = worst >= 128 ? "was stopped" : worst == EXIT_HOST ? "could not run" : "broke vlab";
		printf("\nvlab run: chapter %d (%s) %s: %s%s\n", failed->number, failed->name, what, why,
		       cut_short ? "; the chapters after it were not run" : "");
	}
	json_decref(all);
	return worst;
}

const struct command command_run = {
	.name = "run",
	.run = cmd_run,
	.usage = "[options]",
	.summary = "run every chapter in order, one summary",
	.opts = run_opts,
	.needs = NEEDS_IMAGE,
};
