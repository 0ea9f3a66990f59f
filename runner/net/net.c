/* Links, bridges, addresses over rtnetlink (libnl-route-3); taps through
 * /dev/net/tun. See net.h. */
#include "runner/net/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/addr.h>

#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"

struct net {
	struct nl_sock *sk;   /* requests and dumps */
	struct nl_sock *ev;   /* RTNLGRP_LINK events, joined only while waiting */
};

/* libnl's NLE_* to an errno. libnl folds the kernel's errno into NLE codes
 * (nl_syserr2nlerr: ENODEV -> NLE_NODEV, ENOENT -> NLE_OBJ_NOTFOUND,
 * EADDRNOTAVAIL -> NLE_NOADDR...); this undoes what it can. */
static int nl2errno(int err)
{
	if (err >= 0)
		return 0;
	switch (-err) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	default:
		return -EIO;
	}
}

/* The kernel's dev_valid_name(), with the length apart. */
static int check_name(const char *name)
{
	if (!name || !*name)
		return -EINVAL;
	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return -EINVAL;
	return 0;
}

/* "a.b.c.d/len" -> address and prefix length. */
static int parse_cidr(const char *cidr, struct in_addr *addr, int *prefixlen)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash;
	int64_t len;
	size_t n;

	if (!cidr)
		return -EINVAL;
	slash = strchr(cidr, '/');
	if (!slash)
		return -EINVAL;
	n = (size_t)(slash - cidr);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, cidr, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, addr) != 1)
		return -EINVAL;
	/* digits only: parse_i64 alone would take " 24" or "+24" */
	if (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return -EINVAL;
	/* not /0: libnl drops a zero prefix length from the request
	 * (rtnl_addr_set_prefixlen) and then refuses to build it */
	if (parse_i64(slash + 1, 1, 32, &len) < 0)
		return -EINVAL;
	*prefixlen = (int)len;
	return 0;
}

void net_describe_error(char *buf, size_t len, const char *action, const char *name, int err)
{
	snprintf(buf, len, "cannot %s '%s': %s", action, name, strerror(err < 0 ? -err : err));
}

int net_open(struct net **out)
{
	struct net *n = xcalloc(1, sizeof(*n));
	int r;

	*out = NULL;
	n->sk = nl_socket_alloc();
	n->ev = nl_socket_alloc();
	if (!n->sk || !n->ev) {
		r = -ENOMEM;
		goto fail;
	}
	r = nl2errno(nl_connect(n->sk, NETLINK_ROUTE));
	if (r < 0)
		goto fail;
	/* Both sockets now, so the event socket is in the same namespace as
	 * the request socket however the caller moves later. */
	nl_socket_disable_seq_check(n->ev);
	r = nl2errno(nl_connect(n->ev, NETLINK_ROUTE));
	if (r < 0)
		goto fail;
	*out = n;
	return 0;
fail:
	net_close(n);
	return r;
}

void net_close(struct net *n)
{
	if (!n)
		return;
	if (n->ev)
		nl_socket_free(n->ev);   /* closes it too */
	if (n->sk)
		nl_socket_free(n->sk);
	free(n);
}

int net_tap_create(const char *name, uid_t owner)
{
	struct ifreq ifr;
	int fd, r;

	r = check_name(name);
	if (r < 0)
		return r;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	/* IFF_TUN_EXCL: without it TUNSETIFF attaches to an existing tap of
	 * that name instead of failing (tun_set_iff()). */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = errno == EBUSY ? -EEXIST : -errno;
		goto out;
	}
	/* Until TUNSETPERSIST the tap lives only as long as fd: a failure
	 * below removes it when fd closes. */
	if (owner != NET_NO_OWNER && ioctl(fd, TUNSETOWNER, (unsigned long)owner) < 0) {
		r = -errno;
		goto out;
	}
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
out:
	close(fd);
	return r;
}

