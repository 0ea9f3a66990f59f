/* What `vlab verify` and grading read of a lab built by hand, as plain data
 * for the verdicts (checks/handbuilt_lab.h, checks/handbuilt_two_vms.h):
 * qemu's parsed command line, its pid and state, the host side's results,
 * the serial console's state and what the guest said. runner/inspect/
 * gathers it (lab_evidence.h, two_vm_evidence.h) and hands a view of it
 * here; unit tests build it from captured text. Pure: no I/O.
 *
 * Strings are never NULL: "" when there is nothing. They point into the
 * gatherer's buffers, so a view lives no longer than what it views. */
#ifndef VLAB_CHECKS_LAB_FACTS_H
#define VLAB_CHECKS_LAB_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checks/guest_parse.h"
#include "checks/http.h"
#include "checks/icmp.h"
#include "checks/iperf.h"
#include "checks/net_link_info.h"
#include "checks/qemu_cmdline.h"
#include "checks/verdict.h"

/* The serial console, as vlab found it before and when it connected. */
enum console_state {
	CON_NONE,      /* the command has no serial socket to log in through */
	CON_FREE,      /* at a login prompt: vlab logs in and out */
	CON_SHELL,     /* a shell was open: used as it is */
	CON_HELD,      /* another client holds it */
	CON_BUSY,      /* it answered, with neither prompt */
	CON_SILENT,    /* it did not answer */
	CON_UNUSABLE,  /* cannot connect */
	CON_CLOSED,    /* qemu accepted vlab, then the socket closed (qemu exited?) */
};

/* One hand-built VM of chapters 1 and 2. */
struct lab_facts {
	/* qemu */
	const struct qemu_cmdline *cmd;
	pid_t pid;
	char state;                    /* its /proc/PID/stat state letter, 0 unknown */
	int64_t age_ms;                /* how long it had run when vlab judged it, -1 unknown */
	bool gone;                     /* it exited while vlab read the lab */
	const char *initrd_beside;     /* no -initrd, yet an initrd.img lies beside the kernel: its path */
	int64_t t_cmdline_ms;

	/* QMP, when it answered (checks/qmp_parse.h's readings) */
	bool qmp_ok;                   /* query-status answered */
	const char *qmp_status;        /* "running", "paused" */
	bool qmp_running;
	bool qmp_memory_ok;            /* query-memory-size-summary answered */
	uint64_t qmp_base_memory;

	/* the host side, in qemu's network namespace */
	bool host_ran;                 /* it was entered and read */
	const char *ns_name;           /* "network namespace vt-1234" */
	const char *ns_error;          /* why it could not be entered */
	const char *tap;               /* the tap checked */
	const char *tap_held;          /* the tap qemu's tun fd is attached to */
	int tap_rc;                    /* reading it: 0, -ENODEV (no such link), -errno */
	struct net_link_info tap_info; /* when tap_rc == 0 */
	struct icmp_result icmp;       /* vlab's echo requests to the guest */
	int icmp_rc;
	struct http_result http;       /* vlab's GET of the guest's page (body not owned) */
	int http_rc;
	int64_t t_host_ms;

	/* the serial console */
	bool serial_ok;                /* the command has a socket port (or --socket named one) */
	const struct check_result *serial_verdict;  /* check_cmdline_serial()'s FAIL when not */
	const char *serial_path;       /* as the student would name it */
	enum console_state con;
	const char *con_why;           /* a phrase: "the serial console is held by socat (pid 42)" */
	const char *con_seen;          /* its last lines in answer to vlab's Enters, "" none */

	/* the guest */
	bool asked;                    /* commands ran in a guest shell */
	const char *shell_user;        /* whose shell that was */
	const char *guest_error;       /* the console stopped answering: what happened */
	bool root_tried, student_tried;
	int root_rc, student_rc;       /* console_login_plain()'s: 0, -EACCES refused, -errno */
	const char *root_id, *student_id;  /* `id -un` in each session */
	bool mounts_ok;                /* /proc/mounts was read */
	const char *root_dev, *root_fstype;  /* its root, "" when it could not tell */
	bool ip_read;                  /* `ip a s` ran */
	const struct ip_iface *ifs;    /* what parse_ip_addr_show() made of it */
	int nifs;
	bool nics_ok;                  /* the NIC list ran */
	const char *nic_if, *nic_driver;  /* the interface with the lab's MAC, its driver */
	bool ping_ran;
	const char *ping_out;          /* the guest's ping of the host, as printed */
	const char *index_sha256;      /* of /root/index.html, "" unread */
	int64_t t_guest_ms;
};

/* One of chapter 3's two VMs, read as root (runner/inspect/two_vm_evidence.h). */
struct two_vm_guest_facts {
	const struct qemu_cmdline *cmd;  /* NULL: this VM was not found */
	pid_t pid;
	bool asked;                    /* commands ran in its shell */
	const char *guest_error, *con_why;  /* why they did not, or stopped */
	enum console_state con;        /* its console as vlab found it */
	const char *con_seen;          /* the console's last lines when it gave no prompt, "" none */
	const char *qmp_status;        /* what QMP said the VM was after a silent boot, "" not asked */
	/* what the read-only commands printed, those that ran to the end
	 * (out[k], k < only_ran): VM1's `ip a s`, its ping over the e1000
	 * link, over the virtio link; VM2's `ip a s`, /proc/net/tcp, tcp6 */
	const char *out[6];
	int only_ran;
	const char *taps[4];           /* the taps its qemu holds */
	size_t ntaps;
};

/* VM1's commands, by their index in its session and in its out[]. */
/* (grading also runs VM1's iperf3 clients over each link, after its pings) */
enum { TWO_VM_VM1_OUT_IP_A_S, TWO_VM_VM1_OUT_PING_E1000, TWO_VM_VM1_OUT_PING_VIRTIO, TWO_VM_VM1_OUT_IPERF_E1000,
       TWO_VM_VM1_OUT_IPERF_VIRTIO };

/* The namespace's links read right before one of VM1's pings and right
 * after it, so that the change in their counters is that ping's alone
 * (n 0: that reading was not made). */
struct two_vm_window {
	const struct net_link_info *before, *after;
	size_t nbefore, nafter;
};

/* A client run over one link, as the caller read and parsed it: a run the
 * student saved (verify's --iperf-e1000 FILE, --iperf-virtio FILE), or
 * VM1's own in grading. */
struct two_vm_iperf_run {
	const char *file;          /* its name in details; NULL: not given */
	int read_rc;               /* reading it: 0, or -errno */
	struct iperf_result res;   /* iperf_parse()'s, zeroed when not parsed */
	int parse_rc;              /* iperf_parse()'s; -EINVAL when not parsed */
	const char *not_run;       /* the client never ran: why (grading); NULL: it ran */
};

struct two_vm_facts {
	struct two_vm_guest_facts vm[2];  /* VM1, VM2 */
	const char *missing;           /* what is missing when a VM was not found */
	bool ns_ok;                    /* the qemus' network namespace was read */
	const char *ns_error;          /* why not */
	/* its links after both guests' sessions */
	const struct net_link_info *links;
	size_t nlinks;
	struct two_vm_window ping[2];  /* around VM1's e1000 ping, around its virtio ping */
	struct two_vm_iperf_run iperf[2];  /* over the e1000 link, over the virtio one */
	const char *iperf_again;       /* the pair was run twice: what the first gave; NULL or "": once */
};

#endif
