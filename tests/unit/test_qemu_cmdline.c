/* checks/qemu_cmdline, qemu_devices and qemu_cmdline_verdicts: real qemu
 * command lines (tests/fixtures/cmdline, see its README: /proc/PID/cmdline of
 * qemus that ran) read into fields, and the verdicts on them with their exact
 * details; then the syntax's corners on argv written here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/qemu_cmdline_verdicts.h"
#include "runner/util.h"
#include "runner/files.h"

#define CMDLINE_FIXTURES FIXTURES "/cmdline/"

static void load(const char *name, struct qemu_cmdline *c)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];

	snprintf(path, sizeof(path), "%s%s.cmdline", CMDLINE_FIXTURES, name);
	if (read_file(path, &sb) < 0)
		fail_msg("cannot read '%s'", path);
	assert_int_equal(qemu_cmdline_parse_proc(sb.buf, sb.len, c), 0);
	assert_string_equal(c->error, "");
	sb_release(&sb);
}

static void parse_words(struct qemu_cmdline *c, const char *const *argv)
{
	int n = 0;
	while (argv[n])
		n++;
	assert_int_equal(qemu_cmdline_parse(argv, n, c), 0);
}

static struct check_result verdict(void)
{
	struct check_result r;
	check_init(&r, "test.check");
	return r;
}

static void assert_pass(const struct check_result *r, const char *detail)
{
	if (r->verdict != VERDICT_PASS)
		fail_msg("expected pass, got %s: %s", verdict_name(r->verdict), r->detail);
	assert_string_equal(r->detail, detail);
}

static void assert_fail(const struct check_result *r, const char *detail)
{
	if (r->verdict != VERDICT_FAIL)
		fail_msg("expected fail, got %s: %s", verdict_name(r->verdict), r->detail);
	assert_string_equal(r->detail, detail);
	assert_true(r->hint[0] != '\0');
}

static const char *text_of(const struct qemu_opt *o, char *buf, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	qemu_opt_text(o, &sb);
	snprintf(buf, n, "%s", sb_str(&sb));
	sb_release(&sb);
	return buf;
}

/* ---- the lab's own commands ---- */

static void lab_ch1(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	load("lab-ch1", &c);
	assert_int_equal(c.argc, 20);
	assert_string_equal(c.binary, "qemu-system-x86_64");
	assert_true(c.nodefaults);
	assert_true(c.nographic);
	assert_false(c.paused);
	assert_int_equal(c.accel, QACCEL_KVM);
	assert_string_equal(c.accel_name, "kvm");
	assert_string_equal(c.accel_from, "-enable-kvm");
	assert_string_equal(c.cpu, "host");
	assert_string_equal(c.kernel, "alpine-bzImage");
	assert_null(c.initrd);
	assert_string_equal(c.append, "root=/dev/vda loglevel=15 console=hvc0");
	assert_non_null(c.memory);
	assert_string_equal(qemu_opt_get(c.memory, "size"), "256M");
	assert_int_equal(c.memory_bytes, 256ULL << 20);
	assert_int_equal(c.nopts, 5); /* -m, -device, -blockdev, -device, -chardev */

	const struct qemu_opt *blk = qemu_cmdline_nth(&c, QOPT_BLOCKDEV, 0);
	assert_non_null(blk);
	assert_string_equal(blk->word, "-blockdev");
	assert_int_equal(blk->argi, 12);
	assert_string_equal(qemu_opt_get(blk, "driver"), "file");
	assert_string_equal(qemu_opt_get(blk, "node-name"), "id0");
	assert_string_equal(qemu_opt_get(blk, "filename"), "simple_alpine_rootfs1.ext4");

	const struct qemu_opt *ch = qemu_cmdline_nth(&c, QOPT_CHARDEV, 0);
	assert_non_null(ch);
	assert_int_equal(ch->nprops, 5);
	assert_string_equal(ch->props[0].key, "backend");
	assert_string_equal(ch->props[0].value, "socket");
	assert_false(ch->props[0].flag);
	/* "server" and "nowait": short booleans */
	assert_string_equal(ch->props[3].key, "server");
	assert_string_equal(ch->props[3].value, "on");
	assert_true(ch->props[3].flag);
	assert_string_equal(ch->props[4].key, "wait");
	assert_string_equal(ch->props[4].value, "off");
	assert_true(ch->props[4].flag);

	struct qemu_serial s;
	char why[256];
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_string_equal(qemu_opt_get(s.device, "driver"), "isa-serial");
	assert_ptr_equal(s.chardev, ch);
	assert_string_equal(s.backend, "socket");
	assert_string_equal(s.path, "serial.socket");
	assert_true(s.server);
	assert_false(s.wait);

	struct qemu_disk d;
	assert_int_equal(qemu_cmdline_virtio_disk(&c, &d), 0);
	assert_string_equal(qemu_opt_get(d.device, "driver"), "virtio-blk-pci");
	assert_ptr_equal(d.backend, blk);
	assert_string_equal(d.driver, "file");
	assert_string_equal(d.file, "simple_alpine_rootfs1.ext4");

	struct qemu_nic nics[2];
	assert_int_equal(qemu_cmdline_nics(&c, nics, 2), 0);
	assert_null(qemu_cmdline_qmp_path(&c));
	char diffs[8][QEMU_DIFFERENCE_MAX];
	assert_int_equal(qemu_cmdline_differences(&c, diffs, 8), 0);

	struct check_result r = verdict();
	check_cmdline_lab_vm(&r, &c, 4242, 'S', NULL, false);
	assert_pass(&r, "qemu (pid 4242) runs the lab's VM: -kernel alpine-bzImage, accelerator kvm (-enable-kvm)");
	r = verdict();
	check_cmdline_memory(&r, &c, LAB_MEMORY_BYTES);
	assert_pass(&r, "`-m 256M`: 256 MiB");
	r = verdict();
	check_cmdline_rootfs(&r, &c, NULL, NULL, "the console is held");
	assert_pass(&r, "`-device virtio-blk-pci,drive=id0` is bound to "
			"`-blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4` (simple_alpine_rootfs1.ext4); "
			"the guest's /proc/mounts was not read: the console is held");
	r = verdict();
	check_cmdline_rootfs(&r, &c, "/dev/vda", "ext4", NULL);
	assert_pass(&r, "`-device virtio-blk-pci,drive=id0` is bound to "
			"`-blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4` (simple_alpine_rootfs1.ext4); "
			"in the guest / is ext4 on /dev/vda");
	r = verdict();
	check_cmdline_rootfs(&r, &c, "/dev/sda", "ext4", NULL);
	assert_fail(&r, "`-device virtio-blk-pci,drive=id0` is bound to "
			"`-blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4` (simple_alpine_rootfs1.ext4), "
			"but the guest's / is /dev/sda (ext4), not /dev/vda");
	r = verdict();
	assert_true(check_cmdline_serial(&r, &c));
	assert_false(r.done);
	r = verdict();
	check_cmdline_no_nic(&r, &c);
	assert_pass(&r, "the command gives the VM no NIC");
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "the VM has no NIC: the command has no -device e1000 with a -netdev tap");
	qemu_cmdline_release(&c);
}

