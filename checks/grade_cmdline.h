/* The static checks `vlab grade` makes of the qemu command line a student's
 * script ran (recorded by the qemu shim before any change): each a pure
 * verdict on a parsed command line, with the student's own option text in
 * what it saw. */
#ifndef VLAB_CHECKS_GRADE_CMDLINE_H
#define VLAB_CHECKS_GRADE_CMDLINE_H

#include "checks/qemu_cmdline_verdicts.h"
#include "checks/verdict.h"

/* The lab's rootfs as its text names it (and `vlab handout` places it). */
#define LAB_ROOTFS_FILE "simple_alpine_rootfs1.ext4"

/* ch1.cmdline_kvm: -enable-kvm, -accel kvm or -machine accel=kvm. */
void check_grade_kvm(struct check_result *r, const struct qemu_cmdline *c);
/* ch1.cmdline_cpu_host: -cpu host (flags after it, "host,-x", allowed). */
void check_grade_cpu_host(struct check_result *r, const struct qemu_cmdline *c);
/* ch1.cmdline_memory: -m is 256 MiB in any spelling qemu takes. */
void check_grade_memory(struct check_result *r, const struct qemu_cmdline *c);
/* ch1.cmdline_virtio_blk: a virtio-blk device bound to a block node whose
 * file is the lab's rootfs (by name: rootfs_file, any directory). */
void check_grade_virtio_blk(struct check_result *r, const struct qemu_cmdline *c, const char *rootfs_file);
/* ch1.cmdline_serial_socket: isa-serial bound to a UNIX-socket chardev that
 * qemu serves. */
void check_grade_serial_socket(struct check_result *r, const struct qemu_cmdline *c);
/* ch2.cmdline_nic: an e1000 with mac 52:54:00:8b:99:de on a tap netdev tap0. */
void check_grade_nic(struct check_result *r, const struct qemu_cmdline *c);

#endif
