/* test-httpd: a small HTTP/1.1 file server on 127.0.0.1 for vlab's fetch
 * tests and benchmark, with faults on demand. Test-only code: it serves the
 * exported mirror a test made, never anything else, and only on loopback.
 *
 *   test-httpd --root DIR --port-file FILE [--log FILE]
 *              [--fault KIND --only SUBSTR [--times N]] [--no-range] [--rate KIB]
 *
 * It listens on an ephemeral port of 127.0.0.1 and writes the port number to
 * FILE once it accepts. One child process per connection (so a stalled
 * connection does not hold up the others), one request per connection
 * (Connection: close). GET only; "Range: bytes=N-" gives 206 with
 * Content-Range (416 past the end) unless --no-range. /moved/PATH answers 302
 * to /PATH; /loop/PATH answers 302 to itself. --rate sends each body at about
 * KIB KiB/s (so that two clients overlap).
 *
 * Faults hit the first N (default 1) requests whose path contains SUBSTR:
 *   500, 503, 429   that status (429 and 503 with Retry-After: 1)
 *   drop:BYTES      the headers of the whole answer, BYTES of body, then close
 *   stall:BYTES     the headers, BYTES of body, then nothing until the client
 *                   goes away
 * Each request is appended to the log: "GET PATH range=N -> STATUS". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root = ".", *port_file, *log_path, *fault, *only = "", *state_path;
static int times = 1;
static int no_range;
static long rate_kib;   /* --rate: KiB/s per connection, 0 unlimited */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void logf_(const char *fmt, ...)
{
	if (!log_path)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0) {
		}
		close(fd);
	}
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Whether this request is one of the first `times` that match: a counter in
 * a file shared by the per-connection children, under flock. */
static int fault_hits(const char *path)
{
	if (!fault || !strstr(path, only))
		return 0;
	int fd = open(state_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 0;
	flock(fd, LOCK_EX);
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int count = n > 0 ? atoi(buf) : 0;
	int hit = count < times;
	snprintf(buf, sizeof(buf), "%d\n", count + 1);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) < 0) {
	}
	flock(fd, LOCK_UN);
	close(fd);
	return hit;
}

static void status_only(int c, int code, const char *text, const char *extra, const char *path, long long range)
{
	char h[512];
	int n = snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n%sConnection: close\r\n\r\n", code, text,
			 extra ? extra : "");
	send_all(c, h, (size_t)n);
	logf_("GET %s range=%lld -> %d\n", path, range, code);
}

