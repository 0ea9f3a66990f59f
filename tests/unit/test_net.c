/* runner/net against the real kernel, in throwaway network namespaces.
 *
 * main() moves this whole test process into a fresh network namespace
 * (unshare(CLONE_NEWNET) as root, else unshare(CLONE_NEWUSER|CLONE_NEWNET)
 * with our uid mapped to 0, as libnl's own suite does) and exits 77 (SKIP),
 * saying why, where both are refused. Each test's setup unshares once more,
 * so every test starts from a namespace that holds only lo, and nothing a
 * test does can reach the host's links. Tests that change uid do it in a
 * forked child that reports back through a pipe. Tap tests skip where
 * /dev/net/tun cannot be opened (mode 0600 and not root). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "runner/cleanup.h"
#include "runner/net/net.h"
#include "runner/util.h"
#include "runner/clock.h"

#define UNPRIV_UID 65534
#define OTHER_UID 12345

static bool have_tun;       /* /dev/net/tun opens read-write */
static bool mapped_root;    /* we are root only inside our own user namespace */
static char tun_why[128];

struct fixture {
	struct net *n;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	/* a fresh namespace per test; the previous one goes with its last
	 * socket, taps and bridges included */
	if (unshare(CLONE_NEWNET) < 0 || net_open(&f->n) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	net_close(f->n);
	free(f);
	cleanup_clear_stop();
	return 0;
}

#define REQUIRE_TUN() do { \
		if (!have_tun) { \
			print_message("SKIP: %s\n", tun_why); \
			skip(); \
		} \
	} while (0)

static void get(struct net *n, const char *name, struct net_link_info *info)
{
	int r = net_link_get(n, name, info);

	if (r < 0)
		fail_msg("net_link_get(%s): %s", name, strerror(-r));
}

/* Only lo is left. */
static void assert_only_lo(struct net *n)
{
	struct net_link_info list[8];
	size_t count;

	assert_int_equal(net_link_list(n, list, ARRAY_SIZE(list), &count), 0);
	if (count != 1)
		fail_msg("%zu links left, the second '%s'", count, list[1].name);
	assert_string_equal(list[0].name, "lo");
}

/* ---- children that change uid ---- */

#include "tests/unit/child.h"

static const char *drop_to(uid_t uid)
{
	gid_t gid = (gid_t)uid;

	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: cannot become uid %u here: %s",
			 (unsigned int)uid, strerror(errno));
		return child_msg;
	}
	return NULL;
}

/* ---- taps, addresses, listing ---- */

static void test_tap_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct net_link_info info, list[8];
	size_t count;

	REQUIRE_TUN();
	assert_int_equal(net_tap_create("tap0", NET_NO_OWNER), 0);
	assert_int_equal(net_link_set_up(f->n, "tap0", true), 0);
	assert_int_equal(net_addr_add(f->n, "tap0", "10.0.0.1/24"), 0);

	get(f->n, "tap0", &info);
	assert_string_equal(info.name, "tap0");
	assert_true(info.index > 1);
	assert_string_equal(info.kind, "tun");
	assert_true(info.up);
	assert_false(info.carrier);   /* nobody holds the tap's fd */
	assert_string_equal(info.master, "");
	assert_int_equal(strlen(info.mac), 17);
	assert_int_equal(info.naddrs, 1);
	assert_string_equal(info.addrs[0], "10.0.0.1/24");
	/* no fd attached: nothing in, and whatever IPv6 tried to send was
	 * dropped rather than counted */
	assert_int_equal(info.rx_bytes, 0);
	assert_int_equal(info.rx_packets, 0);
	assert_int_equal(info.tx_packets, 0);
	assert_int_equal(info.tx_bytes, 0);

	assert_int_equal(net_link_list(f->n, list, ARRAY_SIZE(list), &count), 0);
	assert_int_equal(count, 2);
	assert_string_equal(list[0].name, "lo");
	assert_string_equal(list[1].name, "tap0");
	assert_string_equal(list[1].addrs[0], "10.0.0.1/24");

	/* a second address, then both gone again */
	assert_int_equal(net_addr_add(f->n, "tap0", "10.0.1.1/24"), 0);
	get(f->n, "tap0", &info);
	assert_int_equal(info.naddrs, 2);
	assert_int_equal(net_addr_del(f->n, "tap0", "10.0.0.1/24"), 0);
	assert_int_equal(net_addr_del(f->n, "tap0", "10.0.1.1/24"), 0);
	get(f->n, "tap0", &info);
	assert_int_equal(info.naddrs, 0);

	assert_int_equal(net_link_set_up(f->n, "tap0", false), 0);
	get(f->n, "tap0", &info);
	assert_false(info.up);

	assert_int_equal(net_link_delete(f->n, "tap0"), 0);
	assert_int_equal(net_link_get(f->n, "tap0", &info), -ENODEV);
	assert_only_lo(f->n);
}

