/* `vlab --kvmhost-agent RUNDIR`: vlab's side inside the emulated KVM host,
 * run as root by its /init (assets/image/kvmhost-init) in the root it built.
 * It reads the command (argv, env, the plan's agent lines) from the run's
 * share, runs it in a session and process group of its own, relays its
 * output to the host's vlab over virtio-serial, forwards the stop signals
 * vlab sends on the control port to that group, and writes its exit status
 * into the share; then it returns and /init powers the machine off. See
 * runner/vm/kvmhost.h for the whole design. */
#include "runner/vm/kvmhost.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runner/host/ept.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/vm/kvmhost_plan.h"
#include "runner/vm/kvmhost_proto.h"

/* After the command ends, how long its output may still come (a child it
 * left holding the pipe open does not hold the power-off up longer). */
#define DRAIN_MS 2000
/* what of the inner runs' directories goes back to the host, at most */
#define COPY_MAX_BYTES (512ull << 20)
#define COPY_MAX_DEPTH 8

/* What is left of the copy's allowance. */
struct budget {
	unsigned long long bytes;
	bool cut;  /* something was left out for it */
};

struct agent {
	int dirfd;
	struct kvmhost_agent_conf conf;
	char **argv, **env;
	int ctl, out, err, tty;  /* ports; -1 when not open */
	int pipe_out, pipe_err;  /* the command's output, read end; -1 at EOF */
	pid_t child;
	int wstatus;
	bool exited;
};

PRINTF_LIKE(1, 2)
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "vlab-kvmhost agent: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The /dev node of the virtio-serial port called name. */
static int open_port(const char *name, int flags)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	if (!d)
		return -errno;
	int fd = -ENOENT;
	for (struct dirent *e; fd == -ENOENT && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("/sys/class/virtio-ports/%s/name", e->d_name);
		char got[64] = "";
		read_line_at("", p, got, sizeof(got));
		free(p);
		if (strcmp(got, name))
			continue;
		char *dev = xasprintf("/dev/%s", e->d_name);
		fd = open(dev, flags | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		free(dev);
	}
	closedir(d);
	return fd;
}

static int read_input(struct agent *a, const char *name, size_t cap, struct strbuf *sb)
{
	int r = read_untrusted_at(a->dirfd, name, cap, sb, NULL, NULL);
	if (r)
		say("cannot read %s from the run's share: %s", name, strerror(-r));
	return r;
}

static int load(struct agent *a, const char *rundir)
{
	a->dirfd = open(rundir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a->dirfd < 0) {
		say("cannot open the run's share %s: %s", rundir, strerror(errno));
		return -errno;
	}
	struct strbuf plan = STRBUF_INIT, argv = STRBUF_INIT, env = STRBUF_INIT;
	size_t n;
	char err[128];
	int r = read_input(a, "plan", 64 * 1024, &plan);
	if (!r) {
		r = kvmhost_plan_parse_agent(sb_str(&plan), &a->conf, err, sizeof(err));
		if (r)
			say("%s", err);
	}
	if (!r)
		r = read_input(a, "argv", KVMHOST_STRV_BYTES, &argv);
	if (!r && (kvmhost_strv_decode(argv.buf, argv.len, KVMHOST_STRV_MAX, &a->argv, &n) || !a->argv[0][0])) {
		say("the argv file is malformed");
		r = -EINVAL;
	}
	if (!r)
		r = read_input(a, "env", KVMHOST_STRV_BYTES, &env);
	if (!r && kvmhost_strv_decode(env.buf, env.len, KVMHOST_STRV_MAX, &a->env, &n)) {
		say("the env file is malformed");
		r = -EINVAL;
	}
	sb_release(&plan);
	sb_release(&argv);
	sb_release(&env);
	return r;
}

