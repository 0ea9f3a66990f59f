/* checks/net_cmd: the ip and brctl commands of a graded script parsed into
 * requests: every network command of the course's runqemu_two_vms.sh
 * (tests/fixtures/netcmds/runqemu_two_vms.sh, read here line by line),
 * iproute2's abbreviations (its matches() rule), and hostile input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/net_cmd.h"
#include "runner/util.h"
#include "runner/files.h"

#define MAXW 32

/* words of a command line split on spaces (test input has no quoting) */
static void parse_line(const char *line, struct net_cmd *c)
{
	char buf[1024];
	const char *argv[MAXW];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w && argc < MAXW; w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	net_cmd_parse(argc, argv, c);
}

static void expect_op(const char *line, int idx, enum net_op_kind kind, const char *name, const char *other,
		      const char *cidr)
{
	struct net_cmd c;
	parse_line(line, &c);
	if (c.cls != NET_CMD_CHANGE)
		fail_msg("%s: not a change (%s)", line, c.why);
	assert_true(idx < c.nops);
	assert_int_equal(c.ops[idx].kind, kind);
	assert_string_equal(c.ops[idx].name, name);
	assert_string_equal(c.ops[idx].other, other ? other : "");
	assert_string_equal(c.ops[idx].cidr, cidr ? cidr : "");
}

static void expect_class(const char *line, enum net_cmd_class cls)
{
	struct net_cmd c;
	parse_line(line, &c);
	if (c.cls != cls)
		fail_msg("%s: class %d, expected %d (%s)", line, (int)c.cls, (int)cls, c.why);
	if (cls == NET_CMD_REFUSED)
		assert_true(strlen(c.why) > 0);
}

/* $VAR of the course's script, as it sets them; $tap loops over tap0..tap3 */
static char *expand(const char *line, const char *tap)
{
	static const char *const vars[][2] = { { "$BR0_IP", "10.0.0.1" }, { "$BR1_IP", "10.0.1.1" },
					       { "$NW_MASK", "24" }, { "$tap", NULL } };
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = line; *p;) {
		bool done = false;
		for (size_t k = 0; k < 4 && !done; k++) {
			size_t n = strlen(vars[k][0]);
			if (!strncmp(p, vars[k][0], n)) {
				sb_adds(&sb, vars[k][1] ? vars[k][1] : tap);
				p += n;
				done = true;
			}
		}
		if (!done)
			sb_add(&sb, p++, 1);
	}
	return sb.buf ? sb.buf : xstrdup("");
}

/* Every ip and brctl command of the course's script parses to what it
 * does, for each tap its loops name. */
static void test_course_script(void **state)
{
	(void)state;
	char *path = xasprintf("%s/netcmds/runqemu_two_vms.sh", FIXTURES);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(path, &sb), 0);
	int seen = 0, changes = 0, shows = 0;
	char *save = NULL;
	for (char *line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		/* `if ip a s dev $tap &> /dev/null; then` */
		if (!strncmp(line, "if ", 3))
			line += 3;
		char *cut = strstr(line, " &>");
		if (cut)
			*cut = '\0';
		if (strncmp(line, "ip ", 3) && strncmp(line, "brctl ", 6))
			continue;
		for (int t = 0; t < 4; t++) {
			char tap[8];
			snprintf(tap, sizeof(tap), "tap%d", t);
			char *cmd = expand(line, tap);
			struct net_cmd c;
			parse_line(cmd, &c);
			if (c.cls == NET_CMD_REFUSED)
				fail_msg("the course's '%s' refused: %s", cmd, c.why);
			for (int k = 0; k < c.nops; k++) {
				char why[200];
				if (net_op_allowed(&c.ops[k], why, sizeof(why)))
					fail_msg("the course's '%s' not allowed: %s", cmd, why);
			}
			changes += c.cls == NET_CMD_CHANGE;
			shows += c.cls == NET_CMD_READ_ONLY;
			seen++;
			free(cmd);
			if (!strstr(line, "$tap"))
				break;
		}
	}
	/* the script's commands: tuntap add, link set up, link delete and
	 * `ip a s dev` for four taps; link set down, delbr, `ip a s dev` for two
	 * bridges; addbr, two addifs, set up, addr add for each bridge */
	assert_int_equal(seen, 4 * 4 + 3 * 2 + 5 * 2);
	assert_int_equal(shows, 4 + 2);
	assert_int_equal(changes, seen - shows);
	sb_release(&sb);
	free(path);
}

