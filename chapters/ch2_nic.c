/* Chapter 2: a tap on the host, an e1000 NIC in the guest on that tap, ping
 * both ways and an HTTP GET of the guest's /root/index.html. Everything runs
 * in the run's own network namespace, so the lab's 10.0.0.0/24 never meets
 * the host's routes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner/chapter.h"
#include "checks/ch2.h"
#include "checks/guest_parse.h"
#include "runner/net/http_get.h"
#include "runner/net/icmp_echo.h"
#include "checks/ping_parse.h"
#include "checks/qmp_parse.h"
#include "checks/transcript.h"
#include "runner/cleanup.h"
#include "runner/vm/console.h"
#include "runner/labnet.h"
#include "runner/net/net.h"
#include "runner/net/ns.h"
#include "runner/proc.h"
#include "runner/vm/qmp.h"
#include "runner/report.h"
#include "runner/step.h"
#include "runner/lab.h"
#include "runner/manual.h"
#include "checks/lab_plan.h"
#include "runner/clock.h"
#include "runner/files.h"

#define LAB_CH2 "lab chapter 2, \"Add a network device to the VM\""

/* The lab's addresses (lab text, chapter 2). */
#define HTTP_URL "http://10.0.0.10:8000/"

/* What the chapter keeps between steps. */
struct ch2_state {
	struct lab_net lnet;
	int tap_handle;
	char guest_if[32];      /* the guest's interface with LAB_NIC_MAC */
	char index_sha256[65];  /* of /root/index.html, read in the guest */
};

static void delete_tap(void *arg)
{
	struct ch2_state *st = arg;
	if (st->lnet.net)
		net_link_delete(st->lnet.net, LAB_TAP);
}

/* --host-net: the host's netlink socket goes at the end too */
static void close_host_net(void *arg)
{
	struct ch2_state *st = arg;
	lab_net_close(&st->lnet);
}

/* --host-net: the lab's own way, in the host's namespace. Only as root, and
 * never over a tap0 or a 10.0.0.0/24 address that is already there: those
 * are the student's, and vlab removes only what it made. */
static int host_net_prepare(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state;
	char err[384];
	if (ns_tun_usable(err, sizeof(err)))
		return lab_block(lab, -EPERM, "chapter 2 needs a tap: %s", err);
	if (geteuid() != 0)
		return lab_block(lab, -EPERM, "--host-net changes the host's own network: run it as root (or leave it "
				 "out: vlab's namespace needs no root where /dev/net/tun is open to you)");
	int r = net_open(&st->lnet.net);
	if (r)
		return lab_block(lab, r, "cannot talk netlink: %s", strerror(-r));
	struct net_link_info links[64];
	size_t n = 0;
	r = net_link_list(st->lnet.net, links, ARRAY_SIZE(links), &n);
	for (size_t i = 0; r == 0 && i < n && i < ARRAY_SIZE(links); i++) {
		if (!strcmp(links[i].name, LAB_TAP)) {
			r = lab_block(lab, -EEXIST,
				      "--host-net: %s already exists in the host's namespace; vlab will not touch it "
				      "(delete it yourself with `ip link delete %s`, or run without --host-net)",
				      LAB_TAP, LAB_TAP);
		}
		for (int a = 0; r == 0 && a < links[i].naddrs; a++) {
			if (starts_with(links[i].addrs[a], "10.0.0.")) {
				text_printf(lab->blocked, sizeof(lab->blocked),
					 "--host-net: %s already has %s, in the lab's 10.0.0.0/24; run without "
					 "--host-net (vlab's own namespace cannot collide)",
					 links[i].name, links[i].addrs[a]);
				r = -EEXIST;
			}
		}
	}
	if (r) {
		net_close(st->lnet.net);
		st->lnet.net = NULL;
		return lab->blocked[0] ? r : lab_block(lab, r, "cannot list the host's links: %s", strerror(-r));
	}
	cleanup_add_callback(close_host_net, st, "netlink socket");
	return 0;
}

