/* The command table and each command's option table, declared once. From
 * them vlab builds getopt_long's arguments and every --help, and the build
 * generates the man pages (vlab(1), vlab-CMD(1)) and the bash completion
 * (runner/cmd/docgen.c), so the four cannot disagree.
 *
 * A command's loop:
 *
 *	struct opt_parser p;
 *	opt_parser_init(&p, cmd);
 *	int c;
 *	while ((c = opt_next(&p, argc, argv)) > 0)
 *		switch (c) { case OPT_FORMAT: ... }
 *	if (c < 0)
 *		return EXIT_USAGE;   (said already)
 *	... operands are argv[optind..argc) ...
 *
 * Exit statuses and the one usage-error line are runner/engine.h's. */
#ifndef VLAB_CMD_OPTIONS_H
#define VLAB_CMD_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

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
	OPT_HELP,
};

/* One row of --help: an option, or an operand (id OPT_OPERAND). */
struct opt {
	int id;
	const char *name;        /* long name without "--"; an operand's words ("N", "export DIR") */
	char short_name;         /* 'j' for -j, or 0 */
	const char *arg;         /* the value's name ("FORMAT"); NULL: a flag, or an operand */
	const char *help;        /* lines separated by '\n'; the first beside the option; NULL: an
				  * option taken only to say it belongs to another command */
	enum opt_complete complete;
	const char *words;       /* COMPLETE_WORDS: the choices, space-separated */
};

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
 * usage error (an unknown option, a missing value). --help is handled by
 * main before a command runs. */
int opt_next(struct opt_parser *p, int argc, char **argv);

#endif
