/* Whether vlab grade's sandboxes can make their user namespace here: the
 * row "sandbox userns" of `vlab doctor`, judged (purely) from the content of
 * /proc/sys/kernel/apparmor_restrict_unprivileged_userns and a probe that
 * does what bubblewrap's --unshare-user does, as the unprivileged uid the
 * sandbox runs bwrap as (host_facts.c runs it in a child).
 *
 * Why: Ubuntu 23.10 and later (GitHub's ubuntu-24.04 runners among them) set
 * kernel.apparmor_restrict_unprivileged_userns=1. unshare(CLONE_NEWUSER)
 * still succeeds there, but AppArmor gives the namespace no capabilities, so
 * writing its uid_map is refused and bwrap stops with "setting up uid map:
 * Permission denied" (https://ubuntu.com/blog/ubuntu-23-10-restricted-unprivileged-user-namespaces).
 * vlab grade runs as root but drops to the sandbox's uid before bwrap, so
 * root does not escape it. */
#ifndef VLAB_SANDBOX_USERNS_H
#define VLAB_SANDBOX_USERNS_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/doctor/sandbox_userns_probe.h"

struct doctor_row;

/* The step's words, "writing its uid_map". */
const char *userns_step_name(enum userns_step s);

/* The row from the sysctl file's content (NULL: no such file, a kernel
 * without AppArmor's restriction) and the probe. Not essential: chapter 1
 * runs without it; vlab grade does not. */
void sandbox_userns_row(const char *apparmor_restrict, const struct sandbox_userns_probe *probe,
			struct doctor_row *r);

#endif
