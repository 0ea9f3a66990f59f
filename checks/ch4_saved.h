/* Chapter 4's step 2 as a student hands it in: two saved `perf kvm stat
 * report`s, one recorded with EPT (AMD: NPT) on and one with it off, told
 * apart by their file names, and ch4.cr_exits_ept_off judged on them by the
 * chapter's own verdict (check_cr_exits_ept_off, checks/ch4.h). Pure. */
#ifndef VLAB_CHECKS_CH4_SAVED_H
#define VLAB_CHECKS_CH4_SAVED_H

#include <stdbool.h>

#include "checks/perf_parse.h"
#include "checks/verdict.h"

enum ept_side { EPT_SIDE_UNKNOWN, EPT_SIDE_ON, EPT_SIDE_OFF };

/* Whether name is a saved perf report's: perf*.txt, in any case. */
bool perf_report_name(const char *name);

/* Which side a perf report's file name says it was recorded on. The name is
 * cut into words at anything not a letter or digit, in any case; "ept" or
 * "npt" (or "tdp", KVM's common name for both) is the parameter, and what
 * stands next to it the side: after it on/1/y/yes/true/enabled/enable (on) or
 * off/0/n/no/false/disabled/disable (off), glued to it too ("eptoff",
 * "ept0"); before it with (on) or no/without/disabled (off); "noept" and
 * "nonpt" are off, and "shadow" (shadow page tables, which is what EPT off
 * means) is off. A name that says both, or neither, is EPT_SIDE_UNKNOWN:
 * never guessed. *param (may be NULL) is set to "npt" for an npt name, else
 * "ept". */
enum ept_side perf_name_ept_side(const char *name, const char **param);

/* A saved report, as the caller found it: name NULL when there was none;
 * parse_rc perf_report_parse()'s return; rep its table. */
struct saved_perf {
	const char *name;
	int parse_rc;
	const struct perf_report *rep;
};

/* ch4.cr_exits_ept_off from the two saved reports: each must be there,
 * be a `perf kvm stat report` and count exits; the two must not be the
 * same table (one recording handed in twice under both names: two
 * recordings never count the same exits row for row); then the chapter's
 * verdict on them, compared as counts (the reports do not say how long they
 * recorded). unnamed: a perf*.txt whose name says neither side (NULL: none),
 * named in the hint of a missing side. */
void check_saved_cr_exits(struct check_result *r, const struct saved_perf *on, const struct saved_perf *off,
			  const char *param, const char *unnamed);

#endif
