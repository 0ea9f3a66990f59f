/* checks/handbuilt_two_vms: chapter 3's verdicts on two VMs built by hand,
 * from facts made of real captures: the argv bash hands qemu for the
 * course's runqemu_two_vms.sh (tests/fixtures/cmdline/course-vm*.cmdline),
 * each guest's `ip a s` (tests/fixtures/guest/), VM1's pings
 * (tests/fixtures/ping/), VM2's /proc/net/tcp and tcp6
 * (tests/fixtures/procfs/) and saved iperf3 client runs
 * (tests/fixtures/iperf/); the links' counters around each of VM1's pings
 * as rtnetlink gives them. Includes the crossed plans: pings answered, their
 * requests or their replies carried over the other link. */
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
#include "checks/handbuilt_two_vms.h"
#include "checks/lab_plan.h"
#include "runner/util.h"
#include "runner/files.h"
#include "unit_helpers.h"

#define NCHECKS 8

static const char *const ids[NCHECKS] = {
	CHECK_CH3_VM1_COMMAND_LINE, CHECK_CH3_VM2_COMMAND_LINE, CHECK_CH3_BRIDGES,	   CHECK_CH3_TAPS_ATTACHED,
	CHECK_CH3_GUEST_ADDRESSES,  CHECK_CH3_PING_E1000_LINK,	CHECK_CH3_PING_VIRTIO_LINK, CHECK_CH3_IPERF_SERVER,
};

/* The taps, as the namespace's readings hold them after br0 and br1. */
enum { TAP0, TAP1, TAP2, TAP3 }; /* VM1's e1000, VM1's virtio, VM2's e1000, VM2's virtio */
static const char *const tap_names[4] = { "tap0", "tap1", "tap2", "tap3" };

/* Everything a test's facts point into. */
struct capture {
	struct qemu_cmdline cmd[2];
	char *text[2][3];            /* what each guest's commands printed */
	/* what each tap counted during each of VM1's pings: [ping][tap][0] the
	 * bytes it received (from its VM), [1] those it sent (to its VM) */
	uint64_t moved[2][4][2];
	/* the namespace's links read before the e1000 ping, between the
	 * pings, after the virtio ping: br0, br1, tap0..tap3 */
	struct net_link_info around[3][6];
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

/* During ping w, the taps of the link req (0 e1000, 1 virtio) carried
 * `bytes` of requests, and those of the link rep as many of replies. */
static void ping_moved(struct capture *c, int w, int req, int rep, uint64_t bytes)
{
	c->moved[w][TAP0 + req][0] += bytes; /* VM1 sent the requests */
	c->moved[w][TAP2 + req][1] += bytes; /* and VM2 got them */
	c->moved[w][TAP2 + rep][0] += bytes; /* VM2 sent the replies */
	c->moved[w][TAP0 + rep][1] += bytes; /* and VM1 got them */
}

/* The readings' counters: 1000 bytes each way at the first, then what
 * each ping moved. */
static void readings(struct capture *c)
{
	for (int r = 0; r < 3; r++) {
		for (int t = 0; t < 4; t++) {
			struct net_link_info *l = &c->around[r][2 + t];
			l->rx_bytes = l->tx_bytes = 1000;
			for (int w = 0; w < r; w++) {
				l->rx_bytes += c->moved[w][t][0];
				l->tx_bytes += c->moved[w][t][1];
			}
		}
	}
}

/* The lab as the course's script builds it, both guests asked as root:
 * each ping's requests and replies, `carried` bytes each, crossed its own
 * link and nothing crossed the other. */
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
	static const char *const masters[4] = { "br0", "br1", "br0", "br1" };
	for (int r = 0; r < 3; r++) {
		c->around[r][0] = link_of("br0", "bridge", "", 5000);
		c->around[r][1] = link_of("br1", "bridge", "", 5000);
		for (int t = 0; t < 4; t++)
			c->around[r][2 + t] = link_of(tap_names[t], "tun", masters[t], 1000);
	}
	ping_moved(c, 0, 0, 0, carried);
	ping_moved(c, 1, 1, 1, carried);
	for (int v = 0; v < 2; v++) {
		struct two_vm_guest_facts *g = &c->f.vm[v];
		g->cmd = &c->cmd[v];
		g->pid = v ? 202 : 101;
		g->asked = true;
		g->guest_error = g->con_why = g->con_seen = g->qmp_status = "";
		for (int k = 0; k < 6; k++)
			g->out[k] = k < 3 ? c->text[v][k] : "";
		g->only_ran = 3;
		g->taps[0] = tap_names[2 * v];
		g->taps[1] = tap_names[2 * v + 1];
		g->ntaps = 2;
	}
	c->f.missing = "";
	c->f.ns_ok = true;
	c->f.ns_error = "";
	c->f.links = c->around[2];
	c->f.nlinks = 6;
	for (int w = 0; w < 2; w++)
		c->f.ping[w] = (struct two_vm_window){ c->around[w], c->around[w + 1], 6, 6 };
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
	readings(c);
	for (size_t i = 0; i < NCHECKS; i++)
		check_init(&c->checks[i], ids[i]);
	check_registry_judge_two_vms(&c->f, c->checks, NCHECKS);
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
	assert_contains(get(c, CHECK_CH3_PING_VIRTIO_LINK)->detail,
			"VM1 -> 10.0.1.11 over virtio: 3/3 replies, rtt avg 0.85 ms; the virtio link carried it both ways "
			"(tap1: 400 bytes from VM1, tap3: 400 bytes from VM2)");
	assert_contains(get(c, CHECK_CH3_TAPS_ATTACHED)->detail, "VM1's qemu (pid 101) holds tap0 and tap1");
	capture_free(c);
}

