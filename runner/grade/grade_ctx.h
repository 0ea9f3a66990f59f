/* One `vlab grade` run's settings and what the host gave it, which the
 * command (runner/cmd/grade.c) fills in from its options and checks, and the
 * grading (runner/grade/grading_run.h) reads: in the parent and in every
 * worker it forks. */
#ifndef VLAB_GRADE_CTX_H
#define VLAB_GRADE_CTX_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "checks/rubric.h"
#include "runner/grade/cgroup.h"
#include "runner/host/host.h"
#include "runner/lab.h"
#include "runner/fetch/image.h"

/* The script a submission hands in (lab chapter 1). */
#define GRADE_SCRIPT_NAME "runqemu_single_vm.sh"
/* The script of chapter 3's two VMs, run too when the rubric lists one of
 * the checks it decides (runner/grade/two_vm_run.h). */
#define GRADE_TWO_VMS_SCRIPT_NAME "runqemu_two_vms.sh"
/* Submissions graded at once, at most (-j). */
#define GRADE_MAX_JOBS 16

struct grade_ctx {
	char **subs;              /* absolute paths */
	char **names;             /* their report names */
	int n;
	int jobs;                 /* -j; 0 until chosen (runner/grade/grade_jobs.h) */
	char jobs_why[200];       /* how the default was chosen; "" when -j was given */
	int timeout_s;
	bool self;
	enum report_format format;
	char out[PATH_MAX];
	struct rubric rubric;
	char rubric_origin[PATH_MAX];
	char rubric_sha256[65];
	struct manifest manifest;
	struct image img;
	const char *profile;
	struct accel_decision accel;
	char vlab_exe[PATH_MAX];
	char *real_qemu;
	char *bwrap;
	char *grade_root;         /* RUN_BASE/grade-RUNID: the sandboxes */
	char cgroup_parent[64];   /* "vlab-grade-RUNID" below vlab's own cgroup */
	struct cgroup_host cgroups;
	uint64_t memory_bytes, disk_bytes;
	uint64_t memory_two_vms_bytes;  /* the two-VM script's sandbox (two qemus) */
	char http_cmd[128];
	bool script_network;      /* --network script: the script builds the lab's links (sandbox.h) */
};

#endif
