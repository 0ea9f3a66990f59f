/* An HTTP GET over libcurl, for chapter 2's "curl 10.0.0.10:8000" from the
 * host: what came back is a struct http_result (checks/http.h). */
#ifndef VLAB_NET_HTTP_GET_H
#define VLAB_NET_HTTP_GET_H

#include "checks/http.h"

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
