/* checks/iperf: iperf_inconsistency() on iperf3's real reports
 * (tests/fixtures/iperf: every complete JSON run there adds up) and on
 * copies of them edited the ways a forger would: a rate made 10x, bytes
 * and rate made 10x together, both sums made 10x (the intervals then do
 * not add up), one interval's bytes edited, the sums swapped. Each edit is
 * made on the parsed JSON of a real report, so the rest stays iperf3's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "checks/iperf.h"
#include "checks/verdict.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

#define IPERF_FIXTURES FIXTURES "/iperf/"

static json_t *load_json(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s%s", IPERF_FIXTURES, name);
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	if (!j)
		fail_msg("cannot load '%s': %s", path, err.text);
	return j;
}

/* j as iperf3 text, parsed; the inconsistency's return, its why in why */
static int judge_json(const json_t *j, struct iperf_result *res, char *why, size_t n)
{
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	assert_non_null(text);
	memset(res, 0, sizeof(*res));
	assert_int_equal(iperf_parse(text, strlen(text), res), 0);
	free(text);
	why[0] = '\0';
	return iperf_inconsistency(res, why, n);
}

static json_t *end_sum(json_t *j, const char *which)
{
	return json_object_get(json_object_get(j, "end"), which);
}

static void scale(json_t *o, const char *key, double f)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_number(v));
	json_object_set_new(o, key, json_real(json_number_value(v) * f));
}

static void test_real_reports_add_up(void **state)
{
	(void)state;
	static const char *const names[] = {
		"client-e1000-t2.json", "client-e1000-t5.json", "client-virtio-t2.json", "client-virtio-t5.json",
		"client-parallel-2.json", "client-reverse.json", "client-udp.json", "server-e1000-t2.json",
		"vlab-console-e1000-t2.json", "vlab-console-virtio-t2.json", "client-interrupted-sigint.json",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		json_t *j = load_json(names[i]);
		struct iperf_result r;
		char why[240];
		if (judge_json(j, &r, why, sizeof(why)))
			fail_msg("%s: %s", names[i], why);
		if (strcmp(names[i], "client-interrupted-sigint.json"))
			assert_true(r.intervals_summed > 0);
		json_decref(j);
	}
	/* the reverse run's intervals are its received bytes, the server's too */
	json_t *j = load_json("client-reverse.json");
	struct iperf_result r;
	char why[240];
	judge_json(j, &r, why, sizeof(why));
	assert_false(r.intervals_are_sent);
	json_decref(j);
}

static void test_rate_made_10x(void **state)
{
	(void)state;
	json_t *j = load_json("client-e1000-t5.json");
	scale(end_sum(j, "sum_received"), "bits_per_second", 10);
	struct iperf_result r;
	char why[240];
	assert_int_equal(judge_json(j, &r, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "end.sum_received says 14.1 Gbit/s"));
	assert_non_null(strstr(why, "are 1.41 Gbit/s"));
	/* the verdict fails it, naming why and the fix */
	struct check_result c;
	check_init(&c, "iperf.run");
	check_iperf_run(&c, &r, 0);
	assert_int_equal(c.verdict, VERDICT_FAIL);
	assert_non_null(strstr(c.detail, "not a run's"));
	assert_non_null(strstr(c.hint, "unedited"));
	json_decref(j);
}

static void test_bytes_and_rate_made_10x(void **state)
{
	(void)state;
	json_t *j = load_json("client-virtio-t5.json");
	scale(end_sum(j, "sum_received"), "bits_per_second", 10);
	scale(end_sum(j, "sum_received"), "bytes", 10);
	struct iperf_result r;
	char why[240];
	assert_int_equal(judge_json(j, &r, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "more than the 2801270784 of end.sum_sent"));
	json_decref(j);
}

static void test_both_sums_made_10x(void **state)
{
	(void)state;
	json_t *j = load_json("client-e1000-t2.json");
	for (int k = 0; k < 2; k++) {
		json_t *s = end_sum(j, k ? "sum_received" : "sum_sent");
		scale(s, "bits_per_second", 10);
		scale(s, "bytes", 10);
	}
	struct iperf_result r;
	char why[240];
	assert_int_equal(judge_json(j, &r, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "add up to 350320808 bytes, but end.sum_sent says 3503208080"));
	json_decref(j);
}

static void test_interval_edited(void **state)
{
	(void)state;
	json_t *j = load_json("client-e1000-t2.json");
	json_t *sum = json_object_get(json_array_get(json_object_get(j, "intervals"), 1), "sum");
	scale(sum, "bytes", 3);
	struct iperf_result r;
	char why[240];
	assert_int_equal(judge_json(j, &r, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "interval 2 says"));
	/* its rate edited to match: the intervals no longer add up */
	scale(sum, "bits_per_second", 3);
	assert_int_equal(judge_json(j, &r, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "interval reports add up to"));
	json_decref(j);
}

static void test_sums_swapped(void **state)
{
	(void)state;
	json_t *j = load_json("client-virtio-t2.json");
	json_t *end = json_object_get(j, "end");
	json_t *sent = json_incref(json_object_get(end, "sum_sent")), *recv = json_incref(json_object_get(end, "sum_received"));
	/* a receiver that got more than was sent (a forger's "better" sum) */
	json_object_set_new(end, "sum_sent", recv);
	json_object_set_new(end, "sum_received", sent);
	struct iperf_result r;
	char why[240];
	assert_int_equal(judge_json(j, &r, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "more than the"));
	json_decref(j);
}

/* -O N: the first N intervals are "omitted" and not in the end sums */
static void test_omitted_intervals_left_out(void **state)
{
	(void)state;
	json_t *j = load_json("client-e1000-t2.json");
	json_t *sum0 = json_object_get(json_array_get(json_object_get(j, "intervals"), 0), "sum");
	json_object_set_new(sum0, "omitted", json_true());
	json_int_t omitted = json_integer_value(json_object_get(sum0, "bytes"));
	for (int k = 0; k < 2; k++) {
		json_t *s = end_sum(j, k ? "sum_received" : "sum_sent");
		json_int_t bytes = json_integer_value(json_object_get(s, "bytes")) - omitted;
		double secs = json_number_value(json_object_get(s, "seconds")) -
			      json_number_value(json_object_get(sum0, "seconds"));
		json_object_set_new(s, "bytes", json_integer(bytes));
		json_object_set_new(s, "seconds", json_real(secs));
		json_object_set_new(s, "bits_per_second", json_real((double)bytes * 8 / secs));
	}
	struct iperf_result r;
	char why[240];
	if (judge_json(j, &r, why, sizeof(why)))
		fail_msg("an -O run: %s", why);
	assert_int_equal(r.intervals_summed, 1);
	json_decref(j);
}

/* the text form rounds to 3 digits: never judged */
static void test_text_not_judged(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(read_file(IPERF_FIXTURES "client-virtio-t2.txt", &sb), 0);
	struct iperf_result r;
	assert_int_equal(iperf_parse(sb.buf, sb.len, &r), 0);
	char why[240] = "";
	assert_int_equal(iperf_inconsistency(&r, why, sizeof(why)), 0);
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_reports_add_up),
		cmocka_unit_test(test_rate_made_10x),
		cmocka_unit_test(test_bytes_and_rate_made_10x),
		cmocka_unit_test(test_both_sums_made_10x),
		cmocka_unit_test(test_interval_edited),
		cmocka_unit_test(test_sums_swapped),
		cmocka_unit_test(test_omitted_intervals_left_out),
		cmocka_unit_test(test_text_not_judged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
