/* vlab's own ICMP echo (RFC 792) over a raw or a ping socket: the I/O around
 * the pure packet helpers of checks/icmp.h. */
#include "runner/net/icmp_echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"

#define MAX_COUNT 65535          /* sequence numbers are 16 bits */
#define RECV_BUF 4096            /* an echo reply of ours is 84 bytes; errors quote <= 576 (RFC 1812 4.3.2.3) */
#define POLL_SLICE_MS 100        /* the stop flag and idle_tick() are looked at this often */

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int open_icmp_socket(struct icmp_result *res)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd >= 0) {
		res->sock_type = SOCK_RAW;
		return fd;
	}
	int raw_err = errno;
	/* Linux's ping sockets (since 3.0): a datagram socket for ICMP echo
	 * only, for the groups in net.ipv4.ping_group_range (EACCES otherwise) */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd >= 0) {
		res->sock_type = SOCK_DGRAM;
		return fd;
	}
	int dgram_err = errno;
	if ((raw_err == EPERM || raw_err == EACCES) && (dgram_err == EACCES || dgram_err == EPERM))
		snprintf(res->error, sizeof(res->error),
			 "no ICMP socket: a raw one needs CAP_NET_RAW, a ping one gid %u in net.ipv4.ping_group_range",
			 (unsigned int)getegid());
	else
		snprintf(res->error, sizeof(res->error), "cannot open an ICMP socket: %s", strerror(raw_err));
	return -(raw_err == EPERM || raw_err == EACCES ? raw_err : dgram_err);
}

struct pinger {
	int fd;
	bool raw;
	uint16_t id;
	struct sockaddr_in dst;
	int count;
	int timeout_ms;
	double *sent_at;         /* ms, 0 when not sent */
	bool *answered;          /* a reply or an error came for this seq */
	double rtt_sum;
	struct icmp_result *res;
};

static void note_error(struct pinger *p, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void note_error(struct pinger *p, const char *fmt, ...)
{
	p->res->errors++;
	if (p->res->error[0])
		return; /* the first one says the most */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->res->error, sizeof(p->res->error), fmt, ap);
	va_end(ap);
}

static void handle_packet(struct pinger *p, const uint8_t *buf, size_t len, const struct sockaddr_in *from,
			  double now)
{
	struct icmp_reply r;
	if (icmp_parse_reply(buf, len, p->raw, &r))
		return; /* not ours, or broken: other traffic is none of our business */
	if (r.id != p->id || r.seq >= p->count || p->sent_at[r.seq] == 0 || p->answered[r.seq])
		return;
	if (r.is_error) {
		if (r.quoted_dst != p->dst.sin_addr.s_addr)
			return;
		char src[INET_ADDRSTRLEN] = "?";
		uint32_t s = r.has_src ? r.src : from->sin_addr.s_addr;
		inet_ntop(AF_INET, &s, src, sizeof(src));
		p->answered[r.seq] = true;
		note_error(p, "from %s: %s (seq %u)", src, icmp_error_name(r.type, r.code), r.seq);
		return;
	}
	uint32_t src = r.has_src ? r.src : from->sin_addr.s_addr;
	if (src != p->dst.sin_addr.s_addr)
		return;
	/* RFC 792: the echo reply returns the request's data unchanged */
	if (r.data_len != ICMP_DEFAULT_PAYLOAD || !icmp_payload_ok(r.data, r.data_len))
		return;
	double rtt = now - p->sent_at[r.seq];
	if (rtt > p->timeout_ms)
		return; /* too late: this one counts as lost */
	p->answered[r.seq] = true;
	struct icmp_result *res = p->res;
	if (res->received == 0 || rtt < res->rtt_min_ms)
		res->rtt_min_ms = rtt;
	if (rtt > res->rtt_max_ms)
		res->rtt_max_ms = rtt;
	res->received++;
	p->rtt_sum += rtt;
	res->rtt_avg_ms = p->rtt_sum / res->received;
}

static void drain(struct pinger *p)
{
	uint8_t buf[RECV_BUF];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		memset(&from, 0, sizeof(from));
		ssize_t n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				/* a pending socket error (an ICMP error on a ping
				 * socket): say it, and go on listening */
				note_error(p, "recvfrom: %s", strerror(errno));
			return;
		}
		handle_packet(p, buf, (size_t)n, &from, mono_ms());
	}
}

