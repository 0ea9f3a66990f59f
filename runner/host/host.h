/* Host probes: what KVM this machine has and which accelerator to use.
 *
 * Everything is read below a root directory ("" for the real machine) so the
 * decision logic is tested on fake sysfs/procfs trees. */
#ifndef VLAB_HOST_H
#define VLAB_HOST_H

#include <stdbool.h>
#include <stddef.h>

struct host_kvm {
	bool dev_kvm;          /* /dev/kvm exists */
	bool dev_kvm_access;   /* and we may open it read-write */
	bool vmx, svm;         /* cpu flags: hardware virtualisation */
	bool hypervisor;       /* cpu flag: we are a guest ourselves */
	bool kvm_intel, kvm_amd, kvm_pvm;  /* /sys/module/<name> present */
	char ept[8];           /* kvm_intel ept or kvm_amd npt: "Y"/"N"/"1"/"0"; "" unknown */
};

/* The KVM under a run, as reports name it ("kvm_host"): KVM_HOST_EMULATED
 * inside vlab's emulated KVM host (runner/vm/kvmhost.h), whose agent puts
 * KVM_HOST_ENV=KVM_HOST_EMULATED in the environment of what it runs; else
 * "kvm_intel", "kvm_amd", "kvm_pvm", "kvm" (a /dev/kvm of another module)
 * or "none". */
#define KVM_HOST_ENV "VLAB_KVM_HOST"
#define KVM_HOST_EMULATED "emulated-amd-v"
const char *host_kvm_kind(const struct host_kvm *h);
/* Whether this vlab runs inside the emulated KVM host (KVM_HOST_ENV). */
bool host_kvm_emulated(void);

/* root: "" for the real host, else a directory holding proc/cpuinfo,
 * sys/module/..., dev/kvm. */
void host_probe_kvm(const char *root, struct host_kvm *h);

/* The accelerator a VM runs under: a host decision (accel_decide), which
 * runner/vm turns into qemu's -accel. */
enum accel { ACCEL_TCG, ACCEL_KVM };

enum accel_request { ACCEL_REQ_AUTO, ACCEL_REQ_KVM, ACCEL_REQ_TCG };
int accel_request_parse(const char *s, enum accel_request *out);

struct accel_decision {
	enum accel accel;
	bool standard_guest_ok;  /* a standard Linux guest can run under this KVM */
	bool kvm_ioctls_ok;      /* /dev/kvm usable for KVM ioctls at all */
	char evidence[256];      /* "cpu flags: hypervisor, no vmx/svm; modules: kvm_pvm; /dev/kvm rw" */
	char reason[320];        /* one plain sentence: what was chosen and why */
};

/* 0, or -ENODEV/-EACCES when --accel kvm is asked for and /dev/kvm is
 * missing/unusable (reason says so). */
int accel_decide(const struct host_kvm *h, enum accel_request req, struct accel_decision *d);

#endif
