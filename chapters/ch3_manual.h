/* Chapter 3 with --manual: the student's session and what vlab reads of
 * it. */
#ifndef VLAB_CH3_MANUAL_H
#define VLAB_CH3_MANUAL_H

#include "chapters/ch3_plan.h"

/* The last output of a command typed in VM v that
 * starts with prefix and names what; 0 when there is one. */
int ch3_typed_output(struct ch3_state *st, int v, const char *prefix, const char *what, struct strbuf *out);
/* The student types in both VMs; the transcripts and the taps' counters
 * over the session land in the state. */
int ch3_manual_session(struct lab *lab);
/* Link l's iperf3 verdict from what the student's client printed. */
void ch3_judge_manual_run(struct lab *lab, int l);

#endif
