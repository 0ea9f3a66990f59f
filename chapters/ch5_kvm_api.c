/* Chapter 5 (beyond the lab's text): the KVM API by hand. vlab's own tiny
 * VMM (runner/vm/vmm.c) builds a VM from ioctls, runs a real-mode guest that
 * writes a message to COM1, touches an address with no memory behind it
 * and halts, and counts the exits three ways: as KVM_RUN returns them, as
 * the vCPU's binary stats count them, and as kvm tracepoints see them from
 * outside. What qemu does underneath in chapters 1 to 4, in the open. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/chapter.h"
#include "checks/exits.h"
#include "runner/report.h"
#include "runner/host/tracepoint.h"
#include "runner/vm/vmm.h"
#include "checks/lab_plan.h"
#include "runner/files.h"

#define KVM_DEV "/dev/kvm"
#define MAX_STATS 256

/* linux/kvm.h's numbers, for the by-reason counts */
#define EXIT_IO 2
#define EXIT_HLT 5
#define EXIT_MMIO 6

/* What the chapter keeps between steps. */
struct ch5_state {
	struct vmm vmm;
	bool done;                    /* every check has its verdict already (skip or error) */
	struct vmm_result res;
	struct kvm_stat before[MAX_STATS];
	size_t nbefore;
	int stats_rc;                 /* 0: "before" read; else why not */
	char stats_why[160];
	struct tp_counter tp[TPE_N];
	FILE *log;                    /* every call, for the artifact */
};

static void on_trace(void *arg, const char *line)
{
	struct lab *lab = arg;
	struct ch5_state *st = lab->chapter_state;
	ui_note(lab, "%s", line);
	if (st->log)
		fprintf(st->log, "%s\n", line);
}

/* Every check of the chapter gets the same verdict (no /dev/kvm, or the
 * VM could not be built): the later steps then have nothing to do. */
static void decide_all(struct lab *lab, enum verdict v, const char *why)
{
	struct ch5_state *st = lab->chapter_state;
	static const char *const ids[] = { CHECK_CH5_IO_EXITS, CHECK_CH5_HLT_EXIT, CHECK_CH5_STATS_AGREE };
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		struct check_result *r = lab_check(lab, ids[i]);
		if (!r || r->done)
			continue;
		if (v == VERDICT_SKIP)
			check_skip(r, "%s", why);
		else
			check_error(r, "%s", why);
	}
	st->done = true;
}

static void show_program(struct lab *lab)
{
	ui_note(lab, "The guest's program, assembled by hand, at guest physical 0x%x:", VMM_LOAD_GPA);
	unsigned addr = VMM_LOAD_GPA;
	for (size_t i = 0; i < vmm_hello_ninsns; i++) {
		const struct guest_insn *in = &vmm_hello_insns[i];
		char hex[24] = "";
		for (int b = 0; b < in->len; b++)
			snprintf(hex + 3 * b, sizeof(hex) - 3 * (size_t)b, "%02x ", in->bytes[b]);
		char line[160];
		snprintf(line, sizeof(line), "  %04x: %-13s %-16s%s%s", addr, hex, in->text, in->why[0] ? "; " : "",
			 in->why);
		ui_note(lab, "%s", rtrim(line));
		addr += in->len;
	}
	ui_note(lab, "  %04x: the message, %zu bytes and a NUL: \"vlab kvm-api: hello from the guest\\n\"", addr,
		strlen(VMM_HELLO_MESSAGE));
}

