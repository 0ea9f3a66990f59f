/* `vlab doctor`: probe the host, then turn the facts into rows.
 *
 *   doctor_gather() ──▶ struct doctor_facts ──doctor_rows()──▶ rows ──▶ text | json
 *   doctor_probe()  ──▶ facts.probe (a boot under KVM, only with --probe)
 *
 * Everything gather reads lies below a root directory ("" for this host), so
 * tests build Intel, AMD, kvm_pvm and no-KVM hosts in a temporary directory.
 * Tools are found in $PATH and asked for their --version; tests point PATH at
 * scripts that print the lines recorded on a CI machine. */
#include "runner/doctor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/kvm.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/exit_status.h"
#include "runner/host/ept.h"
#include "runner/vm/image.h"
#include "runner/lab.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/rundir.h"
#include "runner/grade/seccomp_filter.h"
#include "runner/vm/vmrun.h"

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

/* "crw-rw----" */
static void mode_string(unsigned mode, char out[11])
{
	const char *rwx = "rwxrwxrwx";
	out[0] = S_ISCHR(mode) ? 'c' : S_ISDIR(mode) ? 'd' : S_ISBLK(mode) ? 'b' : '-';
	for (int i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	out[10] = '\0';
}

/* "crw------- root:root" */
static void describe_file(const struct doctor_file *df, char *out, size_t n)
{
	char m[11], user[32], group[32];
	struct passwd *pw = getpwuid(df->uid);
	struct group *gr = getgrgid(df->gid);
	mode_string(df->mode, m);
	if (pw)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "%u", (unsigned)df->uid);
	if (gr)
		snprintf(group, sizeof(group), "%s", gr->gr_name);
	else
		snprintf(group, sizeof(group), "%u", (unsigned)df->gid);
	snprintf(out, n, "%s %s:%s", m, user, group);
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
		const struct image_file *const files[] = { &ip->kernel, &ip->initrd, &ip->rootfs };
		struct strbuf names = STRBUF_INIT;
		p->hashed = true;
		for (size_t j = 0; j < ARRAY_SIZE(files); j++) {
			if (!files[j]->name)
				continue;
			sb_addf(&names, "%s%s", names.len ? ", " : "", files[j]->name);
			if (!files[j]->sha256[0])
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
	f->perf_paranoid = (int)read_long_at(root, "/proc/sys/kernel/perf_event_paranoid", -99);

	probe_tool(&f->qemu, "qemu-system-x86_64", "--version");
	probe_tool(&f->qemu_img, "qemu-img", "--version");
	probe_tool(&f->strace, "strace", "-V");
	probe_tool(&f->perf, "perf", "--version");
	probe_tool(&f->iperf3, "iperf3", "--version");
	probe_tool(&f->bwrap, "bwrap", "--version");
	cgroup_host_detect(root, &f->cgroups);
	int sfd = seccomp_filter_fd(f->seccomp_error, sizeof(f->seccomp_error));
	f->seccomp = sfd < 0 ? sfd : 1;
	if (sfd >= 0)
		close(sfd);
	probe_tracepoints(root, f);
	probe_profiles(f);
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

static void probe_lab_release(struct lab *lab)
{
	for (int i = 0; i < LAB_MAX_VMS; i++)
		vm_release(&lab->vms[i]);
	for (int i = 0; i < lab->nartifacts; i++)
		free(lab->artifacts[i].path);
	image_release(&lab->image);
	manifest_release(&lab->manifest);
	free(lab->run_id);
	free(lab->run_dir);
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

	/* the chapters' own machinery: the same command, -cpu fallback and
	 * console handling as `vlab chapter 1 --accel kvm` */
	struct lab_options o;
	memset(&o, 0, sizeof(o));
	o.profile = "default";
	o.accel = ACCEL_REQ_KVM;
	o.boot_timeout_ms = timeout_ms;
	o.quiet = true;
	static struct lab lab; /* large; one probe per process */
	memset(&lab, 0, sizeof(lab));
	lab.opt = &o;
	lab.started_ms = now_ms();
	for (int v = 0; v < LAB_MAX_VMS; v++) {
		lab.vms[v].pid_handle = lab.vms[v].overlay_handle = -1;
		lab.vms[v].serial_handle = lab.vms[v].qmp_handle = -1;
	}
	int ret = 0;
	int r = rundir_create(&lab.run_id, &lab.run_dir);
	if (r) {
		p->state = PROBE_FAILED;
		snprintf(p->detail, sizeof(p->detail), "cannot create the run directory in '%s': %s", rundir_base(),
			 strerror(-r));
		goto out;
	}
	char *ledger = lab_path(&lab, "resources");
	cleanup_set_ledger(ledger);
	free(ledger);

	r = lab_prepare_image(&lab);
	if (r) {
		p->state = PROBE_SKIPPED;
		snprintf(p->detail, sizeof(p->detail), "%s", lab.blocked);
		goto out;
	}
	struct vm *vm = &lab.vms[0];
	lab.nvms = 1;
	r = vm_prepare(&lab, vm, "vm1", NULL, 0);
	if (r) {
		p->state = PROBE_FAILED;
		snprintf(p->detail, sizeof(p->detail), "cannot build the qemu command: %s", strerror(-r));
		goto out;
	}
	r = vm_start(&lab, vm);
	if (r == 0)
		r = vm_wait_login(&lab, vm);
	p->elapsed_ms = vm->spawned_ms ? now_ms() - vm->spawned_ms : 0;
	snprintf(p->cpu, sizeof(p->cpu), "%s", vm->spec.cpu ? vm->spec.cpu : "");
	snprintf(p->transcript, sizeof(p->transcript), "%s", vm->transcript_path ? vm->transcript_path : "");
	if (vm->con)
		doctor_console_evidence(console_tail(vm->con), 3, p->console, sizeof(p->console));
	if (r == -EINTR || cleanup_stop_requested()) {
		ret = -EINTR;
	} else if (r == 0) {
		p->state = PROBE_LOGIN;
		p->elapsed_ms = vm->login_prompt_ms - vm->spawned_ms;
	} else if (r == -ETIMEDOUT) {
		p->state = PROBE_NO_LOGIN;
	} else {
		p->state = PROBE_FAILED;
		if (lab.blocked[0])
			snprintf(p->detail, sizeof(p->detail), "%s", lab.blocked);
		else
			snprintf(p->detail, sizeof(p->detail), "%s", strerror(-r));
	}
	vm_stop(&lab, vm);
out:
	cleanup_set_ledger(NULL);
	if (lab.run_dir) {
		/* everything the probe made is released (or will be by the
		 * command's cleanup_run_all() after a stop): no ledger, so `vlab
		 * status` has nothing to say about it; the transcript stays */
		char *ledger_file = lab_path(&lab, "resources");
		unlink(ledger_file);
		free(ledger_file);
	}
	probe_lab_release(&lab);
	return ret;
}

/* ---- host kinds --------------------------------------------------------- */

const struct doctor_host_kind doctor_host_kinds[] = {
	{ "bare-metal", "bare-metal Linux with VT-x/AMD-V",
	  "everything: guests under KVM (kvm_intel or kvm_amd), chapter 4's strace and VM-exit steps, "
	  "chapter 5. Toggling EPT/NPT reloads kvm_intel/kvm_amd: it needs root and no other VM running "
	  "(VirtualBox, VMware, other KVM guests). No vmx/svm in the cpu flags: turn VT-x/AMD-V (SVM) on "
	  "in the firmware setup." },
	{ "nested-vm", "a Linux VM with nested virtualisation",
	  "works when the outer hypervisor passes vmx/svm through (the cpu flags show vmx or svm besides "
	  "hypervisor): guests run under this VM's own KVM, a little slower. Toggling ept/npt here changes "
	  "only this VM's KVM (L1), not the real host's." },
	{ "cloud-vm", "a paravirtual or cloud VM without nested virtualisation",
	  "no vmx/svm: guests run under TCG (slower, the same checks). With a paravirtual KVM such as "
	  "kvm_pvm the KVM ioctls still work (chapter 4's strace step, chapter 5) but a standard guest does "
	  "not boot, and exit reasons and the EPT toggle are skipped; without /dev/kvm the KVM steps skip." },
	{ "wsl2", "WSL2 on Windows",
	  "Windows 11 on an x86 PC gives WSL2 nested KVM (on by default; [wsl2] nestedVirtualization=true "
	  "in %UserProfile%\\.wslconfig, then `wsl --shutdown`); /dev/kvm may need the kvm group or "
	  "chmod 0666. Windows 10 and Arm PCs have no nested KVM: guests run under TCG." },
	{ "macos", "a Mac",
	  "no KVM on macOS: run vlab inside a Linux VM (UTM, Lima, VirtualBox, VMware Fusion, Parallels). "
	  "There guests run under TCG unless the VM offers nested VT-x (VMware Fusion and Parallels on "
	  "Intel Macs); on Apple silicon the x86 guests are fully emulated and slow." },
};
const size_t doctor_nhost_kinds = ARRAY_SIZE(doctor_host_kinds);

static const char *cpu_flags_phrase(const struct host_kvm *h)
{
	if (h->vmx || h->svm)
		return h->hypervisor ? (h->vmx ? "hypervisor, vmx" : "hypervisor, svm") : (h->vmx ? "vmx" : "svm");
	return h->hypervisor ? "hypervisor, no vmx/svm" : "no vmx/svm";
}

const struct doctor_host_kind *doctor_host_kind_guess(const struct doctor_facts *f, char *why, size_t n)
{
	const struct host_kvm *h = &f->kvm;
	/* WSL2's kernels are named "...-microsoft-standard-WSL2" */
	if (strcasestr(f->osrelease, "microsoft") || strcasestr(f->osrelease, "wsl")) {
		snprintf(why, n, "kernel release '%s'", f->osrelease);
		return &doctor_host_kinds[3];
	}
	if (h->kvm_pvm) {
		snprintf(why, n, "KVM is kvm_pvm, cpu flags: %s", cpu_flags_phrase(h));
		return &doctor_host_kinds[2];
	}
	if (h->hypervisor) {
		snprintf(why, n, "cpu flags: %s", cpu_flags_phrase(h));
		return &doctor_host_kinds[h->vmx || h->svm ? 1 : 2];
	}
	if (h->vmx || h->svm)
		snprintf(why, n, "cpu flags: %s, no hypervisor flag", cpu_flags_phrase(h));
	else
		snprintf(why, n, "no hypervisor flag, but no vmx/svm either: VT-x/AMD-V is off in the firmware "
				 "setup or missing");
	return &doctor_host_kinds[0];
}

/* ---- rows --------------------------------------------------------------- */

const char *doctor_status_name(enum doctor_status s)
{
	static const char *const names[] = { "ok", "info", "warn", "missing" };
	return names[s];
}

struct table {
	struct doctor_row rows[DOCTOR_MAX_ROWS];
	size_t n;
};

static struct doctor_row *row(struct table *t, const char *name, enum doctor_status st)
{
	static struct doctor_row spill;
	struct doctor_row *r = t->n < DOCTOR_MAX_ROWS ? &t->rows[t->n++] : &spill;
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->status = st;
	return r;
}

#define SET(r, field, ...) snprintf((r)->field, sizeof((r)->field), __VA_ARGS__)

static const char *const INSTALL_PERF =
	"apt-get install linux-perf (Debian) or linux-tools-$(uname -r) (Ubuntu)";

static void tool_row(struct table *t, const char *name, const char *exe, const struct doctor_tool *tool,
		     const char *pkg, bool essential, const char *enables)
{
	struct doctor_row *r = row(t, name, DOCTOR_OK);
	r->essential = essential;
	SET(r, enables, "%s", enables);
	if (!tool->found) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "%s not found in PATH", exe);
		SET(r, fix, "apt-get install %s", pkg);
	} else if (!tool->runs) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "%s is there but does not run: %s", tool->path, tool->version);
		SET(r, fix, "reinstall it: apt-get install --reinstall %s", pkg);
	} else {
		SET(r, detail, "%s (%s)", tool->version, tool->path);
	}
}

