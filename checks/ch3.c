/* Chapter 3's verdicts. */
#include "checks/ch3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

static const struct net_link_info *find_link(const struct net_link_info *links, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(links[i].name, name))
			return &links[i];
	return NULL;
}

static bool has_addr(const struct net_link_info *l, const char *cidr)
{
	for (int i = 0; i < l->naddrs && i < NET_MAX_ADDRS; i++)
		if (!strcmp(l->addrs[i], cidr))
			return true;
	return false;
}

/* The members of bridge as "tap0 and tap2", "none". */
static void list_members(struct strbuf *sb, const struct net_link_info *links, size_t n, const char *bridge)
{
	size_t count = 0, total = 0;
	for (size_t i = 0; i < n; i++)
		total += !strcmp(links[i].master, bridge);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(links[i].master, bridge))
			continue;
		count++;
		sb_addf(sb, "%s%s", count == 1 ? "" : count == total ? " and " : ", ", links[i].name);
	}
	if (!total)
		sb_adds(sb, "nothing");
}

/* FAIL r and return true when bridge b is not as wanted. */
static bool bridge_wrong(struct check_result *r, const struct net_link_info *links, size_t n,
			 const struct ch3_bridge *b)
{
	const struct net_link_info *br = find_link(links, n, b->name);
	char *hint = NULL;
	bool wrong = true;
	if (!br) {
		hint = xasprintf("on the host: ip link add %s type bridge; ip link set %s up; ip addr add %s dev %s",
				 b->name, b->name, b->cidr, b->name);
		check_fail(r, hint, "there is no %s", b->name);
	} else if (strcmp(br->kind, "bridge")) {
		hint = xasprintf("on the host: ip link delete %s; ip link add %s type bridge", b->name, b->name);
		check_fail(r, hint, "%s is a %s link, not a bridge", b->name, br->kind[0] ? br->kind : "plain");
	} else if (!br->up) {
		hint = xasprintf("on the host: ip link set %s up", b->name);
		check_fail(r, hint, "%s is down", b->name);
	} else if (!b->address_optional && !has_addr(br, b->cidr)) {
		hint = xasprintf("on the host: ip addr add %s dev %s", b->cidr, b->name);
		check_fail(r, hint, "%s does not have %s", b->name, b->cidr);
	} else {
		wrong = false;
		for (int t = 0; t < 2 && !wrong; t++) {
			const struct net_link_info *tap = find_link(links, n, b->taps[t]);
			wrong = true;
			if (!tap) {
				hint = xasprintf("on the host: ip tuntap add %s mode tap; ip link set %s master %s; "
						 "ip link set %s up",
						 b->taps[t], b->taps[t], b->name, b->taps[t]);
				check_fail(r, hint, "there is no %s (it belongs in %s)", b->taps[t], b->name);
			} else if (strcmp(tap->master, b->name)) {
				hint = xasprintf("on the host: ip link set %s master %s", b->taps[t], b->name);
				if (tap->master[0])
					check_fail(r, hint, "%s is in %s, not in %s", b->taps[t], tap->master, b->name);
				else
					check_fail(r, hint, "%s is in no bridge (it belongs in %s)", b->taps[t], b->name);
			} else if (!tap->up) {
				hint = xasprintf("on the host: ip link set %s up", b->taps[t]);
				check_fail(r, hint, "%s is in %s but down", b->taps[t], b->name);
			} else {
				wrong = false;
			}
		}
	}
	if (!wrong) {
		/* a third member would join links the lab keeps apart */
		for (size_t i = 0; i < n && !wrong; i++) {
			if (strcmp(links[i].master, b->name) || !strcmp(links[i].name, b->taps[0]) ||
			    !strcmp(links[i].name, b->taps[1]))
				continue;
			struct strbuf m = STRBUF_INIT;
			list_members(&m, links, n, b->name);
			hint = xasprintf("on the host: ip link set %s nomaster", links[i].name);
			check_fail(r, hint, "%s holds %s; it should hold only %s and %s", b->name, m.buf, b->taps[0],
				   b->taps[1]);
			sb_release(&m);
			wrong = true;
		}
	}
	free(hint);
	return wrong;
}

void check_bridges(struct check_result *r, const struct net_link_info *links, size_t nlinks,
		   const struct ch3_bridge *want, size_t nwant)
{
	for (size_t i = 0; i < nwant; i++)
		if (bridge_wrong(r, links, nlinks, &want[i]))
			return;
	struct strbuf d = STRBUF_INIT;
	for (size_t i = 0; i < nwant; i++) {
		const struct net_link_info *br = find_link(links, nlinks, want[i].name);
		bool addr = br && has_addr(br, want[i].cidr);
		sb_addf(&d, "%s%s (%s%s, up) holds %s and %s", i ? "; " : "", want[i].name, addr ? want[i].cidr : "no ",
			addr ? "" : "address: optional, as the lab says", want[i].taps[0], want[i].taps[1]);
	}
	check_pass(r, "%s", d.buf);
	sb_release(&d);
}

