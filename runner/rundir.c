/* Run directories. */
#include "runner/rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner/util.h"

const char *rundir_base(void)
{
	static char *base;
	if (base)
		return base;
	const char *env = getenv("VLAB_RUN_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (env && *env)
		base = xstrdup(env);
	else if (geteuid() == 0)
		base = xstrdup("/run/vlab");
	else if (xdg && *xdg)
		base = xasprintf("%s/vlab", xdg);
	else
		base = xasprintf("/tmp/vlab-%u", (unsigned)geteuid());
	return base;
}

int rundir_create(char **run_id, char **path)
{
	const char *base = rundir_base();
	int r = mkdir_p(base, 0700);
	if (r)
		return r;
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	*run_id = xasprintf("%s-%ld", stamp, (long)getpid());
	*path = xasprintf("%s/%s", base, *run_id);
	/* a UNIX socket path must fit sun_path (108 bytes with the NUL) */
	if (strlen(*path) + sizeof("/vm1.serial.sock") > 107) {
		free(*run_id);
		free(*path);
		*run_id = *path = NULL;
		return -ENAMETOOLONG;
	}
	if (mkdir(*path, 0700) < 0) {
		r = -errno;
		free(*run_id);
		free(*path);
		*run_id = *path = NULL;
		return r;
	}
	return 0;
}
