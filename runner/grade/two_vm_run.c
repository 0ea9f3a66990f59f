/* Chapter 3's two-VM script graded; see two_vm_run.h. */
#include "runner/grade/two_vm_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/handbuilt_lab.h"
#include "checks/check_registry.h"
#include "checks/handbuilt_two_vms.h"
#include "checks/lab_plan.h"
#include "checks/two_vm_plan.h"
#include "runner/grade/sandbox_run.h"
#include "runner/grade/two_vm_guests.h"
#include "runner/inspect/qemu_proc.h"
#include "runner/net/net.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"

/* The checks this run decides, as the registry has them: what the host
 * sees of the two qemus (the first nhost), then what the guests do over
 * the links. */
#define TWO_VM_MAX_CHECKS 16
struct two_vm_ids {
	const char *id[TWO_VM_MAX_CHECKS];
	size_t n, nhost;
};

static void two_vm_ids(struct two_vm_ids *t)
{
	size_t h = check_registry_ids(GRADED_BY_TWO_VMS_HOST, t->id, TWO_VM_MAX_CHECKS);
	t->nhost = h < TWO_VM_MAX_CHECKS ? h : TWO_VM_MAX_CHECKS;
	size_t g = check_registry_ids(GRADED_BY_TWO_VMS_GUEST, t->id + t->nhost, TWO_VM_MAX_CHECKS - t->nhost);
	t->n = t->nhost + (g < TWO_VM_MAX_CHECKS - t->nhost ? g : TWO_VM_MAX_CHECKS - t->nhost);
}

#define TWO_VM_HINT_SCRIPT \
	"hand in the course's " GRADE_TWO_VMS_SCRIPT_NAME " (lab chapter 3) beside " GRADE_SCRIPT_NAME

bool two_vm_run_wanted(const struct rubric *r)
{
	struct two_vm_ids t;
	two_vm_ids(&t);
	for (size_t k = 0; k < t.n; k++)
		if (rubric_find(r, t.id[k]))
			return true;
	return false;
}

/* Every check of this run not yet done: FAIL with hint, or ERROR (vlab's
 * failure) when error, saying why. */
static void fail_two_vm_checks(struct outcome *o, bool error, const char *hint, const char *why)
{
	struct two_vm_ids t;
	two_vm_ids(&t);
	fail_checks(o, (const char *const *)t.id, t.n, error, hint, why);
}

/* What two_vm_judge holds of the two qemus. */
struct two_vm_seen {
	struct awaited_qemu q[2];
	struct qemu_cmdline cmd[2];
	bool parsed[2];
	char taps[2][4][16];
	size_t ntaps[2];
	struct net_link_info links[64];
	size_t nlinks;
	bool links_read;
};

/* Until qemu holds a tap for each tap netdev of its command line (it opens
 * them after its QMP socket, which await_qemus waited for), 5 s at most. */
static size_t taps_held(pid_t pid, const struct qemu_cmdline *c, char taps[][16], size_t max)
{
	struct qemu_nic nics[8];
	size_t nn = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics)), want = 0;
	for (size_t k = 0; k < nn && k < ARRAY_SIZE(nics); k++)
		want += nics[k].ifname != NULL;
	int64_t until = now_ms() + 5000;
	size_t n = qemu_taps(pid, taps, max);
	while (n < want && n < max && !proc_gone(pid) && ms_left(until) > 0) {
		poll(NULL, 0, 50);
		n = qemu_taps(pid, taps, max);
	}
	return n;
}

/* Record k: verified against the process (as chapters 1-2's is), parsed,
 * kept in o2; false when it cannot stand for a VM (forged: why says so). */
