/* The engine: one chapter run, start to end.
 *
 *   init ──▶ prepare ──▶ step 1 ──▶ step 2 ──▶ ... ──▶ teardown ──▶ report
 *              │  error      │ blocked (<0)                 ▲
 *              │ (exit 3)    └─ remaining checks: "not reached" ┘
 *              └──────────────────────────────────────────────┘
 *   a stop request (SIGINT/SIGTERM) at any point: the running step returns
 *   -EINTR, teardown runs, the cleanup registry releases the rest, and the
 *   command exits 128+signal without a report.
 *
 * Every check id a step lists gets exactly one verdict: the step's, or ERROR
 * "vlab gave no verdict" if the step forgot one (a bug, never a silent pass).
 */
#include "checks/check_registry.h"
#include "runner/engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/kvmhost_chapter.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/rundir.h"
#include "runner/exit_status.h"
#include "runner/clock.h"

/* With --step NAME, the steps before NAME run as its set-up (quietly), NAME
 * runs and is reported, and the steps after it do not run. Returns the index
 * of the last step to run. */
static size_t last_step(const struct lab *lab)
{
	const struct chapter *ch = lab->chapter;
	for (size_t s = 0; lab->opt->only_step && s < ch->nsteps; s++)
		if (!strcmp(ch->steps[s].name, lab->opt->only_step))
			return s;
	return ch->nsteps - 1;
}

/* Keep only the verdicts of the chosen step, unless its set-up failed: then
 * the failing set-up checks say why. */
static void keep_chosen_checks(struct lab *lab, const struct step *chosen)
{
	int n = 0;
	for (int i = 0; i < lab->nchecks; i++) {
		bool mine = check_registry_in_step(lab->checks[i].id, lab->chapter->number, chosen->name);
		bool setup_failed = lab->checks[i].done && lab->checks[i].verdict != VERDICT_PASS &&
				    strncmp(lab->checks[i].detail, "not reached", 11);
		if (mine || setup_failed)
			lab->checks[n++] = lab->checks[i];
	}
	lab->nchecks = n;
}

/* The one line of a chapter that could not run: on stderr, and kept in why. */
static void PRINTF_LIKE(3, 4) said(char *why, size_t whylen, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	error_line("%s", line);
	if (why && whylen)
		snprintf(why, whylen, "%s", line);
}

/* Every check st decides gets one verdict: the step's own, else "not
 * reached" when the chapter is blocked, else ERROR (the step forgot one: a
 * bug, never a silent pass); each takes the step's time unless it set one. */
static void settle_step_checks(struct lab *lab, const struct step *st, int64_t spent)
{
	const char *ids[CHECKS_PER_STEP_MAX];
	size_t n = check_registry_step_ids(lab->chapter->number, st->name, ids, CHECKS_PER_STEP_MAX);
	for (size_t i = 0; i < n && i < CHECKS_PER_STEP_MAX; i++) {
		struct check_result *r = lab_check(lab, ids[i]);
		if (!r || r->done)
			continue;
		if (lab->blocked[0])
			check_fail(r, NULL, "not reached: %s", lab->blocked);
		else
			check_settle_undecided(r);
		r->duration_ms = spent;
	}
	for (size_t i = 0; i < n && i < CHECKS_PER_STEP_MAX; i++) {
		struct check_result *r = lab_check(lab, ids[i]);
		if (r && !r->duration_ms)
			r->duration_ms = spent;
	}
}

/* The steps up to the last one to run (--step), in order; once the chapter
 * is blocked the rest only get their "not reached". -EINTR on a stop. */
static int run_steps(struct lab *lab)
{
	const struct chapter *ch = lab->chapter;
	size_t last = last_step(lab);
	for (size_t s = 0; s <= last; s++) {
		const struct step *st = &ch->steps[s];
		int64_t t0 = now_ms();
		/* set-up steps of --step run without their titles and commands */
		lab->setup_only = lab->opt->only_step && s < last;
		if (!lab->blocked[0]) {
			ui_step_begin(lab, st, (int)s);
			int ret = st->run(lab);
			/* the step protocol (runner/step.h): a wait line the step
			 * left is ended here, and a stop ends the run whatever the
			 * step returned */
			ui_wait_end();
			if (ret == -EINTR || cleanup_stop_requested())
				return -EINTR;
			if (ret < 0 && !lab->blocked[0])
				snprintf(lab->blocked, sizeof(lab->blocked), "step '%s' failed: %s", st->name, strerror(-ret));
		}
		settle_step_checks(lab, st, now_ms() - t0);
		ui_step_checks(lab, st);
	}
	lab->setup_only = false;
	if (lab->opt->only_step)
		keep_chosen_checks(lab, &ch->steps[last]);
	return 0;
}

