/* The evidence of chapter 3's two VMs built by hand (the course's
 * runqemu_two_vms.sh): each VM's command line and serial console,
 * read-only commands in each guest as root (VM1: `ip a s` and a ping over
 * each link; VM2: `ip a s` and its listening TCP sockets), the taps each
 * qemu holds, and the links of the namespace the qemus run in: read once
 * after both sessions (the bridges), and around each of VM1's pings alone,
 * so that each ping's counters show which link carried its requests and
 * which its replies. */
#ifndef VLAB_INSPECT_TWO_VM_EVIDENCE_H
#define VLAB_INSPECT_TWO_VM_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/inspect/lab_evidence.h"
#include "runner/inspect/qemu_proc.h"
#include "runner/net/net.h"

#define TWO_VM_MAX_LINKS 64

/* `vlab grade`'s part (runner/grade/two_vm_run.c): the guests are waited
 * for to boot, and vlab does the lab's guest side itself as root before
 * reading: each NIC, known by its MAC, up with the plan's address (VM1
 * 10.0.0.10 and 10.0.1.10, VM2 .11), two iperf3 servers started in VM2
 * (iperf3 -s -D, and another on GRADE_IPERF_VIRTIO_PORT), and VM1's
 * iperf3 clients run over both links at once after its pings (iperf3 -c
 * ADDRESS -t iperf_seconds -J; two_vm_evidence.c says why at once). */
/* The port of the second iperf3 server grading starts in VM2, for the
 * virtio link's client (one server takes one client at a time). */
#define GRADE_IPERF_VIRTIO_PORT "5202"

struct two_vm_grading {
	int64_t boot_wait_ms;
	const char *transcript[2];   /* each console's transcript, NULL none */
	int iperf_seconds;
};

struct two_vm_evidence {
	struct qemu_proc *q[2];      /* VM1, VM2 (the caller's); NULL: not found */
	const struct two_vm_grading *grading;  /* NULL: verify (read only) */
	struct evidence ev[2];
	int host;                    /* whose network namespace is the host side: VM1's, else VM2's */
	bool ns_ok;                  /* that namespace could be entered */
	/* the namespace's links after both sessions */
	struct net_link_info links[TWO_VM_MAX_LINKS];
	size_t nlinks;
	/* and around VM1's pings: [0] right before its e1000 ping, [1] between
	 * its two pings, [2] right after its virtio ping; n 0: not read */
	struct net_link_info around[3][TWO_VM_MAX_LINKS];
	size_t naround[3];
	char taps[2][4][16];         /* the taps each qemu holds */
	char *grade_cmds[2][8];      /* grading's commands (allocated), NULL-terminated */
	char iperf_again[160];       /* grading: why VM1's iperf3 pair ran twice, "" once */
	size_t ntaps[2];
};

/* Reads both VMs (tv->q set by the caller, at least one of them); stops
 * early on a stop request (cleanup_stop_requested()). */
void two_vm_gather(struct two_vm_evidence *tv);
void two_vm_evidence_release(struct two_vm_evidence *tv);

#endif
