/* The class view of many graded submissions: which slice of a class a
 * machine grades (--shard I/N), and, from the per-submission results that
 * `vlab grade` writes (schema_version 1, runner/grade/grade_report.h), the facts of
 * the class report `vlab report merge` prints: scores, a histogram, each
 * check's pass rate, submissions flagged for regrading, and saved artefacts
 * that are byte-identical across submissions. Pure: JSON in, facts out. */
#ifndef VLAB_CLASS_REPORT_H
#define VLAB_CLASS_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* --shard I/N: the I-th of N slices, 1 <= I <= N <= 1000. */
struct shard {
	unsigned index;   /* 1-based */
	unsigned count;
};

/* 0, or -EINVAL (why says what is wrong, for a one-line usage error). */
int shard_parse(const char *s, struct shard *out, char *why, size_t n);

/* Whether the submission at position pos of the list sorted by name (byte
 * order) is this shard's: round-robin, so the N slices differ in size by one
 * at most and together are the whole list. Every machine must be given the
 * same list (the same glob over the same directory). */
bool shard_owns(const struct shard *sh, size_t pos);

#define CLASS_HISTOGRAM_BINS 11   /* 0-9 %, 10-19 %, ..., 90-99 %, 100 % */
#define CLASS_MAX_CHECKS 64

struct class_check_rate {
	char id[64];
	unsigned passed;      /* "pass" */
	unsigned graded;      /* pass, fail, parent_failed (skip and error are not graded) */
	unsigned skipped, errors;
};

/* Submissions whose saved artefact (same file name) has the same sha256. */
struct class_duplicate {
	char file[64];        /* "strace.log" */
	char sha256[65];
	char **names;         /* the submissions, sorted */
	size_t nnames;
};

/* A chapter of the lab that the rubric has checks of (the chapter is the
 * number in a check id's "chN." prefix). */
#define CLASS_MAX_CHAPTERS 10
struct class_chapter {
	int number;               /* 3 for ch3.* */
	long long rubric_points;  /* its checks' points in the rubric (the first result that has it) */
	double mean_percent;      /* of the points counted, over the submissions scored in it */
	unsigned scored;          /* submissions with points to score in it, not flagged for regrading */
};

struct class_stats {
	size_t count;             /* submissions */
	size_t regrade;           /* flagged needs_regrade */
	double mean_percent, median_percent;
	unsigned histogram[CLASS_HISTOGRAM_BINS];
	struct class_check_rate checks[CLASS_MAX_CHECKS];
	size_t nchecks;           /* in first-seen order */
	struct class_duplicate *dups;
	size_t ndups;
	char **duplicate_names;   /* the same submission name twice in the input */
	size_t nduplicate_names;
	struct class_chapter chapters[CLASS_MAX_CHAPTERS];
	size_t nchapters;         /* in chapter order */
};

/* The chapter of a check id: N for "chN.anything" (N one digit), else -1. */
int check_id_chapter(const char *id);

/* A result's points in chapter ch: the sums of its "points" and
 * "max_points" (what counts: SKIP and ERROR count 0) over its checks of the
 * chapter; false when it has none. */
bool result_chapter_points(const json_t *result, int ch, long long *points, long long *max);

/* results: an array of result objects ({"submission", "score", "max_score",
 * "needs_regrade", "checks": [{"id", "status"}], "saved": [{"file",
 * "sha256"}]}). 0, or -EINVAL with why set when an element is not such an
 * object (which one, and what is missing). */
int class_stats_compute(const json_t *results, struct class_stats *out, char *why, size_t n);
void class_stats_release(struct class_stats *s);

/* The facts as the "class" object of a class report: {"scored", "regrade",
 * "mean_percent", "median_percent", "histogram": [{"bin", "count"}],
 * "checks": [{"id", "passed", "graded", "pass_rate", "skipped", "errors"}],
 * "identical_artifacts": [{"file", "sha256", "submissions"}],
 * "graded_twice": [names], "chapters": [{"chapter": "ch3", "rubric_points",
 * "mean_percent", "scored"}]}. New reference. */
json_t *class_stats_json(const struct class_stats *s);

#endif
