/* runner/host: the KVM probe on fake roots (proc/cpuinfo, sys/module/...,
 * dev/kvm) built in a temporary directory, and the accelerator policy.
 *
 * The cpuinfo is the real one of a kvm_pvm CI machine
 * (tests/fixtures/host/cpuinfo-kvm_pvm.txt: "hypervisor", no vmx/svm); the
 * Intel/AMD/nested roots are made from it by editing its flags lines.
 * dev/kvm is a plain 0600 file: access(R_OK|W_OK) succeeds for its owner (and
 * always for root), so "present but no access" is tested on the decision
 * function with a hand-filled struct host_kvm. */
#include <errno.h>
#include <fcntl.h>
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

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "runner/host/host.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

#define HOST_FIXTURES FIXTURES "/host/"

struct root {
	char dir[64];
};

static int setup(void **state)
{
	struct root *r = xcalloc(1, sizeof(*r));

	snprintf(r->dir, sizeof(r->dir), "/tmp/vlab-test-host.XXXXXX");
	if (!mkdtemp(r->dir)) {
		free(r);
		return -1;
	}
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct root *r = *state;
	int ret = remove_tree(r->dir);

	free(r);
	return ret;
}

/* Write content to root/rel, creating the directories on the way. */
static void put(const struct root *r, const char *rel, const char *content, mode_t mode)
{
	char *path = xasprintf("%s/%s", r->dir, rel);
	char *slash = strrchr(path, '/');

	*slash = '\0';
	assert_int_equal(mkdir_p(path, 0755), 0);
	*slash = '/';
	assert_int_equal(write_file_atomic(path, content, strlen(content), mode), 0);
	free(path);
}

static void mkdir_at(const struct root *r, const char *rel)
{
	char *path = xasprintf("%s/%s", r->dir, rel);

	assert_int_equal(mkdir_p(path, 0755), 0);
	free(path);
}

/* The fixture with every "flags" line edited: hypervisor dropped unless
 * keep_hypervisor, and extra (" vmx", " svm") added after "fpu". */
static char *cpuinfo_variant(const char *extra, bool keep_hypervisor)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	const char *line, *eol;

	assert_int_equal(read_file(HOST_FIXTURES "cpuinfo-kvm_pvm.txt", &in), 0);
	for (line = in.buf; *line; line = eol + 1) {
		eol = strchr(line, '\n');
		assert_non_null(eol);
		if (!starts_with(line, "flags\t\t: fpu ")) {
			sb_add(&out, line, (size_t)(eol - line + 1));
			continue;
		}
		sb_adds(&out, "flags\t\t: fpu");
		sb_adds(&out, extra);
		const char *p = line + strlen("flags\t\t: fpu");
		for (;;) {
			const char *sp = p + strspn(p, " ");
			size_t n = strcspn(sp, " \n");
			if (!n)
				break;
			if (keep_hypervisor || n != strlen("hypervisor") || strncmp(sp, "hypervisor", n))
				sb_add(&out, p, (size_t)(sp - p) + n);
			p = sp + n;
		}
		sb_adds(&out, "\n");
	}
	sb_release(&in);
	return out.buf;
}

static void put_cpuinfo(const struct root *r, const char *extra, bool keep_hypervisor)
{
	char *c = cpuinfo_variant(extra, keep_hypervisor);

	put(r, "proc/cpuinfo", c, 0444);
	free(c);
}

static void put_dev_kvm(const struct root *r)
{
	put(r, "dev/kvm", "", 0600);
}

static void probe_and_decide(const struct root *r, enum accel_request req, struct host_kvm *h,
			     struct accel_decision *d, int want_rc)
{
	host_probe_kvm(r->dir, h);
	assert_int_equal(accel_decide(h, req, d), want_rc);
}

/* ---- the fixture itself ---- */

