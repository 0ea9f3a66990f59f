/* Chapter 3's own: the lab's plan of NICs and links, the state its steps
 * share, and the helpers that ch3_iperf.c (the steps) and ch3_manual.c
 * (--manual) both use. Only chapter 3's files include it. */
#ifndef VLAB_CH3_PLAN_H
#define VLAB_CH3_PLAN_H

#include <stdbool.h>

#include "checks/ch3.h"
#include "checks/iperf.h"
#include "runner/chapter.h"
#include "runner/lab.h"
#include "runner/labnet.h"
#include "runner/net/net.h"

/* The lab's plan (its figure; the figure labels br1 10.0.0.1/24 too, which
 * would put one subnet on two bridges: br1 is 10.0.1.1/24, the subnet of
 * the virtio addresses). VM1 is vms[0], VM2 vms[1]. */
struct nic_plan {
	int vm;
	const char *model;      /* qemu -device */
	const char *driver;     /* the Linux driver that takes it */
	const char *mac;
	const char *tap;
	const char *cidr;       /* the guest's address */
	const char *dev_id, *netdev_id;
};
extern const struct nic_plan ch3_plan[4];

/* The two links: VM1's NIC ch3_plan[vm1] and VM2's ch3_plan[vm2] on one
 * bridge. */
struct link_plan {
	const char *name;       /* "e1000" */
	const char *bridge, *bridge_cidr;
	int vm1, vm2;           /* indexes into ch3_plan[] */
	const char *peer;       /* VM2's address: where VM1 pings and sends */
	const char *path;       /* for the verdicts */
	const char *ping_id, *iperf_id;
	const char *artifact;   /* the saved iperf3 JSON */
};
extern const struct link_plan ch3_links[2];

/* The hint when VM1's addresses are on the wrong interfaces. */
extern const char ch3_crossed_hint[];

/* What the chapter keeps between steps (lab->chapter_state). */
struct ch3_state {
	struct lab_net lnet;
	bool made[6];              /* tap0..tap3, br0, br1 were created by this run */
	char ifname[4][32];        /* ch3_plan[i]'s interface in its guest, found by MAC */
	bool swap;                 /* VLAB_TEST_CH3_SWAP_ADDRESSES: VM1's two addresses crossed */
	bool have_iperf;           /* the guests have iperf3 */
	struct iperf_result iperf[2];
	int iperf_rc[2];           /* iperf_parse()'s; -ENOENT: no run */
	/* --manual: the transcripts, and the taps' counters over the session */
	struct strbuf text[2];
	struct tap_bytes session[4];
};

/* The chapter's own options, stored by `vlab chapter`'s rows
 * (runner/cmd/lab_options.c); 0: not given. */
struct ch3_options {
	int duration_s;            /* --duration: each iperf3 run */
};
extern struct ch3_options ch3_options;
/* ch3_options as the chapter table lists them (runner/chapter.h) */
extern const struct chapter_option ch3_option_rows[];

/* Each iperf3 run's seconds: --duration, else the chapter's default. */
int ch3_duration_s(void);
/* The four taps' counters, in ch3_plan order. */
int ch3_read_taps(struct ch3_state *st, struct net_link_info info[4]);
/* Link l's iperf3 run as metrics (none when it did not parse). */
void ch3_record_run(struct lab *lab, int l);

#endif