/* text with two addresses traded */
static char *trade(const char *text, const char *a, const char *b)
{
	char *t = swap(text, a, "X"), *u = swap(t, b, a), *out = swap(u, "X", b);
	free(t);
	free(u);
	return out;
}

/* VM2's addresses crossed, as measured on the lab (tests/integration/
 * verify_two_vms.sh, each ping's window read alone): VM1's e1000 ping
 * reaches VM2's e1000 NIC (it answers ARP for any address of its own),
 * and VM2 answers from its virtio NIC, which holds 10.0.0.11: the replies
 * (and an ARP request, 42 bytes) come back over the virtio link; the
 * virtio ping the other way round. Both pings get their 3 replies; read
 * over VM1's whole session, each link's taps showed 354 bytes each way. */
static void test_vm2_crossed(void **state)
{
	(void)state;
	struct capture *c = capture_new(0);
	char *t = trade(c->text[1][0], "10.0.0.11/24", "10.0.1.11/24");
	free(c->text[1][0]);
	c->text[1][0] = t;
	c->f.vm[1].out[0] = t;
	memset(c->moved, 0, sizeof(c->moved));
	static const uint64_t measured[2][4][2] = {
		{ { 294, 0 }, { 42, 336 }, { 0, 294 }, { 336, 42 } },   /* the e1000 ping: tap0..tap3, rx and tx */
		{ { 60, 354 }, { 364, 0 }, { 354, 60 }, { 0, 364 } },   /* the virtio ping */
	};
	memcpy(c->moved, measured, sizeof(measured));
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_GUEST_ADDRESSES);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "the links are crossed in VM2");
	r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail,
			    "VM1 -> 10.0.0.11 over e1000: 3/3 replies, rtt avg 0.85 ms; its requests crossed the e1000 "
			    "link (tap0 received 294 bytes from VM1 and tap2 sent 294 to VM2), but its replies came back "
			    "over the virtio link (tap3 received 336 bytes from VM2 and tap1 sent 336 to VM1): the e1000 "
			    "link (tap0, br0, tap2) did not carry it both ways");
	assert_contains(r->hint, "ch3.guest_addresses");
	assert_contains(r->hint, "found by MAC");
	r = get(c, CHECK_CH3_PING_VIRTIO_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "its requests crossed the virtio link (tap1 received 364 bytes from VM1 and tap3 "
				   "sent 364 to VM2), but its replies came back over the e1000 link (tap2 received 354 "
				   "bytes from VM2 and tap0 sent 354 to VM1)");
	assert_null(strstr(r->detail, "carried it both ways"));
	assert_contains(r->hint, "ch3.guest_addresses");
	capture_free(c);
}

/* VM1's addresses crossed: its e1000 ping leaves by its virtio NIC, which
 * holds 10.0.0.10, and VM2 answers over the e1000 link */
