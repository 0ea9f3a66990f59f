/* runner/doctor/host_facts and host_table, and the doctor command
 * (runner/cmd/doctor): the host table on fake roots (proc/, sys/, dev/ written into
 * a temporary directory) with PATH pointed at scripts that print the tools'
 * --version lines recorded on a kvm_pvm CI machine (tests/fixtures/doctor).
 *
 * Hosts: hardware Intel (vmx, kvm_intel, ept=Y, tracefs with kvm events),
 * hardware AMD (svm, kvm_amd, npt=1), a nested AMD guest, kvm_pvm (this CI
 * machine's real flags, tracefs unmounted so perf is asked), no KVM at all,
 * a bare-metal CPU with VT-x off, WSL2. Then /dev/net/tun modes, user
 * namespaces switched off, tools missing or broken, image profiles, the probe's
 * console evidence, JSON and text output, and the command's usage errors.
 *
 * dev/kvm and dev/net/tun are plain files here: open() works for their owner
 * (and always for root), so "present but no access" is tested on hand-edited
 * facts, as test_host.c does. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cmd/commands.h"
#include "runner/cmd/doctor.h"
#include "runner/exit_status.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

#define DOC_FIXTURES FIXTURES "/doctor/"

/* The image directory is read once per process (image_dir() caches it), so
 * one directory serves every test; tests that care set its content. */
static char imgdir[64];
static char *saved_path;

struct root {
	char dir[64];
	struct doctor_facts f;
	struct doctor_row rows[DOCTOR_MAX_ROWS];
	size_t nrows;
};

/* ---- fake hosts --------------------------------------------------------- */

static void put_abs(const char *path, const char *content, mode_t mode)
{
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mkdir_p(dir, 0755), 0);
	free(dir);
	assert_int_equal(write_file_atomic(path, content, strlen(content), mode), 0);
	/* write_file_atomic's mode goes through the umask */
	assert_int_equal(chmod(path, mode), 0);
}

static void put(const struct root *r, const char *rel, const char *content, mode_t mode)
{
	char *path = xasprintf("%s/%s", r->dir, rel);
	put_abs(path, content, mode);
	free(path);
}

static void mkdir_at(const struct root *r, const char *rel)
{
	char *path = xasprintf("%s/%s", r->dir, rel);
	assert_int_equal(mkdir_p(path, 0755), 0);
	free(path);
}

/* The recorded flags line with "hypervisor" dropped unless keep_hypervisor,
 * and extra (" vmx", " svm") added after "fpu". */
static void put_cpuinfo(const struct root *r, const char *extra, bool keep_hypervisor)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	assert_int_equal(read_file(DOC_FIXTURES "cpuinfo-flags-kvm_pvm.txt", &in), 0);
	assert_true(starts_with(in.buf, "flags\t\t: fpu "));
	sb_adds(&out, "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu");
	sb_adds(&out, extra);
	for (const char *p = in.buf + strlen("flags\t\t: fpu");;) {
		p += strspn(p, " ");
		size_t n = strcspn(p, " \n");
		if (!n)
			break;
		if (keep_hypervisor || n != strlen("hypervisor") || strncmp(p, "hypervisor", n))
			sb_addf(&out, " %.*s", (int)n, p);
		p += n;
	}
	sb_adds(&out, "\nbogomips\t: 4800.00\n\n");
	put(r, "proc/cpuinfo", out.buf, 0444);
	sb_release(&in);
	sb_release(&out);
}

/* PATH = root/bin holding links to the recorded tools named in tools, and
 * nothing else. */
static void use_tools(const struct root *r, const char *const *tools, const char *fixture_dir)
{
	char *bin = xasprintf("%s/bin", r->dir);
	if (path_exists(bin))
		assert_int_equal(remove_tree(bin), 0);
	assert_int_equal(mkdir_p(bin, 0755), 0);
	for (const char *const *t = tools; *t; t++) {
		char *from = xasprintf("%s%s/%s", DOC_FIXTURES, fixture_dir, *t);
		char *to = xasprintf("%s/%s", bin, *t);
		assert_int_equal(symlink(from, to), 0);
		free(from);
		free(to);
	}
	setenv("PATH", bin, 1);
	free(bin);
}

static const char *const all_tools[] = { "qemu-system-x86_64", "qemu-img", "strace", "perf",
					 "iperf3", "ping", "curl", "wget", NULL };

/* The parts every host has: a tun device, user namespaces, a kernel name. */
static void put_common(const struct root *r)
{
	put(r, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n", 0444);
	put(r, "proc/sys/user/max_user_namespaces", "15000\n", 0444);
	put(r, "proc/sys/kernel/perf_event_paranoid", "2\n", 0444);
	put(r, "dev/net/tun", "", 0666);
	use_tools(r, all_tools, "bin");
}

/* tracefs as mounted, with these kvm events (NULL: tracefs without kvm) */
static void put_tracefs(const struct root *r, const char *const *kvm_events)
{
	mkdir_at(r, "sys/kernel/tracing/events/sched/sched_switch");
	for (const char *const *e = kvm_events; e && *e; e++) {
		char *rel = xasprintf("sys/kernel/tracing/events/kvm/%s/id", *e);
		put(r, rel, "1234\n", 0444);
		free(rel);
	}
}

static void put_default_image(void)
{
	const char *const files[] = { "vmlinux", "initrd.img", "rootfs.ext4" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = xasprintf("%s/default/%s", imgdir, files[i]);
		put_abs(p, "x", 0644);
		free(p);
	}
}

static void gather(struct root *r)
{
	doctor_gather(r->dir, &r->f);
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
}

static const struct doctor_row *find_row(const struct root *r, const char *name)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].name, name))
			return &r->rows[i];
	static const struct doctor_row none;
	fail_msg("no row '%s'", name);
	return &none;
}

