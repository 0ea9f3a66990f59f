/* checks/handbuilt_two_vms: chapter 3's verdicts on two VMs built by hand,
 * from facts made of real captures: the argv bash hands qemu for the
 * course's runqemu_two_vms.sh (tests/fixtures/cmdline/course-vm*.cmdline),
 * each guest's `ip a s` (tests/fixtures/guest/), VM1's pings
 * (tests/fixtures/ping/), VM2's /proc/net/tcp and tcp6
 * (tests/fixtures/procfs/) and saved iperf3 client runs
 * (tests/fixtures/iperf/); the links' counters around VM1's session as
 * rtnetlink gives them. Includes the crossed plan: right pings, carried
 * over the other link. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/handbuilt_lab.h"
#include "checks/handbuilt_two_vms.h"
#include "checks/lab_plan.h"
#include "runner/util.h"
#include "unit_helpers.h"

#define NCHECKS 8

static const char *const ids[NCHECKS] = {
	CHECK_CH3_VM1_COMMAND_LINE, CHECK_CH3_VM2_COMMAND_LINE, CHECK_CH3_BRIDGES,	   CHECK_CH3_TAPS_ATTACHED,
	CHECK_CH3_GUEST_ADDRESSES,  CHECK_CH3_PING_E1000_LINK,	CHECK_CH3_PING_VIRTIO_LINK, CHECK_CH3_IPERF_SERVER,
};

/* Everything a test's facts point into. */
struct capture {
	struct qemu_cmdline cmd[2];
	char *text[2][3];            /* what each guest's commands printed */
	struct net_link_info before[6], after[6];
	struct two_vm_facts f;
	struct check_result checks[NCHECKS];
};

/* text with every "from" replaced by "to" */
static char *swap(const char *text, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = text; *p;) {
		const char *m = strstr(p, from);
		if (!m) {
			sb_adds(&sb, p);
			break;
		}
		sb_add(&sb, p, (size_t)(m - p));
		sb_adds(&sb, to);
		p = m + strlen(from);
	}
	char *out = xstrdup(sb_str(&sb));
	sb_release(&sb);
	return out;
}

static void load_cmdline(const char *name, struct qemu_cmdline *c)
{
	char *p = xasprintf("%s/cmdline/%s.cmdline", FIXTURES, name);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	assert_int_equal(qemu_cmdline_parse_proc(sb.buf, sb.len, c), 0);
	sb_release(&sb);
	free(p);
}

/* A link of the qemus' namespace; bytes: its counters. */
static struct net_link_info link_of(const char *name, const char *kind, const char *master, uint64_t bytes)
{
	struct net_link_info l = { .up = true, .carrier = true, .rx_bytes = bytes, .tx_bytes = bytes };
	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.kind, sizeof(l.kind), "%s", kind);
	snprintf(l.master, sizeof(l.master), "%s", master);
	return l;
}

/* The lab as the course's script builds it, both guests asked as root:
 * each tap moved `carried` bytes each way over VM1's session. */
static struct capture *capture_new(uint64_t carried)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	load_cmdline("course-vm1", &c->cmd[0]);
	load_cmdline("course-vm2", &c->cmd[1]);
	c->text[0][0] = fixture_text("guest/busybox-ip-a-s-ch3-vm1.txt");
	c->text[0][1] = fixture_text("ping/guest-busybox-ok.txt");
	c->text[0][2] = fixture_text("ping/guest-busybox-ok.txt");
	c->text[1][0] = fixture_text("guest/busybox-ip-a-s-ch3-vm2.txt");
	c->text[1][1] = fixture_text("procfs/net-tcp-iperf3-server-dual.txt");
	c->text[1][2] = fixture_text("procfs/net-tcp6-iperf3-server-dual.txt");
	static const char *const taps[4] = { "tap0", "tap1", "tap2", "tap3" };
	static const char *const masters[4] = { "br0", "br1", "br0", "br1" };
	c->before[0] = link_of("br0", "bridge", "", 5000);
	c->before[1] = link_of("br1", "bridge", "", 5000);
	c->after[0] = c->before[0];
	c->after[1] = c->before[1];
	for (int k = 0; k < 4; k++) {
		c->before[2 + k] = link_of(taps[k], "tun", masters[k], 1000);
		c->after[2 + k] = link_of(taps[k], "tun", masters[k], 1000 + carried);
	}
	for (int v = 0; v < 2; v++) {
		struct two_vm_guest_facts *g = &c->f.vm[v];
		g->cmd = &c->cmd[v];
		g->pid = v ? 202 : 101;
		g->asked = true;
		g->guest_error = g->con_why = "";
		for (int k = 0; k < 6; k++)
			g->out[k] = k < 3 ? c->text[v][k] : "";
		g->only_ran = 3;
		g->taps[0] = taps[2 * v];
		g->taps[1] = taps[2 * v + 1];
		g->ntaps = 2;
	}
	c->f.missing = "";
	c->f.ns_ok = true;
	c->f.ns_error = "";
	c->f.before = c->before;
	c->f.after = c->after;
	c->f.nbefore = c->f.nafter = 6;
	return c;
}

