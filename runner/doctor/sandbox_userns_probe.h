/* What vlab doctor's probe of a sandbox's user namespace found (host_facts
 * holds it; sandbox_userns.h judges it). Apart from sandbox_userns.h so
 * that the facts need not include the row's maker. */
#ifndef VLAB_SANDBOX_USERNS_PROBE_H
#define VLAB_SANDBOX_USERNS_PROBE_H

/* What the probe did, step by step: unshare(CLONE_NEWUSER), write the
 * namespace's uid_map (uid 0 inside), unshare(CLONE_NEWNS|CLONE_NEWNET)
 * inside it (what bwrap does next). */
enum userns_step { USERNS_STEP_DROP, USERNS_STEP_UNSHARE, USERNS_STEP_UID_MAP, USERNS_STEP_INNER, USERNS_STEP_NONE };

struct sandbox_userns_probe {
	int result;              /* 1 every step worked, 0 not tried (a saved or fake host), -errno failed */
	enum userns_step failed; /* the step that failed (result < 0) */
	unsigned uid;            /* the uid it ran as */
};

#endif
