/* Chapter 3's lab as the course's runqemu_two_vms.sh builds it by hand: two
 * qemus, each with an e1000 and a virtio-net NIC on taps of their own, br0
 * joining tap0 and tap2 (10.0.0.0/24), br1 joining tap1 and tap3
 * (10.0.1.0/24). The plan of each VM, how a running qemu is told to be VM1 or
 * VM2 from its command line, and the verdict on each command line. Pure: no
 * I/O.
 *
 * The course's VM2 differs from its VM1 (and from vlab's own chapter 3) in
 * its ids (id1, serial1, net2/hostnet2, net3/hostnet3), so nothing here
 * looks at device or netdev ids: a VM is known by its NICs' MACs and taps,
 * its serial socket's and its rootfs's file names. */
#ifndef VLAB_CHECKS_TWO_VM_PLAN_H
#define VLAB_CHECKS_TWO_VM_PLAN_H

#include <stddef.h>
#include <sys/types.h>

#include "checks/ch3.h"
#include "checks/guest_parse.h"
#include "checks/iperf.h"
#include "checks/qemu_cmdline_verdicts.h"
#include "checks/verdict.h"

struct two_vm_nic {
	const char *link;        /* "e1000", "virtio": chapter 3's name of the link */
	const char *model;       /* "e1000", "virtio-net-pci" */
	const char *mac;
	const char *tap;         /* "tap0" */
	const char *bridge;      /* "br0" */
	const char *cidr;        /* the guest's address on it: "10.0.0.10/24" */
};

struct two_vm_role {
	const char *name;        /* "VM1" */
	const char *rootfs;      /* the file name the course's script gives it */
	const char *serial;      /* its serial socket's file name */
	struct two_vm_nic nic[2];  /* e1000 first, then virtio */
};

/* VM1 and VM2, in that order. */
extern const struct two_vm_role two_vm_roles[2];

/* How well a command line fits a role: 2 for each of the role's MACs a NIC
 * has, 1 for each of its taps a NIC is on, 1 for its serial socket's file
 * name, 1 for its rootfs's; 0: nothing of the role. */
int two_vm_role_score(const struct qemu_cmdline *c, const struct two_vm_role *role);

/* A running qemu that may be part of the lab. */
struct two_vm_candidate {
	pid_t pid;
	const struct qemu_cmdline *cmd;
};

/* Which candidate is VM1 and which VM2 (indexes into cands, in out[0] and
 * out[1]): for each role, the one that fits it best, never one qemu for
 * both. 0 when both are found; the others, each a sentence naming its pid
 * and why it was left out, in left (at most maxleft; *nleft how many).
 * -ENOENT when no qemu fits a role (why names it and what was running),
 * -EEXIST when two fit one role equally well (why names both, and --pid). */
int two_vm_pair(const struct two_vm_candidate *cands, size_t n, int out[2], char *why, size_t whylen,
		char left[][200], size_t maxleft, size_t *nleft);

/* ch3.vm1_command_line / ch3.vm2_command_line: the command line against its
 * role's plan: 256 MiB, a virtio-blk disk, an isa-serial port on a UNIX
 * socket qemu serves, and both NICs with the role's model and MAC on the
 * role's tap. The first thing wrong fails it, named with the student's own
 * option text. */
void two_vm_check_cmdline(struct check_result *r, const struct qemu_cmdline *c, const struct two_vm_role *role);

/* ch3.guest_addresses: in each guest (its `ip a s`, parsed), the interface
 * with each planned MAC is up and holds its planned address. A plan with
 * the links crossed (an address of the other link on a NIC) is named as
 * such. not_read[v]: why VM v's guest could not be asked (NULL when it was):
 * a guest not asked leaves the check SKIP, or FAIL when the other is wrong. */
void two_vm_check_addresses(struct check_result *r, const struct ip_iface *const ifs[2], const size_t nifs[2],
			    const char *const not_read[2]);

/* ch3.bridges for a lab built by hand: br0 holds tap0 and tap2, br1 tap1
 * and tap3, all up; the bridges' addresses (10.0.0.1/24, 10.0.1.1/24)
 * optional, as the lab says; the fix in brctl's words, as the course's
 * script builds them. links: the namespace's links (net_link_list). */
void two_vm_check_bridges(struct check_result *r, const struct net_link_info *links, size_t nlinks);

/* ch3.taps_attached: each tap is held by the qemu whose command line names
 * it (taps[v]: the taps VM v's qemu holds open, from its tun descriptors'
 * fdinfo "iff:"; pids[v] its pid). A tap held by the other VM, or by none,
 * is named. */
void two_vm_check_taps(struct check_result *r, const char *const taps[2][4], const size_t ntaps[2],
		       const pid_t pids[2]);

/* ch3.iperf_e1000 / ch3.iperf_virtio for a lab built by hand: the client
 * run the student saved (file: its name, for the detail; res and parse_rc
 * as iperf_parse() gave them), judged as `vlab check iperf` judges a run,
 * and made over link: a client whose server is VM2's address on that link
 * ("Connecting to host 10.0.0.11"); the other link's address is named as
 * such. file NULL: nothing was given, a SKIP naming option. */
void two_vm_check_iperf_file(struct check_result *r, const struct two_vm_nic *link, const char *option,
			     const char *file, const struct iperf_result *res, int parse_rc);

/* ch3.iperf_server: an iperf3 server listens in VM2 (port 5201 in its
 * /proc/net/tcp or tcp6; tcp_rc and tcp6_rc what procfs_tcp_listening()
 * said of each, not_read why VM2 was not asked, NULL when it was). */
void two_vm_check_iperf_server(struct check_result *r, int tcp_rc, int tcp6_rc, const char *not_read);

/* What the kernel command line does to the guest's console, when the lab
 * should hear of it: a console= that names a device the VM lacks (the
 * course's console=hvc0i), or the kernel command line the course's script
 * really hands qemu (`-append root=/dev/vda`: its QEMU_OPTS string ends
 * -append's argument at the first space). "" when there is nothing to say;
 * returns the length. */
size_t two_vm_append_note(const struct qemu_cmdline *c, char *out, size_t n);

#endif
