/* Parsers for what guest commands print (pure: text in, structs out).
 * Tested on real output of the guest's busybox and of iproute2. */
#ifndef VLAB_GUEST_PARSE_H
#define VLAB_GUEST_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define IFACE_MAX_ADDRS 4

struct ip_iface {
	int index;
	char name[32];
	bool up;              /* UP in the flags */
	bool lower_up;        /* LOWER_UP (carrier) */
	char link_type[24];   /* "loopback", "ether" */
	char mac[18];
	char addrs[IFACE_MAX_ADDRS][48];  /* "10.0.0.10/24" */
	int naddrs;
};

/* `ip a s` / `ip addr show` (busybox or iproute2). Returns the number of
 * interfaces found (0..max), or -EINVAL when the text has no interface line. */
int parse_ip_addr_show(const char *text, struct ip_iface *ifs, size_t max);

/* The device and type mounted at "/" in /proc/mounts (the last such line
 * wins, as it is the one on top). -ENOENT when no line mounts "/". */
int parse_root_mount(const char *proc_mounts, char *dev, size_t devlen, char *fstype, size_t typelen);

#endif
