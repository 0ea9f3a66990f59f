/* checks/two_vm_plan: the course's two-VM lab told apart from other qemus,
 * each command line judged against its VM's plan, the kernel command line
 * explained; on the argv bash really hands qemu when it runs the course's
 * runqemu_two_vms.sh (tests/fixtures/cmdline/course-two-vms.sh). */
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
#include "checks/two_vm_plan.h"
#include "runner/util.h"
#include "runner/files.h"

static void load(const char *name, struct qemu_cmdline *c)
{
	char *p = xasprintf("%s/cmdline/%s.cmdline", FIXTURES, name);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	assert_int_equal(qemu_cmdline_parse_proc(sb.buf, sb.len, c), 0);
	sb_release(&sb);
	free(p);
}

/* A fixture with one word replaced (old -> new). */
static void load_edited(const char *name, const char *old, const char *new_word, struct qemu_cmdline *c)
{
	struct qemu_cmdline orig;
	load(name, &orig);
	const char **argv = xcalloc((size_t)orig.argc + 1, sizeof(char *));
	bool found = false;
	for (int i = 0; i < orig.argc; i++) {
		argv[i] = orig.argv[i];
		if (!strcmp(orig.argv[i], old)) {
			argv[i] = new_word;
			found = true;
		}
	}
	assert_true(found);
	assert_int_equal(qemu_cmdline_parse(argv, orig.argc, c), 0);
	free(argv);
	qemu_cmdline_release(&orig);
}

static void test_course_argv(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	load("course-vm1", &c);
	/* bash's word splitting of the course's QEMU_OPTS1: -append gets one word */
	assert_string_equal(c.append, "root=/dev/vda");
	assert_int_equal(two_vm_role_score(&c, &two_vm_roles[0]), 8);
	assert_int_equal(two_vm_role_score(&c, &two_vm_roles[1]), 0);
	qemu_cmdline_release(&c);
	load("course-vm2", &c);
	assert_int_equal(two_vm_role_score(&c, &two_vm_roles[1]), 8);
	assert_int_equal(two_vm_role_score(&c, &two_vm_roles[0]), 0);
	qemu_cmdline_release(&c);
}

static void test_pair_with_others(void **state)
{
	(void)state;
	struct qemu_cmdline vm1, vm2, ch1, ch2;
	load("course-vm2", &vm2);
	load("lab-ch1", &ch1);
	load("lab-ch2", &ch2);
	load("course-vm1", &vm1);
	/* chapter 1's VM (no NIC) and chapter 2's (the e1000 of VM1's MAC on
	 * tap0) beside the lab, in any order */
	struct two_vm_candidate cands[] = { { 101, &ch2 }, { 102, &vm2 }, { 103, &ch1 }, { 104, &vm1 } };
	int out[2];
	char why[300], left[4][200];
	size_t nleft;
	assert_int_equal(two_vm_pair(cands, 4, out, why, sizeof(why), left, 4, &nleft), 0);
	assert_int_equal(cands[out[0]].pid, 104);
	assert_int_equal(cands[out[1]].pid, 102);
	assert_int_equal(nleft, 2);
	assert_string_equal(left[0], "pid 101 fits the lab's VM1 less well than pid 104: left out");
	/* chapter 1's VM shares only VM1's rootfs name */
	assert_string_equal(left[1], "pid 103 fits the lab's VM1 less well than pid 104: left out");
	/* a qemu of something else entirely */
	struct qemu_cmdline other;
	load_edited("lab-ch1", "file,node-name=id0,filename=simple_alpine_rootfs1.ext4",
		    "file,node-name=id0,filename=debian.img", &other);
	struct two_vm_candidate more[] = { { 401, &vm1 }, { 402, &other }, { 403, &vm2 } };
	assert_int_equal(two_vm_pair(more, 3, out, why, sizeof(why), left, 4, &nleft), 0);
	assert_int_equal(nleft, 1);
	assert_non_null(strstr(left[0], "pid 402 is no VM of the two-VM lab"));
	qemu_cmdline_release(&other);

	/* two of one role: ask for --pid */
	struct two_vm_candidate twice[] = { { 201, &vm1 }, { 202, &vm2 }, { 203, &vm1 } };
	assert_int_equal(two_vm_pair(twice, 3, out, why, sizeof(why), left, 4, &nleft), -EEXIST);
	assert_non_null(strstr(why, "two qemus fit the lab's VM1 equally well (pid 201 and pid 203)"));
	assert_non_null(strstr(why, "--pid VM1_PID --pid VM2_PID"));

	/* VM2 stopped: named */
	struct two_vm_candidate one[] = { { 301, &vm1 }, { 302, &ch1 } };
	assert_int_equal(two_vm_pair(one, 2, out, why, sizeof(why), left, 4, &nleft), -ENOENT);
	assert_non_null(strstr(why, "no running qemu is the lab's VM2"));
	assert_non_null(strstr(why, "52:54:00:8b:99:ce"));
	qemu_cmdline_release(&vm1);
	qemu_cmdline_release(&vm2);
	qemu_cmdline_release(&ch1);
	qemu_cmdline_release(&ch2);
}