static bool take_record(const struct grade_ctx *ctx, struct submission_run *run, struct two_vm_seen *s, int k,
			struct outcome *o2, char *why, size_t n)
{
	const struct awaited_qemu *a = &s->q[k];
	char forged[400] = "";
	char *initrd = run_initrd_path(ctx, run->root);
	int verified = record_verified(ctx->real_qemu, &ctx->accel, &a->rec, initrd, a->pid, forged, sizeof(forged));
	free(initrd);
	json_t *q = json_deep_copy(a->rec.json);
	json_object_set_new(q, "verified", verified < 0 ? json_null() : json_boolean(verified));
	json_array_append_new(o2->qemus, q);
	if (verified == 0) {
		snprintf(why, n, "qemu-%d's recorded command line is not the one qemu runs: %s", a->seq, forged);
		return false;
	}
	if (qemu_cmdline_parse(a->rec.argv, a->rec.argc, &s->cmd[k])) {
		snprintf(why, n, "qemu-%d's recorded command line could not be read", a->seq);
		return false;
	}
	s->parsed[k] = true;
	if (a->pid > 0)
		s->ntaps[k] = taps_held(a->pid, &s->cmd[k], s->taps[k], 4);
	return true;
}

/* Why a VM is missing when fewer than two qemus were found: the script's
 * end, the wait for the second after the first, or the deadline. */
static void missing_why(struct submission_run *run, const struct grade_ctx *ctx, const struct two_vm_seen *s,
			int found, char *why, size_t n)
{
	if (found == 1 && (s->q[0].late || s->q[1].late)) {
		snprintf(why, n,
			 GRADE_TWO_VMS_SCRIPT_NAME " started 1 qemu-system-x86_64 of the lab's two: no second came "
						   "within %d s of the first",
			 AWAIT_OTHERS_MS / 1000);
	} else if (sandbox_script_exited(&run->sb)) {
		char how[96];
		proc_describe_status(run->sb.script_status, how, sizeof(how));
		snprintf(why, n, GRADE_TWO_VMS_SCRIPT_NAME " started %d qemu-system-x86_64 of the lab's two: it %s", found,
			 how);
	} else {
		snprintf(why, n, GRADE_TWO_VMS_SCRIPT_NAME " started %d qemu-system-x86_64 of the lab's two within %d s",
			 found, ctx->timeout_s);
	}
}

/* The host-side verdicts of verify 3 on what was found; vm_pid[v]: VM
 * v's qemu, 0 not found. */
static void judge_hosts(struct two_vm_seen *s, const char *missing, struct outcome *o, pid_t vm_pid[2])
{
	struct two_vm_candidate cands[2];
	int map[2];
	size_t nc = 0;
	for (int k = 0; k < 2; k++) {
		if (s->parsed[k]) {
			map[nc] = k;
			cands[nc++] = (struct two_vm_candidate){ s->q[k].pid, &s->cmd[k] };
		}
	}
	int out[2] = { -1, -1 };
	char pair_why[400] = "", left[2][200];
	size_t nleft = 0;
	if (nc)
		two_vm_pair(cands, nc, out, pair_why, sizeof(pair_why), left, ARRAY_SIZE(left), &nleft);
	struct two_vm_facts f;
	memset(&f, 0, sizeof(f));
	for (int v = 0; v < 2; v++) {
		if (out[v] < 0)
			continue;
		int k = map[out[v]];
		vm_pid[v] = s->q[k].pid;
		f.vm[v].cmd = &s->cmd[k];
		f.vm[v].pid = s->q[k].pid;
		for (size_t t = 0; t < s->ntaps[k] && t < 4; t++)
			f.vm[v].taps[t] = s->taps[k][t];
		f.vm[v].ntaps = s->ntaps[k];
	}
	f.missing = missing[0] ? missing : pair_why[0] ? pair_why : "a VM of the lab's two was not found";
	f.ns_ok = s->links_read;
	f.ns_error = s->links_read ? "" : "the sandbox's links could not be read";
	f.links = s->links;
	f.nlinks = s->nlinks;
	struct two_vm_ids t;
	two_vm_ids(&t);
	struct check_result checks[TWO_VM_MAX_CHECKS];
	for (size_t k = 0; k < t.nhost; k++)
		check_init(&checks[k], t.id[k]);
	check_registry_judge_two_vms(&f, checks, t.nhost);
	for (size_t k = 0; k < t.nhost; k++) {
		struct check_result *dst = outcome_slot(o, t.id[k]);
		if (dst && checks[k].done)
			*dst = checks[k];
	}
}

