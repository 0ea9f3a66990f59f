/* The engine: runs one chapter's steps in order. */
#ifndef VLAB_ENGINE_H
#define VLAB_ENGINE_H

#include <jansson.h>

#include "runner/chapter.h"
#include "runner/exit_status.h"
#include "runner/lab.h"

/* Run ch with opt. Prints progress (text) as it goes; returns the exit status
 * (0, 1, 3, 4, or 128+signal when stopped). The chapter's report object is
 * appended to report (when not NULL), for the caller to print in the format
 * asked for. When the chapter could not run (3), vlab broke (4) or a signal
 * stopped it, the one line printed on stderr is also left in why (when not
 * NULL), so `vlab run` can repeat it in its summary. */
int engine_run_chapter(const struct chapter *ch, const struct lab_options *opt, json_t *report, char *why,
		       size_t whylen);

#endif
