/* The steps' shared parts; see step.h. */
#include "runner/step.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner/report.h"

int lab_block(struct lab *lab, int rc, const char *fmt, ...)
{
	if (rc == -EINTR)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lab->blocked, sizeof(lab->blocked), fmt, ap);
	va_end(ap);
	return rc;
}

/* The first of vms[0..n) without its login prompt, else the last. */
static struct vm *first_without_prompt(struct vm *const *vms, int n)
{
	for (int v = 0; v < n; v++)
		if (!vms[v]->login_prompt_ms)
			return vms[v];
	return vms[n - 1];
}

/* Start to last prompt, and (two VMs and more) each one's. */
static void boot_times(struct lab *lab, struct vm *const *vms, int n)
{
	int64_t first = vms[0]->spawned_ms, last = vms[0]->login_prompt_ms;
	for (int v = 1; v < n; v++) {
		if (vms[v]->spawned_ms < first)
			first = vms[v]->spawned_ms;
		if (vms[v]->login_prompt_ms > last)
			last = vms[v]->login_prompt_ms;
	}
	lab_metric(lab, "boot_to_login_ms", (double)(last - first));
	if (n < 2)
		return;
	struct strbuf each = STRBUF_INIT;
	for (int v = 0; v < n; v++)
		sb_addf(&each, "%s%s %.1f s", v ? ", " : "", vms[v]->name,
			(double)(vms[v]->login_prompt_ms - vms[v]->spawned_ms) / 1000.0);
	ui_note(lab, "all at their login prompt after %.1f s (%s)", (double)(last - first) / 1000.0, sb_str(&each));
	sb_release(&each);
}

int lab_boot_vms(struct lab *lab, struct vm *const *vms, int n, enum boot_until until)
{
	int r = 0;
	ui_wait_begin(lab, n > 1 ? "starting the qemus" : "starting qemu");
	for (int v = 0; v < n && !r; v++)
		r = vm_start(lab, vms[v]);
	if (r) /* the VM layer said why in lab->blocked */
		return lab->blocked[0] ? r : lab_block(lab, r, "cannot start qemu: %s", strerror(-r));
	if (until == BOOT_STARTED)
		return 0;

	/* every console is read until every prompt came: a console nobody
	 * reads stops its guest once QEMU's buffer is full */
	ui_wait_begin(lab, n > 1 ? "the guests are booting" : "the guest is booting");
	r = n > 1 ? vm_wait_logins(lab, vms, n) : vm_wait_login(lab, vms[0]);
	if (r) {
		const struct vm *late = first_without_prompt(vms, n);
		return lab_block(lab, r, "no 'login:' from %s (%s); see %s", late->name, strerror(-r),
				 late->transcript_path);
	}
	boot_times(lab, vms, n);
	if (until == BOOT_LOGIN_PROMPT)
		return 0;

	const struct login *root = &lab->image.profile->logins[0];
	ui_wait_begin(lab, "logging in");
	for (int v = 0; v < n && !r; v++) {
		r = vm_login(lab, vms[v], root->user, root->password);
		if (r)
			lab_block(lab, r, "cannot log in as %s on %s's console (%s); see %s", root->user, vms[v]->name,
				  strerror(-r), vms[v]->transcript_path);
	}
	return r;
}
