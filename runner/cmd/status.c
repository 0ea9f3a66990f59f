/* `vlab status`: what vlab has running or left behind, from the run
 * directories' ledgers (runner/run_ledger.h). */
#include "runner/cmd/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/exit_status.h"
#include "runner/run_ledger.h"
#include "runner/rundir.h"
#include "runner/util.h"
#include "runner/files.h"

static int cmd_status(int argc, char **argv)
{
	struct opt_parser parser;
	opt_parser_init(&parser, &command_status);
	int c;
	while ((c = opt_next(&parser, argc, argv)) > 0)
		;
	if (c < 0)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_fail("status", "unexpected '%s'", argv[optind]);
	struct run *runs;
	size_t n;
	int r = runs_load(&runs, &n);
	if (r)
		return say_error(EXIT_HOST, "cannot read '%s': %s", rundir_base(), strerror(-r));
	if (!n)
		printf("nothing: no vlab run is going on or left behind in %s\n", rundir_base());
	for (size_t i = 0; i < n; i++) {
		const struct run *run = &runs[i];
		printf("run %s: %s", run->id, run_state(run));
		if (run->owner_alive)
			printf(" (vlab pid %d)", (int)run->owner);
		printf("\n");
		for (size_t k = 0; k < run->ledger.n; k++) {
			const struct ledger_entry *e = &run->ledger.entries[k];
			switch (e->kind) {
			case LEDGER_PROCESS:
				if (run_process_alive(e->pid, e->start))
					printf("  process %-8d %s\n", (int)e->pid, e->what);
				break;
			case LEDGER_FILE:
			case LEDGER_DIR:
			case LEDGER_TREE:
				if (path_exists(e->path))
					printf("  %-15s %s\n", strstr(e->path, ".sock") ? "socket" : "file", e->path);
				break;
			case LEDGER_NETNS: {
				char *p = xasprintf("/run/netns/%s", e->path);
				if (path_exists(p))
					printf("  netns           %s\n", e->path);
				free(p);
				break;
			}
			case LEDGER_LINK:
				if (ledger_link_is_ours(e))
					printf("  link            %s (host namespace)\n", e->path);
				break;
			case LEDGER_CGROUP:
				if (path_exists(e->path))
					printf("  cgroup          %s\n", e->path);
				break;
			case LEDGER_KVMHOST:
				if (run->live)
					printf("  inside          %s runs in the emulated KVM host, its VMs in there: vlab "
					       "console cannot reach them; Ctrl-C (or vlab clean) ends them all\n",
					       e->what);
				break;
			case LEDGER_OWNER:
			case LEDGER_KEPT:
				break;
			}
		}
	}
	runs_release(runs, n);
	return 0;
}

const struct command command_status = {
	.name = "status",
	.run = cmd_status,
	.usage = "",
	.summary = "what vlab has running or left behind (VMs, sockets, namespaces)",
};
