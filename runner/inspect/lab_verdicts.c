/* Chapters 1 and 2's verdicts on a hand-built lab (runner/inspect/lab_verdicts.h):
 * the evidence as checks/lab_facts.h's facts, judged by checks/handbuilt_lab.h. */
#include "runner/inspect/lab_verdicts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check_registry.h"
#include "checks/handbuilt_lab.h"
#include "checks/lab_plan.h"

/* The plain facts of checks/lab_facts.h, viewed in ev (they live as long
 * as it does). */
static void evidence_facts(const struct evidence *ev, struct lab_facts *f)
{
	*f = (struct lab_facts){
		.cmd = &ev->q->cmd,
		.pid = ev->q->pid,
		.state = ev->q->state,
		/* by now: a boot wait may lie between the load and the verdict */
		.age_ms = ev->qemu_gone ? ev->q->age_ms : qemu_proc_age_now(ev->q),
		.gone = ev->qemu_gone,
		.initrd_beside = ev->initrd_beside,
		.t_cmdline_ms = ev->t_cmdline_ms,
		.qmp_ok = ev->qmp_ok,
		.qmp_status = ev->qmp_status,
		.qmp_running = ev->qmp_running,
		.qmp_memory_ok = ev->qmp_memory_ok,
		.qmp_base_memory = ev->qmp_base_memory,
		.host_ran = ev->host_ran,
		.ns_name = ev->ns.name,
		.ns_error = ev->ns.error,
		.tap = ev->tap,
		.tap_held = ev->tap_held,
		.tap_rc = ev->tap_rc,
		.tap_info = ev->tap_info,
		.icmp = ev->icmp,
		.icmp_rc = ev->icmp_rc,
		.http = ev->http,
		.http_rc = ev->http_rc,
		.t_host_ms = ev->t_host_ms,
		.serial_ok = ev->serial_ok,
		.serial_verdict = &ev->serial_verdict,
		.serial_path = ev->serial_path,
		.con = ev->con,
		.con_why = ev->con_why,
		.con_seen = ev->con_seen,
		.asked = ev->asked,
		.shell_user = ev->shell_user,
		.guest_error = ev->guest_error,
		.root_tried = ev->root_tried,
		.student_tried = ev->student_tried,
		.root_rc = ev->root_rc,
		.student_rc = ev->student_rc,
		.root_id = ev->root_id,
		.student_id = ev->student_id,
		.mounts_ok = ev->mounts_ok,
		.root_dev = ev->root_dev,
		.root_fstype = ev->root_fstype,
		.ip_read = ev->ip_read,
		.ifs = ev->ifs,
		.nifs = ev->nifs,
		.nics_ok = ev->nics_ok,
		.nic_if = ev->nic_if,
		.nic_driver = ev->nic_driver,
		.ping_ran = ev->ping_ran,
		.ping_out = sb_str(&ev->ping_out),
		.index_sha256 = ev->index_sha256,
		.t_guest_ms = ev->t_guest_ms,
	};
}

void evidence_verdicts(struct lab *lab, const struct evidence *ev)
{
	struct lab_facts f;
	evidence_facts(ev, &f);
	check_registry_judge_lab(&f, lab->checks, (size_t)lab->nchecks);
}

/* ---- reporting ---------------------------------------------------------- */


void evidence_lab_setup(struct lab *lab, const struct chapter *ch, const struct lab_options *o, const struct evidence *ev)
{
	lab_init(lab, NULL, o);
	lab->chapter = ch;
	/* the registry says what verify may earn (it tears nothing down, and
	 * a check of chapter 1's VM alone is not earned of chapter 2's) */
	for (size_t s = 0; s < ch->nsteps; s++) {
		const char *ids[CHECKS_PER_STEP_MAX];
		size_t n = check_registry_step_ids(ch->number, ch->steps[s].name, ids, CHECKS_PER_STEP_MAX);
		for (size_t i = 0; i < n && i < CHECKS_PER_STEP_MAX; i++) {
			const struct check_row *row = check_registry_find(ids[i]);
			bool own = !(row->earned & EARNED_VERIFY_OWN_VM) || ev->chapter == row->chapter;
			if ((row->earned & EARNED_VERIFY) && own)
				lab_add_check(lab, ids[i]);
		}
	}
	const struct qemu_cmdline *c = &ev->q->cmd;
	lab->accel.accel = c->accel == QACCEL_KVM ? ACCEL_KVM : ACCEL_TCG;
	snprintf(lab->accel.reason, sizeof(lab->accel.reason), "the student's qemu runs under %s (%s)", c->accel_name,
		 c->accel_from[0] ? c->accel_from : "qemu's default");
}

