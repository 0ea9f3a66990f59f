/* The host facts behind `vlab doctor` and chapter 0: what this host has for
 * the lab, read and tried, not yet judged (host_table.c judges them).
 *
 *   doctor_gather() ──▶ struct doctor_facts
 *   doctor_probe()  ──▶ facts.probe (a boot under KVM, only with --probe)
 *
 * Everything gather reads lies below a root directory ("" for this host), so
 * tests build Intel, AMD, kvm_pvm and no-KVM hosts in a temporary directory.
 * Tools are found in $PATH and asked for their --version; tests point PATH at
 * scripts that print the lines recorded on a CI machine. */
#include "runner/doctor/host_facts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/fetch/image.h"
#include "runner/vm/kvmhost.h"
#include "runner/proc.h"
#include "runner/rundir.h"
#include "runner/grade/seccomp_filter.h"
#include "runner/vm/vmrun.h"
#include "runner/clock.h"
#include "runner/files.h"

/* ---- small readers ------------------------------------------------------ */

static char *at(const char *root, const char *path)
{
	return xasprintf("%s%s", root, path);
}

/* A sysctl-like number below root; missing (or unparsable) gives dflt. */
static long read_long_at(const char *root, const char *path, long dflt)
{
	char buf[64];
	int64_t v;
	read_line_at(root, path, buf, sizeof(buf));
	if (!buf[0] || parse_i64(buf, INT32_MIN, INT64_MAX, &v))
		return dflt;
	return (long)v;
}

static void stat_file(const char *root, const char *path, bool try_open, struct doctor_file *out)
{
	char *p = at(root, path);
	struct stat st;
	memset(out, 0, sizeof(*out));
	if (stat(p, &st) == 0) {
		out->present = true;
		out->mode = st.st_mode;
		out->uid = st.st_uid;
		out->gid = st.st_gid;
		if (try_open) {
			/* opening /dev/net/tun makes nothing until TUNSETIFF */
			int fd = open(p, O_RDWR | O_CLOEXEC | O_NONBLOCK);
			out->open_err = fd < 0 ? -errno : 0;
			if (fd >= 0)
				close(fd);
		}
	}
	free(p);
}
/* ---- tools -------------------------------------------------------------- */

/* The first non-empty line of s, trimmed, into out. */
static void first_line(const char *s, char *out, size_t n)
{
	s += strspn(s, " \t\r\n");
	size_t len = strcspn(s, "\r\n");
	snprintf(out, n, "%.*s", (int)len, s);
	rtrim(out);
}

static void probe_tool(struct doctor_tool *t, const char *name, const char *arg)
{
	memset(t, 0, sizeof(*t));
	char *path = proc_which(name);
	if (!path)
		return;
	t->found = true;
	snprintf(t->path, sizeof(t->path), "%s", path);
	const char *const argv[] = { path, arg, NULL };
	struct strbuf out = STRBUF_INIT;
	int st = 0;
	int r = proc_run(argv, 5000, &out, &st);
	if (r) {
		snprintf(t->version, sizeof(t->version), "'%s %s' could not run: %s", name, arg, strerror(-r));
	} else {
		t->runs = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		first_line(sb_str(&out), t->version, sizeof(t->version));
		if (!t->runs && !t->version[0])
			proc_describe_status(st, t->version, sizeof(t->version));
	}
	sb_release(&out);
	free(path);
}

/* ---- kvm tracepoints ---------------------------------------------------- */

static int count_subdirs(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", path, e->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			n++;
		free(p);
	}
	closedir(d);
	return n;
}

/* tracefs is at /sys/kernel/tracing (or under debugfs) only once someone
 * mounted it: on the CI machines nothing is mounted until perf runs, and perf
 * mounts it itself (as root). So a readable tracefs answers; an unmounted one
 * means asking perf; and tracefs is root-only (0700), so as a user neither
 * it nor perf can see the events, which says nothing about whether they exist. */
