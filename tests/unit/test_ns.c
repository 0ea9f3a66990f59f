/* runner/ns against the real kernel.
 *
 * As root: named namespaces in the real /run/netns (run ids carry our pid,
 * and each test removes what it made, the cleanup registry as the backstop
 * at exit), with this process first moved into a throwaway network namespace
 * so "home" is not the host's. Rootless paths run in forked children that
 * drop to uid 65534 (or are that user already when the test runs rootless):
 * one where /dev/net/tun is the 0600 node these machines have, one where a
 * private mount namespace puts a 0666 tun node over it, as Debian ships it.
 * Refusals are staged for real: a user namespace whose
 * user.max_user_namespaces is 0, root with CAP_NET_ADMIN dropped.
 * Whatever this kernel refuses is SKIPPED with its reason. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
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
#include "runner/net/ns.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"

#define UNPRIV_UID 65534

/* Static: the cleanup registry keeps pointers to named ones. */
static struct netns ns_a = NETNS_INIT, ns_b = NETNS_INIT;
static char id_a[32], id_b[32];

static int teardown(void **state)
{
	(void)state;
	ns_remove(&ns_a);
	ns_remove(&ns_b);
	cleanup_clear_stop();
	return 0;
}

/* Why this process is still in the network namespace it started in ("" when
 * main moved it into a throwaway one): the root tests make links at "home"
 * and must never do so in the host's. */
static char home_not_private[160];

#define REQUIRE_ROOT() do { \
		if (geteuid() != 0) { \
			print_message("SKIP: named namespaces need root\n"); \
			skip(); \
		} \
		if (home_not_private[0]) { \
			print_message("SKIP: no throwaway home network namespace (%s): the root tests " \
				      "would make links in this one\n", home_not_private); \
			skip(); \
		} \
	} while (0)

/* A tun device that opens, for the tests that make taps (as root: the
 * mode bits do not matter), or SKIP naming it. */
static void require_tun(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO)) {
		print_message("SKIP: no usable /dev/net/tun on this machine (open: %s)\n", strerror(errno));
		skip();
	}
	if (fd >= 0)
		close(fd);
}

/* ns_create as root, skipping where the kernel refuses it. */
static void create_named(struct netns *ns, const char *id)
{
	char err[256];
	int r = ns_create(ns, id, err, sizeof(err));

	if (r == -EPERM || r == -EACCES) {
		print_message("SKIP: %s\n", err);
		skip();
	}
	if (r < 0)
		fail_msg("ns_create: %s", err);
	assert_true(ns->named);
	assert_false(ns->userns);
}

/* Whether `ip netns list` shows name (a test may run ip; vlab never does).
 * -1 when there is no ip to ask. */
static int ip_netns_lists(const char *name)
{
	char line[256];
	int found = 0, status;
	FILE *p;

	if (access("/usr/sbin/ip", X_OK) < 0 && access("/sbin/ip", X_OK) < 0 &&
	    access("/usr/bin/ip", X_OK) < 0 && access("/bin/ip", X_OK) < 0)
		return -1;
	p = popen("ip netns list 2>&1", "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		/* "vlab-x" or "vlab-x (id: 0)" */
		size_t n = strlen(name);

		if (!strncmp(line, name, n) && (line[n] == '\n' || line[n] == ' ' || !line[n]))
			found = 1;
	}
	status = pclose(p);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? found : -1;
}