static void test_course_forms(void **state)
{
	(void)state;
	expect_op("ip tuntap add tap0 mode tap", 0, NET_OP_TAP_ADD, "tap0", NULL, NULL);
	expect_op("ip link set tap3 up", 0, NET_OP_LINK_UP, "tap3", NULL, NULL);
	expect_op("ip link delete tap2", 0, NET_OP_LINK_DEL, "tap2", NULL, NULL);
	expect_op("ip link set br0 down", 0, NET_OP_LINK_DOWN, "br0", NULL, NULL);
	expect_op("brctl delbr br1", 0, NET_OP_BRIDGE_DEL, "br1", NULL, NULL);
	expect_op("brctl addbr br0", 0, NET_OP_BRIDGE_ADD, "br0", NULL, NULL);
	expect_op("brctl addif br0 tap2", 0, NET_OP_MASTER, "tap2", "br0", NULL);
	expect_op("ip addr add 10.0.1.1/24 dev br1", 0, NET_OP_ADDR_ADD, "br1", NULL, "10.0.1.1/24");
	expect_class("ip a s dev tap0", NET_CMD_READ_ONLY);
}

static void test_other_forms(void **state)
{
	(void)state;
	expect_op("ip -4 addr add 10.0.0.1/24 dev br0", 0, NET_OP_ADDR_ADD, "br0", NULL, "10.0.0.1/24");
	expect_op("ip --4 address add local 10.0.0.1/24 brd + dev br0", 0, NET_OP_ADDR_ADD, "br0", NULL,
		  "10.0.0.1/24");
	expect_op("ip link set dev tap0 master br0", 0, NET_OP_MASTER, "tap0", "br0", NULL);
	expect_op("ip l s tap0 up", 0, NET_OP_LINK_UP, "tap0", NULL, NULL);
	expect_op("ip link set up dev tap1", 0, NET_OP_LINK_UP, "tap1", NULL, NULL);
	expect_op("ip link set tap0 master br0 up", 0, NET_OP_MASTER, "tap0", "br0", NULL);
	expect_op("ip link set tap0 master br0 up", 1, NET_OP_LINK_UP, "tap0", NULL, NULL);
	expect_op("ip link set tap0 nomaster", 0, NET_OP_NOMASTER, "tap0", NULL, NULL);
	expect_op("brctl addif br0 tap0 tap2", 0, NET_OP_MASTER, "tap0", "br0", NULL);
	expect_op("brctl addif br0 tap0 tap2", 1, NET_OP_MASTER, "tap2", "br0", NULL);
	expect_op("brctl delif br1 tap3", 0, NET_OP_DELIF, "tap3", "br1", NULL);
	expect_op("ip link add br0 type bridge", 0, NET_OP_BRIDGE_ADD, "br0", NULL, NULL);
	expect_op("ip link add name br1 type bridge", 0, NET_OP_BRIDGE_ADD, "br1", NULL, NULL);
	expect_op("ip link del dev tap1", 0, NET_OP_LINK_DEL, "tap1", NULL, NULL);
	expect_op("ip link d tap1", 0, NET_OP_LINK_DEL, "tap1", NULL, NULL);
	expect_op("ip tuntap del dev tap1 mode tap", 0, NET_OP_TAP_DEL, "tap1", NULL, NULL);
	expect_op("ip tuntap add name tap1 mode tap user root", 0, NET_OP_TAP_ADD, "tap1", NULL, NULL);
	expect_op("ip tuntap a tap2 mode ta", 0, NET_OP_TAP_ADD, "tap2", NULL, NULL);
	expect_op("ip tap add tap2 mode tap", 0, NET_OP_TAP_ADD, "tap2", NULL, NULL);
	expect_op("/usr/sbin/ip tunt add tap2 mode tap", 0, NET_OP_TAP_ADD, "tap2", NULL, NULL);
	expect_op("ip a a 10.0.0.1/24 dev br0", 0, NET_OP_ADDR_ADD, "br0", NULL, "10.0.0.1/24");
	expect_op("ip addr del 10.0.0.1/24 dev br0", 0, NET_OP_ADDR_DEL, "br0", NULL, "10.0.0.1/24");
	expect_op("ip addr add 10.0.0.1 dev br0", 0, NET_OP_ADDR_ADD, "br0", NULL, "10.0.0.1/32");
	expect_op("ip addr flush dev tap0", 0, NET_OP_ADDR_FLUSH, "tap0", NULL, NULL);
	expect_op("ip a f tap0", 0, NET_OP_ADDR_FLUSH, "tap0", NULL, NULL);
	/* shown by the real program */
	expect_class("ip a", NET_CMD_READ_ONLY);
	expect_class("ip link", NET_CMD_READ_ONLY);
	expect_class("ip -j link show", NET_CMD_READ_ONLY);
	expect_class("ip -br -c a", NET_CMD_READ_ONLY);
	expect_class("ip addr show dev br0", NET_CMD_READ_ONLY);
	expect_class("ip -6 a", NET_CMD_READ_ONLY);
	expect_class("ip r", NET_CMD_READ_ONLY);
	expect_class("ip tuntap", NET_CMD_READ_ONLY);
	expect_class("brctl show", NET_CMD_READ_ONLY);
	expect_class("brctl show br0", NET_CMD_READ_ONLY);
}

