/* checks/guest_parse: `ip a s` and /proc/mounts as the guest's busybox and
 * the host's iproute2 really print them (tests/fixtures/guest, see its
 * README), in their CRLF serial form and in the LF form vlab's console
 * reader hands on, plus malformed and oversized input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/guest_parse.h"
#include "runner/util.h"
#include "runner/files.h"

#define GUEST_FIXTURES FIXTURES "/guest/"

static char *fixture(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];

	snprintf(path, sizeof(path), "%s%s", GUEST_FIXTURES, name);
	if (read_file(path, &sb) < 0)
		fail_msg("cannot read '%s'", path);
	return sb.buf;
}

/* The text without its \r, as runner/vm/console.c delivers it. */
static char *without_cr(const char *text)
{
	char *out = xstrdup(text), *w = out;

	for (const char *r = text; *r; r++)
		if (*r != '\r')
			*w++ = *r;
	*w = '\0';
	return out;
}

static void assert_iface(const struct ip_iface *i, int index, const char *name, bool up, bool lower_up,
			 const char *link_type, const char *mac, int naddrs)
{
	assert_int_equal(i->index, index);
	assert_string_equal(i->name, name);
	assert_int_equal(i->up, up);
	assert_int_equal(i->lower_up, lower_up);
	assert_string_equal(i->link_type, link_type);
	assert_string_equal(i->mac, mac);
	assert_int_equal(i->naddrs, naddrs);
}

static void assert_lo(const struct ip_iface *i)
{
	assert_iface(i, 1, "lo", true, true, "loopback", "00:00:00:00:00:00", 2);
	assert_string_equal(i->addrs[0], "127.0.0.1/8");
	assert_string_equal(i->addrs[1], "::1/128");
}

/* Parse a fixture in both line-end forms; both must give the same. */
static int parse_both(const char *name, struct ip_iface *ifs, size_t max)
{
	char *raw = fixture(name);
	char *lf = without_cr(raw);
	struct ip_iface *again = xcalloc(max ? max : 1, sizeof(*again));
	int n = parse_ip_addr_show(raw, ifs, max);
	int n2 = parse_ip_addr_show(lf, again, max);

	assert_int_equal(n, n2);
	for (int i = 0; i < n; i++) {
		assert_iface(&again[i], ifs[i].index, ifs[i].name, ifs[i].up, ifs[i].lower_up, ifs[i].link_type,
			     ifs[i].mac, ifs[i].naddrs);
		for (int a = 0; a < ifs[i].naddrs; a++)
			assert_string_equal(again[i].addrs[a], ifs[i].addrs[a]);
	}
	free(again);
	free(lf);
	free(raw);
	return n;
}

/* ---- busybox, in the guest ---- */

static void test_busybox_lo_only(void **state)
{
	struct ip_iface ifs[4];

	memset(ifs, 0xa5, sizeof(ifs));
	assert_int_equal(parse_both("busybox-ip-a-s-lo-only.txt", ifs, ARRAY_SIZE(ifs)), 1);
	assert_lo(&ifs[0]);
}

static void test_busybox_eth_down(void **state)
{
	struct ip_iface ifs[8];

	assert_int_equal(parse_both("busybox-ip-a-s-eth-down.txt", ifs, ARRAY_SIZE(ifs)), 3);
	assert_lo(&ifs[0]);
	assert_iface(&ifs[1], 2, "eth0", false, false, "ether", "52:54:00:8b:99:de", 0);
	assert_iface(&ifs[2], 3, "eth1", false, false, "ether", "52:54:00:8b:99:df", 0);
}

static void test_busybox_eth0_up_addr(void **state)
{
	struct ip_iface ifs[8];

	assert_int_equal(parse_both("busybox-ip-a-s-eth0-up-addr.txt", ifs, ARRAY_SIZE(ifs)), 3);
	assert_lo(&ifs[0]);
	assert_iface(&ifs[1], 2, "eth0", true, true, "ether", "52:54:00:8b:99:de", 3);
	assert_string_equal(ifs[1].addrs[0], "10.0.0.10/24");
	assert_string_equal(ifs[1].addrs[1], "fec0::5054:ff:fe8b:99de/64");
	assert_string_equal(ifs[1].addrs[2], "fe80::5054:ff:fe8b:99de/64");
	assert_iface(&ifs[2], 3, "eth1", false, false, "ether", "52:54:00:8b:99:df", 0);
}

/* ---- iproute2, on the host ---- */

static void test_iproute2_veth_peer(void **state)
{
	struct ip_iface ifs[8];

	assert_int_equal(parse_both("iproute2-ip-a-s-veth-peer.txt", ifs, ARRAY_SIZE(ifs)), 3);
	assert_lo(&ifs[0]);
	/* "vb@va": the peer after '@' is not part of the name */
	assert_iface(&ifs[1], 2, "vb", false, false, "ether", "16:84:e7:72:78:65", 0);
	/* UP but NO-CARRIER (its peer is down): not LOWER_UP; M-DOWN is no UP */
	assert_iface(&ifs[2], 3, "va", true, false, "ether", "da:b3:5e:a4:a1:4c", 1);
	assert_string_equal(ifs[2].addrs[0], "10.9.9.1/24");
}