static int ch2_prepare(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state; /* zeroed by the engine */
	st->lnet = (struct lab_net)LAB_NET_INIT;
	st->tap_handle = -1;
	int r = lab_prepare_image(lab);
	if (r)
		return r;
	if (lab->opt->host_net)
		return host_net_prepare(lab);
	/* from here on vlab, qemu and every check live in the lab namespace */
	return lab_net_open(lab, &st->lnet, "chapter 2 needs a tap");
}

static int step_tap(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state;
	struct check_result *r = lab_check(lab, CHECK_CH2_TAP_UP);
	if (st->lnet.ns.named)
		ui_note(lab, "In the network namespace %s (`ip netns exec %s ...` or `vlab shell` reach it):",
			st->lnet.ns.name, st->lnet.ns.name);
	/* owned by us: where /dev/net/tun is 0666 no other user may attach to it */
	int rc = net_tap_create(LAB_TAP, geteuid());
	if (rc == 0) {
		st->tap_handle = cleanup_add_callback(delete_tap, st, "tap0");
		struct net_link_info made;
		/* in the host's namespace `vlab clean` must know it by its index:
		 * a tap0 made later by someone else is not ours */
		if (lab->opt->host_net && net_link_get(st->lnet.net, LAB_TAP, &made) == 0) {
			cleanup_ledger_note("link %s %d", LAB_TAP, made.index);
			/* a second, separate stop deletes it from the handler too */
			cleanup_set_emergency_link(st->tap_handle, made.index);
		}
		rc = net_link_set_up(st->lnet.net, LAB_TAP, true);
	}
	if (rc == 0)
		rc = net_addr_add(st->lnet.net, LAB_TAP, LAB_HOST_CIDR);
	if (rc) {
		char msg[256];
		net_describe_error(msg, sizeof(msg), "set up", LAB_TAP, rc);
		check_error(r, "%s", msg);
		return lab_block(lab, rc, "%s", msg);
	}
	struct net_link_info info;
	rc = net_link_get(st->lnet.net, LAB_TAP, &info);
	check_tap_up(r, LAB_TAP, rc == 0, rc == 0 && info.up, LAB_HOST_CIDR, (const char (*)[48])info.addrs,
		     rc == 0 ? info.naddrs : 0);
	return 0;
}

static int step_boot(struct lab *lab)
{
	struct vm *vm = &lab->vms[0];
	lab->nvms = 1;
	struct nic_spec nic;
	memset(&nic, 0, sizeof(nic));
	snprintf(nic.model, sizeof(nic.model), "e1000");
	snprintf(nic.mac, sizeof(nic.mac), LAB_NIC_MAC);
	snprintf(nic.dev_id, sizeof(nic.dev_id), "net0");
	snprintf(nic.netdev_id, sizeof(nic.netdev_id), "hostnet0");
	snprintf(nic.ifname, sizeof(nic.ifname), LAB_TAP);
	int r = vm_prepare(lab, vm, "vm1", &nic, 1);
	if (r)
		return lab_block(lab, r, "cannot build the qemu command: %s", strerror(-r));
	ui_note(lab, "The lab's command:");
	ui_command(lab, "host", vm->lab_command);
	ui_note(lab, "What vlab changes, and why: as in chapter 1 (vlab chapter 1 shows each change).");
	struct strbuf cmd = STRBUF_INIT;
	vm_format_command(&vm->argv, true, &cmd);
	ui_note(lab, "The command vlab runs, inside the lab's namespace (qemu must run where the tap is):");
	ui_command(lab, "host", cmd.buf);
	sb_release(&cmd);
	/* with --manual the student logs in */
	return lab_boot_vms(lab, &vm, 1, lab->opt->manual ? BOOT_STARTED : BOOT_LOGGED_IN);
}

/* Run a guest command; on a broken console, say so in lab->blocked. */
static int guest(struct lab *lab, const char *cmd, int64_t kvm_ms, struct strbuf *out, int *status)
{
	return vm_run(lab, &lab->vms[0], cmd, lab_cmd_timeout_ms(lab, kvm_ms), out, status);
}