static void kvm_row(struct table *t, const struct doctor_facts *f)
{
	const struct host_kvm *h = &f->kvm;
	struct doctor_row *r = row(t, "kvm", DOCTOR_OK);
	char file[64] = "", api[48] = "";
	if (f->dev_kvm.present)
		describe_file(&f->dev_kvm, file, sizeof(file));
	if (f->kvm_api > 0)
		snprintf(api, sizeof(api), ", KVM_GET_API_VERSION %d", f->kvm_api);
	SET(r, enables, "guests at hardware speed (chapters 1-3), chapter 4 (qemu's KVM ioctls, VM exits) and "
			"chapter 5 (KVM ioctls)");
	if (!h->dev_kvm) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "no /dev/kvm; %s", f->accel.evidence);
		if (h->vmx && !h->kvm_intel)
			SET(r, fix, "load the module as root: modprobe kvm_intel");
		else if (h->svm && !h->kvm_amd)
			SET(r, fix, "load the module as root: modprobe kvm_amd");
		else if (h->hypervisor)
			SET(r, fix, "turn on nested virtualisation in the outer hypervisor (see host kinds); until "
				    "then guests run under TCG by themselves");
		else
			SET(r, fix, "turn on VT-x/AMD-V (SVM) in the firmware setup, then modprobe kvm_intel or "
				    "kvm_amd");
	} else if (!h->dev_kvm_access || f->kvm_api < 0) {
		r->status = DOCTOR_WARN;
		if (!h->dev_kvm_access)
			SET(r, detail, "present (%s), but this user may not open it; %s", file, f->accel.evidence);
		else
			SET(r, detail, "present (%s), but KVM_GET_API_VERSION fails: %s", file, strerror(-f->kvm_api));
		if (f->dev_kvm.gid != 0)
			SET(r, fix, "join its group: sudo usermod -aG %s $USER, then log in again (or run as root)",
			    strrchr(file, ':') ? strrchr(file, ':') + 1 : "kvm");
		else
			SET(r, fix, "as root: chown root:kvm /dev/kvm && chmod 0660 /dev/kvm, then join the kvm "
				    "group (or run as root)");
	} else if (h->kvm_pvm) {
		r->status = DOCTOR_WARN;
		SET(r, detail,
		    "present: kvm_pvm (paravirtual), cpu flags: %s; KVM ioctls work, but a standard Linux guest "
		    "does not boot on it (/dev/kvm %s, read-write%s)",
		    cpu_flags_phrase(h), file, api);
		SET(r, enables, "chapter 4 strace step and chapter 5 (KVM ioctls)");
		SET(r, fix, "nothing to do for chapters 1-3 (TCG); VM exits and the EPT step need a host with "
			    "VT-x/AMD-V (see host kinds)");
	} else if (f->accel.standard_guest_ok) {
		SET(r, detail, "%s on %s%s: standard Linux guests run under KVM (/dev/kvm %s, read-write%s)",
		    h->kvm_intel ? "kvm_intel" : "kvm_amd", h->vmx ? "vmx" : "svm",
		    h->hypervisor ? " (nested: this host is itself a VM)" : "", file, api);
	} else {
		/* /dev/kvm works, but nothing says a standard guest will run */
		r->status = DOCTOR_WARN;
		SET(r, detail, "present (/dev/kvm %s%s), but %s; %s", file, api,
		    strstr(f->accel.reason, ": ") ? strstr(f->accel.reason, ": ") + 2 : f->accel.reason,
		    f->accel.evidence);
		SET(r, fix, "%s", h->vmx ? "modprobe kvm_intel (as root)" : h->svm ? "modprobe kvm_amd (as root)"
						       : "see host kinds: guests run under TCG meanwhile");
	}
}

