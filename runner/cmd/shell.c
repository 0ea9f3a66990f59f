/* `vlab shell [RUN_ID]`: a shell inside a lab's network namespace. */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/run_ledger.h"
#include "runner/rundir.h"
#include "runner/util.h"

static const struct opt shell_opts[] = {
	{ OPT_OPERAND, "RUN_ID", 0, NULL, NULL, COMPLETE_RUN, NULL },
	{ 0 },
};

static int cmd_shell(int argc, char **argv)
{
	struct opt_parser p;
	opt_parser_init(&p, &command_shell);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0)
		;
	if (c < 0)
		return EXIT_USAGE;
	if (optind + 1 < argc)
		return usage_fail("shell [RUN_ID]", "unexpected '%s'", argv[optind + 1]);
	const char *only = optind < argc ? argv[optind] : NULL;
	struct run *runs;
	size_t n;
	if (runs_load(&runs, &n))
		return say_error(EXIT_HOST, "cannot read '%s'", rundir_base());
	char name[4096], run_id[128];
	bool found = runs_find_netns(runs, n, only, name, sizeof(name), run_id, sizeof(run_id));
	runs_release(runs, n);
	if (!found)
		return say_error(EXIT_HOST, "no lab network namespace is up: start one with `vlab chapter 2 --keep` (as root)");
	char *path = xasprintf("/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return say_error(EXIT_HOST, "cannot enter the network namespace '%s': %s", name, strerror(errno));
	close(fd);
	const char *sh = getenv("SHELL");
	if (!sh || !*sh)
		sh = "/bin/sh";
	fprintf(stderr, "vlab: a shell in the network namespace %s (run %s): the host side is 10.0.0.1 (tap0),\n"
			"the guest 10.0.0.10; try `ping 10.0.0.10` or `curl http://10.0.0.10:8000/`. `exit` leaves.\n",
		name, run_id);
	setenv("VLAB_NETNS", name, 1);
	char *const args[] = { (char *)sh, NULL };
	execvp(sh, args);
	return say_error(EXIT_HOST, "cannot run '%s': %s", sh, strerror(errno));
}

const struct command command_shell = {
	.name = "shell",
	.run = cmd_shell,
	.usage = "[RUN_ID]",
	.summary = "a shell inside the lab's network namespace, to ping and curl the guests",
	.opts = shell_opts,
};
