/* The state of one chapter run: options, run directory, image, VMs, verdicts,
 * metrics and artifacts. Chapters' step functions work on it; the engine
 * drives it; the report prints it. */
#ifndef VLAB_LAB_H
#define VLAB_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "checks/verdict.h"
#include "runner/host/host.h"
#include "runner/host/kvm_where.h"
#include "runner/fetch/image.h"
#include "runner/vm/vm.h"
#include "runner/vm/vmrun.h"

struct chapter;

enum report_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JUNIT, FORMAT_TAP };

struct lab_options {
	enum report_format format;
	const char *profile;        /* --image */
	const char *manifest;       /* --manifest */
	enum accel_request accel;   /* --accel */
	bool keep;                  /* --keep */
	bool quiet;                 /* --quiet: the checklist only */
	bool manual;                /* --manual: the student types, vlab watches */
	bool host_net;              /* --host-net: the host's namespace, as the lab does it */
	int64_t boot_timeout_ms;    /* --boot-timeout; 0: by accelerator */
	const char *only_step;      /* --step */
	enum emulated_kvm emulated_kvm;  /* --emulated-kvm: chapters 4-5 inside the emulated KVM host */
};

#define LAB_MAX_CHECKS 32
#define LAB_MAX_METRICS 16
#define LAB_MAX_VMS 2

struct metric {
	const char *name;           /* static, unit in the name: "boot_to_login_ms" */
	double value;
};

struct lab {
	const struct lab_options *opt;
	const struct chapter *chapter;
	char *run_id;
	char *run_dir;
	struct manifest manifest;
	struct image image;
	struct host_kvm host;
	struct accel_decision accel;
	struct vm vms[LAB_MAX_VMS];
	int nvms;
	struct check_result checks[LAB_MAX_CHECKS];
	int nchecks;
	struct metric metrics[LAB_MAX_METRICS];
	int nmetrics;
	struct artifact artifacts[LAB_MAX_ARTIFACTS];
	int nartifacts;
	int64_t started_ms;
	time_t started_at;          /* the wall clock at started_ms, for reports */
	int64_t duration_ms;
	bool setup_only;            /* a --step's set-up step is running: no titles */
	bool skip_is_unjudged;      /* verify: a SKIP is a check vlab could not judge (a held console,
				     * no saved run), so the chapter is "incomplete", never "pass" */
	char blocked[512];          /* why the remaining steps could not run ("" if none) */
	char kvm_where[512];        /* why the emulated KVM host would have run the chapter and
				     * could not ("" if none: runner/host/kvm_where.h) */
	void *chapter_state;        /* the chapter's own (chapter.state_size bytes, zeroed), or NULL */
};

/* The verdict slot for a check id of this chapter (NULL if the id is not the
 * chapter's: a programming error, reported as ERROR by the engine). */
struct check_result *lab_check(struct lab *lab, const char *id);
void lab_metric(struct lab *lab, const char *name, double value);
void lab_artifact(struct lab *lab, const char *name, const char *path);
/* For every chapter's prepare: load the manifests, find the profile's
 * files, probe the host and choose the accelerator. -ENOENT (image missing,
 * unknown profile), -EINVAL (bad manifest), -ENODEV/-EACCES (--accel kvm
 * without a usable /dev/kvm); lab->blocked holds the one-line reason. */
int lab_prepare_image(struct lab *lab);
/* A path inside the run directory (malloc'd). */
char *lab_path(const struct lab *lab, const char *name);

/* A lab ready for a run of ch (NULL: no chapter, no checks) with opt: no
 * VM, every check id of ch's steps not yet decided. */
void lab_init(struct lab *lab, const struct chapter *ch, const struct lab_options *opt);
/* A check of the lab's report, once (beyond those of the chapter's steps). */
void lab_add_check(struct lab *lab, const char *id);
/* Every check of the lab that nothing decided: check_settle_undecided. */
void lab_settle_undecided(struct lab *lab);
/* Free what the lab holds (VMs' paths, artifacts, image, manifests, run
 * directory names, the chapter's state); the lab itself is the caller's. */
void lab_release(struct lab *lab);
/* Everything the run created is gone: the ledger goes too (and the cleanup
 * registry stops writing it), so `vlab status` has nothing to say about
 * this run. */
void lab_drop_ledger(struct lab *lab);

/* What the VM layer sees of this lab, made afresh for each call from the
 * lab's own fields: its run directory, image, accelerator, --keep,
 * --boot-timeout, blocked and artifact list. */
struct vm_run_ctx lab_vm_ctx(struct lab *lab);

/* The chapters' VM calls: the VM layer's (vmrun.h), for this lab. */
int vm_prepare(struct lab *lab, struct vm *vm, const char *name, const struct nic_spec *nics, int nnics);
int vm_start(struct lab *lab, struct vm *vm);
int vm_create_overlay(struct lab *lab, struct vm *vm);
int vm_wait_login(struct lab *lab, struct vm *vm);
int vm_wait_logins(struct lab *lab, struct vm *const *vms, int n);
int vm_login(struct lab *lab, struct vm *vm, const char *user, const char *password);
int vm_run(struct lab *lab, struct vm *vm, const char *cmd, int64_t timeout_ms, struct strbuf *out, int *status);
void vm_stop(struct lab *lab, struct vm *vm);
/* The boot deadline: --boot-timeout, else 30 s under KVM, 90 s under TCG. */
int64_t lab_boot_timeout_ms(const struct lab *lab);
/* A deadline for guest commands, scaled for TCG. */
int64_t lab_cmd_timeout_ms(const struct lab *lab, int64_t kvm_ms);
/* Every chapter's teardown: each VM of the run stopped, or with --keep
 * detached and left running. */
void lab_vms_end(struct lab *lab);

#endif