static void probe_tracepoints(const char *root, struct doctor_facts *f)
{
	static const char *const bases[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	bool denied = false;
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		char *events = xasprintf("%s%s/events", root, bases[i]);
		char *kvm = xasprintf("%s/kvm", events);
		char *exit_ev = xasprintf("%s/kvm_exit", kvm);
		struct stat st;
		bool mounted = stat(events, &st) == 0;
		if (!mounted && errno == EACCES)
			denied = true;
		if (mounted) {
			snprintf(f->kvm_tp_where, sizeof(f->kvm_tp_where), "%s/events/kvm", bases[i]);
			f->kvm_tp = path_exists(exit_ev) ? TP_FOUND : TP_ABSENT;
			if (f->kvm_tp == TP_FOUND)
				f->kvm_tp_count = count_subdirs(kvm);
		}
		free(exit_ev);
		free(kvm);
		free(events);
		if (mounted)
			return;
	}
	f->kvm_tp = TP_UNKNOWN;
	if (!f->perf.runs) {
		snprintf(f->kvm_tp_where, sizeof(f->kvm_tp_where), "%s and perf could not be asked",
			 denied ? "tracefs is readable by root only" : "tracefs is not mounted");
		return;
	}
	const char *const argv[] = { f->perf.path, "list", "kvm:kvm_exit", NULL };
	struct strbuf out = STRBUF_INIT;
	int st = 0;
	if (proc_run(argv, 10000, &out, &st) == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		if (strstr(sb_str(&out), "kvm:kvm_exit"))
			f->kvm_tp = TP_FOUND;
		else if (!denied && f->euid == 0)
			f->kvm_tp = TP_ABSENT;
	}
	if (f->kvm_tp == TP_UNKNOWN)
		snprintf(f->kvm_tp_where, sizeof(f->kvm_tp_where), "%s, and perf list shows no kvm events to this user",
			 denied ? "tracefs is readable by root only" : "tracefs is not mounted");
	else
		snprintf(f->kvm_tp_where, sizeof(f->kvm_tp_where), "perf list");
	sb_release(&out);
}

/* ---- user namespaces ---------------------------------------------------- */

/* What vlab's rootless network needs, tried for real in a throwaway child
 * (unshare(CLONE_NEWUSER) is refused in a multithreaded process, and the
 * child's namespaces vanish with it). */
static int try_unshare(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 0 : (errno & 0x7f) ? (errno & 0x7f) : 1);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -ECHILD;
	return WEXITSTATUS(st) ? -WEXITSTATUS(st) : 1;
}

/* What bubblewrap's --unshare-user does, in a child, as the unprivileged uid
 * vlab grade runs bwrap as (nobody when this is root; the sandboxes' own uids
 * are left to running sandboxes): a user namespace, its uid_map, mount and
 * network namespaces inside it (sandbox_userns.h says why each step). The
 * child writes the failed step and errno to a pipe; 2 s at most. */