static void test_iproute2_veth_netns(void **state)
{
	struct ip_iface ifs[8];

	assert_int_equal(parse_both("iproute2-ip-a-s-veth-netns.txt", ifs, ARRAY_SIZE(ifs)), 2);
	assert_lo(&ifs[0]);
	/* "va@if2", and "link-netns gptest2" after the MAC */
	assert_iface(&ifs[1], 2, "va", true, true, "ether", "de:8d:96:6b:d2:b2", 2);
	assert_string_equal(ifs[1].addrs[0], "10.9.9.1/24");
	assert_string_equal(ifs[1].addrs[1], "fe80::dc8d:96ff:fe6b:d2b2/64");
}

static void test_iproute2_tun(void **state)
{
	struct ip_iface ifs[8];

	assert_int_equal(parse_both("iproute2-ip-a-s-tun.txt", ifs, ARRAY_SIZE(ifs)), 2);
	/* lo left down in a fresh namespace */
	assert_iface(&ifs[0], 1, "lo", false, false, "loopback", "00:00:00:00:00:00", 0);
	/* "link/none" with nothing after it: no MAC, the type still read */
	assert_iface(&ifs[1], 2, "tn0", false, false, "none", "", 0);
}

/* ---- limits ---- */

static void test_more_interfaces_than_max(void **state)
{
	struct ip_iface ifs[3];
	char *text = fixture("busybox-ip-a-s-eth0-up-addr.txt");

	/* the count stored, the rest skipped with their address lines */
	memset(ifs, 0, sizeof(ifs));
	assert_int_equal(parse_ip_addr_show(text, ifs, 1), 1);
	assert_lo(&ifs[0]);
	assert_int_equal(ifs[1].index, 0);
	assert_int_equal(parse_ip_addr_show(text, ifs, 2), 2);
	assert_lo(&ifs[0]);
	assert_int_equal(ifs[1].naddrs, 3);
	assert_int_equal(ifs[2].index, 0);
	/* nothing may be stored, yet the text has interfaces: 0, not an error */
	assert_int_equal(parse_ip_addr_show(text, NULL, 0), 0);
	free(text);
}

static void test_more_addresses_than_max(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct ip_iface ifs[2];

	sb_adds(&sb, "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel qlen 1000\n"
		     "    link/ether 52:54:00:8b:99:de brd ff:ff:ff:ff:ff:ff\n");
	for (int i = 1; i <= IFACE_MAX_ADDRS + 2; i++)
		sb_addf(&sb, "    inet 10.0.0.%d/24 scope global secondary eth0\n"
			     "       valid_lft forever preferred_lft forever\n", i);
	assert_int_equal(parse_ip_addr_show(sb.buf, ifs, ARRAY_SIZE(ifs)), 1);
	assert_int_equal(ifs[0].naddrs, IFACE_MAX_ADDRS);
	assert_string_equal(ifs[0].addrs[0], "10.0.0.1/24");
	assert_string_equal(ifs[0].addrs[IFACE_MAX_ADDRS - 1], "10.0.0.4/24");
	sb_release(&sb);
}

static void test_long_fields(void **state)
{
	struct ip_iface ifs[2];
	char line[600];

	/* a name longer than the field is cut, not overrun */
	assert_int_equal(parse_ip_addr_show("7: an-interface-name-far-longer-than-thirty-one: <UP> mtu 1\n", ifs, 2), 1);
	assert_int_equal(ifs[0].index, 7);
	assert_int_equal(strlen(ifs[0].name), sizeof(ifs[0].name) - 1);
	assert_true(starts_with("an-interface-name-far-longer-than-thirty-one", ifs[0].name));
	assert_true(ifs[0].up);

	/* a line longer than the parser's buffer */
	memset(line, 'x', sizeof(line));
	memcpy(line, "3: e: <UP,LOWER_UP> ", 20);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(parse_ip_addr_show(line, ifs, 2), 1);
	assert_string_equal(ifs[0].name, "e");
	assert_true(ifs[0].lower_up);

	/* a MAC of the wrong length is not a MAC; a lone "inet" is no address */
	assert_int_equal(parse_ip_addr_show("4: ib0: <UP> mtu 2044\n"
					    "    link/infiniband 80:00:00:02:fe:80:00:00:00:00:00:00:00:00:00:00:00:00:00:01 brd x\n"
					    "    inet\n",
					    ifs, 2), 1);
	assert_string_equal(ifs[0].link_type, "infiniband");
	assert_string_equal(ifs[0].mac, "");
	assert_int_equal(ifs[0].naddrs, 0);
}

