/* Chapter 3's verdicts on two VMs built by hand, into a lab's report, with
 * the check ids `vlab chapter 3` uses: the evidence handed, as
 * checks/lab_facts.h's facts, to checks/handbuilt_two_vms.h. */
#ifndef VLAB_INSPECT_TWO_VM_VERDICTS_H
#define VLAB_INSPECT_TWO_VM_VERDICTS_H

#include "runner/inspect/two_vm_evidence.h"
#include "runner/lab.h"

/* Adds verify 3's own checks to lab (set up for chapter 3) and judges
 * every check on tv. why: what is missing when a VM was not found (its
 * checks FAIL saying so). files: the saved iperf3 client runs over the
 * e1000 and the virtio-net link (--iperf-e1000, --iperf-virtio), NULL when
 * not given. */
void two_vm_verdicts(struct lab *lab, const struct two_vm_evidence *tv, const char *why, const char *const files[2]);

/* Grading (runner/grade/two_vm_run.c): the guest-side verdicts of
 * verify 3 (ch3.guest_addresses, ch3.ping_e1000_link, ch3.ping_virtio_link,
 * ch3.iperf_server) on tv gathered with tv->grading, and ch3.iperf_e1000,
 * ch3.iperf_virtio, ch3.virtio_faster on the iperf3 clients vlab ran in
 * VM1, into the checks of checks[0..n) with their ids. */
void two_vm_grade_guests(const struct two_vm_evidence *tv, const char *why, struct check_result *checks, size_t n);

#endif