static void lab_ch2(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	load("lab-ch2", &c);
	struct qemu_nic nics[4];
	assert_int_equal(qemu_cmdline_nics(&c, nics, 4), 1);
	assert_string_equal(nics[0].model, "e1000");
	assert_string_equal(nics[0].mac, "52:54:00:8b:99:de");
	assert_string_equal(nics[0].netdev_id, "hostnet0");
	assert_string_equal(nics[0].type, "tap");
	assert_string_equal(nics[0].ifname, "tap0");
	assert_string_equal(qemu_opt_get(nics[0].device, "id"), "net0");
	assert_string_equal(qemu_opt_get(nics[0].backend, "id"), "hostnet0");

	struct check_result r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_pass(&r, "`-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de` on "
			"`-netdev tap,ifname=tap0,id=hostnet0`");
	r = verdict();
	check_cmdline_no_nic(&r, &c);
	assert_fail(&r, "the command gives the VM a NIC: `-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de`");
	/* a MAC given in capitals is the same MAC */
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, "52:54:00:8B:99:DE", LAB_TAP);
	assert_int_equal(r.verdict, VERDICT_PASS);
	qemu_cmdline_release(&c);
}

/* ---- vlab's own and the integration test's ---- */

static void vlab_ch1(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	load("vlab-ch1", &c);
	assert_int_equal(c.accel, QACCEL_TCG);
	assert_string_equal(c.accel_from, "-accel tcg");
	assert_null(c.cpu);
	assert_string_equal(c.kernel, "/work/main/build/image/default/vmlinux");
	assert_string_equal(c.initrd, "/work/main/build/image/default/initrd.img");
	struct qemu_disk d;
	assert_int_equal(qemu_cmdline_virtio_disk(&c, &d), 0);
	assert_string_equal(d.driver, "qcow2");
	assert_true(starts_with(d.file, "/tmp/vlab-capture."));
	assert_true(strstr(d.file, "/vm1.overlay.qcow2") != NULL);
	struct qemu_serial s;
	assert_int_equal(qemu_cmdline_serial(&c, &s, NULL, 0), 0);
	assert_true(strstr(s.path, "/vm1.serial.sock") != NULL);
	/* server=on,wait=off: long-form booleans */
	assert_true(s.server);
	assert_false(s.wait);
	assert_false(s.chardev->props[3].flag);
	const char *qmp = qemu_cmdline_qmp_path(&c);
	assert_non_null(qmp);
	assert_true(strstr(qmp, "/vm1.qmp.sock") != NULL);
	char diffs[8][QEMU_DIFFERENCE_MAX];
	size_t n = qemu_cmdline_differences(&c, diffs, 8);
	assert_int_equal(n, 6);
	/* one policy: fine by hand, the lab's words in the script handed in */
	assert_string_equal(diffs[0], "`-accel tcg` instead of the lab's -enable-kvm: the guest runs under tcg, right by "
				      "hand where KVM cannot run it (see `vlab doctor`); keep -enable-kvm -cpu host in the "
				      "script you hand in: vlab grade runs it under TCG where the grading host needs it");
	assert_string_equal(diffs[1], "no -cpu: QEMU's default CPU model instead of the lab's -cpu host (keep -cpu host "
				      "in the script you hand in)");
	assert_string_equal(diffs[2], "`-initrd /work/main/build/image/default/initrd.img` added (the lab's kernel "
				      "needs none)");
	assert_string_equal(diffs[3], "console=ttyS0 instead of the lab's console=hvc0 in -append");
	assert_true(strstr(diffs[4], "the disk is a qcow2 image, not the lab's raw file node") != NULL);
	assert_true(starts_with(diffs[5], "a QMP socket ("));
	qemu_cmdline_release(&c);
}

