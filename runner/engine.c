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
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/rundir.h"
#include "runner/vm/vmrun.h"

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
	if (lab->nartifacts < LAB_MAX_ARTIFACTS)
		lab->artifacts[lab->nartifacts++] = (struct artifact){ name, xstrdup(path) };
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

static void lab_init(struct lab *lab, const struct chapter *ch, const struct lab_options *opt)
{
	memset(lab, 0, sizeof(*lab));
	lab->opt = opt;
	lab->chapter = ch;
	lab->started_ms = now_ms();
	for (int v = 0; v < LAB_MAX_VMS; v++) {
		lab->vms[v].pid_handle = lab->vms[v].overlay_handle = -1;
		lab->vms[v].serial_handle = lab->vms[v].qmp_handle = -1;
	}
	for (size_t s = 0; s < ch->nsteps; s++) {
		const struct step *st = &ch->steps[s];
		for (const char *const *id = st->checks; id && *id; id++)
			if (lab->nchecks < LAB_MAX_CHECKS && !lab_check(lab, *id))
				check_init(&lab->checks[lab->nchecks++], *id);
	}
}

static void lab_release(struct lab *lab)
{
	for (int i = 0; i < LAB_MAX_VMS; i++)
		vm_release(&lab->vms[i]);
	for (int i = 0; i < lab->nartifacts; i++)
		free(lab->artifacts[i].path);
	image_release(&lab->image);
	manifest_release(&lab->manifest);
	free(lab->run_id);
	free(lab->run_dir);
}

/* Everything the run created is gone: the ledger goes too, so `vlab status`
 * has nothing to say about this run. */
static void drop_ledger(struct lab *lab)
{
	char *ledger_file = lab_path(lab, "resources");
	cleanup_set_ledger(NULL);
	unlink(ledger_file);
	free(ledger_file);
}

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
		bool mine = false;
		for (const char *const *id = chosen->checks; id && *id; id++)
			if (!strcmp(*id, lab->checks[i].id))
				mine = true;
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
	fprintf(stderr, "vlab: %s\n", line);
	if (why && whylen)
		snprintf(why, whylen, "%s", line);
}

int engine_run_chapter(const struct chapter *ch, const struct lab_options *opt, json_t *report, char *why,
		       size_t whylen)
{
	struct lab lab;
	if (why && whylen)
		why[0] = '\0';
	lab_init(&lab, ch, opt);
	int ret = rundir_create(&lab.run_id, &lab.run_dir);
	if (ret) {
		said(why, whylen, "cannot create a run directory under '%s': %s", rundir_base(), strerror(-ret));
		lab_release(&lab);
		return EXIT_HOST;
	}
	char *ledger = lab_path(&lab, "resources");
	cleanup_set_ledger(ledger);
	free(ledger);

	int exit_status = EXIT_PASS;
	ret = ch->prepare ? ch->prepare(&lab) : 0;
	if (ret == -EINTR)
		goto stopped;
	if (ret) {
		said(why, whylen, "%s", lab.blocked[0] ? lab.blocked : strerror(-ret));
		exit_status = ret == -ENOMEM ? EXIT_INTERNAL : EXIT_HOST;
		if (ch->teardown)
			ch->teardown(&lab);
		cleanup_run_all();
		drop_ledger(&lab);
		goto out;
	}

	ui_chapter_begin(&lab);
	size_t last = last_step(&lab);
	for (size_t s = 0; s <= last; s++) {
		const struct step *st = &ch->steps[s];
		int64_t t0 = now_ms();
		/* set-up steps of --step run without their titles and commands */
		lab.setup_only = opt->only_step && s < last;
		if (!lab.blocked[0]) {
			ui_step_begin(&lab, st, (int)s);
			ret = st->run(&lab);
			if (ret == -EINTR || cleanup_stop_requested())
				goto stopped;
			if (ret < 0 && !lab.blocked[0])
				snprintf(lab.blocked, sizeof(lab.blocked), "step '%s' failed: %s", st->name, strerror(-ret));
		}
		int64_t spent = now_ms() - t0;
		for (const char *const *id = st->checks; id && *id; id++) {
			struct check_result *r = lab_check(&lab, *id);
			if (!r || r->done)
				continue;
			if (lab.blocked[0])
				check_fail(r, NULL, "not reached: %s", lab.blocked);
			else
				check_error(r, "vlab gave no verdict for this check (a bug in vlab)");
			r->duration_ms = spent;
		}
		for (const char *const *id = st->checks; id && *id; id++) {
			struct check_result *r = lab_check(&lab, *id);
			if (r && !r->duration_ms)
				r->duration_ms = spent;
		}
		ui_step_checks(&lab, st);
	}
	lab.setup_only = false;
	if (opt->only_step)
		keep_chosen_checks(&lab, &ch->steps[last]);
	if (ch->teardown)
		ch->teardown(&lab);
	if (opt->keep) {
		cleanup_ledger_note("kept");
		cleanup_forget_all();
	} else {
		cleanup_run_all();
		drop_ledger(&lab);
	}
	lab.duration_ms = now_ms() - lab.started_ms;

	ui_chapter_end(&lab);
	json_t *obj = report_chapter_json(&lab);
	char *saved = lab_path(&lab, "report.json");
	json_dump_file(obj, saved, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	free(saved);
	if (report)
		json_array_append(report, obj);
	json_decref(obj);
	switch (lab_result(&lab)) {
	case VERDICT_PASS:
	case VERDICT_SKIP:
		exit_status = EXIT_PASS;
		break;
	case VERDICT_FAIL:
		exit_status = EXIT_CHECK_FAILED;
		break;
	case VERDICT_ERROR:
		exit_status = EXIT_INTERNAL;
		break;
	}
	goto out;

stopped:
	if (ch->teardown)
		ch->teardown(&lab);
	cleanup_run_all();
	drop_ledger(&lab);
	said(why, whylen, "stopped by signal %d; everything this run started was removed", cleanup_stop_signal());
	exit_status = 128 + cleanup_stop_signal();
out:
	cleanup_set_ledger(NULL);
	lab_release(&lab);
	return exit_status;
}
