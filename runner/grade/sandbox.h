/* The sandbox one graded submission runs in.
 *
 * Root prepares, bubblewrap binds. The grading worker (root, one process per
 * submission, runner/grade/submission_run.c) moves itself into a new mount and network
 * namespace and prepares, as root, everything that needs root:
 *
 *   ROOT/disk.img, mounted on ROOT/disk
 *                the sandbox's writable layer: a sparse file of --disk bytes
 *                made into ext4 and loop-mounted (runner/grade/scratch_disk.h), so
 *                a script that fills it gets ENOSPC and the host's disk
 *                gives no more than that. It holds:
 *     upper/     the overlay's upper layer (the rootfs copied up for qemu's
 *                writes counts here)
 *     shim/      the qemu shim's records, qemu's stderr and QMP socket
 *     tmp/, var-tmp/   the sandbox's /tmp and /var/tmp
 *   ROOT/sub     the submission, bind-mounted read-only
 *   ROOT/img     the image profile's directory, bind-mounted read-only
 *   ROOT/work    overlayfs: lower = img over sub, upper = disk/upper. The
 *                script's directory: its own files, the image's files (the
 *                lab's names are symlinks to the profile's when they differ;
 *                copies of them in the submission are set aside, so every
 *                submission boots the same guest), and whatever it writes.
 *                Neither the submission nor the image is ever written.
 *                With lab_rootfs2 (chapter 3's second VM), a copy of the
 *                image's rootfs under that name too, made in this layer.
 *   ROOT/bin     qemu-system-x86_64, sudo, ip and brctl: symlinks to vlab
 *                (the shims); vlab is bound over the host's ip and brctl
 *                in /usr too (a script that calls /sbin/ip meets the shim),
 *                the real ones on /run/vlab-real for what only shows
 *   ROOT/dev     a tmpfs with /dev/net/tun (and /dev/kvm under KVM) made
 *                with mknod, owned by the sandbox's uid, mode 0600: the
 *                host's own /dev/net/tun is never changed
 *   ROOT/sys     sysfs of the worker's network namespace (read-only)
 *   network      lo up; tap0 (owned by the sandbox's uid, so its qemu
 *                attaches without CAP_NET_ADMIN) up with 10.0.0.1/24: the
 *                lab's host side of chapter 2, done by vlab. With
 *                script_network, lo alone: the script builds the lab's
 *                links (chapter 3's taps and bridges) with ip and brctl,
 *                which the grader applies (runner/grade/net_agent.h)
 *   cgroup       memory, pids and a CPU share for the sandbox as a whole
 *                (runner/grade/cgroup.h), the launcher moved into it
 *   seccomp      the filter of runner/grade/seccomp_filter.h, compiled
 *
 * Then a launcher process joins the cgroup, sets hard limits (processes per
 * uid, CPU time, file size, no core files), drops to the sandbox's host uid
 * (setgroups none, setresgid, setresuid: never root on the host; bubblewrap
 * started by root would map the sandbox to host root), closes every other
 * descriptor and execs bwrap:
 *   - the script runs as uid 0 and gid 0 of a user namespace of its own that
 *     maps them to the sandbox's host uid and nothing else (the course's
 *     scripts check `id -u` for root); no capabilities; nested user
 *     namespaces disabled; new pid, IPC and UTS namespaces; a new session;
 *     killed with its parent;
 *   - its own root file system: /usr read-only (and the /bin, /lib links),
 *     what the script and qemu need of /etc, fresh /proc, a minimal /dev
 *     (bwrap's, a 64 MiB /dev/shm, ROOT/dev's tun and kvm), ROOT/sys on
 *     /sys, a 16 MiB tmpfs on /run, disk/tmp and disk/var-tmp on /tmp and
 *     /var/tmp, and, at the same absolute paths as outside (grading compares
 *     qemu's /proc cmdline, executable and socket paths with host paths),
 *     ROOT/work, disk/shim, ROOT/bin and vlab's binary. The host's /home,
 *     /root, /srv, /run, other submissions, other sandboxes and --out do not
 *     exist in it;
 *   - the seccomp filter.
 * Inside, vlab itself (`vlab --sandbox-init`), the pid namespace's init
 * (bwrap --as-pid-1: a script's kill of its parent cannot end the
 * sandbox, as the kernel keeps its own namespace's signals from an init),
 * reaps every orphan, forks the script (clean
 * environment whose PATH starts with ROOT/bin, stdin /dev/null, stdout and
 * stderr to one file), tells the worker its wait status over a pipe, and
 * stays, so a qemu the script left in the background runs on until the
 * worker ends the sandbox: SIGKILL to the pid namespace's init (vlab's,
 * named by --info-fd) kills everything in it, and the cgroup is killed
 * after it.
 */
