/* Option tables into getopt_long's arguments and --help (runner/cmd/options.h). */
#include "runner/cmd/options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/util.h"

/* The rows of several commands, each defined once (options.h). */
const struct opt opt_format = { OPT_FORMAT, "format", 0, "FORMAT", NULL, COMPLETE_WORDS, NULL, TO_LOOP };
const struct opt opt_quiet = { OPT_QUIET, "quiet", 'q', NULL, "no progress lines: only the checks or results",
			       COMPLETE_NONE, NULL, TO_LOOP };
const struct opt opt_image = { OPT_IMAGE, "image", 0, "PROFILE",
			       "the guest image profile (default 'default'; vlab fetch and vlab image add more)",
			       COMPLETE_PROFILE, NULL, TO_LOOP };
const struct opt opt_manifest = { OPT_MANIFEST, "manifest", 0, "FILE",
				  "extra image profiles (their files in DIR/PROFILE/ beside FILE)", COMPLETE_FILE, NULL, TO_LOOP };
const struct opt opt_accel = { OPT_ACCEL, "accel", 0, "auto|kvm|tcg",
			       "the accelerator qemu gets (auto: KVM only where a standard guest runs on it)",
			       COMPLETE_WORDS, "auto kvm tcg", TO_LOOP };
const struct opt opt_root = { OPT_ROOT, "root", 0, "DIR",
			      "read /sys, /proc and /dev under DIR, not / (a saved or fake host, for tests)", COMPLETE_DIR,
			      NULL, TO_LOOP };

/* --mirror: the course's image mirror, where vlab fetch fetches from and
 * where the CI files vlab handout writes fetch from */
const struct opt opt_mirror = { OPT_MIRROR, "mirror", 0, "URL", "the course's image mirror (http://, https://, file://)",
				COMPLETE_NONE, NULL, TO_LOOP };
/* --pid: the qemu a command works on, by process id (console, shell, verify) */
const struct opt opt_pid = { OPT_PID, "pid", 0, "PID",
			     "the qemu to work on, by its process id\n(a lab you built by hand, or one of several)",
			     COMPLETE_NONE, NULL, TO_LOOP };
/* --socket: that qemu's serial socket (console, verify) */
const struct opt opt_socket = { OPT_SOCKET, "socket", 0, "PATH", "the qemu's serial socket, as you name it",
				COMPLETE_FILE, NULL, TO_LOOP };
/* --out: where a command writes its reports (grade's, report merge's) */
const struct opt opt_out = { OPT_OUT, "out", 0, "DIR", "where the reports go", COMPLETE_DIR, NULL, TO_LOOP };
/* --timeout: one meaning, the wall time in seconds the work a command runs
 * may take before it is stopped: vlab grade's submission in its sandbox,
 * vlab kvmhost's command in the emulated host (sent SIGTERM). The two were
 * worded apart but limit the same thing, the work vlab was asked to run;
 * each use says its default. */
const struct opt opt_timeout = { OPT_TIMEOUT, "timeout", 0, "SECONDS",
				 "the wall time the work it runs may take before it is stopped", COMPLETE_NONE, NULL,
				 TO_LOOP };
/* --boot-timeout: how long a guest's boot may take (chapter, run, kvmhost) */
const struct opt opt_boot_timeout = { OPT_BOOT_TIMEOUT, "boot-timeout", 0, "SECONDS",
				      "how long the guest's boot may take, to its login prompt", COMPLETE_NONE, NULL,
				      TO_LOOP };

static const char *const format_names[] = { [FORMAT_TEXT] = "text", [FORMAT_JSON] = "json",
					    [FORMAT_JUNIT] = "junit", [FORMAT_TAP] = "tap" };

const char *formats_list(unsigned set, char *buf, size_t n, bool for_shell)
{
	size_t len = 0, left = 0;
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
		left += (set & FORMAT_BIT(i)) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(format_names) && len < n; i++) {
		if (!(set & FORMAT_BIT(i)))
			continue;
		left--;
		const char *sep = !len ? "" : for_shell ? " " : left ? ", " : " or ";
		len += (size_t)snprintf(buf + len, n - len, "%s%s", sep, format_names[i]);
	}
	return buf;
}

