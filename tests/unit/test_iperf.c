/* checks/iperf: iperf3's report as the lab's guests printed it (JSON and
 * text, client and server, errors and runs cut short; tests/fixtures/iperf
 * and its README), the verdict on each, and malformed inputs. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/iperf.h"
#include "checks/iperf_runs.h"
#include "checks/verdict.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

#define IPERF_FIXTURES FIXTURES "/iperf/"

static struct strbuf load(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];
	snprintf(path, sizeof(path), "%s%s", IPERF_FIXTURES, name);
	int r = read_file(path, &sb);
	if (r)
		fail_msg("cannot read '%s': %s", path, strerror(-r));
	return sb;
}

static int parse_fixture(const char *name, struct iperf_result *res)
{
	struct strbuf sb = load(name);
	int r = iperf_parse(sb.buf, sb.len, res);
	sb_release(&sb);
	return r;
}

/* cmocka's assert_float_equal compares floats: too coarse for bit rates */
#define assert_near(a, b, eps)                                                                     \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (eps)))                                                     \
			fail_msg("%s = %.9g, want %.9g", #a, a_, b_);                              \
	} while (0)

static void judge(const char *name, struct check_result *r)
{
	struct iperf_result res;
	int rc = parse_fixture(name, &res);
	check_init(r, "iperf.run");
	check_iperf_run(r, &res, rc);
	assert_true(r->done);
}

static void test_client_json(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("client-e1000-t2.json", &r), 0);
	assert_int_equal(r.form, IPERF_FORM_JSON);
	assert_int_equal(r.role, IPERF_ROLE_CLIENT);
	assert_string_equal(r.version, "iperf 3.12");
	assert_string_equal(r.protocol, "TCP");
	assert_string_equal(r.server, "10.0.0.11");
	assert_string_equal(r.local, "10.0.0.10");
	assert_string_equal(r.remote, "10.0.0.11");
	assert_int_equal(r.num_streams, 1);
	assert_false(r.reverse);
	assert_near(r.duration_s, 2, 1e-9);
	assert_int_equal(r.nintervals, 2);
	assert_true(r.sent.present);
	assert_int_equal(r.sent.bytes, 350320808);
	assert_near(r.sent.bits_per_second, 1400689339.7199588, 1e-3);
	assert_near(r.sent.seconds, 2.000848, 1e-9);
	assert_int_equal(r.sent.retransmits, 0);
	assert_true(r.received.present);
	assert_int_equal(r.received.bytes, 349357640);
	assert_int_equal(r.received.retransmits, -1);
	assert_true(r.sender_is_local);
	assert_string_equal(r.error, "");
	assert_true(r.complete);
	assert_near(iperf_bps(&r), 1393386256.3908255, 1e-3);

	/* the lab trial's 5 s runs */
	assert_int_equal(parse_fixture("client-virtio-t5.json", &r), 0);
	assert_near(r.duration_s, 5, 1e-9);
	assert_int_equal(r.nintervals, 5);
	assert_near(r.last_interval_end, 5.0, 0.1);
	assert_true(r.complete);
	assert_true(iperf_bps(&r) > 4.4e9);
}

static void test_server_json(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("server-e1000-t2.json", &r), 0);
	assert_int_equal(r.role, IPERF_ROLE_SERVER);
	assert_string_equal(r.server, "");
	assert_string_equal(r.local, "10.0.0.11");
	assert_string_equal(r.remote, "10.0.0.10");
	/* the server sent nothing and says so ("sender": false) */
	assert_int_equal(r.sent.bytes, 0);
	assert_false(r.sender_is_local);
	assert_int_equal(r.received.bytes, 349357640);
	assert_true(r.complete);
	/* the same run's numbers as the client's receiver sum */
	assert_near(iperf_bps(&r), 1393386256.3908255, 1e-3);
}

static void test_error_object(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("error-connection-refused.json", &r), 0);
	assert_string_equal(r.error, "unable to connect to server: Connection refused");
	assert_false(r.complete);
	assert_false(r.sent.present);
	assert_int_equal(r.nintervals, 0);
	assert_string_equal(r.local, "");
	assert_near(iperf_bps(&r), 0, 0);

	assert_int_equal(parse_fixture("error-connection-refused.txt", &r), 0);
	assert_int_equal(r.form, IPERF_FORM_TEXT);
	assert_string_equal(r.error, "unable to connect to server: Connection refused");
	assert_false(r.complete);
}