#ifndef VLAB_SANDBOX_H
#define VLAB_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/grade/cgroup.h"
#include "runner/grade/sandbox_uid.h"


/* A sandbox's limits as a whole. Memory: qemu's -m 256M plus what qemu
 * itself takes under TCG (its code cache and the rest) plus the script; the
 * measured peak is in bench/RESULTS.md. Disk: the rootfs copied up (64 MiB
 * for the default image) and what the script writes. */
#define SANDBOX_MEMORY_DEFAULT (1ULL << 30)
#define SANDBOX_MEMORY_MIN (384ULL << 20)
/* The two-VM script's sandbox (chapter 3): two qemus of -m 256M under one
 * limit, twice one VM's. Measured: tests/integration/grade_two_vms.sh's
 * course submission under TCG (-j 2, 2 cores), both guests booted,
 * addressed, pinged and through both 3 s iperf3 runs (one after the
 * other, as grading ran them then), peaked at 436039680
 * bytes (416 MiB; its report's facts.two_vms.sandbox.memory_peak_bytes,
 * the cgroup's peak), about a fifth of the default 2 GiB; one VM's
 * sandbox peaks at 214 MB (bench/RESULTS.md). */
#define SANDBOX_MEMORY_TWO_VMS(one_vm) (2 * (one_vm))
#define SANDBOX_DISK_DEFAULT (1ULL << 30)
#define SANDBOX_DISK_MIN (128ULL << 20)
#define SANDBOX_PIDS 512

/* The path of the shim directory below a sandbox's ROOT. */
#define SANDBOX_SHIM_DIR "disk/shim"


#define SANDBOX_MAX_NOTES 6

struct sandbox_spec {
	const char *submission;   /* the student's directory (absolute) */
	const char *image_dir;    /* the profile's directory (absolute) */
	const char *kernel, *rootfs;      /* file names in image_dir */
	const char *lab_kernel, *lab_rootfs; /* the lab's names for them */
	const char *lab_rootfs2;  /* a second VM's rootfs: a copy of the image's under this name (a VM's
				   * own file: two qemus on one file collide on its write lock); NULL none */
	const char *root;         /* this submission's sandbox directory (made here, must not exist) */
	const char *script;       /* the file to run, in the submission: "runqemu_single_vm.sh" */
	int output_fd;            /* the script's stdout and stderr go here */
	const char *vlab_exe;     /* what the shims are */
	const char *bwrap;        /* bubblewrap's path */
	char *const *env;         /* the script's environment besides PATH/HOME (NULL-terminated; may be NULL) */
	uid_t uid;
	bool dev_kvm;             /* a /dev/kvm node in the sandbox */
	bool script_network;      /* no tap0 of vlab's: the script's ip and brctl changes are applied (net_fd) */
	int nproc;                /* RLIMIT_NPROC (hard) */
	int cpu_s;                /* RLIMIT_CPU (hard) */
	uint64_t fsize;           /* RLIMIT_FSIZE (hard), bytes */
	uint64_t disk_bytes;      /* the writable layer's size */
	const struct cgroup_host *cgroups;  /* where the sandbox's cgroup goes; NULL or CGROUP_NONE: none */
	const char *cgroup_parent;          /* "vlab-grade-RUNID" */
	const char *cgroup_name;            /* the submission's name */
	struct cgroup_limits limits;
};