static void serve(int c)
{
	char req[8192];
	size_t len = 0;
	struct timeval tv = { 10, 0 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (len < sizeof(req) - 1) {
		ssize_t n = recv(c, req + len, sizeof(req) - 1 - len, 0);
		if (n <= 0)
			return;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	char method[16], path[2048];
	if (sscanf(req, "%15s %2047s", method, path) != 2)
		return;
	long long range = -1;
	char *r = strcasestr(req, "\r\nRange: bytes=");
	if (r && !no_range)
		range = atoll(r + 15);
	if (strcmp(method, "GET")) {
		status_only(c, 405, "Method Not Allowed", NULL, path, range);
		return;
	}
	if (!strncmp(path, "/moved/", 7)) {
		char loc[2100];
		snprintf(loc, sizeof(loc), "Location: %s\r\n", path + 6);
		status_only(c, 302, "Found", loc, path, range);
		return;
	}
	if (!strncmp(path, "/loop/", 6)) {
		char loc[2100];
		snprintf(loc, sizeof(loc), "Location: %s\r\n", path);
		status_only(c, 302, "Found", loc, path, range);
		return;
	}
	if (strstr(path, "..")) {
		status_only(c, 403, "Forbidden", NULL, path, range);
		return;
	}
	int hit = fault_hits(path);
	if (hit && (!strcmp(fault, "500") || !strcmp(fault, "503") || !strcmp(fault, "429"))) {
		int code = atoi(fault);
		status_only(c, code, code == 500 ? "Internal Server Error" : code == 503 ? "Service Unavailable" : "Too Many Requests",
			    code == 500 ? NULL : "Retry-After: 1\r\n", path, range);
		return;
	}
	char file[4096];
	snprintf(file, sizeof(file), "%s%s", root, path);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		status_only(c, 404, "Not Found", NULL, path, range);
		return;
	}
	long long size = st.st_size, start = range > 0 ? range : 0;
	if (start > 0 && start >= size) {
		char cr[128];
		snprintf(cr, sizeof(cr), "Content-Range: bytes */%lld\r\n", size);
		status_only(c, 416, "Range Not Satisfiable", cr, path, range);
		return;
	}
	char h[512];
	int n;
	if (range >= 0)
		n = snprintf(h, sizeof(h),
			     "HTTP/1.1 206 Partial Content\r\nContent-Length: %lld\r\nContent-Range: bytes %lld-%lld/%lld\r\n"
			     "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
			     size - start, start, size - 1, size);
	else
		n = snprintf(h, sizeof(h),
			     "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\nContent-Type: application/octet-stream\r\n"
			     "Connection: close\r\n\r\n",
			     size);
	logf_("GET %s range=%lld -> %d%s\n", path, range, range >= 0 ? 206 : 200, hit ? " (fault)" : "");
	if (send_all(c, h, (size_t)n))
		return;
	long long limit = size - start;
	int stall = 0;
	if (hit && !strncmp(fault, "drop:", 5))
		limit = atoll(fault + 5) < limit ? atoll(fault + 5) : limit;
	if (hit && !strncmp(fault, "stall:", 6)) {
		limit = atoll(fault + 6) < limit ? atoll(fault + 6) : limit;
		stall = 1;
	}
	off_t off = (off_t)start;
	while (limit > 0) {
		size_t chunk = rate_kib ? 16384 : 1 << 22;
		ssize_t w = sendfile(c, fd, &off, (long long)chunk < limit ? chunk : (size_t)limit);
		if (w <= 0)
			return;
		limit -= w;
		if (rate_kib)
			usleep((useconds_t)(16 * 1000000L / rate_kib));
	}
	if (stall) {
		/* nothing more until the client gives up and closes */
		struct pollfd p = { .fd = c, .events = POLLIN | POLLRDHUP };
		for (;;) {
			if (poll(&p, 1, -1) > 0) {
				char b[256];
				if (recv(c, b, sizeof(b), 0) <= 0)
					return;
			}
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-range")) {
			no_range = 1;
			continue;
		}
		if (!v) {
			fprintf(stderr, "test-httpd: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--root"))
			root = v;
		else if (!strcmp(a, "--port-file"))
			port_file = v;
		else if (!strcmp(a, "--log"))
			log_path = v;
		else if (!strcmp(a, "--fault"))
			fault = v;
		else if (!strcmp(a, "--only"))
			only = v;
		else if (!strcmp(a, "--rate"))
			rate_kib = atol(v);
		else if (!strcmp(a, "--times"))
			times = atoi(v);
		else {
			fprintf(stderr, "test-httpd: unknown option %s\n", a);
			return 2;
		}
	}
	if (!port_file) {
		fprintf(stderr, "usage: test-httpd --root DIR --port-file FILE [--log FILE] [--fault KIND --only SUBSTR [--times N]] [--no-range]\n");
		return 2;
	}
	static char state[4200];
	snprintf(state, sizeof(state), "%s.faults", port_file);
	state_path = state;
	unlink(state_path);
	signal(SIGCHLD, SIG_IGN);   /* children reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 64) < 0)
		die("bind/listen on 127.0.0.1");
	socklen_t sl = sizeof(sa);
	getsockname(s, (struct sockaddr *)&sa, &sl);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
	FILE *f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	if (rename(tmp, port_file) < 0)
		die("rename");
	pid_t parent = getpid();
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		pid_t pid = fork();
		if (pid == 0) {
			/* a child never outlives the server the test kills */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			close(s);
			serve(c);
			shutdown(c, SHUT_WR);
			close(c);
			_exit(0);
		}
		close(c);
	}
}
