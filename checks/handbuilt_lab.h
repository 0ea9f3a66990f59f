/* The verdicts of chapters 1 and 2 on a lab built by hand (its facts,
 * checks/lab_facts.h), with the check ids `vlab chapter N` uses. Each
 * writes into the check of checks[0..n) whose id is its own, and leaves a
 * check the array lacks alone. Pure: no I/O. */
#ifndef VLAB_CHECKS_HANDBUILT_LAB_H
#define VLAB_CHECKS_HANDBUILT_LAB_H

#include <stddef.h>

#include "checks/lab_facts.h"
#include "checks/verdict.h"

/* The check of checks[0..n) with this id, NULL when none has it. */
struct check_result *check_find(struct check_result *checks, size_t n, const char *id);

/* ch1.qemu_running, ch1.memory_256m, ch1.rootfs_virtio_blk, the two serial
 * logins, ch1.only_loopback: the command line first, then what QMP and the
 * guest said. */
void lab_verdict_ch1(const struct lab_facts *f, struct check_result *checks, size_t n);

/* ch2.tap_up, ch2.nic_mac, ch2.guest_ip, both pings, ch2.http_200. */
void lab_verdict_ch2(const struct lab_facts *f, struct check_result *checks, size_t n);

#endif
