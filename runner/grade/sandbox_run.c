/* A submission's script in a sandbox of its own, as a grading worker runs
 * it; see sandbox_run.h. */
#include "runner/grade/sandbox_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/net/net.h"
#include "runner/proc.h"
#include "checks/lab_plan.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"

/* What a graded script may print that is kept (the rest is counted). */
#define SCRIPT_LOG_CAP (1 << 20)

char *run_initrd_path(const struct grade_ctx *ctx, const char *root)
{
	return ctx->img.initrd ? xasprintf("%s/work/%s", root, strrchr(ctx->img.initrd, '/') + 1) : NULL;
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
	char *initrd = run_initrd_path(ctx, root);
	if (initrd)
		env[ne++] = xasprintf("VLAB_SHIM_INITRD=%s", initrd);
	free(initrd);
	env[ne] = NULL;
	return ne;
}

static void sandbox_spec_for(const struct grade_ctx *ctx, int i, const struct run_setup *setup,
			     const struct submission_run *run, int out_fd, char **env, struct sandbox_spec *spec)
{
	*spec = (struct sandbox_spec){
		.submission = ctx->subs[i],
		.image_dir = ctx->img.dir,
		.kernel = strrchr(ctx->img.kernel, '/') + 1,
		.rootfs = strrchr(ctx->img.rootfs, '/') + 1,
		.lab_kernel = LAB_KERNEL_NAME,
		.lab_rootfs = LAB_ROOTFS_NAME,
		.lab_rootfs2 = setup->lab_rootfs2,
		.root = run->root,
		.script = setup->script,
		.output_fd = out_fd,
		.vlab_exe = ctx->vlab_exe,
		.env = env,
		.uid = run->uid,
		.dev_kvm = ctx->accel.accel == ACCEL_KVM,
		.script_network = setup->script_network,
		.bwrap = ctx->bwrap,
		.nproc = 256,
		.cpu_s = ctx->timeout_s + 60,
		.fsize = 512ULL << 20,
		.disk_bytes = ctx->disk_bytes,
		.cgroups = &ctx->cgroups,
		.cgroup_parent = ctx->cgroup_parent,
		.cgroup_name = setup->sandbox_name,
		.limits = { .memory_bytes = setup->memory_bytes, .pids = SANDBOX_PIDS, .cpu_weight = 100 },
	};
}

void run_init(const struct grade_ctx *ctx, const struct run_setup *setup, const char *outdir,
	      struct submission_run *run)
{
	*run = (struct submission_run){ .uid_fd = -1, .rtree = -1, .shim_fd = -1 };
	run->root = xasprintf("%s/%s", ctx->grade_root, setup->sandbox_name);
	run->out_log = xasprintf("%s/script.log", outdir);
	run->console = xasprintf("%s/console.log", outdir);
	run->memory_bytes = setup->memory_bytes;
}

int sandbox_begin(const struct grade_ctx *ctx, int i, const struct run_setup *setup, struct submission_run *run,
		  struct outcome *o, void (*fail_run)(struct outcome *, bool, const char *, const char *))
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
	sandbox_spec_for(ctx, i, setup, run, out_fd, env, &spec);
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
		fail_run(o, true, NULL, why);
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

/* The awaited qemu of record seq, NULL when none of q[0..n) is. */
static struct awaited_qemu *awaited_of(struct awaited_qemu *q, int n, int seq)
{
	for (int k = 0; k < n; k++)
		if (q[k].seq == seq)
			return &q[k];
	return NULL;
}

/* Whether pid, which announced rec, is the shim that wrote it but has
 * exec'd qemu already: the real qemu, running the command line the shim
 * makes of rec (record_verified). Answers go out on one channel that every
 * shim of the sandbox reads, so when a script starts two qemus at once, the
 * answer to the first announcement can wake the second shim, which then
 * execs before the grader has looked at it (seen in CI: VM2 of a two-VM
 * script refused as an impostor). A process that runs exactly what the
 * record says is what the check is for, so it is taken. */
static bool shim_became_qemu(const struct grade_ctx *ctx, const struct submission_run *run, pid_t pid,
			     const struct record *rec)
{
	if (!process_exe_is(pid, ctx->real_qemu))
		return false;
	char why[400] = "";
	char *initrd = run_initrd_path(ctx, run->root);
	int verified = record_verified(ctx->real_qemu, &ctx->accel, rec, initrd, pid, why, sizeof(why));
	free(initrd);
	return verified == 1;
}

/* The shim's announcements waiting on its channel, a bounded number a
 * round (a script flooding the channel does not keep the worker from its
 * deadline), each answered: an awaited record's, from the shim run with its
 * command line (or that shim become the qemu its record says), gives its
 * shim_pid; from any other process, its impostor says which. */
