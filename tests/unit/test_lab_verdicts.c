/* checks/handbuilt_lab: chapters 1 and 2's verdicts on a lab built by hand,
 * from facts made of real captures: qemu command lines read from
 * /proc/PID/cmdline (tests/fixtures/cmdline/), the guest's `ip a s` and
 * ping (tests/fixtures/guest/, tests/fixtures/ping/). Each check id: PASS,
 * FAIL naming the student's own option text, SKIP when the console was
 * held, busy or the guest not asked. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/check_registry.h"
#include "checks/handbuilt_lab.h"
#include "checks/lab_plan.h"
#include "checks/qemu_cmdline_verdicts.h"
#include "checks/transcript.h"
#include "runner/util.h"
#include "runner/files.h"
#include "unit_helpers.h"

#define INDEX_SHA256 "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

static const char *const ch1_ids[] = { CHECK_CH1_QEMU_RUNNING,      CHECK_CH1_MEMORY_256M,
				       CHECK_CH1_ROOTFS_VIRTIO_BLK, CHECK_CH1_SERIAL_LOGIN_ROOT,
				       CHECK_CH1_SERIAL_LOGIN_STUDENT, CHECK_CH1_ONLY_LOOPBACK };
static const char *const ch2_ids[] = { CHECK_CH2_TAP_UP,	       CHECK_CH2_NIC_MAC,
				       CHECK_CH2_GUEST_IP,	       CHECK_CH2_PING_GUEST_TO_HOST,
				       CHECK_CH2_PING_HOST_TO_GUEST, CHECK_CH2_HTTP_200 };

/* Everything a test's facts point into. */
struct capture {
	struct qemu_cmdline cmd;
	struct check_result serial_verdict;
	struct ip_iface ifs[8];
	char *ping_out;
	char body[8];            /* what vlab's GET brought back */
	struct lab_facts f;
	struct check_result checks[6];
};

/* A lab as a student who did everything right leaves it: qemu of the
 * command line `cmdline`, the console free at a login prompt, root's and
 * student's logins, the guest's `ip a s` (guest/ip_a_s), its ping of the
 * host, the tap up, vlab's ICMP and GET answered. */
static struct capture *capture_new(const char *cmdline, const char *ip_a_s)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	/* NUL-separated, as /proc/PID/cmdline */
	char *p = xasprintf("%s/cmdline/%s.cmdline", FIXTURES, cmdline), *text;
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	assert_int_equal(qemu_cmdline_parse_proc(sb.buf, sb.len, &c->cmd), 0);
	sb_release(&sb);
	free(p);
	check_init(&c->serial_verdict, "serial");
	bool serial_ok = check_cmdline_serial(&c->serial_verdict, &c->cmd);
	p = xasprintf("guest/%s.txt", ip_a_s);
	text = fixture_text(p);
	int nifs = parse_ip_addr_show(text, c->ifs, 8);
	assert_true(nifs > 0);
	free(text);
	free(p);
	c->ping_out = fixture_text("ping/guest-busybox-ok.txt");
	snprintf(c->body, sizeof(c->body), "hello\n");
	c->f = (struct lab_facts){
		.cmd = &c->cmd, .pid = 4242, .state = 'S', .age_ms = 600000, .initrd_beside = "", .t_cmdline_ms = 3,
		.qmp_ok = true, .qmp_status = "running", .qmp_running = true,
		.qmp_memory_ok = true, .qmp_base_memory = LAB_MEMORY_BYTES,
		.host_ran = true, .ns_name = "network namespace vt-1", .ns_error = "",
		.tap = "tap0", .tap_held = "tap0", .tap_rc = 0,
		.tap_info = { .name = "tap0", .up = true, .carrier = true, .kind = "tun",
			      .addrs = { LAB_HOST_CIDR }, .naddrs = 1 },
		.icmp = { .sent = 3, .received = 3, .rtt_avg_ms = 0.5 }, .icmp_rc = 0,
		.http = { .status = 200, .body = c->body, .body_len = 6, .body_sha256 = INDEX_SHA256 },
		.http_rc = 0, .t_host_ms = 40,
		.serial_ok = serial_ok, .serial_verdict = &c->serial_verdict,
		.serial_path = "/home/s/serial.socket", .con = CON_FREE, .con_why = "", .con_seen = "",
		.asked = true, .shell_user = "root", .guest_error = "",
		.root_tried = true, .student_tried = true, .root_id = "root", .student_id = "student",
		.mounts_ok = true, .root_dev = "/dev/vda", .root_fstype = "ext4",
		.ip_read = true, .ifs = c->ifs, .nifs = nifs,
		.nics_ok = true, .nic_if = "eth0", .nic_driver = "e1000",
		.ping_ran = true, .ping_out = c->ping_out, .index_sha256 = INDEX_SHA256, .t_guest_ms = 900,
	};
	return c;
}