static void vlab_ch2(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	load("vlab-ch2", &c);
	struct check_result r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_int_equal(r.verdict, VERDICT_PASS);
	r = verdict();
	check_cmdline_memory(&r, &c, LAB_MEMORY_BYTES);
	assert_int_equal(r.verdict, VERDICT_PASS);
	qemu_cmdline_release(&c);
}

static void hand_ch2_tcg(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	load("hand-ch2-tcg", &c);
	struct qemu_disk d;
	assert_int_equal(qemu_cmdline_virtio_disk(&c, &d), 0);
	assert_string_equal(d.driver, "qcow2");
	assert_string_equal(d.file, "ov.qcow2");
	struct check_result r = verdict();
	check_cmdline_lab_vm(&r, &c, 7, 'R', NULL, false);
	assert_pass(&r, "qemu (pid 7) runs the lab's VM: -kernel vmlinux, accelerator tcg (-accel tcg)");
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_int_equal(r.verdict, VERDICT_PASS);
	r = verdict();
	check_cmdline_rootfs(&r, &c, "/dev/vda", "ext4", NULL);
	assert_pass(&r, "`-device virtio-blk-pci,drive=id0` is bound to "
			"`-blockdev driver=qcow2,node-name=id0,file.driver=file,file.filename=ov.qcow2` (ov.qcow2); "
			"in the guest / is ext4 on /dev/vda");
	qemu_cmdline_release(&c);
}

/* ---- memory in every spelling ---- */

