/* A class graded by workers; see grading_run.h. */
#include "runner/grade/grading_run.h"
#include "runner/grade/two_vm_run.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/grade/grade_progress.h"
#include "runner/grade/grade_report.h"
#include "runner/grade/saved_work.h"
#include "runner/grade/submission_run.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/rundir.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/exit_status.h"

char *submission_name(const char *path)
{
	char *copy = xstrdup(path);
	size_t l = strlen(copy);
	while (l > 1 && copy[l - 1] == '/')
		copy[--l] = '\0';
	const char *base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	char *name = xstrdup(*base && strcmp(base, ".") && strcmp(base, "..") ? base : "submission");
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-' || *p == '_'))
			*p = '_';
	if (name[0] == '.')
		name[0] = '_';
	free(copy);
	return name;
}

/* ---- one submission (in its worker) ---------------------------------------- */

/* An earlier grading's files in outdir go, and nothing else: OUT/NAME is
 * only ever vlab's (the command refuses an --out that reaches a
 * submission). */
static void remove_old_reports(const char *outdir)
{
	/* the two-VM run's directory holds only vlab's files */
	char *two = xasprintf("%s/" TWO_VM_OUTDIR, outdir);
	remove_tree(two);
	free(two);
	DIR *old = opendir(outdir);
	struct dirent *de;
	while (old && (de = readdir(old))) {
		/* classroom.json: an earlier vlab's (GitHub Classroom's shape,
		 * no longer written), not left beside this grading's reports */
		static const char *const mine[] = { "report.json", "classroom.json", "feedback.txt", "console.log",
						     "script.log" };
		bool ours = starts_with(de->d_name, "qemu-");
		for (size_t k = 0; k < ARRAY_SIZE(mine); k++)
			ours |= !strcmp(de->d_name, mine[k]);
		if (ours)
			unlinkat(dirfd(old), de->d_name, 0);
	}
	if (old)
		closedir(old);
}

/* Submission i's result object (grade_report.h) from its outcome and
 * score. */
static json_t *result_json(const struct grade_ctx *ctx, int i, struct outcome *o, const struct score *sc,
			   time_t started)
{
	char started_at[REPORT_TIMESTAMP_LEN];
	report_timestamp(started, started_at);
	json_t *res = json_object();
	json_object_set_new(res, "schema_version", json_integer(GRADE_SCHEMA_VERSION));
	json_object_set_new(res, "kind", json_string("grade"));
	json_object_set_new(res, "vlab_version", json_string(VLAB_VERSION));
	json_object_set_new(res, "submission", json_string(ctx->names[i]));
	json_object_set_new(res, "path", report_json_text(ctx->subs[i]));
	json_object_set_new(res, "started_at", json_string(started_at));
	json_object_set_new(res, "score", json_integer(sc->points));
	json_object_set_new(res, "max_score", json_integer(sc->max_points));
	json_object_set_new(res, "needs_regrade", json_boolean(sc->needs_regrade));
	json_object_set_new(res, "accelerator",
			    json_pack("{s:s, s:s}", "name", ctx->accel.accel == ACCEL_KVM ? "kvm" : "tcg", "reason",
				      ctx->accel.reason));
	json_object_set_new(res, "image", json_pack("{s:s, s:s}", "profile", ctx->profile, "sha256", ctx->img.digest));
	json_object_set_new(res, "rubric", json_pack("{s:s, s:s, s:s}", "path", ctx->rubric_origin, "sha256",
						     ctx->rubric_sha256, "title", ctx->rubric.title));
	json_object_set_new(res, "checks", grade_checks_json(sc));
	json_t *skipped = json_array();
	for (int k = 0; k < sc->nitems; k++)
		if (sc->items[k].outcome == OUTCOME_SKIP)
			json_array_append_new(skipped, json_string(sc->items[k].item->id));
	json_object_set_new(res, "skipped", skipped);
	json_object_set_new(res, "qemu", o->qemus);
	json_object_set_new(res, "adaptations", o->adaptations);
	json_object_set_new(res, "script", json_pack("{s:s, s:s, s:i, s:i}", "file", GRADE_SCRIPT_NAME, "end", o->script,
						     "processes_left", o->left, "uid", o->uid));
	json_object_set_new(res, "artifacts", json_pack("{s:s, s:s, s:o}", "console", "console.log", "script_output",
							"script.log", "qemu_stderr", o->stderr_name[0] ? json_string(o->stderr_name) : json_null()));
	json_object_set_new(res, "saved", saved_artifacts_json(ctx->subs[i]));
	json_object_set_new(res, "facts", o->facts);
	return res;
}

