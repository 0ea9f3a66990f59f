/* checks/check_kinds: the table of `vlab check` kinds, the help of
 * runner/cmd/check kept in step with it, and the iperf row's judgement of
 * real files (the command's exit statuses and output are tested by
 * tests/integration/check_iperf.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/check_kinds.h"
#include "checks/check_registry.h"
#include "runner/cmd/commands.h"
#include "runner/util.h"
#include "runner/files.h"
#include "tests/unit/unit_helpers.h"

static void test_help_names_every_kind(void **state)
{
	(void)state;
	assert_true(ncheck_kinds >= 1);
	char *help = NULL;
	size_t helplen = 0;
	FILE *f = open_memstream(&help, &helplen);
	assert_non_null(f);
	command_print_help(f, &command_check);
	fclose(f);
	for (size_t i = 0; i < ncheck_kinds; i++) {
		char line[64];
		/* "    iperf   an iperf3 run..." */
		snprintf(line, sizeof(line), "  %s  ", check_kinds[i].name);
		if (!strstr(help, line))
			fail_msg("vlab check --help does not describe the kind '%s'", check_kinds[i].name);
		assert_ptr_equal(check_kind_find(check_kinds[i].name), &check_kinds[i]);
		assert_non_null(check_registry_kind_id(check_kinds[i].name));
		assert_non_null(check_kinds[i].judge);
	}
	free(help);
	assert_null(check_kind_find("iperf3"));
	assert_null(check_kind_find(""));
}

static int judge_file(const char *kind, const char *name, struct check_result *r, json_t *metrics, json_t *facts,
		      char *why, size_t whylen)
{
	const struct check_kind *k = check_kind_find(kind);
	assert_non_null(k);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	struct strbuf sb = STRBUF_INIT;
	if (read_file(path, &sb))
		fail_msg("cannot read %s", path);
	check_init(r, check_registry_kind_id(k->name));
	int rc = k->judge(sb_str(&sb), sb.len, r, metrics, facts, why, whylen);
	sb_release(&sb);
	return rc;
}

static void test_iperf_kind(void **state)
{
	(void)state;
	struct check_result r;
	json_t *m = json_object(), *f = json_object();
	char why[256] = "";
	assert_int_equal(judge_file("iperf", "iperf/client-virtio-t2.json", &r, m, f, why, sizeof(why)), 0);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.id, "iperf.run");
	assert_true(json_real_value(json_object_get(m, "received_bps")) == 3236019913.749619);
	assert_int_equal(json_integer_value(json_object_get(m, "retransmits_count")), 0);
	assert_string_equal(json_string_value(json_object_get(f, "role")), "client");
	assert_string_equal(json_string_value(json_object_get(f, "server")), "10.0.1.11");
	assert_true(json_is_null(json_object_get(f, "error")));
	json_decref(m);
	json_decref(f);

	m = json_object();
	f = json_object();
	assert_int_equal(judge_file("iperf", "iperf/error-connection-refused.json", &r, m, f, why, sizeof(why)), 0);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(json_string_value(json_object_get(f, "error")),
			    "unable to connect to server: Connection refused");
	assert_null(json_object_get(m, "sent_bps"));
	json_decref(m);
	json_decref(f);

	m = json_object();
	f = json_object();
	assert_int_equal(judge_file("iperf", "iperf/not-iperf-ping.txt", &r, m, f, why, sizeof(why)), -EINVAL);
	assert_false(r.done);
	assert_string_equal(why, "not iperf3's report: neither JSON nor iperf3's text: no line of iperf3's report");
	json_decref(m);
	json_decref(f);
}

/* The whole of a log of two runs given to the kind's judge (vlab grade's
 * one verdict a file): the last run, and the detail says so; the split
 * `vlab check` judges each run by. */
static void test_iperf_kind_two_runs(void **state)
{
	(void)state;
	struct check_result r;
	json_t *m = json_object(), *f = json_object();
	char why[256] = "";
	assert_int_equal(judge_file("iperf", "iperf/loopback-refused-then-ok.txt", &r, m, f, why, sizeof(why)), 0);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_contains(r.detail, "the last of 2 runs (line 2: Connecting to host 127.0.0.1, port 15201): client");
	assert_int_equal(json_integer_value(json_object_get(f, "runs")), 2);
	assert_int_equal(json_integer_value(json_object_get(m, "retransmits_count")), 16);
	json_decref(m);
	json_decref(f);

	m = json_object();
	f = json_object();
	assert_int_equal(judge_file("iperf", "iperf/loopback-two-client-runs.json", &r, m, f, why, sizeof(why)), 0);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_contains(r.detail, "the last of 2 runs (line 123: started Sat, 05 Dec 2026 00:42:13 GMT)");
	json_decref(m);
	json_decref(f);

	const struct check_kind *k = check_kind_find("iperf");
	assert_non_null(k->split);
	assert_null(check_kind_find("strace")->split);
	char *text = fixture_text("iperf/loopback-two-client-runs.txt");
	struct check_span *spans;
	assert_int_equal(k->split(text, strlen(text), &spans), 2);
	assert_int_equal(spans[1].line, 11);
	assert_string_equal(spans[1].label, "Connecting to host 127.0.0.1, port 15201");
	free(spans);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_names_every_kind),
		cmocka_unit_test(test_iperf_kind),
		cmocka_unit_test(test_iperf_kind_two_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