static void assert_row(const struct root *r, const char *name, enum doctor_status st, const char *detail_has)
{
	const struct doctor_row *row = find_row(r, name);
	if (row->status != st)
		fail_msg("row '%s' is %s, not %s: %s", name, doctor_status_name(row->status), doctor_status_name(st),
			 row->detail);
	if (detail_has)
		assert_contains(row->detail, detail_has);
}

static int setup(void **state)
{
	struct root *r = xcalloc(1, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/vlab-test-doctor.XXXXXX");
	if (!mkdtemp(r->dir)) {
		free(r);
		return -1;
	}
	put_default_image();
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct root *r = *state;
	int ret = remove_tree(r->dir);
	char *manifest = xasprintf("%s/manifest", imgdir);
	unlink(manifest);
	free(manifest);
	setenv("PATH", saved_path, 1);
	free(r);
	return ret;
}

/* ---- hardware KVM ------------------------------------------------------- */

static void test_intel(void **state)
{
	struct root *r = *state;
	static const char *const events[] = { "kvm_exit", "kvm_entry", "kvm_cr", NULL };

	put_cpuinfo(r, " vmx", false);
	put(r, "sys/module/kvm_intel/parameters/ept", "Y\n", 0444);
	mkdir_at(r, "sys/module/kvm/parameters");
	put(r, "dev/kvm", "", 0600);
	put_tracefs(r, events);
	put_common(r);
	gather(r);

	assert_true(r->f.kvm.vmx);
	assert_true(r->f.kvm.kvm_intel);
	assert_int_equal(r->f.kvm_tp, TP_FOUND);
	assert_int_equal(r->f.kvm_tp_count, 3);
	assert_int_equal(r->f.kvm_api, 0); /* a plain file: not asked */

	assert_row(r, "kvm", DOCTOR_OK, "kvm_intel on vmx: standard Linux guests run under KVM");
	assert_row(r, "emulated kvm", DOCTOR_OK, "not needed: chapters 4 and 5 run on this host's KVM (kvm_intel)");
	assert_row(r, "accelerator", DOCTOR_OK, "KVM will be used: hardware virtualisation (vmx with kvm_intel)");
	/* what to type by hand on this kind of host */
	assert_contains(find_row(r, "accelerator")->detail, "by hand, type the lab's -enable-kvm -cpu host as it is");
	if (geteuid() == 0) {
		assert_row(r, "ept/npt", DOCTOR_OK,
			   "kvm_intel ept=Y: EPT is on; `vlab chapter 4 --allow-module-reload` reloads kvm_intel with ept=0");
	} else {
		assert_row(r, "ept/npt", DOCTOR_WARN, "needs root");
		assert_contains(find_row(r, "perf")->detail, "kernel.perf_event_paranoid=2");
	}
	assert_row(r, "kvm tracepoints", DOCTOR_OK,
		   "kvm:kvm_exit and 2 more kvm events in /sys/kernel/tracing/events/kvm");
	assert_row(r, "strace", DOCTOR_OK, "strace -- version 6.1 (");
	assert_row(r, "qemu", DOCTOR_OK, "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3) (");
	assert_row(r, "qemu-img", DOCTOR_OK, "qemu-img version 7.2.22");
	assert_row(r, "iperf3", DOCTOR_OK, "iperf 3.12 (cJSON 1.7.15)");
	assert_row(r, "/dev/net/tun", DOCTOR_OK, "-rw-rw-rw- ");
	assert_row(r, "user namespaces", DOCTOR_OK, "user.max_user_namespaces=15000");
	assert_row(r, "kvm boot probe", DOCTOR_INFO, "not run: `vlab doctor --probe`");
	assert_row(r, "host kind", DOCTOR_INFO, "looks like bare-metal Linux with VT-x/AMD-V (cpu flags: vmx, no "
						 "hypervisor flag)");
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_PASS);

	/* a fake root is never booted: the probe says so and spawns nothing */
	assert_int_equal(doctor_probe(&r->f, 1000), 0);
	assert_int_equal(r->f.probe.state, PROBE_SKIPPED);
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "kvm boot probe", DOCTOR_INFO, "skipped: the probe boots on this host only");
}

static void test_intel_ept_off(void **state)
{
	struct root *r = *state;

	put_cpuinfo(r, " vmx", false);
	put(r, "sys/module/kvm_intel/parameters/ept", "N\n", 0444);
	put(r, "dev/kvm", "", 0600);
	put_common(r);
	gather(r);
	assert_row(r, "ept/npt", DOCTOR_WARN, "kvm_intel ept=N: EPT is off now");
	assert_contains(find_row(r, "ept/npt")->fix, "rmmod kvm_intel && modprobe kvm_intel ept=1");
}

