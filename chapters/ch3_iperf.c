/* Chapter 3: two VMs joined by two bridges, each VM with an emulated e1000
 * and a paravirtual virtio-net NIC; iperf3 from VM1 to VM2 over each link,
 * and the two rates compared. The topology is the lab's figure
 * (lab/virt_vs_para.png) and its runqemu_two_vms.sh: taps tap0..tap3, br0
 * joining tap0+tap2 (the e1000s), br1 joining tap1+tap3 (the virtio-nets).
 * As in chapter 2, everything lives in the run's own network namespace.
 *
 * That each link really carried its run is proven by the taps' byte
 * counters (read over netlink before and after each run), not by iperf3's
 * word alone: traffic for 10.0.1.11 can leave VM1 by its e1000 when the
 * addresses are on the wrong interfaces, and Linux answers ARP for any of
 * its addresses on any interface, so such a run still "works". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "chapters/ch3_manual.h"
#include "chapters/ch3_plan.h"
#include "runner/chapter.h"
#include "checks/ch3.h"
#include "checks/guest_parse.h"
#include "checks/iperf.h"
#include "checks/ping_parse.h"
#include "checks/transcript.h"
#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/labnet.h"
#include "runner/net/net.h"
#include "runner/net/ns.h"
#include "runner/report.h"
#include "runner/step.h"
#include "runner/lab.h"
#include "checks/lab_plan.h"
#include "runner/clock.h"
#include "runner/files.h"

#define LAB_CH3 "lab chapter 3, \"Virtualized Vs Paravirtualized I/O\""

#define IPERF_PORT_HEX "1451" /* 5201, as /proc/net/tcp writes ports */

static const struct ch3_bridge bridges[2] = {
	{ LAB_BR_E1000, LAB_BR_E1000_CIDR, { LAB_VM1_E1000_TAP, LAB_VM2_E1000_TAP }, false, false },
	{ LAB_BR_VIRTIO, LAB_BR_VIRTIO_CIDR, { LAB_VM1_VIRTIO_TAP, LAB_VM2_VIRTIO_TAP }, false, false },
};

static const char *const link_names[6] = { LAB_VM1_E1000_TAP, LAB_VM1_VIRTIO_TAP, LAB_VM2_E1000_TAP,
					   LAB_VM2_VIRTIO_TAP, LAB_BR_E1000, LAB_BR_VIRTIO };

/* Taps first (a bridge goes with its ports released), then the bridges;
 * the namespace takes whatever is left with it anyway. */
static void delete_links(void *arg)
{
	struct ch3_state *st = arg;
	for (size_t i = 0; st->lnet.net && i < ARRAY_SIZE(link_names); i++)
		if (st->made[i])
			net_link_delete(st->lnet.net, link_names[i]);
	memset(st->made, 0, sizeof(st->made));
}

static int ch3_prepare(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state; /* zeroed by the engine */
	st->lnet = (struct lab_net)LAB_NET_INIT;
	st->iperf_rc[0] = st->iperf_rc[1] = -ENOENT; /* no run yet */
	/* a fault for the integration test that proves the counter check
	 * (git's GIT_TEST_* variables are the model): the run says so */
	const char *swap = getenv("VLAB_TEST_CH3_SWAP_ADDRESSES");
	st->swap = swap && *swap && strcmp(swap, "0");
	int r = lab_prepare_image(lab);
	if (r)
		return r;
	/* from here on vlab, both qemus and every check live in the lab namespace */
	return lab_net_open(lab, &st->lnet, "chapter 3 needs taps");
}

/* ---- step 1: taps and bridges ---- */

