/* Tracepoint counters over perf_event_open(2). */
#include "runner/host/tracepoint.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runner/util.h"
#include "runner/files.h"

static const char *const default_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

/* A system or event name as tracefs spells them; anything else ("..", "/")
 * would make a path outside events/. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || s[i] == '-' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static void say(char *why, size_t whylen, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void say(char *why, size_t whylen, const char *fmt, ...)
{
	if (!why || !whylen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* The id file of one root: 0, or -ENOENT (events/ there but not this
 * event), -ENOTDIR (no events/ at all: tracefs not mounted there), other
 * read errors. */
static int id_at(const char *root, const char *sys, const char *name, int *id, char *why, size_t whylen)
{
	char *events = xasprintf("%s/events", root);
	struct stat sbuf;
	int e = stat(events, &sbuf) ? errno : 0;
	if (e && e != ENOENT && e != ENOTDIR)
		say(why, whylen, "cannot read %s: %s (tracefs is mounted there, but not for this user)", events,
		    strerror(e));
	free(events);
	if (e == ENOENT || e == ENOTDIR)
		return -ENOTDIR;
	if (e)
		return -e;
	char *path = xasprintf("%s/events/%s/%s/id", root, sys, name);
	struct strbuf sb = STRBUF_INIT;
	int rc = read_file(path, &sb);
	int64_t v = 0;
	if (rc == -ENOENT) {
		say(why, whylen, "no tracepoint %s:%s in %s/events (is the %s module loaded?)", sys, name, root, sys);
	} else if (rc) {
		say(why, whylen, "cannot read %s: %s", path, strerror(-rc));
	} else if (sb.buf && parse_i64(rtrim(sb.buf), 1, INT32_MAX, &v) == 0) {
		*id = (int)v;
	} else {
		rc = -EINVAL;
		say(why, whylen, "%s holds '%s', not a tracepoint id", path, sb_str(&sb));
	}
	sb_release(&sb);
	free(path);
	return rc;
}

int tp_event_id(const char *tracefs_root, const char *event, int *id, char *why, size_t whylen)
{
	const char *colon = strchr(event, ':');
	if (!colon || !name_ok(event, (size_t)(colon - event)) || !name_ok(colon + 1, strlen(colon + 1))) {
		say(why, whylen, "'%s' is not a tracepoint name (system:event)", event);
		return -EINVAL;
	}
	char sys[64];
	snprintf(sys, sizeof(sys), "%.*s", (int)(colon - event), event);
	const char *name = colon + 1;
	const char *const *roots = tracefs_root ? &tracefs_root : default_roots;
	size_t nroots = tracefs_root ? 1 : ARRAY_SIZE(default_roots);
	for (size_t i = 0; i < nroots; i++) {
		int rc = id_at(roots[i], sys, name, id, why, whylen);
		if (rc != -ENOTDIR)
			return rc;
	}
	/* vlab does not mount it: that changes the host, and needs root */
	if (tracefs_root)
		say(why, whylen, "no tracefs at %s (no events/ there)", tracefs_root);
	else
		say(why, whylen, "tracefs is not mounted (neither /sys/kernel/tracing/events nor "
				 "/sys/kernel/debug/tracing/events exists; `mount -t tracefs tracefs /sys/kernel/tracing`)");
	return -ENOENT;
}

static int perf_paranoid(void)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t v = 99;
	if (read_file("/proc/sys/kernel/perf_event_paranoid", &sb) || !sb.buf ||
	    parse_i64(rtrim(sb.buf), -1, 4, &v))
		v = 99;
	sb_release(&sb);
	return (int)v;
}