static void memory_spellings(void **state)
{
	(void)state;
	static const struct {
		const char *fixture;
		uint64_t bytes;
		const char *detail;
		bool pass;
	} cases[] = {
		{ "m-512M", 512ULL << 20, "`-m 512M` gives the guest 512 MiB; the lab asks for 256 MiB", false },
		{ "m-0.25G", 256ULL << 20, "`-m 0.25G`: 256 MiB", true },
		{ "m-size-256M", 256ULL << 20, "`-m size=256M`: 256 MiB", true },
		{ "m-bare-256", 256ULL << 20, "`-m 256`: 256 MiB", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct qemu_cmdline c;
		load(cases[i].fixture, &c);
		assert_int_equal(c.memory_bytes, cases[i].bytes);
		struct check_result r = verdict();
		check_cmdline_memory(&r, &c, LAB_MEMORY_BYTES);
		if (cases[i].pass) {
			assert_pass(&r, cases[i].detail);
		} else {
			assert_fail(&r, cases[i].detail);
			assert_string_equal(r.hint, "give the VM -m 256M, as the lab's command does (" LAB_SECTION_CH1 ")");
		}
		qemu_cmdline_release(&c);
	}
}

/* ---- the accelerator ---- */

static void accelerators(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	char diffs[8][QEMU_DIFFERENCE_MAX];

	load("accel-kvm", &c);
	assert_int_equal(c.accel, QACCEL_KVM);
	assert_string_equal(c.accel_from, "-accel kvm");
	assert_int_equal(qemu_cmdline_differences(&c, diffs, 8), 1);
	assert_string_equal(diffs[0], "`-accel kvm` instead of -enable-kvm: the same accelerator");
	qemu_cmdline_release(&c);

	load("machine-accel-kvm", &c);
	assert_int_equal(c.accel, QACCEL_KVM);
	assert_string_equal(c.accel_from, "-machine accel=kvm");
	assert_string_equal(qemu_opt_get(qemu_cmdline_nth(&c, QOPT_MACHINE, 0), "accel"), "kvm");
	qemu_cmdline_release(&c);

	load("no-enable-kvm", &c);
	assert_int_equal(c.accel, QACCEL_TCG);
	assert_string_equal(c.accel_name, "tcg");
	assert_string_equal(c.accel_from, "");
	assert_null(c.cpu);
	assert_int_equal(qemu_cmdline_differences(&c, diffs, 8), 2);
	assert_string_equal(diffs[0], "no -enable-kvm: the guest runs under qemu's default accelerator, tcg, right by "
				      "hand where KVM cannot run it (see `vlab doctor`); keep -enable-kvm -cpu host in the "
				      "script you hand in: vlab grade runs it under TCG where the grading host needs it");
	struct check_result r = verdict();
	check_cmdline_lab_vm(&r, &c, 1, 'S', NULL, false);
	assert_pass(&r, "qemu (pid 1) runs the lab's VM: -kernel alpine-bzImage, accelerator tcg (qemu's default)");
	qemu_cmdline_release(&c);

	/* the first -accel is the one tried first; kvm:tcg is kvm first */
	const char *const two[] = { "qemu-system-x86_64", "-accel", "kvm", "-accel", "tcg", NULL };
	parse_words(&c, two);
	assert_string_equal(c.accel_name, "kvm");
	assert_string_equal(c.accel_from, "-accel kvm");
	qemu_cmdline_release(&c);
	const char *const colon[] = { "qemu-system-x86_64", "-M", "pc,accel=kvm:tcg", NULL };
	parse_words(&c, colon);
	assert_int_equal(c.accel, QACCEL_KVM);
	assert_string_equal(c.accel_from, "-M accel=kvm:tcg");
	qemu_cmdline_release(&c);
	/* QEMU 7.2 prefers KVM by default for a binary named ...kvm */
	const char *const kvmbin[] = { "/usr/libexec/qemu-kvm", "-m", "256", NULL };
	parse_words(&c, kvmbin);
	assert_int_equal(c.accel, QACCEL_KVM);
	assert_string_equal(c.accel_from, "");
	qemu_cmdline_release(&c);
}

/* ---- disks ---- */

static void disks(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	struct qemu_disk d;
	struct check_result r;

	load("drive-if-virtio", &c);
	assert_int_equal(qemu_cmdline_virtio_disk(&c, &d), 0);
	assert_null(d.device);
	assert_string_equal(d.driver, "raw");
	assert_string_equal(d.file, "simple_alpine_rootfs1.ext4");
	r = verdict();
	check_cmdline_rootfs(&r, &c, "/dev/vda", "ext4", NULL);
	assert_pass(&r, "`-drive file=simple_alpine_rootfs1.ext4,if=virtio,format=raw` is a virtio-blk disk on "
			"simple_alpine_rootfs1.ext4; in the guest / is ext4 on /dev/vda");
	qemu_cmdline_release(&c);

	load("blockdev-json", &c);
	const struct qemu_opt *b = qemu_cmdline_nth(&c, QOPT_BLOCKDEV, 0);
	assert_int_equal(b->nprops, 3);
	assert_string_equal(qemu_opt_get(b, "driver"), "file");
	assert_string_equal(qemu_opt_get(b, "node-name"), "id0");
	char t[256];
	assert_string_equal(text_of(b, t, sizeof(t)),
			    "-blockdev '{\"driver\": \"file\", \"node-name\": \"id0\", \"filename\": "
			    "\"simple_alpine_rootfs1.ext4\"}'");
	assert_int_equal(qemu_cmdline_virtio_disk(&c, &d), 0);
	assert_string_equal(d.file, "simple_alpine_rootfs1.ext4");
	qemu_cmdline_release(&c);

	load("blockdev-qcow2-fileref", &c);
	assert_int_equal(qemu_cmdline_virtio_disk(&c, &d), 0);
	assert_string_equal(d.driver, "qcow2");
	assert_string_equal(qemu_opt_get(d.backend, "node-name"), "id0");
	assert_string_equal(d.file, "ov.qcow2");
	qemu_cmdline_release(&c);

	/* -hda: an IDE disk the guest calls /dev/sda */
	const char *const hda[] = { "qemu-system-x86_64", "-kernel", "k", "-hda", "rootfs.ext4", NULL };
	parse_words(&c, hda);
	r = verdict();
	check_cmdline_rootfs(&r, &c, NULL, NULL, NULL);
	assert_fail(&r, "`-hda rootfs.ext4` is no virtio-blk disk: the guest would not see it as /dev/vda");
	qemu_cmdline_release(&c);
	/* a bare word is a disk image too */
	const char *const bare[] = { "qemu-system-x86_64", "rootfs.ext4", "-m", "256M", NULL };
	parse_words(&c, bare);
	assert_int_equal(qemu_cmdline_nth(&c, QOPT_DISK, 0)->argi, 1);
	r = verdict();
	check_cmdline_rootfs(&r, &c, NULL, NULL, NULL);
	assert_fail(&r, "`rootfs.ext4` is no virtio-blk disk: the guest would not see it as /dev/vda");
	qemu_cmdline_release(&c);
	const char *const none[] = { "qemu-system-x86_64", "-kernel", "k", NULL };
	parse_words(&c, none);
	r = verdict();
	check_cmdline_rootfs(&r, &c, NULL, NULL, NULL);
	assert_fail(&r, "the VM has no disk: no -device virtio-blk-pci bound to a -blockdev");
	qemu_cmdline_release(&c);
	/* root= elsewhere than the virtio disk */
	const char *const sda[] = { "qemu-system-x86_64", "-device", "virtio-blk-pci,drive=d",
				    "-drive", "if=none,id=d,file=r.ext4", "-append", "root=/dev/sda console=ttyS0", NULL };
	parse_words(&c, sda);
	r = verdict();
	check_cmdline_rootfs(&r, &c, NULL, NULL, NULL);
	assert_fail(&r, "`-append \"root=/dev/sda console=ttyS0\"` has root=/dev/sda: the virtio disk is /dev/vda");
	qemu_cmdline_release(&c);
}

/* ---- the serial port ---- */

static void serial_ports(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	struct qemu_serial s;
	char why[512];
	struct check_result r;

	load("no-isa-serial", &c);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "`-chardev socket,id=serial0,path=serial.socket,server,nowait` is bound to no "
				 "device: -device isa-serial,chardev=serial0 is missing, so the VM has no serial port "
				 "on that socket");
	r = verdict();
	assert_false(check_cmdline_serial(&r, &c));
	assert_fail(&r, why);
	assert_string_equal(r.hint, "give the VM the lab's serial console: -device isa-serial,chardev=serial0 "
				    "-chardev socket,id=serial0,path=serial.socket,server,nowait (" LAB_SECTION_CH1 ")");
	qemu_cmdline_release(&c);

	load("serial-unix", &c);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), 0);
	assert_null(s.device);
	assert_string_equal(s.backend, "socket");
	assert_string_equal(s.path, "serial.socket");
	assert_true(s.server);
	assert_false(s.wait);
	char diffs[8][QEMU_DIFFERENCE_MAX];
	assert_int_equal(qemu_cmdline_differences(&c, diffs, 8), 1);
	assert_string_equal(diffs[0], "`-serial unix:serial.socket,server,nowait` instead of -device isa-serial with "
				      "-chardev socket: the same serial port");
	qemu_cmdline_release(&c);

	load("chardev-subdir", &c);
	assert_int_equal(qemu_cmdline_serial(&c, &s, NULL, 0), 0);
	assert_string_equal(s.path, "sockets/serial.socket");
	char p[64];
	assert_int_equal(qemu_path_resolve("/home/s/lab", s.path, p, sizeof(p)), 0);
	assert_string_equal(p, "/home/s/lab/sockets/serial.socket");
	assert_int_equal(qemu_path_resolve("/", s.path, p, sizeof(p)), 0);
	assert_string_equal(p, "/sockets/serial.socket");
	assert_int_equal(qemu_path_resolve("", s.path, p, sizeof(p)), 0);
	assert_string_equal(p, "sockets/serial.socket");
	assert_int_equal(qemu_path_resolve("/home/s/lab", "/run/x.sock", p, sizeof(p)), 0);
	assert_string_equal(p, "/run/x.sock");
	assert_int_equal(qemu_path_resolve("/a/very/long/working/directory/indeed", s.path, p, 32), -ENAMETOOLONG);
	qemu_cmdline_release(&c);

	const char *const pty[] = { "qemu-system-x86_64", "-nodefaults", "-device", "isa-serial,chardev=s0",
				    "-chardev", "pty,id=s0", NULL };
	parse_words(&c, pty);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "`-chardev pty,id=s0`: the serial port is on a pseudo-terminal, not on a UNIX socket");
	qemu_cmdline_release(&c);
	const char *const client[] = { "qemu-system-x86_64", "-device", "isa-serial,chardev=s0",
				       "-chardev", "socket,id=s0,path=s.sock", NULL };
	parse_words(&c, client);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "`-chardev socket,id=s0,path=s.sock` has no server: qemu connects to s.sock as a "
				 "client instead of serving it");
	qemu_cmdline_release(&c);
	const char *const tcp[] = { "qemu-system-x86_64", "-serial", "tcp::4444,server,nowait", NULL };
	parse_words(&c, tcp);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "`-serial tcp::4444,server,nowait`: the serial port is on a 'tcp' character device, "
				 "not on a UNIX socket");
	qemu_cmdline_release(&c);
	const char *const dangling[] = { "qemu-system-x86_64", "-device", "isa-serial,chardev=nope", NULL };
	parse_words(&c, dangling);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "`-device isa-serial,chardev=nope` names no -chardev with id=nope");
	qemu_cmdline_release(&c);
	const char *const nothing[] = { "qemu-system-x86_64", "-nodefaults", NULL };
	parse_words(&c, nothing);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "the VM has no serial port: no -device isa-serial, and -nodefaults leaves out QEMU's own");
	qemu_cmdline_release(&c);
	const char *const dflt[] = { "qemu-system-x86_64", "-nographic", NULL };
	parse_words(&c, dflt);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no -device isa-serial: the VM's only serial port is QEMU's default one, on qemu's own "
				 "terminal (-nographic)");
	qemu_cmdline_release(&c);
	/* -serial chardev:ID names a -chardev */
	const char *const byid[] = { "qemu-system-x86_64", "-chardev", "socket,id=c,path=/tmp/p,server=on,wait=off",
				     "-serial", "chardev:c", NULL };
	parse_words(&c, byid);
	assert_int_equal(qemu_cmdline_serial(&c, &s, why, sizeof(why)), 0);
	assert_string_equal(s.path, "/tmp/p");
	qemu_cmdline_release(&c);
}

