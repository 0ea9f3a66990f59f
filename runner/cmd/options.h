/* The command table and each command's option table, declared once. From
 * them vlab builds getopt_long's arguments and every --help, and the build
 * generates the man pages (vlab(1), vlab-CMD(1)) and the bash completion
 * (runner/cmd/docgen.c), so the four cannot disagree.
 *
 * A row may point at where its value goes (TO_FLAG, TO_STRING, TO_INT, and
 * OPT_FORMAT_TO with the formats the command takes), as git's OPT_* rows
 * do: the parser then stores it and says a bad value itself, and the
 * command's loop sees only the rows it handles itself:
 *
 *	static struct list_args { enum report_format format; } args;
 *	static const struct opt list_opts[] = { OPT_FORMAT_TO(&args.format, FORMATS_TEXT_JSON), { 0 } };
 *	...
 *	struct opt_parser p;
 *	opt_parser_init(&p, cmd);
 *	int c;
 *	while ((c = opt_next(&p, argc, argv)) > 0)
 *		switch (c) { case OPT_PID: ... }   (rows without storage)
 *	if (c < 0)
 *		return EXIT_USAGE;   (said already)
 *	... operands are argv[optind..argc) ...
 *
 * The tables are static, for the build's pages and completion, so the
 * storage they point at is too: a command sets its defaults there before
 * it parses (kvmtool's config struct, one per command).
 *
 * Every long option is defined in one row. Options of several commands
 * (--format, --quiet, --image, --manifest, --accel, --root, --mirror,
 * --pid, --socket, --out, --timeout, --boot-timeout) are defined once
 * (options.c) and used by reference (OPT_QUIET_TO, OPT_LIKE and the like):
 * one name, one meaning and one help everywhere; a use may say its own
 * default (.default_text), which --help and the man pages show as
 * "(default X)". An option whose meaning differs between
 * commands gets a name of its own (vlab check's --guest-memory beside vlab
 * grade's --memory; vlab handout's --student-ci beside vlab grade's --ci).
 * scripts/measure-structure holds it: a long option defined in two rows is
 * a finding.
 *
 * Exit statuses and the one usage-error line are runner/engine.h's. */
#ifndef VLAB_CMD_OPTIONS_H
#define VLAB_CMD_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "runner/lab.h"

/* What the shell may complete for an option's value or an operand. */
enum opt_complete {
	COMPLETE_NONE,      /* free text, numbers */
	COMPLETE_FILE,
	COMPLETE_DIR,
	COMPLETE_WORDS,     /* one of opt.words */
	COMPLETE_PROFILE,   /* an image profile's name */
	COMPLETE_STEP,      /* a chapter's step name (--step) */
	COMPLETE_CHAPTER,   /* a chapter number */
	COMPLETE_COMMAND,   /* a command's name (vlab help) */
	COMPLETE_RUN,       /* a run id (vlab status lists them) */
};

/* Every option id a table may use; getopt returns it (a short option's id
 * is its letter). */
enum opt_id {
	OPT_OPERAND = -1, /* a row that documents an operand, not an option */
	OPT_FORMAT = 256,
	OPT_IMAGE,
	OPT_MANIFEST,
	OPT_ACCEL,
	OPT_KEEP,
	OPT_BOOT_TIMEOUT,
	OPT_QUIET,
	OPT_STEP,
	OPT_MANUAL,
	OPT_HOST_NET,
	OPT_DURATION,
	OPT_SECONDS,
	OPT_ALLOW_MODULE_RELOAD,
	OPT_EMULATED_KVM,
	OPT_PID,
	OPT_SOCKET,
	OPT_IPERF_E1000,
	OPT_IPERF_VIRTIO,
	OPT_PROBE,
	OPT_MEMORY,
	OPT_SELF,
	OPT_JOBS,
	OPT_RUBRIC,
	OPT_OUT,
	OPT_TIMEOUT,
	OPT_DISK,
	OPT_SHARD,
	OPT_CI,
	OPT_STUDENT_CI,
	OPT_SUMMARY,
	OPT_TITLE,
	OPT_FORCE,
	OPT_MIRROR,
	OPT_OFFLINE,
	OPT_CHECK,
	OPT_RETRIES,
	OPT_STALL_TIMEOUT,
	OPT_PROFILE,
	OPT_SHA256,
	OPT_RUN,
	OPT_ROOT,
	OPT_CLASS_CI,
	OPT_SHARDS,
	OPT_NETWORK,
	OPT_REFERENCE,
	OPT_GUEST_MEMORY,
	OPT_HELP,
};

