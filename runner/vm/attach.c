/* A terminal on a VM's console socket; see attach.h. */
#include "runner/vm/attach.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/rundir.h"
#include "runner/run_ledger.h"
#include "runner/util.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int attach_relay(int in_fd, int out_fd, int sock_fd, int transcript_fd)
{
	struct pollfd p[2] = { { .fd = in_fd, .events = POLLIN }, { .fd = sock_fd, .events = POLLIN } };
	char buf[4096];
	for (;;) {
		if (cleanup_stop_requested())
			return -EINTR;
		int r = poll(p, 2, 200);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(sock_fd, buf, sizeof(buf));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				return -EPIPE;
			}
			if (write_all(out_fd, buf, (size_t)n))
				return -EIO;
			if (transcript_fd >= 0 && write_all(transcript_fd, buf, (size_t)n))
				transcript_fd = -1;
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(in_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return 0; /* our input ended: detach */
			char *esc = memchr(buf, ATTACH_ESCAPE, (size_t)n);
			size_t upto = esc ? (size_t)(esc - buf) : (size_t)n;
			if (upto && write_all(sock_fd, buf, upto))
				return -EPIPE;
			if (esc)
				return 0;
		}
	}
}

/* Newest first: run ids start with a sortable date and time. */
static int by_name_desc(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*b)->d_name, (*a)->d_name);
}

static bool is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* The VM's console (vlab's relay, --manual) or serial socket in run id. */
static bool run_socket(const char *base, const char *id, const char *vm, char *path, size_t n)
{
	const char *const kinds[] = { "console", "serial" };
	bool found = false;
	for (size_t k = 0; k < ARRAY_SIZE(kinds) && !found; k++) {
		char *p = xasprintf("%s/%s/%s.%s.sock", base, id, vm, kinds[k]);
		if (is_socket(p)) {
			snprintf(path, n, "%s", p);
			found = true;
		}
		free(p);
	}
	return found;
}

int attach_find_socket(const char *vm, const char *run_id, bool live_only, char *path, size_t n)
{
	const char *base = rundir_base();
	struct dirent **names;
	int count = scandir(base, &names, NULL, by_name_desc);
	if (count < 0)
		return -ENOENT;
	/* a live run (its vlab or its kept VMs still run) first, then one
	 * left behind: after the clock stepped back the live run may not be
	 * the newest by name */
	int ret = -ENOENT;
	for (int pass = 0; pass < (live_only ? 1 : 2) && ret; pass++) {
		for (int i = 0; i < count && ret; i++) {
			const char *id = names[i]->d_name;
			if (id[0] == '.' || (run_id && strcmp(run_id, id)))
				continue;
			char *dir = xasprintf("%s/%s", base, id);
			if ((pass == 1 || run_dir_live(dir)) && run_socket(base, id, vm, path, n))
				ret = 0;
			free(dir);
		}
	}
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return ret;
}

int attach_terminal(int sock_fd)
{
	struct termios saved;
	bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		/* raw: every key (Ctrl-C included) goes to the guest as a byte */
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	/* the guest's getty reprints its prompt on an Enter */
	ssize_t w = write(sock_fd, "\r", 1);
	(void)w;
	int r = attach_relay(STDIN_FILENO, STDOUT_FILENO, sock_fd, -1);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return r;
}
