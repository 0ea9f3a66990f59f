/* runner/net/http_get: http_get() against a tiny scripted HTTP server in a forked
 * child on 127.0.0.1 (an ephemeral port): 200 with a known body, 404, 500,
 * a redirect (not followed), a server that accepts and never answers, one
 * that closes at once, a closed port, a body over the cap; a proxy in the
 * environment that must not be used; stop requests. An unreachable network
 * is made in a throwaway network namespace, skipped where that is refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/net/http_get.h"
#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "tests/unit/child.h"

/* sha256("abc"), FIPS 180-2 appendix B.1 */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define BIG_LEN (HTTP_BODY_CAP + 65536)

enum mode {
	SERVE_200,       /* "abc" */
	SERVE_200_BINARY, /* 5 bytes with a NUL inside */
	SERVE_404,
	SERVE_500,
	SERVE_301,       /* a redirect to /elsewhere */
	SERVE_SILENT,    /* read the request, never answer */
	SERVE_CLOSE,     /* close without a word */
	SERVE_BIG,       /* BIG_LEN bytes of 'x' */
};

static pid_t live_server;

struct server {
	pid_t pid;
	int port;
	char url[64];
};

static void send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

static void answer(int fd, const char *status, const char *extra, const void *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
			 status, len, extra);
	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

static void read_request(int fd)
{
	char buf[4096];
	size_t have = 0;
	while (have < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return;
	}
}

static void serve(int lfd, enum mode mode)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		/* the request is read first even when not answered: closing
		 * with unread data would send a reset, not a clean end */
		read_request(fd);
		switch (mode) {
		case SERVE_200:
			answer(fd, "200 OK", "Content-Type: text/html\r\n", "abc", 3);
			break;
		case SERVE_200_BINARY:
			answer(fd, "200 OK", "", "a\0b\0c", 5);
			break;
		case SERVE_404:
			answer(fd, "404 Not Found", "", "<h1>404</h1>", 12);
			break;
		case SERVE_500:
			answer(fd, "500 Internal Server Error", "", "", 0);
			break;
		case SERVE_301:
			answer(fd, "301 Moved Permanently", "Location: /elsewhere\r\n", "moved", 5);
			break;
		case SERVE_SILENT:
			pause(); /* until the test kills us */
			break;
		case SERVE_BIG: {
			char *big = malloc(BIG_LEN);
			if (!big)
				_exit(1);
			memset(big, 'x', BIG_LEN);
			answer(fd, "200 OK", "", big, BIG_LEN);
			free(big);
			break;
		}
		case SERVE_CLOSE:
			break;
		}
		close(fd);
	}
}

static int listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void server_start(struct server *s, enum mode mode)
{
	int lfd = listener(&s->port);
	/* listening before the fork: the client cannot race the child */
	assert_int_equal(listen(lfd, 8), 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/", s->port);
	pid_t parent = getpid();
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		default_fault_signals();
		/* a failed assertion skips server_stop(): never outlive the test */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		signal(SIGPIPE, SIG_IGN);
		serve(lfd, mode);
		_exit(0);
	}
	close(lfd);
	live_server = s->pid;
}

static void server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	live_server = 0;
}

/* cmocka teardown: a test that failed midway left its server running */
static int reap_server(void **state)
{
	if (live_server > 0) {
		kill(live_server, SIGKILL);
		while (waitpid(live_server, NULL, 0) < 0 && errno == EINTR)
			;
		live_server = 0;
	}
	cleanup_clear_stop();
	return 0;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	assert_true(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL));
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- answers ---- */

static void test_200(void **state)
{
	struct server s;
	struct http_result res;
	server_start(&s, SERVE_200);
	assert_int_equal(http_get(s.url, 1000, 2000, &res), 0);
	assert_int_equal(res.status, 200);
	assert_int_equal(res.body_len, 3);
	assert_string_equal(res.body, "abc");
	assert_string_equal(res.body_sha256, SHA_ABC);
	assert_false(res.truncated);
	assert_int_equal(res.curl_code, 0);
	assert_string_equal(res.error, "");
	assert_true(res.total_ms > 0 && res.total_ms < 2000);
	http_result_release(&res);
	assert_null(res.body);
	http_result_release(&res); /* twice is harmless */
	server_stop(&s);
}

