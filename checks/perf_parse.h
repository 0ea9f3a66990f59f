/* `perf kvm stat report` output (what `perf kvm stat record -p QEMU_PID` then
 * `perf kvm stat report` print), parsed into a table of VM-exit reasons.
 * Pure: text in, table out. Intel names the reasons in capitals
 * (CR_ACCESS, EXCEPTION_NMI), AMD in lower case (write_cr3, npf, io, msr);
 * the "Total Samples" line may be missing (a screenshot's transcription, a
 * cut file). */
#ifndef VLAB_PERF_PARSE_H
#define VLAB_PERF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PERF_MAX_REASONS 64

struct perf_exit_row {
	char reason[40];        /* "CR_ACCESS", "write_cr3" */
	uint64_t samples;
	double samples_pct, time_pct;
	double min_us, max_us, avg_us;
};

struct perf_report {
	char event[32];         /* the first column's title: "VM-EXIT", "IO-PORT-ACCESS", "MMIO-ACCESS" */
	struct perf_exit_row rows[PERF_MAX_REASONS];
	size_t nrows;
	bool has_total;
	uint64_t total_samples; /* from "Total Samples:N", else the rows' sum */
	double total_time_us;
};

/* 0, or -EINVAL when the text has no `perf kvm stat report` table header. */
int perf_report_parse(const char *text, size_t len, struct perf_report *out);

/* Samples of the CR-access exits: Intel's CR_ACCESS, AMD's read_crN and write_crN
 * (and crN_write as some perf versions print them). */
uint64_t perf_cr_exits(const struct perf_report *r);

#endif
