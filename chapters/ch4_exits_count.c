/* Chapter 4's step 2, its counting (chapters/ch4_exits_count.h). */
#include "chapters/ch4_exits_count.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "checks/qmp_parse.h"
#include "runner/cleanup.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/host/tracepoint.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/vm/qmp.h"

static int qmp_exits(struct vm *vm, uint64_t *sum, char *why, size_t n)
{
	json_t *args = json_pack("{s:s, s:[{s:s, s:[s]}]}", "target", "vcpu", "providers", "provider", "kvm",
				 "names", "exits");
	json_t *ret = NULL;
	char *err = NULL;
	unsigned nvcpus = 0;
	int rc = qmp_execute(vm->qmp, "query-stats", args, &ret, &err, 5000);
	json_decref(args);
	if (rc)
		snprintf(why, n, "query-stats failed: %s", err ? err : strerror(-rc));
	else if ((rc = qmp_parse_stats_sum(ret, "exits", sum, &nvcpus)))
		snprintf(why, n, "query-stats has no vCPU \"exits\" counter from kvm");
	free(err);
	json_decref(ret);
	return rc;
}

/* perf can record kvm events for qemu: `perf` runs and the kvm tracepoints
 * are in tracefs. "" when so. */
static void perf_missing(char *why, size_t n)
{
	why[0] = '\0';
	const char *argv[] = { "perf", "version", NULL };
	int st = -1;
	int rc = proc_run(argv, 5000, NULL, &st);
	if (rc == -ENOENT)
		snprintf(why, n, "perf is not installed (apt-get install linux-perf)");
	else if (rc || !WIFEXITED(st) || WEXITSTATUS(st))
		snprintf(why, n, "`perf version` does not run here");
	else {
		int id;
		tp_event_id(NULL, "kvm:kvm_exit", &id, why, n);
	}
}

/* A `perf kvm stat record` of qemu running in the background. */
struct perf_recording {
	pid_t pid;                  /* 0: not started (s->perf_why says why) */
	int pid_handle, data_handle;
	char *data, *log;           /* RUNDIR/perf-TAG.data and .log */
};

/* Start recording qemu's exits for seconds, unless perf is missing here
 * or does not start (s->perf_why). */
