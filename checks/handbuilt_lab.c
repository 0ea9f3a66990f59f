/* Chapters 1 and 2's verdicts on a hand-built lab (checks/handbuilt_lab.h). */
#include "checks/handbuilt_lab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/ch1.h"
#include "checks/ch2.h"
#include "checks/lab_plan.h"
#include "checks/ping_parse.h"
#include "checks/qemu_cmdline_verdicts.h"

struct check_result *check_find(struct check_result *checks, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(checks[i].id, id))
			return &checks[i];
	return NULL;
}

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
static const char *not_asked(const struct lab_facts *f)
{
	if (f->asked && !f->guest_error[0])
		return "";
	if (f->guest_error[0])
		return f->guest_error;
	if (f->con_why[0])
		return f->con_why;
	return "no shell on the console";
}

/* Why a console that never gave a prompt is dead, from what vlab saw:
 * qemu's state, what the console printed, and the two causes the lab's
 * command meets (a kernel without the initrd it needs, a console= that
 * sends the kernel's messages away from the serial port). */
static void verdict_dead_console(struct check_result *r, const struct lab_facts *f)
{
	struct strbuf d = STRBUF_INIT;
	const char *hint = "start the VM again and connect to its console at once (what the guest prints while no "
			   "client is connected is lost); console=ttyS0 in -append shows the kernel's own messages there";
	sb_addf(&d, "%s", f->con_why[0] ? f->con_why : "the serial console gave no prompt");
	if (f->gone)
		sb_addf(&d, "; qemu (pid %d) exited while vlab read the lab", (int)f->pid);
	else if (f->qmp_ok)
		sb_addf(&d, "; qemu (pid %d) still runs and QMP says the VM is %s", (int)f->pid, f->qmp_status);
	else
		sb_addf(&d, "; qemu (pid %d) still runs", (int)f->pid);
	if (!f->gone && f->age_ms >= 0)
		sb_addf(&d, " (started %lld s ago)", (long long)(f->age_ms / 1000));
	if (f->con_seen && f->con_seen[0])
		sb_addf(&d, "; the console's last lines: '%s'", f->con_seen);
	else
		sb_adds(&d, "; the console printed nothing");
	const struct qemu_cmdline *c = f->cmd;
	if (f->initrd_beside && f->initrd_beside[0]) {
		sb_addf(&d, "; the command boots %s with no -initrd, though %s lies beside it: this image's kernel loads "
			    "virtio_blk and ext4 from its initrd, so without it the kernel cannot mount /dev/vda and "
			    "stops with a panic",
			c->kernel, f->initrd_beside);
		hint = "add -initrd initrd.img to qemu's command (the lab's Alpine kernel needs none; this image's does)";
	}
	size_t len = 0;
	const char *console = c && c->append ? append_param(c->append, "console", &len) : NULL;
	if (!console || len != 5 || strncmp(console, "ttyS0", 5))
		sb_addf(&d, "; %s%.*s sends the kernel's own messages (a panic among them) away from the serial port: "
			    "with console=ttyS0 in -append they show on the socket",
			console ? "console=" : "no console= in -append: the default console", console ? (int)len : 0,
			console ? console : "");
	check_fail(r, hint, "%s", d.buf);
	sb_release(&d);
}

/* A console that answered with text but no prompt: a kernel that stopped
 * says so ("Kernel panic - not syncing: VFS: Unable to mount root fs"). */
static bool console_says_panic(const struct lab_facts *f)
{
	return f->con_seen && strstr(f->con_seen, "Kernel panic");
}

static void verdict_login(struct check_result *r, const struct lab_facts *f, bool tried, int rc, const char *id,
			  const char *user)
{
	if (!f->serial_ok) {
		const char *check_id = r->id;
		*r = *f->serial_verdict;
		r->id = check_id;
		return;
	}
	if (f->con == CON_SHELL) {
		check_skip(r, "%s", f->con_why);
		return;
	}
	if (f->con == CON_HELD) {
		check_skip(r, "%s (%s): QEMU serves one client at a time, so vlab did not log in; only the outside "
			      "checks ran",
			   f->con_why, f->serial_path);
		return;
	}
	/* nobody else holds the console, and it gives no prompt: the guest is
	 * not at a login on its serial port, which is what the check asks */
	if (f->con == CON_SILENT || f->con == CON_CLOSED || (f->con == CON_BUSY && console_says_panic(f)) ||
	    (f->gone && !tried)) {
		verdict_dead_console(r, f);
		return;
	}
	if (f->con != CON_FREE) {
		check_skip(r, "%s; only the outside checks ran", f->con_why);
		return;
	}
	if (!tried) {
		check_fail(r, NULL, "not tried: %s", not_asked(f));
		return;
	}
	check_login(r, user, rc, id, NULL);
	if (r->verdict == VERDICT_PASS)
		text_printf(r->detail, sizeof(r->detail), "logged in as %s over %s; `id -un` = %s; logged out again", user,
			 f->serial_path, id);
}