/* The NIC modules load in the background at boot, so poll until the MAC
 * shows up. */

/* The guest's web server. The lab has the student type `python3 -m
 * http.server 8000` in /root, which only the lab's own Alpine image can run
 * (profile alpine-lab: its manifest line is `http python3`); vlab's images
 * are busybox, whose httpd serves instead. The profile's `http` key says
 * which, and the student reads it before typing. */
static bool serves_with_python3(const struct lab *lab)
{
	return lab->image.profile && lab->image.profile->http == HTTP_PYTHON3;
}

static void http_explain(const struct lab *lab, struct strbuf *out)
{
	const char *profile = lab->image.profile ? lab->image.profile->name : "?";
	if (serves_with_python3(lab)) {
		sb_addf(out,
			"This image (profile %s, whose manifest line is `http python3`) has python3:\n"
			"the lab's own command serves /root, typed in /root: python3 -m http.server 8000.",
			profile);
		return;
	}
	sb_addf(out,
		"The lab has you type `python3 -m http.server 8000` in /root; that is for the lab's\n"
		"own Alpine image (profile alpine-lab, whose manifest line `http python3` says so).\n"
		"This image (profile %s) has no python3: here busybox's httpd serves /root instead,\n"
		"`httpd -p 8000 -h /root` (it goes to the background by itself).",
		profile);
}

static const char *const http_cmds_busybox[] = { "httpd -p 8000 -h /root", NULL };
static const char *const http_cmds_python3[] = { "cd /root", "python3 -m http.server 8000", NULL };

static const char *const *http_cmds(const struct lab *lab)
{
	return serves_with_python3(lab) ? http_cmds_python3 : http_cmds_busybox;
}

/* --manual: what the student types, the web server last (python3's stays
 * in the foreground; busybox's httpd does not) */
static const char *const manual_cmds_busybox[] = {
	LAB_ROOT_USER, LAB_ROOT_PASSWORD, "ip a s", "ip link set eth0 up", "ip addr add 10.0.0.10/24 dev eth0", "ip a s",
	"ping -c 3 10.0.0.1", "httpd -p 8000 -h /root", NULL,
};
static const char *const manual_cmds_python3[] = {
	LAB_ROOT_USER, LAB_ROOT_PASSWORD, "ip a s", "ip link set eth0 up", "ip addr add 10.0.0.10/24 dev eth0", "ip a s",
	"ping -c 3 10.0.0.1", "cd /root", "python3 -m http.server 8000", NULL,
};

/* The interface with LAB_NIC_MAC in an `ip a s` output, or NULL. */
static const struct ip_iface *iface_by_mac(const struct ip_iface *ifs, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcasecmp(ifs[i].mac, LAB_NIC_MAC))
			return &ifs[i];
	return NULL;
}

/* --manual: ch2.nic_mac and ch2.guest_ip from the last `ip a s` the
 * student typed (text: the session's transcript) and qemu's PCI devices
 * (the driver: an e1000 is PCI 8086:100e). */
