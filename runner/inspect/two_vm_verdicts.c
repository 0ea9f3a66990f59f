/* Chapter 3's verdicts on two hand-built VMs (runner/inspect/two_vm_verdicts.h). */
#include "runner/inspect/two_vm_verdicts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/ch3.h"
#include "checks/guest_parse.h"
#include "checks/iperf.h"
#include "checks/ping_parse.h"
#include "checks/procfs_parse.h"
#include "checks/two_vm_plan.h"
#include "runner/inspect/lab_verdicts.h"
#include "checks/lab_plan.h"

static const struct net_link_info *link_named(const struct net_link_info *l, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return &l[i];
	return NULL;
}

/* A tap's counters over VM1's session (after - before), zero when unknown. */
static struct tap_bytes tap_delta(const struct net_link_info *before, size_t nb, const struct net_link_info *after,
				  size_t na, const char *tap)
{
	struct tap_bytes d = { 0, 0 };
	const struct net_link_info *b = link_named(before, nb, tap), *a = link_named(after, na, tap);
	if (a && b && a->rx_bytes >= b->rx_bytes && a->tx_bytes >= b->tx_bytes) {
		d.rx = a->rx_bytes - b->rx_bytes;
		d.tx = a->tx_bytes - b->tx_bytes;
	}
	return d;
}

/* Why a guest was not asked, NULL when it was. */
static const char *not_asked_why(const struct evidence *ev)
{
	if (ev->asked && !ev->guest_error[0])
		return NULL;
	if (ev->guest_error[0])
		return ev->guest_error;
	return ev->con_why[0] ? ev->con_why : "its serial console could not be used";
}

/* ch3.ping_<link>_link: VM1's ping over the link, and the taps' counters
 * showing the link carried it both ways (a crossed plan sends the replies
 * over the other link). */
static void two_vm_ping_verdict(struct check_result *r, const struct evidence *vm1, int out_index,
				const struct two_vm_nic *link, const struct tap_bytes *vm1_tap,
				const struct tap_bytes *vm2_tap)
{
	char dst[32];
	snprintf(dst, sizeof(dst), "%.*s", (int)strcspn(two_vm_roles[1].nic[link == &two_vm_roles[0].nic[0] ? 0 : 1].cidr, "/"),
		 two_vm_roles[1].nic[link == &two_vm_roles[0].nic[0] ? 0 : 1].cidr);
	const char *why = not_asked_why(vm1);
	if (why || vm1->only_ran <= out_index) {
		check_skip(r, "VM1's guest was not asked: %s", why ? why : "the console stopped answering");
		return;
	}
	struct ping_summary s;
	int rc = ping_parse(sb_str(&vm1->only_out[out_index]), &s);
	check_ping_link(r, link->link, dst, &s, rc);
	if (r->verdict != VERDICT_PASS)
		return;
	/* three echo requests and their replies: 98-byte frames each way */
	const uint64_t least = 3 * 98;
	bool forth = vm1_tap->rx >= least && vm2_tap->tx >= least, back = vm2_tap->rx >= least && vm1_tap->tx >= least;
	const struct two_vm_nic *vm2_nic = &two_vm_roles[1].nic[link == &two_vm_roles[0].nic[0] ? 0 : 1];
	char *d = xstrdup(r->detail);
	if (forth && back)
		check_pass(r, "%s; the %s link carried it both ways (%s: %llu bytes from VM1, %s: %llu bytes from VM2)", d,
			   link->link, link->tap, (unsigned long long)vm1_tap->rx, vm2_nic->tap,
			   (unsigned long long)vm2_tap->rx);
	else
		check_fail(r, "each VM's address on a link belongs on the NIC of that link (find it by MAC); a crossed "
			      "plan sends the traffic over the other bridge",
			   "%s, but the %s link (%s, %s, %s) did not carry it %s: %s moved %llu bytes out of VM1 and %s "
			   "%llu out of VM2",
			   d, link->link, link->tap, link->bridge, vm2_nic->tap, forth ? "back" : back ? "there" : "either way",
			   link->tap, (unsigned long long)vm1_tap->rx, vm2_nic->tap, (unsigned long long)vm2_tap->rx);
	free(d);
}


/* ch3.vm1_command_line, ch3.vm2_command_line, ch3.bridges, ch3.taps_attached */
static void verdict_hosts(struct lab *lab, const struct two_vm_evidence *tv, const char *why)
{
	static const char *const cmd_ids[2] = { CHECK_CH3_VM1_COMMAND_LINE, CHECK_CH3_VM2_COMMAND_LINE };
	for (int v = 0; v < 2; v++) {
		struct check_result *c = lab_check(lab, cmd_ids[v]);
		if (tv->q[v])
			two_vm_check_cmdline(c, &tv->q[v]->cmd, &two_vm_roles[v]);
		else
			check_fail(c, "start both VMs, as the course's runqemu_two_vms.sh does", "%s", why);
	}
	struct check_result *c = lab_check(lab, CHECK_CH3_BRIDGES);
	const struct evidence *host = &tv->ev[tv->host];
	if (!tv->ns_ok)
		check_skip(c, "%s", host->ns.error[0] ? host->ns.error : "the qemus' network namespace was not read");
	else
		two_vm_check_bridges(c, tv->after, tv->nafter ? tv->nafter : tv->nbefore);
	c = lab_check(lab, CHECK_CH3_TAPS_ATTACHED);
	if (tv->q[0] && tv->q[1]) {
		const char *tp[2][4] = { { NULL } };
		for (int v = 0; v < 2; v++)
			for (size_t k = 0; k < tv->ntaps[v]; k++)
				tp[v][k] = tv->taps[v][k];
		const pid_t pids[2] = { tv->q[0]->pid, tv->q[1]->pid };
		two_vm_check_taps(c, (const char *const(*)[4])tp, tv->ntaps, pids);
	} else {
		check_fail(c, NULL, "%s", why);
	}
}

