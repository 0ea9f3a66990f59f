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

#endif