/* transcript_last_lines: the last non-empty lines joined, spaces and
 * carriage returns at their ends dropped, cut to fit */
static void test_console_last_lines(void **state)
{
	(void)state;
	char out[64];
	transcript_last_lines("a\r\n\nb  \r\nc\n\n", 2, out, sizeof(out));
	assert_string_equal(out, "b | c");
	transcript_last_lines("only", 3, out, sizeof(out));
	assert_string_equal(out, "only");
	transcript_last_lines("\n \n", 3, out, sizeof(out));
	assert_string_equal(out, "");
	char small[12];
	transcript_last_lines("first line\nsecond line", 2, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_contains(small, "...");
}

static void capture_free(struct capture *c)
{
	qemu_cmdline_release(&c->cmd);
	free(c->ping_out);
	free(c);
}

/* The console as vlab found it when it could not log in: st, why. */
static void console_not_used(struct capture *c, enum console_state st, const char *why)
{
	c->f.con = st;
	c->f.con_why = why;
	c->f.asked = c->f.root_tried = c->f.student_tried = false;
	c->f.root_id = c->f.student_id = c->f.shell_user = c->f.index_sha256 = "";
	c->f.mounts_ok = c->f.ip_read = c->f.nics_ok = c->f.ping_ran = false;
	c->f.nifs = 0;
}

static struct check_result *judge(struct capture *c, int chapter)
{
	const char *const *ids = chapter == 1 ? ch1_ids : ch2_ids;
	for (size_t i = 0; i < 6; i++)
		check_init(&c->checks[i], ids[i]);
	check_registry_judge_lab(&c->f, c->checks, 6);
	for (size_t i = 0; i < 6; i++)
		assert_true(c->checks[i].done);
	return c->checks;
}

static const struct check_result *get(struct capture *c, const char *id)
{
	struct check_result *r = check_find(c->checks, 6, id);
	assert_non_null(r);
	return r;
}

/* ---- chapter 1 ------------------------------------------------------------ */

static void test_ch1_all_pass(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	judge(c, 1);
	for (size_t i = 0; i < 6; i++)
		assert_verdict(&c->checks[i], VERDICT_PASS);
	assert_contains(get(c, CHECK_CH1_SERIAL_LOGIN_ROOT)->detail,
			"logged in as root over /home/s/serial.socket; `id -un` = root; logged out again");
	assert_contains(get(c, CHECK_CH1_SERIAL_LOGIN_STUDENT)->detail, "logged in as student");
	assert_contains(get(c, CHECK_CH1_ONLY_LOOPBACK)->detail, "in the guest: ");
	assert_int_equal(get(c, CHECK_CH1_ONLY_LOOPBACK)->duration_ms, 903);
	assert_int_equal(get(c, CHECK_CH1_QEMU_RUNNING)->duration_ms, 3);
	capture_free(c);
}

static void test_ch1_memory_512m(void **state)
{
	(void)state;
	struct capture *c = capture_new("m-512M", "busybox-ip-a-s-lo-only");
	judge(c, 1);
	const struct check_result *r = get(c, CHECK_CH1_MEMORY_256M);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "-m 512M");
	assert_verdict(get(c, CHECK_CH1_QEMU_RUNNING), VERDICT_PASS);
	capture_free(c);
}

/* QMP's word wins over a right command line */
static void test_ch1_memory_qmp_disagrees(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	c->f.qmp_base_memory = 512ULL << 20;
	judge(c, 1);
	const struct check_result *r = get(c, CHECK_CH1_MEMORY_256M);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "the command line is right, but ");
	capture_free(c);
}

static void test_ch1_qemu_stopped(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	c->f.state = 'T';
	c->f.qmp_ok = false;
	judge(c, 1);
	assert_verdict(get(c, CHECK_CH1_QEMU_RUNNING), VERDICT_FAIL);
	capture_free(c);
}

