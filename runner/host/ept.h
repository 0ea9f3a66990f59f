/* EPT/NPT off and back on: chapter 4 step 2 reloads kvm_intel with ept=0
 * (kvm_amd with npt=0) to show the CR-access exits that two-dimensional
 * paging removes, then puts the original setting back.
 *
 * The restore is guaranteed without module work in a signal handler:
 *
 *   probe ──decide──▶ write the state file (original value) ──▶ modprobe -r
 *     ──▶ modprobe MOD PARAM=0 ──▶ ... count ... ──▶ restore: modprobe -r,
 *     modprobe MOD PARAM=ORIGINAL, read it back, remove the state file
 *
 * The state file is written (fsync'd, renamed into place) before the first
 * reload. The restore runs on the main path (normal end, failure, and the
 * orderly stop a SIGINT/SIGTERM turns into); after a SIGKILL, `vlab clean`
 * and `vlab doctor` find the state file and restore. The loader runs in its
 * own process group so a Ctrl-C on the terminal does not cut a load short.
 *
 * Everything is read below a root directory ("" for the host) and the loader
 * is a command ("modprobe", or a fake one in tests), so every decision and
 * every failure is tested on a fake sysfs with a fake loader. */
#ifndef VLAB_EPT_H
#define VLAB_EPT_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/ept_state.h"

/* The state file's name in vlab's run-directory base. Inside the emulated
 * KVM host that base is a tmpfs that vanishes with the machine, and the
 * agent leaves this file out of what it copies back (kvmhost_agent.c): the
 * module it speaks of was the emulated host's, never this host's. */
#define EPT_STATE_NAME "ept-restore.state"

enum ept_vendor { EPT_NONE, EPT_INTEL, EPT_AMD, EPT_PVM };

struct ept_module {
	enum ept_vendor vendor;
	char module[16];   /* "kvm_intel", "kvm_amd" ("" when neither is loaded) */
	char param[8];     /* "ept", "npt" */
	char value[8];     /* as sysfs prints it: "Y"/"N" (bool), "1"/"0" (int, older kvm_amd) */
	bool enabled;
	long refcnt;       /* /sys/module/MOD/refcnt: an open /dev/kvm or a VM holds the module */
};

/* What the module is now. 0; -ENOENT when no kvm_intel or kvm_amd is loaded
 * (vendor EPT_PVM when kvm_pvm is, EPT_NONE otherwise); -EINVAL when the
 * parameter file is unreadable or holds something else. */
int ept_probe(const char *root, struct ept_module *m);

/* May vlab reload the module? Pure. 0, or a negative errno with why set to
 * the sentence a SKIP prints: -ENODEV (kvm_pvm, or no kvm_intel/kvm_amd),
 * -EPERM (not root), -ECANCELED (no --allow-module-reload), -EBUSY (another
 * process holds KVM: refcnt, after vlab's own VM is stopped). */
int ept_reload_decide(const struct ept_module *m, int probe_rc, bool is_root, bool allowed, char *why,
		      size_t n);

struct ept_env {
	const char *root;        /* "" for the host */
	const char *loader;      /* "modprobe" */
	const char *state_path;  /* where the state file lives */
};

/* The host's: root "", loader $VLAB_MODPROBE or "modprobe", the state file in
 * vlab's run-directory base. root may be overridden (doctor --root). */
void ept_env_default(struct ept_env *env, const char *root);

/* Reload m's module with its parameter on or off. Writes the state file
 * first unless one is there already (it keeps the first original). 0, or a
 * negative errno with why set: -EBUSY (in use), -EIO (the loader failed; the
 * module may now be unloaded: restore), -EINTR (a stop was requested between
 * unload and load: restore), -EPROTO (it loaded, but reads back otherwise). */
int ept_set(const struct ept_env *env, const struct ept_module *m, bool enabled, char *why, size_t n);

/* Put back what the state file says. 1 when there is no state file (nothing
 * to do), 0 when restored (or already as it was) and the file removed; a
 * negative errno with msg set when the module could not be restored (the
 * file stays, so a later `vlab clean` tries again). msg also gets the
 * success sentence ("kvm_intel ept=Y restored (read back Y)"). */
int ept_restore(const struct ept_env *env, char *msg, size_t n);

/* Whether a state file is pending (a reload not yet undone). */
bool ept_restore_pending(const struct ept_env *env);

/* What `vlab clean` and `vlab doctor` do first: restore a pending reload
 * (a SIGKILLed chapter 4) on the host below root. 1 nothing pending; 0
 * restored (msg says what); -EPERM not root (msg says to rerun as root);
 * -EALREADY when the vlab that wrote the state file still runs (it restores
 * the module itself); else ept_restore's error. */
int ept_restore_if_pending(const char *root, char *msg, size_t n);

#endif
