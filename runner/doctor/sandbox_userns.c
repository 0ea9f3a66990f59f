/* The row "sandbox userns" of vlab doctor; see sandbox_userns.h. */
#include "runner/doctor/sandbox_userns.h"

#include <stdio.h>
#include <string.h>

#include "runner/doctor/doctor_row.h"
#include "runner/util.h"

#define SET(r, field, ...) text_printf((r)->field, sizeof((r)->field), __VA_ARGS__)

#define SYSCTL "kernel.apparmor_restrict_unprivileged_userns"

const char *userns_step_name(enum userns_step s)
{
	switch (s) {
	case USERNS_STEP_DROP:
		return "dropping to the sandbox's uid";
	case USERNS_STEP_UNSHARE:
		return "unshare(CLONE_NEWUSER)";
	case USERNS_STEP_UID_MAP:
		return "writing its uid_map";
	case USERNS_STEP_INNER:
		return "unshare(CLONE_NEWNS|CLONE_NEWNET) inside it";
	case USERNS_STEP_NONE:
		break;
	}
	return "nothing";
}

/* "1", "0", or -1 for a content that is neither (trimmed) */
static int sysctl_value(const char *s)
{
	if (!s)
		return -1;
	s += strspn(s, " \t\n");
	size_t n = strlen(s);
	while (n && strchr(" \t\n", s[n - 1]))
		n--;
	if (n == 1 && (s[0] == '0' || s[0] == '1'))
		return s[0] - '0';
	return -1;
}

void sandbox_userns_row(const char *apparmor_restrict, const struct sandbox_userns_probe *probe,
			struct doctor_row *r)
{
	memset(r, 0, sizeof(*r));
	text_printf(r->name, sizeof(r->name), "sandbox userns");
	SET(r, enables, "vlab grade: each sandbox's user namespace (bubblewrap --unshare-user, run as the "
			"sandbox's own unprivileged uid, also when vlab grade runs as root)");
	int restrict_ = sysctl_value(apparmor_restrict);
	char setting[160];
	if (!apparmor_restrict)
		snprintf(setting, sizeof(setting), "no %s (not applicable: this kernel has no such restriction)", SYSCTL);
	else if (restrict_ >= 0)
		snprintf(setting, sizeof(setting), "%s=%d", SYSCTL, restrict_);
	else
		snprintf(setting, sizeof(setting), "%s reads '%.16s'", SYSCTL, apparmor_restrict);
	char probed[200] = "";
	if (probe->result > 0)
		snprintf(probed, sizeof(probed), "uid %u made a user namespace, wrote its uid_map and made mount and "
			 "network namespaces in it", probe->uid);
	else if (probe->result < 0)
		snprintf(probed, sizeof(probed), "as uid %u, %s failed: %s", probe->uid, userns_step_name(probe->failed),
			 strerror(-probe->result));

	const char *fix_sysctl = "as root: sysctl -w " SYSCTL "=0 (vlab handout --student-ci's workflows do this on "
				 "GitHub's Ubuntu runners), or an AppArmor profile for bwrap that allows userns";
	if (restrict_ == 1 && probe->result <= 0) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "%s: AppArmor gives a user namespace made by an unprivileged uid no capabilities, so "
			       "bubblewrap's --unshare-user fails%s%s",
		    setting, probed[0] ? "; " : "", probed);
		SET(r, fix, "%s", fix_sysctl);
	} else if (probe->result < 0) {
		r->status = DOCTOR_MISSING;
		SET(r, detail, "%s; %s", probed, setting);
		SET(r, fix, "a container or a security policy forbids user namespaces: allow them there (and check "
			    "kernel.unprivileged_userns_clone and user.max_user_namespaces)");
	} else if (restrict_ == 1) {
		/* a profile of this process allows it: bwrap may still be
		 * confined differently */
		r->status = DOCTOR_WARN;
		SET(r, detail, "%s, yet %s (an AppArmor profile allows this process; bwrap needs the same)", setting,
		    probed);
		SET(r, fix, "%s", fix_sysctl);
	} else if (probe->result > 0) {
		SET(r, detail, "%s; %s", probed, setting);
	} else {
		r->status = DOCTOR_INFO;
		SET(r, detail, "%s; not probed on a saved host", setting);
	}
}
