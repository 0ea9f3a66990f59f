/* The host uid each grading sandbox's script runs as: claimed by the
 * worker outside the jail before it builds one (runner/grade/sandbox.h),
 * one per sandbox on this host. */
#ifndef VLAB_GRADE_SANDBOX_UID_H
#define VLAB_GRADE_SANDBOX_UID_H

#include <stdbool.h>
#include <sys/types.h>

/* The scripts' host uids (and gids): SANDBOX_UID_BASE and up, one per
 * sandbox running on this host, whichever vlab runs it. Far above what any
 * distribution allocates: Debian's static and dynamic ranges end at 65535,
 * systemd's DynamicUser range at 65519, and systemd-nspawn's container range
 * is 524288..1879048191 (0x80000..0x6FFFFFFF); a claim also refuses a uid
 * that /etc/subuid or /etc/subgid delegate, that names a user or group, or
 * that a running process has. */
#define SANDBOX_UID_BASE 2046820352u  /* 0x7A000000 */
#define SANDBOX_UID_COUNT 1000

/* Claim a uid no other sandbox on this host holds: the first of the range
 * that is free of every other use (above) and whose abstract UNIX socket
 * "vlab-grade-uid-N" (in the host's network namespace: call this before
 * sandbox_start) can be bound. The kernel releases it when the last holder
 * of *fd dies, so a SIGKILLed grader frees it too; keep *fd open while the
 * uid is in use. -EBUSY when all are taken. root is "" (or a fake tree for
 * tests: its etc/subuid, etc/subgid and proc). */
int sandbox_claim_uid(const char *root, uid_t *uid, int *fd);
/* Whether uid lies in a range that etc/subuid or etc/subgid text delegates
 * (pure: "name:start:count" lines). */
bool sandbox_uid_delegated(const char *subid_text, uid_t uid);

#endif