static void probe_sandbox_userns(struct sandbox_userns_probe *p)
{
	enum { NOBODY = 65534, DEADLINE_MS = 2000 };
	uid_t uid = geteuid() == 0 ? NOBODY : geteuid();
	gid_t gid = geteuid() == 0 ? NOBODY : getegid();
	p->uid = (unsigned)uid;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		p->result = -errno;
		p->failed = USERNS_STEP_UNSHARE;
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int out[2] = { USERNS_STEP_NONE, 0 };
		char map[64];
		int fd = -1;
		/* dropping root leaves the process undumpable, its /proc/self
		 * root's; bwrap's exec by the sandbox's launcher makes it
		 * dumpable again, this makes it so by hand */
		if (getuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
				      setresuid(uid, uid, uid) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0))
			out[0] = USERNS_STEP_DROP;
		else if (unshare(CLONE_NEWUSER) < 0)
			out[0] = USERNS_STEP_UNSHARE;
		else if (snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid) < 0 ||
			 (fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC)) < 0 ||
			 write(fd, map, strlen(map)) != (ssize_t)strlen(map))
			out[0] = USERNS_STEP_UID_MAP;
		else if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
			out[0] = USERNS_STEP_INNER;
		out[1] = out[0] == USERNS_STEP_NONE ? 0 : errno;
		ssize_t w = write(fds[1], out, sizeof(out));
		_exit(w == (ssize_t)sizeof(out) ? 0 : 1);
	}
	close(fds[1]);
	if (pid < 0) {
		p->result = -errno;
		p->failed = USERNS_STEP_UNSHARE;
		close(fds[0]);
		return;
	}
	int got[2] = { USERNS_STEP_UNSHARE, ETIMEDOUT };
	struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
	int64_t deadline = now_ms() + DEADLINE_MS;
	int r;
	while ((r = poll(&pfd, 1, (int)ms_left(deadline))) < 0 && errno == EINTR)
		;
	if (r <= 0 || read(fds[0], got, sizeof(got)) != (ssize_t)sizeof(got)) {
		got[0] = USERNS_STEP_UNSHARE;
		got[1] = r == 0 ? ETIMEDOUT : EIO;
		kill(pid, SIGKILL);
	}
	close(fds[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	p->failed = (enum userns_step)got[0];
	p->result = got[0] == USERNS_STEP_NONE ? 1 : -(got[1] ? got[1] : EPERM);
}

/* ---- image profiles ----------------------------------------------------- */

static void probe_profiles(struct doctor_facts *f)
{
	struct manifest m;
	char err[320] = "";
	memset(&m, 0, sizeof(m));
	if (image_load_manifests(&m, NULL, err, sizeof(err)))
		snprintf(f->manifest_error, sizeof(f->manifest_error), "%s", err);
	for (int i = 0; i < m.nprofiles && f->nprofiles < DOCTOR_MAX_PROFILES; i++) {
		const struct image_profile *ip = &m.profiles[i];
		struct doctor_profile *p = &f->profiles[f->nprofiles++];
		struct image img;
		err[0] = '\0';
		p->ok = image_resolve(&m, ip->name, &img, err, sizeof(err)) == 0;
		snprintf(p->name, sizeof(p->name), "%s", ip->name);
		snprintf(p->description, sizeof(p->description), "%s", ip->description ? ip->description : "");
		p->is_default = !strcmp(ip->name, "default");
		snprintf(p->dir, sizeof(p->dir), "%s", img.dir ? img.dir : "");
		snprintf(p->error, sizeof(p->error), "%s", p->ok ? "" : err);
		snprintf(p->digest, sizeof(p->digest), "%.16s", img.digest);
		struct strbuf names = STRBUF_INIT;
		p->hashed = true;
		/* the guest's files, the ones the digest covers */
		for (int j = 0; j < IMAGE_GUEST_ROLES; j++) {
			const struct image_file *file = &ip->files[j];
			if (!file->name)
				continue;
			sb_addf(&names, "%s%s", names.len ? ", " : "", file->name);
			if (!file->sha256[0])
				p->hashed = false;
		}
		snprintf(p->files, sizeof(p->files), "%s", sb_str(&names));
		sb_release(&names);
		image_release(&img);
	}
	manifest_release(&m);
}

/* ---- gather ------------------------------------------------------------- */

void doctor_gather(const char *root, struct doctor_facts *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->root, sizeof(f->root), "%s", root);
	f->ept_restore_rc = 1; /* nothing pending, until cmd_doctor has looked */
	read_line_at(root, "/proc/sys/kernel/osrelease", f->osrelease, sizeof(f->osrelease));

	host_probe_kvm(root, &f->kvm);
	accel_decide(&f->kvm, ACCEL_REQ_AUTO, &f->accel);
	stat_file(root, "/dev/kvm", false, &f->dev_kvm);
	if (f->dev_kvm.present && S_ISCHR(f->dev_kvm.mode)) {
		/* one harmless ioctl: the evidence that KVM answers at all */
		char *p = at(root, "/dev/kvm");
		int fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			f->kvm_api = -errno;
		} else {
			int v = ioctl(fd, KVM_GET_API_VERSION, 0);
			f->kvm_api = v < 0 ? -errno : v;
			close(fd);
		}
		free(p);
	}
	stat_file(root, "/dev/net/tun", true, &f->tun);

	f->euid = geteuid();
	f->userns_clone = (int)read_long_at(root, "/proc/sys/kernel/unprivileged_userns_clone", -1);
	f->max_userns = read_long_at(root, "/proc/sys/user/max_user_namespaces", -1);
	f->apparmor_userns = (int)read_long_at(root, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns", -1);
	f->userns_unshare = root[0] ? 0 : try_unshare();
	f->apparmor_userns_present = read_line_at(root, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
						  f->apparmor_userns_text, sizeof(f->apparmor_userns_text)) != -ENOENT;
	if (!root[0])
		probe_sandbox_userns(&f->sandbox_userns);
	f->perf_paranoid = (int)read_long_at(root, "/proc/sys/kernel/perf_event_paranoid", -99);

	probe_tool(&f->qemu, "qemu-system-x86_64", "--version");
	probe_tool(&f->qemu_img, "qemu-img", "--version");
	probe_tool(&f->strace, "strace", "-V");
	probe_tool(&f->perf, "perf", "--version");
	probe_tool(&f->iperf3, "iperf3", "--version");
	probe_tool(&f->bwrap, "bwrap", "--version");
	probe_tool(&f->ping, "ping", "-V"); /* iputils' and inetutils' ping both take -V */
	probe_tool(&f->curl, "curl", "--version");
	probe_tool(&f->wget, "wget", "--version");
	cgroup_host_detect(root, &f->cgroups);
	int sfd = seccomp_filter_fd(f->seccomp_error, sizeof(f->seccomp_error));
	f->seccomp = sfd < 0 ? sfd : 1;
	if (sfd >= 0)
		close(sfd);
	probe_tracepoints(root, f);
	probe_profiles(f);
	/* the emulated KVM host stands in for this host's KVM: only for the
	 * real host (a --root is a saved one, its image elsewhere) */
	if (root[0])
		snprintf(f->kvmhost_missing, sizeof(f->kvmhost_missing), "not looked at under --root");
	else
		kvmhost_check(NULL, f->kvmhost_missing, sizeof(f->kvmhost_missing));
}

