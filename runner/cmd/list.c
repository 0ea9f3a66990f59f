/* `vlab list`: the chapters, their steps and check ids. */
#include "runner/cmd/commands.h"

#include <stdio.h>

#include <jansson.h>

#include "runner/chapter.h"
#include "runner/exit_status.h"
#include "runner/report.h"

/* Where --format goes (cmd_list sets the default first). */
static enum report_format list_format;

static const struct opt list_opts[] = {
	/* junit and tap have no list to give: refused, not an empty output */
	OPT_FORMAT_TO(&list_format, FORMATS_TEXT_JSON),
	{ 0 },
};

static int cmd_list(int argc, char **argv)
{
	list_format = FORMAT_TEXT;
	struct opt_parser p;
	opt_parser_init(&p, &command_list);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0)
		;
	if (c < 0)
		return EXIT_USAGE;
	enum report_format f = list_format;
	if (optind < argc)
		return usage_fail("list [--format text|json]", "unexpected '%s'", argv[optind]);
	json_t *out = json_array();
	for (size_t i = 0; i < nchapters; i++) {
		const struct chapter *ch = chapters[i];
		if (f == FORMAT_TEXT)
			printf("chapter %d  %s\n  %s\n", ch->number, ch->name, ch->summary);
		json_t *steps = json_array();
		for (size_t s = 0; s < ch->nsteps; s++) {
			const struct step *st = &ch->steps[s];
			json_t *ids = json_array();
			if (f == FORMAT_TEXT)
				printf("  step %-14s %s\n", st->name, st->title);
			for (const char *const *id = st->checks; id && *id; id++) {
				json_array_append_new(ids, json_string(*id));
				if (f == FORMAT_TEXT)
					printf("    check %s\n", *id);
			}
			json_array_append_new(steps, json_pack("{s:s, s:s, s:o}", "name", st->name, "title", st->title,
							       "checks", ids));
		}
		json_array_append_new(out, json_pack("{s:i, s:s, s:s, s:o}", "chapter", ch->number, "name", ch->name,
						     "title", ch->title, "steps", steps));
	}
	if (f == FORMAT_JSON)
		report_print_json(out);
	json_decref(out);
	return 0;
}

const struct command command_list = {
	.name = "list",
	.run = cmd_list,
	.usage = "[--format text|json]",
	.summary = "chapters, their steps and check ids",
	.opts = list_opts,
};