static void test_bridge_enslave_release(void **state)
{
	struct fixture *f = *state;
	struct net_link_info info;

	REQUIRE_TUN();
	assert_int_equal(net_bridge_create(f->n, "br0"), 0);
	assert_int_equal(net_tap_create("tap1", NET_NO_OWNER), 0);
	assert_int_equal(net_tap_create("tap2", NET_NO_OWNER), 0);
	assert_int_equal(net_link_set_master(f->n, "tap1", "br0"), 0);
	assert_int_equal(net_link_set_master(f->n, "tap2", "br0"), 0);
	assert_int_equal(net_link_set_up(f->n, "br0", true), 0);
	assert_int_equal(net_addr_add(f->n, "br0", "10.0.1.254/24"), 0);

	get(f->n, "br0", &info);
	assert_string_equal(info.kind, "bridge");
	assert_true(info.up);
	assert_string_equal(info.master, "");
	assert_string_equal(info.addrs[0], "10.0.1.254/24");
	get(f->n, "tap1", &info);
	assert_string_equal(info.master, "br0");
	get(f->n, "tap2", &info);
	assert_string_equal(info.master, "br0");

	assert_int_equal(net_link_set_master(f->n, "tap1", NULL), 0);
	get(f->n, "tap1", &info);
	assert_string_equal(info.master, "");
	get(f->n, "tap2", &info);
	assert_string_equal(info.master, "br0");

	assert_int_equal(net_link_delete(f->n, "tap1"), 0);
	assert_int_equal(net_link_delete(f->n, "tap2"), 0);
	assert_int_equal(net_link_delete(f->n, "br0"), 0);
	assert_only_lo(f->n);
}

static void test_list_truncated(void **state)
{
	struct fixture *f = *state;
	struct net_link_info list[1];
	size_t count;

	assert_int_equal(net_bridge_create(f->n, "br0"), 0);
	assert_int_equal(net_bridge_create(f->n, "br1"), 0);
	memset(list, 0x55, sizeof(list));
	assert_int_equal(net_link_list(f->n, list, 1, &count), 0);
	assert_int_equal(count, 3);
	assert_string_equal(list[0].name, "lo");
	assert_int_equal(net_link_list(f->n, NULL, 0, &count), 0);
	assert_int_equal(count, 3);
}

/* ---- errors, checked before and by the kernel ---- */

