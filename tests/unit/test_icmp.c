/* checks/icmp: the pure packet helpers on known vectors and malformed
 * packets, then real pings, each in a forked child inside a fresh network
 * namespace (libnl's suite does the same): loopback replies, a namespace with
 * no route, a veth whose peer is down, the ping-socket fallback, two pingers
 * at once, and stop requests. Where the namespace is refused the live tests
 * are skipped, saying why. `ip` (iproute2) makes the veth pair, run from an
 * argv array here in the tests only. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/icmp.h"
#include "runner/cleanup.h"
#include "runner/proc.h"
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

static void test_bad_arguments(void **state)
{
	struct icmp_result res;
	assert_int_equal(icmp_ping("10.0.0", 1, 10, 10, &res), -EINVAL);
	assert_non_null(strstr(res.error, "'10.0.0' is not an IPv4 address"));
	assert_int_equal(icmp_ping("localhost", 1, 10, 10, &res), -EINVAL);
	assert_int_equal(icmp_ping(NULL, 1, 10, 10, &res), -EINVAL);
	assert_int_equal(icmp_ping("127.0.0.1", 0, 10, 10, &res), -EINVAL);
	assert_int_equal(icmp_ping("127.0.0.1", 70000, 10, 10, &res), -EINVAL);
	assert_int_equal(icmp_ping("127.0.0.1", 1, -1, 10, &res), -EINVAL);
	assert_int_equal(icmp_ping("127.0.0.1", 1, 10, 0, &res), -EINVAL);
	/* a stop already requested: nothing is sent */
	cleanup_request_stop(SIGINT);
	assert_int_equal(icmp_ping("127.0.0.1", 3, 10, 100, &res), -EINTR);
	assert_int_equal(res.sent, 0);
	cleanup_clear_stop();
}

/* ---- live pings in a throwaway network namespace ---- */

struct outcome {
	char skip[200];          /* non-empty: the child could not set up, and why */
	int rc;
	struct icmp_result res;
	int64_t elapsed_ms;
	int rc2;                 /* a second pinger's, where there is one */
	struct icmp_result res2;
};

typedef void (*netns_body)(struct outcome *o);

static void set_skip(struct outcome *o, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void set_skip(struct outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->skip, sizeof(o->skip), fmt, ap);
	va_end(ap);
}

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s);
}

static bool in_userns;

/* A new network namespace; as non-root a user namespace too (where the
 * kernel allows it), mapping us to its root. */
static int enter_netns(struct outcome *o)
{
	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	int e = errno;
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		set_skip(o, "cannot make a network namespace: unshare(CLONE_NEWNET): %s; "
			    "unshare(CLONE_NEWUSER|CLONE_NEWNET): %s",
			 strerror(e), strerror(errno));
		return -1;
	}
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	bool ok = write_str("/proc/self/uid_map", map);
	ok = ok && write_str("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	ok = ok && write_str("/proc/self/gid_map", map);
	if (!ok) {
		set_skip(o, "cannot map root in a new user namespace: %s", strerror(errno));
		return -1;
	}
	in_userns = true;
	return 0;
}

static int link_up(const char *name)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	int r = 0;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!r && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Run body in a child inside a fresh network namespace with lo up; the
 * outcome comes back through a pipe. The namespace, and all in it, goes
 * away with the child. */
static void run_in_netns(netns_body body, struct outcome *out)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct outcome o;
		memset(&o, 0, sizeof(o));
		close(p[0]);
		if (enter_netns(&o) == 0) {
			int r = link_up("lo");
			if (r)
				set_skip(&o, "cannot bring lo up in the new namespace: %s", strerror(-r));
			else
				body(&o);
		}
		ssize_t w = write(p[1], &o, sizeof(o));
		_exit(w == (ssize_t)sizeof(o) ? 0 : 1);
	}
	close(p[1]);
	memset(out, 0, sizeof(*out));
	/* far beyond what any body takes: a hang is a failure, not a stuck suite */
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	int pr = poll(&pfd, 1, 10000);
	ssize_t n = pr > 0 ? read(p[0], out, sizeof(*out)) : -1;
	close(p[0]);
	if (pr <= 0)
		kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pr <= 0)
		fail_msg("the child did not finish in 10 s");
	if (n != (ssize_t)sizeof(*out) || !WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("the child failed (read %zd bytes, status %#x)", n, st);
	if (out->skip[0]) {
		print_message("skipped: %s\n", out->skip);
		skip();
	}
}

static void timed_ping(struct outcome *o, const char *dst, int count, int interval, int timeout)
{
	int64_t t0 = now_ms();
	o->rc = icmp_ping(dst, count, interval, timeout, &o->res);
	o->elapsed_ms = now_ms() - t0;
}

