/* An HTTP GET over libcurl, for chapter 2's "curl 10.0.0.10:8000" from the
 * host: what came back (status, body and its sha256, time) rather than text. */
#ifndef VLAB_CHECKS_HTTP_H
#define VLAB_CHECKS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Bodies are kept up to this many bytes; the lab's index.html is a few dozen. */
#define HTTP_BODY_CAP (1u << 20)

struct http_result {
	long status;             /* the HTTP status; 0 when no answer came */
	char *body;              /* malloc'd, NUL-terminated (body_len excludes it); NULL when none */
	size_t body_len;
	bool truncated;          /* the body was longer than HTTP_BODY_CAP and was cut there */
	char body_sha256[65];    /* lower-case hex of the body kept ("" when no answer) */
	double total_ms;         /* the whole transfer, as libcurl timed it */
	int curl_code;           /* the CURLcode of the transfer */
	char error[256];         /* what went wrong, in curl's words; or that the body was cut */
};

/* GET url with a connect and a total timeout (ms). No proxy whatever the
 * environment says (the lab's addresses must never go to a proxy), redirects
 * not followed, http:// and https:// only.
 *
 * Returns 0 when an HTTP answer came (any status: res->status says which;
 * also when the body was cut at HTTP_BODY_CAP, with res->truncated set);
 * -ECONNREFUSED; -ETIMEDOUT (connect or total timeout); -EHOSTUNREACH (no
 * route, or the host did not answer ARP); -EINTR on a stop request; -EIO for
 * anything else (no answer, a broken one), with res->error naming curl's
 * message; -ENOMEM. res is always initialised: release it with
 * http_result_release() whatever the return. */
int http_get(const char *url, long connect_timeout_ms, long total_timeout_ms, struct http_result *res);

void http_result_release(struct http_result *res);

#endif