static void test_ch1_console_held(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	console_not_used(c, CON_HELD, "the serial console is held by socat (pid 42)");
	judge(c, 1);
	for (int student = 0; student < 2; student++) {
		const struct check_result *r =
			get(c, student ? CHECK_CH1_SERIAL_LOGIN_STUDENT : CHECK_CH1_SERIAL_LOGIN_ROOT);
		assert_verdict(r, VERDICT_SKIP);
		assert_contains(r->detail, "the serial console is held by socat (pid 42) (/home/s/serial.socket): "
					   "QEMU serves one client at a time");
	}
	/* the command line alone still passes, saying what was not read */
	const struct check_result *r = get(c, CHECK_CH1_ONLY_LOOPBACK);
	assert_verdict(r, VERDICT_PASS);
	assert_contains(r->detail, "; the guest's `ip a s` was not read: the serial console is held by socat (pid 42)");
	r = get(c, CHECK_CH1_ROOTFS_VIRTIO_BLK);
	assert_verdict(r, VERDICT_PASS);
	assert_contains(r->detail, "held by socat");
	capture_free(c);
}

static void test_ch1_console_busy_or_shell(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	console_not_used(c, CON_BUSY, "the serial console answered an Enter with neither prompt");
	judge(c, 1);
	const struct check_result *r = get(c, CHECK_CH1_SERIAL_LOGIN_ROOT);
	assert_verdict(r, VERDICT_SKIP);
	assert_contains(r->detail, "with neither prompt; only the outside checks ran");
	/* an open shell: read in it, no login */
	c->f.con = CON_SHELL;
	c->f.con_why = "a shell was already open on the console (as root): not logged in again";
	judge(c, 1);
	r = get(c, CHECK_CH1_SERIAL_LOGIN_STUDENT);
	assert_verdict(r, VERDICT_SKIP);
	assert_string_equal(r->detail, "a shell was already open on the console (as root): not logged in again");
	capture_free(c);
}

/* The lab's chapter-1 command as typed (no -initrd, console=hvc0) on the
 * image `vlab handout` writes, whose kernel needs its initrd: the guest
 * panics before any getty, nobody holds the socket, and it answers
 * nothing. Both logins FAIL naming the missing -initrd, never a SKIP. */
static void test_ch1_dead_guest_fails(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	console_not_used(c, CON_SILENT, "the serial console serial.socket answered none of vlab's Enters in 3 s, "
					"and no other client holds it");
	c->f.initrd_beside = "initrd.img";
	c->f.age_ms = 95000;
	judge(c, 1);
	for (int student = 0; student < 2; student++) {
		const struct check_result *r =
			get(c, student ? CHECK_CH1_SERIAL_LOGIN_STUDENT : CHECK_CH1_SERIAL_LOGIN_ROOT);
		assert_verdict(r, VERDICT_FAIL);
		assert_contains(r->detail, "answered none of vlab's Enters in 3 s, and no other client holds it; "
					   "qemu (pid 4242) still runs and QMP says the VM is running (started 95 s ago); "
					   "the console printed nothing; the command boots alpine-bzImage with no -initrd, "
					   "though initrd.img lies beside it");
		assert_contains(r->detail, "console=hvc0 sends the kernel's own messages (a panic among them) away "
					   "from the serial port");
		assert_string_equal(r->hint, "add -initrd initrd.img to qemu's command (the lab's Alpine kernel "
					     "needs none; this image's does)");
	}
	/* the outside checks still judge the command line */
	assert_verdict(get(c, CHECK_CH1_QEMU_RUNNING), VERDICT_PASS);
	assert_verdict(get(c, CHECK_CH1_MEMORY_256M), VERDICT_PASS);
	capture_free(c);
}

/* A console that printed a panic (console=ttyS0) is as dead; one whose
 * kernel needs no initrd gets the general hint; without QMP, qemu's state
 * is said as /proc has it. */