int net_bridge_create(struct net *n, const char *name)
{
	struct rtnl_link *link;
	int r;

	r = check_name(name);
	if (r < 0)
		return r;
	link = rtnl_link_bridge_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	r = nl2errno(rtnl_link_add(n->sk, link, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(link);
	return r;
}

/* The kernel's view of name (an RTM_GETLINK); put it when done. */
static int get_link(struct net *n, const char *name, struct rtnl_link **link)
{
	int r = check_name(name);

	*link = NULL;
	if (r < 0)
		return r;
	return nl2errno(rtnl_link_get_kernel(n->sk, 0, name, link));
}

int net_link_delete(struct net *n, const char *name)
{
	struct rtnl_link *link;
	int r;

	r = check_name(name);
	if (r < 0)
		return r;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	r = nl2errno(rtnl_link_delete(n->sk, link));
	rtnl_link_put(link);
	return r;
}

/* RTM_NEWLINK on orig's ifindex carrying only what changes holds. */
static int change_link(struct net *n, struct rtnl_link *orig, struct rtnl_link *changes)
{
	return nl2errno(rtnl_link_change(n->sk, orig, changes, 0));
}

int net_link_set_up(struct net *n, const char *name, bool up)
{
	struct rtnl_link *orig = NULL, *changes = NULL;
	int r;

	r = get_link(n, name, &orig);
	if (r < 0)
		goto out;
	changes = rtnl_link_alloc();
	if (!changes) {
		r = -ENOMEM;
		goto out;
	}
	if (up)
		rtnl_link_set_flags(changes, IFF_UP);
	else
		rtnl_link_unset_flags(changes, IFF_UP);
	r = change_link(n, orig, changes);
out:
	if (changes)
		rtnl_link_put(changes);
	if (orig)
		rtnl_link_put(orig);
	return r;
}

int net_link_set_master(struct net *n, const char *name, const char *master)
{
	struct rtnl_link *orig = NULL, *mlink = NULL, *changes = NULL;
	int r;

	if (master) {
		/* both names checked before either is looked up */
		r = check_name(master);
		if (r < 0)
			return r;
	}
	r = get_link(n, name, &orig);
	if (r < 0)
		goto out;
	if (master) {
		r = get_link(n, master, &mlink);
		if (r < 0)
			goto out;
	}
	changes = rtnl_link_alloc();
	if (!changes) {
		r = -ENOMEM;
		goto out;
	}
	/* IFLA_MASTER 0 releases (the kernel's do_set_master()) */
	rtnl_link_set_master(changes, mlink ? rtnl_link_get_ifindex(mlink) : 0);
	r = change_link(n, orig, changes);
out:
	if (changes)
		rtnl_link_put(changes);
	if (mlink)
		rtnl_link_put(mlink);
	if (orig)
		rtnl_link_put(orig);
	return r;
}

/* An rtnl_addr for cidr on ifname's index. */
static int build_addr(struct net *n, const char *ifname, const char *cidr, struct rtnl_addr **out)
{
	struct rtnl_link *link = NULL;
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	struct in_addr in;
	int prefixlen, r;

	*out = NULL;
	r = check_name(ifname);
	if (r < 0)
		return r;
	r = parse_cidr(cidr, &in, &prefixlen);
	if (r < 0)
		return r;
	r = get_link(n, ifname, &link);
	if (r < 0)
		goto out;
	addr = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &in, sizeof(in));
	if (!addr || !local) {
		r = -ENOMEM;
		goto out;
	}
	nl_addr_set_prefixlen(local, prefixlen);
	rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(link));
	r = nl2errno(rtnl_addr_set_local(addr, local));  /* takes the prefix length too */
	if (r < 0)
		goto out;
	*out = addr;
	addr = NULL;
out:
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	if (link)
		rtnl_link_put(link);
	return r;
}

int net_addr_add(struct net *n, const char *ifname, const char *cidr)
{
	struct rtnl_addr *addr;
	int r = build_addr(n, ifname, cidr, &addr);

	if (r < 0)
		return r;
	r = nl2errno(rtnl_addr_add(n->sk, addr, NLM_F_EXCL));
	rtnl_addr_put(addr);
	return r;
}

int net_addr_del(struct net *n, const char *ifname, const char *cidr)
{
	struct rtnl_addr *addr;
	int r = build_addr(n, ifname, cidr, &addr);

	if (r < 0)
		return r;
	r = nl2errno(rtnl_addr_delete(n->sk, addr, 0));
	rtnl_addr_put(addr);
	return r;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* One link into info; its master's name comes from links, its IPv4
 * addresses from addrs. */
static void fill_info(struct rtnl_link *link, struct nl_cache *links, struct nl_cache *addrs,
		      struct net_link_info *info)
{
	struct nl_addr *mac = rtnl_link_get_addr(link);
	unsigned int flags = rtnl_link_get_flags(link);
	int master = rtnl_link_get_master(link);

	memset(info, 0, sizeof(*info));
	copy_str(info->name, sizeof(info->name), rtnl_link_get_name(link));
	info->index = rtnl_link_get_ifindex(link);
	info->up = flags & IFF_UP;
	info->carrier = flags & IFF_LOWER_UP;
	copy_str(info->kind, sizeof(info->kind), rtnl_link_get_type(link));
	if (master > 0 && !rtnl_link_i2name(links, master, info->master, sizeof(info->master)))
		info->master[0] = '\0';
	if (mac && nl_addr_get_len(mac) == 6) {
		const unsigned char *b = nl_addr_get_binary_addr(mac);

		snprintf(info->mac, sizeof(info->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	info->rx_bytes = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES);
	info->tx_bytes = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES);
	info->rx_packets = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS);
	info->tx_packets = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS);

	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		char ip[INET_ADDRSTRLEN];

		if (rtnl_addr_get_ifindex(a) != info->index || rtnl_addr_get_family(a) != AF_INET)
			continue;
		if (!local || nl_addr_get_len(local) != 4)
			continue;
		if (info->naddrs >= NET_MAX_ADDRS)
			break;
		if (!inet_ntop(AF_INET, nl_addr_get_binary_addr(local), ip, sizeof(ip)))
			continue;
		snprintf(info->addrs[info->naddrs++], sizeof(info->addrs[0]), "%s/%d",
			 ip, rtnl_addr_get_prefixlen(a));
	}
}

