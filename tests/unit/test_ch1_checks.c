/* checks/ch1 and checks/verdict: every verdict branch of chapter 1's checks,
 * with the detail and hint a student reads. The block and PCI evidence comes
 * from the real QEMU 7.2 QMP replies in tests/fixtures/qmp (see its README),
 * through checks/qmp_parse as vlab reads them; interfaces from the real `ip a s`
 * captures in tests/fixtures/guest. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/ch1.h"
#include "checks/guest_parse.h"
#include "checks/qmp_parse.h"
#include "checks/verdict.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

#define QMP_FIXTURES FIXTURES "/qmp/"
#define GUEST_FIXTURES FIXTURES "/guest/"

/* Run A and C of the QMP README: a qcow2 overlay over /tmp/qcap/base.raw. */
#define OVERLAY "/tmp/qcap/ov.qcow2"
#define BASE "/tmp/qcap/base.raw"

/* ---- evidence from fixtures ---- */

static json_t *load_return(const char *name)
{
	json_error_t err;
	char path[512];
	json_t *doc, *ret;

	snprintf(path, sizeof(path), "%s%s", QMP_FIXTURES, name);
	doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("cannot load '%s': %s", path, err.text);
	ret = json_incref(json_object_get(doc, "return"));
	json_decref(doc);
	assert_non_null(ret);
	return ret;
}

struct evidence {
	struct block_dev blocks[4];
	size_t nblocks;
	struct pci_dev pci[16];
	size_t npci;
};

static struct evidence *evidence(const char *block_fixture, const char *pci_fixture)
{
	struct evidence *e = xcalloc(1, sizeof(*e));
	json_t *ret;

	ret = load_return(block_fixture);
	assert_int_equal(qmp_parse_block(ret, e->blocks, ARRAY_SIZE(e->blocks), &e->nblocks), 0);
	json_decref(ret);
	ret = load_return(pci_fixture);
	assert_int_equal(qmp_parse_pci(ret, e->pci, ARRAY_SIZE(e->pci), &e->npci), 0);
	json_decref(ret);
	return e;
}

static int parse_ifaces(const char *name, struct ip_iface *ifs, size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];
	int n;

	snprintf(path, sizeof(path), "%s%s", GUEST_FIXTURES, name);
	if (read_file(path, &sb) < 0)
		fail_msg("cannot read '%s'", path);
	n = parse_ip_addr_show(sb.buf, ifs, max);
	sb_release(&sb);
	return n;
}

/* ---- verdict.h ---- */

static void test_verdict_helpers(void **state)
{
	struct check_result r;

	assert_string_equal(verdict_name(VERDICT_PASS), "pass");
	assert_string_equal(verdict_name(VERDICT_FAIL), "fail");
	assert_string_equal(verdict_name(VERDICT_SKIP), "skip");
	assert_string_equal(verdict_name(VERDICT_ERROR), "error");
	assert_string_equal(verdict_name((enum verdict)42), "error");

	memset(&r, 0x5a, sizeof(r));
	check_init(&r, "ch1.memory_256m");
	assert_string_equal(r.id, "ch1.memory_256m");
	assert_int_equal(r.verdict, VERDICT_ERROR);  /* a check that never decides is vlab's fault */
	assert_false(r.done);
	assert_string_equal(r.detail, "");
	assert_string_equal(r.hint, "");
	assert_int_equal(r.duration_ms, 0);

	check_fail(&r, "do this", "saw %d", 3);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_true(r.done);
	assert_string_equal(r.detail, "saw 3");
	assert_string_equal(r.hint, "do this");

	/* a later verdict replaces the hint too */
	check_pass(&r, "ok %s", "now");
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.detail, "ok now");
	assert_string_equal(r.hint, "");

	check_fail(&r, NULL, "no hint");
	assert_string_equal(r.hint, "");
	check_skip(&r, "no %s here", "/dev/kvm");
	assert_int_equal(r.verdict, VERDICT_SKIP);
	assert_string_equal(r.detail, "no /dev/kvm here");
	check_error(&r, "vlab broke: %d", -5);
	assert_int_equal(r.verdict, VERDICT_ERROR);
	assert_true(r.done);
	assert_string_equal(r.detail, "vlab broke: -5");
	assert_string_equal(r.id, "ch1.memory_256m");
}

