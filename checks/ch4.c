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
