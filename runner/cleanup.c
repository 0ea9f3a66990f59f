/* The cleanup registry; see cleanup.h for the state machine. */
#include "runner/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks/procfs_parse.h"
#include "runner/util.h"

#define MAX_RESOURCES 256

/* Fixed storage, no pointers into the heap for what the handler reads, so the
 * emergency path never touches malloc'd memory that may be half-updated. */
struct resource {
	volatile sig_atomic_t live;
	enum resource_kind kind;
	pid_t pid;
	char path[PATH_MAX];
	char what[64];
	cleanup_fn fn;
	void *arg;
};

static struct resource resources[MAX_RESOURCES];
static volatile sig_atomic_t nresources;
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t in_emergency;
static char ledger_path[PATH_MAX];

static void ledger_append(const char *line)
{
	if (!ledger_path[0])
		return;
	int fd = open(ledger_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ssize_t r = write(fd, line, strlen(line));
	(void)r;
	close(fd);
}

unsigned long long proc_start_time(pid_t pid);

void cleanup_set_ledger(const char *path)
{
	if (!path) {
		ledger_path[0] = '\0';
		return;
	}
	snprintf(ledger_path, sizeof(ledger_path), "%s", path);
	char *line = xasprintf("owner %d %llu\n", (int)getpid(), proc_start_time(getpid()));
	ledger_append(line);
	free(line);
}

void cleanup_ledger_note(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	sb_adds(&sb, "\n");
	ledger_append(sb.buf);
	sb_release(&sb);
}

static int add(enum resource_kind kind)
{
	if (nresources >= MAX_RESOURCES)
		return -ENOSPC;
	int h = nresources;
	memset(&resources[h], 0, sizeof(resources[h]));
	resources[h].kind = kind;
	return h;
}

/* Mark live only after the fields are filled, so the handler sees whole entries. */
static void publish(int h)
{
	resources[h].live = 1;
	nresources = h + 1;
}

/* A process's start time (field 22 of /proc/PID/stat): with the pid it names
 * the process exactly, so `vlab clean` never kills a recycled pid. */
unsigned long long proc_start_time(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	struct strbuf sb = STRBUF_INIT;
	uint64_t start = 0;
	if (read_file(path, &sb) || procfs_parse_stat_starttime(sb_str(&sb), &start))
		start = 0;
	sb_release(&sb);
	return start;
}

int cleanup_add_process(pid_t pid, const char *what)
{
	int h = add(RES_PROCESS);
	if (h < 0)
		return h;
	resources[h].pid = pid;
	snprintf(resources[h].what, sizeof(resources[h].what), "%s", what);
	publish(h);
	char *line = xasprintf("process %d %llu %s\n", (int)pid, proc_start_time(pid), what);
	ledger_append(line);
	free(line);
	return h;
}

int cleanup_add_path(enum resource_kind kind, const char *path)
{
	if (kind != RES_FILE && kind != RES_DIR && kind != RES_TREE)
		return -EINVAL;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	int h = add(kind);
	if (h < 0)
		return h;
	snprintf(resources[h].path, sizeof(resources[h].path), "%s", path);
	publish(h);
	static const char *const names[] = { [RES_FILE] = "file", [RES_DIR] = "dir", [RES_TREE] = "tree" };
	char *line = xasprintf("%s %s\n", names[kind], path);
	ledger_append(line);
	free(line);
	return h;
}

int cleanup_add_callback(cleanup_fn fn, void *arg, const char *what)
{
	int h = add(RES_CALLBACK);
	if (h < 0)
		return h;
	resources[h].fn = fn;
	resources[h].arg = arg;
	snprintf(resources[h].what, sizeof(resources[h].what), "%s", what);
	publish(h);
	return h;
}

/* SIGTERM to the process group (qemu quits cleanly on it), a grace period,
 * then SIGKILL; the child is reaped so no zombie stays. */
static void stop_process(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, WNOHANG) == pid)
		return;
	if (kill(-pid, SIGTERM) < 0)
		kill(pid, SIGTERM);
	int64_t deadline = now_ms() + 3000;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			break;
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* anything else left in its group (helpers qemu forked) */
	kill(-pid, SIGKILL);
}

static void release(int h)
{
	struct resource *r = &resources[h];
	if (!r->live)
		return;
	r->live = 0;
	switch (r->kind) {
	case RES_PROCESS:
		stop_process(r->pid);
		break;
	case RES_FILE:
		unlink(r->path);
		break;
	case RES_DIR:
		rmdir(r->path);
		break;
	case RES_TREE:
		remove_tree(r->path);
		break;
	case RES_CALLBACK:
		r->fn(r->arg);
		break;
	}
}

void cleanup_release(int handle)
{
	if (handle >= 0 && handle < nresources)
		release(handle);
}

void cleanup_forget(int handle)
{
	if (handle >= 0 && handle < nresources)
		resources[handle].live = 0;
}

void cleanup_run_all(void)
{
	/* A signal arriving during the orderly teardown must not start the
	 * emergency path over the same entries: block them meanwhile. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int h = nresources - 1; h >= 0; h--)
		release(h);
	nresources = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void cleanup_forget_all(void)
{
	for (int h = 0; h < nresources; h++)
		resources[h].live = 0;
	nresources = 0;
}

/* Async-signal-safe: kill(2), unlink(2), rmdir(2) only. */
static void emergency_release(void)
{
	for (int h = nresources - 1; h >= 0; h--) {
		struct resource *r = &resources[h];
		if (!r->live)
			continue;
		r->live = 0;
		switch (r->kind) {
		case RES_PROCESS:
			kill(-r->pid, SIGKILL);
			kill(r->pid, SIGKILL);
			break;
		case RES_FILE:
			unlink(r->path);
			break;
		case RES_DIR:
		case RES_TREE:
			rmdir(r->path); /* only if already empty; vlab clean does the rest */
			break;
		case RES_CALLBACK:
			break; /* not safe here */
		}
	}
}

static void fatal_handler(int signo)
{
	if (!in_emergency) {
		in_emergency = 1;
		emergency_release();
	}
	signal(signo, SIG_DFL);
	raise(signo);
}

static void stop_handler(int signo)
{
	if (stop_signal) {
		/* second request: the user wants out now */
		fatal_handler(signo);
		return;
	}
	stop_signal = signo;
}

void cleanup_install_signal_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: blocking calls return EINTR so waits notice at once */
	sa.sa_handler = stop_handler;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = fatal_handler;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	/* a closed console socket must be an EPIPE, not a death */
	signal(SIGPIPE, SIG_IGN);
}

bool cleanup_stop_requested(void)
{
	return stop_signal != 0;
}

int cleanup_stop_signal(void)
{
	return stop_signal;
}

void cleanup_request_stop(int signo)
{
	stop_signal = signo;
}

void cleanup_clear_stop(void)
{
	stop_signal = 0;
}