static void test_amd(void **state)
{
	struct root *r = *state;

	put_cpuinfo(r, " svm", false);
	put(r, "sys/module/kvm_amd/parameters/npt", "1\n", 0444);
	put(r, "dev/kvm", "", 0600);
	put_tracefs(r, (const char *const[]){ "kvm_exit", NULL });
	put_common(r);
	gather(r);

	assert_true(r->f.kvm.svm);
	assert_row(r, "kvm", DOCTOR_OK, "kvm_amd on svm: standard Linux guests run under KVM");
	assert_row(r, "accelerator", DOCTOR_OK, "KVM will be used: hardware virtualisation (svm with kvm_amd)");
	assert_contains(find_row(r, "ept/npt")->detail, "kvm_amd npt=1: NPT is on");
	assert_row(r, "kvm tracepoints", DOCTOR_OK, "kvm:kvm_exit in /sys/kernel/tracing/events/kvm");
	assert_row(r, "host kind", DOCTOR_INFO, "bare-metal Linux");
}

static void test_amd_nested(void **state)
{
	struct root *r = *state;

	put_cpuinfo(r, " svm", true);
	put(r, "sys/module/kvm_amd/parameters/npt", "1\n", 0444);
	put(r, "dev/kvm", "", 0600);
	put_common(r);
	gather(r);
	assert_row(r, "kvm", DOCTOR_OK, "(nested: this host is itself a VM)");
	assert_contains(find_row(r, "ept/npt")->detail, "toggles only this VM's own KVM (L1)");
	char why[256];
	assert_string_equal(doctor_host_kind_guess(&r->f, why, sizeof(why))->id, "nested-vm");
	assert_string_equal(why, "cpu flags: hypervisor, svm");
}

/* ---- kvm_pvm: this CI machine ------------------------------------------- */

static void put_kvm_pvm(const struct root *r)
{
	put_cpuinfo(r, "", true); /* the flags as recorded */
	mkdir_at(r, "sys/module/kvm/parameters");
	mkdir_at(r, "sys/module/kvm_pvm/parameters");
	put(r, "dev/kvm", "", 0600);
	put_common(r);
	put(r, "proc/sys/user/max_user_namespaces", "96365\n", 0444);
	put(r, "dev/net/tun", "", 0600);
	/* no tracefs: it is not mounted there until perf runs */
}

/* vlab grade's rows: bubblewrap missing from PATH, cgroup v1 as the CI
 * machines mount it (captured), then a host with neither v1 nor v2. */
static void test_grading_rows(void **state)
{
	struct root *r = *state;

	put_common(r);
	struct strbuf mi = STRBUF_INIT, sc = STRBUF_INIT;
	char *a = xasprintf("%s/cgroup/mountinfo-v1-ci", FIXTURES), *b = xasprintf("%s/cgroup/self-cgroup-v1-ci", FIXTURES);
	assert_int_equal(read_file(a, &mi), 0);
	assert_int_equal(read_file(b, &sc), 0);
	put(r, "proc/self/mountinfo", sb_str(&mi), 0444);
	put(r, "proc/self/cgroup", sb_str(&sc), 0444);
	gather(r);
	assert_row(r, "bubblewrap", DOCTOR_MISSING, "");
	assert_contains(find_row(r, "bubblewrap")->fix, "bubblewrap");
	assert_false(find_row(r, "bubblewrap")->essential);
	assert_row(r, "cgroups", DOCTOR_OK, "v1 (memory, pids, cpu) below ");
	assert_contains(find_row(r, "cgroups")->detail, "/sys/fs/cgroup/memory/process_api/");
	assert_row(r, "seccomp filter", DOCTOR_OK, "x86_64, i386 and x32");

	put(r, "proc/self/mountinfo", "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", 0444);
	put(r, "proc/self/cgroup", "0::/\n", 0444);
	put(r, "sys/fs/cgroup/unified/cgroup.controllers", "\n", 0444);
	gather(r);
	assert_row(r, "cgroups", DOCTOR_WARN, "none: cgroup v2 at /sys/fs/cgroup/unified offers no controllers");
	assert_contains(find_row(r, "cgroups")->fix, "vlab grade warns in every result");
	free(a);
	free(b);
	sb_release(&mi);
	sb_release(&sc);
}

static void test_kvm_pvm(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	gather(r);

	assert_true(r->f.kvm.kvm_pvm);
	assert_true(r->f.kvm.hypervisor);
	assert_false(r->f.kvm.vmx || r->f.kvm.svm);
	/* the ioctls work here (chapter 5); chapter 4's EPT/NPT step goes inside */
	r->f.kvmhost_missing[0] = '\0';
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "emulated kvm", DOCTOR_INFO, "this host's KVM is kvm_pvm (paravirtual)");
	assert_contains(find_row(r, "emulated kvm")->detail, "chapter 4 runs (its EPT/NPT step needs it; chapter 5 "
							     "runs here) inside the emulated KVM host");
	const struct doctor_row *kvm = find_row(r, "kvm");
	assert_int_equal(kvm->status, DOCTOR_WARN);
	assert_true(starts_with(kvm->detail, "present: kvm_pvm (paravirtual), cpu flags: hypervisor, no vmx/svm; "
					     "KVM ioctls work, but a standard Linux guest does not boot on it"));
	assert_string_equal(kvm->enables, "chapter 4 strace step and chapter 5 (KVM ioctls)");

	const struct doctor_row *acc = find_row(r, "accelerator");
	assert_int_equal(acc->status, DOCTOR_INFO);
	assert_true(starts_with(acc->detail, "TCG will be used: KVM here is kvm_pvm, a paravirtual KVM"));
	assert_contains(acc->detail, "a standard Linux guest does not boot on it");
	assert_contains(acc->detail, "; by hand, type -accel tcg in place of the lab's -enable-kvm -cpu host (keep "
				     "-enable-kvm -cpu host in the script you hand in: vlab grade runs it under TCG");

	assert_row(r, "ept/npt", DOCTOR_MISSING, "kvm_pvm has no ept/npt parameter");
	/* tracefs absent: perf list answered (and kvm_exit never fires on kvm_pvm) */
	assert_int_equal(r->f.kvm_tp, TP_FOUND);
	assert_string_equal(r->f.kvm_tp_where, "perf list");
	assert_row(r, "kvm tracepoints", DOCTOR_WARN, "kvm:kvm_exit is listed (perf list), but kvm_pvm never fires it");
	assert_contains(find_row(r, "kvm tracepoints")->fix, "chapter 5 counts exits");
	assert_row(r, "strace", DOCTOR_OK, "strace -- version 6.1");
	assert_row(r, "perf", geteuid() == 0 ? DOCTOR_OK : DOCTOR_WARN, "perf version 6.1.187 (");
	assert_row(r, "host kind", DOCTOR_INFO,
		   "looks like a paravirtual or cloud VM without nested virtualisation (KVM is kvm_pvm, cpu flags: "
		   "hypervisor, no vmx/svm)");
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_PASS);
}