/* Where the parser puts a row's value itself (STORE_NONE: getopt's id goes
 * to the command's loop, for an option with handling of its own). */
enum opt_store {
	STORE_NONE,
	STORE_FLAG,    /* to.flag = true */
	STORE_STRING,  /* to.string = the value */
	STORE_INT,     /* to.number = a whole number from min to max */
	STORE_FORMAT,  /* to.format = one of the formats the row allows */
};

/* The formats a command prints, as bits of 1 << enum report_format. */
#define FORMAT_BIT(f) (1u << (f))
#define FORMATS_TEXT_JSON (FORMAT_BIT(FORMAT_TEXT) | FORMAT_BIT(FORMAT_JSON))
#define FORMATS_ALL (FORMATS_TEXT_JSON | FORMAT_BIT(FORMAT_JUNIT) | FORMAT_BIT(FORMAT_TAP))

/* One row of --help: an option, or an operand (id OPT_OPERAND); or a use of
 * a shared row (like), which has the shared row's name, help and
 * completion and its own storage. */
struct opt {
	int id;
	const char *name;        /* long name without "--"; an operand's words ("N", "export DIR") */
	char short_name;         /* 'j' for -j, or 0 */
	const char *arg;         /* the value's name ("FORMAT"); NULL: a flag, or an operand */
	const char *help;        /* lines separated by '\n'; the first beside the option; NULL: an
				  * option taken only to say it belongs to another command */
	enum opt_complete complete;
	const char *words;       /* COMPLETE_WORDS: the choices, space-separated */
	const struct opt *like;  /* a shared row this row uses; NULL: the fields above are this row's */
	bool hidden;             /* a shared row taken, unshown, to say it is another command's */
	enum opt_store store;
	/* the types are the union's members, so a row pointing at the wrong
	 * type does not compile (-Werror=incompatible-pointer-types) */
	union {
		bool *flag;
		const char **string;
		int *number;
		enum report_format *format;
	} to;
	int min, max;            /* STORE_INT: the range */
	const char *unit;        /* STORE_INT: what the number is, for the usage error ("whole seconds") */
	unsigned formats;        /* STORE_FORMAT: the formats this command takes (FORMATS_*) */
	const char *default_text; /* this use's default, shown after the help as "(default X)"; NULL: none said */
};

/* Storage of a row of the command's own (the last fields of a row such as
 * lab_options.c's --keep: ..., TO_FLAG(&lab.keep) };
 * TO_LOOP: none, the command's loop (or, for an operand, the command) reads it */
#define TO_LOOP .store = STORE_NONE
#define TO_FLAG(p) .store = STORE_FLAG, .to = { .flag = (p) }
#define TO_STRING(p) .store = STORE_STRING, .to = { .string = (p) }
#define TO_INT(p, lo, hi, what) .store = STORE_INT, .to = { .number = (p) }, .min = (lo), .max = (hi), .unit = (what)

/* The shared rows (runner/cmd/options.c), each used by reference. */
extern const struct opt opt_format, opt_quiet, opt_image, opt_manifest, opt_accel, opt_root;
extern const struct opt opt_mirror, opt_pid, opt_socket, opt_out, opt_timeout, opt_boot_timeout;
/* A use of shared row `row` with this command's default (NULL: none said)
 * and storage: OPT_LIKE(opt_out, "./vlab-grades", TO_STRING(&gopt.out)) */
#define OPT_LIKE(row, dflt, ...) { .like = &(row), .default_text = (dflt), __VA_ARGS__ }
/* A use taken only to say the option is another command's (no help line):
 * OPT_HIDDEN(opt_quiet, TO_FLAG(&args.quiet)) */
#define OPT_HIDDEN(row, ...) { .like = &(row), .hidden = true, __VA_ARGS__ }
/* --format FORMAT: one of set (FORMATS_*), into *p; its help, the usage
 * error and the completion list the set */