static void test_cmdline_verdicts(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	struct check_result r;
	for (int v = 0; v < 2; v++) {
		load(v ? "course-vm2" : "course-vm1", &c);
		check_init(&r, "ch3.vm_command_line");
		two_vm_check_cmdline(&r, &c, &two_vm_roles[v]);
		assert_int_equal(r.verdict, VERDICT_PASS);
		assert_non_null(strstr(r.detail, v ? "virtio-net-pci 52:54:00:8b:99:cf on tap3"
						   : "e1000 52:54:00:8b:99:de on tap0"));
		qemu_cmdline_release(&c);
	}
	/* VM2's virtio NIC on VM1's tap: named with the student's own text */
	load_edited("course-vm2", "tap,ifname=tap3,id=hostnet3", "tap,ifname=tap1,id=hostnet3", &c);
	check_init(&r, "ch3.vm2_command_line");
	two_vm_check_cmdline(&r, &c, &two_vm_roles[1]);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "is on `-netdev tap,ifname=tap1,id=hostnet3`: VM2's virtio NIC goes on tap3 (br1)"));
	assert_non_null(strstr(r.hint, "-netdev tap,ifname=tap3"));
	qemu_cmdline_release(&c);
	/* the models swapped for a MAC */
	load_edited("course-vm1", "virtio-net-pci,netdev=hostnet1,id=net1,mac=52:54:00:8b:99:df",
		    "e1000,netdev=hostnet1,id=net1,mac=52:54:00:8b:99:df", &c);
	check_init(&r, "ch3.vm1_command_line");
	two_vm_check_cmdline(&r, &c, &two_vm_roles[0]);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "is a e1000; VM1's NIC with MAC 52:54:00:8b:99:df is a virtio-net-pci"));
	qemu_cmdline_release(&c);
	/* memory */
	load_edited("course-vm1", "256M", "512M", &c);
	check_init(&r, "ch3.vm1_command_line");
	two_vm_check_cmdline(&r, &c, &two_vm_roles[0]);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "512 MiB"));
	qemu_cmdline_release(&c);
	/* device ids never matter: VM1 with VM2's ids passes */
	struct qemu_cmdline d;
	load_edited("course-vm1", "virtio-blk-pci,drive=id0", "virtio-blk-pci,drive=id7", &d);
	load_edited("course-vm1", "file,node-name=id0,filename=simple_alpine_rootfs1.ext4",
		    "file,node-name=id7,filename=simple_alpine_rootfs1.ext4", &c);
	qemu_cmdline_release(&d);
	const char *argv[] = { "qemu-system-x86_64", "-nodefaults", "-m", "256M", "-kernel", "k",
			       "-device", "virtio-blk-pci,drive=disk9", "-blockdev", "file,node-name=disk9,filename=r.ext4",
			       "-device", "isa-serial,chardev=s9", "-chardev", "socket,id=s9,path=x.socket,server=on,wait=off",
			       "-device", "e1000,netdev=n9,mac=52:54:00:8b:99:de", "-netdev", "tap,ifname=tap0,id=n9",
			       "-device", "virtio-net-pci,netdev=n8,mac=52:54:00:8b:99:df", "-netdev", "tap,id=n8,ifname=tap1" };
	qemu_cmdline_release(&c);
	assert_int_equal(qemu_cmdline_parse(argv, (int)(sizeof(argv) / sizeof(argv[0])), &c), 0);
	check_init(&r, "ch3.vm1_command_line");
	two_vm_check_cmdline(&r, &c, &two_vm_roles[0]);
	assert_int_equal(r.verdict, VERDICT_PASS);
	qemu_cmdline_release(&c);
}