static void test_ch1_console_panic_or_closed(void **state)
{
	(void)state;
	struct capture *c = capture_new("hand-ch2-tcg", "busybox-ip-a-s-lo-only");
	console_not_used(c, CON_BUSY, "the serial console serial.socket answered vlab's Enters with neither a login "
				      "prompt nor a shell prompt (a program in the foreground?)");
	/* the kernel's own last lines, as the serial port printed them */
	char *panic = fixture_text("guest/console-panic-no-initrd.txt"), seen[320];
	transcript_last_lines(panic, 3, seen, sizeof(seen));
	free(panic);
	assert_string_equal(seen, "[    1.278843]  </TASK> | [    1.279854] Kernel Offset: disabled | [    1.280177] ---[ "
				  "end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---");
	c->f.con_seen = seen;
	c->f.qmp_ok = false;
	judge(c, 1);
	const struct check_result *r = get(c, CHECK_CH1_SERIAL_LOGIN_ROOT);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "; qemu (pid 4242) still runs (started 600 s ago); the console's last lines: '[    "
				   "1.278843]  </TASK> | [    1.279854] Kernel Offset: disabled | [    1.280177] ---[ end "
				   "Kernel panic");
	assert_contains(r->hint, "connect to its console at once");
	assert_null(strstr(r->detail, "-initrd"));
	assert_null(strstr(r->detail, "console=ttyS0 in -append they show")); /* it has console=ttyS0 */

	/* qemu exited while vlab read: the socket closed on it */
	console_not_used(c, CON_CLOSED, "the serial socket /home/s/serial.socket closed while vlab waited for an answer");
	c->f.con_seen = "";
	c->f.gone = true;
	judge(c, 1);
	r = get(c, CHECK_CH1_SERIAL_LOGIN_STUDENT);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "closed while vlab waited for an answer; qemu (pid 4242) exited while vlab read the "
				   "lab; the console printed nothing");
	r = get(c, CHECK_CH1_QEMU_RUNNING);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail, "qemu (pid 4242) exited while vlab read the lab");
	capture_free(c);
}

/* no serial port on a socket: both logins take the command line's FAIL,
 * each under its own id */
static void test_ch1_no_serial_socket(void **state)
{
	(void)state;
	struct capture *c = capture_new("no-isa-serial", "busybox-ip-a-s-lo-only");
	assert_false(c->f.serial_ok);
	console_not_used(c, CON_NONE, "the VM has no serial console on a UNIX socket");
	judge(c, 1);
	const struct check_result *r = get(c, CHECK_CH1_SERIAL_LOGIN_ROOT);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->id, CHECK_CH1_SERIAL_LOGIN_ROOT);
	assert_string_equal(r->detail, c->serial_verdict.detail);
	assert_string_equal(get(c, CHECK_CH1_SERIAL_LOGIN_STUDENT)->id, CHECK_CH1_SERIAL_LOGIN_STUDENT);
	capture_free(c);
}

static void test_ch1_login_refused_and_not_tried(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	c->f.root_rc = -EACCES;
	c->f.root_id = "";
	c->f.student_tried = false;
	c->f.guest_error = "logging in as root on the console failed (Connection reset by peer)";
	judge(c, 1);
	assert_verdict(get(c, CHECK_CH1_SERIAL_LOGIN_ROOT), VERDICT_FAIL);
	const struct check_result *r = get(c, CHECK_CH1_SERIAL_LOGIN_STUDENT);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail, "not tried: logging in as root on the console failed (Connection reset by peer)");
	capture_free(c);
}

static void test_ch1_only_loopback_fails(void **state)
{
	(void)state;
	/* the command line has no NIC, but the guest shows one */
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-eth0-up-addr");
	judge(c, 1);
	const struct check_result *r = get(c, CHECK_CH1_ONLY_LOOPBACK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "the command line is right, but in the guest: ");
	capture_free(c);
	/* the command line has chapter 2's NIC: named in its own words */
	c = capture_new("lab-ch2", "busybox-ip-a-s-lo-only");
	judge(c, 1);
	r = get(c, CHECK_CH1_ONLY_LOOPBACK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "e1000");
	capture_free(c);
}

/* the guest's own root says otherwise */
static void test_ch1_rootfs_guest_disagrees(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	c->f.root_dev = "/dev/sda";
	judge(c, 1);
	const struct check_result *r = get(c, CHECK_CH1_ROOTFS_VIRTIO_BLK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "simple_alpine_rootfs1.ext4");
	assert_contains(r->detail, "but the guest's / is /dev/sda (ext4), not /dev/vda");
	capture_free(c);
}

/* the checks of the array are judged, each by its row's verdict; one with
 * no verdict on a hand-built lab (teardown is a chapter run's), or no row,
 * is left alone */
