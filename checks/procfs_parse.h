/* Parsers for what /proc says about a process (pure: text in, structs out),
 * for `vlab verify`, which reads a student's qemu from the outside. Formats
 * from proc(5) and the kernel sources named at each; tested on real
 * captures in tests/fixtures/procfs. */
#ifndef VLAB_CHECKS_PROCFS_PARSE_H
#define VLAB_CHECKS_PROCFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of /proc/net/unix (net/unix/af_unix.c unix_seq_show()):
 *   "Num: RefCount Protocol Flags Type St Inode Path"
 *   "0000000012345678: 00000002 00000000 00010000 0001 01 158911 serial.socket"
 * Flags 00010000 is __SO_ACCEPTCON (a listening socket); St is the socket
 * state: 01 unconnected (a listener), 02 connecting (an embryo: a client
 * queued in a listener's backlog, not accepted yet, inode 0), 03 connected.
 * An accepted socket carries the listener's path, so a server's connected
 * socket with the listening path is its client's connection. */
struct unix_sock {
	unsigned long inode;   /* 0 for an embryo */
	unsigned flags;
	unsigned type;         /* 1 SOCK_STREAM, 2 SOCK_DGRAM, 5 SOCK_SEQPACKET */
	unsigned state;
	bool listening;        /* flags has __SO_ACCEPTCON */
	char path[110];        /* as bound (relative if bound relative); "@name" abstract; "" unnamed */
};

/* Every line after the header into out[0 .. min(max, *n)); *n is how many
 * lines there are. Lines that do not parse are skipped. 0, or -EINVAL when
 * the header is not /proc/net/unix's. */
int procfs_parse_net_unix(const char *text, struct unix_sock *out, size_t max, size_t *n);

/* "socket:[158911]" (a /proc/PID/fd link) -> its inode. -EINVAL otherwise. */
int procfs_parse_socket_link(const char *link, unsigned long *inode);

/* /proc/PID/fdinfo/N of a /dev/net/tun fd holds "iff:\ttap0"
 * (drivers/net/tun.c tun_chr_show_fdinfo()): the interface the fd is
 * attached to. -ENOENT when there is no such line (a tun fd not attached
 * yet, or another kind of fd). */
int procfs_parse_tun_iff(const char *fdinfo, char *ifname, size_t n);

/* The state letter of /proc/PID/stat ("1234 (qemu-system-x86) S 1 ..."):
 * the comm may hold spaces and parentheses, so it is read after the last
 * ')'. -EINVAL when the text is not a stat line. */
int procfs_parse_stat_state(const char *stat, char *state);
/* The start time of /proc/PID/stat (field 22: clock ticks after boot, see
 * proc(5)), counted after the last ')' as the state is. -EINVAL when the
 * line is cut short or the field is no number. */
int procfs_parse_stat_starttime(const char *stat, uint64_t *ticks);

/* Whether /proc/net/tcp or /proc/net/tcp6 text has a socket listening (state
 * 0A) on local port: 1 yes, 0 no, -EINVAL not that file's format. */
int procfs_tcp_listening(const char *text, unsigned port);

#endif
