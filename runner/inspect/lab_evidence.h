/* The evidence of a lab built by hand, read before any verdict: qemu's
 * command line, the host side in qemu's network namespace (the tap, vlab's
 * ICMP echo, the HTTP GET), QMP when the command has it, and the guest over
 * its serial console when no one holds it (log in, read-only commands, log
 * out; an open shell is used as it is). `vlab verify` and grading gather
 * it; runner/inspect/lab_verdicts.h hands it to checks/handbuilt_lab.h's
 * verdicts as the plain facts of checks/lab_facts.h. */
#ifndef VLAB_INSPECT_LAB_EVIDENCE_H
#define VLAB_INSPECT_LAB_EVIDENCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checks/guest_parse.h"
#include "checks/lab_facts.h"
#include "runner/net/http_get.h"
#include "runner/net/icmp_echo.h"
#include "checks/verdict.h"
#include "runner/inspect/qemu_proc.h"
#include "runner/net/net.h"
#include "runner/util.h"


/* How long the console gets to answer an Enter (twice). */
#define PROBE_MS 1500
/* A qemu younger than this may still be booting its guest: the console is
 * asked again every PROBE_MS until qemu is this old before it is called
 * silent. The lab's guests reach login: in 3 to 5 s under TCG (the stock
 * kernel as a compressed bzImage, measured on 2 cores); 30 s leaves room
 * for a slower kernel with loglevel=15 on a loaded host. */
#define BOOT_GRACE_MS 30000

/* Each interface as "NAME MAC DRIVER" (the driver is the device/driver
 * link's name), as chapter 2 lists them. */
#define LIST_NICS                                                                                        \
	"for i in /sys/class/net/*; do d=$(readlink $i/device/driver); "                                 \
	"echo \"${i##*/} $(cat $i/address) ${d##*/}\"; done"


extern const char *const evidence_console_state_names[];

/* Everything read, before any verdict. */
struct evidence {
	struct qemu_proc *q;
	int chapter;
	int64_t scale;                 /* timeouts x4 under TCG, as vlab's own runs */
	char differences[12][QEMU_DIFFERENCE_MAX];
	size_t ndifferences;

	/* network namespace */
	struct qemu_ns_said ns;        /* its name, its id, why it could not be entered */

	/* the tap (ch2) */
	char tap[16];                  /* the one checked */
	char tap_held[16];             /* the one qemu's tun fd is attached to, "" none */
	int tap_rc;                    /* net_link_get's */
	struct net_link_info tap_info;
	struct icmp_result icmp;
	int icmp_rc;
	struct http_result http;
	int http_rc;
	bool host_ran;

	/* QMP */
	char qmp_path[PATH_MAX];       /* "" none */
	char qmp_note[256];            /* why it was not asked, "" */
	bool qmp_ok;
	char qmp_status[32];
	bool qmp_running;
	uint64_t qmp_base_memory;
	bool qmp_memory_ok;

	/* the serial console */
	char serial_path[PATH_MAX];    /* as the student would name it (qemu's cwd + path) */
	char serial_connect[PATH_MAX]; /* what vlab connects to (/proc/PID/cwd/...) */
	enum console_state con;
	char con_seen[320];            /* the console's last lines in answer to vlab's Enters, "" none */
	char initrd_beside[PATH_MAX];  /* no -initrd, yet an initrd.img lies beside the kernel: its path */
	bool qemu_gone;                /* qemu exited while vlab read it */
	char con_why[512];             /* a phrase for details: "the serial console is held by socat (pid 42)" */
	char holder[96];               /* "socat (pid 42)", "" */
	bool serial_ok;                /* the command has a socket port */
	struct check_result serial_verdict;   /* its FAIL when not */

	/* the guest */
	bool asked;                    /* commands ran in a guest shell */
	char shell_user[32];           /* who that shell was */
	bool root_tried, student_tried;
	int root_rc, student_rc;
	char root_id[64], student_id[64];
	char root_dev[256], root_fstype[64];
	bool mounts_ok;
	bool ip_read;                  /* `ip a s` ran */
	struct ip_iface ifs[8];
	int nifs;                      /* what parse_ip_addr_show() made of it */
	char nic_if[32], nic_driver[64];
	bool nics_ok;
	struct strbuf ping_out;
	bool ping_ran;
	char index_sha256[65];
	char guest_error[256];         /* the console stopped answering: what happened */
	int64_t t_cmdline_ms, t_host_ms, t_guest_ms;

	/* `vlab grade` (verify_for_grading): wait for the guest to boot, and do
	 * the lab's guest side itself as root before reading */
	int64_t boot_wait_ms;          /* > 0: wait this long for "login:" instead of probing */
	const char *transcript;        /* the console transcript, NULL none */
	const char *guest_setup_http;  /* NULL: verify (change nothing); else the HTTP server to start */
	const char *qmp_override;      /* the QMP socket to ask (the shim's), NULL: the command's */
	bool initrd_by_shim;           /* the shim gives a command with no -initrd the image's: a
					* missing -initrd is no cause of a silent console */
	char guest_setup_note[256];    /* what the set-up did or why it could not */
	struct console *booted;        /* evidence_await_boots' console, at "login:"; evidence_guest's */

	/* `vlab verify 3`: these read-only commands instead of chapters 1-2's,
	 * in root's session only (no student login) */
	const char *const *only_cmds;  /* NULL-terminated; NULL: chapters 1-2's commands */
	/* grading chapter 3: vlab's own part of the lab, run as root before
	 * only_cmds (NULL-terminated; NULL none); the first that fails
	 * (status or console) is said in guest_setup_note, and the commands
	 * run on */
	const char *const *setup_cmds;
	struct strbuf only_out[6];
	int only_ran;                  /* how many of them ran to the end */
	/* called in the guest's session before each of only_cmds runs (k: its
	 * index) and once more after the last (k: how many ran), none after a
	 * command that failed: what the host sees around one command alone
	 * (verify 3 reads the taps' counters around each of VM1's pings);
	 * NULL: nothing is called */
	void (*around_cmd)(void *arg, int k);
	void *around_cmd_arg;
	/* called once, after the last of only_cmds ran: an index from which
	 * to run them again (once, without around_cmd: what it read stays
	 * the first pass's), or -1; NULL: never again. Grading's chapter 3
	 * measures twice before it says the e1000 beat the virtio-net */
	int (*run_again_from)(void *arg, const struct evidence *ev);
	void *run_again_arg;
};

/* The host side, from qemu's network namespace t: the tap, ICMP, HTTP. */
void evidence_host(struct evidence *ev, struct qemu_ns *t);
/* Where the serial console is and whether someone holds it; socket_opt
 * (--socket) overrides the command's path. */
void evidence_serial(struct evidence *ev, const char *socket_opt);
/* QMP's status and memory, when the command has a QMP socket. */
void evidence_qmp(struct evidence *ev);
/* The guest over its serial console, as the console's state allows. */
void evidence_guest(struct evidence *ev);
/* Grading several VMs at once (chapter 3's two): connect to each one's
 * console (evs[k]->boot_wait_ms > 0) and read them all until each shows
 * "login:" or its wait ends, so that each boots while the others do. A
 * console nobody reads stops its guest once qemu's socket buffer fills
 * (about 277 bytes of serial output; SeaBIOS and two NICs' iPXE banners
 * print more before `login:`), so a VM whose session came second would
 * otherwise boot only after the first VM's session. Each console at its
 * prompt is left in evs[k]->booted for evidence_guest. */
void evidence_await_boots(struct evidence *const *evs, size_t n);
void evidence_release(struct evidence *ev);

#endif