static void test_verdict_truncates(void **state)
{
	struct check_result r;
	char *big = xmalloc(3000);

	memset(big, 'd', 2999);
	big[2999] = '\0';
	check_init(&r, "x");
	check_fail(&r, big, "%s", big);
	assert_int_equal(strlen(r.detail), sizeof(r.detail) - 1);
	assert_int_equal(strlen(r.hint), sizeof(r.hint) - 1);
	free(big);
}

/* ---- ch1.qemu_running ---- */

static void test_qemu_running(void **state)
{
	struct check_result r;

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, true, "running", true, NULL, NULL);
	assert_verdict(&r, VERDICT_PASS);
	assert_string_equal(r.detail, "qemu is running; QMP query-status: running");
	assert_string_equal(r.hint, "");

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, false, NULL, false, "exit status 1",
			   "qemu-system-x86_64: -m 256X: Parameter 'size' expects a non-negative number");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "qemu is not running (exit status 1): qemu-system-x86_64: -m 256X: "
				      "Parameter 'size' expects a non-negative number");
	assert_contains(r.hint, "run the qemu command by hand");

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, false, NULL, false, NULL, NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "qemu is not running (exited)");

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, false, NULL, false, "", "");
	assert_string_equal(r.detail, "qemu is not running (exited)");

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, false, NULL, false, "killed by signal 9", NULL);
	assert_string_equal(r.detail, "qemu is not running (killed by signal 9)");

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, true, "paused", false, NULL, NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "qemu is up but the VM is 'paused'");
	assert_contains(r.hint, "-S");

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, true, "prelaunch", false, NULL, NULL);
	assert_string_equal(r.detail, "qemu is up but the VM is 'prelaunch'");

	check_init(&r, "ch1.qemu_running");
	check_qemu_running(&r, true, NULL, false, NULL, NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "qemu is up but the VM is 'not running'");
}

static void test_qemu_running_from_qmp(void **state)
{
	static const struct {
		const char *fixture;
		enum verdict v;
	} cases[] = {
		{ "query-status-running.json", VERDICT_PASS },
		{ "query-status-paused.json", VERDICT_FAIL },
		{ "query-status-prelaunch.json", VERDICT_FAIL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct check_result r;
		json_t *ret = load_return(cases[i].fixture);
		char status[32];
		bool running;

		assert_int_equal(qmp_parse_status(ret, status, sizeof(status), &running), 0);
		json_decref(ret);
		check_init(&r, "ch1.qemu_running");
		check_qemu_running(&r, true, status, running, NULL, NULL);
		assert_verdict(&r, cases[i].v);
		assert_contains(r.detail, status);
	}
}

/* ---- ch1.memory_256m ---- */

static void test_memory(void **state)
{
	struct check_result r;
	json_t *ret = load_return("query-memory-size-summary-256M.json");
	uint64_t base = 0;

	assert_int_equal(qmp_parse_memory_summary(ret, &base, NULL), 0);
	json_decref(ret);
	check_init(&r, "ch1.memory_256m");
	check_memory(&r, base, LAB_MEMORY_BYTES);
	assert_verdict(&r, VERDICT_PASS);
	assert_string_equal(r.detail, "QMP query-memory-size-summary: base-memory 268435456 bytes = 256 MiB");

	check_init(&r, "ch1.memory_256m");
	check_memory(&r, 512ULL << 20, LAB_MEMORY_BYTES);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest has 512 MiB (536870912 bytes) of RAM; the lab asks for 256 MiB");
	assert_string_equal(r.hint, "give the VM -m 256M");

	/* qemu's default -m is 128 MiB */
	check_init(&r, "ch1.memory_256m");
	check_memory(&r, 128ULL << 20, LAB_MEMORY_BYTES);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "128 MiB");
	assert_contains(r.hint, "-m 256M");

	check_init(&r, "ch1.memory_256m");
	check_memory(&r, 1ULL << 30, LAB_MEMORY_BYTES);
	assert_contains(r.detail, "1 GiB");

	/* a page off is off: the byte count shows what "256.0 MiB" hides */
	check_init(&r, "ch1.memory_256m");
	check_memory(&r, LAB_MEMORY_BYTES + 4096, LAB_MEMORY_BYTES);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest has 256.0 MiB (268439552 bytes) of RAM; the lab asks for 256 MiB");

	check_init(&r, "ch1.memory_256m");
	check_memory(&r, 512ULL << 20, 512ULL << 20);
	assert_verdict(&r, VERDICT_PASS);
	assert_contains(r.detail, "512 MiB");
}