/* ---- QMP ---- */

static void qmp_sockets(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	load("qmp", &c);
	assert_string_equal(qemu_cmdline_qmp_path(&c), "qmp.socket");
	qemu_cmdline_release(&c);
	const char *const mon[] = { "qemu-system-x86_64", "-chardev", "socket,id=m,path=q.sock,server=on,wait=off",
				    "-mon", "chardev=m,mode=control", NULL };
	parse_words(&c, mon);
	assert_string_equal(qemu_cmdline_qmp_path(&c), "q.sock");
	qemu_cmdline_release(&c);
	/* an HMP monitor is no QMP */
	const char *const hmp[] = { "qemu-system-x86_64", "-monitor", "unix:m.sock,server,nowait", NULL };
	parse_words(&c, hmp);
	assert_null(qemu_cmdline_qmp_path(&c));
	qemu_cmdline_release(&c);
}

/* ---- NICs ---- */

static void nics(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	struct check_result r;
	const char *hint = "give the VM the lab's NIC: -device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de "
			   "-netdev tap,ifname=tap0,id=hostnet0 (" LAB_SECTION_CH2 ")";

	load("wrong-mac", &c);
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "`-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:12:34:56`: its MAC is 52:54:00:12:34:56; "
			"the lab asks for 52:54:00:8b:99:de");
	assert_string_equal(r.hint, hint);
	qemu_cmdline_release(&c);

	load("netdev-user", &c);
	struct qemu_nic n[2];
	assert_int_equal(qemu_cmdline_nics(&c, n, 2), 1);
	assert_string_equal(n[0].type, "user");
	assert_null(n[0].ifname);
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "`-netdev user,id=hostnet0`: user-mode networking (slirp), not a tap: the guest is not on tap0; "
			"the lab asks for -netdev tap,ifname=tap0");
	qemu_cmdline_release(&c);

	load("nic-shorthand", &c);
	assert_int_equal(qemu_cmdline_nics(&c, n, 2), 1);
	assert_ptr_equal(n[0].device, n[0].backend);
	assert_string_equal(n[0].model, "e1000");
	assert_string_equal(n[0].ifname, "tap0");
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_pass(&r, "`-nic tap,ifname=tap0,model=e1000,mac=52:54:00:8b:99:de`: an e1000 NIC with 52:54:00:8b:99:de "
			"on tap tap0");
	qemu_cmdline_release(&c);

	const char *const virtio[] = { "qemu-system-x86_64", "-nodefaults", "-device",
				       "virtio-net-pci,netdev=h,mac=52:54:00:8b:99:de", "-netdev", "tap,id=h,ifname=tap0",
				       NULL };
	parse_words(&c, virtio);
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "`-device virtio-net-pci,netdev=h,mac=52:54:00:8b:99:de`: a virtio-net-pci NIC; the lab's is an "
			"emulated Intel e1000");
	qemu_cmdline_release(&c);
	const char *const nomac[] = { "qemu-system-x86_64", "-device", "e1000,netdev=h", "-netdev", "tap,id=h,ifname=tap0",
				      NULL };
	parse_words(&c, nomac);
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "`-device e1000,netdev=h` has no mac=: qemu gives it 52:54:00:12:34:56; the lab asks for "
			"52:54:00:8b:99:de");
	qemu_cmdline_release(&c);
	const char *const noif[] = { "qemu-system-x86_64", "-device", "e1000,netdev=h,mac=52:54:00:8b:99:de", "-netdev",
				     "tap,id=h", NULL };
	parse_words(&c, noif);
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "`-netdev tap,id=h` has no ifname=: qemu makes a new tap of its own instead of using tap0");
	qemu_cmdline_release(&c);
	const char *const tap1[] = { "qemu-system-x86_64", "-device", "e1000,netdev=h,mac=52:54:00:8b:99:de", "-netdev",
				     "tap,id=h,ifname=tap1", NULL };
	parse_words(&c, tap1);
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "`-netdev tap,id=h,ifname=tap1`: the tap is tap1; the lab's is tap0");
	qemu_cmdline_release(&c);
	/* the old -net: NIC and backend meet on the hub */
	const char *const legacy[] = { "qemu-system-x86_64", "-net", "nic,model=e1000,macaddr=52:54:00:8b:99:de",
				       "-net", "tap,ifname=tap0,script=no", NULL };
	parse_words(&c, legacy);
	assert_int_equal(qemu_cmdline_nics(&c, n, 2), 1);
	assert_string_equal(n[0].mac, "52:54:00:8b:99:de");
	assert_string_equal(n[0].type, "tap");
	assert_string_equal(n[0].ifname, "tap0");
	qemu_cmdline_release(&c);
	/* no -nodefaults and no network option: QEMU's own NIC */
	const char *const dflt[] = { "qemu-system-x86_64", "-kernel", "k", NULL };
	parse_words(&c, dflt);
	assert_int_equal(qemu_cmdline_nics(&c, n, 2), 1);
	assert_null(n[0].device);
	assert_string_equal(n[0].type, "user");
	r = verdict();
	check_cmdline_no_nic(&r, &c);
	assert_fail(&r, "no -nodefaults: QEMU adds its default NIC (an e1000 on user-mode networking)");
	r = verdict();
	check_cmdline_nic(&r, &c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	assert_fail(&r, "no NIC option: the VM's only NIC is QEMU's default one (user-mode networking, MAC "
			"52:54:00:12:34:56), not 52:54:00:8b:99:de");
	qemu_cmdline_release(&c);
	const char *const nonic[] = { "qemu-system-x86_64", "-nic", "none", NULL };
	parse_words(&c, nonic);
	assert_int_equal(qemu_cmdline_nics(&c, n, 2), 0);
	qemu_cmdline_release(&c);
}