static void accel_row(struct table *t, const struct doctor_facts *f)
{
	const struct accel_decision *d = &f->accel;
	struct doctor_row *r = row(t, "accelerator", d->accel == ACCEL_KVM ? DOCTOR_OK : DOCTOR_INFO);
	/* accel_decide's auto reasons read "WHAT: why" */
	const char *why = strstr(d->reason, ": ");
	why = why ? why + 2 : d->reason;
	if (d->accel == ACCEL_KVM)
		SET(r, detail, "KVM will be used: %s", why);
	else
		SET(r, detail, "TCG will be used: %s", why);
	SET(r, enables, "chapters 1-3 run under either; TCG is slower, the checks are the same");
	if (d->accel == ACCEL_TCG && !d->kvm_ioctls_ok && f->kvm.dev_kvm)
		SET(r, fix, "give this user /dev/kvm (see the kvm row)");
}

static void ept_row(struct table *t, const struct doctor_facts *f)
{
	const struct host_kvm *h = &f->kvm;
	struct doctor_row *r = row(t, "ept/npt", DOCTOR_OK);
	const char *mod = h->kvm_intel ? "kvm_intel" : "kvm_amd";
	const char *param = h->kvm_intel ? "ept" : "npt";
	const char *what = h->kvm_intel ? "EPT" : "NPT";
	SET(r, enables, "chapter 4 step 2: VM exits (CR_ACCESS) with EPT off, then on again");
	if (f->ept_restore_rc < 0 && f->ept_restore_rc != -EALREADY) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "%s", f->ept_restore);
		SET(r, fix, "as root, with no VM running: vlab clean");
		return;
	}
	if (h->kvm_pvm) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "no EPT/NPT setting: kvm_pvm has no ept/npt parameter (it runs guests without "
			       "VT-x/AMD-V), so chapter 4's EPT step skips");
		SET(r, fix, "needs kvm_intel (ept) or kvm_amd (npt) on VT-x/AMD-V hardware (see host kinds)");
		return;
	}
	if (!h->kvm_intel && !h->kvm_amd) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "no kvm_intel or kvm_amd module loaded: no ept/npt parameter to toggle");
		SET(r, fix, "on a CPU with VT-x/AMD-V: modprobe kvm_intel (or kvm_amd) as root");
		return;
	}
	bool on = !strcmp(h->ept, "Y") || !strcmp(h->ept, "1");
	bool off = !strcmp(h->ept, "N") || !strcmp(h->ept, "0");
	const char *nested = h->hypervisor ? "; in a nested VM this toggles only this VM's own KVM (L1)" : "";
	if (!on && !off) {
		r->status = DOCTOR_INFO;
		SET(r, detail, "%s is loaded but /sys/module/%s/parameters/%s is not readable%s", mod, mod, param,
		    nested);
	} else if (off) {
		r->status = DOCTOR_WARN;
		SET(r, detail, "%s %s=%s: %s is off now (every guest is slower until it is back on)%s", mod, param,
		    h->ept, what, nested);
		SET(r, fix, "as root, with no VM running: rmmod %s && modprobe %s %s=1", mod, mod, param);
	} else if (f->euid != 0) {
		r->status = DOCTOR_WARN;
		SET(r, detail, "%s %s=%s: %s is on; turning it off reloads %s, which needs root%s", mod, param,
		    h->ept, what, mod, nested);
		SET(r, fix, "run chapter 4 as root: sudo vlab chapter 4 --allow-module-reload");
	} else {
		SET(r, detail, "%s %s=%s: %s is on; `vlab chapter 4 --allow-module-reload` reloads %s with %s=0, "
			       "then restores it%s", mod, param, h->ept, what, mod, param, nested);
	}
	if (f->ept_restore_rc == 0 || f->ept_restore_rc == -EALREADY) {
		/* say what was just done before what is now */
		char now[sizeof(r->detail)];
		snprintf(now, sizeof(now), "%s", r->detail);
		SET(r, detail, "%s%s; %s", f->ept_restore_rc == 0 ? "restored after an interrupted chapter 4: " : "",
		    f->ept_restore, now);
	}
}