void handbuilt_qemu_running(struct check_result *r, const struct lab_facts *f)
{
	check_cmdline_lab_vm(r, f->cmd, f->pid, f->state, f->qmp_ok ? f->qmp_status : NULL, f->qmp_running);
	if (f->gone && r->verdict == VERDICT_PASS)
		check_fail(r, "start the VM again (sudo ./runqemu_single_vm.sh) and read what qemu prints",
			   "qemu (pid %d) exited while vlab read the lab", (int)f->pid);
	r->duration_ms = f->t_cmdline_ms;
}

void handbuilt_memory_256m(struct check_result *r, const struct lab_facts *f)
{
	check_cmdline_memory(r, f->cmd, LAB_MEMORY_BYTES);
	if (f->qmp_memory_ok) {
		struct check_result g;
		check_init(&g, r->id);
		check_memory(&g, f->qmp_base_memory, LAB_MEMORY_BYTES);
		merge_evidence(r, &g, "");
	}
	r->duration_ms = f->t_cmdline_ms;
}

void handbuilt_rootfs_virtio_blk(struct check_result *r, const struct lab_facts *f)
{
	bool read = f->mounts_ok;
	check_cmdline_rootfs(r, f->cmd, read ? f->root_dev : NULL, read ? f->root_fstype : NULL, not_asked(f));
	r->duration_ms = f->t_cmdline_ms + f->t_guest_ms;
}

void handbuilt_login_root(struct check_result *r, const struct lab_facts *f)
{
	verdict_login(r, f, f->root_tried, f->root_rc, f->root_id, "root");
	r->duration_ms = f->t_guest_ms;
}

void handbuilt_login_student(struct check_result *r, const struct lab_facts *f)
{
	verdict_login(r, f, f->student_tried, f->student_rc, f->student_id, "student");
	r->duration_ms = f->t_guest_ms;
}

void handbuilt_only_loopback(struct check_result *r, const struct lab_facts *f)
{
	check_cmdline_no_nic(r, f->cmd);
	if (r->verdict == VERDICT_PASS) {
		struct check_result g;
		check_init(&g, r->id);
		if (f->ip_read)
			check_only_loopback(&g, f->ifs, f->nifs);
		if (g.done)
			merge_evidence(r, &g, "in the guest: ");
		else if (not_asked(f)[0])
			snprintf(r->detail + strlen(r->detail), sizeof(r->detail) - strlen(r->detail),
				 "; the guest's `ip a s` was not read: %s", not_asked(f));
	}
	r->duration_ms = f->t_cmdline_ms + f->t_guest_ms;
}

/* The guest's interface for the lab: by its MAC, else the one holding the
 * lab's address, else the first that is not lo. */
static const struct ip_iface *guest_iface(const struct lab_facts *f)
{
	for (int i = 0; i < f->nifs; i++)
		if (!strcasecmp(f->ifs[i].mac, LAB_NIC_MAC))
			return &f->ifs[i];
	for (int i = 0; i < f->nifs; i++)
		for (int a = 0; a < f->ifs[i].naddrs; a++)
			if (!strcmp(f->ifs[i].addrs[a], LAB_GUEST_CIDR))
				return &f->ifs[i];
	for (int i = 0; i < f->nifs; i++)
		if (strcmp(f->ifs[i].link_type, "loopback"))
			return &f->ifs[i];
	return NULL;
}

/* ICMP's word on the guest's address, when the console cannot say. */
static void icmp_stand_in(const struct lab_facts *f, struct strbuf *sb)
{
	if (!f->host_ran)
		return;
	if (f->icmp_rc == 0 && f->icmp.received > 0)
		sb_addf(sb, "; stand-in: " LAB_GUEST_IP " answered %d/%d of vlab's ICMP echo requests, so the guest does "
			    "have that address",
			f->icmp.received, f->icmp.sent);
	else if (f->icmp_rc == 0)
		sb_addf(sb, "; and " LAB_GUEST_IP " answered none of vlab's ICMP echo requests (see ch2.ping_host_to_guest)");
}

