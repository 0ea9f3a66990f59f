/* runner/cmd/options: every command's table is well formed (names and ids
 * unique, fits the parser), the parser returns a row's id however the
 * option is written and says usage errors, and --help lays each row out as
 * the tables say (docs.sh holds the pages and the completion to them). */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cmd/commands.h"
#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

static char *help_of(const struct command *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	command_print_help(f, c);
	fclose(f);
	return text;
}

static void test_tables_well_formed(void **state)
{
	(void)state;
	assert_true(ncommands >= 17);
	for (size_t i = 0; i < ncommands; i++) {
		const struct command *c = commands[i];
		assert_non_null(c->run);
		assert_non_null(c->usage);
		assert_non_null(c->summary);
		assert_ptr_equal(command_find(c->name), c);
		if (c->needs & NEEDS_ROOT)
			assert_non_null(c->root_why);
		for (const struct opt *a = c->opts; a && a->name; a++) {
			assert_true(a->help || a->id != OPT_OPERAND || a->complete != COMPLETE_NONE);
			if (a->complete == COMPLETE_WORDS)
				assert_non_null(a->words);
			for (const struct opt *b = a + 1; b->name; b++) {
				if (a->id == OPT_OPERAND || b->id == OPT_OPERAND)
					continue;
				if (!strcmp(a->name, b->name) || a->id == b->id)
					fail_msg("vlab %s: --%s and --%s share a name or an id", c->name, a->name, b->name);
			}
		}
		struct opt_parser p;
		opt_parser_init(&p, c); /* aborts when a table outgrows the parser */
	}
	assert_null(command_find("gra"));
}

/* The parser over argv, its results into got (0-terminated). */
static int parse(const struct command *c, int argc, const char *const *argv, int *got, size_t max)
{
	char **v = xcalloc((size_t)argc + 1, sizeof(*v));
	for (int i = 0; i < argc; i++)
		v[i] = xstrdup(argv[i]);
	struct opt_parser p;
	opt_parser_init(&p, c);
	size_t n = 0;
	int r;
	/* a usage error is said on stderr: keep the test's output readable */
	fflush(stderr);
	int saved = dup(2);
	freopen("/dev/null", "w", stderr);
	while ((r = opt_next(&p, argc, v)) > 0 && n + 1 < max)
		got[n++] = r;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	got[n] = 0;
	for (int i = 0; i < argc; i++)
		free(v[i]);
	free(v);
	return r;
}

static void test_parser(void **state)
{
	(void)state;
	int got[8];
	const char *const jobs[] = { "grade", "-j", "2", "--jobs=3", "--out", "d", "sub" };
	assert_int_equal(parse(&command_grade, 7, jobs, got, 8), 0);
	assert_int_equal(got[0], OPT_JOBS);
	assert_int_equal(got[1], OPT_JOBS);
	assert_int_equal(got[2], OPT_OUT);
	assert_int_equal(got[3], 0);
	const char *const unknown[] = { "grade", "--frobnicate" };
	assert_int_equal(parse(&command_grade, 2, unknown, got, 8), -1);
	const char *const no_value[] = { "verify", "--pid" };
	assert_int_equal(parse(&command_verify, 2, no_value, got, 8), -1);
	/* an option of another command is unknown here */
	const char *const foreign[] = { "chapter", "--jobs", "2" };
	assert_int_equal(parse(&command_chapter, 3, foreign, got, 8), -1);
	/* fetch takes its operands in order, as 1 */
	const char *const in_order[] = { "fetch", "default", "--offline" };
	assert_int_equal(parse(&command_fetch, 3, in_order, got, 8), 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], OPT_OFFLINE);
}

static void test_help_layout(void **state)
{
	(void)state;
	for (size_t i = 0; i < ncommands; i++) {
		char *help = help_of(commands[i]);
		char head[256];
		snprintf(head, sizeof(head), "usage: vlab %s ", commands[i]->name);
		assert_true(!strncmp(help, head, strlen(head)));
		for (const struct opt *o = commands[i]->opts; o && o->name; o++) {
			if (!o->help)
				continue;
			char line[128];
			if (o->id == OPT_OPERAND)
				snprintf(line, sizeof(line), "\n  %s ", o->name);
			else if (o->short_name)
				snprintf(line, sizeof(line), "\n  -%c, --%s%s%s ", o->short_name, o->name, o->arg ? " " : "",
					 o->arg ? o->arg : "");
			else
				snprintf(line, sizeof(line), "\n  --%s%s%s ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			assert_contains(help, line);
		}
		free(help);
	}
	/* the help text starts in column 27; a long option gets one space */
	char *help = help_of(&command_fetch);
	assert_contains(help, "\n  --format text|json      how to print (default text)\n");
	assert_contains(help, "\n  --stall-timeout SECONDS abort below 1 byte/s");
	assert_contains(help, "\n                          else 'mirror URL'");
	assert_contains(help, "The cache is $XDG_CACHE_HOME/vlab");
	/* rows without help (another command's options) are not shown */
	assert_null(strstr(help, "--sha256"));
	free(help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_well_formed),
		cmocka_unit_test(test_parser),
		cmocka_unit_test(test_help_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