static int alloc_caches(struct net *n, struct nl_cache **links, struct nl_cache **addrs)
{
	int r;

	*links = *addrs = NULL;
	r = nl2errno(rtnl_link_alloc_cache(n->sk, AF_UNSPEC, links));
	if (r < 0)
		return r;
	r = nl2errno(rtnl_addr_alloc_cache(n->sk, addrs));
	if (r < 0) {
		nl_cache_free(*links);
		*links = NULL;
	}
	return r;
}

int net_link_get(struct net *n, const char *name, struct net_link_info *info)
{
	struct nl_cache *links, *addrs;
	struct rtnl_link *link;
	int r;

	r = check_name(name);
	if (r < 0)
		return r;
	r = alloc_caches(n, &links, &addrs);
	if (r < 0)
		return r;
	link = rtnl_link_get_by_name(links, name);
	if (link) {
		fill_info(link, links, addrs, info);
		rtnl_link_put(link);
	} else {
		r = -ENODEV;
	}
	nl_cache_free(addrs);
	nl_cache_free(links);
	return r;
}

static int by_index(const void *a, const void *b)
{
	const struct net_link_info *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

int net_link_list(struct net *n, struct net_link_info *out, size_t max, size_t *count)
{
	struct nl_cache *links, *addrs;
	struct net_link_info *all;
	size_t total, i = 0;
	int r;

	*count = 0;
	r = alloc_caches(n, &links, &addrs);
	if (r < 0)
		return r;
	total = (size_t)nl_cache_nitems(links);
	all = xcalloc(total ? total : 1, sizeof(*all));
	for (struct nl_object *o = nl_cache_get_first(links); o && i < total; o = nl_cache_get_next(o))
		fill_info((struct rtnl_link *)o, links, addrs, &all[i++]);
	qsort(all, i, sizeof(*all), by_index);
	if (out && max)
		memcpy(out, all, (i < max ? i : max) * sizeof(*all));
	*count = i;
	free(all);
	nl_cache_free(addrs);
	nl_cache_free(links);
	return 0;
}

/* IFF_* flags of name as the kernel has them now. */
static int link_flags(struct net *n, const char *name, unsigned int *flags)
{
	struct rtnl_link *link;
	int r = get_link(n, name, &link);

	if (r < 0)
		return r;
	*flags = rtnl_link_get_flags(link);
	rtnl_link_put(link);
	return 0;
}

/* Read and drop whatever events are queued: they only say "look again". */
static void drain(int fd)
{
	char buf[8192];

	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		/* ENOBUFS: the queue overflowed; events were lost, which
		 * does not matter since the state is read afresh */
		if (got < 0 && errno != ENOBUFS && errno != EINTR)
			break;
	}
}

int net_wait_carrier(struct net *n, const char *name, int64_t timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int fd = nl_socket_get_fd(n->ev);
	unsigned int flags;
	int r;

	r = check_name(name);
	if (r < 0)
		return r;
	/* Join before the first look, so a change between the look and the
	 * poll still wakes us. */
	r = nl2errno(nl_socket_add_membership(n->ev, RTNLGRP_LINK));
	if (r < 0)
		return r;
	for (;;) {
		int64_t slice = 100;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		drain(fd);
		r = link_flags(n, name, &flags);
		if (r < 0)
			break;
		if (flags & IFF_LOWER_UP) {
			r = 0;
			break;
		}
		if (cleanup_stop_requested()) {
			r = -EINTR;
			break;
		}
		if (deadline >= 0) {
			int64_t left = ms_left(deadline);

			if (left == 0) {
				r = -ETIMEDOUT;
				break;
			}
			if (left < slice)
				slice = left;
		}
		if (poll(&pfd, 1, (int)slice) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	nl_socket_drop_membership(n->ev, RTNLGRP_LINK);
	drain(fd);
	return r;
}
