/* vlab console; see console.h. */
#include "runner/cmd/console.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/rundir.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/vm/attach.h"

int cmd_console(int argc, char **argv)
{
	const char *vm = "vm1", *run_id = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--run") && i + 1 < argc) {
			run_id = argv[++i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "vlab: unknown option '%s'\nusage: vlab console [VM] [--run RUN_ID]\n", argv[i]);
			return EXIT_USAGE;
		} else {
			vm = argv[i];
		}
	}
	char path[4096];
	if (attach_find_socket(vm, run_id, path, sizeof(path))) {
		fprintf(stderr, "vlab: no console of '%s' in %s: start a lab with `vlab chapter 1 --keep` or `--manual`\n",
			vm, rundir_base());
		return EXIT_HOST;
	}
	int fd;
	int r = unix_connect_retry(path, 0, 2000, &fd);
	if (r) {
		fprintf(stderr, "vlab: cannot connect to '%s': %s\n", path, strerror(-r));
		return EXIT_HOST;
	}
	fprintf(stderr, "vlab: connected to %s (%s); press Ctrl-] to detach\r\n", vm, path);
	r = attach_terminal(fd);
	close(fd);
	if (r == -EPIPE)
		fprintf(stderr, "\nvlab: the console closed (the VM stopped?)\n");
	else
		fprintf(stderr, "\nvlab: detached from %s\n", vm);
	return r == -EPIPE ? EXIT_HOST : 0;
}
