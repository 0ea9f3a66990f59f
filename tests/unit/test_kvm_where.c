/* Where chapters 4-5 run (runner/host/kvm_where.h) on each kind of host, and
 * the pure parts of a chapter run inside the emulated KVM host
 * (runner/kvmhost_chapter.h): what the steps need, the inner command, and
 * the inner report made this host's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "runner/chapter.h"
#include "runner/kvmhost_chapter.h"
#include "chapters/ch3_plan.h"
#include "chapters/ch4_kvm.h"
#include "runner/run_ledger.h"
#include "unit_helpers.h"

static const struct host_kvm no_kvm = { 0 };
static const struct host_kvm pvm = { .dev_kvm = true, .dev_kvm_access = true, .hypervisor = true, .kvm_pvm = true };
static const struct host_kvm intel = { .dev_kvm = true, .dev_kvm_access = true, .vmx = true, .kvm_intel = true };
static const struct host_kvm amd_noaccess = { .dev_kvm = true, .svm = true, .kvm_amd = true };

static struct kvm_where decide(const struct host_kvm *h, enum kvm_need need, enum emulated_kvm mode, int *rc)
{
	struct kvm_where_in in = { .host = h, .need = need, .mode = mode, .kvmhost_missing = "" };
	struct kvm_where w;
	*rc = kvm_where_decide(&in, &w);
	return w;
}

static void test_auto(void **state)
{
	int rc;
	/* no /dev/kvm: every KVM step goes inside, and says why */
	struct kvm_where w = decide(&no_kvm, KVM_NEED_IOCTLS, EMULATED_KVM_AUTO, &rc);
	assert_int_equal(rc, 0);
	assert_true(w.emulated);
	assert_string_equal(w.why, "this host has no /dev/kvm");
	assert_true(decide(&no_kvm, KVM_NEED_HW, EMULATED_KVM_AUTO, &rc).emulated);
	/* kvm_pvm answers the ioctls (chapter 5, chapter 4's strace step)... */
	assert_false(decide(&pvm, KVM_NEED_IOCTLS, EMULATED_KVM_AUTO, &rc).emulated);
	/* ...but has no EPT/NPT switch and boots no standard guest */
	w = decide(&pvm, KVM_NEED_HW, EMULATED_KVM_AUTO, &rc);
	assert_true(w.emulated);
	assert_contains(w.why, "kvm_pvm");
	/* hardware KVM: here */
	assert_false(decide(&intel, KVM_NEED_HW, EMULATED_KVM_AUTO, &rc).emulated);
	assert_string_equal(decide(&intel, KVM_NEED_HW, EMULATED_KVM_AUTO, &rc).why, "");
	/* a /dev/kvm this user may not open stays here: its SKIP says how to get at it */
	assert_false(decide(&amd_noaccess, KVM_NEED_HW, EMULATED_KVM_AUTO, &rc).emulated);
	/* a chapter that needs no KVM never goes */
	assert_false(decide(&no_kvm, KVM_NEED_NONE, EMULATED_KVM_ALWAYS, &rc).emulated);
}

static void test_modes(void **state)
{
	int rc;
	struct kvm_where w = decide(&intel, KVM_NEED_IOCTLS, EMULATED_KVM_ALWAYS, &rc);
	assert_int_equal(rc, 0);
	assert_true(w.emulated);
	assert_string_equal(w.why, "--emulated-kvm always");
	w = decide(&no_kvm, KVM_NEED_HW, EMULATED_KVM_NEVER, &rc);
	assert_false(w.emulated);
	assert_string_equal(w.why, "");
	/* --accel tcg: the student asked for no KVM */
	struct kvm_where_in in = { .host = &no_kvm, .need = KVM_NEED_HW, .accel_tcg = true };
	assert_int_equal(kvm_where_decide(&in, &w), 0);
	assert_false(w.emulated);
	/* inside the emulated host already: never again */
	in = (struct kvm_where_in){ .host = &no_kvm, .need = KVM_NEED_HW, .mode = EMULATED_KVM_ALWAYS, .inside = true };
	assert_int_equal(kvm_where_decide(&in, &w), 0);
	assert_false(w.emulated);
	enum emulated_kvm m;
	assert_int_equal(emulated_kvm_parse("always", &m), 0);
	assert_int_equal(m, EMULATED_KVM_ALWAYS);
	assert_string_equal(emulated_kvm_name(EMULATED_KVM_NEVER), "never");
	assert_int_equal(emulated_kvm_parse("yes", &m), -EINVAL);
}

