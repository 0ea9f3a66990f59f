/* runner/ept: the EPT/NPT reload and its restore, on a fake sysfs
 * (sys/module/kvm_intel/parameters/ept ...) in a temporary directory, driven
 * through tests/fakes/modprobe, a fake loader that acts out `modprobe -r` and
 * `modprobe MOD PARAM=V` on that tree (refusing to unload a module in use)
 * and can fail a chosen call or signal its caller after one. The original
 * setting must come back in every case: Intel, AMD (both parameter forms),
 * busy, a load failing half-way, a module that ignores its parameter, SIGINT
 * between unload and load, SIGKILL of the reloading process (then a restore
 * as `vlab clean` does it), a corrupt state file. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cleanup.h"
#include "runner/host/ept.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/child.h"

#define FAKE_LOADER FIXTURES "/../fakes/modprobe"

struct fake {
	char dir[64];
	char *state, *log;
	struct ept_env env;
};

static int setup(void **state)
{
	struct fake *f = xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/vlab-test-ept.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	f->state = xasprintf("%s/run/ept-restore.state", f->dir);
	f->log = xasprintf("%s/loader.log", f->dir);
	f->env.root = f->dir;
	f->env.loader = FAKE_LOADER;
	f->env.state_path = f->state;
	setenv("FAKE_MODPROBE_ROOT", f->dir, 1);
	setenv("FAKE_MODPROBE_LOG", f->log, 1);
	unsetenv("FAKE_MODPROBE_FAIL");
	unsetenv("FAKE_MODPROBE_SIGNAL");
	unsetenv("FAKE_MODPROBE_INT_PARAMS");
	unsetenv("FAKE_MODPROBE_IGNORE_PARAMS");
	cleanup_clear_stop();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	int r = remove_tree(f->dir);
	free(f->state);
	free(f->log);
	free(f);
	cleanup_clear_stop();
	return r;
}

static void put(const struct fake *f, const char *rel, const char *content)
{
	char *path = xasprintf("%s/%s", f->dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	assert_int_equal(mkdir_p(path, 0755), 0);
	*slash = '/';
	assert_int_equal(write_file_atomic(path, content, strlen(content), 0644), 0);
	free(path);
}

static void load(const struct fake *f, const char *module, const char *param, const char *value, int refcnt)
{
	char rel[128], num[16];
	snprintf(rel, sizeof(rel), "sys/module/%s/parameters/%s", module, param);
	char *v = xasprintf("%s\n", value);
	put(f, rel, v);
	free(v);
	snprintf(rel, sizeof(rel), "sys/module/%s/refcnt", module);
	snprintf(num, sizeof(num), "%d\n", refcnt);
	put(f, rel, num);
}

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	if (read_file(path, &sb))
		return xstrdup("");
	char *s = xstrdup(sb_str(&sb));
	sb_release(&sb);
	return s;
}

static void assert_value(const struct fake *f, const char *module, const char *want)
{
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	assert_string_equal(m.module, module);
	assert_string_equal(m.value, want);
}

/* ---- probe and decision ---- */

static void test_probe_intel(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	assert_int_equal(m.vendor, EPT_INTEL);
	assert_string_equal(m.param, "ept");
	assert_true(m.enabled);
	assert_int_equal(m.refcnt, 0);
}

static void test_probe_amd_int_form(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_amd", "npt", "0", 2);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	assert_int_equal(m.vendor, EPT_AMD);
	assert_string_equal(m.value, "0");
	assert_false(m.enabled);
	assert_int_equal(m.refcnt, 2);
}

static void test_probe_pvm_none_bad(void **state)
{
	struct fake *f = *state;
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), -ENOENT);
	assert_int_equal(m.vendor, EPT_NONE);
	put(f, "sys/module/kvm_pvm/refcnt", "3\n");
	assert_int_equal(ept_probe(f->dir, &m), -ENOENT);
	assert_int_equal(m.vendor, EPT_PVM);
	load(f, "kvm_intel", "ept", "maybe", 0);
	assert_int_equal(ept_probe(f->dir, &m), -EINVAL);
}