static void test_fixture_flags(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct strbuf sb = STRBUF_INIT;

	/* the real file, unchanged */
	assert_int_equal(read_file(HOST_FIXTURES "cpuinfo-kvm_pvm.txt", &sb), 0);
	put(r, "proc/cpuinfo", sb.buf, 0444);
	host_probe_kvm(r->dir, &h);
	assert_true(h.hypervisor);
	assert_false(h.vmx);
	assert_false(h.svm);
	assert_false(h.dev_kvm);
	assert_false(h.kvm_intel || h.kvm_amd || h.kvm_pvm);
	assert_string_equal(h.ept, "");
	sb_release(&sb);

	/* and the editor used below does what it says */
	char *c = cpuinfo_variant(" vmx", false);
	assert_non_null(strstr(c, "flags\t\t: fpu vmx vme de"));
	assert_null(strstr(c, "hypervisor"));
	assert_non_null(strstr(c, "rdrand lahf_lm"));
	free(c);
}

/* ---- hardware KVM ---- */

static void test_intel(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, " vmx", false);
	mkdir_at(r, "sys/module/kvm");
	put(r, "sys/module/kvm_intel/parameters/ept", "Y\n", 0444);
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_true(h.vmx);
	assert_false(h.svm);
	assert_false(h.hypervisor);
	assert_true(h.kvm_intel);
	assert_false(h.kvm_amd);
	assert_false(h.kvm_pvm);
	assert_true(h.dev_kvm);
	assert_true(h.dev_kvm_access);
	assert_string_equal(h.ept, "Y");

	assert_int_equal(d.accel, ACCEL_KVM);
	assert_true(d.standard_guest_ok);
	assert_true(d.kvm_ioctls_ok);
	assert_string_equal(d.evidence, "cpu flags: vmx; kvm modules: kvm_intel; /dev/kvm: read-write");
	assert_string_equal(d.reason, "KVM: hardware virtualisation (vmx with kvm_intel)");

	/* asked for, it is simply KVM */
	assert_int_equal(accel_decide(&h, ACCEL_REQ_KVM, &d), 0);
	assert_int_equal(d.accel, ACCEL_KVM);
	assert_string_equal(d.reason, "KVM, as asked with --accel kvm");
}

static void test_amd(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, " svm", false);
	mkdir_at(r, "sys/module/kvm");
	put(r, "sys/module/kvm_amd/parameters/npt", "1\n", 0444);
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_true(h.svm);
	assert_false(h.vmx);
	assert_true(h.kvm_amd);
	assert_false(h.kvm_intel);
	assert_string_equal(h.ept, "1");
	assert_int_equal(d.accel, ACCEL_KVM);
	assert_true(d.standard_guest_ok);
	assert_string_equal(d.evidence, "cpu flags: svm; kvm modules: kvm_amd; /dev/kvm: read-write");
	assert_string_equal(d.reason, "KVM: hardware virtualisation (svm with kvm_amd)");
}

static void test_nested_intel(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	/* a guest with vmx passed through: hypervisor and vmx both */
	put_cpuinfo(r, " vmx", true);
	put(r, "sys/module/kvm_intel/parameters/ept", "N\n", 0444);
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_true(h.vmx);
	assert_true(h.hypervisor);
	assert_string_equal(h.ept, "N");
	assert_int_equal(d.accel, ACCEL_KVM);
	assert_true(d.standard_guest_ok);
	assert_string_equal(d.evidence, "cpu flags: vmx, hypervisor; kvm modules: kvm_intel; /dev/kvm: read-write");
}

static void test_ept_unknown(void **state)
{
	struct root *r = *state;
	struct host_kvm h;

	/* the module without its parameters directory */
	put_cpuinfo(r, " vmx", false);
	mkdir_at(r, "sys/module/kvm_intel");
	host_probe_kvm(r->dir, &h);
	assert_true(h.kvm_intel);
	assert_string_equal(h.ept, "");
}

/* ---- kvm_pvm: KVM ioctls work, a standard guest does not boot ---- */

