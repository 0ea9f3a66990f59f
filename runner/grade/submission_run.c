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
#include "runner/grade/capped_log.h"
#include "runner/grade/net_agent.h"
#include "runner/grade/sandbox.h"
#include "runner/net/net.h"
#include "runner/grade/shim_record.h"
#include "checks/lab_plan.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/inspect/grading_evidence.h"

/* What a graded script may print that is kept (the rest is counted). */
#define SCRIPT_LOG_CAP (1 << 20)

/* One submission's sandbox and what the worker holds of it. */
struct submission_run {
	char *root;               /* GRADE_ROOT/NAME: the sandbox's directory */
	char *out_log;            /* OUTDIR/script.log */
	char *console;            /* OUTDIR/console.log */
	struct capped_log out_cap;
	bool log_relay;           /* out_cap's relay runs (until capped_log_finish) */
	uid_t uid;                /* the script's */
	int uid_fd;               /* the claim on it, -1 none */
	int rtree;                /* cleanup registration of root */
	struct sandbox sb;
	struct net_agent agent;   /* --network script: applies the script's ip and brctl changes */
	int shim_fd;              /* the shim's directory, opened once the sandbox runs; -1 none */
	int64_t t0, deadline;     /* when the sandbox started; when --timeout ends */
};

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
	if (script_unrunnable(dir, bad, sizeof(bad), &bad_hint)) {
		fail_run_checks(o, false, bad_hint, bad);
		text_printf(o->script, sizeof(o->script), "not run: %s", bad);
		return true;
	}
	return false;
}

/* The shim's configuration, as its environment (shim.h): env gets the
 * strings (to free), NULL-terminated; their count. */
static int shim_env(const struct grade_ctx *ctx, const char *root, char *env[8])
{
	int ne = 0;
	env[ne++] = xasprintf("VLAB_SHIM_DIR=%s/" SANDBOX_SHIM_DIR, root);
	env[ne++] = xasprintf("VLAB_SHIM_QEMU=%s", ctx->real_qemu);
	env[ne++] = xasprintf("VLAB_SHIM_ACCEL=%s", ctx->accel.accel == ACCEL_KVM ? "kvm" : "tcg");
	env[ne++] = xasprintf("VLAB_SHIM_ACCEL_WHY=%s", ctx->accel.reason);
	if (ctx->img.initrd)
		env[ne++] = xasprintf("VLAB_SHIM_INITRD=%s/work/%s", root, strrchr(ctx->img.initrd, '/') + 1);
	env[ne] = NULL;
	return ne;
}

static void sandbox_spec_for(const struct grade_ctx *ctx, int i, const struct submission_run *run, int out_fd,
			     char **env, struct sandbox_spec *spec)
{
	*spec = (struct sandbox_spec){
		.submission = ctx->subs[i],
		.image_dir = ctx->img.dir,
		.kernel = strrchr(ctx->img.kernel, '/') + 1,
		.rootfs = strrchr(ctx->img.rootfs, '/') + 1,
		.lab_kernel = LAB_KERNEL_NAME,
		.lab_rootfs = LAB_ROOTFS_NAME,
		.root = run->root,
		.script = GRADE_SCRIPT_NAME,
		.output_fd = out_fd,
		.vlab_exe = ctx->vlab_exe,
		.env = env,
		.uid = run->uid,
		.dev_kvm = ctx->accel.accel == ACCEL_KVM,
		.script_network = ctx->script_network,
		.bwrap = ctx->bwrap,
		.nproc = 256,
		.cpu_s = ctx->timeout_s + 60,
		.fsize = 512ULL << 20,
		.disk_bytes = ctx->disk_bytes,
		.cgroups = &ctx->cgroups,
		.cgroup_parent = ctx->cgroup_parent,
		.cgroup_name = ctx->names[i],
		.limits = { .memory_bytes = ctx->memory_bytes, .pids = SANDBOX_PIDS, .cpu_weight = 100 },
	};
}

/* Start the script in its sandbox: 0, or -errno after failing every check
 * of the run as vlab's ERROR. */
