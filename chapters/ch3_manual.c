/* Chapter 3 with --manual: the student types in both VMs' consoles; vlab
 * reads the taps' counters around the session and judges each link's
 * iperf3 run from the transcripts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/ch3_manual.h"
#include "checks/ch3.h"
#include "checks/iperf.h"
#include "checks/transcript.h"
#include "runner/manual.h"
#include "runner/report.h"
#include "runner/step.h"
#include "checks/lab_plan.h"

/* The last output of a command typed in VM v that starts with prefix and
 * names what; 0 when there is one. */
int ch3_typed_output(struct ch3_state *st, int v, const char *prefix, const char *what, struct strbuf *out)
{
	struct strbuf outs[8];
	memset(outs, 0, sizeof(outs));
	size_t n = transcript_outputs_like(sb_str(&st->text[v]), prefix, what, outs, ARRAY_SIZE(outs));
	size_t kept = n < ARRAY_SIZE(outs) ? n : ARRAY_SIZE(outs);
	if (kept)
		sb_adds(out, sb_str(&outs[kept - 1]));
	for (size_t i = 0; i < kept; i++)
		sb_release(&outs[i]);
	return kept ? 0 : -ENOENT;
}

/* What the student types (VM1's iperf3 lines get --duration's -t). */
static const char *const vm1_cmds[] = {
	"root",
	LAB_ROOT_PASSWORD,
	"ip a s        (which interface has 52:54:00:8b:99:de, the e1000, and which :df, the virtio-net)",
	"ip link set eth0 up; ip addr add 10.0.0.10/24 dev eth0     (the e1000)",
	"ip link set eth1 up; ip addr add 10.0.1.10/24 dev eth1     (the virtio-net)",
	"ping -c 3 10.0.0.11",
	"ping -c 3 10.0.1.11",
	NULL, /* the two iperf3 lines */
	NULL,
	NULL,
};
static const char *const vm2_cmds[] = {
	"root",
	LAB_ROOT_PASSWORD,
	"ip a s        (52:54:00:8b:99:ce is the e1000, :cf the virtio-net)",
	"ip link set eth0 up; ip addr add 10.0.0.11/24 dev eth0     (the e1000)",
	"ip link set eth1 up; ip addr add 10.0.1.11/24 dev eth1     (the virtio-net)",
	"iperf3 -s -D",
	NULL,
};

/* The student types in both VMs (VM2 first: it serves); vlab reads the taps'
 * counters before and after, and keeps both transcripts for the later steps. */
int ch3_manual_session(struct lab *lab)
{
	struct ch3_state *st = lab->chapter_state;
	struct net_link_info before[4], after[4];
	int rc = ch3_read_taps(st, before);
	if (rc)
		return lab_block(lab, rc, "cannot read the taps' counters: %s", strerror(-rc));
	ui_note(lab, "Type in vm2 first (it runs the iperf3 server), then in vm1. `ip a s` tells which ethN has\n"
		     "which MAC: the e1000s take 10.0.0.x/24, the virtio-nets 10.0.1.x/24.");
	const char *vm1[ARRAY_SIZE(vm1_cmds)];
	memcpy(vm1, vm1_cmds, sizeof(vm1));
	char *runs[2];
	for (int l = 0; l < 2; l++)
		vm1[ARRAY_SIZE(vm1) - 3 + l] = runs[l] = xasprintf("iperf3 -c %s -t %d", ch3_links[l].peer, ch3_duration_s());
	struct vm *const vms[2] = { &lab->vms[1], &lab->vms[0] };
	const char *const *const cmds[2] = { vm2_cmds, vm1 };
	struct strbuf texts[2] = { STRBUF_INIT, STRBUF_INIT };
	rc = vm_manual_sessions(lab, vms, cmds, 2, texts);
	free(runs[0]);
	free(runs[1]);
	st->text[1] = texts[0];
	st->text[0] = texts[1];
	if (rc)
		return rc;
	rc = ch3_read_taps(st, after);
	if (rc)
		return lab_block(lab, rc, "cannot read the taps' counters: %s", strerror(-rc));
	for (int i = 0; i < 4; i++) {
		st->session[i].rx = after[i].rx_bytes - before[i].rx_bytes;
		st->session[i].tx = after[i].tx_bytes - before[i].tx_bytes;
	}
	return 0;
}

void ch3_judge_manual_run(struct lab *lab, int l)
{
	struct ch3_state *st = lab->chapter_state;
	const struct link_plan *lk = &ch3_links[l];
	struct check_result *r = lab_check(lab, lk->iperf_id);
	struct strbuf out = STRBUF_INIT;
	/* VM1's address on this link, for a client typed in VM2 */
	const char *cidr = ch3_plan[lk->vm1].cidr;
	char vm1_ip[32];
	snprintf(vm1_ip, sizeof(vm1_ip), "%.*s", (int)strcspn(cidr, "/"), cidr);
	if (ch3_typed_output(st, 0, "iperf3", lk->peer, &out) && ch3_typed_output(st, 1, "iperf3", vm1_ip, &out)) {
		char *hint = xasprintf("type `iperf3 -s -D` in vm2, then `iperf3 -c %s -t %d` in vm1", lk->peer,
				       ch3_duration_s());
		check_fail(r, hint, "the console transcripts show no iperf3 client run to %s", lk->peer);
		free(hint);
		sb_release(&out);
		return;
	}
	st->iperf_rc[l] = iperf_parse(sb_str(&out), out.len, &st->iperf[l]);
	sb_release(&out);
	ch3_record_run(lab, l);
	struct ch3_link this = { lk->name, lk->path, ch3_link_carried(&st->session[lk->vm1], &st->session[lk->vm2]) };
	const struct link_plan *ol = &ch3_links[!l];
	struct ch3_link other = { ol->name, ol->path, ch3_link_carried(&st->session[ol->vm1], &st->session[ol->vm2]) };
	check_iperf_link(r, &st->iperf[l], st->iperf_rc[l], &this, &other, ch3_crossed_hint);
}
