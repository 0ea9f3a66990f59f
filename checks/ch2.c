/* Chapter 2's verdicts. */
#include "checks/ch2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runner/util.h"
#include "checks/lab_plan.h"

#define LAB_NIC_MODEL "e1000"

/* "10.0.0.1/8, fe80::1/64" or "no address" */
static void list_addrs(struct strbuf *sb, const char addrs[][48], int naddrs)
{
	for (int i = 0; addrs && i < naddrs; i++)
		sb_addf(sb, "%s%s", i ? ", " : "", addrs[i]);
	if (!sb->len)
		sb_adds(sb, "no address");
}

static bool has_addr(const char addrs[][48], int naddrs, const char *want)
{
	for (int i = 0; addrs && i < naddrs; i++)
		if (!strcmp(addrs[i], want))
			return true;
	return false;
}

/* The address of want ("10.0.0.1" of "10.0.0.1/24") with another prefix length. */
static const char *same_ip_other_prefix(const char addrs[][48], int naddrs, const char *want)
{
	size_t iplen = strcspn(want, "/");
	for (int i = 0; addrs && i < naddrs; i++)
		if (!strncmp(addrs[i], want, iplen) && addrs[i][iplen] == '/' && strcmp(addrs[i], want))
			return addrs[i];
	return NULL;
}

/* Evidence of an interface's addresses: FAIL (and true) unless want is there. */
static bool fail_unless_addr(struct check_result *r, const char *ifname, const char *want, const char addrs[][48],
			     int naddrs, const char *where)
{
	if (has_addr(addrs, naddrs, want))
		return false;
	struct strbuf seen = STRBUF_INIT;
	list_addrs(&seen, addrs, naddrs);
	const char *other = same_ip_other_prefix(addrs, naddrs, want);
	char *hint;
	if (other)
		hint = xasprintf("%s: ip addr del %s dev %s; ip addr add %s dev %s", where, other, ifname, want, ifname);
	else
		hint = xasprintf("%s: ip addr add %s dev %s", where, want, ifname);
	if (other)
		check_fail(r, hint, "%s has %s, not %s: the prefix length decides which addresses are on the link",
			   ifname, other, want);
	else
		check_fail(r, hint, "%s is up but does not have %s (it has %s)", ifname, want, seen.buf);
	free(hint);
	sb_release(&seen);
	return true;
}

void check_tap_up(struct check_result *r, const char *name, bool exists, bool up, const char *addr_expected,
		  const char addrs[][48], int naddrs)
{
	if (!exists) {
		char *hint = xasprintf("on the host: ip tuntap add %s mode tap; ip link set %s up; ip addr add %s dev %s",
				       name, name, addr_expected, name);
		check_fail(r, hint, "the host has no interface '%s'", name);
		free(hint);
		return;
	}
	if (!up) {
		char *hint = xasprintf("on the host: ip link set %s up", name);
		check_fail(r, hint, "%s exists but is down", name);
		free(hint);
		return;
	}
	if (fail_unless_addr(r, name, addr_expected, addrs, naddrs, "on the host"))
		return;
	check_pass(r, "%s is up with %s", name, addr_expected);
}

