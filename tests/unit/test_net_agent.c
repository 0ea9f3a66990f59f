/* runner/grade/net_agent: a graded script's network ops applied against the
 * real kernel in a throwaway network namespace (as test_net.c makes one:
 * unshare(CLONE_NEWNET) as root, else with a user namespace; 77 where both
 * are refused), answered with iproute2's and brctl's own words and
 * statuses; and the agent's channel, which answers a process that is not
 * vlab's binary with a refusal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/grade/net_agent.h"
#include "runner/grade/shim.h"
#include "runner/net/net.h"
#include "runner/util.h"

static bool have_tun;

static struct net *fresh(void)
{
	struct net *n;
	if (unshare(CLONE_NEWNET) < 0 || net_open(&n) < 0)
		fail_msg("a fresh network namespace: %s", strerror(errno));
	return n;
}

static int apply(struct net *n, enum net_tool tool, enum net_op_kind k, const char *name, const char *other,
		 const char *cidr, char *msg)
{
	struct net_op op = { .kind = k };
	snprintf(op.name, sizeof(op.name), "%s", name);
	snprintf(op.other, sizeof(op.other), "%s", other ? other : "");
	snprintf(op.cidr, sizeof(op.cidr), "%s", cidr ? cidr : "");
	return net_agent_apply(n, tool, &op, getuid(), msg, 256);
}

#define OK(...) do { char m_[256]; int s_ = apply(__VA_ARGS__, m_); if (s_) fail_msg("%s", m_); } while (0)

static void expect(int status, const char *words, struct net *n, enum net_tool tool, enum net_op_kind k,
		   const char *name, const char *other, const char *cidr)
{
	char msg[256];
	int s = apply(n, tool, k, name, other, cidr, msg);
	if (s != status || !strstr(msg, words))
		fail_msg("%s %s: status %d '%s', expected %d '%s'", net_op_kind_name(k), name, s, msg, status, words);
}

/* The course's sequence, then what goes wrong as iproute2 and brctl say. */
static void test_course_and_errors(void **state)
{
	(void)state;
	if (!have_tun) {
		print_message("SKIP: /dev/net/tun cannot be opened here\n");
		skip();
	}
	struct net *n = fresh();
	enum net_tool ip = NET_TOOL_IP, br = NET_TOOL_BRCTL;
	/* the course deletes first: absent lab links are no error */
	OK(n, ip, NET_OP_LINK_DEL, "tap0", NULL, NULL);
	OK(n, br, NET_OP_BRIDGE_DEL, "br0", NULL, NULL);
	OK(n, ip, NET_OP_TAP_DEL, "tap1", NULL, NULL);
	OK(n, ip, NET_OP_TAP_ADD, "tap0", NULL, NULL);
	OK(n, ip, NET_OP_TAP_ADD, "tap2", NULL, NULL);
	OK(n, ip, NET_OP_LINK_UP, "tap0", NULL, NULL);
	OK(n, br, NET_OP_BRIDGE_ADD, "br0", NULL, NULL);
	OK(n, br, NET_OP_MASTER, "tap0", "br0", NULL);
	OK(n, ip, NET_OP_MASTER, "tap2", "br0", NULL);
	OK(n, ip, NET_OP_LINK_UP, "br0", NULL, NULL);
	OK(n, ip, NET_OP_ADDR_ADD, "br0", NULL, "10.0.0.1/24");
	struct net_link_info li;
	assert_int_equal(net_link_get(n, "tap2", &li), 0);
	assert_string_equal(li.master, "br0");
	assert_string_equal(li.kind, "tun");
	assert_int_equal(net_link_get(n, "br0", &li), 0);
	assert_true(li.up);
	assert_int_equal(li.naddrs, 1);
	assert_string_equal(li.addrs[0], "10.0.0.1/24");

	expect(1, "ioctl(TUNSETIFF): Device or resource busy", n, ip, NET_OP_TAP_ADD, "tap0", NULL, NULL);
	expect(2, "RTNETLINK answers: File exists", n, ip, NET_OP_BRIDGE_ADD, "br0", NULL, NULL);
	expect(1, "device br0 already exists; can't create bridge", n, br, NET_OP_BRIDGE_ADD, "br0", NULL, NULL);
	expect(2, "RTNETLINK answers: File exists", n, ip, NET_OP_ADDR_ADD, "br0", NULL, "10.0.0.1/24");
	expect(2, "RTNETLINK answers: Cannot assign requested address", n, ip, NET_OP_ADDR_DEL, "br0", NULL,
	       "10.9.9.9/24");
	expect(1, "Cannot find device \"tap3\"", n, ip, NET_OP_LINK_UP, "tap3", NULL, NULL);
	expect(1, "Cannot find device \"br1\"", n, ip, NET_OP_ADDR_ADD, "br1", NULL, "10.0.1.1/24");
	expect(1, "interface tap3 does not exist!", n, br, NET_OP_MASTER, "tap3", "br0", NULL);
	expect(1, "bridge br1 does not exist!", n, br, NET_OP_MASTER, "tap0", "br1", NULL);
	expect(1, "Device \"br1\" does not exist.", n, ip, NET_OP_MASTER, "tap0", "br1", NULL);
	expect(1, "device tap0 is already a member of a bridge", n, br, NET_OP_MASTER, "tap0", "br0", NULL);
	expect(1, "bridge br0 is still up; can't delete it", n, br, NET_OP_BRIDGE_DEL, "br0", NULL, NULL);
	expect(1, "ioctl(TUNSETIFF): Invalid argument", n, ip, NET_OP_TAP_DEL, "br0", NULL, NULL);
	OK(n, ip, NET_OP_TAP_ADD, "tap1", NULL, NULL);
	expect(1, "device tap1 is not a slave of br0", n, br, NET_OP_DELIF, "tap1", "br0", NULL);
	OK(n, br, NET_OP_DELIF, "tap2", "br0", NULL);
	assert_int_equal(net_link_get(n, "tap2", &li), 0);
	assert_string_equal(li.master, "");

	/* flush: every address, more than one listing holds */
	for (int i = 0; i < NET_MAX_ADDRS + 2; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.0.%d.1/24", i + 1);
		OK(n, ip, NET_OP_ADDR_ADD, "br0", NULL, a);
	}
	OK(n, ip, NET_OP_ADDR_FLUSH, "br0", NULL, NULL);
	assert_int_equal(net_link_get(n, "br0", &li), 0);
	assert_int_equal(li.naddrs, 0);

	/* deletes: a tap by link del, a bridge set down then delbr */
	OK(n, ip, NET_OP_LINK_DEL, "tap0", NULL, NULL);
	OK(n, ip, NET_OP_LINK_DOWN, "br0", NULL, NULL);
	OK(n, br, NET_OP_BRIDGE_DEL, "br0", NULL, NULL);
	assert_int_equal(net_link_get(n, "br0", &li), -ENODEV);
	assert_int_equal(net_link_get(n, "tap0", &li), -ENODEV);
	net_close(n);
}

