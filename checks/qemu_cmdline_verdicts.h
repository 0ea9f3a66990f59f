/* Verdicts on a qemu command line's static shape (what a grader reading the
 * student's runqemu_single_vm.sh would check) against the lab's VM, and the
 * differences from the lab's command that no check fails. Pure. */
#ifndef VLAB_CHECKS_QEMU_CMDLINE_VERDICTS_H
#define VLAB_CHECKS_QEMU_CMDLINE_VERDICTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/lab_plan.h"
#include "checks/qemu_devices.h"
#include "checks/verdict.h"

/* One difference's sentence, at most (with its NUL). */
#define QEMU_DIFFERENCE_MAX 384

/* Differences from the lab's command that no check fails (the accelerator,
 * -cpu, -initrd, console=, the disk's form, the serial's spelling), one
 * sentence each naming the option, at most max; returns how many there are. */
size_t qemu_cmdline_differences(const struct qemu_cmdline *c, char out[][QEMU_DIFFERENCE_MAX], size_t max);

/* The value of key= in a kernel command line (-append), NULL when absent;
 * *len its length. The last one counts, as in the kernel. */
const char *append_param(const char *line, const char *key, size_t *len);

/* ---- verdicts (the command line's part of each check) ---- */

/* ch1.qemu_running: the process is a VM of the lab: it boots a kernel
 * (-kernel) and was not started paused (-S) unless qmp_running says it runs
 * now (qmp_status NULL: no QMP answer). state is /proc/PID/stat's state
 * letter ('T' stopped, 'Z' exited; 0 unknown). */
void check_cmdline_lab_vm(struct check_result *r, const struct qemu_cmdline *c, int pid, char state,
			  const char *qmp_status, bool qmp_running);

/* ch1.memory_256m: -m asks for wanted bytes. */
void check_cmdline_memory(struct check_result *r, const struct qemu_cmdline *c, uint64_t wanted);

/* ch1.rootfs_virtio_blk: a virtio-blk device bound to a disk with a file,
 * and root=/dev/vda (when -append names a root=); then, when root_dev is
 * not NULL, the guest's / (from /proc/mounts) is ext4 on /dev/vda. When the
 * guest was not asked, not_read says why ("the console is held by ..."). */
void check_cmdline_rootfs(struct check_result *r, const struct qemu_cmdline *c, const char *root_dev,
			  const char *root_fstype, const char *not_read);

/* The serial port verdict shared by ch1.serial_login_root and _student:
 * true when there is a socket to log in through; else a FAIL in r. */
bool check_cmdline_serial(struct check_result *r, const struct qemu_cmdline *c);

/* ch1.only_loopback: the command gives the VM no NIC. */
void check_cmdline_no_nic(struct check_result *r, const struct qemu_cmdline *c);

/* ch2.nic_mac: a NIC of model with mac on a tap backend named ifname (the
 * lab's: e1000, 52:54:00:8b:99:de, tap0). */
void check_cmdline_nic(struct check_result *r, const struct qemu_cmdline *c, const char *model, const char *mac,
		       const char *ifname);

#endif