static void test_interrupted(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("client-interrupted-sigint.json", &r), 0);
	assert_string_equal(r.error, "interrupt - the client has terminated");
	assert_int_equal(r.nintervals, 3);
	assert_near(r.duration_s, 10, 1e-9);
	assert_true(r.sent.present);
	assert_int_equal(r.sent.bytes, 1159067312);
	assert_int_equal(r.received.bytes, 0);
	assert_false(r.complete);

	/* the text form: the error line came first (stderr is unbuffered) */
	assert_int_equal(parse_fixture("client-interrupted-sigint.txt", &r), 0);
	assert_string_equal(r.error, "interrupt - the client has terminated");
	assert_string_equal(r.server, "10.0.1.11");
	assert_int_equal(r.nintervals, 3);
	assert_near(r.last_interval_end, 2.95, 1e-9);
	assert_false(r.complete);

	assert_int_equal(parse_fixture("client-server-killed.json", &r), 0);
	assert_string_equal(r.error, "control socket has closed unexpectedly");
	assert_int_equal(r.nintervals, 5);
	assert_false(r.sent.present);
	assert_false(r.received.present);
	assert_false(r.complete);
}

static void test_text_client(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("client-virtio-t2.txt", &r), 0);
	assert_int_equal(r.form, IPERF_FORM_TEXT);
	assert_int_equal(r.role, IPERF_ROLE_CLIENT);
	assert_string_equal(r.protocol, "TCP");
	assert_string_equal(r.server, "10.0.1.11");
	assert_string_equal(r.local, "10.0.1.10");
	assert_string_equal(r.remote, "10.0.1.11");
	assert_int_equal(r.num_streams, 1);
	assert_int_equal(r.nintervals, 2);
	/* "752 MBytes  3.15 Gbits/sec    0  sender": sizes in 1024s, rates in 1000s */
	assert_int_equal(r.sent.bytes, 752ull * 1024 * 1024);
	assert_near(r.sent.bits_per_second, 3.15e9, 1);
	assert_near(r.sent.seconds, 2.0, 1e-9);
	assert_int_equal(r.sent.retransmits, 0);
	assert_int_equal(r.received.bytes, 752ull * 1024 * 1024);
	assert_int_equal(r.received.retransmits, -1);
	assert_true(r.sender_is_local);
	assert_true(r.complete);
	assert_string_equal(r.version, "");
}

static void test_text_server_parallel_reverse_udp(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("server-virtio-t2.txt", &r), 0);
	assert_int_equal(r.role, IPERF_ROLE_SERVER);
	assert_string_equal(r.local, "10.0.1.11");
	assert_false(r.sent.present);
	assert_true(r.received.present);
	assert_int_equal(r.received.bytes, 752ull * 1024 * 1024);
	/* the server's intervals have no Retr column: no protocol said */
	assert_string_equal(r.protocol, "");
	assert_true(r.complete);

	/* -P 2: the [SUM] lines are the totals, per-stream lines do not override */
	assert_int_equal(parse_fixture("client-parallel-2.txt", &r), 0);
	assert_int_equal(r.num_streams, 2);
	assert_int_equal(r.nintervals, 2);
	assert_int_equal(r.sent.bytes, 897ull * 1024 * 1024);
	assert_near(r.sent.bits_per_second, 3.76e9, 1);
	assert_int_equal(r.received.bytes, 895ull * 1024 * 1024);
	assert_int_equal(parse_fixture("client-parallel-2.json", &r), 0);
	assert_int_equal(r.num_streams, 2);
	assert_int_equal(r.sent.bytes, 979310024);

	assert_int_equal(parse_fixture("client-reverse.txt", &r), 0);
	assert_true(r.reverse);
	assert_false(r.sender_is_local);
	assert_int_equal(parse_fixture("client-reverse.json", &r), 0);
	assert_true(r.reverse);
	assert_false(r.sender_is_local);

	assert_int_equal(parse_fixture("client-udp.txt", &r), 0);
	assert_string_equal(r.protocol, "UDP");
	assert_int_equal(r.sent.bytes, 257ull * 1024);
	assert_int_equal(r.sent.retransmits, -1); /* "0.000 ms" is jitter, not Retr */
	assert_int_equal(parse_fixture("client-udp.json", &r), 0);
	assert_string_equal(r.protocol, "UDP");
	assert_int_equal(r.sent.retransmits, -1);
}