/* report.json and feedback.txt in outdir, each atomically:
 * 0, or EXIT_INTERNAL after a line naming the file that could not be
 * written. */
static int write_submission_reports(const char *outdir, const json_t *res)
{
	static const struct {
		const char *name;
		void (*write)(FILE *, const json_t *);
	} files[] = {
		{ "report.json", grade_write_json },
		{ "feedback.txt", grade_write_feedback },
	};
	for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
		int r = grade_report_write(outdir, files[k].name, files[k].write, res);
		if (r)
			return say_error(EXIT_INTERNAL, "cannot write %s/%s: %s", outdir, files[k].name, strerror(-r));
	}
	return EXIT_PASS;
}

/* Grade submission i (in its worker): its exit status. */
static int grade_one(const struct grade_ctx *ctx, int i)
{
	int64_t t0 = now_ms();
	time_t started = time(NULL);
	char *outdir = xasprintf("%s/%s", ctx->out, ctx->names[i]);
	remove_old_reports(outdir);
	int r = mkdir_p(outdir, 0755);
	if (r) {
		error_line("cannot make %s: %s", outdir, strerror(-r));
		free(outdir);
		return EXIT_INTERNAL;
	}
	struct outcome *o = xcalloc(1, sizeof(*o));
	o->facts = json_object();
	o->qemus = json_array();
	o->adaptations = json_array();
	run_submission(ctx, i, outdir, o);
	artefact_checks(o, &ctx->rubric, ctx->subs[i]);
	saved_work_checks(o, &ctx->rubric, ctx->subs[i]);

	struct score *sc = xcalloc(1, sizeof(*sc));
	rubric_score(&ctx->rubric, o->results, o->n, sc);
	json_t *res = result_json(ctx, i, o, sc, started);
	json_object_set_new(res, "duration_ms", json_integer(now_ms() - t0));
	int status = write_submission_reports(outdir, res);
	json_decref(res);
	free(sc);
	free(o);
	free(outdir);
	return status;
}

/* ---- the class ------------------------------------------------------------- */

/* A result for a worker that left none (it crashed): every check an ERROR. */
static json_t *broken_result(const struct grade_ctx *ctx, int i, const char *why)
{
	struct outcome *o = xcalloc(1, sizeof(*o));
	fail_run_checks(o, true, NULL, why);
	struct score *sc = xcalloc(1, sizeof(*sc));
	rubric_score(&ctx->rubric, o->results, o->n, sc);
	json_t *res = json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:b}", "schema_version", GRADE_SCHEMA_VERSION, "kind",
				"grade", "vlab_version", VLAB_VERSION, "submission", ctx->names[i], "path", ctx->subs[i],
				"score", sc->points, "max_score", sc->max_points, "needs_regrade", 1);
	char now[REPORT_TIMESTAMP_LEN];
	report_timestamp(time(NULL), now);
	json_object_set_new(res, "started_at", json_string(now));
	json_object_set_new(res, "checks", grade_checks_json(sc));
	json_object_set_new(res, "skipped", json_array());
	free(sc);
	free(o);
	return res;
}

/* How long past --timeout a worker may take to end its sandbox and write
 * its reports before the parent kills it: the checks after the script's
 * time (a guest login under TCG) and the teardown. */
static int worker_margin_s(const struct grade_ctx *ctx)
{
	return ctx->timeout_s / 2 > 30 ? ctx->timeout_s / 2 : 30;
}

/* How many scripts a worker runs one after the other, each with its own
 * --timeout: runqemu_single_vm.sh, and runqemu_two_vms.sh when the rubric
 * lists a check of its (two_vm_run.h). */
