/* A lab VM's life: its spec from the image profile (the lab's command, then
 * vlab's changes with their reasons), the overlay, spawning qemu, attaching
 * the serial console and QMP, logging in, and stopping it.
 *
 * The VM layer sees a run only through struct vm_run_ctx: the lab (lab.h)
 * makes one from its own state for each call (lab_vm_ctx) and keeps the
 * chapters' names (vm_prepare, vm_start, ...) as its own functions; vlab
 * doctor's boot probe fills its own (runner/doctor/host_facts.c). */
#ifndef VLAB_VMRUN_H
#define VLAB_VMRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/host/host.h"
#include "runner/util.h"
#include "runner/fetch/image.h"
#include "runner/vm/vm.h"

struct console;
struct qmp;

struct vm {
	char name[16];              /* "vm1" */
	struct vm_spec spec;
	struct vm_argv argv;
	char *lab_command;          /* the lab's own line for the same VM (display) */
	pid_t pid;                  /* > 0 running; < 0 exited (and reaped); 0 never started */
	char exit_desc[96];         /* how it exited, once it has */
	int pid_handle;             /* cleanup registry handles, -1 none */
	int overlay_handle, serial_handle, qmp_handle;
	char *overlay, *serial_path, *qmp_path, *stderr_path, *transcript_path;
	struct console *con;
	struct qmp *qmp;
	int64_t spawned_ms;
	int64_t login_prompt_ms;    /* when "login:" was first seen; 0: not yet */
	bool at_login_prompt;       /* vm_wait_login(s) saw "login:" and nothing was typed since */
	char logged_in_as[32];      /* "" when at a login prompt or unknown */
};

/* A file a run leaves for the student (the report lists them). */
#define LAB_MAX_ARTIFACTS 8
struct artifact {
	const char *name;           /* static: "vm1.console" */
	char *path;
};
/* name -> a copy of path into list (n entries): a name already there
 * takes the later path (the report keys artifacts by name, so it showed
 * only the last anyway), so a chapter that starts VMs again step after
 * step (chapter 4's exits step: console and qemu_log twice) cannot fill
 * the list with repeats and drop a later file. Beyond LAB_MAX_ARTIFACTS
 * distinct names, more are dropped. */
void artifact_add(struct artifact *list, int *n, const char *name, const char *path);

/* What the VM layer needs of a run. */
struct vm_run_ctx {
	const char *run_dir;        /* each VM's sockets, overlay and logs go here */
	const struct image *image;  /* the profile's kernel, rootfs, command line */
	const struct accel_decision *accel; /* KVM or TCG, and why */
	bool keep;                  /* --keep: qemu outlives vlab */
	int64_t boot_timeout_ms;    /* --boot-timeout; 0: by accelerator */
	char *blocked;              /* where to say why the run cannot go on */
	size_t blocked_len;
	struct artifact *artifacts; /* the run's artifact list, *nartifacts long */
	int *nartifacts;
	/* its artifacts carry "vm2." (chapter 3's second VM); every other VM's
	 * are the plain names chapters 1 and 2 report */
	const struct vm *second_vm;
};

/* The lab's kernel command line (chapter 1 of the lab text). */
#define LAB_APPEND "root=/dev/vda loglevel=15 console=hvc0"

/* Fill vm->spec for the lab's command with this run's files and sockets
 * and the given NICs (none in chapter 1), record each change with its
 * reason, and build the argv. */
int vmrun_prepare(const struct vm_run_ctx *run, struct vm *vm, const char *name, const struct nic_spec *nics,
		  int nnics);

/* Overlay, spawn, connect the serial console first (the login prompt must
 * not be lost), then QMP. -EPIPE when qemu exited (run->blocked says how,
 * with the last lines of its stderr). */
int vmrun_start(const struct vm_run_ctx *run, struct vm *vm);
/* Just the overlay (vmrun_start makes it too), registered for removal. */
int vmrun_create_overlay(const struct vm_run_ctx *run, struct vm *vm);

/* Wait for "login:" within the boot deadline. */
int vmrun_wait_login(const struct vm_run_ctx *run, struct vm *vm);
/* Wait for every VM's "login:" within the boot deadline, reading all their
 * consoles all along: QEMU writes the serial port to its socket a byte at a
 * time, each queued byte costs 768 bytes of the socket's 208 KiB send buffer
 * (`ss -x`), so ~277 unread bytes stop the guest's UART, and a VM with NICs
 * prints ~500 before "login:" (chapter 3's second VM came ~3 s late while
 * vlab waited on the first: bench/RESULTS.md). -ETIMEDOUT, -EPIPE, -EINTR as
 * vmrun_wait_login; each VM's login_prompt_ms is set when seen. */
int vmrun_wait_logins(const struct vm_run_ctx *run, struct vm *const *vms, int n);

/* Log in as user (logging out first when someone else is logged in). */
int vmrun_login(const struct vm_run_ctx *run, struct vm *vm, const char *user, const char *password);

/* Run a guest command; output and status as console_run. On a failure
 * other than a stop, run->blocked says the console stopped answering. */
int vmrun_run(const struct vm_run_ctx *run, struct vm *vm, const char *cmd, int64_t timeout_ms,
	      struct strbuf *out, int *status);

/* QMP quit, then SIGTERM/SIGKILL; release sockets and the overlay. */
void vmrun_stop(struct vm *vm);

/* Where --manual serves the VM's console: RUNDIR/VM.console.sock
 * (malloc'd). */
char *vmrun_relay_path(const struct vm_run_ctx *run, const struct vm *vm);
/* --manual, once the student knows what to type: serve each VM's console
 * on its vmrun_relay_path until they press Enter, recording what the guest
 * printed, then give each whole transcript cleaned (console_clean_output)
 * in texts[i]. -EPIPE / -EINTR / other errors with run->blocked set. */
int vmrun_relay_until_enter(const struct vm_run_ctx *run, struct vm *const *vms, int n, struct strbuf *texts);

void vm_release(struct vm *vm);
/* --keep: close vlab's connections, leave qemu running. */
void vm_detach(struct vm *vm);

bool vm_alive(struct vm *vm);

/* A guest command listing each interface as "NAME MAC DRIVER" (sysfs: the
 * driver is the name of the device/driver link), to find NICs by MAC. */
#define VM_LIST_NICS_CMD                                                                                 \
	"for i in /sys/class/net/*; do d=$(readlink $i/device/driver); "                                 \
	"echo \"${i##*/} $(cat $i/address) ${d##*/}\"; done"
/* The -cpu to retry with when qemu's stderr shows it could not start this
 * CPU model on this KVM (malloc'd), or NULL when there is nothing to try. */
char *vm_cpu_fallback(const char *cpu, const char *qemu_stderr);
/* The last n lines of qemu's stderr (malloc'd, "" when none). */
char *vm_stderr_tail(const struct vm *vm, int n);
/* The boot deadline: --boot-timeout, else 30 s under KVM, 90 s under TCG. */
int64_t vmrun_boot_timeout_ms(const struct vm_run_ctx *run);
/* A deadline for guest commands, scaled for TCG. */
int64_t vmrun_cmd_timeout_ms(const struct vm_run_ctx *run, int64_t kvm_ms);

#endif
