/* The class-wide progress line of `vlab grade` on a terminal: how many are
 * graded of how many, the current pace and an estimate of the time left,
 * redrawn in place on stderr. Where stderr is not a terminal (a CI log, a
 * file) nothing of it is written. */
#ifndef VLAB_GRADE_PROGRESS_H
#define VLAB_GRADE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The pace is that of the last GRADE_PROGRESS_WINDOW submissions graded:
 * the current one, not the class's average since the start (the first
 * ones share the machine with fewer others). */
#define GRADE_PROGRESS_WINDOW 8

struct grade_progress {
	int total, done;
	int64_t t0;                              /* when grading started, ms */
	int64_t ends[GRADE_PROGRESS_WINDOW];     /* the last ones' ends, ms, oldest first */
	int nends;
	bool on;                                 /* drawing (stderr is a terminal) */
	bool drawn;                              /* a line stands on the terminal */
	int64_t drawn_at;
};

/* The line for done of total at now (ms), t0 the start, ends[0..nends) the
 * last submissions' ends, oldest first: "graded 12 of 200 · 3.9 s a
 * submission · about 12 min left". Pure. */
void grade_progress_format(char *buf, size_t n, int done, int total, int64_t t0, const int64_t *ends, int nends,
			   int64_t now);

/* Start: drawing only when stderr is a terminal. */
void grade_progress_begin(struct grade_progress *p, int total, int64_t now);
/* One more graded at now. */
void grade_progress_done(struct grade_progress *p, int64_t now);
/* Redraw when a second has passed or something changed (cheap to call often). */
void grade_progress_tick(struct grade_progress *p, int64_t now);
/* Take the line off the terminal, before anything else is printed there. */
void grade_progress_clear(struct grade_progress *p);

#endif
