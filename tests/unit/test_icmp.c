/* checks/icmp: the pure packet helpers on known vectors and malformed
 * packets (the pings themselves are test_icmp_echo.c's). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "checks/icmp.h"
#include "runner/util.h"

/* ---- checksum (RFC 1071) ---- */

static void test_checksum_vectors(void **state)
{
	/* RFC 1071 3: the example bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 */
	const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(icmp_checksum(rfc, sizeof(rfc)), (uint16_t)~0xddf2);
	/* the IPv4 header of the much-copied worked example (Wikipedia,
	 * "Internet checksum"): its checksum is b861, and with it in place
	 * the header sums to zero, which is how receivers check it */
	uint8_t ip[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal(icmp_checksum(ip, sizeof(ip)), 0xb861);
	ip[10] = 0xb8;
	ip[11] = 0x61;
	assert_int_equal(icmp_checksum(ip, sizeof(ip)), 0);
	/* an odd length pads with a zero byte (RFC 1071 4.1) */
	const uint8_t odd[] = { 0x01 };
	assert_int_equal(icmp_checksum(odd, 1), 0xfeff);
	/* carries fold back in: ffff + ffff = 1fffe -> fffe + 1 = ffff -> 0 */
	const uint8_t ones[] = { 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(icmp_checksum(ones, sizeof(ones)), 0x0000);
	assert_int_equal(icmp_checksum(NULL, 0), 0xffff);
}

static void test_build_echo(void **state)
{
	uint8_t buf[64];
	/* an echo request with no data: 0800 0000 1234 0001 sums to 1a35 */
	assert_int_equal(icmp_build_echo(buf, sizeof(buf), 0x1234, 1, 0), ICMP_HDR_LEN);
	const uint8_t want[] = { 0x08, 0x00, 0xe5, 0xca, 0x12, 0x34, 0x00, 0x01 };
	assert_memory_equal(buf, want, sizeof(want));

	assert_int_equal(icmp_build_echo(buf, sizeof(buf), 0xbeef, 0xffff, ICMP_DEFAULT_PAYLOAD), 64);
	assert_int_equal(buf[0], ICMP_TYPE_ECHO_REQUEST);
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[4] << 8 | buf[5], 0xbeef);
	assert_int_equal(buf[6] << 8 | buf[7], 0xffff);
	assert_int_equal(icmp_checksum(buf, 64), 0);
	assert_true(icmp_payload_ok(buf + ICMP_HDR_LEN, ICMP_DEFAULT_PAYLOAD));
	buf[20] ^= 1;
	assert_false(icmp_payload_ok(buf + ICMP_HDR_LEN, ICMP_DEFAULT_PAYLOAD));
	/* an odd payload still checksums */
	assert_int_equal(icmp_build_echo(buf, sizeof(buf), 7, 7, 3), 11);
	assert_int_equal(icmp_checksum(buf, 11), 0);

	assert_int_equal(icmp_build_echo(buf, 63, 1, 1, ICMP_DEFAULT_PAYLOAD), -ENOSPC);
	assert_int_equal(icmp_build_echo(buf, 7, 1, 1, 0), -ENOSPC);
}

/* ---- parsing ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void fix_icmp_checksum(uint8_t *icmp, size_t len)
{
	put16(icmp + 2, 0);
	put16(icmp + 2, icmp_checksum(icmp, len));
}

/* An IPv4 header (20 bytes, or 24 with an options word) before len bytes. */
static size_t ip_header(uint8_t *p, size_t payload_len, bool options, uint8_t proto, const uint8_t src[4],
			const uint8_t dst[4])
{
	size_t hl = options ? 24 : 20;
	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | hl / 4);
	put16(p + 2, (uint16_t)(hl + payload_len));
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, icmp_checksum(p, hl));
	return hl;
}

static const uint8_t GUEST[4] = { 10, 0, 0, 10 };
static const uint8_t HOST[4] = { 10, 0, 0, 1 };

