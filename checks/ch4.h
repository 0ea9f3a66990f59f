/* Chapter 4's verdicts (step 1: the KVM ioctls in qemu's strace log). */
#ifndef VLAB_CHECKS_CH4_H
#define VLAB_CHECKS_CH4_H

#include <stdint.h>

#include "checks/perf_parse.h"
#include "checks/strace_parse.h"
#include "checks/verdict.h"

/* ch4.strace_memory_region: parse_rc is strace_parse's return; the guest's
 * RAM from KVM_SET_USER_MEMORY_REGION must add up to wanted bytes. */
void check_strace_memory_region(struct check_result *r, const struct strace_summary *s, int parse_rc,
				uint64_t wanted);

/* ch4.exits_counted from a `perf kvm stat report`: VM exits were recorded,
 * by reason (the CR-access exits named when there are any). */
void check_exits_counted(struct check_result *r, const struct perf_report *rep);

#endif
