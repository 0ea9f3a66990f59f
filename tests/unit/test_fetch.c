/* runner/fetch: what each libcurl outcome means (reason, whether to retry),
 * the backoff, the progress line, and real transfers over file:// (a fresh
 * file, one resumed from a partial file, a missing one, a stop request). */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/cleanup.h"
#include "runner/fetch/fetch.h"
#include "runner/sha256.h"

static void expect_class(int code, long status, int werr, enum fetch_reason reason, bool transient)
{
	struct fetch_class c = fetch_classify(code, status, werr);
	if (c.reason != reason || c.transient != transient)
		fail_msg("curl %d http %ld errno %d: got %s/%d, want %s/%d", code, status, werr,
			 fetch_reason_name(c.reason), c.transient, fetch_reason_name(reason), transient);
}

static void test_classify(void **state)
{
	expect_class(CURLE_OK, 200, 0, FR_OK, false);
	expect_class(CURLE_COULDNT_RESOLVE_HOST, 0, 0, FR_DNS, false);
	expect_class(CURLE_COULDNT_CONNECT, 0, 0, FR_REFUSED, false);
	expect_class(CURLE_HTTP_RETURNED_ERROR, 404, 0, FR_NOT_FOUND, false);
	expect_class(CURLE_HTTP_RETURNED_ERROR, 410, 0, FR_NOT_FOUND, false);
	expect_class(CURLE_HTTP_RETURNED_ERROR, 403, 0, FR_HTTP, false);
	expect_class(CURLE_HTTP_RETURNED_ERROR, 500, 0, FR_HTTP, true);
	expect_class(CURLE_HTTP_RETURNED_ERROR, 503, 0, FR_HTTP, true);
	expect_class(CURLE_HTTP_RETURNED_ERROR, 429, 0, FR_HTTP, true);
	expect_class(CURLE_HTTP_RETURNED_ERROR, 408, 0, FR_HTTP, true);
	expect_class(CURLE_FILE_COULDNT_READ_FILE, 0, 0, FR_NOT_FOUND, false);
	expect_class(CURLE_PARTIAL_FILE, 200, 0, FR_CONNECTION, true);
	expect_class(CURLE_RECV_ERROR, 200, 0, FR_CONNECTION, true);
	expect_class(CURLE_GOT_NOTHING, 0, 0, FR_CONNECTION, true);
	expect_class(CURLE_OPERATION_TIMEDOUT, 200, 0, FR_STALLED, true);
	expect_class(CURLE_TOO_MANY_REDIRECTS, 302, 0, FR_REDIRECTS, false);
	expect_class(CURLE_PEER_FAILED_VERIFICATION, 0, 0, FR_TLS, false);
	expect_class(CURLE_WRITE_ERROR, 200, ENOSPC, FR_DISK_FULL, false);
	expect_class(CURLE_WRITE_ERROR, 200, EFBIG, FR_DISK_FULL, false);
	expect_class(CURLE_WRITE_ERROR, 200, EIO, FR_WRITE, false);
	expect_class(CURLE_ABORTED_BY_CALLBACK, 200, 0, FR_INTERRUPTED, false);
	expect_class(CURLE_UNSUPPORTED_PROTOCOL, 0, 0, FR_BAD_URL, false);
	expect_class(CURLE_OUT_OF_MEMORY, 0, 0, FR_OTHER, false);
	assert_string_equal(fetch_reason_name(FR_DISK_FULL), "disk_full");
	assert_string_equal(fetch_reason_name(FR_NOT_FOUND), "not_found");
	assert_string_equal(fetch_reason_name((enum fetch_reason)99), "other");
}

static void test_backoff(void **state)
{
	assert_int_equal(fetch_backoff_ms(1, 500, 0), 500);
	assert_int_equal(fetch_backoff_ms(2, 500, 0), 1000);
	assert_int_equal(fetch_backoff_ms(4, 500, 0), 4000);
	assert_int_equal(fetch_backoff_ms(5, 500, 0), 8000);
	assert_int_equal(fetch_backoff_ms(30, 500, 0), 8000);
	/* the server's Retry-After, when sane, replaces the doubling */
	assert_int_equal(fetch_backoff_ms(1, 500, 3), 3000);
	assert_int_equal(fetch_backoff_ms(1, 500, 3600), 500);
	assert_int_equal(fetch_backoff_ms(3, 0, 0), 0);
}

