/* Chapter 4: what qemu asks of KVM. Step 1 runs the chapter-1 VM with KVM
 * under strace and finds the KVM_SET_USER_MEMORY_REGION calls that hand the
 * guest its 256 MiB. Step 2 runs three busy loops in the guest and counts
 * qemu's VM exits three ways, with EPT/NPT as it is and (root,
 * --allow-module-reload) with it turned off, then puts it back (runner/host/ept.h
 * says how the restore survives failures and signals). Step 2 needs a
 * hardware KVM: a standard guest does not boot on kvm_pvm. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/chapter.h"
#include "chapters/ch4_kvm.h"
#include "chapters/ch4_exits_count.h"
#include "checks/ch1.h"
#include "checks/ch4.h"
#include "checks/strace_parse.h"
#include "checks/qmp_parse.h"
#include "runner/cleanup.h"
#include "runner/host/ept.h"
#include "runner/proc.h"
#include "runner/vm/qmp.h"
#include "runner/report.h"
#include "runner/step.h"
#include "runner/host/tracepoint.h"
#include "runner/lab.h"
#include "checks/lab_plan.h"
#include "runner/exit_status.h"
#include "runner/clock.h"
#include "runner/files.h"

#define LAB_CH4 "lab chapter 4, \"KVM\" (strace the ioctls)"

/* How restore_ept went. */
struct ept_restore_result {
	bool ran;
	int rc;
	char msg[512];
};

/* What the chapter keeps between steps. */
struct ch4_state {
	/* Why the KVM part cannot run here ("" when it can). */
	char kvm_missing[256];
	/* Why step 2 cannot boot its guest here ("" when it can). */
	char exits_missing[640];
	/* VLAB_TEST_CH4_TCG=1, for the integration tests on hosts without
	 * hardware KVM: step 2 boots its guests under TCG to exercise its
	 * machinery end to end (boot, busy loops, perf, tracepoints, QMP, the
	 * module reload and restore on the fake sysfs that VLAB_TEST_SYSFS_ROOT
	 * names, with the loader in VLAB_MODPROBE). TCG makes no VM exits, so
	 * ch4.exits_counted fails there, as it must; the report says the guests
	 * ran under TCG. */
	bool exits_under_tcg;
	struct ept_restore_result restore_result;
};

/* Where step 2 reads /sys/module ("" for the host). */
static const char *sysfs_root(const struct ch4_state *st)
{
	const char *r = st->exits_under_tcg ? getenv("VLAB_TEST_SYSFS_ROOT") : NULL;
	return r ? r : "";
}

/* Can this host create a KVM VM at all? (KVM_CREATE_VM in api.rst) */
static int kvm_can_create_vm(char *why, size_t n)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		snprintf(why, n, "/dev/kvm cannot be opened (%s)", strerror(errno));
		return -errno;
	}
	int ver = ioctl(kvm, KVM_GET_API_VERSION, 0);
	int vm = ver == KVM_API_VERSION ? ioctl(kvm, KVM_CREATE_VM, 0) : -1;
	int e = errno;
	close(kvm);
	if (ver != KVM_API_VERSION) {
		snprintf(why, n, "/dev/kvm answers KVM_GET_API_VERSION with %d, not %d", ver, KVM_API_VERSION);
		return -ENODEV;
	}
	if (vm < 0) {
		snprintf(why, n, "KVM_CREATE_VM fails on /dev/kvm (%s)", strerror(e));
		return -e;
	}
	close(vm);
	return 0;
}

