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

/* A reason a guest was not asked: its con_why (up to 512 bytes) and its
 * console's last lines (up to 320) */
#define NOT_ASKED_WHY_MAX 1024

static const struct net_link_info *link_named(const struct net_link_info *l, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return &l[i];
	return NULL;
}

/* A tap's counters over one ping's window (after - before), zero when
 * the tap is in neither reading or was made anew in between. */
static struct tap_bytes tap_delta(const struct two_vm_window *w, const char *tap)
{
	struct tap_bytes d = { 0, 0 };
	const struct net_link_info *b = link_named(w->before, w->nbefore, tap), *a = link_named(w->after, w->nafter, tap);
	if (a && b && a->rx_bytes >= b->rx_bytes && a->tx_bytes >= b->tx_bytes) {
		d.rx = a->rx_bytes - b->rx_bytes;
		d.tx = a->tx_bytes - b->tx_bytes;
	}
	return d;
}

/* An echo request or reply of busybox's ping as the tap counts it: 56
 * data bytes, 8 of ICMP, 20 of IP, 14 of Ethernet. */
#define PING_FRAME_BYTES 98

/* What one ping's window shows on one link (k: two_vm_roles' NIC index):
 * a tap "receives" what its VM sends and "transmits" what goes to it, so
 * the requests (VM1 to VM2) are VM1's tap's rx and VM2's tap's tx, the
 * replies VM2's tap's rx and VM1's tap's tx. */
struct link_traffic {
	const struct two_vm_nic *vm1, *vm2;  /* the link's NIC in each VM (their taps) */
	struct tap_bytes at1, at2;           /* their taps' counters over the window */
	bool requests, replies;              /* every request sent, every reply received, crossed it */
};

static struct link_traffic link_traffic(const struct two_vm_window *w, int k, const struct ping_summary *s)
{
	struct link_traffic t = { &two_vm_roles[0].nic[k], &two_vm_roles[1].nic[k], { 0, 0 }, { 0, 0 }, false, false };
	t.at1 = tap_delta(w, t.vm1->tap);
	t.at2 = tap_delta(w, t.vm2->tap);
	const uint64_t sent = (uint64_t)s->transmitted * PING_FRAME_BYTES, got = (uint64_t)s->received * PING_FRAME_BYTES;
	t.requests = t.at1.rx >= sent && t.at2.tx >= sent;
	t.replies = t.at2.rx >= got && t.at1.tx >= got;
	return t;
}

/* "tap0 received 294 bytes from VM1 and tap2 sent 294 to VM2" (replies:
 * the other way). */
static void say_taps(struct strbuf *sb, const struct link_traffic *t, bool replies)
{
	if (replies)
		sb_addf(sb, "%s received %llu bytes from VM2 and %s sent %llu to VM1", t->vm2->tap,
			(unsigned long long)t->at2.rx, t->vm1->tap, (unsigned long long)t->at1.tx);
	else
		sb_addf(sb, "%s received %llu bytes from VM1 and %s sent %llu to VM2", t->vm1->tap,
			(unsigned long long)t->at1.rx, t->vm2->tap, (unsigned long long)t->at2.tx);
}

/* Which link one way of the ping (its requests, or its replies) took:
 * "its replies came back over the virtio link (tap3 received ...)". */
static void say_way(struct strbuf *sb, const struct link_traffic *claimed, const struct link_traffic *other,
		    bool replies)
{
	const char *what = replies ? "its replies" : "its requests";
	if (replies ? claimed->replies : claimed->requests) {
		sb_addf(sb, "%s crossed the %s link (", what, claimed->vm1->link);
		say_taps(sb, claimed, replies);
	} else if (replies ? other->replies : other->requests) {
		sb_addf(sb, "%s %s over the %s link (", what, replies ? "came back" : "went", other->vm1->link);
		say_taps(sb, other, replies);
	} else {
		sb_addf(sb, "%s crossed neither link whole (", what);
		say_taps(sb, claimed, replies);
		sb_adds(sb, "; ");
		say_taps(sb, other, replies);
	}
	sb_adds(sb, ")");
}

