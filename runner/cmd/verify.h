/* `vlab verify [N]`: the student's self-check of a lab built by hand
 * (chapters 1 and 2): their own qemu, tap and guest, read from the outside,
 * judged with the same check ids as `vlab chapter N`, and left exactly as
 * found.
 *
 *   find qemu ──▶ its command ──▶ who holds ──▶ host side, in ──▶ QMP? ──▶ console? ──▶ report
 *   (/proc)       line, cwd,      the console   qemu's netns      (only     (free: log in, read,
 *                 fds, state      (/proc)       (tap, ICMP, HTTP) if -qmp)  log out; open shell: read)
 *
 * What it reads, and why it changes nothing:
 *  - The qemu: every /proc/PID whose argv[0] is qemu-system-* (or qemu-kvm).
 *    qemus that vlab itself started (their serial socket sits in a vlab run
 *    directory, beside its "resources" ledger) are left out unless --pid
 *    names one. Several left: exit 2, listing them, to pick one with --pid.
 *    None: exit 3 with one line saying how to start the lab's VM.
 *  - The command line (checks/qemu_cmdline.c): memory, accelerator, -cpu,
 *    disks, serial port, NICs and their backends, QMP. A difference that
 *    fails a check is named in that check with the student's own option
 *    text ("`-m 512M` gives the guest 512 MiB; the lab asks for 256 MiB");
 *    differences no check minds (TCG instead of KVM, -initrd,
 *    console=ttyS0, a qcow2 overlay) are listed apart in the text and as
 *    "differences" in JSON.
 *  - The host side, in the network namespace qemu runs in: qemu's
 *    `-netdev tap,ifname=tap0` opens the tap in its own namespace (TRIAL-NOTES),
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
 * vlab waits up to 1 s for qemu to accept it; until qemu does, the peer of
 * vlab's socket is an embryo in the backlog, which has no inode
 * (sock_diag UNIX_DIAG_PEER says 0). Not accepted: vlab closes before it
 * sends a byte (an Enter left in the backlog would reach the guest when
 * the holder leaves). Accepted: one Enter, and a login prompt or a shell
 * prompt must answer within 1.5 s (a second Enter, 1.5 s more); anything
 * else is "busy" (a program in the foreground) or "silent".
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
 * Check ids, as `vlab chapter N` has them (verify N reports chapters 1..N,
 * one report object each; JSON is always an array):
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
 * text|json|junit|tap, --quiet. Exit status: 0 every check passed or
 * skipped, 1 a check failed, 2 usage (or several qemus and no --pid), 3 no
 * qemu of the lab, 4 vlab broke.
 */
#ifndef VLAB_CMD_VERIFY_H
#define VLAB_CMD_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


#define VERIFY_USAGE "[N] [--pid PID]... [--socket PATH] [--iperf-e1000 FILE] [--iperf-virtio FILE] [--format FORMAT] [--quiet]"
#define VERIFY_SUMMARY "check a lab you built by hand (your qemu, tap and guest), changing nothing"
#define VERIFY_OPTIONS                                                                                      \
	"  N                       the chapter to check (1, 2 or 3; default: 2 when your qemu has a NIC)\n"  \
	"  --pid PID               the qemu to check, when several run (chapter 3: VM1's, then VM2's)\n"     \
	"  --iperf-e1000 FILE      chapter 3: what iperf3 -c printed in VM1 over the e1000 link (text or -J)\n" \
	"  --iperf-virtio FILE     chapter 3: the same over the virtio-net link\n"                        \
	"  --socket PATH           its serial socket (default: the path= of the chardev isa-serial uses)\n" \
	"  --format FORMAT         text, json, junit or tap (default text)\n"                               \
	"  --quiet                 only the checklist\n"

int cmd_verify(int argc, char **argv);

#endif
