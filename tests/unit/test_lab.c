/* runner/lab: a lab made ready for a chapter, its artifact list, and what
 * the VM layer sees of it (struct vm_run_ctx). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/chapter.h"
#include "runner/lab.h"
#include "runner/util.h"

static int no_op(struct lab *lab)
{
	(void)lab;
	return 0;
}

/* two of chapter 2's step names: their checks are the registry's rows */
static const struct step steps[] = {
	{ .name = "ping", .run = no_op },
	{ .name = "http", .run = no_op },
};
static const struct chapter chapter = { .number = 2, .name = "test", .steps = steps, .nsteps = 2, .state_size = 24 };

static void test_init_takes_the_steps_checks(void **state)
{
	(void)state;
	struct lab_options opt = { 0 };
	struct lab *lab = xcalloc(1, sizeof(*lab));
	lab->nchecks = 99;
	lab_init(lab, &chapter, &opt);
	assert_ptr_equal(lab->opt, &opt);
	assert_ptr_equal(lab->chapter, &chapter);
	assert_int_equal(lab->nchecks, 3);
	assert_string_equal(lab->checks[0].id, "ch2.ping_guest_to_host");
	assert_string_equal(lab->checks[1].id, "ch2.ping_host_to_guest");
	assert_string_equal(lab->checks[2].id, "ch2.http_200");
	assert_false(lab->checks[0].done);
	assert_true(lab->started_ms > 0);
	for (int v = 0; v < LAB_MAX_VMS; v++) {
		assert_int_equal(lab->vms[v].pid_handle, -1);
		assert_int_equal(lab->vms[v].overlay_handle, -1);
		assert_int_equal(lab->vms[v].serial_handle, -1);
		assert_int_equal(lab->vms[v].qmp_handle, -1);
	}
	/* the engine's allocation; lab_release frees it (the sanitizer build
	 * would report a leak) */
	assert_null(lab->chapter_state);
	lab->chapter_state = xcalloc(1, chapter.state_size);
	lab_release(lab);
	free(lab);
}

static void test_init_without_chapter(void **state)
{
	(void)state;
	struct lab_options opt = { 0 };
	struct lab *lab = xcalloc(1, sizeof(*lab));
	lab_init(lab, NULL, &opt);
	assert_null(lab->chapter);
	assert_int_equal(lab->nchecks, 0);
	assert_int_equal(lab->vms[1].pid_handle, -1);
	lab_release(lab);
	free(lab);
}

static void test_artifacts_are_copied_and_capped(void **state)
{
	(void)state;
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" };
	_Static_assert(sizeof(names) / sizeof(names[0]) > LAB_MAX_ARTIFACTS, "more names than room");
	struct artifact list[LAB_MAX_ARTIFACTS];
	int n = 0;
	char path[16] = "/run/x";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		artifact_add(list, &n, names[i], path);
	assert_int_equal(n, LAB_MAX_ARTIFACTS);
	path[1] = 'X';
	assert_string_equal(list[0].path, "/run/x");
	assert_string_equal(list[0].name, "a");
	for (int i = 0; i < n; i++)
		free(list[i].path);
}

/* a chapter that starts VMs again and again: the same names take the
 * later paths and leave room for the files named after them */
static void test_artifacts_named_again_take_the_later_path(void **state)
{
	(void)state;
	struct artifact list[LAB_MAX_ARTIFACTS];
	int n = 0;
	for (int boot = 0; boot < 4; boot++) {
		char path[32];
		snprintf(path, sizeof(path), "/run/boot%d.console.log", boot);
		artifact_add(list, &n, "console", path);
		artifact_add(list, &n, "qemu_log", "/run/vm1.qemu.log");
	}
	artifact_add(list, &n, "strace_log", "/run/strace.log");
	artifact_add(list, &n, "perf_report_ept_on", "/run/perf-ept-on.txt");
	artifact_add(list, &n, "perf_report_ept_off", "/run/perf-ept-off.txt");
	assert_int_equal(n, 5);
	assert_string_equal(list[0].path, "/run/boot3.console.log");
	assert_string_equal(list[4].name, "perf_report_ept_off");
	for (int i = 0; i < n; i++)
		free(list[i].path);
}

static void test_vm_ctx_is_the_labs(void **state)
{
	(void)state;
	struct lab_options opt = { .keep = true, .boot_timeout_ms = 1234 };
	struct lab *lab = xcalloc(1, sizeof(*lab));
	lab_init(lab, &chapter, &opt);
	lab->run_dir = xstrdup("/run/vlab/r1");
	struct vm_run_ctx run = lab_vm_ctx(lab);
	assert_string_equal(run.run_dir, "/run/vlab/r1");
	assert_ptr_equal(run.image, &lab->image);
	assert_ptr_equal(run.accel, &lab->accel);
	assert_true(run.keep);
	assert_int_equal(run.boot_timeout_ms, 1234);
	assert_ptr_equal(run.second_vm, &lab->vms[1]);
	/* what the VM layer says and keeps lands in the lab */
	snprintf(run.blocked, run.blocked_len, "qemu (vm1) exited during boot");
	assert_string_equal(lab->blocked, "qemu (vm1) exited during boot");
	artifact_add(run.artifacts, run.nartifacts, "qemu_log", "/run/vlab/r1/vm1.qemu.log");
	assert_int_equal(lab->nartifacts, 1);
	assert_string_equal(lab->artifacts[0].path, "/run/vlab/r1/vm1.qemu.log");
	lab_release(lab);
	free(lab);
}

static void test_deadlines_follow_the_accelerator(void **state)
{
	(void)state;
	struct lab_options opt = { 0 };
	struct lab *lab = xcalloc(1, sizeof(*lab));
	lab_init(lab, NULL, &opt);
	lab->accel.accel = ACCEL_KVM;
	assert_int_equal(lab_boot_timeout_ms(lab), 30000);
	assert_int_equal(lab_cmd_timeout_ms(lab, 10000), 10000);
	lab->accel.accel = ACCEL_TCG;
	assert_int_equal(lab_boot_timeout_ms(lab), 90000);
	assert_int_equal(lab_cmd_timeout_ms(lab, 10000), 40000);
	opt.boot_timeout_ms = 5000;
	assert_int_equal(lab_boot_timeout_ms(lab), 5000);
	lab_release(lab);
	free(lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_takes_the_steps_checks),
		cmocka_unit_test(test_init_without_chapter),
		cmocka_unit_test(test_artifacts_are_copied_and_capped),
		cmocka_unit_test(test_artifacts_named_again_take_the_later_path),
		cmocka_unit_test(test_vm_ctx_is_the_labs),
		cmocka_unit_test(test_deadlines_follow_the_accelerator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