static void capture_free(struct capture *c)
{
	for (int v = 0; v < 2; v++) {
		qemu_cmdline_release(&c->cmd[v]);
		for (int k = 0; k < 3; k++)
			free(c->text[v][k]);
	}
	free(c);
}

static void judge(struct capture *c)
{
	for (size_t i = 0; i < NCHECKS; i++)
		check_init(&c->checks[i], ids[i]);
	two_vm_verdict_hosts(&c->f, c->checks, NCHECKS);
	two_vm_verdict_guests(&c->f, c->checks, NCHECKS);
	for (size_t i = 0; i < NCHECKS; i++)
		assert_true(c->checks[i].done);
}

static const struct check_result *get(struct capture *c, const char *id)
{
	struct check_result *r = check_find(c->checks, NCHECKS, id);
	assert_non_null(r);
	return r;
}

static void test_course_lab_passes(void **state)
{
	(void)state;
	struct capture *c = capture_new(400);
	judge(c);
	for (size_t i = 0; i < NCHECKS; i++)
		assert_verdict(&c->checks[i], VERDICT_PASS);
	assert_contains(get(c, CHECK_CH3_PING_E1000_LINK)->detail,
			"; the e1000 link carried it both ways (tap0: 400 bytes from VM1, tap2: 400 bytes from VM2)");
	assert_contains(get(c, CHECK_CH3_PING_VIRTIO_LINK)->detail, "VM1 -> 10.0.1.11 over virtio: 3/3 replies");
	assert_contains(get(c, CHECK_CH3_TAPS_ATTACHED)->detail, "VM1's qemu (pid 101) holds tap0 and tap1");
	capture_free(c);
}

/* VM1's addresses on the wrong NICs: its pings still answered, but the
 * e1000 link's taps moved nothing, the virtio link's carried both */
static void test_crossed_addresses(void **state)
{
	(void)state;
	struct capture *c = capture_new(0);
	char *t = swap(c->text[0][0], "10.0.0.10/24", "X"), *u = swap(t, "10.0.1.10/24", "10.0.0.10/24");
	free(t);
	free(c->text[0][0]);
	c->text[0][0] = swap(u, "X", "10.0.1.10/24");
	free(u);
	c->f.vm[0].out[0] = c->text[0][0];
	for (int k = 0; k < 6; k++)
		if (!strcmp(c->after[k].name, "tap1") || !strcmp(c->after[k].name, "tap3"))
			c->after[k].rx_bytes = c->after[k].tx_bytes = 1000 + 800;
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_GUEST_ADDRESSES);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "the links are crossed in VM1");
	r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "but the e1000 link (tap0, br0, tap2) did not carry it either way: tap0 moved 0 bytes "
				   "out of VM1 and tap2 0 out of VM2");
	assert_contains(r->hint, "a crossed plan sends the traffic over the other bridge");
	assert_verdict(get(c, CHECK_CH3_PING_VIRTIO_LINK), VERDICT_PASS);
	/* one way only */
	for (int k = 0; k < 6; k++)
		if (!strcmp(c->after[k].name, "tap0"))
			c->after[k].rx_bytes = 1000 + 800;
	for (int k = 0; k < 6; k++)
		if (!strcmp(c->after[k].name, "tap2"))
			c->after[k].tx_bytes = 1000 + 800;
	judge(c);
	assert_contains(get(c, CHECK_CH3_PING_E1000_LINK)->detail, "did not carry it back");
	capture_free(c);
}