static void test_vm1_crossed(void **state)
{
	(void)state;
	struct capture *c = capture_new(0);
	char *t = trade(c->text[0][0], "10.0.0.10/24", "10.0.1.10/24");
	free(c->text[0][0]);
	c->text[0][0] = t;
	c->f.vm[0].out[0] = t;
	ping_moved(c, 0, 1, 0, 294);
	ping_moved(c, 1, 0, 1, 294);
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_GUEST_ADDRESSES);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "the links are crossed in VM1");
	r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "; its requests went over the virtio link (tap1 received 294 bytes from VM1 and tap3 "
				   "sent 294 to VM2), but its replies crossed the e1000 link (tap2 received 294 bytes "
				   "from VM2 and tap0 sent 294 to VM1): the e1000 link (tap0, br0, tap2) did not carry "
				   "it both ways");
	assert_contains(r->hint, "ch3.guest_addresses");
	assert_verdict(get(c, CHECK_CH3_PING_VIRTIO_LINK), VERDICT_FAIL);
	/* both ways over the other link */
	memset(c->moved, 0, sizeof(c->moved));
	ping_moved(c, 0, 1, 1, 294);
	judge(c);
	r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "its requests went over the virtio link (tap1 received 294 bytes from VM1 and tap3 "
				   "sent 294 to VM2), and its replies came back over the virtio link");
	capture_free(c);
}

/* A ping answered, but neither link's taps saw all of it (the e1000
 * link's carried only two replies of three) */
static void test_ping_carried_by_neither(void **state)
{
	(void)state;
	struct capture *c = capture_new(0);
	ping_moved(c, 0, 0, 0, 196);
	c->moved[0][TAP0][0] = c->moved[0][TAP2][1] = 294;
	ping_moved(c, 1, 1, 1, 294);
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "its requests crossed the e1000 link (tap0 received 294 bytes from VM1 and tap2 sent "
				   "294 to VM2), but its replies crossed neither link whole (tap2 received 196 bytes from "
				   "VM2 and tap0 sent 196 to VM1; tap3 received 0 bytes from VM2 and tap1 sent 0 to VM1)");
	assert_contains(r->hint, "ch3.bridges");
	assert_verdict(get(c, CHECK_CH3_PING_VIRTIO_LINK), VERDICT_PASS);
	/* a ping with a reply lost: its two replies are all the link owes */
	free(c->text[0][1]);
	c->text[0][1] = fixture_text("ping/busybox-veth-partial-50.txt");
	c->f.vm[0].out[1] = c->text[0][1];
	c->moved[0][TAP0][0] = c->moved[0][TAP2][1] = 4 * 98;
	judge(c);
	r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_PASS);
	assert_contains(r->detail, "2/4 replies");
	assert_contains(r->detail, "the e1000 link carried it both ways (tap0: 392 bytes from VM1, tap2: 196 bytes "
				   "from VM2)");
	capture_free(c);
}