static void test_200_binary(void **state)
{
	struct server s;
	struct http_result res;
	char want[65];
	server_start(&s, SERVE_200_BINARY);
	assert_int_equal(http_get(s.url, 1000, 2000, &res), 0);
	assert_int_equal(res.body_len, 5);
	assert_memory_equal(res.body, "a\0b\0c", 6); /* and NUL-terminated */
	sha256_hex("a\0b\0c", 5, want);
	assert_string_equal(res.body_sha256, want);
	http_result_release(&res);
	server_stop(&s);
}

static void test_error_statuses(void **state)
{
	static const struct {
		enum mode mode;
		long status;
		const char *body;
	} cases[] = {
		{ SERVE_404, 404, "<h1>404</h1>" },
		{ SERVE_500, 500, "" },
		/* not followed: the 301's own body */
		{ SERVE_301, 301, "moved" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct server s;
		struct http_result res;
		char want[65];
		server_start(&s, cases[i].mode);
		assert_int_equal(http_get(s.url, 1000, 2000, &res), 0);
		assert_int_equal(res.status, cases[i].status);
		assert_string_equal(res.body, cases[i].body);
		sha256_hex(cases[i].body, strlen(cases[i].body), want);
		assert_string_equal(res.body_sha256, want);
		http_result_release(&res);
		server_stop(&s);
	}
}

static void test_body_over_cap(void **state)
{
	struct server s;
	struct http_result res;
	server_start(&s, SERVE_BIG);
	assert_int_equal(http_get(s.url, 1000, 2500, &res), 0);
	assert_int_equal(res.status, 200);
	assert_true(res.truncated);
	assert_int_equal(res.body_len, HTTP_BODY_CAP);
	assert_int_equal(res.body[HTTP_BODY_CAP], '\0');
	char *want_body = xmalloc(HTTP_BODY_CAP);
	memset(want_body, 'x', HTTP_BODY_CAP);
	assert_memory_equal(res.body, want_body, HTTP_BODY_CAP);
	char want[65];
	sha256_hex(want_body, HTTP_BODY_CAP, want);
	free(want_body);
	assert_string_equal(res.body_sha256, want);
	assert_string_equal(res.error, "body cut at 1048576 bytes (HTTP_BODY_CAP)");
	http_result_release(&res);
	server_stop(&s);
}

/* ---- no answer ---- */

static void test_refused(void **state)
{
	/* a port that was just bound and closed: nobody listens there */
	int port;
	close(listener(&port));
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	struct http_result res;
	int64_t t0 = now_ms();
	assert_int_equal(http_get(url, 1000, 2000, &res), -ECONNREFUSED);
	assert_true(now_ms() - t0 < 500);
	assert_int_equal(res.status, 0);
	assert_null(res.body);
	assert_string_equal(res.body_sha256, "");
	assert_non_null(strstr(res.error, "(Connection refused)"));
	http_result_release(&res);
}

static void test_silent_server_times_out(void **state)
{
	struct server s;
	struct http_result res;
	server_start(&s, SERVE_SILENT);
	int64_t t0 = now_ms();
	assert_int_equal(http_get(s.url, 1000, 400, &res), -ETIMEDOUT);
	int64_t took = now_ms() - t0;
	assert_true(took >= 390 && took < 900);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.error, "timed out"));
	http_result_release(&res);
	server_stop(&s);
}

static void test_closed_without_answer(void **state)
{
	struct server s;
	struct http_result res;
	server_start(&s, SERVE_CLOSE);
	assert_int_equal(http_get(s.url, 1000, 2000, &res), -EIO);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.error, "Empty reply from server");
	http_result_release(&res);
	server_stop(&s);
}

static void test_bad_urls(void **state)
{
	struct http_result res;
	/* http and https only: never a local file */
	assert_int_equal(http_get("file:///etc/passwd", 1000, 1000, &res), -EIO);
	assert_null(res.body);
	assert_true(res.error[0] != '\0');
	http_result_release(&res);
	assert_int_equal(http_get(NULL, 1000, 1000, &res), -EINVAL);
	assert_int_equal(http_get("http://127.0.0.1/", -1, 1000, &res), -EINVAL);
}

