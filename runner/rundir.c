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
#include "runner/files.h"

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

int rundir_create_at(const char *base, const char *prefix, mode_t mode, time_t when, pid_t pid, char **run_id,
		     char **path)
{
	/* the counter a process used last in a second: the next run of the
	 * same second starts past it instead of walking every taken name */
	static time_t last_when;
	static pid_t last_pid;
	static unsigned next;
	if (when != last_when || pid != last_pid) {
		last_when = when;
		last_pid = pid;
		next = 0;
	}
	struct tm tm;
	if (!localtime_r(&when, &tm))
		return -EINVAL;
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	*run_id = *path = NULL;
	for (; next < RUN_ID_TRIES; next++) {
		char *id = xasprintf("%s-%07ld-%03u", stamp, (long)pid, next);
		char *p = xasprintf("%s/%s%s", base, prefix, id);
		/* a UNIX socket path must fit sun_path (108 bytes with the NUL) */
		if (strlen(p) + sizeof("/vm1.serial.sock") > 107) {
			free(id);
			free(p);
			return -ENAMETOOLONG;
		}
		if (mkdir(p, mode) == 0) {
			next++;
			*run_id = id;
			*path = p;
			return 0;
		}
		int e = errno;
		free(id);
		free(p);
		if (e != EEXIST)
			return -e;
	}
	return -EEXIST;
}

int rundir_create(char **run_id, char **path)
{
	const char *base = rundir_base();
	int r = mkdir_p(base, 0700);
	if (r)
		return r;
	time_t when = time(NULL);
	const char *pinned = getenv("VLAB_TEST_RUN_CLOCK");
	int64_t t;
	if (pinned && *pinned && parse_i64(pinned, 0, INT64_MAX / 2, &t) == 0)
		when = (time_t)t;
	return rundir_create_at(base, "", 0700, when, getpid(), run_id, path);
}
