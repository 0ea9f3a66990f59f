/* `vlab clean [RUN_ID]`: removes what a killed or --keep vlab left behind,
 * only what its ledgers recorded (runner/run_ledger.h). */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runner/exit_status.h"
#include "runner/host/ept.h"
#include "runner/run_ledger.h"
#include "runner/rundir.h"

/* Where --root goes (cmd_clean sets the default first). */
static const char *clean_root;

static const struct opt clean_opts[] = {
	{ OPT_OPERAND, "RUN_ID", 0, NULL, NULL, COMPLETE_RUN, NULL, TO_LOOP },
	OPT_ROOT_TO(&clean_root),
	{ 0 },
};

static int cmd_clean(int argc, char **argv)
{
	clean_root = "";
	struct opt_parser p;
	opt_parser_init(&p, &command_clean);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0)
		;
	if (c < 0)
		return EXIT_USAGE;
	const char *root = clean_root;
	if (optind + 1 < argc)
		return usage_fail("clean [RUN_ID]", "unexpected '%s'", argv[optind + 1]);
	const char *only = optind < argc ? argv[optind] : NULL;
	/* First the one thing that outlives a run directory: a KVM module that
	 * a SIGKILLed chapter 4 left reloaded with ept/npt off. */
	char ept_msg[512];
	int ept_rc = ept_restore_if_pending(root, ept_msg, sizeof(ept_msg));
	if (ept_rc == 0 || ept_rc == -EALREADY)
		printf("KVM module: %s\n", ept_msg);
	else if (ept_rc < 0)
		error_line("%s", ept_msg);
	struct run *runs;
	size_t n;
	int r = runs_load(&runs, &n);
	if (r)
		return say_error(EXIT_HOST, "cannot read '%s': %s", rundir_base(), strerror(-r));
	int status = 0;
	size_t done = 0;
	bool found = !only;
	for (size_t i = 0; i < n; i++) {
		const struct run *run = &runs[i];
		if (only && strcmp(run->id, only))
			continue;
		found = true;
		if (run->owner_alive) {
			printf("run %s is still running (vlab pid %d): stop it with Ctrl-C or `kill %d`\n", run->id,
			       (int)run->owner, (int)run->owner);
			continue;
		}
		printf("run %s (%s):\n", run->id, run_state(run));
		if (run_clean(run, true) == 0)
			printf("  nothing left to remove\n");
		done++;
	}
	if (!found) {
		error_line("no run '%s' in %s (see `vlab status`)", only, rundir_base());
		status = EXIT_USAGE;
	} else if (!done) {
		printf("nothing to clean in %s\n", rundir_base());
	}
	runs_release(runs, n);
	if (ept_rc < 0 && ept_rc != -EALREADY && !status)
		status = EXIT_HOST;
	return status;
}

const struct command command_clean = {
	.name = "clean",
	.run = cmd_clean,
	.usage = "[RUN_ID]",
	.summary = "remove what a killed or --keep vlab left behind (only what it recorded)",
	.opts = clean_opts,
};
