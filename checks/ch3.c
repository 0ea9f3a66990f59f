/* Chapter 3's verdicts. */
#include "checks/ch3.h"

#include <stdarg.h>
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

/* What is wrong with the bridges, and the whole fix: every defect in
 * `what` ("; " between them), every command that mends it in `fix`
 * (" && " between them), in the words the lab uses for the bridge judged
 * (its ch3_bridge.brctl). */
struct bridge_report {
	struct strbuf what, fix;
	bool brctl;
};

static void say(struct bridge_report *br, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void say(struct bridge_report *br, const char *fmt, ...)
{
	va_list ap;
	if (br->what.len)
		sb_adds(&br->what, "; ");
	va_start(ap, fmt);
	sb_vaddf(&br->what, fmt, ap);
	va_end(ap);
}

static void mend(struct bridge_report *br, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void mend(struct bridge_report *br, const char *fmt, ...)
{
	va_list ap;
	if (br->fix.len)
		sb_adds(&br->fix, " && ");
	va_start(ap, fmt);
	sb_vaddf(&br->fix, fmt, ap);
	va_end(ap);
}

/* The lab's words for making a bridge, putting a link in one (out of the
 * one it is in, when brctl is to add it: brctl will not take a port
 * another bridge holds, where ip moves it) and taking it out. */
static void mend_addbr(struct bridge_report *br, const char *bridge)
{
	if (br->brctl)
		mend(br, "brctl addbr %s", bridge);
	else
		mend(br, "ip link add %s type bridge", bridge);
}

static void mend_addif(struct bridge_report *br, const char *bridge, const char *from, const char *link)
{
	if (br->brctl && from[0])
		mend(br, "brctl delif %s %s", from, link);
	if (br->brctl)
		mend(br, "brctl addif %s %s", bridge, link);
	else
		mend(br, "ip link set %s master %s", link, bridge);
}

static void mend_delif(struct bridge_report *br, const char *bridge, const char *link)
{
	if (br->brctl)
		mend(br, "brctl delif %s %s", bridge, link);
	else
		mend(br, "ip link set %s nomaster", link);
}

/* Is name a tap some wanted bridge other than b should hold? */
static bool tap_of_another(const struct ch3_bridge *want, size_t nwant, const struct ch3_bridge *b, const char *name)
{
	for (size_t i = 0; i < nwant; i++)
		if (&want[i] != b && (!strcmp(want[i].taps[0], name) || !strcmp(want[i].taps[1], name)))
			return true;
	return false;
}

/* One of b's taps: there, in b (out of whichever bridge holds it, in one
 * go: brctl will not add a port another bridge holds), up. made: b is to
 * be made, so its taps are not in it yet and that goes without saying. */
static void tap_defects(struct bridge_report *br, const struct net_link_info *links, size_t n,
			const struct ch3_bridge *b, const char *name, bool made)
{
	const struct net_link_info *tap = find_link(links, n, name);
	if (!tap) {
		/* ip sets it up and in b at once: the fix for a namespace with
		 * nothing in it then fits a hint */
		say(br, "there is no %s (it belongs in %s)", name, b->name);
		mend(br, "ip tuntap add %s mode tap", name);
		if (br->brctl) {
			mend(br, "ip link set %s up", name);
			mend_addif(br, b->name, "", name);
		} else {
			mend(br, "ip link set %s up master %s", name, b->name);
		}
		return;
	}
	/* a link named b that is no bridge lets its ports go when deleted */
	bool in_b = !made && !strcmp(tap->master, b->name);
	const char *other = strcmp(tap->master, b->name) ? tap->master : "";
	if (!in_b) {
		if (other[0])
			say(br, "%s is in %s, not in %s", name, other, b->name);
		else if (!made)
			say(br, "%s is in no bridge (it belongs in %s)", name, b->name);
		mend_addif(br, b->name, other, name);
	}
	if (!tap->up) {
		if (in_b)
			say(br, "%s is in %s but down", name, b->name);
		else
			say(br, "%s is down", name);
		mend(br, "ip link set %s up", name);
	}
}

/* Bridge b as wanted: there, a bridge, holding its taps and nothing else,
 * up, with its address unless that is optional. */
static void bridge_defects(struct bridge_report *br, const struct net_link_info *links, size_t n,
			   const struct ch3_bridge *want, size_t nwant, const struct ch3_bridge *b)
{
	const struct net_link_info *l = find_link(links, n, b->name);
	bool made = !l || strcmp(l->kind, "bridge");
	br->brctl = b->brctl;
	if (!l) {
		say(br, "there is no %s", b->name);
		mend_addbr(br, b->name);
	} else if (made) {
		say(br, "%s is a %s link, not a bridge", b->name, l->kind[0] ? l->kind : "plain");
		mend(br, "ip link delete %s", b->name);
		mend_addbr(br, b->name);
	}
	for (int t = 0; t < 2; t++)
		tap_defects(br, links, n, b, b->taps[t], made);
	if (made || !l->up) {
		if (!made)
			say(br, "%s is down", b->name);
		mend(br, "ip link set %s up", b->name);
	}
	if (!b->address_optional && (made || !has_addr(l, b->cidr))) {
		if (!made)
			say(br, "%s does not have %s", b->name, b->cidr);
		mend(br, "ip addr add %s dev %s", b->cidr, b->name);
	}
	/* a third member would join links the lab keeps apart; a tap another
	 * bridge wants is moved there by that bridge's fix */
	bool extra = false;
	for (size_t i = 0; i < n && !made; i++) {
		if (strcmp(links[i].master, b->name) || !strcmp(links[i].name, b->taps[0]) ||
		    !strcmp(links[i].name, b->taps[1]))
			continue;
		if (!tap_of_another(want, nwant, b, links[i].name)) {
			mend_delif(br, b->name, links[i].name);
			extra = true;
		}
	}
	if (extra) {
		struct strbuf m = STRBUF_INIT;
		list_members(&m, links, n, b->name);
		say(br, "%s holds %s; it should hold only %s and %s", b->name, m.buf, b->taps[0], b->taps[1]);
		sb_release(&m);
	}
}

void check_bridges(struct check_result *r, const struct net_link_info *links, size_t nlinks,
		   const struct ch3_bridge *want, size_t nwant)
{
	struct bridge_report br = { STRBUF_INIT, STRBUF_INIT, false };
	for (size_t i = 0; i < nwant; i++)
		bridge_defects(&br, links, nlinks, want, nwant, &want[i]);
	if (br.what.len) {
		char *hint = xasprintf("on the host: %s", sb_str(&br.fix));
		check_fail(r, hint, "%s", sb_str(&br.what));
		free(hint);
		sb_release(&br.what);
		sb_release(&br.fix);
		return;
	}
	struct strbuf d = STRBUF_INIT;
	for (size_t i = 0; i < nwant; i++) {
		const struct net_link_info *b = find_link(links, nlinks, want[i].name);
		bool addr = b && has_addr(b, want[i].cidr);
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
		char ms[24];
		if (s->has_rtt)
			sb_addf(&d, ", rtt avg %s ms", ping_ms_text(s->rtt_avg, ms));
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