static void test_kvm_pvm_probe_rows(void **state)
{
	struct root *r = *state;

	/* what doctor_probe records on that machine, turned into the row */
	put_kvm_pvm(r);
	gather(r);
	struct strbuf log = STRBUF_INIT;
	assert_int_equal(read_file(DOC_FIXTURES "console-kvm_pvm.log", &log), 0);
	r->f.probe.state = PROBE_NO_LOGIN;
	r->f.probe.timeout_ms = 20000;
	r->f.probe.elapsed_ms = 20004;
	snprintf(r->f.probe.cpu, sizeof(r->f.probe.cpu), "host");
	snprintf(r->f.probe.transcript, sizeof(r->f.probe.transcript), "/run/vlab/x/vm1.console.log");
	doctor_console_evidence(log.buf, 3, r->f.probe.console, sizeof(r->f.probe.console));
	sb_release(&log);
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "kvm boot probe", DOCTOR_WARN,
		   "no login: within 20 s under KVM (kvm_pvm): standard guests don't boot here; last console lines: "
		   "SeaBIOS (version 1.16.2-debian-1.16.2-1) | Booting from ROM..; "
		   "transcript /run/vlab/x/vm1.console.log");

	/* the same silence where KVM should have booted it is a problem */
	r->f.kvm.kvm_pvm = false;
	r->f.kvm.vmx = r->f.kvm.kvm_intel = true;
	r->f.accel.standard_guest_ok = true;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "kvm boot probe", DOCTOR_MISSING, "although this KVM should run it");
	assert_contains(find_row(r, "kvm boot probe")->fix, "--accel tcg");

	r->f.probe.state = PROBE_LOGIN;
	r->f.probe.elapsed_ms = 1234;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "kvm boot probe", DOCTOR_OK, "reached login: in 1.2 s under KVM (kvm_intel, -cpu host)");
}

/* ---- no KVM ------------------------------------------------------------- */

static void test_no_kvm(void **state)
{
	struct root *r = *state;

	put_cpuinfo(r, "", true); /* a cloud VM: hypervisor, no vmx/svm, no modules */
	put_tracefs(r, NULL);
	put_common(r);
	gather(r);

	assert_false(r->f.kvm.dev_kvm);
	assert_row(r, "kvm", DOCTOR_MISSING, "no /dev/kvm; cpu flags: no vmx/svm, hypervisor; kvm modules: none");
	assert_contains(find_row(r, "kvm")->fix, "nested virtualisation");
	assert_row(r, "accelerator", DOCTOR_INFO, "TCG will be used: there is no /dev/kvm");
	assert_contains(find_row(r, "accelerator")->detail, "by hand, type -accel tcg in place of the lab's");
	assert_row(r, "ept/npt", DOCTOR_MISSING, "no kvm_intel or kvm_amd module loaded");
	assert_row(r, "kvm tracepoints", DOCTOR_MISSING, "no KVM module is loaded");
	assert_row(r, "strace", DOCTOR_WARN, "without a usable /dev/kvm qemu makes no KVM ioctls");
	assert_row(r, "host kind", DOCTOR_INFO, "cloud VM");
	/* under --root the emulated KVM host is not looked for: said, the steps skip */
	assert_row(r, "emulated kvm", DOCTOR_WARN, "this host has no /dev/kvm, and the emulated KVM host cannot start "
						    "here (not looked at under --root)");
	/* where it can start, chapters 4 and 5 run in it */
	r->f.kvmhost_missing[0] = '\0';
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "emulated kvm", DOCTOR_INFO, "this host has no /dev/kvm: chapters 4 and 5 run inside the "
						    "emulated KVM host (--emulated-kvm never: those steps skip)");
	assert_contains(find_row(r, "emulated kvm")->detail, "KVM on an emulated AMD CPU");
	/* TCG runs chapter 1: nothing essential is missing */
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_PASS);

	/* the probe has nothing to boot on, and says why without spawning */
	assert_int_equal(doctor_probe(&r->f, 1000), 0);
	assert_int_equal(r->f.probe.state, PROBE_SKIPPED);
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "kvm boot probe", DOCTOR_INFO, "skipped: --accel kvm cannot be used: there is no /dev/kvm");
}