/* Why a guest was not asked, in buf (with what its console last showed
 * and what QMP said of the VM, when it gave no prompt: a guest that hung
 * in its boot, or a VM paused, says so); NULL when it was asked. */
static const char *not_asked_why(const struct two_vm_guest_facts *g, char *buf, size_t n)
{
	if (g->asked && !g->guest_error[0])
		return NULL;
	if (g->guest_error[0])
		return g->guest_error;
	if (!g->con_why[0])
		return "its serial console could not be used";
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, g->con_why);
	if (g->qmp_status && g->qmp_status[0])
		sb_addf(&sb, "; QMP says the VM is %s", g->qmp_status);
	if (g->con_seen && g->con_seen[0])
		sb_addf(&sb, "; the console's last lines: '%s'", g->con_seen);
	snprintf(buf, n, "%s", sb_str(&sb));
	sb_release(&sb);
	return buf;
}

/* VM v's guest was not asked because it never came up: no one else held
 * its console, and it gave no login prompt (silent, or closed as qemu
 * went). That is the VM's failing, as a single VM's dead console is
 * (handbuilt_lab.c), not a reading vlab could not make: r fails, saying
 * why; true when it did. */
static bool fail_if_dead(struct check_result *r, const struct two_vm_guest_facts *g, int v, const char *why)
{
	if (g->asked || (g->con != CON_SILENT && g->con != CON_CLOSED))
		return false;
	if (g->qmp_status && (!strcmp(g->qmp_status, "prelaunch") || !strcmp(g->qmp_status, "paused")))
		check_fail(r, "start the VM running: -S in qemu's command leaves it paused until a QMP `cont`",
			   "VM%d's guest never came up: %s", v + 1, why);
	else
		check_fail(r,
			   "each VM must boot to a login prompt on its serial socket; console=ttyS0 in -append shows "
			   "the kernel's own messages (a panic among them) there",
			   "VM%d's guest never came up: %s", v + 1, why);
	return true;
}

/* ch3.ping_<link>_link (k: the link's NIC index): VM1's ping over the
 * link, and the taps' counters over that ping alone (w) showing that the
 * link carried its requests and its replies. A plan with the addresses
 * crossed still gets replies, the other way round: VM2 answers from the
 * NIC that holds the address it replies to, over the other link. */
