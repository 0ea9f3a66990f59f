/* The sandbox's launcher: bwrap's command line and environment, and the
 * worker's child that joins the cgroup, sets the limits, drops to the
 * sandbox's uid and execs bwrap (sandbox.h says what each piece does). */
#include "runner/grade/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "runner/grade/shim.h"
#include "runner/util.h"
#include "runner/clock.h"

/* Descriptors as the launcher hands them to bwrap (and bwrap on). */
enum { FD_STATUS = 3, FD_INFO = 4, FD_SECCOMP = 5, FD_SHIM = 6, FD_SHIM_NET = 7, FD_FIRST_FREE = 8 };

/* The network tools the shims stand in for (shim.h), and where the real
 * ones are bound in the sandbox for what only shows (ip link show, brctl
 * show), which needs no privilege. */
static const char *const net_tools[] = { SHIM_IP_NAME, SHIM_BRCTL_NAME };
#define REAL_TOOLS_DIR "/run/vlab-real"

/* Every place a script may call tool by its absolute path (/sbin/ip,
 * /usr/sbin/brctl, ...), resolved to the files they are on this host (on a
 * merged /usr, /sbin/ip and /usr/sbin/ip are links to /usr/bin/ip): up to
 * max distinct paths under /usr, the one bind mount covering them. */
static int tool_paths(const char *tool, char out[][PATH_MAX], int max)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
	int n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(dirs) && n < max; i++) {
		char p[PATH_MAX], real[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", dirs[i], tool);
		struct stat st;
		if (!realpath(p, real) || stat(real, &st) < 0 || !S_ISREG(st.st_mode) || strncmp(real, "/usr/", 5))
			continue;
		bool seen = false;
		for (int k = 0; k < n && !seen; k++)
			seen = !strcmp(out[k], real);
		if (!seen)
			snprintf(out[n++], PATH_MAX, "%s", real);
	}
	return n;
}

static void add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, sizeof(char *) * (*n + 2));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static void add2(char ***v, size_t *n, const char *a, const char *b)
{
	add(v, n, a);
	add(v, n, b);
}

static void add3(char ***v, size_t *n, const char *a, const char *b, const char *c)
{
	add(v, n, a);
	add(v, n, b);
	add(v, n, c);
}

/* The host's programs and libraries, and what scripts read of /etc,
 * read-only. */