static bool vlab_listed(const char *name)
{
	char names[64][64];
	size_t n;

	assert_int_equal(ns_list_vlab(names, 64, &n), 0);
	for (size_t i = 0; i < n && i < 64; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static bool mounted(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char *needle = xasprintf(" %s ", path);
	bool found;

	assert_int_equal(read_file("/proc/self/mountinfo", &sb), 0);
	found = strstr(sb_str(&sb), needle) != NULL;
	sb_release(&sb);
	free(needle);
	return found;
}

static ino_t netns_ino(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static ino_t current_netns_ino(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

/* Whether any fd of ours is the namespace with inode ino. */
static bool fd_holds_netns(ino_t ino)
{
	char want[64], link[64], path[64];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir("/proc/self/fd");

	assert_non_null(d);
	snprintf(want, sizeof(want), "net:[%llu]", (unsigned long long)ino);
	while ((de = readdir(d))) {
		ssize_t n;

		text_printf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			if (!strcmp(link, want))
				found = true;
		}
	}
	closedir(d);
	return found;
}

/* Move link name of n into the namespace fd (RTM_NEWLINK IFLA_NET_NS_FD). */
static void move_link(const char *name, int fd)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *orig, *changes = rtnl_link_alloc();

	assert_non_null(sk);
	assert_non_null(changes);
	assert_int_equal(nl_connect(sk, NETLINK_ROUTE), 0);
	assert_int_equal(rtnl_link_get_kernel(sk, 0, name, &orig), 0);
	rtnl_link_set_ns_fd(changes, fd);
	assert_int_equal(rtnl_link_change(sk, orig, changes, 0), 0);
	rtnl_link_put(changes);
	rtnl_link_put(orig);
	nl_socket_free(sk);
}

/* ---- root: named namespaces ---- */

static void test_named_lifecycle(void **state)
{
	struct net *in = NULL, *home = NULL;
	struct net_link_info info;
	ino_t home_ino = current_netns_ino(), lab_ino;
	struct nl_sock *sk;
	int listed;

	(void)state;
	REQUIRE_ROOT();
	require_tun();
	create_named(&ns_a, id_a);
	assert_true(starts_with(ns_a.name, "vlab-"));
	assert_string_equal(ns_a.name + 5, id_a);
	assert_string_equal(ns_a.path + strlen("/run/netns/"), ns_a.name);
	assert_true(path_exists(ns_a.path));
	assert_true(mounted(ns_a.path));
	assert_true(ns_a.fd >= 0 && ns_a.home_fd >= 0 && ns_a.cleanup >= 0);
	assert_int_equal(current_netns_ino(), home_ino);   /* we did not move */
	listed = ip_netns_lists(ns_a.name);
	if (listed < 0)
		print_message("note: no `ip` to cross-check `ip netns list`\n");
	else
		assert_int_equal(listed, 1);
	assert_true(vlab_listed(ns_a.name));
	lab_ino = netns_ino(ns_a.fd);

	/* inside: a tap there, lo up there */
	assert_int_equal(ns_enter(&ns_a), 0);
	assert_int_equal(current_netns_ino(), lab_ino);
	assert_int_equal(net_tap_create("vtns0", NET_NO_OWNER), 0);
	assert_int_equal(net_open(&in), 0);
	assert_int_equal(ns_leave(&ns_a), 0);
	assert_int_equal(current_netns_ino(), home_ino);
	/* the socket stays in the lab namespace after we left */
	assert_int_equal(net_link_get(in, "vtns0", &info), 0);
	assert_string_equal(info.kind, "tun");
	assert_int_equal(net_link_get(in, "lo", &info), 0);
	assert_true(info.up);
	net_close(in);

	/* not at home */
	assert_int_equal(net_open(&home), 0);
	assert_int_equal(net_link_get(home, "vtns0", &info), -ENODEV);

	/* A veth from home into the lab: when the lab namespace dies, its end
	 * dies and takes the home end with it, which proves from here that
	 * the namespace, tap included, is gone. */
	sk = nl_socket_alloc();
	assert_non_null(sk);
	assert_int_equal(nl_connect(sk, NETLINK_ROUTE), 0);
	assert_int_equal(rtnl_link_veth_add(sk, "vtnshome", "vtnslab", getpid()), 0);
	nl_socket_free(sk);
	move_link("vtnslab", ns_a.fd);
	assert_int_equal(net_link_get(home, "vtnslab", &info), -ENODEV);
	assert_int_equal(net_link_get(home, "vtnshome", &info), 0);

	assert_int_equal(ns_remove(&ns_a), 0);
	assert_false(path_exists(ns_a.path));
	assert_false(mounted(ns_a.path));
	assert_int_equal(ns_a.fd, -1);
	assert_int_equal(ns_a.home_fd, -1);
	assert_int_equal(ns_a.cleanup, -1);
	assert_false(fd_holds_netns(lab_ino));
	assert_false(vlab_listed(ns_a.name));
	if (listed >= 0)
		assert_int_equal(ip_netns_lists(ns_a.name), 0);
	/* the kernel tears a namespace down asynchronously (cleanup_net) */
	for (int64_t deadline = now_ms() + 2000; now_ms() < deadline;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (net_link_get(home, "vtnshome", &info) == -ENODEV)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(net_link_get(home, "vtnshome", &info), -ENODEV);
	net_close(home);

	/* idempotent */
	assert_int_equal(ns_remove(&ns_a), 0);
	assert_int_equal(ns_remove(&ns_a), 0);
}

/* A name taken by another run (another run base, or one a killed vlab
 * left): the next free "vlab-ID.N" is claimed, the first left untouched. */
static void test_named_exists(void **state)
{
	char err[256], want[64];
	int r;

	(void)state;
	REQUIRE_ROOT();
	create_named(&ns_a, id_a);
	r = ns_create(&ns_b, id_a, err, sizeof(err));
	assert_int_equal(r, 0);
	text_printf(want, sizeof(want), "%s.1", ns_a.name);
	assert_string_equal(ns_b.name, want);
	assert_true(mounted(ns_b.path));
	/* the first one is untouched */
	assert_true(mounted(ns_a.path));
	assert_int_equal(ns_enter(&ns_a), 0);
	assert_int_equal(ns_leave(&ns_a), 0);
	char path_b[4096];
	snprintf(path_b, sizeof(path_b), "%s", ns_b.path);
	assert_int_equal(ns_remove(&ns_b), 0);
	assert_false(mounted(path_b));
	assert_true(mounted(ns_a.path));
}

static void test_bad_run_ids(void **state)
{
	static const char *const bad[] = { "", "a/b", "a b", "..x/", "x\n" };
	char err[256], before[64][64], after[64][64];
	size_t nb, na;

	(void)state;
	assert_int_equal(ns_list_vlab(before, 64, &nb), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(ns_create(&ns_b, bad[i], err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "bad run id"));
		assert_int_equal(ns_b.fd, -1);
	}
	assert_int_equal(ns_create(&ns_b, "0123456789012345678901234567890123456789012345678901234567890",
				   err, sizeof(err)), -ENAMETOOLONG);
	assert_int_equal(ns_create(&ns_b, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_list_vlab(after, 64, &na), 0);
	assert_int_equal(na, nb);
}

static void test_remove_named_and_list(void **state)
{
	char names[1][64];
	size_t n, n1;

	(void)state;
	REQUIRE_ROOT();
	assert_int_equal(ns_list_vlab(names, 0, &n), 0);
	create_named(&ns_a, id_a);
	create_named(&ns_b, id_b);
	assert_true(vlab_listed(ns_a.name));
	assert_true(vlab_listed(ns_b.name));
	assert_int_equal(ns_list_vlab(names, 1, &n1), 0);
	assert_int_equal(n1, n + 2);
	assert_true(starts_with(names[0], "vlab-"));

	/* what `vlab clean` does after a SIGKILL */
	assert_int_equal(ns_remove_named(ns_b.name), 0);
	assert_false(path_exists(ns_b.path));
	assert_false(mounted(ns_b.path));
	assert_false(vlab_listed(ns_b.name));
	assert_int_equal(ns_remove_named(ns_b.name), -ENOENT);
	assert_int_equal(ns_remove_named("notvlab"), -EINVAL);
	assert_int_equal(ns_remove_named("vlab-../x"), -EINVAL);
	assert_int_equal(ns_remove_named(NULL), -EINVAL);
	/* the owner's own remove still works after that */
	assert_int_equal(ns_remove(&ns_b), 0);
	assert_true(vlab_listed(ns_a.name));
	assert_int_equal(ns_remove(&ns_a), 0);
	assert_int_equal(ns_list_vlab(names, 0, &n1), 0);
	assert_int_equal(n1, n);
}

/* The registry removes it on the way out, and takes us home first when a
 * failure left us inside. */
static void test_cleanup_registry_removes(void **state)
{
	ino_t home_ino = current_netns_ino();

	(void)state;
	REQUIRE_ROOT();
	create_named(&ns_a, id_a);
	assert_int_equal(ns_enter(&ns_a), 0);
	assert_true(current_netns_ino() != home_ino);
	cleanup_run_all();
	assert_int_equal(current_netns_ino(), home_ino);
	assert_false(path_exists(ns_a.path));
	assert_false(mounted(ns_a.path));
	assert_int_equal(ns_a.fd, -1);
	assert_int_equal(ns_a.cleanup, -1);
	assert_int_equal(ns_remove(&ns_a), 0);
	/* entering a removed one is refused, not a crash */
	assert_int_equal(ns_enter(&ns_a), -EBADF);
}

static void test_tun_usable_as_root(void **state)
{
	char err[256] = "x";

	(void)state;
	REQUIRE_ROOT();
	require_tun();
	assert_int_equal(ns_tun_usable(err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* ---- children ---- */

#include "tests/unit/child.h"

/* Become uid 65534 unless we are unprivileged already. */
static const char *become_unprivileged(void)
{
	if (geteuid() != 0)
		return NULL;
	if (setgroups(0, NULL) < 0 || setresgid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0 ||
	    setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: cannot become uid %d: %s",
			 UNPRIV_UID, strerror(errno));
		return child_msg;
	}
	/* A uid change makes a process non-dumpable, and then its
	 * /proc/self/uid_map belongs to root and cannot be written; a user
	 * who started vlab as themselves is dumpable. */
	prctl(PR_SET_DUMPABLE, 1);
	return NULL;
}

/* ns_create without root: a user+net namespace, lo up, bridges work. */
static const char *userns_basics(struct netns *ns)
{
	struct net_link_info list[4];
	char err[256];
	struct net *n;
	size_t count;
	int r;

	r = ns_create(ns, "rootless", err, sizeof(err));
	if (r == -EPERM || r == -ENOSPC || r == -EUSERS) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: %s", err);
		return child_msg;
	}
	CHILD_CHECK(r == 0, "ns_create: %s", err);
	CHILD_CHECK(ns->userns && !ns->named, "userns %d named %d", ns->userns, ns->named);
	CHILD_CHECK(ns->fd >= 0 && ns->home_fd == -1 && ns->cleanup == -1 && !ns->name[0],
		    "fd %d home_fd %d cleanup %d name '%s'", ns->fd, ns->home_fd, ns->cleanup, ns->name);
	CHILD_CHECK(geteuid() == 0, "not mapped to root: euid %u", (unsigned int)geteuid());
	CHILD_CHECK(ns_enter(ns) == 0 && ns_leave(ns) == 0, "enter/leave are no-ops");
	CHILD_CHECK(net_open(&n) == 0, "net_open");
	CHILD_CHECK(net_link_list(n, list, ARRAY_SIZE(list), &count) == 0, "net_link_list");
	CHILD_CHECK(count == 1 && !strcmp(list[0].name, "lo") && list[0].up,
		    "want only lo, up: %zu links, first '%s' up %d", count, list[0].name, list[0].up);
	r = net_bridge_create(n, "br0");
	CHILD_CHECK(r == 0, "bridge rootless: %s", strerror(-r));
	r = net_addr_add(n, "br0", "10.0.1.1/24");
	CHILD_CHECK(r == 0, "address rootless: %s", strerror(-r));
	net_close(n);
	return NULL;
}

static const char *child_userns_tun_refused(void *arg)
{
	struct netns ns = NETNS_INIT;
	const char *m;
	char err[256];
	int r;

	(void)arg;
	m = become_unprivileged();
	if (m)
		return m;
	m = userns_basics(&ns);
	if (m)
		return m;
	r = ns_tun_usable(err, sizeof(err));
	CHILD_CHECK(r == -EACCES, "ns_tun_usable gave %d, err '%s'", r, err);
	CHILD_CHECK(!strcmp(err, "/dev/net/tun is mode 0600 owned by root: run vlab as root, "
			    "or chmod 0666 /dev/net/tun as Debian ships it"), "err: '%s'", err);
	r = net_tap_create("tap0", NET_NO_OWNER);
	CHILD_CHECK(r == -EACCES, "net_tap_create gave %d", r);
	CHILD_CHECK(ns_remove(&ns) == 0 && ns.fd == -1, "ns_remove");
	return NULL;
}

static void test_userns_tun_refused(void **state)
{
	struct stat st;

	(void)state;
	if (stat("/dev/net/tun", &st) < 0 || (st.st_mode & 07777) != 0600 || st.st_uid != 0) {
		print_message("SKIP: /dev/net/tun is not the 0600 root node this test is about\n");
		skip();
	}
	run_child(child_userns_tun_refused, NULL);
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -errno;
}

/* A user namespace whose user.max_user_namespaces is 0, where we are uid
 * 65534, stands in for a host that forbids unprivileged user namespaces:
 * ns_create must refuse and say how to fix it. The one-line map of our own
 * uid needs no privilege in the parent; CAP_SYS_RESOURCE, which we hold in
 * the new namespace, is what its sysctl asks for. */
static const char *child_userns_refused(void *arg)
{
	struct netns ns = NETNS_INIT;
	char err[256];
	int r;

	(void)arg;
	if (unshare(CLONE_NEWUSER) < 0 || write_text("/proc/self/uid_map", "65534 0 1") < 0 ||
	    write_text("/proc/self/setgroups", "deny") < 0 ||
	    write_text("/proc/self/gid_map", "65534 0 1") < 0 ||
	    write_text("/proc/sys/user/max_user_namespaces", "0") < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: cannot make a user namespace that "
			 "allows no more of them: %s", strerror(errno));
		return child_msg;
	}
	CHILD_CHECK(geteuid() == UNPRIV_UID, "euid %u", (unsigned int)geteuid());
	r = ns_create(&ns, "refused", err, sizeof(err));
	CHILD_CHECK(r == -ENOSPC || r == -EUSERS, "ns_create gave %d: '%s'", r, err);
	CHILD_CHECK(strstr(err, "user.max_user_namespaces is 0") && strstr(err, "run vlab as root"),
		    "err: '%s'", err);
	CHILD_CHECK(ns.fd == -1 && !ns.userns, "fd %d userns %d", ns.fd, ns.userns);
	return NULL;
}

static void test_userns_refused_explained(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP: setting up the refusing user namespace takes root\n");
		skip();
	}
	run_child(child_userns_refused, NULL);
}

/* A 0666 tun node over /dev/net/tun, for this child only (a private mount
 * namespace), made on a tmpfs of its own mounted on dir: /tmp itself may be
 * mounted nodev (Fedora, Arch, Debian 13), and a node there opens for
 * nobody, which ns_tun_usable would blame on the node's mode. */
static const char *bind_open_tun_node(const char *dir)
{
	char node[128];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: cannot mount a tmpfs for a tun node "
			 "in a private mount namespace: %s", strerror(errno));
		return child_msg;
	}
	snprintf(node, sizeof(node), "%s/tun", dir);
	if (mknod(node, S_IFCHR | 0666, makedev(10, 200)) < 0 || chmod(node, 0666) < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: mknod %s: %s", node, strerror(errno));
		return child_msg;
	}
	if (mount(node, "/dev/net/tun", NULL, MS_BIND, NULL) < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: cannot bind a 0666 tun node over "
			 "/dev/net/tun: %s", strerror(errno));
		return child_msg;
	}
	return NULL;
}