static int open_ports(struct agent *a)
{
	const char *const names[] = { KVMHOST_PORT_CTL, KVMHOST_PORT_OUT, KVMHOST_PORT_ERR };
	int *const fds[] = { &a->ctl, &a->out, &a->err };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		*fds[i] = open_port(names[i], O_RDWR);
		if (*fds[i] < 0) {
			say("no virtio-serial port %s: %s", names[i], strerror(-*fds[i]));
			return *fds[i];
		}
	}
	if (a->conf.shell) {
		/* the virtconsole port is a tty: /dev/hvc0 */
		a->tty = open("/dev/hvc0", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (a->tty < 0) {
			say("cannot open /dev/hvc0: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* In the child: its stdio, its session, its directory; then the command. */
static void exec_child(struct agent *a, int out_w, int err_w, int report_w)
{
	setsid();
	if (a->conf.shell) {
		ioctl(a->tty, TIOCSCTTY, 0);
		if (a->conf.rows > 0) {
			struct winsize ws = { .ws_row = (unsigned short)a->conf.rows, .ws_col = (unsigned short)a->conf.cols };
			ioctl(a->tty, TIOCSWINSZ, &ws);
		}
		dup2(a->tty, 0);
		dup2(a->tty, 1);
		dup2(a->tty, 2);
	} else {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(out_w, 1);
		dup2(err_w, 2);
	}
	if (chdir(a->conf.cwd) < 0) {
		fprintf(stderr, "vlab kvmhost: cannot enter %s (%s); running in /\n", a->conf.cwd, strerror(errno));
		if (chdir("/") < 0)
			_exit(126);
	}
	signal(SIGPIPE, SIG_DFL);
	extern char **environ;
	environ = a->env; /* execvp looks argv[0] up in this PATH */
	execvp(a->argv[0], a->argv);
	int e = errno;
	ssize_t w = write(report_w, &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* 0 once the command runs; else its errno, with the status written. */
static int start(struct agent *a)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, rep[2];
	if ((!a->conf.shell && (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))) || pipe2(rep, O_CLOEXEC))
		return errno;
	a->child = fork();
	if (a->child == 0)
		exec_child(a, po[1], pe[1], rep[1]);
	close(rep[1]);
	if (!a->conf.shell) {
		close(po[1]);
		close(pe[1]);
	}
	a->pipe_out = po[0];
	a->pipe_err = pe[0];
	int e = a->child < 0 ? errno : 0;
	if (a->child > 0 && read(rep[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = 0; /* EOF: the exec closed it */
	close(rep[0]);
	return e;
}

static void copy_file(int from_dir, int to_dir, const char *name, mode_t mode, struct budget *b)
{
	int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int out = in < 0 ? -1 : openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0644);
	char buf[65536];
	ssize_t n;
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0) {
		if ((unsigned long long)n > b->bytes) {
			b->cut = true;
			break;
		}
		b->bytes -= (unsigned long long)n;
		if (write_all(out, buf, (size_t)n))
			break;
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

/* The inner runs' directories into the share: directories and regular
 * files only (no links followed, no sockets), within the allowance. Not
 * chapter 4's EPT/NPT restore state at the top: it names this machine's
 * kvm_amd, gone at the power-off, and on the host a file of that name is
 * one `vlab clean` and `vlab doctor` act on (runner/host/ept.h). */
static void copy_tree(int from_dir, int to_dir, int depth, struct budget *b)
{
	DIR *d = fdopendir(dup(from_dir));
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (depth == 0 && !strcmp(e->d_name, EPT_STATE_NAME)) ||
		    fstatat(from_dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			copy_file(from_dir, to_dir, e->d_name, st.st_mode, b);
		} else if (S_ISDIR(st.st_mode) && depth < COPY_MAX_DEPTH) {
			mkdirat(to_dir, e->d_name, 0755);
			int f = openat(from_dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int t = openat(to_dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (f >= 0 && t >= 0)
				copy_tree(f, t, depth + 1, b);
			if (f >= 0)
				close(f);
			if (t >= 0)
				close(t);
		}
	}
	closedir(d);
}

static void copy_inner_runs(struct agent *a)
{
	int from = open(KVMHOST_INNER_RUN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int to = openat(a->dirfd, "runs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct budget b = { .bytes = COPY_MAX_BYTES };
	if (from >= 0 && to >= 0)
		copy_tree(from, to, 0, &b);
	if (b.cut)
		say("the inner runs' directories were cut at %llu MiB in the share", COPY_MAX_BYTES >> 20);
	if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
}

static void write_status(struct agent *a, const struct kvmhost_status *st)
{
	char line[KVMHOST_STATUS_BYTES];
	kvmhost_status_format(st, line, sizeof(line));
	unlinkat(a->dirfd, "status.tmp", 0);
	int fd = openat(a->dirfd, "status.tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, line, strlen(line)) || fsync(fd) || renameat(a->dirfd, "status.tmp", a->dirfd, "status"))
		say("cannot write the exit status into the run's share: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	fsync(a->dirfd);
}

/* One read from a pipe onto a port; the pipe's fd becomes -1 at its end. */
static void relay(int *pipe_fd, int port)
{
	char buf[16384];
	ssize_t n = read(*pipe_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*pipe_fd);
		*pipe_fd = -1;
		return;
	}
	write_all(port, buf, (size_t)n);
}

static void reap(struct agent *a)
{
	int st;
	pid_t p;
	/* a subreaper: orphans of the command end up here too */
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == a->child) {
			a->wstatus = st;
			a->exited = true;
		}
	}
}

/* A stop signal from vlab, forwarded to the command's process group. */
static void forward(struct agent *a, int *ctl, short revents)
{
	char b;
	if (revents & POLLIN) {
		int sig = read(*ctl, &b, 1) == 1 ? kvmhost_ctl_signal(b) : 0;
		if (sig && !a->exited)
			kill(-a->child, sig);
	} else if (revents & (POLLHUP | POLLERR)) {
		*ctl = -1; /* vlab's side is gone: nothing more will come */
	}
}

/* Relay and forward until the command has ended and its output is read. */
static void supervise(struct agent *a)
{
	int64_t drain_until = 0;
	int ctl = a->ctl;
	for (;;) {
		reap(a);
		if (a->exited && !drain_until)
			drain_until = now_ms() + DRAIN_MS;
		bool open_pipes = a->pipe_out >= 0 || a->pipe_err >= 0;
		if (a->exited && (!open_pipes || now_ms() >= drain_until))
			return;
		struct pollfd p[3] = { { .fd = ctl, .events = POLLIN },
				       { .fd = a->pipe_out, .events = POLLIN },
				       { .fd = a->pipe_err, .events = POLLIN } };
		if (poll(p, 3, 100) <= 0)
			continue;
		forward(a, &ctl, p[0].revents);
		if (p[1].revents)
			relay(&a->pipe_out, a->out);
		if (p[2].revents)
			relay(&a->pipe_err, a->err);
	}
}

int kvmhost_agent_main(int argc, char **argv)
{
	struct agent a = { .dirfd = -1, .ctl = -1, .out = -1, .err = -1, .tty = -1, .pipe_out = -1, .pipe_err = -1 };
	if (argc != 3 || argv[2][0] != '/') {
		say("usage: vlab --kvmhost-agent RUNDIR (started by the emulated host's /init)");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (load(&a, argv[2]) || open_ports(&a))
		return 1;
	int e = start(&a);
	if (e) {
		char *msg = xasprintf("vlab kvmhost: cannot run '%s': %s\n", a.argv[0], strerror(e));
		write_all(a.err, msg, strlen(msg));
		free(msg);
		write_status(&a, &(struct kvmhost_status){ KVMHOST_NOT_RUN, e });
		return 0;
	}
	char started = KVMHOST_CTL_STARTED;
	write_all(a.ctl, &started, 1);
	supervise(&a);
	/* nothing of the command's outlives it: the machine powers off next */
	kill(-1, SIGKILL);
	reap(&a);
	copy_inner_runs(&a);
	struct kvmhost_status st = { KVMHOST_EXITED, WEXITSTATUS(a.wstatus) };
	if (WIFSIGNALED(a.wstatus))
		st = (struct kvmhost_status){ KVMHOST_SIGNALED, WTERMSIG(a.wstatus) };
	write_status(&a, &st);
	free(a.argv);
	free(a.env);
	return 0;
}
