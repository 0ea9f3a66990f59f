/* Chapter 4's step 2 as handed in: the file names that say EPT/NPT on or
 * off, and ch4.cr_exits_ept_off on two saved `perf kvm stat report`s (the
 * lab's EPT-off screenshot, transcribed, and a hand-made EPT-on table;
 * tests/fixtures/perf/README.md), with one missing, one empty, or one
 * recording handed in under both names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/ch4_saved.h"
#include "tests/unit/unit_helpers.h"

static void test_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum ept_side side;
		const char *param;
	} cases[] = {
		{ "perf_ept_on.txt", EPT_SIDE_ON, "ept" },
		{ "perf_ept_off.txt", EPT_SIDE_OFF, "ept" },
		{ "perf-ept-off.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_EPT_OFF.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_eptoff.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_ept0.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_ept=0.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_ept=N.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_ept=Y.txt", EPT_SIDE_ON, "ept" },
		{ "perf_ept1.txt", EPT_SIDE_ON, "ept" },
		{ "perf_noept.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_no_ept.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_without_ept.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_with_ept.txt", EPT_SIDE_ON, "ept" },
		{ "perf_ept_disabled.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_ept_enabled.txt", EPT_SIDE_ON, "ept" },
		{ "perf_shadow.txt", EPT_SIDE_OFF, "ept" },
		{ "perf_npt_off.txt", EPT_SIDE_OFF, "npt" },
		{ "perf_npt_on.txt", EPT_SIDE_ON, "npt" },
		{ "perf-kvm-stat-npt=0.txt", EPT_SIDE_OFF, "npt" },
		{ "perf_kvm_stat_report_ept_off_run2.txt", EPT_SIDE_OFF, "ept" },
		/* never guessed */
		{ "perf.txt", EPT_SIDE_UNKNOWN, "ept" },
		{ "perf_ept.txt", EPT_SIDE_UNKNOWN, "ept" },
		{ "perf_on.txt", EPT_SIDE_UNKNOWN, "ept" },
		{ "perf_ept_on_off.txt", EPT_SIDE_UNKNOWN, "ept" },
		{ "perf_epta.txt", EPT_SIDE_UNKNOWN, "ept" },
		{ "perf_concept_off.txt", EPT_SIDE_UNKNOWN, "ept" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *param = NULL;
		enum ept_side got = perf_name_ept_side(cases[i].name, &param);
		if (got != cases[i].side || strcmp(param, cases[i].param))
			fail_msg("%s: side %d (%s), want %d (%s)", cases[i].name, got, param, cases[i].side,
				 cases[i].param);
	}
	assert_true(perf_report_name("perf_ept_on.txt"));
	assert_true(perf_report_name("Perf-EPT-off.TXT"));
	assert_false(perf_report_name("perf.txt.bak"));
	assert_false(perf_report_name("strace.log"));
	assert_false(perf_report_name(".txt"));
}

struct report {
	int rc;
	struct perf_report rep;
};

static struct report *load(const char *name)
{
	struct report *r = xcalloc(1, sizeof(*r));
	char *rel = xasprintf("perf/%s", name);
	char *t = fixture_text(rel);
	r->rc = perf_report_parse(t, strlen(t), &r->rep);
	free(t);
	free(rel);
	return r;
}

static void test_pair(void **state)
{
	(void)state;
	struct report *off = load("perf-kvm-stat-report-intel-ept-off.txt"),
		      *on = load("perf-kvm-stat-report-intel-ept-on-handmade.txt"),
		      *none = load("perf-kvm-stat-report-pvm-no-exits.txt"),
		      *amd = load("perf-kvm-stat-report-amd-npt-off-handmade.txt");
	struct saved_perf son = { "perf_ept_on.txt", on->rc, &on->rep }, soff = { "perf_ept_off.txt", off->rc, &off->rep };
	struct check_result r;

	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &son, &soff, "ept", NULL);
	assert_verdict(&r, VERDICT_PASS);
	assert_contains(r.detail, "perf_ept_off.txt / perf_ept_on.txt: CR-access exits: 69 with ept off, 2 with it on: "
				  "34x rarer (perf kvm stat)");

	/* the EPT-off report missing: which one, and how to name it */
	struct saved_perf missing = { NULL, 0, NULL };
	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &son, &missing, "ept", NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "no perf report recorded with ept off (perf_ept_off.txt)");
	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &son, &missing, "ept", "perf.txt");
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "perf.txt does not say in its name whether ept was on or off");
	assert_contains(r.hint, "perf_ept_on.txt or perf_ept_off.txt");

	/* one recording handed in under both names */
	struct saved_perf forged = { "perf_ept_off.txt", on->rc, &on->rep };
	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &son, &forged, "ept", NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "perf_ept_on.txt and perf_ept_off.txt hold the same exits");

	/* the sides swapped: CR-access exits go down with EPT off */
	struct saved_perf swapped_on = { "perf_ept_on.txt", off->rc, &off->rep },
			  swapped_off = { "perf_ept_off.txt", on->rc, &on->rep };
	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &swapped_on, &swapped_off, "ept", NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "CR-access exits: 2 with ept off but 69 with it on");

	/* a report without exits (kvm_pvm): exits counted in both, or FAIL */
	struct saved_perf empty = { "perf_ept_on.txt", none->rc, &none->rep };
	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &empty, &soff, "ept", NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "perf_ept_on.txt counts no VM exits (ept on)");

	/* not a report at all */
	struct saved_perf junk = { "perf_ept_on.txt", -22, &none->rep };
	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &junk, &soff, "ept", NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "perf_ept_on.txt is not a `perf kvm stat report` table");

	/* AMD: write_cr3 counted as CR access, npt named */
	struct saved_perf amd_off = { "perf_npt_off.txt", amd->rc, &amd->rep };
	check_init(&r, "ch4.cr_exits_ept_off");
	check_saved_cr_exits(&r, &son, &amd_off, "npt", NULL);
	assert_verdict(&r, VERDICT_PASS);
	assert_contains(r.detail, "4120 with npt off, 2 with it on");
	free(off);
	free(on);
	free(none);
	free(amd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
