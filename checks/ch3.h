/* Chapter 3's verdicts: pure functions from evidence (the links of the lab
 * namespace as netlink lists them, the guest's ping output, iperf3's report
 * and the taps' byte counters around a run) to a verdict. */
#ifndef VLAB_CHECKS_CH3_H
#define VLAB_CHECKS_CH3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/iperf.h"
#include "checks/net_link_info.h"
#include "checks/ping_parse.h"
#include "checks/verdict.h"

/* A bridge the lab wants: its address and the taps it joins. */
struct ch3_bridge {
	const char *name;        /* "br0" */
	const char *cidr;        /* "10.0.0.1/24" */
	const char *taps[2];     /* "tap0", "tap2" */
	bool address_optional;   /* a lab built by hand may leave the bridge without it, as the lab says */
	bool brctl;              /* the fix in brctl's words, as the course's runqemu_two_vms.sh makes its
				  * bridges; else ip's, as vlab's own chapter 3 shows its steps */
};

/* ch3.bridges: every wanted bridge exists (kind "bridge"), is up, has its
 * address, and its members (the links whose master it is) are exactly its
 * taps, each up. links: the namespace's links as net_link_list() gives them.
 * A FAIL names every defect, and its hint is the whole fix at once, in each
 * bridge's words (brctl or ip): a tap in the wrong bridge is taken out of
 * it and put in its own, a missing bridge is made with its taps and up. */
void check_bridges(struct check_result *r, const struct net_link_info *links, size_t nlinks,
		   const struct ch3_bridge *want, size_t nwant);

/* ch3.ping_<link>_link: VM1's ping of dst ("10.0.0.11") over the link named
 * link ("e1000"), as ping_parse() read it (parse_rc its return). */
void check_ping_link(struct check_result *r, const char *link, const char *dst, const struct ping_summary *s,
		     int parse_rc);

/* A tap's byte counters: the change over a run (after - before). */
struct tap_bytes {
	uint64_t rx, tx;
};

/* The bytes a link (VM1's tap and VM2's tap on one bridge) carried between
 * the VMs, the busier way: frames that left one VM (its tap received them)
 * and reached the other (its tap sent them). */
uint64_t ch3_link_carried(const struct tap_bytes *vm1_tap, const struct tap_bytes *vm2_tap);

struct ch3_link {
	const char *name;        /* "e1000" */
	const char *path;        /* "tap0, br0, tap2" */
	uint64_t carried;        /* ch3_link_carried() over the run */
};

/* ch3.iperf_<link>: iperf3's run (check_iperf_run() first) and proof from
 * the counters that this link, not the other, carried it: at least 90% of
 * the bytes iperf3 counted (the counters see every frame with its headers,
 * so a link that carried the run counts a few percent more, never less).
 * crossed_hint: what to tell a student whose traffic took the other link. */
void check_iperf_link(struct check_result *r, const struct iperf_result *res, int parse_rc,
		      const struct ch3_link *link, const struct ch3_link *other, const char *crossed_hint);

/* ch3.virtio_faster: virtio_bps / e1000_bps > 1. not_compared: why the two
 * runs cannot be compared (a link check failed), NULL when they can. */
void check_virtio_faster(struct check_result *r, double e1000_bps, double virtio_bps, const char *not_compared);

#endif