static void test_vlab_console_copies(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("vlab-console-e1000-t2.json", &r), 0);
	assert_true(r.complete);
	assert_string_equal(r.server, "10.0.0.11");
	assert_int_equal(parse_fixture("vlab-console-virtio-t2.json", &r), 0);
	assert_true(r.complete);
	assert_string_equal(r.server, "10.0.1.11");
}

static void test_not_iperf(void **state)
{
	(void)state;
	struct iperf_result r;
	assert_int_equal(parse_fixture("truncated.json", &r), -EINVAL);
	assert_contains(r.why, "not valid JSON");
	assert_int_equal(parse_fixture("not-iperf-qmp.json", &r), -EINVAL);
	assert_contains(r.why, "not iperf3's");
	assert_int_equal(parse_fixture("not-iperf-ping.txt", &r), -EINVAL);
	assert_contains(r.why, "neither JSON nor iperf3's text");
	static const char *const bad[] = {
		"", "   \n\t", "[1, 2]", "\"start\"", "{", "{\"start\": 1", "null", "hello\nworld\n",
		"{\"foo\": {}}", "[  5]", "[ ID] Interval", "Connecting to host", "iperf3: usage",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (iperf_parse(bad[i], strlen(bad[i]), &r) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
}

static void test_odd_json(void **state)
{
	(void)state;
	struct iperf_result r;
	/* wrong types and absurd numbers are read as nothing, never trusted */
	static const char odd[] =
		"{\"start\": {\"connecting_to\": {\"host\": 7}, \"connected\": \"x\", \"test_start\": "
		"{\"protocol\": [], \"num_streams\": 1e300, \"duration\": -5, \"reverse\": \"yes\"}}, "
		"\"intervals\": {}, \"end\": {\"sum_sent\": {\"bytes\": -1, \"seconds\": 1e308, "
		"\"bits_per_second\": \"fast\", \"retransmits\": 1e40, \"sender\": 1}, \"sum_received\": []}, "
		"\"error\": 3}";
	assert_int_equal(iperf_parse(odd, strlen(odd), &r), 0);
	assert_int_equal(r.role, IPERF_ROLE_CLIENT);
	assert_string_equal(r.server, "");
	assert_int_equal(r.num_streams, 0);
	assert_near(r.duration_s, 0, 0);
	assert_int_equal(r.sent.bytes, 0);
	assert_near(r.sent.bits_per_second, 0, 0);
	assert_int_equal(r.sent.retransmits, 0);
	assert_false(r.received.present);
	assert_false(r.sender_is_local);
	assert_string_equal(r.error, "");
	assert_true(r.complete);
	/* an object with only "error" is iperf3's (its failure before "start") */
	static const char only_error[] = "{\"error\": \"parameter error - must either be a client (-c) or server (-s)\"}";
	assert_int_equal(iperf_parse(only_error, strlen(only_error), &r), 0);
	assert_false(r.complete);
	/* NUL bytes in text do not end the input early */
	static const char nul[] = "Connecting to host 10.0.0.11, port 5201\n\0\n"
				  "[  5]   0.00-2.00   sec   752 MBytes  3.15 Gbits/sec    0             sender\n";
	assert_int_equal(iperf_parse(nul, sizeof(nul) - 1, &r), 0);
	assert_true(r.sent.present);
}

static void test_format_bps(void **state)
{
	(void)state;
	char b[32];
	const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0.00 bit/s" },         { 999, "999 bit/s" },          { 999.7, "1.00 kbit/s" },
		{ 1.4e9, "1.40 Gbit/s" },     { 4.35e9, "4.35 Gbit/s" },      { 812.4e6, "812 Mbit/s" },
		{ 31e6, "31.0 Mbit/s" },      { -5, "0.00 bit/s" },           { NAN, "0.00 bit/s" },
		{ 5e15, "5000 Tbit/s" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		iperf_format_bps(cases[i].v, b, sizeof(b));
		assert_string_equal(b, cases[i].want);
	}
}

static void test_verdicts(void **state)
{
	(void)state;
	struct check_result r;
	judge("client-e1000-t2.json", &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.detail, "client 10.0.0.10 -> server 10.0.0.11, TCP, 2.0 s: sent 1.40 Gbit/s, "
				      "received 1.39 Gbit/s, 0 retransmits (iperf 3.12)");
	assert_string_equal(r.hint, "");
	judge("server-e1000-t2.json", &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.detail, "server 10.0.0.11, client 10.0.0.10, TCP, 2.0 s: received 1.39 Gbit/s "
				      "(iperf 3.12)");
	judge("client-virtio-t2.txt", &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_contains(r.detail, "(iperf3's text output)");
	judge("client-parallel-2.json", &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_contains(r.detail, "2 streams");
	judge("client-reverse.json", &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_contains(r.detail, "reverse (-R)");

	judge("error-connection-refused.json", &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "iperf3 reported an error: unable to connect to server: Connection refused");
	assert_contains(r.hint, "start `iperf3 -s`");
	judge("client-interrupted-sigint.json", &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "iperf3 reported an error: interrupt - the client has terminated "
				      "(after 3 interval reports, 3.0 s)");
	assert_contains(r.hint, "Ctrl-C");
	judge("client-server-killed.json", &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_contains(r.hint, "server went away");
	judge("client-udp.json", &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_contains(r.detail, "UDP");
	assert_contains(r.hint, "without -u");
	judge("truncated.json", &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_contains(r.detail, "not iperf3's report: not valid JSON");

	/* no summary, no error: a run cut off without a word */
	struct iperf_result res;
	static const char cut[] = "Connecting to host 10.0.0.11, port 5201\n"
				  "[  5]   0.00-1.00   sec   161 MBytes  1.35 Gbits/sec    0    781 KBytes\n";
	assert_int_equal(iperf_parse(cut, strlen(cut), &res), 0);
	check_init(&r, "iperf.run");
	check_iperf_run(&r, &res, 0);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "the report stops before iperf3's summary (1 interval report): the run did "
				      "not finish");
	/* a summary that covers much less than the run asked for */
	struct strbuf sb = load("client-e1000-t2.json");
	char *p = strstr(sb.buf, "\"duration\":\t2");
	assert_non_null(p);
	p[strlen("\"duration\":\t")] = '9';
	assert_int_equal(iperf_parse(sb.buf, sb.len, &res), 0);
	sb_release(&sb);
	check_init(&r, "iperf.run");
	check_iperf_run(&r, &res, 0);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "the run lasted 2.0 s of the 9 s asked for");
	/* moved nothing */
	static const char none[] = "Connecting to host 10.0.0.11, port 5201\n"
				   "[  5]   0.00-2.00   sec  0.00 Bytes  0.00 bits/sec    0             sender\n"
				   "[  5]   0.00-2.00   sec  0.00 Bytes  0.00 bits/sec                  receiver\n";
	assert_int_equal(iperf_parse(none, strlen(none), &res), 0);
	check_init(&r, "iperf.run");
	check_iperf_run(&r, &res, 0);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "the run moved no data");
}

static void test_comparison(void **state)
{
	(void)state;
	struct iperf_result e, v;
	assert_int_equal(parse_fixture("client-e1000-t5.json", &e), 0);
	assert_int_equal(parse_fixture("client-virtio-t5.json", &v), 0);
	const struct iperf_row rows[] = { { "e1000", &e }, { "virtio", &v }, { "none", NULL } };
	struct strbuf out = STRBUF_INIT;
	iperf_format_comparison(&out, rows, 3, 20, false);
	assert_string_equal(out.buf, "link    sent          received      retransmits\n"
				     "e1000   1.41 Gbit/s   1.41 Gbit/s   0\n"
				     "virtio  4.48 Gbit/s   4.48 Gbit/s   0\n"
				     "none    -             -             -\n"
				     "\n"
				     "e1000   ######                1.41 Gbit/s\n"
				     "virtio  ####################  4.48 Gbit/s\n"
				     "none                          0.00 bit/s\n");
	sb_reset(&out);
	iperf_format_comparison(&out, rows, 2, 20, true);
	/* 1.41/4.48 of 20 columns is 6.27: six full blocks and a quarter one */
	assert_contains(out.buf, "e1000   \u2588\u2588\u2588\u2588\u2588\u2588\u258e               1.41 Gbit/s\n");
	sb_release(&out);
}

/* ---- several runs in one log (iperf_split_runs) ---- */

struct runs {
	struct strbuf log;
	struct iperf_span *spans;
	size_t n;
};

/* The log: the fixtures named, one after another, as `>>` appends them. */
static struct runs split_of(const char *first, ...)
{
	struct runs rs = { STRBUF_INIT, NULL, 0 };
	va_list ap;
	va_start(ap, first);
	for (const char *name = first; name; name = va_arg(ap, const char *)) {
		struct strbuf sb = load(name);
		sb_add(&rs.log, sb.buf, sb.len);
		sb_release(&sb);
	}
	va_end(ap);
	rs.n = iperf_split_runs(rs.log.buf ? rs.log.buf : "", rs.log.len, &rs.spans);
	/* in order, inside the log, apart */
	for (size_t i = 0; i < rs.n; i++) {
		assert_true(rs.spans[i].offset + rs.spans[i].len <= rs.log.len);
		if (i)
			assert_true(rs.spans[i].offset >= rs.spans[i - 1].offset + rs.spans[i - 1].len);
	}
	return rs;
}

static void runs_release(struct runs *rs)
{
	sb_release(&rs->log);
	free(rs->spans);
}

/* Run i of the log, parsed and judged. */
static void judge_run(const struct runs *rs, size_t i, struct iperf_result *res, struct check_result *r)
{
	assert_true(i < rs->n);
	int rc = iperf_parse(rs->log.buf + rs->spans[i].offset, rs->spans[i].len, res);
	check_init(r, "iperf.run");
	check_iperf_run(r, res, rc);
}

static const char *span_text(const struct runs *rs, size_t i, char *buf, size_t n)
{
	snprintf(buf, n, "%.*s", (int)rs->spans[i].len, rs->log.buf + rs->spans[i].offset);
	return buf;
}

/* A file of one run is one span, the whole of it, judged as before. */
static void test_split_one_run(void **state)
{
	(void)state;
	static const char *const one[] = { "client-e1000-t2.json",      "server-e1000-t2.json",
					   "client-virtio-t2.txt",      "server-virtio-t2.txt",
					   "client-interrupted-sigint.txt", "client-interrupted-sigint.json",
					   "error-connection-refused.txt", "client-parallel-2.txt",
					   "client-reverse.txt",        "client-udp.txt",
					   "not-iperf-ping.txt",        "truncated.json" };
	for (size_t i = 0; i < ARRAY_SIZE(one); i++) {
		struct runs rs = split_of(one[i], NULL);
		size_t end = rs.spans[0].offset + rs.spans[0].len;
		/* JSON's span ends at its '}': only the line end is left out */
		if (rs.n != 1 || rs.spans[0].offset != 0 || strspn(rs.log.buf + end, " \n") != rs.log.len - end)
			fail_msg("%s: %zu spans, the first %zu+%zu of %zu bytes", one[i], rs.n, rs.spans[0].offset,
				 rs.spans[0].len, rs.log.len);
		runs_release(&rs);
	}
	struct iperf_span *spans;
	assert_int_equal(iperf_split_runs("", 0, &spans), 1);
	assert_int_equal(spans[0].len, 0);
	free(spans);
}

/* Two client runs' text appended to one log (loopback, iperf 3.12): two
 * runs, each named by its "Connecting to host" line; iperf_parse alone
 * sees only the last. */
static void test_split_two_text_runs(void **state)
{
	(void)state;
	struct runs rs = split_of("loopback-two-client-runs.txt", NULL);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.spans[0].line, 1);
	assert_int_equal(rs.spans[1].line, 11);
	assert_string_equal(rs.spans[0].label, "Connecting to host 127.0.0.1, port 15201");
	assert_string_equal(rs.spans[1].label, "Connecting to host 127.0.0.1, port 15201");
	assert_int_equal(rs.spans[0].len + rs.spans[1].len, rs.log.len);
	struct iperf_result res;
	struct check_result r;
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	assert_int_equal(res.sent.retransmits, 40);
	assert_string_equal(res.local, "127.0.0.1");
	judge_run(&rs, 1, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	assert_int_equal(res.sent.retransmits, 7);
	assert_int_equal(iperf_parse(rs.log.buf, rs.log.len, &res), 0);
	assert_int_equal(res.sent.retransmits, 7);
	runs_release(&rs);
}

/* Two -J objects one after another: not one JSON text (iperf_parse refuses
 * it), two runs, each named by its start timestamp. */
static void test_split_two_json_runs(void **state)
{
	(void)state;
	struct runs rs = split_of("loopback-two-client-runs.json", NULL);
	struct iperf_result res;
	assert_int_equal(iperf_parse(rs.log.buf, rs.log.len, &res), -EINVAL);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.spans[0].line, 1);
	assert_int_equal(rs.spans[1].line, 123);
	assert_string_equal(rs.spans[0].label, "started Sat, 05 Dec 2026 00:42:11 GMT");
	assert_string_equal(rs.spans[1].label, "started Sat, 05 Dec 2026 00:42:13 GMT");
	struct check_result r;
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	assert_int_equal(res.sent.retransmits, 36);
	judge_run(&rs, 1, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	assert_int_equal(res.sent.retransmits, 13);
	runs_release(&rs);

	/* a copy cut short after a whole run: the rest is a run that does not parse */
	rs = split_of("client-e1000-t2.json", "truncated.json", NULL);
	assert_int_equal(rs.n, 2);
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	assert_int_equal(iperf_parse(rs.log.buf + rs.spans[1].offset, rs.spans[1].len, &res), -EINVAL);
	runs_release(&rs);

	/* a server (-J, no -1) stopped with Ctrl-C while it waited: its last
	 * object, the interrupt alone, is no run */
	rs = split_of("loopback-server-then-stopped.json", NULL);
	assert_int_equal(iperf_parse(rs.log.buf, rs.log.len, &res), -EINVAL);
	assert_int_equal(rs.n, 1);
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	assert_int_equal(res.role, IPERF_ROLE_SERVER);
	runs_release(&rs);
}

/* Where iperf3's error lines go: it writes them to unbuffered stderr, its
 * report to stdout. */
static void test_split_errors(void **state)
{
	(void)state;
	char text[4096];
	struct iperf_result res;
	struct check_result r;
	/* a refused try (no report follows it), then one that worked */
	struct runs rs = split_of("loopback-refused-then-ok.txt", NULL);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.spans[0].line, 1);
	assert_string_equal(rs.spans[0].label, "");
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "Connection refused");
	assert_int_equal(rs.spans[1].line, 2);
	judge_run(&rs, 1, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	assert_int_equal(res.sent.retransmits, 16);
	runs_release(&rs);

	/* a finished run, then one interrupted into a file: the interrupt comes
	 * before its own report, so it is the second run's */
	rs = split_of("client-virtio-t2.txt", "client-interrupted-sigint.txt", NULL);
	assert_int_equal(rs.n, 2);
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_PASS);
	judge_run(&rs, 1, &res, &r);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "interrupt - the client has terminated");
	assert_int_equal(rs.spans[1].line, 13); /* its Connecting line: 11 lines, then the interrupt */
	runs_release(&rs);

	/* the client's error after its own report (the server was stopped) */
	rs = split_of("loopback-client-server-stopped.txt", NULL);
	assert_int_equal(rs.n, 1);
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "the server has terminated");
	runs_release(&rs);

	/* a server (no -1) that served two clients, then Ctrl-C while it
	 * waited: two tests, and the interrupt and the next banner no run's */
	rs = split_of("loopback-server-two-tests.txt", NULL);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.spans[0].line, 4);
	assert_int_equal(rs.spans[1].line, 15);
	assert_string_equal(rs.spans[1].label, "Accepted connection from 127.0.0.1, port 52988");
	assert_null(strstr(span_text(&rs, 1, text, sizeof(text)), "interrupt"));
	assert_null(strstr(text, "test #3"));
	assert_non_null(strstr(span_text(&rs, 1, text, sizeof(text)), "test #2"));
	for (size_t i = 0; i < 2; i++) {
		judge_run(&rs, i, &res, &r);
		assert_verdict(&r, VERDICT_PASS);
		assert_int_equal(res.role, IPERF_ROLE_SERVER);
	}
	runs_release(&rs);

	/* a server stopped during its test: the interrupt, first in the file,
	 * is that test's */
	rs = split_of("loopback-server-stopped-mid-test.txt", NULL);
	assert_int_equal(rs.n, 1);
	judge_run(&rs, 0, &res, &r);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "interrupt - the server has terminated");
	runs_release(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_json),
		cmocka_unit_test(test_server_json),
		cmocka_unit_test(test_error_object),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_text_client),
		cmocka_unit_test(test_text_server_parallel_reverse_udp),
		cmocka_unit_test(test_vlab_console_copies),
		cmocka_unit_test(test_not_iperf),
		cmocka_unit_test(test_odd_json),
		cmocka_unit_test(test_format_bps),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_comparison),
		cmocka_unit_test(test_split_one_run),
		cmocka_unit_test(test_split_two_text_runs),
		cmocka_unit_test(test_split_two_json_runs),
		cmocka_unit_test(test_split_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