/* ---- the boot probe ----------------------------------------------------- */

void doctor_console_evidence(const char *raw, int lines, char *out, size_t n)
{
	/* strip escape sequences (SeaBIOS clears the screen with ESC c, ESC [2J)
	 * and control characters, keep line structure */
	size_t len = strlen(raw);
	char *clean = xmalloc(len + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c == 0x1b) {
			if (i + 1 < len && raw[i + 1] == '[') {
				i += 2;
				while (i < len && !((unsigned char)raw[i] >= 0x40 && (unsigned char)raw[i] <= 0x7e))
					i++;
			} else {
				i++;
			}
			continue;
		}
		if (c == '\n' || c == '\t' || c >= 0x20)
			clean[k++] = c == '\t' ? ' ' : (char)c;
	}
	clean[k] = '\0';

	/* the last `lines` non-empty lines, oldest first */
	const char *starts[16];
	size_t lens[16];
	int got = 0;
	if (lines > 16)
		lines = 16;
	char *end = clean + k;
	while (end > clean && got < lines) {
		char *e = end;
		while (e > clean && (e[-1] == '\n' || e[-1] == ' '))
			e--;
		if (e == clean)
			break;
		char *s = e;
		while (s > clean && s[-1] != '\n')
			s--;
		const char *t = s + strspn(s, " ");
		starts[got] = t;
		lens[got] = (size_t)(e - t);
		got++;
		end = s;
	}
	struct strbuf sb = STRBUF_INIT;
	for (int i = got - 1; i >= 0; i--)
		sb_addf(&sb, "%s%.*s", sb.len ? " | " : "", (int)lens[i], starts[i]);
	snprintf(out, n, "%s", sb_str(&sb));
	sb_release(&sb);
	free(clean);
}

/* What a chapter's prepare checks before its first VM (lab_prepare_image):
 * the default profile's files, and qemu and qemu-img, from the facts. On
 * error blocked says why. */