static void strace_row(struct table *t, const struct doctor_facts *f)
{
	tool_row(t, "strace", "strace", &f->strace, "strace", false,
		 "chapter 4 step 1: qemu's KVM ioctls (KVM_SET_USER_MEMORY_REGION of 256 MiB)");
	struct doctor_row *r = &t->rows[t->n - 1];
	if (r->status == DOCTOR_OK && !f->accel.kvm_ioctls_ok) {
		r->status = DOCTOR_WARN;
		size_t l = strlen(r->detail);
		snprintf(r->detail + l, sizeof(r->detail) - l,
			 "; but without a usable /dev/kvm qemu makes no KVM ioctls to trace, so that step skips");
		SET(r, fix, "see the kvm row");
	}
}

static void perf_rows(struct table *t, const struct doctor_facts *f)
{
	tool_row(t, "perf", "perf", &f->perf, "linux-perf", false,
		 "chapter 4 step 2: counting VM exits (perf kvm stat)");
	struct doctor_row *r = &t->rows[t->n - 1];
	if (r->status == DOCTOR_MISSING) {
		SET(r, fix, "%s", INSTALL_PERF);
	} else if (f->euid != 0 && f->perf_paranoid > -1) {
		r->status = DOCTOR_WARN;
		size_t l = strlen(r->detail);
		snprintf(r->detail + l, sizeof(r->detail) - l,
			 "; kernel.perf_event_paranoid=%d: counting kvm events needs root", f->perf_paranoid);
		SET(r, fix, "run chapter 4 as root, or as root: sysctl -w kernel.perf_event_paranoid=-1");
	}

	r = row(t, "kvm tracepoints", DOCTOR_OK);
	SET(r, enables, "chapter 4 step 2: VM exits by reason (kvm:kvm_exit, what perf kvm stat reads)");
	const char *where = f->kvm_tp_where;
	switch (f->kvm_tp) {
	case TP_FOUND:
		if (f->kvm.kvm_pvm) {
			/* TRIAL-NOTES: perf stat counted kvm:kvm_pio, kvm:kvm_mmio and
			 * kvm:kvm_userspace_exit exactly as KVM_RUN returned them, and
			 * kvm:kvm_exit 0, on a kvm_pvm machine */
			r->status = DOCTOR_WARN;
			SET(r, detail, "kvm:kvm_exit is listed (%s), but kvm_pvm never fires it (kvm:kvm_pio, "
				       "kvm:kvm_mmio and kvm:kvm_userspace_exit do): perf kvm stat shows no exit "
				       "reasons here",
			    where);
			SET(r, fix, "exit reasons need kvm_intel/kvm_amd (see host kinds); chapter 5 counts exits "
				    "from the vCPU's own stats instead");
		} else if (f->kvm_tp_count > 1) {
			SET(r, detail, "kvm:kvm_exit and %d more kvm events in %s", f->kvm_tp_count - 1, where);
		} else if (f->kvm_tp_count == 1) {
			SET(r, detail, "kvm:kvm_exit in %s", where);
		} else {
			SET(r, detail, "kvm:kvm_exit is listed (%s)", where);
		}
		break;
	case TP_ABSENT:
		r->status = DOCTOR_MISSING;
		if (!f->kvm.dev_kvm && !f->kvm.kvm_intel && !f->kvm.kvm_amd && !f->kvm.kvm_pvm) {
			SET(r, detail, "no kvm events (%s): no KVM module is loaded", where);
			SET(r, fix, "see the kvm row");
		} else {
			SET(r, detail, "no kvm:kvm_exit event (%s) although KVM is loaded", where);
			SET(r, fix, "a kernel built without CONFIG_TRACEPOINTS/CONFIG_FTRACE: use the distribution's "
				    "kernel");
		}
		break;
	case TP_UNKNOWN:
		r->status = DOCTOR_INFO;
		SET(r, detail, "not known: %s", where);
		if (!f->perf.runs)
			SET(r, fix, "install perf (it mounts tracefs itself), or as root: mount -t tracefs nodev "
				    "/sys/kernel/tracing");
		else
			SET(r, fix, "run vlab doctor as root to see them (chapter 4 needs root for them anyway)");
		break;
	}
}

