/* checks/ping_parse: ping's output as the guest's busybox and iputils print
 * it, from the real captures in tests/fixtures/ping (see its README), with
 * their \r\n line ends and the \n form, and malformed inputs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/ping_parse.h"
#include "runner/util.h"
#include "runner/files.h"

#define PING_FIXTURES FIXTURES "/ping/"

static char *load(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];
	snprintf(path, sizeof(path), "%s%s", PING_FIXTURES, name);
	int r = read_file(path, &sb);
	if (r)
		fail_msg("cannot read '%s': %s", path, strerror(-r));
	return sb.buf;
}

/* The same text with every \r removed (the console reader's form). */
static char *strip_cr(const char *s)
{
	char *o = xstrdup(s), *w = o;
	for (const char *p = s; *p; p++)
		if (*p != '\r')
			*w++ = *p;
	*w = '\0';
	return o;
}

struct want {
	const char *file;
	int rc;
	int tx, rx;
	double loss;
	bool has_rtt;
	double min, avg, max;
	int replies, errors;
	const char *dst;
	const char *error;
};

static void check_one(const struct want *w, const char *text)
{
	struct ping_summary s;
	int rc = ping_parse(text, &s);
	if (rc != w->rc)
		fail_msg("%s: ping_parse returned %d, want %d", w->file, rc, w->rc);
	assert_int_equal(s.replies_seen, w->replies);
	assert_string_equal(s.dst, w->dst);
	assert_string_equal(s.error, w->error ? w->error : "");
	if (rc)
		return;
	assert_int_equal(s.transmitted, w->tx);
	assert_int_equal(s.received, w->rx);
	assert_float_equal(s.loss_pct, w->loss, 1e-9);
	assert_int_equal(s.errors, w->errors);
	assert_int_equal(s.has_rtt, w->has_rtt);
	if (w->has_rtt) {
		assert_float_equal(s.rtt_min, w->min, 1e-9);
		assert_float_equal(s.rtt_avg, w->avg, 1e-9);
		assert_float_equal(s.rtt_max, w->max, 1e-9);
	}
}

static const struct want fixtures[] = {
	{ "guest-busybox-ok.txt", 0, 3, 3, 0, true, 0.628, 0.850, 1.093, 3, 0, "10.0.0.1", NULL },
	{ "guest-busybox-first-ping-kmsg.txt", 0, 3, 3, 0, true, 0.754, 333.694, 999.475, 3, 0, "10.0.0.1", NULL },
	{ "guest-busybox-loss-100.txt", 0, 3, 0, 100, false, 0, 0, 0, 0, 0, "10.0.0.77", NULL },
	{ "guest-busybox-unreachable.txt", -EINVAL, 0, 0, 0, false, 0, 0, 0, 0, 0, "10.0.0.1",
	  "ping: sendto: Network is unreachable" },
	{ "busybox-localhost-ok.txt", 0, 3, 3, 0, true, 0.045, 0.062, 0.075, 3, 0, "127.0.0.1", NULL },
	{ "busybox-veth-ok.txt", 0, 3, 3, 0, true, 0.087, 0.217, 0.474, 3, 0, "10.0.0.1", NULL },
	{ "busybox-veth-loss-100.txt", 0, 3, 0, 100, false, 0, 0, 0, 0, 0, "10.0.0.99", NULL },
	{ "busybox-veth-partial-50.txt", 0, 4, 2, 50, true, 0.084, 0.234, 0.384, 2, 0, "10.0.0.3", NULL },
	{ "busybox-netns-unreachable.txt", -EINVAL, 0, 0, 0, false, 0, 0, 0, 0, 0, "10.9.9.9",
	  "ping: sendto: Network is unreachable" },
	{ "iputils-veth-ok.txt", 0, 3, 3, 0, true, 0.043, 0.095, 0.181, 3, 0, "10.0.0.1", NULL },
	{ "iputils-veth-loss-100.txt", 0, 3, 0, 100, false, 0, 0, 0, 0, 0, "10.0.0.99", NULL },
	{ "iputils-veth-partial-50.txt", 0, 4, 2, 50, true, 0.035, 0.057, 0.080, 2, 0, "10.0.0.3", NULL },
	/* "From 10.0.0.10 icmp_seq=1 Destination Host Unreachable" is not a reply */
	{ "iputils-veth-host-unreachable-errors.txt", 0, 6, 0, 100, false, 0, 0, 0, 0, 6, "10.0.0.98", NULL },
	/* iputils fails at connect() before its PING line: no dst at all */
	{ "iputils-netns-unreachable.txt", -EINVAL, 0, 0, 0, false, 0, 0, 0, 0, 0, "",
	  "ping: connect: Network is unreachable" },
};

static void test_fixtures(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		char *text = load(fixtures[i].file);
		check_one(&fixtures[i], text);
		char *lf = strip_cr(text);
		check_one(&fixtures[i], lf);
		free(lf);
		free(text);
	}
}

static void test_guest_fixtures_have_crlf(void **state)
{
	/* the guest captures are what the console sent: make sure the \r\n
	 * form is really what test_fixtures parsed */
	char *text = load("guest-busybox-ok.txt");
	assert_non_null(strstr(text, "packet loss\r\n"));
	free(text);
	text = load("guest-busybox-first-ping-kmsg.txt");
	assert_non_null(strstr(text, "] e1000: eth0 NIC Link is Up"));
	free(text);
}