static void test_decide_reasons(void **state)
{
	(void)state;
	char why[256];
	struct ept_module m = { .vendor = EPT_PVM };
	assert_int_equal(ept_reload_decide(&m, -ENOENT, true, true, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "kvm_pvm"));
	m.vendor = EPT_NONE;
	assert_int_equal(ept_reload_decide(&m, -ENOENT, true, true, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "neither kvm_intel nor kvm_amd"));

	struct ept_module intel = { .vendor = EPT_INTEL, .module = "kvm_intel", .param = "ept", .value = "Y",
				    .enabled = true };
	assert_int_equal(ept_reload_decide(&intel, -EINVAL, true, true, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "/sys/module/kvm_intel/parameters/ept"));
	assert_int_equal(ept_reload_decide(&intel, 0, false, true, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "needs root"));
	assert_int_equal(ept_reload_decide(&intel, 0, true, false, why, sizeof(why)), -ECANCELED);
	assert_non_null(strstr(why, "--allow-module-reload"));
	intel.refcnt = 1;
	assert_int_equal(ept_reload_decide(&intel, 0, true, true, why, sizeof(why)), -EBUSY);
	assert_non_null(strstr(why, "refcnt 1"));
	intel.refcnt = 0;
	assert_int_equal(ept_reload_decide(&intel, 0, true, true, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

/* ---- the state file ---- */

static void test_state_round_trip(void **state)
{
	(void)state;
	struct ept_state s = { .module = "kvm_amd", .param = "npt", .original = "1", .pid = 4242 }, back;
	char *text = ept_state_format(&s);
	assert_int_equal(ept_state_parse(text, strlen(text), &back), 0);
	assert_string_equal(back.module, "kvm_amd");
	assert_string_equal(back.param, "npt");
	assert_string_equal(back.original, "1");
	assert_int_equal(back.pid, 4242);
	free(text);
	/* no final newline, a comment, unknown keys ignored */
	const char *t = "# x\nfuture=1\nmodule=kvm_intel\nparam=ept\noriginal=N";
	assert_int_equal(ept_state_parse(t, strlen(t), &back), 0);
	assert_string_equal(back.original, "N");
}

static void test_state_rejects(void **state)
{
	(void)state;
	struct ept_state s;
	const char *bad[] = {
		"",
		"module=kvm_intel\nparam=ept\n",                    /* no original */
		"module=evil\nparam=ept\noriginal=Y\n",             /* only kvm_intel/kvm_amd are loaded */
		"module=kvm_intel\nparam=npt\noriginal=Y\n",        /* crossed pair */
		"module=kvm_intel\nparam=ept\noriginal=2\n",        /* not Y/N/1/0 */
		"module=kvm_intel\nparam=ept\noriginal=YYYYYYYYYYYY\n",
		"module=kvm_intel dyndbg\nparam=ept\noriginal=Y\n", /* an extra argument smuggled in */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ept_state_parse(bad[i], strlen(bad[i]), &s), -EINVAL);
	const char nul[] = "module=kvm_intel\nparam=ept\noriginal=Y\0\n";
	assert_int_equal(ept_state_parse(nul, sizeof(nul) - 1, &s), -EINVAL);
}

/* ---- reload and restore with the fake loader ---- */

static void test_intel_off_then_restore(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), 0);
	assert_value(f, "kvm_intel", "N");
	/* the state file was there before the reload and holds the original */
	char *st = slurp(f->state);
	assert_non_null(strstr(st, "module=kvm_intel\nparam=ept\noriginal=Y\n"));
	free(st);
	assert_true(ept_restore_pending(&f->env));
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "kvm_intel ept=Y restored"));
	assert_value(f, "kvm_intel", "Y");
	assert_false(ept_restore_pending(&f->env));
	char *log = slurp(f->log);
	assert_string_equal(log, "modprobe -r kvm_intel\nmodprobe kvm_intel ept=0\n"
				 "modprobe -r kvm_intel\nmodprobe kvm_intel ept=Y\n");
	free(log);
	/* nothing pending: a second restore has nothing to do */
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 1);
}

static void test_amd_int_form(void **state)
{
	struct fake *f = *state;
	setenv("FAKE_MODPROBE_INT_PARAMS", "1", 1);
	load(f, "kvm_amd", "npt", "1", 0);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), 0);
	assert_value(f, "kvm_amd", "0");
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_value(f, "kvm_amd", "1");
	assert_false(ept_restore_pending(&f->env));
}

static void test_busy_changes_nothing(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 1);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), -EBUSY);
	assert_non_null(strstr(why, "in use"));
	assert_value(f, "kvm_intel", "Y");
	assert_false(ept_restore_pending(&f->env));
	char *log = slurp(f->log);
	assert_string_equal(log, "");
	free(log);
}

