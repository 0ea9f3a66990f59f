/* The --manual console relay. */
#include "runner/relay.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/util.h"

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

int relay_until_enter(const char *listen_path, int serial_fd, int transcript_fd, int stdin_fd)
{
	int lfd = listen_unix(listen_path);
	if (lfd < 0)
		return lfd;
	int handle = cleanup_add_path(RES_FILE, listen_path);
	int client = -1;
	int ret = 0;
	char buf[4096];
	for (;;) {
		idle_tick();
		if (cleanup_stop_requested()) {
			ret = -EINTR;
			break;
		}
		struct pollfd p[4] = {
			{ .fd = stdin_fd, .events = POLLIN },
			{ .fd = lfd, .events = POLLIN },
			{ .fd = serial_fd, .events = POLLIN },
			{ .fd = client, .events = POLLIN },
		};
		int r = poll(p, client >= 0 ? 4 : 3, 100);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(stdin_fd, buf, sizeof(buf));
			if (n <= 0 || memchr(buf, '\n', (size_t)n))
				break; /* Enter, or nobody can press it: check now */
		}
		if (p[1].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && client >= 0) {
				static const char busy[] = "vlab: another console is attached to this VM\r\n";
				send_all(c, busy, sizeof(busy) - 1);
				close(c);
			} else if (c >= 0) {
				client = c;
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(serial_fd, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				ret = -EPIPE;
				break;
			}
			if (n > 0) {
				append(transcript_fd, buf, (size_t)n);
				if (client >= 0)
					send_all(client, buf, (size_t)n);
			}
		}
		if (client >= 0 && (p[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(client, buf, sizeof(buf));
			if (n <= 0) {
				close(client); /* detached; another may come */
				client = -1;
			} else {
				send_all(serial_fd, buf, (size_t)n);
			}
		}
	}
	if (client >= 0)
		close(client);
	close(lfd);
	cleanup_release(handle);
	return ret;
}
