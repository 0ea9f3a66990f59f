/* Chapter 3's verdicts on two hand-built VMs (runner/inspect/two_vm_verdicts.h):
 * the evidence as checks/lab_facts.h's facts and the saved iperf3 runs read
 * and parsed, judged by checks/handbuilt_two_vms.h. */
#include "runner/inspect/two_vm_verdicts.h"

#include <errno.h>
#include <string.h>

#include "checks/check_registry.h"
#include "checks/handbuilt_lab.h"
#include "checks/handbuilt_two_vms.h"
#include "checks/iperf.h"
#include "checks/lab_plan.h"
#include "runner/files.h"

/* The plain facts of tv (they live as long as it does). */
static void two_vm_facts_of(const struct two_vm_evidence *tv, const char *why, struct two_vm_facts *f)
{
	memset(f, 0, sizeof(*f));
	for (int v = 0; v < 2; v++) {
		const struct evidence *ev = &tv->ev[v];
		struct two_vm_guest_facts *g = &f->vm[v];
		g->cmd = tv->q[v] ? &tv->q[v]->cmd : NULL;
		g->pid = tv->q[v] ? tv->q[v]->pid : 0;
		g->asked = ev->asked;
		g->guest_error = ev->guest_error;
		g->con_why = ev->con_why;
		g->con = ev->con;
		g->con_seen = ev->con_seen;
		g->qmp_status = ev->qmp_ok ? ev->qmp_status : "";
		for (size_t k = 0; k < ARRAY_SIZE(g->out) && k < ARRAY_SIZE(ev->only_out); k++)
			g->out[k] = sb_str(&ev->only_out[k]);
		g->only_ran = ev->only_ran;
		for (size_t k = 0; k < tv->ntaps[v] && k < ARRAY_SIZE(g->taps); k++)
			g->taps[k] = tv->taps[v][k];
		g->ntaps = tv->ntaps[v];
	}
	f->missing = why;
	f->ns_ok = tv->ns_ok;
	f->ns_error = tv->ev[tv->host].ns.error;
	f->links = tv->links;
	f->nlinks = tv->nlinks;
	/* the readings around VM1's pings: each ping's window is its own */
	for (int k = 0; k < 2; k++)
		f->ping[k] = (struct two_vm_window){ tv->around[k], tv->around[k + 1], tv->naround[k], tv->naround[k + 1] };
}

/* The saved client run in file (NULL: not given), read and parsed. */
static void iperf_run_read(const char *file, struct two_vm_iperf_run *run)
{
	memset(run, 0, sizeof(*run));
	run->file = file;
	run->parse_rc = -EINVAL;
	if (!file)
		return;
	struct strbuf sb = STRBUF_INIT;
	run->read_rc = read_file(file, &sb);
	if (!run->read_rc)
		run->parse_rc = iperf_parse(sb_str(&sb), sb.len, &run->res);
	sb_release(&sb);
}

void two_vm_verdicts(struct lab *lab, const struct two_vm_evidence *tv, const char *why, const char *const files[2])
{
	/* beside chapter 3's steps' checks, those only verify 3 decides (no
	 * step of the chapter's, which builds the two VMs itself, has them) */
	for (size_t i = 0; i < ncheck_registry; i++) {
		const struct check_row *row = &check_registry[i];
		if (row->chapter == 3 && !row->step && (row->earned & EARNED_VERIFY))
			lab_add_check(lab, row->id);
	}
	struct two_vm_facts f;
	two_vm_facts_of(tv, why, &f);
	for (int k = 0; k < 2; k++)
		iperf_run_read(files[k], &f.iperf[k]);
	check_registry_judge_two_vms(&f, lab->checks, (size_t)lab->nchecks);
}

void two_vm_grade_guests(const struct two_vm_evidence *tv, const char *why, struct check_result *checks, size_t n)
{
	struct two_vm_facts f;
	two_vm_facts_of(tv, why, &f);
	/* VM1's clients (run side by side, the virtio one on
	 * GRADE_IPERF_VIRTIO_PORT), judged as verify judges a saved run; one
	 * that did not run (the guest not asked, or stopped before it) fails
	 * saying why, not as a run with nothing */
	static const char *const label[2] = { "VM1's `iperf3 -c " LAB_VM2_E1000_IP " -J`",
					      "VM1's `iperf3 -c " LAB_VM2_VIRTIO_IP " -p " GRADE_IPERF_VIRTIO_PORT " -J`" };
	const struct evidence *ev = &tv->ev[0];
	const char *not_run = !tv->q[0]			? why
			      : ev->guest_error[0]	? ev->guest_error
			      : ev->con_why[0]		? ev->con_why
						: "the console stopped answering before it";
	for (int k = 0; k < 2; k++) {
		int at = k ? TWO_VM_VM1_OUT_IPERF_VIRTIO : TWO_VM_VM1_OUT_IPERF_E1000;
		struct two_vm_iperf_run *run = &f.iperf[k];
		run->file = label[k];
		run->parse_rc = -EINVAL;
		const struct strbuf *out = &ev->only_out[at];
		if (tv->q[0] && ev->only_ran > at)
			run->parse_rc = iperf_parse(sb_str(out), out->len, &run->res);
		else
			run->not_run = not_run;
	}
	f.iperf_again = tv->iperf_again;
	check_registry_judge_two_vms(&f, checks, n);
}
