/* `vlab verify [N]`: the student's self-check of a lab built by hand: their
 * own qemu, tap and guest, read from the outside, judged with the same check
 * ids as `vlab chapter N`, and left exactly as found. What each N reports:
 *   verify 1   chapter 1 alone (one qemu, no NIC)
 *   verify 2   chapters 1 and 2, of the same one qemu (verify_report())
 *   verify 3   chapter 3 alone, of the two-VM lab's two qemus
 *              (verify_two_vms()); chapters 1 and 2 are of one VM
 * Without N: 2 when the qemu has a NIC, else 1. JSON is always an array,
 * one element per chapter reported.
 * What follows describes verify 1 and 2's one VM; verify 3 reads each of
 * its two VMs' consoles the same way (runner/inspect/two_vm_evidence.c).
 *
 *   find qemu ──▶ its command ──▶ who holds ──▶ host side, in ──▶ QMP? ──▶ console? ──▶ report
 *   (/proc)       line, cwd,      the console   qemu's netns      (only     (free: log in, read,
 *                 fds, state      (/proc)       (tap, ICMP, HTTP) if -qmp)  log out; open shell: read)
 *
 * What it reads, and why it changes nothing:
 *  - The qemu: every /proc/PID whose argv[0] is qemu-system-* (or qemu-kvm).
 *    qemus that vlab itself started (their serial socket sits in a vlab run
 *    directory, beside its "resources" ledger) are left out unless --pid
 *    names one. Several left: exit 2, listing them, to pick one with --pid;
 *    when two of them are chapter 3's VM1 and VM2 (told apart as verify 3
 *    does, by MACs, taps, serial sockets and rootfs names), the line says
 *    to run `vlab verify 3` instead.
 *    None: exit 3 with one line saying how to start the lab's VM.
 *  - The command line (checks/qemu_cmdline.c): memory, accelerator, -cpu,
 *    disks, serial port, NICs and their backends, QMP. A difference that
 *    fails a check is named in that check with the student's own option
 *    text ("`-m 512M` gives the guest 512 MiB; the lab asks for 256 MiB");
 *    differences no check minds (TCG instead of KVM, -initrd,
 *    console=ttyS0, a qcow2 overlay) are listed apart in the text and as
 *    "differences" in JSON.
 *  - The host side, in the network namespace qemu runs in: qemu's
 *    `-netdev tap,ifname=tap0` opens the tap in its own namespace (seen on
 *    the lab's own set-up, where qemu runs under `ip netns exec`),
 *    so /proc/PID/ns/net is where the tap lives. vlab setns()es there for
 *    netlink (the tap: exists, up, 10.0.0.1/24), its own ICMP echo and the
 *    HTTP GET, and back (a thread's namespace is vlab's own business, not a
 *    change to the lab). The tap qemu actually holds is read from its
 *    /dev/net/tun fd's fdinfo ("iff:").
 *  - QMP, only when the command has a QMP socket (-qmp, or -mon
 *    mode=control) that no one holds: query-status and
 *    query-memory-size-summary, both read-only.
 *  - The serial console: the UNIX socket of the chardev that isa-serial is
 *    bound to (path= relative to qemu's cwd, reached as /proc/PID/cwd/PATH,
 *    so a mount namespace of `ip netns exec` does not matter), or --socket.
 *
 * "Held": QEMU's socket chardev serves one client; a second connect()
 * succeeds into the listen backlog and then gets nothing, and whatever it
 * sends would reach the guest once the first client leaves. So vlab looks
 * before it connects. qemu's listening socket for that file is found among
 * qemu's own fds (/proc/PID/fd -> socket:[INODE]) in /proc/PID/net/unix
 * (flags __SO_ACCEPTCON; matched by file identity, a stat of
 * /proc/PID/cwd/PATH, so a relative path, another directory or --socket
 * all work). A client is attached when qemu also holds a connected socket
 * (state 03) carrying the listener's path: an accepted socket takes its
 * listener's address. That socket is created by the connecting client, in
 * the client's network namespace (af_unix.c unix_stream_connect()), so it
 * is looked for in the /proc/net/unix of every namespace there is, not
 * just qemu's (a client in the backlog shows as state 02 with inode 0 and
 * is not qemu's). Then sock_diag (UNIX_DIAG_PEER, asked in that namespace)
 * gives the client's socket, and a scan of every /proc/PID/fd its process:
 * "held by socat (pid 4242)". vlab does not connect at all: the login
 * checks are SKIPped saying so, guest-only checks SKIP, and the
 * others keep their command-line and outside evidence. A second guard
 * covers a race or a /proc vlab may not read (not root): after connect(),
 * vlab waits up to 1 s (4 s under TCG) for qemu to accept it; until qemu
 * does, the peer of vlab's socket is an embryo in the backlog, which has no
 * inode (sock_diag UNIX_DIAG_PEER says 0). Not accepted: vlab closes before it
 * sends a byte (an Enter left in the backlog would reach the guest when
 * the holder leaves). Accepted: one Enter, and a login prompt or a shell
 * prompt must answer within 1.5 s (a second Enter, 1.5 s more; while qemu
 * is younger than 30 s, its guest may still boot, so again every 1.5 s
 * until it is that old); anything else is "busy" (a program in the
 * foreground) or "silent". Silent with no other client is a dead guest:
 * the login checks FAIL with what vlab saw (qemu's state, the console's
 * last lines, a kernel without the -initrd beside it, a console= away
 * from the serial port), as they do when qemu exits during verify.
 *
 * The guest, when the console is free:
 *  - at a login prompt: log in as root/toor without touching the shell
 *    (console_login_plain(): no stty, no dmesg -n, no PS1), `id -un`, the
 *    read-only commands (cat /proc/mounts, ip a s, the NICs in /sys, ping
 *    -c 3 10.0.0.1, sha256sum /root/index.html), exit; then student/student,
 *    `id -un`, exit: the console is left at a login prompt, as found.
 *  - at a shell prompt (a shell was left open): no login, no logout; the
 *    same read-only commands in that shell, and both login checks SKIP "a
 *    shell was already open on the console: not logged in again".
 *  - busy (a program in the foreground) or silent: no guest commands.
 *
 * What it does leave, knowingly: getty prints a fresh "login:" after vlab's
 * Enter and after each logout; busybox login may note the two logins where
 * the guest keeps utmp/wtmp; the ARP caches of the host's namespace and of
 * the guest learn each other (ICMP, HTTP). No link, address, route,
 * process, file or guest setting is changed (tests/integration/verify.sh
 * compares links, addresses and processes around every run). Without root
 * (qemu runs as root in the lab) qemu's cwd, fds and namespace cannot be
 * read: the checks that need them SKIP, saying to run verify as root.
 *
 * Check ids of verify 1 and 2, as `vlab chapter N` has them (verify 2
 * reports chapters 1 and 2, one report object each):
 *  ch1.qemu_running        the process runs (not stopped, not a zombie), its
 *                          command boots a kernel and is not paused (-S; QMP
 *                          query-status when there is QMP)
 *  ch1.memory_256m         -m (every qemu spelling: 256, 256M, 0.25G,
 *                          size=256M); plus QMP's base-memory when there is QMP
 *  ch1.rootfs_virtio_blk   a virtio-blk device bound to a -blockdev/-drive
 *                          with a file, root=/dev/vda; plus the guest's
 *                          /proc/mounts (/ is ext4 on /dev/vda) when free
 *  ch1.serial_login_root   the serial port is a UNIX socket qemu serves; root
 *  ch1.serial_login_student  and student log in over it (SKIP when held or a
 *                          shell was open)
 *  ch1.only_loopback       verify 1 only: the command has no NIC, and the
 *                          guest's `ip a s` lists lo alone. Left out of verify
 *                          2: chapter 2's VM has a NIC by design.
 *  ch2.tap_up              netlink in qemu's namespace: the tap exists, is
 *                          up, has 10.0.0.1/24
 *  ch2.nic_mac             the command's e1000 with mac=52:54:00:8b:99:de on
 *                          -netdev tap,ifname=tap0; plus the guest's /sys
 *                          (the NIC with that MAC is driven by e1000)
 *  ch2.guest_ip            the guest's `ip a s`: its NIC (found by the MAC, or
 *                          the one holding 10.0.0.10) is up with 10.0.0.10/24.
 *                          SKIP when the console is not free; the detail says
 *                          whether 10.0.0.10 answered vlab's ICMP echo instead
 *  ch2.ping_guest_to_host  `ping -c 3 10.0.0.1` in the guest; SKIP when not free
 *  ch2.ping_host_to_guest  vlab's own ICMP echo from qemu's namespace
 *  ch2.http_200            GET http://10.0.0.10:8000/ from qemu's namespace;
 *                          the body's sha256 against the guest's
 *                          /root/index.html when free, else 200 and a
 *                          non-empty body
 *  ch2.teardown_clean      left out: verify tears nothing down, by design.
 *
 * Options: [N] (default: 2 when the command has a NIC, else 1), --pid PID,
 * --socket PATH (the serial socket, as this shell names it), --format
 * text|json|junit|tap, --quiet. A SKIP here is a check vlab could not
 * judge (a held console, an open shell, a saved run not given): the
 * chapter is "incomplete", never "pass". Exit status: 0 every check
 * passed, 1 a check failed, 2 usage (or several qemus and no --pid), 3 no
 * qemu of the lab, or a chapter incomplete, 4 vlab broke.
 *
 * This file is the command (options, output, exit status); what it reads
 * and judges is runner/inspect/.
 */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "runner/chapter.h"