static int open_one(struct tp_counter *c, pid_t tid)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (uint64_t)c->id;
	/* counting only: no sample_period, no ring buffer; started by
	 * tp_enable so only the code between enable and disable counts.
	 * Tracepoints fire in the kernel, so exclude_kernel stays 0. */
	attr.disabled = 1;
	long fd = syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == EACCES || e == EPERM) {
			int p = perf_paranoid();
			if (p != 99)
				snprintf(c->why, sizeof(c->why),
					 "perf_event_open(%s) refused: %s (kernel.perf_event_paranoid is %d; "
					 "counting kernel tracepoints needs root or CAP_PERFMON)",
					 c->event, strerror(e), p);
			else
				snprintf(c->why, sizeof(c->why), "perf_event_open(%s) refused: %s", c->event, strerror(e));
		} else if (e == ENOSYS) {
			snprintf(c->why, sizeof(c->why), "perf_event_open: this kernel has no perf events (%s)",
				 strerror(e));
		} else {
			snprintf(c->why, sizeof(c->why), "perf_event_open(%s, tid %d): %s", c->event, (int)tid,
				 strerror(e));
		}
		return -e;
	}
	c->fds = xrealloc(c->fds, sizeof(int) * (size_t)(c->nfds + 1));
	c->fds[c->nfds++] = (int)fd;
	return 0;
}

static int open_threads(struct tp_counter *c, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d) {
		int e = errno;
		snprintf(c->why, sizeof(c->why), "cannot list the threads of pid %d: %s", (int)pid, strerror(e));
		return e == ENOENT ? -ESRCH : -e;
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		int64_t tid;
		if (parse_i64(de->d_name, 1, INT32_MAX, &tid))
			continue; /* "." and ".." */
		rc = open_one(c, (pid_t)tid);
		/* a thread that exited between readdir and the open is not an error */
		if (rc == -ESRCH) {
			rc = 0;
			c->why[0] = '\0';
			continue;
		}
		if (rc)
			break;
	}
	closedir(d);
	if (!rc && c->nfds == 0) {
		snprintf(c->why, sizeof(c->why), "pid %d has no threads left", (int)pid);
		rc = -ESRCH;
	}
	return rc;
}

int tp_open(struct tp_counter *c, const char *tracefs_root, const char *event, pid_t pid, unsigned flags)
{
	tp_close(c);
	snprintf(c->event, sizeof(c->event), "%s", event);
	c->why[0] = '\0';
	int rc = tp_event_id(tracefs_root, event, &c->id, c->why, sizeof(c->why));
	if (rc)
		return rc;
	if ((flags & TP_ALL_THREADS) && pid > 0)
		rc = open_threads(c, pid);
	else
		rc = open_one(c, pid);
	if (rc) {
		char why[sizeof(c->why)];
		memcpy(why, c->why, sizeof(why));
		tp_close(c);
		memcpy(c->why, why, sizeof(why));
	}
	return rc;
}

static int each_ioctl(struct tp_counter *c, unsigned long req)
{
	if (!c->nfds)
		return -EBADF;
	for (int i = 0; i < c->nfds; i++)
		if (ioctl(c->fds[i], req, 0) < 0)
			return -errno;
	return 0;
}

int tp_enable(struct tp_counter *c)
{
	return each_ioctl(c, PERF_EVENT_IOC_ENABLE);
}

int tp_disable(struct tp_counter *c)
{
	return each_ioctl(c, PERF_EVENT_IOC_DISABLE);
}

int tp_reset(struct tp_counter *c)
{
	return each_ioctl(c, PERF_EVENT_IOC_RESET);
}

int tp_set_filter(struct tp_counter *c, const char *filter)
{
	if (!c->nfds)
		return -EBADF;
	for (int i = 0; i < c->nfds; i++)
		if (ioctl(c->fds[i], PERF_EVENT_IOC_SET_FILTER, filter) < 0) {
			int e = errno;
			snprintf(c->why, sizeof(c->why), "the kernel refuses the filter '%s' on %s: %s", filter,
				 c->event, strerror(e));
			return -e;
		}
	return 0;
}

int tp_read(const struct tp_counter *c, uint64_t *count)
{
	*count = 0;
	if (!c->nfds)
		return -EBADF;
	for (int i = 0; i < c->nfds; i++) {
		/* read_format 0: the value alone, one u64 (perf_event_open(2)) */
		uint64_t v;
		ssize_t n = read(c->fds[i], &v, sizeof(v));
		if (n < 0)
			return -errno;
		if (n != (ssize_t)sizeof(v))
			return -EIO;
		*count += v;
	}
	return 0;
}

void tp_close(struct tp_counter *c)
{
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	free(c->fds);
	c->fds = NULL;
	c->nfds = 0;
	c->id = 0;
	c->why[0] = '\0';
}