static const char *child_userns_with_tun(void *arg)
{
	struct net_link_info info;
	struct netns ns = NETNS_INIT;
	struct net *n;
	const char *m;
	char err[256];
	int r;

	m = bind_open_tun_node(arg);
	if (m)
		return m;
	m = become_unprivileged();
	if (m)
		return m;
	m = userns_basics(&ns);
	if (m)
		return m;
	r = ns_tun_usable(err, sizeof(err));
	CHILD_CHECK(r == 0, "ns_tun_usable: %s", err);
	CHILD_CHECK(net_open(&n) == 0, "net_open");
	r = net_tap_create("tap0", NET_NO_OWNER);
	CHILD_CHECK(r == 0, "net_tap_create rootless: %s", strerror(-r));
	CHILD_CHECK(net_link_set_up(n, "tap0", true) == 0, "tap up");
	CHILD_CHECK(net_addr_add(n, "tap0", "10.0.0.1/24") == 0, "tap address");
	CHILD_CHECK(net_link_set_master(n, "tap0", "br0") == 0, "enslave");
	CHILD_CHECK(net_link_get(n, "tap0", &info) == 0, "get tap0");
	CHILD_CHECK(!strcmp(info.kind, "tun") && info.up && !strcmp(info.master, "br0") &&
		    info.naddrs == 1 && !strcmp(info.addrs[0], "10.0.0.1/24"),
		    "tap0: kind '%s' up %d master '%s' addr '%s'", info.kind, info.up, info.master,
		    info.naddrs ? info.addrs[0] : "");
	CHILD_CHECK(net_link_delete(n, "tap0") == 0, "delete tap0");
	net_close(n);
	ns_remove(&ns);
	return NULL;
}

