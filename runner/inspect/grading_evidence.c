/* Grading's evidence of a lab a graded script built (runner/inspect/grading_evidence.h). */
#include "runner/inspect/grading_evidence.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "runner/chapter.h"
#include "runner/cleanup.h"
#include "runner/inspect/lab_evidence.h"
#include "runner/inspect/lab_verdicts.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/clock.h"
#include "runner/files.h"

/* ---- for `vlab grade` ------------------------------------------------------ */

int verify_for_grading(const struct verify_grading *g, struct check_result *out, size_t max, size_t *n,
		       json_t *facts)
{
	*n = 0;
	struct qemu_proc *q = xcalloc(1, sizeof(*q));
	int load_rc = g->pid > 0 ? qemu_proc_load(g->pid, q) : -ESRCH;
	bool gone = load_rc != 0;
	if (gone) {
		/* exited already: the verdicts still get the recorded command */
		memset(q, 0, sizeof(*q));
		q->pid = g->pid;
		q->state = 'X';
	} else {
		qemu_cmdline_release(&q->cmd);
	}
	int r = qemu_cmdline_parse(g->argv, g->argc, &q->cmd);
	if (r) {
		free(q);
		return r;
	}
	struct evidence *ev = xcalloc(1, sizeof(*ev));
	ev->q = q;
	ev->scale = g->tcg ? 4 : 1;
	ev->chapter = 2;
	ev->boot_wait_ms = g->boot_wait_ms;
	ev->transcript = g->transcript;
	ev->guest_setup_http = g->http_cmd;
	ev->qmp_override = g->qmp_path;
	/* grading's shim adds the image's -initrd where a command has none */
	ev->initrd_by_shim = true;
	ev->ndifferences = qemu_cmdline_differences(&q->cmd, ev->differences, ARRAY_SIZE(ev->differences));

	/* the socket appears some ms after qemu starts */
	struct qemu_serial s;
	if (!gone && qemu_cmdline_serial(&q->cmd, &s, NULL, 0) == 0 && s.path) {
		char p[PATH_MAX];
		connect_path(q, s.path, p, sizeof(p));
		int64_t deadline = now_ms() + 10000;
		while (!path_exists(p) && !proc_gone(q->pid) && ms_left(deadline) > 0 && !cleanup_stop_requested())
			poll(NULL, 0, 20);
	}
	int64_t t0 = now_ms();
	struct qemu_ns t;
	bool ns_ok = !gone && qemu_ns_open(q->pid, &t, &ev->ns) == 0;
	evidence_serial(ev, NULL);
	evidence_qmp(ev);
	/* the guest first: vlab gives it its address and starts its server,
	 * which the host side's ICMP and HTTP then reach */
	if (!cleanup_stop_requested())
		evidence_guest(ev);
	if (ns_ok && !cleanup_stop_requested())
		evidence_host(ev, &t);
	if (ns_ok)
		qemu_ns_close(&t);
	ev->t_cmdline_ms = 0;

	struct lab_options o;
	memset(&o, 0, sizeof(o));
	o.profile = "default";
	o.format = FORMAT_JSON;
	struct lab *labs = xcalloc(2, sizeof(*labs));
	for (int ch = 1; ch <= 2; ch++) {
		struct lab *lab = &labs[ch - 1];
		evidence_lab_setup(lab, chapter_find(ch), &o, ev);
		evidence_verdicts(lab, ev);
		lab_settle_undecided(lab);
		for (int i = 0; i < lab->nchecks && *n < max; i++)
			out[(*n)++] = lab->checks[i];
	}
	if (facts) {
		json_t *diffs = json_array();
		for (size_t i = 0; i < ev->ndifferences && i < ARRAY_SIZE(ev->differences); i++)
			json_array_append_new(diffs, json_string(ev->differences[i]));
		json_object_set_new(facts, "differences", diffs);
		json_object_set_new(facts, "console", json_string(evidence_console_state_names[ev->con]));
		json_object_set_new(facts, "console_detail", ev->con_why[0] ? json_string(ev->con_why) : json_null());
		json_object_set_new(facts, "qmp", json_string(ev->qmp_ok ? "answered" : ev->qmp_note));
		json_object_set_new(facts, "guest_setup",
				    ev->guest_setup_note[0] ? json_string(ev->guest_setup_note) : json_null());
		json_object_set_new(facts, "guest_error", ev->guest_error[0] ? json_string(ev->guest_error) : json_null());
		json_object_set_new(facts, "checks_ms", json_integer(now_ms() - t0));
		char st[2] = { q->state ? q->state : '?', 0 };
		json_object_set_new(facts, "qemu_state", json_string(st));
		json_object_set_new(facts, "qemu_read", load_rc ? json_string(strerror(-load_rc)) : json_string("ok"));
	}
	free(labs);
	http_result_release(&ev->http);
	sb_release(&ev->ping_out);
	free(ev);
	qemu_proc_release(q);
	free(q);
	return 0;
}