static void test_bad_names(void **state)
{
	struct fixture *f = *state;
	struct net_link_info info;
	static const char *const bad[] = { "", "a/b", "a b", "tab\tx", "x:1", ".", ".." };
	const char *longname = "sixteen-chars-xx";   /* IFNAMSIZ - 1 is 15 */

	assert_int_equal(net_tap_create(longname, NET_NO_OWNER), -ENAMETOOLONG);
	assert_int_equal(net_bridge_create(f->n, longname), -ENAMETOOLONG);
	assert_int_equal(net_link_set_up(f->n, longname, true), -ENAMETOOLONG);
	assert_int_equal(net_link_delete(f->n, longname), -ENAMETOOLONG);
	assert_int_equal(net_addr_add(f->n, longname, "10.0.0.1/24"), -ENAMETOOLONG);
	assert_int_equal(net_link_get(f->n, longname, &info), -ENAMETOOLONG);
	assert_int_equal(net_link_set_master(f->n, "lo", longname), -ENAMETOOLONG);
	assert_int_equal(net_wait_carrier(f->n, longname, 10), -ENAMETOOLONG);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(net_tap_create(bad[i], NET_NO_OWNER), -EINVAL);
		assert_int_equal(net_bridge_create(f->n, bad[i]), -EINVAL);
		assert_int_equal(net_link_delete(f->n, bad[i]), -EINVAL);
	}
	/* fifteen is fine */
	assert_int_equal(net_bridge_create(f->n, "fifteen-chars-x"), 0);
	get(f->n, "fifteen-chars-x", &info);
	assert_string_equal(info.name, "fifteen-chars-x");
}

static void test_bad_cidrs(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "10.0.0.1", "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/-1", "10.0.0.1/0", "10.0.0.1/ 24",
		"10.0.0.1/+24", "10.0.0.1/24x", "10.0.0.256/24", "10.0.0/24", "x/24", "/24",
		"fe80::1/64", "10.0.0.1/24/1",
	};

	assert_int_equal(net_bridge_create(f->n, "br0"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (net_addr_add(f->n, "br0", bad[i]) != -EINVAL)
			fail_msg("'%s' was not refused", bad[i]);
		assert_int_equal(net_addr_del(f->n, "br0", bad[i]), -EINVAL);
	}
	/* the CIDR is checked before the link is looked up */
	assert_int_equal(net_addr_add(f->n, "nosuch", "10.0.0.1"), -EINVAL);
	assert_int_equal(net_addr_add(f->n, "br0", "10.0.0.1/32"), 0);
}

static void test_exists(void **state)
{
	struct fixture *f = *state;

	REQUIRE_TUN();
	assert_int_equal(net_tap_create("tap0", NET_NO_OWNER), 0);
	/* IFF_TUN_EXCL: not silently reused */
	assert_int_equal(net_tap_create("tap0", NET_NO_OWNER), -EEXIST);
	assert_int_equal(net_bridge_create(f->n, "tap0"), -EEXIST);
	assert_int_equal(net_bridge_create(f->n, "br0"), 0);
	assert_int_equal(net_bridge_create(f->n, "br0"), -EEXIST);
	assert_int_equal(net_tap_create("br0", NET_NO_OWNER), -EEXIST);
	assert_int_equal(net_tap_create("lo", NET_NO_OWNER), -EEXIST);
	assert_int_equal(net_addr_add(f->n, "tap0", "10.0.0.1/24"), 0);
	assert_int_equal(net_addr_add(f->n, "tap0", "10.0.0.1/24"), -EEXIST);
}

static void test_missing(void **state)
{
	struct fixture *f = *state;
	struct net_link_info info;

	assert_int_equal(net_link_set_up(f->n, "nosuch0", true), -ENODEV);
	assert_int_equal(net_addr_add(f->n, "nosuch0", "10.0.0.1/24"), -ENODEV);
	assert_int_equal(net_addr_del(f->n, "nosuch0", "10.0.0.1/24"), -ENODEV);
	assert_int_equal(net_link_delete(f->n, "nosuch0"), -ENODEV);
	assert_int_equal(net_link_get(f->n, "nosuch0", &info), -ENODEV);
	assert_int_equal(net_link_set_master(f->n, "nosuch0", "lo"), -ENODEV);
	assert_int_equal(net_link_set_master(f->n, "nosuch0", NULL), -ENODEV);
	assert_int_equal(net_bridge_create(f->n, "br0"), 0);
	assert_int_equal(net_link_set_master(f->n, "br0", "nosuch1"), -ENODEV);
	/* a master that cannot take ports */
	assert_int_equal(net_link_set_master(f->n, "br0", "lo"), -EOPNOTSUPP);
	assert_int_equal(net_wait_carrier(f->n, "nosuch0", 1000), -ENODEV);
	/* an address the link does not have */
	assert_int_equal(net_addr_del(f->n, "br0", "10.0.0.1/24"), -EADDRNOTAVAIL);
}

