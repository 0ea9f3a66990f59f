/* runner/vm/kvmhost_plan and kvmhost_proto: which host directories the
 * emulated KVM host gets and how (Debian 12's merged /usr, a working
 * directory below a share, the host's /proc or /, a path with a blank),
 * the plan's text as /init and the agent read it, the qemu command (always
 * TCG with -cpu max, every share read-only but the run's, commas doubled),
 * and the argv, status and control formats, with what they refuse. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/vm/kvmhost_plan.h"
#include "runner/vm/kvmhost_proto.h"
#include "tests/unit/unit_helpers.h"

/* Debian 12's root: /bin, /sbin, /lib, /lib64 are links into /usr; no
 * /libx32 */
static const struct kvmhost_root_entry debian12[] = {
	{ "/usr", NULL },	  { "/etc", NULL },	  { "/bin", "usr/bin" }, { "/sbin", "usr/sbin" },
	{ "/lib", "usr/lib" }, { "/lib64", "usr/lib64" }, { "/libx32", "" },
};

static struct kvmhost_plan_in debian_in(void)
{
	struct kvmhost_plan_in in = {
		.root = debian12,
		.nroot = ARRAY_SIZE(debian12),
		.wanted = { "/home/ana/lab", "/home/ana/lab/build", "/home/ana/lab/build/image" },
		.wanted_why = { "the working directory", "vlab's directory", "the image directory" },
		.modules_dir = "/usr/lib/modules",
		.rundir = "/tmp/vlab-1000/20261205-101500-0004242-000/guest",
		.agent = "/home/ana/lab/build/vlab",
		.cwd = "/home/ana/lab",
	};
	return in;
}

static const struct kvmhost_share *share_at(const struct kvmhost_plan *p, const char *path)
{
	for (int i = 0; i < p->nshares; i++)
		if (!strcmp(p->shares[i].path, path))
			return &p->shares[i];
	return NULL;
}

static void test_debian_root(void **state)
{
	struct kvmhost_plan_in in = debian_in();
	struct kvmhost_plan p;
	char err[256] = "";
	assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), 0);
	/* /etc, the lab (which holds vlab's directory and the image), /usr */
	assert_int_equal(p.nshares, 3);
	assert_string_equal(p.shares[0].path, "/etc");
	assert_string_equal(p.shares[1].path, "/home/ana/lab");
	assert_string_equal(p.shares[2].path, "/usr");
	assert_string_equal(p.shares[2].tag, "vlab2");
	/* /usr holds /usr/lib/modules: an overlay, so /init can add the tree */
	assert_int_equal(share_at(&p, "/usr")->mode, SHARE_OVERLAY);
	assert_int_equal(share_at(&p, "/etc")->mode, SHARE_RO);
	assert_int_equal(share_at(&p, "/home/ana/lab")->mode, SHARE_RO);
	assert_int_equal(p.nlinks, 4);
	assert_string_equal(p.links[2].path, "/lib");
	assert_string_equal(p.links[2].target, "usr/lib");
	assert_int_equal(p.nnotes, 0);
	assert_string_equal(p.cwd, "/home/ana/lab");

	struct strbuf sb = STRBUF_INIT;
	kvmhost_plan_write(&in, &p, &sb);
	assert_contains(sb_str(&sb), "\nlink /bin usr/bin\n");
	assert_contains(sb_str(&sb), "\nshare vlab0 /etc ro\nshare vlab1 /home/ana/lab ro\nshare vlab2 /usr overlay\n");
	assert_contains(sb_str(&sb), "\nmodules /usr/lib/modules\nrundir /tmp/vlab-1000/20261205-101500-0004242-000/guest\n"
				     "agent /home/ana/lab/build/vlab\ncwd /home/ana/lab\nmode run\n");
	assert_null(strstr(sb_str(&sb), "winsize"));
	assert_null(strstr(sb_str(&sb), "libx32"));

	/* what the agent reads back of it */
	struct kvmhost_agent_conf c;
	assert_int_equal(kvmhost_plan_parse_agent(sb_str(&sb), &c, err, sizeof(err)), 0);
	assert_string_equal(c.cwd, "/home/ana/lab");
	assert_false(c.shell);
	sb_release(&sb);
	kvmhost_plan_release(&p);
}

/* A host whose /lib is a directory of its own (no merged /usr): it is a
 * share, and the overlay goes on it, the innermost share holding the
 * module directory. */