/* The end of a run that reached its report: teardown, then everything
 * released (or, with --keep, left running and noted in the ledger). */
static void finish_run(struct lab *lab)
{
	if (lab->chapter->teardown)
		lab->chapter->teardown(lab);
	if (lab->opt->keep) {
		cleanup_ledger_note("kept");
		cleanup_forget_all();
	} else {
		cleanup_run_all();
		lab_drop_ledger(lab);
	}
	lab->duration_ms = now_ms() - lab->started_ms;
}

/* The report: printed (text), saved as RUNDIR/report.json, appended to
 * report (when not NULL); returns the exit status its verdicts give. */
static int report_run(struct lab *lab, json_t *report)
{
	ui_chapter_end(lab);
	json_t *obj = report_chapter_json(lab);
	char *saved = lab_path(lab, "report.json");
	json_dump_file(obj, saved, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	free(saved);
	if (report)
		json_array_append(report, obj);
	json_decref(obj);
	return exit_status_of_verdict(lab_result(lab));
}

/* A run that could not go on (prepare failed, or a stop): teardown, and
 * everything it started removed. */
static void abandon_run(struct lab *lab)
{
	if (lab->chapter->teardown)
		lab->chapter->teardown(lab);
	cleanup_run_all();
	lab_drop_ledger(lab);
}

int engine_run_chapter(const struct chapter *ch, const struct lab_options *opt, json_t *report, char *why,
		       size_t whylen)
{
	struct lab lab;
	if (why && whylen)
		why[0] = '\0';
	/* a chapter whose steps need a KVM this host lacks runs inside the
	 * emulated KVM host instead of skipping them */
	struct kvm_where where;
	if (kvmhost_chapter_where(ch, opt, &where)) {
		said(why, whylen, "%s", where.why);
		return EXIT_HOST;
	}
	if (where.emulated)
		return kvmhost_chapter_run(ch, opt, &where, report, why, whylen);
	lab_init(&lab, ch, opt);
	/* why the emulated host did not stand in, where it would have */
	snprintf(lab.kvm_where, sizeof(lab.kvm_where), "%s", where.why);
	if (ch->state_size)
		lab.chapter_state = xcalloc(1, ch->state_size);
	int ret = rundir_create(&lab.run_id, &lab.run_dir);
	if (ret) {
		said(why, whylen, "cannot create a run directory under '%s': %s", rundir_base(), strerror(-ret));
		lab_release(&lab);
		return EXIT_HOST;
	}
	char *ledger = lab_path(&lab, "resources");
	cleanup_set_ledger(ledger);
	free(ledger);

	int exit_status;
	ret = ch->prepare ? ch->prepare(&lab) : 0;
	if (ret && ret != -EINTR) {
		/* the host's or the input's: exit 3 (4 when out of memory) */
		said(why, whylen, "%s", lab.blocked[0] ? lab.blocked : strerror(-ret));
		exit_status = ret == -ENOMEM ? EXIT_INTERNAL : EXIT_HOST;
		abandon_run(&lab);
		goto out;
	}
	if (ret == 0) {
		ui_chapter_begin(&lab);
		ret = run_steps(&lab);
	}
	if (ret == -EINTR) {
		abandon_run(&lab);
		said(why, whylen, "stopped by signal %d; everything this run started was removed", cleanup_stop_signal());
		exit_status = 128 + cleanup_stop_signal();
		goto out;
	}
	finish_run(&lab);
	exit_status = report_run(&lab, report);
out:
	cleanup_set_ledger(NULL);
	lab_release(&lab);
	return exit_status;
}