static void test_describe_error(void **state)
{
	char buf[128];

	(void)state;
	net_describe_error(buf, sizeof(buf), "create tap", "tap0", -EPERM);
	assert_string_equal(buf, "cannot create tap 'tap0': Operation not permitted");
}

/* ---- carrier and counters ---- */

static void add_veth(const char *a, const char *b)
{
	struct nl_sock *sk = nl_socket_alloc();

	assert_non_null(sk);
	assert_int_equal(nl_connect(sk, NETLINK_ROUTE), 0);
	/* the peer's pid names the namespace it goes to: ours */
	assert_int_equal(rtnl_link_veth_add(sk, a, b, getpid()), 0);
	nl_socket_free(sk);
}

static void test_wait_carrier_timeout(void **state)
{
	struct fixture *f = *state;
	int64_t t0;

	/* a veth whose peer is down has no carrier. (An empty bridge has:
	 * LOWER_UP, operstate UNKNOWN on Linux 6.18.) */
	add_veth("vx0", "vx1");
	assert_int_equal(net_link_set_up(f->n, "vx0", true), 0);
	t0 = now_ms();
	assert_int_equal(net_wait_carrier(f->n, "vx0", 300), -ETIMEDOUT);
	assert_in_range(now_ms() - t0, 290, 800);
	assert_int_equal(net_wait_carrier(f->n, "vx0", 0), -ETIMEDOUT);

	cleanup_request_stop(SIGINT);
	t0 = now_ms();
	assert_int_equal(net_wait_carrier(f->n, "vx0", 5000), -EINTR);
	assert_in_range(now_ms() - t0, 0, 200);
}

/* Nor has a tap that no process holds: what a qemu started in the wrong
 * namespace leaves behind. */
static void test_wait_carrier_unheld_tap(void **state)
{
	struct fixture *f = *state;
	int64_t t0;

	REQUIRE_TUN();
	assert_int_equal(net_tap_create("tap0", NET_NO_OWNER), 0);
	assert_int_equal(net_link_set_up(f->n, "tap0", true), 0);
	t0 = now_ms();
	assert_int_equal(net_wait_carrier(f->n, "tap0", 300), -ETIMEDOUT);
	assert_in_range(now_ms() - t0, 290, 800);
}

static void test_veth_carrier_and_counters(void **state)
{
	struct fixture *f = *state;
	struct net_link_info a0, b0, a1, b1;
	unsigned char frame[60];
	struct sockaddr_ll to;
	int64_t t0;
	int s;

	add_veth("vx0", "vx1");
	get(f->n, "vx0", &a0);
	assert_string_equal(a0.kind, "veth");
	assert_false(a0.carrier);
	assert_int_equal(net_link_set_up(f->n, "vx0", true), 0);
	assert_int_equal(net_wait_carrier(f->n, "vx0", 150), -ETIMEDOUT);  /* peer down */
	assert_int_equal(net_link_set_up(f->n, "vx1", true), 0);
	t0 = now_ms();
	assert_int_equal(net_wait_carrier(f->n, "vx0", 2000), 0);
	assert_in_range(now_ms() - t0, 0, 500);
	get(f->n, "vx0", &a0);
	get(f->n, "vx1", &b0);
	assert_true(a0.carrier && b0.carrier);

	/* one broadcast frame out of vx0 (an experimental ethertype, so no
	 * stack answers it) must show in vx0's tx and vx1's rx counters */
	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	assert_int_equal(sscanf(a0.mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &frame[6], &frame[7],
				&frame[8], &frame[9], &frame[10], &frame[11]), 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = a0.index;
	to.sll_halen = 6;
	memset(to.sll_addr, 0xff, 6);
	assert_int_equal(sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&to, sizeof(to)),
			 sizeof(frame));
	close(s);
	get(f->n, "vx0", &a1);
	get(f->n, "vx1", &b1);
	assert_true(a1.tx_packets >= a0.tx_packets + 1);
	assert_true(a1.tx_bytes >= a0.tx_bytes + sizeof(frame));
	assert_true(b1.rx_packets >= b0.rx_packets + 1);
	assert_true(b1.rx_bytes >= b0.rx_bytes + sizeof(frame));

	/* deleting one end takes the other with it */
	assert_int_equal(net_link_delete(f->n, "vx0"), 0);
	assert_only_lo(f->n);
}