#include "checks/ch3.h"
#include "checks/iperf.h"
#include "checks/ping_parse.h"
#include "checks/procfs_parse.h"
#include "checks/qemu_cmdline_verdicts.h"
#include "checks/two_vm_plan.h"
#include "runner/cleanup.h"
#include "runner/exit_status.h"
#include "runner/inspect/lab_evidence.h"
#include "runner/inspect/lab_verdicts.h"
#include "runner/inspect/qemu_find.h"
#include "runner/inspect/qemu_proc.h"
#include "runner/inspect/two_vm_evidence.h"
#include "runner/inspect/two_vm_verdicts.h"
#include "runner/net/net.h"
#include "runner/report.h"
#include "runner/vm/vm.h"
#include "runner/clock.h"

static json_t *verify_json(const struct evidence *ev)
{
	const struct qemu_proc *q = ev->q;
	json_t *argv = json_array();
	for (int i = 0; i < q->cmd.argc; i++)
		json_array_append_new(argv, json_string(q->cmd.argv[i]));
	json_t *diffs = json_array();
	for (size_t i = 0; i < ev->ndifferences && i < ARRAY_SIZE(ev->differences); i++)
		json_array_append_new(diffs, json_string(ev->differences[i]));
	json_t *o = json_object();
	json_object_set_new(o, "pid", json_integer(q->pid));
	json_object_set_new(o, "argv", argv);
	json_object_set_new(o, "cwd", q->cwd[0] ? json_string(q->cwd) : json_null());
	json_object_set_new(o, "netns", ev->ns.id[0] ? json_string(ev->ns.id) : json_null());
	json_object_set_new(o, "serial_socket", ev->serial_path[0] ? json_string(ev->serial_path) : json_null());
	json_object_set_new(o, "console", json_string(evidence_console_state_names[ev->con]));
	json_object_set_new(o, "console_detail", ev->con_why[0] ? json_string(ev->con_why) : json_null());
	json_object_set_new(o, "console_last_lines", ev->con_seen[0] ? json_string(ev->con_seen) : json_null());
	const char *qmp = qemu_cmdline_qmp_path(&q->cmd);
	json_object_set_new(o, "qmp_socket", qmp ? json_string(qmp) : json_null());
	json_object_set_new(o, "differences", diffs);
	return o;
}