static int ch4_prepare(struct lab *lab)
{
	struct ch4_state *st = lab->chapter_state;
	int r = lab_prepare_image(lab);
	if (r)
		return r;
	char kvm_why[256] = "";
	kvm_can_create_vm(kvm_why, sizeof(kvm_why));
	char *strace = proc_which("strace");
	if (!strace)
		snprintf(st->kvm_missing, sizeof(st->kvm_missing), "strace is not installed (apt-get install strace)");
	else
		snprintf(st->kvm_missing, sizeof(st->kvm_missing), "%s", kvm_why);
	free(strace);
	st->exits_missing[0] = '\0';
	if (lab->opt->accel == ACCEL_REQ_TCG)
		snprintf(st->exits_missing, sizeof(st->exits_missing), "--accel tcg: VM exits are KVM's, TCG has none");
	else if (kvm_why[0])
		snprintf(st->exits_missing, sizeof(st->exits_missing), "%s", kvm_why);
	else if (!lab->accel.standard_guest_ok)
		snprintf(st->exits_missing, sizeof(st->exits_missing),
			 "a standard Linux guest does not boot under this host's KVM (%s), so no busy loops run to "
			 "count VM exits of; this needs VT-x/AMD-V (kvm_intel or kvm_amd)",
			 lab->accel.evidence);
	const char *tcg = getenv("VLAB_TEST_CH4_TCG");
	st->exits_under_tcg = tcg && !strcmp(tcg, "1") && st->exits_missing[0];
	if (st->exits_under_tcg)
		st->exits_missing[0] = '\0';
	/* This chapter is about KVM: qemu runs with it even where a standard
	 * guest does not get far (kvm_pvm), since the ioctls come first. */
	if (!st->kvm_missing[0] && lab->accel.accel != ACCEL_KVM) {
		lab->accel.accel = ACCEL_KVM;
		text_printf(lab->accel.reason, sizeof(lab->accel.reason),
			 "KVM: this chapter traces qemu's KVM ioctls (they work here although a standard guest "
			 "does not boot: %s)",
			 lab->accel.evidence);
	}
	return 0;
}

/* Wait until the log shows the first KVM_RUN (memory is set up before it),
 * then a second more: the first run's region changes follow at once. */
