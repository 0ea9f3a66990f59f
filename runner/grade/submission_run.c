/* One submission's run in its sandbox; see submission_run.h. */
#include "runner/grade/submission_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/grade/sandbox_run.h"
#include "runner/grade/two_vm_run.h"
#include "checks/lab_plan.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/inspect/grading_evidence.h"

/* Whether the script is missing or cannot run: then every check of the
 * run FAILs saying why, and no sandbox is made. */
static bool script_refused(const char *dir, struct outcome *o)
{
	char *script = xasprintf("%s/" GRADE_SCRIPT_NAME, dir);
	bool has_script = path_exists(script);
	free(script);
	if (!has_script) {
		const char *why = "the submission has no " GRADE_SCRIPT_NAME;
		const char *hint = "hand in your completed " GRADE_SCRIPT_NAME " (`vlab handout` writes the starter)";
		fail_run_checks(o, false, hint, why);
		snprintf(o->script, sizeof(o->script), "not run: no " GRADE_SCRIPT_NAME);
		return true;
	}
	/* what would stop the kernel from running it, in the student's terms */
	char bad[320];
	const char *bad_hint = NULL;
	if (script_unrunnable(dir, GRADE_SCRIPT_NAME, bad, sizeof(bad), &bad_hint)) {
		fail_run_checks(o, false, bad_hint, bad);
		text_printf(o->script, sizeof(o->script), "not run: %s", bad);
		return true;
	}
	return false;
}

/* The VM the record's qemu runs, checked as `vlab verify` checks a lab;
 * a qemu that died (a typo qemu refused, a crash): what no check could ask
 * is the student's failure, with qemu's words. */
static void check_running_vm(const struct grade_ctx *ctx, struct submission_run *run, struct outcome *o,
			     const struct record *rec, pid_t qpid)
{
	int64_t boot = ctx->accel.accel == ACCEL_KVM ? 30000 : 90000;
	if (boot > ms_left(run->deadline))
		boot = ms_left(run->deadline);
	struct verify_grading g = {
		.pid = qpid > 0 ? qpid : -1,
		.argv = rec->argv,
		.argc = rec->argc,
		.qmp_path = rec->qmp,
		.transcript = run->console,
		.http_cmd = ctx->http_cmd,
		.boot_wait_ms = boot > 1000 ? boot : 1000,
		.tcg = ctx->accel.accel != ACCEL_KVM,
	};
	size_t n = 0;
	struct check_result got[LAB_MAX_CHECKS * 2];
	if (verify_for_grading(&g, got, ARRAY_SIZE(got), &n, o->facts) == 0) {
		for (size_t k = 0; k < n; k++) {
			struct check_result *dst = outcome_slot(o, got[k].id);
			if (dst)
				*dst = got[k];
		}
	}
	if (qpid <= 0 || proc_gone(qpid)) {
		char line[300];
		char errname[32];
		snprintf(errname, sizeof(errname), "qemu-1.stderr");
		last_line_at(run->shim_fd, errname, line, sizeof(line));
		char why[600];
		snprintf(why, sizeof(why), "qemu exited%s%s%s", line[0] ? ": it said '" : " without a word on stderr",
			 line, line[0] ? "'" : "");
		fail_vm_checks_qemu_exited(o, why);
		json_object_set_new(o->facts, "qemu_exited", json_string(why));
	}
}

/* The script's first qemu, found: its record verified against the
 * running process, the command line's checks, the record and its changes
 * kept, the VM checked. */