static void test_kvm_pvm_auto(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, "", true);  /* the fixture as captured */
	mkdir_at(r, "sys/module/kvm/parameters");
	mkdir_at(r, "sys/module/kvm_pvm/parameters");
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_true(h.hypervisor);
	assert_false(h.vmx || h.svm);
	assert_true(h.kvm_pvm);
	assert_false(h.kvm_intel || h.kvm_amd);

	assert_int_equal(d.accel, ACCEL_TCG);
	assert_true(d.kvm_ioctls_ok);
	assert_false(d.standard_guest_ok);
	assert_string_equal(d.evidence, "cpu flags: no vmx/svm, hypervisor; kvm modules: kvm_pvm; /dev/kvm: read-write");
	assert_true(starts_with(d.reason, "TCG (software emulation): "));
	assert_contains(d.reason, "kvm_pvm");
	assert_contains(d.reason, "standard Linux guest does not boot");
}

static void test_kvm_pvm_forced(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, "", true);
	mkdir_at(r, "sys/module/kvm_pvm");
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_KVM, &h, &d, 0);
	assert_int_equal(d.accel, ACCEL_KVM);
	assert_false(d.standard_guest_ok);
	assert_true(d.kvm_ioctls_ok);
	assert_true(starts_with(d.reason, "KVM, as asked with --accel kvm, although "));
	assert_contains(d.reason, "kvm_pvm");
}

static void test_kvm_pvm_beside_kvm_intel(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	/* even on a vmx host, a loaded kvm_pvm is what /dev/kvm is suspected to be */
	put_cpuinfo(r, " vmx", false);
	mkdir_at(r, "sys/module/kvm_intel");
	mkdir_at(r, "sys/module/kvm_pvm");
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_false(d.standard_guest_ok);
	assert_string_equal(d.evidence, "cpu flags: vmx; kvm modules: kvm_intel kvm_pvm; /dev/kvm: read-write");
	assert_contains(d.reason, "kvm_pvm");
}

/* ---- no /dev/kvm, no access ---- */

static void test_no_dev_kvm(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, "", true);
	mkdir_at(r, "sys/module/kvm_pvm");
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_false(h.dev_kvm);
	assert_false(h.dev_kvm_access);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_false(d.kvm_ioctls_ok);
	assert_false(d.standard_guest_ok);
	assert_contains(d.evidence, "/dev/kvm: missing");
	assert_contains(d.reason, "no /dev/kvm");

	assert_int_equal(accel_decide(&h, ACCEL_REQ_KVM, &d), -ENODEV);
	assert_true(starts_with(d.reason, "--accel kvm cannot be used: there is no /dev/kvm"));

	assert_int_equal(accel_decide(&h, ACCEL_REQ_TCG, &d), 0);
	assert_int_equal(d.accel, ACCEL_TCG);
}

static void test_no_access(void **state)
{
	/* as root access() always grants R/W, so the probe's half is fed by hand */
	const struct host_kvm h = {
		.dev_kvm = true, .dev_kvm_access = false, .vmx = true, .kvm_intel = true, .ept = "Y",
	};
	struct accel_decision d;

	assert_int_equal(accel_decide(&h, ACCEL_REQ_AUTO, &d), 0);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_false(d.kvm_ioctls_ok);
	assert_false(d.standard_guest_ok);
	assert_string_equal(d.evidence, "cpu flags: vmx; kvm modules: kvm_intel; /dev/kvm: no access");
	assert_contains(d.reason, "may not open");
	assert_contains(d.reason, "'kvm' group");

	assert_int_equal(accel_decide(&h, ACCEL_REQ_KVM, &d), -EACCES);
	assert_true(starts_with(d.reason, "--accel kvm cannot be used: /dev/kvm is there"));
}

static void test_tcg_always(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, " vmx", false);
	put(r, "sys/module/kvm_intel/parameters/ept", "Y\n", 0444);
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_TCG, &h, &d, 0);
	assert_int_equal(d.accel, ACCEL_TCG);
	/* what the host could do is still reported */
	assert_true(d.standard_guest_ok);
	assert_true(d.kvm_ioctls_ok);
	assert_string_equal(d.reason, "TCG (software emulation), as asked with --accel tcg");

	/* and with nothing at all */
	const struct host_kvm none = { .ept = "" };
	assert_int_equal(accel_decide(&none, ACCEL_REQ_TCG, &d), 0);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_false(d.kvm_ioctls_ok);
}

