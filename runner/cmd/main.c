/* vlab's entry: the shims' names and the sandbox's first process first,
 * then a command from the command table (runner/cmd/commands.c). Every
 * command's --help comes from its table here, before the command runs;
 * what a command needs of the host is checked here too, in one place. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner/cleanup.h"
#include "runner/cmd/commands.h"
#include "runner/exit_status.h"
#include "runner/grade/sandbox_init.h"
#include "runner/grade/shim.h"
#include "runner/vm/kvmhost.h"

static bool wants_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/* A report that did not reach standard output (a full disk, a closed
 * file) is a report not written: the command fails (exit 4), saying so.
 * A reader that went away early (`vlab list | head`) is not an error. */
static int stdout_flushed(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (errno == EPIPE)
		return status;
	error_line("cannot write the output to standard output: %s", strerror(errno));
	return status >= 128 ? status : EXIT_INTERNAL; /* a stop keeps its own */
}

int main(int argc, char **argv)
{
	/* vlab under a shim's name, on a graded script's PATH (runner/grade/shim.h) */
	const char *shim;
	if (argc >= 1 && shim_name(argv[0], &shim))
		return !strcmp(shim, SHIM_QEMU_NAME)   ? shim_qemu_main(argc, argv)
		       : !strcmp(shim, SHIM_SUDO_NAME) ? shim_sudo_main(argc, argv)
						       : shim_net_main(argc, argv);
	/* the first process of vlab's inside a grading sandbox (sandbox.h) */
	if (argc >= 2 && !strcmp(argv[1], "--sandbox-init"))
		return sandbox_init_main(argc, argv);
	/* vlab's agent inside the emulated KVM host (runner/vm/kvmhost.h) */
	if (argc >= 2 && !strcmp(argv[1], "--kvmhost-agent"))
		return kvmhost_agent_main(argc, argv);
	if (argc < 2) {
		commands_print_main_help(stderr);
		return EXIT_USAGE;
	}
	if (wants_help(argv[1])) {
		commands_print_main_help(stdout);
		return EXIT_PASS;
	}
	if (!strcmp(argv[1], "--version"))
		return command_version.run(1, argv);
	/* names match exactly: no prefixes (iproute2 regretted them) */
	const struct command *c = command_find(argv[1]);
	if (!c)
		return say_error(EXIT_USAGE, "no command '%s' (see `vlab --help`)", argv[1]);
	/* as the command will read its options: `--title -h` is a title */
	if (command_wants_help(c, argc - 1, argv + 1)) {
		command_print_help(stdout, c);
		return EXIT_PASS;
	}
	int r = command_check_needs(c);
	if (r)
		return r;
	cleanup_install_signal_handlers();
	r = c->run(argc - 1, argv + 1);
	cleanup_run_all();
	return stdout_flushed(r);
}
