/* checks/class_report (shards, class statistics, identical artefacts) and
 * runner/class_html (the page, escaped) on hand-made results in the shape
 * `vlab grade` writes (tests/fixtures/class/results-handmade.json). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/class_report.h"
#include "runner/grade/class_html.h"
#include "runner/util.h"

static json_t *load_results(void)
{
	json_error_t err;
	json_t *j = json_load_file(FIXTURES "/class/results-handmade.json", 0, &err);
	if (!j)
		fail_msg("fixture: %s", err.text);
	return j;
}

static void test_shard_parse(void **state)
{
	(void)state;
	struct shard sh;
	char why[160];
	assert_int_equal(shard_parse("2/4", &sh, why, sizeof(why)), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 4);
	assert_int_equal(shard_parse("1/1", &sh, why, sizeof(why)), 0);
	const char *bad[] = { "", "0/4", "5/4", "2/0", "2", "2/4x", "-1/4", "a/b", "2/1001", " 2/4" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(shard_parse(bad[i], &sh, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "--shard"));
	}
}

/* N shards cover every position exactly once, sizes within one */
static void test_shard_partition(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 7; n++) {
		unsigned sizes[8] = { 0 };
		for (size_t pos = 0; pos < 23; pos++) {
			unsigned owners = 0;
			for (unsigned i = 1; i <= n; i++) {
				struct shard sh = { i, n };
				if (shard_owns(&sh, pos)) {
					owners++;
					sizes[i]++;
				}
			}
			assert_int_equal(owners, 1);
		}
		unsigned lo = 100, hi = 0;
		for (unsigned i = 1; i <= n; i++) {
			lo = sizes[i] < lo ? sizes[i] : lo;
			hi = sizes[i] > hi ? sizes[i] : hi;
		}
		assert_true(hi - lo <= 1);
	}
}

static void test_stats(void **state)
{
	(void)state;
	json_t *results = load_results();
	struct class_stats s;
	char why[200];
	assert_int_equal(class_stats_compute(results, &s, why, sizeof(why)), 0);
	assert_int_equal(s.count, 5);
	assert_int_equal(s.regrade, 1);
	/* scored: 100, 50, 6.25, 98.75 (dave is flagged, not scored) */
	assert_true(s.mean_percent > 63.74 && s.mean_percent < 63.76);
	assert_true(s.median_percent > 74.37 && s.median_percent < 74.38);
	assert_int_equal(s.histogram[10], 1);
	assert_int_equal(s.histogram[9], 1);
	assert_int_equal(s.histogram[5], 1);
	assert_int_equal(s.histogram[0], 1);
	assert_int_equal(s.nchecks, 3);
	assert_string_equal(s.checks[0].id, "cmd.kvm");
	assert_int_equal(s.checks[0].passed, 3);
	assert_int_equal(s.checks[0].graded, 4);
	assert_int_equal(s.checks[0].errors, 1);
	assert_string_equal(s.checks[2].id, "ch2.http_200");
	assert_int_equal(s.checks[2].graded, 2);   /* parent_failed counts as graded, not passed */
	assert_int_equal(s.checks[2].passed, 0);
	assert_int_equal(s.checks[2].skipped, 1);
	/* bob's and carol's strace.log are the same bytes; a bad hash is ignored */
	assert_int_equal(s.ndups, 1);
	assert_string_equal(s.dups[0].file, "strace.log");
	assert_int_equal(s.dups[0].nnames, 2);
	assert_string_equal(s.dups[0].names[0], "bob");
	assert_string_equal(s.dups[0].names[1], "carol");
	assert_int_equal(s.nduplicate_names, 0);
	class_stats_release(&s);
	json_decref(results);
}

static void test_same_submission_twice(void **state)
{
	(void)state;
	json_t *results = load_results();
	json_array_append(results, json_array_get(results, 1));
	json_array_append(results, json_array_get(results, 1));
	struct class_stats s;
	char why[200];
	assert_int_equal(class_stats_compute(results, &s, why, sizeof(why)), 0);
	assert_int_equal(s.nduplicate_names, 1);
	assert_string_equal(s.duplicate_names[0], "bob");
	/* bob's own artefact three times is not a copy between students */
	assert_int_equal(s.ndups, 1);
	class_stats_release(&s);
	json_decref(results);
}