/* ch3.guest_addresses, the pings over each link, ch3.iperf_server */
static void verdict_guests(struct lab *lab, const struct two_vm_evidence *tv, const char *why)
{
	const struct evidence *ev = tv->ev;
	struct ip_iface(*ifs)[8] = xcalloc(2, sizeof(*ifs));
	size_t nifs[2] = { 0, 0 };
	const char *nr[2];
	for (int v = 0; v < 2; v++) {
		nr[v] = tv->q[v] ? not_asked_why(&ev[v]) : why;
		if (!nr[v] && ev[v].only_ran >= 1) {
			int k = parse_ip_addr_show(sb_str(&ev[v].only_out[0]), ifs[v], 8);
			nifs[v] = k > 0 ? (size_t)k : 0;
		} else if (!nr[v]) {
			nr[v] = "`ip a s` did not run";
		}
	}
	bool both = tv->q[0] && tv->q[1];
	struct check_result *c = lab_check(lab, CHECK_CH3_GUEST_ADDRESSES);
	const struct ip_iface *const ifp[2] = { ifs[0], ifs[1] };
	if (!both)
		check_fail(c, NULL, "%s", why);
	else
		two_vm_check_addresses(c, ifp, nifs, nr);
	free(ifs);
	struct tap_bytes d[4];
	for (int k = 0; k < 4; k++) {
		static const char *const names[4] = { "tap0", "tap1", "tap2", "tap3" };
		d[k] = tap_delta(tv->before, tv->nbefore, tv->after, tv->nafter, names[k]);
	}
	static const char *const ping_ids[2] = { CHECK_CH3_PING_E1000_LINK, CHECK_CH3_PING_VIRTIO_LINK };
	for (int k = 0; k < 2; k++) {
		c = lab_check(lab, ping_ids[k]);
		if (!both)
			check_fail(c, NULL, "%s", why);
		else
			two_vm_ping_verdict(c, &ev[0], 1 + k, &two_vm_roles[0].nic[k], &d[k], &d[2 + k]);
	}
	c = lab_check(lab, CHECK_CH3_IPERF_SERVER);
	if (!tv->q[1])
		check_fail(c, NULL, "%s", why);
	else if (nr[1] || ev[1].only_ran < 3)
		two_vm_check_iperf_server(c, 0, 0, nr[1] ? nr[1] : "the console stopped answering");
	else
		two_vm_check_iperf_server(c, procfs_tcp_listening(sb_str(&ev[1].only_out[1]), LAB_IPERF_PORT),
					  procfs_tcp_listening(sb_str(&ev[1].only_out[2]), LAB_IPERF_PORT), NULL);
}

/* the saved client runs: ch3.iperf_e1000, ch3.iperf_virtio, ch3.virtio_faster */
static void verdict_iperf_files(struct lab *lab, const char *const files[2])
{
	static const char *const iperf_ids[2] = { CHECK_CH3_IPERF_E1000, CHECK_CH3_IPERF_VIRTIO };
	static const char *const iperf_opts[2] = { "--iperf-e1000", "--iperf-virtio" };
	double bps[2] = { 0, 0 };
	bool judged[2] = { false, false };
	for (int k = 0; k < 2; k++) {
		struct check_result *c = lab_check(lab, iperf_ids[k]);
		struct strbuf sb = STRBUF_INIT;
		struct iperf_result res;
		memset(&res, 0, sizeof(res));
		int prc = -EINVAL, r;
		if (files[k] && (r = read_file(files[k], &sb))) {
			check_fail(c, NULL, "cannot read %s: %s", files[k], strerror(-r));
		} else {
			if (files[k])
				prc = iperf_parse(sb_str(&sb), sb.len, &res);
			two_vm_check_iperf_file(c, &two_vm_roles[0].nic[k], iperf_opts[k], files[k], &res, prc);
			judged[k] = c->verdict == VERDICT_PASS;
			bps[k] = iperf_bps(&res);
		}
		sb_release(&sb);
	}
	struct check_result *c = lab_check(lab, CHECK_CH3_VIRTIO_FASTER);
	if (!files[0] || !files[1])
		check_skip(c, "needs both saved client runs: give --iperf-e1000 FILE and --iperf-virtio FILE");
	else
		check_virtio_faster(c, bps[0], bps[1],
				    judged[0] && judged[1] ? NULL : "a saved run did not pass its own check");
}

void two_vm_verdicts(struct lab *lab, const struct two_vm_evidence *tv, const char *why, const char *const files[2])
{
	lab_add_check(lab, CHECK_CH3_VM1_COMMAND_LINE);
	lab_add_check(lab, CHECK_CH3_VM2_COMMAND_LINE);
	lab_add_check(lab, CHECK_CH3_TAPS_ATTACHED);
	lab_add_check(lab, CHECK_CH3_GUEST_ADDRESSES);
	lab_add_check(lab, CHECK_CH3_IPERF_SERVER);
	verdict_hosts(lab, tv, why);
	verdict_guests(lab, tv, why);
	verdict_iperf_files(lab, files);
}