static void judge_record(const struct grade_ctx *ctx, struct submission_run *run, struct outcome *o,
			 const struct record *rec, pid_t qpid)
{
	char forged[400] = "";
	char *initrd = run_initrd_path(ctx, run->root);
	int verified = record_verified(ctx->real_qemu, &ctx->accel, rec, initrd, qpid, forged, sizeof(forged));
	free(initrd);
	json_object_set_new(o->facts, "record_verified", verified < 0 ? json_null() : json_boolean(verified));
	if (verified == 0) {
		char why[560];
		snprintf(why, sizeof(why), "the recorded command line is not the one qemu runs: %s", forged);
		fail_cmdline_checks(o, false,
				    "start qemu-system-x86_64 from the script as the lab does (by name, in its PATH)", why);
	} else {
		static_checks(o, rec->argv, rec->argc);
	}
	if (strrchr(rec->stderr_path, '/'))
		snprintf(o->stderr_name, sizeof(o->stderr_name), "%s", strrchr(rec->stderr_path, '/') + 1);
	json_t *q = json_deep_copy(rec->json);
	json_array_append_new(o->qemus, q);
	size_t k;
	json_t *c;
	json_array_foreach(json_object_get(rec->json, "changes"), k, c) {
		json_array_append_new(o->adaptations, json_sprintf("%s: %s", json_string_value(json_object_get(c, "what")),
								   json_string_value(json_object_get(c, "why"))));
	}
	check_running_vm(ctx, run, o, rec, qpid);
}

/* No qemu to judge: a record refused, or none: the script's end (or the
 * deadline) and its last line say why. */
static void judge_no_qemu(const struct grade_ctx *ctx, struct submission_run *run, struct outcome *o,
			  const char *refused, const char *outdir)
{
	if (refused[0]) {
		const char *hint = "let the script start qemu-system-x86_64 by name; leave the grader's files alone";
		fail_run_checks(o, false, hint, refused);
		return;
	}
	char line[300] = "";
	int log_dir = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	last_line_at(log_dir, "script.log", line, sizeof(line));
	if (log_dir >= 0)
		close(log_dir);
	char why[700];
	if (sandbox_script_exited(&run->sb)) {
		char how[96];
		proc_describe_status(run->sb.script_status, how, sizeof(how));
		snprintf(why, sizeof(why), "the script started no qemu-system-x86_64: it %s%s%s%s", how,
			 line[0] ? "; its last line: '" : "", line, line[0] ? "'" : "");
	} else {
		snprintf(why, sizeof(why), "the script started no qemu-system-x86_64 within %d s", ctx->timeout_s);
	}
	const char *hint = "run qemu-system-x86_64 from the script, in the foreground (lab chapter 1)";
	fail_run_checks(o, false, hint, why);
}

/* Chapters 1-2: runqemu_single_vm.sh and the VM its first qemu runs. */
static void run_single_vm(const struct grade_ctx *ctx, int i, const char *outdir, struct outcome *o)
{
	if (script_refused(ctx->subs[i], o))
		return;
	const struct run_setup setup = {
		.script = GRADE_SCRIPT_NAME,
		.sandbox_name = ctx->names[i],
		.script_network = ctx->script_network,
		.memory_bytes = ctx->memory_bytes,
	};
	struct submission_run run;
	run_init(ctx, &setup, outdir, &run);
	if (sandbox_begin(ctx, i, &setup, &run, o, fail_run_checks) == 0) {
		struct awaited_qemu q = { .seq = 1 };
		if (ctx->script_network)
			start_net_agent(ctx, &run, outdir, o);
		await_qemus(ctx, &run, &q, 1);
		int64_t started_ms = now_ms() - run.t0;
		if (q.rec.present) {
			judge_record(ctx, &run, o, &q.rec, q.pid);
			record_release(&q.rec);
		} else {
			judge_no_qemu(ctx, &run, o, q.refused, outdir);
		}
		json_object_set_new(o->facts, "qemu_started_ms", json_integer(started_ms));
		json_object_set_new(o->facts, "qemu_pid", json_integer(q.pid));
		if (ctx->script_network)
			save_netns(outdir, o);
		sandbox_end(ctx, &run, o);
		/* the channel's other ends went with the sandbox: it is ending */
		net_agent_stop(&run.agent, 2000);
		/* read through the directory opened before the stop (its disk
		 * is detached now) */
		keep_shim_files(run.shim_fd, outdir, o->adaptations);
	}
	run_release(&run);
}

void run_submission(const struct grade_ctx *ctx, int i, const char *outdir, struct outcome *o)
{
	run_single_vm(ctx, i, outdir, o);
	if (two_vm_run_wanted(&ctx->rubric))
		run_two_vms(ctx, i, outdir, o);
}