/* ---- the process and the VM's state ---- */

static void lab_vm_states(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	struct check_result r;
	load("lab-ch1", &c);
	r = verdict();
	check_cmdline_lab_vm(&r, &c, 42, 'T', NULL, false);
	assert_fail(&r, "qemu (pid 42) is stopped (Ctrl-Z in its terminal?): the VM does not run");
	assert_string_equal(r.hint, "in qemu's terminal type `fg`, or run `kill -CONT 42`");
	r = verdict();
	check_cmdline_lab_vm(&r, &c, 42, 'Z', NULL, false);
	assert_fail(&r, "qemu (pid 42) has exited; its parent has not collected it yet");
	r = verdict();
	check_cmdline_lab_vm(&r, &c, 42, 'S', "paused", false);
	assert_fail(&r, "qemu (pid 42) is up but QMP says the VM is 'paused'");
	r = verdict();
	check_cmdline_lab_vm(&r, &c, 42, 'S', "running", true);
	assert_pass(&r, "qemu (pid 42) runs the lab's VM: -kernel alpine-bzImage, accelerator kvm (-enable-kvm); QMP "
			"query-status: running");
	qemu_cmdline_release(&c);
	const char *const paused[] = { "qemu-system-x86_64", "-S", "-kernel", "k", NULL };
	parse_words(&c, paused);
	assert_true(c.paused);
	r = verdict();
	check_cmdline_lab_vm(&r, &c, 42, 'S', NULL, false);
	assert_fail(&r, "qemu (pid 42) was started with -S: the VM waits, paused, for a 'cont'");
	qemu_cmdline_release(&c);
	const char *const nokernel[] = { "qemu-system-x86_64", "-hda", "disk.img", NULL };
	parse_words(&c, nokernel);
	r = verdict();
	check_cmdline_lab_vm(&r, &c, 42, 'S', NULL, false);
	assert_fail(&r, "qemu (pid 42) has no -kernel: it is not the lab's VM, which boots a kernel directly");
	qemu_cmdline_release(&c);
	const char *const nomem[] = { "qemu-system-x86_64", NULL };
	parse_words(&c, nomem);
	r = verdict();
	check_cmdline_memory(&r, &c, LAB_MEMORY_BYTES);
	assert_fail(&r, "no -m: qemu's default is 128 MiB; the lab asks for 256 MiB");
	qemu_cmdline_release(&c);
	const char *const badmem[] = { "qemu-system-x86_64", "-m", "lots", NULL };
	parse_words(&c, badmem);
	r = verdict();
	check_cmdline_memory(&r, &c, LAB_MEMORY_BYTES);
	assert_fail(&r, "`-m lots`: not a size vlab can read; the lab asks for 256 MiB");
	qemu_cmdline_release(&c);
}

