/* Chapter 3's verdicts on two VMs built by hand (their facts,
 * checks/lab_facts.h), with the check ids `vlab chapter 3` uses, into the
 * check of checks[0..n) whose id is each one's (checks/handbuilt_lab.h's
 * check_find; a check the array lacks is left alone). Pure: no I/O. */
#ifndef VLAB_CHECKS_HANDBUILT_TWO_VMS_H
#define VLAB_CHECKS_HANDBUILT_TWO_VMS_H

#include <stddef.h>

#include "checks/iperf.h"
#include "checks/lab_facts.h"
#include "checks/verdict.h"

/* ch3.vm1_command_line, ch3.vm2_command_line, ch3.bridges,
 * ch3.taps_attached: each command line against its role's plan, the
 * bridges of the qemus' namespace, which qemu holds which tap. A VM not
 * found fails its checks with f->missing. */
void two_vm_verdict_hosts(const struct two_vm_facts *f, struct check_result *checks, size_t n);

/* ch3.guest_addresses, ch3.ping_e1000_link, ch3.ping_virtio_link,
 * ch3.iperf_server: what each guest said, and the taps' counters around
 * each of VM1's pings alone (f->ping[]) showing which link carried its
 * requests and which its replies: the claimed link must carry both. */
void two_vm_verdict_guests(const struct two_vm_facts *f, struct check_result *checks, size_t n);

/* A client run the student saved (--iperf-e1000 FILE, --iperf-virtio FILE),
 * as the caller read and parsed it. */
struct two_vm_iperf_run {
	const char *file;          /* NULL: not given */
	int read_rc;               /* reading it: 0, or -errno */
	struct iperf_result res;   /* iperf_parse()'s, zeroed when not parsed */
	int parse_rc;              /* iperf_parse()'s; -EINVAL when not parsed */
};

/* ch3.iperf_e1000, ch3.iperf_virtio, ch3.virtio_faster on the saved runs
 * (runs[0] over the e1000 link, runs[1] over the virtio one). */
void two_vm_verdict_iperf(const struct two_vm_iperf_run runs[2], struct check_result *checks, size_t n);

#endif
