/* --manual: the student types in the VM's console, vlab watches. */
#include "runner/manual.h"

#include <errno.h>
#include <stdlib.h>

#include "runner/report.h"
#include "runner/vm/relay.h"

int vm_manual_session(struct lab *lab, struct vm *vm, const char *const *cmds, struct strbuf *text)
{
	return vm_manual_sessions(lab, &vm, &cmds, 1, text);
}

int vm_manual_sessions(struct lab *lab, struct vm *const *vms, const char *const *const *cmds, int n,
		       struct strbuf *texts)
{
	if (n < 1 || n > RELAY_MAX)
		return -EINVAL;
	struct vm_run_ctx run = lab_vm_ctx(lab);
	ui_note(lab, n == 1 ? "Your turn. In another terminal, attach to the VM's console:"
			    : "Your turn. In other terminals, attach to each VM's console:");
	for (int i = 0; i < n; i++) {
		char *relay = vmrun_relay_path(&run, vms[i]);
		char *attach = n == 1 ? xstrdup("vlab console") : xasprintf("vlab console %s", vms[i]->name);
		ui_command(lab, "host", attach);
		free(attach);
		ui_note(lab, "(or: socat -,raw,echo=0 UNIX-CONNECT:%s ; Ctrl-] detaches vlab console)", relay);
		free(relay);
		if (n == 1)
			ui_note(lab, "and type, each on its own line:");
		else
			ui_note(lab, "and type in %s, each on its own line:", vms[i]->name);
		for (const char *const *c = cmds[i]; *c; c++)
			ui_command(lab, "guest", *c);
	}
	ui_note(lab, n == 1 ? "Then come back here and press Enter: vlab checks what the console showed."
			    : "Then come back here and press Enter: vlab checks what the consoles showed.");
	return vmrun_relay_until_enter(&run, vms, n, texts);
}