/* ---- syntax corners ---- */

static void syntax(void **state)
{
	(void)state;
	struct qemu_cmdline c;

	/* ",," is a comma in a value; "--" spells an option too; the last -m wins */
	const char *const words[] = { "qemu-system-x86_64", "--m", "128", "-chardev",
				      "socket,id=s,path=/tmp/a,,b.sock,server,nowait", "-m", "size=256M,slots=2,maxmem=1G",
				      "--nodefaults", NULL };
	parse_words(&c, words);
	assert_true(c.nodefaults);
	assert_string_equal(c.memory->word, "-m");
	assert_int_equal(c.memory_bytes, 256ULL << 20);
	assert_string_equal(qemu_opt_get(c.memory, "maxmem"), "1G");
	assert_string_equal(qemu_opt_get(qemu_cmdline_nth(&c, QOPT_MEMORY, 0), "size"), "128");
	assert_string_equal(qemu_cmdline_nth(&c, QOPT_MEMORY, 0)->word, "--m");
	const struct qemu_opt *ch = qemu_cmdline_nth(&c, QOPT_CHARDEV, 0);
	assert_string_equal(qemu_opt_get(ch, "path"), "/tmp/a,b.sock");
	assert_true(qemu_opt_get_bool(ch, "server", false));
	assert_false(qemu_opt_get_bool(ch, "wait", true));
	assert_null(qemu_cmdline_nth(&c, QOPT_CHARDEV, 1));
	qemu_cmdline_release(&c);

	/* an option without its argument: kept, said, not fatal */
	const char *const cut[] = { "qemu-system-x86_64", "-kernel", "k", "-m", NULL };
	parse_words(&c, cut);
	assert_string_equal(c.error, "-m has no argument");
	assert_string_equal(c.kernel, "k");
	qemu_cmdline_release(&c);

	/* bad JSON where QEMU takes JSON */
	const char *const badjson[] = { "qemu-system-x86_64", "-device", "{\"driver\": ", NULL };
	parse_words(&c, badjson);
	assert_true(starts_with(c.error, "-device: not JSON QEMU could read"));
	qemu_cmdline_release(&c);

	/* nested JSON flattens into dotted keys; booleans become on/off */
	const char *const nested[] = { "qemu-system-x86_64", "-blockdev",
				       "{\"driver\":\"qcow2\",\"node-name\":\"id0\",\"read-only\":true,"
				       "\"file\":{\"driver\":\"file\",\"filename\":\"ov.qcow2\"},\"cache\":{\"direct\":false}}",
				       "-device", "virtio-blk-pci,drive=id0", NULL };
	parse_words(&c, nested);
	const struct qemu_opt *b = qemu_cmdline_nth(&c, QOPT_BLOCKDEV, 0);
	assert_string_equal(qemu_opt_get(b, "file.filename"), "ov.qcow2");
	assert_string_equal(qemu_opt_get(b, "read-only"), "on");
	assert_string_equal(qemu_opt_get(b, "cache.direct"), "off");
	struct qemu_disk d;
	assert_int_equal(qemu_cmdline_virtio_disk(&c, &d), 0);
	assert_string_equal(d.file, "ov.qcow2");
	qemu_cmdline_release(&c);

	/* options that take no argument do not swallow the next word */
	const char *const flags[] = { "qemu-system-x86_64", "-snapshot", "-no-reboot", "-s", "-daemonize", "-m", "256",
				      NULL };
	parse_words(&c, flags);
	assert_true(c.snapshot);
	assert_true(c.daemonize);
	assert_int_equal(c.memory_bytes, 256ULL << 20);
	assert_string_equal(c.error, "");
	qemu_cmdline_release(&c);

	/* an unknown option takes the next word (every HAS_ARG option does) */
	const char *const unknown[] = { "qemu-system-x86_64", "-smp", "2", "-m", "256M", NULL };
	parse_words(&c, unknown);
	assert_int_equal(c.memory_bytes, 256ULL << 20);
	assert_null(qemu_cmdline_nth(&c, QOPT_DISK, 0));
	qemu_cmdline_release(&c);

	/* the option text, quoted for a shell when it needs it */
	const char *const quoted[] = { "qemu-system-x86_64", "-append", "root=/dev/vda console=ttyS0", "-device",
				       "e1000,id=it's", NULL };
	parse_words(&c, quoted);
	char t[128];
	assert_string_equal(text_of(qemu_cmdline_nth(&c, QOPT_DEVICE, 0), t, sizeof(t)), "-device \"e1000,id=it's\"");
	qemu_cmdline_release(&c);
}

