/* Links, bridges and addresses over rtnetlink (libnl-route-3), taps through
 * /dev/net/tun. No `ip`, `brctl` or `tunctl` is ever run.
 *
 * A struct net is bound to the network namespace that was current when
 * net_open() ran (a netlink socket belongs to the namespace it was made in),
 * so open one inside the lab namespace (ns_enter) to work there; it keeps
 * working there after ns_leave. net_tap_create() instead acts on the
 * namespace current at the call: /dev/net/tun creates the tap where the
 * calling thread lives.
 *
 * Names are checked before the kernel is asked: 1..15 bytes (IFNAMSIZ - 1),
 * no '/', ':' or whitespace, not "." or ".." (the kernel's dev_valid_name());
 * too long is -ENAMETOOLONG, anything else wrong -EINVAL. Addresses are IPv4
 * "a.b.c.d/len" with len 1..32, else -EINVAL.
 *
 * Every function returns 0 or a negative errno: -ENODEV for a link that is
 * not there, -EEXIST for one that is, -EPERM without CAP_NET_ADMIN,
 * -EADDRNOTAVAIL when deleting an address the link does not have. */
#ifndef VLAB_NET_H
#define VLAB_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checks/net_link_info.h"

struct net;

/* A NETLINK_ROUTE socket in the netns current now. */
int net_open(struct net **out);
void net_close(struct net *n);

/* No TUNSETOWNER for net_tap_create(). Such a tap, having neither owner
 * nor group, may be attached to by any process that can open /dev/net/tun
 * (the kernel's tun_not_capable()). */
#define NET_NO_OWNER ((uid_t)-1)

/* A tap through /dev/net/tun: TUNSETIFF (IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL,
 * so an existing link of that name is -EEXIST rather than silently reused),
 * TUNSETOWNER when owner is not NET_NO_OWNER (that uid may then attach to it
 * without CAP_NET_ADMIN), TUNSETPERSIST 1. It persists after our fd closes
 * until deleted, so qemu's `-netdev tap,ifname=NAME` attaches to it; qemu
 * must run in the same namespace or it makes a fresh tap of that name in
 * its own. /dev/net/tun mode 0600 gives -EACCES to non-root, a usable
 * /dev/net/tun without CAP_NET_ADMIN gives -EPERM. */
int net_tap_create(const char *name, uid_t owner);
int net_bridge_create(struct net *n, const char *name);
/* Taps, bridges, veths (deleting one end of a veth deletes both). */
int net_link_delete(struct net *n, const char *name);
int net_link_set_up(struct net *n, const char *name, bool up);
/* Enslave name to the bridge master; master NULL releases it. */
int net_link_set_master(struct net *n, const char *name, const char *master);
/* IPv4 "10.0.0.1/24" on ifname, as `ip addr add 10.0.0.1/24 dev ifname`
 * (no broadcast address). */
int net_addr_add(struct net *n, const char *ifname, const char *cidr);
int net_addr_del(struct net *n, const char *ifname, const char *cidr);

/* -ENODEV when absent. */
int net_link_get(struct net *n, const char *name, struct net_link_info *info);
/* Every link of the namespace in ifindex order: out[0 .. min(max, *count)) is
 * filled and *count is how many there are (more than max when out was too
 * small, as snprintf does). */
int net_link_list(struct net *n, struct net_link_info *out, size_t max, size_t *count);

/* Wait until name has carrier (IFF_LOWER_UP): a link-change subscription
 * (RTNLGRP_LINK) wakes it, a 100 ms poll slice bounds how late it sees a stop
 * request. -ETIMEDOUT at the deadline (timeout_ms < 0: none), -EINTR when
 * cleanup_stop_requested(), -ENODEV when the link is or goes missing. */
int net_wait_carrier(struct net *n, const char *name, int64_t timeout_ms);

/* "cannot create tap 'tap0': Operation not permitted" (action "create tap"). */
void net_describe_error(char *buf, size_t len, const char *action, const char *name, int err);

#endif
