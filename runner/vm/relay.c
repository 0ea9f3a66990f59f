/* The --manual console relay. */
#include "runner/vm/relay.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 2) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void append(int fd, const char *p, size_t n)
{
	while (fd >= 0 && n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* One console's state in the loop. */
struct served {
	const struct relay_console *c;
	int lfd, client, handle;
};

/* Move what one poll round made ready for console s; -EPIPE when qemu's
 * side closed. */
static int serve_one(struct served *s, const struct pollfd *listen, const struct pollfd *serial,
		     const struct pollfd *client)
{
	char buf[4096];
	if (listen->revents & POLLIN) {
		int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0 && s->client >= 0) {
			static const char busy[] = "vlab: another console is attached to this VM\r\n";
			send_all(c, busy, sizeof(busy) - 1);
			close(c);
		} else if (c >= 0) {
			s->client = c; /* polled from the next round on */
		}
	}
	if (serial->revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(s->c->serial_fd, buf, sizeof(buf));
		if (n <= 0 && !(n < 0 && errno == EINTR))
			return -EPIPE;
		if (n > 0) {
			append(s->c->transcript_fd, buf, (size_t)n);
			if (s->client >= 0)
				send_all(s->client, buf, (size_t)n);
		}
	}
	if (s->client >= 0 && client->fd == s->client && (client->revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(s->client, buf, sizeof(buf));
		if (n <= 0) {
			close(s->client); /* detached; another may come */
			s->client = -1;
		} else {
			send_all(s->c->serial_fd, buf, (size_t)n);
		}
	}
	return 0;
}

int relay_consoles_until_enter(const struct relay_console *cons, int n, int stdin_fd)
{
	struct served sv[RELAY_MAX];
	int ret = 0, opened = 0;
	if (n < 1 || n > RELAY_MAX)
		return -EINVAL;
	for (; opened < n; opened++) {
		sv[opened] = (struct served){ .c = &cons[opened], .client = -1 };
		sv[opened].lfd = listen_unix(cons[opened].listen_path);
		if (sv[opened].lfd < 0) {
			ret = sv[opened].lfd;
			goto out;
		}
		sv[opened].handle = cleanup_add_path(RES_FILE, cons[opened].listen_path);
	}
	for (;;) {
		idle_tick();
		if (cleanup_stop_requested()) {
			ret = -EINTR;
			break;
		}
		/* stdin, then per console: listener, serial, client (fd -1,
		 * ignored by poll, while none is attached) */
		struct pollfd p[1 + 3 * RELAY_MAX];
		p[0] = (struct pollfd){ .fd = stdin_fd, .events = POLLIN };
		for (int i = 0; i < n; i++) {
			p[1 + 3 * i] = (struct pollfd){ .fd = sv[i].lfd, .events = POLLIN };
			p[2 + 3 * i] = (struct pollfd){ .fd = cons[i].serial_fd, .events = POLLIN };
			p[3 + 3 * i] = (struct pollfd){ .fd = sv[i].client, .events = POLLIN };
		}
		int r = poll(p, (nfds_t)(1 + 3 * n), 100);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			char buf[256];
			ssize_t got = read(stdin_fd, buf, sizeof(buf));
			if (got <= 0 || memchr(buf, '\n', (size_t)got))
				break; /* Enter, or nobody can press it: check now */
		}
		for (int i = 0; i < n && !ret; i++)
			ret = serve_one(&sv[i], &p[1 + 3 * i], &p[2 + 3 * i], &p[3 + 3 * i]);
		if (ret)
			break;
	}
out:
	for (int i = 0; i < opened; i++) {
		if (sv[i].client >= 0)
			close(sv[i].client);
		close(sv[i].lfd);
		cleanup_release(sv[i].handle);
	}
	return ret;
}