static void two_vm_ping_verdict(struct check_result *r, const struct two_vm_guest_facts *vm1, int k,
				const struct two_vm_window *w, const char *ns_error)
{
	const struct two_vm_nic *link = &two_vm_roles[0].nic[k];
	char dst[32];
	snprintf(dst, sizeof(dst), "%.*s", (int)strcspn(two_vm_roles[1].nic[k].cidr, "/"), two_vm_roles[1].nic[k].cidr);
	char why_buf[NOT_ASKED_WHY_MAX];
	const char *why = not_asked_why(vm1, why_buf, sizeof(why_buf));
	int out_index = k ? TWO_VM_VM1_OUT_PING_VIRTIO : TWO_VM_VM1_OUT_PING_E1000;
	if (why && fail_if_dead(r, vm1, 0, why))
		return;
	if (why || vm1->only_ran <= out_index) {
		check_skip(r, "VM1's guest was not asked: %s", why ? why : "the console stopped answering");
		return;
	}
	struct ping_summary s;
	int rc = ping_parse(vm1->out[out_index], &s);
	check_ping_link(r, link->link, dst, &s, rc);
	if (r->verdict != VERDICT_PASS)
		return;
	char *d = xstrdup(r->detail);
	if (!w->nbefore || !w->nafter) {
		check_skip(r, "%s; which link carried it is not known: the taps' counters around it were not read (%s)",
			   d, ns_error[0] ? ns_error : "the qemus' network namespace was not read");
		free(d);
		return;
	}
	struct link_traffic claimed = link_traffic(w, k, &s), other = link_traffic(w, 1 - k, &s);
	if (claimed.requests && claimed.replies) {
		check_pass(r, "%s; the %s link carried it both ways (%s: %llu bytes from VM1, %s: %llu bytes from VM2)",
			   d, link->link, claimed.vm1->tap, (unsigned long long)claimed.at1.rx, claimed.vm2->tap,
			   (unsigned long long)claimed.at2.rx);
		free(d);
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s; ", d);
	say_way(&sb, &claimed, &other, false);
	sb_adds(&sb, claimed.requests != claimed.replies ? ", but " : ", and ");
	say_way(&sb, &claimed, &other, true);
	sb_addf(&sb, ": the %s link (%s, %s, %s) did not carry it both ways", link->link, claimed.vm1->tap, link->bridge,
		claimed.vm2->tap);
	if (other.requests || other.replies)
		check_fail(r, "each VM's address on a link belongs on that link's NIC, found by MAC (`ip a s`): "
			      "ch3.guest_addresses names the NIC that holds the other link's address (a VM sends out "
			      "of the NIC whose subnet holds the address it sends to, whichever NIC the request came in by)",
			   "%s", sb_str(&sb));
	else
		check_fail(r, "both VMs' NICs of the link in its bridge (ch3.bridges), each with its own address "
			      "(ch3.guest_addresses)",
			   "%s", sb_str(&sb));
	sb_release(&sb);
	free(d);
}

void two_vm_vm1_command_line(struct check_result *r, const struct two_vm_facts *f)
{
	if (f->vm[0].cmd)
		two_vm_check_cmdline(r, f->vm[0].cmd, &two_vm_roles[0]);
	else
		check_fail(r, "start both VMs, as the course's runqemu_two_vms.sh does", "%s", f->missing);
}

void two_vm_vm2_command_line(struct check_result *r, const struct two_vm_facts *f)
{
	if (f->vm[1].cmd)
		two_vm_check_cmdline(r, f->vm[1].cmd, &two_vm_roles[1]);
	else
		check_fail(r, "start both VMs, as the course's runqemu_two_vms.sh does", "%s", f->missing);
}

void two_vm_bridges(struct check_result *r, const struct two_vm_facts *f)
{
	if (!f->ns_ok)
		check_skip(r, "%s", f->ns_error[0] ? f->ns_error : "the qemus' network namespace was not read");
	else
		two_vm_check_bridges(r, f->links, f->nlinks);
}

void two_vm_taps_attached(struct check_result *r, const struct two_vm_facts *f)
{
	if (!f->vm[0].cmd || !f->vm[1].cmd) {
		check_fail(r, NULL, "%s", f->missing);
		return;
	}
	const char *tp[2][4] = { { NULL } };
	const size_t ntaps[2] = { f->vm[0].ntaps, f->vm[1].ntaps };
	for (int v = 0; v < 2; v++)
		for (size_t k = 0; k < ntaps[v] && k < 4; k++)
			tp[v][k] = f->vm[v].taps[k];
	const pid_t pids[2] = { f->vm[0].pid, f->vm[1].pid };
	two_vm_check_taps(r, (const char *const(*)[4])tp, ntaps, pids);
}

/* Each guest's `ip a s` into ifs[v] (nifs[v] of them); nr[v] set to why
 * VM v's guest was not read (perhaps in why_buf[v]), NULL when it was. */
static void guests_read(const struct two_vm_facts *f, struct ip_iface (*ifs)[8], size_t nifs[2], const char *nr[2],
			char (*why_buf)[NOT_ASKED_WHY_MAX])
{
	for (int v = 0; v < 2; v++) {
		nifs[v] = 0;
		nr[v] = f->vm[v].cmd ? not_asked_why(&f->vm[v], why_buf[v], sizeof(why_buf[v])) : f->missing;
		if (!nr[v] && f->vm[v].only_ran >= 1) {
			int k = parse_ip_addr_show(f->vm[v].out[0], ifs[v], 8);
			nifs[v] = k > 0 ? (size_t)k : 0;
		} else if (!nr[v]) {
			nr[v] = "`ip a s` did not run";
		}
	}
}

void two_vm_guest_addresses(struct check_result *r, const struct two_vm_facts *f)
{
	if (!f->vm[0].cmd || !f->vm[1].cmd) {
		check_fail(r, NULL, "%s", f->missing);
		return;
	}
	struct ip_iface(*ifs)[8] = xcalloc(2, sizeof(*ifs));
	size_t nifs[2];
	const char *nr[2];
	char why_buf[2][NOT_ASKED_WHY_MAX];
	guests_read(f, ifs, nifs, nr, why_buf);
	for (int v = 0; v < 2; v++) {
		if (nr[v] && fail_if_dead(r, &f->vm[v], v, nr[v])) {
			free(ifs);
			return;
		}
	}
	const struct ip_iface *const ifp[2] = { ifs[0], ifs[1] };
	two_vm_check_addresses(r, ifp, nifs, nr);
	free(ifs);
}

static void ping_link(struct check_result *r, const struct two_vm_facts *f, int k)
{
	if (!f->vm[0].cmd || !f->vm[1].cmd)
		check_fail(r, NULL, "%s", f->missing);
	else
		two_vm_ping_verdict(r, &f->vm[0], k, &f->ping[k], f->ns_error);
}

void two_vm_ping_e1000_link(struct check_result *r, const struct two_vm_facts *f)
{
	ping_link(r, f, 0);
}

void two_vm_ping_virtio_link(struct check_result *r, const struct two_vm_facts *f)
{
	ping_link(r, f, 1);
}

void two_vm_iperf_server(struct check_result *r, const struct two_vm_facts *f)
{
	const struct two_vm_guest_facts *vm2 = &f->vm[1];
	if (!vm2->cmd) {
		check_fail(r, NULL, "%s", f->missing);
		return;
	}
	char why_buf[NOT_ASKED_WHY_MAX];
	const char *why = not_asked_why(vm2, why_buf, sizeof(why_buf));
	if (why && fail_if_dead(r, vm2, 1, why))
		return;
	if (why || vm2->only_ran < 3)
		two_vm_check_iperf_server(r, 0, 0, why ? why : "the console stopped answering");
	else
		two_vm_check_iperf_server(r, procfs_tcp_listening(vm2->out[1], LAB_IPERF_PORT),
					  procfs_tcp_listening(vm2->out[2], LAB_IPERF_PORT), NULL);
}

/* The client run over link k (0 the e1000's, 1 the virtio's) judged into
 * r; its rate in *bps when it passed. */
static void iperf_link(struct check_result *r, const struct two_vm_facts *f, int k, double *bps)
{
	static const char *const iperf_opts[2] = { "--iperf-e1000", "--iperf-virtio" };
	const struct two_vm_iperf_run *run = &f->iperf[k];
	*bps = 0;
	if (run->not_run) {
		check_fail(r, NULL, "%s did not run: %s", run->file, run->not_run);
	} else if (run->file && run->read_rc) {
		check_fail(r, NULL, "cannot read %s: %s", run->file, strerror(-run->read_rc));
	} else {
		two_vm_check_iperf_file(r, &two_vm_roles[0].nic[k], iperf_opts[k], run->file, &run->res, run->parse_rc);
		*bps = iperf_bps(&run->res);
	}
}

void two_vm_iperf_e1000(struct check_result *r, const struct two_vm_facts *f)
{
	double bps;
	iperf_link(r, f, 0, &bps);
}

void two_vm_iperf_virtio(struct check_result *r, const struct two_vm_facts *f)
{
	double bps;
	iperf_link(r, f, 1, &bps);
}

void two_vm_virtio_faster(struct check_result *r, const struct two_vm_facts *f)
{
	const char *not_run = f->iperf[1].not_run ? f->iperf[1].not_run : f->iperf[0].not_run;
	if (not_run) {
		check_fail(r, NULL, "VM1's iperf3 clients did not run: %s", not_run);
		return;
	}
	if (!f->iperf[0].file || !f->iperf[1].file) {
		check_skip(r, "needs both saved client runs: give --iperf-e1000 FILE and --iperf-virtio FILE");
		return;
	}
	double bps[2];
	struct check_result run[2];
	for (int k = 0; k < 2; k++) {
		check_init(&run[k], r->id);
		iperf_link(&run[k], f, k, &bps[k]);
	}
	bool judged = run[0].verdict == VERDICT_PASS && run[1].verdict == VERDICT_PASS;
	check_virtio_faster(r, bps[0], bps[1], judged ? NULL : "a saved run did not pass its own check");
	if (f->iperf_again && f->iperf_again[0])
		check_detail_prefix(r, f->iperf_again);
}
