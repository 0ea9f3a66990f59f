/* The shims `vlab grade` puts first on a student's script's PATH: vlab
 * itself under the names qemu-system-x86_64 and sudo (main() dispatches on
 * argv[0]).
 *
 * qemu-system-x86_64: records the command line exactly as the script wrote
 * it (what the static checks judge), then adapts it for this host and the
 * grader, saying why for each change, and execs the real qemu:
 *   - where the host has no KVM a standard guest boots on (grading decides,
 *     VLAB_SHIM_ACCEL=tcg), -enable-kvm / -accel kvm / accel=kvm become TCG
 *     and -cpu host becomes -cpu max (host exists only under KVM);
 *   - an -initrd for a kernel that needs one (VLAB_SHIM_INITRD), when the
 *     command has none;
 *   - a QMP socket in the record directory, for the grader's checks;
 *   - qemu's stderr to a file of its own in the record directory.
 * The record is VLAB_SHIM_DIR/qemu-N.json (N = 1, 2, ... in the order the
 * script started them): {"argv": [...], "exec_argv": [...], "changes":
 * [{"what", "why"}], "qmp": PATH, "stderr": PATH, "cwd": DIR, "pid": PID in
 * the sandbox's pid namespace}; its QMP socket is qmp-N.sock and its stderr
 * qemu-N.stderr beside it, named by the same N. The real qemu is
 * VLAB_SHIM_QEMU.
 *
 * ip, brctl (shim_net.c): the network commands of a script (the course's
 * runqemu_two_vms.sh makes its taps and bridges with them), parsed by
 * checks/net_cmd.h. Each is recorded as VLAB_SHIM_DIR/net-N.json ({"argv",
 * "class": "change" | "read-only" | "refused", "ops": [{"op", "name",
 * "bridge", "address"}], "refused", "outcome": {"status", "message"}, "pid"}),
 * N = 1, 2, ... in the order they ran. What only shows (ip link show, ip a,
 * brctl show) runs the real program (VLAB_SHIM_REAL_IP, _BRCTL): it needs no
 * privilege. A change, where SHIM_NET_MODE_ENV is SHIM_NET_SCRIPT, goes to
 * the grader (runner/grade/net_agent.h), which applies it in the sandbox's
 * network namespace and answers with ip's or brctl's own status and words;
 * elsewhere (chapters 1-2: tap0 is vlab's) and for what is not the lab's,
 * the shim says "vlab: refused: WHY" and ends with status 1.
 *
 * sudo: the sandbox has no root to give; it runs its command as is (its
 * -E, -H, -n and -- are accepted and ignored), so `sudo qemu-system-x86_64`
 * still reaches the qemu shim.
 */
#ifndef VLAB_SHIM_H
#define VLAB_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#define SHIM_QEMU_NAME "qemu-system-x86_64"
#define SHIM_SUDO_NAME "sudo"
#define SHIM_IP_NAME "ip"
#define SHIM_BRCTL_NAME "brctl"

#define SHIM_MAX_CHANGES 8

/* The descriptor of the grader's channel (a SOCK_SEQPACKET socket): after
 * publishing record N the shim sends "qemu-N" on it, and the grader takes
 * the sender's pid from the kernel (SO_PASSCRED) to know the record is a
 * shim's and which process it is. */
#define SHIM_FD_ENV "VLAB_SHIM_FD"

/* The network commands' own channel (a SOCK_SEQPACKET socket, SO_PASSCRED
 * on the grader's end): "net-N" with one descriptor (SCM_RIGHTS), a socket
 * of the shim's on which the grader answers "STATUS\nMESSAGE"; N is 0 for
 * a command the shim could not record. */
#define SHIM_NET_FD_ENV "VLAB_SHIM_NET_FD"
/* "script": the grader applies the script's changes on the lab's links;
 * "vlab": vlab made tap0 and nothing of the script's is applied. */
#define SHIM_NET_MODE_ENV "VLAB_SHIM_NET"
#define SHIM_NET_SCRIPT "script"
#define SHIM_NET_VLAB "vlab"
#define SHIM_NET_REAL_IP_ENV "VLAB_SHIM_REAL_IP"
#define SHIM_NET_REAL_BRCTL_ENV "VLAB_SHIM_REAL_BRCTL"
#define SHIM_NET_MAX_RECORDS 999
#define SHIM_NET_REPLY_MAX 512
#define SHIM_NET_WAIT_MS 10000

struct shim_config {
	bool to_tcg;            /* the host cannot boot the guest under KVM */
	const char *tcg_why;    /* the reason, for the record */
	const char *initrd;     /* add -initrd this when the command has none; NULL: never */
	const char *qmp_path;   /* add -qmp unix:this,server=on,wait=off; NULL: none */
	bool e1000_link_at_once; /* add -global e1000.autonegotiation=off to a command with an e1000 */
};

struct shim_change {
	char what[160];
	char why[256];
};

struct shim_result {
	char **argv;            /* NULL-terminated, malloc'd strings */
	int argc;
	struct shim_change changes[SHIM_MAX_CHANGES];
	int nchanges;
};

/* The argv to exec for argv[0..argc) under cfg (argv[0] kept). Pure. */
void shim_adapt(const char *const *argv, int argc, const struct shim_config *cfg, struct shim_result *out);
void shim_result_release(struct shim_result *r);

/* The argv[0] dispatch: true when name (a path's last part) is a shim's. */
bool shim_name(const char *argv0, const char **which);
/* The shims' mains (they exec, or return an exit status on error). */
int shim_qemu_main(int argc, char **argv);
int shim_sudo_main(int argc, char **argv);
int shim_net_main(int argc, char **argv) __attribute__((noreturn));

#endif
