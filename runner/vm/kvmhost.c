/* The emulated KVM host, the host's side: its files, its plan, its qemu;
 * see kvmhost.h. The run itself (relay, stops, the end) is kvmhost_run.c. */
#include "runner/vm/kvmhost.h"

#include "runner/vm/kvmhost_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/fetch/cache.h"
#include "runner/proc.h"
#include "runner/rundir.h"
#include "runner/fetch/image.h"
#include "runner/vm/kvmhost_proto.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/sha256.h"

static const int kvmhost_roles[] = { ROLE_KVMHOST_INITRD, ROLE_KVMHOST_MODULES };

/* The default profile resolved into m and img, its two files of the
 * emulated host there; -errno with err set. */
static int resolve_image(const char *extra_manifest, struct manifest *m, struct image *img, char *err, size_t n)
{
	int r = image_load_manifests(m, extra_manifest, err, n);
	if (!r)
		r = image_resolve(m, "default", img, err, n);
	for (size_t i = 0; !r && i < ARRAY_SIZE(kvmhost_roles); i++) {
		const char *path = img->paths[kvmhost_roles[i]];
		if (!path || !path_exists(path)) {
			snprintf(err, n,
				 "the default image has no %s (%s): make image builds it; a profile fetched from an "
				 "older mirror lacks it",
				 image_role_names[kvmhost_roles[i]], path ? path : "not in its manifest");
			r = -ENOENT;
		}
	}
	return r;
}

int kvmhost_check(const char *extra_manifest, char *why, size_t n)
{
	struct manifest m;
	struct image img;
	memset(&m, 0, sizeof(m));
	memset(&img, 0, sizeof(img));
	int r = resolve_image(extra_manifest, &m, &img, why, n);
	image_release(&img);
	manifest_release(&m);
	char *qemu = r ? NULL : proc_which("qemu-system-x86_64");
	if (!r && !qemu) {
		snprintf(why, n, "qemu-system-x86_64 is not in PATH (Debian: apt-get install qemu-system-x86)");
		r = -ENOENT;
	}
	free(qemu);
	return r;
}

/* The default profile's kernel and the emulated host's two files, those
 * checked against the sha256 their manifest records. */
static int find_image(struct kh *k)
{
	char err[1024];
	int r = resolve_image(k->o->extra_manifest, &k->m, &k->img, err, sizeof(err));
	if (r)
		return kh_fail(k, r, "%s", err);
	for (size_t i = 0; i < ARRAY_SIZE(kvmhost_roles); i++) {
		const int *roles = kvmhost_roles;
		const char *path = k->img.paths[roles[i]];
		const struct image_file *f = &k->img.profile->files[roles[i]];
		char got[65];
		r = sha256_file(path, got);
		if (r)
			return kh_fail(k, r, "cannot read %s: %s", path, strerror(-r));
		if (f->sha256[0] && strcmp(got, f->sha256))
			return kh_fail(k, -EBADMSG, "%s: checksum mismatch: the manifest says sha256 %s, the file is %s",
				       path, f->sha256, got);
	}
	return 0;
}

/* Its directory: a new run's, or RUN_DIR/kvmhost in the caller's run. */
static int make_dirs(struct kh *k)
{
	int r;
	if (k->o->run_dir) {
		k->dir = xasprintf("%s/kvmhost", k->o->run_dir);
		r = mkdir(k->dir, 0700) < 0 ? -errno : 0;
	} else {
		char *id = NULL;
		r = rundir_create(&id, &k->dir);
		free(id);
		if (!r) {
			char *ledger = kh_path(k, "resources");
			cleanup_set_ledger(ledger);
			free(ledger);
			k->own_run = true;
		}
	}
	if (r)
		return kh_fail(k, r, "cannot create a run directory under '%s': %s",
			       k->o->run_dir ? k->o->run_dir : rundir_base(), strerror(-r));
	snprintf(k->res->dir, sizeof(k->res->dir), "%s", k->dir);
	/* realpath: the same path on both sides, whatever links lead here */
	char *guest = kh_path(k, "guest");
	r = mkdir(guest, 0700) < 0 ? -errno : 0;
	k->guest = r ? NULL : realpath(guest, NULL);
	free(guest);
	if (!k->guest)
		return kh_fail(k, r ? r : -errno, "cannot create %s/guest: %s", k->dir, strerror(r ? -r : errno));
	char *runs = xasprintf("%s/runs", k->guest);
	r = mkdir(runs, 0700) < 0 ? -errno : 0;
	free(runs);
	return r ? kh_fail(k, r, "cannot create %s/runs: %s", k->guest, strerror(-r)) : 0;
}

static int append_file(int out, const char *path)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	char buf[65536];
	ssize_t n;
	int r = 0;
	while (!r && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0)
			r = errno == EINTR ? 0 : -errno;
		else if (write(out, buf, (size_t)n) != n)
			r = -EIO;
	}
	close(in);
	return r;
}

/* kvmhost-initrd.img with the module tree appended, as the kernel takes
 * several archives: one file for qemu's -initrd. */