static void add_host_root(char ***v, size_t *n)
{
	char buf[4200];
	/* the host's programs and libraries, read-only; merged-/usr links
	 * as they are on the host */
	add3(v, n, "--ro-bind", "/usr", "/usr");
	static const char *const top[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	for (size_t i = 0; i < ARRAY_SIZE(top); i++) {
		struct stat st;
		if (lstat(top[i], &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			ssize_t l = readlink(top[i], buf, sizeof(buf) - 1);
			if (l <= 0)
				continue;
			buf[l] = '\0';
			add3(v, n, "--symlink", buf, top[i]);
		} else if (S_ISDIR(st.st_mode)) {
			add3(v, n, "--ro-bind", top[i], top[i]);
		}
	}
	/* what a shell script and qemu read of /etc: users and groups (so
	 * `id` names root), the loader's cache, Debian's alternatives (awk,
	 * editor, ...), the time zone and hosts, and the scripts qemu runs for
	 * a -netdev tap without script=no (/etc/qemu-ifup, which ends well
	 * when tap0 is up already) */
	static const char *const etc[] = { "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ld.so.cache",
					   "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
					   "/etc/hosts", "/etc/host.conf", "/etc/os-release", "/etc/bash.bashrc",
					   "/etc/qemu-ifup", "/etc/qemu-ifdown", "/etc/qemu" };
	for (size_t i = 0; i < ARRAY_SIZE(etc); i++)
		add3(v, n, "--ro-bind-try", etc[i], etc[i]);
}

static void add_net_tools(char ***v, size_t *n, const char *vlab_exe)
{
	char buf[4200];
	/* ip and brctl by their absolute paths reach the shims too; the
	 * real ones, for what only shows, under REAL_TOOLS_DIR */
	for (size_t i = 0; i < ARRAY_SIZE(net_tools); i++) {
		char paths[4][PATH_MAX];
		int np = tool_paths(net_tools[i], paths, 4);
		if (np > 0) {
			snprintf(buf, sizeof(buf), REAL_TOOLS_DIR "/%s", net_tools[i]);
			add3(v, n, "--ro-bind", paths[0], buf);
		}
		for (int k = 0; k < np; k++)
			add3(v, n, "--ro-bind", vlab_exe, paths[k]);
	}
}

/* bwrap's command line for a sandbox below root (see sandbox.h). */
char **sandbox_bwrap_argv(const struct sandbox_spec *spec, const char *root)
{
	char **v = NULL;
	size_t n = 0;
	char buf[4200], buf2[4200];
	add(&v, &n, spec->bwrap);
	add(&v, &n, "--unshare-user");
	add2(&v, &n, "--uid", "0");
	add2(&v, &n, "--gid", "0");
	add(&v, &n, "--disable-userns");
	add(&v, &n, "--unshare-pid");
	/* vlab's init is the pid namespace's init: unkillable from inside
	 * (the kernel drops signals from its own namespace to an init without
	 * handlers), so a script's kill -9 $PPID cannot end the sandbox */
	add(&v, &n, "--as-pid-1");
	add(&v, &n, "--unshare-ipc");
	add(&v, &n, "--unshare-uts");
	add(&v, &n, "--unshare-cgroup-try");
	add2(&v, &n, "--hostname", "vlab-sandbox");
	add(&v, &n, "--die-with-parent");
	add(&v, &n, "--new-session");
	add2(&v, &n, "--cap-drop", "ALL");
	snprintf(buf, sizeof(buf), "%d", FD_INFO);
	add2(&v, &n, "--info-fd", buf);
	snprintf(buf, sizeof(buf), "%d", FD_SECCOMP);
	add2(&v, &n, "--seccomp", buf);
	add_host_root(&v, &n);
	add2(&v, &n, "--proc", "/proc");
	add2(&v, &n, "--dev", "/dev");
	add2(&v, &n, "--size", "67108864");
	add2(&v, &n, "--tmpfs", "/dev/shm");
	snprintf(buf, sizeof(buf), "%s/dev/tun", root);
	add3(&v, &n, "--dev-bind", buf, "/dev/net/tun");
	if (spec->dev_kvm) {
		snprintf(buf, sizeof(buf), "%s/dev/kvm", root);
		add3(&v, &n, "--dev-bind", buf, "/dev/kvm");
	}
	snprintf(buf, sizeof(buf), "%s/sys", root);
	add3(&v, &n, "--ro-bind", buf, "/sys");
	add2(&v, &n, "--size", "16777216");
	add2(&v, &n, "--tmpfs", "/run");
	snprintf(buf, sizeof(buf), "%s/disk/tmp", root);
	add3(&v, &n, "--bind", buf, "/tmp");
	snprintf(buf, sizeof(buf), "%s/disk/var-tmp", root);
	add3(&v, &n, "--bind", buf, "/var/tmp");
	/* the same absolute paths inside as outside */
	snprintf(buf, sizeof(buf), "%s/work", root);
	add3(&v, &n, "--bind", buf, buf);
	snprintf(buf, sizeof(buf), "%s/" SANDBOX_SHIM_DIR, root);
	add3(&v, &n, "--bind", buf, buf);
	snprintf(buf, sizeof(buf), "%s/bin", root);
	add3(&v, &n, "--ro-bind", buf, buf);
	add3(&v, &n, "--ro-bind", spec->vlab_exe, spec->vlab_exe);
	add_net_tools(&v, &n, spec->vlab_exe);
	/* the directories bwrap made on /run to bind the above are no
	 * place to write */
	add2(&v, &n, "--remount-ro", "/run");
	snprintf(buf, sizeof(buf), "%s/work", root);
	add2(&v, &n, "--chdir", buf);
	add(&v, &n, "--");
	add(&v, &n, spec->vlab_exe);
	add(&v, &n, "--sandbox-init");
	snprintf(buf, sizeof(buf), "%d", FD_STATUS);
	snprintf(buf2, sizeof(buf2), "./%s", spec->script);
	add2(&v, &n, buf, buf2);
	return v;
}

char **sandbox_env(const struct sandbox_spec *spec, const char *bin, const char *work)
{
	char **envp = NULL;
	size_t ne = 0;
	char path[4400], home[4200];
	snprintf(path, sizeof(path), "PATH=%s:/usr/local/bin:/usr/bin:/bin", bin);
	snprintf(home, sizeof(home), "HOME=%s", work);
	add(&envp, &ne, path);
	add(&envp, &ne, home);
	add(&envp, &ne, "LANG=C.UTF-8");
	add(&envp, &ne, "TERM=dumb");
	add(&envp, &ne, "USER=root");
	char chan_env[64];
	snprintf(chan_env, sizeof(chan_env), SHIM_FD_ENV "=%d", FD_SHIM);
	add(&envp, &ne, chan_env);
	snprintf(chan_env, sizeof(chan_env), SHIM_NET_FD_ENV "=%d", FD_SHIM_NET);
	add(&envp, &ne, chan_env);
	add(&envp, &ne, spec->script_network ? SHIM_NET_MODE_ENV "=" SHIM_NET_SCRIPT : SHIM_NET_MODE_ENV "=" SHIM_NET_VLAB);
	char real[1][PATH_MAX];
	if (tool_paths(SHIM_IP_NAME, real, 1) > 0)
		add(&envp, &ne, SHIM_NET_REAL_IP_ENV "=" REAL_TOOLS_DIR "/" SHIM_IP_NAME);
	if (tool_paths(SHIM_BRCTL_NAME, real, 1) > 0)
		add(&envp, &ne, SHIM_NET_REAL_BRCTL_ENV "=" REAL_TOOLS_DIR "/" SHIM_BRCTL_NAME);
	for (char *const *e = spec->env; e && *e; e++)
		add(&envp, &ne, *e);
	return envp;
}

void sandbox_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };
	setrlimit(res, &rl);
}