static void privilege_rows(struct table *t, const struct doctor_facts *f)
{
	struct doctor_row *r = row(t, "root", DOCTOR_OK);
	SET(r, enables, "the lab's host network (--host-net), reloading kvm_intel/kvm_amd for the EPT step, "
			"perf kvm stat");
	if (f->euid == 0) {
		SET(r, detail, "running as root (euid 0)");
	} else {
		r->status = DOCTOR_INFO;
		SET(r, detail, "not root (euid %u): chapters 2-3 use a user namespace; the EPT step and perf kvm "
			       "stat need root",
		    (unsigned)f->euid);
		SET(r, fix, "sudo vlab chapter 4 for the EPT step");
	}

	r = row(t, "user namespaces", DOCTOR_OK);
	SET(r, enables, "chapters 2-3 without root: the lab network in vlab's own user+network namespace; vlab "
			"grade: one per sandbox (bubblewrap)");
	char why[200] = "", fix[200] = "";
	if (f->userns_clone == 0) {
		snprintf(why, sizeof(why), "kernel.unprivileged_userns_clone=0");
		snprintf(fix, sizeof(fix), "as root: sysctl -w kernel.unprivileged_userns_clone=1");
	} else if (f->max_userns == 0) {
		snprintf(why, sizeof(why), "user.max_user_namespaces=0");
		snprintf(fix, sizeof(fix), "as root: sysctl -w user.max_user_namespaces=15000");
	} else if (f->apparmor_userns == 1) {
		snprintf(why, sizeof(why), "kernel.apparmor_restrict_unprivileged_userns=1 (AppArmor leaves "
					   "unprivileged namespaces without capabilities)");
		snprintf(fix, sizeof(fix), "as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
	} else if (f->userns_unshare < 0) {
		snprintf(why, sizeof(why), "unshare(CLONE_NEWUSER|CLONE_NEWNET) is refused: %s",
			 strerror(-f->userns_unshare));
		snprintf(fix, sizeof(fix), "run as root (a container may forbid namespaces: allow them there)");
	}
	struct strbuf ev = STRBUF_INIT;
	if (f->userns_unshare > 0)
		sb_addf(&ev, "unshare(CLONE_NEWUSER|CLONE_NEWNET) works%s", f->euid == 0 ? " (as root)" : "");
	if (f->userns_clone >= 0)
		sb_addf(&ev, "%skernel.unprivileged_userns_clone=%d", ev.len ? "; " : "", f->userns_clone);
	if (f->max_userns >= 0)
		sb_addf(&ev, "%suser.max_user_namespaces=%ld", ev.len ? "; " : "", f->max_userns);
	if (!why[0]) {
		SET(r, detail, "%s", ev.len ? ev.buf : "no setting forbids them");
	} else if (f->euid == 0) {
		r->status = DOCTOR_INFO;
		SET(r, detail, "off for unprivileged users (%s); not needed as root: vlab uses a named network "
			       "namespace",
		    why);
		SET(r, fix, "%s (only for rootless runs)", fix);
	} else {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "off for unprivileged users: %s", why);
		SET(r, fix, "%s, or run as root", fix);
	}
	sb_release(&ev);

	r = row(t, "/dev/net/tun", DOCTOR_OK);
	SET(r, enables, "chapters 2-3: the taps that connect the guests to the lab network");
	if (!f->tun.present) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "no /dev/net/tun: the tun module is not loaded");
		SET(r, fix, "as root: modprobe tun");
		return;
	}
	char file[64];
	describe_file(&f->tun, file, sizeof(file));
	bool world_rw = (f->tun.mode & 0006) == 0006;
	if (f->tun.open_err) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "%s: this user may not open it (%s), so vlab cannot make taps", file,
		    strerror(-f->tun.open_err));
		SET(r, fix, "run as root, or as root: chmod 0666 /dev/net/tun (stock Debian's mode)");
	} else if (!world_rw) {
		SET(r, detail, "%s, opened read-write%s; only %s may open it, so a rootless run could not make taps",
		    file, f->euid == 0 ? " (as root)" : "", f->euid == 0 ? "root" : "its owner and group");
	} else {
		SET(r, detail, "%s, opened read-write", file);
	}
}