static int write_initrd(struct kh *k)
{
	k->initrd = kh_path(k, "kvmhost-initrd.img");
	int fd = open(k->initrd, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return kh_fail(k, -errno, "cannot create %s: %s", k->initrd, strerror(errno));
	k->initrd_h = cleanup_add_path(RES_FILE, k->initrd);
	int r = append_file(fd, k->img.kvmhost_initrd);
	if (!r)
		r = append_file(fd, k->img.kvmhost_modules);
	if (close(fd) < 0 && !r)
		r = -errno;
	return r ? kh_fail(k, r, "cannot write %s: %s", k->initrd, strerror(-r)) : 0;
}

/* realpath of what may not exist: NULL then */
static char *real_or_null(const char *path)
{
	return path ? realpath(path, NULL) : NULL;
}

static char *dir_of(const char *path)
{
	char *d = xstrdup(path);
	char *slash = strrchr(d, '/');
	if (slash)
		slash[slash == d ? 1 : 0] = '\0';
	return d;
}

/* The host's root entries the emulated host mirrors: directories, or
 * symlinks read as they are. */
static void gather_root(struct kh *k)
{
	static const char *const names[] = { "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct kvmhost_root_entry *e = &k->root[k->nroot++];
		struct stat st;
		char target[PATH_MAX];
		e->path = names[i];
		e->link = ""; /* absent, or neither a directory nor a link */
		if (lstat(names[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			e->link = NULL;
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(names[i], target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				k->links[i] = xstrdup(target);
				e->link = k->links[i];
			}
		}
	}
}

static int make_plan(struct kh *k)
{
	gather_root(k);
	char cwd[PATH_MAX];
	char *exe = realpath("/proc/self/exe", NULL);
	char *lib = realpath("/lib", NULL);
	if (!exe || !lib) {
		free(exe);
		free(lib);
		return kh_fail(k, -ENOENT, "cannot find vlab's own binary or /lib");
	}
	k->agent = exe;
	k->modules_dir = xasprintf("%s/modules", lib);
	free(lib);
	k->wanted[0] = getcwd(cwd, sizeof(cwd)) ? real_or_null(cwd) : NULL;
	k->wanted[1] = dir_of(exe);
	k->wanted[2] = real_or_null(image_dir());
	k->wanted[3] = real_or_null(cache_dir());
	k->wanted[4] = real_or_null(k->o->extra_dir);
	struct kvmhost_plan_in *in = &k->pin;
	*in = (struct kvmhost_plan_in){
		.root = k->root,
		.nroot = k->nroot,
		.wanted = { k->wanted[0], k->wanted[1], k->wanted[2], k->wanted[3], k->wanted[4] },
		.wanted_why = { "the working directory", "vlab's directory", "the image directory", "vlab's cache",
				"the manifest's directory" },
		.modules_dir = k->modules_dir,
		.rundir = k->guest,
		.agent = k->agent,
		.cwd = k->wanted[0],
		.shell = k->o->shell,
	};
	for (size_t i = 0; i < ARRAY_SIZE(k->wanted); i++)
		in->unreadable[i] = k->wanted[i] && access(k->wanted[i], R_OK | X_OK) != 0;
	struct winsize ws;
	if (k->o->shell && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		in->rows = ws.ws_row;
		in->cols = ws.ws_col;
	}
	char err[512];
	int r = kvmhost_plan_make(in, &k->plan, err, sizeof(err));
	return r ? kh_fail(k, r, "%s", err) : 0;
}

/* The host's value of name, when it is one the inner plan can carry. */
static const char *plain_env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v || strlen(v) > 256)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < ' ' || *c == 0x7f)
			return NULL;
	return v;
}

/* The shell for `shell`: the user's, if the emulated host has it. */
static const char *inner_shell(const struct kh *k)
{
	const char *sh = plain_env("SHELL");
	if (sh && kvmhost_path_ok(sh) && access(sh, X_OK) == 0)
		return sh;
	return access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
}

static int write_guest_file(struct kh *k, const char *name, const struct strbuf *sb)
{
	char *path = xasprintf("%s/%s", k->guest, name);
	int r = write_file_atomic(path, sb->buf ? sb->buf : "", sb->len, 0644);
	free(path);
	return r ? kh_fail(k, r, "cannot write %s/%s: %s", k->guest, name, strerror(-r)) : 0;
}

/* plan, argv and env into the share, before the machine starts */
static int write_inputs(struct kh *k)
{
	struct strbuf plan = STRBUF_INIT, argv = STRBUF_INIT, env = STRBUF_INIT;
	kvmhost_plan_write(&k->pin, &k->plan, &plan);
	if (k->o->shell) {
		const char *sh = inner_shell(k);
		kvmhost_strv_encode(&sh, 1, &argv);
	} else {
		size_t n = 0;
		while (k->o->argv[n])
			n++;
		kvmhost_strv_encode(k->o->argv, n, &argv);
	}
	char *cache = k->wanted[3] ? dir_of(k->wanted[3]) : NULL;
	struct kvmhost_env_in ein = { .vlab_dir = k->wanted[1], .image_dir = k->wanted[2],
				      .cache_home = cache, .term = plain_env("TERM"), .lang = plain_env("LANG"),
				      .lc_all = plain_env("LC_ALL"), .lc_ctype = plain_env("LC_CTYPE"),
				      .no_color = plain_env("NO_COLOR"), .out_tty = k->o->out_tty };
	char *ev[24];
	size_t nev = kvmhost_env_build(&ein, ev, ARRAY_SIZE(ev));
	kvmhost_strv_encode((const char *const *)ev, nev, &env);
	kvmhost_env_release(ev, nev);
	free(cache);
	int r = write_guest_file(k, "plan", &plan);
	if (!r)
		r = write_guest_file(k, "argv", &argv);
	if (!r)
		r = write_guest_file(k, "env", &env);
	sb_release(&plan);
	sb_release(&argv);
	sb_release(&env);
	return r;
}

