/* checks/grade_cmdline.c: the static checks of `vlab grade` on the
 * reference solution's command line and on one mistake at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/grade_cmdline.h"

/* assets/lab/reference/runqemu_single_vm.sh's command, word by word */
static const char *const reference[] = {
	"qemu-system-x86_64", "-nodefaults", "-nographic", "-enable-kvm", "-cpu", "host", "-m", "256M", "-kernel",
	"alpine-bzImage", "-device", "virtio-blk-pci,drive=id0", "-blockdev",
	"file,node-name=id0,filename=simple_alpine_rootfs1.ext4", "-device", "isa-serial,chardev=serial0", "-chardev",
	"socket,id=serial0,path=serial.socket,server,nowait", "-device",
	"e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de", "-netdev", "tap,ifname=tap0,id=hostnet0", "-append",
	"root=/dev/vda loglevel=15 console=hvc0",
};
#define NREF (int)(sizeof(reference) / sizeof(reference[0]))

/* The reference with word i replaced by with (NULL: dropped, and the one after too when pair). */
static void parse_changed(struct qemu_cmdline *c, int i, const char *with, bool pair)
{
	const char *argv[NREF];
	int n = 0;
	for (int k = 0; k < NREF; k++) {
		if (k == i && !with) {
			if (pair)
				k++;
			continue;
		}
		argv[n++] = k == i ? with : reference[k];
	}
	assert_int_equal(qemu_cmdline_parse(argv, n, c), 0);
}

typedef void (*check_fn)(struct check_result *, const struct qemu_cmdline *);

static void expect(check_fn fn, const struct qemu_cmdline *c, enum verdict v, const char *needle)
{
	struct check_result r;
	check_init(&r, "x");
	fn(&r, c);
	if (r.verdict != v || !strstr(r.detail, needle))
		fail_msg("got %s '%s', wanted %s with '%s'", verdict_name(r.verdict), r.detail, verdict_name(v), needle);
	if (v == VERDICT_FAIL)
		assert_true(r.hint[0]);
}

static void virtio_lab(struct check_result *r, const struct qemu_cmdline *c)
{
	check_grade_virtio_blk(r, c, LAB_ROOTFS_FILE);
}

/* A student on a host without a usable KVM ran the script by hand with
 * `-accel tcg -cpu max` (verify calls that right by hand): grading's
 * feedback says the same policy, with the words to hand in. */
static void test_tcg_by_hand_gets_the_policy(void **state)
{
	(void)state;
	const char *argv[NREF + 1];
	int n = 0;
	for (int k = 0; k < NREF; k++) {
		if (!strcmp(reference[k], "-enable-kvm")) {
			argv[n++] = "-accel";
			argv[n++] = "tcg";
		} else {
			argv[n++] = !strcmp(reference[k], "host") ? "max" : reference[k];
		}
	}
	struct qemu_cmdline c;
	assert_int_equal(qemu_cmdline_parse(argv, n, &c), 0);
	struct check_result r;
	check_init(&r, "x");
	check_grade_kvm(&r, &c);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "the command runs the VM under tcg (-accel tcg), not KVM");
	assert_string_equal(r.hint, "write the lab's -enable-kvm in the script you hand in (lab chapter 1, \"Build a simple "
				    "QEMU + KVM Virtual Machine\"); -accel tcg is for running it by hand where KVM cannot "
				    "run the guest (`vlab doctor` says); vlab grade runs the lab's words under TCG where "
				    "the grading host needs it");
	check_init(&r, "x");
	check_grade_cpu_host(&r, &c);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.hint, "write the lab's -cpu host in the script you hand in"));
	assert_non_null(strstr(r.hint, "-accel tcg is for running it by hand where KVM cannot run the guest"));
	qemu_cmdline_release(&c);
}