/* Whether the rubric lists a check of the guests'. */
static bool guest_checks_wanted(const struct rubric *r)
{
	struct two_vm_ids t;
	two_vm_ids(&t);
	for (size_t k = t.nhost; k < t.n; k++)
		if (rubric_find(r, t.id[k]))
			return true;
	return false;
}

/* The guests, as verify 3 reads them, after vlab has done the lab's guest
 * side (two_vm_evidence.h's grading): their verdicts into o, what the
 * set-up said into o2's adaptations. */
static void judge_guests(const struct grade_ctx *ctx, struct submission_run *run, const char *dir,
			 const pid_t vm_pid[2], const char *missing, struct outcome *o, struct outcome *o2)
{
	int64_t boot = ctx->accel.accel == ACCEL_KVM ? 30000 : 90000;
	if (boot > ms_left(run->deadline))
		boot = ms_left(run->deadline);
	char *transcript[2] = { xasprintf("%s/console-vm1.log", dir), xasprintf("%s/console-vm2.log", dir) };
	struct two_vm_guest_run *g = xcalloc(1, sizeof(*g));
	*g = (struct two_vm_guest_run){
		.vm_pid = { vm_pid[0], vm_pid[1] },
		.missing = missing,
		.boot_wait_ms = boot > 1000 ? boot : 1000,
		.transcript = { transcript[0], transcript[1] },
		.iperf_seconds = ctx->rubric.iperf_seconds ? ctx->rubric.iperf_seconds : RUBRIC_IPERF_SECONDS_DEFAULT,
	};
	struct two_vm_ids t;
	two_vm_ids(&t);
	size_t nguest = t.n - t.nhost;
	struct check_result checks[TWO_VM_MAX_CHECKS];
	for (size_t k = 0; k < nguest; k++)
		check_init(&checks[k], t.id[t.nhost + k]);
	two_vm_judge_guests(g, checks, nguest);
	for (size_t k = 0; k < nguest; k++) {
		struct check_result *dst = outcome_slot(o, checks[k].id);
		if (dst && checks[k].done)
			*dst = checks[k];
	}
	for (int v = 0; v < 2; v++) {
		if (g->notes[v][0])
			json_array_append_new(o2->adaptations, json_sprintf("VM%d: %s", v + 1, g->notes[v]));
		free(transcript[v]);
	}
	free(g);
}

/* Both qemus awaited and judged, in the running sandbox. */
static void judge_two_vms(const struct grade_ctx *ctx, struct submission_run *run, const char *dir,
			  struct outcome *o, struct outcome *o2)
{
	struct two_vm_seen *s = xcalloc(1, sizeof(*s));
	s->q[0].seq = 1;
	s->q[1].seq = 2;
	await_qemus(ctx, run, s->q, 2);
	char missing[500] = "";
	int found = 0;
	for (int k = 0; k < 2; k++) {
		if (s->q[k].rec.present && take_record(ctx, run, s, k, o2, missing, sizeof(missing)))
			found++;
		else if (!s->q[k].rec.present && s->q[k].refused[0] && !missing[0])
			snprintf(missing, sizeof(missing), "%s", s->q[k].refused);
	}
	if (found < 2 && !missing[0])
		missing_why(run, ctx, s, found, missing, sizeof(missing));
	struct net *net;
	if (net_open(&net) == 0) {
		s->links_read = net_link_list(net, s->links, ARRAY_SIZE(s->links), &s->nlinks) == 0;
		if (s->nlinks > ARRAY_SIZE(s->links))
			s->nlinks = ARRAY_SIZE(s->links);
		net_close(net);
	}
	pid_t vm_pid[2] = { 0, 0 };
	judge_hosts(s, missing, o, vm_pid);
	if (guest_checks_wanted(&ctx->rubric))
		judge_guests(ctx, run, dir, vm_pid, missing[0] ? missing : "a VM of the lab's two was not found", o, o2);
	json_object_set_new(o2->facts, "qemu_pids", json_pack("[i, i]", (int)s->q[0].pid, (int)s->q[1].pid));
	for (int k = 0; k < 2; k++) {
		if (s->parsed[k])
			qemu_cmdline_release(&s->cmd[k]);
		record_release(&s->q[k].rec);
	}
	free(s);
}

