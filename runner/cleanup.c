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
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks/procfs_parse.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"

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
	enum emergency_action emergency;  /* a callback's, on emergency_path or emergency_ifindex */
	char emergency_path[PATH_MAX];
	int emergency_ifindex;
};

static struct resource resources[MAX_RESOURCES];
static volatile sig_atomic_t nresources;
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t in_emergency;
/* when the first stop signal came (CLOCK_MONOTONIC, ms): later ones within
 * CLEANUP_SAME_STOP_MS of it are the same request */
static volatile int64_t first_stop_ms;
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

int cleanup_add_cgroup(const char *path)
{
	if (!path || !*path || strlen(path) >= PATH_MAX)
		return -EINVAL;
	int h = add(RES_CGROUP);
	if (h < 0)
		return h;
	snprintf(resources[h].path, sizeof(resources[h].path), "%s", path);
	publish(h);
	char *line = xasprintf("cgroup %s\n", path);
	ledger_append(line);
	free(line);
	return h;
}

int cleanup_set_emergency_link(int handle, int ifindex)
{
	if (handle < 0 || handle >= nresources || resources[handle].kind != RES_CALLBACK || ifindex <= 0)
		return -EINVAL;
	resources[handle].emergency_ifindex = ifindex;
	resources[handle].emergency = EMERGENCY_LINK;
	return 0;
}

int cleanup_set_emergency(int handle, enum emergency_action action, const char *path)
{
	if (handle < 0 || handle >= nresources || resources[handle].kind != RES_CALLBACK || !path ||
	    strlen(path) >= PATH_MAX || action == EMERGENCY_LINK)
		return -EINVAL;
	struct resource *r = &resources[handle];
	/* the path first: the handler reads the action, then the path */
	snprintf(r->emergency_path, sizeof(r->emergency_path), "%s", path);
	r->emergency = action;
	return 0;
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

/* Stays live until it is released: a separate stop request that comes
 * in the middle (the emergency path) does it again, which is harmless for
 * every kind (a second kill, unlink, rmdir or umount finds nothing). A
 * callback runs once: it is marked first, and its emergency action is what
 * the handler does instead. */
static void release(int h)
{
	struct resource *r = &resources[h];
	if (!r->live)
		return;
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
	case RES_CGROUP:
		cgroup_empty_and_remove(r->path, 2000);
		break;
	}
	r->live = 0;
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
	/* A separate stop request in the middle runs the emergency path over
	 * what is still live (release() marks an entry done only once it is):
	 * the user asked for out-now, and it releases all it can. */
	for (int h = nresources - 1; h >= 0; h--)
		release(h);
	nresources = 0;
}

void cleanup_forget_all(void)
{
	for (int h = 0; h < nresources; h++)
		resources[h].live = 0;
	nresources = 0;
}

/* RTM_DELLINK of the link of index ifindex in this process's network
 * namespace, with no allocation: the request on the stack, no answer read. */
static void emergency_delete_link(int ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t w = sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	(void)w;
	close(fd);
}

static void emergency_action_run(const struct resource *r)
{
	switch (r->emergency) {
	case EMERGENCY_NONE:
		break;
	case EMERGENCY_NETNS:
		/* the namespace itself goes when its last process (qemu,
		 * killed above) is gone */
		umount2(r->emergency_path, MNT_DETACH);
		unlink(r->emergency_path);
		break;
	case EMERGENCY_LINK:
		emergency_delete_link(r->emergency_ifindex);
		break;
	case EMERGENCY_UMOUNT:
		umount2(r->emergency_path, MNT_DETACH);
		break;
	}
}

/* Async-signal-safe system calls only: kill(2), unlink(2), rmdir(2),
 * umount2(2), open/read/write/close of cgroup files, a netlink socket,
 * nanosleep(2). Newest first, as the orderly path: a qemu before the
 * namespace it runs in, a sandbox before its cgroup, a child cgroup before
 * its parent. */
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
			emergency_action_run(r);
			break;
		case RES_CGROUP:
			cgroup_empty_and_remove(r->path, 1000);
			break;
		}
	}
}