static void assert_rtts(const struct icmp_result *res)
{
	assert_true(res->rtt_min_ms > 0);
	assert_true(res->rtt_min_ms <= res->rtt_avg_ms);
	assert_true(res->rtt_avg_ms <= res->rtt_max_ms);
	assert_true(res->rtt_max_ms < 500);
}

static void body_loopback(struct outcome *o)
{
	timed_ping(o, "127.0.0.1", 3, 50, 500);
}

static void test_ping_loopback(void **state)
{
	struct outcome o;
	run_in_netns(body_loopback, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.res.sock_type, SOCK_RAW);
	assert_int_equal(o.res.sent, 3);
	assert_int_equal(o.res.received, 3);
	assert_int_equal(o.res.errors, 0);
	assert_string_equal(o.res.error, "");
	assert_rtts(&o.res);
	/* three sends 50 ms apart, and the last reply at once: not a timeout */
	assert_true(o.elapsed_ms >= 95 && o.elapsed_ms < 450);
}

static void body_two_pingers(struct outcome *o)
{
	/* both raw sockets see both pingers' requests and replies: each must
	 * count only its own */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		set_skip(o, "pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		struct icmp_result r2;
		int rc2 = icmp_ping("127.0.0.1", 5, 20, 500, &r2);
		ssize_t w1 = write(p[1], &rc2, sizeof(rc2));
		ssize_t w2 = write(p[1], &r2, sizeof(r2));
		_exit(w1 > 0 && w2 > 0 ? 0 : 1);
	}
	timed_ping(o, "127.0.0.1", 5, 20, 500);
	close(p[1]);
	ssize_t n1 = read(p[0], &o->rc2, sizeof(o->rc2));
	ssize_t n2 = read(p[0], &o->res2, sizeof(o->res2));
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n1 != sizeof(o->rc2) || n2 != sizeof(o->res2))
		o->rc2 = -EPIPE;
}

static void test_ping_two_at_once(void **state)
{
	struct outcome o;
	run_in_netns(body_two_pingers, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.rc2, 0);
	assert_int_equal(o.res.received, 5);
	assert_int_equal(o.res2.received, 5);
	assert_int_equal(o.res.errors + o.res2.errors, 0);
}

static void body_no_route(struct outcome *o)
{
	timed_ping(o, "10.9.9.9", 3, 50, 200);
}

static void test_ping_no_route(void **state)
{
	struct outcome o;
	run_in_netns(body_no_route, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.res.sent, 0);
	assert_int_equal(o.res.received, 0);
	assert_int_equal(o.res.errors, 3);
	assert_string_equal(o.res.error, "sendto 10.9.9.9: Network is unreachable");
	/* every send fails at once: only the intervals between them */
	assert_true(o.elapsed_ms < 400);
}

static int ip(const char *const *argv, struct outcome *o)
{
	struct strbuf out = STRBUF_INIT;
	int st = 0;
	int r = proc_run(argv, 5000, &out, &st);
	if (r == -ENOENT)
		set_skip(o, "no `ip` (iproute2) on this host to make a veth pair");
	else if (r || !WIFEXITED(st) || WEXITSTATUS(st))
		set_skip(o, "`ip %s %s %s` failed: %s", argv[1], argv[2], argv[3],
			 r ? strerror(-r) : rtrim(out.buf ? out.buf : (char *)""));
	sb_release(&out);
	return r || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
}

static void body_veth_peer_down(struct outcome *o)
{
	const char *const add[] = { "ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", NULL };
	const char *const addr[] = { "ip", "addr", "add", "10.0.0.1/24", "dev", "va", NULL };
	const char *const up[] = { "ip", "link", "set", "va", "up", NULL };
	if (ip(add, o) || ip(addr, o) || ip(up, o))
		return;
	/* vb stays down: va has no carrier, ARP for 10.0.0.10 goes nowhere */
	timed_ping(o, "10.0.0.10", 3, 100, 300);
}

static void test_ping_veth_peer_down(void **state)
{
	struct outcome o;
	run_in_netns(body_veth_peer_down, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.res.received, 0);
	assert_int_equal(o.res.sent + o.res.errors, 3);
	/* (3 - 1) * 100 + 300 ms, and not much more: no hang */
	assert_true(o.elapsed_ms >= 480);
	assert_true(o.elapsed_ms < 900);
}

static void body_arp_fails(struct outcome *o)
{
	const char *const add[] = { "ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", NULL };
	const char *const addr[] = { "ip", "addr", "add", "10.0.0.1/24", "dev", "va", NULL };
	const char *const up_a[] = { "ip", "link", "set", "va", "up", NULL };
	const char *const up_b[] = { "ip", "link", "set", "vb", "up", NULL };
	if (ip(add, o) || ip(addr, o) || ip(up_a, o) || ip(up_b, o))
		return;
	/* one ARP probe, given up after 100 ms (instead of 3 s), so that the
	 * kernel's "host unreachable" comes while we listen (RFC 1122 2.3.2.1
	 * leaves the retries to the host; these are Linux's neigh knobs) */
	if (!write_str("/proc/sys/net/ipv4/neigh/va/mcast_solicit", "1") ||
	    !write_str("/proc/sys/net/ipv4/neigh/va/retrans_time_ms", "100")) {
		set_skip(o, "cannot tune ARP on va: %s", strerror(errno));
		return;
	}
	/* va has a carrier now, but nobody has 10.0.0.10 */
	timed_ping(o, "10.0.0.10", 3, 100, 600);
}

