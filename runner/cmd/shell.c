/* vlab shell; see shell.h. */
#include "runner/cmd/shell.h"

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

int cmd_shell(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "vlab: unexpected '%s'\nusage: vlab shell [RUN_ID]\n", argv[2]);
		return EXIT_USAGE;
	}
	const char *only = argc > 1 ? argv[1] : NULL;
	struct run *runs;
	size_t n;
	if (runs_load(&runs, &n)) {
		fprintf(stderr, "vlab: cannot read '%s'\n", rundir_base());
		return EXIT_HOST;
	}
	char name[4096], run_id[128];
	bool found = runs_find_netns(runs, n, only, name, sizeof(name), run_id, sizeof(run_id));
	runs_release(runs, n);
	if (!found) {
		fprintf(stderr, "vlab: no lab network namespace is up: start one with `vlab chapter 2 --keep` (as root)\n");
		return EXIT_HOST;
	}
	char *path = xasprintf("/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vlab: cannot enter the network namespace '%s': %s\n", name, strerror(errno));
		return EXIT_HOST;
	}
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
	fprintf(stderr, "vlab: cannot run '%s': %s\n", sh, strerror(errno));
	return EXIT_HOST;
}