/* An echo reply for (id, seq) with our payload, at buf (no IP header). */
static size_t echo_reply(uint8_t *buf, uint16_t id, uint16_t seq)
{
	int n = icmp_build_echo(buf, 64, id, seq, ICMP_DEFAULT_PAYLOAD);
	assert_int_equal(n, 64);
	buf[0] = ICMP_TYPE_ECHO_REPLY;
	fix_icmp_checksum(buf, 64);
	return 64;
}

static void test_parse_dgram(void **state)
{
	uint8_t buf[128];
	struct icmp_reply r;
	size_t n = echo_reply(buf, 0x4242, 3);
	assert_int_equal(icmp_parse_reply(buf, n, false, &r), 0);
	assert_int_equal(r.type, ICMP_TYPE_ECHO_REPLY);
	assert_int_equal(r.id, 0x4242);
	assert_int_equal(r.seq, 3);
	assert_false(r.is_error);
	assert_false(r.has_src);
	assert_int_equal(r.data_len, ICMP_DEFAULT_PAYLOAD);
	assert_ptr_equal(r.data, buf + ICMP_HDR_LEN);
	assert_true(icmp_payload_ok(r.data, r.data_len));

	/* a bare header is a valid reply with no data */
	n = (size_t)icmp_build_echo(buf, sizeof(buf), 1, 2, 0);
	buf[0] = ICMP_TYPE_ECHO_REPLY;
	fix_icmp_checksum(buf, n);
	assert_int_equal(icmp_parse_reply(buf, n, false, &r), 0);
	assert_int_equal(r.data_len, 0);

	/* short */
	assert_int_equal(icmp_parse_reply(buf, 7, false, &r), -EINVAL);
	assert_int_equal(icmp_parse_reply(buf, 0, false, &r), -EINVAL);
	assert_int_equal(icmp_parse_reply(NULL, 8, false, &r), -EINVAL);
	/* bad checksum: one bit of the data flipped */
	n = echo_reply(buf, 0x4242, 3);
	buf[40] ^= 0x10;
	assert_int_equal(icmp_parse_reply(buf, n, false, &r), -EINVAL);
	/* a byte missing at the end changes the sum too */
	buf[40] ^= 0x10;
	assert_int_equal(icmp_parse_reply(buf, n - 1, false, &r), -EINVAL);
	/* wrong type: our own echo request (as a raw socket sees it on lo) */
	n = (size_t)icmp_build_echo(buf, sizeof(buf), 0x4242, 3, ICMP_DEFAULT_PAYLOAD);
	assert_int_equal(icmp_parse_reply(buf, n, false, &r), -ENOMSG);
	assert_int_equal(r.type, ICMP_TYPE_ECHO_REQUEST);
	/* a timestamp request (type 13) */
	buf[0] = 13;
	fix_icmp_checksum(buf, n);
	assert_int_equal(icmp_parse_reply(buf, n, false, &r), -ENOMSG);
	assert_int_equal(r.type, 13);
}

