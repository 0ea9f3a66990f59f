/* checks/procfs_parse: /proc/net/unix, fd links, tun fdinfo and stat lines
 * as a real qemu's /proc had them (tests/fixtures/procfs, see its README),
 * plus malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/procfs_parse.h"
#include "runner/util.h"
#include "runner/files.h"

#define PROCFS_FIXTURES FIXTURES "/procfs/"

static char *fixture(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];

	snprintf(path, sizeof(path), "%s%s", PROCFS_FIXTURES, name);
	if (read_file(path, &sb) < 0)
		fail_msg("cannot read '%s'", path);
	return sb.buf;
}

static void net_unix_listener(void **state)
{
	(void)state;
	char *text = fixture("net-unix-qemu-netns.txt");
	struct unix_sock s[4];
	size_t n;
	assert_int_equal(procfs_parse_net_unix(text, s, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_true(s[0].listening);
	assert_int_equal(s[0].flags, 0x10000);
	assert_int_equal(s[0].type, 1);
	assert_int_equal(s[0].state, 1);
	assert_int_equal(s[0].inode, 198214);
	assert_string_equal(s[0].path, "serial.socket");
	free(text);
}

static void net_unix_held(void **state)
{
	(void)state;
	char *text = fixture("net-unix-host-socat-holds.txt");
	struct unix_sock s[16];
	size_t n;
	assert_int_equal(procfs_parse_net_unix(text, s, 16, &n), 0);
	assert_int_equal(n, 7);
	/* a datagram socket, unnamed */
	assert_int_equal(s[0].type, 2);
	assert_int_equal(s[0].inode, 199404);
	assert_string_equal(s[0].path, "");
	/* the second client, waiting in the backlog: an embryo */
	assert_int_equal(s[1].state, 2);
	assert_int_equal(s[1].inode, 0);
	assert_false(s[1].listening);
	assert_string_equal(s[1].path, "serial.socket");
	/* qemu's accepted socket: connected, the listener's path */
	assert_int_equal(s[4].state, 3);
	assert_int_equal(s[4].inode, 199407);
	assert_false(s[4].listening);
	assert_string_equal(s[4].path, "serial.socket");
	assert_int_equal(s[2].inode, 1080);
	assert_string_equal(s[2].path, "");

	/* counting only, then a short array: n says how many there are */
	assert_int_equal(procfs_parse_net_unix(text, NULL, 0, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(procfs_parse_net_unix(text, s, 2, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(s[1].inode, 0);
	free(text);
}

static void net_unix_malformed(void **state)
{
	(void)state;
	struct unix_sock s[4];
	size_t n = 99;
	assert_int_equal(procfs_parse_net_unix("", s, 4, &n), -EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(procfs_parse_net_unix("garbage\n", s, 4, &n), -EINVAL);
	assert_int_equal(procfs_parse_net_unix(NULL, s, 4, &n), -EINVAL);
	/* a header alone; lines that do not parse are skipped */
	assert_int_equal(procfs_parse_net_unix("Num       RefCount Protocol Flags    Type St Inode Path\n", s, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(procfs_parse_net_unix("Num RefCount\nnot a line\n0000: 2 0 10000 1 01 77 /run/a b\n"
					       "0000000000000000: 00000002",
					       s, 4, &n),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].inode, 77);
	/* a path may hold a space; it runs to the end of the line */
	assert_string_equal(s[0].path, "/run/a b");
	/* an abstract socket's name starts with '@' */
	assert_int_equal(procfs_parse_net_unix("Num\n0: 2 0 10000 1 01 5 @/tmp/.X11-unix/X0\n", s, 4, &n), 0);
	assert_string_equal(s[0].path, "@/tmp/.X11-unix/X0");
}

static void socket_links(void **state)
{
	(void)state;
	unsigned long ino = 0;
	assert_int_equal(procfs_parse_socket_link("socket:[158911]", &ino), 0);
	assert_int_equal(ino, 158911);
	assert_int_equal(procfs_parse_socket_link("/dev/net/tun", &ino), -EINVAL);
	assert_int_equal(procfs_parse_socket_link("socket:[]", &ino), -EINVAL);
	assert_int_equal(procfs_parse_socket_link("socket:[12", &ino), -EINVAL);
	assert_int_equal(procfs_parse_socket_link("socket:[12]x", &ino), -EINVAL);
	assert_int_equal(procfs_parse_socket_link("socket:[-1]", &ino), -EINVAL);
	assert_int_equal(procfs_parse_socket_link("anon_inode:[eventfd]", &ino), -EINVAL);
	assert_int_equal(procfs_parse_socket_link(NULL, &ino), -EINVAL);
}

static void tun_fdinfo(void **state)
{
	(void)state;
	char ifname[16];
	char *text = fixture("fdinfo-tun-tap0.txt");
	assert_int_equal(procfs_parse_tun_iff(text, ifname, sizeof(ifname)), 0);
	assert_string_equal(ifname, "tap0");
	free(text);
	text = fixture("fdinfo-socket.txt");
	assert_int_equal(procfs_parse_tun_iff(text, ifname, sizeof(ifname)), -ENOENT);
	free(text);
	assert_int_equal(procfs_parse_tun_iff("iff:\tabcdefghijklmnopq\n", ifname, sizeof(ifname)), -ENAMETOOLONG);
	assert_int_equal(procfs_parse_tun_iff("pos:\t0\niff:\t\n", ifname, sizeof(ifname)), -ENOENT);
	assert_int_equal(procfs_parse_tun_iff("", ifname, sizeof(ifname)), -ENOENT);
}

static void stat_state(void **state)
{
	(void)state;
	char st = 0;
	char *text = fixture("stat-qemu-sleeping.txt");
	assert_int_equal(procfs_parse_stat_state(text, &st), 0);
	assert_int_equal(st, 'S');
	free(text);
	text = fixture("stat-odd-comm-stopped.txt");
	assert_int_equal(procfs_parse_stat_state(text, &st), 0);
	assert_int_equal(st, 'T');
	free(text);
	assert_int_equal(procfs_parse_stat_state("1234 (x", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_state("1234 (x)", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_state("1234 (x) ", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_state(NULL, &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_state("1 (init) Z", &st), -EINVAL);
	assert_int_equal(procfs_parse_stat_state("1 (init) Z 0", &st), 0);
	assert_int_equal(st, 'Z');
}

static void stat_starttime(void **state)
{
	(void)state;
	uint64_t t = 0;
	char *text = fixture("stat-qemu-sleeping.txt");
	assert_int_equal(procfs_parse_stat_starttime(text, &t), 0);
	assert_int_equal(t, 463655);
	free(text);
	/* a comm holding ") " and spaces does not shift the fields */
	text = fixture("stat-odd-comm-stopped.txt");
	assert_int_equal(procfs_parse_stat_starttime(text, &t), 0);
	assert_int_equal(t, 464709);
	free(text);
	assert_int_equal(procfs_parse_stat_starttime("1 (x) S 1 2 3", &t), -EINVAL);
	assert_int_equal(procfs_parse_stat_starttime(NULL, &t), -EINVAL);
	assert_int_equal(procfs_parse_stat_starttime("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12x 3", &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_unix_listener),
		cmocka_unit_test(net_unix_held),
		cmocka_unit_test(net_unix_malformed),
		cmocka_unit_test(socket_links),
		cmocka_unit_test(tun_fdinfo),
		cmocka_unit_test(stat_state),
		cmocka_unit_test(stat_starttime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