/* The counters around a ping not read: its replies prove no link */
static void test_ping_window_unread(void **state)
{
	(void)state;
	struct capture *c = capture_new(400);
	c->f.ping[0].nbefore = 0;
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_SKIP);
	assert_string_equal(r->detail, "VM1 -> 10.0.0.11 over e1000: 3/3 replies, rtt avg 0.85 ms; which link carried "
				       "it is not known: the taps' counters around it were not read (the qemus' "
				       "network namespace was not read)");
	assert_verdict(get(c, CHECK_CH3_PING_VIRTIO_LINK), VERDICT_PASS);
	c->f.ping[0].nbefore = 6;
	c->f.ping[1].nafter = 0;
	judge(c);
	assert_verdict(get(c, CHECK_CH3_PING_E1000_LINK), VERDICT_PASS);
	assert_verdict(get(c, CHECK_CH3_PING_VIRTIO_LINK), VERDICT_SKIP);
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
	/* as the gatherer leaves them: nothing read */
	c->f.ns_ok = false;
	c->f.ns_error = "cannot enter qemu's network namespace: Operation not permitted";
	c->f.nlinks = 0;
	for (int w = 0; w < 2; w++)
		c->f.ping[w].nbefore = c->f.ping[w].nafter = 0;
	judge(c);
	const struct check_result *r = get(c, CHECK_CH3_BRIDGES);
	assert_verdict(r, VERDICT_SKIP);
	assert_string_equal(r->detail, "cannot enter qemu's network namespace: Operation not permitted");
	for (int k = 0; k < 2; k++) {
		r = get(c, k ? CHECK_CH3_PING_VIRTIO_LINK : CHECK_CH3_PING_E1000_LINK);
		assert_verdict(r, VERDICT_SKIP);
		assert_contains(r->detail, "3/3 replies");
		assert_contains(r->detail, "which link carried it is not known: the taps' counters around it were not "
					   "read (cannot enter qemu's network namespace: Operation not permitted)");
	}
	c->f.ns_error = "";
	judge(c);
	assert_string_equal(get(c, CHECK_CH3_BRIDGES)->detail, "the qemus' network namespace was not read");
	/* read, and tap3 left out of br1 */
	c->f.ns_ok = true;
	c->f.nlinks = 6;
	for (int k = 0; k < 6; k++)
		if (!strcmp(c->around[2][k].name, "tap3"))
			c->around[2][k].master[0] = '\0';
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
	/* VM1's guest gave no prompt in the boot wait, its console free: the
	 * VM never came up, which fails (as a single VM's dead console does),
	 * saying where its boot was */
	c->f.vm[0].asked = false;
	c->f.vm[0].only_ran = 0;
	c->f.vm[0].con = CON_SILENT;
	c->f.vm[0].con_why = "no login prompt on the serial console within 90 s (Connection timed out)";
	c->f.vm[0].con_seen = "[    1.204] Run /init as init process";
	judge(c);
	r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail, "VM1's guest never came up: no login prompt on the serial console within 90 s "
				       "(Connection timed out); the console's last lines: '[    1.204] Run /init as "
				       "init process'");
	assert_contains(r->hint, "console=ttyS0");
	r = get(c, CHECK_CH3_GUEST_ADDRESSES);
	assert_verdict(r, VERDICT_FAIL);
	assert_contains(r->detail, "VM1's guest never came up: no login prompt");
	/* and what QMP said of the VM after the wait (here: a -S never let go) */
	c->f.vm[0].qmp_status = "prelaunch";
	c->f.vm[0].con_seen = "";
	judge(c);
	r = get(c, CHECK_CH3_PING_E1000_LINK);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail, "VM1's guest never came up: no login prompt on the serial console within 90 s "
				       "(Connection timed out); QMP says the VM is prelaunch");
	assert_contains(r->hint, "-S in qemu's command");
	/* VM1 asked; VM2's console closed as its qemu went: its iperf3
	 * server check fails, and so do the addresses */
	c->f.vm[0].asked = true;
	c->f.vm[0].only_ran = 3;
	c->f.vm[0].con = CON_FREE;
	c->f.vm[0].con_why = c->f.vm[0].qmp_status = "";
	c->f.vm[1].asked = false;
	c->f.vm[1].only_ran = 0;
	c->f.vm[1].con = CON_CLOSED;
	c->f.vm[1].con_why = "the serial socket serial_vm2.socket closed while vlab waited for an answer";
	judge(c);
	r = get(c, CHECK_CH3_IPERF_SERVER);
	assert_verdict(r, VERDICT_FAIL);
	assert_string_equal(r->detail, "VM2's guest never came up: the serial socket serial_vm2.socket closed while "
				       "vlab waited for an answer");
	assert_contains(get(c, CHECK_CH3_GUEST_ADDRESSES)->detail, "VM2's guest never came up");
	assert_verdict(get(c, CHECK_CH3_PING_E1000_LINK), VERDICT_PASS);
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
	struct two_vm_facts f;
	memset(&f, 0, sizeof(f));
	run_of(e1000, &f.iperf[0]);
	run_of(virtio, &f.iperf[1]);
	check_init(&out[0], CHECK_CH3_IPERF_E1000);
	check_init(&out[1], CHECK_CH3_IPERF_VIRTIO);
	check_init(&out[2], CHECK_CH3_VIRTIO_FASTER);
	check_registry_judge_two_vms(&f, out, 3);
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
		cmocka_unit_test(test_vm2_crossed),
		cmocka_unit_test(test_vm1_crossed),
		cmocka_unit_test(test_ping_carried_by_neither),
		cmocka_unit_test(test_ping_window_unread),
		cmocka_unit_test(test_vm2_missing),
		cmocka_unit_test(test_namespace_unread),
		cmocka_unit_test(test_taps_held_by_the_other),
		cmocka_unit_test(test_guests_not_asked),
		cmocka_unit_test(test_iperf_server_port),
		cmocka_unit_test(test_iperf_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
