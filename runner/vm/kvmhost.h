/* The emulated KVM host: a TCG guest whose CPU has AMD-V with nested paging
 * (QEMU's -cpu max), in which kvm_amd loads, so that a machine without
 * /dev/kvm can still run KVM (chapters 4 and 5, by vlab or by hand).
 *
 * The machine: qemu -machine q35,accel=tcg -cpu max, 2 vCPUs, 2 GiB, the
 * default profile's vmlinux, and kvmhost-initrd.img with
 * kvmhost-modules.cpio.gz appended (one file, written to the run directory
 * at each start; the kernel unpacks both archives). Always TCG: KVM on an
 * Intel host would give the guest VMX, and on AMD hosts the point is a
 * machine without KVM anyway.
 *
 * What it sees of the host (runner/vm/kvmhost_plan.h decides): /usr, /etc
 * and the root's other directories, or its symlinks as they are (/bin ->
 * usr/bin on Debian 12), the working directory, vlab's binary's directory,
 * the image directory and vlab's cache, each over virtio-9p, read-only, at
 * the same path as on the host; /usr under a tmpfs overlay so that the
 * emulated kernel's module tree can be bound at /lib/modules/VERSION. One
 * directory is writable: RUN/guest (the plan, argv, env and status files,
 * and runs/). The host's /proc, /sys, /dev and /run are never shared. Not
 * the run directory itself: its ledger ("resources") tells `vlab clean`
 * what to kill and remove, and code inside runs as root there. An inner
 * vlab's runs go to /run/vlab, a tmpfs inside (qemu's sockets cannot be
 * bound on 9p), and the agent copies them into RUN/guest/runs at the end
 * (directories and regular files, no links, 512 MiB at most).
 *
 * How things cross:
 *   the command    RUN/guest/argv, NUL-separated, written before the boot;
 *                  the agent execs it as is (no shell); env and the plan's
 *                  agent lines (cwd, mode, winsize) beside it
 *   its output     virtio-serial ports vlab.out and vlab.err (no tty, so
 *                  isatty() is false as in a pipe), relayed by vlab to the
 *                  caller's fds; with `shell`, the virtconsole vlab.tty
 *                  (/dev/hvc0), a tty, relayed in raw mode
 *   its status     RUN/guest/status ("exit N", "signal N", "notrun ERRNO"),
 *                  written by the agent (tmp + rename, fsync) before the
 *                  power-off, read by vlab as an untrusted file
 *                  (read_untrusted_at: O_NOFOLLOW, regular, capped)
 *   a stop         a byte on the vlab.ctl port; the agent sends that
 *                  signal to the command's process group; 'S' the other
 *                  way says the command runs (the boot is over)
 *   the console    ttyS0 (kernel, /init, agent) into RUN/console.log;
 *                  qemu's own stderr into RUN/qemu.log
 *
 * Inside, /init (assets/image/kvmhost-init) loads the modules, builds the
 * root and runs `vlab --kvmhost-agent RUN/guest` chrooted there
 * (kvmhost_agent_main); the agent runs the command and returns, and /init
 * powers off, so qemu exits.
 *
 * Stops: on a stop request vlab sends the signal (SIGINT, SIGTERM, SIGHUP)
 * and waits KVMHOST_STOP_GRACE_MS for the machine to power off after the
 * command ends, relaying what it still prints; then qemu is killed. qemu is
 * in the cleanup registry (its own process group, dying with vlab), as are
 * the sockets and the appended initramfs. */
#ifndef VLAB_KVMHOST_H
#define VLAB_KVMHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* after a stop was sent, how long the command has to end and the machine
 * to power off (an inner vlab tears down its own guests meanwhile) */
#define KVMHOST_STOP_GRACE_MS 15000
#define KVMHOST_MEM "2G"
#define KVMHOST_MEM_TEXT "2 GiB"
#define KVMHOST_CPUS 2
/* QEMU 7.2's emulated AMD-V can leave a CPU of the emulated host spinning
 * inside KVM while it runs a guest of its own (seen here: the inner qemu in
 * KVM_RUN for over ten minutes, the kernel reporting a soft lockup every
 * 30 s, a SIGKILL unable to reach it). The emulated host's kernel runs with
 * softlockup_panic=1, so a lockup ends the machine in tens of seconds, and
 * its console then holds this mark. */
#define KVMHOST_LOCKUP_MARK "soft lockup"

struct kvmhost_opts {
	const char *const *argv;  /* the command (argv[0] looked up in the inner PATH); NULL with shell */
	bool shell;               /* an interactive shell on this terminal instead */
	int out_fd, err_fd;       /* where the command's stdout and stderr go */
	int64_t boot_timeout_ms;  /* until the command runs */
	int64_t timeout_ms;       /* until it ends; 0: no limit */
	bool quiet;               /* no progress lines on stderr */
	const char *run_dir;      /* a run directory of the caller's (its ledger set): the
				   * files go into RUN_DIR/kvmhost; NULL: a new run of its own */
	const char *extra_manifest;  /* --manifest, or NULL */
	const char *extra_dir;    /* one more directory shared read-only (a chapter's
				   * --manifest's), or NULL */
	bool out_tty;             /* out_fd is a terminal: the command's stdout counts as one
				   * (kvmhost_env_in.out_tty) */
	const char *label;        /* how the ledger and `vlab status` name qemu; NULL:
				   * "qemu (emulated KVM host)" */
};

struct kvmhost_result {
	int status;           /* the command's, as a shell gives it (kvmhost_status_code);
			       * else EXIT_HOST (vlab could not run it: why says so), or
			       * 128+signal after a stop, 124 after the timeout */
	bool ran;             /* the command started */
	bool locked_up;       /* its kernel found a CPU stuck (a soft lockup) and
			       * powered the machine off: see KVMHOST_LOCKUP_MARK */
	bool ended_early;     /* the machine ended on its own before the command's
			       * exit status, with no lockup reported: the agent
			       * writes a status however the command ends, so the
			       * machine failed, not the command (seen once in make
			       * test: the console's last line the agent's start) */
	int64_t boot_ms;      /* qemu's start to the command's */
	int64_t command_ms;   /* the command's start to the machine's end */
	long qemu_maxrss_kb;  /* qemu's peak resident memory; 0: not known (killed) */
	char dir[4096];       /* where the console log, qemu.log and guest/ are */
	char why[1024];       /* vlab's own failure, one line */
};

/* Boot the emulated host, run o's command in it and wait for the end. The
 * command's output goes to o->out_fd/o->err_fd as it comes. Returns 0 when
 * the machine ran (res->status is then the command's); -errno with
 * res->why when it could not (no image, no qemu, a boot that failed or
 * timed out), -EINTR on a stop. */
int kvmhost_run_argv(const struct kvmhost_opts *o, struct kvmhost_result *res);

/* Whether the emulated host can start here: the default profile's kernel
 * and its two files of the emulated host present, qemu-system-x86_64 in
 * PATH (their checksums are checked at the start). 0, or -errno with why. */
int kvmhost_check(const char *extra_manifest, char *why, size_t n);

/* `vlab --kvmhost-agent RUNDIR`, inside the emulated host (kvmhost_agent.c). */
int kvmhost_agent_main(int argc, char **argv);

#endif