static void test_vtx_off_in_firmware(void **state)
{
	struct root *r = *state;

	put_cpuinfo(r, "", false); /* no hypervisor, no vmx: bare metal, VT-x off */
	put_common(r);
	gather(r);
	assert_contains(find_row(r, "kvm")->fix, "firmware setup");
	assert_row(r, "host kind", DOCTOR_INFO, "VT-x/AMD-V is off in the firmware setup");
}

static void test_wsl2(void **state)
{
	struct root *r = *state;

	put_cpuinfo(r, " vmx", true);
	put_common(r);
	put(r, "proc/sys/kernel/osrelease", "5.15.133.1-microsoft-standard-WSL2\n", 0444);
	gather(r);
	char why[256];
	const struct doctor_host_kind *k = doctor_host_kind_guess(&r->f, why, sizeof(why));
	assert_string_equal(k->id, "wsl2");
	assert_string_equal(why, "kernel release '5.15.133.1-microsoft-standard-WSL2'");
	assert_contains(k->works, "nestedVirtualization=true");
	/* vmx without a kvm module: load it */
	assert_contains(find_row(r, "kvm")->fix, "modprobe kvm_intel");
}

static void test_no_access(void **state)
{
	struct root *r = *state;

	put_cpuinfo(r, " vmx", false);
	put(r, "sys/module/kvm_intel/parameters/ept", "Y\n", 0444);
	put(r, "dev/kvm", "", 0660);
	put_common(r);
	gather(r);
	/* as a user outside the device's group would see it */
	r->f.kvm.dev_kvm_access = false;
	r->f.dev_kvm.gid = 4242;
	accel_decide(&r->f.kvm, ACCEL_REQ_AUTO, &r->f.accel);
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "kvm", DOCTOR_WARN, "but this user may not open it");
	assert_contains(find_row(r, "kvm")->fix, "sudo usermod -aG 4242 $USER");
	assert_row(r, "accelerator", DOCTOR_INFO, "TCG will be used: /dev/kvm is there but this user may not open it");
	assert_contains(find_row(r, "accelerator")->fix, "see the kvm row");
}

/* ---- privileges --------------------------------------------------------- */

static void test_tun_modes(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r); /* dev/net/tun 0600, as on the CI machines */
	gather(r);
	assert_true(r->f.tun.present);
	assert_int_equal(r->f.tun.mode & 07777, 0600);
	assert_int_equal(r->f.tun.uid, geteuid());
	assert_int_equal(r->f.tun.open_err, 0);
	assert_row(r, "/dev/net/tun", DOCTOR_OK, "-rw------- ");
	assert_contains(find_row(r, "/dev/net/tun")->detail, "a rootless run could not make taps");

	put(r, "dev/net/tun", "", 0666); /* stock Debian */
	gather(r);
	assert_int_equal(r->f.tun.mode & 07777, 0666);
	assert_row(r, "/dev/net/tun", DOCTOR_OK, "-rw-rw-rw- ");
	assert_null(strstr(find_row(r, "/dev/net/tun")->detail, "rootless"));

	/* a user who may not open the 0600 one */
	put(r, "dev/net/tun", "", 0600);
	gather(r);
	r->f.euid = 1000;
	r->f.tun.uid = 0;
	r->f.tun.open_err = -EACCES;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "/dev/net/tun", DOCTOR_MISSING, "this user may not open it (Permission denied)");
	assert_contains(find_row(r, "/dev/net/tun")->fix, "chmod 0666 /dev/net/tun");

	/* no device at all */
	char *tun = xasprintf("%s/dev/net/tun", r->dir);
	assert_int_equal(unlink(tun), 0);
	free(tun);
	gather(r);
	assert_row(r, "/dev/net/tun", DOCTOR_MISSING, "the tun module is not loaded");
	assert_string_equal(find_row(r, "/dev/net/tun")->fix, "as root: modprobe tun");
}

static void test_userns_disabled(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	put(r, "proc/sys/kernel/unprivileged_userns_clone", "0\n", 0444);
	gather(r);
	assert_int_equal(r->f.userns_clone, 0);
	assert_int_equal(r->f.userns_unshare, 0); /* not tried below a fake root */

	/* as root the lab does not need them */
	r->f.euid = 0;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "user namespaces", DOCTOR_INFO,
		   "off for unprivileged users (kernel.unprivileged_userns_clone=0)");
	assert_contains(find_row(r, "user namespaces")->detail, "not needed as root");

	/* as a user they are what chapters 2-3 run in */
	r->f.euid = 1000;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "user namespaces", DOCTOR_MISSING, "kernel.unprivileged_userns_clone=0");
	assert_string_equal(find_row(r, "user namespaces")->fix,
			    "as root: sysctl -w kernel.unprivileged_userns_clone=1, or run as root");
	assert_row(r, "root", DOCTOR_INFO, "not root (euid 1000)");

	put(r, "proc/sys/kernel/unprivileged_userns_clone", "1\n", 0444);
	put(r, "proc/sys/user/max_user_namespaces", "0\n", 0444);
	gather(r);
	r->f.euid = 1000;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "user namespaces", DOCTOR_MISSING, "user.max_user_namespaces=0");

	put(r, "proc/sys/user/max_user_namespaces", "15000\n", 0444);
	put(r, "proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n", 0444);
	gather(r);
	r->f.euid = 1000;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "user namespaces", DOCTOR_MISSING, "kernel.apparmor_restrict_unprivileged_userns=1");

	/* refused for real (a container's seccomp, say) */
	put(r, "proc/sys/kernel/apparmor_restrict_unprivileged_userns", "0\n", 0444);
	gather(r);
	r->f.euid = 1000;
	r->f.userns_unshare = -EPERM;
	r->nrows = doctor_rows(&r->f, r->rows, ARRAY_SIZE(r->rows));
	assert_row(r, "user namespaces", DOCTOR_MISSING, "unshare(CLONE_NEWUSER|CLONE_NEWNET) is refused: "
							 "Operation not permitted");
}