static void test_append_note(void **state)
{
	(void)state;
	struct qemu_cmdline c;
	char note[600];
	load("course-vm1", &c);
	assert_true(two_vm_append_note(&c, note, sizeof(note)) > 0);
	assert_non_null(strstr(note, "the kernel command line is only `root=/dev/vda`"));
	assert_non_null(strstr(note, "bash takes loglevel=15 and console=hvc0i for variables of its own"));
	qemu_cmdline_release(&c);
	/* written with its quotes kept, as a student may: console=hvc0i reaches the kernel */
	load_edited("course-vm1", "root=/dev/vda", "root=/dev/vda loglevel=15 console=hvc0i", &c);
	assert_true(two_vm_append_note(&c, note, sizeof(note)) > 0);
	assert_non_null(strstr(note, "console=hvc0i, a console this VM does not have"));
	assert_non_null(strstr(note, "getty runs on ttyS0"));
	qemu_cmdline_release(&c);
	load_edited("course-vm1", "root=/dev/vda", "root=/dev/vda console=ttyS0", &c);
	assert_int_equal(two_vm_append_note(&c, note, sizeof(note)), 0);
	assert_string_equal(note, "");
	qemu_cmdline_release(&c);
}

static char *guest_text(const char *name)
{
	char *p = xasprintf("%s/guest/%s", FIXTURES, name);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	free(p);
	return sb.buf;
}

/* text with every "from" replaced by "to" */
static char *swap(const char *text, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = text; *p;) {
		const char *m = strstr(p, from);
		if (!m) {
			sb_adds(&sb, p);
			break;
		}
		sb_add(&sb, p, (size_t)(m - p));
		sb_adds(&sb, to);
		p = m + strlen(from);
	}
	return sb.buf ? sb.buf : xstrdup("");
}

/* Both guests of vlab's chapter 3 (--keep), `ip a s` as busybox prints it. */
static void addresses(const char *vm1_text, const char *vm2_text, const char *const not_read[2], struct check_result *r)
{
	static struct ip_iface a[8], b[8];
	int na = parse_ip_addr_show(vm1_text, a, 8), nb = parse_ip_addr_show(vm2_text, b, 8);
	assert_true(na > 0 && nb > 0);
	const struct ip_iface *const ifs[2] = { a, b };
	const size_t n[2] = { (size_t)na, (size_t)nb };
	check_init(r, "ch3.guest_addresses");
	two_vm_check_addresses(r, ifs, n, not_read);
}

static void test_addresses(void **state)
{
	(void)state;
	char *vm1 = guest_text("busybox-ip-a-s-ch3-vm1.txt"), *vm2 = guest_text("busybox-ip-a-s-ch3-vm2.txt");
	const char *const none[2] = { NULL, NULL };
	struct check_result r;
	addresses(vm1, vm2, none, &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "VM1 eth0 (e1000) 10.0.0.10/24"));
	assert_non_null(strstr(r.detail, "VM2 eth1 (virtio) 10.0.1.11/24"));

	/* the links crossed in VM2: named */
	char *t = swap(vm2, "10.0.0.11/24", "X"), *crossed = swap(t, "10.0.1.11/24", "10.0.0.11/24");
	free(t);
	t = crossed;
	crossed = swap(t, "X", "10.0.1.11/24");
	free(t);
	addresses(vm1, crossed, none, &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "the links are crossed in VM2: eth0 (e1000 NIC, 52:54:00:8b:99:ce, on br0) has "
					 "10.0.1.11/24, the virtio link's address; 10.0.0.11/24 belongs on it"));
	free(crossed);

	/* VM1 took VM2's address */
	char *stolen = swap(vm1, "10.0.0.10/24", "10.0.0.11/24");
	addresses(stolen, vm2, none, &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "has 10.0.0.11/24, which is VM2's; 10.0.0.10/24 belongs on it"));
	free(stolen);

	/* VM2's console held: its side is not read, VM1's still judged */
	const char *const held[2] = { NULL, "the serial console is held by socat (pid 42)" };
	addresses(vm1, vm2, held, &r);
	assert_int_equal(r.verdict, VERDICT_SKIP);
	assert_non_null(strstr(r.detail, "VM2's guest was not asked: the serial console is held by socat (pid 42)"));
	free(vm1);
	free(vm2);
}

