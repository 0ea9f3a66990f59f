/* The default number of submissions `vlab grade` grades at once (-j), chosen
 * from the machine: its CPUs, the memory it has free against each
 * sandbox's --memory, and how much of a CPU one submission's grading keeps
 * busy (measured: GRADE_SUBMISSION_CPU_PCT). */
#ifndef VLAB_GRADE_JOBS_H
#define VLAB_GRADE_JOBS_H

#include <stddef.h>
#include <stdint.h>

/* How much of one CPU grading one chapters 1-2 submission keeps busy, in
 * percent, from start to end at -j 1: the CPU time of its sandbox and of
 * the grading worker over its wall time. Most of a submission is waiting:
 * for the guest's login prompt after the CPU-bound part of its boot under
 * TCG, the e1000's carrier (its driver's ~2 s watchdog), a second between
 * pings, the shells' answers. Measured with bench/run-grade.sh; the numbers
 * are in bench/RESULTS.md ("Grading a class"). */
#define GRADE_SUBMISSION_CPU_PCT 50
/* The share of the free memory the sandboxes' limits may add up to: the
 * rest is left to the host and to vlab's own reports. */
#define GRADE_MEMORY_SHARE_PCT 75

struct grade_jobs_machine {
	long cpus;                /* the CPUs this process may run on (its affinity) */
	uint64_t mem_available;   /* /proc/meminfo's MemAvailable, bytes; 0: unknown */
};

/* The default -j for sandboxes of memory_bytes each, each running vms
 * guests (1 for chapters 1-2), never more than max_jobs nor fewer than 1;
 * why gets one line saying what bounded it ("4: 2 CPUs, a submission keeps
 * about 50% of one busy"). Pure. */
int grade_default_jobs(const struct grade_jobs_machine *m, uint64_t memory_bytes, int vms, int max_jobs, char *why,
		       size_t whylen);

/* This machine's CPUs and free memory (sched_getaffinity, /proc/meminfo);
 * what cannot be read is left 1 CPU / 0 bytes. */
void grade_jobs_machine_read(struct grade_jobs_machine *m);

/* MemAvailable in /proc/meminfo's text, in bytes: 0 and *bytes, or
 * -ENOENT when the text has none. Pure. */
int meminfo_available(const char *text, uint64_t *bytes);

#endif