static int worker_scripts(const struct grade_ctx *ctx)
{
	return two_vm_run_wanted(&ctx->rubric) ? 2 : 1;
}

/* What a killed worker left: its sandbox's processes die with it (bwrap
 * dies with its parent, the sandbox with bwrap) and its mounts with its
 * mount namespace; its cgroup and directories are the parent's to remove. */
static void reap_killed_worker(const struct grade_ctx *ctx, int i)
{
	struct cgroup cg;
	/* its sandboxes: the single-VM one's, the two-VM one's (two_vm_run.c) */
	char *names[2] = { xstrdup(ctx->names[i]), xasprintf("%s+two-vms", ctx->names[i]) };
	for (int k = 0; k < 2; k++) {
		if (cgroup_open(&ctx->cgroups, ctx->cgroup_parent, names[k], &cg) == 0)
			cgroup_kill_remove(&cg, 5000);
		char *root = xasprintf("%s/%s", ctx->grade_root, names[k]);
		remove_tree(root);
		free(root);
		free(names[k]);
	}
	char *p = xasprintf("%s/%s/report.json", ctx->out, ctx->names[i]);
	unlink(p);
	free(p);
}

/* The workers running, one a slot. */
struct workers {
	pid_t pid[GRADE_MAX_JOBS];      /* 0: a free slot */
	int handle[GRADE_MAX_JOBS];     /* its cleanup registration */
	int idx[GRADE_MAX_JOBS];        /* the submission it grades */
	int64_t deadline[GRADE_MAX_JOBS];
	bool *killed;                   /* by submission: killed at its deadline */
	struct grade_progress progress; /* the class's progress line on a terminal */
	int running;
	int failed_writes;              /* workers that could not write their reports */
};

/* Fork a worker for submission next in a free slot: 0 or -errno. */
static int start_worker(const struct grade_ctx *ctx, struct workers *w, int next)
{
	int s = 0;
	while (w->pid[s])
		s++;
	grade_progress_clear(&w->progress);
	if (ctx->format == FORMAT_TEXT && !ctx->self)
		printf("  grading %s ...\n", ctx->names[next]);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* the parent's registrations (other workers, the grade
		 * directory) are the parent's to release, not this worker's */
		cleanup_forget_all();
		int rc = grade_one(ctx, next);
		cleanup_run_all();
		_exit(rc);
	}
	setpgid(pid, pid);
	w->pid[s] = pid;
	w->idx[s] = next;
	w->handle[s] = cleanup_add_process(pid, "grading worker");
	w->deadline[s] = now_ms() + (int64_t)(ctx->timeout_s + worker_margin_s(ctx)) * worker_scripts(ctx) * 1000;
	w->running++;
	return 0;
}

/* Every worker has a hard deadline: one stuck anywhere (a read that never
 * ends, a stopped process) is killed, never waited for without end. */
static void kill_late_workers(struct workers *w)
{
	for (int s = 0; s < GRADE_MAX_JOBS; s++) {
		if (w->pid[s] && !w->killed[w->idx[s]] && ms_left(w->deadline[s]) <= 0) {
			kill(-w->pid[s], SIGKILL);
			kill(w->pid[s], SIGKILL);
			w->killed[w->idx[s]] = true;
		}
	}
}

/* Worker done ended with status st: its slot freed, what it left removed
 * when it was killed, its failure said. */
static void worker_ended(const struct grade_ctx *ctx, struct workers *w, pid_t done, int st)
{
	for (int s = 0; s < GRADE_MAX_JOBS; s++) {
		if (w->pid[s] != done)
			continue;
		cleanup_forget(w->handle[s]);
		w->pid[s] = 0;
		w->running--;
		grade_progress_done(&w->progress, now_ms());
		grade_progress_clear(&w->progress);
		int i = w->idx[s];
		if (w->killed[i]) {
			reap_killed_worker(ctx, i);
			error_line("grading %s: the worker passed its deadline ((--timeout %d s + %d s) x %d scripts) and "
					"was killed; it is flagged for regrading",
				ctx->names[i], ctx->timeout_s, worker_margin_s(ctx), worker_scripts(ctx));
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_INTERNAL) {
			w->failed_writes++;  /* it said which file */
		} else if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			char how[96];
			proc_describe_status(st, how, sizeof(how));
			error_line("grading %s: the worker %s", ctx->names[i], how);
		}
	}
}

