/* Chapter 1's verdicts: pure functions from parsed evidence to a verdict. */
#ifndef VLAB_CHECKS_CH1_H
#define VLAB_CHECKS_CH1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/guest_parse.h"
#include "checks/qmp_parse.h"
#include "checks/verdict.h"


/* ch1.qemu_running: the process lives and QMP says the VM runs.
 * exit_desc/stderr_tail describe a dead qemu (may be NULL). */
void check_qemu_running(struct check_result *r, bool alive, const char *qmp_status, bool qmp_running,
			const char *exit_desc, const char *stderr_tail);

/* ch1.memory_256m: QMP query-memory-size-summary's base-memory. */
void check_memory(struct check_result *r, uint64_t base_memory, uint64_t wanted);

/* ch1.rootfs_virtio_blk: the guest's "/" (from /proc/mounts) is ext4 on
 * /dev/vda, and QMP shows a virtio-blk PCI function and a block backend on a
 * virtio device whose image (or its backing file) is image_path. */
void check_rootfs_virtio_blk(struct check_result *r, const char *root_dev, const char *root_fstype,
			     const struct block_dev *blocks, size_t nblocks,
			     const struct pci_dev *pci, size_t npci, const char *image_path);

/* ch1.serial_login_root / ch1.serial_login_student: login_status is what the
 * console driver returned (0, -EACCES, -ETIMEDOUT, ...); id_output what
 * `id -un` printed after it. */
void check_login(struct check_result *r, const char *user, int login_status, const char *id_output,
		 const char *transcript);

/* ch1.only_loopback: `ip a s` in the guest shows lo and nothing else. */
void check_only_loopback(struct check_result *r, const struct ip_iface *ifs, int n);

/* ch1.serial_login_<user> of a session the student typed (--manual): the
 * console transcript shows `id -un` printing user. */
void check_transcript_login(struct check_result *r, const char *transcript, const char *user);

#endif
