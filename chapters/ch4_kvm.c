/* Chapter 4: what qemu asks of KVM. Step 1 runs the chapter-1 VM with KVM
 * under strace and finds the KVM_SET_USER_MEMORY_REGION calls that hand the
 * guest its 256 MiB. (Step 2, VM exits with EPT off and on, needs a
 * hardware KVM.) */
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

#include "chapters/chapter.h"
#include "checks/ch1.h"
#include "checks/ch4.h"
#include "checks/strace_parse.h"
#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/qmp.h"
#include "runner/report.h"
#include "runner/vmrun.h"

#define LAB_CH4 "lab chapter 4, \"KVM\" (strace the ioctls)"

/* Why the KVM part cannot run here ("" when it can). */
static char kvm_missing[256];

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
	int r = lab_prepare_image(lab);
	if (r)
		return r;
	kvm_missing[0] = '\0';
	char *strace = proc_which("strace");
	if (!strace)
		snprintf(kvm_missing, sizeof(kvm_missing), "strace is not installed (apt-get install strace)");
	free(strace);
	if (!kvm_missing[0])
		kvm_can_create_vm(kvm_missing, sizeof(kvm_missing));
	/* This chapter is about KVM: qemu runs with it even where a standard
	 * guest does not get far (kvm_pvm), since the ioctls come first. */
	if (!kvm_missing[0] && lab->accel.accel != ACCEL_KVM) {
		lab->accel.accel = ACCEL_KVM;
		snprintf(lab->accel.reason, sizeof(lab->accel.reason),
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

static int step_strace(struct lab *lab)
{
	struct check_result *r = lab_check(lab, "ch4.strace_memory_region");
	if (kvm_missing[0]) {
		check_skip(r, "%s", kvm_missing);
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
		if (rc == -EINTR)
			return rc;
		check_error(r, "%s", lab->blocked);
		lab->blocked[0] = '\0';
		return 0;
	}
	char *log = lab_path(lab, "strace.log");
	for (int attempt = 0; attempt < 2; attempt++) {
		/* strace -f: KVM_RUN and KVM_CREATE_VCPU happen in the vCPU threads */
		const char *argv[VM_MAX_ARGS + 8];
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

		unlink(log);
		struct spawn_opts o = SPAWN_OPTS_INIT;
		o.argv = argv;
		o.stdout_path = vm->stderr_path;
		o.stderr_path = vm->stderr_path;
		o.own_pgrp = true;
		o.die_with_parent = true;
		pid_t pid;
		rc = proc_spawn(&o, &pid);
		if (rc) {
			check_error(r, "cannot start strace: %s", strerror(-rc));
			break;
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
	if (!r->done) {
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
	free(log);
	return 0;
}

static const char *const strace_checks[] = { "ch4.strace_memory_region", NULL };

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
		.checks = strace_checks,
		.run = step_strace,
	},
};

static void ch4_teardown(struct lab *lab)
{
	(void)lab;
}

const struct chapter chapter_kvm = {
	.number = 4,
	.name = "kvm",
	.title = "KVM from below: qemu's ioctls (strace)",
	.summary = "run the VM with KVM under strace and find the 256 MiB KVM_SET_USER_MEMORY_REGION",
	.steps = ch4_steps,
	.nsteps = sizeof(ch4_steps) / sizeof(ch4_steps[0]),
	.prepare = ch4_prepare,
	.teardown = ch4_teardown,
};
