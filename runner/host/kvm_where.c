/* Where a chapter's KVM steps run (pure); see kvm_where.h. */
#include "runner/host/kvm_where.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const mode_names[] = {
	[EMULATED_KVM_AUTO] = "auto",
	[EMULATED_KVM_ALWAYS] = "always",
	[EMULATED_KVM_NEVER] = "never",
};

int emulated_kvm_parse(const char *s, enum emulated_kvm *out)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*out = (enum emulated_kvm)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *emulated_kvm_name(enum emulated_kvm m)
{
	return mode_names[m];
}

const char *kvm_where_lack(const struct host_kvm *h, enum kvm_need need)
{
	if (need == KVM_NEED_NONE)
		return "";
	if (!h->dev_kvm)
		return "this host has no /dev/kvm";
	if (need == KVM_NEED_IOCTLS)
		return "";
	if (h->kvm_pvm)
		return "this host's KVM is kvm_pvm (paravirtual): a standard guest does not boot on it and it has "
		       "no EPT/NPT switch";
	if (!h->kvm_intel && !h->kvm_amd)
		return "this host's /dev/kvm is neither kvm_intel's nor kvm_amd's: it has no EPT/NPT switch";
	return "";
}

int kvm_where_decide(const struct kvm_where_in *in, struct kvm_where *out)
{
	memset(out, 0, sizeof(*out));
	if (in->need == KVM_NEED_NONE || in->mode == EMULATED_KVM_NEVER || in->inside)
		return 0;
	const char *missing = in->kvmhost_missing ? in->kvmhost_missing : "";
	if (in->mode == EMULATED_KVM_ALWAYS) {
		if (*missing) {
			snprintf(out->why, sizeof(out->why), "--emulated-kvm always: the emulated KVM host cannot start "
							     "here: %s",
				 missing);
			return -ENOENT;
		}
		out->emulated = true;
		snprintf(out->why, sizeof(out->why), "--emulated-kvm always");
		return 0;
	}
	const char *lack = kvm_where_lack(in->host, in->need);
	if (in->accel_tcg || !*lack)
		return 0;
	if (*missing) {
		snprintf(out->why, sizeof(out->why), "%s, and the emulated KVM host that would stand in cannot start "
						     "here: %s",
			 lack, missing);
		return 0;
	}
	out->emulated = true;
	snprintf(out->why, sizeof(out->why), "%s", lack);
	return 0;
}