/* ---- tools -------------------------------------------------------------- */

static void test_tools_missing(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	use_tools(r, (const char *const[]){ NULL }, "bin"); /* an empty PATH dir */
	gather(r);
	assert_false(r->f.qemu.found);
	assert_row(r, "qemu", DOCTOR_MISSING, "qemu-system-x86_64 not found in PATH");
	assert_string_equal(find_row(r, "qemu")->fix, "apt-get install qemu-system-x86");
	assert_true(find_row(r, "qemu")->essential);
	assert_row(r, "qemu-img", DOCTOR_MISSING, "not found in PATH");
	assert_string_equal(find_row(r, "qemu-img")->fix, "apt-get install qemu-utils");
	assert_row(r, "strace", DOCTOR_MISSING, NULL);
	assert_string_equal(find_row(r, "strace")->fix, "apt-get install strace");
	assert_false(find_row(r, "strace")->essential);
	assert_row(r, "perf", DOCTOR_MISSING, NULL);
	assert_contains(find_row(r, "perf")->fix, "linux-perf");
	assert_row(r, "iperf3", DOCTOR_MISSING, NULL);
	assert_row(r, "ping", DOCTOR_MISSING, "ping not found in PATH");
	assert_string_equal(find_row(r, "ping")->fix, "apt-get install iputils-ping");
	assert_row(r, "curl/wget", DOCTOR_MISSING, "neither curl nor wget found in PATH");
	/* no tracefs and no perf to ask */
	assert_row(r, "kvm tracepoints", DOCTOR_INFO, "not known: tracefs is not mounted and perf could not be asked");
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_HOST);
}

/* The host commands the lab has the student type: ping (Debian's
 * iputils-ping is not installed by default) and curl or wget. Each row says
 * what it enables and the package; neither is essential (vlab sends its own
 * ICMP and GET), so doctor's status does not change. */
static void test_student_tools(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	gather(r);
	assert_row(r, "ping", DOCTOR_OK, "ping from iputils 20221126 (");
	assert_contains(find_row(r, "ping")->enables, "`ping 10.0.0.10`");
	assert_row(r, "curl/wget", DOCTOR_OK, "curl 7.88.1 (x86_64-pc-linux-gnu)");
	assert_contains(find_row(r, "curl/wget")->enables, "http://10.0.0.10:8000/");
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_PASS);

	/* wget alone will do */
	use_tools(r, (const char *const[]){ "qemu-system-x86_64", "qemu-img", "wget", NULL }, "bin");
	gather(r);
	assert_row(r, "curl/wget", DOCTOR_OK, "GNU Wget 1.21.3 built on linux-gnu.");
	assert_row(r, "ping", DOCTOR_MISSING, "ping not found in PATH");
	const struct doctor_row *ping = find_row(r, "ping");
	assert_string_equal(ping->fix, "apt-get install iputils-ping");
	assert_false(ping->essential);

	/* neither */
	use_tools(r, (const char *const[]){ "qemu-system-x86_64", "qemu-img", NULL }, "bin");
	gather(r);
	const struct doctor_row *http = find_row(r, "curl/wget");
	assert_int_equal(http->status, DOCTOR_MISSING);
	assert_string_equal(http->detail, "neither curl nor wget found in PATH");
	assert_string_equal(http->fix, "apt-get install curl");
	assert_false(http->essential);
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_PASS);
}

static void test_perf_broken(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	use_tools(r, (const char *const[]){ "perf", NULL }, "bin-broken");
	gather(r);
	assert_true(r->f.perf.found);
	assert_false(r->f.perf.runs);
	assert_row(r, "perf", DOCTOR_MISSING, "does not run: WARNING: perf not found for kernel 6.8.0-31");
	assert_contains(find_row(r, "perf")->fix, "linux-tools-$(uname -r)");
	/* a perf that does not run is not asked for tracepoints */
	assert_row(r, "kvm tracepoints", DOCTOR_INFO, "not known");
}

static void test_tracepoints_unseen(void **state)
{
	struct root *r = *state;

	/* tracefs unmounted, and a perf whose list shows no kvm events */
	put_kvm_pvm(r);
	put(r, "bin/perf", "#!/bin/sh\n[ \"$1\" = --version ] && echo 'perf version 6.1.187'\nexit 0\n", 0755);
	gather(r);
	if (geteuid() == 0) {
		/* root sees every event perf can: none means none */
		assert_row(r, "kvm tracepoints", DOCTOR_MISSING,
			   "no kvm:kvm_exit event (perf list) although KVM is loaded");
	} else {
		/* a user sees none of them: that proves nothing */
		assert_row(r, "kvm tracepoints", DOCTOR_INFO,
			   "not known: tracefs is not mounted, and perf list shows no kvm events to this user");
		assert_contains(find_row(r, "kvm tracepoints")->fix, "as root");

		/* tracefs mounted but root-only (0700): the same, said so */
		put_tracefs(r, (const char *const[]){ "kvm_exit", NULL });
		char *tracing = xasprintf("%s/sys/kernel/tracing", r->dir);
		assert_int_equal(chmod(tracing, 0), 0);
		gather(r);
		assert_int_equal(chmod(tracing, 0755), 0);
		free(tracing);
		assert_row(r, "kvm tracepoints", DOCTOR_INFO, "not known: tracefs is readable by root only");
	}
}

