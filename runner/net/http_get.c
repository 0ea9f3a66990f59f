/* HTTP GET over libcurl's multi interface: the transfer is driven here in
 * 100 ms slices, so a stop request ends it at once (-EINTR) and the UI's
 * idle_tick() keeps running, as in every other wait in vlab. */
#include "runner/net/http_get.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"

#define POLL_SLICE_MS 100

struct body {
	struct strbuf sb;
	bool truncated;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	size_t room = HTTP_BODY_CAP - b->sb.len;
	if (n > room) {
		sb_add(&b->sb, data, room);
		b->truncated = true;
		return 0; /* less than given: libcurl ends the transfer with CURLE_WRITE_ERROR */
	}
	sb_add(&b->sb, data, n);
	return n;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return;
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static bool curl_ready(struct http_result *res)
{
	/* curl_global_init is not thread-safe; vlab is single-threaded and
	 * this is its first use of libcurl, so doing it lazily here is safe.
	 * Never undone: libcurl keeps a count and the process ends soon. */
	static CURLcode init = CURLE_FAILED_INIT;
	static bool tried;
	if (!tried) {
		tried = true;
		init = curl_global_init(CURL_GLOBAL_DEFAULT);
	}
	if (init != CURLE_OK)
		snprintf(res->error, sizeof(res->error), "curl_global_init: %s", curl_easy_strerror(init));
	return init == CURLE_OK;
}

/* What a failed transfer means for the caller, as an errno. */
static int map_error(CURLcode cc, long os_errno)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		/* libcurl says "couldn't connect" for all of these; the
		 * socket's errno tells them apart */
		switch (os_errno) {
		case ECONNREFUSED:
			return -ECONNREFUSED;
		case ETIMEDOUT:
			return -ETIMEDOUT;
		case EHOSTUNREACH:
		case ENETUNREACH:
			return -EHOSTUNREACH;
		}
		return -EIO;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int set_options(CURL *h, const char *url, long connect_timeout_ms, long total_timeout_ms, struct body *b,
		       char *errbuf)
{
	CURLcode c = CURLE_OK;
#define SET(opt, val)                                      \
	do {                                               \
		if (c == CURLE_OK)                         \
			c = curl_easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	/* "*" turns proxies off for every host, whatever http_proxy and
	 * no_proxy say: a student's proxy must never see the lab's traffic */
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 replaced CURLOPT_PROTOCOLS */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, total_timeout_ms);
	/* no SIGALRM for resolver timeouts: vlab owns its signals */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "vlab/" VLAB_VERSION);
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, b);
#undef SET
	return c;
}

/* Drive the transfer on m in POLL_SLICE_MS slices until it ends. Returns 0
 * with *cc its result when it finished; -EIO (res->error says why) when
 * libcurl failed, -EINTR on a stop request. */
static int drive(CURLM *m, CURLcode *cc, struct http_result *res)
{
	for (;;) {
		int running = 0;
		CURLMcode mc = curl_multi_perform(m, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(m, NULL, 0, POLL_SLICE_MS, NULL);
		if (mc != CURLM_OK) {
			snprintf(res->error, sizeof(res->error), "%s", curl_multi_strerror(mc));
			return -EIO;
		}
		bool done = false;
		int left;
		CURLMsg *msg;
		while ((msg = curl_multi_info_read(m, &left)))
			if (msg->msg == CURLMSG_DONE) {
				*cc = msg->data.result;
				done = true;
			}
		if (!done && !running) {
			/* cannot happen: a finished transfer leaves a DONE message */
			snprintf(res->error, sizeof(res->error), "libcurl stopped without a result");
			return -EIO;
		}
		idle_tick();
		if (done)
			return 0;
		if (cleanup_stop_requested()) {
			snprintf(res->error, sizeof(res->error), "stopped by a stop request");
			return -EINTR;
		}
	}
}

/* What the finished transfer on h (its result cc, its body b) means: res
 * filled, the body handed over to it when an answer came. Returns http_get's
 * return. */
static int read_outcome(CURL *h, CURLcode cc, struct body *b, const char *errbuf, struct http_result *res)
{
	res->curl_code = cc;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	curl_off_t us = 0;
	if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		res->total_ms = (double)us / 1000.0;
	if (cc == CURLE_WRITE_ERROR && b->truncated)
		cc = CURLE_OK; /* we cut it ourselves: the answer itself came */
	if (cc == CURLE_OK && res->status > 0) {
		res->truncated = b->truncated;
		if (b->truncated)
			snprintf(res->error, sizeof(res->error), "body cut at %u bytes (HTTP_BODY_CAP)",
				 HTTP_BODY_CAP);
		sha256_hex(b->sb.buf ? b->sb.buf : "", b->sb.len, res->body_sha256);
		res->body_len = b->sb.len;
		res->body = b->sb.buf ? b->sb.buf : xstrdup("");
		b->sb.buf = NULL;
		b->sb.len = b->sb.cap = 0;
		return 0;
	}
	long os_errno = 0;
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
	int ret = cc == CURLE_OK ? -EIO : map_error(cc, os_errno);
	snprintf(res->error, sizeof(res->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
	/* curl 7.88 says "Couldn't connect to server" for refused and
	 * unreachable alike: add what the socket said */
	if (os_errno > 0 && !strstr(res->error, strerror((int)os_errno))) {
		size_t l = strlen(res->error);
		snprintf(res->error + l, sizeof(res->error) - l, " (%s)", strerror((int)os_errno));
	}
	res->status = 0;
	return ret;
}

int http_get(const char *url, long connect_timeout_ms, long total_timeout_ms, struct http_result *res)
{
	memset(res, 0, sizeof(*res));
	res->curl_code = CURLE_FAILED_INIT;
	if (!url || connect_timeout_ms < 0 || total_timeout_ms < 0)
		return -EINVAL;
	if (!curl_ready(res))
		return -EIO;
	if (cleanup_stop_requested())
		return -EINTR;

	char errbuf[CURL_ERROR_SIZE] = "";
	struct body b = { STRBUF_INIT, false };
	int ret = 0;
	CURLM *m = curl_multi_init();
	CURL *h = curl_easy_init();
	if (!m || !h) {
		ret = -ENOMEM;
		goto out;
	}
	CURLcode cc = set_options(h, url, connect_timeout_ms, total_timeout_ms, &b, errbuf);
	if (cc != CURLE_OK) {
		res->curl_code = cc;
		snprintf(res->error, sizeof(res->error), "%s", curl_easy_strerror(cc));
		ret = -EIO;
		goto out;
	}
	if (curl_multi_add_handle(m, h) != CURLM_OK) {
		ret = -ENOMEM;
		goto out;
	}
	cc = CURLE_FAILED_INIT;
	ret = drive(m, &cc, res);
	if (ret == 0)
		ret = read_outcome(h, cc, &b, errbuf, res);
	curl_multi_remove_handle(m, h);
out:
	if (h)
		curl_easy_cleanup(h);
	if (m)
		curl_multi_cleanup(m);
	sb_release(&b.sb);
	return ret;
}

void http_result_release(struct http_result *res)
{
	free(res->body);
	res->body = NULL;
	res->body_len = 0;
}
