/* Downloads with libcurl: one URL into a file (resumed with a Range request
 * after a dropped connection) or into memory, retried with backoff on
 * transient errors, aborted when it stalls, with a progress bar on a
 * terminal and plain lines otherwise.
 *
 *   attempt ──ok──▶ done
 *      │ transient (reset, dropped, 5xx, 429, stall): wait backoff, resume
 *      │ from the bytes already written (Range), attempt again, at most
 *      │ 1 + retries times
 *      │ server ignores the range / 416: start the file over
 *      └ permanent (DNS, refused, 404, too many redirects, TLS, disk full)
 *        or a stop request: fail with a reason
 *
 * Deciding what an error means (fetch_classify), how long to wait
 * (fetch_backoff_ms) and how progress reads (fetch_format_progress) are pure
 * and unit-tested; the rest is I/O. */
#ifndef VLAB_FETCH_H
#define VLAB_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "runner/util.h"

enum fetch_reason {
	FR_OK,
	FR_DNS,           /* the host name does not resolve */
	FR_REFUSED,       /* nothing listens there */
	FR_NOT_FOUND,     /* 404, 410, or no such file:// */
	FR_HTTP,          /* another HTTP error status */
	FR_CONNECTION,    /* reset, dropped mid-body, timeouts while connecting */
	FR_STALLED,       /* below the low-speed limit for the stall time */
	FR_REDIRECTS,     /* more redirects than allowed */
	FR_TLS,           /* certificate or handshake */
	FR_DISK_FULL,     /* ENOSPC, EDQUOT, EFBIG (RLIMIT_FSIZE) */
	FR_WRITE,         /* another write error */
	FR_TOO_BIG,       /* a manifest over its size limit */
	FR_BAD_URL,       /* unsupported scheme, malformed */
	FR_INTERRUPTED,   /* SIGINT/SIGTERM */
	FR_OTHER,
};

/* "dns", "refused", "not_found", ... the json `reason` */
const char *fetch_reason_name(enum fetch_reason r);

struct fetch_class {
	enum fetch_reason reason;
	bool transient;   /* worth another attempt */
};
/* curl_code: a CURLcode; http_status: the last response's (0 none);
 * write_errno: errno of a failed write to the file (0 none). */
struct fetch_class fetch_classify(int curl_code, long http_status, int write_errno);

/* The wait before attempt number `attempt` (1 = the first retry): base_ms
 * doubled each time, at most 8 s, or the server's Retry-After when it gave
 * one of at most 60 s. */
int64_t fetch_backoff_ms(int attempt, int64_t base_ms, long retry_after_s);

/* One progress line: "NAME  12.0 MiB / 40.0 MiB  30%  [=====     ]  5.0 MiB/s  ETA 0:06".
 * total 0: unknown size (no percentage, bar or ETA). bar: draw the bar. */
void fetch_format_progress(char *buf, size_t n, const char *name, uint64_t done, uint64_t total, double bytes_per_s,
			   bool bar);

struct fetch_opts {
	int retries;          /* extra attempts after a transient error (default 4) */
	int stall_s;          /* abort an attempt below 1 byte/s for this long (default 30) */
	int connect_s;        /* connect timeout (default 20) */
	int64_t backoff_ms;   /* first retry's wait (default 500) */
	int max_redirects;    /* default 5 */
	bool quiet;           /* no progress at all */
	const char *name;     /* shown in progress lines */
};
void fetch_opts_init(struct fetch_opts *o);

struct fetch_stats {
	uint64_t bytes;       /* received over the wire in all attempts */
	uint64_t size;        /* the file's final size */
	int64_t ms;
	int attempts;
	int resumes;          /* attempts that continued a partial file */
	long http_status;     /* the last one, 0 for file:// */
	char sha256[65];      /* fetch_to_fd: of the file's bytes, "" on failure */
};

struct fetch_error {
	enum fetch_reason reason;
	char msg[640];        /* one line naming the URL and the cause */
};

/* url into the open file fd: writes after the bytes fd already holds
 * (resuming them), hashing the file's bytes as they are written (st->sha256).
 * 0, or -EIO/-EINTR with e filled in. */
int fetch_to_fd(const char *url, int fd, const struct fetch_opts *o, struct fetch_stats *st, struct fetch_error *e);
/* url into sb, at most max_bytes. */
int fetch_to_buffer(const char *url, size_t max_bytes, const struct fetch_opts *o, struct strbuf *sb,
		    struct fetch_error *e);

/* Whether url's scheme is one vlab fetches (http, https, file). */
bool fetch_url_supported(const char *url);

#endif
