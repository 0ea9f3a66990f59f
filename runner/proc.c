/* Spawning with argv arrays, process groups, deadlines and reaping. */
#include "runner/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/clock.h"

extern char **environ;

char *proc_which(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		const char *colon = strchrnul(path, ':');
		size_t len = (size_t)(colon - path);
		char *cand = xasprintf("%.*s/%s", (int)len, len ? path : ".", name);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path = *colon ? colon + 1 : colon;
	}
	return NULL;
}

static int open_onto(const char *path, int flags, int target)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (dup2(fd, target) < 0)
		return -1;
	close(fd);
	return 0;
}

/* Only async-signal-safe calls between fork and exec. */
static void child(const struct spawn_opts *o, const char *file, int errpipe, pid_t parent)
{
	/* the parent's handlers must not run in the child */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (o->own_pgrp)
		setpgid(0, 0);
	if (o->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
	}
	if (open_onto(o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY, 0) < 0)
		goto fail;
	if (o->stdout_fd >= 0) {
		if (dup2(o->stdout_fd, 1) < 0)
			goto fail;
	} else if (open_onto(o->stdout_path ? o->stdout_path : "/dev/null",
			     O_WRONLY | O_CREAT | O_APPEND, 1) < 0) {
		goto fail;
	}
	if (o->stderr_fd >= 0) {
		if (dup2(o->stderr_fd, 2) < 0)
			goto fail;
	} else if (open_onto(o->stderr_path ? o->stderr_path : "/dev/null",
			     O_WRONLY | O_CREAT | O_APPEND, 2) < 0) {
		goto fail;
	}
	if (o->cwd && chdir(o->cwd) < 0)
		goto fail;
	execve(file, (char *const *)o->argv, o->envp ? o->envp : environ);
fail:;
	int e = errno;
	ssize_t w = write(errpipe, &e, sizeof(e));
	(void)w;
	_exit(127);
}

int proc_spawn(const struct spawn_opts *o, pid_t *pid)
{
	char *file = proc_which(o->argv[0]);
	if (!file)
		return -ENOENT;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = -errno;
		free(file);
		return e;
	}
	pid_t parent = getpid();
	pid_t c = fork();
	if (c < 0) {
		int e = -errno;
		close(p[0]);
		close(p[1]);
		free(file);
		return e;
	}
	if (c == 0)
		child(o, file, p[1], parent);
	close(p[1]);
	free(file);
	/* Also set the group from the parent: whichever runs first, the group
	 * exists before we ever signal it (the classic setpgid race). */
	if (o->own_pgrp)
		setpgid(c, c);
	int err = 0;
	ssize_t n;
	do
		n = read(p[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(err)) {
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
		return -err;
	}
	*pid = c;
	return 0;
}

bool proc_exited(pid_t pid, int *wstatus)
{
	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == pid) {
		if (wstatus)
			*wstatus = st;
		return true;
	}
	return r < 0 && errno == ECHILD;
}

int proc_wait(pid_t pid, int64_t timeout_ms, int *wstatus)
{
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			if (wstatus)
				*wstatus = st;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		idle_tick();
		if (cleanup_stop_requested())
			return -EINTR;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static int proc_terminate(pid_t pid, int grace_ms, int *wstatus)
{
	if (proc_exited(pid, wstatus))
		return 0;
	if (kill(-pid, SIGTERM) < 0)
		kill(pid, SIGTERM);
	int64_t deadline = now_ms() + grace_ms;
	int st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			break;
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			break;
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (wstatus)
		*wstatus = st;
	return 0;
}

/* until_done: a stop request does not end the wait, and the child has no
 * parent-death signal (a module load must not be cut short). */
static int run_collect(const char *const *argv, int64_t timeout_ms, struct strbuf *out, int *wstatus, bool until_done)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	struct spawn_opts o = SPAWN_OPTS_INIT;
	o.argv = argv;
	o.stdout_fd = p[1];
	o.stderr_fd = p[1];
	o.own_pgrp = true;
	o.die_with_parent = !until_done;
	pid_t pid;
	int ret = proc_spawn(&o, &pid);
	close(p[1]);
	if (ret) {
		close(p[0]);
		return ret;
	}
	int64_t deadline = now_ms() + (timeout_ms < 0 ? INT32_MAX : timeout_ms);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[4096];
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n > 0) {
			if (out)
				sb_add(out, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			break;
		idle_tick();
		if (!until_done && cleanup_stop_requested()) {
			ret = -EINTR;
			break;
		}
		if (now_ms() >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	close(p[0]);
	if (ret) {
		proc_terminate(pid, 500, wstatus);
		return ret;
	}
	if (!until_done)
		return proc_wait(pid, ms_left(deadline) + 1000, wstatus);
	int st = 0;
	pid_t w;
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return -errno;
	if (wstatus)
		*wstatus = st;
	return 0;
}

int proc_run(const char *const *argv, int64_t timeout_ms, struct strbuf *out, int *wstatus)
{
	return run_collect(argv, timeout_ms, out, wstatus, false);
}

int proc_run_to_end(const char *const *argv, int64_t timeout_ms, struct strbuf *out, int *wstatus)
{
	return run_collect(argv, timeout_ms, out, wstatus, true);
}

void proc_describe_status(int wstatus, char *buf, size_t n)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, n, "stopped (status 0x%x)", wstatus);
}

bool proc_gone(pid_t pid)
{
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	char buf[512];
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	/* "pid (comm) S ...": comm may hold spaces and ')' */
	const char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return false;
	return p[2] == 'Z' || p[2] == 'X';
}

int unix_connect_retry(const char *path, pid_t watch_pid, int64_t timeout_ms, int *out)
{
	return unix_connect_peer(path, watch_pid, 0, timeout_ms, out);
}

int unix_connect_peer(const char *path, pid_t watch_pid, pid_t peer, int64_t timeout_ms, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || !out)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		idle_tick();
		if (cleanup_stop_requested())
			return -EINTR;
		/* a socket whose connect() failed may not be reused (connect(2));
		 * non-blocking, so a server whose backlog is full (one that never
		 * accepts) is EAGAIN and a retry, never a hang */
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			struct ucred cred;
			socklen_t cl = sizeof(cred);
			if (peer > 0 && (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.pid != peer)) {
				close(fd);
				return -EPERM;
			}
			int fl = fcntl(fd, F_GETFL);
			if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
				int e = -errno;
				close(fd);
				return e;
			}
			*out = fd;
			return 0;
		}
		int r = -errno;
		close(fd);
		/* not there yet, or there but not listening (or accepting) yet */
		if (r != -ENOENT && r != -ECONNREFUSED && r != -EINTR && r != -EAGAIN)
			return r;
		if (watch_pid > 0 && proc_gone(watch_pid))
			return -EPIPE;
		int64_t left = ms_left(deadline);
		if (left <= 0)
			return r == -EINTR || r == -EAGAIN ? -ETIMEDOUT : r;
		struct timespec ts = { 0, (left < 10 ? left : 10) * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