static void test_load_fails_half_way(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	setenv("FAKE_MODPROBE_FAIL", "kvm_intel ept=0", 1);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), -EIO);
	assert_non_null(strstr(why, "could not insert 'kvm_intel'"));
	/* unloaded, not loaded again: the host has no KVM until the restore */
	struct ept_module now;
	assert_int_equal(ept_probe(f->dir, &now), -ENOENT);
	unsetenv("FAKE_MODPROBE_FAIL");
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_value(f, "kvm_intel", "Y");
}

static void test_restore_fails_then_retried(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), 0);
	setenv("FAKE_MODPROBE_FAIL", "kvm_intel ept=Y", 1);
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), -EIO);
	assert_non_null(strstr(why, "was not restored"));
	assert_non_null(strstr(why, "vlab clean"));
	assert_true(ept_restore_pending(&f->env)); /* kept for the next try */
	unsetenv("FAKE_MODPROBE_FAIL");
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_value(f, "kvm_intel", "Y");
	assert_false(ept_restore_pending(&f->env));
}

static void test_module_ignores_parameter(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	setenv("FAKE_MODPROBE_IGNORE_PARAMS", "1", 1);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "reads 'Y'"));
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "as it was"));
	assert_false(ept_restore_pending(&f->env));
}

static void test_sigint_between_unload_and_load(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	cleanup_install_signal_handlers();
	setenv("FAKE_MODPROBE_SIGNAL", "-r kvm_intel:INT", 1);
	struct ept_module m;
	assert_int_equal(ept_probe(f->dir, &m), 0);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), -EINTR);
	assert_true(cleanup_stop_requested());
	unsetenv("FAKE_MODPROBE_SIGNAL");
	/* the restore runs on the main path although a stop is requested */
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_value(f, "kvm_intel", "Y");
	char *log = slurp(f->log);
	assert_null(strstr(log, "ept=0")); /* the experiment's setting was never loaded */
	free(log);
	signal(SIGINT, SIG_DFL);
}

static void test_sigkill_then_clean(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	setenv("FAKE_MODPROBE_SIGNAL", "kvm_intel ept=0:KILL", 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ept_module m;
		char why[320];
		default_fault_signals();
		ept_probe(f->dir, &m);
		ept_set(&f->env, &m, false, why, sizeof(why));
		ept_set(&f->env, &m, false, why, sizeof(why)); /* not reached */
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	unsetenv("FAKE_MODPROBE_SIGNAL");
	assert_value(f, "kvm_intel", "N");
	assert_true(ept_restore_pending(&f->env));
	/* what `vlab clean` does */
	char why[320];
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_value(f, "kvm_intel", "Y");
	assert_false(ept_restore_pending(&f->env));
}

static void test_second_set_keeps_first_original(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "Y", 0);
	struct ept_module m;
	ept_probe(f->dir, &m);
	char why[320];
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), 0);
	/* a second reload (say, on again) must not record N as the original */
	ept_probe(f->dir, &m);
	assert_int_equal(ept_set(&f->env, &m, false, why, sizeof(why)), 0);
	char *st = slurp(f->state);
	assert_non_null(strstr(st, "original=Y"));
	free(st);
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), 0);
	assert_value(f, "kvm_intel", "Y");
}

static void test_corrupt_state_is_kept(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "N", 0);
	put(f, "run/ept-restore.state", "module=../../evil\noriginal=Y\n");
	char why[400];
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not vlab's"));
	assert_true(ept_restore_pending(&f->env));
	assert_value(f, "kvm_intel", "N"); /* nothing loaded on its say-so */
	char *log = slurp(f->log);
	assert_string_equal(log, "");
	free(log);
}

static void test_restore_waits_for_users(void **state)
{
	struct fake *f = *state;
	load(f, "kvm_intel", "ept", "N", 1);
	put(f, "run/ept-restore.state", "module=kvm_intel\nparam=ept\noriginal=Y\n");
	char why[400];
	assert_int_equal(ept_restore(&f->env, why, sizeof(why)), -EBUSY);
	assert_non_null(strstr(why, "refcnt 1"));
	assert_true(ept_restore_pending(&f->env));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_intel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_amd_int_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_pvm_none_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intel_off_then_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amd_int_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_fails_half_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_fails_then_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_ignores_parameter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigint_between_unload_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_then_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_set_keeps_first_original, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_state_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_waits_for_users, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