static int wait_for_first_run(const char *log, pid_t pid, int64_t timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms, seen = 0;
	for (;;) {
		idle_tick();
		if (cleanup_stop_requested())
			return -EINTR;
		if (!seen) {
			struct strbuf sb = STRBUF_INIT;
			if (read_file(log, &sb) == 0 && strstr(sb_str(&sb), "KVM_RUN"))
				seen = now_ms();
			sb_release(&sb);
		}
		if (seen && now_ms() - seen >= 1000)
			return 0;
		if (proc_gone(pid))
			return -EPIPE;
		if (now_ms() > deadline)
			return seen ? 0 : -ETIMEDOUT;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static bool strace_saw_kvm(const char *log)
{
	struct strbuf sb = STRBUF_INIT;
	bool seen = read_file(log, &sb) == 0 && strstr(sb_str(&sb), "KVM_");
	sb_release(&sb);
	return seen;
}

static int by_count_desc(const void *a, const void *b)
{
	const struct strace_request_count *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->name, y->name);
}

static void show_summary(struct lab *lab, const struct strace_summary *s)
{
	ui_note(lab, "KVM_SET_USER_MEMORY_REGION calls (%lu in all):", s->region_calls);
	for (size_t i = 0; i < s->nregions && i < 12; i++) {
		const struct strace_region_call *c = &s->regions[i];
		char size[40] = "deletes the slot";
		if (c->memory_size)
			format_size(c->memory_size, size, sizeof(size));
		ui_note(lab, "  line %-5lu slot=%-2u guest_phys_addr=0x%-9" PRIx64 " memory_size=%-10" PRIu64 " (%s)%s",
			c->line, c->slot, c->guest_phys_addr, c->memory_size, size, c->readonly ? " read-only" : "");
	}
	/* the busiest requests first: KVM_RUN, the guest running */
	struct strace_request_count by_count[STRACE_MAX_REQUESTS];
	memcpy(by_count, s->requests, s->nrequests * sizeof(by_count[0]));
	qsort(by_count, s->nrequests, sizeof(by_count[0]), by_count_desc);
	ui_note(lab, "KVM ioctls by request (%lu in all):", s->kvm_calls);
	for (size_t i = 0; i < s->nrequests && i < 12; i++)
		ui_note(lab, "  %-36s %lu", by_count[i].name, by_count[i].count);
}

/* The lab's `strace qemu ...` with vlab's changes, into argv (room for
 * VM_MAX_ARGS + 8); returns the count. */
static int strace_argv(const struct vm *vm, const char *log, const char **argv)
{
	/* strace -f: KVM_RUN and KVM_CREATE_VCPU happen in the vCPU threads */
	int n = 0;
	argv[n++] = "strace";
	argv[n++] = "-f";
	argv[n++] = "-e";
	argv[n++] = "trace=ioctl";
	argv[n++] = "-o";
	argv[n++] = log;
	for (int i = 0; i < vm->argv.n; i++)
		argv[n++] = vm->argv.v[i];
	argv[n] = NULL;
	return n;
}

static void show_strace_command(struct lab *lab, const char *const *argv, int n)
{
	struct strbuf cmd = STRBUF_INIT;
	for (int i = 0; i < n; i++) {
		if (i)
			sb_adds(&cmd, i == 6 ? " \\\n    " : " ");
		shell_quote(argv[i], &cmd);
	}
	ui_note(lab, "The lab writes `strace -e trace=ioctl qemu ... &> strace.log`; vlab adds -f (the vCPU "
		     "threads make KVM_RUN) and -o (qemu's own messages stay out of the log):");
	ui_command(lab, "host", cmd.buf);
	sb_release(&cmd);
}

/* Run qemu under strace until its first KVM_RUN shows in log, then stop
 * it over QMP (strace exits with it). 0, -ETIMEDOUT, -EPIPE (qemu exited
 * first), -EINTR; a failure to start strace is r's error, as -ECHILD. */
static int run_under_strace(struct lab *lab, struct vm *vm, const char *const *argv, const char *log,
			    struct check_result *r)
{
	unlink(log);
	struct spawn_opts o = SPAWN_OPTS_INIT;
	o.argv = argv;
	o.stdout_path = vm->stderr_path;
	o.stderr_path = vm->stderr_path;
	o.own_pgrp = true;
	o.die_with_parent = true;
	pid_t pid;
	int rc = proc_spawn(&o, &pid);
	if (rc) {
		check_error(r, "cannot start strace: %s", strerror(-rc));
		return -ECHILD;
	}
	int handle = cleanup_add_process(pid, "strace qemu");
	int qmp_handle = cleanup_add_path(RES_FILE, vm->qmp_path);
	int serial_handle = cleanup_add_path(RES_FILE, vm->serial_path);
	ui_wait_begin(lab, "qemu runs under strace");
	rc = wait_for_first_run(log, pid, lab_cmd_timeout_ms(lab, 10000));
	ui_wait_end();
	if (rc == 0 || rc == -ETIMEDOUT) {
		/* stop qemu cleanly over QMP; strace exits with it */
		struct qmp *q = NULL;
		if (qmp_connect(&q, vm->qmp_path, pid, 3000) == 0) {
			json_t *ret = NULL;
			qmp_execute(q, "quit", NULL, &ret, NULL, 2000);
			json_decref(ret);
			qmp_close(q);
		}
		proc_wait(pid, 5000, NULL);
	}
	cleanup_release(handle);
	cleanup_release(qmp_handle);
	cleanup_release(serial_handle);
	return rc;
}

/* The verdict from the strace log, its summary shown, metrics and the log
 * kept as an artifact. */
static void judge_strace_log(struct lab *lab, struct check_result *r, const char *log)
{
	struct strbuf sb = STRBUF_INIT;
	struct strace_summary *s = xcalloc(1, sizeof(*s));
	read_file(log, &sb);
	int pr = strace_parse(sb.buf ? sb.buf : "", sb.len, s);
	show_summary(lab, s);
	check_strace_memory_region(r, s, pr, LAB_MEMORY_BYTES);
	lab_metric(lab, "strace_kvm_ioctls_count", (double)s->kvm_calls);
	lab_metric(lab, "strace_kvm_run_count", (double)strace_request_count(s, "KVM_RUN"));
	lab_artifact(lab, "strace_log", log);
	free(s);
	sb_release(&sb);
}

static int step_strace(struct lab *lab)
{
	struct ch4_state *st = lab->chapter_state;
	struct check_result *r = lab_check(lab, CHECK_CH4_STRACE_MEMORY_REGION);
	if (st->kvm_missing[0]) {
		check_skip(r, "%s", st->kvm_missing);
		return 0;
	}
	struct vm *vm = &lab->vms[0];
	lab->nvms = 1;
	int rc = vm_prepare(lab, vm, "vm1", NULL, 0);
	if (rc) {
		check_error(r, "cannot build the qemu command: %s", strerror(-rc));
		return 0;
	}
	rc = vm_create_overlay(lab, vm);
	if (rc) {
		check_error(r, "%s", lab->blocked);
		lab->blocked[0] = '\0';
		return 0;
	}
	char *log = lab_path(lab, "strace.log");
	for (int attempt = 0; attempt < 2; attempt++) {
		const char *argv[VM_MAX_ARGS + 8];
		int n = strace_argv(vm, log, argv);
		show_strace_command(lab, argv, n);
		rc = run_under_strace(lab, vm, argv, log, r);
		if (rc == -ECHILD)
			break;
		if (rc == -EINTR) {
			free(log);
			return rc;
		}
		char *tail = vm_stderr_tail(vm, 20);
		char *cpu = rc == -EPIPE ? vm_cpu_fallback(vm->spec.cpu, tail) : NULL;
		free(tail);
		if (cpu && attempt == 0) {
			vm_spec_note(&vm->spec, "-cpu host -> -cpu host,-arch-capabilities",
				     "QEMU aborted with 'failed to set MSR 0x10a' on this KVM");
			vm_spec_set(&vm->spec.cpu, cpu);
			free(cpu);
			vm_argv_release(&vm->argv);
			vm_build_argv(&vm->spec, &vm->argv);
			continue;
		}
		free(cpu);
		if (rc == -EPIPE && !strace_saw_kvm(log)) {
			char *why = vm_stderr_tail(vm, 3);
			check_error(r, "qemu exited before it used KVM: %s", why);
			free(why);
		}
		break;
	}
	if (!r->done)
		judge_strace_log(lab, r, log);
	free(log);
	return 0;
}

/* ---- step 2: VM exits with EPT/NPT as it is, then off -------------------- */

struct ch4_options ch4_options;

static int count_seconds(void)
{
	return ch4_options.count_seconds ? ch4_options.count_seconds : CH4_COUNT_SECONDS_DEFAULT;
}
#define BUSY_LOOPS 3

/* Boot vm (a fresh one each time: the module reload in between needs qemu
 * gone), log in as the profile's first account, start the busy loops and
 * see them in ps. 0, -EINTR, or another error with why set. */
static int boot_busy_vm(struct lab *lab, struct vm *vm, const char *name, char *why, size_t n)
{
	struct ch4_state *st = lab->chapter_state;
	enum accel chapter_accel = lab->accel.accel;
	if (st->exits_under_tcg)
		lab->accel.accel = ACCEL_TCG;
	int rc = vm_prepare(lab, vm, name, NULL, 0);
	lab->accel.accel = chapter_accel;
	if (rc) {
		snprintf(why, n, "cannot build the qemu command: %s", strerror(-rc));
		return rc;
	}
	rc = lab_boot_vms(lab, &vm, 1, BOOT_LOGGED_IN);
	if (rc) {
		snprintf(why, n, "%s", lab->blocked[0] ? lab->blocked : strerror(-rc));
		lab->blocked[0] = '\0';
		return rc;
	}
	struct strbuf out = STRBUF_INIT;
	int status = -1;
	rc = vm_run(lab, vm, "/root/while_true & /root/while_true & /root/while_true &", lab_cmd_timeout_ms(lab, 5000),
		    &out, &status);
	sb_reset(&out);
	if (!rc)
		rc = vm_run(lab, vm, "ps", lab_cmd_timeout_ms(lab, 5000), &out, &status);
	int running = 0;
	for (const char *p = sb_str(&out); (p = strstr(p, "/root/while_true")); p += 16)
		running++;
	sb_release(&out);
	if (rc) {
		snprintf(why, n, "%s", lab->blocked[0] ? lab->blocked : strerror(-rc));
		lab->blocked[0] = '\0';
		return rc;
	}
	if (running < BUSY_LOOPS) {
		snprintf(why, n, "ps in the guest shows %d /root/while_true, not %d (is it in the image?)", running,
			 BUSY_LOOPS);
		return -ENOENT;
	}
	ui_note(lab, "ps in the guest: %d /root/while_true running", running);
	return 0;
}

/* The restore, as a cleanup callback: it runs on the orderly path of every
 * way out (failure, SIGINT/SIGTERM turned into a stop), after the VMs
 * registered later are gone. */
static void restore_ept(void *arg)
{
	struct ch4_state *st = arg;
	struct ept_env env;
	ept_env_default(&env, sysfs_root(st));
	st->restore_result.rc = ept_restore(&env, st->restore_result.msg, sizeof(st->restore_result.msg));
	st->restore_result.ran = true;
	if (cleanup_stop_requested() || st->restore_result.rc < 0)
		error_line("%s", st->restore_result.msg);
}

/* Step 2's second count: the module reloaded with EPT/NPT flipped, then a
 * fresh busy VM counted as the first one was. 0 with s2 filled; 0 with cr
 * a SKIP when the host cannot reload now (busy, a loader that failed, a
 * module that ignores the setting); another -errno with cr an ERROR when
 * the VM after the reload failed; -EINTR. The caller restores the module. */
static int count_flipped(struct lab *lab, const struct ept_module *m, int seconds, struct exit_sample *s2,
			 struct check_result *cr)
{
	struct ch4_state *st = lab->chapter_state;
	struct ept_env env;
	ept_env_default(&env, sysfs_root(st));
	char cmd[160], why[640] = "";
	snprintf(cmd, sizeof(cmd), "modprobe -r %s && modprobe %s %s=%d", m->module, m->module, m->param,
		 m->enabled ? 0 : 1);
	ui_command(lab, "host", cmd);
	ui_wait_begin(lab, "reloading the KVM module");
	int rc = ept_set(&env, m, !m->enabled, why, sizeof(why));
	ui_wait_end();
	if (rc) {
		if (rc == -EINTR)
			return rc;
		check_skip(cr, "%s", why);
		return 0;
	}
	struct vm *second = &lab->vms[1];
	lab->nvms = 2;
	rc = boot_busy_vm(lab, second, "vm1-again", why, sizeof(why));
	if (rc == 0)
		rc = count_exits(lab, second, seconds, m->enabled ? "ept-off" : "ept-on", s2);
	else if (rc != -EINTR)
		check_error(cr, "after the reload: %s", why);
	vm_stop(lab, second);
	if (rc == 0) {
		char title[96];
		snprintf(title, sizeof(title), "VM exits with %s=%s", m->param, m->enabled ? "0" : "1");
		show_sample(lab, title, s2);
	}
	return rc;
}

/* The lab's step: count a busy guest's VM exits with EPT/NPT as the host
 * has it; where vlab may, reload the module with it flipped and count
 * again; put the module back as it was. */
static int step_exits(struct lab *lab)
{
	struct ch4_state *st = lab->chapter_state;
	struct check_result *counted = lab_check(lab, CHECK_CH4_EXITS_COUNTED);
	struct check_result *cr = lab_check(lab, CHECK_CH4_CR_EXITS_EPT_OFF);
	struct check_result *restored = lab_check(lab, CHECK_CH4_EPT_RESTORED);
	int seconds = count_seconds();
	ui_note(lab, "The lab's text says `perf kvm stats live`; perf's subcommand is `perf kvm stat`. By hand:");
	ui_command(lab, "host", "perf kvm stat record -p $(pgrep -f qemu-system-x86_64) -- sleep 10");
	ui_command(lab, "host", "perf kvm stat report");
	if (st->exits_missing[0]) {
		check_skip(counted, "%s", st->exits_missing);
		check_skip(cr, "%s", st->exits_missing);
		check_skip(restored, "no module was reloaded: %s", st->exits_missing);
		return 0;
	}
	if (st->exits_under_tcg)
		ui_note(lab, "VLAB_TEST_CH4_TCG: the guests run under TCG (no VM exits to count), the module is a "
			     "fake one under '%s'", sysfs_root(st));

	/* 1. as it is */
	struct ept_module m;
	int probe_rc = ept_probe(sysfs_root(st), &m);
	struct vm *first = &lab->vms[0];
	lab->nvms = 1;
	char why[640] = "";
	int rc = boot_busy_vm(lab, first, "vm1", why, sizeof(why));
	if (rc) {
		check_error(counted, "%s", why);
		check_skip(cr, "the guest did not run its busy loops: %s", why);
		check_skip(restored, "no module was reloaded");
		return 0;
	}
	struct exit_sample *s1 = xcalloc(1, sizeof(*s1)), *s2 = xcalloc(1, sizeof(*s2));
	rc = count_exits(lab, first, seconds, probe_rc == 0 && !m.enabled ? "ept-off" : "ept-on", s1);
	vm_stop(lab, first);
	if (rc == -EINTR)
		goto out;
	char title[96];
	snprintf(title, sizeof(title), "VM exits with %s%s%s", probe_rc ? "" : m.param, probe_rc ? "EPT/NPT as it is" : "=",
		 probe_rc ? "" : m.value);
	show_sample(lab, title, s1);
	check_exits_sampled(counted, s1);
	lab_metric(lab, "exits_per_s", s1->tp_rc == 0 && s1->seconds > 0 ? (double)s1->tp_exits / s1->seconds : 0);

	/* 2. flipped, where vlab may: vlab's own VM is gone now, so the
	 * refcount shows anyone else's */
	probe_rc = ept_probe(sysfs_root(st), &m);
	rc = ept_reload_decide(&m, probe_rc, geteuid() == 0, ch4_options.allow_module_reload, why, sizeof(why));
	if (rc) {
		check_skip(cr, "%s", why);
		check_skip(restored, "no module was reloaded: %s", why);
		rc = 0;
		goto out;
	}
	memset(&st->restore_result, 0, sizeof(st->restore_result));
	int restore_handle = cleanup_add_callback(restore_ept, st, "restore ept/npt");
	rc = count_flipped(lab, &m, seconds, s2, cr);

	/* 3. put back, now, on the main path */
	cleanup_release(restore_handle);
	struct ept_module now;
	int now_rc = ept_probe(sysfs_root(st), &now);
	check_ept_restored(restored, m.module, m.param, st->restore_result.rc, st->restore_result.msg, now_rc == 0,
			   now.enabled, now.value, m.enabled);
	if (rc == 0 && !cr->done)
		check_cr_exits_ept_off(cr, m.enabled ? s1 : s2, m.enabled ? s2 : s1, m.param);
out:
	free(s1);
	free(s2);
	return rc == -EINTR ? rc : 0;
}

static const char *const exits_guest_cmds[] = { "/root/while_true &", "/root/while_true &", "/root/while_true &",
						"ps", NULL };

static const struct step ch4_steps[] = {
	{
		.name = "strace",
		.title = "Watch qemu talk to KVM: strace its ioctls",
		.explain =
			"To the host, a VM is a qemu process; qemu gets the CPU and memory virtualised by asking\n"
			"the kvm module through ioctl() calls on /dev/kvm. KVM_SET_USER_MEMORY_REGION hands KVM a\n"
			"piece of qemu's own memory as the guest's physical RAM: with -m 256M the pieces add up to\n"
			"256 MiB (split around the legacy VGA/BIOS area as the machine's layout changes).",
		.lab_section = LAB_CH4,
		.run = step_strace,
		.kvm = KVM_NEED_IOCTLS,
	},
	{
		.name = "exits",
		.title = "Count VM exits, with EPT/NPT on and off",
		.explain =
			"A VM exit is the CPU leaving the guest for KVM. Three busy loops in the guest give a steady\n"
			"load; vlab counts qemu's exits with perf, with the kvm:kvm_exit tracepoint, and with KVM's\n"
			"own counter (QMP query-stats). With EPT (Intel) or NPT (AMD) off, KVM shadows the guest's\n"
			"page tables, so every CR3 switch exits: CR_ACCESS grows by orders of magnitude.",
		.lab_section = LAB_CH4,
		.guest_cmds = exits_guest_cmds,
		.run = step_exits,
		.kvm = KVM_NEED_HW,
	},
};

static void ch4_teardown(struct lab *lab)
{
	(void)lab;
}

static const struct chapter_option ch4_option_rows[] = {
	{ .name = "--seconds", .number = &ch4_options.count_seconds },
	{ .name = "--allow-module-reload", .flag = &ch4_options.allow_module_reload, .set_in_emulated_host = true },
	{ 0 },
};

/* Inside the emulated KVM host step 2 counts twice (npt on, then off) and
 * each count's VM runs about twice its window there (seen: 70 s for the
 * chapter with the default 10 s windows): four windows leave room. */
static int64_t emulated_extra_ms(void)
{
	return 4 * 1000 * (int64_t)count_seconds();
}

const struct chapter chapter_kvm = {
	.number = 4,
	.name = "kvm",
	.title = "KVM from below: qemu's ioctls (strace) and VM exits (perf)",
	.summary = "the 256 MiB KVM_SET_USER_MEMORY_REGION under strace; VM exits with EPT/NPT on and off",
	.steps = ch4_steps,
	.nsteps = sizeof(ch4_steps) / sizeof(ch4_steps[0]),
	.state_size = sizeof(struct ch4_state),
	.prepare = ch4_prepare,
	.teardown = ch4_teardown,
	.options = ch4_option_rows,
	.emulated_extra_ms = emulated_extra_ms,
};
