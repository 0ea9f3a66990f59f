/* The kinds of file a student hands in that vlab can judge without
 * re-running the lab (vlab check KIND FILE..., and vlab grade for the files
 * a rubric names): each a row of a small table with its name and a
 * function from the file's bytes to a verdict, metrics and facts. The id
 * its verdict carries is the check registry's (check_registry_kind_id). */
#ifndef VLAB_CHECKS_CHECK_KINDS_H
#define VLAB_CHECKS_CHECK_KINDS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "checks/verdict.h"

/* One report among several in a file: its bytes, the line it starts at
 * (1-based) and a few words that name it ("Connecting to host 10.0.0.11,
 * port 5201"; "" when there are none). */
struct check_span {
	size_t offset, len;
	int line;
	char label[96];
};

struct check_kind {
	const char *name;       /* "iperf" */
	/* Judge data[0..len): r filled, metrics and facts (JSON objects)
	 * added to. -EINVAL when the bytes are not this kind's at all, why
	 * saying what they are instead (r then untouched). */
	int (*judge)(const char *data, size_t len, struct check_result *r, json_t *metrics, json_t *facts,
		     char *why, size_t whylen);
	/* For a kind whose file may hold several reports (iperf3 run twice,
	 * appended to one log): their spans, so each is judged on its own;
	 * the count (at least 1), *spans allocated. NULL: one a file. judge
	 * given the whole of such a file judges the last and says so. */
	size_t (*split)(const char *data, size_t len, struct check_span **spans);
};

extern const struct check_kind check_kinds[];
extern const size_t ncheck_kinds;
const struct check_kind *check_kind_find(const char *name);

/* The RAM (bytes) a strace log must show to pass (vlab check --guest-memory);
 * the lab's 256 MiB until set. */
void check_kinds_set_strace_memory(uint64_t bytes);

#endif