static void test_ping_arp_fails(void **state)
{
	struct outcome o;
	run_in_netns(body_arp_fails, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.res.received, 0);
	assert_true(o.res.errors >= 1);
	assert_string_equal(o.res.error, "from 10.0.0.1: host unreachable (seq 0)");
	/* answered by errors, not waited out */
	assert_true(o.elapsed_ms < 900);
}

static void body_ping_socket(struct outcome *o)
{
	if (in_userns) {
		set_skip(o, "needs root: in a user namespace there is no other uid to drop to");
		return;
	}
	/* ping sockets for every group in this namespace (the sysctl is per
	 * netns), then give up root: CAP_NET_RAW goes, so no raw socket */
	if (!write_str("/proc/sys/net/ipv4/ping_group_range", "0 2147483647")) {
		set_skip(o, "cannot write net.ipv4.ping_group_range: %s", strerror(errno));
		return;
	}
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
		set_skip(o, "cannot drop to uid 65534: %s", strerror(errno));
		return;
	}
	timed_ping(o, "127.0.0.1", 3, 50, 500);
	/* and with ping sockets off too: no socket at all */
	if (o->rc == 0) {
		struct icmp_result r2;
		o->rc2 = icmp_ping("127.0.0.1", 1, 10, 100, &r2);
		o->res2 = r2;
	}
}

static void test_ping_socket_fallback(void **state)
{
	struct outcome o;
	run_in_netns(body_ping_socket, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.res.sock_type, SOCK_DGRAM);
	assert_int_equal(o.res.sent, 3);
	assert_int_equal(o.res.received, 3);
	assert_rtts(&o.res);
	/* same netns, still allowed: the second run works as well */
	assert_int_equal(o.rc2, 0);
	assert_int_equal(o.res2.received, 1);
}

static void body_no_socket(struct outcome *o)
{
	if (in_userns) {
		set_skip(o, "needs root: in a user namespace there is no other uid to drop to");
		return;
	}
	if (!write_str("/proc/sys/net/ipv4/ping_group_range", "1 0")) {
		set_skip(o, "cannot write net.ipv4.ping_group_range: %s", strerror(errno));
		return;
	}
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
		set_skip(o, "cannot drop to uid 65534: %s", strerror(errno));
		return;
	}
	timed_ping(o, "127.0.0.1", 3, 50, 500);
}

static void test_ping_no_socket(void **state)
{
	struct outcome o;
	run_in_netns(body_no_socket, &o);
	if (o.rc != -EPERM && o.rc != -EACCES)
		fail_msg("rc %d (%s)", o.rc, o.res.error);
	assert_int_equal(o.res.sent, 0);
	assert_non_null(strstr(o.res.error, "CAP_NET_RAW"));
	assert_non_null(strstr(o.res.error, "gid 65534 in net.ipv4.ping_group_range"));
}

static void on_alarm(int signo)
{
	(void)signo;
	cleanup_request_stop(SIGINT);
}

static void body_stop_midway(struct outcome *o)
{
	const char *const add[] = { "ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", NULL };
	const char *const addr[] = { "ip", "addr", "add", "10.0.0.1/24", "dev", "va", NULL };
	const char *const up[] = { "ip", "link", "set", "va", "up", NULL };
	if (ip(add, o) || ip(addr, o) || ip(up, o))
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART, as vlab's own handler */
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { 0, 250 * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	/* would take 9 * 100 + 1000 ms */
	timed_ping(o, "10.0.0.10", 10, 100, 1000);
}

static void test_ping_stop_midway(void **state)
{
	struct outcome o;
	run_in_netns(body_stop_midway, &o);
	assert_int_equal(o.rc, -EINTR);
	assert_int_equal(o.res.received, 0);
	assert_true(o.res.sent >= 2 && o.res.sent <= 4);
	assert_true(o.elapsed_ms >= 240 && o.elapsed_ms < 500);
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
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_ping_loopback),
		cmocka_unit_test(test_ping_two_at_once),
		cmocka_unit_test(test_ping_no_route),
		cmocka_unit_test(test_ping_veth_peer_down),
		cmocka_unit_test(test_ping_arp_fails),
		cmocka_unit_test(test_ping_socket_fallback),
		cmocka_unit_test(test_ping_no_socket),
		cmocka_unit_test(test_ping_stop_midway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