static void judge_typed_interface(struct lab *lab, struct vm *vm, const char *text)
{
	struct ch2_state *st = lab->chapter_state;
	struct check_result *mac = lab_check(lab, CHECK_CH2_NIC_MAC);
	struct check_result *ip = lab_check(lab, CHECK_CH2_GUEST_IP);
	struct strbuf outs[16];
	memset(outs, 0, sizeof(outs));
	size_t n = transcript_outputs(text, "ip a s", outs, ARRAY_SIZE(outs));
	if (!n) {
		check_fail(mac, "type `ip a s` in `vlab console`", "the console transcript shows no `ip a s`");
		check_fail(ip, "type `ip a s` after adding the address", "the console transcript shows no `ip a s`");
		return;
	}
	const struct ip_iface *last = NULL;
	struct ip_iface ifs[16][4];
	for (size_t i = 0; i < n && i < ARRAY_SIZE(outs); i++) {
		int k = parse_ip_addr_show(sb_str(&outs[i]), ifs[i], 4);
		const struct ip_iface *f = k > 0 ? iface_by_mac(ifs[i], k) : NULL;
		if (f)
			last = f;
		sb_release(&outs[i]);
	}
	json_t *ret = NULL;
	struct pci_dev pci[32];
	size_t np = 0;
	bool e1000 = false;
	if (qmp_execute(vm->qmp, "query-pci", NULL, &ret, NULL, 5000) == 0 &&
	    qmp_parse_pci(ret, pci, ARRAY_SIZE(pci), &np) >= -ENOSPC)
		for (size_t i = 0; i < np && i < ARRAY_SIZE(pci); i++)
			e1000 |= pci[i].vendor == 0x8086 && pci[i].device == 0x100e;
	json_decref(ret);
	check_nic_mac(mac, LAB_NIC_MAC, last ? last->name : NULL, e1000 ? "e1000" : "");
	if (last) {
		snprintf(st->guest_if, sizeof(st->guest_if), "%s", last->name);
		check_guest_ip(ip, last->name, LAB_GUEST_CIDR, (const char (*)[48])last->addrs, last->naddrs, last->up);
	} else {
		check_guest_ip(ip, LAB_NIC_MAC, LAB_GUEST_CIDR, NULL, 0, false);
	}
}

/* --manual: ch2.ping_guest_to_host from the last ping of the host typed. */
static void judge_typed_ping(struct lab *lab, const char *text)
{
	struct check_result *g2h = lab_check(lab, CHECK_CH2_PING_GUEST_TO_HOST);
	struct strbuf pings[8];
	memset(pings, 0, sizeof(pings));
	size_t n = transcript_outputs_like(text, "ping", LAB_HOST_IP, pings, ARRAY_SIZE(pings));
	size_t kept = n < ARRAY_SIZE(pings) ? n : ARRAY_SIZE(pings);
	if (kept) {
		struct ping_summary sum;
		int pr = ping_parse(sb_str(&pings[kept - 1]), &sum);
		check_ping_guest_to_host(g2h, &sum, pr);
	} else {
		check_fail(g2h, "type `ping -c 3 10.0.0.1` in `vlab console`",
			   "the console transcript shows no ping of %s", LAB_HOST_IP);
	}
	for (size_t i = 0; i < kept; i++)
		sb_release(&pings[i]);
}

/* --manual: the student types; vlab judges the guest's side from the
 * transcript and QMP, the host's side by itself in the later steps. */
static int manual_guest_side(struct lab *lab)
{
	struct vm *vm = &lab->vms[0];
	struct strbuf text = STRBUF_INIT;
	/* said before the student types the lab's python3 command */
	http_explain(lab, &text);
	ui_note(lab, "%s", sb_str(&text));
	sb_reset(&text);
	int rc = vm_manual_session(lab, vm, serves_with_python3(lab) ? manual_cmds_python3 : manual_cmds_busybox,
				   &text);
	if (rc == 0) {
		judge_typed_interface(lab, vm, sb_str(&text));
		judge_typed_ping(lab, sb_str(&text));
	}
	sb_release(&text);
	return rc;
}

