/* What an HTTP GET brought back, for chapter 2's "curl 10.0.0.10:8000" from
 * the host: status, body and its sha256, time, rather than text. Plain data
 * for the verdicts; runner/net/http_get.h's http_get() fills it. */
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

#endif