static void test_missing(void **state)
{
	struct kvm_where w;
	/* auto: the steps skip as before, and the run says why */
	struct kvm_where_in in = { .host = &no_kvm, .need = KVM_NEED_IOCTLS, .kvmhost_missing = "no kvmhost-initrd" };
	assert_int_equal(kvm_where_decide(&in, &w), 0);
	assert_false(w.emulated);
	assert_string_equal(w.why, "this host has no /dev/kvm, and the emulated KVM host that would stand in cannot "
				   "start here: no kvmhost-initrd");
	/* always: it cannot be had (exit 3) */
	in.mode = EMULATED_KVM_ALWAYS;
	assert_int_equal(kvm_where_decide(&in, &w), -ENOENT);
	assert_contains(w.why, "--emulated-kvm always: the emulated KVM host cannot start here: no kvmhost-initrd");
}

static int nothing(struct lab *lab)
{
	return 0;
}

static const struct step steps[] = {
	{ .name = "strace", .run = nothing, .kvm = KVM_NEED_IOCTLS },
	{ .name = "exits", .run = nothing, .kvm = KVM_NEED_HW },
};
static const struct chapter ch4 = { .number = 4, .name = "kvm", .steps = steps, .nsteps = 2 };

static void test_need(void **state)
{
	struct lab_options o = { .profile = "default" };
	assert_int_equal(kvmhost_chapter_need(&ch4, &o), KVM_NEED_HW);
	/* --step strace: the exits step does not run */
	o.only_step = "strace";
	assert_int_equal(kvmhost_chapter_need(&ch4, &o), KVM_NEED_IOCTLS);
	/* --step exits: strace runs before it, as its set-up */
	o.only_step = "exits";
	assert_int_equal(kvmhost_chapter_need(&ch4, &o), KVM_NEED_HW);
}

static char *joined(const char *const *argv, int n)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", argv[i]);
	assert_null(argv[n]);
	return sb.buf;
}

static void test_argv(void **state)
{
	(void)state;
	chapter_options_reset();
	ch4_options.count_seconds = 2;
	struct lab_options o = { .profile = "default", .format = FORMAT_JSON, .keep = true };
	char nums[KVMHOST_CHAPTER_MAX_NUMS][24];
	const char *argv[KVMHOST_CHAPTER_MAX_ARGS];
	int n = kvmhost_chapter_argv("/src/vlab/build/vlab", chapter_find(4), &o, NULL, nums, argv);
	char *s = joined(argv, n);
	/* --keep stays out here; the reload inside needs no word of the
	 * student's; inside it is the KVM host */
	assert_string_equal(s, "/src/vlab/build/vlab chapter 4 --format json --image default --accel auto --seconds 2 "
			       "--allow-module-reload --emulated-kvm never");
	free(s);
	/* a chapter's options go only to it: chapter 3's --duration is not
	 * chapter 5's, and chapter 5 has none of chapter 4's */
	chapter_options_reset();
	ch3_options.duration_s = 3;
	ch4_options.allow_module_reload = true;
	o = (struct lab_options){ .profile = "lab-compat", .accel = ACCEL_REQ_KVM, .boot_timeout_ms = 90000,
				  .only_step = "exits", .quiet = true };
	n = kvmhost_chapter_argv("vlab", chapter_find(5), &o, "/home/s/extra.manifest", nums, argv);
	s = joined(argv, n);
	assert_string_equal(s, "vlab chapter 5 --format text --image lab-compat --manifest /home/s/extra.manifest "
			       "--accel kvm --boot-timeout 90 --step exits --quiet --emulated-kvm never");
	assert_true(n < KVMHOST_CHAPTER_MAX_ARGS);
	free(s);
	n = kvmhost_chapter_argv("vlab", chapter_find(3), &o, NULL, nums, argv);
	s = joined(argv, n);
	assert_string_equal(s, "vlab chapter 3 --format text --image lab-compat --accel kvm --boot-timeout 90 "
			       "--duration 3 --step exits --quiet --emulated-kvm never");
	free(s);
	/* what the chapter's options add to the emulated host's deadline */
	assert_null(chapter_find(5)->emulated_extra_ms);
	ch4_options.count_seconds = 30;
	assert_int_equal(chapter_find(4)->emulated_extra_ms(), 120000);
	chapter_options_reset();
	assert_int_equal(ch4_options.count_seconds, 0);
	assert_false(ch4_options.allow_module_reload);
	assert_int_equal(ch3_options.duration_s, 0);
	assert_int_equal(chapter_find(4)->emulated_extra_ms(), 40000);
}