/* The child's mount point for its tun node's tmpfs (empty out here);
 * teardown removes it, so a failed test leaves nothing either. */
static char tun_dir[64];

static int teardown_tun_dir(void **state)
{
	if (tun_dir[0]) {
		rmdir(tun_dir);
		tun_dir[0] = '\0';
	}
	return teardown(state);
}

static void test_userns_with_usable_tun(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP: making a 0666 tun node takes root\n");
		skip();
	}
	require_tun();
	snprintf(tun_dir, sizeof(tun_dir), "/tmp/vlab-test-ns.XXXXXX");
	if (!mkdtemp(tun_dir)) {
		tun_dir[0] = '\0';
		fail_msg("mkdtemp: %s", strerror(errno));
	}
	run_child(child_userns_with_tun, tun_dir);
}

/* Root that lost CAP_NET_ADMIN (a container that dropped it): the node
 * opens, TUNSETIFF does not. */
static const char *child_root_without_net_admin(void *arg)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	char err[256];
	int r;

	(void)arg;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: capget: %s", strerror(errno));
		return child_msg;
	}
	data[0].effective &= ~(1U << CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		snprintf(child_msg, sizeof(child_msg), "SKIP: capset: %s", strerror(errno));
		return child_msg;
	}
	r = ns_tun_usable(err, sizeof(err));
	CHILD_CHECK(r == -EPERM && strstr(err, "CAP_NET_ADMIN"), "ns_tun_usable gave %d: '%s'", r, err);
	r = net_tap_create("vtnscap", NET_NO_OWNER);
	CHILD_CHECK(r == -EPERM, "net_tap_create gave %d", r);
	return NULL;
}