static int make_links(struct ch3_state *st)
{
	int r = 0;
	for (int i = 0; i < 4 && !r; i++) {
		/* owned by us: where /dev/net/tun is 0666 no other user may attach to it */
		r = net_tap_create(link_names[i], geteuid());
		st->made[i] = r == 0;
		if (!r)
			r = net_link_set_up(st->lnet.net, link_names[i], true);
	}
	for (int b = 0; b < 2 && !r; b++) {
		r = net_bridge_create(st->lnet.net, bridges[b].name);
		st->made[4 + b] = r == 0;
		for (int t = 0; t < 2 && !r; t++)
			r = net_link_set_master(st->lnet.net, bridges[b].taps[t], bridges[b].name);
		if (!r)
			r = net_addr_add(st->lnet.net, bridges[b].name, bridges[b].cidr);
		if (!r)
			r = net_link_set_up(st->lnet.net, bridges[b].name, true);
	}
	return r;
}

static int step_bridges(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	struct check_result *r = lab_check(lab, CHECK_CH3_BRIDGES);
	if (lab->opt->host_net)
		ui_note(lab, "--host-net is chapter 2's: chapter 3 builds its bridges in vlab's own namespace.");
	if (st->lnet.ns.named)
		ui_note(lab, "In the network namespace %s (`ip netns exec %s ...` or `vlab shell` reach it):",
			st->lnet.ns.name, st->lnet.ns.name);
	cleanup_add_callback(delete_links, st, "taps and bridges");
	int rc = make_links(st);
	if (rc) {
		char msg[256];
		net_describe_error(msg, sizeof(msg), "set up", "the taps and bridges", rc);
		check_error(r, "%s", msg);
		return lab_block(lab, rc, "%s", msg);
	}
	/* the verdict reads the kernel's view back, not what vlab asked for */
	struct net_link_info all[32];
	size_t n = 0;
	rc = net_link_list(st->lnet.net, all, ARRAY_SIZE(all), &n);
	if (rc) {
		check_error(r, "cannot list the namespace's links: %s", strerror(-rc));
		return 0;
	}
	check_bridges(r, all, n < ARRAY_SIZE(all) ? n : ARRAY_SIZE(all), bridges, ARRAY_SIZE(bridges));
	return 0;
}

/* ---- step 2: both VMs ---- */

static int step_boot(struct lab *lab)
{
	lab->nvms = 2;
	for (int v = 0; v < 2; v++) {
		struct nic_spec nics[2];
		memset(nics, 0, sizeof(nics));
		for (int i = 0; i < 2; i++) {
			const struct nic_plan *p = &ch3_plan[2 * v + i];
			snprintf(nics[i].model, sizeof(nics[i].model), "%s", p->model);
			snprintf(nics[i].mac, sizeof(nics[i].mac), "%s", p->mac);
			snprintf(nics[i].dev_id, sizeof(nics[i].dev_id), "%s", p->dev_id);
			snprintf(nics[i].netdev_id, sizeof(nics[i].netdev_id), "%s", p->netdev_id);
			snprintf(nics[i].ifname, sizeof(nics[i].ifname), "%s", p->tap);
		}
		int r = vm_prepare(lab, &lab->vms[v], v ? "vm2" : "vm1", nics, 2);
		if (r)
			return lab_block(lab, r, "cannot build the qemu command: %s", strerror(-r));
	}
	ui_note(lab, "The lab's runqemu_two_vms.sh starts two of these; VM1's:");
	ui_command(lab, "host", lab->vms[0].lab_command);
	ui_note(lab, "VM2's is the same with its own NICs: e1000 %s on %s, virtio-net %s on %s.", ch3_plan[2].mac,
		ch3_plan[2].tap, ch3_plan[3].mac, ch3_plan[3].tap);
	ui_note(lab, "What vlab changes, and why: as in chapter 1 (vlab chapter 1 shows each change); each VM gets\n"
		     "its own overlay over the read-only image: QEMU locks an image that a VM has open for writing,\n"
		     "so two VMs can never share one writable disk.");
	for (int v = 0; v < 2; v++) {
		struct strbuf cmd = STRBUF_INIT;
		vm_format_command(&lab->vms[v].argv, true, &cmd);
		ui_note(lab, "The command vlab runs for %s, inside the lab's namespace:", lab->vms[v].name);
		ui_command(lab, "host", cmd.buf);
		sb_release(&cmd);
	}
	/* both qemus run before either login is awaited: the two boots
	 * overlap; with --manual the student logs in */
	struct vm *const both_vms[2] = { &lab->vms[0], &lab->vms[1] };
	return lab_boot_vms(lab, both_vms, 2, lab->opt->manual ? BOOT_STARTED : BOOT_LOGGED_IN);
}

