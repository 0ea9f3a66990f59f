/* libcurl downloads; see fetch.h for the retry state machine. */
#include "runner/fetch/fetch.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/clock.h"

static const char *const reason_names[] = {
	[FR_OK] = "ok",
	[FR_DNS] = "dns",
	[FR_REFUSED] = "refused",
	[FR_NOT_FOUND] = "not_found",
	[FR_HTTP] = "http_error",
	[FR_CONNECTION] = "connection",
	[FR_STALLED] = "stalled",
	[FR_REDIRECTS] = "too_many_redirects",
	[FR_TLS] = "tls",
	[FR_DISK_FULL] = "disk_full",
	[FR_WRITE] = "write_error",
	[FR_TOO_BIG] = "too_big",
	[FR_BAD_URL] = "bad_url",
	[FR_INTERRUPTED] = "interrupted",
	[FR_OTHER] = "other",
};

const char *fetch_reason_name(enum fetch_reason r)
{
	return (size_t)r < ARRAY_SIZE(reason_names) && reason_names[r] ? reason_names[r] : "other";
}

struct fetch_class fetch_classify(int curl_code, long http_status, int write_errno)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OK:
		return (struct fetch_class){ FR_OK, false };
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return (struct fetch_class){ FR_DNS, false };
	case CURLE_COULDNT_CONNECT:
		return (struct fetch_class){ FR_REFUSED, false };
	case CURLE_HTTP_RETURNED_ERROR:
		if (http_status == 404 || http_status == 410)
			return (struct fetch_class){ FR_NOT_FOUND, false };
		/* RFC 9110: 408, 429 and 5xx say "not now", not "never" */
		return (struct fetch_class){ FR_HTTP, http_status == 408 || http_status == 429 || http_status >= 500 };
	case CURLE_FILE_COULDNT_READ_FILE:
	case CURLE_REMOTE_FILE_NOT_FOUND:
		return (struct fetch_class){ FR_NOT_FOUND, false };
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_RANGE_ERROR:
		return (struct fetch_class){ FR_CONNECTION, true };
	case CURLE_OPERATION_TIMEDOUT:
		return (struct fetch_class){ FR_STALLED, true };
	case CURLE_TOO_MANY_REDIRECTS:
		return (struct fetch_class){ FR_REDIRECTS, false };
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return (struct fetch_class){ FR_TLS, false };
	case CURLE_WRITE_ERROR:
		if (write_errno == ENOSPC || write_errno == EDQUOT || write_errno == EFBIG)
			return (struct fetch_class){ FR_DISK_FULL, false };
		return (struct fetch_class){ FR_WRITE, false };
	case CURLE_ABORTED_BY_CALLBACK:
		return (struct fetch_class){ FR_INTERRUPTED, false };
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return (struct fetch_class){ FR_BAD_URL, false };
	default:
		return (struct fetch_class){ FR_OTHER, false };
	}
}

int64_t fetch_backoff_ms(int attempt, int64_t base_ms, long retry_after_s)
{
	if (retry_after_s > 0 && retry_after_s <= 60)
		return (int64_t)retry_after_s * 1000;
	int64_t ms = base_ms > 0 ? base_ms : 0;
	for (int i = 1; i < attempt && ms < 8000; i++)
		ms *= 2;
	return ms < 8000 ? ms : 8000;
}