static void test_proxy_env_ignored(void **state)
{
	/* a proxy in the environment on a closed port: were it used, the
	 * GET would be refused */
	int port;
	close(listener(&port));
	char proxy[64];
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", port);
	setenv("http_proxy", proxy, 1);
	setenv("HTTPS_PROXY", proxy, 1);
	setenv("ALL_PROXY", proxy, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	struct server s;
	struct http_result res;
	server_start(&s, SERVE_200);
	int rc = http_get(s.url, 1000, 2000, &res);
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	assert_int_equal(rc, 0);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body_sha256, SHA_ABC);
	http_result_release(&res);
	server_stop(&s);
}

/* ---- stop requests ---- */

static void test_stop_before(void **state)
{
	struct server s;
	struct http_result res;
	server_start(&s, SERVE_200);
	cleanup_request_stop(SIGTERM);
	assert_int_equal(http_get(s.url, 1000, 2000, &res), -EINTR);
	cleanup_clear_stop();
	assert_null(res.body);
	http_result_release(&res);
	server_stop(&s);
}

static void on_alarm(int signo)
{
	(void)signo;
	cleanup_request_stop(SIGINT);
}

static void test_stop_midway(void **state)
{
	struct server s;
	struct http_result res;
	server_start(&s, SERVE_SILENT);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART, as vlab's own handler */
	sigaction(SIGALRM, &sa, &old);
	struct itimerval it = { .it_value = { 0, 200 * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int64_t t0 = now_ms();
	int rc = http_get(s.url, 1000, 5000, &res);
	int64_t took = now_ms() - t0;
	sigaction(SIGALRM, &old, NULL);
	cleanup_clear_stop();
	assert_int_equal(rc, -EINTR);
	/* the 100 ms slices: well before the 5 s timeout */
	assert_true(took >= 190 && took < 600);
	assert_int_equal(res.status, 0);
	assert_null(res.body);
	http_result_release(&res);
	server_stop(&s);
}

/* ---- an unreachable network, in a throwaway namespace ---- */

static void test_unreachable(void **state)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		default_fault_signals();
		/* [0]: 1 when run, 0 when skipped; then rc; then the reason */
		int out[2] = { 0, 0 };
		char why[160] = "";
		/* as non-root, a user namespace too: connect() needs no privilege */
		if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
			snprintf(why, sizeof(why), "cannot make a network namespace: %s", strerror(errno));
		} else {
			/* no route at all: connect() fails with ENETUNREACH */
			struct http_result res;
			out[0] = 1;
			out[1] = http_get("http://10.9.9.9:8000/", 1000, 1000, &res);
			text_printf(why, sizeof(why), "%s", res.error);
			http_result_release(&res);
		}
		ssize_t w1 = write(p[1], out, sizeof(out));
		ssize_t w2 = write(p[1], why, sizeof(why));
		_exit(w1 > 0 && w2 > 0 ? 0 : 1);
	}
	close(p[1]);
	int out[2] = { -1, -1 };
	char why[160] = "";
	ssize_t n1 = read(p[0], out, sizeof(out));
	ssize_t n2 = read(p[0], why, sizeof(why));
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	assert_child_exited_ok(st, "the namespaced child");
	assert_int_equal(n1, sizeof(out));
	assert_int_equal(n2, sizeof(why));
	if (!out[0]) {
		print_message("SKIP: %s\n", why);
		skip();
	}
	assert_int_equal(out[1], -EHOSTUNREACH);
	assert_non_null(strstr(why, "(Network is unreachable)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_200, reap_server),
		cmocka_unit_test_teardown(test_200_binary, reap_server),
		cmocka_unit_test_teardown(test_error_statuses, reap_server),
		cmocka_unit_test_teardown(test_body_over_cap, reap_server),
		cmocka_unit_test_teardown(test_refused, reap_server),
		cmocka_unit_test_teardown(test_silent_server_times_out, reap_server),
		cmocka_unit_test_teardown(test_closed_without_answer, reap_server),
		cmocka_unit_test_teardown(test_bad_urls, reap_server),
		cmocka_unit_test_teardown(test_proxy_env_ignored, reap_server),
		cmocka_unit_test_teardown(test_stop_before, reap_server),
		cmocka_unit_test_teardown(test_stop_midway, reap_server),
		cmocka_unit_test_teardown(test_unreachable, reap_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