/* ---- ch1.rootfs_virtio_blk ---- */

static void test_rootfs_pass_overlay(void **state)
{
	struct evidence *e = evidence("query-block-blockdev-qcow2-backing-raw.json", "query-pci-prelaunch-tcg.json");
	struct check_result r;

	/* what vlab runs: the image is the overlay's backing file */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_PASS);
	assert_string_equal(r.detail, "/ is ext4 on /dev/vda; QMP: virtio-blk 1af4:1001 at 02.0, node 'id0' = qcow2 "
				      "overlay over " BASE);

	/* naming the overlay itself is as good */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, OVERLAY);
	assert_verdict(&r, VERDICT_PASS);

	/* no image to match: any virtio backend */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, NULL);
	assert_verdict(&r, VERDICT_PASS);
	free(e);
}

static void test_rootfs_pass_raw(void **state)
{
	struct evidence *e = evidence("query-block-blockdev-file-raw.json", "query-pci-prelaunch-tcg.json");
	struct check_result r;

	/* the lab's own form: a bare file node */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_PASS);
	assert_string_equal(r.detail, "/ is ext4 on /dev/vda; QMP: virtio-blk 1af4:1001 at 02.0, node 'id0' = " BASE);
	free(e);
}

static void test_rootfs_pass_behind_bridge(void **state)
{
	struct evidence *e = evidence("query-block-blockdev-qcow2-ro-id.json", "query-pci-bridge-tcg.json");
	struct check_result r;

	/* id=disk0 behind a pci-bridge: qdev is /machine/peripheral/disk0/virtio-backend */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_PASS);
	assert_contains(r.detail, "at 03.0");
	free(e);
}

static void test_rootfs_fail(void **state)
{
	struct evidence *e = evidence("query-block-blockdev-qcow2-backing-raw.json", "query-pci-prelaunch-tcg.json");
	struct check_result r;

	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, "/srv/other.ext4");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "QMP query-block shows no virtio block backend on '/srv/other.ext4'");
	assert_contains(r.hint, "-device virtio-blk-pci,drive=id0");
	assert_contains(r.hint, "root=/dev/vda");

	/* an IDE or SCSI disk */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/sda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest's / is /dev/sda (ext4), not /dev/vda");
	assert_contains(r.hint, "virtio-blk-pci");

	/* still in the initramfs */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "rootfs", "rootfs", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "the guest's / is rootfs (rootfs)");

	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext2", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "/dev/vda is mounted on / as ext2, not ext4");
	assert_string_equal(r.hint, "the lab's rootfs is an ext4 image");

	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "", "", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "could not tell what the guest mounted on /");
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, NULL, NULL, e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_string_equal(r.detail, "could not tell what the guest mounted on /");

	/* no block backends at all */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, 0, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "no virtio block backend on '" BASE "'");
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, 0, e->pci, e->npci, NULL);
	assert_contains(r.detail, "no virtio block backend on 'the rootfs'");

	/* the backend not on a virtio device, or an empty drive */
	struct block_dev b = e->blocks[0];
	snprintf(b.qdev, sizeof(b.qdev), "/machine/unattached/device[23]");
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", &b, 1, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	b = e->blocks[0];
	b.inserted = false;
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", &b, 1, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	free(e);
}

