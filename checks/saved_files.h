/* Files a student saves and hands in (iperf3's report, a strace log of
 * qemu, a perf kvm stat report), judged from their bytes alone: what
 * `vlab check KIND FILE` prints and what `vlab grade` scores a
 * submission's saved artefacts by. Each kind is a row of a small table. */
#ifndef VLAB_SAVED_FILES_H
#define VLAB_SAVED_FILES_H

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

/* The RAM a strace log must show (the lab's 256 MiB by default; `vlab
 * check --memory` sets it). */
extern uint64_t strace_wanted_memory;

#endif