static void print_header(const struct lab *lab, const struct evidence *ev)
{
	const struct qemu_proc *q = ev->q;
	if (lab->opt->format != FORMAT_TEXT || lab->opt->quiet)
		return;
	printf("vlab verify: chapter%s %s, on the lab you built by hand (vlab changes nothing)\n",
	       ev->chapter > 1 ? "s 1 and" : "", ev->chapter > 1 ? "2" : "1");
	ui_note(lab, "qemu pid %d%s%s, its command:", (int)q->pid, q->cwd[0] ? ", working directory " : "", q->cwd);
	struct strbuf cmd = STRBUF_INIT;
	if (q->cmd.argc <= VM_MAX_ARGS) {
		struct vm_argv a;
		a.n = q->cmd.argc;
		for (int i = 0; i < a.n; i++)
			a.v[i] = q->cmd.argv[i];
		a.v[a.n] = NULL;
		vm_format_command(&a, true, &cmd);
	} else {
		for (int i = 0; i < q->cmd.argc; i++) {
			if (i)
				sb_adds(&cmd, " ");
			shell_quote(q->cmd.argv[i], &cmd);
		}
	}
	ui_command(lab, "host", cmd.buf);
	sb_release(&cmd);
	if (ev->ndifferences) {
		ui_note(lab, "Not as the lab writes it, though no check minds:");
		for (size_t i = 0; i < ev->ndifferences && i < ARRAY_SIZE(ev->differences); i++)
			ui_note(lab, "  * %s", ev->differences[i]);
	}
	if (ev->chapter > 1)
		ui_note(lab, "Host side: %s%s%s", ev->ns.name[0] ? ev->ns.name : "unknown",
			ev->ns.error[0] ? ": " : " (qemu's: the tap, ICMP and HTTP are checked there)", ev->ns.error);
	switch (ev->con) {
	case CON_FREE:
		ui_note(lab, "Serial console: %s was free: vlab logged in, read, and logged out", ev->serial_path);
		break;
	case CON_SHELL:
		ui_note(lab, "Serial console: %s: %s; vlab used it read-only", ev->serial_path, ev->con_why);
		break;
	default:
		ui_note(lab, "Serial console: %s", ev->con_why);
		break;
	}
	if (ev->qmp_ok)
		ui_note(lab, "QMP: %s answered", qemu_cmdline_qmp_path(&q->cmd));
	else
		ui_note(lab, "QMP: %s", ev->qmp_note);
}