/* Before the host side's verdicts: a side that was not read. */
static bool host_side_unread(struct check_result *r, const struct lab_facts *f)
{
	if (f->host_ran)
		return false;
	check_skip(r, "%s", f->ns_error[0] ? f->ns_error : "the host side was not read");
	return true;
}

void handbuilt_tap_up(struct check_result *r, const struct lab_facts *f)
{
	r->duration_ms = f->t_host_ms;
	if (host_side_unread(r, f))
		return;
	if (f->tap_rc && f->tap_rc != -ENODEV)
		check_error(r, "cannot read %s in %s: %s", f->tap, f->ns_name, strerror(-f->tap_rc));
	else
		check_tap_up(r, f->tap, f->tap_rc == 0, f->tap_rc == 0 && f->tap_info.up, LAB_HOST_CIDR,
			     (const char (*)[48])f->tap_info.addrs, f->tap_rc == 0 ? f->tap_info.naddrs : 0);
	if (r->verdict == VERDICT_PASS || r->verdict == VERDICT_FAIL) {
		char d[sizeof(r->detail)];
		text_printf(d, sizeof(d), "%s (in %s%s%s)", r->detail, f->ns_name,
			    f->tap_held[0] ? ", where qemu holds " : "", f->tap_held);
		snprintf(r->detail, sizeof(r->detail), "%s", d);
	}
}

void handbuilt_nic_mac(struct check_result *r, const struct lab_facts *f)
{
	check_cmdline_nic(r, f->cmd, LAB_NIC_MODEL, LAB_NIC_MAC, LAB_TAP);
	if (r->verdict == VERDICT_PASS) {
		struct check_result g;
		check_init(&g, r->id);
		if (f->nics_ok)
			check_nic_mac(&g, LAB_NIC_MAC, f->nic_if[0] ? f->nic_if : NULL, f->nic_driver);
		if (g.done)
			merge_evidence(r, &g, "in the guest: ");
		else
			snprintf(r->detail + strlen(r->detail), sizeof(r->detail) - strlen(r->detail),
				 "; the guest's /sys was not read: %s", not_asked(f));
	}
	r->duration_ms = f->t_cmdline_ms + f->t_guest_ms;
}

void handbuilt_guest_ip(struct check_result *r, const struct lab_facts *f)
{
	if (f->ip_read) {
		const struct ip_iface *i = guest_iface(f);
		if (i)
			check_guest_ip(r, i->name, LAB_GUEST_CIDR, (const char (*)[48])i->addrs, i->naddrs, i->up);
		else
			check_guest_ip(r, NULL, LAB_GUEST_CIDR, NULL, 0, false);
	} else {
		struct strbuf d = STRBUF_INIT;
		sb_addf(&d, "the guest's addresses were not read: %s", not_asked(f));
		icmp_stand_in(f, &d);
		check_skip(r, "%s", d.buf);
		sb_release(&d);
	}
	r->duration_ms = f->t_guest_ms;
}

void handbuilt_ping_guest_to_host(struct check_result *r, const struct lab_facts *f)
{
	if (f->ping_ran) {
		struct ping_summary sum;
		int pr = ping_parse(f->ping_out, &sum);
		if (pr && strcmp(f->shell_user, "root") && strstr(f->ping_out, "ermission denied"))
			check_skip(r, "the guest's ping needs root, and the shell vlab had was %s's", f->shell_user);
		else
			check_ping_guest_to_host(r, &sum, pr);
	} else {
		check_skip(r, "the guest's ping did not run: %s", not_asked(f));
	}
	r->duration_ms = f->t_guest_ms;
}

void handbuilt_ping_host_to_guest(struct check_result *r, const struct lab_facts *f)
{
	r->duration_ms = f->t_host_ms;
	if (!host_side_unread(r, f))
		check_ping_host_to_guest(r, &f->icmp, f->icmp_rc);
}

void handbuilt_http_200(struct check_result *r, const struct lab_facts *f)
{
	r->duration_ms = f->t_host_ms;
	if (host_side_unread(r, f))
		return;
	if (f->index_sha256[0] || f->http_rc || f->http.status != 200)
		check_http_200(r, LAB_HTTP_URL, &f->http, f->http_rc, f->index_sha256[0] ? f->index_sha256 : NULL);
	else if (!f->http.body_len)
		check_fail(r, "serve the directory /root, which holds index.html (httpd -p 8000 -h /root)",
			   "GET %s -> 200 with an empty body", LAB_HTTP_URL);
	else
		check_pass(r, "GET %s -> 200, %zu bytes (not compared with /root/index.html: %s)", LAB_HTTP_URL,
			   f->http.body_len, f->asked ? "the guest could not read it" : not_asked(f));
}