static void image_rows(struct table *t, const struct doctor_facts *f)
{
	if (f->manifest_error[0]) {
		struct doctor_row *r = row(t, "image manifest", DOCTOR_MISSING);
		r->essential = true;
		SET(r, detail, "%s", f->manifest_error);
		SET(r, enables, "every chapter: which files make each guest");
		SET(r, fix, "correct the manifest at the place named, or rebuild it with 'make image'");
	}
	for (int i = 0; i < f->nprofiles; i++) {
		const struct doctor_profile *p = &f->profiles[i];
		char name[40];
		snprintf(name, sizeof(name), "image %s", p->name);
		struct doctor_row *r = row(t, name, p->ok ? DOCTOR_OK : DOCTOR_MISSING);
		r->essential = p->is_default;
		if (p->is_default)
			SET(r, enables, "every chapter: the guest vlab boots unless --image says otherwise");
		else
			SET(r, enables, "--image %s: %s", p->name, p->description);
		if (!p->ok) {
			SET(r, detail, "%s", p->error);
			if (!strcmp(p->name, "default") || !strcmp(p->name, "lab-compat"))
				SET(r, fix, "make image (in vlab's source tree), vlab fetch %s --mirror URL, or put %s in %s",
				    p->name, p->files, p->dir);
			else
				SET(r, fix, "vlab fetch %s --mirror URL (the course's mirror), or vlab image import DIR "
					    "(%s, downloaded by hand)", p->name, p->files);
		} else if (p->hashed) {
			SET(r, detail, "%s in %s; sha256 of each recorded in the manifest (digest %s...)", p->files,
			    p->dir, p->digest);
		} else {
			r->status = DOCTOR_WARN;
			SET(r, detail, "%s in %s; the manifest records no sha256 for them, so reports cannot name the "
				       "exact files",
			    p->files, p->dir);
			SET(r, fix, "make image (writes the manifest with the hashes)");
		}
	}
}

static void probe_row(struct table *t, const struct doctor_facts *f)
{
	const struct doctor_probe *p = &f->probe;
	struct doctor_row *r = row(t, "kvm boot probe", DOCTOR_INFO);
	double secs = (double)p->timeout_ms / 1000.0;
	const char *kvm = f->kvm.kvm_pvm     ? "kvm_pvm"
			  : f->kvm.kvm_intel ? "kvm_intel"
			  : f->kvm.kvm_amd   ? "kvm_amd"
					     : "KVM";
	SET(r, enables, "evidence for the accelerator choice: does the default guest reach login: under KVM?");
	switch (p->state) {
	case PROBE_NOT_RUN:
		SET(r, detail, "not run: `vlab doctor --probe` boots the default image under KVM and watches "
			       "for login:");
		break;
	case PROBE_SKIPPED:
		SET(r, detail, "skipped: %s", p->detail);
		break;
	case PROBE_LOGIN:
		r->status = DOCTOR_OK;
		SET(r, detail, "reached login: in %.1f s under KVM (%s, -cpu %s)%s", (double)p->elapsed_ms / 1000.0,
		    kvm, p->cpu, f->accel.accel == ACCEL_TCG ? "; --accel kvm works here although auto picks TCG" : "");
		break;
	case PROBE_NO_LOGIN:
		if (f->kvm.kvm_pvm || !f->accel.standard_guest_ok) {
			r->status = DOCTOR_WARN;
			SET(r, detail, "no login: within %.0f s under KVM (%s): standard guests don't boot here; last "
				       "console lines: %s; transcript %s",
			    secs, kvm, p->console[0] ? p->console : "(nothing)", p->transcript);
			SET(r, fix, "none needed: with --accel auto vlab uses TCG here by itself");
		} else {
			r->status = DOCTOR_MISSING;
			SET(r, detail, "no login: within %.0f s under KVM (%s) although this KVM should run it; last "
				       "console lines: %s; transcript %s",
			    secs, kvm, p->console[0] ? p->console : "(nothing)", p->transcript);
			SET(r, fix, "run the chapters with --accel tcg, and see the transcript");
		}
		break;
	case PROBE_FAILED:
		r->status = DOCTOR_MISSING;
		SET(r, detail, "qemu did not boot under KVM (%s): %s", kvm, p->detail);
		SET(r, fix, "run the chapters with --accel tcg");
		break;
	}
}

/* What vlab grade's sandboxes need beyond root: bubblewrap, cgroups and
 * the seccomp filter (user namespaces have their row above). */
