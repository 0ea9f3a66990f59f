/* `vlab chapter N`: one chapter end to end, checked (runner/engine.h). */
#include "runner/cmd/lab_options.h"

#include <stdio.h>
#include <string.h>

#include "runner/chapter.h"
#include "runner/engine.h"
#include "runner/util.h"

static int cmd_chapter(int argc, char **argv)
{
	struct lab_options o;
	int r = lab_options_parse(&command_chapter, argc, argv, &o);
	if (r)
		return r;
	if (optind >= argc)
		return command_usage_fail(&command_chapter, "which chapter? (%d..%d)", chapters[0]->number, chapters[nchapters - 1]->number);
	if (optind + 1 < argc)
		return command_usage_fail(&command_chapter, "unexpected '%s'", argv[optind + 1]);
	int64_t n;
	const struct chapter *ch = NULL;
	if (parse_i64(argv[optind], 0, 99, &n) == 0)
		ch = chapter_find((int)n);
	if (ch && o.only_step) {
		bool found = false;
		struct strbuf names = STRBUF_INIT;
		for (size_t s = 0; s < ch->nsteps; s++) {
			found |= !strcmp(ch->steps[s].name, o.only_step);
			sb_addf(&names, "%s%s", s ? ", " : "", ch->steps[s].name);
		}
		if (!found) {
			r = command_usage_fail(&command_chapter, "chapter %d has no step '%s' (steps: %s)", ch->number, o.only_step, names.buf);
			sb_release(&names);
			return r;
		}
		sb_release(&names);
	}
	if (!ch) {
		struct strbuf known = STRBUF_INIT;
		for (size_t i = 0; i < nchapters; i++)
			sb_addf(&known, "%s%d", i ? ", " : "", chapters[i]->number);
		r = command_usage_fail(&command_chapter, "no chapter '%s' (chapters: %s)", argv[optind], known.buf);
		sb_release(&known);
		return r;
	}
	/* a chapter's own option given to another chapter would be ignored
	 * without a word: `vlab chapter 3 --seconds 30` counts nothing */
	for (size_t i = 0; i < nchapters; i++)
		for (const struct chapter_option *co = chapters[i]->options; chapters[i] != ch && co && co->name; co++)
			if ((co->number && *co->number) || (co->flag && *co->flag))
				return command_usage_fail(&command_chapter, "%s is chapter %d's option; chapter %d has no use for it",
							  co->name, chapters[i]->number, ch->number);
	json_t *all = json_array();
	r = engine_run_chapter(ch, &o, all, NULL, 0);
	lab_print_reports(o.format, all, true);
	json_decref(all);
	return r;
}

const struct command command_chapter = {
	.name = "chapter",
	.run = cmd_chapter,
	.usage = "N [options]",
	.summary = "run chapter N end to end and check it",
	.opts = chapter_opts,
	.needs = NEEDS_IMAGE,
};