static int sandbox_begin(const struct grade_ctx *ctx, int i, struct submission_run *run, struct outcome *o)
{
	/* the script's output through a relay that keeps SCRIPT_LOG_CAP bytes */
	int out_fd = capped_log_start(run->out_log, SCRIPT_LOG_CAP, &run->out_cap) == 0 ? run->out_cap.write_fd : -1;
	run->log_relay = out_fd >= 0;
	/* a uid of its own: no other sandbox on this host, of this vlab or
	 * another, shares its processes' limits or signals */
	int ur = sandbox_claim_uid("", &run->uid, &run->uid_fd);
	o->uid = ur ? -1 : (int)run->uid;
	char *env[8];
	int ne = shim_env(ctx, run->root, env);
	struct sandbox_spec spec;
	sandbox_spec_for(ctx, i, run, out_fd, env, &spec);
	char err[640] = "";
	run->t0 = now_ms();
	run->deadline = run->t0 + (int64_t)ctx->timeout_s * 1000;
	run->rtree = cleanup_add_path(RES_TREE, run->root);
	int r = out_fd < 0 ? -EIO : ur ? ur : sandbox_start(&spec, &run->sb, err, sizeof(err));
	if (ur && !err[0])
		snprintf(err, sizeof(err), "no free uid for the script (%u..%u all in use)", SANDBOX_UID_BASE,
			 SANDBOX_UID_BASE + SANDBOX_UID_COUNT - 1);
	if (out_fd >= 0) {
		close(out_fd);
		run->out_cap.write_fd = -1;
	}
	for (int k = 0; k < ne; k++)
		free(env[k]);
	if (r) {
		char why[800];
		snprintf(why, sizeof(why), "vlab could not make the sandbox: %s", err[0] ? err : strerror(-r));
		fail_run_checks(o, true, NULL, why);
		text_printf(o->script, sizeof(o->script), "not run: %s", why);
		return r;
	}
	for (int k = 0; k < run->sb.nnotes; k++)
		json_array_append_new(o->adaptations, json_string(run->sb.notes[k]));
	if (ctx->cgroups.version == CGROUP_NONE)
		json_array_append_new(o->adaptations,
				      json_sprintf("warning: this sandbox had no memory, process or CPU limit as a whole "
						   "(%s); its disk, uid, namespaces and seccomp filter were as always",
						   ctx->cgroups.why));
	return 0;
}

/* The shim's announcements waiting on its channel, a bounded number a
 * round (a script flooding the channel does not keep the worker from its
 * deadline), each answered: the first record's, from the shim run with its
 * command line, gives *shim_pid; from any other process, impostor says
 * which. */
static void read_announcements(const struct grade_ctx *ctx, struct submission_run *run, struct record *rec,
			       pid_t *shim_pid, char *refused, size_t nrefused, char *impostor, size_t nimpostor)
{
	int seq, ar;
	pid_t apid;
	for (int k = 0; k < 64 && ((ar = sandbox_shim_announcement(&run->sb, &seq, &apid)) == 0 || ar == -EINVAL);
	     k++) {
		if (ar == 0 && seq == 1 && !*shim_pid) {
			if (!rec->present)
				record_load(run->shim_fd, run->sb.shim_dir, 1, rec, refused, nrefused);
			if (rec->present && shim_process_is(ctx->vlab_exe, apid, rec))
				*shim_pid = apid;
			else if (rec->present)
				snprintf(impostor, nimpostor, "pid %d, which is not the qemu shim run with the "
					 "recorded command line", (int)apid);
		}
		if (ar == 0)
			sandbox_shim_answer(&run->sb);
	}
}

/* Until the shim has become qemu (its exec), then until qemu's QMP socket
 * is there: qemu makes it after reading its whole command line, so a qemu
 * that refuses the line is gone by then, and is judged gone. */
static void await_qemu_exec(const struct grade_ctx *ctx, const struct record *rec, pid_t qpid)
{
	int64_t until = now_ms() + 5000;
	while (process_exe_is(qpid, ctx->vlab_exe) && ms_left(until) > 0)
		poll(NULL, 0, 10);
	until = now_ms() + 10000;
	while (!path_exists(rec->qmp) && !proc_gone(qpid) && ms_left(until) > 0)
		poll(NULL, 0, 10);
}

/* The script's first qemu: its record, the shim's word for it (its pid,
 * from the kernel), then the process after its exec; until the deadline.
 * rec loaded and *qpid set when found; refused says why a record there is
 * not trusted. */