static void grading_rows(struct table *t, const struct doctor_facts *f)
{
	tool_row(t, "bubblewrap", "bwrap", &f->bwrap, "bubblewrap", false,
		 "vlab grade: the jail each graded script runs in (vlab grade refuses to run without it)");
	struct doctor_row *r = row(t, "cgroups", DOCTOR_OK);
	SET(r, enables, "vlab grade: memory, process and CPU limits for each sandbox as a whole");
	char d[700];
	cgroup_host_describe(&f->cgroups, d, sizeof(d));
	SET(r, detail, "%s", d);
	if (f->cgroups.version == CGROUP_NONE) {
		r->status = DOCTOR_WARN;
		SET(r, fix, "mount cgroup v2 with memory, pids and cpu for vlab's group (systemd does), or the v1 "
			    "hierarchies of memory, pids and cpu; vlab grade warns in every result without them");
	}
	r = row(t, "seccomp filter", f->seccomp > 0 ? DOCTOR_OK : DOCTOR_MISSING);
	SET(r, enables, "vlab grade: the system calls a graded script and its qemu are refused");
	if (f->seccomp > 0)
		SET(r, detail, "compiled with libseccomp for x86_64, i386 and x32: keys, bpf, ptrace, modules, mounts "
			       "and the like fail with EPERM, io_uring with ENOSYS");
	else {
		SET(r, detail, "%s", f->seccomp_error[0] ? f->seccomp_error : strerror(-f->seccomp));
		SET(r, fix, "install libseccomp2 (make deps)");
	}
}

size_t doctor_rows(const struct doctor_facts *f, struct doctor_row *rows, size_t max)
{
	static struct table t;
	memset(&t, 0, sizeof(t));
	tool_row(&t, "qemu", "qemu-system-x86_64", &f->qemu, "qemu-system-x86", true,
		 "every chapter: qemu-system-x86_64 runs the guests");
	tool_row(&t, "qemu-img", "qemu-img", &f->qemu_img, "qemu-utils", true,
		 "every chapter: the copy-on-write overlay each guest boots from");
	kvm_row(&t, f);
	accel_row(&t, f);
	probe_row(&t, f);
	ept_row(&t, f);
	strace_row(&t, f);
	perf_rows(&t, f);
	tool_row(&t, "iperf3", "iperf3", &f->iperf3, "iperf3", false,
		 "chapter 3: iperf3 between host and guests by hand (the guests carry their own)");
	privilege_rows(&t, f);
	grading_rows(&t, f);
	image_rows(&t, f);

	char why[256];
	const struct doctor_host_kind *k = doctor_host_kind_guess(f, why, sizeof(why));
	struct doctor_row *r = row(&t, "host kind", DOCTOR_INFO);
	SET(r, detail, "looks like %s (%s)", k->name, why);
	/* what works there is printed once, in the host kinds list (text) or
	 * host_kind.works (json) */
	SET(r, enables, "what works on this kind of host: see host kinds (* marks this one)");

	size_t n = t.n < max ? t.n : max;
	memcpy(rows, t.rows, n * sizeof(*rows));
	return n;
}

int doctor_exit_status(const struct doctor_row *rows, size_t nrows)
{
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].essential && rows[i].status == DOCTOR_MISSING)
			return EXIT_HOST;
	return EXIT_PASS;
}

/* ---- output ------------------------------------------------------------- */

static bool use_colour(FILE *out)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(fileno(out)) && !(nc && *nc);
}

static int text_width(FILE *out)
{
	struct winsize ws;
	if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 60)
		return ws.ws_col > 160 ? 160 : ws.ws_col;
	return 100;
}

/* text from column col, wrapped at width, continuation lines at indent */
static void print_wrapped(FILE *out, const char *text, int col, int indent, int width)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		size_t len = strcspn(p, " ");
		if (!first && col + 1 + (int)len > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)len, p);
		col += (int)len;
		first = false;
		p += len;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

#define NAME_COL 2
#define DETAIL_COL 27

