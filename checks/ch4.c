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
