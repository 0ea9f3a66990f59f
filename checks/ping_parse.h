/* A parser for what `ping` prints in the guest (pure: text in, struct out).
 * Tested on real output of busybox ping (the default image's and the lab's
 * Alpine image's ping) and of iputils ping, in tests/fixtures/ping. */
#ifndef VLAB_PING_PARSE_H
#define VLAB_PING_PARSE_H

#include <stdbool.h>

struct ping_summary {
	int transmitted, received;
	double loss_pct;         /* as printed (iputils prints fractions: 33.3333%) */
	double rtt_min, rtt_avg, rtt_max;  /* ms */
	bool has_rtt;            /* a "round-trip"/"rtt" line came (only when something was received) */
	int replies_seen;        /* "64 bytes from" lines */
	int errors;              /* iputils' "+N errors" (ICMP errors such as Destination Host Unreachable) */
	char dst[64];            /* the address pinged, from the PING or the statistics line */
	char error[128];         /* the first "ping: ..." line, e.g. "ping: sendto: Network is unreachable" */
};

/* Parse ping's output. Lines may end in \n or \r\n; other lines (kernel
 * messages on the serial console, a shell prompt) are ignored. When the text
 * holds several runs, the last one (from its "PING" line) is the one parsed.
 *
 * Returns 0 with out filled when a statistics line ("N packets transmitted,
 * ...") came; -EINVAL when none came or it does not parse (busybox prints no
 * statistics when sendto fails: "ping: sendto: Network is unreachable"); out
 * then still holds dst, replies_seen and error as far as they were seen. */
int ping_parse(const char *text, struct ping_summary *out);

/* Milliseconds for a check's detail: three digits, or the whole number
 * from 1000 on, never an exponent (%.3g writes 1400 as 1.4e+03, and pings
 * held back by a slow ARP under TCG average that much). buf returned. */
const char *ping_ms_text(double ms, char buf[24]);

#endif