static int step_vm(struct lab *lab)
{
	struct ch5_state *st = lab->chapter_state;
	if (access(KVM_DEV, F_OK)) {
		decide_all(lab, VERDICT_SKIP,
			   "no " KVM_DEV " on this host: KVM is not loaded or not offered here (kvm_intel, kvm_amd, "
			   "or a nested or paravirtual KVM)");
		return 0;
	}
	uint8_t image[256];
	size_t len = vmm_hello_image(image, sizeof(image));
	if (!len) {
		decide_all(lab, VERDICT_ERROR, "the guest program does not assemble (a bug in vlab)");
		return 0;
	}
	show_program(lab);
	ui_note(lab, "The ioctls, as vlab makes them:");
	int rc = vmm_create(&st->vmm, KVM_DEV, image, len);
	if (rc == -EACCES || rc == -EPERM) {
		char why[400];
		snprintf(why, sizeof(why), "%s (as root, or in the group that owns " KVM_DEV ")", st->vmm.error);
		decide_all(lab, VERDICT_SKIP, why);
		return 0;
	}
	if (rc) {
		char why[400];
		snprintf(why, sizeof(why), "vlab's VMM could not build the VM: %s", st->vmm.error);
		decide_all(lab, VERDICT_ERROR, why);
		return 0;
	}

	/* The stats fd is read now, before the vCPU ever runs, so that step 3
	 * compares what the run itself added. */
	st->stats_rc = vmm_stats_open(&st->vmm);
	uint8_t *buf = NULL;
	size_t blen = 0;
	if (!st->stats_rc)
		st->stats_rc = vmm_stats_read(&st->vmm, &buf, &blen);
	if (!st->stats_rc) {
		int pr = kvm_stats_parse(buf, blen, st->before, ARRAY_SIZE(st->before), &st->nbefore);
		if (pr && pr != -ENOSPC) {
			st->stats_rc = pr;
			snprintf(st->stats_why, sizeof(st->stats_why), "the stats file did not parse: %s", strerror(-pr));
		}
	} else {
		text_printf(st->stats_why, sizeof(st->stats_why), "%s", st->vmm.error);
	}
	free(buf);
	if (!st->stats_rc) {
		const struct kvm_stat *e = kvm_stat_find(st->before, st->nbefore, "exits");
		ui_note(lab, "The vCPU's stats before it ran: %zu counters%s%llu", st->nbefore, e ? ", exits=" : "",
			e ? (unsigned long long)e->value : 0ULL);
	}
	return 0;
}

static void open_tracepoints(struct lab *lab)
{
	struct ch5_state *st = lab->chapter_state;
	for (int i = 0; i < TPE_N; i++) {
		struct tp_counter *c = &st->tp[i];
		/* pid 0: the calling thread, the one that makes KVM_RUN */
		int rc = tp_open(c, NULL, tp_event_names[i], 0, 0);
		if (rc) {
			ui_note(lab, "perf_event_open(%s): not counted: %s", tp_event_names[i], c->why);
			continue;
		}
		ui_note(lab, "perf_event_open({type=PERF_TYPE_TRACEPOINT, config=%d /* %s */, disabled=1}, pid=0 (this "
			     "thread), cpu=-1, group=-1, PERF_FLAG_FD_CLOEXEC) = %d",
			c->id, tp_event_names[i], c->fds[0]);
	}
}

static void set_tracepoints(struct ch5_state *st, bool on)
{
	for (int i = 0; i < TPE_N; i++)
		if (st->tp[i].nfds && on)
			tp_enable(&st->tp[i]);
		else if (st->tp[i].nfds)
			tp_disable(&st->tp[i]);
}

static void tally_of(const struct vmm_result *res, struct exit_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->runs = res->runs;
	t->exits = res->exits;
	t->io = res->by_reason[EXIT_IO];
	t->mmio = res->by_reason[EXIT_MMIO];
	t->hlt = res->by_reason[EXIT_HLT];
	t->other = res->exits - t->io - t->mmio - t->hlt;
	t->io_com1 = res->io_com1;
	t->serial = res->serial;
	t->serial_len = res->serial_len;
	t->halted = res->halted;
	t->stopped = res->halted ? NULL : res->stop;
	/* the program is vlab's own and fixed: a run that does not reach its
	 * hlt is KVM's or vlab's doing */
	t->vmm_broke = !res->halted;
}

static int step_run(struct lab *lab)
{
	struct ch5_state *st = lab->chapter_state;
	if (st->done)
		return 0;
	open_tracepoints(lab);
	set_tracepoints(st, true);
	int rc = vmm_run(&st->vmm, VMM_MAX_EXITS, &st->res);
	set_tracepoints(st, false);
	if (rc == -EINTR)
		return rc;

	const struct vmm_result *res = &st->res;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < VMM_REASONS; i++)
		if (res->by_reason[i])
			sb_addf(&sb, "%s%llu %s", sb.len ? ", " : "", (unsigned long long)res->by_reason[i],
				kvm_exit_name((uint32_t)i));
	ui_note(lab, "KVM_RUN returned %llu times: %s%s", (unsigned long long)res->runs, sb_str(&sb),
		res->interrupted ? " (and some EINTR)" : "");
	sb_release(&sb);
	ui_note(lab, "COM1 received %zu bytes: %.*s", res->serial_len, (int)res->serial_len, res->serial);
	if (!res->halted)
		ui_note(lab, "the run stopped: %s", res->stop);
	else
		ui_note(lab, "the vCPU stopped at rip=0x%llx, just past its hlt", (unsigned long long)res->rip);
	double secs = (double)res->in_kvm_run_ns / 1e9;
	if (res->exits && secs > 0)
		ui_note(lab, "%.1f us inside KVM_RUN for %llu exits: %.0f exits per second", secs * 1e6,
			(unsigned long long)res->exits, (double)res->exits / secs);

	struct exit_tally t;
	tally_of(res, &t);
	check_io_exits(lab_check(lab, CHECK_CH5_IO_EXITS), &t, VMM_HELLO_MESSAGE);
	check_hlt_exit(lab_check(lab, CHECK_CH5_HLT_EXIT), &t);

	lab_metric(lab, "exits_io_count", (double)t.io);
	lab_metric(lab, "exits_mmio_count", (double)t.mmio);
	lab_metric(lab, "exits_hlt_count", (double)t.hlt);
	lab_metric(lab, "exits_count", (double)t.exits);
	lab_metric(lab, "kvm_run_calls_count", (double)t.runs);
	lab_metric(lab, "kvm_run_us", (double)res->in_kvm_run_ns / 1e3);
	if (res->exits && secs > 0)
		lab_metric(lab, "guest_exits_per_s", (double)res->exits / secs);
	if (rc) {
		/* KVM_RUN itself failed: nothing more to count */
		char why[300];
		snprintf(why, sizeof(why), "not judged: %s", st->vmm.error);
		decide_all(lab, VERDICT_ERROR, why);
	}
	return 0;
}

