/* Chapter 4's verdicts: step 1, the KVM ioctls in qemu's strace log; step 2,
 * VM exits with EPT/NPT on and off. */
#ifndef VLAB_CHECKS_CH4_H
#define VLAB_CHECKS_CH4_H

#include <stdbool.h>
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

/* The kvm:kvm_exit tracepoint's filter for the CR-access exits, in tracefs'
 * filter language on the event's own fields (events/kvm/kvm_exit/format):
 * isa 1 is VMX, where reason 28 is CR_ACCESS (arch/x86/include/uapi/asm/
 * vmx.h); isa 2 is SVM, where 0x00-0x1f are the CR reads and writes, 0x65
 * the selective CR0 write and 0x90-0x98 the CR write traps (uapi/asm/svm.h). */
#define KVM_EXIT_CR_FILTER                                                                              \
	"(isa == 1 && exit_reason == 28) || (isa == 2 && (exit_reason <= 31 || exit_reason == 101 || "  \
	"(exit_reason >= 144 && exit_reason <= 152)))"

/* One counting interval of step 2: qemu's VM exits while the guest's three
 * busy loops ran, counted three ways. A way that could not count has its
 * *_rc < 0 and says why. */
struct exit_sample {
	double seconds;
	int perf_rc;                 /* `perf kvm stat record/report`, parsed */
	struct perf_report perf;
	char perf_why[256];
	int tp_rc;                   /* kvm:kvm_exit counted on qemu's threads */
	uint64_t tp_exits;
	uint64_t tp_cr_exits;        /* the same with KVM_EXIT_CR_FILTER */
	int tp_cr_rc;
	char tp_why[256];
	int qmp_rc;                  /* QMP query-stats: the vCPUs' "exits" */
	uint64_t qmp_exits;
	char qmp_why[256];
};

/* ch4.exits_counted for the chapter: exits were seen while the busy loops ran
 * (by reason where perf decodes them). SKIP when no way could count. */
void check_exits_sampled(struct check_result *r, const struct exit_sample *s);

/* ch4.cr_exits_ept_off: CR-access exits with EPT/NPT off (param "ept" or
 * "npt"), and per second at least ten times rarer with it on. */
void check_cr_exits_ept_off(struct check_result *r, const struct exit_sample *on, const struct exit_sample *off,
			    const char *param);

/* ch4.ept_restored: after the reload, module's param reads as before.
 * restore_rc: the restore's (1: the reload never started, so nothing was
 * to restore; negative: it failed), restore_msg what it said; now_read:
 * the module's state was read again, now_enabled and now_value what it
 * holds; was_enabled: what it held before the chapter. */
void check_ept_restored(struct check_result *r, const char *module, const char *param, int restore_rc,
			const char *restore_msg, bool now_read, bool now_enabled, const char *now_value,
			bool was_enabled);

#endif
