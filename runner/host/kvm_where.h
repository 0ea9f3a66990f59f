/* Where a chapter's KVM steps run: on this host's KVM, or inside vlab's
 * emulated KVM host (runner/vm/kvmhost.h: a TCG guest with AMD-V and
 * nested paging, kvm_amd loaded in it), chosen so that a step does not SKIP
 * for want of a KVM this host lacks (--emulated-kvm auto, the default):
 *
 *   a step needs         this host has                    the chapter runs
 *   nothing of KVM       anything                         here
 *   KVM ioctls           /dev/kvm (kvm_pvm included)      here
 *                        no /dev/kvm                      inside
 *   a hardware KVM       kvm_intel or kvm_amd             here
 *   (standard guests,    kvm_pvm, another KVM,            inside
 *   an ept/npt switch)   or no /dev/kvm
 *
 * The whole chapter goes inside when any step to run needs it (--step
 * counts only the steps up to that one). Never inside with --accel tcg (the
 * student asked for no KVM), nor when vlab already runs inside the emulated
 * host; and with auto, not when the emulated host cannot start here (its
 * image files or qemu are missing): the steps SKIP as before and the run
 * says why. --emulated-kvm always runs inside wherever a step needs KVM
 * (the tests use it on hosts with KVM); never keeps every step here.
 *
 * A /dev/kvm this user may not open stays here: its SKIP says how to get
 * access, which is the better fix. Pure: decided from the host's facts. */
#ifndef VLAB_HOST_KVM_WHERE_H
#define VLAB_HOST_KVM_WHERE_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/host/host.h"

enum emulated_kvm { EMULATED_KVM_AUTO, EMULATED_KVM_ALWAYS, EMULATED_KVM_NEVER };

/* "auto", "always", "never"; -EINVAL otherwise. */
int emulated_kvm_parse(const char *s, enum emulated_kvm *out);
const char *emulated_kvm_name(enum emulated_kvm m);

/* What of the host's KVM a step needs (struct step's kvm). */
enum kvm_need {
	KVM_NEED_NONE,
	KVM_NEED_IOCTLS,  /* /dev/kvm that answers KVM's ioctls (kvm_pvm does) */
	KVM_NEED_HW,      /* a standard guest under kvm_intel or kvm_amd, whose ept/npt switches */
};

struct kvm_where_in {
	const struct host_kvm *host;
	enum kvm_need need;           /* the most any step to run needs */
	enum emulated_kvm mode;       /* --emulated-kvm */
	bool accel_tcg;               /* --accel tcg */
	bool inside;                  /* this vlab runs inside the emulated host already */
	const char *kvmhost_missing;  /* why the emulated host cannot start here; "" or NULL: it can */
};

struct kvm_where {
	bool emulated;   /* run the chapter inside the emulated KVM host */
	char why[512];   /* one sentence when it goes inside, or when it would have and cannot; else "" */
};

/* 0; -ENOENT (why says so) when --emulated-kvm always is asked, a step
 * needs KVM, and the emulated host cannot start here. */
int kvm_where_decide(const struct kvm_where_in *in, struct kvm_where *out);

/* Why this host's KVM cannot do what need asks; "" when it can (so the
 * step runs here). */
const char *kvm_where_lack(const struct host_kvm *h, enum kvm_need need);

#endif