/* The waiter wakes on the link event, not at its deadline. */
static void test_wait_carrier_wakes(void **state)
{
	struct fixture *f = *state;
	int64_t t0;
	int status;
	pid_t pid;

	add_veth("vx0", "vx1");
	assert_int_equal(net_link_set_up(f->n, "vx0", true), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct net *n;
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		default_fault_signals();
		nanosleep(&ts, NULL);
		_exit(net_open(&n) == 0 && net_link_set_up(n, "vx1", true) == 0 ? 0 : 1);
	}
	t0 = now_ms();
	assert_int_equal(net_wait_carrier(f->n, "vx0", 2500), 0);
	assert_in_range(now_ms() - t0, 150, 1000);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_child_exited_ok(status, "the child bringing vx1 up");
}

/* ---- taps and uids ---- */

/* What net_tap_create gave an unprivileged user: NULL when refused for
 * want of privilege (a 0600 node: EACCES at open; a 0666 one: EPERM at
 * TUNSETIFF), a skip where there is no tun device to be refused by, else
 * the failure. */
static const char *tap_refusal(int r)
{
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: no usable /dev/net/tun here (%s): "
			 "nothing to refuse an unprivileged user", strerror(-r));
		return child_msg;
	}
	CHILD_CHECK(r == -EACCES || r == -EPERM, "uid %d: net_tap_create gave %d (%s)",
		    UNPRIV_UID, r, strerror(-r));
	return NULL;
}

static const char *child_tap_refused(void *arg)
{
	const char *m = drop_to(UNPRIV_UID);

	(void)arg;
	if (m)
		return m;
	return tap_refusal(net_tap_create("tapu", NET_NO_OWNER));
}

static void test_tap_refused_unprivileged(void **state)
{
	struct fixture *f = *state;
	struct net_link_info info;

	if (mapped_root) {
		/* we are the unprivileged user already */
		if (have_tun) {
			print_message("SKIP: /dev/net/tun is usable and uid %d is not mapped "
				      "in our user namespace\n", UNPRIV_UID);
			skip();
		}
		const char *m = tap_refusal(net_tap_create("tapu", NET_NO_OWNER));

		if (m && starts_with(m, "SKIP: ")) {
			print_message("%s\n", m);
			skip();
		}
		if (m)
			fail_msg("%s", m);
	} else {
		run_child(child_tap_refused, NULL);
	}
	assert_int_equal(net_link_get(f->n, "tapu", &info), -ENODEV);
}

struct attach {
	int ready[2];   /* the child says it attached */
	int hold[2];    /* the parent closes its end to let it go */
};

/* As the tap's owner, without any capability, attach to it the way qemu
 * does (TUNSETIFF on an existing persistent tap) and hold it. */