void check_ping_link(struct check_result *r, const char *link, const char *dst, const struct ping_summary *s,
		     int parse_rc)
{
	char *hint = xasprintf("VM1 reaches %s over the %s link: both VMs' %s interfaces (found by MAC) must be up "
			       "with their 10.0.x.y/24 addresses, and both taps in the same bridge",
			       dst, link, link);
	if (parse_rc) {
		if (s->error[0])
			check_fail(r, hint, "VM1's ping of %s failed: %s", dst, s->error);
		else
			check_fail(r, hint, "VM1's ping of %s printed no statistics (%d replies seen)", dst,
				   s->replies_seen);
	} else if (s->received > 0) {
		struct strbuf d = STRBUF_INIT;
		sb_addf(&d, "VM1 -> %s over %s: %d/%d replies", dst, link, s->received, s->transmitted);
		if (s->has_rtt)
			sb_addf(&d, ", rtt avg %.3g ms", s->rtt_avg);
		check_pass(r, "%s", d.buf);
		sb_release(&d);
	} else {
		check_fail(r, hint, "VM1 -> %s over %s: %d/%d replies", dst, link, s->received, s->transmitted);
	}
	free(hint);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t ch3_link_carried(const struct tap_bytes *vm1_tap, const struct tap_bytes *vm2_tap)
{
	/* a tap "receives" what its VM sends (qemu writes it into the tap) and
	 * "transmits" what goes to its VM */
	uint64_t forth = min_u64(vm1_tap->rx, vm2_tap->tx);
	uint64_t back = min_u64(vm2_tap->rx, vm1_tap->tx);
	return forth > back ? forth : back;
}

void check_iperf_link(struct check_result *r, const struct iperf_result *res, int parse_rc,
		      const struct ch3_link *link, const struct ch3_link *other, const char *crossed_hint)
{
	check_iperf_run(r, res, parse_rc);
	if (r->verdict != VERDICT_PASS)
		return;
	/* the payload that crossed, the busier way (the client's, or the
	 * server's with -R) */
	uint64_t payload = res->sent.bytes > res->received.bytes ? res->sent.bytes : res->received.bytes;
	char moved[32], carried[32], elsewhere[32];
	format_size(payload, moved, sizeof(moved));
	format_size(link->carried, carried, sizeof(carried));
	format_size(other->carried, elsewhere, sizeof(elsewhere));
	if ((double)link->carried >= 0.9 * (double)payload) {
		char *run = xstrdup(r->detail);
		check_pass(r, "%s; the %s link (%s) carried %s during the run, iperf3 counted %s", run, link->name,
			   link->path, carried, moved);
		free(run);
		return;
	}
	if ((double)other->carried >= 0.9 * (double)payload)
		check_fail(r, crossed_hint,
			   "iperf3 moved %s, but the %s link (%s) carried only %s during the run while the %s link "
			   "(%s) carried %s: the traffic took the other link",
			   moved, link->name, link->path, carried, other->name, other->path, elsewhere);
	else
		check_fail(r, crossed_hint,
			   "iperf3 moved %s, but the %s link (%s) carried only %s during the run (the %s link %s): "
			   "its report is not this link's",
			   moved, link->name, link->path, carried, other->name, elsewhere);
}

void check_virtio_faster(struct check_result *r, double e1000_bps, double virtio_bps, const char *not_compared)
{
	if (not_compared) {
		check_fail(r, "make both iperf3 runs pass first", "not compared: %s", not_compared);
		return;
	}
	char e[32], v[32];
	iperf_format_bps(e1000_bps, e, sizeof(e));
	iperf_format_bps(virtio_bps, v, sizeof(v));
	if (e1000_bps <= 0) {
		check_fail(r, "make both iperf3 runs pass first", "not compared: the e1000 run measured %s", e);
		return;
	}
	double ratio = virtio_bps / e1000_bps;
	if (ratio > 1) {
		check_pass(r, "virtio-net %s, e1000 %s: virtio/e1000 = %.2f", v, e, ratio);
		return;
	}
	check_fail(r, "run both for the same time on an otherwise idle host; a virtio run that is slower usually "
		      "went over the e1000 NIC (find the interfaces by MAC)",
		   "virtio-net %s, e1000 %s: virtio/e1000 = %.2f, not above 1", v, e, ratio);
}
