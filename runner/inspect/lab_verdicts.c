/* Chapters 1 and 2's verdicts on a hand-built lab (runner/inspect/lab_verdicts.h). */
#include "runner/inspect/lab_verdicts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/ch1.h"
#include "checks/ch2.h"
#include "checks/ping_parse.h"
#include "checks/qemu_cmdline_verdicts.h"
#include "checks/lab_plan.h"

/* ---- verdicts ------------------------------------------------------------ */

/* More evidence (the guest's, QMP's) on top of the command line's: a
 * failure there wins; both details when both pass. where: "in the guest: ",
 * or "" when the evidence names its source itself. */
static void merge_evidence(struct check_result *r, const struct check_result *g, const char *where)
{
	if (r->verdict != VERDICT_PASS || !g->done)
		return;
	char d[sizeof(r->detail)];
	if (g->verdict == VERDICT_PASS) {
		text_printf(d, sizeof(d), "%s; %s%s", r->detail, where, g->detail);
		snprintf(r->detail, sizeof(r->detail), "%s", d);
		return;
	}
	text_printf(d, sizeof(d), "the command line is right, but %s%s", where, g->detail);
	*r = *g;
	snprintf(r->detail, sizeof(r->detail), "%s", d);
}

/* Why the guest was not asked, for details ("" when it was). */
static const char *not_asked(const struct evidence *ev)
{
	if (ev->asked && !ev->guest_error[0])
		return "";
	if (ev->guest_error[0])
		return ev->guest_error;
	if (ev->con_why[0])
		return ev->con_why;
	return "no shell on the console";
}

static void verdict_login(struct check_result *r, const struct evidence *ev, bool tried, int rc, const char *id,
			  const char *user)
{
	if (!ev->serial_ok) {
		const char *check_id = r->id;
		*r = ev->serial_verdict;
		r->id = check_id;
		return;
	}
	if (ev->con == CON_SHELL) {
		check_skip(r, "%s", ev->con_why);
		return;
	}
	if (ev->con == CON_HELD) {
		check_skip(r, "%s (%s): QEMU serves one client at a time, so vlab did not log in; only the outside "
			      "checks ran",
			   ev->con_why, ev->serial_path);
		return;
	}
	if (ev->con != CON_FREE) {
		check_skip(r, "%s; only the outside checks ran", ev->con_why);
		return;
	}
	if (!tried) {
		check_fail(r, NULL, "not tried: %s", not_asked(ev));
		return;
	}
	check_login(r, user, rc, id, NULL);
	if (r->verdict == VERDICT_PASS)
		text_printf(r->detail, sizeof(r->detail), "logged in as %s over %s; `id -un` = %s; logged out again", user,
			 ev->serial_path, id);
}

void evidence_verdict_ch1(struct lab *lab, const struct evidence *ev)
{
	const struct qemu_cmdline *c = &ev->q->cmd;
	struct check_result *r, g;

	if ((r = lab_check(lab, CHECK_CH1_QEMU_RUNNING))) {
		check_cmdline_lab_vm(r, c, ev->q->pid, ev->q->state, ev->qmp_ok ? ev->qmp_status : NULL, ev->qmp_running);
		r->duration_ms = ev->t_cmdline_ms;
	}
	if ((r = lab_check(lab, CHECK_CH1_MEMORY_256M))) {
		check_cmdline_memory(r, c, LAB_MEMORY_BYTES);
		if (ev->qmp_memory_ok) {
			check_init(&g, r->id);
			check_memory(&g, ev->qmp_base_memory, LAB_MEMORY_BYTES);
			merge_evidence(r, &g, "");
		}
		r->duration_ms = ev->t_cmdline_ms;
	}
	if ((r = lab_check(lab, CHECK_CH1_ROOTFS_VIRTIO_BLK))) {
		bool read = ev->mounts_ok;
		check_cmdline_rootfs(r, c, read ? ev->root_dev : NULL, read ? ev->root_fstype : NULL, not_asked(ev));
		r->duration_ms = ev->t_cmdline_ms + ev->t_guest_ms;
	}
	for (int student = 0; student < 2; student++) {
		const char *id = student ? CHECK_CH1_SERIAL_LOGIN_STUDENT : CHECK_CH1_SERIAL_LOGIN_ROOT;
		if (!(r = lab_check(lab, id)))
			continue;
		if (student)
			verdict_login(r, ev, ev->student_tried, ev->student_rc, ev->student_id, "student");
		else
			verdict_login(r, ev, ev->root_tried, ev->root_rc, ev->root_id, "root");
		r->duration_ms = ev->t_guest_ms;
	}
	if ((r = lab_check(lab, CHECK_CH1_ONLY_LOOPBACK))) {
		check_cmdline_no_nic(r, c);
		if (r->verdict == VERDICT_PASS) {
			check_init(&g, r->id);
			if (ev->ip_read)
				check_only_loopback(&g, ev->ifs, ev->nifs);
			if (g.done)
				merge_evidence(r, &g, "in the guest: ");
			else if (not_asked(ev)[0])
				snprintf(r->detail + strlen(r->detail), sizeof(r->detail) - strlen(r->detail),
					 "; the guest's `ip a s` was not read: %s", not_asked(ev));
		}
		r->duration_ms = ev->t_cmdline_ms + ev->t_guest_ms;
	}
}

