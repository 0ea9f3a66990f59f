/* Host probes and the accelerator policy. */
#include "runner/host/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/util.h"
#include "runner/files.h"

static char *at(const char *root, const char *path)
{
	return xasprintf("%s%s", root, path);
}

/* Whether word occurs as a whole word on the first "flags" line. */
static bool has_flag(const char *flags, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = flags; (p = strstr(p, word)); p += n) {
		bool start = p == flags || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ':';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n' || p[n] == '\t';
		if (start && end)
			return true;
	}
	return false;
}

void host_probe_kvm(const char *root, struct host_kvm *h)
{
	memset(h, 0, sizeof(*h));
	char *kvm = at(root, "/dev/kvm");
	h->dev_kvm = access(kvm, F_OK) == 0;
	h->dev_kvm_access = h->dev_kvm && access(kvm, R_OK | W_OK) == 0;
	free(kvm);

	char *cpuinfo = at(root, "/proc/cpuinfo");
	struct strbuf sb = STRBUF_INIT;
	if (read_file(cpuinfo, &sb) == 0) {
		const char *flags = strstr(sb_str(&sb), "\nflags");
		if (!flags && starts_with(sb_str(&sb), "flags"))
			flags = sb_str(&sb);
		if (flags) {
			const char *eol = strchr(flags + 1, '\n');
			char *line = xstrndup(flags, eol ? (size_t)(eol - flags) : strlen(flags));
			h->vmx = has_flag(line, "vmx");
			h->svm = has_flag(line, "svm");
			h->hypervisor = has_flag(line, "hypervisor");
			free(line);
		}
	}
	sb_release(&sb);
	free(cpuinfo);

	h->kvm_intel = path_exists_at(root, "/sys/module/kvm_intel");
	h->kvm_amd = path_exists_at(root, "/sys/module/kvm_amd");
	h->kvm_pvm = path_exists_at(root, "/sys/module/kvm_pvm");
	if (h->kvm_intel)
		read_line_at(root, "/sys/module/kvm_intel/parameters/ept", h->ept, sizeof(h->ept));
	else if (h->kvm_amd)
		read_line_at(root, "/sys/module/kvm_amd/parameters/npt", h->ept, sizeof(h->ept));
}

bool host_kvm_emulated(void)
{
	const char *v = getenv(KVM_HOST_ENV);
	return v && !strcmp(v, KVM_HOST_EMULATED);
}

const char *host_kvm_kind(const struct host_kvm *h)
{
	if (host_kvm_emulated())
		return KVM_HOST_EMULATED;
	if (!h->dev_kvm)
		return "none";
	return h->kvm_pvm ? "kvm_pvm" : h->kvm_intel ? "kvm_intel" : h->kvm_amd ? "kvm_amd" : "kvm";
}

int accel_request_parse(const char *s, enum accel_request *out)
{
	if (!strcmp(s, "auto"))
		*out = ACCEL_REQ_AUTO;
	else if (!strcmp(s, "kvm"))
		*out = ACCEL_REQ_KVM;
	else if (!strcmp(s, "tcg"))
		*out = ACCEL_REQ_TCG;
	else
		return -EINVAL;
	return 0;
}

static void describe(const struct host_kvm *h, char *out, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "cpu flags: ");
	if (h->vmx || h->svm)
		sb_adds(&sb, h->vmx ? "vmx" : "svm");
	else
		sb_adds(&sb, "no vmx/svm");
	if (h->hypervisor)
		sb_adds(&sb, ", hypervisor");
	sb_adds(&sb, "; kvm modules:");
	if (!h->kvm_intel && !h->kvm_amd && !h->kvm_pvm)
		sb_adds(&sb, " none");
	if (h->kvm_intel)
		sb_adds(&sb, " kvm_intel");
	if (h->kvm_amd)
		sb_adds(&sb, " kvm_amd");
	if (h->kvm_pvm)
		sb_adds(&sb, " kvm_pvm");
	sb_addf(&sb, "; /dev/kvm: %s", !h->dev_kvm ? "missing" : h->dev_kvm_access ? "read-write" : "no access");
	snprintf(out, n, "%s", sb_str(&sb));
	sb_release(&sb);
}

int accel_decide(const struct host_kvm *h, enum accel_request req, struct accel_decision *d)
{
	memset(d, 0, sizeof(*d));
	describe(h, d->evidence, sizeof(d->evidence));
	d->kvm_ioctls_ok = h->dev_kvm && h->dev_kvm_access;
	/* A hardware-assisted KVM runs standard guests: kvm_intel on vmx or
	 * kvm_amd on svm (nested virtualisation included, since the guest CPU
	 * then shows vmx/svm too). kvm_pvm (a paravirtual KVM for guests without
	 * vmx/svm) answers every KVM ioctl, but a standard Linux guest hangs after
	 * SeaBIOS on it (seen on the CI machines). */
	d->standard_guest_ok = d->kvm_ioctls_ok && !h->kvm_pvm &&
			       ((h->kvm_intel && h->vmx) || (h->kvm_amd && h->svm));

	const char *why_not;
	if (!h->dev_kvm)
		why_not = "there is no /dev/kvm (no KVM module loaded, or not a Linux host)";
	else if (!h->dev_kvm_access)
		why_not = "/dev/kvm is there but this user may not open it (run as root or join the 'kvm' group)";
	else if (h->kvm_pvm)
		why_not = "KVM here is kvm_pvm, a paravirtual KVM: its ioctls work, but a standard Linux guest does not boot on it";
	else if (!h->vmx && !h->svm)
		why_not = "the CPU shows no vmx/svm (hardware virtualisation is off or not passed through)";
	else
		why_not = "no kvm_intel/kvm_amd module matches the CPU";

	switch (req) {
	case ACCEL_REQ_TCG:
		d->accel = ACCEL_TCG;
		snprintf(d->reason, sizeof(d->reason), "TCG (software emulation), as asked with --accel tcg");
		return 0;
	case ACCEL_REQ_KVM:
		if (!d->kvm_ioctls_ok) {
			snprintf(d->reason, sizeof(d->reason), "--accel kvm cannot be used: %s", why_not);
			return h->dev_kvm ? -EACCES : -ENODEV;
		}
		d->accel = ACCEL_KVM;
		if (d->standard_guest_ok)
			snprintf(d->reason, sizeof(d->reason), "KVM, as asked with --accel kvm");
		else
			snprintf(d->reason, sizeof(d->reason),
				 "KVM, as asked with --accel kvm, although %s", why_not);
		return 0;
	case ACCEL_REQ_AUTO:
		break;
	}
	if (d->standard_guest_ok) {
		d->accel = ACCEL_KVM;
		snprintf(d->reason, sizeof(d->reason), "KVM: hardware virtualisation (%s with %s)",
			 h->vmx ? "vmx" : "svm", h->kvm_intel ? "kvm_intel" : "kvm_amd");
	} else {
		d->accel = ACCEL_TCG;
		snprintf(d->reason, sizeof(d->reason), "TCG (software emulation): %s", why_not);
	}
	return 0;
}
