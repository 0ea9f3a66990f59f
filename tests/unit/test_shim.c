/* runner/grade/shim.c: the qemu shim's changes to a student's command line, each
 * with its reason, and the argv[0] dispatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/grade/shim.h"
#include "runner/util.h"

static char *joined(const struct shim_result *r)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < r->argc; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", r->argv[i]);
	return sb.buf ? sb.buf : xstrdup("");
}

static void check(const char *const *argv, int argc, const struct shim_config *cfg, const char *want, int nchanges)
{
	struct shim_result r;
	shim_adapt(argv, argc, cfg, &r);
	char *got = joined(&r);
	if (strcmp(got, want))
		fail_msg("got '%s'\nwanted '%s'", got, want);
	assert_int_equal(r.nchanges, nchanges);
	for (int i = 0; i < r.nchanges; i++)
		assert_true(r.changes[i].what[0] && r.changes[i].why[0]);
	free(got);
	shim_result_release(&r);
}

static void test_kvm_host_changes_nothing_but_qmp(void **state)
{
	(void)state;
	const char *argv[] = { "qemu-system-x86_64", "-enable-kvm", "-cpu", "host", "-m", "256M" };
	struct shim_config cfg = { .qmp_path = "/s/qmp.sock" };
	check(argv, 6, &cfg, "qemu-system-x86_64 -enable-kvm -cpu host -m 256M -qmp unix:/s/qmp.sock,server=on,wait=off",
	      1);
	struct shim_config none = { 0 };
	check(argv, 6, &none, "qemu-system-x86_64 -enable-kvm -cpu host -m 256M", 0);
}

static void test_tcg_substitutes_every_spelling(void **state)
{
	(void)state;
	struct shim_config cfg = { .to_tcg = true, .tcg_why = "kvm_pvm" };
	const char *a1[] = { "q", "-enable-kvm", "-cpu", "host", "-m", "256M" };
	check(a1, 6, &cfg, "q -accel tcg -cpu max -m 256M", 2);
	const char *a2[] = { "q", "--enable-kvm", "-accel", "kvm", "-cpu", "host,-arch-capabilities" };
	check(a2, 6, &cfg, "q -accel tcg -accel tcg -cpu max,-arch-capabilities", 3);
	const char *a3[] = { "q", "-machine", "pc,accel=kvm:tcg,usb=off", "-M", "q35" };
	check(a3, 5, &cfg, "q -machine pc,accel=tcg,usb=off -M q35", 1);
	/* already TCG, or other CPUs: untouched */
	const char *a4[] = { "q", "-accel", "tcg", "-cpu", "qemu64" };
	check(a4, 5, &cfg, "q -accel tcg -cpu qemu64", 0);
	/* an -enable-kvm that is the argument of another option is no option, but the shim,
	 * like qemu, reads words in order: -append takes the next word */
	const char *a5[] = { "q", "-name", "x" };
	check(a5, 3, &cfg, "q -name x", 0);
}

static void test_initrd_only_when_missing(void **state)
{
	(void)state;
	struct shim_config cfg = { .initrd = "/img/initrd.img" };
	const char *a1[] = { "q", "-kernel", "k" };
	check(a1, 3, &cfg, "q -kernel k -initrd /img/initrd.img", 1);
	const char *a2[] = { "q", "-kernel", "k", "-initrd", "mine" };
	check(a2, 5, &cfg, "q -kernel k -initrd mine", 0);
}

/* the e1000's link without its emulated autonegotiation: added to a
 * command with an e1000 in any spelling, to no other */
static void test_e1000_link_at_once(void **state)
{
	(void)state;
	struct shim_config cfg = { .e1000_link_at_once = true };
	const char *a1[] = { "q", "-device", "e1000,netdev=n0,mac=52:54:00:8b:99:de", "-netdev", "tap,id=n0" };
	check(a1, 5, &cfg,
	      "q -device e1000,netdev=n0,mac=52:54:00:8b:99:de -netdev tap,id=n0 -global e1000.autonegotiation=off", 1);
	const char *a2[] = { "q", "-nic", "tap,model=e1000,ifname=tap0" };
	check(a2, 3, &cfg, "q -nic tap,model=e1000,ifname=tap0 -global e1000.autonegotiation=off", 1);
	const char *a3[] = { "q", "-device", "virtio-net-pci,netdev=n0", "-netdev", "tap,id=n0" };
	check(a3, 5, &cfg, "q -device virtio-net-pci,netdev=n0 -netdev tap,id=n0", 0);
	/* argv[0] is not an option: a qemu called e1000-something adds nothing */
	const char *a4[] = { "e1000-qemu", "-m", "256M" };
	check(a4, 3, &cfg, "e1000-qemu -m 256M", 0);
	cfg.e1000_link_at_once = false;
	check(a1, 5, &cfg, "q -device e1000,netdev=n0,mac=52:54:00:8b:99:de -netdev tap,id=n0", 0);
}

static void test_names(void **state)
{
	(void)state;
	const char *w = NULL;
	assert_true(shim_name("/sandbox/bin/qemu-system-x86_64", &w));
	assert_string_equal(w, SHIM_QEMU_NAME);
	assert_true(shim_name("sudo", &w));
	assert_string_equal(w, SHIM_SUDO_NAME);
	assert_true(shim_name("/usr/sbin/ip", &w));
	assert_string_equal(w, SHIM_IP_NAME);
	assert_true(shim_name("brctl", &w));
	assert_string_equal(w, SHIM_BRCTL_NAME);
	assert_false(shim_name("ipx", &w));
	assert_false(shim_name("ip6tables", &w));
	assert_false(shim_name("./vlab", &w));
	assert_false(shim_name("qemu-system-x86_64.real", &w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_host_changes_nothing_but_qmp),
		cmocka_unit_test(test_tcg_substitutes_every_spelling),
		cmocka_unit_test(test_initrd_only_when_missing),
		cmocka_unit_test(test_e1000_link_at_once),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