static void test_split_usr(void **state)
{
	static const struct kvmhost_root_entry old[] = { { "/usr", NULL }, { "/etc", NULL }, { "/lib", NULL },
							 { "/bin", NULL } };
	struct kvmhost_plan_in in = debian_in();
	in.root = old;
	in.nroot = ARRAY_SIZE(old);
	in.modules_dir = "/lib/modules";
	struct kvmhost_plan p;
	char err[256] = "";
	assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nlinks, 0);
	assert_int_equal(share_at(&p, "/lib")->mode, SHARE_OVERLAY);
	assert_int_equal(share_at(&p, "/usr")->mode, SHARE_RO);
	assert_non_null(share_at(&p, "/bin"));
	kvmhost_plan_release(&p);
	/* no share holding it at all */
	in.modules_dir = "/opt/modules";
	assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), -EINVAL);
	assert_contains(err, "no share holds the module directory /opt/modules");
}

/* What must not be shared is left out, saying why; the command then starts
 * in / (and a directory under a share, or the run's share, is fine). */
static void test_not_shared(void **state)
{
	const char *const refused[] = { "/", "/proc/1/cwd", "/sys/fs", "/dev", "/run", "/tmp", "/home/ana/my lab" };
	const char *const why[] = { "the host's whole root", "own /proc, /sys and /dev", "own /proc, /sys and /dev",
				    "own /proc, /sys and /dev", "own /run and /tmp", "own /run and /tmp", "a blank" };
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		struct kvmhost_plan_in in = debian_in();
		in.wanted[0] = refused[i];
		in.wanted[1] = in.wanted[2] = NULL;
		in.cwd = refused[i];
		struct kvmhost_plan p;
		char err[256] = "";
		assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), 0);
		assert_int_equal(p.nshares, 2);
		assert_int_equal(p.nnotes, 1);
		assert_contains(p.notes[0], "the working directory");
		assert_contains(p.notes[0], why[i]);
		assert_string_equal(p.cwd, "/");
		kvmhost_plan_release(&p);
	}
	/* one this user cannot read: qemu, as this user, could not share it */
	struct kvmhost_plan_in uin = debian_in();
	uin.unreadable[0] = true;
	struct kvmhost_plan up;
	char uerr[256] = "";
	assert_int_equal(kvmhost_plan_make(&uin, &up, uerr, sizeof(uerr)), 0);
	assert_null(share_at(&up, "/home/ana/lab"));
	assert_non_null(share_at(&up, "/home/ana/lab/build"));
	assert_contains(up.notes[0], "the working directory /home/ana/lab is not shared: this user cannot read it");
	assert_string_equal(up.cwd, "/");
	kvmhost_plan_release(&up);
	/* below /tmp and /run is fine; below /usr needs no share of its own */
	struct kvmhost_plan_in in = debian_in();
	in.wanted[0] = "/tmp/wt";
	in.wanted[1] = "/usr/local/bin";
	in.wanted[2] = "/run/user/1000/x";
	in.cwd = "/usr/local/bin";
	struct kvmhost_plan p;
	char err[256] = "";
	assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), 0);
	assert_non_null(share_at(&p, "/tmp/wt"));
	assert_non_null(share_at(&p, "/run/user/1000/x"));
	assert_null(share_at(&p, "/usr/local/bin"));
	assert_string_equal(p.cwd, "/usr/local/bin");
	/* shares sort parents first: /init mounts them in this order */
	for (int i = 1; i < p.nshares; i++)
		assert_true(strcmp(p.shares[i - 1].path, p.shares[i].path) < 0);
	kvmhost_plan_release(&p);
	/* a directory named after the others replaces those below it */
	in = debian_in();
	in.wanted[0] = "/home/ana/lab/build";
	in.wanted[1] = "/home/ana";
	in.wanted[2] = NULL;
	assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), 0);
	assert_non_null(share_at(&p, "/home/ana"));
	assert_null(share_at(&p, "/home/ana/lab/build"));
	kvmhost_plan_release(&p);
	/* a run directory with a blank is an error, not a note */
	in = debian_in();
	in.rundir = "/tmp/my runs/x";
	assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), -EINVAL);
	assert_contains(err, "the run directory '/tmp/my runs/x' cannot be shared");
}

