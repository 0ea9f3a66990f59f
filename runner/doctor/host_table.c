/* The host table: the facts of host_facts.c judged row by row (ok, info,
 * warn, missing), each with its evidence, what it enables and how to fix it,
 * and the kind of host they look like. Pure: every verdict is tested on
 * facts gathered from fake roots. */
#include "runner/doctor/host_table.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks/lab_plan.h"
#include "runner/host/kvm_where.h"
#include "runner/doctor/sandbox_userns.h"
#include "runner/util.h"

/* ---- file modes --------------------------------------------------------- */

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
	text_printf(out, n, "%s %s:%s", m, user, group);
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
	  "not boot, so chapter 4 runs inside vlab's emulated KVM host for its exit reasons and EPT/NPT "
	  "toggle; without /dev/kvm chapters 4 and 5 run in there (see the emulated kvm row)." },
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
	text_printf(r->name, sizeof(r->name), "%s", name);
	r->status = st;
	return r;
}

#define SET(r, field, ...) text_printf((r)->field, sizeof((r)->field), __VA_ARGS__)

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
	/* and what the student types by hand (checks/lab_plan.h's policy) */
	if (d->accel == ACCEL_KVM)
		SET(r, detail, "KVM will be used: %s; by hand, type the lab's " LAB_KVM_WORDS " as it is", why);
	else
		SET(r, detail, "TCG will be used: %s; by hand, type " LAB_TCG_BY_HAND " in place of the lab's " LAB_KVM_WORDS
			       " (" LAB_TCG_HAND_IN ")",
		    why);
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
		text_printf(now, sizeof(now), "%s", r->detail);
		SET(r, detail, "%s%s; %s", f->ept_restore_rc == 0 ? "restored after an interrupted chapter 4: " : "",
		    f->ept_restore, now);
	}
}

/* Where chapters 4-5 run on this host (runner/host/kvm_where.h, with
 * --emulated-kvm auto): here, or inside the emulated KVM host. */
static void emulated_row(struct table *t, const struct doctor_facts *f)
{
	const char *ch5 = kvm_where_lack(&f->kvm, KVM_NEED_IOCTLS);
	const char *ch4 = kvm_where_lack(&f->kvm, KVM_NEED_HW);
	const char *lack = *ch5 ? ch5 : ch4;
	const char *which = *ch5 ? "chapters 4 and 5 run" : "chapter 4 runs (its EPT/NPT step needs it; chapter 5 runs here)";
	struct doctor_row *r = row(t, "emulated kvm", DOCTOR_OK);
	SET(r, enables, "chapters 4-5 where this host's KVM lacks what a step needs: inside an emulated KVM host "
			"(QEMU TCG -cpu max: AMD-V with nested paging, kvm_amd in it; no root needed)");
	if (!*lack) {
		SET(r, detail, "not needed: chapters 4 and 5 run on this host's KVM (%s); --emulated-kvm always runs them "
			       "in the emulated host all the same",
		    host_kvm_kind(&f->kvm));
	} else if (f->kvmhost_missing[0]) {
		r->status = DOCTOR_WARN;
		SET(r, detail, "%s, and the emulated KVM host cannot start here (%s): those steps skip", lack,
		    f->kvmhost_missing);
		SET(r, fix, "%s", f->qemu.found ? "make image (it builds kvmhost-initrd.img and kvmhost-modules.cpio.gz)"
						: "apt-get install qemu-system-x86, then make image");
	} else {
		r->status = DOCTOR_INFO;
		SET(r, detail, "%s: %s inside the emulated KVM host (--emulated-kvm never: those steps skip); what it "
			       "counts is KVM on an emulated AMD CPU, and its times are not hardware's",
		    lack, which);
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
			/* measured on a kvm_pvm host: perf stat counted kvm:kvm_pio, kvm:kvm_mmio and
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

/* The host commands the lab has the student type by hand: `ping 10.0.0.10`
 * and the HTTP GET of the guest's page (vlab's own checks send their own ICMP
 * and GET, so these only matter to the student, in `vlab shell` or on the
 * lab's own set-up). Debian installs neither ping nor curl by default. */
static void student_tool_rows(struct table *t, const struct doctor_facts *f)
{
	tool_row(t, "ping", "ping", &f->ping, "iputils-ping", false,
		 "chapter 2 by hand: the lab's `ping 10.0.0.10` from the host (in `vlab shell`)");
	const struct doctor_tool *http = f->curl.found && f->curl.runs ? &f->curl
					 : f->wget.found && f->wget.runs ? &f->wget
									  : NULL;
	struct doctor_row *r = row(t, "curl/wget", http ? DOCTOR_OK : DOCTOR_MISSING);
	SET(r, enables, "chapter 2 by hand: the lab's HTTP GET of http://10.0.0.10:8000/ from the host "
			"(curl URL, or wget -O- URL)");
	if (http) {
		SET(r, detail, "%s (%s)", http->version, http->path);
		return;
	}
	if (f->curl.found || f->wget.found)
		SET(r, detail, "%s is there but does not run: %s", f->curl.found ? f->curl.path : f->wget.path,
		    f->curl.found ? f->curl.version : f->wget.version);
	else
		SET(r, detail, "neither curl nor wget found in PATH");
	SET(r, fix, "apt-get install curl");
}

/* What vlab grade's sandboxes need beyond root: bubblewrap, the user
 * namespace bwrap makes as the sandbox's uid (sandbox_userns.h), cgroups and
 * the seccomp filter. */
static void grading_rows(struct table *t, const struct doctor_facts *f)
{
	tool_row(t, "bubblewrap", "bwrap", &f->bwrap, "bubblewrap", false,
		 "vlab grade: the jail each graded script runs in (vlab grade refuses to run without it)");
	sandbox_userns_row(f->apparmor_userns_present ? f->apparmor_userns_text : NULL, &f->sandbox_userns,
			   row(t, "sandbox userns", DOCTOR_OK));
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
	emulated_row(&t, f);
	strace_row(&t, f);
	perf_rows(&t, f);
	tool_row(&t, "iperf3", "iperf3", &f->iperf3, "iperf3", false,
		 "chapter 3: iperf3 between host and guests by hand (the guests carry their own)");
	student_tool_rows(&t, f);
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