static void proc_bytes(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	static const char with_nul[] = "qemu-system-x86_64\0-m\0" "256M\0";
	assert_int_equal(qemu_cmdline_parse_proc(with_nul, sizeof(with_nul) - 1, &c), 0);
	assert_int_equal(c.argc, 3);
	assert_int_equal(c.memory_bytes, 256ULL << 20);
	qemu_cmdline_release(&c);
	/* the last NUL is optional (the strings are split where a digit
	 * follows a NUL, which C would read as an octal escape) */
	static const char without[] = "qemu-system-x86_64\0-m\0" "512";
	assert_int_equal(qemu_cmdline_parse_proc(without, sizeof(without) - 1, &c), 0);
	assert_int_equal(c.argc, 3);
	assert_int_equal(c.memory_bytes, 512ULL << 20);
	qemu_cmdline_release(&c);
	/* an empty word survives */
	static const char empty_word[] = "qemu-system-x86_64\0-append\0\0-m\0" "256\0";
	assert_int_equal(qemu_cmdline_parse_proc(empty_word, sizeof(empty_word) - 1, &c), 0);
	assert_int_equal(c.argc, 5);
	assert_string_equal(c.append, "");
	assert_int_equal(c.memory_bytes, 256ULL << 20);
	qemu_cmdline_release(&c);
	assert_int_equal(qemu_cmdline_parse_proc("", 0, &c), -EINVAL);
	assert_int_equal(qemu_cmdline_parse(NULL, 0, &c), -EINVAL);
	qemu_cmdline_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lab_ch1),
		cmocka_unit_test(lab_ch2),
		cmocka_unit_test(vlab_ch1),
		cmocka_unit_test(vlab_ch2),
		cmocka_unit_test(hand_ch2_tcg),
		cmocka_unit_test(memory_spellings),
		cmocka_unit_test(accelerators),
		cmocka_unit_test(disks),
		cmocka_unit_test(serial_ports),
		cmocka_unit_test(qmp_sockets),
		cmocka_unit_test(nics),
		cmocka_unit_test(lab_vm_states),
		cmocka_unit_test(syntax),
		cmocka_unit_test(proc_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
