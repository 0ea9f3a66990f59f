/* `vlab console [VM]`: this terminal on a VM's serial console, in raw
 * mode (runner/vm/attach.h); Ctrl-] detaches. */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/rundir.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/vm/attach.h"

static const struct opt console_opts[] = {
	{ OPT_OPERAND, "VM", 0, NULL, NULL, COMPLETE_WORDS, "vm1 vm2" },
	{ OPT_RUN, "run", 0, "RUN_ID", "the run whose VM (default: the live run, else the newest)", COMPLETE_RUN, NULL },
	{ 0 },
};

static int cmd_console(int argc, char **argv)
{
	const char *vm = "vm1", *run_id = NULL;
	struct opt_parser p;
	opt_parser_init(&p, &command_console);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0)
		if (c == OPT_RUN)
			run_id = optarg;
	if (c < 0)
		return EXIT_USAGE;
	/* the last VM named wins, as it always did */
	for (int i = optind; i < argc; i++)
		vm = argv[i];
	char path[4096];
	if (attach_find_socket(vm, run_id, path, sizeof(path)))
		return say_error(EXIT_HOST, "no console of '%s' in %s: start a lab with `vlab chapter 1 --keep` or `--manual`",
			vm, rundir_base());
	int fd;
	int r = unix_connect_retry(path, 0, 2000, &fd);
	if (r)
		return say_error(EXIT_HOST, "cannot connect to '%s': %s", path, strerror(-r));
	error_line("connected to %s (%s); press Ctrl-] to detach\r", vm, path);
	r = attach_terminal(fd);
	close(fd);
	if (r == -EPIPE)
		fprintf(stderr, "\nvlab: the console closed (the VM stopped?)\n");
	else
		fprintf(stderr, "\nvlab: detached from %s\n", vm);
	return r == -EPIPE ? EXIT_HOST : 0;
}

const struct command command_console = {
	.name = "console",
	.run = cmd_console,
	.usage = "[VM] [--run RUN_ID]",
	.summary = "attach this terminal to a VM's serial console (Ctrl-] detaches)",
	.opts = console_opts,
};