/* ---- step 3: the guests' addresses ---- */

/* Run a guest command in VM v; on a broken console, say so in lab->blocked. */
/* Find VM v's two NICs by MAC; the modules load in the background at boot,
 * so poll until both MACs show up. */
static int find_nics(struct lab *lab, int v)
{
	struct ch3_state *st = lab->chapter_state;
	struct strbuf out = STRBUF_INIT;
	int status, rc = 0;
	int64_t deadline = now_ms() + lab_cmd_timeout_ms(lab, 10000);
	for (;;) {
		rc = vm_run(lab, &lab->vms[v], VM_LIST_NICS_CMD, lab_cmd_timeout_ms(lab, 5000), &out, &status);
		if (rc)
			break;
		int found = 0;
		char *save = NULL;
		for (char *line = strtok_r(out.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char name[32], mac[32], drv[64] = "";
			if (sscanf(line, "%31s %31s %63s", name, mac, drv) < 2)
				continue;
			for (int i = 2 * v; i < 2 * v + 2; i++) {
				if (strcasecmp(mac, ch3_plan[i].mac))
					continue;
				snprintf(st->ifname[i], sizeof(st->ifname[i]), "%s", name);
				found++;
				ui_note(lab, "%s: %s has %s (driver %s)", lab->vms[v].name, name, mac, drv[0] ? drv : "none");
				if (strcmp(drv, ch3_plan[i].driver))
					ui_note(lab, "  (expected the %s driver)", ch3_plan[i].driver);
			}
		}
		if (found == 2 || now_ms() > deadline)
			break;
		sb_reset(&out);
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	sb_release(&out);
	if (rc)
		return rc;
	for (int i = 2 * v; i < 2 * v + 2; i++) {
		if (!st->ifname[i][0])
			return lab_block(lab, -ENODEV, "%s has no interface with MAC %s", lab->vms[v].name,
					 ch3_plan[i].mac);
	}
	return 0;
}

/* The address ch3_plan[i]'s interface gets (crossed in VM1 under the test fault). */
static const char *cidr_of(struct ch3_state *st, int i)
{
	if (st->swap && ch3_plan[i].vm == 0)
		return ch3_plan[i ^ 1].cidr;
	return ch3_plan[i].cidr;
}

static int step_address(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	if (lab->opt->manual)
		return ch3_manual_session(lab);
	int rc = 0;
	for (int v = 0; v < 2 && !rc; v++)
		rc = find_nics(lab, v);
	if (rc)
		return rc;
	if (st->swap)
		ui_note(lab, "VLAB_TEST_CH3_SWAP_ADDRESSES is set: VM1's two addresses go on the wrong interfaces, "
			     "on purpose");
	struct strbuf out = STRBUF_INIT;
	int status;
	/* iperf3's client draws its cookie from getrandom(), which blocks
	 * until the kernel's random pool is ready; a fresh guest readies it
	 * with its jitter-entropy loop, about a second of CPU under TCG
	 * (measured: `head -c 1 /dev/random` 1.0 s, then 0.00 s). Have that
	 * second now, while the e1000s wait for their carrier, not in the
	 * first run */
	for (int v = 0; v < 2 && !rc; v++)
		rc = vm_run(lab, &lab->vms[v], "(head -c 1 /dev/random >/dev/null &)", lab_cmd_timeout_ms(lab, 5000), &out, &status);
	for (int v = 0; v < 2 && !rc; v++) {
		struct strbuf cmd = STRBUF_INIT;
		for (int i = 2 * v; i < 2 * v + 2; i++)
			sb_addf(&cmd, "%sip link set %s up && ip addr add %s dev %s", i % 2 ? " && " : "", st->ifname[i],
				cidr_of(st, i), st->ifname[i]);
		ui_note(lab, "in %s:", lab->vms[v].name);
		ui_command(lab, "guest", cmd.buf);
		rc = vm_run(lab, &lab->vms[v], cmd.buf, lab_cmd_timeout_ms(lab, 5000), &out, &status);
		if (!rc && status) {
			rc = lab_block(lab, -EIO, "%s refused its addresses: %s", lab->vms[v].name,
				       out.buf ? rtrim(out.buf) : "no message");
		}
		sb_release(&cmd);
	}
	/* both VMs' links came up above, so their e1000 watchdogs (~2 s to
	 * carrier, measured under TCG) run at the same time; wait for them here */
	for (int v = 0; v < 2 && !rc; v++) {
		char *cmd = xasprintf("i=0; while { [ \"$(cat /sys/class/net/%s/carrier 2>/dev/null)\" != 1 ] || "
				      "[ \"$(cat /sys/class/net/%s/carrier 2>/dev/null)\" != 1 ]; } && [ $i -lt 100 ]; "
				      "do sleep 0.1; i=$((i+1)); done; ip a s",
				      st->ifname[2 * v], st->ifname[2 * v + 1]);
		rc = vm_run(lab, &lab->vms[v], cmd, lab_cmd_timeout_ms(lab, 15000), &out, &status);
		free(cmd);
		if (!rc) {
			ui_note(lab, "`ip a s` in %s printed:", lab->vms[v].name);
			ui_output(lab, out.buf);
		}
	}
	sb_release(&out);
	return rc;
}

/* ---- step 4: ping over each link ---- */

/* Both pings at once (the first over an e1000 takes up to a second:
 * measured under TCG), 0.2 s apart; their outputs come back one after the other,
 * split at PING_SPLIT. */
#define PING_SPLIT "--8<--"
#define PING_CMD "ping -c 3 -i 0.2 -W 2 "

static int run_pings(struct lab *lab, struct strbuf outs[2])
{
	for (int l = 0; l < 2; l++) {
		char *shown = xasprintf(PING_CMD "%s", ch3_links[l].peer);
		ui_command(lab, "guest", shown);
		free(shown);
	}
	char *cmd = xasprintf(PING_CMD "%s >/tmp/ping-e1000 2>&1 & " PING_CMD "%s >/tmp/ping-virtio 2>&1; wait; "
			      "cat /tmp/ping-e1000; echo '" PING_SPLIT "'; cat /tmp/ping-virtio",
			      ch3_links[0].peer, ch3_links[1].peer);
	struct strbuf out = STRBUF_INIT;
	int status;
	int rc = vm_run(lab, &lab->vms[0], cmd, lab_cmd_timeout_ms(lab, 15000), &out, &status);
	free(cmd);
	if (!rc) {
		const char *all = sb_str(&out);
		const char *split = strstr(all, PING_SPLIT "\n");
		if (split) {
			sb_add(&outs[0], all, (size_t)(split - all));
			sb_adds(&outs[1], split + strlen(PING_SPLIT "\n"));
		} else {
			sb_adds(&outs[0], all); /* the shell broke off: the verdicts say what came */
		}
		for (int l = 0; l < 2; l++)
			ui_output(lab, sb_str(&outs[l]));
	}
	sb_release(&out);
	return rc;
}

static int step_ping(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	struct strbuf outs[2] = { STRBUF_INIT, STRBUF_INIT };
	int rc = 0;
	if (lab->opt->manual) {
		for (int l = 0; l < 2; l++)
			ch3_typed_output(st, 0, "ping", ch3_links[l].peer, &outs[l]); /* none: outs[l] stays empty */
	} else {
		rc = run_pings(lab, outs);
	}
	for (int l = 0; !rc && l < 2; l++) {
		const struct link_plan *lk = &ch3_links[l];
		struct check_result *r = lab_check(lab, lk->ping_id);
		if (lab->opt->manual && !outs[l].len) {
			char *hint = xasprintf("type `ping -c 3 %s` in `vlab console vm1`", lk->peer);
			check_fail(r, hint, "VM1's console transcript shows no ping of %s", lk->peer);
			free(hint);
			continue;
		}
		struct ping_summary sum;
		int pr = ping_parse(sb_str(&outs[l]), &sum);
		check_ping_link(r, lk->name, lk->peer, &sum, pr);
		if (pr == 0 && sum.has_rtt)
			lab_metric(lab, l ? "ping_virtio_rtt_ms" : "ping_e1000_rtt_ms", sum.rtt_avg);
	}
	sb_release(&outs[0]);
	sb_release(&outs[1]);
	return rc;
}

/* ---- step 5: iperf3 over each link ---- */

/* What a link carried between two readings of the taps. */
static uint64_t carried(int l, const struct net_link_info before[4], const struct net_link_info after[4])
{
	struct tap_bytes t[2];
	const int taps[2] = { ch3_links[l].vm1, ch3_links[l].vm2 };
	for (int k = 0; k < 2; k++) {
		t[k].rx = after[taps[k]].rx_bytes - before[taps[k]].rx_bytes;
		t[k].tx = after[taps[k]].tx_bytes - before[taps[k]].tx_bytes;
	}
	return ch3_link_carried(&t[0], &t[1]);
}

/* VM2 serves iperf3 as a daemon; wait until it listens (its port in
 * /proc/net/tcp6, or tcp without IPv6, in state 0A: LISTEN). The command
 * runs in the login shell (console_run's eval): no `exit` in it. */
#define NO_IPERF "vlab: no iperf3"
static int start_server(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	static const char cmd[] =
		"if command -v iperf3 >/dev/null; then iperf3 -s -D && i=0 && "
		"while ! grep -qs ':" IPERF_PORT_HEX " [0-9A-F]*:0000 0A' /proc/net/tcp6 /proc/net/tcp && "
		"[ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; else echo '" NO_IPERF "'; fi";
	struct strbuf out = STRBUF_INIT;
	int status;
	ui_note(lab, "in vm2:");
	ui_command(lab, "guest", "iperf3 -s -D");
	int rc = vm_run(lab, &lab->vms[1], cmd, lab_cmd_timeout_ms(lab, 15000), &out, &status);
	st->have_iperf = rc == 0 && !strstr(sb_str(&out), NO_IPERF);
	sb_release(&out);
	if (rc == 0 && st->have_iperf && status)
		return lab_block(lab, -EIO, "the iperf3 server did not start in vm2 (exit status %d)", status);
	return rc;
}

static int run_client(struct lab *lab, int l)
{
	struct ch3_state *st = lab->chapter_state;
	const struct link_plan *lk = &ch3_links[l];
	struct check_result *r = lab_check(lab, lk->iperf_id);
	struct net_link_info before[4], after[4];
	int rc = ch3_read_taps(st, before);
	if (rc) {
		check_error(r, "cannot read the taps' counters: %s", strerror(-rc));
		return 0;
	}
	char *cmd = xasprintf("iperf3 -c %s -t %d -J", lk->peer, ch3_duration_s());
	ui_note(lab, "in vm1, over the %s link:", lk->name);
	ui_command(lab, "guest", cmd);
	struct strbuf out = STRBUF_INIT;
	int status;
	char *what = xasprintf("iperf3 over the %s link (%d s)", lk->name, ch3_duration_s());
	ui_wait_begin(lab, what);
	free(what);
	/* the run's own length, plus its setup and the JSON over the console */
	rc = vm_run(lab, &lab->vms[0], cmd, ch3_duration_s() * 1000 + lab_cmd_timeout_ms(lab, 10000), &out, &status);
	free(cmd);
	if (rc) {
		sb_release(&out);
		return rc;
	}
	int tr = ch3_read_taps(st, after);
	/* the report as iperf3 printed it, for `vlab check iperf` */
	char *saved = xasprintf("%s/iperf-%s.json", lab->run_dir, lk->name);
	if (write_file_atomic(saved, out.buf ? out.buf : "", out.len, 0644) == 0)
		lab_artifact(lab, lk->artifact, saved);
	free(saved);
	st->iperf_rc[l] = iperf_parse(out.buf ? out.buf : "", out.len, &st->iperf[l]);
	sb_release(&out);
	ch3_record_run(lab, l);
	if (tr) {
		check_error(r, "cannot read the taps' counters: %s", strerror(-tr));
		return 0;
	}
	struct ch3_link this = { lk->name, lk->path, carried(l, before, after) };
	struct ch3_link other = { ch3_links[!l].name, ch3_links[!l].path, carried(!l, before, after) };
	check_iperf_link(r, &st->iperf[l], st->iperf_rc[l], &this, &other, ch3_crossed_hint);
	return 0;
}

/* --manual: the client's output as typed in VM1 (or, the other way round,
 * in VM2), judged with the taps' counters over the whole session. */
static int step_iperf(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	if (lab->opt->manual) {
		for (int l = 0; l < 2; l++)
			ch3_judge_manual_run(lab, l);
		return 0;
	}
	int rc = start_server(lab);
	if (rc)
		return rc;
	if (!st->have_iperf) {
		for (int l = 0; l < 2; l++)
			check_skip(lab_check(lab, ch3_links[l].iperf_id), "the guest image has no iperf3");
		return 0;
	}
	for (int l = 0; l < 2 && !rc; l++)
		rc = run_client(lab, l);
	return rc;
}

/* ---- step 6: the comparison ---- */

static int step_compare(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	struct check_result *r = lab_check(lab, CHECK_CH3_VIRTIO_FASTER);
	const struct check_result *e = lab_check(lab, ch3_links[0].iperf_id), *v = lab_check(lab, ch3_links[1].iperf_id);
	if (e->verdict == VERDICT_SKIP || v->verdict == VERDICT_SKIP) {
		check_skip(r, "%s", e->verdict == VERDICT_SKIP ? e->detail : v->detail);
		return 0;
	}
	char why[128] = "";
	if (e->verdict != VERDICT_PASS || v->verdict != VERDICT_PASS)
		snprintf(why, sizeof(why), "%s did not pass", e->verdict != VERDICT_PASS ? e->id : v->id);
	double ebps = st->iperf_rc[0] ? 0 : iperf_bps(&st->iperf[0]);
	double vbps = st->iperf_rc[1] ? 0 : iperf_bps(&st->iperf[1]);
	check_virtio_faster(r, ebps, vbps, why[0] ? why : NULL);
	if (ebps > 0 && vbps > 0)
		lab_metric(lab, "virtio_over_e1000_ratio", vbps / ebps);
	if (st->iperf_rc[0] && st->iperf_rc[1])
		return 0; /* no run to show */

	const struct iperf_row rows[2] = {
		{ "e1000", st->iperf_rc[0] ? NULL : &st->iperf[0] },
		{ "virtio", st->iperf_rc[1] ? NULL : &st->iperf[1] },
	};
	struct strbuf table = STRBUF_INIT;
	iperf_format_comparison(&table, rows, 2, 40, ui_utf8());
	ui_note(lab, "VM1 -> VM2, %d s a link:", ch3_duration_s());
	ui_output(lab, table.buf);
	sb_release(&table);
	if (ebps > 0 && vbps > 0)
		ui_note(lab, "virtio/e1000 = %.2f", vbps / ebps);
	ui_note(lab, "Why: each packet the e1000 driver sends pokes emulated registers, and every poke stops the\n"
		     "vCPU for QEMU to act it out; virtio-net leaves packets in rings shared with QEMU and rings once for many.");
	return 0;
}

/* ---- the table ---- */

static const char *const bridges_cmds[] = {
	"for t in tap0 tap1 tap2 tap3; do ip tuntap add $t mode tap; ip link set $t up; done",
	"ip link add br0 type bridge; ip link set tap0 master br0; ip link set tap2 master br0",
	"ip link add br1 type bridge; ip link set tap1 master br1; ip link set tap3 master br1",
	"ip addr add 10.0.0.1/24 dev br0; ip addr add 10.0.1.1/24 dev br1",
	"ip link set br0 up; ip link set br1 up",
	NULL,
};
static const char *const address_cmds[] = {
	"vm1: ip addr add 10.0.0.10/24 dev ETH_E1000; ip addr add 10.0.1.10/24 dev ETH_VIRTIO (and set both up)",
	"vm2: ip addr add 10.0.0.11/24 dev ETH_E1000; ip addr add 10.0.1.11/24 dev ETH_VIRTIO (and set both up)",
	NULL,
};
static const char *const ping_cmds[] = { "vm1: ping 10.0.0.11", "vm1: ping 10.0.1.11", NULL };
static const char *const iperf_cmds[] = { "vm2: iperf3 -s", "vm1: iperf3 -c 10.0.0.11", "vm1: iperf3 -c 10.0.1.11",
					  NULL };

static const struct step ch3_steps[] = {
	{
		.name = "bridges",
		.title = "Build the host's side: four taps, two bridges",
		.explain =
			"A bridge is a switch made in software: frames that come in on one of its ports go out\n"
			"on the port where the destination MAC lives. br0 joins the two e1000s' taps (tap0, tap2),\n"
			"br1 the two virtio-nets' (tap1, tap3), so each pair of NICs shares a wire of its own.\n"
			"The bridges' addresses make the host a member of each subnet too.",
		.lab_section = LAB_CH3,
		.host_cmds = bridges_cmds,
		.run = step_bridges,
	},
	{
		.name = "boot",
		.title = "Boot both VMs at once, each with an e1000 and a virtio-net NIC",
		.explain =
			"-device e1000 gives the guest an emulated Intel card; -device virtio-net-pci a device\n"
			"that exists only in VMs, whose driver knows it talks to a hypervisor. Both qemus start\n"
			"before vlab waits for either, so the two boots overlap.",
		.lab_section = LAB_CH3,
		.run = step_boot,
	},
	{
		.name = "address",
		.title = "Find each guest's NICs by MAC and give them the lab's addresses",
		.explain =
			"The guest numbers its interfaces itself; only the MACs we chose say which is the\n"
			"e1000 and which the virtio-net. The e1000s take 10.0.0.x/24, the virtio-nets 10.0.1.x/24.",
		.lab_section = LAB_CH3,
		.guest_cmds = address_cmds,
		.run = step_address,
	},
	{
		.name = "ping",
		.title = "Ping VM2 from VM1 over each link",
		.explain = "Each subnet lives on one bridge only, so the destination address picks the link.",
		.lab_section = LAB_CH3,
		.guest_cmds = ping_cmds,
		.run = step_ping,
	},
	{
		.name = "iperf",
		.title = "iperf3 from VM1 to VM2 over the e1000 link, then over the virtio link",
		.explain =
			"iperf3 pushes TCP data as fast as the path takes it and reports the rate. vlab also\n"
			"reads the taps' byte counters before and after each run: the link that carried the\n"
			"run must show its bytes, whatever iperf3 says.",
		.lab_section = LAB_CH3,
		.guest_cmds = iperf_cmds,
		.run = step_iperf,
	},
	{
		.name = "compare",
		.title = "Compare: virtio-net against e1000",
		.explain =
			"Same VMs, same host, same bridges: only the NIC model differs, so the ratio of the two\n"
			"rates is what paravirtual I/O is worth here.",
		.lab_section = LAB_CH3,
		.run = step_compare,
	},
};

static void ch3_teardown(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	lab_vms_end(lab);
	if (lab->opt->keep)
		lab_net_keep(&st->lnet);
	for (int i = 0; i < 2; i++)
		sb_release(&st->text[i]);
}

const struct chapter chapter_iperf = {
	.number = 3,
	.name = "iperf",
	.title = "Virtualized vs paravirtualized I/O: two VMs, two bridges, iperf3 over e1000 and virtio-net",
	.summary = "br0 and br1 joining two VMs' e1000s and virtio-nets; iperf3 over each link, the rates compared",
	.steps = ch3_steps,
	.nsteps = sizeof(ch3_steps) / sizeof(ch3_steps[0]),
	.state_size = sizeof(struct ch3_state),
	.prepare = ch3_prepare,
	.teardown = ch3_teardown,
	.options = ch3_option_rows,
};