static void iperf_file(const char *name, const struct two_vm_nic *link, struct check_result *r)
{
	char *p = xasprintf("%s/iperf/%s", FIXTURES, name);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(p, &sb), 0);
	struct iperf_result res;
	int rc = iperf_parse(sb.buf, sb.len, &res);
	check_init(r, "ch3.iperf_x");
	two_vm_check_iperf_file(r, link, "--iperf-x", name, &res, rc);
	sb_release(&sb);
	free(p);
}

static void test_iperf_files(void **state)
{
	(void)state;
	const struct two_vm_nic *e1000 = &two_vm_roles[0].nic[0], *virtio = &two_vm_roles[0].nic[1];
	struct check_result r;
	iperf_file("client-e1000-t2.json", e1000, &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	iperf_file("client-virtio-t2.txt", virtio, &r);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "client-virtio-t2.txt: "));
	/* the virtio run handed in as the e1000 one: named */
	iperf_file("client-virtio-t2.json", e1000, &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "connected to 10.0.1.11, VM2's address on the other link: that run went over "
					 "the virtio link, not the e1000 link"));
	/* the server's report, a failed run, something else */
	iperf_file("server-e1000-t2.json", e1000, &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "the server's report"));
	iperf_file("error-connection-refused.txt", e1000, &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "error-connection-refused.txt: "));
	iperf_file("not-iperf-ping.txt", virtio, &r);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	/* nothing given */
	check_init(&r, "ch3.iperf_virtio");
	two_vm_check_iperf_file(&r, virtio, "--iperf-virtio", NULL, NULL, 0);
	assert_int_equal(r.verdict, VERDICT_SKIP);
	assert_non_null(strstr(r.detail, "give --iperf-virtio FILE"));
}

static void test_iperf_server(void **state)
{
	(void)state;
	char *t4 = NULL, *t6 = NULL, *t4b = NULL;
	char *p = xasprintf("%s/procfs/net-tcp-iperf3-server-dual.txt", FIXTURES);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT;
	assert_int_equal(read_file(p, &a), 0);
	free(p);
	p = xasprintf("%s/procfs/net-tcp6-iperf3-server-dual.txt", FIXTURES);
	assert_int_equal(read_file(p, &b), 0);
	free(p);
	p = xasprintf("%s/procfs/net-tcp-iperf3-server-4-port5202.txt", FIXTURES);
	assert_int_equal(read_file(p, &c), 0);
	free(p);
	t4 = a.buf;
	t6 = b.buf;
	t4b = c.buf;
	assert_int_equal(procfs_tcp_listening(t4, 5201), 0);
	assert_int_equal(procfs_tcp_listening(t6, 5201), 1);
	assert_int_equal(procfs_tcp_listening(t4b, 5202), 1);
	assert_int_equal(procfs_tcp_listening(t4b, 5201), 0);
	assert_int_equal(procfs_tcp_listening("PING 10.0.0.1", 5201), -EINVAL);
	struct check_result r;
	check_init(&r, "ch3.iperf_server");
	two_vm_check_iperf_server(&r, procfs_tcp_listening(t4, 5201), procfs_tcp_listening(t6, 5201), NULL);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "/proc/net/tcp6"));
	check_init(&r, "ch3.iperf_server");
	two_vm_check_iperf_server(&r, procfs_tcp_listening(t4, 5201), procfs_tcp_listening(t4b, 5201), NULL);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.hint, "iperf3 -s -D"));
	check_init(&r, "ch3.iperf_server");
	two_vm_check_iperf_server(&r, 0, 0, "the serial console is held by socat (pid 7)");
	assert_int_equal(r.verdict, VERDICT_SKIP);
	sb_release(&a);
	sb_release(&b);
	sb_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_course_argv),
		cmocka_unit_test(test_pair_with_others),
		cmocka_unit_test(test_cmdline_verdicts),
		cmocka_unit_test(test_append_note),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_iperf_files),
		cmocka_unit_test(test_iperf_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