/* fd onto want, through a number above every wanted one, so that moving
 * one never closes another still to be moved. */
static int lift(int fd)
{
	return fcntl(fd, F_DUPFD, 16);
}

void sandbox_launch(const struct sandbox_spec *spec, const struct cgroup *cg, char **argv, char **envp, int status_w,
		    int info_w, int seccomp_fd, int shim_fd, int net_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	if (cgroup_enter(cg, getpid()) < 0) {
		dprintf(spec->output_fd, "vlab: cannot move the sandbox into its cgroup: %s\n", strerror(errno));
		_exit(125);
	}
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int a = lift(status_w), b = lift(info_w), c = lift(seccomp_fd), d = lift(shim_fd), e = lift(net_fd),
	    out = lift(spec->output_fd);
	if (in < 0 || a < 0 || b < 0 || c < 0 || d < 0 || e < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || dup2(a, FD_STATUS) < 0 || dup2(b, FD_INFO) < 0 || dup2(c, FD_SECCOMP) < 0 ||
	    dup2(d, FD_SHIM) < 0 || dup2(e, FD_SHIM_NET) < 0)
		_exit(125);
	/* nothing else of the worker's reaches the sandbox */
	if (close_range(FD_FIRST_FREE, ~0U, 0) < 0)
		_exit(125);
	set_limit(RLIMIT_NPROC, (rlim_t)spec->nproc);
	set_limit(RLIMIT_CPU, (rlim_t)spec->cpu_s);
	set_limit(RLIMIT_FSIZE, (rlim_t)spec->fsize);
	set_limit(RLIMIT_CORE, 0);
	gid_t gid = (gid_t)spec->uid;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(spec->uid, spec->uid, spec->uid) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		dprintf(2, "vlab: cannot drop to uid %u for the sandbox: %s\n", (unsigned)spec->uid, strerror(errno));
		_exit(125);
	}
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0)
		_exit(125);
	execve(argv[0], argv, envp);
	dprintf(2, "vlab: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(125);
}

/* bwrap's --info-fd: {"child-pid": N, ...}, N the pid namespace's init. */
pid_t sandbox_read_child_pid(int fd, int64_t timeout_ms)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t deadline = now_ms() + timeout_ms;
	pid_t pid = 0;
	while (!pid && ms_left(deadline) > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)ms_left(deadline)) <= 0)
			break;
		char buf[512];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || sb.len > 65536)
			break;
		sb_add(&sb, buf, (size_t)n);
		json_t *j = json_loadb(sb.buf, sb.len, 0, NULL);
		if (j) {
			json_int_t v = json_integer_value(json_object_get(j, "child-pid"));
			if (v > 0 && v < INT_MAX)
				pid = (pid_t)v;
			json_decref(j);
		}
	}
	sb_release(&sb);
	return pid;
}