/* A request from a process that is not vlab's binary gets a refusal on
 * the socket it sent, and nothing is applied. */
static void test_agent_refuses_impostor(void **state)
{
	(void)state;
	struct net *n = fresh();
	int chan[2], one = 1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan), 0);
	assert_int_equal(setsockopt(chan[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	struct net_agent ag;
	/* "vlab" is /bin/sh here: this test program is not it */
	assert_int_equal(net_agent_start(&ag, chan[0], "/bin/sh", getuid(), -1), 0);
	int pair[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	char msg[] = "net-1";
	struct iovec iov = { .iov_base = msg, .iov_len = 5 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pair[1], sizeof(int));
	assert_int_equal(sendmsg(chan[1], &mh, 0), 5);
	close(pair[1]);
	struct pollfd p = { .fd = pair[0], .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	char reply[SHIM_NET_REPLY_MAX + 1];
	ssize_t got = recv(pair[0], reply, SHIM_NET_REPLY_MAX, 0);
	assert_true(got > 0);
	reply[got] = '\0';
	if (strncmp(reply, "1\nvlab: refused: only vlab's", 28))
		fail_msg("reply '%s'", reply);
	/* a message that is no request, with no socket: no answer, no end */
	assert_int_equal(send(chan[1], "qemu-1", 6, 0), 6);
	close(pair[0]);
	/* the channel's last other end gone: the agent ends by itself */
	close(chan[1]);
	net_agent_stop(&ag, 5000);
	assert_int_equal(ag.pid, 0);
	struct net_link_info list[4];
	size_t count;
	assert_int_equal(net_link_list(n, list, 4, &count), 0);
	assert_int_equal(count, 1);
	net_close(n);
}

int main(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
			printf("SKIP: no network namespace here: %s\n", strerror(errno));
			return 77;
		}
		char m[64];
		int fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			(void)!write(fd, "deny", 4);
			close(fd);
		}
		snprintf(m, sizeof(m), "0 %u 1", (unsigned)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, m, strlen(m)) < 0)
			return 77;
		close(fd);
		snprintf(m, sizeof(m), "0 %u 1", (unsigned)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		if (fd >= 0) {
			(void)!write(fd, m, strlen(m));
			close(fd);
		}
	}
	int t = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	have_tun = t >= 0;
	if (t >= 0)
		close(t);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_course_and_errors),
		cmocka_unit_test(test_agent_refuses_impostor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