/* The stats after the run, against st.before. */
static void read_stats_delta(struct lab *lab, struct stats_delta *d)
{
	struct ch5_state *st = lab->chapter_state;
	memset(d, 0, sizeof(*d));
	d->rc = st->stats_rc;
	snprintf(d->why, sizeof(d->why), "%s", st->stats_why);
	if (d->rc)
		return;
	uint8_t *buf = NULL;
	size_t len = 0;
	d->rc = vmm_stats_read(&st->vmm, &buf, &len);
	if (d->rc) {
		text_printf(d->why, sizeof(d->why), "%s", st->vmm.error);
		return;
	}
	char *path = lab_path(lab, "vcpu0.stats");
	if (write_file_atomic(path, buf, len, 0644) == 0)
		lab_artifact(lab, "vcpu0.stats", path);
	free(path);
	struct kvm_stat *after = xcalloc(MAX_STATS, sizeof(*after));
	size_t nafter = 0;
	int pr = kvm_stats_parse(buf, len, after, MAX_STATS, &nafter);
	if (pr && pr != -ENOSPC) {
		d->rc = pr;
		snprintf(d->why, sizeof(d->why), "the stats file did not parse: %s", strerror(-pr));
	} else {
		kvm_stats_delta(st->before, st->nbefore, after, nafter, d);
		char id[64] = "";
		kvm_stats_id(buf, len, id, sizeof(id));
		ui_note(lab, "%s: %zu counters; over the run: exits +%llu, io_exits +%llu, mmio_exits +%llu, "
			     "halt_exits +%llu",
			id, nafter, (unsigned long long)d->exits, (unsigned long long)d->io_exits,
			(unsigned long long)d->mmio_exits, (unsigned long long)d->halt_exits);
	}
	free(after);
	free(buf);
}

static int step_count(struct lab *lab)
{
	struct ch5_state *st = lab->chapter_state;
	if (st->done)
		return 0;
	struct exit_tally t;
	tally_of(&st->res, &t);
	struct stats_delta d;
	read_stats_delta(lab, &d);
	if (d.rc == 0) {
		lab_metric(lab, "stats_exits_count", (double)d.exits);
		lab_metric(lab, "stats_io_exits_count", (double)d.io_exits);
		lab_metric(lab, "stats_mmio_exits_count", (double)d.mmio_exits);
		lab_metric(lab, "stats_halt_exits_count", (double)d.halt_exits);
	}

	static const char *const metric[TPE_N] = {
		[TPE_USERSPACE_EXIT] = "tp_kvm_userspace_exit_count",
		[TPE_PIO] = "tp_kvm_pio_count",
		[TPE_MMIO] = "tp_kvm_mmio_count",
		[TPE_EXIT] = "tp_kvm_exit_count",
	};
	struct tp_evidence tp;
	memset(&tp, 0, sizeof(tp));
	for (int i = 0; i < TPE_N; i++) {
		struct tp_counter *c = &st->tp[i];
		int rc = c->nfds ? tp_read(c, &tp.count[i]) : -EBADF;
		if (rc == 0) {
			tp.counted[i] = true;
			lab_metric(lab, metric[i], (double)tp.count[i]);
			ui_note(lab, "read(perf fd of %s) = %llu", tp_event_names[i], (unsigned long long)tp.count[i]);
		} else {
			snprintf(tp.why[i], sizeof(tp.why[i]), "%s", c->why[0] ? c->why : strerror(-rc));
		}
	}
	check_stats_agree(lab_check(lab, CHECK_CH5_STATS_AGREE), &t, &d, &tp);
	return 0;
}

