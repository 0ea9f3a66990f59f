/* --manual: what the student types, shown in the chapter's progress, and
 * the VMs' consoles served to them until they are done. */
#ifndef VLAB_MANUAL_H
#define VLAB_MANUAL_H

#include "runner/lab.h"

/* Tell the student what to type (cmds, NULL-terminated), serve the VM's
 * console on RUNDIR/VM.console.sock until they press Enter, recording what
 * the guest printed, then give the whole transcript cleaned
 * (console_clean_output) in text. -EPIPE / -EINTR / other errors with
 * lab->blocked set. */
int vm_manual_session(struct lab *lab, struct vm *vm, const char *const *cmds, struct strbuf *text);
/* The same for n VMs at once (chapter 3's two): cmds[i] for vms[i], each
 * console served on RUNDIR/VM.console.sock, texts[i] its transcript. */
int vm_manual_sessions(struct lab *lab, struct vm *const *vms, const char *const *const *cmds, int n,
		       struct strbuf *texts);

#endif
