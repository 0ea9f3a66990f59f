/* The default number of submissions `vlab grade` grades at once (-j), chosen
 * from the machine: its CPUs, the memory it has free against each
 * sandbox's --memory, and the share of a CPU a submission is counted for
 * (GRADE_SUBMISSION_CPU_PCT, from a measured sweep). */
#ifndef VLAB_GRADE_JOBS_H
#define VLAB_GRADE_JOBS_H

#include <stddef.h>
#include <stdint.h>

/* The share of a CPU one chapters 1-2 submission is counted for, in
 * percent. At -j 1 its grading keeps 60-70% of a CPU busy (the guest's boot
 * under TCG is most of it; the rest is waiting for the login prompt, the
 * shells and the pings), but the waits of several submissions overlap: on
 * 2 CPUs -j 4 and -j 5 graded fastest (3.9 and 3.5 s a submission) and -j 6
 * fell off a cliff (6.0 s), every guest's boot stretched past the waits it
 * was to fill. 50% (two a CPU) keeps clear of it on a machine that does
 * other work too. The sweep is in bench/RESULTS.md ("Grading a class"). */
#define GRADE_SUBMISSION_CPU_PCT 50
/* The same for a whole-lab submission (chapter 3's two-VM script after
 * chapters 1-2's): three guests in two sandboxes, one after the other. At
 * -j 2 on 2 CPUs its grading kept 1.3 of them busy (0.64 a submission:
 * 174 CPU seconds in 135 s for 8), and -j 3 graded 6 in 105 and 113 s
 * where -j 2 took 136 and 118 (bench/RESULTS.md, "The whole lab against
 * chapters 1-2"): 65% gives three on 2 CPUs. */
#define GRADE_WHOLE_LAB_CPU_PCT 65
/* The share of the free memory the sandboxes' limits may add up to: the
 * rest is left to the host and to vlab's own reports. */
#define GRADE_MEMORY_SHARE_PCT 75

struct grade_jobs_machine {
	long cpus;                /* the CPUs this process may run on (its affinity) */
	uint64_t mem_available;   /* /proc/meminfo's MemAvailable, bytes; 0: unknown */
};

/* The default -j for sandboxes of memory_bytes each, a submission keeping
 * cpu_pct percent of a CPU busy (GRADE_SUBMISSION_CPU_PCT,
 * GRADE_WHOLE_LAB_CPU_PCT), never more than max_jobs nor fewer than 1;
 * why gets one line saying what bounded it ("4: 2 CPUs, a submission keeps
 * about 50% of one busy"). Pure. */
int grade_default_jobs(const struct grade_jobs_machine *m, uint64_t memory_bytes, int cpu_pct, int max_jobs,
		       char *why, size_t whylen);

/* This machine's CPUs and free memory (sched_getaffinity, /proc/meminfo);
 * what cannot be read is left 1 CPU / 0 bytes. */
void grade_jobs_machine_read(struct grade_jobs_machine *m);

/* MemAvailable in /proc/meminfo's text, in bytes: 0 and *bytes, or
 * -ENOENT when the text has none. Pure. */
int meminfo_available(const char *text, uint64_t *bytes);

#endif