/* VM2 not found: its checks, and those needing both, fail saying so */
static void test_vm2_missing(void **state)
{
	(void)state;
	struct capture *c = capture_new(400);
	c->f.vm[1].cmd = NULL;
	c->f.missing = "no qemu fits VM2 (running: pid 101, VM1)";
	judge(c);
	assert_verdict(get(c, CHECK_CH3_VM1_COMMAND_LINE), VERDICT_PASS);
	static const char *const failing[] = { CHECK_CH3_VM2_COMMAND_LINE, CHECK_CH3_TAPS_ATTACHED,
					       CHECK_CH3_GUEST_ADDRESSES,  CHECK_CH3_PING_E1000_LINK,
					       CHECK_CH3_PING_VIRTIO_LINK, CHECK_CH3_IPERF_SERVER };
	for (size_t i = 0; i < ARRAY_SIZE(failing); i++) {
		const struct check_result *r = get(c, failing[i]);
		assert_verdict(r, VERDICT_FAIL);
		assert_string_equal(r->detail, "no qemu fits VM2 (running: pid 101, VM1)");
	}
	assert_contains(get(c, CHECK_CH3_VM2_COMMAND_LINE)->hint, "runqemu_two_vms.sh");
	capture_free(c);
}

static void test_namespace_unread(void **state)
{
	(void)state;
	struct capture *c = capture_new(400);
	c->f.ns_ok = false;
	c->f.ns_error = "cannot enter qemu's network namespace: Operation not permitted";
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_BRIDGES);
	assert_verdict(r, VERDICT_SKIP);
	assert_string_equal(r->detail, "cannot enter qemu's network namespace: Operation not permitted");
	c->f.ns_error = "";
	judge(c);
	assert_string_equal(get(c, CHECK_CH3_BRIDGES)->detail, "the qemus' network namespace was not read");
	/* read, and tap3 left out of br1 */
	c->f.ns_ok = true;
	for (int k = 0; k < 6; k++)
		if (!strcmp(c->after[k].name, "tap3"))
			c->after[k].master[0] = '\0';
	judge(c);
	assert_verdict(get(c, CHECK_CH3_BRIDGES), VERDICT_FAIL);
	assert_contains(get(c, CHECK_CH3_BRIDGES)->detail, "tap3");
	capture_free(c);
}

static void test_taps_held_by_the_other(void **state)
{
	(void)state;
	struct capture *c = capture_new(400);
	c->f.vm[0].taps[0] = "tap2";
	c->f.vm[1].taps[0] = "tap0";
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_TAPS_ATTACHED);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail, "tap0 is held by VM2's qemu (pid 202), not by VM1's (pid 101)");
	capture_free(c);
}

/* VM1's console held; VM2's stopped after `ip a s` */
static void test_guests_not_asked(void **state)
{
	(void)state;
	struct capture *c = capture_new(400);
	c->f.vm[0].asked = false;
	c->f.vm[0].only_ran = 0;
	c->f.vm[0].con_why = "the serial console is held by socat (pid 42)";
	c->f.vm[1].only_ran = 1;
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_SKIP);
	assert_string_equal(r->detail, "VM1's guest was not asked: the serial console is held by socat (pid 42)");
	r = get(c, CHECK_CH3_GUEST_ADDRESSES);
	assert_verdict(r, VERDICT_SKIP);
	assert_contains(r->detail, "VM1's guest was not asked: the serial console is held by socat (pid 42)");
	r = get(c, CHECK_CH3_IPERF_SERVER);
	assert_verdict(r, VERDICT_SKIP);
	assert_contains(r->detail, "the console stopped answering");
	/* VM1 asked, but its console went away during the pings */
	c->f.vm[0].asked = true;
	c->f.vm[0].only_ran = 2;
	c->f.vm[0].guest_error = "the guest stopped answering `ping -c 3 10.0.1.11` on the console (Timer expired)";
	judge(c);
	assert_contains(get(c, CHECK_CH3_PING_VIRTIO_LINK)->detail, "the guest stopped answering `ping -c 3 10.0.1.11`");
	c->f.vm[0].guest_error = "";
	judge(c);
	assert_verdict(get(c, CHECK_CH3_PING_E1000_LINK), VERDICT_PASS);
	assert_string_equal(get(c, CHECK_CH3_PING_VIRTIO_LINK)->detail,
			    "VM1's guest was not asked: the console stopped answering");
	capture_free(c);
}