void doctor_print_text(FILE *out, const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows)
{
	static const char *const sgr[] = { "32", "36", "33", "31" };
	bool colour = use_colour(out);
	int width = text_width(out);
	fprintf(out, "vlab doctor: what this host has for the lab%s%s%s\n\n", f->root[0] ? " (root " : "", f->root,
		f->root[0] ? ")" : "");
	for (size_t i = 0; i < nrows; i++) {
		const struct doctor_row *r = &rows[i];
		const char *mark = doctor_status_name(r->status);
		if (colour)
			fprintf(out, "  \033[%sm%-8s\033[0m", sgr[r->status], mark);
		else
			fprintf(out, "  %-8s", mark);
		fprintf(out, "%-16s ", r->name);
		int col = NAME_COL + 8 + 17;
		if ((int)strlen(r->name) > 16) {
			fprintf(out, "\n%*s", DETAIL_COL, "");
			col = DETAIL_COL;
		}
		print_wrapped(out, r->detail, col, DETAIL_COL, width);
		if (r->status == DOCTOR_OK)
			continue;
		if (r->enables[0]) {
			fprintf(out, "%*senables: ", DETAIL_COL, "");
			print_wrapped(out, r->enables, DETAIL_COL + 9, DETAIL_COL + 9, width);
		}
		if (r->fix[0]) {
			fprintf(out, "%*sfix: ", DETAIL_COL, "");
			print_wrapped(out, r->fix, DETAIL_COL + 5, DETAIL_COL + 5, width);
		}
	}

	char why[256];
	const struct doctor_host_kind *guess = doctor_host_kind_guess(f, why, sizeof(why));
	fprintf(out, "\nhost kinds (* this host):\n");
	for (size_t i = 0; i < doctor_nhost_kinds; i++) {
		const struct doctor_host_kind *k = &doctor_host_kinds[i];
		fprintf(out, "  %s %s\n%6s", k == guess ? "*" : " ", k->name, "");
		print_wrapped(out, k->works, 6, 6, width);
	}

	struct strbuf missing = STRBUF_INIT;
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].essential && rows[i].status == DOCTOR_MISSING)
			sb_addf(&missing, "%s%s", missing.len ? ", " : "", rows[i].name);
	if (missing.len)
		fprintf(out, "\nchapter 1 cannot run here: missing %s (see fix: above)\n", missing.buf);
	else
		fprintf(out, "\nchapter 1 can run here, under %s\n", f->accel.accel == ACCEL_KVM ? "KVM" : "TCG");
	sb_release(&missing);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *doctor_json(const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows)
{
	json_t *arr = json_array();
	struct strbuf reason = STRBUF_INIT;
	for (size_t i = 0; i < nrows; i++) {
		const struct doctor_row *r = &rows[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:s, s:o, s:o}", "name", r->name, "status",
						     doctor_status_name(r->status), "essential", r->essential,
						     "detail", r->detail, "enables", str_or_null(r->enables), "fix",
						     str_or_null(r->fix)));
		if (r->essential && r->status == DOCTOR_MISSING)
			sb_addf(&reason, "%s%s: %s", reason.len ? "; " : "", r->name, r->detail);
	}
	char why[256];
	const struct doctor_host_kind *k = doctor_host_kind_guess(f, why, sizeof(why));
	json_t *probe = json_null();
	if (f->probe.state != PROBE_NOT_RUN) {
		static const char *const states[] = { "not_run", "skipped", "login", "no_login", "failed" };
		probe = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "result", states[f->probe.state],
				  "timeout_ms", (json_int_t)f->probe.timeout_ms, "elapsed_ms",
				  (json_int_t)f->probe.elapsed_ms, "cpu", str_or_null(f->probe.cpu), "detail",
				  str_or_null(f->probe.detail), "console_tail", str_or_null(f->probe.console),
				  "transcript", str_or_null(f->probe.transcript));
	}
	json_t *o = json_pack("{s:i, s:b, s:o, s:o, s:{s:s, s:s, s:s, s:b, s:b}, s:{s:s, s:s, s:s, s:s}, s:o}",
			      "schema_version", REPORT_SCHEMA_VERSION, "ready", reason.len == 0, "reason",
			      str_or_null(reason.buf), "rows", arr, "accelerator", "accel",
			      f->accel.accel == ACCEL_KVM ? "kvm" : "tcg", "reason", f->accel.reason, "evidence",
			      f->accel.evidence, "standard_guest_ok", f->accel.standard_guest_ok, "kvm_ioctls_ok",
			      f->accel.kvm_ioctls_ok, "host_kind", "id", k->id, "name", k->name, "why", why, "works",
			      k->works, "probe", probe);
	sb_release(&reason);
	return o;
}

/* ---- the command -------------------------------------------------------- */

/* Boot deadline of --probe: a hardware KVM reaches login: in about a second;
 * on kvm_pvm the guest never does, so this is how long the proof takes. */
#define PROBE_TIMEOUT_MS 20000

#define doctor_usage_error(...) usage_fail("doctor " DOCTOR_USAGE, __VA_ARGS__)

int cmd_doctor(int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_PROBE, OPT_ROOT, OPT_HELP };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "probe", no_argument, NULL, OPT_PROBE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, probe = false;
	const char *root = "";
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "text"))
				return doctor_usage_error("unknown --format '%s' (text or json)", optarg);
			break;
		case OPT_PROBE:
			probe = true;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_HELP:
			printf("usage: vlab doctor %s\n%s\n\noptions:\n%s", DOCTOR_USAGE, DOCTOR_SUMMARY,
			       DOCTOR_OPTIONS);
			return EXIT_PASS;
		case ':':
			return doctor_usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return doctor_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return doctor_usage_error("unexpected '%s'", argv[optind]);
	if (probe && root[0])
		return doctor_usage_error("--probe boots on this host: it cannot be combined with --root");
	if (root[0] && !path_exists(root))
		return doctor_usage_error("--root '%s': no such directory", root);

	/* A KVM module left reloaded by a SIGKILLed chapter 4 is put back
	 * first, so the rows below show the host as it is meant to be. */
	static char ept_msg[512];
	int ept_rc = ept_restore_if_pending(root, ept_msg, sizeof(ept_msg));
	static struct doctor_facts f;
	doctor_gather(root, &f);
	f.ept_restore_rc = ept_rc;
	snprintf(f.ept_restore, sizeof(f.ept_restore), "%s", ept_msg);
	if (probe) {
		if (!json)
			fprintf(stderr, "vlab doctor: booting the default image under KVM (up to %d s)...\n",
				PROBE_TIMEOUT_MS / 1000);
		if (doctor_probe(&f, PROBE_TIMEOUT_MS) == -EINTR) {
			fprintf(stderr, "vlab: stopped by signal %d; the probe's VM was removed\n",
				cleanup_stop_signal());
			return 128 + cleanup_stop_signal();
		}
	}
	static struct doctor_row rows[DOCTOR_MAX_ROWS];
	size_t n = doctor_rows(&f, rows, ARRAY_SIZE(rows));
	if (json) {
		json_t *o = doctor_json(&f, rows, n);
		report_print_json(o);
		json_decref(o);
	} else {
		doctor_print_text(stdout, &f, rows, n);
	}
	return doctor_exit_status(rows, n);
}