static void test_last_run_wins(void **state)
{
	char *a = load("guest-busybox-loss-100.txt");
	char *b = load("guest-busybox-ok.txt");
	char *both = xasprintf("%s~ # ping -c 3 -W 2 10.0.0.1\r\n%s", a, b);
	struct ping_summary s;
	assert_int_equal(ping_parse(both, &s), 0);
	assert_int_equal(s.transmitted, 3);
	assert_int_equal(s.received, 3);
	assert_int_equal(s.replies_seen, 3);
	assert_string_equal(s.dst, "10.0.0.1");
	free(both);

	/* a failed run after a good one: the failure is what counts */
	both = xasprintf("%s%s", b, "PING 10.0.0.1 (10.0.0.1): 56 data bytes\nping: sendto: Network is unreachable\n");
	assert_int_equal(ping_parse(both, &s), -EINVAL);
	assert_int_equal(s.replies_seen, 0);
	assert_string_equal(s.error, "ping: sendto: Network is unreachable");
	free(both);
	free(a);
	free(b);
}

static void test_kernel_line_between(void **state)
{
	/* a printk between the replies and the statistics, as the serial
	 * console interleaves them */
	const char *t = "PING 10.0.0.1 (10.0.0.1): 56 data bytes\r\n"
			"64 bytes from 10.0.0.1: seq=0 ttl=64 time=1.000 ms\r\n"
			"[   12.500000] 3 packets transmitted by the e1000 watchdog\r\n"
			"64 bytes from 10.0.0.1: seq=1 ttl=64 time=2.000 ms\r\n"
			"\r\n--- 10.0.0.1 ping statistics ---\r\n"
			"2 packets transmitted, 2 packets received, 0% packet loss\r\n"
			"round-trip min/avg/max = 1.000/1.500/2.000 ms\r\n";
	struct ping_summary s;
	assert_int_equal(ping_parse(t, &s), 0);
	assert_int_equal(s.transmitted, 2);
	assert_int_equal(s.replies_seen, 2);
	assert_float_equal(s.rtt_avg, 1.5, 1e-9);
}

static void test_variants(void **state)
{
	struct ping_summary s;
	/* iputils' fractional loss, duplicates and a hostname */
	assert_int_equal(ping_parse("PING host (10.0.0.1) 56(84) bytes of data.\n"
				    "--- host ping statistics ---\n"
				    "3 packets transmitted, 2 received, +1 duplicates, 33.3333% packet loss, time 2003ms\n"
				    "rtt min/avg/max/mdev = 0.1/0.2/0.3/0.05 ms\n",
				    &s),
			 0);
	assert_string_equal(s.dst, "10.0.0.1");
	assert_float_equal(s.loss_pct, 33.3333, 1e-9);
	assert_int_equal(s.errors, 0);
	assert_float_equal(s.rtt_max, 0.3, 1e-9);
	/* busybox with duplicates; no PING line: dst from the statistics header */
	assert_int_equal(ping_parse("--- 10.0.0.1 ping statistics ---\n"
				    "2 packets transmitted, 2 packets received, 1 duplicates, 0% packet loss\n",
				    &s),
			 0);
	assert_string_equal(s.dst, "10.0.0.1");
	assert_int_equal(s.received, 2);
	assert_false(s.has_rtt);
	/* no loss item: computed */
	assert_int_equal(ping_parse("4 packets transmitted, 1 received\n", &s), 0);
	assert_float_equal(s.loss_pct, 75.0, 1e-9);
	/* a long hostname is cut to fit */
	char line[300];
	memset(line, 'h', sizeof(line));
	memcpy(line, "PING ", 5);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(ping_parse(line, &s), -EINVAL);
	assert_int_equal(strlen(s.dst), sizeof(s.dst) - 1);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"PING 10.0.0.1 (10.0.0.1): 56 data bytes\n",
		"sh: ping: not found\n",
		"x packets transmitted, 3 packets received, 0% packet loss\n",
		"3 packets transmitted, 0% packet loss\n",                     /* no received */
		"3 packets received, 0% packet loss\n",                        /* no transmitted */
		"3 packets transmitted, 4 packets received, 0% packet loss\n", /* more back than sent */
		"3 packets transmitted, 3 packets received, 120% packet loss\n",
		"99999999999 packets transmitted, 3 packets received, 0% packet loss\n",
		"3 packets transmitted, -3 packets received, 0% packet loss\n",
		"3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = 1/2 ms\n",
		"3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = 3/2/1 ms\n",
		"3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = a/b/c ms\n",
		"3 packets transmitted, 3 packets received, 0% packet loss\nrtt min/avg/max = inf/inf/inf ms\n",
		"3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max 1/2/3 ms\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ping_summary s;
		if (ping_parse(bad[i], &s) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
	}
	struct ping_summary s;
	assert_int_equal(ping_parse(NULL, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_guest_fixtures_have_crlf),
		cmocka_unit_test(test_last_run_wins),
		cmocka_unit_test(test_kernel_line_between),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
