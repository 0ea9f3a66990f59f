/* runner/grade/grade_jobs and grade_progress: the default -j from a
 * machine's CPUs and free memory (this machine's shape: 2 CPUs, 24 GiB;
 * one with little memory; a big one held at GRADE_MAX_JOBS), MemAvailable
 * read from real /proc/meminfo text, and the progress line's words, pace
 * and estimate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/grade/grade_ctx.h"
#include "runner/grade/grade_jobs.h"
#include "runner/grade/grade_progress.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static void test_cpus_bound(void **state)
{
	(void)state;
	char why[200];
	struct grade_jobs_machine m = { .cpus = 2, .mem_available = 24 * GiB };
	/* half a CPU a submission: two on each CPU */
	assert_int_equal(grade_default_jobs(&m, GiB, GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)),
			 2 * 100 / GRADE_SUBMISSION_CPU_PCT);
	assert_non_null(strstr(why, "2 CPUs"));
	assert_non_null(strstr(why, "% of one busy"));
	/* a whole-lab submission (three guests, chapter 3's two at once)
	 * keeps more of a CPU busy: three on 2 CPUs */
	assert_int_equal(grade_default_jobs(&m, GiB, GRADE_WHOLE_LAB_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)), 3);
	assert_non_null(strstr(why, "about 65% of one busy"));
	/* one CPU still grades, even a submission that needs more than one */
	m.cpus = 1;
	assert_true(grade_default_jobs(&m, GiB, 200, GRADE_MAX_JOBS, why, sizeof(why)) == 1);
	assert_non_null(strstr(why, "1 CPU,"));
	/* affinity unknown: taken as one CPU, never 0 */
	m.cpus = 0;
	assert_true(grade_default_jobs(&m, GiB, GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)) >= 1);
}

static void test_memory_bound(void **state)
{
	(void)state;
	char why[200];
	/* 2 GiB free, 1 GiB a sandbox: 75% of 2 GiB holds one */
	struct grade_jobs_machine m = { .cpus = 8, .mem_available = 2 * GiB };
	assert_int_equal(grade_default_jobs(&m, GiB, GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "2048 MiB of memory free"));
	assert_non_null(strstr(why, "1024 MiB a sandbox"));
	/* less than one sandbox's worth free: still one, never 0 */
	m.mem_available = 512 * MiB;
	assert_int_equal(grade_default_jobs(&m, GiB, GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)), 1);
	/* a smaller --memory lets more run */
	m.mem_available = 8 * GiB;
	assert_int_equal(grade_default_jobs(&m, 512 * MiB, GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)), 12);
	/* memory unknown: the CPUs decide */
	m.mem_available = 0;
	assert_int_equal(grade_default_jobs(&m, GiB, GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)),
			 8 * 100 / GRADE_SUBMISSION_CPU_PCT);
}

static void test_limit(void **state)
{
	(void)state;
	char why[200];
	struct grade_jobs_machine m = { .cpus = 64, .mem_available = 512 * GiB };
	assert_int_equal(grade_default_jobs(&m, GiB, GRADE_SUBMISSION_CPU_PCT, GRADE_MAX_JOBS, why, sizeof(why)), GRADE_MAX_JOBS);
	assert_non_null(strstr(why, "at most"));
}

/* the head of this machine's /proc/meminfo */
static const char meminfo[] = "MemTotal:       24628076 kB\n"
			      "MemFree:        22040028 kB\n"
			      "MemAvailable:   23891216 kB\n"
			      "Buffers:          161364 kB\n"
			      "Cached:          1873108 kB\n";

static void test_meminfo(void **state)
{
	(void)state;
	uint64_t b = 0;
	assert_int_equal(meminfo_available(meminfo, &b), 0);
	assert_true(b == 23891216ULL * 1024);
	/* a kernel before 3.14 has no MemAvailable */
	assert_int_equal(meminfo_available("MemTotal: 1 kB\nMemFree: 1 kB\n", &b), -ENOENT);
	assert_int_equal(meminfo_available("", &b), -ENOENT);
	/* MemAvailable as part of another name is not it */
	assert_int_equal(meminfo_available("XMemAvailable: 5 kB\n", &b), -ENOENT);
}

static void test_progress_words(void **state)
{
	(void)state;
	char line[160];
	/* nothing graded yet: no pace to tell */
	grade_progress_format(line, sizeof(line), 0, 200, 1000, NULL, 0, 5000);
	assert_string_equal(line, "graded 0 of 200");
	/* one graded after 8 s: 8 s each so far, 199 left */
	int64_t one[] = { 9000 };
	grade_progress_format(line, sizeof(line), 1, 200, 1000, one, 1, 9000);
	assert_string_equal(line, "graded 1 of 200 \xc2\xb7 8.0 s a submission \xc2\xb7 about 26 min 32 s left");
	/* the pace is the window's: the last ends 3.5 s apart, whatever came before */
	int64_t ends[] = { 100000, 103500, 107000, 110500 };
	grade_progress_format(line, sizeof(line), 40, 200, 0, ends, 4, 111000);
	assert_string_equal(line, "graded 40 of 200 \xc2\xb7 3.5 s a submission \xc2\xb7 about 9 min 20 s left");
	/* long classes in hours */
	grade_progress_format(line, sizeof(line), 1, 2000, 0, one, 1, 9000);
	assert_non_null(strstr(line, "about 4 h 59 min left"));
	/* done: how long it took */
	grade_progress_format(line, sizeof(line), 200, 200, 0, ends, 4, 725000);
	assert_string_equal(line, "graded 200 of 200 in 12 min 05 s");
}

static void test_progress_window(void **state)
{
	(void)state;
	struct grade_progress p;
	grade_progress_begin(&p, 50, 0);
	/* not a terminal here (cmocka's output is captured or not: whichever,
	 * the window must hold the last ones) */
	for (int k = 1; k <= 20; k++)
		grade_progress_done(&p, k * 1000);
	assert_int_equal(p.done, 20);
	assert_int_equal(p.nends, GRADE_PROGRESS_WINDOW);
	assert_true(p.ends[0] == (20 - GRADE_PROGRESS_WINDOW + 1) * 1000);
	assert_true(p.ends[GRADE_PROGRESS_WINDOW - 1] == 20000);
	/* clearing what was never drawn writes nothing and keeps state */
	p.on = false;
	grade_progress_clear(&p);
	grade_progress_tick(&p, 30000);
	assert_false(p.drawn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus_bound),     cmocka_unit_test(test_memory_bound),
		cmocka_unit_test(test_limit),          cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_progress_words), cmocka_unit_test(test_progress_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