/* ---- images ------------------------------------------------------------- */

static void test_images(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	gather(r);
	/* the builtin manifest has no hashes; lab-compat is not built here */
	assert_row(r, "image default", DOCTOR_WARN, "vmlinux, initrd.img, rootfs.ext4 in ");
	assert_contains(find_row(r, "image default")->detail, "records no sha256");
	assert_row(r, "image lab-compat", DOCTOR_MISSING, "alpine-bzImage");
	assert_false(find_row(r, "image lab-compat")->essential);
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_PASS);

	/* `make image` writes a manifest with hashes beside the files */
	char *manifest = xasprintf("%s/manifest", imgdir);
	put_abs(manifest,
		"profile default\n"
		"description the test image\n"
		"kernel vmlinux 4b37ad587701fad5c25512b00c98ee8067ca35f61c5c49d852af3637a44b1227\n"
		"initrd initrd.img 17826f1b86cdf3028a3008988c375e60b18b791ab5defec8548a287098f0bcc1\n"
		"rootfs rootfs.ext4 e3cdea45b03f01ce382c0604537f185d4da89e025d65d6af680a1fc7b8d08deb\n"
		"append root=/dev/vda rw console=ttyS0\n"
		"login root toor\n"
		"end\n",
		0644);
	gather(r);
	assert_row(r, "image default", DOCTOR_OK, "sha256 of each recorded in the manifest (digest ");
	assert_int_equal(strlen(r->f.profiles[0].digest), 16);

	/* the default image missing: chapter 1 cannot run (exit 3) */
	char *rootfs = xasprintf("%s/default/rootfs.ext4", imgdir);
	assert_int_equal(unlink(rootfs), 0);
	gather(r);
	assert_row(r, "image default", DOCTOR_MISSING, "is missing");
	assert_contains(find_row(r, "image default")->detail, "rootfs.ext4");
	assert_true(starts_with(find_row(r, "image default")->fix, "make image"));
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_HOST);

	/* a manifest that does not parse is named */
	put_abs(manifest, "profile default\nbogus key\nend\n", 0644);
	gather(r);
	assert_row(r, "image manifest", DOCTOR_MISSING, manifest);
	assert_int_equal(doctor_exit_status(r->rows, r->nrows), EXIT_HOST);
	free(rootfs);
	free(manifest);
}

/* ---- probe evidence ----------------------------------------------------- */

static void test_console_evidence(void **state)
{
	(void)state;
	char out[512];
	struct strbuf log = STRBUF_INIT;

	/* the real transcript: ESC c, ESC[?7l, ESC[2J, CRs, Enters vlab sent */
	assert_int_equal(read_file(DOC_FIXTURES "console-kvm_pvm.log", &log), 0);
	doctor_console_evidence(log.buf, 3, out, sizeof(out));
	assert_string_equal(out, "SeaBIOS (version 1.16.2-debian-1.16.2-1) | Booting from ROM..");
	doctor_console_evidence(log.buf, 1, out, sizeof(out));
	assert_string_equal(out, "Booting from ROM..");
	sb_release(&log);

	/* kernel lines are evidence too: kept, only the last ones */
	doctor_console_evidence("[    0.000000] Linux version 6.1.0\r\n[    0.100000] x\r\n\r\n"
				"[    1.5] Run /init as init process\r\n  \r\n",
				2, out, sizeof(out));
	assert_string_equal(out, "[    0.100000] x | [    1.5] Run /init as init process");
	doctor_console_evidence("", 3, out, sizeof(out));
	assert_string_equal(out, "");
	doctor_console_evidence("\033[6n\r\n\r\n", 3, out, sizeof(out));
	assert_string_equal(out, "");
}

/* ---- output ------------------------------------------------------------- */

static void test_json(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	gather(r);
	json_t *o = doctor_json(&r->f, r->rows, r->nrows);
	assert_int_equal(json_integer_value(json_object_get(o, "schema_version")), 1);
	assert_true(json_is_true(json_object_get(o, "ready")));
	assert_true(json_is_null(json_object_get(o, "reason")));
	json_t *rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), r->nrows);
	json_t *kvm = NULL;
	size_t i;
	json_t *v;
	json_array_foreach(rows, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")), "kvm"))
			kvm = v;
	assert_non_null(kvm);
	assert_string_equal(json_string_value(json_object_get(kvm, "status")), "warn");
	assert_true(starts_with(json_string_value(json_object_get(kvm, "detail")), "present: kvm_pvm (paravirtual)"));
	assert_string_equal(json_string_value(json_object_get(kvm, "enables")),
			    "chapter 4 strace step and chapter 5 (KVM ioctls)");
	assert_true(json_is_string(json_object_get(kvm, "fix")));
	json_t *qemu = json_array_get(rows, 0);
	assert_string_equal(json_string_value(json_object_get(qemu, "name")), "qemu");
	assert_true(json_is_null(json_object_get(qemu, "fix")));
	assert_true(json_is_true(json_object_get(qemu, "essential")));

	json_t *acc = json_object_get(o, "accelerator");
	assert_string_equal(json_string_value(json_object_get(acc, "accel")), "tcg");
	assert_contains(json_string_value(json_object_get(acc, "reason")), "kvm_pvm");
	assert_string_equal(json_string_value(json_object_get(acc, "evidence")),
			    "cpu flags: no vmx/svm, hypervisor; kvm modules: kvm_pvm; /dev/kvm: read-write");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "host_kind"), "id")), "cloud-vm");
	assert_true(json_is_null(json_object_get(o, "probe")));
	json_decref(o);

	/* with qemu missing: not ready, and the reason names it */
	use_tools(r, (const char *const[]){ "qemu-img", NULL }, "bin");
	gather(r);
	o = doctor_json(&r->f, r->rows, r->nrows);
	assert_true(json_is_false(json_object_get(o, "ready")));
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
			    "qemu: qemu-system-x86_64 not found in PATH");
	json_decref(o);
}