static int step_nic(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state;
	if (lab->opt->manual)
		return manual_guest_side(lab);
	struct check_result *r = lab_check(lab, CHECK_CH2_NIC_MAC);
	struct strbuf out = STRBUF_INIT;
	int status, rc = 0;
	char driver[64] = "";
	int64_t deadline = now_ms() + lab_cmd_timeout_ms(lab, 10000);
	st->guest_if[0] = '\0';
	while (!st->guest_if[0]) {
		rc = guest(lab, VM_LIST_NICS_CMD, 5000, &out, &status);
		if (rc)
			break;
		char *save = NULL;
		/* out.buf is NULL when the guest printed nothing */
		for (char *line = out.len ? strtok_r(out.buf, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			char name[32], mac[32], drv[64] = "";
			if (sscanf(line, "%31s %31s %63s", name, mac, drv) >= 2 && !strcasecmp(mac, LAB_NIC_MAC)) {
				snprintf(st->guest_if, sizeof(st->guest_if), "%s", name);
				snprintf(driver, sizeof(driver), "%s", drv);
			}
		}
		if (st->guest_if[0] || now_ms() > deadline)
			break;
		sb_reset(&out);
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	sb_release(&out);
	if (rc)
		return rc;
	check_nic_mac(r, LAB_NIC_MAC, st->guest_if[0] ? st->guest_if : NULL, driver);
	if (st->guest_if[0])
		ui_note(lab, "the NIC with %s is %s (driver %s)", LAB_NIC_MAC, st->guest_if, driver);
	return 0;
}

static int step_address(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state;
	if (lab->opt->manual)
		return 0; /* judged from the transcript */
	struct check_result *r = lab_check(lab, CHECK_CH2_GUEST_IP);
	if (!st->guest_if[0]) {
		check_fail(r, NULL, "not checked: the guest has no interface with %s", LAB_NIC_MAC);
		return 0;
	}
	char *cmd = xasprintf("ip link set %s up && ip addr add %s dev %s", st->guest_if, LAB_GUEST_CIDR, st->guest_if);
	ui_command(lab, "guest", cmd);
	struct strbuf out = STRBUF_INIT;
	int status;
	int rc = guest(lab, cmd, 5000, &out, &status);
	free(cmd);
	if (rc)
		goto out;
	/* the e1000 reports carrier only after its watchdog runs (~2 s after
	 * link up, measured under TCG): wait for it rather than sleeping blindly */
	cmd = xasprintf("i=0; while [ \"$(cat /sys/class/net/%s/carrier 2>/dev/null)\" != 1 ] && [ $i -lt 100 ]; "
			"do sleep 0.1; i=$((i+1)); done; ip a s dev %s",
			st->guest_if, st->guest_if);
	sb_reset(&out);
	rc = guest(lab, cmd, 15000, &out, &status);
	free(cmd);
	if (rc)
		goto out;
	ui_note(lab, "`ip a s dev %s` printed:", st->guest_if);
	ui_output(lab, out.buf);
	struct ip_iface ifs[2];
	int n = parse_ip_addr_show(sb_str(&out), ifs, ARRAY_SIZE(ifs));
	if (n >= 1)
		check_guest_ip(r, st->guest_if, LAB_GUEST_CIDR, (const char (*)[48])ifs[0].addrs, ifs[0].naddrs, ifs[0].up);
	else
		check_guest_ip(r, st->guest_if, LAB_GUEST_CIDR, NULL, 0, false);
out:
	sb_release(&out);
	return rc;
}

static int step_ping(struct lab *lab)
{
	struct check_result *g2h = lab_check(lab, CHECK_CH2_PING_GUEST_TO_HOST);
	struct check_result *h2g = lab_check(lab, CHECK_CH2_PING_HOST_TO_GUEST);
	if (!lab->opt->manual) {
		struct strbuf out = STRBUF_INIT;
		int status;
		ui_command(lab, "guest", "ping -c 3 " LAB_HOST_IP);
		int rc = guest(lab, "ping -c 3 -W 2 " LAB_HOST_IP, 15000, &out, &status);
		if (rc) {
			sb_release(&out);
			return rc;
		}
		ui_output(lab, out.buf);
		struct ping_summary sum;
		int pr = ping_parse(sb_str(&out), &sum);
		check_ping_guest_to_host(g2h, &sum, pr);
		sb_release(&out);
	}

	ui_command(lab, "host", "ping -c 3 " LAB_GUEST_IP);
	struct icmp_result res;
	ui_wait_begin(lab, "pinging the guest");
	int rc = icmp_ping(LAB_GUEST_IP, 3, 200, (int)lab_cmd_timeout_ms(lab, 1000), &res);
	check_ping_host_to_guest(h2g, &res, rc);
	return 0;
}

static int step_http(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state;
	struct check_result *r = lab_check(lab, CHECK_CH2_HTTP_200);
	struct strbuf out = STRBUF_INIT;
	int status;
	int rc = 0;
	st->index_sha256[0] = '\0';
	if (lab->opt->manual)
		goto fetch; /* the student started the server; vlab reads nothing in the guest */
	/* the hash to compare with, read inside the guest */
	rc = guest(lab, "sha256sum /root/index.html", 5000, &out, &status);
	if (rc)
		goto out;
	if (status == 0 && out.len >= 64) {
		snprintf(st->index_sha256, sizeof(st->index_sha256), "%.64s", out.buf);
		if (!is_sha256_hex(st->index_sha256))
			st->index_sha256[0] = '\0';
	}
	const char *server = lab->image.profile->http == HTTP_PYTHON3
				     ? "cd /root && (python3 -m http.server 8000 >/dev/null 2>&1 &)"
				     : "httpd -p 8000 -h /root";
	ui_command(lab, "guest", lab->image.profile->http == HTTP_PYTHON3 ? "python3 -m http.server --directory /root"
									 : "httpd -p 8000 -h /root");
	sb_reset(&out);
	rc = guest(lab, server, 5000, &out, &status);
	if (rc)
		goto out;
fetch:
	ui_command(lab, "host", "curl " HTTP_URL);
	/* the server needs a moment to listen (python3 more than busybox):
	 * retry a refused connection until the deadline */
	struct http_result res;
	int64_t deadline = now_ms() + lab_cmd_timeout_ms(lab, 5000);
	ui_wait_begin(lab, "fetching " HTTP_URL);
	for (;;) {
		memset(&res, 0, sizeof(res));
		rc = http_get(HTTP_URL, 2000, (long)lab_cmd_timeout_ms(lab, 3000), &res);
		if (rc != -ECONNREFUSED || now_ms() > deadline)
			break;
		http_result_release(&res);
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	check_http_200(r, HTTP_URL, &res, rc, st->index_sha256[0] ? st->index_sha256 : NULL);
	if (rc == 0)
		lab_metric(lab, "http_total_ms", res.total_ms);
	http_result_release(&res);
	rc = 0;
out:
	sb_release(&out);
	return rc;
}

static int step_teardown(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state;
	struct check_result *r = lab_check(lab, CHECK_CH2_TEARDOWN_CLEAN);
	struct vm *vm = &lab->vms[0];
	if (lab->opt->keep) {
		check_skip(r, "--keep: the lab stays up (vlab clean removes it)");
		return 0;
	}
	pid_t qemu = vm->pid > 0 ? vm->pid : -vm->pid;
	vm_stop(lab, vm);
	if (st->tap_handle >= 0)
		cleanup_release(st->tap_handle);
	st->tap_handle = -1;
	char name[64];
	snprintf(name, sizeof(name), "%s", st->lnet.ns.name);
	bool named = st->lnet.ns.named;
	cleanup_run_all(); /* the namespace, and anything else this run made */

	struct strbuf left = STRBUF_INIT;
	if (qemu > 0 && !proc_gone(qemu))
		sb_addf(&left, "qemu (pid %d) ", (int)qemu);
	if (named) {
		char *path = xasprintf("/run/netns/%s", name);
		if (path_exists(path))
			sb_addf(&left, "namespace %s ", name);
		free(path);
	}
	if (lab->opt->host_net) {
		struct net *host;
		struct net_link_info info;
		if (net_open(&host) == 0) {
			if (net_link_get(host, LAB_TAP, &info) == 0)
				sb_addf(&left, "%s ", LAB_TAP);
			net_close(host);
		}
	}
	const char *const files[] = { vm->serial_path, vm->qmp_path, vm->overlay };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (files[i] && path_exists(files[i]))
			sb_addf(&left, "%s ", files[i]);
	check_teardown_clean(r, left.len ? rtrim(left.buf) : "");
	sb_release(&left);
	return 0;
}

static const char *const tap_cmds[] = { "ip tuntap add tap0 mode tap", "ip link set tap0 up",
					"ip addr add 10.0.0.1/24 dev tap0", NULL };
static const char *const addr_cmds[] = { "ip link set eth0 up", "ip addr add 10.0.0.10/24 dev eth0", NULL };
static const char *const ping_cmds[] = { "ping 10.0.0.1", NULL };
static const char *const teardown_cmds[] = { "pkill qemu", "ip link delete tap0", NULL };

static const struct step ch2_steps[] = {
	{
		.name = "tap",
		.title = "Create the host's side: tap0 with 10.0.0.1/24",
		.explain =
			"A tap is a network interface backed by a file descriptor instead of a wire: what the\n"
			"host sends to tap0 comes out of the fd, and what is written to the fd arrives on tap0.\n"
			"QEMU holds that fd and plays the guest's NIC on the other end. vlab makes it over\n"
			"netlink and /dev/net/tun, in a network namespace of this run's own.",
		.lab_section = LAB_CH2,
		.host_cmds = tap_cmds,
		.run = step_tap,
	},
	{
		.name = "boot",
		.title = "Boot the VM with an e1000 NIC on tap0",
		.explain =
			"A QEMU device has two halves: the guest's hardware (-device e1000, an emulated Intel\n"
			"NIC) and the host's backend (-netdev tap). The same id (hostnet0) joins them. Giving\n"
			"the MAC ourselves keeps two VMs from ever picking the same one.",
		.lab_section = LAB_CH2,
		.run = step_boot,
	},
	{
		.name = "nic",
		.title = "Find the guest's NIC by its MAC",
		.explain =
			"The guest names its interfaces itself (eth0, eth1, ...); the MAC we gave is what tells\n"
			"ours apart. /sys/class/net/IF/device/driver says which driver took it: e1000.",
		.lab_section = LAB_CH2,
		.run = step_nic,
	},
	{
		.name = "address",
		.title = "Bring the guest's NIC up with 10.0.0.10/24",
		.explain = "The e1000 reports a link about two seconds after it is brought up; vlab waits for the carrier.",
		.lab_section = LAB_CH2,
		.guest_cmds = addr_cmds,
		.run = step_address,
	},
	{
		.name = "ping",
		.title = "Ping both ways",
		.explain =
			"ICMP echo from the guest to the tap's address, then from the host side to the guest:\n"
			"vlab sends its own echo requests and counts the replies.",
		.lab_section = LAB_CH2,
		.guest_cmds = ping_cmds,
		.run = step_ping,
	},
	{
		.name = "http",
		.title = "Serve /root over HTTP from the guest and fetch it from the host",
		.explain =
			"A web server in the guest on port 8000 serves /root; the host fetches / and vlab\n"
			"compares the body with /root/index.html as the guest reads it.",
		.explain_for = http_explain,
		.guest_cmds_for = http_cmds,
		.lab_section = LAB_CH2,
		.run = step_http,
	},
	{
		.name = "teardown",
		.title = "Tear down: stop the VM, delete tap0",
		.explain = "vlab stops qemu, deletes tap0 and the namespace, and checks that nothing is left.",
		.lab_section = LAB_CH2,
		.host_cmds = teardown_cmds,
		.run = step_teardown,
	},
};

static void ch2_teardown(struct lab *lab)
{
	struct ch2_state *st = lab->chapter_state;
	lab_vms_end(lab);
	if (lab->opt->keep)
		lab_net_keep(&st->lnet);
}

const struct chapter chapter_nic = {
	.number = 2,
	.name = "nic",
	.title = "Add a NIC: a tap on the host, an e1000 in the guest, ping and HTTP",
	.summary = "tap0 10.0.0.1/24, an e1000 NIC on it, ping both ways, HTTP 200 from the guest",
	.steps = ch2_steps,
	.nsteps = sizeof(ch2_steps) / sizeof(ch2_steps[0]),
	.state_size = sizeof(struct ch2_state),
	.prepare = ch2_prepare,
	.teardown = ch2_teardown,
};