static void test_ch1_partial_checks(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch1", "busybox-ip-a-s-lo-only");
	struct check_result three[3];
	check_init(&three[0], CHECK_CH1_MEMORY_256M);
	check_init(&three[1], CHECK_CH2_TEARDOWN_CLEAN);
	check_init(&three[2], "ch9.nope");
	check_registry_judge_lab(&c->f, three, 3);
	assert_verdict(&three[0], VERDICT_PASS);
	assert_false(three[1].done);
	assert_false(three[2].done);
	assert_null(check_find(three, 3, CHECK_CH1_QEMU_RUNNING));
	capture_free(c);
}

/* ---- chapter 2 ------------------------------------------------------------ */

static void test_ch2_all_pass(void **state)
{
	(void)state;
	static const char *const cmdlines[] = { "lab-ch2", "hand-ch2-tcg" };
	for (size_t k = 0; k < 2; k++) {
		struct capture *c = capture_new(cmdlines[k], "busybox-ip-a-s-eth0-up-addr");
		judge(c, 2);
		for (size_t i = 0; i < 6; i++)
			assert_verdict(&c->checks[i], VERDICT_PASS);
		assert_contains(get(c, CHECK_CH2_TAP_UP)->detail, " (in network namespace vt-1, where qemu holds tap0)");
		assert_contains(get(c, CHECK_CH2_NIC_MAC)->detail, "; in the guest: ");
		assert_int_equal(get(c, CHECK_CH2_HTTP_200)->duration_ms, 40);
		capture_free(c);
	}
}

static void test_ch2_wrong_mac(void **state)
{
	(void)state;
	struct capture *c = capture_new("wrong-mac", "busybox-ip-a-s-eth0-up-addr");
	judge(c, 2);
	const struct check_result *r = get(c, CHECK_CH2_NIC_MAC);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "mac=52:54:00:12:34:56");
	capture_free(c);
}

static void test_ch2_host_not_read(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch2", "busybox-ip-a-s-eth0-up-addr");
	c->f.host_ran = false;
	c->f.ns_error = "cannot enter qemu's network namespace: Operation not permitted";
	judge(c, 2);
	static const char *const host_ids[] = { CHECK_CH2_TAP_UP, CHECK_CH2_PING_HOST_TO_GUEST, CHECK_CH2_HTTP_200 };
	for (size_t i = 0; i < 3; i++) {
		const struct check_result *r = get(c, host_ids[i]);
		assert_verdict(r, VERDICT_SKIP);
		assert_string_equal(r->detail, "cannot enter qemu's network namespace: Operation not permitted");
	}
	assert_verdict(get(c, CHECK_CH2_GUEST_IP), VERDICT_PASS);
	capture_free(c);
}

static void test_ch2_tap(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch2", "busybox-ip-a-s-eth0-up-addr");
	c->f.tap_rc = -ENODEV;
	c->f.tap_held = "";
	judge(c, 2);
	const struct check_result *r = get(c, CHECK_CH2_TAP_UP);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "tap0");
	assert_contains(r->detail, " (in network namespace vt-1)");
	c->f.tap_rc = -EACCES;
	judge(c, 2);
	assert_verdict(get(c, CHECK_CH2_TAP_UP), VERDICT_ERROR);
	assert_contains(get(c, CHECK_CH2_TAP_UP)->detail, "cannot read tap0 in network namespace vt-1: ");
	/* up, but without the host's address */
	c->f.tap_rc = 0;
	c->f.tap_info.naddrs = 0;
	judge(c, 2);
	assert_verdict(get(c, CHECK_CH2_TAP_UP), VERDICT_FAIL);
	capture_free(c);
}

static void test_ch2_console_held(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch2", "busybox-ip-a-s-eth0-up-addr");
	console_not_used(c, CON_HELD, "the serial console is held by socat (pid 42)");
	judge(c, 2);
	const struct check_result *r = get(c, CHECK_CH2_GUEST_IP);
	assert_verdict(r, VERDICT_SKIP);
	assert_contains(r->detail, "the guest's addresses were not read: the serial console is held by socat (pid 42)"
				   "; stand-in: 10.0.0.10 answered 3/3 of vlab's ICMP echo requests");
	r = get(c, CHECK_CH2_PING_GUEST_TO_HOST);
	assert_verdict(r, VERDICT_SKIP);
	assert_string_equal(r->detail, "the guest's ping did not run: the serial console is held by socat (pid 42)");
	r = get(c, CHECK_CH2_NIC_MAC);
	assert_verdict(r, VERDICT_PASS);
	assert_contains(r->detail, "; the guest's /sys was not read: the serial console is held by socat (pid 42)");
	r = get(c, CHECK_CH2_HTTP_200);
	assert_verdict(r, VERDICT_PASS);
	assert_contains(r->detail, "(not compared with /root/index.html: the serial console is held by socat (pid 42))");
	/* and no ICMP answer either */
	c->f.icmp.received = 0;
	judge(c, 2);
	assert_contains(get(c, CHECK_CH2_GUEST_IP)->detail, "; and 10.0.0.10 answered none of vlab's ICMP echo requests");
	assert_verdict(get(c, CHECK_CH2_PING_HOST_TO_GUEST), VERDICT_FAIL);
	capture_free(c);
}

