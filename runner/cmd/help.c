/* `vlab help [COMMAND]` and `vlab version`. */
#include "runner/cmd/commands.h"

#include <stdio.h>

#include "runner/exit_status.h"

static const struct opt help_opts[] = {
	{ OPT_OPERAND, "COMMAND", 0, NULL, NULL, COMPLETE_COMMAND, NULL },
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
