/* A link of a network namespace as rtnetlink describes it: plain data, so
 * that the verdicts (checks/ch3.h) can read what runner/net/net.h's
 * net_link_get() and net_link_list() fill in without reaching into the
 * netlink code. */
#ifndef VLAB_CHECKS_NET_LINK_INFO_H
#define VLAB_CHECKS_NET_LINK_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define NET_MAX_ADDRS 4

struct net_link_info {
	char name[16];
	int index;
	bool up;           /* IFF_UP */
	bool carrier;      /* IFF_LOWER_UP */
	char kind[16];     /* IFLA_INFO_KIND: "tun" (taps too), "bridge", "veth"; "" for lo, NICs */
	char master[16];   /* bridge it is enslaved to, "" */
	char mac[18];      /* "52:54:00:12:34:56", "" when it has none */
	char addrs[NET_MAX_ADDRS][48];  /* IPv4 "10.0.0.1/24", the first NET_MAX_ADDRS */
	int naddrs;
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
};

#endif