static const char *const count_cmds[] = {
	"perf stat -e kvm:kvm_userspace_exit,kvm:kvm_pio,kvm:kvm_mmio,kvm:kvm_exit -p PID",
	NULL,
};

static const struct step ch5_steps[] = {
	{
		.name = "vm",
		.title = "Build a VM from KVM ioctls",
		.explain =
			"/dev/kvm hands out three kinds of file descriptor: the system (kvm), a VM, and a vCPU.\n"
			"The VM's RAM is plain memory of vlab's, lent to KVM with KVM_SET_USER_MEMORY_REGION (the\n"
			"call you found qemu making in chapter 4, there with memory_size=268435456). The vCPU's\n"
			"registers are set as a real-mode CPU would hold them, pointing at a 26-byte program.",
		.run = step_vm,
		.kvm = KVM_NEED_IOCTLS,
	},
	{
		.name = "run",
		.title = "Run the guest: KVM_RUN until hlt",
		.explain =
			"KVM_RUN enters the guest and returns to the VMM only when the guest does something the\n"
			"kernel leaves to userspace: an `out` to a port (KVM_EXIT_IO), a memory access where no RAM\n"
			"is (KVM_EXIT_MMIO), `hlt` with no interrupt controller in the kernel (KVM_EXIT_HLT). The\n"
			"VMM plays the devices: it takes each byte for COM1 from the shared kvm_run page.",
		.run = step_run,
		.kvm = KVM_NEED_IOCTLS,
	},
	{
		.name = "count",
		.title = "Count the same exits from the kernel's side",
		.explain =
			"The kernel keeps its own per-vCPU counters, read in binary through KVM_GET_STATS_FD\n"
			"(what qemu's query-stats shows), and fires tracepoints that perf counts from outside.\n"
			"They should describe the same run; some KVMs keep only some counters.",
		.host_cmds = count_cmds,
		.run = step_count,
		.kvm = KVM_NEED_IOCTLS,
	},
};

static int ch5_prepare(struct lab *lab);
static void ch5_teardown(struct lab *lab);

const struct chapter chapter_kvm_api = {
	.number = 5,
	.name = "kvm-api",
	.title = "The KVM API by hand: vlab's own tiny VMM",
	.summary = "build a VM from KVM ioctls, run a 26-byte real-mode guest, count its exits three ways",
	.steps = ch5_steps,
	.nsteps = sizeof(ch5_steps) / sizeof(ch5_steps[0]),
	.state_size = sizeof(struct ch5_state),
	.prepare = ch5_prepare,
	.teardown = ch5_teardown,
};

static int ch5_prepare(struct lab *lab)
{
	struct ch5_state *st = lab->chapter_state; /* zeroed by the engine */
	vmm_init(&st->vmm, on_trace, lab);
	for (int i = 0; i < TPE_N; i++)
		st->tp[i] = (struct tp_counter)TP_COUNTER_INIT;
	/* No qemu and no image here: the accelerator is KVM itself, used
	 * directly, wherever /dev/kvm exists (kvm_pvm included). */
	host_probe_kvm("", &lab->host);
	lab->accel.accel = lab->host.dev_kvm ? ACCEL_KVM : ACCEL_TCG;
	lab->accel.kvm_ioctls_ok = lab->host.dev_kvm && lab->host.dev_kvm_access;
	snprintf(lab->accel.reason, sizeof(lab->accel.reason), "%s",
		 !lab->host.dev_kvm ? "none: this host has no " KVM_DEV
		 : lab->host.kvm_pvm ? "KVM (kvm_pvm), driven by vlab's own VMM; no qemu"
		 : lab->host.kvm_intel ? "KVM (kvm_intel), driven by vlab's own VMM; no qemu"
		 : lab->host.kvm_amd ? "KVM (kvm_amd), driven by vlab's own VMM; no qemu"
				     : "KVM, driven by vlab's own VMM; no qemu");
	char *path = lab_path(lab, "vmm.log");
	st->log = fopen(path, "we");
	if (st->log)
		lab_artifact(lab, "vmm.log", path);
	free(path);
	return 0;
}

static void ch5_teardown(struct lab *lab)
{
	struct ch5_state *st = lab->chapter_state;
	for (int i = 0; i < TPE_N; i++)
		tp_close(&st->tp[i]);
	vmm_close(&st->vmm);
	if (st->log)
		fclose(st->log);
	st->log = NULL;
}
