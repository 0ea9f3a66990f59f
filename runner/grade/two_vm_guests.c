/* Chapter 3's guests graded; see two_vm_guests.h. */
#include "runner/grade/two_vm_guests.h"

#include <stdio.h>
#include <stdlib.h>

#include "runner/inspect/qemu_proc.h"
#include "runner/inspect/two_vm_evidence.h"
#include "runner/inspect/two_vm_verdicts.h"
#include "runner/util.h"

void two_vm_judge_guests(struct two_vm_guest_run *g, struct check_result *checks, size_t n)
{
	struct qemu_proc *q = xcalloc(2, sizeof(*q));
	struct two_vm_evidence *tv = xcalloc(1, sizeof(*tv));
	bool loaded[2] = { false, false };
	for (int v = 0; v < 2; v++) {
		loaded[v] = g->vm_pid[v] > 0 && qemu_proc_load(g->vm_pid[v], &q[v]) == 0;
		tv->q[v] = loaded[v] ? &q[v] : NULL;
	}
	const struct two_vm_grading grading = {
		.boot_wait_ms = g->boot_wait_ms,
		.transcript = { g->transcript[0], g->transcript[1] },
		.iperf_seconds = g->iperf_seconds,
	};
	tv->grading = &grading;
	if (tv->q[0] || tv->q[1])
		two_vm_gather(tv);
	two_vm_grade_guests(tv, g->missing, checks, n);
	for (int v = 0; v < 2; v++)
		snprintf(g->notes[v], sizeof(g->notes[v]), "%s", tv->ev[v].guest_setup_note);
	two_vm_evidence_release(tv);
	for (int v = 0; v < 2; v++)
		if (loaded[v])
			qemu_proc_release(&q[v]);
	free(tv);
	free(q);
}