/* The guest's interface for the lab: by its MAC, else the one holding the
 * lab's address, else the first that is not lo. */
static const struct ip_iface *guest_iface(const struct evidence *ev)
{
	for (int i = 0; i < ev->nifs; i++)
		if (!strcasecmp(ev->ifs[i].mac, LAB_NIC_MAC))
			return &ev->ifs[i];
	for (int i = 0; i < ev->nifs; i++)
		for (int a = 0; a < ev->ifs[i].naddrs; a++)
			if (!strcmp(ev->ifs[i].addrs[a], LAB_GUEST_CIDR))
				return &ev->ifs[i];
	for (int i = 0; i < ev->nifs; i++)
		if (strcmp(ev->ifs[i].link_type, "loopback"))
			return &ev->ifs[i];
	return NULL;
}

/* ICMP's word on the guest's address, when the console cannot say. */
static void icmp_stand_in(const struct evidence *ev, struct strbuf *sb)
{
	if (!ev->host_ran)
		return;
	if (ev->icmp_rc == 0 && ev->icmp.received > 0)
		sb_addf(sb, "; stand-in: " LAB_GUEST_IP " answered %d/%d of vlab's ICMP echo requests, so the guest does "
			    "have that address",
			ev->icmp.received, ev->icmp.sent);
	else if (ev->icmp_rc == 0)
		sb_addf(sb, "; and " LAB_GUEST_IP " answered none of vlab's ICMP echo requests (see ch2.ping_host_to_guest)");
}

