/* Chapter 3's verdicts on two VMs built by hand (their facts,
 * checks/lab_facts.h), for the check ids `vlab chapter 3` uses. Pure: no
 * I/O. */
#ifndef VLAB_CHECKS_HANDBUILT_TWO_VMS_H
#define VLAB_CHECKS_HANDBUILT_TWO_VMS_H

#include <stddef.h>

#include "checks/lab_facts.h"
#include "checks/verdict.h"

/* Each check's verdict of chapter 3 on the facts (the check registry's
 * on_two_vms; check_registry_judge_two_vms() runs those of a list):
 * - vm1/vm2_command_line: each command line against its role's plan (a VM
 *   not found fails with f->missing);
 * - bridges: the qemus' namespace's bridges; taps_attached: which qemu holds
 *   which tap;
 * - guest_addresses, iperf_server: what each guest said;
 * - ping_<link>_link: VM1's ping over the link, and the taps' counters
 *   around it alone (f->ping[]) showing which link carried its requests
 *   and which its replies: the claimed link must carry both;
 * - iperf_<link>, virtio_faster: the client runs (f->iperf[], saved by the
 *   student for verify, VM1's own for grading). */
void two_vm_vm1_command_line(struct check_result *r, const struct two_vm_facts *f);
void two_vm_vm2_command_line(struct check_result *r, const struct two_vm_facts *f);
void two_vm_bridges(struct check_result *r, const struct two_vm_facts *f);
void two_vm_taps_attached(struct check_result *r, const struct two_vm_facts *f);
void two_vm_guest_addresses(struct check_result *r, const struct two_vm_facts *f);
void two_vm_ping_e1000_link(struct check_result *r, const struct two_vm_facts *f);
void two_vm_ping_virtio_link(struct check_result *r, const struct two_vm_facts *f);
void two_vm_iperf_server(struct check_result *r, const struct two_vm_facts *f);
void two_vm_iperf_e1000(struct check_result *r, const struct two_vm_facts *f);
void two_vm_iperf_virtio(struct check_result *r, const struct two_vm_facts *f);
void two_vm_virtio_faster(struct check_result *r, const struct two_vm_facts *f);

#endif
