/* checks/ch2: every branch of chapter 2's verdicts, with the detail and hint
 * a student reads. The guest's ping evidence comes from the real captures in
 * tests/fixtures/ping through checks/ping_parse, as vlab reads it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "checks/ch2.h"
#include "checks/ping_parse.h"
#include "checks/verdict.h"
#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

#define PING_FIXTURES FIXTURES "/ping/"
#define MAC "52:54:00:8b:99:de"
#define URL "http://10.0.0.10:8000/"
/* sha256 of "abc" (FIPS 180-2 B.1) and of "" */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void assert_result(const struct check_result *r, enum verdict v, const char *detail, const char *hint)
{
	assert_verdict(r, v);
	if (detail)
		assert_string_equal(r->detail, detail);
	if (hint)
		assert_string_equal(r->hint, hint);
	else if (v == VERDICT_PASS || v == VERDICT_SKIP)
		assert_string_equal(r->hint, "");
}

/* ---- ch2.tap_up ---- */

static void test_tap_up(void **state)
{
	struct check_result r;
	const char good[][48] = { "10.0.0.1/24", "fe80::1/64" };
	const char wide[][48] = { "10.0.0.1/8" };
	const char other[][48] = { "10.0.1.1/24" };

	check_init(&r, "ch2.tap_up");
	check_tap_up(&r, "tap0", true, true, "10.0.0.1/24", good, 2);
	assert_result(&r, VERDICT_PASS, "tap0 is up with 10.0.0.1/24", NULL);

	check_init(&r, "ch2.tap_up");
	check_tap_up(&r, "tap0", false, false, "10.0.0.1/24", NULL, 0);
	assert_result(&r, VERDICT_FAIL, "the host has no interface 'tap0'",
		      "on the host: ip tuntap add tap0 mode tap; ip link set tap0 up; ip addr add 10.0.0.1/24 dev tap0");

	check_init(&r, "ch2.tap_up");
	check_tap_up(&r, "tap0", true, false, "10.0.0.1/24", good, 2);
	assert_result(&r, VERDICT_FAIL, "tap0 exists but is down", "on the host: ip link set tap0 up");

	check_init(&r, "ch2.tap_up");
	check_tap_up(&r, "tap0", true, true, "10.0.0.1/24", NULL, 0);
	assert_result(&r, VERDICT_FAIL, "tap0 is up but does not have 10.0.0.1/24 (it has no address)",
		      "on the host: ip addr add 10.0.0.1/24 dev tap0");

	check_init(&r, "ch2.tap_up");
	check_tap_up(&r, "tap0", true, true, "10.0.0.1/24", other, 1);
	assert_result(&r, VERDICT_FAIL, "tap0 is up but does not have 10.0.0.1/24 (it has 10.0.1.1/24)", NULL);

	check_init(&r, "ch2.tap_up");
	check_tap_up(&r, "tap0", true, true, "10.0.0.1/24", wide, 1);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "tap0 has 10.0.0.1/8, not 10.0.0.1/24");
	assert_string_equal(r.hint, "on the host: ip addr del 10.0.0.1/8 dev tap0; ip addr add 10.0.0.1/24 dev tap0");
}

/* ---- ch2.nic_mac ---- */

static void test_nic_mac(void **state)
{
	struct check_result r;

	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, "eth0", "e1000");
	assert_result(&r, VERDICT_PASS, "eth0 has MAC " MAC "; driver e1000", NULL);

	/* found by MAC, whatever its name */
	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, "enp0s3", "e1000");
	assert_result(&r, VERDICT_PASS, "enp0s3 has MAC " MAC "; driver e1000", NULL);

	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, NULL, NULL);
	assert_result(&r, VERDICT_FAIL, "no interface in the guest has MAC " MAC,
		      "give the VM the lab's NIC: -device e1000,netdev=hostnet0,id=net0,mac=" MAC
		      " -netdev tap,ifname=tap0,id=hostnet0");

	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, "", NULL);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "no interface in the guest has MAC");

	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, "eth0", "virtio_net");
	assert_result(&r, VERDICT_FAIL, "eth0 (MAC " MAC ") is a virtio-net-pci NIC (driver virtio_net), not an e1000",
		      "the lab's NIC is an emulated Intel card: -device e1000,...,mac=" MAC
		      " instead of -device virtio-net-pci,...");

	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, "eth0", "8139cp");
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "a rtl8139 NIC (driver 8139cp)");
	assert_contains(r.hint, "instead of -device rtl8139");

	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, "eth0", "mystery_nic");
	assert_result(&r, VERDICT_FAIL, "eth0 (MAC " MAC ") is driven by mystery_nic, not e1000",
		      "the lab's NIC is an emulated Intel card: -device e1000,...,mac=" MAC);

	/* a virtual interface given the MAC by hand has no device/driver link */
	check_init(&r, "ch2.nic_mac");
	check_nic_mac(&r, MAC, "dummy0", "");
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "dummy0 has MAC " MAC " but no device driver: it is not a NIC of the VM");
	assert_contains(r.hint, "-device e1000");
}