static void test_report(void **state)
{
	json_t *r = json_pack("{s:i, s:s, s:[], s:{s:s, s:s, s:s}, s:{}}", "chapter", 4, "run_id", "inner-id", "checks",
			      "artifacts", "strace_log", "/run/vlab/20260101-000000-0000042-000/strace.log", "gone",
			      "/run/vlab/20260101-000000-0000042-000/perf-ept-on.data", "elsewhere", "/etc/passwd",
			      "metrics");
	const char *imported[] = { "strace.log", "perf-ept-on.txt" };
	assert_int_equal(kvmhost_chapter_report(r, 4, "20260101-000000-0000042-000", "/run/vlab/RUN", "RUN", imported, 2),
			 0);
	json_t *a = json_object_get(r, "artifacts");
	assert_string_equal(json_string_value(json_object_get(r, "run_id")), "RUN");
	assert_string_equal(json_string_value(json_object_get(a, "strace_log")), "/run/vlab/RUN/strace.log");
	/* not copied back, or not the inner run's: no path that means nothing here */
	assert_true(json_is_null(json_object_get(a, "gone")));
	assert_true(json_is_null(json_object_get(a, "elsewhere")));
	assert_string_equal(json_string_value(json_object_get(a, "kvmhost_console_log")),
			    "/run/vlab/RUN/kvmhost/console.log");
	/* another chapter's, or no report at all */
	assert_int_equal(kvmhost_chapter_report(r, 5, "x", "/d", "RUN", imported, 2), -EINVAL);
	json_decref(r);
	r = json_pack("{s:i, s:s}", "chapter", 4, "checks", "none");
	assert_int_equal(kvmhost_chapter_report(r, 4, "x", "/d", "RUN", imported, 2), -EINVAL);
	json_decref(r);
}

static void test_ledger(void **state)
{
	struct ledger l;
	assert_int_equal(ledger_parse("owner 42 1000\nkvmhost chapter 4\nprocess 43 1001 qemu (emulated KVM host: chapter 4)\n",
				      &l),
			 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.entries[1].kind, LEDGER_KVMHOST);
	assert_string_equal(l.entries[1].what, "chapter 4");
	struct run run = { .id = "R", .ledger = l, .live = false };
	char what[64], id[128];
	/* a run left behind is named only when asked for */
	assert_false(runs_find_kvmhost(&run, 1, NULL, what, sizeof(what), id, sizeof(id)));
	assert_true(runs_find_kvmhost(&run, 1, "R", what, sizeof(what), id, sizeof(id)));
	assert_string_equal(what, "chapter 4");
	run.live = true;
	assert_true(runs_find_kvmhost(&run, 1, NULL, what, sizeof(what), id, sizeof(id)));
	assert_string_equal(id, "R");
	ledger_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto),   cmocka_unit_test(test_modes),  cmocka_unit_test(test_missing),
		cmocka_unit_test(test_need),   cmocka_unit_test(test_argv),   cmocka_unit_test(test_report),
		cmocka_unit_test(test_ledger),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