const char *opt_help(const struct opt *o, char *buf, size_t n)
{
	if (o->hidden)
		return NULL;
	if (o->store == STORE_FORMAT) {
		char list[64];
		snprintf(buf, n, "how to print: %s (default text)", formats_list(o->formats, list, sizeof(list), false));
		return buf;
	}
	const char *help = opt_def(o)->help;
	const char *dflt = o->default_text ? o->default_text : opt_def(o)->default_text;
	if (!help || !dflt)
		return help;
	/* beside the help's last line, or on a line of its own when that
	 * would run past the others (column 27 + 70) */
	const char *last = strrchr(help, '\n');
	size_t width = strlen(last ? last + 1 : help) + strlen(" (default ") + strcspn(dflt, "\n") + 1;
	snprintf(buf, n, "%s%s(default %s)", help, width > 70 ? "\n" : " ", dflt);
	return buf;
}

const char *opt_words(const struct opt *o, char *buf, size_t n)
{
	return o->store == STORE_FORMAT ? formats_list(o->formats, buf, n, true) : opt_def(o)->words;
}

int opt_format_parse(const struct command *c, unsigned set, const char *s, enum report_format *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++) {
		if ((set & FORMAT_BIT(i)) && !strcmp(s, format_names[i])) {
			*f = (enum report_format)i;
			return 0;
		}
	}
	char list[64];
	return command_usage_fail(c, "unknown --format '%s' (%s)", s, formats_list(set, list, sizeof(list), false));
}

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
	for (const struct opt *o = c->opts; !opt_is_end(o); o++) {
		char buf[512];
		const char *help = opt_help(o, buf, sizeof(buf));
		if (!help)
			continue;
		if (!any)
			fprintf(f, "\noptions:\n");
		any = true;
		char left[64];
		opt_left(opt_def(o), left, sizeof(left));
		/* the help starts in column 27, or a space after a long left */
		const char *line = help;
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
	for (const struct opt *row = cmd->opts; !opt_is_end(row); row++) {
		const struct opt *o = opt_def(row);
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

/* The row of getopt's answer c (an id, or a short option's letter). */
static const struct opt *row_of(const struct command *cmd, int c)
{
	for (const struct opt *o = cmd->opts; !opt_is_end(o); o++) {
		const struct opt *d = opt_def(o);
		if (d->id != OPT_OPERAND && (d->id == c || (c < 256 && d->short_name == c)))
			return o;
	}
	return NULL;
}

/* optarg into the storage row o points at: 0, or -1 after the usage error. */
static int store(const struct command *cmd, const struct opt *o)
{
	int64_t v;
	switch (o->store) {
	case STORE_FLAG:
		*o->to.flag = true;
		return 0;
	case STORE_STRING:
		*o->to.string = optarg;
		return 0;
	case STORE_INT:
		if (parse_i64(optarg, o->min, o->max, &v)) {
			command_usage_fail(cmd, "--%s takes %s from %d to %d, not '%s'", opt_def(o)->name, o->unit, o->min,
					   o->max, optarg);
			return -1;
		}
		*o->to.number = (int)v;
		return 0;
	case STORE_FORMAT:
		return opt_format_parse(cmd, o->formats, optarg, o->to.format) ? -1 : 0;
	case STORE_NONE:
		break;
	}
	return 0;
}

int opt_next(struct opt_parser *p, int argc, char **argv)
{
	for (;;) {
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
		case 1: /* an operand, in order */
			return c;
		}
		/* -j is --jobs: the row's id, whichever way it was written */
		const struct opt *o = row_of(p->cmd, c);
		if (!o || o->store == STORE_NONE)
			return o ? opt_def(o)->id : c;
		if (store(p->cmd, o))
			return -1;
	}
}

bool command_wants_help(const struct command *c, int argc, char **argv)
{
	struct opt_parser p;
	opt_parser_init(&p, c);
	size_t n = 0, s = strlen(p.shortopts);
	while (p.longopts[n].name)
		n++;
	/* the table's options and --help, parsed as the command will parse
	 * them: what follows an option that takes a value is its value */
	p.longopts[n] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	p.longopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	p.shortopts[s] = 'h';
	/* on a copy: getopt permutes the array it reads */
	char **v = xcalloc((size_t)argc + 1, sizeof(*v));
	memcpy(v, argv, (size_t)argc * sizeof(*v));
	int r;
	bool help = false;
	while (!help && (r = getopt_long(argc, v, p.shortopts, p.longopts, NULL)) != -1)
		help = r == OPT_HELP || r == 'h';
	free(v);
	optind = 0;
	return help;
}