void evidence_verdict_ch2(struct lab *lab, const struct evidence *ev)
{
	const struct qemu_cmdline *c = &ev->q->cmd;
	struct check_result *r, g;
	int64_t host_ms = ev->t_host_ms;

	if ((r = lab_check(lab, CHECK_CH2_TAP_UP))) {
		if (!ev->host_ran)
			check_skip(r, "%s", ev->ns.error[0] ? ev->ns.error : "the host side was not read");
		else if (ev->tap_rc && ev->tap_rc != -ENODEV)
			check_error(r, "cannot read %s in %s: %s", ev->tap, ev->ns.name, strerror(-ev->tap_rc));
		else
			check_tap_up(r, ev->tap, ev->tap_rc == 0, ev->tap_rc == 0 && ev->tap_info.up, LAB_HOST_CIDR,
				     (const char (*)[48])ev->tap_info.addrs, ev->tap_rc == 0 ? ev->tap_info.naddrs : 0);
		if (r->verdict == VERDICT_PASS || r->verdict == VERDICT_FAIL) {
			char d[sizeof(r->detail)];
			text_printf(d, sizeof(d), "%s (in %s%s%s)", r->detail, ev->ns.name,
				 ev->tap_held[0] ? ", where qemu holds " : "", ev->tap_held);
			snprintf(r->detail, sizeof(r->detail), "%s", d);
		}
		r->duration_ms = host_ms;
	}
	if ((r = lab_check(lab, CHECK_CH2_NIC_MAC))) {
		check_cmdline_nic(r, c, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
		if (r->verdict == VERDICT_PASS) {
			check_init(&g, r->id);
			if (ev->nics_ok)
				check_nic_mac(&g, LAB_NIC_MAC, ev->nic_if[0] ? ev->nic_if : NULL, ev->nic_driver);
			if (g.done)
				merge_evidence(r, &g, "in the guest: ");
			else
				snprintf(r->detail + strlen(r->detail), sizeof(r->detail) - strlen(r->detail),
					 "; the guest's /sys was not read: %s", not_asked(ev));
		}
		r->duration_ms = ev->t_cmdline_ms + ev->t_guest_ms;
	}
	if ((r = lab_check(lab, CHECK_CH2_GUEST_IP))) {
		if (ev->ip_read) {
			const struct ip_iface *i = guest_iface(ev);
			if (i)
				check_guest_ip(r, i->name, LAB_GUEST_CIDR, (const char (*)[48])i->addrs, i->naddrs, i->up);
			else
				check_guest_ip(r, NULL, LAB_GUEST_CIDR, NULL, 0, false);
		} else {
			struct strbuf d = STRBUF_INIT;
			sb_addf(&d, "the guest's addresses were not read: %s", not_asked(ev));
			icmp_stand_in(ev, &d);
			check_skip(r, "%s", d.buf);
			sb_release(&d);
		}
		r->duration_ms = ev->t_guest_ms;
	}
	if ((r = lab_check(lab, CHECK_CH2_PING_GUEST_TO_HOST))) {
		if (ev->ping_ran) {
			struct ping_summary sum;
			int pr = ping_parse(sb_str(&ev->ping_out), &sum);
			if (pr && strcmp(ev->shell_user, "root") && strstr(sb_str(&ev->ping_out), "ermission denied"))
				check_skip(r, "the guest's ping needs root, and the shell vlab had was %s's", ev->shell_user);
			else
				check_ping_guest_to_host(r, &sum, pr);
		} else {
			check_skip(r, "the guest's ping did not run: %s", not_asked(ev));
		}
		r->duration_ms = ev->t_guest_ms;
	}
	if ((r = lab_check(lab, CHECK_CH2_PING_HOST_TO_GUEST))) {
		if (!ev->host_ran)
			check_skip(r, "%s", ev->ns.error[0] ? ev->ns.error : "the host side was not read");
		else
			check_ping_host_to_guest(r, &ev->icmp, ev->icmp_rc);
		r->duration_ms = host_ms;
	}
	if ((r = lab_check(lab, CHECK_CH2_HTTP_200))) {
		if (!ev->host_ran) {
			check_skip(r, "%s", ev->ns.error[0] ? ev->ns.error : "the host side was not read");
		} else if (ev->index_sha256[0] || ev->http_rc || ev->http.status != 200) {
			check_http_200(r, LAB_HTTP_URL, &ev->http, ev->http_rc, ev->index_sha256[0] ? ev->index_sha256 : NULL);
		} else if (!ev->http.body_len) {
			check_fail(r, "serve the directory /root, which holds index.html (httpd -p 8000 -h /root)",
				   "GET %s -> 200 with an empty body", LAB_HTTP_URL);
		} else {
			check_pass(r, "GET %s -> 200, %zu bytes (not compared with /root/index.html: %s)", LAB_HTTP_URL,
				   ev->http.body_len, ev->asked ? "the guest could not read it" : not_asked(ev));
		}
		r->duration_ms = host_ms;
	}
}

/* ---- reporting ---------------------------------------------------------- */


void evidence_lab_setup(struct lab *lab, const struct chapter *ch, const struct lab_options *o, const struct evidence *ev)
{
	lab_init(lab, NULL, o);
	lab->chapter = ch;
	for (size_t s = 0; s < ch->nsteps; s++) {
		for (const char *const *id = ch->steps[s].checks; id && *id; id++) {
			/* verify tears nothing down; chapter 2's VM has a NIC by design */
			if (!strcmp(*id, CHECK_CH2_TEARDOWN_CLEAN) || (!strcmp(*id, CHECK_CH1_ONLY_LOOPBACK) && ev->chapter > 1))
				continue;
			lab_add_check(lab, *id);
		}
	}
	const struct qemu_cmdline *c = &ev->q->cmd;
	lab->accel.accel = c->accel == QACCEL_KVM ? ACCEL_KVM : ACCEL_TCG;
	snprintf(lab->accel.reason, sizeof(lab->accel.reason), "the student's qemu runs under %s (%s)", c->accel_name,
		 c->accel_from[0] ? c->accel_from : "qemu's default");
}

