/* The verdicts of chapters 1 and 2 on a lab built by hand (its facts,
 * checks/lab_facts.h), for the check ids `vlab chapter N` uses. Pure: no
 * I/O. */
#ifndef VLAB_CHECKS_HANDBUILT_LAB_H
#define VLAB_CHECKS_HANDBUILT_LAB_H

#include <stddef.h>

#include "checks/lab_facts.h"
#include "checks/verdict.h"

/* The check of checks[0..n) with this id, NULL when none has it. */
struct check_result *check_find(struct check_result *checks, size_t n, const char *id);

/* Each check's verdict of chapters 1 and 2, on the facts: the command line
 * first, then what QMP, the guest and the host side said. The check
 * registry's rows point at them (checks/check_registry.h's on_lab), and
 * check_registry_judge_lab() runs those of a list of checks. Each writes r,
 * whose id is the row's. */
void handbuilt_qemu_running(struct check_result *r, const struct lab_facts *f);
void handbuilt_memory_256m(struct check_result *r, const struct lab_facts *f);
void handbuilt_rootfs_virtio_blk(struct check_result *r, const struct lab_facts *f);
void handbuilt_login_root(struct check_result *r, const struct lab_facts *f);
void handbuilt_login_student(struct check_result *r, const struct lab_facts *f);
void handbuilt_only_loopback(struct check_result *r, const struct lab_facts *f);
void handbuilt_tap_up(struct check_result *r, const struct lab_facts *f);
void handbuilt_nic_mac(struct check_result *r, const struct lab_facts *f);
void handbuilt_guest_ip(struct check_result *r, const struct lab_facts *f);
void handbuilt_ping_guest_to_host(struct check_result *r, const struct lab_facts *f);
void handbuilt_ping_host_to_guest(struct check_result *r, const struct lab_facts *f);
void handbuilt_http_200(struct check_result *r, const struct lab_facts *f);

#endif