/* What a killed worker's sandbox left comes to us (the subreaper): reaped
 * here, not left as zombies under a PID 1 that may not reap. */
static void reap_orphans(void)
{
	int64_t orphans_by = now_ms() + 3000;
	for (;;) {
		pid_t o = waitpid(-1, NULL, WNOHANG);
		if (o < 0 && errno != EINTR)
			break;
		if (o == 0 && ms_left(orphans_by) <= 0)
			break;
		if (o == 0)
			poll(NULL, 0, 20);
	}
}

/* Each submission's result, from its report.json, or made for a worker
 * that left none. */
static void gather_results(const struct grade_ctx *ctx, const bool *killed, json_t *results)
{
	for (int i = 0; i < ctx->n; i++) {
		char *p = xasprintf("%s/%s/report.json", ctx->out, ctx->names[i]);
		json_error_t e;
		json_t *r = killed[i] ? NULL : json_load_file(p, 0, &e);
		free(p);
		char why[200];
		snprintf(why, sizeof(why),
			 killed[i] ? "vlab's grading worker passed its deadline (--timeout %d s + %d s) and was killed: regrade"
				   : "vlab's grading worker broke: regrade",
			 ctx->timeout_s, worker_margin_s(ctx));
		json_array_append_new(results, r ? r : broken_result(ctx, i, why));
	}
}

static int run_all(struct grade_ctx *ctx, json_t *results, int *failed_writes)
{
	/* a worker killed at its deadline leaves its bwrap and the sandbox's
	 * init without a parent: they come to vlab, not to PID 1 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct workers w = { .running = 0 };
	w.killed = xcalloc((size_t)ctx->n + 1, sizeof(bool));
	int next = 0;
	fflush(NULL);
	grade_progress_begin(&w.progress, ctx->n, now_ms());
	bool forwarded = false;
	while ((next < ctx->n && !cleanup_stop_requested()) || w.running) {
		/* a stop: no new worker; the running ones are told, and waited
		 * for while they end their sandboxes and remove them */
		if (cleanup_stop_requested() && !forwarded) {
			for (int s = 0; s < GRADE_MAX_JOBS; s++)
				if (w.pid[s])
					kill(-w.pid[s], SIGTERM);
			forwarded = true;
		}
		while (next < ctx->n && w.running < ctx->jobs && !cleanup_stop_requested()) {
			int r = start_worker(ctx, &w, next);
			if (r) {
				free(w.killed);
				return r;
			}
			next++;
		}
		kill_late_workers(&w);
		grade_progress_tick(&w.progress, now_ms());
		int st;
		pid_t done = waitpid(-1, &st, WNOHANG);
		if (done == 0) {
			poll(NULL, 0, 100);
			continue;
		}
		if (done < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		worker_ended(ctx, &w, done, st);
	}
	grade_progress_clear(&w.progress);
	reap_orphans();
	*failed_writes = w.failed_writes;
	if (cleanup_stop_requested()) {
		free(w.killed);
		return -EINTR;
	}
	gather_results(ctx, w.killed, results);
	free(w.killed);
	return 0;
}

/* The sandboxes run as a user of their own, which must reach the grading
 * directory through every directory above it: one that others may not
 * search (a mktemp -d, a 0700 home) made bwrap fail to bind the sandbox's
 * files, and every submission scored 0 with bwrap's "Permission denied".
 * -EACCES, the directory named in err, when one is in the way. */