void fetch_format_progress(char *buf, size_t n, const char *name, uint64_t done, uint64_t total, double bytes_per_s,
			   bool bar)
{
	char d[32], t[32], r[32];
	format_size(done, d, sizeof(d));
	format_size(total, t, sizeof(t));
	format_size(bytes_per_s > 0 ? (uint64_t)bytes_per_s : 0, r, sizeof(r));
	if (!total || done > total) {
		snprintf(buf, n, "%s  %s  %s/s", name, d, r);
		return;
	}
	int pct = (int)(done * 100 / total);
	char bars[24] = "";
	if (bar) {
		int w = 20, fill = (int)(done * (uint64_t)w / total);
		bars[0] = '[';
		for (int i = 0; i < w; i++)
			bars[1 + i] = i < fill ? '=' : ' ';
		bars[w + 1] = ']';
		bars[w + 2] = '\0';
	}
	char eta[24] = "ETA -:--";
	if (bytes_per_s > 0) {
		uint64_t s = (uint64_t)((double)(total - done) / bytes_per_s + 0.5);
		if (s >= 3600)
			text_printf(eta, sizeof(eta), "ETA %lu:%02lu:%02lu", (unsigned long)(s / 3600),
				 (unsigned long)(s / 60 % 60), (unsigned long)(s % 60));
		else
			snprintf(eta, sizeof(eta), "ETA %lu:%02lu", (unsigned long)(s / 60), (unsigned long)(s % 60));
	}
	snprintf(buf, n, "%s  %s / %s  %3d%%%s%s  %s/s  %s", name, d, t, pct, bar ? "  " : "", bars, r, eta);
}

void fetch_opts_init(struct fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->retries = 4;
	o->stall_s = 30;
	o->connect_s = 20;
	o->backoff_ms = 500;
	o->max_redirects = 5;
	o->name = "download";
}

bool fetch_url_supported(const char *url)
{
	return starts_with(url, "http://") || starts_with(url, "https://") || starts_with(url, "file://");
}

static void global_init(void)
{
	static bool done;
	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		atexit(curl_global_cleanup);
		/* RLIMIT_FSIZE: a write past it must fail with EFBIG (a "disk full"
		 * we can report and clean up after), not kill vlab with SIGXFSZ */
		signal(SIGXFSZ, SIG_IGN);
		done = true;
	}
}

/* One transfer's state, shared by the callbacks. */
struct xfer {
	int fd;                   /* -1: into sb */
	struct strbuf *sb;
	size_t max;
	int write_errno;
	bool too_big;
	const struct fetch_opts *o;
	uint64_t offset;          /* bytes the file held before this attempt */
	uint64_t received;        /* this attempt */
	uint64_t received_all;
	int64_t t0;               /* this attempt's start */
	int64_t last_draw;
	bool tty, drew;
	EVP_MD_CTX *md;           /* sha256 of the file's bytes as written, or NULL */
	/* libcurl hands over at most 16 KiB a call (CURL_MAX_WRITE_SIZE); the
	 * file gets them in 1 MiB writes, a sixtieth of the system calls */
	char *buf;
	size_t buflen;
};

#define WRITE_BUF (1u << 20)

/* The buffered bytes into the file (and the hash). -1 with write_errno. */
static int flush(struct xfer *x)
{
	for (size_t done = 0; done < x->buflen;) {
		ssize_t w = write(x->fd, x->buf + done, x->buflen - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			x->write_errno = errno;
			/* what did reach the file stays (resumable); the rest is lost */
			x->received -= x->buflen - done;
			x->received_all -= x->buflen - done;
			if (x->md && done)
				EVP_DigestUpdate(x->md, x->buf, done);
			x->buflen = 0;
			return -1;
		}
		done += (size_t)w;
	}
	if (x->md)
		EVP_DigestUpdate(x->md, x->buf, x->buflen);
	x->buflen = 0;
	return 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	if (x->fd < 0) {
		if (x->sb->len + n > x->max) {
			x->too_big = true;
			return 0;
		}
		sb_add(x->sb, data, n);
	} else {
		if (x->buflen + n > WRITE_BUF && flush(x))
			return 0;
		if (n > WRITE_BUF) {
			/* never from libcurl (16 KiB at most), but not worth a bug */
			x->write_errno = EMSGSIZE;
			return 0;
		}
		memcpy(x->buf + x->buflen, data, n);
		x->buflen += n;
	}
	x->received += n;
	x->received_all += n;
	return n;
}

