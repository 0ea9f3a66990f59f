/* ping's output: busybox (networking/ping.c, BusyBox 1.35) and iputils
 * (ping/ping_common.c, iputils 20221126) print
 *
 *   PING 10.0.0.1 (10.0.0.1): 56 data bytes               busybox
 *   PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.        iputils
 *   64 bytes from 10.0.0.1: seq=0 ttl=64 time=0.474 ms    (icmp_seq=1 in iputils)
 *   --- 10.0.0.1 ping statistics ---
 *   3 packets transmitted, 3 packets received, 0% packet loss
 *   3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2038ms
 *   round-trip min/avg/max = 0.087/0.217/0.474 ms
 *   rtt min/avg/max/mdev = 0.043/0.095/0.181/0.060 ms
 *
 * and both write their failures as "ping: <what>: <strerror>". */
#include "checks/ping_parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

/* A whole number at *p (leading blanks allowed), 0..INT_MAX; *p moves past it. */
static int take_int(const char **p, int *out)
{
	const char *s = *p;
	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || v < 0 || v > INT_MAX)
		return -EINVAL;
	*out = (int)v;
	*p = end;
	return 0;
}

/* A non-negative decimal at *p ("0.474", "33.3333"); *p moves past it. ping
 * prints with the C locale's '.', which is what strtod reads as long as vlab
 * never calls setlocale(). */
static int take_double(const char **p, double *out)
{
	const char *s = *p;
	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL; /* refuses strtod's "inf", "nan", hex and signs */
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || !isfinite(v))
		return -EINVAL;
	*out = v;
	*p = end;
	return 0;
}

static bool is_kernel_line(const char *l)
{
	/* printk's "[    3.141592] ..." on the serial console */
	if (*l != '[')
		return false;
	l++;
	while (*l == ' ')
		l++;
	if (!isdigit((unsigned char)*l))
		return false;
	while (isdigit((unsigned char)*l) || *l == '.')
		l++;
	return *l == ']';
}

static void copy_word(char *dst, size_t n, const char *s, const char *stop)
{
	size_t len = strcspn(s, stop);
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* "PING name (addr): ..." or "PING name (addr) 56(84) bytes of data." */
static void parse_ping_header(const char *l, struct ping_summary *out)
{
	const char *name = l + strlen("PING ");
	const char *paren = strchr(name, '(');
	if (paren && paren[1] != ')' && strchr(paren, ')'))
		copy_word(out->dst, sizeof(out->dst), paren + 1, ")");
	else
		copy_word(out->dst, sizeof(out->dst), name, " :");
}

/* "3 packets transmitted, 2 received, +1 errors, 33.3333% packet loss, time 2003ms" */
static int parse_statistics(const char *l, struct ping_summary *out)
{
	bool tx = false, rx = false, loss = false;
	const char *p = l;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *item = p;
		size_t len = strcspn(item, ",");
		p = item + len;
		const char *q = item;
		int n;
		double d;
		if (*q == '+') {
			q++;
			if (take_int(&q, &n))
				continue;
			if (starts_with(q, " error"))
				out->errors = n;
			continue; /* "+N duplicates", "+N corrupted" */
		}
		if (!isdigit((unsigned char)*q))
			continue; /* "time 2038ms" */
		const char *num = q;
		if (take_int(&q, &n))
			return -EINVAL;
		if (starts_with(q, " packets transmitted")) {
			out->transmitted = n;
			tx = true;
		} else if (starts_with(q, " packets received") || starts_with(q, " received")) {
			out->received = n;
			rx = true;
		} else if (*q == '.' || *q == '%') {
			q = num;
			if (take_double(&q, &d) || !starts_with(q, "% packet loss") || d > 100.0)
				return -EINVAL;
			out->loss_pct = d;
			loss = true;
		}
		/* else "N duplicates" (busybox) and what later versions add */
	}
	if (!tx || !rx || out->received > out->transmitted)
		return -EINVAL;
	if (!loss)
		out->loss_pct = out->transmitted
					? 100.0 * (out->transmitted - out->received) / out->transmitted
					: 0.0;
	return 0;
}

/* "round-trip min/avg/max = a/b/c ms", "rtt min/avg/max/mdev = a/b/c/d ms" */
static int parse_rtt(const char *l, struct ping_summary *out)
{
	const char *p = strstr(l, " = ");
	if (!p)
		return -EINVAL;
	p += 3;
	double v[3];
	for (int i = 0; i < 3; i++) {
		if (i && *p++ != '/')
			return -EINVAL;
		if (take_double(&p, &v[i]))
			return -EINVAL;
	}
	if (!(v[0] <= v[1] && v[1] <= v[2]))
		return -EINVAL;
	out->rtt_min = v[0];
	out->rtt_avg = v[1];
	out->rtt_max = v[2];
	out->has_rtt = true;
	return 0;
}

int ping_parse(const char *text, struct ping_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	char *copy = xstrdup(text);
	int ret = -EINVAL; /* until a statistics line parses */
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		rtrim(l); /* the console's \r and trailing blanks */
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || is_kernel_line(l))
			continue;
		if (starts_with(l, "PING ")) {
			/* a new run: what came before belongs to an earlier one */
			memset(out, 0, sizeof(*out));
			ret = -EINVAL;
			parse_ping_header(l, out);
		} else if (starts_with(l, "ping: ")) {
			if (!out->error[0])
				snprintf(out->error, sizeof(out->error), "%s", l);
		} else if (starts_with(l, "--- ") && strstr(l, " ping statistics ---")) {
			if (!out->dst[0])
				copy_word(out->dst, sizeof(out->dst), l + 4, " ");
		} else if (strstr(l, " packets transmitted")) {
			ret = parse_statistics(l, out);
		} else if (strstr(l, "min/avg/max")) {
			/* only as part of a run that has its statistics */
			if (ret == 0 && parse_rtt(l, out))
				ret = -EINVAL;
		} else if (isdigit((unsigned char)*l) && strstr(l, " bytes from ")) {
			out->replies_seen++;
		}
	}
	free(copy);
	return ret;
}

const char *ping_ms_text(double ms, char buf[24])
{
	snprintf(buf, 24, ms < 1000 ? "%.3g" : "%.0f", ms);
	return buf;
}
