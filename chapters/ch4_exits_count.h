/* Chapter 4's step 2, its counting: qemu's VM exits over one window, three
 * ways at once (perf kvm stat record, then its report parsed; the
 * kvm:kvm_exit tracepoint on qemu's threads, all and CR access alone;
 * QMP's per-vCPU exits counter), and the sample shown. chapters/ch4_kvm.c
 * boots the busy guest and judges the samples. */
#ifndef VLAB_CH4_EXITS_COUNT_H
#define VLAB_CH4_EXITS_COUNT_H

#include "checks/ch4.h"
#include "runner/lab.h"

/* Count vm's exits for seconds into s (each way's result or why not);
 * tag names the perf files (RUNDIR/perf-TAG.data, the artifact
 * perf_report_TAG). 0, or -EINTR on a stop. */
int count_exits(struct lab *lab, struct vm *vm, int seconds, const char *tag, struct exit_sample *s);
/* s under the title what, each way's count or why it has none. */
void show_sample(struct lab *lab, const char *what, const struct exit_sample *s);

#endif