/* qemu, started and registered; its channel sockets connected. */
static int start_qemu(struct kh *k)
{
	char *qemu = proc_which("qemu-system-x86_64");
	if (!qemu)
		return kh_fail(k, -ENOENT, "qemu-system-x86_64 is not in PATH (Debian: apt-get install qemu-system-x86)");
	char *console = kh_path(k, "console.log");
	char *qlog = kh_path(k, "qemu.log");
	struct kvmhost_qemu_in q = { .qemu = qemu, .kernel = k->img.kernel, .initrd = k->initrd, .console = console,
				     .sock_dir = k->dir, .mem = KVMHOST_MEM, .cpus = KVMHOST_CPUS, .shell = k->o->shell };
	struct vm_argv a;
	int r = kvmhost_qemu_argv(&q, &k->pin, &k->plan, &a);
	struct spawn_opts so = SPAWN_OPTS_INIT;
	so.argv = (const char *const *)a.v;
	so.stdout_path = so.stderr_path = qlog;
	so.own_pgrp = true;
	so.die_with_parent = true;
	if (!r) {
		k->t_start = now_ms();
		r = proc_spawn(&so, &k->qemu);
	}
	if (!r)
		k->qemu_h = cleanup_add_process(k->qemu, k->o->label ? k->o->label : "qemu (emulated KVM host)");
	vm_argv_release(&a);
	free(console);
	free(qlog);
	free(qemu);
	if (r)
		return kh_fail(k, r, "cannot start qemu-system-x86_64: %s", strerror(-r));
	static const char *const chans[] = { "out", "err", "ctl", "tty" };
	int *const fds[] = { &k->fd_out, &k->fd_err, &k->fd_ctl, &k->fd_tty };
	size_t nchans = k->o->shell ? 4 : 3; /* the tty only for the shell */
	for (size_t i = 0; i < nchans && !r; i++) {
		char *sock = kvmhost_sock_path(k->dir, chans[i]);
		k->sock_h[i] = cleanup_add_path(RES_FILE, sock);
		r = unix_connect_peer(sock, k->qemu, k->qemu, 10000, fds[i]);
		if (r && r != -EINTR)
			kh_fail(k, r, "cannot connect to qemu's %s: %s (see %s/qemu.log)", sock, strerror(-r), k->dir);
		free(sock);
	}
	return r;
}

static void kh_release(struct kh *k)
{
	int *const fds[] = { &k->fd_out, &k->fd_err, &k->fd_ctl, &k->fd_tty };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	for (size_t i = 0; i < ARRAY_SIZE(k->sock_h); i++)
		cleanup_release(k->sock_h[i]);
	cleanup_release(k->qemu_h); /* a no-op once it was reaped and forgotten */
	cleanup_release(k->initrd_h);
	if (k->own_run) {
		char *ledger = kh_path(k, "resources");
		cleanup_set_ledger(NULL);
		unlink(ledger);
		free(ledger);
	}
	kvmhost_plan_release(&k->plan);
	for (size_t i = 0; i < ARRAY_SIZE(k->wanted); i++)
		free(k->wanted[i]);
	for (size_t i = 0; i < ARRAY_SIZE(k->links); i++)
		free(k->links[i]);
	free(k->agent);
	free(k->modules_dir);
	free(k->initrd);
	free(k->guest);
	free(k->dir);
	image_release(&k->img);
	manifest_release(&k->m);
}

int kvmhost_run_argv(const struct kvmhost_opts *o, struct kvmhost_result *res)
{
	struct kh k = { .o = o, .res = res, .fd_out = -1, .fd_err = -1, .fd_ctl = -1, .fd_tty = -1, .qemu_h = -1,
			.initrd_h = -1, .sock_h = { -1, -1, -1, -1 } };
	memset(res, 0, sizeof(*res));
	res->status = EXIT_HOST_STATUS;
	int r = find_image(&k);
	if (!r)
		r = make_dirs(&k);
	if (!r)
		r = write_initrd(&k);
	if (!r)
		r = make_plan(&k);
	if (!r)
		r = write_inputs(&k);
	if (!r) {
		kh_progress_begin(&k);
		r = start_qemu(&k);
	}
	if (!r)
		r = kh_supervise(&k);
	else if (r == -EINTR)
		kh_stopped(&k);
	kh_release(&k);
	return r;
}
