/* The lab: one chapter run's state, and what the chapters do through it
 * (checks, metrics, artifacts, the image, their VMs). */
#include "checks/check_registry.h"
#include "runner/lab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/chapter.h"
#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/clock.h"

struct check_result *lab_check(struct lab *lab, const char *id)
{
	for (int i = 0; i < lab->nchecks; i++)
		if (!strcmp(lab->checks[i].id, id))
			return &lab->checks[i];
	return NULL;
}

void lab_metric(struct lab *lab, const char *name, double value)
{
	for (int i = 0; i < lab->nmetrics; i++) {
		if (!strcmp(lab->metrics[i].name, name)) {
			lab->metrics[i].value = value;
			return;
		}
	}
	if (lab->nmetrics < LAB_MAX_METRICS)
		lab->metrics[lab->nmetrics++] = (struct metric){ name, value };
}

void lab_artifact(struct lab *lab, const char *name, const char *path)
{
	artifact_add(lab->artifacts, &lab->nartifacts, name, path);
}

char *lab_path(const struct lab *lab, const char *name)
{
	return xasprintf("%s/%s", lab->run_dir, name);
}

int lab_prepare_image(struct lab *lab)
{
	char err[512] = "";
	int r = image_load_manifests(&lab->manifest, lab->opt->manifest, err, sizeof(err));
	if (r) {
		snprintf(lab->blocked, sizeof(lab->blocked), "%s", err);
		return r;
	}
	r = image_resolve(&lab->manifest, lab->opt->profile, &lab->image, err, sizeof(err));
	if (r) {
		snprintf(lab->blocked, sizeof(lab->blocked), "%s", err);
		return r;
	}
	const char *const tools[][2] = {
		{ "qemu-system-x86_64", "qemu-system-x86" },
		{ "qemu-img", "qemu-utils" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		char *path = proc_which(tools[i][0]);
		if (!path) {
			snprintf(lab->blocked, sizeof(lab->blocked),
				 "%s not found in PATH: install Debian's %s (or run 'make deps')", tools[i][0], tools[i][1]);
			return -ENOENT;
		}
		free(path);
	}
	host_probe_kvm("", &lab->host);
	r = accel_decide(&lab->host, lab->opt->accel, &lab->accel);
	if (r) {
		snprintf(lab->blocked, sizeof(lab->blocked), "%s", lab->accel.reason);
		return r;
	}
	return 0;
}

void lab_init(struct lab *lab, const struct chapter *ch, const struct lab_options *opt)
{
	memset(lab, 0, sizeof(*lab));
	lab->opt = opt;
	lab->chapter = ch;
	lab->started_ms = now_ms();
	/* whose KVM the report names (the chapters' prepare probe again) */
	host_probe_kvm("", &lab->host);
	lab->started_at = time(NULL);
	for (int v = 0; v < LAB_MAX_VMS; v++) {
		lab->vms[v].pid_handle = lab->vms[v].overlay_handle = -1;
		lab->vms[v].serial_handle = lab->vms[v].qmp_handle = -1;
	}
	for (size_t s = 0; ch && s < ch->nsteps; s++) {
		const char *ids[CHECKS_PER_STEP_MAX];
		size_t n = check_registry_step_ids(ch->number, ch->steps[s].name, ids, CHECKS_PER_STEP_MAX);
		for (size_t i = 0; i < n && i < CHECKS_PER_STEP_MAX; i++)
			lab_add_check(lab, ids[i]);
	}
}

void lab_add_check(struct lab *lab, const char *id)
{
	if (lab->nchecks < LAB_MAX_CHECKS && !lab_check(lab, id))
		check_init(&lab->checks[lab->nchecks++], id);
}

void lab_settle_undecided(struct lab *lab)
{
	for (int i = 0; i < lab->nchecks; i++)
		check_settle_undecided(&lab->checks[i]);
}

void lab_release(struct lab *lab)
{
	for (int i = 0; i < LAB_MAX_VMS; i++)
		vm_release(&lab->vms[i]);
	for (int i = 0; i < lab->nartifacts; i++)
		free(lab->artifacts[i].path);
	image_release(&lab->image);
	manifest_release(&lab->manifest);
	free(lab->run_id);
	free(lab->run_dir);
	free(lab->chapter_state);
}

void lab_drop_ledger(struct lab *lab)
{
	char *ledger_file = lab_path(lab, "resources");
	cleanup_set_ledger(NULL);
	unlink(ledger_file);
	free(ledger_file);
}

struct vm_run_ctx lab_vm_ctx(struct lab *lab)
{
	return (struct vm_run_ctx){
		.run_dir = lab->run_dir,
		.image = &lab->image,
		.accel = &lab->accel,
		.keep = lab->opt->keep,
		.boot_timeout_ms = lab->opt->boot_timeout_ms,
		.blocked = lab->blocked,
		.blocked_len = sizeof(lab->blocked),
		.artifacts = lab->artifacts,
		.nartifacts = &lab->nartifacts,
		.second_vm = &lab->vms[1],
	};
}

int vm_prepare(struct lab *lab, struct vm *vm, const char *name, const struct nic_spec *nics, int nnics)
{
	struct vm_run_ctx run = lab_vm_ctx(lab);
	return vmrun_prepare(&run, vm, name, nics, nnics);
}

int vm_start(struct lab *lab, struct vm *vm)
{
	struct vm_run_ctx run = lab_vm_ctx(lab);
	return vmrun_start(&run, vm);
}

int vm_create_overlay(struct lab *lab, struct vm *vm)
{
	struct vm_run_ctx run = lab_vm_ctx(lab);
	return vmrun_create_overlay(&run, vm);
}

int vm_wait_login(struct lab *lab, struct vm *vm)
{
	struct vm_run_ctx run = lab_vm_ctx(lab);
	return vmrun_wait_login(&run, vm);
}

int vm_wait_logins(struct lab *lab, struct vm *const *vms, int n)
{
	struct vm_run_ctx run = lab_vm_ctx(lab);
	return vmrun_wait_logins(&run, vms, n);
}

int vm_login(struct lab *lab, struct vm *vm, const char *user, const char *password)
{
	struct vm_run_ctx run = lab_vm_ctx(lab);
	return vmrun_login(&run, vm, user, password);
}

int vm_run(struct lab *lab, struct vm *vm, const char *cmd, int64_t timeout_ms, struct strbuf *out, int *status)
{
	struct vm_run_ctx run = lab_vm_ctx(lab);
	return vmrun_run(&run, vm, cmd, timeout_ms, out, status);
}

void vm_stop(struct lab *lab, struct vm *vm)
{
	(void)lab;
	vmrun_stop(vm);
}

/* The deadlines read only the lab's options and accelerator: the same as
 * the VM layer's, without a context to fill from a const lab. */
int64_t lab_boot_timeout_ms(const struct lab *lab)
{
	struct vm_run_ctx run = { .accel = &lab->accel, .boot_timeout_ms = lab->opt->boot_timeout_ms };
	return vmrun_boot_timeout_ms(&run);
}

int64_t lab_cmd_timeout_ms(const struct lab *lab, int64_t kvm_ms)
{
	struct vm_run_ctx run = { .accel = &lab->accel };
	return vmrun_cmd_timeout_ms(&run, kvm_ms);
}

void lab_vms_end(struct lab *lab)
{
	for (int i = 0; i < lab->nvms; i++) {
		if (lab->opt->keep)
			vm_detach(&lab->vms[i]);
		else
			vmrun_stop(&lab->vms[i]);
	}
}