static void read_announcements(const struct grade_ctx *ctx, struct submission_run *run, struct awaited_qemu *q,
			       int n)
{
	int seq, ar;
	pid_t apid;
	for (int k = 0; k < 64 && ((ar = sandbox_shim_announcement(&run->sb, &seq, &apid)) == 0 || ar == -EINVAL);
	     k++) {
		struct awaited_qemu *a = ar == 0 ? awaited_of(q, n, seq) : NULL;
		if (a && !a->shim_pid && !a->done) {
			if (!a->rec.present)
				record_load(run->shim_fd, run->sb.shim_dir, seq, &a->rec, a->refused, sizeof(a->refused));
			if (a->rec.present && (shim_process_is(ctx->vlab_exe, apid, &a->rec) ||
					       shim_became_qemu(ctx, run, apid, &a->rec)))
				a->shim_pid = apid;
			else if (a->rec.present)
				snprintf(a->impostor, sizeof(a->impostor), "pid %d, which is not the qemu shim run with the "
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

/* One round of the wait for a: its record and the shim's word for it (its
 * pid, from the kernel). a->done once found or refused. */
static void await_round(const struct grade_ctx *ctx, struct submission_run *run, struct awaited_qemu *a)
{
	int lr = a->rec.present ? 0
				: record_load(run->shim_fd, run->sb.shim_dir, a->seq, &a->rec, a->refused,
					      sizeof(a->refused));
	/* The shim publishes a record whole (written aside, then linked):
	 * a bad one it announced is refused for what it holds; one nobody
	 * announced may still be being forged, and is refused below for
	 * who wrote it, not for a half-written moment of it. */
	if (lr == -EBADMSG && !a->shim_pid) {
		a->bad_seen = a->bad_seen ? a->bad_seen : now_ms();
		lr = now_ms() - a->bad_seen > 5000 ? -EPERM : -ENOENT;
		if (lr == -EPERM)
			snprintf(a->refused, sizeof(a->refused),
				 "qemu-%d.json in the shim's directory was not written by the qemu shim (%s)", a->seq,
				 a->impostor[0] ? a->impostor : "no shim process announced it");
	}
	if (lr && lr != -ENOENT) {
		a->done = true;
		return;
	}
	if (a->rec.present && !a->rec_seen)
		a->rec_seen = now_ms();
	/* its exec is waited for once every record is in (await_qemus): a
	 * wait here would leave another shim's announcement unanswered */
	if (a->rec.present && a->shim_pid) {
		a->pid = a->shim_pid;
		a->done = true;
		return;
	}
	/* the shim announces a record as soon as it has published it:
	 * a record nobody announced is not the shim's */
	if (a->rec.present && now_ms() - a->rec_seen > 5000) {
		snprintf(a->refused, sizeof(a->refused),
			 "qemu-%d.json in the shim's directory was not written by the qemu shim (%s)", a->seq,
			 a->impostor[0] ? a->impostor : "no shim process announced it");
		record_release(&a->rec);
		a->done = true;
		return;
	}
	if (sandbox_script_exited(&run->sb) && !a->rec.present)
		a->done = true;
}

void await_qemus(const struct grade_ctx *ctx, struct submission_run *run, struct awaited_qemu *q, int n)
{
	if (run->shim_fd < 0)
		run->shim_fd = open(run->sb.shim_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int64_t first_ran = 0;
	while (ms_left(run->deadline) > 0 && !cleanup_stop_requested() && run->shim_fd >= 0) {
		read_announcements(ctx, run, q, n);
		int left = 0;
		for (int k = 0; k < n; k++) {
			if (!q[k].done)
				await_round(ctx, run, &q[k]);
			left += !q[k].done;
			if (q[k].done && q[k].pid > 0 && !first_ran)
				first_ran = now_ms();
		}
		if (!left)
			break;
		if (first_ran && now_ms() - first_ran > AWAIT_OTHERS_MS) {
			for (int k = 0; k < n; k++)
				if (!q[k].done && !q[k].rec.present)
					q[k].done = q[k].late = true;
			continue;
		}
		struct pollfd pf = { .fd = run->sb.shim_fd, .events = POLLIN };
		poll(&pf, run->sb.shim_fd >= 0 ? 1 : 0, 50);
	}
	for (int k = 0; k < n; k++)
		if (q[k].pid > 0)
			await_qemu_exec(ctx, &q[k].rec, q[k].pid);
}

/* What the sandbox was, for the result's facts: its jail, uid, limits and
 * what the script used of them. */
static json_t *sandbox_facts(const struct grade_ctx *ctx, const struct submission_run *run)
{
	json_t *f = json_pack("{s:s, s:I, s:s, s:s, s:s?, s:I, s:i, s:I, s:b}", "jail", "bubblewrap", "host_uid",
			      (json_int_t)run->uid, "uid_map", run->sb.uid_map, "cgroup",
			      ctx->cgroups.version == CGROUP_V1   ? "v1"
			      : ctx->cgroups.version == CGROUP_V2 ? "v2"
								  : "none",
			      "cgroup_why", ctx->cgroups.version == CGROUP_NONE ? ctx->cgroups.why : NULL,
			      "memory_limit_bytes", (json_int_t)run->memory_bytes, "pids_max", SANDBOX_PIDS,
			      "disk_bytes", (json_int_t)ctx->disk_bytes, "seccomp", 1);
	if (ctx->cgroups.version != CGROUP_NONE) {
		json_object_set_new(f, "memory_peak_bytes", json_integer((json_int_t)run->sb.memory_peak));
		json_object_set_new(f, "memory_limit_hit", json_boolean(run->sb.memory_hit));
	}
	return f;
}

void sandbox_end(const struct grade_ctx *ctx, struct submission_run *run, struct outcome *o)
{
	bool exited = sandbox_script_exited(&run->sb);
	int st = run->sb.script_status;
	sandbox_stop(&run->sb, &o->left);
	json_object_set_new(o->facts, "sandbox", sandbox_facts(ctx, run));
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

void start_net_agent(const struct grade_ctx *ctx, struct submission_run *run, const char *outdir,
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

void save_netns(const char *outdir, struct outcome *o)
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

void run_release(struct submission_run *run)
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