static int probe_image(const struct doctor_facts *f, struct manifest *m, struct image *img, char *blocked,
		       size_t n)
{
	int r = image_load_manifests(m, NULL, blocked, n);
	if (r == 0)
		r = image_resolve(m, "default", img, blocked, n);
	if (r)
		return r;
	const struct {
		const struct doctor_tool *tool;
		const char *name, *package;
	} tools[] = {
		{ &f->qemu, "qemu-system-x86_64", "qemu-system-x86" },
		{ &f->qemu_img, "qemu-img", "qemu-utils" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		if (!tools[i].tool->found) {
			snprintf(blocked, n, "%s not found in PATH: install Debian's %s (or run 'make deps')",
				 tools[i].name, tools[i].package);
			return -ENOENT;
		}
	}
	return 0;
}

int doctor_probe(struct doctor_facts *f, int64_t timeout_ms)
{
	struct doctor_probe *p = &f->probe;
	memset(p, 0, sizeof(*p));
	p->timeout_ms = timeout_ms;
	struct accel_decision forced;
	if (accel_decide(&f->kvm, ACCEL_REQ_KVM, &forced)) {
		p->state = PROBE_SKIPPED;
		snprintf(p->detail, sizeof(p->detail), "%s", forced.reason);
		return 0;
	}
	if (f->root[0]) {
		p->state = PROBE_SKIPPED;
		snprintf(p->detail, sizeof(p->detail), "the probe boots on this host only, not below --root");
		return 0;
	}

	/* the chapters' own VM layer: the same command, -cpu fallback and
	 * console handling as `vlab chapter 1 --accel kvm` */
	static struct manifest m; /* large; one probe per process */
	static struct vm vm;
	struct image img;
	memset(&m, 0, sizeof(m));
	memset(&img, 0, sizeof(img));
	memset(&vm, 0, sizeof(vm));
	vm.pid_handle = vm.overlay_handle = vm.serial_handle = vm.qmp_handle = -1;
	struct artifact artifacts[LAB_MAX_ARTIFACTS];
	int nartifacts = 0;
	char blocked[512] = "";
	struct vm_run_ctx run = {
		.image = &img,
		.accel = &forced,
		.boot_timeout_ms = timeout_ms,
		.blocked = blocked,
		.blocked_len = sizeof(blocked),
		.artifacts = artifacts,
		.nartifacts = &nartifacts,
	};
	char *run_id = NULL, *run_dir = NULL, *ledger = NULL;
	int ret = 0;
	int r = rundir_create(&run_id, &run_dir);
	if (r) {
		p->state = PROBE_FAILED;
		snprintf(p->detail, sizeof(p->detail), "cannot create the run directory in '%s': %s", rundir_base(),
			 strerror(-r));
		goto out;
	}
	run.run_dir = run_dir;
	ledger = xasprintf("%s/resources", run_dir);
	cleanup_set_ledger(ledger);

	r = probe_image(f, &m, &img, blocked, sizeof(blocked));
	if (r) {
		p->state = PROBE_SKIPPED;
		snprintf(p->detail, sizeof(p->detail), "%s", blocked);
		goto out;
	}
	r = vmrun_prepare(&run, &vm, "vm1", NULL, 0);
	if (r) {
		p->state = PROBE_FAILED;
		snprintf(p->detail, sizeof(p->detail), "cannot build the qemu command: %s", strerror(-r));
		goto out;
	}
	r = vmrun_start(&run, &vm);
	if (r == 0)
		r = vmrun_wait_login(&run, &vm);
	p->elapsed_ms = vm.spawned_ms ? now_ms() - vm.spawned_ms : 0;
	snprintf(p->cpu, sizeof(p->cpu), "%s", vm.spec.cpu ? vm.spec.cpu : "");
	snprintf(p->transcript, sizeof(p->transcript), "%s", vm.transcript_path ? vm.transcript_path : "");
	if (vm.con)
		doctor_console_evidence(console_tail(vm.con), 3, p->console, sizeof(p->console));
	if (r == -EINTR || cleanup_stop_requested()) {
		ret = -EINTR;
	} else if (r == 0) {
		p->state = PROBE_LOGIN;
		p->elapsed_ms = vm.login_prompt_ms - vm.spawned_ms;
	} else if (r == -ETIMEDOUT) {
		p->state = PROBE_NO_LOGIN;
	} else {
		p->state = PROBE_FAILED;
		snprintf(p->detail, sizeof(p->detail), "%s", blocked[0] ? blocked : strerror(-r));
	}
	vmrun_stop(&vm);
out:
	cleanup_set_ledger(NULL);
	/* everything the probe made is released (or will be by the command's
	 * cleanup_run_all() after a stop): no ledger, so `vlab status` has
	 * nothing to say about it; the transcript stays */
	if (ledger)
		unlink(ledger);
	free(ledger);
	vm_release(&vm);
	for (int i = 0; i < nartifacts; i++)
		free(artifacts[i].path);
	image_release(&img);
	manifest_release(&m);
	free(run_id);
	free(run_dir);
	return ret;
}
