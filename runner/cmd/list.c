/* `vlab list`: the chapters, their steps and check ids, with each check's
 * title and where it may be earned, from the check registry
 * (checks/check_registry.h); after a chapter's steps, the checks no step
 * of it decides (those only `vlab verify`, `vlab grade` or `vlab check`
 * does). */
#include "runner/cmd/commands.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "checks/check_registry.h"
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

/* Where a check may be earned, as `vlab list` and its JSON name it. */
static const struct {
	unsigned flag;
	const char *word;
} earned_names[] = {
	{ EARNED_CHAPTER, "chapter" },
	{ EARNED_VERIFY, "verify" },
	{ EARNED_GRADE, "grade" },
	{ EARNED_CHECK, "check" },
};

/* "chapter, verify, grade": where row may be earned. */
static const char *earned_words(const struct check_row *row, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(earned_names) / sizeof(earned_names[0]); i++) {
		if (!(row->earned & earned_names[i].flag) || used >= n)
			continue;
		int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", earned_names[i].word);
		if (w > 0)
			used += (size_t)w;
	}
	return buf;
}

static json_t *row_json(const struct check_row *row)
{
	json_t *earned = json_array();
	for (size_t i = 0; i < sizeof(earned_names) / sizeof(earned_names[0]); i++)
		if (row->earned & earned_names[i].flag)
			json_array_append_new(earned, json_string(earned_names[i].word));
	return json_pack("{s:s, s:s?, s:s, s:s, s:o}", "id", row->id, "step", row->step, "title", row->title,
			 "evidence", check_evidence_name(row->evidence), "earned", earned);
}

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
	char words[32];
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
			for (size_t r = 0; r < ncheck_registry; r++) {
				const struct check_row *row = &check_registry[r];
				if (!check_registry_in_step(row->id, ch->number, st->name))
					continue;
				json_array_append_new(ids, json_string(row->id));
				if (f == FORMAT_TEXT)
					printf("    check %-28s %s (%s)\n", row->id, row->title,
					       earned_words(row, words, sizeof(words)));
			}
			json_array_append_new(steps, json_pack("{s:s, s:s, s:o}", "name", st->name, "title", st->title,
							       "checks", ids));
		}
		/* every check of the chapter, those of no step too */
		json_t *checks = json_array();
		bool headed = false;
		for (size_t r = 0; r < ncheck_registry; r++) {
			const struct check_row *row = &check_registry[r];
			if (row->chapter != ch->number)
				continue;
			json_array_append_new(checks, row_json(row));
			if (f != FORMAT_TEXT || row->step)
				continue;
			if (!headed)
				printf("  no step's (vlab verify, vlab grade or vlab check decides them)\n");
			headed = true;
			printf("    check %-28s %s (%s)\n", row->id, row->title, earned_words(row, words, sizeof(words)));
		}
		json_array_append_new(out, json_pack("{s:i, s:s, s:s, s:o, s:o}", "chapter", ch->number, "name", ch->name,
						     "title", ch->title, "steps", steps, "checks", checks));
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
