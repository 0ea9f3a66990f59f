/* runner/net/icmp_echo: real pings, each in a forked child inside a fresh
 * network namespace (libnl's suite does the same): loopback replies, a
 * namespace with no route, a veth whose peer is down, the ping-socket
 * fallback, two pingers at once, and stop requests; and the arguments it
 * refuses. Where the namespace is refused the live tests are skipped, saying
 * why. `ip` (iproute2) makes the veth pair, run from an argv array here in the
 * tests only. */
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

#include "runner/net/icmp_echo.h"
#include "runner/cleanup.h"
#include "runner/proc.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "tests/unit/child.h"

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
		default_fault_signals();
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
	if (WIFSIGNALED(st))
		fail_msg("the child died of %s", strsignal(WTERMSIG(st)));
	if (n != (ssize_t)sizeof(*out) || !WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("the child failed (read %zd bytes, status %#x)", n, st);
	if (out->skip[0]) {
		print_message("SKIP: %s\n", out->skip);
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
		default_fault_signals();
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