/* ---- the command -------------------------------------------------------- */

#define VERIFY_USAGE "[N] [--pid PID]... [--socket PATH] [--iperf-e1000 FILE] [--iperf-virtio FILE] [--format FORMAT] [--quiet]"

/* Where the rows put --format and --quiet (cmd_verify starts it afresh). */
static struct lab_options verify_lab;

static const struct opt verify_opts[] = {
	{ OPT_OPERAND, "N", 0, NULL, "the chapter to check (1, 2 or 3; default: 2 when your qemu has a NIC)",
	  COMPLETE_WORDS, "1 2 3", TO_LOOP },
	OPT_LIKE(opt_pid, NULL, TO_LOOP),
	{ OPT_IPERF_E1000, "iperf-e1000", 0, "FILE",
	  "chapter 3: what iperf3 -c printed in VM1 over the e1000 link (text or -J)", COMPLETE_FILE, NULL, TO_LOOP },
	{ OPT_IPERF_VIRTIO, "iperf-virtio", 0, "FILE", "chapter 3: the same over the virtio-net link", COMPLETE_FILE,
	  NULL, TO_LOOP },
	OPT_LIKE(opt_socket, "the path= of the chardev isa-serial uses", TO_LOOP),
	OPT_FORMAT_TO(&verify_lab.format, FORMATS_ALL),
	OPT_QUIET_TO(&verify_lab.quiet),
	{ 0 },
};

#define usage(...) usage_fail("verify " VERIFY_USAGE, __VA_ARGS__)

/* The one line of exit 3, in the format asked for. */
static int no_lab(enum report_format f, const char *reason, const char *msg)
{
	error_line("%s", msg);
	if (f == FORMAT_JSON) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s}", "schema_version", REPORT_SCHEMA_VERSION,
				      "vlab_version", VLAB_VERSION, "result", "error", "reason", reason, "message", msg);
		report_print_json(o);
		json_decref(o);
	} else if (f == FORMAT_TAP) {
		printf("TAP version 13\n1..0 # SKIP %s\n", msg);
	} else if (f == FORMAT_JUNIT) {
		json_t *none = json_array();
		report_write_junit(stdout, none);
		json_decref(none);
	}
	return EXIT_HOST;
}