static void test_reference_passes_all(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	parse_changed(&c, -1, NULL, false);
	expect(check_grade_kvm, &c, VERDICT_PASS, "-enable-kvm");
	expect(check_grade_cpu_host, &c, VERDICT_PASS, "-cpu host");
	expect(check_grade_memory, &c, VERDICT_PASS, "256 MiB");
	expect(virtio_lab, &c, VERDICT_PASS, "simple_alpine_rootfs1.ext4");
	expect(check_grade_serial_socket, &c, VERDICT_PASS, "serial.socket");
	expect(check_grade_nic, &c, VERDICT_PASS, "52:54:00:8b:99:de");
	qemu_cmdline_release(&c);
}

static void test_one_mistake_each(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	parse_changed(&c, 3, NULL, false); /* no -enable-kvm */
	expect(check_grade_kvm, &c, VERDICT_FAIL, "not KVM");
	qemu_cmdline_release(&c);
	parse_changed(&c, 5, "qemu64", false);
	expect(check_grade_cpu_host, &c, VERDICT_FAIL, "`-cpu qemu64`");
	qemu_cmdline_release(&c);
	parse_changed(&c, 4, NULL, true);
	expect(check_grade_cpu_host, &c, VERDICT_FAIL, "no -cpu");
	qemu_cmdline_release(&c);
	parse_changed(&c, 5, "host,-arch-capabilities", false);
	expect(check_grade_cpu_host, &c, VERDICT_PASS, "host,-arch-capabilities");
	qemu_cmdline_release(&c);
	/* memory in other spellings */
	parse_changed(&c, 7, "0.25G", false);
	expect(check_grade_memory, &c, VERDICT_PASS, "256 MiB");
	qemu_cmdline_release(&c);
	parse_changed(&c, 7, "size=256", false);
	expect(check_grade_memory, &c, VERDICT_PASS, "256 MiB");
	qemu_cmdline_release(&c);
	parse_changed(&c, 7, "512M", false);
	expect(check_grade_memory, &c, VERDICT_FAIL, "`-m 512M` gives the guest 512 MiB");
	qemu_cmdline_release(&c);
	/* the disk */
	parse_changed(&c, 13, "file,node-name=id0,filename=other.ext4", false);
	expect(virtio_lab, &c, VERDICT_FAIL, "not the lab's rootfs");
	qemu_cmdline_release(&c);
	parse_changed(&c, 11, "virtio-blk-pci,drive=id1", false);
	expect(virtio_lab, &c, VERDICT_FAIL, "virtio-blk");
	qemu_cmdline_release(&c);
	/* the serial port */
	parse_changed(&c, 16, NULL, true);
	expect(check_grade_serial_socket, &c, VERDICT_FAIL, "");
	qemu_cmdline_release(&c);
	parse_changed(&c, 17, "pty,id=serial0", false);
	expect(check_grade_serial_socket, &c, VERDICT_FAIL, "");
	qemu_cmdline_release(&c);
	/* the NIC */
	parse_changed(&c, 19, "e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:df", false);
	expect(check_grade_nic, &c, VERDICT_FAIL, "its MAC is 52:54:00:8b:99:df");
	qemu_cmdline_release(&c);
	parse_changed(&c, 21, "user,id=hostnet0", false);
	expect(check_grade_nic, &c, VERDICT_FAIL, "not a tap");
	qemu_cmdline_release(&c);
}

static void test_no_nic(void **state)
{
	(void)state;
	const char *argv[NREF];
	int n = 0;
	for (int k = 0; k < NREF; k++) {
		if (k >= 18 && k <= 21)
			continue;
		argv[n++] = reference[k];
	}
	struct qemu_cmdline c;
	assert_int_equal(qemu_cmdline_parse(argv, n, &c), 0);
	expect(check_grade_nic, &c, VERDICT_FAIL, "the VM has no NIC");
	qemu_cmdline_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_passes_all),
		cmocka_unit_test(test_tcg_by_hand_gets_the_policy),
		cmocka_unit_test(test_one_mistake_each),
		cmocka_unit_test(test_no_nic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
