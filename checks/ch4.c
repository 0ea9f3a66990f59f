/* Chapter 4's verdicts. */
#include "checks/ch4.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "runner/util.h"

void check_strace_memory_region(struct check_result *r, const struct strace_summary *s, int parse_rc,
				uint64_t wanted)
{
	static const char hint_kvm[] =
		"run qemu with -enable-kvm (or -accel kvm) under `strace -f -e trace=ioctl -o strace.log`";
	if (parse_rc == -ENOENT || !s->kvm_calls) {
		check_fail(r, hint_kvm, "the log has no KVM ioctls: qemu ran without KVM (TCG?) or this is not "
					"strace's output (%lu lines read)", s->lines);
		return;
	}
	if (!s->region_calls) {
		check_fail(r, "let qemu run a few seconds under strace: memory is set up before the first KVM_RUN",
			   "%lu KVM ioctls, but no KVM_SET_USER_MEMORY_REGION (the log stops too early?)",
			   s->kvm_calls);
		return;
	}
	char seen[32], want[32];
	format_size(s->ram_bytes, seen, sizeof(seen));
	format_size(wanted, want, sizeof(want));
	/* the call that gave the most RAM in one slot, to point the student at */
	const struct strace_region_call *big = NULL;
	for (size_t i = 0; i < s->nregions; i++)
		if (!s->regions[i].failed && !s->regions[i].readonly &&
		    (!big || s->regions[i].memory_size > big->memory_size))
			big = &s->regions[i];
	char where[160] = "";
	if (big)
		snprintf(where, sizeof(where), "; the largest: slot %u at 0x%" PRIx64 ", memory_size=%" PRIu64 " (line %lu)",
			 big->slot, big->guest_phys_addr, big->memory_size, big->line);
	if (s->ram_bytes == wanted) {
		check_pass(r, "KVM_SET_USER_MEMORY_REGION gives the guest %s of RAM (%lu region calls, %lu KVM_RUN)%s",
			   seen, s->region_calls, strace_request_count(s, "KVM_RUN"), where);
		return;
	}
	char *hint = xasprintf("start qemu with -m %" PRIu64 "M", wanted >> 20);
	check_fail(r, hint, "the guest's RAM in KVM_SET_USER_MEMORY_REGION adds up to %s (%" PRIu64
			    " bytes); the lab asks for %s%s",
		   seen, s->ram_bytes, want, where);
	free(hint);
}

void check_exits_counted(struct check_result *r, const struct perf_report *rep)
{
	if (!rep->nrows || !rep->total_samples) {
		check_fail(r, "record while the guest runs its three /root/while_true: `perf kvm stat record -p "
			      "QEMU_PID`, then `perf kvm stat report`; a paravirtual KVM (kvm_pvm) decodes no exits: "
			      "it needs VT-x/AMD-V",
			   "the report holds no VM exits (%s, %" PRIu64 " samples)", rep->event[0] ? rep->event : "?",
			   rep->total_samples);
		return;
	}
	struct strbuf top = STRBUF_INIT;
	for (size_t i = 0; i < rep->nrows && i < 3; i++)
		sb_addf(&top, "%s%s %" PRIu64, i ? ", " : "", rep->rows[i].reason, rep->rows[i].samples);
	uint64_t cr = perf_cr_exits(rep);
	check_pass(r, "%" PRIu64 " VM exits in %zu reasons (%s); CR-access exits: %" PRIu64, rep->total_samples,
		   rep->nrows, top.buf, cr);
	sb_release(&top);
}

static int exit_sample_cr(const struct exit_sample *s, uint64_t *cr, const char **source)
{
	if (s->perf_rc == 0 && s->perf.nrows) {
		*cr = perf_cr_exits(&s->perf);
		*source = "perf kvm stat";
		return 0;
	}
	if (s->tp_cr_rc == 0) {
		*cr = s->tp_cr_exits;
		*source = "kvm:kvm_exit filtered to CR access";
		return 0;
	}
	*cr = 0;
	*source = NULL;
	return -ENODATA;
}