static void test_bad_results(void **state)
{
	(void)state;
	struct class_stats s;
	char why[200];
	json_t *j = json_pack("{s:i}", "score", 1);
	assert_int_equal(class_stats_compute(j, &s, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a JSON array"));
	json_decref(j);
	j = json_pack("[{s:s, s:s, s:i, s:[]}]", "submission", "zed", "score", "high", "max_score", 10, "checks");
	assert_int_equal(class_stats_compute(j, &s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "result 1 ('zed') lacks a numeric \"score\"");
	json_decref(j);
}

static void test_html(void **state)
{
	(void)state;
	json_t *results = load_results();
	struct class_stats s;
	char why[200];
	assert_int_equal(class_stats_compute(results, &s, why, sizeof(why)), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	class_write_html(f, &s, results, "Lab 1 <grades>");
	fclose(f);
	assert_non_null(strstr(buf, "<title>Lab 1 &lt;grades&gt;</title>"));
	assert_non_null(strstr(buf, "data-bin=\"100%\" data-count=\"1\""));
	assert_non_null(strstr(buf, "data-bin=\"50-59%\" data-count=\"1\""));
	assert_non_null(strstr(buf, "<td>cmd.kvm</td><td class=\"num\">3</td><td class=\"num\">4</td><td data-rate=\"75.0\">"));
	assert_non_null(strstr(buf, "<td>bob, carol</td>"));
	/* a student's directory name never becomes markup */
	assert_null(strstr(buf, "<script>"));
	assert_non_null(strstr(buf, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
	assert_non_null(strstr(buf, "needs regrading"));
	free(buf);
	class_stats_release(&s);
	json_decref(results);
}

/* A column per chapter the rubric has (ch1, ch3 and ch4 here: no ch2), a
 * submission's points of those counted (a SKIP out of the maximum). */
static void test_chapters(void **state)
{
	(void)state;
	assert_int_equal(check_id_chapter("ch3.conclusions"), 3);
	assert_int_equal(check_id_chapter("ch0.host_ready"), 0);
	assert_int_equal(check_id_chapter("ch10.x"), -1);
	assert_int_equal(check_id_chapter("ch3"), -1);
	assert_int_equal(check_id_chapter("cmd.kvm"), -1);
	assert_int_equal(check_id_chapter(NULL), -1);
	const char *text =
		"[{\"submission\": \"ann\", \"score\": 35, \"max_score\": 40, \"checks\": ["
		" {\"id\": \"ch1.cmdline_kvm\", \"status\": \"pass\", \"points\": 5, \"max_points\": 5, \"rubric_points\": 5},"
		" {\"id\": \"ch3.conclusions\", \"status\": \"pass\", \"points\": 10, \"max_points\": 10, \"rubric_points\": 10},"
		" {\"id\": \"ch4.exits_counted\", \"status\": \"pass\", \"points\": 10, \"max_points\": 10, \"rubric_points\": 10},"
		" {\"id\": \"ch4.cr_exits_ept_off\", \"status\": \"fail\", \"points\": 0, \"max_points\": 10, \"rubric_points\": 10},"
		" {\"id\": \"ch4.strace_memory_region\", \"status\": \"pass\", \"points\": 10, \"max_points\": 10, \"rubric_points\": 10}]},"
		" {\"submission\": \"ben\", \"score\": 25, \"max_score\": 35, \"checks\": ["
		" {\"id\": \"ch1.cmdline_kvm\", \"status\": \"skip\", \"points\": 0, \"max_points\": 0, \"rubric_points\": 5},"
		" {\"id\": \"ch3.conclusions\", \"status\": \"fail\", \"points\": 0, \"max_points\": 10, \"rubric_points\": 10},"
		" {\"id\": \"ch4.exits_counted\", \"status\": \"pass\", \"points\": 10, \"max_points\": 10, \"rubric_points\": 10},"
		" {\"id\": \"ch4.cr_exits_ept_off\", \"status\": \"pass\", \"points\": 10, \"max_points\": 10, \"rubric_points\": 10},"
		" {\"id\": \"ch4.strace_memory_region\", \"status\": \"pass\", \"points\": 5, \"max_points\": 5, \"rubric_points\": 10}]}]";
	json_t *results = json_loads(text, 0, NULL);
	assert_non_null(results);
	struct class_stats s;
	char why[200];
	assert_int_equal(class_stats_compute(results, &s, why, sizeof(why)), 0);
	assert_int_equal(s.nchapters, 3);
	assert_int_equal(s.chapters[0].number, 1);
	assert_int_equal(s.chapters[1].number, 3);
	assert_int_equal(s.chapters[2].number, 4);
	assert_int_equal(s.chapters[2].rubric_points, 30);
	/* ch1: ann 100 %, ben has nothing counted there (skipped): not scored */
	assert_int_equal(s.chapters[0].scored, 1);
	/* ch4: ann 20/30, ben 25/25 */
	assert_true(s.chapters[2].mean_percent > 83.3 && s.chapters[2].mean_percent < 83.4);
	long long p, m;
	assert_true(result_chapter_points(json_array_get(results, 1), 4, &p, &m));
	assert_int_equal(p, 25);
	assert_int_equal(m, 25);
	assert_false(result_chapter_points(json_array_get(results, 1), 2, &p, &m));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	class_write_html(f, &s, results, "t");
	fclose(f);
	assert_non_null(strstr(buf, "<th>%</th><th class=\"chapter\">ch1</th><th class=\"chapter\">ch3</th>"
				    "<th class=\"chapter\">ch4</th><th></th></tr>"));
	assert_null(strstr(buf, ">ch2<"));
	assert_non_null(strstr(buf, "<td class=\"num\" data-chapter=\"ch4\" data-points=\"20\" data-max=\"30\">20/30</td>"));
	assert_non_null(strstr(buf, "data-chapter=\"ch1\" data-points=\"0\" data-max=\"0\">0/0</td>"));
	json_t *j = class_stats_json(&s);
	json_t *ch = json_array_get(json_object_get(j, "chapters"), 2);
	assert_string_equal(json_string_value(json_object_get(ch, "chapter")), "ch4");
	assert_int_equal(json_integer_value(json_object_get(ch, "rubric_points")), 30);
	json_decref(j);
	free(buf);
	class_stats_release(&s);
	json_decref(results);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_parse),
		cmocka_unit_test(test_shard_partition),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_same_submission_twice),
		cmocka_unit_test(test_bad_results),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_chapters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
