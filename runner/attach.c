/* vlab console. */
#include "runner/attach.h"

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
#include "runner/exit_status.h"
#include "runner/proc.h"
#include "runner/rundir.h"
#include "runner/status.h"
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

int attach_relay(int in_fd, int out_fd, int sock_fd, int transcript_fd)
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

int attach_find_socket(const char *vm, const char *run_id, char *path, size_t n)
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
	for (int pass = 0; pass < 2 && ret; pass++) {
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

int cmd_console(int argc, char **argv)
{
	const char *vm = "vm1", *run_id = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--run") && i + 1 < argc) {
			run_id = argv[++i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "vlab: unknown option '%s'\nusage: vlab console [VM] [--run RUN_ID]\n", argv[i]);
			return EXIT_USAGE;
		} else {
			vm = argv[i];
		}
	}
	char path[4096];
	if (attach_find_socket(vm, run_id, path, sizeof(path))) {
		fprintf(stderr, "vlab: no console of '%s' in %s: start a lab with `vlab chapter 1 --keep` or `--manual`\n",
			vm, rundir_base());
		return EXIT_HOST;
	}
	int fd;
	int r = unix_connect_retry(path, 0, 2000, &fd);
	if (r) {
		fprintf(stderr, "vlab: cannot connect to '%s': %s\n", path, strerror(-r));
		return EXIT_HOST;
	}
	fprintf(stderr, "vlab: connected to %s (%s); press Ctrl-] to detach\r\n", vm, path);
	struct termios saved;
	bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		/* raw: every key (Ctrl-C included) goes to the guest as a byte */
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	/* the guest's getty reprints its prompt on an Enter */
	ssize_t w = write(fd, "\r", 1);
	(void)w;
	r = attach_relay(STDIN_FILENO, STDOUT_FILENO, fd, -1);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	close(fd);
	if (r == -EPIPE)
		fprintf(stderr, "\nvlab: the console closed (the VM stopped?)\n");
	else
		fprintf(stderr, "\nvlab: detached from %s\n", vm);
	return r == -EPIPE ? EXIT_HOST : 0;
}