/* ---- vmx/svm without a matching module ---- */

static void test_vmx_without_module(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, " vmx", false);
	mkdir_at(r, "sys/module/kvm");
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_true(h.vmx);
	assert_false(h.kvm_intel || h.kvm_amd || h.kvm_pvm);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_false(d.standard_guest_ok);
	assert_string_equal(d.evidence, "cpu flags: vmx; kvm modules: none; /dev/kvm: read-write");
	assert_contains(d.reason, "no kvm_intel/kvm_amd module matches the CPU");

	/* forced, it runs with the reason attached */
	assert_int_equal(accel_decide(&h, ACCEL_REQ_KVM, &d), 0);
	assert_int_equal(d.accel, ACCEL_KVM);
	assert_contains(d.reason, "although no kvm_intel/kvm_amd module");
}

static void test_vmx_with_kvm_amd(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	put_cpuinfo(r, " vmx", false);
	put(r, "sys/module/kvm_amd/parameters/npt", "1\n", 0444);
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_false(d.standard_guest_ok);
	assert_contains(d.reason, "no kvm_intel/kvm_amd module matches");
}

static void test_no_vmx_svm(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	/* kvm_intel loaded but vmx hidden (disabled in the firmware) */
	put_cpuinfo(r, "", false);
	mkdir_at(r, "sys/module/kvm_intel");
	put_dev_kvm(r);
	probe_and_decide(r, ACCEL_REQ_AUTO, &h, &d, 0);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_string_equal(d.evidence, "cpu flags: no vmx/svm; kvm modules: kvm_intel; /dev/kvm: read-write");
	assert_contains(d.reason, "the CPU shows no vmx/svm");
}

/* ---- cpuinfo shapes ---- */

static void test_flags_whole_words(void **state)
{
	struct root *r = *state;
	struct host_kvm h;

	/* look-alike flags are not vmx/svm/hypervisor */
	put(r, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vmxe xsvm svm_lock hypervisorx\n", 0444);
	host_probe_kvm(r->dir, &h);
	assert_false(h.vmx);
	assert_false(h.svm);
	assert_false(h.hypervisor);

	/* flags as the first line, the last word without a newline */
	put(r, "proc/cpuinfo", "flags\t: svm fpu hypervisor", 0444);
	host_probe_kvm(r->dir, &h);
	assert_true(h.svm);
	assert_true(h.hypervisor);

	/* only the first flags line counts; "vmx flags" is not it */
	put(r, "proc/cpuinfo", "processor\t: 0\nvmx flags\t: vnmi vmx\nflags\t\t: fpu\n\nprocessor\t: 1\nflags\t\t: vmx\n",
	    0444);
	host_probe_kvm(r->dir, &h);
	assert_false(h.vmx);

	/* a flag right after the colon, tab separated */
	put(r, "proc/cpuinfo", "flags\t\t:vmx\thypervisor\n", 0444);
	host_probe_kvm(r->dir, &h);
	assert_true(h.vmx);
	assert_true(h.hypervisor);
}

static void test_empty_root(void **state)
{
	struct root *r = *state;
	struct host_kvm h;
	struct accel_decision d;

	memset(&h, 0xff, sizeof(h));
	host_probe_kvm(r->dir, &h);
	assert_false(h.dev_kvm || h.dev_kvm_access || h.vmx || h.svm || h.hypervisor);
	assert_false(h.kvm_intel || h.kvm_amd || h.kvm_pvm);
	assert_string_equal(h.ept, "");
	assert_int_equal(accel_decide(&h, ACCEL_REQ_AUTO, &d), 0);
	assert_int_equal(d.accel, ACCEL_TCG);
	assert_string_equal(d.evidence, "cpu flags: no vmx/svm; kvm modules: none; /dev/kvm: missing");
}

#if defined(__x86_64__) || defined(__i386__)
/* What the CPUID instruction itself says, beside what the probe read from
 * /proc/cpuinfo: the kernel copies "hypervisor" from it as it is, and never
 * shows vmx or svm that the CPU lacks (it may hide them when the firmware
 * turned them off, so that direction is not asserted). */
static void assert_cpuid_agrees(const struct host_kvm *h)
{
	unsigned int a = 0, b = 0, c = 0, d = 0;
	assert_true(__get_cpuid(1, &a, &b, &c, &d));
	assert_int_equal(h->hypervisor, (c >> 31) & 1);
	if (h->vmx)
		assert_true(c & (1U << 5));
	if (h->svm)
		assert_true(__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1U << 2)));
}
#else
static void assert_cpuid_agrees(const struct host_kvm *h)
{
	(void)h;
	print_message("note: not x86: the cpu flags are not cross-checked with CPUID\n");
}
#endif

