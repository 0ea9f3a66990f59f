/* The verdicts of chapters 1 and 2 on the evidence of a hand-built lab,
 * with the check ids `vlab chapter N` uses, into a lab's report: the
 * evidence handed, as checks/lab_facts.h's facts, to each check's verdict
 * (checks/check_registry.h, checks/handbuilt_lab.h). */
#ifndef VLAB_INSPECT_LAB_VERDICTS_H
#define VLAB_INSPECT_LAB_VERDICTS_H

#include "runner/chapter.h"
#include "runner/inspect/lab_evidence.h"
#include "runner/lab.h"

/* A lab report for chapter ch on this evidence: its checks (those a
 * hand-built lab can be judged on), the accelerator the student's qemu
 * runs under. */
void evidence_lab_setup(struct lab *lab, const struct chapter *ch, const struct lab_options *o,
			const struct evidence *ev);
/* Its checks judged on the evidence, each by its registry row's verdict
 * (check_registry_judge_lab). */
void evidence_verdicts(struct lab *lab, const struct evidence *ev);

#endif