static void test_parse_raw(void **state)
{
	uint8_t buf[256];
	struct icmp_reply r;
	size_t hl = ip_header(buf, 64, false, 1, GUEST, HOST);
	size_t n = hl + echo_reply(buf + hl, 0x1111, 2);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), 0);
	assert_int_equal(r.id, 0x1111);
	assert_int_equal(r.seq, 2);
	assert_true(r.has_src);
	assert_memory_equal(&r.src, GUEST, 4);
	assert_ptr_equal(r.data, buf + 28);
	/* the same bytes read as a ping socket's: the IP header and the ICMP
	 * message each sum to zero, so the whole does too, and it reads as a
	 * message of type 0x45: not an echo reply */
	assert_int_equal(icmp_parse_reply(buf, n, false, &r), -ENOMSG);
	assert_int_equal(r.type, 0x45);

	/* trailing link padding beyond the IP total length is dropped */
	memset(buf + n, 0xee, 10);
	assert_int_equal(icmp_parse_reply(buf, n + 10, true, &r), 0);
	assert_int_equal(r.data_len, ICMP_DEFAULT_PAYLOAD);

	/* an options word: IHL 6 */
	hl = ip_header(buf, 64, true, 1, GUEST, HOST);
	n = hl + echo_reply(buf + hl, 0x1111, 2);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), 0);
	assert_int_equal(r.seq, 2);
	assert_ptr_equal(r.data, buf + 32);

	/* malformed IP */
	hl = ip_header(buf, 64, false, 1, GUEST, HOST);
	n = hl + echo_reply(buf + hl, 0x1111, 2);
	assert_int_equal(icmp_parse_reply(buf, 19, true, &r), -EINVAL);        /* short */
	assert_int_equal(icmp_parse_reply(buf, n - 1, true, &r), -EINVAL);     /* total length > what came */
	uint8_t bad[256];
	static const struct {
		size_t off;
		uint8_t val;
		bool fix_sum;    /* a correct header checksum, so that the field itself is refused */
		const char *what;
	} pokes[] = {
		{ 0, 0x44, true, "IHL 4 (16 bytes: less than the minimum)" },
		{ 0, 0x65, true, "version 6" },
		{ 3, 0xff, true, "a total length of 255 (more than came)" },
		{ 9, 17, true, "protocol UDP" },
		{ 6, 0x20, true, "more fragments" },
		{ 7, 0x01, true, "fragment offset 8" },
		{ 12, 11, false, "the source changed under its header checksum" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(pokes); i++) {
		memcpy(bad, buf, n);
		bad[pokes[i].off] = pokes[i].val;
		if (pokes[i].fix_sum) {
			put16(bad + 10, 0);
			put16(bad + 10, icmp_checksum(bad, 20));
		}
		if (icmp_parse_reply(bad, n, true, &r) != -EINVAL)
			fail_msg("accepted an IPv4 header with %s", pokes[i].what);
	}
	/* IHL 15 (60 bytes) in a 40-byte packet */
	memcpy(bad, buf, n);
	bad[0] = 0x4f;
	assert_int_equal(icmp_parse_reply(bad, 40, true, &r), -EINVAL);
	/* total length below the header length */
	memcpy(bad, buf, n);
	put16(bad + 2, 12);
	put16(bad + 10, 0);
	put16(bad + 10, icmp_checksum(bad, 20));
	assert_int_equal(icmp_parse_reply(bad, n, true, &r), -EINVAL);
	/* ICMP shorter than its header inside a good IP header */
	hl = ip_header(bad, 4, false, 1, GUEST, HOST);
	memset(bad + hl, 0, 4);
	assert_int_equal(icmp_parse_reply(bad, hl + 4, true, &r), -EINVAL);
	/* a bad ICMP checksum inside a good IP header */
	memcpy(bad, buf, n);
	bad[30] ^= 0xff;
	assert_int_equal(icmp_parse_reply(bad, n, true, &r), -EINVAL);
}

/* An ICMP error from `from` quoting the echo request (id, seq) we sent to
 * `to`: the quoted IP header and the first 8 bytes of the request. */
static size_t icmp_error(uint8_t *buf, uint8_t type, uint8_t code, const uint8_t from[4], const uint8_t to[4],
			 uint8_t quoted_proto, uint16_t id, uint16_t seq, size_t quote_len)
{
	uint8_t req[64];
	assert_int_equal(icmp_build_echo(req, sizeof(req), id, seq, ICMP_DEFAULT_PAYLOAD), 64);
	size_t icmp_len = ICMP_HDR_LEN + 20 + quote_len;
	size_t hl = ip_header(buf, icmp_len, false, 1, from, HOST);
	uint8_t *m = buf + hl;
	memset(m, 0, ICMP_HDR_LEN);
	m[0] = type;
	m[1] = code;
	ip_header(m + ICMP_HDR_LEN, 64, false, quoted_proto, HOST, to);
	memcpy(m + ICMP_HDR_LEN + 20, req, quote_len);
	fix_icmp_checksum(m, icmp_len);
	return hl + icmp_len;
}

