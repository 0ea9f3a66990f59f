/* The engine: runs one chapter's steps in order. */
#ifndef VLAB_ENGINE_H
#define VLAB_ENGINE_H

#include <jansson.h>

#include "chapters/chapter.h"
#include "runner/lab.h"

/* Exit statuses (DESIGN.md "Commands"). */
enum {
	EXIT_PASS = 0,
	EXIT_CHECK_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_HOST = 3,      /* the host lacks what is needed, or an input is unusable */
	EXIT_INTERNAL = 4,
};

/* Run ch with opt. Prints progress (text) as it goes; returns the exit status
 * (0, 1, 3, 4, or 128+signal when stopped). The chapter's report object is
 * appended to report (when not NULL), for the caller to print in the format
 * asked for. When the chapter could not run (3), vlab broke (4) or a signal
 * stopped it, the one line printed on stderr is also left in why (when not
 * NULL), so `vlab run` can repeat it in its summary. */
int engine_run_chapter(const struct chapter *ch, const struct lab_options *opt, json_t *report, char *why,
		       size_t whylen);

/* A usage error: "vlab: WHAT" and "usage: vlab USAGE" on stderr; returns
 * EXIT_USAGE. usage is the command and its synopsis ("grade SUBMISSION..."). */
int usage_fail(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
