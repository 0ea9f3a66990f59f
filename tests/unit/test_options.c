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
#include "runner/exit_status.h"
#include "runner/util.h"
#include "runner/files.h"
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
	const struct opt *const shared[] = { &opt_format, &opt_quiet,  &opt_image, &opt_manifest,
					     &opt_accel,  &opt_root,   &opt_mirror, &opt_pid,
					     &opt_socket, &opt_out,    &opt_timeout, &opt_boot_timeout };
	assert_true(ncommands >= 17);
	for (size_t i = 0; i < ncommands; i++) {
		const struct command *c = commands[i];
		assert_non_null(c->run);
		assert_non_null(c->usage);
		assert_non_null(c->summary);
		assert_ptr_equal(command_find(c->name), c);
		if (c->needs & NEEDS_ROOT)
			assert_non_null(c->root_why);
		for (const struct opt *ra = c->opts; !opt_is_end(ra); ra++) {
			const struct opt *a = opt_def(ra);
			char buf[64];
			assert_non_null(a->name);
			assert_true(a->help || a->id != OPT_OPERAND || a->complete != COMPLETE_NONE);
			if (a->complete == COMPLETE_WORDS)
				assert_non_null(opt_words(ra, buf, sizeof(buf)));
			/* a shared row is used, never copied: its name is its own */
			for (size_t k = 0; k < ARRAY_SIZE(shared); k++)
				if (!ra->like && (a->id == shared[k]->id || !strcmp(a->name, shared[k]->name)))
					fail_msg("vlab %s: --%s is a shared row: use it (OPT_LIKE), do not define it again",
						 c->name, a->name);
			/* storage: the union member of its kind, and a set for --format */
			assert_true(ra->store == STORE_NONE || ra->to.flag);
			assert_true((ra->store == STORE_FORMAT) == (a->id == OPT_FORMAT));
			if (ra->store == STORE_FORMAT)
				assert_true(ra->formats & FORMAT_BIT(FORMAT_TEXT));
			for (const struct opt *rb = ra + 1; !opt_is_end(rb); rb++) {
				const struct opt *b = opt_def(rb);
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
	/* -j and --jobs, rows with storage, are stored; the loop gets the rest */
	const char *const jobs[] = { "grade", "-j", "2", "--network", "vlab", "--jobs=3", "--disk=2G", "sub" };
	assert_int_equal(parse(&command_grade, 8, jobs, got, 8), 0);
	assert_int_equal(got[0], OPT_NETWORK);
	assert_int_equal(got[1], OPT_DISK);
	assert_int_equal(got[2], 0);
	const char *const bad_jobs[] = { "grade", "-j", "0" };
	assert_int_equal(parse(&command_grade, 3, bad_jobs, got, 8), -1);
	const char *const unknown[] = { "grade", "--frobnicate" };
	assert_int_equal(parse(&command_grade, 2, unknown, got, 8), -1);
	const char *const no_value[] = { "verify", "--pid" };
	assert_int_equal(parse(&command_verify, 2, no_value, got, 8), -1);
	/* an option of another command is unknown here */
	const char *const foreign[] = { "chapter", "--jobs", "2" };
	assert_int_equal(parse(&command_chapter, 3, foreign, got, 8), -1);
	/* fetch takes its operands in order, as 1; --offline goes to its
	 * storage, not to the loop */
	const char *const in_order[] = { "fetch", "default", "--offline", "x" };
	assert_int_equal(parse(&command_fetch, 4, in_order, got, 8), 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 0);
	/* a row with storage says a bad value itself */
	const char *const bad_int[] = { "grade", "--timeout", "5" };
	assert_int_equal(parse(&command_grade, 3, bad_int, got, 8), -1);
	/* vlab check: --guest-memory reaches the loop as itself; --format is
	 * stored (the loop once took every option but --memory for --format) */
	const char *const check[] = { "check", "strace", "--format", "json", "--guest-memory", "2G", "f" };
	assert_int_equal(parse(&command_check, 7, check, got, 8), 0);
	assert_int_equal(got[0], OPT_GUEST_MEMORY);
	assert_int_equal(got[1], 0);
	/* --memory, its first spelling, is vlab grade's sandbox limit: one
	 * name, one meaning, so vlab check no longer takes it */
	const char *const check_memory[] = { "check", "strace", "--memory", "1G", "f" };
	assert_int_equal(parse(&command_check, 5, check_memory, got, 8), -1);
}

/* stderr of f(), the usage error it says, into text (freed by the caller) */
static char *stderr_of(int (*f)(int, char **), int argc, const char *const *argv, int *status)
{
	char **v = xcalloc((size_t)argc + 1, sizeof(*v));
	for (int i = 0; i < argc; i++)
		v[i] = xstrdup(argv[i]);
	char path[] = "/tmp/test_options.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	fflush(stdout);
	int saved = dup(2), saved_out = dup(1);
	dup2(fd, 2);
	dup2(fd, 1);
	*status = f(argc, v);
	fflush(stderr);
	fflush(stdout);
	dup2(saved, 2);
	dup2(saved_out, 1);
	close(saved);
	close(saved_out);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(path, &sb), 0);
	close(fd);
	unlink(path);
	for (int i = 0; i < argc; i++)
		free(v[i]);
	free(v);
	return sb.buf ? sb.buf : xstrdup("");
}

/* --format's one parser: every command refuses a format it does not print
 * with the same line, listing its own (vlab list --format tap printed
 * nothing and exited 0) */
static void test_format(void **state)
{
	(void)state;
	enum report_format f = FORMAT_TEXT;
	char buf[64];
	assert_string_equal(formats_list(FORMATS_ALL, buf, sizeof(buf), false), "text, json, junit or tap");
	assert_string_equal(formats_list(FORMATS_TEXT_JSON, buf, sizeof(buf), false), "text or json");
	assert_string_equal(formats_list(FORMATS_ALL, buf, sizeof(buf), true), "text json junit tap");
	int status;
	for (const char *const *bad = (const char *const[]){ "tap", "junit", NULL }; *bad; bad++) {
		const char *const argv[] = { "list", "--format", *bad };
		char *err = stderr_of(command_list.run, 3, argv, &status);
		assert_int_equal(status, EXIT_USAGE);
		char want[96];
		snprintf(want, sizeof(want), "vlab: unknown --format '%s' (text or json)\nusage: vlab list ", *bad);
		assert_contains(err, want);
		free(err);
	}
	/* the same line everywhere, with each command's formats */
	const struct {
		const struct command *c;
		const char *formats;
	} each[] = { { &command_list, "text or json" },	      { &command_check, "text or json" },
		     { &command_doctor, "text or json" },     { &command_fetch, "text or json" },
		     { &command_image, "text or json" },      { &command_report, "text or json" },
		     { &command_chapter, "text, json, junit or tap" }, { &command_run, "text, json, junit or tap" },
		     { &command_verify, "text, json, junit or tap" },  { &command_grade, "text, json, junit or tap" } };
	for (size_t i = 0; i < ARRAY_SIZE(each); i++) {
		const struct opt *row = NULL;
		for (const struct opt *o = each[i].c->opts; !opt_is_end(o); o++)
			if (opt_def(o)->id == OPT_FORMAT)
				row = o;
		assert_non_null(row);
		assert_ptr_equal(row->like, &opt_format);
		char help[128], want[128];
		snprintf(want, sizeof(want), "how to print: %s (default text)", each[i].formats);
		assert_string_equal(opt_help(row, help, sizeof(help)), want);
		fflush(stderr);
		int saved = dup(2);
		assert_non_null(freopen("/dev/null", "w", stderr));
		int r = opt_format_parse(each[i].c, row->formats, "xml", &f);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		assert_int_equal(r, EXIT_USAGE);
		assert_int_equal(opt_format_parse(each[i].c, row->formats, "json", &f), 0);
		assert_int_equal(f, FORMAT_JSON);
	}
}

/* command_wants_help over a copy of argv */
static bool wants(const struct command *c, int argc, const char *const *argv)
{
	char **v = xcalloc((size_t)argc + 1, sizeof(*v));
	for (int i = 0; i < argc; i++)
		v[i] = xstrdup(argv[i]);
	bool r = command_wants_help(c, argc, v);
	for (int i = 0; i < argc; i++)
		free(v[i]);
	free(v);
	return r;
}

/* -h and --help ask for help as options only: an option's value is a value
 * (vlab report merge --title -h printed the help, not a title) */
static void test_wants_help(void **state)
{
	(void)state;
	const char *const v1[] = { "report", "merge", "--title", "-h" };
	assert_false(wants(&command_report, 4, v1));
	const char *const v2[] = { "report", "merge", "--title=x", "-h" };
	assert_true(wants(&command_report, 4, v2));
	const char *const v3[] = { "grade", "-j", "-h", "sub" };
	assert_false(wants(&command_grade, 4, v3));
	const char *const v4[] = { "grade", "--out", "--help" };
	assert_false(wants(&command_grade, 3, v4));
	const char *const v5[] = { "grade", "sub", "--help" };
	assert_true(wants(&command_grade, 3, v5));
	const char *const v6[] = { "check", "strace", "--", "-h" };
	assert_false(wants(&command_check, 4, v6));
	const char *const v7[] = { "chapter", "1", "--bogus", "-h" };
	assert_true(wants(&command_chapter, 4, v7));
	/* a prefix of --title, as getopt takes it */
	const char *const v8[] = { "report", "merge", "--tit", "--help" };
	assert_false(wants(&command_report, 4, v8));
	/* argv is read, never permuted */
	char *v[] = { xstrdup("grade"), xstrdup("sub"), xstrdup("-j"), xstrdup("2"), NULL };
	assert_false(command_wants_help(&command_grade, 4, v));
	assert_string_equal(v[1], "sub");
	for (int i = 0; v[i]; i++)
		free(v[i]);
}

static void test_help_layout(void **state)
{
	(void)state;
	for (size_t i = 0; i < ncommands; i++) {
		char *help = help_of(commands[i]);
		char head[256];
		snprintf(head, sizeof(head), "usage: vlab %s ", commands[i]->name);
		assert_true(!strncmp(help, head, strlen(head)));
		for (const struct opt *row = commands[i]->opts; !opt_is_end(row); row++) {
			char buf[512];
			const struct opt *o = opt_def(row);
			if (!opt_help(row, buf, sizeof(buf)))
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
	assert_contains(help, "\n  --format FORMAT         how to print: text or json (default text)\n");
	assert_contains(help, "\n  --stall-timeout SECONDS abort below 1 byte/s");
	assert_contains(help, "\n                          (default $VLAB_MIRROR, else 'mirror URL'");
	assert_contains(help, "The cache is $XDG_CACHE_HOME/vlab");
	/* rows without help (another command's options) are not shown */
	assert_null(strstr(help, "--sha256"));
	free(help);
	/* one shared row, each use with its own default */
	help = help_of(&command_grade);
	assert_contains(help, "\n  --out DIR               where the reports go (default ./vlab-grades)\n");
	free(help);
	help = help_of(&command_report);
	assert_contains(help, "\n  --out DIR               where the reports go (default ./vlab-class)\n");
	free(help);
	help = help_of(&command_kvmhost);
	assert_contains(help, "\n  --boot-timeout SECONDS  how long the guest's boot may take, to its login prompt (default 120)\n");
	free(help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_well_formed),
		cmocka_unit_test(test_parser),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_wants_help),
		cmocka_unit_test(test_help_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