static void test_ch2_guest_side_fails(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch2", "busybox-ip-a-s-eth-down");
	free(c->ping_out);
	c->ping_out = fixture_text("ping/guest-busybox-loss-100.txt");
	c->f.ping_out = c->ping_out;
	judge(c, 2);
	assert_verdict(get(c, CHECK_CH2_GUEST_IP), VERDICT_FAIL);
	assert_verdict(get(c, CHECK_CH2_PING_GUEST_TO_HOST), VERDICT_FAIL);
	capture_free(c);
}

/* busybox's ping needs root: a student's shell is not the lab's fault */
static void test_ch2_ping_needs_root(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch2", "busybox-ip-a-s-eth0-up-addr");
	c->f.shell_user = "student";
	c->f.ping_out = "ping: permission denied (are you root?)\n";
	judge(c, 2);
	const struct check_result *r = get(c, CHECK_CH2_PING_GUEST_TO_HOST);
	assert_verdict(r, VERDICT_SKIP);
	assert_string_equal(r->detail, "the guest's ping needs root, and the shell vlab had was student's");
	capture_free(c);
}

static void test_ch2_http(void **state)
{
	(void)state;
	struct capture *c = capture_new("lab-ch2", "busybox-ip-a-s-eth0-up-addr");
	/* 200 with an empty body, index.html unread */
	c->f.index_sha256 = "";
	c->f.http.body_len = 0;
	judge(c, 2);
	const struct check_result *r = get(c, CHECK_CH2_HTTP_200);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail, "GET http://10.0.0.10:8000/ -> 200 with an empty body");
	assert_contains(r->hint, "httpd -p 8000 -h /root");
	/* another page than /root/index.html */
	c->f.http.body_len = 6;
	c->f.index_sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	judge(c, 2);
	assert_verdict(get(c, CHECK_CH2_HTTP_200), VERDICT_FAIL);
	/* nothing listens */
	c->f.index_sha256 = INDEX_SHA256;
	c->f.http.status = 0;
	c->f.http_rc = -ECONNREFUSED;
	judge(c, 2);
	assert_verdict(get(c, CHECK_CH2_HTTP_200), VERDICT_FAIL);
	capture_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ch1_all_pass),
		cmocka_unit_test(test_ch1_memory_512m),
		cmocka_unit_test(test_ch1_memory_qmp_disagrees),
		cmocka_unit_test(test_ch1_qemu_stopped),
		cmocka_unit_test(test_ch1_console_held),
		cmocka_unit_test(test_ch1_console_busy_or_shell),
		cmocka_unit_test(test_console_last_lines),
		cmocka_unit_test(test_ch1_dead_guest_fails),
		cmocka_unit_test(test_ch1_console_panic_or_closed),
		cmocka_unit_test(test_ch1_no_serial_socket),
		cmocka_unit_test(test_ch1_login_refused_and_not_tried),
		cmocka_unit_test(test_ch1_only_loopback_fails),
		cmocka_unit_test(test_ch1_rootfs_guest_disagrees),
		cmocka_unit_test(test_ch1_partial_checks),
		cmocka_unit_test(test_ch2_all_pass),
		cmocka_unit_test(test_ch2_wrong_mac),
		cmocka_unit_test(test_ch2_host_not_read),
		cmocka_unit_test(test_ch2_tap),
		cmocka_unit_test(test_ch2_console_held),
		cmocka_unit_test(test_ch2_guest_side_fails),
		cmocka_unit_test(test_ch2_ping_needs_root),
		cmocka_unit_test(test_ch2_http),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