static void test_path_ok(void **state)
{
	assert_true(kvmhost_path_ok("/"));
	assert_true(kvmhost_path_ok("/home/ana/lab,v2/x.y"));
	const char *const bad[] = { "", "rel/path", "/a//b", "/a/", "/a/./b", "/a/../b", "/a b", "/a\tb", "/a\nb", "/\x7f" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (kvmhost_path_ok(bad[i]))
			fail_msg("kvmhost_path_ok took '%s'", bad[i]);
	char longp[1100];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_false(kvmhost_path_ok(longp));
}

static void test_agent_lines(void **state)
{
	struct kvmhost_agent_conf c;
	char err[128] = "";
	assert_int_equal(kvmhost_plan_parse_agent("share vlab0 /usr ro\nmode shell\nwinsize 50 200\n", &c, err, sizeof(err)),
			 0);
	assert_true(c.shell);
	assert_int_equal(c.rows, 50);
	assert_int_equal(c.cols, 200);
	assert_string_equal(c.cwd, "/");
	assert_int_equal(kvmhost_plan_parse_agent("cwd /x\n", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the plan has no 'mode' line");
	assert_int_equal(kvmhost_plan_parse_agent("mode run\nwinsize 0 80\n", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "plan line 2 is malformed");
	assert_int_equal(kvmhost_plan_parse_agent("mode both\n", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(kvmhost_plan_parse_agent("mode run\ncwd rel\n", &c, err, sizeof(err)), -EINVAL);
}

static bool has_arg(const struct vm_argv *a, const char *want)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], want))
			return true;
	return false;
}

static void test_qemu_argv(void **state)
{
	struct kvmhost_plan_in in = debian_in();
	in.wanted[0] = "/home/ana/lab,v2";
	in.cwd = "/home/ana/lab,v2";
	in.shell = true;
	struct kvmhost_plan p;
	char err[256] = "";
	assert_int_equal(kvmhost_plan_make(&in, &p, err, sizeof(err)), 0);
	struct kvmhost_qemu_in q = { .qemu = "qemu-system-x86_64", .kernel = "/img/default/vmlinux",
				     .initrd = "/r/kvmhost-initrd.img", .console = "/r/console.log", .sock_dir = "/r",
				     .mem = "2G", .cpus = 2, .shell = true };
	struct vm_argv a;
	assert_int_equal(kvmhost_qemu_argv(&q, &in, &p, &a), 0);
	assert_string_equal(a.v[0], "qemu-system-x86_64");
	assert_true(has_arg(&a, "q35,accel=tcg"));
	assert_true(has_arg(&a, "max"));
	assert_false(has_arg(&a, "-enable-kvm"));
	assert_true(has_arg(&a, "-no-reboot"));
	assert_true(has_arg(&a, "file,id=console,path=/r/console.log"));
	assert_true(has_arg(&a, "socket,id=ctl,path=/r/kvmhost-ctl.sock,server=on,wait=off"));
	assert_true(has_arg(&a, "virtserialport,bus=vser.0,chardev=out,name=vlab.out"));
	assert_true(has_arg(&a, "virtconsole,bus=vser.0,chardev=tty,name=vlab.tty"));
	/* the lab's comma doubled, read-only; the run's share alone writable */
	assert_true(has_arg(&a, "local,path=/home/ana/lab,,v2,mount_tag=vlab1,security_model=none,readonly=on,"
				"multidevs=remap"));
	assert_true(has_arg(&a, "local,path=/tmp/vlab-1000/20261205-101500-0004242-000/guest,mount_tag=vlabrun,"
				"security_model=none,multidevs=remap"));
	int virtfs = 0;
	for (int i = 0; i < a.n; i++)
		virtfs += !strcmp(a.v[i], "-virtfs");
	assert_int_equal(virtfs, p.nshares + 1);
	vm_argv_release(&a);
	q.shell = false;
	assert_int_equal(kvmhost_qemu_argv(&q, &in, &p, &a), 0);
	assert_false(has_arg(&a, "virtconsole,bus=vser.0,chardev=tty,name=vlab.tty"));
	vm_argv_release(&a);
	kvmhost_plan_release(&p);
}

static void test_strv(void **state)
{
	const char *const v[] = { "vlab", "chapter", "5", "", "a b;$(rm -rf /)" };
	struct strbuf sb = STRBUF_INIT;
	kvmhost_strv_encode(v, ARRAY_SIZE(v), &sb);
	char **back;
	size_t n;
	assert_int_equal(kvmhost_strv_decode(sb.buf, sb.len, 16, &back, &n), 0);
	assert_int_equal(n, ARRAY_SIZE(v));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(back[i], v[i]);
	assert_null(back[n]);
	free(back);
	assert_int_equal(kvmhost_strv_decode(sb.buf, sb.len, 4, &back, &n), -EINVAL);
	assert_int_equal(kvmhost_strv_decode(sb.buf, sb.len - 1, 16, &back, &n), -EINVAL);
	assert_int_equal(kvmhost_strv_decode("", 0, 16, &back, &n), -EINVAL);
	assert_null(back);
	sb_release(&sb);
}

static void test_status(void **state)
{
	struct kvmhost_status st = { KVMHOST_SIGNALED, 9 }, back;
	char buf[KVMHOST_STATUS_BYTES];
	kvmhost_status_format(&st, buf, sizeof(buf));
	assert_string_equal(buf, "signal 9\n");
	assert_int_equal(kvmhost_status_parse(buf, strlen(buf), &back), 0);
	assert_int_equal(back.kind, KVMHOST_SIGNALED);
	assert_int_equal(kvmhost_status_code(&back), 137);
	assert_int_equal(kvmhost_status_parse("exit 3", 6, &back), 0);
	assert_int_equal(kvmhost_status_code(&back), 3);
	assert_int_equal(kvmhost_status_parse("notrun 2\n", 9, &back), 0);
	assert_int_equal(kvmhost_status_code(&back), 127);
	assert_int_equal(kvmhost_status_parse("notrun 13\n", 10, &back), 0);
	assert_int_equal(kvmhost_status_code(&back), 126);
	const char *const bad[] = { "", "exit", "exit 256", "exit -1", "signal 0", "exit 1\nexit 2", "exit 1 2",
				    "Exit 1", "exit 1\n\n", "fine 0" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (kvmhost_status_parse(bad[i], strlen(bad[i]), &back) != -EINVAL)
			fail_msg("took the status '%s'", bad[i]);
	assert_int_equal(kvmhost_status_parse("exit 1\0x", 8, &back), -EINVAL);
	char huge[200];
	memset(huge, '1', sizeof(huge));
	memcpy(huge, "exit ", 5);
	assert_int_equal(kvmhost_status_parse(huge, sizeof(huge), &back), -EINVAL);
}

static void test_ctl_and_env(void **state)
{
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGKILL };
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		assert_int_equal(kvmhost_ctl_signal(kvmhost_ctl_byte(sigs[i])), sigs[i]);
	assert_int_equal(kvmhost_ctl_byte(SIGUSR1), 0);
	assert_int_equal(kvmhost_ctl_signal(KVMHOST_CTL_STARTED), 0);

	struct kvmhost_env_in in = { .vlab_dir = "/opt/vlab/bin", .term = "xterm" };
	char *v[16];
	size_t n = kvmhost_env_build(&in, v, ARRAY_SIZE(v));
	assert_string_equal(v[0], "PATH=/opt/vlab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	struct strbuf all = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		sb_addf(&all, "%s\n", v[i]);
	assert_contains(sb_str(&all), "\nHOME=/root\n");
	/* a tmpfs inside: qemu's sockets cannot be bound on the 9p share */
	assert_contains(sb_str(&all), "\nVLAB_RUN_DIR=/run/vlab\n");
	assert_contains(sb_str(&all), "\nTERM=xterm\n");
	assert_null(strstr(sb_str(&all), "VLAB_IMAGE_DIR"));
	assert_null(strstr(sb_str(&all), "LANG"));
	/* an inner vlab's reports name the KVM they counted */
	assert_contains(sb_str(&all), "\nVLAB_KVM_HOST=emulated-amd-v\n");
	assert_null(strstr(sb_str(&all), "VLAB_STDOUT_TTY"));
	sb_release(&all);
	kvmhost_env_release(v, n);
	/* a terminal out here, a locale: said inside */
	in.out_tty = true;
	in.lc_all = "C.UTF-8";
	n = kvmhost_env_build(&in, v, ARRAY_SIZE(v));
	for (size_t i = 0; i < n; i++)
		sb_addf(&all, "%s\n", v[i]);
	assert_contains(sb_str(&all), "\nVLAB_STDOUT_TTY=1\n");
	assert_contains(sb_str(&all), "\nLC_ALL=C.UTF-8\n");
	sb_release(&all);
	kvmhost_env_release(v, n);
	/* never past the room given */
	assert_int_equal(kvmhost_env_build(&in, v, 2), 2);
	kvmhost_env_release(v, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_root), cmocka_unit_test(test_split_usr), cmocka_unit_test(test_not_shared),
		cmocka_unit_test(test_path_ok),	    cmocka_unit_test(test_agent_lines), cmocka_unit_test(test_qemu_argv),
		cmocka_unit_test(test_strv),	    cmocka_unit_test(test_status),	cmocka_unit_test(test_ctl_and_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