#define OPT_FORMAT_TO(p, set) { .like = &opt_format, .store = STORE_FORMAT, .to = { .format = (p) }, .formats = (set) }
#define OPT_QUIET_TO(p) { .like = &opt_quiet, TO_FLAG(p) }
#define OPT_IMAGE_TO(p) { .like = &opt_image, TO_STRING(p) }
#define OPT_MANIFEST_TO(p) { .like = &opt_manifest, TO_STRING(p) }
#define OPT_ROOT_TO(p) { .like = &opt_root, TO_STRING(p) }
/* --accel auto|kvm|tcg: the command's loop parses it (accel_request_parse) */
#define OPT_ACCEL_ROW { .like = &opt_accel, TO_LOOP }

/* The end of a table: a row with no name that uses no shared row. */
static inline bool opt_is_end(const struct opt *o)
{
	return !o || (!o->name && !o->like);
}

/* What --help, the pages and the completion say of row o: the shared
 * row's fields for a use of one. */
static inline const struct opt *opt_def(const struct opt *o)
{
	return o->like ? o->like : o;
}

/* Row o's help as printed (NULL: not shown); --format's names the
 * command's formats, made in buf. */
const char *opt_help(const struct opt *o, char *buf, size_t n);
/* Row o's completion words (COMPLETE_WORDS); --format's are the command's formats. */
const char *opt_words(const struct opt *o, char *buf, size_t n);
/* The formats of set, for a person ("text, json, junit or tap"; sep " or ")
 * or for the shell ("text json junit tap"; sep NULL), in buf. */
const char *formats_list(unsigned set, char *buf, size_t n, bool for_shell);

/* What a command needs of the host, checked in one place before it runs
 * (command_check_needs()) and printed in its man page. */
enum command_needs {
	NEEDS_ROOT = 1 << 0,     /* refused without root, saying why */
	NEEDS_IMAGE = 1 << 1,    /* a guest image (make image, vlab fetch, vlab image import) */
	NEEDS_NETWORK = 1 << 2,  /* the network, to a course mirror */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);    /* argv[0] is the command's name */
	const char *usage;                    /* after "vlab NAME" */
	const char *summary;
	const struct opt *opts;               /* ends with a row whose name is NULL; NULL: none */
	const char *epilogue;                 /* lines printed after the options, or NULL */
	unsigned needs;                       /* enum command_needs */
	const char *root_why;                 /* NEEDS_ROOT: the one line said without it */
	bool operands_in_order;               /* getopt returns operands as 1, in order ("-") */
	const char *man_name;                 /* the man page's NAME line, when not the summary */
};

/* Every command, in the order `vlab help` lists them (runner/cmd/commands.c). */
extern const struct command *const commands[];
extern const size_t ncommands;

const struct command *command_find(const char *name);
/* The command's --help, exactly as `vlab CMD --help` prints it. */
void command_print_help(FILE *f, const struct command *c);
/* vlab's own --help: every command with its summary. */
void commands_print_main_help(FILE *f);
/* A usage error of command c: "vlab: WHAT" and its usage line; EXIT_USAGE. */
int command_usage_fail(const struct command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0, or EXIT_HOST after saying what the command lacks. */
int command_check_needs(const struct command *c);

/* getopt_long over a command's table. */
struct opt_parser {
	const struct command *cmd;
	struct option longopts[40];
	char shortopts[16];
};
void opt_parser_init(struct opt_parser *p, const struct command *cmd);
/* The next option's id; 0 at the end of the options; -1 after saying a
 * usage error (an unknown option, a missing value, a bad value of a row
 * with storage). Rows with storage are stored, not returned. --help is
 * handled by main before a command runs (command_wants_help). */
int opt_next(struct opt_parser *p, int argc, char **argv);

/* --format's one parser, for every command: s into *f when set allows it;
 * 0, or EXIT_USAGE after the line "unknown --format 'S' (text or json)"
 * and c's usage. */
int opt_format_parse(const struct command *c, unsigned set, const char *s, enum report_format *f);

/* Whether argv (argv[0] the command's name) asks for c's help: -h or
 * --help as an option, found as getopt finds options; an option's value
 * (--title -h) is a value, and after "--" nothing is an option. */
bool command_wants_help(const struct command *c, int argc, char **argv);

#endif
