/* The kinds of file a student hands in that vlab can judge without
 * re-running the lab (vlab check KIND FILE..., and vlab grade for the files
 * a rubric names): each a row of a small table with its name, its check id,
 * and a function from the file's bytes to a verdict, metrics and facts. */
#ifndef VLAB_CHECKS_CHECK_KINDS_H
#define VLAB_CHECKS_CHECK_KINDS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "checks/verdict.h"

struct check_kind {
	const char *name;       /* "iperf" */
	const char *check_id;   /* the id its verdict carries: "iperf.run" */
	/* Judge data[0..len): r filled, metrics and facts (JSON objects)
	 * added to. -EINVAL when the bytes are not this kind's at all, why
	 * saying what they are instead (r then untouched). */
	int (*judge)(const char *data, size_t len, struct check_result *r, json_t *metrics, json_t *facts,
		     char *why, size_t whylen);
};

extern const struct check_kind check_kinds[];
extern const size_t ncheck_kinds;
const struct check_kind *check_kind_find(const char *name);

/* The RAM (bytes) a strace log must show to pass (vlab check --memory);
 * the lab's 256 MiB until set. */
void check_kinds_set_strace_memory(uint64_t bytes);

#endif
