/* ICMP echo ("ping") packets, pure: the request vlab sends, the replies and
 * errors it reads back, and the result of a run of pings as numbers (chapter
 * 2's verdicts read it). The socket I/O is runner/net/icmp_echo.h's
 * icmp_ping(); these functions are tested on byte arrays. */
#ifndef VLAB_CHECKS_ICMP_H
#define VLAB_CHECKS_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 792 message types vlab deals with */
#define ICMP_TYPE_ECHO_REPLY     0
#define ICMP_TYPE_DEST_UNREACH   3
#define ICMP_TYPE_ECHO_REQUEST   8
#define ICMP_TYPE_TIME_EXCEEDED  11
#define ICMP_TYPE_PARAM_PROBLEM  12

#define ICMP_HDR_LEN 8           /* type, code, checksum, identifier, sequence */
#define ICMP_DEFAULT_PAYLOAD 56  /* what ping sends: 64 bytes of ICMP, 84 with IPv4 */

struct icmp_result {
	int sent;                /* requests the kernel accepted */
	int received;            /* distinct echo replies within their timeout */
	double rtt_min_ms, rtt_avg_ms, rtt_max_ms;  /* over the replies; 0 when none */
	int errors;              /* ICMP errors quoting our requests, failed sends */
	char error[128];         /* the first such error, or why no socket could be opened */
	int sock_type;           /* SOCK_RAW or SOCK_DGRAM: which kind of socket ran */
};

/* RFC 1071 Internet checksum of len bytes (the one's complement of the one's
 * complement sum of 16-bit words); the value to store, in network order when
 * written with memcpy. A buffer that carries its checksum sums to 0. */
uint16_t icmp_checksum(const void *data, size_t len);

/* An echo request (RFC 792: type 8, code 0) with identifier id, sequence seq
 * and payload bytes of data (byte i is i & 0xff, so a reply's data can be
 * checked) into buf. Returns the packet length (ICMP_HDR_LEN + payload), or
 * -ENOSPC when buf is shorter than that. */
int icmp_build_echo(uint8_t *buf, size_t len, uint16_t id, uint16_t seq, size_t payload);

/* Whether data (a reply's payload) is what icmp_build_echo put in. */
bool icmp_payload_ok(const uint8_t *data, size_t len);

struct icmp_reply {
	uint8_t type, code;      /* of the message received */
	uint16_t id, seq;        /* host order; of the quoted request when is_error */
	bool is_error;           /* an ICMP error quoting an echo request */
	bool has_src;            /* src/dst were read from an IPv4 header */
	uint32_t src;            /* network order: who sent the message */
	uint32_t quoted_dst;     /* network order, is_error only: where our request was going */
	const uint8_t *data;     /* the echo reply's data (inside buf), not for errors */
	size_t data_len;
};

/* Parse one received datagram: from a raw socket it starts with the IPv4
 * header (has_ip_header), from a ping socket with the ICMP header.
 *
 * 0: an echo reply (type 0), or an error message (types 3, 11, 12) whose
 *    quoted datagram is an ICMP echo request (RFC 792: the quote is the
 *    original IP header and at least its first 64 bits of data, which hold
 *    the request's identifier and sequence); out filled.
 * -ENOMSG: a well-formed ICMP message of another kind (our own echo request
 *    looped back on a raw socket, an error about some other protocol...);
 *    out->type and out->code are filled.
 * -EINVAL: malformed: too short, not IPv4, a bad IHL or total length, not
 *    ICMP, a fragment, a bad checksum, a truncated quote. */
int icmp_parse_reply(const uint8_t *buf, size_t len, bool has_ip_header, struct icmp_reply *out);

/* "destination host unreachable", "time to live exceeded", ...: RFC 792's
 * names of the error types and codes (RFC 1812 5.2.7.1 for codes 4..15). */
const char *icmp_error_name(uint8_t type, uint8_t code);

#endif