static double rate_of(const struct xfer *x)
{
	int64_t ms = now_ms() - x->t0;
	return ms > 0 ? (double)x->received * 1000.0 / (double)ms : 0;
}

static void draw(struct xfer *x, uint64_t total, bool final)
{
	if (x->o->quiet)
		return;
	char line[256];
	uint64_t done = x->offset + x->received;
	fetch_format_progress(line, sizeof(line), x->o->name, done, total ? x->offset + total : 0, rate_of(x), x->tty);
	if (x->tty) {
		/* one line redrawn in place; \033[K clears what a longer line left */
		fprintf(stderr, "\r%s\033[K%s", line, final ? "\n" : "");
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
	x->drew = true;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	struct xfer *x = arg;
	if (cleanup_stop_requested())
		return 1;
	idle_tick();
	int64_t now = now_ms();
	/* a terminal gets 5 redraws a second; a log a line every 5 s */
	if (now - x->last_draw >= (x->tty ? 200 : 5000) && x->received) {
		x->last_draw = now;
		draw(x, (uint64_t)dltotal, false);
	}
	return 0;
}

static void describe(struct fetch_error *e, const char *url, struct fetch_class c, long status, const char *curl_msg,
		     int write_errno, const struct fetch_opts *o, int attempts)
{
	e->reason = c.reason;
	char tries[48] = "";
	if (attempts > 1)
		snprintf(tries, sizeof(tries), " (%d attempts)", attempts);
	switch (c.reason) {
	case FR_DNS:
		snprintf(e->msg, sizeof(e->msg), "%s: the host name does not resolve (DNS): %s", url, curl_msg);
		break;
	case FR_REFUSED:
		snprintf(e->msg, sizeof(e->msg), "%s: connection refused: is the mirror's web server running? (%s)", url,
			 curl_msg);
		break;
	case FR_NOT_FOUND:
		if (status)
			snprintf(e->msg, sizeof(e->msg), "%s: HTTP %ld: the mirror has no such file", url, status);
		else
			snprintf(e->msg, sizeof(e->msg), "%s: no such file", url);
		break;
	case FR_HTTP:
		snprintf(e->msg, sizeof(e->msg), "%s: HTTP %ld%s", url, status, tries);
		break;
	case FR_CONNECTION:
		snprintf(e->msg, sizeof(e->msg), "%s: the connection broke: %s%s", url, curl_msg, tries);
		break;
	case FR_STALLED:
		snprintf(e->msg, sizeof(e->msg), "%s: stalled: less than 1 byte/s for %d s (the stall limit)%s", url,
			 o->stall_s, tries);
		break;
	case FR_REDIRECTS:
		snprintf(e->msg, sizeof(e->msg), "%s: more than %d redirects", url, o->max_redirects);
		break;
	case FR_TLS:
		snprintf(e->msg, sizeof(e->msg), "%s: TLS: %s", url, curl_msg);
		break;
	case FR_DISK_FULL:
		snprintf(e->msg, sizeof(e->msg), "%s: disk full: %s (writing into the cache)", url, strerror(write_errno));
		break;
	case FR_WRITE:
		snprintf(e->msg, sizeof(e->msg), "%s: cannot write: %s", url, strerror(write_errno));
		break;
	case FR_INTERRUPTED:
		snprintf(e->msg, sizeof(e->msg), "%s: stopped by signal %d", url, cleanup_stop_signal());
		break;
	default:
		snprintf(e->msg, sizeof(e->msg), "%s: %s", url, curl_msg);
		break;
	}
}

static int sleep_unless_stopped(int64_t ms)
{
	int64_t end = now_ms() + ms;
	while (now_ms() < end) {
		if (cleanup_stop_requested())
			return -EINTR;
		idle_tick();
		int64_t left = ms_left(end);
		int64_t step = left < 100 ? left : 100;
		nanosleep(&(struct timespec){ step / 1000, (long)(step % 1000) * 1000000L }, NULL);
	}
	return 0;
}

/* Start md over with the first `len` bytes already in fd (a resumed file):
 * the hash then covers exactly the bytes the file holds. */
static int hash_prefix(EVP_MD_CTX *md, int fd, uint64_t len, int *err)
{
	static unsigned char buf[1 << 16];
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (uint64_t off = 0; off < len;) {
		size_t want = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			*err = n < 0 ? errno : EIO;
			return -1;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		off += (uint64_t)n;
	}
	return 0;
}

/* Ready x for an attempt: resume where the file ends (a buffer starts
 * over), hash what is already there, counters back to zero. -EIO, e saying
 * why, when what is there cannot be read. */
static int start_attempt(struct xfer *x, const char *url, int attempt, struct fetch_error *e)
{
	x->offset = 0;
	if (x->fd >= 0) {
		off_t end = lseek(x->fd, 0, SEEK_END);
		x->offset = end > 0 ? (uint64_t)end : 0;
	} else {
		sb_reset(x->sb);
	}
	if (x->md && hash_prefix(x->md, x->fd, x->offset, &x->write_errno)) {
		describe(e, url, (struct fetch_class){ FR_WRITE, false }, 0, "", x->write_errno, x->o, attempt);
		return -EIO;
	}
	x->received = 0;
	x->write_errno = 0;
	x->too_big = false;
	x->t0 = now_ms();
	x->last_draw = x->t0;
	return 0;
}

static void set_options(CURL *h, const char *url, struct xfer *x, char *errbuf)
{
	const struct fetch_opts *o = x->o;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "vlab/" VLAB_VERSION);
	/* fewer, larger writes (and hash updates): 16 KiB by default */
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)o->max_redirects);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* a web mirror must not send vlab to a local file */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)o->connect_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)o->stall_s);
	if (x->offset)
		curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->offset);
}