static int reachable_by_sandboxes(const char *base, const char *dir, char *err, size_t errlen)
{
	char *p = xstrdup(dir);
	int r = 0;
	for (char *slash = p; slash && !r;) {
		slash = strchr(slash + 1, '/');
		if (slash)
			*slash = '\0';
		struct stat st;
		if (p[0] && stat(p, &st) == 0 && S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH)) {
			r = -EACCES;
			snprintf(err, errlen, "the grading directory %s is below %s (mode %04o), which the sandboxes' user "
				 "cannot enter: make it searchable (chmod o+x %s) or set VLAB_RUN_DIR elsewhere",
				 base, p, (unsigned)(st.st_mode & 07777), p);
		}
		if (slash)
			*slash = '/';
	}
	free(p);
	return r;
}

int grade_root_reachable(char *err, size_t errlen)
{
	/* the run directory itself is made searchable by grade_prepare_root */
	const char *base = rundir_base();
	char *parent = xstrdup(base);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	int r = reachable_by_sandboxes(base, parent, err, errlen);
	free(parent);
	return r;
}

int grade_prepare_root(struct grade_ctx *ctx, char *err, size_t errlen)
{
	const char *base = rundir_base();
	struct stat bst;
	char *run_id = NULL;
	int r;
	if ((r = mkdir_p(base, 0700)) == 0)
		r = rundir_create_at(base, "grade-", 0711, time(NULL), getpid(), &run_id, &ctx->grade_root);
	if (r) {
		snprintf(err, errlen, "cannot make a grading directory under %s: %s", base, strerror(-r));
		return r;
	}
	snprintf(ctx->cgroup_parent, sizeof(ctx->cgroup_parent), "vlab-grade-%s", run_id);
	free(run_id);
	if (stat(base, &bst) == 0 && (bst.st_mode & 0111) != 0111)
		chmod(base, (bst.st_mode & 07777) | 0111);
	if (chmod(ctx->grade_root, 0711) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot make %s searchable: %s", ctx->grade_root, strerror(-r));
		rmdir(ctx->grade_root);
		return r;
	}
	return 0;
}

/* The sandboxes' cgroups' parent, in each hierarchy (v2: and vlab's own
 * leaf beside it), before the first worker is forked: removed after the
 * class, or by `vlab clean` from the ledger after a SIGKILL. Where there
 * are none, or v2 refuses them, grading goes on without, and says so. */
static void prepare_cgroups(struct grade_ctx *ctx)
{
	char err[512];
	cgroup_prepare_parent(&ctx->cgroups, ctx->cgroup_parent, err, sizeof(err));
	if (ctx->cgroups.version == CGROUP_NONE && ctx->format == FORMAT_TEXT)
		error_line("warning: no cgroup for the sandboxes (%s): grading goes on without memory, "
				"process and CPU limits for a sandbox as a whole, and every result says so",
			ctx->cgroups.why);
	int ncg = ctx->cgroups.version == CGROUP_V1 ? CG_NCONTROLLERS : ctx->cgroups.version == CGROUP_V2 ? 1 : 0;
	/* the sandboxes' groups' parent, in each hierarchy, is a cgroup of
	 * the cleanup: emptied and removed with whatever a killed worker left
	 * in it, by the handler too, or by `vlab clean` from the ledger */
	for (int k = 0; k < ncg; k++) {
		char *pdir = xasprintf("%s/%s", ctx->cgroups.dir[k], ctx->cgroup_parent);
		cleanup_add_cgroup(pdir);
		free(pdir);
	}
	/* vlab's own leaf is only removed, never emptied: vlab is in it */
	if (ctx->cgroups.leaf[0])
		cleanup_add_path(RES_DIR, ctx->cgroups.leaf);
}

int grade_run(struct grade_ctx *ctx, json_t *results, int *failed_writes)
{
	*failed_writes = 0;
	int hroot = cleanup_add_path(RES_DIR, ctx->grade_root);
	/* what the workers make is recorded here too, so `vlab status` and
	 * `vlab clean` see what a killed grading left */
	char *ledger = xasprintf("%s/resources", ctx->grade_root);
	cleanup_set_ledger(ledger);
	prepare_cgroups(ctx);
	int r = run_all(ctx, results, failed_writes);
	cgroup_remove_parent(&ctx->cgroups, ctx->cgroup_parent);
	cleanup_set_ledger(NULL);
	unlink(ledger);
	free(ledger);
	cleanup_release(hroot);
	return r;
}
