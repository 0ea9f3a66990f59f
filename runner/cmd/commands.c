/* The command table: every command in the order `vlab help` lists them,
 * and the two commands about the others, help and version. */
#include "runner/cmd/commands.h"

#include <stdio.h>
#include <string.h>

#include "runner/exit_status.h"
#include "runner/util.h"

/* help and version live with the table they print, so that the table's
 * modules depend on it and not it on them */
static const struct opt help_opts[] = {
	{ OPT_OPERAND, "COMMAND", 0, NULL, NULL, COMPLETE_COMMAND, NULL, TO_LOOP },
	{ 0 },
};

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		commands_print_main_help(stdout);
		return EXIT_PASS;
	}
	const struct command *c = command_find(argv[1]);
	if (!c)
		return usage_fail("help [COMMAND]", "no command '%s' (see `vlab help`)", argv[1]);
	command_print_help(stdout, c);
	return EXIT_PASS;
}

const struct command command_help = {
	.name = "help",
	.run = cmd_help,
	.usage = "[COMMAND]",
	.summary = "this help, or a command's",
	.opts = help_opts,
};

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("vlab %s\n", VLAB_VERSION);
	return EXIT_PASS;
}

const struct command command_version = {
	.name = "version",
	.run = cmd_version,
	.usage = "",
	.summary = "print vlab's version",
};


const struct command *const commands[] = {
	&command_chapter, &command_run,	    &command_doctor, &command_check,   &command_verify, &command_grade,
	&command_report,  &command_handout, &command_fetch,  &command_image,   &command_list,   &command_console,
	&command_shell,	  &command_kvmhost, &command_status,  &command_clean,  &command_version, &command_help,
};
const size_t ncommands = ARRAY_SIZE(commands);

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

void commands_print_main_help(FILE *f)
{
	fprintf(f, "usage: vlab COMMAND [options]\n\n"
		   "vlab runs the QEMU/KVM virtualization lab step by step and checks each outcome.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < ncommands; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n`vlab COMMAND --help` tells more. Exit status: 0 all checks passed, 1 a check failed,\n"
		   "2 usage error, 3 the host lacks what is needed or an input is unusable, 4 internal error.\n");
}