/* The QEMU -device model behind a Linux NIC driver, for the hint. */
static const char *qemu_model(const char *driver)
{
	static const struct {
		const char *driver, *model;
	} models[] = {
		{ "e1000", "e1000" },
		{ "e1000e", "e1000e" },
		{ "virtio_net", "virtio-net-pci" },
		{ "8139cp", "rtl8139" },
		{ "8139too", "rtl8139" },
		{ "ne2k-pci", "ne2k_pci" },
		{ "pcnet32", "pcnet" },
		{ "vmxnet3", "vmxnet3" },
		{ "igb", "igb" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(models); i++)
		if (!strcmp(models[i].driver, driver))
			return models[i].model;
	return NULL;
}

void check_nic_mac(struct check_result *r, const char *want_mac, const char *found_ifname, const char *driver)
{
	if (!found_ifname || !*found_ifname) {
		char *hint = xasprintf("give the VM the lab's NIC: -device e1000,netdev=hostnet0,id=net0,mac=%s "
				       "-netdev tap,ifname=tap0,id=hostnet0",
				       want_mac);
		check_fail(r, hint, "no interface in the guest has MAC %s", want_mac);
		free(hint);
		return;
	}
	if (!driver || !*driver) {
		check_fail(r, "the MAC belongs on the emulated NIC: -device e1000,...,mac=... (not on a bridge or "
			      "a virtual interface made in the guest)",
			   "%s has MAC %s but no device driver: it is not a NIC of the VM", found_ifname, want_mac);
		return;
	}
	if (strcmp(driver, LAB_NIC_MODEL)) {
		const char *model = qemu_model(driver);
		char *hint = xasprintf("the lab's NIC is an emulated Intel card: -device e1000,...,mac=%s%s%s%s",
				       want_mac, model ? " instead of -device " : "", model ? model : "",
				       model ? ",..." : "");
		if (model)
			check_fail(r, hint, "%s (MAC %s) is a %s NIC (driver %s), not an e1000", found_ifname, want_mac,
				   model, driver);
		else
			check_fail(r, hint, "%s (MAC %s) is driven by %s, not e1000", found_ifname, want_mac, driver);
		free(hint);
		return;
	}
	check_pass(r, "%s has MAC %s; driver %s", found_ifname, want_mac, driver);
}

void check_guest_ip(struct check_result *r, const char *ifname, const char *want_cidr, const char addrs[][48],
		    int naddrs, bool up)
{
	if (!ifname || !*ifname) {
		check_fail(r, NULL, "the guest has no interface to carry %s", want_cidr);
		return;
	}
	if (!up) {
		char *hint = xasprintf("in the guest: ip link set %s up; ip addr add %s dev %s", ifname, want_cidr,
				       ifname);
		check_fail(r, hint, "the guest's %s is down", ifname);
		free(hint);
		return;
	}
	if (fail_unless_addr(r, ifname, want_cidr, addrs, naddrs, "in the guest"))
		return;
	check_pass(r, "the guest's %s is up with %s", ifname, want_cidr);
}

static const char *const ping_hint =
	"the path is guest eth0 (10.0.0.10/24, up) - e1000 - qemu's -netdev tap,ifname=tap0 - host tap0 "
	"(10.0.0.1/24, up); qemu must run in the namespace that holds tap0";

void check_ping_guest_to_host(struct check_result *r, const struct ping_summary *s, int parse_rc)
{
	if (parse_rc) {
		if (s->error[0])
			check_fail(r, "the guest has no route to 10.0.0.0/24 until eth0 has 10.0.0.10/24: "
				      "ip addr add 10.0.0.10/24 dev eth0",
				   "the guest's ping failed: %s", s->error);
		else
			check_fail(r, NULL, "the guest's ping printed no statistics (%d replies seen)",
				   s->replies_seen);
		return;
	}
	const char *dst = s->dst[0] ? s->dst : "the host";
	struct strbuf d = STRBUF_INIT;
	sb_addf(&d, "%d/%d replies from %s", s->received, s->transmitted, dst);
	if (s->received < s->transmitted)
		sb_addf(&d, " (%g%% loss)", s->loss_pct);
	if (s->errors)
		sb_addf(&d, ", %d ICMP errors", s->errors);
	if (s->received > 0) {
		char ms[24];
		if (s->has_rtt)
			sb_addf(&d, ", rtt avg %s ms", ping_ms_text(s->rtt_avg, ms));
		check_pass(r, "%s", d.buf);
	} else {
		check_fail(r, ping_hint, "%s", d.buf);
	}
	sb_release(&d);
}

void check_ping_host_to_guest(struct check_result *r, const struct icmp_result *res, int rc)
{
	if (rc == -EPERM || rc == -EACCES) {
		check_skip(r, "%s", res->error[0] ? res->error : "this host allows no ICMP socket");
		return;
	}
	if (rc == -EINTR) {
		check_error(r, "interrupted while pinging");
		return;
	}
	if (rc) {
		check_error(r, "cannot ping: %s%s%s", strerror(-rc), res->error[0] ? ": " : "", res->error);
		return;
	}
	struct strbuf d = STRBUF_INIT;
	char t[3][24];
	sb_addf(&d, "%d/%d echo replies", res->received, res->sent);
	if (res->received)
		sb_addf(&d, ", rtt min/avg/max %s/%s/%s ms", ping_ms_text(res->rtt_min_ms, t[0]),
			ping_ms_text(res->rtt_avg_ms, t[1]), ping_ms_text(res->rtt_max_ms, t[2]));
	if (res->errors)
		sb_addf(&d, "; %d error%s, the first: %s", res->errors, res->errors == 1 ? "" : "s", res->error);
	if (res->received > 0)
		check_pass(r, "%s", d.buf);
	else
		check_fail(r, ping_hint, "%s", d.buf);
	sb_release(&d);
}

static const char *const server_hint =
	"start the server in the guest: httpd -p 8000 -h /root (or python3 -m http.server --directory /root)";

void check_http_200(struct check_result *r, const char *url, const struct http_result *res, int rc,
		    const char *want_sha256)
{
	switch (rc) {
	case 0:
		break;
	case -ECONNREFUSED:
		check_fail(r, server_hint, "GET %s: connection refused: nothing listens on that port", url);
		return;
	case -ETIMEDOUT:
		check_fail(r, "is the guest reachable (ping 10.0.0.10)? a server that accepts but never answers "
			      "looks the same",
			   "GET %s: no answer in time (%s)", url, res->error[0] ? res->error : "timed out");
		return;
	case -EHOSTUNREACH:
		check_fail(r, ping_hint, "GET %s: the guest is unreachable (%s)", url,
			   res->error[0] ? res->error : "no route to host");
		return;
	case -EINTR:
		check_error(r, "interrupted during GET %s", url);
		return;
	case -EIO:
		check_fail(r, server_hint, "GET %s: no HTTP answer: %s", url, res->error[0] ? res->error : "I/O error");
		return;
	default:
		check_error(r, "GET %s: %s%s%s", url, strerror(-rc), res->error[0] ? ": " : "", res->error);
		return;
	}
	if (res->status != 200) {
		check_fail(r, "serve the directory /root, which holds index.html (httpd -h /root; python3 -m "
			      "http.server --directory /root)",
			   "GET %s -> %ld, not 200", url, res->status);
		return;
	}
	const char *cut = res->truncated ? " (cut: it is longer)" : "";
	if (!want_sha256) {
		check_pass(r, "GET %s -> 200, %zu bytes%s (not compared: /root/index.html's hash is unknown)", url,
			   res->body_len, cut);
		return;
	}
	if (strcasecmp(res->body_sha256, want_sha256)) {
		check_fail(r, "the server must serve /root, whose index.html is the page the lab expects",
			   "GET %s -> 200, %zu bytes%s, but its sha256 is %s and /root/index.html's is %s", url,
			   res->body_len, cut, res->body_sha256, want_sha256);
		return;
	}
	check_pass(r, "GET %s -> 200, %zu bytes, body matches /root/index.html", url, res->body_len);
}

void check_teardown_clean(struct check_result *r, const char *leftovers)
{
	if (!leftovers || !*leftovers) {
		check_pass(r, "nothing left behind");
		return;
	}
	check_fail(r, "`vlab clean` removes what a run left behind", "left behind: %s", leftovers);
}