/* Whether the script is missing or cannot run: then this run's checks
 * FAIL saying why (and nothing of chapters 1-2's). */
static bool two_vm_script_refused(const char *dir, struct outcome *o, struct outcome *o2)
{
	char *script = xasprintf("%s/" GRADE_TWO_VMS_SCRIPT_NAME, dir);
	struct stat st;
	bool has_script = lstat(script, &st) == 0;
	free(script);
	if (!has_script) {
		fail_two_vm_checks(o, false, TWO_VM_HINT_SCRIPT, "the submission has no " GRADE_TWO_VMS_SCRIPT_NAME);
		snprintf(o2->script, sizeof(o2->script), "not run: no " GRADE_TWO_VMS_SCRIPT_NAME);
		return true;
	}
	char bad[320];
	const char *bad_hint = NULL;
	if (script_unrunnable(dir, GRADE_TWO_VMS_SCRIPT_NAME, bad, sizeof(bad), &bad_hint)) {
		fail_two_vm_checks(o, false, bad_hint, bad);
		text_printf(o2->script, sizeof(o2->script), "not run: %s", bad);
		return true;
	}
	return false;
}

/* o2's facts, records and adaptations into o: facts.two_vms. */
static void merge_outcome(struct outcome *o, struct outcome *o2)
{
	json_object_set_new(o2->facts, "script",
			    json_pack("{s:s, s:s, s:i, s:i}", "file", GRADE_TWO_VMS_SCRIPT_NAME, "end", o2->script,
				      "processes_left", o2->left, "uid", o2->uid));
	json_object_set_new(o2->facts, "qemu", o2->qemus);
	json_object_set_new(o2->facts, "files", json_string(TWO_VM_OUTDIR "/"));
	size_t k;
	json_t *a;
	json_array_foreach(o2->adaptations, k, a)
		json_array_append_new(o->adaptations, json_sprintf(GRADE_TWO_VMS_SCRIPT_NAME ": %s", json_string_value(a)));
	json_decref(o2->adaptations);
	json_object_set_new(o->facts, "two_vms", o2->facts);
	if (o2->left)
		o->left += o2->left;
}

void run_two_vms(const struct grade_ctx *ctx, int i, const char *outdir, struct outcome *o)
{
	struct outcome *o2 = xcalloc(1, sizeof(*o2));
	o2->facts = json_object();
	o2->qemus = json_array();
	o2->adaptations = json_array();
	o2->uid = -1;
	char *dir = xasprintf("%s/" TWO_VM_OUTDIR, outdir);
	/* a name no submission has ('+' is never in one: submission_name) */
	char *name = xasprintf("%s+two-vms", ctx->names[i]);
	const struct run_setup setup = {
		.script = GRADE_TWO_VMS_SCRIPT_NAME,
		.sandbox_name = name,
		.script_network = true,
		.lab_rootfs2 = LAB_ROOTFS2_NAME,
		.memory_bytes = ctx->memory_two_vms_bytes,
	};
	int r = mkdir_p(dir, 0755);
	if (r) {
		char why[300];
		snprintf(why, sizeof(why), "vlab could not make %s: %s", dir, strerror(-r));
		fail_two_vm_checks(o, true, NULL, why);
	} else if (!two_vm_script_refused(ctx->subs[i], o, o2)) {
		struct submission_run run;
		run_init(ctx, &setup, dir, &run);
		if (sandbox_begin(ctx, i, &setup, &run, o2, fail_two_vm_checks) == 0) {
			start_net_agent(ctx, &run, dir, o2);
			judge_two_vms(ctx, &run, dir, o, o2);
			save_netns(dir, o2);
			sandbox_end(ctx, &run, o2);
			net_agent_stop(&run.agent, 2000);
			keep_shim_files(run.shim_fd, dir, o2->adaptations);
		} else {
			/* sandbox_begin failed o2's slots: vlab's ERROR, into o */
			fail_two_vm_checks(o, true, NULL, o2->script);
		}
		run_release(&run);
	}
	merge_outcome(o, o2);
	free(o2);
	free(name);
	free(dir);
}