/* A loaded module in /proc/modules has its /sys/module directory (one
 * built in has only the latter, so only that direction holds); a host
 * without /proc/modules (CONFIG_MODULES off, as here) says nothing. */
static void assert_proc_modules_agree(const struct host_kvm *h)
{
	struct strbuf sb = STRBUF_INIT;
	if (read_file("/proc/modules", &sb) < 0) {
		print_message("note: no /proc/modules: the module flags are not cross-checked\n");
		return;
	}
	const char *m = sb_str(&sb);
	if (starts_with(m, "kvm_intel ") || strstr(m, "\nkvm_intel "))
		assert_true(h->kvm_intel);
	if (starts_with(m, "kvm_amd ") || strstr(m, "\nkvm_amd "))
		assert_true(h->kvm_amd);
	if (starts_with(m, "kvm_pvm ") || strstr(m, "\nkvm_pvm "))
		assert_true(h->kvm_pvm);
	sb_release(&sb);
}

/* This machine, against evidence the probe does not use: CPUID for the
 * flags, /proc/modules for the modules, and opening /dev/kvm (the probe
 * asks access()). Comparing with path_exists on the probe's own paths, as
 * this did, could not fail. */
static void test_real_host(void **state)
{
	struct host_kvm h;
	struct accel_decision d;

	(void)state;
	host_probe_kvm("", &h);
	assert_cpuid_agrees(&h);
	assert_proc_modules_agree(&h);
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int open_errno = errno;
	if (fd >= 0) {
		close(fd);
		assert_true(h.dev_kvm && h.dev_kvm_access);
	} else if (open_errno == ENOENT) {
		assert_false(h.dev_kvm);
	}
	assert_int_equal(accel_decide(&h, ACCEL_REQ_AUTO, &d), 0);
	assert_true(starts_with(d.evidence, "cpu flags: "));
	assert_true(d.reason[0] != '\0');
	if (h.kvm_pvm)
		assert_int_equal(d.accel, ACCEL_TCG);
}

static void test_accel_request_parse(void **state)
{
	static const struct {
		const char *s;
		int rc;
		enum accel_request want;
	} cases[] = {
		{ "auto", 0, ACCEL_REQ_AUTO },
		{ "kvm", 0, ACCEL_REQ_KVM },
		{ "tcg", 0, ACCEL_REQ_TCG },
		{ "KVM", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "kvm ", -EINVAL, 0 },
		{ "kv", -EINVAL, 0 },
		{ "hvf", -EINVAL, 0 },
		{ "tcg,thread=multi", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum accel_request out = (enum accel_request)99;

		assert_int_equal(accel_request_parse(cases[i].s, &out), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(out, cases[i].want);
		else
			assert_int_equal(out, 99);  /* left alone */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fixture_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_intel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ept_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kvm_pvm_auto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kvm_pvm_forced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kvm_pvm_beside_kvm_intel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_dev_kvm, setup, teardown),
		cmocka_unit_test(test_no_access),
		cmocka_unit_test_setup_teardown(test_tcg_always, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmx_without_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmx_with_kvm_amd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_vmx_svm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_whole_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_root, setup, teardown),
		cmocka_unit_test(test_real_host),
		cmocka_unit_test(test_accel_request_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
