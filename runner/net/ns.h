/* The lab's own network namespace, so lab addresses never touch the host's
 * routes.
 *
 *   root:      a named netns /run/netns/vlab-<run id>, made the way
 *              `ip netns add` makes one (visible to `ip netns`), entered and
 *              left with setns(2); registered with the cleanup registry.
 *   not root:  unshare(CLONE_NEWUSER | CLONE_NEWNET) of this very process,
 *              our uid mapped to 0: the process then lives in the lab
 *              namespace for good (there is no way back into a namespace
 *              owned by the parent user namespace) and it ends with us.
 *
 * setns(2) moves only the calling thread: vlab does this while single
 * threaded, and children spawned after ns_enter() start inside. Netlink
 * sockets stay in the namespace they were opened in (see net.h). */
#ifndef VLAB_NS_H
#define VLAB_NS_H

#include <stdbool.h>
#include <stddef.h>

#define NS_RUN_DIR "/run/netns"
#define NS_PREFIX "vlab-"

struct netns {
	char name[64];   /* "vlab-<run id>" when named, "" for an anonymous one */
	char path[128];  /* /run/netns/<name> when named */
	bool named;      /* root: a named netns visible to `ip netns` */
	bool userns;     /* not root: this process moved into a new user+net namespace */
	int fd;          /* an fd of the lab netns (-1 once removed) */
	int home_fd;     /* the netns we came from (-1 when we cannot go back: userns) */
	int cleanup;     /* cleanup registry handle (-1: none) */
};
/* A netns that holds nothing: ns_remove() on it is a no-op. */
#define NETNS_INIT { .fd = -1, .home_fd = -1, .cleanup = -1 }

/* Make the lab namespace and bring its lo up (ping to one's own addresses
 * needs it). Named: *ns must stay valid (not on a stack frame that returns)
 * until ns_remove(), since the cleanup registry keeps a pointer to it.
 * run_id: [A-Za-z0-9._-], up to 58 bytes. On failure ns holds nothing (as
 * NETNS_INIT), and err has one line that says what was refused and how to
 * fix it. Userns: a failure after the unshare leaves this process in the new,
 * possibly unmapped, namespaces. */
int ns_create(struct netns *ns, const char *run_id, char *err, size_t errlen);
/* setns into the lab netns (no-op for userns: we are in it already). */
int ns_enter(struct netns *ns);
/* Back home (no-op for userns). */
int ns_leave(struct netns *ns);
/* Named: go home first if we are inside, umount2(MNT_DETACH) and unlink the
 * file; the namespace, with every tap and bridge in it, goes when the last
 * process or fd in it goes. Userns: only closes the fd. Idempotent. */
int ns_remove(struct netns *ns);

/* For `vlab clean`: remove /run/netns/<name> left by a SIGKILLed vlab. Only
 * names starting with "vlab-" (-EINVAL otherwise); -ENOENT when absent. */
int ns_remove_named(const char *name);
/* Entries of /run/netns starting with "vlab-", sorted: names[0 .. min(max,
 * *n)) filled, *n how many there are. No /run/netns: none. */
int ns_list_vlab(char names[][64], size_t max, size_t *n);

/* Whether this process may create taps: /dev/net/tun opens read-write (and,
 * for root, CAP_NET_ADMIN is held; a user gets it in ns_create's user
 * namespace, so this may be asked before or after ns_create). When not, a
 * negative errno and err says why and what to do, e.g. "/dev/net/tun is
 * mode 0600 owned by root: run vlab as root, or chmod 0666 /dev/net/tun as
 * Debian ships it". */
int ns_tun_usable(char *err, size_t errlen);

#endif
