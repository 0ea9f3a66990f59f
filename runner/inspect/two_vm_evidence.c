/* Gathering chapter 3's two hand-built VMs (runner/inspect/two_vm_evidence.h). */
#include "runner/inspect/two_vm_evidence.h"

#include "checks/lab_plan.h"
#include "checks/qemu_cmdline_verdicts.h"
#include "runner/cleanup.h"

/* The commands read in each guest, read-only; VM1's pings cross each link
 * to VM2 (chapter 3's own pings). */
static const char *const vm1_cmds[] = { "ip a s", "ping -c 3 -W 2 " LAB_VM2_E1000_IP,
					 "ping -c 3 -W 2 " LAB_VM2_VIRTIO_IP, NULL };
static const char *const vm2_cmds[] = { "ip a s", "cat /proc/net/tcp", "cat /proc/net/tcp6 2>/dev/null", NULL };

/* The namespace's links with their counters (entered and left again). */
static size_t two_vm_links(struct qemu_ns *t, struct qemu_ns_said *said, struct net_link_info *links, size_t max)
{
	size_t n = 0;
	if (qemu_ns_enter(t, said))
		return 0;
	struct net *net;
	if (net_open(&net) == 0) {
		if (net_link_list(net, links, max, &n))
			n = 0;
		net_close(net);
	}
	qemu_ns_leave(t);
	return n < max ? n : max;
}

void two_vm_gather(struct two_vm_evidence *tv)
{
	struct evidence *ev = tv->ev;
	for (int v = 0; v < 2; v++) {
		if (!tv->q[v])
			continue;
		ev[v].q = tv->q[v];
		ev[v].chapter = 3;
		ev[v].scale = tv->q[v]->cmd.accel == QACCEL_KVM ? 1 : 4;
		ev[v].only_cmds = v ? vm2_cmds : vm1_cmds;
		ev[v].ndifferences =
			qemu_cmdline_differences(&tv->q[v]->cmd, ev[v].differences, ARRAY_SIZE(ev[v].differences));
	}
	/* the host side, in the namespace the qemus run in (VM1's, else VM2's) */
	tv->host = tv->q[0] ? 0 : 1;
	struct qemu_ns t;
	struct qemu_ns_said *said = &ev[tv->host].ns;
	tv->ns_ok = qemu_ns_open(tv->q[tv->host]->pid, &t, said) == 0;
	for (int v = 0; v < 2; v++) {
		if (tv->q[v]) {
			tv->ntaps[v] = qemu_taps(tv->q[v]->pid, tv->taps[v], 4);
			evidence_serial(&ev[v], NULL);
		}
	}
	/* VM2 first, then VM1, whose pings the counters around it see */
	if (tv->q[1] && !cleanup_stop_requested())
		evidence_guest(&ev[1]);
	tv->nbefore = tv->ns_ok ? two_vm_links(&t, said, tv->before, ARRAY_SIZE(tv->before)) : 0;
	if (tv->q[0] && !cleanup_stop_requested())
		evidence_guest(&ev[0]);
	tv->nafter = tv->ns_ok ? two_vm_links(&t, said, tv->after, ARRAY_SIZE(tv->after)) : 0;
	qemu_ns_close(&t);
}

void two_vm_evidence_release(struct two_vm_evidence *tv)
{
	for (int v = 0; v < 2; v++)
		evidence_release(&tv->ev[v]);
}
