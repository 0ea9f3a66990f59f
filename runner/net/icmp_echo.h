/* vlab's own ICMP echo ("ping"), so the host side of chapter 2 needs no ping
 * binary (Debian hosts often have none) and its result comes back as numbers
 * rather than text to parse. The packets are checks/icmp.h's pure helpers;
 * this is the socket I/O around them. */
#ifndef VLAB_NET_ICMP_ECHO_H
#define VLAB_NET_ICMP_ECHO_H

#include "checks/icmp.h"

/* Send count echo requests to the IPv4 address dst (dotted quad), interval_ms
 * apart, each waiting at most per_packet_timeout_ms for its reply (a later
 * reply is not counted); never hangs: the whole call takes at most about
 * (count - 1) * interval_ms + per_packet_timeout_ms.
 *
 * Uses a raw socket (SOCK_RAW, IPPROTO_ICMP: needs CAP_NET_RAW, which root and
 * the root of a user namespace owning the netns have) and falls back to an
 * unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP, allowed to the groups in
 * net.ipv4.ping_group_range). Replies are matched by identifier, sequence,
 * source and payload; other traffic (other pingers, our own requests seen on a
 * raw socket over lo) is ignored. ICMP errors that quote one of our requests
 * (destination unreachable, time exceeded) are counted in errors, as iputils'
 * "+N errors" does.
 *
 * Returns 0 when the pings ran, whatever came back (res says: a lab with no
 * route gives 0 with errors and res->error "sendto: Network is unreachable");
 * -EINVAL for a bad dst or count; -EPERM/-EACCES (or another socket() error)
 * when no ICMP socket could be opened, with res->error saying why; -EINTR on a
 * stop request (res holds what came so far). Runs in whatever network
 * namespace the calling thread is in. */
int icmp_ping(const char *dst, int count, int interval_ms, int per_packet_timeout_ms, struct icmp_result *res);

#endif