/* Several qemus (pids) and no --pid: when two of them are chapter 3's
 * VM1 and VM2 (as verify 3 finds them), `vlab verify 3` is what is wanted,
 * and the line says so; else it lists them for --pid. */
static void say_several(struct qemu_proc *all, size_t n, const char *pids)
{
	struct qemu_proc *vm[2];
	char why[512], left[8][200];
	size_t nleft, nc;
	int r = qemu_find_two_vms(all, n, NULL, 0, vm, why, sizeof(why), left, ARRAY_SIZE(left), &nleft, &nc);
	bool pair = r == 0 && vm[0] && vm[1];
	if (pair && !nleft)
		error_line("two qemu processes run, chapter 3's VM1 (pid %d) and VM2 (pid %d): check them with `vlab "
			   "verify 3` (or one of them with --pid)",
			   (int)vm[0]->pid, (int)vm[1]->pid);
	else if (pair)
		error_line("several qemu processes run (pids %s): choose one with --pid, or check chapter 3's VM1 (pid "
			   "%d) and VM2 (pid %d) with `vlab verify 3`",
			   pids, (int)vm[0]->pid, (int)vm[1]->pid);
	else
		error_line("several qemu processes run (pids %s): choose one with --pid", pids);
}

/* The qemu to check: --pid's, else the one not started by vlab. */
static int pick(struct qemu_proc *all, size_t n, int64_t want_pid, enum report_format f, struct qemu_proc **out)
{
	char msg[768];
	if (want_pid > 0) {
		*out = qemu_find_pid(all, n, want_pid);
		if (*out)
			return 0;
		snprintf(msg, sizeof(msg), "pid %lld is no qemu process (`pgrep -a qemu` lists them)", (long long)want_pid);
		return no_lab(f, "no_such_qemu", msg);
	}
	struct qemu_found found;
	int r = qemu_find_handbuilt(all, n, &found);
	*out = found.q;
	if (r == -ENOENT) {
		snprintf(msg, sizeof(msg),
			 "no qemu of the lab is running%s: start the lab's VM (sudo ./runqemu_single_vm.sh, lab "
			 "chapter 1), then run vlab verify again",
			 found.nvlab ? " (only qemus that vlab itself started; --pid PID checks one of those)" : "");
		return no_lab(f, "no_qemu", msg);
	}
	if (r == -EEXIST) {
		say_several(all, n, found.pids);
		fprintf(stderr, "usage: vlab verify " VERIFY_USAGE "\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* Every qemu in /proc; EXIT_INTERNAL, said, when /proc cannot be read. */
static int find_qemus_or_say(struct qemu_proc **all, size_t *n)
{
	int r = qemu_procs_find(all, n);
	if (r)
		return say_error(EXIT_INTERNAL, "cannot read /proc: %s", strerror(-r));
	return 0;
}

/* A stop request: said once; the exit status. */
static int stopped(void)
{
	error_line("stopped by signal %d; verify had changed nothing", cleanup_stop_signal());
	return 128 + cleanup_stop_signal();
}

/* The reports in a machine format (text was printed as it went). */
static void print_reports(enum report_format f, json_t *reports)
{
	if (f == FORMAT_JSON)
		report_print_json(reports);
	else if (f == FORMAT_JUNIT)
		report_write_junit(stdout, reports);
	else if (f == FORMAT_TAP)
		report_write_tap(stdout, reports);
}

/* ---- vlab verify 3: the two-VM lab of runqemu_two_vms.sh ------------------ */

/* What pairing the qemus into VM1 and VM2 found. */
struct two_vm_pick {
	char why[512];       /* what is missing, for the checks of a VM not found */
	char left[8][200];   /* qemus left out, and why */
	size_t nleft;
};

/* VM1 and VM2 among the running qemus (--pid's, else those vlab did not
 * start) into tv->q; 0, or the exit status, said. */
static int two_vm_find(struct qemu_proc *all, size_t n, const int64_t *want_pids, int nwant, enum report_format f,
		       struct two_vm_evidence *tv, struct two_vm_pick *p)
{
	for (int w = 0; w < nwant; w++) {
		if (!qemu_find_pid(all, n, want_pids[w])) {
			char msg[160];
			snprintf(msg, sizeof(msg), "pid %lld is no qemu process (`pgrep -a qemu` lists them)",
				 (long long)want_pids[w]);
			return no_lab(f, "no_such_qemu", msg);
		}
	}
	struct qemu_proc *vm[2];
	size_t nc;
	int r = qemu_find_two_vms(all, n, want_pids, nwant, vm, p->why, sizeof(p->why), p->left, ARRAY_SIZE(p->left),
				  &p->nleft, &nc);
	if (r == -EEXIST)
		return usage_fail("verify " VERIFY_USAGE, "%s", p->why);
	if (!vm[0] && !vm[1]) {
		char msg[700];
		snprintf(msg, sizeof(msg), "%s: start the two VMs (sudo ./runqemu_two_vms.sh, lab chapter 3), then run vlab "
				      "verify 3 again", nc ? p->why : "no qemu of the lab is running");
		return no_lab(f, "no_qemu", msg);
	}
	tv->q[0] = vm[0];
	tv->q[1] = vm[1];
	return 0;
}

/* The text header of verify 3: each VM, what was left out, the host side. */
static void two_vm_print_header(struct lab *lab, const struct two_vm_evidence *tv, const struct two_vm_pick *p)
{
	printf("vlab verify: chapter 3, on the two VMs you built by hand (vlab changes nothing)\n");
	for (int v = 0; v < 2; v++) {
		const struct qemu_proc *q = tv->q[v];
		const struct evidence *ev = &tv->ev[v];
		if (!q) {
			ui_note(lab, "%s: %s", two_vm_roles[v].name, p->why);
			continue;
		}
		ui_note(lab, "%s: qemu pid %d%s%s", two_vm_roles[v].name, (int)q->pid,
			q->cwd[0] ? ", working directory " : "", q->cwd);
		char note[700];
		if (two_vm_append_note(&q->cmd, note, sizeof(note)))
			ui_note(lab, "  * %s", note);
		for (size_t i = 0; i < ev->ndifferences && i < ARRAY_SIZE(ev->differences); i++)
			ui_note(lab, "  * %s", ev->differences[i]);
		ui_note(lab, "  serial console %s: %s", ev->serial_path[0] ? ev->serial_path : "(none)",
			ev->asked ? "read as root, read-only" : ev->con_why);
	}
	for (size_t i = 0; i < p->nleft && i < ARRAY_SIZE(p->left); i++)
		ui_note(lab, "%s", p->left[i]);
	const struct evidence *host = &tv->ev[tv->host];
	ui_note(lab, "Host side: %s", host->ns.name[0] ? host->ns.name : "unknown");
}

/* verify 3's "verify" object of the JSON report. */
static json_t *two_vm_json(const struct two_vm_evidence *tv, const struct two_vm_pick *p)
{
	json_t *vj = json_object(), *vms = json_array(), *lefts = json_array();
	for (int v = 0; v < 2; v++) {
		const struct qemu_proc *q = tv->q[v];
		char note[700] = "";
		if (q)
			two_vm_append_note(&q->cmd, note, sizeof(note));
		json_array_append_new(vms, q ? json_pack("{s:s, s:i, s:s, s:s, s:s?}", "role", two_vm_roles[v].name, "pid",
							 (int)q->pid, "console", evidence_console_state_names[tv->ev[v].con],
							 "console_detail", tv->ev[v].con_why, "kernel_command_line_note",
							 note[0] ? note : NULL)
					     : json_pack("{s:s, s:n}", "role", two_vm_roles[v].name, "pid"));
	}
	for (size_t i = 0; i < p->nleft && i < ARRAY_SIZE(p->left); i++)
		json_array_append_new(lefts, json_string(p->left[i]));
	json_object_set_new(vj, "vms", vms);
	json_object_set_new(vj, "left_out", lefts);
	json_object_set_new(vj, "network_namespace", json_string(tv->ev[tv->host].ns.id));
	return vj;
}

/* A report's exit status: a failed check is 1, a check vlab could not
 * judge ("incomplete") 3, as an unusable input is. */
static int verify_exit_status(const struct lab *lab)
{
	int st = exit_status_of_verdict(lab_result(lab));
	return st == EXIT_PASS && lab_incomplete(lab) ? EXIT_HOST : st;
}

/* Of two chapters' exit statuses, the one to report: vlab broke, then a
 * check failed, then one could not be judged. */
static int verify_worse_exit(int a, int b)
{
	static const int rank[] = { [EXIT_PASS] = 0, [EXIT_HOST] = 1, [EXIT_CHECK_FAILED] = 2, [EXIT_INTERNAL] = 3 };
	return rank[b] > rank[a] ? b : a;
}

static int verify_two_vms(const struct lab_options *o, const int64_t *want_pids, int nwant, const char *const files[2])
{
	int64_t t0 = now_ms();
	struct qemu_proc *all;
	size_t n;
	int r = find_qemus_or_say(&all, &n);
	if (r)
		return r;
	struct two_vm_evidence *tv = xcalloc(1, sizeof(*tv));
	struct two_vm_pick pick;
	memset(&pick, 0, sizeof(pick));
	int exit_status = two_vm_find(all, n, want_pids, nwant, o->format, tv, &pick);
	if (exit_status)
		goto out;
	two_vm_gather(tv);
	if (cleanup_stop_requested()) {
		exit_status = stopped();
		goto out;
	}
	struct lab *lab = xcalloc(1, sizeof(*lab));
	evidence_lab_setup(lab, chapter_find(3), o, &tv->ev[tv->host]);
	lab->skip_is_unjudged = true;
	two_vm_verdicts(lab, tv, pick.why, files);
	lab_settle_undecided(lab);
	lab->duration_ms = now_ms() - t0;
	if (o->format == FORMAT_TEXT && !o->quiet)
		two_vm_print_header(lab, tv, &pick);
	ui_chapter_end(lab);
	json_t *obj = report_chapter_json(lab);
	json_object_set_new(obj, "verify", two_vm_json(tv, &pick));
	json_t *reports = json_array();
	json_array_append_new(reports, obj);
	print_reports(o->format, reports);
	json_decref(reports);
	exit_status = verify_exit_status(lab);
	free(lab);
out:
	two_vm_evidence_release(tv);
	free(tv);
	for (size_t i = 0; i < n; i++)
		qemu_proc_release(&all[i]);
	free(all);
	return exit_status;
}

/* Outside the guest: the namespace, the socket's holder, the tap, ICMP,
 * HTTP, QMP; then back home before the console, and the guest. 0, or the
 * exit status, said. */
static int verify_gather(struct evidence *ev, const char *socket_opt)
{
	struct qemu_ns t;
	bool ns_ok = qemu_ns_open(ev->q->pid, &t, &ev->ns) == 0;
	evidence_serial(ev, socket_opt);
	if (ns_ok && ev->chapter > 1)
		evidence_host(ev, &t);
	evidence_qmp(ev);
	int r = qemu_ns_leave(&t);
	if (r || qemu_ns_lost()) {
		if (!r)
			r = -EIO;
		error_line("cannot leave qemu's network namespace: %s", strerror(-r));
		qemu_ns_close(&t);
		return EXIT_INTERNAL;
	}
	if (!cleanup_stop_requested())
		evidence_guest(ev);
	qemu_ns_close(&t);
	return cleanup_stop_requested() ? stopped() : 0;
}

/* One report a chapter, 1..ev->chapter, printed; the exit status. */
static int verify_report(const struct lab_options *o, const struct evidence *ev, int64_t t0)
{
	struct lab *labs = xcalloc(2, sizeof(*labs));
	json_t *all_reports = json_array();
	int exit_status = EXIT_PASS;
	for (int ch = 1; ch <= ev->chapter; ch++) {
		struct lab *lab = &labs[ch - 1];
		evidence_lab_setup(lab, chapter_find(ch), o, ev);
		lab->skip_is_unjudged = true;
		evidence_verdicts(lab, ev);
		lab_settle_undecided(lab);
		lab->duration_ms = now_ms() - t0;
		if (ch == 1)
			print_header(lab, ev);
		ui_chapter_end(lab);
		json_t *obj = report_chapter_json(lab);
		json_object_set_new(obj, "verify", verify_json(ev));
		json_array_append_new(all_reports, obj);
		exit_status = verify_worse_exit(exit_status, verify_exit_status(lab));
	}
	print_reports(o->format, all_reports);
	json_decref(all_reports);
	free(labs);
	return exit_status;
}

/* verify 1 and 2: one qemu (want_pid's, else the one vlab did not start);
 * chapter 0: 2 when its command has a NIC, else 1. */
static int verify_one_vm(const struct lab_options *o, int64_t want_pid, int64_t chapter, const char *socket_opt)
{
	int64_t t0 = now_ms();
	struct qemu_proc *all;
	size_t n;
	int r = find_qemus_or_say(&all, &n);
	if (r)
		return r;
	struct qemu_proc *q;
	int exit_status = pick(all, n, want_pid, o->format, &q);
	if (q) {
		struct evidence *ev = xcalloc(1, sizeof(*ev));
		ev->q = q;
		ev->scale = q->cmd.accel == QACCEL_KVM ? 1 : 4;
		if (!chapter) {
			struct qemu_nic nics[2];
			size_t nn = qemu_cmdline_nics(&q->cmd, nics, ARRAY_SIZE(nics));
			chapter = nn && nics[0].device ? 2 : 1;
		}
		ev->chapter = (int)chapter;
		ev->ndifferences = qemu_cmdline_differences(&q->cmd, ev->differences, ARRAY_SIZE(ev->differences));
		ev->t_cmdline_ms = now_ms() - t0;
		exit_status = verify_gather(ev, socket_opt);
		if (!exit_status)
			exit_status = verify_report(o, ev, t0);
		evidence_release(ev);
		free(ev);
	}
	for (size_t i = 0; i < n; i++)
		qemu_proc_release(&all[i]);
	free(all);
	return exit_status;
}

static int cmd_verify(int argc, char **argv)
{
	memset(&verify_lab, 0, sizeof(verify_lab));
	verify_lab.profile = "default";
	int64_t want_pid = 0, chapter = 0, pids[2] = { 0, 0 };
	int npids = 0;
	const char *socket_opt = NULL, *iperf_files[2] = { NULL, NULL };
	struct opt_parser p;
	opt_parser_init(&p, &command_verify);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0) {
		switch (c) {
		case OPT_PID:
			if (parse_i64(optarg, 1, INT_MAX, &want_pid))
				return usage("--pid takes a process id, not '%s'", optarg);
			if (npids == 2)
				return usage("--pid may be given twice (chapter 3's two VMs), not more");
			pids[npids++] = want_pid;
			break;
		case OPT_IPERF_E1000:
		case OPT_IPERF_VIRTIO:
			iperf_files[c == OPT_IPERF_VIRTIO] = optarg;
			break;
		case OPT_SOCKET:
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return usage("--socket '%s' is too long for a UNIX socket path", optarg);
			socket_opt = optarg;
			break;
		}
	}
	if (c < 0)
		return EXIT_USAGE;
	struct lab_options o = verify_lab;
	if (optind < argc) {
		if (parse_i64(argv[optind], 1, 3, &chapter))
			return usage("vlab verify checks chapters 1, 2 and 3, not '%s'", argv[optind]);
		if (optind + 1 < argc)
			return usage("unexpected '%s'", argv[optind + 1]);
	}
	if (chapter == 3) {
		if (socket_opt)
			return usage("--socket names one VM's console; chapter 3 finds both from their command lines");
		return verify_two_vms(&o, pids, npids, iperf_files);
	}
	if (npids > 1)
		return usage("--pid twice is for chapter 3's two VMs: vlab verify 3 --pid VM1_PID --pid VM2_PID");
	if (iperf_files[0] || iperf_files[1])
		return usage("--iperf-e1000 and --iperf-virtio are chapter 3's: vlab verify 3 --iperf-e1000 FILE ...");

	return verify_one_vm(&o, want_pid, chapter, socket_opt);
}

const struct command command_verify = {
	.name = "verify",
	.run = cmd_verify,
	.usage = VERIFY_USAGE,
	.summary = "check a lab you built by hand (your qemu, tap and guest), changing nothing",
	.opts = verify_opts,
};