struct sandbox {
	pid_t launcher;           /* bwrap, the worker's child; 0 none */
	pid_t init;               /* the pid namespace's init, as the worker sees it; 0 none */
	int status_fd;            /* the script's wait status arrives here */
	int shim_fd;              /* the qemu shim's channel (shim.h SHIM_FD_ENV), with SO_PASSCRED */
	int net_fd;               /* the ip and brctl shims' channel (SHIM_NET_FD_ENV), with SO_PASSCRED: for net_agent_start */
	int cleanup;              /* registry handle of the launcher */
	unsigned long pidns;      /* the pid namespace's inode */
	char work[4096];          /* ROOT/work */
	char shim_dir[4096];      /* ROOT/disk/shim */
	char root[4096];          /* ROOT */
	bool script_exited;
	int script_status;
	struct cgroup cgroup;
	char uid_map[64];         /* /proc/INIT/uid_map as the host reads it: "0 HOST_UID 1" */
	uint64_t memory_peak;     /* the cgroup's peak, read at the stop */
	bool memory_hit;          /* the cgroup's memory limit was reached */
	char notes[SANDBOX_MAX_NOTES][256];  /* what was adapted: "alpine-bzImage is the image's vmlinux" */
	int nnotes;
};

/* Prepare and start (see above). Must run in a process of its own (it moves
 * that process into new namespaces for good). On error err says what and
 * the sandbox holds nothing running. */
int sandbox_start(const struct sandbox_spec *spec, struct sandbox *sb, char *err, size_t errlen);
/* The next message on the shim's channel, without waiting: 0 and the
 * record number and the sender's pid (the kernel's word, as this process
 * numbers pids) when there is one; -EAGAIN none yet; -EINVAL a message
 * that is not a shim's ("qemu-N"). */
int sandbox_shim_announcement(struct sandbox *sb, int *seq, pid_t *pid);
/* Let the announcing shim go on. */
void sandbox_shim_answer(struct sandbox *sb);
/* Has the script exited? (Its status in sb->script_status once it has.) */
bool sandbox_script_exited(struct sandbox *sb);
/* End the script and everything it started (SIGKILL to the namespace's
 * init, then the cgroup); *left: processes of the namespace still there 2 s
 * later (0). Then the overlay, the binds and the disk are detached. */
int sandbox_stop(struct sandbox *sb, int *left);

/* The launcher's pieces (sandbox_launch.c), for sandbox_start and tests. */
/* bwrap's command line for the sandbox below root (NULL-terminated, every
 * string allocated): what sandbox_start runs, for tests to read. */
char **sandbox_bwrap_argv(const struct sandbox_spec *spec, const char *root);
/* The script's environment: PATH starting with bin (the shims), HOME the
 * work directory, the shim's channel, then spec->env. */
char **sandbox_env(const struct sandbox_spec *spec, const char *bin, const char *work);
void sandbox_strv_free(char **v);
/* In the forked launcher: join cg, take the descriptors bwrap is told of
 * (the rest closed), set the hard limits, drop to spec->uid, exec argv.
 * Never returns. */
void sandbox_launch(const struct sandbox_spec *spec, const struct cgroup *cg, char **argv, char **envp, int status_w,
		    int info_w, int seccomp_fd, int shim_fd, int net_fd) __attribute__((noreturn));
/* bwrap's --info-fd: {"child-pid": N, ...}, N the pid namespace's init;
 * 0 when it did not come within timeout_ms. */
pid_t sandbox_read_child_pid(int fd, int64_t timeout_ms);


#endif
