/* vlab doctor's row "sandbox userns" (runner/doctor/sandbox_userns.h): from
 * the content of /proc/sys/kernel/apparmor_restrict_unprivileged_userns and
 * the probe's result to the row, every combination; the file read below a
 * fake root; and the probe run for real on this host. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/doctor/host_facts.h"
#include "runner/doctor/host_table.h"
#include "runner/doctor/sandbox_userns.h"
#include "runner/util.h"
#include "runner/files.h"

static const struct sandbox_userns_probe works = { .result = 1, .failed = USERNS_STEP_NONE, .uid = 65534 };
static const struct sandbox_userns_probe not_tried = { .result = 0, .failed = USERNS_STEP_NONE, .uid = 0 };
/* what GitHub's ubuntu-24.04 runners do: the namespace is made, its
 * uid_map refused (bwrap: "setting up uid map: Permission denied") */
static const struct sandbox_userns_probe apparmor_refused = { .result = -EACCES, .failed = USERNS_STEP_UID_MAP,
							      .uid = 65534 };
static const struct sandbox_userns_probe container_refused = { .result = -EPERM, .failed = USERNS_STEP_UNSHARE,
							       .uid = 1000 };

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not in '%s'", needle, hay);
}

static struct doctor_row judge(const char *content, const struct sandbox_userns_probe *p)
{
	struct doctor_row r;
	memset(&r, 0xAA, sizeof(r)); /* every field written */
	sandbox_userns_row(content, p, &r);
	assert_string_equal(r.name, "sandbox userns");
	assert_false(r.essential); /* chapter 1 runs without it */
	assert_has(r.enables, "vlab grade");
	return r;
}

static void test_absent_is_not_applicable(void **state)
{
	struct doctor_row r = judge(NULL, &works);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_has(r.detail, "not applicable");
	assert_has(r.detail, "uid 65534 made a user namespace");
	assert_string_equal(r.fix, "");
	r = judge(NULL, &not_tried);
	assert_int_equal(r.status, DOCTOR_INFO);
	assert_has(r.detail, "not probed");
}

static void test_restricted_fails(void **state)
{
	/* the runners: 1 and the probe refused at uid_map */
	struct doctor_row r = judge("1\n", &apparmor_refused);
	assert_int_equal(r.status, DOCTOR_MISSING);
	assert_has(r.detail, "kernel.apparmor_restrict_unprivileged_userns=1");
	assert_has(r.detail, "bubblewrap's --unshare-user fails");
	assert_has(r.detail, "writing its uid_map failed: Permission denied");
	assert_has(r.fix, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
	assert_has(r.fix, "AppArmor profile for bwrap");
	/* a saved host with the setting: judged from it alone */
	r = judge("1", &not_tried);
	assert_int_equal(r.status, DOCTOR_MISSING);
	assert_has(r.fix, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
	/* 1, yet the probe worked: a profile lets this process; warned */
	r = judge(" 1 \n", &works);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_has(r.detail, "=1, yet uid 65534 made");
}

static void test_lifted_works(void **state)
{
	struct doctor_row r = judge("0\n", &works);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_has(r.detail, "kernel.apparmor_restrict_unprivileged_userns=0");
	assert_string_equal(r.fix, "");
}

static void test_refused_otherwise(void **state)
{
	/* 0 or absent, yet refused: a container, not AppArmor */
	struct doctor_row r = judge("0\n", &container_refused);
	assert_int_equal(r.status, DOCTOR_MISSING);
	assert_has(r.detail, "as uid 1000, unshare(CLONE_NEWUSER) failed: Operation not permitted");
	assert_has(r.fix, "container");
	r = judge(NULL, &container_refused);
	assert_int_equal(r.status, DOCTOR_MISSING);
	assert_has(r.detail, "not applicable");
	struct sandbox_userns_probe inner = { .result = -EPERM, .failed = USERNS_STEP_INNER, .uid = 65534 };
	r = judge(NULL, &inner);
	assert_has(r.detail, "unshare(CLONE_NEWNS|CLONE_NEWNET) inside it failed");
}

static void test_odd_contents(void **state)
{
	/* neither 0 nor 1: said as read, judged by the probe */
	static const char *const odd[] = { "", "2\n", "yes", "11", "0 1", "\xff\xfe" };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct doctor_row r = judge(odd[i], &works);
		assert_int_equal(r.status, DOCTOR_OK);
		assert_has(r.detail, "kernel.apparmor_restrict_unprivileged_userns reads '");
		r = judge(odd[i], &apparmor_refused);
		assert_int_equal(r.status, DOCTOR_MISSING);
	}
	/* a long content is cut, not overflowed */
	char big[4096];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct doctor_row r = judge(big, &works);
	assert_true(strlen(r.detail) < sizeof(r.detail));
}

/* the file read below a fake root, and the row in doctor's table */
static void test_gather_reads_the_file(void **state)
{
	char root[] = "/tmp/vlab-test-userns.XXXXXX";
	assert_non_null(mkdtemp(root));
	char *dir = xasprintf("%s/proc/sys/kernel", root);
	assert_int_equal(mkdir_p(dir, 0755), 0);
	static struct doctor_facts f;
	doctor_gather(root, &f);
	assert_false(f.apparmor_userns_present);
	assert_int_equal(f.sandbox_userns.result, 0); /* never probed below a fake root */

	char *file = xasprintf("%s/apparmor_restrict_unprivileged_userns", dir);
	assert_int_equal(write_file_atomic(file, "1\n", 2, 0444), 0);
	doctor_gather(root, &f);
	assert_true(f.apparmor_userns_present);
	assert_string_equal(f.apparmor_userns_text, "1");
	static struct doctor_row rows[DOCTOR_MAX_ROWS];
	size_t n = doctor_rows(&f, rows, DOCTOR_MAX_ROWS);
	assert_true(n < DOCTOR_MAX_ROWS); /* room left: no row fell off */
	const struct doctor_row *r = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].name, "sandbox userns"))
			r = &rows[i];
	assert_non_null(r);
	assert_int_equal(r->status, DOCTOR_MISSING);
	assert_has(r->fix, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
	unlink(file);
	free(file);
	rmdir(dir);
	free(dir);
	char *p = xasprintf("%s/proc/sys", root);
	rmdir(p);
	free(p);
	p = xasprintf("%s/proc", root);
	rmdir(p);
	free(p);
	rmdir(root);
}

/* the probe for real: tried on this host, its result either works or names
 * the step that failed */
static void test_probe_on_this_host(void **state)
{
	static struct doctor_facts f;
	doctor_gather("", &f);
	const struct sandbox_userns_probe *p = &f.sandbox_userns;
	assert_int_not_equal(p->result, 0);
	if (geteuid() == 0)
		assert_int_equal(p->uid, 65534);
	else
		assert_int_equal(p->uid, geteuid());
	if (p->result < 0)
		assert_int_not_equal(p->failed, USERNS_STEP_NONE);
	else
		assert_int_equal(p->failed, USERNS_STEP_NONE);
	print_message("probe: %s\n", p->result > 0 ? "works" : userns_step_name(p->failed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent_is_not_applicable),
		cmocka_unit_test(test_restricted_fails),
		cmocka_unit_test(test_lifted_works),
		cmocka_unit_test(test_refused_otherwise),
		cmocka_unit_test(test_odd_contents),
		cmocka_unit_test(test_gather_reads_the_file),
		cmocka_unit_test(test_probe_on_this_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
