/* checks/check_registry.c held to everything that names a check id: the
 * chapters' step tables (each id a step lists is its row's chapter and
 * step, and each row a chapter may earn is in its step's table), grading's
 * runs (each id they decide is a row grading may earn, decided by the run
 * the row says), `vlab check`'s kinds and the built-in rubrics. One test in
 * place of cross-checks kept beside each list. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/check_kinds.h"
#include "checks/check_registry.h"
#include "checks/rubric.h"
#include "runner/chapter.h"
#include "runner/grade/saved_work.h"
#include "runner/grade/submission_checks.h"
#include "runner/grade/two_vm_run.h"
#include "runner/util.h"
#include "runner/files.h"

static const struct step *step_named(const struct chapter *ch, const char *name)
{
	for (size_t s = 0; s < ch->nsteps; s++)
		if (!strcmp(ch->steps[s].name, name))
			return &ch->steps[s];
	return NULL;
}

static void test_rows(void **state)
{
	(void)state;
	assert_true(ncheck_registry > 0);
	for (size_t i = 0; i < ncheck_registry; i++) {
		const struct check_row *row = &check_registry[i];
		assert_ptr_equal(check_registry_find(row->id), row);  /* and so no id twice */
		/* a rubric item holds it */
		assert_true(strlen(row->id) < sizeof(((struct rubric_item *)0)->id));
		/* a chapter's prefix is its own; an id of no chapter's (vlab
		 * check's iperf.run) has none */
		char prefix[8];
		snprintf(prefix, sizeof(prefix), "ch%d.", row->chapter);
		assert_true(starts_with(row->id, prefix) || !starts_with(row->id, "ch"));
		assert_non_null(row->title);
		assert_true(row->title[0] && !strchr(row->title, '\n'));
		assert_true(row->earned & (EARNED_CHAPTER | EARNED_VERIFY | EARNED_GRADE | EARNED_CHECK));
		/* a step decides it exactly when a chapter run may earn it */
		assert_int_equal(row->step != NULL, (row->earned & EARNED_CHAPTER) != 0);
		/* one of grading's runs decides it exactly when grading may earn it */
		assert_int_equal(row->graded_by != GRADED_BY_NONE, (row->earned & EARNED_GRADE) != 0);
	}
	assert_null(check_registry_find("ch1.nope"));
	assert_null(check_registry_find(NULL));
	assert_string_equal(check_evidence_name(EVIDENCE_STUDENT), "student");
}

/* Every row a chapter run may earn names a step its chapter has, so a
 * step table's checks (check_registry_step_ids) hold every such row; a
 * step decides at most CHECKS_PER_STEP_MAX, in the table's order. */
static void test_step_tables(void **state)
{
	(void)state;
	size_t rows = 0, listed = 0;
	for (size_t i = 0; i < ncheck_registry; i++) {
		const struct check_row *row = &check_registry[i];
		if (!(row->earned & EARNED_CHAPTER))
			continue;
		rows++;
		const struct chapter *ch = chapter_find(row->chapter);
		assert_non_null(ch);
		if (!step_named(ch, row->step))
			fail_msg("%s: chapter %d has no step %s", row->id, row->chapter, row->step);
		assert_true(check_registry_in_step(row->id, row->chapter, row->step));
	}
	for (size_t i = 0; i < nchapters; i++) {
		const struct chapter *ch = chapters[i];
		for (size_t s = 0; s < ch->nsteps; s++) {
			const char *ids[CHECKS_PER_STEP_MAX];
			size_t n = check_registry_step_ids(ch->number, ch->steps[s].name, ids, CHECKS_PER_STEP_MAX);
			assert_true(n <= CHECKS_PER_STEP_MAX);
			for (size_t k = 0; k < n; k++) {
				const struct check_row *row = check_registry_find(ids[k]);
				assert_int_equal(row->chapter, ch->number);
				assert_string_equal(row->step, ch->steps[s].name);
				/* the table's order */
				assert_true(k == 0 || check_registry_find(ids[k - 1]) < row);
			}
			listed += n;
		}
	}
	assert_int_equal(listed, rows);
	/* chapter 2's ping step: the guest's ping, then vlab's */
	const char *ping[CHECKS_PER_STEP_MAX];
	assert_int_equal(check_registry_step_ids(2, "ping", ping, CHECKS_PER_STEP_MAX), 2);
	assert_string_equal(ping[0], "ch2.ping_guest_to_host");
	assert_string_equal(ping[1], "ch2.ping_host_to_guest");
	assert_false(check_registry_in_step("ch2.ping_guest_to_host", 2, "http"));
	assert_false(check_registry_in_step("ch1.cmdline_kvm", 1, "boot"));
	assert_int_equal(check_registry_step_ids(2, NULL, ping, CHECKS_PER_STEP_MAX), 0);
}

/* A rubric naming every row grading may earn, with its own evidence;
 * an id grading may not earn is refused. */