/* A line on stderr from a handler: write(2) of static text and a number. */
static void emergency_say(int signo)
{
	char buf[160] = "vlab: a second stop request (signal ";
	size_t n = strlen(buf);
	char digits[12];
	int k = 0;
	for (int v = signo; k == 0 || v; v /= 10)
		digits[k++] = (char)('0' + v % 10);
	while (k)
		buf[n++] = digits[--k];
	const char *tail = ") ended vlab at once; `vlab clean` removes anything left\n";
	for (const char *t = tail; *t && n < sizeof(buf) - 1; t++)
		buf[n++] = *t;
	ssize_t w = write(STDERR_FILENO, buf, n);
	(void)w;
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

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stop_handler(int signo)
{
	int64_t now = monotonic_ms();
	if (!stop_signal) {
		first_stop_ms = now;
		stop_signal = signo;
		return;
	}
	/* the same stop event, sent twice (timeout, a CI cancel, a double
	 * Ctrl-C in one go): the orderly teardown goes on */
	if (now - first_stop_ms < CLEANUP_SAME_STOP_MS)
		return;
	/* a separate, later request: out now */
	emergency_say(signo);
	fatal_handler(signo);
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
	first_stop_ms = monotonic_ms();
	stop_signal = signo;
}

void cleanup_clear_stop(void)
{
	stop_signal = 0;
}

static int empty_and_remove(const char *path, int64_t deadline, int depth);

/* SIGKILL to every pid in dir's cgroup.procs, read with read(2) into a
 * stack buffer; how many it listed (a list longer than the buffer is read
 * in pieces). */
static int kill_cgroup_members(int dirfd)
{
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[512];
	int n = 0;
	long pid = 0;
	bool digits = false;
	ssize_t got;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
				digits = true;
			} else {
				if (digits && pid > 1) {
					kill((pid_t)pid, SIGKILL);
					n++;
				}
				pid = 0;
				digits = false;
			}
		}
	}
	if (digits && pid > 1) {
		kill((pid_t)pid, SIGKILL);
		n++;
	}
	close(fd);
	return n;
}

/* The child groups of the cgroup open at dirfd, emptied and removed
 * first: a group with children cannot be removed (EBUSY), and a killed
 * grading worker leaves its sandboxes' groups under the class's. Reads the
 * directory with getdents64(2) into a stack buffer (readdir allocates). */
static void remove_child_groups(int dirfd, const char *path, int64_t deadline, int depth)
{
	char buf[2048];
	long got;
	if (depth > 8)
		return;
	while ((got = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct linux_dirent64 {
				uint64_t d_ino;
				int64_t d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *de = (struct linux_dirent64 *)(buf + off);
			off += de->d_reclen;
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			char child[PATH_MAX];
			size_t pl = strlen(path), nl = strlen(de->d_name);
			if (pl + 1 + nl >= sizeof(child))
				continue;
			memcpy(child, path, pl);
			child[pl] = '/';
			memcpy(child + pl + 1, de->d_name, nl + 1);
			empty_and_remove(child, deadline, depth + 1);
		}
	}
}

static int empty_and_remove(const char *path, int64_t deadline, int depth)
{
	int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* cgroup v2 (5.14+) kills the whole subtree in one write */
	int kfd = openat(dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	if (kfd >= 0) {
		ssize_t w = write(kfd, "1", 1);
		(void)w;
		close(kfd);
	}
	remove_child_groups(dirfd, path, deadline, depth);
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	while (kill_cgroup_members(dirfd) && monotonic_ms() < deadline)
		nanosleep(&tick, NULL);
	close(dirfd);
	/* a group empties a moment after its last process is reaped */
	int r;
	while ((r = rmdir(path)) < 0 && errno == EBUSY && monotonic_ms() < deadline)
		nanosleep(&tick, NULL);
	return r < 0 && errno != ENOENT ? -errno : 0;
}

int cgroup_empty_and_remove(const char *path, int timeout_ms)
{
	return empty_and_remove(path, monotonic_ms() + timeout_ms, 0);
}
