/* The lab's network for chapters 2 and 3: the run's own network namespace,
 * entered for good (vlab, qemu and every check live in it from then on), and
 * a netlink socket there; both released on every way out. */
#ifndef VLAB_LABNET_H
#define VLAB_LABNET_H

#include "runner/lab.h"
#include "runner/net/net.h"
#include "runner/net/ns.h"

struct lab_net {
	struct netns ns;
	struct net *net;
};
#define LAB_NET_INIT { .ns = NETNS_INIT, .net = NULL }

/* Taps must be possible here (ns_tun_usable), then the namespace is made,
 * recorded in the ledger, entered, and the socket opened. what names the
 * chapter's need in the one-line refusal ("chapter 2 needs a tap"). On
 * error lab->blocked says why: -EPERM (the host refuses), or another errno. */
int lab_net_open(struct lab *lab, struct lab_net *ln, const char *what);
/* Close the socket, go home, remove the namespace; idempotent. Also what the
 * cleanup registry runs. */
void lab_net_close(struct lab_net *ln);
/* --keep at the end of a chapter: close the socket, leave the namespace
 * (and what is in it) for `vlab shell` and `vlab clean`. */
void lab_net_keep(struct lab_net *ln);

#endif
