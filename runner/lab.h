/* The state of one chapter run: options, run directory, image, VMs, verdicts,
 * metrics and artifacts. Chapters' step functions work on it; the engine
 * drives it; the report prints it. */
#ifndef VLAB_LAB_H
#define VLAB_LAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "checks/verdict.h"
#include "runner/host/host.h"
#include "runner/vm/image.h"
#include "runner/vm/vm.h"

struct console;
struct qmp;
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
	int duration_s;             /* --duration: each iperf3 run (chapter 3); 0: the chapter's default */
	int count_seconds;          /* --seconds: VM exits counted (chapter 4 step 2); 0: the default */
	bool allow_module_reload;   /* --allow-module-reload: chapter 4 may reload kvm_intel/kvm_amd */
};

struct vm {
	char name[16];              /* "vm1" */
	struct vm_spec spec;
	struct vm_argv argv;
	char *lab_command;          /* the lab's own line for the same VM (display) */
	pid_t pid;                  /* > 0 running; < 0 exited (and reaped); 0 never started */
	char exit_desc[96];         /* how it exited, once it has */
	int pid_handle;             /* cleanup registry handles, -1 none */
	int overlay_handle, serial_handle, qmp_handle;
	char *overlay, *serial_path, *qmp_path, *stderr_path, *transcript_path;
	struct console *con;
	struct qmp *qmp;
	int64_t spawned_ms;
	int64_t login_prompt_ms;    /* when "login:" was first seen; 0: not yet */
	bool at_login_prompt;       /* vm_wait_login(s) saw "login:" and nothing was typed since */
	char logged_in_as[32];      /* "" when at a login prompt or unknown */
};

#define LAB_MAX_CHECKS 32
#define LAB_MAX_METRICS 16
#define LAB_MAX_ARTIFACTS 8
#define LAB_MAX_VMS 2

struct metric {
	const char *name;           /* static, unit in the name: "boot_to_login_ms" */
	double value;
};

struct artifact {
	const char *name;           /* static: "vm1.console" */
	char *path;
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
	int64_t duration_ms;
	bool setup_only;            /* a --step's set-up step is running: no titles */
	char blocked[512];          /* why the remaining steps could not run ("" if none) */
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

#endif
