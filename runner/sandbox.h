/* The sandbox one graded submission runs in.
 *
 * The grading worker (root, one process per submission, runner/grade.c)
 * moves itself into a new mount and network namespace and prepares:
 *
 *   ROOT/sub     the submission, bind-mounted read-only
 *   ROOT/img     the image profile's directory, bind-mounted read-only
 *   ROOT/work    overlayfs: lower = img over sub, upper = ROOT/upper. The
 *                script's directory: its own files, the image's files
 *                (the lab's names are symlinks to the profile's when they
 *                differ; copies of them in the submission are set aside, so
 *                every submission boots the same guest), and whatever it
 *                writes, which lands in the upper
 *                layer: neither the submission nor the image is ever written
 *                (the rootfs qemu opens read-write is copied up per run)
 *   ROOT/shim    the qemu shim's records and qemu's stderr (the script's uid
 *                may write here)
 *   ROOT/bin     qemu-system-x86_64 and sudo: symlinks to vlab (the shims)
 *   network      lo up; tap0 (owned by the script's uid, so its qemu attaches
 *                without CAP_NET_ADMIN) up with 10.0.0.1/24: the lab's host
 *                side of chapter 2, done by vlab
 *
 * Then a new pid namespace: its init (the worker's child, its own process
 * group, killed with the worker: PR_SET_PDEATHSIG) makes a mount namespace of
 * its own with a fresh /proc (the script sees its own processes only), a
 * fresh read-only /sys (the links it lists are the sandbox's) and a
 * private /dev (null, zero, full, random, urandom, tty, net/tun mode 0666,
 * kvm where the guest runs under KVM), and starts the
 * script: a new session, the unprivileged uid:gid (setgroups none,
 * setresgid, setresuid, no_new_privs), hard limits on processes
 * (RLIMIT_NPROC, per uid: each sandbox has a uid of its own), CPU time and
 * file size, no core files, a clean environment whose PATH starts with
 * ROOT/bin, stdout and stderr to one file. The worker enforces the wall time.
 * The init reaps everything, tells the worker the script's wait status over
 * a pipe, and stays until the worker kills it: SIGKILL to a pid namespace's
 * init kills every process in it, which is how the script and everything it
 * started end. Never root in the host's namespaces: the script's uid is not
 * 0 and holds no capabilities anywhere.
 */
#ifndef VLAB_SANDBOX_H
#define VLAB_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The scripts' uids (and gids): SANDBOX_UID_BASE and up, one per sandbox
 * running on this host, whichever vlab runs it. Unused by Debian (its
 * dynamic range ends at 59999; 65534 is nobody). */
#define SANDBOX_UID_BASE 64000
#define SANDBOX_UID_COUNT 1000

/* Claim a uid no other sandbox on this host holds: the first of the range
 * whose abstract UNIX socket "vlab-grade-uid-N" (in the host's network
 * namespace: call this before sandbox_start) can be bound. The kernel
 * releases it when the last holder of *fd dies, so a SIGKILLed grader
 * frees it too; keep *fd open (the sandbox's init inherits it) while the
 * uid is in use. -EBUSY when all are taken. */
int sandbox_claim_uid(uid_t *uid, int *fd);

#define SANDBOX_MAX_NOTES 4

struct sandbox_spec {
	const char *submission;   /* the student's directory (absolute) */
	const char *image_dir;    /* the profile's directory (absolute) */
	const char *kernel, *rootfs;      /* file names in image_dir */
	const char *lab_kernel, *lab_rootfs; /* the lab's names for them */
	const char *root;         /* this submission's sandbox directory (made here, must not exist) */
	const char *script;       /* the file to run, in the submission: "runqemu_single_vm.sh" */
	int output_fd;            /* the script's stdout and stderr go here */
	const char *vlab_exe;     /* what the shims are */
	char *const *env;         /* the script's environment besides PATH/HOME (NULL-terminated; may be NULL) */
	uid_t uid;
	bool dev_kvm;             /* a /dev/kvm node in the sandbox */
	int nproc;                /* RLIMIT_NPROC (hard) */
	int cpu_s;                /* RLIMIT_CPU (hard) */
	uint64_t fsize;           /* RLIMIT_FSIZE (hard), bytes */
};

struct sandbox {
	pid_t init;               /* the pid namespace's init, as the worker sees it; 0 none */
	int status_fd;            /* its pipe: the script's wait status */
	int cleanup;              /* registry handle of init */
	unsigned long pidns;      /* the pid namespace's inode */
	char work[4096];          /* ROOT/work */
	char shim_dir[4096];      /* ROOT/shim */
	char root[4096];          /* ROOT */
	bool script_exited;
	int script_status;
	char notes[SANDBOX_MAX_NOTES][200];  /* what was adapted: "alpine-bzImage is the image's vmlinux" */
	int nnotes;
};

/* Prepare and start (see above). Must run in a process of its own (it moves
 * that process into new namespaces for good). On error err says what and
 * the sandbox holds nothing running. */
int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen);
/* Has the script exited? (Its status in sb->script_status once it has.) */
bool sandbox_script_exited(struct sandbox *sb);
/* The pid, as this process sees it, of the sandbox's process whose pid in
 * the sandbox is inner_pid; 0 when there is none. */
pid_t sandbox_host_pid(const struct sandbox *sb, pid_t inner_pid);
/* End the script and everything it started (SIGKILL to the namespace's
 * init); *left: processes of the namespace still there 2 s later (0). Then
 * sandbox_unmount(). */
int sandbox_stop(struct sandbox *sb, int *left);
/* Detach the overlay and the binds (idempotent), so ROOT can be removed. */
int sandbox_unmount(struct sandbox *sb);

#endif
