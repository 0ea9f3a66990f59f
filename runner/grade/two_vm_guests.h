/* Grading chapter 3's guests (runner/grade/two_vm_run.c): the two qemus a
 * script started, read as `vlab verify 3` reads them after vlab has done
 * the lab's guest side (runner/inspect/two_vm_evidence.h's grading), and
 * judged by verify 3's guest verdicts. Apart from two_vm_run.c because the
 * inspectors' struct evidence and the rubric's enum evidence share a tag. */
#ifndef VLAB_TWO_VM_GUESTS_H
#define VLAB_TWO_VM_GUESTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checks/verdict.h"

struct two_vm_guest_run {
	pid_t vm_pid[2];          /* VM1's and VM2's qemu, 0 not found */
	const char *missing;      /* why a VM was not found */
	int64_t boot_wait_ms;     /* how long each guest may take to boot */
	const char *transcript[2];  /* each console's transcript */
	int iperf_seconds;        /* VM1's clients' -t */
	char notes[2][256];       /* out: what each VM's set-up said, "" */
};

/* Judge the checks of checks[0..n) with their ids (ch3.guest_addresses,
 * ch3.ping_e1000_link, ch3.ping_virtio_link, ch3.iperf_server,
 * ch3.iperf_e1000, ch3.iperf_virtio, ch3.virtio_faster). */
void two_vm_judge_guests(struct two_vm_guest_run *g, struct check_result *checks, size_t n);

#endif