static void test_tun_root_without_net_admin(void **state)
{
	(void)state;
	REQUIRE_ROOT();
	require_tun();
	run_child(child_root_without_net_admin, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_named_lifecycle, teardown),
		cmocka_unit_test_teardown(test_named_exists, teardown),
		cmocka_unit_test_teardown(test_bad_run_ids, teardown),
		cmocka_unit_test_teardown(test_remove_named_and_list, teardown),
		cmocka_unit_test_teardown(test_cleanup_registry_removes, teardown),
		cmocka_unit_test_teardown(test_tun_usable_as_root, teardown),
		cmocka_unit_test_teardown(test_tun_root_without_net_admin, teardown),
		cmocka_unit_test_teardown(test_userns_tun_refused, teardown),
		cmocka_unit_test_teardown(test_userns_refused_explained, teardown),
		cmocka_unit_test_teardown(test_userns_with_usable_tun, teardown_tun_dir),
	};
	int r;

	snprintf(id_a, sizeof(id_a), "test-%d-a", (int)getpid());
	snprintf(id_b, sizeof(id_b), "test-%d-b", (int)getpid());
	/* home is a throwaway too, so nothing here can touch the host's links;
	 * where it cannot be, the root tests skip */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) < 0)
		snprintf(home_not_private, sizeof(home_not_private), "unshare(CLONE_NEWNET): %s", strerror(errno));
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup_run_all();   /* a failed test's namespaces, if any are left */
	return r;
}
