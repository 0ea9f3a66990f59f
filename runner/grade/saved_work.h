/* The checks a rubric may list on work a student saved in their submission
 * beyond one file of a kind (submission_checks.h's artefact_checks): chapter
 * 4's two perf reports, EPT/NPT on and off (ch4.cr_exits_ept_off,
 * checks/ch4_saved.h), and chapter 3's written conclusions held against the
 * student's own iperf3 runs (ch3.conclusions, checks/conclusions.h). */
#ifndef VLAB_GRADE_SAVED_WORK_H
#define VLAB_GRADE_SAVED_WORK_H

#include <stdbool.h>

#include "checks/rubric.h"
#include "runner/grade/submission_checks.h"

/* Those of the checks the rubric lists, judged on dir's files. */
void saved_work_checks(struct outcome *o, const struct rubric *rubric, const char *dir);


#endif