static void test_progress_line(void **state)
{
	char b[256];
	fetch_format_progress(b, sizeof(b), "rootfs.ext4", 16u << 20, 64u << 20, 4u << 20, true);
	assert_string_equal(b, "rootfs.ext4  16 MiB / 64 MiB   25%  [=====               ]  4 MiB/s  ETA 0:12");
	fetch_format_progress(b, sizeof(b), "k", 16u << 20, 64u << 20, 4u << 20, false);
	assert_string_equal(b, "k  16 MiB / 64 MiB   25%  4 MiB/s  ETA 0:12");
	/* unknown size: no percentage, no ETA */
	fetch_format_progress(b, sizeof(b), "k", 1536, 0, 0, true);
	assert_string_equal(b, "k  1536 B  0 B/s");
	/* no rate yet; hours */
	fetch_format_progress(b, sizeof(b), "k", 0, 100, 0, false);
	assert_string_equal(b, "k  0 B / 100 B    0%  0 B/s  ETA -:--");
	fetch_format_progress(b, sizeof(b), "k", 0, 7200, 1, false);
	assert_string_equal(b, "k  0 B / 7200 B    0%  1 B/s  ETA 2:00:00");
}

static char dir[] = "/tmp/vlab-test-fetch.XXXXXX";

static char *write_source(size_t n)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/src", dir) > 0);
	FILE *f = fopen(path, "w");
	for (size_t i = 0; i < n; i++)
		fputc((int)(i * 7 % 251), f);
	fclose(f);
	return path;
}

static void assert_same_file(const char *a, const char *b)
{
	char ha[65], hb[65];
	assert_int_equal(sha256_file(a, ha), 0);
	assert_int_equal(sha256_file(b, hb), 0);
	assert_string_equal(ha, hb);
}

static void test_file_url_and_resume(void **state)
{
	char *src = write_source(3 << 20);
	char *url = xasprintf("file://%s", src);
	char *dst = xasprintf("%s/dst", dir);
	struct fetch_opts o;
	fetch_opts_init(&o);
	o.quiet = true;
	struct fetch_stats st;
	struct fetch_error e;

	int fd = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(fetch_to_fd(url, fd, &o, &st, &e), 0);
	close(fd);
	assert_same_file(src, dst);
	assert_int_equal(st.size, 3 << 20);
	assert_int_equal(st.attempts, 1);

	/* a partial file: only the rest is read, the result is whole */
	assert_int_equal(truncate(dst, 1 << 20), 0);
	fd = open(dst, O_RDWR);
	assert_int_equal(fetch_to_fd(url, fd, &o, &st, &e), 0);
	close(fd);
	assert_same_file(src, dst);
	assert_int_equal(st.bytes, 2 << 20);
	/* the hash taken as the bytes arrived covers the resumed prefix too */
	char want[65];
	assert_int_equal(sha256_file(src, want), 0);
	assert_string_equal(st.sha256, want);

	/* a missing file */
	char *missing = xasprintf("file://%s/nothing", dir);
	fd = open(dst, O_RDWR | O_TRUNC);
	assert_int_equal(fetch_to_fd(missing, fd, &o, &st, &e), -EIO);
	close(fd);
	assert_int_equal(e.reason, FR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "/nothing: no such file"));

	/* into memory, with a limit */
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(fetch_to_buffer(url, 1 << 20, &o, &sb, &e), -EFBIG);
	assert_int_equal(e.reason, FR_TOO_BIG);
	assert_int_equal(fetch_to_buffer(url, 4 << 20, &o, &sb, &e), 0);
	assert_int_equal(sb.len, 3 << 20);
	sb_release(&sb);

	/* not a scheme vlab takes */
	assert_int_equal(fetch_to_buffer("gopher://x/", 10, &o, &sb, &e), -EINVAL);
	assert_int_equal(e.reason, FR_BAD_URL);
	assert_false(fetch_url_supported("ftp://x"));
	assert_true(fetch_url_supported("https://x"));

	/* a stop request ends the transfer from the progress callback */
	cleanup_request_stop(2);
	fd = open(dst, O_RDWR | O_TRUNC);
	assert_int_equal(fetch_to_fd(url, fd, &o, &st, &e), -EINTR);
	close(fd);
	assert_int_equal(e.reason, FR_INTERRUPTED);
	cleanup_clear_stop();

	unlink(dst);
	unlink(src);
	free(missing);
	free(dst);
	free(url);
	free(src);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_progress_line),
		cmocka_unit_test(test_file_url_and_resume),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
