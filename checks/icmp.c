/* The RFC 792 echo packet: building a request and parsing what came back.
 * Pure: no socket here; runner/net/icmp_echo.c sends and receives. */
#include "checks/icmp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner/util.h"

#define IPV4_MIN_HDR 20
#define IPPROTO_ICMP_NUM 1

uint16_t icmp_checksum(const void *data, size_t len)
{
	/* RFC 1071 4.1: sum 16-bit words in network order, fold the carries,
	 * complement. Bytes are read one at a time, so alignment and the host's
	 * byte order do not matter; the result is returned so that storing it
	 * big-endian (put16) puts it in the packet. */
	const uint8_t *p = data;
	uint32_t sum = 0;
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8; /* an odd byte is padded with a zero byte */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int icmp_build_echo(uint8_t *buf, size_t len, uint16_t id, uint16_t seq, size_t payload)
{
	if (payload > 65507 || len < ICMP_HDR_LEN + payload) /* 65535 - 20 (IPv4) - 8 */
		return -ENOSPC;
	buf[0] = ICMP_TYPE_ECHO_REQUEST;
	buf[1] = 0;
	put16(buf + 2, 0); /* the checksum is computed with this field zero (RFC 792) */
	put16(buf + 4, id);
	put16(buf + 6, seq);
	for (size_t i = 0; i < payload; i++)
		buf[ICMP_HDR_LEN + i] = (uint8_t)i;
	put16(buf + 2, icmp_checksum(buf, ICMP_HDR_LEN + payload));
	return (int)(ICMP_HDR_LEN + payload);
}

bool icmp_payload_ok(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] != (uint8_t)i)
			return false;
	return true;
}

/* An IPv4 header at buf (RFC 791 3.1): its length in *ihl and the datagram's
 * length (header and data, padding dropped) in *total. */
static int parse_ipv4(const uint8_t *buf, size_t len, bool need_whole, size_t *ihl, size_t *total)
{
	if (len < IPV4_MIN_HDR || buf[0] >> 4 != 4)
		return -EINVAL;
	size_t hl = (size_t)(buf[0] & 0x0f) * 4;
	if (hl < IPV4_MIN_HDR || hl > len)
		return -EINVAL;
	size_t tot = get16(buf + 2);
	if (tot < hl)
		return -EINVAL;
	if (need_whole) {
		/* Linux hands a raw socket the datagram with tot_len as it came
		 * (network order, header included; BSDs rewrite it) */
		if (tot > len)
			return -EINVAL;
		/* fragments are reassembled before raw delivery: MF or an offset
		 * here means a forged or broken packet */
		if (get16(buf + 6) & 0x3fff)
			return -EINVAL;
		if (icmp_checksum(buf, hl) != 0)
			return -EINVAL;
	}
	*ihl = hl;
	*total = tot;
	return 0;
}

int icmp_parse_reply(const uint8_t *buf, size_t len, bool has_ip_header, struct icmp_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (!buf)
		return -EINVAL;
	if (has_ip_header) {
		size_t ihl, total;
		if (parse_ipv4(buf, len, true, &ihl, &total))
			return -EINVAL;
		if (buf[9] != IPPROTO_ICMP_NUM)
			return -EINVAL;
		memcpy(&out->src, buf + 12, 4);
		out->has_src = true;
		buf += ihl;
		len = total - ihl;
	}
	if (len < ICMP_HDR_LEN)
		return -EINVAL;
	/* the checksum covers the whole ICMP message, data included (RFC 792) */
	if (icmp_checksum(buf, len) != 0)
		return -EINVAL;
	out->type = buf[0];
	out->code = buf[1];
	switch (out->type) {
	case ICMP_TYPE_ECHO_REPLY:
		out->id = get16(buf + 4);
		out->seq = get16(buf + 6);
		out->data = buf + ICMP_HDR_LEN;
		out->data_len = len - ICMP_HDR_LEN;
		return 0;
	case ICMP_TYPE_DEST_UNREACH:
	case ICMP_TYPE_TIME_EXCEEDED:
	case ICMP_TYPE_PARAM_PROBLEM: {
		/* RFC 792: "Internet Header + 64 bits of Original Data Datagram" */
		const uint8_t *q = buf + ICMP_HDR_LEN;
		size_t qlen = len - ICMP_HDR_LEN, qihl, qtotal;
		if (parse_ipv4(q, qlen, false, &qihl, &qtotal))
			return -EINVAL;
		if (q[9] != IPPROTO_ICMP_NUM)
			return -ENOMSG; /* about some other protocol's datagram */
		if (qlen < qihl + ICMP_HDR_LEN)
			return -EINVAL;
		const uint8_t *qi = q + qihl;
		if (qi[0] != ICMP_TYPE_ECHO_REQUEST)
			return -ENOMSG;
		out->is_error = true;
		out->id = get16(qi + 4);
		out->seq = get16(qi + 6);
		memcpy(&out->quoted_dst, q + 16, 4);
		return 0;
	}
	default:
		return -ENOMSG;
	}
}

const char *icmp_error_name(uint8_t type, uint8_t code)
{
	/* RFC 792 codes 0..5; 6..12 from RFC 1122 3.2.2.1; 13..15 from RFC 1812 5.2.7.1 */
	static const char *const unreach[] = {
		"network unreachable", "host unreachable", "protocol unreachable", "port unreachable",
		"fragmentation needed and DF set", "source route failed", "destination network unknown",
		"destination host unknown", "source host isolated", "network administratively prohibited",
		"host administratively prohibited", "network unreachable for TOS", "host unreachable for TOS",
		"communication administratively prohibited", "host precedence violation",
		"precedence cutoff in effect",
	};
	switch (type) {
	case ICMP_TYPE_DEST_UNREACH:
		return code < ARRAY_SIZE(unreach) ? unreach[code] : "destination unreachable";
	case ICMP_TYPE_TIME_EXCEEDED:
		return code == 1 ? "fragment reassembly time exceeded" : "time to live exceeded";
	case ICMP_TYPE_PARAM_PROBLEM:
		return "parameter problem";
	case ICMP_TYPE_ECHO_REPLY:
		return "echo reply";
	case ICMP_TYPE_ECHO_REQUEST:
		return "echo request";
	}
	return "unknown ICMP message";
}