static void test_rootfs_no_virtio_blk_pci(void **state)
{
	struct evidence *e = evidence("query-block-blockdev-qcow2-backing-raw.json", "query-pci-prelaunch-tcg.json");
	struct check_result r;
	size_t n = 0;

	/* the real list without its virtio-blk function */
	for (size_t i = 0; i < e->npci; i++)
		if (!(e->pci[i].vendor == 0x1af4 && e->pci[i].device == 0x1001))
			e->pci[n++] = e->pci[i];
	assert_int_equal(n, e->npci - 1);
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, n, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "/ is ext4 on /dev/vda, but QMP query-pci shows no virtio-blk device");

	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, NULL, 0, BASE);
	assert_verdict(&r, VERDICT_FAIL);

	/* the modern-only virtio-blk (device id 0x1042, disable-legacy=on) counts */
	e->pci[0].vendor = 0x1af4;
	e->pci[0].device = 0x1042;
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, n, BASE);
	assert_verdict(&r, VERDICT_PASS);
	assert_contains(r.detail, "virtio-blk 1af4:1042");
	free(e);
}

static void test_rootfs_nic_only_pci(void **state)
{
	struct evidence *e = evidence("query-block-blockdev-qcow2-backing-raw.json", "query-pci-tcg.json");
	struct check_result r;

	/* the shared capture: virtio-blk, e1000 and virtio-net; the virtio-net
	 * (1af4:1000) must not be taken for the disk */
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, e->npci, BASE);
	assert_verdict(&r, VERDICT_PASS);
	assert_contains(r.detail, "1af4:1001 at 02.0");

	size_t n = 0;
	for (size_t i = 0; i < e->npci; i++)
		if (e->pci[i].device != 0x1001)
			e->pci[n++] = e->pci[i];
	check_init(&r, "ch1.rootfs_virtio_blk");
	check_rootfs_virtio_blk(&r, "/dev/vda", "ext4", e->blocks, e->nblocks, e->pci, n, BASE);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "no virtio-blk device");
	free(e);
}

/* ---- ch1.serial_login_* ---- */

static void test_login(void **state)
{
	struct check_result r;

	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", 0, "root\n", "/run/vlab/x/vm1.console.log");
	assert_verdict(&r, VERDICT_PASS);
	assert_string_equal(r.detail, "logged in as root over the serial socket; `id -un` = root");

	check_init(&r, "ch1.serial_login_student");
	check_login(&r, "student", 0, "student\r\n", NULL);
	assert_verdict(&r, VERDICT_PASS);

	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", -EACCES, NULL, "/run/vlab/x/vm1.console.log");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest answered 'Login incorrect' for root");
	assert_contains(r.hint, "root/toor");
	assert_contains(r.hint, "student/student");
	assert_contains(r.hint, "/run/vlab/x/vm1.console.log");

	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", -EACCES, NULL, NULL);
	assert_contains(r.hint, "see the console transcript");

	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", -ETIMEDOUT, NULL, "/t.log");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "no shell prompt for root before the deadline");
	assert_string_equal(r.hint, "read /t.log for what the guest printed");

	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", -ECONNRESET, NULL, "/t.log");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "logging in as root failed: Connection reset by peer");
	assert_string_equal(r.hint, "");

	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", 0, "student\n", "/t.log");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "logged in, but `id -un` says 'student', not 'root'");

	/* a prefix is not the user */
	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", 0, "roots\n", "/t.log");
	assert_verdict(&r, VERDICT_FAIL);

	check_init(&r, "ch1.serial_login_root");
	check_login(&r, "root", 0, NULL, "/t.log");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "logged in, but `id -un` says '', not 'root'");
}

/* ---- ch1.only_loopback ---- */

