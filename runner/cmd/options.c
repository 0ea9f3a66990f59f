/* Option tables into getopt_long's arguments and --help (runner/cmd/options.h). */
#include "runner/cmd/options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/util.h"

/* "  --format FORMAT", "  -j, --jobs N", "  N": the left column of a row. */
static void opt_left(const struct opt *o, char *out, size_t n)
{
	if (o->id == OPT_OPERAND)
		snprintf(out, n, "%s", o->name);
	else if (o->short_name)
		snprintf(out, n, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(out, n, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void command_print_help(FILE *f, const struct command *c)
{
	fprintf(f, "usage: vlab %s %s\n%s\n", c->name, c->usage, c->summary);
	bool any = false;
	for (const struct opt *o = c->opts; o && o->name; o++) {
		if (!o->help)
			continue;
		if (!any)
			fprintf(f, "\noptions:\n");
		any = true;
		char left[64];
		opt_left(o, left, sizeof(left));
		/* the help starts in column 27, or a space after a long left */
		const char *line = o->help;
		size_t len = strcspn(line, "\n");
		fprintf(f, "  %-23s %.*s\n", left, (int)len, line);
		while (line[len] == '\n') {
			line += len + 1;
			len = strcspn(line, "\n");
			fprintf(f, "%26s%.*s\n", "", (int)len, line);
		}
	}
	if (c->epilogue)
		fputs(c->epilogue, f);
}

int command_usage_fail(const struct command *c, const char *fmt, ...)
{
	char usage[512];
	snprintf(usage, sizeof(usage), "%s%s%s", c->name, c->usage[0] ? " " : "", c->usage);
	va_list ap;
	va_start(ap, fmt);
	int r = usage_vfail(usage, fmt, ap);
	va_end(ap);
	return r;
}

int command_check_needs(const struct command *c)
{
	if ((c->needs & NEEDS_ROOT) && geteuid() != 0)
		return say_error(EXIT_HOST, "%s", c->root_why);
	return 0;
}

void opt_parser_init(struct opt_parser *p, const struct command *cmd)
{
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	size_t n = 0, s = 0;
	if (cmd->operands_in_order)
		p->shortopts[s++] = '-';
	p->shortopts[s++] = ':';
	for (const struct opt *o = cmd->opts; o && o->name; o++) {
		if (o->id == OPT_OPERAND)
			continue;
		if (n + 2 >= ARRAY_SIZE(p->longopts) || s + 3 >= sizeof(p->shortopts)) {
			/* a table larger than the parser: test_options catches it */
			error_line("the option table of 'vlab %s' is too long", cmd->name);
			abort();
		}
		p->longopts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, o->id };
		if (o->short_name) {
			p->shortopts[s++] = o->short_name;
			if (o->arg)
				p->shortopts[s++] = ':';
		}
	}
	p->longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	/* 0, not 1: glibc's getopt then reads shortopts' leading '-' afresh
	 * (it keeps the ordering mode from its first call otherwise) */
	optind = 0;
	opterr = 0;
}

int opt_next(struct opt_parser *p, int argc, char **argv)
{
	int c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL);
	switch (c) {
	case -1:
		return 0;
	case ':':
		command_usage_fail(p->cmd, "option '%s' needs a value", argv[optind - 1]);
		return -1;
	case '?':
		command_usage_fail(p->cmd, "unknown option '%s'", argv[optind - 1]);
		return -1;
	default:
		/* -j is --jobs: the row's id, whichever way it was written */
		for (const struct opt *o = p->cmd->opts; o && o->name && c < 256; o++)
			if (o->short_name == c && o->id != OPT_OPERAND)
				return o->id;
		return c;
	}
}