/* ---- ch2.guest_ip ---- */

static void test_guest_ip(void **state)
{
	struct check_result r;
	const char good[][48] = { "fe80::5054:ff:fe8b:99de/64", "10.0.0.10/24" };
	const char wrong[][48] = { "10.0.0.11/24" };
	const char narrow[][48] = { "10.0.0.10/32" };

	check_init(&r, "ch2.guest_ip");
	check_guest_ip(&r, "eth0", "10.0.0.10/24", good, 2, true);
	assert_result(&r, VERDICT_PASS, "the guest's eth0 is up with 10.0.0.10/24", NULL);

	check_init(&r, "ch2.guest_ip");
	check_guest_ip(&r, NULL, "10.0.0.10/24", NULL, 0, false);
	assert_result(&r, VERDICT_FAIL, "the guest has no interface to carry 10.0.0.10/24", "");

	check_init(&r, "ch2.guest_ip");
	check_guest_ip(&r, "eth0", "10.0.0.10/24", good, 2, false);
	assert_result(&r, VERDICT_FAIL, "the guest's eth0 is down",
		      "in the guest: ip link set eth0 up; ip addr add 10.0.0.10/24 dev eth0");

	check_init(&r, "ch2.guest_ip");
	check_guest_ip(&r, "eth0", "10.0.0.10/24", wrong, 1, true);
	assert_result(&r, VERDICT_FAIL, "eth0 is up but does not have 10.0.0.10/24 (it has 10.0.0.11/24)",
		      "in the guest: ip addr add 10.0.0.10/24 dev eth0");

	check_init(&r, "ch2.guest_ip");
	check_guest_ip(&r, "eth0", "10.0.0.10/24", NULL, 0, true);
	assert_result(&r, VERDICT_FAIL, "eth0 is up but does not have 10.0.0.10/24 (it has no address)", NULL);

	check_init(&r, "ch2.guest_ip");
	check_guest_ip(&r, "eth0", "10.0.0.10/24", narrow, 1, true);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "eth0 has 10.0.0.10/32, not 10.0.0.10/24");
	assert_string_equal(r.hint,
			    "in the guest: ip addr del 10.0.0.10/32 dev eth0; ip addr add 10.0.0.10/24 dev eth0");
}

/* ---- ch2.ping_guest_to_host ---- */

static int parse_fixture(const char *name, struct ping_summary *s)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];
	snprintf(path, sizeof(path), "%s%s", PING_FIXTURES, name);
	int r = read_file(path, &sb);
	if (r)
		fail_msg("cannot read '%s': %s", path, strerror(-r));
	r = ping_parse(sb.buf, s);
	sb_release(&sb);
	return r;
}

static void test_ping_guest_to_host(void **state)
{
	struct check_result r;
	struct ping_summary s;
	int pr;

	pr = parse_fixture("guest-busybox-ok.txt", &s);
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_result(&r, VERDICT_PASS, "3/3 replies from 10.0.0.1, rtt avg 0.85 ms", NULL);

	/* the e1000's first ping, 1 s while the carrier comes up */
	pr = parse_fixture("guest-busybox-first-ping-kmsg.txt", &s);
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_result(&r, VERDICT_PASS, "3/3 replies from 10.0.0.1, rtt avg 334 ms", NULL);
	/* pings 0.2 s apart behind a slow ARP under TCG: over a second on
	 * average, written whole, never as 1.41e+03 */
	s.rtt_avg = 1412.7;
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_result(&r, VERDICT_PASS, "3/3 replies from 10.0.0.1, rtt avg 1413 ms", NULL);

	pr = parse_fixture("busybox-veth-partial-50.txt", &s);
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_result(&r, VERDICT_PASS, "2/4 replies from 10.0.0.3 (50% loss), rtt avg 0.234 ms", NULL);

	pr = parse_fixture("guest-busybox-loss-100.txt", &s);
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "0/3 replies from 10.0.0.77 (100% loss)");
	assert_contains(r.hint, "host tap0 (10.0.0.1/24, up)");
	assert_contains(r.hint, "qemu must run in the namespace that holds tap0");

	pr = parse_fixture("iputils-veth-host-unreachable-errors.txt", &s);
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_result(&r, VERDICT_FAIL, "0/6 replies from 10.0.0.98 (100% loss), 6 ICMP errors", NULL);

	pr = parse_fixture("guest-busybox-unreachable.txt", &s);
	assert_int_equal(pr, -EINVAL);
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_result(&r, VERDICT_FAIL, "the guest's ping failed: ping: sendto: Network is unreachable",
		      "the guest has no route to 10.0.0.0/24 until eth0 has 10.0.0.10/24: "
		      "ip addr add 10.0.0.10/24 dev eth0");

	pr = ping_parse("sh: ping: not found\n", &s);
	check_init(&r, "ch2.ping_guest_to_host");
	check_ping_guest_to_host(&r, &s, pr);
	assert_result(&r, VERDICT_FAIL, "the guest's ping printed no statistics (0 replies seen)", "");
}