static void test_only_loopback(void **state)
{
	struct ip_iface ifs[8];
	struct check_result r;
	int n;

	n = parse_ifaces("busybox-ip-a-s-lo-only.txt", ifs, ARRAY_SIZE(ifs));
	check_init(&r, "ch1.only_loopback");
	check_only_loopback(&r, ifs, n);
	assert_verdict(&r, VERDICT_PASS);
	assert_string_equal(r.detail, "`ip a s` lists only lo: this VM has no network device");

	n = parse_ifaces("busybox-ip-a-s-eth-down.txt", ifs, ARRAY_SIZE(ifs));
	check_init(&r, "ch1.only_loopback");
	check_only_loopback(&r, ifs, n);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest has more than lo: eth0, eth1");
	assert_contains(r.hint, "-nodefaults");
	assert_contains(r.hint, "-device e1000");

	n = parse_ifaces("busybox-ip-a-s-eth0-up-addr.txt", ifs, 2);
	check_init(&r, "ch1.only_loopback");
	check_only_loopback(&r, ifs, n);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest has more than lo: eth0");

	n = parse_ifaces("iproute2-ip-a-s-veth-netns.txt", ifs, ARRAY_SIZE(ifs));
	check_init(&r, "ch1.only_loopback");
	check_only_loopback(&r, ifs, n);
	assert_string_equal(r.detail, "the guest has more than lo: va");

	/* a NIC alone, lo missing */
	n = parse_ifaces("busybox-ip-a-s-eth-down.txt", ifs, ARRAY_SIZE(ifs));
	check_init(&r, "ch1.only_loopback");
	check_only_loopback(&r, ifs + 1, 1);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest has more than lo: eth0");

	check_init(&r, "ch1.only_loopback");
	check_only_loopback(&r, ifs, 0);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "the guest has no lo interface");
	assert_string_equal(r.hint, "");

	n = parse_ip_addr_show("-sh: ip: not found\n", ifs, ARRAY_SIZE(ifs));
	assert_int_equal(n, -EINVAL);
	check_init(&r, "ch1.only_loopback");
	check_only_loopback(&r, ifs, n);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "`ip a s` printed no interface list");
}

/* --manual: the transcript of what the student typed, as the console's
 * cleaner leaves it (Alpine's getty, busybox's ash prompt) */
static void test_transcript_login(void **state)
{
	(void)state;
	static const char text[] = "Welcome to Alpine Linux 3.18\n"
				   "localhost login: root\n"
				   "Password: \n"
				   "localhost:~# id -un\n"
				   "root\n"
				   "localhost:~# exit\n"
				   "localhost login: student\n"
				   "Password: \n"
				   "localhost:~$ id -un\n"
				   "student\n"
				   "localhost:~$ \n";
	struct check_result r;
	check_init(&r, "ch1.serial_login_root");
	check_transcript_login(&r, text, "root");
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_contains(r.detail, "`id -un` printed root");
	check_init(&r, "ch1.serial_login_student");
	check_transcript_login(&r, text, "student");
	assert_int_equal(r.verdict, VERDICT_PASS);
	/* a user never logged in as; `id -un` typed nowhere */
	check_init(&r, "ch1.serial_login_student");
	check_transcript_login(&r, "localhost:~# id -un\nroot\n", "student");
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_contains(r.detail, "no `id -un` printing student");
	assert_contains(r.hint, "log in as student");
	check_init(&r, "ch1.serial_login_root");
	check_transcript_login(&r, "localhost login: root\nPassword: \nlocalhost:~# whoami\nroot\n", "root");
	assert_int_equal(r.verdict, VERDICT_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_helpers),
		cmocka_unit_test(test_transcript_login),
		cmocka_unit_test(test_verdict_truncates),
		cmocka_unit_test(test_qemu_running),
		cmocka_unit_test(test_qemu_running_from_qmp),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_rootfs_pass_overlay),
		cmocka_unit_test(test_rootfs_pass_raw),
		cmocka_unit_test(test_rootfs_pass_behind_bridge),
		cmocka_unit_test(test_rootfs_fail),
		cmocka_unit_test(test_rootfs_no_virtio_blk_pci),
		cmocka_unit_test(test_rootfs_nic_only_pci),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_only_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
