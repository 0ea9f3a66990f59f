/* A lab VM's life: its spec from the image profile (the lab's command, then
 * vlab's changes with their reasons), the overlay, spawning qemu, attaching
 * the serial console and QMP, logging in, and stopping it. */
#ifndef VLAB_VMRUN_H
#define VLAB_VMRUN_H

#include "runner/lab.h"

/* The lab's kernel command line (chapter 1 of the lab text). */
#define LAB_APPEND "root=/dev/vda loglevel=15 console=hvc0"

/* Fill vm->spec for the lab's command with this run's files and sockets
 * and the given NICs (none in chapter 1), record each change with its
 * reason, and build the argv. */
int vm_prepare(struct lab *lab, struct vm *vm, const char *name, const struct nic_spec *nics, int nnics);

/* Overlay, spawn, connect the serial console first (the login prompt must
 * not be lost), then QMP. -EPIPE when qemu exited (lab->blocked says how,
 * with the last lines of its stderr). */
int vm_start(struct lab *lab, struct vm *vm);
/* Just the overlay (vm_start makes it too), registered for removal. */
int vm_create_overlay(struct lab *lab, struct vm *vm);

/* Wait for "login:" within the boot deadline. */
int vm_wait_login(struct lab *lab, struct vm *vm);
/* Wait for every VM's "login:" within the boot deadline, reading all their
 * consoles all along: QEMU writes the serial port to its socket a byte at a
 * time, each queued byte costs 768 bytes of the socket's 208 KiB send buffer
 * (`ss -x`), so ~277 unread bytes stop the guest's UART, and a VM with NICs
 * prints ~500 before "login:" (chapter 3's second VM came ~3 s late while
 * vlab waited on the first: bench/RESULTS.md). -ETIMEDOUT, -EPIPE, -EINTR as
 * vm_wait_login; each VM's login_prompt_ms is set when seen. */
int vm_wait_logins(struct lab *lab, struct vm *const *vms, int n);

/* Log in as user (logging out first when someone else is logged in). */
int vm_login(struct lab *lab, struct vm *vm, const char *user, const char *password);

/* Run a guest command; output and status as console_run. On a failure
 * other than a stop, lab->blocked says the console stopped answering. */
int vm_run(struct lab *lab, struct vm *vm, const char *cmd, int64_t timeout_ms, struct strbuf *out, int *status);

/* QMP quit, then SIGTERM/SIGKILL; release sockets and the overlay. */
void vm_stop(struct lab *lab, struct vm *vm);

/* --manual: tell the student what to type (cmds, NULL-terminated), serve the
 * VM's console on RUNDIR/VM.console.sock until they press Enter, recording
 * what the guest printed, then give the whole transcript cleaned
 * (console_clean_output) in text. -EPIPE / -EINTR / other errors with
 * lab->blocked set. */
int vm_manual_session(struct lab *lab, struct vm *vm, const char *const *cmds, struct strbuf *text);
/* The same for n VMs at once (chapter 3's two): cmds[i] for vms[i], each
 * console served on RUNDIR/VM.console.sock, texts[i] its transcript. */
int vm_manual_sessions(struct lab *lab, struct vm *const *vms, const char *const *const *cmds, int n,
		       struct strbuf *texts);
void vm_release(struct vm *vm);
/* --keep: close vlab's connections, leave qemu running. */
void vm_detach(struct vm *vm);
/* Every chapter's teardown: each VM of the run stopped, or with --keep
 * detached and left running. */
void lab_vms_end(struct lab *lab);

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
int64_t lab_boot_timeout_ms(const struct lab *lab);
/* A deadline for guest commands, scaled for TCG. */
int64_t lab_cmd_timeout_ms(const struct lab *lab, int64_t kvm_ms);

#endif