static void await_first_qemu(const struct grade_ctx *ctx, struct submission_run *run, struct record *rec,
			     pid_t *qpid, char *refused, size_t nrefused)
{
	pid_t shim_pid = 0;
	char impostor[200] = "";
	int64_t rec_seen = 0, bad_seen = 0;
	run->shim_fd = open(run->sb.shim_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	while (ms_left(run->deadline) > 0 && !cleanup_stop_requested() && run->shim_fd >= 0) {
		read_announcements(ctx, run, rec, &shim_pid, refused, nrefused, impostor, sizeof(impostor));
		int lr = rec->present ? 0 : record_load(run->shim_fd, run->sb.shim_dir, 1, rec, refused, nrefused);
		/* The shim publishes a record whole (written aside, then linked):
		 * a bad one it announced is refused for what it holds; one nobody
		 * announced may still be being forged, and is refused below for
		 * who wrote it, not for a half-written moment of it. */
		if (lr == -EBADMSG && !shim_pid) {
			bad_seen = bad_seen ? bad_seen : now_ms();
			lr = now_ms() - bad_seen > 5000 ? -EPERM : -ENOENT;
			if (lr == -EPERM)
				snprintf(refused, nrefused,
					 "qemu-1.json in the shim's directory was not written by the qemu shim (%s)",
					 impostor[0] ? impostor : "no shim process announced it");
		}
		if (lr && lr != -ENOENT)
			break;
		if (rec->present && !rec_seen)
			rec_seen = now_ms();
		if (rec->present && shim_pid) {
			*qpid = shim_pid;
			await_qemu_exec(ctx, rec, *qpid);
			break;
		}
		/* the shim announces a record as soon as it has published it:
		 * a record nobody announced is not the shim's */
		if (rec->present && now_ms() - rec_seen > 5000) {
			snprintf(refused, nrefused,
				 "qemu-1.json in the shim's directory was not written by the qemu shim (%s)",
				 impostor[0] ? impostor : "no shim process announced it");
			record_release(rec);
			break;
		}
		if (sandbox_script_exited(&run->sb) && !rec->present)
			break;
		struct pollfd pf = { .fd = run->sb.shim_fd, .events = POLLIN };
		poll(&pf, run->sb.shim_fd >= 0 ? 1 : 0, 50);
	}
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
	char *initrd = ctx->img.initrd ? xasprintf("%s/work/%s", run->root, strrchr(ctx->img.initrd, '/') + 1) : NULL;
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

/* What the sandbox was, for the result's facts: its jail, uid, limits and
 * what the script used of them. */
static json_t *sandbox_facts(const struct grade_ctx *ctx, const struct sandbox *sb, uid_t uid)
{
	json_t *f = json_pack("{s:s, s:I, s:s, s:s, s:s?, s:I, s:i, s:I, s:b}", "jail", "bubblewrap", "host_uid",
			      (json_int_t)uid, "uid_map", sb->uid_map, "cgroup",
			      ctx->cgroups.version == CGROUP_V1   ? "v1"
			      : ctx->cgroups.version == CGROUP_V2 ? "v2"
								  : "none",
			      "cgroup_why", ctx->cgroups.version == CGROUP_NONE ? ctx->cgroups.why : NULL,
			      "memory_limit_bytes", (json_int_t)ctx->memory_bytes, "pids_max", SANDBOX_PIDS,
			      "disk_bytes", (json_int_t)ctx->disk_bytes, "seccomp", 1);
	if (ctx->cgroups.version != CGROUP_NONE) {
		json_object_set_new(f, "memory_peak_bytes", json_integer((json_int_t)sb->memory_peak));
		json_object_set_new(f, "memory_limit_hit", json_boolean(sb->memory_hit));
	}
	return f;
}

/* End the sandbox (the script and all it started) and say how the script
 * ended, what the sandbox used, and how much the script printed. */
static void sandbox_end(const struct grade_ctx *ctx, struct submission_run *run, struct outcome *o)
{
	bool exited = sandbox_script_exited(&run->sb);
	int st = run->sb.script_status;
	sandbox_stop(&run->sb, &o->left);
	json_object_set_new(o->facts, "sandbox", sandbox_facts(ctx, &run->sb, run->uid));
	if (exited) {
		char how[96];
		proc_describe_status(st, how, sizeof(how));
		snprintf(o->script, sizeof(o->script), "%s before vlab ended it", how);
	} else {
		snprintf(o->script, sizeof(o->script), "ended by vlab after the checks (SIGKILL to its pid namespace)");
	}
	uint64_t printed = 0;
	if (run->log_relay && capped_log_finish(&run->out_cap, 10000, &printed) == 0 && printed > SCRIPT_LOG_CAP) {
		json_array_append_new(o->adaptations,
				      json_sprintf("the script printed %llu bytes; script.log keeps the first %d "
						   "(the cap)", (unsigned long long)printed, SCRIPT_LOG_CAP));
	}
	json_object_set_new(o->facts, "script_output_bytes", json_integer((json_int_t)printed));
	run->log_relay = false;
}

/* The grader's side of the ip and brctl shims (net_agent.h), logging to
 * OUTDIR/net-commands.jsonl. */
static void start_net_agent(const struct grade_ctx *ctx, struct submission_run *run, const char *outdir,
			    struct outcome *o)
{
	char *log = xasprintf("%s/net-commands.jsonl", outdir);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	free(log);
	int r = net_agent_start(&run->agent, run->sb.net_fd, ctx->vlab_exe, run->uid, fd);
	run->sb.net_fd = -1;  /* the agent's now (closed here in every case) */
	if (r)
		json_array_append_new(o->adaptations, json_sprintf("warning: the script's network commands could not be "
								   "applied: %s", strerror(-r)));
}

/* The links of the sandbox's network namespace as the script left them
 * (this worker lives in it), read over rtnetlink before the sandbox ends:
 * OUTDIR/netns.json {"links": [{"name", "kind", "up", "master", "addresses"}]}. */
static void save_netns(const char *outdir, struct outcome *o)
{
	struct net *n;
	struct net_link_info links[64];
	size_t count = 0;
	int r = net_open(&n);
	if (!r) {
		r = net_link_list(n, links, ARRAY_SIZE(links), &count);
		net_close(n);
	}
	if (r) {
		json_array_append_new(o->adaptations, json_sprintf("warning: the sandbox's links could not be read: %s",
								   strerror(-r)));
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < count && i < ARRAY_SIZE(links); i++) {
		json_t *addrs = json_array();
		for (int k = 0; k < links[i].naddrs; k++)
			json_array_append_new(addrs, json_string(links[i].addrs[k]));
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", links[i].name, "kind",
						   links[i].kind, "up", links[i].up, "master", links[i].master,
						   "addresses", addrs));
	}
	json_t *j = json_pack("{s:o}", "links", a);
	char *path = xasprintf("%s/netns.json", outdir);
	if (json_dump_file(j, path, JSON_INDENT(2)) < 0)
		json_array_append_new(o->adaptations, json_sprintf("warning: %s could not be written", path));
	free(path);
	json_decref(j);
}