static void test_parse_errors(void **state)
{
	uint8_t buf[256];
	struct icmp_reply r;
	/* Linux's own "host unreachable" after ARP fails (from our address) */
	size_t n = icmp_error(buf, ICMP_TYPE_DEST_UNREACH, 1, HOST, GUEST, 1, 0x7777, 5, 8);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), 0);
	assert_true(r.is_error);
	assert_int_equal(r.type, ICMP_TYPE_DEST_UNREACH);
	assert_int_equal(r.code, 1);
	assert_int_equal(r.id, 0x7777);
	assert_int_equal(r.seq, 5);
	assert_memory_equal(&r.quoted_dst, GUEST, 4);
	assert_memory_equal(&r.src, HOST, 4);
	assert_null(r.data);
	/* Linux quotes as much as fits in 576 bytes (RFC 1812 4.3.2.3) */
	n = icmp_error(buf, ICMP_TYPE_TIME_EXCEEDED, 0, GUEST, GUEST, 1, 0x7777, 6, 64);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), 0);
	assert_int_equal(r.seq, 6);
	n = icmp_error(buf, ICMP_TYPE_PARAM_PROBLEM, 0, GUEST, GUEST, 1, 0x7777, 7, 8);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), 0);

	/* about a UDP datagram: somebody else's business */
	n = icmp_error(buf, ICMP_TYPE_DEST_UNREACH, 3, GUEST, GUEST, 17, 0x7777, 5, 8);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), -ENOMSG);
	/* the quote cut short of the identifier and sequence */
	n = icmp_error(buf, ICMP_TYPE_DEST_UNREACH, 1, HOST, GUEST, 1, 0x7777, 5, 4);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), -EINVAL);
	/* a quote shorter than an IP header */
	n = icmp_error(buf, ICMP_TYPE_DEST_UNREACH, 1, HOST, GUEST, 1, 0x7777, 5, 8);
	uint8_t *m = buf + 20;
	size_t icmp_len = ICMP_HDR_LEN + 12;
	ip_header(buf, icmp_len, false, 1, HOST, HOST);
	fix_icmp_checksum(m, icmp_len);
	assert_int_equal(icmp_parse_reply(buf, 20 + icmp_len, true, &r), -EINVAL);
	/* an error quoting an echo reply (not one of our requests) */
	n = icmp_error(buf, ICMP_TYPE_DEST_UNREACH, 1, HOST, GUEST, 1, 0x7777, 5, 8);
	m = buf + 20;
	m[ICMP_HDR_LEN + 20] = ICMP_TYPE_ECHO_REPLY;
	fix_icmp_checksum(m, n - 20);
	assert_int_equal(icmp_parse_reply(buf, n, true, &r), -ENOMSG);
}

static void test_error_names(void **state)
{
	assert_string_equal(icmp_error_name(3, 0), "network unreachable");
	assert_string_equal(icmp_error_name(3, 1), "host unreachable");
	assert_string_equal(icmp_error_name(3, 13), "communication administratively prohibited");
	assert_string_equal(icmp_error_name(3, 99), "destination unreachable");
	assert_string_equal(icmp_error_name(11, 0), "time to live exceeded");
	assert_string_equal(icmp_error_name(11, 1), "fragment reassembly time exceeded");
	assert_string_equal(icmp_error_name(12, 0), "parameter problem");
	assert_string_equal(icmp_error_name(42, 0), "unknown ICMP message");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_vectors),
		cmocka_unit_test(test_build_echo),
		cmocka_unit_test(test_parse_dgram),
		cmocka_unit_test(test_parse_raw),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_error_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