static void perf_record_start(struct lab *lab, struct vm *vm, int seconds, const char *tag, struct exit_sample *s,
			      struct perf_recording *rec)
{
	*rec = (struct perf_recording){ .pid_handle = -1, .data_handle = -1 };
	rec->data = xasprintf("%s/perf-%s.data", lab->run_dir, tag);
	rec->log = xasprintf("%s/perf-%s.log", lab->run_dir, tag);
	perf_missing(s->perf_why, sizeof(s->perf_why));
	if (s->perf_why[0])
		return;
	char pid[16], secs[16];
	snprintf(pid, sizeof(pid), "%d", (int)vm->pid);
	snprintf(secs, sizeof(secs), "%d", seconds);
	/* `-- sleep N` bounds the recording: perf stops when it exits */
	const char *argv[] = { "perf", "kvm", "stat", "record", "-p", pid, "-o", rec->data, "--", "sleep", secs, NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	o.argv = argv;
	o.stdout_path = rec->log;
	o.stderr_path = rec->log;
	o.own_pgrp = true;
	o.die_with_parent = true;
	int rc = proc_spawn(&o, &rec->pid);
	if (rc)
		snprintf(s->perf_why, sizeof(s->perf_why), "cannot start perf: %s", strerror(-rc));
	else {
		rec->pid_handle = cleanup_add_process(rec->pid, "perf kvm stat record");
		rec->data_handle = cleanup_add_path(RES_FILE, rec->data);
	}
}

/* `perf kvm stat report` of the finished recording, parsed into s->perf
 * and kept as RUNDIR/perf-TAG.txt. */
static void perf_report(struct lab *lab, const struct perf_recording *rec, const char *tag, struct exit_sample *s)
{
	/* the input file is perf kvm's own option, before "stat" */
	const char *argv[] = { "perf", "kvm", "-i", rec->data, "stat", "report", NULL };
	struct strbuf out = STRBUF_INIT;
	int st = 0;
	int rr = proc_run(argv, lab_cmd_timeout_ms(lab, 30000), &out, &st);
	if (rr || !WIFEXITED(st) || WEXITSTATUS(st)) {
		char *msg = xstrdup(sb_str(&out));
		rtrim(msg);
		char *last = strrchr(msg, '\n');
		snprintf(s->perf_why, sizeof(s->perf_why), "perf kvm stat report failed: %s",
			 rr ? strerror(-rr) : last ? last + 1 : msg);
		free(msg);
	} else {
		s->perf_rc = perf_report_parse(out.buf ? out.buf : "", out.len, &s->perf);
		if (s->perf_rc)
			snprintf(s->perf_why, sizeof(s->perf_why), "perf kvm stat report printed no "
								   "table of exits");
		char *txt = xasprintf("%s/perf-%s.txt", lab->run_dir, tag);
		write_file_atomic(txt, out.buf ? out.buf : "", out.len, 0644);
		lab_artifact(lab, !strcmp(tag, "ept-on") ? "perf_report_ept_on" : "perf_report_ept_off", txt);
		free(txt);
	}
	sb_release(&out);
}

/* Wait for the recording to end (not after a stop) and report it; its
 * files and registrations go. */
static void perf_record_finish(struct lab *lab, struct perf_recording *rec, bool stopped, const char *tag,
			       struct exit_sample *s)
{
	if (rec->pid > 0) {
		int st = 0;
		/* perf writes its data after the window, at the guest's speed
		 * too: scaled as the console's waits are (x4 under TCG and in
		 * the emulated KVM host). A report once went missing there on
		 * a loaded machine while the checks passed; a record past its
		 * wait, or a report past its own, are the two ways that can be */
		int64_t wait_ms = lab_cmd_timeout_ms(lab, 15000);
		int w = stopped ? -EINTR : proc_wait(rec->pid, wait_ms, &st);
		if (w) {
			cleanup_release(rec->pid_handle);
			snprintf(s->perf_why, sizeof(s->perf_why), "perf kvm stat record did not finish within %lld s",
				 (long long)(wait_ms / 1000));
		} else {
			cleanup_forget(rec->pid_handle);
			perf_report(lab, rec, tag, s);
		}
		cleanup_release(rec->data_handle);
	}
	free(rec->data);
	free(rec->log);
}

/* The counting interval: seconds, or until a stop (-EINTR). */
static int count_for(struct lab *lab, int seconds)
{
	int64_t end = now_ms() + seconds * 1000LL;
	int rc = 0;
	ui_wait_begin(lab, "counting VM exits");
	while (now_ms() < end) {
		idle_tick();
		if (cleanup_stop_requested()) {
			rc = -EINTR;
			break;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ui_wait_end();
	return rc;
}

/* Count qemu's VM exits for seconds, three ways at once over the same
 * interval: perf kvm stat record (then report, parsed), kvm:kvm_exit on
 * qemu's threads (all, and filtered to CR access), QMP's exits counter. */
int count_exits(struct lab *lab, struct vm *vm, int seconds, const char *tag, struct exit_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->perf_rc = s->tp_rc = s->tp_cr_rc = s->qmp_rc = -ENODATA;
	struct tp_counter all = TP_COUNTER_INIT, cr = TP_COUNTER_INIT;
	s->tp_rc = tp_open(&all, NULL, "kvm:kvm_exit", vm->pid, TP_ALL_THREADS);
	if (s->tp_rc)
		snprintf(s->tp_why, sizeof(s->tp_why), "%s", all.why);
	s->tp_cr_rc = tp_open(&cr, NULL, "kvm:kvm_exit", vm->pid, TP_ALL_THREADS);
	if (!s->tp_cr_rc)
		s->tp_cr_rc = tp_set_filter(&cr, KVM_EXIT_CR_FILTER);

	struct perf_recording rec;
	perf_record_start(lab, vm, seconds, tag, s, &rec);
	uint64_t before = 0, after = 0;
	s->qmp_rc = qmp_exits(vm, &before, s->qmp_why, sizeof(s->qmp_why));
	if (!s->tp_rc)
		tp_enable(&all);
	if (!s->tp_cr_rc)
		tp_enable(&cr);
	int64_t t0 = now_ms();
	int rc = count_for(lab, seconds);
	if (!s->tp_rc)
		tp_disable(&all);
	if (!s->tp_cr_rc)
		tp_disable(&cr);
	s->seconds = (double)(now_ms() - t0) / 1000.0;
	if (!s->qmp_rc)
		s->qmp_rc = qmp_exits(vm, &after, s->qmp_why, sizeof(s->qmp_why));
	if (!s->qmp_rc)
		s->qmp_exits = after - before;
	if (!s->tp_rc)
		tp_read(&all, &s->tp_exits);
	if (!s->tp_cr_rc)
		tp_read(&cr, &s->tp_cr_exits);
	else if (!s->tp_rc)
		snprintf(s->tp_why, sizeof(s->tp_why), "%s", cr.why);
	tp_close(&all);
	tp_close(&cr);
	perf_record_finish(lab, &rec, rc != 0, tag, s);
	return rc;
}

void show_sample(struct lab *lab, const char *what, const struct exit_sample *s)
{
	ui_note(lab, "%s, %.1f s:", what, s->seconds);
	if (s->perf_rc == 0) {
		for (size_t i = 0; i < s->perf.nrows && i < 8; i++)
			ui_note(lab, "  %-22s %" PRIu64, s->perf.rows[i].reason, s->perf.rows[i].samples);
		ui_note(lab, "  perf: %" PRIu64 " exits, CR access %" PRIu64, s->perf.total_samples,
			perf_cr_exits(&s->perf));
	} else {
		ui_note(lab, "  perf: %s", s->perf_why);
	}
	if (s->tp_rc == 0)
		ui_note(lab, "  kvm:kvm_exit on qemu's threads: %" PRIu64 " (CR access %s%" PRIu64 ")", s->tp_exits,
			s->tp_cr_rc ? "not filtered " : "", s->tp_cr_exits);
	else
		ui_note(lab, "  kvm:kvm_exit: %s", s->tp_why);
	if (s->qmp_rc == 0)
		ui_note(lab, "  QMP query-stats exits: +%" PRIu64, s->qmp_exits);
	else
		ui_note(lab, "  QMP: %s", s->qmp_why);
}
