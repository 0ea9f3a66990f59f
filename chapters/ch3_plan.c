/* Chapter 3's plan: the lab's NICs and links, and the helpers both its
 * steps and --manual use. */
#include "chapters/ch3_plan.h"
#include "checks/lab_plan.h"

#define DEFAULT_DURATION_S 5

const struct nic_plan ch3_plan[4] = {
	{ 0, "e1000", "e1000", LAB_VM1_E1000_MAC, LAB_VM1_E1000_TAP, LAB_VM1_E1000_CIDR, "net0", "hostnet0" },
	{ 0, "virtio-net-pci", "virtio_net", LAB_VM1_VIRTIO_MAC, LAB_VM1_VIRTIO_TAP, LAB_VM1_VIRTIO_CIDR, "net1",
	  "hostnet1" },
	{ 1, "e1000", "e1000", LAB_VM2_E1000_MAC, LAB_VM2_E1000_TAP, LAB_VM2_E1000_CIDR, "net0", "hostnet0" },
	{ 1, "virtio-net-pci", "virtio_net", LAB_VM2_VIRTIO_MAC, LAB_VM2_VIRTIO_TAP, LAB_VM2_VIRTIO_CIDR, "net1",
	  "hostnet1" },
};

const struct link_plan ch3_links[2] = {
	{ "e1000", LAB_BR_E1000, LAB_BR_E1000_CIDR, 0, 2, LAB_VM2_E1000_IP,
	  LAB_VM1_E1000_TAP ", " LAB_BR_E1000 ", " LAB_VM2_E1000_TAP, CHECK_CH3_PING_E1000_LINK,
	  CHECK_CH3_IPERF_E1000, "iperf_e1000" },
	{ "virtio", LAB_BR_VIRTIO, LAB_BR_VIRTIO_CIDR, 1, 3, LAB_VM2_VIRTIO_IP,
	  LAB_VM1_VIRTIO_TAP ", " LAB_BR_VIRTIO ", " LAB_VM2_VIRTIO_TAP, CHECK_CH3_PING_VIRTIO_LINK,
	  CHECK_CH3_IPERF_VIRTIO, "iperf_virtio" },
};

const char ch3_crossed_hint[] =
	"the addresses are on the wrong interfaces: in each VM, give 10.0.0.x/24 to the e1000 (MAC "
	"52:54:00:8b:99:de in VM1, :ce in VM2) and 10.0.1.x/24 to the virtio-net (:df, :cf); `ip a s` shows "
	"each interface's MAC (link/ether)";

struct ch3_options ch3_options;

const struct chapter_option ch3_option_rows[] = {
	{ .name = "--duration", .number = &ch3_options.duration_s },
	{ 0 },
};

int ch3_duration_s(void)
{
	return ch3_options.duration_s > 0 ? ch3_options.duration_s : DEFAULT_DURATION_S;
}

int ch3_read_taps(struct ch3_state *st, struct net_link_info info[4])
{
	for (int i = 0; i < 4; i++) {
		int r = net_link_get(st->lnet.net, ch3_plan[i].tap, &info[i]);
		if (r)
			return r;
	}
	return 0;
}

void ch3_record_run(struct lab *lab, int l)
{
	struct ch3_state *st = lab->chapter_state;
	const struct iperf_result *res = &st->iperf[l];
	if (st->iperf_rc[l])
		return;
	lab_metric(lab, l ? "iperf_virtio_bps" : "iperf_e1000_bps", iperf_bps(res));
	if (res->sent.retransmits >= 0)
		lab_metric(lab, l ? "iperf_virtio_retransmits_count" : "iperf_e1000_retransmits_count",
			   (double)res->sent.retransmits);
}