static void graded_rubric(struct rubric *r)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "rubric 1\n");
	for (size_t i = 0; i < ncheck_registry; i++)
		if (check_registry[i].earned & EARNED_GRADE)
			sb_addf(&sb, "%s 1 evidence=%s\n", check_registry[i].id,
				check_evidence_name(check_registry[i].evidence));
	char err[512];
	int rc = rubric_parse(sb.buf, sb.len, "all", r, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	sb_release(&sb);
}

static void test_rubrics(void **state)
{
	(void)state;
	static struct rubric r, other;
	graded_rubric(&r);
	char err[512];
	for (size_t i = 0; i < ncheck_registry; i++) {
		const struct check_row *row = &check_registry[i];
		assert_int_equal(rubric_find(&r, row->id) != NULL, (row->earned & EARNED_GRADE) != 0);
		if (row->earned & EARNED_GRADE) {
			assert_int_equal(rubric_find(&r, row->id)->evidence, row->evidence);
			continue;
		}
		char text[128];
		int n = snprintf(text, sizeof(text), "rubric 1\n%s 1\n", row->id);
		assert_int_equal(rubric_parse(text, (size_t)n, "x", &other, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "unknown check"));
	}
	/* the built-in rubrics */
	static const char *const builtin[] = { "default.rubric", "lab.rubric" };
	for (size_t k = 0; k < ARRAY_SIZE(builtin); k++) {
		char *path = xasprintf("%s/../../assets/rubric/%s", FIXTURES, builtin[k]);
		struct strbuf sb = STRBUF_INIT;
		assert_int_equal(read_file(path, &sb), 0);
		if (rubric_parse(sb.buf, sb.len, path, &r, err, sizeof(err)))
			fail_msg("%s", err);
		assert_true(r.nitems > 0);
		sb_release(&sb);
		free(path);
	}
}

/* Every id grading's runs decide is a row grading may earn, decided by
 * the run the row names: the runs of the one VM and its command line fail
 * each of theirs when there is no VM; the saved work's, on an empty
 * folder, each of theirs. */
static void test_grading_lists(void **state)
{
	(void)state;
	static struct rubric r;
	graded_rubric(&r);
	static struct outcome o;
	memset(&o, 0, sizeof(o));
	fail_run_checks(&o, false, "hint", "no VM");
	char dir[] = "/tmp/vlab-registry-XXXXXX";
	assert_non_null(mkdtemp(dir));
	artefact_checks(&o, &r, dir);
	saved_work_checks(&o, &r, dir);
	rmdir(dir);
	size_t want = 0;
	for (size_t i = 0; i < ncheck_registry; i++) {
		enum check_graded_by by = check_registry[i].graded_by;
		if (by == GRADED_BY_CMDLINE || by == GRADED_BY_VM || by == GRADED_BY_SAVED || by == GRADED_BY_EPT_PAIR ||
		    by == GRADED_BY_CONCLUSIONS)
			want++;
	}
	assert_int_equal(o.n, want);
	for (size_t k = 0; k < o.n; k++) {
		const struct check_row *row = check_registry_find(o.results[k].id);
		if (!row)
			fail_msg("grading decides %s, which the registry lacks", o.results[k].id);
		assert_true(row->earned & EARNED_GRADE);
		assert_true(row->graded_by != GRADED_BY_NONE && row->graded_by != GRADED_BY_TWO_VMS_HOST &&
			    row->graded_by != GRADED_BY_TWO_VMS_GUEST);
		assert_true(o.results[k].done);
	}
	/* chapter 3's two VMs: their host checks, then their guests' */
	const char *ids[16];
	size_t h = check_registry_ids(GRADED_BY_TWO_VMS_HOST, ids, 16);
	size_t g = check_registry_ids(GRADED_BY_TWO_VMS_GUEST, ids, 16);
	assert_true(h > 0 && g > 0 && h + g <= 16);
	assert_true(two_vm_run_wanted(&r));
}

/* `vlab check`'s kinds each carry a row's id that vlab check may earn,
 * each such row names a kind, and each row grading judges on saved files
 * names the kind that reads them. */
static void test_check_kinds(void **state)
{
	(void)state;
	for (size_t k = 0; k < ncheck_kinds; k++) {
		const char *id = check_registry_kind_id(check_kinds[k].name);
		if (!id)
			fail_msg("vlab check %s carries no registry row's id", check_kinds[k].name);
		assert_true(check_registry_find(id)->earned & EARNED_CHECK);
	}
	for (size_t i = 0; i < ncheck_registry; i++) {
		const struct check_row *row = &check_registry[i];
		if ((row->earned & EARNED_CHECK) || row->saved) {
			if (!row->kind || !check_kind_find(row->kind))
				fail_msg("%s: no kind of vlab check reads its file", row->id);
		}
		if (row->saved) {
			assert_int_equal(row->graded_by, GRADED_BY_SAVED);
			assert_true(row->saved->prefix[0] && row->saved->suffix[0] && row->saved->what[0]);
		}
	}
	assert_null(check_registry_kind_id("nope"));
	assert_string_equal(check_registry_kind_id("iperf"), "iperf.run");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_step_tables),
		cmocka_unit_test(test_rubrics),
		cmocka_unit_test(test_grading_lists),
		cmocka_unit_test(test_check_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