/* ---- malformed ---- */

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n\n",
		"garbage\n",
		"ip: can't find device 'eth9'\n",
		"-sh: ip: not found\n",
		"    inet 10.0.0.1/24 scope global eth0\n",  /* address lines with no interface */
		"lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n",   /* no index */
		"0: lo: <UP> mtu 1\n",                      /* index 0 */
		"-1: lo: <UP> mtu 1\n",
		"1 lo: <UP> mtu 1\n",
		"1:lo: <UP> mtu 1\n",
		"1: : <UP> mtu 1\n",                        /* empty name */
		"1: lo <UP> mtu 1\n",
		"1: lo: <UP mtu 1\n",                       /* flags not closed */
		"99999999999: lo: <UP> mtu 1\n",
	};
	struct ip_iface ifs[2];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (parse_ip_addr_show(bad[i], ifs, ARRAY_SIZE(ifs)) != -EINVAL)
			fail_msg("parsed: '%s'", bad[i]);
}

static void test_noise_around(void **state)
{
	char *lo = fixture("busybox-ip-a-s-lo-only.txt");
	struct strbuf sb = STRBUF_INIT;
	struct ip_iface ifs[2];

	/* a prompt and a kernel message before it, no final newline */
	sb_adds(&sb, "# ip a s\r\n[   12.345678] random: crng init done\r\n");
	sb_add(&sb, lo, strlen(lo) - 2);
	assert_int_equal(parse_ip_addr_show(sb.buf, ifs, ARRAY_SIZE(ifs)), 1);
	assert_lo(&ifs[0]);
	sb_release(&sb);
	free(lo);
}

/* ---- /proc/mounts ---- */

static void test_root_mount_real(void **state)
{
	char *raw = fixture("proc-mounts.txt");
	char *lf = without_cr(raw);
	char dev[64], type[16];

	assert_int_equal(parse_root_mount(raw, dev, sizeof(dev), type, sizeof(type)), 0);
	assert_string_equal(dev, "/dev/vda");
	assert_string_equal(type, "ext4");
	memset(dev, 0, sizeof(dev));
	assert_int_equal(parse_root_mount(lf, dev, sizeof(dev), type, sizeof(type)), 0);
	assert_string_equal(dev, "/dev/vda");
	assert_string_equal(type, "ext4");
	free(lf);
	free(raw);
}

static void test_root_mount_last_wins(void **state)
{
	char *real = fixture("proc-mounts.txt");
	struct strbuf sb = STRBUF_INIT;
	char dev[64], type[16];

	/* an initramfs's "rootfs" first, then the real root mounted over it
	 * (switch_root), as /proc/mounts lists them: the last line is on top */
	sb_adds(&sb, "rootfs / rootfs rw,size=112340k,nr_inodes=28085 0 0\n");
	sb_adds(&sb, real);
	assert_int_equal(parse_root_mount(sb.buf, dev, sizeof(dev), type, sizeof(type)), 0);
	assert_string_equal(dev, "/dev/vda");
	assert_string_equal(type, "ext4");

	/* and the other way round */
	sb_adds(&sb, "none / tmpfs rw 0 0");
	assert_int_equal(parse_root_mount(sb.buf, dev, sizeof(dev), type, sizeof(type)), 0);
	assert_string_equal(dev, "none");
	assert_string_equal(type, "tmpfs");
	sb_release(&sb);
	free(real);
}

static void test_root_mount_none(void **state)
{
	char dev[64] = "unchanged", type[16] = "unchanged";

	assert_int_equal(parse_root_mount("", dev, sizeof(dev), type, sizeof(type)), -ENOENT);
	assert_int_equal(parse_root_mount("proc /proc proc rw 0 0\n/dev/vdb /mnt ext4 rw 0 0\n", dev, sizeof(dev),
					  type, sizeof(type)), -ENOENT);
	/* "/" as a device, or a line too short to have a type, is no root */
	assert_int_equal(parse_root_mount("/ /mnt ext4 rw 0 0\n/dev/vda /\n", dev, sizeof(dev), type, sizeof(type)),
			 -ENOENT);
	assert_int_equal(parse_root_mount("cat: can't open '/proc/mounts'\n", dev, sizeof(dev), type, sizeof(type)),
			 -ENOENT);
	assert_string_equal(dev, "unchanged");
	assert_string_equal(type, "unchanged");
}

static void test_root_mount_small_buffers(void **state)
{
	char dev[5], type[3];

	assert_int_equal(parse_root_mount("/dev/vda / ext4 rw 0 0\n", dev, sizeof(dev), type, sizeof(type)), 0);
	assert_string_equal(dev, "/dev");
	assert_string_equal(type, "ex");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busybox_lo_only),
		cmocka_unit_test(test_busybox_eth_down),
		cmocka_unit_test(test_busybox_eth0_up_addr),
		cmocka_unit_test(test_iproute2_veth_peer),
		cmocka_unit_test(test_iproute2_veth_netns),
		cmocka_unit_test(test_iproute2_tun),
		cmocka_unit_test(test_more_interfaces_than_max),
		cmocka_unit_test(test_more_addresses_than_max),
		cmocka_unit_test(test_long_fields),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_noise_around),
		cmocka_unit_test(test_root_mount_real),
		cmocka_unit_test(test_root_mount_last_wins),
		cmocka_unit_test(test_root_mount_none),
		cmocka_unit_test(test_root_mount_small_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