/* ---- ch2.ping_host_to_guest ---- */

static void test_ping_host_to_guest(void **state)
{
	struct check_result r;
	struct icmp_result res;

	memset(&res, 0, sizeof(res));
	res.sent = 3;
	res.received = 3;
	res.rtt_min_ms = 0.5;
	res.rtt_avg_ms = 1.25;
	res.rtt_max_ms = 2.5;
	res.sock_type = SOCK_RAW;
	check_init(&r, "ch2.ping_host_to_guest");
	check_ping_host_to_guest(&r, &res, 0);
	assert_result(&r, VERDICT_PASS, "3/3 echo replies, rtt min/avg/max 0.5/1.25/2.5 ms", NULL);

	memset(&res, 0, sizeof(res));
	res.sent = 3;
	check_init(&r, "ch2.ping_host_to_guest");
	check_ping_host_to_guest(&r, &res, 0);
	assert_verdict(&r, VERDICT_FAIL);
	assert_string_equal(r.detail, "0/3 echo replies");
	assert_contains(r.hint, "guest eth0 (10.0.0.10/24, up)");

	res.errors = 3;
	snprintf(res.error, sizeof(res.error), "from 10.0.0.1: host unreachable (seq 0)");
	check_init(&r, "ch2.ping_host_to_guest");
	check_ping_host_to_guest(&r, &res, 0);
	assert_result(&r, VERDICT_FAIL, "0/3 echo replies; 3 errors, the first: from 10.0.0.1: host unreachable (seq 0)",
		      NULL);

	memset(&res, 0, sizeof(res));
	res.errors = 1;
	snprintf(res.error, sizeof(res.error), "sendto 10.0.0.10: Network is unreachable");
	check_init(&r, "ch2.ping_host_to_guest");
	check_ping_host_to_guest(&r, &res, 0);
	assert_result(&r, VERDICT_FAIL, "0/0 echo replies; 1 error, the first: sendto 10.0.0.10: Network is unreachable",
		      NULL);

	memset(&res, 0, sizeof(res));
	snprintf(res.error, sizeof(res.error), "cannot open an ICMP socket: ...");
	check_init(&r, "ch2.ping_host_to_guest");
	check_ping_host_to_guest(&r, &res, -EPERM);
	assert_result(&r, VERDICT_SKIP, "cannot open an ICMP socket: ...", NULL);

	check_init(&r, "ch2.ping_host_to_guest");
	check_ping_host_to_guest(&r, &res, -EINTR);
	assert_result(&r, VERDICT_ERROR, "interrupted while pinging", NULL);

	memset(&res, 0, sizeof(res));
	snprintf(res.error, sizeof(res.error), "'x' is not an IPv4 address");
	check_init(&r, "ch2.ping_host_to_guest");
	check_ping_host_to_guest(&r, &res, -EINVAL);
	assert_result(&r, VERDICT_ERROR, "cannot ping: Invalid argument: 'x' is not an IPv4 address", NULL);
}

/* ---- ch2.http_200 ---- */

static struct http_result answer(long status, const char *body, const char *sha)
{
	struct http_result res;
	memset(&res, 0, sizeof(res));
	res.status = status;
	res.body = (char *)body;
	res.body_len = strlen(body);
	snprintf(res.body_sha256, sizeof(res.body_sha256), "%s", sha);
	res.total_ms = 12;
	return res;
}