static int send_one(struct pinger *p, int seq)
{
	uint8_t pkt[ICMP_HDR_LEN + ICMP_DEFAULT_PAYLOAD];
	int n = icmp_build_echo(pkt, sizeof(pkt), p->id, (uint16_t)seq, ICMP_DEFAULT_PAYLOAD);
	if (n < 0)
		return n;
	/* on a ping socket the kernel puts the socket's port in the
	 * identifier and recomputes the checksum (ping_v4_sendmsg) */
	ssize_t w;
	do
		w = sendto(p->fd, pkt, (size_t)n, 0, (const struct sockaddr *)&p->dst, sizeof(p->dst));
	while (w < 0 && errno == EINTR && !cleanup_stop_requested());
	if (w < 0) {
		if (errno == EINTR)
			return -EINTR;
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &p->dst.sin_addr, a, sizeof(a));
		note_error(p, "sendto %s: %s", a, strerror(errno));
		return 0;
	}
	p->sent_at[seq] = mono_ms();
	p->res->sent++;
	return 0;
}

static uint16_t pick_id(void)
{
	/* different for every call and every process (parallel graders each
	 * ping from their own namespace, but a shared one must not mix up) */
	static unsigned int calls;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint16_t)((unsigned int)getpid() * 2654435761u ^ (unsigned int)ts.tv_nsec ^ ++calls);
}

int icmp_ping(const char *dst, int count, int interval_ms, int per_packet_timeout_ms, struct icmp_result *res)
{
	memset(res, 0, sizeof(*res));
	struct pinger p = { .fd = -1, .count = count, .timeout_ms = per_packet_timeout_ms, .res = res };
	p.dst.sin_family = AF_INET;
	if (!dst || inet_pton(AF_INET, dst, &p.dst.sin_addr) != 1) {
		snprintf(res->error, sizeof(res->error), "'%s' is not an IPv4 address", dst ? dst : "(null)");
		return -EINVAL;
	}
	if (count < 1 || count > MAX_COUNT || interval_ms < 0 || per_packet_timeout_ms < 1) {
		snprintf(res->error, sizeof(res->error), "bad ping parameters");
		return -EINVAL;
	}
	if (cleanup_stop_requested())
		return -EINTR;

	int ret = open_icmp_socket(res);
	if (ret < 0)
		return ret;
	p.fd = ret;
	ret = 0;
	p.raw = res->sock_type == SOCK_RAW;
	p.sent_at = xcalloc((size_t)count, sizeof(*p.sent_at));
	p.answered = xcalloc((size_t)count, sizeof(*p.answered));
	if (p.raw) {
		p.id = pick_id();
	} else {
		/* the kernel uses the socket's port as the identifier: bind to
		 * get one now, and read it back to match replies by it */
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t al = sizeof(a);
		if (bind(p.fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    getsockname(p.fd, (struct sockaddr *)&a, &al) < 0) {
			ret = -errno;
			snprintf(res->error, sizeof(res->error), "ping socket: %s", strerror(errno));
			goto out;
		}
		p.id = ntohs(a.sin_port);
	}

	double next_send = mono_ms(), last_send = next_send;
	int nsent = 0; /* sequence numbers used, whether or not sendto took them */
	for (;;) {
		if (cleanup_stop_requested()) {
			ret = -EINTR;
			goto out;
		}
		double now = mono_ms();
		if (nsent < count && now >= next_send) {
			ret = send_one(&p, nsent);
			if (ret)
				goto out;
			last_send = now;
			nsent++;
			next_send += interval_ms;
			continue;
		}
		/* the last request's wait ends the run; earlier requests' waits
		 * overlap later sends, as ping's do */
		double end = last_send + per_packet_timeout_ms;
		bool all = true;
		for (int i = 0; i < nsent && all; i++)
			all = p.answered[i] || p.sent_at[i] == 0;
		if (nsent == count && (all || now >= end))
			break;
		double until = nsent < count ? next_send : end;
		if (until > now + POLL_SLICE_MS)
			until = now + POLL_SLICE_MS;
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN };
		int wait = (int)(until - now) + 1;
		int pr = poll(&pfd, 1, wait < 0 ? 0 : wait);
		if (pr < 0 && errno != EINTR) {
			ret = -errno;
			goto out;
		}
		if (pr > 0)
			drain(&p);
		idle_tick();
	}
	ret = 0;
out:
	free(p.sent_at);
	free(p.answered);
	close(p.fd);
	return ret;
}
