/* The jail's first process; see sandbox_init.h. It holds nothing of the
 * grader's: no fd but the status pipe, no privilege the jail did not keep. */
#include "runner/grade/sandbox_init.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/util.h"

int sandbox_init_main(int argc, char **argv)
{
	int64_t fd;
	if (argc != 4 || parse_i64(argv[2], 3, 1023, &fd)) {
		error_line("--sandbox-init is vlab grade's own (STATUS_FD SCRIPT)");
		return 125;
	}
	pid_t script = fork();
	if (script < 0)
		return 125;
	if (script == 0) {
		close((int)fd);
		char *args[] = { argv[3], NULL };
		execv(argv[3], args);
		int e = errno;
		dprintf(2, "vlab: cannot run %s: %s\n", argv[3], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p == script) {
			if (write((int)fd, &st, sizeof(st)) < 0)
				_exit(1);
		} else if (p < 0 && errno == ECHILD) {
			pause();  /* until the worker ends the sandbox */
		}
	}
}