static void test_http_200(void **state)
{
	struct check_result r;
	struct http_result res = answer(200, "abc", SHA_ABC);

	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, 0, SHA_ABC);
	assert_result(&r, VERDICT_PASS, "GET " URL " -> 200, 3 bytes, body matches /root/index.html", NULL);

	/* the guest's sha256sum may be upper case in another tool's hands */
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, 0,
		       "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
	assert_verdict(&r, VERDICT_PASS);

	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, 0, NULL);
	assert_result(&r, VERDICT_PASS,
		      "GET " URL " -> 200, 3 bytes (not compared: /root/index.html's hash is unknown)", NULL);

	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, 0, SHA_EMPTY);
	assert_result(&r, VERDICT_FAIL,
		      "GET " URL " -> 200, 3 bytes, but its sha256 is " SHA_ABC " and /root/index.html's is " SHA_EMPTY,
		      "the server must serve /root, whose index.html is the page the lab expects");

	res.truncated = true;
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, 0, SHA_EMPTY);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "3 bytes (cut: it is longer), but its sha256");

	res = answer(404, "<html>404 Not Found</html>", SHA_EMPTY);
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, 0, SHA_ABC);
	assert_result(&r, VERDICT_FAIL, "GET " URL " -> 404, not 200",
		      "serve the directory /root, which holds index.html (httpd -h /root; python3 -m http.server "
		      "--directory /root)");

	res = answer(500, "", SHA_EMPTY);
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, 0, SHA_ABC);
	assert_result(&r, VERDICT_FAIL, "GET " URL " -> 500, not 200", NULL);

	memset(&res, 0, sizeof(res));
	snprintf(res.error, sizeof(res.error), "Failed to connect to 10.0.0.10 port 8000: Connection refused");
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, -ECONNREFUSED, SHA_ABC);
	assert_result(&r, VERDICT_FAIL, "GET " URL ": connection refused: nothing listens on that port",
		      "start the server in the guest: httpd -p 8000 -h /root (or python3 -m http.server "
		      "--directory /root)");

	snprintf(res.error, sizeof(res.error), "Operation timed out after 3000 milliseconds with 0 bytes received");
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, -ETIMEDOUT, SHA_ABC);
	assert_result(&r, VERDICT_FAIL,
		      "GET " URL ": no answer in time (Operation timed out after 3000 milliseconds with 0 bytes received)",
		      NULL);
	assert_contains(r.hint, "ping 10.0.0.10");

	snprintf(res.error, sizeof(res.error), "Failed to connect to 10.0.0.10 port 8000: No route to host");
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, -EHOSTUNREACH, SHA_ABC);
	assert_result(&r, VERDICT_FAIL,
		      "GET " URL ": the guest is unreachable (Failed to connect to 10.0.0.10 port 8000: No route to host)",
		      NULL);
	assert_contains(r.hint, "tap0");

	snprintf(res.error, sizeof(res.error), "Empty reply from server");
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, -EIO, SHA_ABC);
	assert_result(&r, VERDICT_FAIL, "GET " URL ": no HTTP answer: Empty reply from server", NULL);
	assert_contains(r.hint, "httpd -p 8000 -h /root");

	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, -EINTR, SHA_ABC);
	assert_result(&r, VERDICT_ERROR, "interrupted during GET " URL, NULL);

	res.error[0] = '\0';
	check_init(&r, "ch2.http_200");
	check_http_200(&r, URL, &res, -ENOMEM, SHA_ABC);
	assert_result(&r, VERDICT_ERROR, "GET " URL ": Cannot allocate memory", NULL);
}

/* ---- ch2.teardown_clean ---- */

static void test_teardown_clean(void **state)
{
	struct check_result r;

	check_init(&r, "ch2.teardown_clean");
	check_teardown_clean(&r, "");
	assert_result(&r, VERDICT_PASS, "nothing left behind", NULL);

	check_init(&r, "ch2.teardown_clean");
	check_teardown_clean(&r, NULL);
	assert_result(&r, VERDICT_PASS, "nothing left behind", NULL);

	check_init(&r, "ch2.teardown_clean");
	check_teardown_clean(&r, "qemu (pid 42) namespace vlab-7");
	assert_result(&r, VERDICT_FAIL, "left behind: qemu (pid 42) namespace vlab-7",
		      "`vlab clean` removes what a run left behind");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_up),
		cmocka_unit_test(test_nic_mac),
		cmocka_unit_test(test_guest_ip),
		cmocka_unit_test(test_ping_guest_to_host),
		cmocka_unit_test(test_ping_host_to_guest),
		cmocka_unit_test(test_http_200),
		cmocka_unit_test(test_teardown_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