static const char *child_attach(void *arg)
{
	struct attach *a = arg;
	struct ifreq ifr;
	const char *m;
	char c;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);   /* as root: the node is 0600 */
	CHILD_CHECK(fd >= 0, "open /dev/net/tun: %s", strerror(errno));
	m = drop_to(UNPRIV_UID);
	if (m)
		return m;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	/* someone else's tap: refused. (A tap with no owner and no group
	 * is open to anyone who can open /dev/net/tun: tun_not_capable().) */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tapother");
	CHILD_CHECK(ioctl(fd, TUNSETIFF, &ifr) < 0 && errno == EPERM,
		    "uid %d attached to a tap owned by uid %d", UNPRIV_UID, OTHER_UID);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tapowned");
	CHILD_CHECK(ioctl(fd, TUNSETIFF, &ifr) == 0,
		    "owner uid %d cannot attach to its tap: %s", UNPRIV_UID, strerror(errno));
	CHILD_CHECK(write(a->ready[1], "x", 1) == 1, "pipe");
	CHILD_CHECK(read(a->hold[0], &c, 1) == 0, "hold pipe");
	close(fd);
	return NULL;
}

static void test_tap_owner_attach_gives_carrier(void **state)
{
	struct fixture *f = *state;
	struct net_link_info info;
	struct attach a;
	int status;
	pid_t pid;
	char c;

	REQUIRE_TUN();
	if (mapped_root) {
		print_message("SKIP: uid %d is not mapped in our user namespace\n", UNPRIV_UID);
		skip();
	}
	assert_int_equal(net_tap_create("tapowned", UNPRIV_UID), 0);
	assert_int_equal(net_tap_create("tapother", OTHER_UID), 0);
	assert_int_equal(net_link_set_up(f->n, "tapowned", true), 0);
	assert_int_equal(pipe2(a.ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(a.hold, O_CLOEXEC), 0);
	/* the child holds the tap while this side watches its carrier */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *m;

		default_fault_signals();
		close(a.ready[0]);
		close(a.hold[1]);
		m = child_attach(&a);
		if (m)
			fprintf(stderr, "child: %s\n", m);
		_exit(m ? 1 : 0);
	}
	close(a.ready[1]);
	close(a.hold[0]);
	if (read(a.ready[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			fail_msg("the attaching child died of %s", strsignal(WTERMSIG(status)));
		fail_msg("the child did not attach (exit %d)", WEXITSTATUS(status));
	}
	/* an attached fd is what gives a tap carrier (tun_attach()) */
	assert_int_equal(net_wait_carrier(f->n, "tapowned", 1000), 0);
	get(f->n, "tapowned", &info);
	assert_true(info.carrier);
	close(a.hold[1]);
	close(a.ready[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_child_exited_ok(status, "the attaching child");
	/* persistent: still there after its last fd closed, carrier gone */
	get(f->n, "tapowned", &info);
	assert_false(info.carrier);
}

/* Into a fresh network namespace, or say why not. */
static int enter_test_netns(char *why, size_t n)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int e1, fd;

	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	e1 = errno;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		snprintf(why, n, "unshare(CLONE_NEWNET): %s; unshare(CLONE_NEWUSER|CLONE_NEWNET): %s",
			 strerror(e1), strerror(errno));
		return -1;
	}
	mapped_root = true;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "deny", 4) < 0) {
			/* older kernels have no such file; a failed write shows below */
		}
		close(fd);
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0) {
		snprintf(why, n, "cannot write uid_map: %s", strerror(errno));
		return -1;
	}
	close(fd);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0) {
		snprintf(why, n, "cannot write gid_map: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tap_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_enslave_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_cidrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test(test_describe_error),
		cmocka_unit_test_setup_teardown(test_wait_carrier_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_carrier_unheld_tap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_veth_carrier_and_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_carrier_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tap_refused_unprivileged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tap_owner_attach_gives_carrier, setup, teardown),
	};
	char why[256];
	int fd;

	if (enter_test_netns(why, sizeof(why)) < 0) {
		printf("SKIP: no throwaway network namespace for the netlink tests: %s\n", why);
		return 77;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		have_tun = true;
		close(fd);
	} else {
		snprintf(tun_why, sizeof(tun_why), "cannot open /dev/net/tun: %s", strerror(errno));
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