/* After attempt number attempt failed (rc, status, errbuf): 0 to try again
 * (after the backoff, waited here), or the error to give up with, e saying
 * why. */
static int judge_failure(CURL *h, CURLcode rc, long status, const char *errbuf, const char *url, struct xfer *x,
			 int attempt, struct fetch_error *e)
{
	const struct fetch_opts *o = x->o;
	if (x->tty && x->drew)
		fprintf(stderr, "\n");
	x->drew = false;
	if (x->too_big) {
		e->reason = FR_TOO_BIG;
		snprintf(e->msg, sizeof(e->msg), "%s: more than %zu bytes", url, x->max);
		return -EFBIG;
	}
	struct fetch_class c = fetch_classify((int)rc, status, x->write_errno);
	/* CURLE_OPERATION_TIMEDOUT is both the stall limit and the connect
	 * timeout; only the former says "too slow" */
	if (rc == CURLE_OPERATION_TIMEDOUT && !strstr(errbuf, "too slow"))
		c.reason = FR_CONNECTION;
	if (c.reason == FR_INTERRUPTED || cleanup_stop_requested()) {
		describe(e, url, (struct fetch_class){ FR_INTERRUPTED, false }, status, errbuf, 0, o, attempt);
		return -EINTR;
	}
	bool restart = rc == CURLE_RANGE_ERROR || status == 416;
	if (!(c.transient || restart) || attempt > o->retries) {
		describe(e, url, c, status, errbuf[0] ? errbuf : curl_easy_strerror(rc), x->write_errno, o, attempt);
		return -EIO;
	}
	if (restart && x->fd >= 0) {
		/* the server will not continue this file: start it over */
		if (ftruncate(x->fd, 0) < 0) {
			c = (struct fetch_class){ FR_WRITE, false };
			describe(e, url, c, status, errbuf, errno, o, attempt);
			return -EIO;
		}
	}
	curl_off_t after = 0;
	curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &after);
	int64_t wait = restart ? 0 : fetch_backoff_ms(attempt, o->backoff_ms, (long)after);
	if (!o->quiet)
		fprintf(stderr, "%s: %s; attempt %d of %d in %.1f s\n", o->name, errbuf[0] ? errbuf : "error",
			attempt + 1, o->retries + 1, (double)wait / 1000.0);
	if (sleep_unless_stopped(wait)) {
		describe(e, url, (struct fetch_class){ FR_INTERRUPTED, false }, status, errbuf, 0, o, attempt);
		return -EINTR;
	}
	return 0;
}