static void test_text(void **state)
{
	struct root *r = *state;
	char *buf = NULL;
	size_t len = 0;

	put_kvm_pvm(r);
	gather(r);
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	doctor_print_text(out, &r->f, r->rows, r->nrows);
	fclose(out);
	assert_contains(buf, "\n  warn    kvm              present: kvm_pvm (paravirtual), cpu flags: hypervisor,");
	assert_contains(buf, "\n                           "
			     "enables: chapter 4 strace step and chapter 5 (KVM ioctls)\n");
	assert_contains(buf, "\n  info    accelerator      TCG will be used: KVM here is kvm_pvm");
	assert_contains(buf, "\n  missing ept/npt          no EPT/NPT setting");
	assert_contains(buf, "\nhost kinds (* this host):\n");
	assert_contains(buf, "\n  * a paravirtual or cloud VM without nested virtualisation\n");
	assert_contains(buf, "\n    WSL2 on Windows\n");
	assert_contains(buf, "\n    a Mac\n");
	assert_contains(buf, "\nchapter 1 can run here, under TCG\n");
	/* ok rows carry no enables/fix lines */
	const char *strace = strstr(buf, "  ok      strace ");
	assert_non_null(strace);
	assert_false(starts_with(strchr(strace, '\n') + 1, "                           enables:"));
	/* every line fits the width of a non-terminal (100) */
	for (const char *l = buf; *l;) {
		size_t n = strcspn(l, "\n");
		if (n > 100 && !memchr(l, '/', n))
			fail_msg("line too long: %.*s", (int)n, l);
		l += n + (l[n] == '\n');
	}
	free(buf);
}

/* ---- the command -------------------------------------------------------- */

static int run_quiet(int argc, const char *const *argv)
{
	/* the command prints; keep the test's output readable */
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	int null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	close(null);
	char **v = xcalloc((size_t)argc + 1, sizeof(*v));
	for (int i = 0; i < argc; i++)
		v[i] = xstrdup(argv[i]);
	int rc = command_doctor.run(argc, v);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	for (int i = 0; i < argc; i++)
		free(v[i]);
	free(v);
	return rc;
}

static void test_cmd(void **state)
{
	struct root *r = *state;

	put_kvm_pvm(r);
	const char *const ok_text[] = { "doctor", "--root", r->dir };
	assert_int_equal(run_quiet(3, ok_text), EXIT_PASS);
	const char *const ok_json[] = { "doctor", "--format", "json", "--root", r->dir };
	assert_int_equal(run_quiet(5, ok_json), EXIT_PASS);
	/* --help is main's, from the option table (tests/integration/docs.sh) */

	const char *const bad_format[] = { "doctor", "--format", "xml" };
	assert_int_equal(run_quiet(3, bad_format), EXIT_USAGE);
	const char *const bad_opt[] = { "doctor", "--frobnicate" };
	assert_int_equal(run_quiet(2, bad_opt), EXIT_USAGE);
	const char *const no_value[] = { "doctor", "--format" };
	assert_int_equal(run_quiet(2, no_value), EXIT_USAGE);
	const char *const extra[] = { "doctor", "now" };
	assert_int_equal(run_quiet(2, extra), EXIT_USAGE);
	const char *const probe_root[] = { "doctor", "--probe", "--root", r->dir };
	assert_int_equal(run_quiet(4, probe_root), EXIT_USAGE);
	const char *const no_root[] = { "doctor", "--root", "/nonexistent/vlab-root" };
	assert_int_equal(run_quiet(3, no_root), EXIT_USAGE);

	/* essential things missing: exit 3 */
	use_tools(r, (const char *const[]){ NULL }, "bin");
	assert_int_equal(run_quiet(3, ok_text), EXIT_HOST);
}

int main(void)
{
	snprintf(imgdir, sizeof(imgdir), "/tmp/vlab-test-doctor-img.XXXXXX");
	if (!mkdtemp(imgdir))
		return 1;
	setenv("VLAB_IMAGE_DIR", imgdir, 1);
	saved_path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intel_ept_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amd_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kvm_pvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kvm_pvm_probe_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_kvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtx_off_in_firmware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wsl2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tun_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userns_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tools_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_student_tools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perf_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tracepoints_unseen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images, setup, teardown),
		cmocka_unit_test(test_console_evidence),
		cmocka_unit_test_setup_teardown(test_grading_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	remove_tree(imgdir);
	free(saved_path);
	return failed;
}
