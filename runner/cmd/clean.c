/* vlab clean; see clean.h. */
#include "runner/cmd/clean.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runner/exit_status.h"
#include "runner/host/ept.h"
#include "runner/run_ledger.h"
#include "runner/rundir.h"

int cmd_clean(int argc, char **argv)
{
	/* --root DIR (not in the usage): the sysfs the EPT restore reads, for
	 * tests on a fake one, as doctor's --root */
	const char *root = "";
	if (argc > 2 && !strcmp(argv[1], "--root")) {
		root = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc > 2) {
		fprintf(stderr, "vlab: unexpected '%s'\nusage: vlab clean [RUN_ID]\n", argv[2]);
		return EXIT_USAGE;
	}
	const char *only = argc > 1 ? argv[1] : NULL;
	/* First the one thing that outlives a run directory: a KVM module that
	 * a SIGKILLed chapter 4 left reloaded with ept/npt off. */
	char ept_msg[512];
	int ept_rc = ept_restore_if_pending(root, ept_msg, sizeof(ept_msg));
	if (ept_rc == 0 || ept_rc == -EALREADY)
		printf("KVM module: %s\n", ept_msg);
	else if (ept_rc < 0)
		fprintf(stderr, "vlab: %s\n", ept_msg);
	struct run *runs;
	size_t n;
	int r = runs_load(&runs, &n);
	if (r) {
		fprintf(stderr, "vlab: cannot read '%s': %s\n", rundir_base(), strerror(-r));
		return EXIT_HOST;
	}
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
		fprintf(stderr, "vlab: no run '%s' in %s (see `vlab status`)\n", only, rundir_base());
		status = EXIT_USAGE;
	} else if (!done) {
		printf("nothing to clean in %s\n", rundir_base());
	}
	runs_release(runs, n);
	if (ept_rc < 0 && ept_rc != -EALREADY && !status)
		status = EXIT_HOST;
	return status;
}