static void test_refused(void **state)
{
	(void)state;
	expect_class("ip link add evil type dummy", NET_CMD_REFUSED);
	expect_class("ip link add v0 type veth peer name v1", NET_CMD_REFUSED);
	expect_class("ip netns add x", NET_CMD_REFUSED);
	expect_class("ip -n x link set tap0 up", NET_CMD_REFUSED);
	expect_class("ip -b /tmp/cmds", NET_CMD_REFUSED);
	expect_class("ip link set tap0 netns 1", NET_CMD_REFUSED);
	expect_class("ip link set tap0 name eth0", NET_CMD_REFUSED);
	expect_class("ip link set tap0 mtu 9000", NET_CMD_REFUSED);
	expect_class("ip route add default via 10.0.0.1", NET_CMD_REFUSED);
	expect_class("ip tun add t0 mode gre", NET_CMD_REFUSED);            /* "tun" is ip tunnel */
	expect_class("ip tuntap add tap0 mode tun", NET_CMD_REFUSED);
	expect_class("ip tuntap add tap0 mode t", NET_CMD_REFUSED);         /* "t" is tun first */
	expect_class("ip tuntap add tap0", NET_CMD_REFUSED);                /* no mode */
	expect_class("ip tuntap add tap0 mode tap multi_queue", NET_CMD_REFUSED);
	expect_class("ip -6 addr add 10.0.0.1/24 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add fe80::1/64 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0.1/24", NET_CMD_REFUSED);           /* no dev */
	expect_class("ip addr flush", NET_CMD_REFUSED);
	expect_class("ip addr replace 10.0.0.1/24 dev br0", NET_CMD_REFUSED);
	expect_class("ip link set tap0", NET_CMD_REFUSED);
	expect_class("ip", NET_CMD_REFUSED);
	expect_class("ip -zz link", NET_CMD_REFUSED);
	expect_class("brctl", NET_CMD_REFUSED);
	expect_class("brctl stp br0 on", NET_CMD_REFUSED);
	expect_class("brctl addbr", NET_CMD_REFUSED);
	expect_class("brctl addbr br0 br1", NET_CMD_REFUSED);
	expect_class("brctl addif br0", NET_CMD_REFUSED);
	expect_class("brctl ADDBR br0", NET_CMD_REFUSED);                   /* brctl's strcmp */
	expect_class("brctl addb br0", NET_CMD_REFUSED);
	expect_class("bash -c ls", NET_CMD_REFUSED);
}