static void test_iperf_server_port(void **state)
{
	(void)state;
	struct capture *c = capture_new(400);
	free(c->text[1][1]);
	free(c->text[1][2]);
	c->text[1][1] = fixture_text("procfs/net-tcp-iperf3-server-4-port5202.txt");
	c->text[1][2] = xstrdup("");
	c->f.vm[1].out[1] = c->text[1][1];
	c->f.vm[1].out[2] = c->text[1][2];
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_IPERF_SERVER);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->hint, "iperf3 -s -D");
	capture_free(c);
}

/* ---- the saved client runs ------------------------------------------------ */

static void run_of(const char *name, struct two_vm_iperf_run *run)
{
	memset(run, 0, sizeof(*run));
	run->file = name;
	run->parse_rc = -EINVAL;
	if (!name)
		return;
	char *p = xasprintf("%s/iperf/%s", FIXTURES, name);
	struct strbuf sb = STRBUF_INIT;
	run->read_rc = read_file(p, &sb);
	if (!run->read_rc)
		run->parse_rc = iperf_parse(sb_str(&sb), sb.len, &run->res);
	sb_release(&sb);
	free(p);
}

static void judge_iperf(const char *e1000, const char *virtio, struct check_result out[3])
{
	struct two_vm_iperf_run runs[2];
	run_of(e1000, &runs[0]);
	run_of(virtio, &runs[1]);
	check_init(&out[0], CHECK_CH3_IPERF_E1000);
	check_init(&out[1], CHECK_CH3_IPERF_VIRTIO);
	check_init(&out[2], CHECK_CH3_VIRTIO_FASTER);
	two_vm_verdict_iperf(runs, out, 3);
	for (int k = 0; k < 3; k++)
		assert_true(out[k].done);
}

static void test_iperf_runs(void **state)
{
	(void)state;
	struct check_result r[3];
	judge_iperf("client-e1000-t5.json", "client-virtio-t5.json", r);
	assert_verdict(&r[0], VERDICT_PASS);
	assert_verdict(&r[1], VERDICT_PASS);
	assert_verdict(&r[2], VERDICT_PASS);
	assert_contains(r[2].detail, "virtio-net 4.48 Gbit/s, e1000 1.41 Gbit/s");
	/* the e1000 run as both: compared, and not faster */
	judge_iperf("client-e1000-t5.json", "client-e1000-t5.json", r);
	assert_verdict(&r[1], VERDICT_FAIL);
	assert_contains(r[2].detail, "a saved run did not pass its own check");
	/* the runs swapped: each names the other link, and they are not compared */
	judge_iperf("client-virtio-t5.json", "client-e1000-t5.json", r);
	assert_verdict(&r[0], VERDICT_FAIL);
	assert_contains(r[0].detail, "went over the virtio link, not the e1000 link");
	assert_verdict(&r[1], VERDICT_FAIL);
	assert_contains(r[2].detail, "a saved run did not pass its own check");
	/* one given: the other SKIP naming its option, no comparison */
	judge_iperf("client-e1000-t5.json", NULL, r);
	assert_verdict(&r[0], VERDICT_PASS);
	assert_verdict(&r[1], VERDICT_SKIP);
	assert_contains(r[1].detail, "give --iperf-virtio FILE");
	assert_verdict(&r[2], VERDICT_SKIP);
	assert_string_equal(r[2].detail,
			    "needs both saved client runs: give --iperf-e1000 FILE and --iperf-virtio FILE");
	/* a file that cannot be read */
	judge_iperf("no-such-run.json", "client-virtio-t5.json", r);
	assert_verdict(&r[0], VERDICT_FAIL);
	assert_contains(r[0].detail, "cannot read no-such-run.json: No such file or directory");
	assert_verdict(&r[1], VERDICT_PASS);
	assert_contains(r[2].detail, "a saved run did not pass its own check");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_course_lab_passes),
		cmocka_unit_test(test_crossed_addresses),
		cmocka_unit_test(test_vm2_missing),
		cmocka_unit_test(test_namespace_unread),
		cmocka_unit_test(test_taps_held_by_the_other),
		cmocka_unit_test(test_guests_not_asked),
		cmocka_unit_test(test_iperf_server_port),
		cmocka_unit_test(test_iperf_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