static void run_release(struct submission_run *run)
{
	if (run->shim_fd >= 0)
		close(run->shim_fd);
	if (run->log_relay) {
		uint64_t ignored;
		capped_log_finish(&run->out_cap, 10000, &ignored);
	}
	cleanup_release(run->rtree);
	if (run->uid_fd >= 0)
		close(run->uid_fd);
	free(run->root);
	free(run->out_log);
	free(run->console);
}

void run_submission(const struct grade_ctx *ctx, int i, const char *outdir, struct outcome *o)
{
	if (script_refused(ctx->subs[i], o))
		return;
	struct submission_run run = { .uid_fd = -1, .rtree = -1, .shim_fd = -1 };
	run.root = xasprintf("%s/%s", ctx->grade_root, ctx->names[i]);
	run.out_log = xasprintf("%s/script.log", outdir);
	run.console = xasprintf("%s/console.log", outdir);
	if (sandbox_begin(ctx, i, &run, o) == 0) {
		struct record rec = { 0 };
		pid_t qpid = 0;
		char refused[300] = "";
		if (ctx->script_network)
			start_net_agent(ctx, &run, outdir, o);
		await_first_qemu(ctx, &run, &rec, &qpid, refused, sizeof(refused));
		int64_t started_ms = now_ms() - run.t0;
		if (rec.present) {
			judge_record(ctx, &run, o, &rec, qpid);
			record_release(&rec);
		} else {
			judge_no_qemu(ctx, &run, o, refused, outdir);
		}
		json_object_set_new(o->facts, "qemu_started_ms", json_integer(started_ms));
		json_object_set_new(o->facts, "qemu_pid", json_integer(qpid));
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