static int transfer(const char *url, struct xfer *x, struct fetch_stats *st, struct fetch_error *e)
{
	global_init();
	memset(e, 0, sizeof(*e));
	const struct fetch_opts *o = x->o;
	if (!fetch_url_supported(url)) {
		e->reason = FR_BAD_URL;
		snprintf(e->msg, sizeof(e->msg), "%s: not an http://, https:// or file:// URL", url);
		return -EINVAL;
	}
	CURL *h = curl_easy_init();
	if (!h) {
		e->reason = FR_OTHER;
		snprintf(e->msg, sizeof(e->msg), "%s: libcurl could not start", url);
		return -ENOMEM;
	}
	x->tty = !o->quiet && isatty(STDERR_FILENO);
	int64_t start = now_ms();
	int ret = 0;
	char errbuf[CURL_ERROR_SIZE];
	for (int attempt = 1;; attempt++) {
		ret = start_attempt(x, url, attempt, e);
		if (ret)
			break;
		errbuf[0] = '\0';
		set_options(h, url, x, errbuf);
		if (x->offset && attempt > 1)
			st->resumes++;
		CURLcode rc = curl_easy_perform(h);
		if (x->fd >= 0 && flush(x) && rc == CURLE_OK)
			rc = CURLE_WRITE_ERROR;
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		st->attempts = attempt;
		st->http_status = status;
		if (rc == CURLE_OK) {
			if (x->drew || (!o->quiet && x->received > (1u << 20)))
				draw(x, x->received, true);
			break;
		}
		ret = judge_failure(h, rc, status, errbuf, url, x, attempt, e);
		if (ret)
			break;
	}
	curl_easy_cleanup(h);
	st->bytes = x->received_all;
	st->size = x->offset + x->received;
	if (!ret && x->md) {
		unsigned char d[32];
		unsigned len = 0;
		EVP_DigestFinal_ex(x->md, d, &len);
		for (unsigned i = 0; i < 32; i++)
			snprintf(st->sha256 + 2 * i, 3, "%02x", d[i]);
	}
	st->ms = now_ms() - start;
	return ret;
}

int fetch_to_fd(const char *url, int fd, const struct fetch_opts *o, struct fetch_stats *st, struct fetch_error *e)
{
	struct xfer x = { .fd = fd, .o = o };
	memset(st, 0, sizeof(*st));
	/* hashed as it arrives: no second pass over the file to verify it */
	x.md = EVP_MD_CTX_new();
	x.buf = malloc(WRITE_BUF);
	if (!x.md || !x.buf) {
		EVP_MD_CTX_free(x.md);
		free(x.buf);
		e->reason = FR_OTHER;
		snprintf(e->msg, sizeof(e->msg), "%s: out of memory", url);
		return -ENOMEM;
	}
	int r = transfer(url, &x, st, e);
	EVP_MD_CTX_free(x.md);
	free(x.buf);
	return r;
}

int fetch_to_buffer(const char *url, size_t max_bytes, const struct fetch_opts *o, struct strbuf *sb,
		    struct fetch_error *e)
{
	struct xfer x = { .fd = -1, .sb = sb, .max = max_bytes, .o = o };
	struct fetch_stats st;
	memset(&st, 0, sizeof(st));
	return transfer(url, &x, &st, e);
}
