/* Chapter 3's verdicts on two hand-built VMs (checks/handbuilt_two_vms.h). */
#include "checks/handbuilt_two_vms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/ch3.h"
#include "checks/guest_parse.h"
#include "checks/handbuilt_lab.h"
#include "checks/lab_plan.h"
#include "checks/ping_parse.h"
#include "checks/procfs_parse.h"
#include "checks/two_vm_plan.h"

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
static const char *not_asked_why(const struct two_vm_guest_facts *g)
{
	if (g->asked && !g->guest_error[0])
		return NULL;
	if (g->guest_error[0])
		return g->guest_error;
	return g->con_why[0] ? g->con_why : "its serial console could not be used";
}

/* ch3.ping_<link>_link: VM1's ping over the link, and the taps' counters
 * showing the link carried it both ways (a crossed plan sends the replies
 * over the other link). */
static void two_vm_ping_verdict(struct check_result *r, const struct two_vm_guest_facts *vm1, int out_index,
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
	int rc = ping_parse(vm1->out[out_index], &s);
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

void two_vm_verdict_hosts(const struct two_vm_facts *f, struct check_result *checks, size_t n)
{
	static const char *const cmd_ids[2] = { CHECK_CH3_VM1_COMMAND_LINE, CHECK_CH3_VM2_COMMAND_LINE };
	struct check_result *c;
	for (int v = 0; v < 2; v++) {
		if (!(c = check_find(checks, n, cmd_ids[v])))
			continue;
		if (f->vm[v].cmd)
			two_vm_check_cmdline(c, f->vm[v].cmd, &two_vm_roles[v]);
		else
			check_fail(c, "start both VMs, as the course's runqemu_two_vms.sh does", "%s", f->missing);
	}
	if ((c = check_find(checks, n, CHECK_CH3_BRIDGES))) {
		if (!f->ns_ok)
			check_skip(c, "%s", f->ns_error[0] ? f->ns_error : "the qemus' network namespace was not read");
		else
			two_vm_check_bridges(c, f->after, f->nafter ? f->nafter : f->nbefore);
	}
	if (!(c = check_find(checks, n, CHECK_CH3_TAPS_ATTACHED)))
		return;
	if (f->vm[0].cmd && f->vm[1].cmd) {
		const char *tp[2][4] = { { NULL } };
		const size_t ntaps[2] = { f->vm[0].ntaps, f->vm[1].ntaps };
		for (int v = 0; v < 2; v++)
			for (size_t k = 0; k < ntaps[v] && k < 4; k++)
				tp[v][k] = f->vm[v].taps[k];
		const pid_t pids[2] = { f->vm[0].pid, f->vm[1].pid };
		two_vm_check_taps(c, (const char *const(*)[4])tp, ntaps, pids);
	} else {
		check_fail(c, NULL, "%s", f->missing);
	}
}

/* ch3.guest_addresses (c, NULL: not asked for) on each guest's `ip a s`;
 * nr[v] set to why VM v's guest was not read, NULL when it was. */
static void verdict_addresses(const struct two_vm_facts *f, struct check_result *c, const char *nr[2])
{
	struct ip_iface(*ifs)[8] = xcalloc(2, sizeof(*ifs));
	size_t nifs[2] = { 0, 0 };
	for (int v = 0; v < 2; v++) {
		nr[v] = f->vm[v].cmd ? not_asked_why(&f->vm[v]) : f->missing;
		if (!nr[v] && f->vm[v].only_ran >= 1) {
			int k = parse_ip_addr_show(f->vm[v].out[0], ifs[v], 8);
			nifs[v] = k > 0 ? (size_t)k : 0;
		} else if (!nr[v]) {
			nr[v] = "`ip a s` did not run";
		}
	}
	const struct ip_iface *const ifp[2] = { ifs[0], ifs[1] };
	if (c && (!f->vm[0].cmd || !f->vm[1].cmd))
		check_fail(c, NULL, "%s", f->missing);
	else if (c)
		two_vm_check_addresses(c, ifp, nifs, nr);
	free(ifs);
}

void two_vm_verdict_guests(const struct two_vm_facts *f, struct check_result *checks, size_t n)
{
	const struct two_vm_guest_facts *vm = f->vm;
	const char *nr[2];
	verdict_addresses(f, check_find(checks, n, CHECK_CH3_GUEST_ADDRESSES), nr);
	bool both = vm[0].cmd && vm[1].cmd;
	struct tap_bytes d[4];
	for (int k = 0; k < 4; k++) {
		static const char *const names[4] = { "tap0", "tap1", "tap2", "tap3" };
		d[k] = tap_delta(f->before, f->nbefore, f->after, f->nafter, names[k]);
	}
	static const char *const ping_ids[2] = { CHECK_CH3_PING_E1000_LINK, CHECK_CH3_PING_VIRTIO_LINK };
	struct check_result *c;
	for (int k = 0; k < 2; k++) {
		if (!(c = check_find(checks, n, ping_ids[k])))
			continue;
		if (!both)
			check_fail(c, NULL, "%s", f->missing);
		else
			two_vm_ping_verdict(c, &vm[0], 1 + k, &two_vm_roles[0].nic[k], &d[k], &d[2 + k]);
	}
	if (!(c = check_find(checks, n, CHECK_CH3_IPERF_SERVER)))
		return;
	if (!vm[1].cmd)
		check_fail(c, NULL, "%s", f->missing);
	else if (nr[1] || vm[1].only_ran < 3)
		two_vm_check_iperf_server(c, 0, 0, nr[1] ? nr[1] : "the console stopped answering");
	else
		two_vm_check_iperf_server(c, procfs_tcp_listening(vm[1].out[1], LAB_IPERF_PORT),
					  procfs_tcp_listening(vm[1].out[2], LAB_IPERF_PORT), NULL);
}

void two_vm_verdict_iperf(const struct two_vm_iperf_run runs[2], struct check_result *checks, size_t n)
{
	static const char *const iperf_ids[2] = { CHECK_CH3_IPERF_E1000, CHECK_CH3_IPERF_VIRTIO };
	static const char *const iperf_opts[2] = { "--iperf-e1000", "--iperf-virtio" };
	double bps[2] = { 0, 0 };
	bool judged[2] = { false, false };
	struct check_result *c;
	for (int k = 0; k < 2; k++) {
		if (!(c = check_find(checks, n, iperf_ids[k])))
			continue;
		if (runs[k].file && runs[k].read_rc) {
			check_fail(c, NULL, "cannot read %s: %s", runs[k].file, strerror(-runs[k].read_rc));
		} else {
			two_vm_check_iperf_file(c, &two_vm_roles[0].nic[k], iperf_opts[k], runs[k].file, &runs[k].res,
						runs[k].parse_rc);
			judged[k] = c->verdict == VERDICT_PASS;
			bps[k] = iperf_bps(&runs[k].res);
		}
	}
	if (!(c = check_find(checks, n, CHECK_CH3_VIRTIO_FASTER)))
		return;
	if (!runs[0].file || !runs[1].file)
		check_skip(c, "needs both saved client runs: give --iperf-e1000 FILE and --iperf-virtio FILE");
	else
		check_virtio_faster(c, bps[0], bps[1],
				    judged[0] && judged[1] ? NULL : "a saved run did not pass its own check");
}