void check_exits_sampled(struct check_result *r, const struct exit_sample *s)
{
	if (s->perf_rc < 0 && s->tp_rc < 0 && s->qmp_rc < 0) {
		check_skip(r, "no way to count VM exits on this host: perf: %s; kvm:kvm_exit: %s; QMP: %s", s->perf_why,
			   s->tp_why, s->qmp_why);
		return;
	}
	struct strbuf how = STRBUF_INIT;
	bool seen = false;
	if (s->perf_rc == 0) {
		sb_addf(&how, "perf recorded %" PRIu64 " exits in %zu reasons", s->perf.total_samples, s->perf.nrows);
		for (size_t i = 0; i < s->perf.nrows && i < 3; i++)
			sb_addf(&how, "%s%s %" PRIu64, i ? ", " : " (", s->perf.rows[i].reason, s->perf.rows[i].samples);
		if (s->perf.nrows)
			sb_adds(&how, ")");
		seen |= s->perf.total_samples > 0;
	} else {
		sb_addf(&how, "perf: %s", s->perf_why);
	}
	if (s->tp_rc == 0) {
		sb_addf(&how, "; kvm:kvm_exit fired %" PRIu64 " times (%.0f/s)", s->tp_exits,
			s->seconds > 0 ? (double)s->tp_exits / s->seconds : 0.0);
		seen |= s->tp_exits > 0;
	} else {
		sb_addf(&how, "; kvm:kvm_exit: %s", s->tp_why);
	}
	if (s->qmp_rc == 0) {
		sb_addf(&how, "; QMP's vCPU exits counter grew by %" PRIu64, s->qmp_exits);
		seen |= s->qmp_exits > 0;
	} else {
		sb_addf(&how, "; QMP: %s", s->qmp_why);
	}
	if (seen)
		check_pass(r, "in %.1f s with three /root/while_true running: %s", s->seconds, how.buf);
	else
		check_fail(r, "count while the guest runs (`/root/while_true &` three times, `ps` shows them): a guest "
			      "that only sleeps exits rarely, a paravirtual KVM not in this way",
			   "no VM exits counted in %.1f s: %s", s->seconds, how.buf);
	sb_release(&how);
}

void check_cr_exits_ept_off(struct check_result *r, const struct exit_sample *on, const struct exit_sample *off,
			    const char *param)
{
	uint64_t cr_on, cr_off;
	const char *src_on, *src_off;
	/* the same source on both sides: perf in both, else the tracepoint in both */
	bool perf_both = on->perf_rc == 0 && off->perf_rc == 0 && on->perf.nrows && off->perf.nrows;
	if (perf_both) {
		cr_on = perf_cr_exits(&on->perf);
		cr_off = perf_cr_exits(&off->perf);
		src_on = src_off = "perf kvm stat";
	} else if (on->tp_cr_rc == 0 && off->tp_cr_rc == 0) {
		cr_on = on->tp_cr_exits;
		cr_off = off->tp_cr_exits;
		src_on = src_off = "kvm:kvm_exit filtered to CR access";
	} else {
		int a = exit_sample_cr(on, &cr_on, &src_on), b = exit_sample_cr(off, &cr_off, &src_off);
		if (a || b) {
			check_skip(r, "CR-access exits were not decoded with %s %s (perf: %s; kvm:kvm_exit: %s)", param,
				   a ? "on" : "off", a ? on->perf_why : off->perf_why, a ? on->tp_why : off->tp_why);
			return;
		}
	}
	/* Per second when both intervals are known (vlab counted them); saved
	 * `perf kvm stat report`s say nothing of how long they recorded, so
	 * theirs (seconds 0) are compared as counts. */
	bool per_second = on->seconds > 0 && off->seconds > 0;
	const char *unit = per_second ? "/s" : "";
	double off_rate = per_second ? (double)cr_off / off->seconds : (double)cr_off;
	double on_rate = per_second ? (double)cr_on / on->seconds : (double)cr_on;
	if (cr_off == 0) {
		char in[48] = "";
		if (per_second)
			snprintf(in, sizeof(in), " in %.1f s", off->seconds);
		check_fail(r, "with ept=0 (npt=0) every guest page-table switch exits: check the busy loops ran and "
			      "/sys/module/kvm_*/parameters reads N (0) while counting",
			   "no CR-access exits%s with %s off (%s)", in, param, src_off);
		return;
	}
	if (off_rate >= 10 * on_rate) {
		if (cr_on)
			check_pass(r, "CR-access exits: %.0f%s with %s off, %.0f%s with it on: %.0fx rarer (%s)", off_rate,
				   unit, param, on_rate, unit, off_rate / on_rate, src_off);
		else
			check_pass(r, "CR-access exits: %.0f%s with %s off, none with it on (%s)", off_rate, unit, param,
				   src_off);
		return;
	}
	check_fail(r, "with EPT/NPT on the guest changes CR3 without exiting; compare equal lengths of time with the "
		      "same three busy loops",
		   "CR-access exits: %.0f%s with %s off but %.0f%s with it on, only %.1fx rarer (at least 10x "
		   "expected; %s / %s)",
		   off_rate, unit, param, on_rate, unit, on_rate > 0 ? off_rate / on_rate : 0.0, src_off, src_on);
}

void check_ept_restored(struct check_result *r, const char *module, const char *param, int restore_rc,
			const char *restore_msg, bool now_read, bool now_enabled, const char *now_value,
			bool was_enabled)
{
	if (restore_rc >= 0 && now_read && now_enabled == was_enabled)
		check_pass(r, "%s %s=%s as before: %s", module, param, now_value,
			   restore_rc == 1 ? "the reload never started" : restore_msg);
	else
		check_fail(r, "as root, with no VM running: vlab clean (or modprobe -r MOD; modprobe MOD PARAM=Y)", "%s",
			   restore_msg[0] ? restore_msg : "the state file was not found");
}