/* What no kernel takes as a name or an address never reaches the grader. */
static void test_hostile(void **state)
{
	(void)state;
	expect_class("ip tuntap add ../../etc mode tap", NET_CMD_REFUSED);
	expect_class("ip tuntap add a/b mode tap", NET_CMD_REFUSED);
	expect_class("ip link set tap0:1 up", NET_CMD_REFUSED);
	expect_class("ip link set . up", NET_CMD_REFUSED);
	expect_class("ip link set .. up", NET_CMD_REFUSED);
	expect_class("brctl addbr 0123456789abcdef", NET_CMD_REFUSED);   /* 16 bytes */
	expect_op("brctl addbr 0123456789abcde", 0, NET_OP_BRIDGE_ADD, "0123456789abcde", NULL, NULL);  /* 15 */
	expect_class("brctl addif br0 tap0 averyveryverylongname", NET_CMD_REFUSED);
	expect_class("ip addr add 256.0.0.1/24 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0.1/33 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0.1/0 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0/24 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0.1.5/24 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 010.0.0.1/24 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0.1/024 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add -10.0.0.1/24 dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0.1/24x dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 10.0.0.1/ dev br0", NET_CMD_REFUSED);
	expect_class("ip addr add 1000.0.0.1/24 dev br0", NET_CMD_REFUSED);
	/* more changes than a request holds */
	expect_class("brctl addif br0 a b c d e f g h i", NET_CMD_REFUSED);
	expect_class("ip link set tap0 up up up up up up up up up", NET_CMD_REFUSED);
	/* a NULL inside argv */
	const char *argv[] = { "ip", NULL, "link" };
	struct net_cmd c;
	net_cmd_parse(3, argv, &c);
	assert_int_equal(c.cls, NET_CMD_REFUSED);
	net_cmd_parse(0, argv, &c);
	assert_int_equal(c.cls, NET_CMD_REFUSED);
	assert_int_equal(net_cmd_cidr_check("0.0.0.0/1"), 0);
	assert_int_equal(net_cmd_cidr_check("255.255.255.255/32"), 0);
	assert_int_equal(net_cmd_name_check("tap 0"), -EINVAL);
	assert_int_equal(net_cmd_name_check("tap\t0"), -EINVAL);
	assert_int_equal(net_cmd_name_check(""), -EINVAL);
}

/* The grader applies only what is on the lab's links: any address there
 * (a wrong one is graded wrong), and a wrong layout (tap2 on br1). */
static void test_allowed(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		bool ok;
	} cases[] = {
		{ "ip link set tap2 master br1", true },
		{ "ip addr add 192.168.7.7/16 dev br0", true },
		{ "ip addr add 10.0.0.1/24 dev tap0", true },
		{ "ip tuntap add tap4 mode tap", false },
		{ "ip tuntap add br0 mode tap", false },
		{ "brctl addbr br2", false },
		{ "brctl addbr tap0", false },
		{ "ip link add evil0 type bridge", false },
		{ "ip link set eth0 up", false },
		{ "ip link set lo down", false },
		{ "ip link del eth0", false },
		{ "ip addr add 10.0.0.1/24 dev eth0", false },
		{ "brctl addif br0 br1", false },
		{ "brctl addif br9 tap0", false },
		{ "ip link set tap0 master tap1", false },
		{ "ip link set br0 nomaster", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_cmd c;
		parse_line(cases[i].line, &c);
		if (c.cls != NET_CMD_CHANGE)
			fail_msg("%s: not parsed (%s)", cases[i].line, c.why);
		char why[200] = "";
		int r = net_op_allowed(&c.ops[0], why, sizeof(why));
		if ((r == 0) != cases[i].ok)
			fail_msg("%s: allowed %d (%s)", cases[i].line, r, why);
		if (r)
			assert_true(strlen(why) > 0);
	}
	struct net_op op = { .kind = NET_OP_MASTER };
	snprintf(op.name, sizeof(op.name), "tap2");
	snprintf(op.other, sizeof(op.other), "br1");
	char d[80];
	net_op_describe(&op, d, sizeof(d));
	assert_string_equal(d, "master tap2 br1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_course_script), cmocka_unit_test(test_course_forms),
		cmocka_unit_test(test_other_forms),   cmocka_unit_test(test_refused),
		cmocka_unit_test(test_hostile),       cmocka_unit_test(test_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
