/* Chapter 2's verdicts: pure functions from evidence (links and addresses,
 * the guest's ping output, vlab's own ping and GET) to a verdict. */
#ifndef VLAB_CHECKS_CH2_H
#define VLAB_CHECKS_CH2_H

#include <stdbool.h>

#include "checks/http.h"
#include "checks/icmp.h"
#include "checks/ping_parse.h"
#include "checks/verdict.h"

/* ch2.tap_up: the host's tap `name` exists, is up and has addr_expected
 * ("10.0.0.1/24") among its naddrs addresses (each "a.b.c.d/len"; addrs may
 * be NULL when naddrs is 0). */
void check_tap_up(struct check_result *r, const char *name, bool exists, bool up, const char *addr_expected,
		  const char addrs[][48], int naddrs);

/* ch2.nic_mac: the guest has an interface with want_mac (found_ifname: the
 * one found by MAC, NULL when none has it) and its driver (the basename of
 * /sys/class/net/IF/device/driver; NULL or "" when there is none, as for a
 * virtual interface) is e1000. */
void check_nic_mac(struct check_result *r, const char *want_mac, const char *found_ifname, const char *driver);

/* ch2.guest_ip: the guest's interface ifname (NULL when there is none) is up
 * and has want_cidr ("10.0.0.10/24"). */
void check_guest_ip(struct check_result *r, const char *ifname, const char *want_cidr, const char addrs[][48],
		    int naddrs, bool up);

/* ch2.ping_guest_to_host: the guest's ping output, as ping_parse() read it
 * (parse_rc is what it returned). PASS when a reply came. */
void check_ping_guest_to_host(struct check_result *r, const struct ping_summary *s, int parse_rc);

/* ch2.ping_host_to_guest: icmp_ping()'s result and return. PASS when a reply
 * came; SKIP when this host cannot open an ICMP socket. */
void check_ping_host_to_guest(struct check_result *r, const struct icmp_result *res, int rc);

/* ch2.http_200: http_get(url)'s result and return; want_sha256 is the hash
 * of /root/index.html read inside the guest (NULL when it could not be read:
 * then any 200 passes, and the detail says the body was not compared). */
void check_http_200(struct check_result *r, const char *url, const struct http_result *res, int rc,
		    const char *want_sha256);

/* ch2.teardown_clean: leftovers lists what is still there after teardown
 * ("qemu (pid 42) namespace vlab-1"); NULL or "" when nothing is. */
void check_teardown_clean(struct check_result *r, const char *leftovers);

#endif
