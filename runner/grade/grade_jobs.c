/* The default -j (runner/grade/grade_jobs.h). */
#include "runner/grade/grade_jobs.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"
#include "runner/files.h"

int grade_default_jobs(const struct grade_jobs_machine *m, uint64_t memory_bytes, int cpu_pct, int max_jobs,
		       char *why, size_t whylen)
{
	long cpus = m->cpus > 0 ? m->cpus : 1;
	int per = cpu_pct > 0 ? cpu_pct : 100;
	/* as many as keep the CPUs busy: a submission that waits half its
	 * time leaves room for a second one on its CPU */
	long by_cpu = cpus * 100 / per;
	if (by_cpu < 1)
		by_cpu = 1;
	long jobs = by_cpu;
	const char *bound = "CPUs";
	if (m->mem_available && memory_bytes) {
		long by_mem = (long)(m->mem_available * GRADE_MEMORY_SHARE_PCT / 100 / memory_bytes);
		if (by_mem < jobs) {
			jobs = by_mem < 1 ? 1 : by_mem;
			bound = "memory";
		}
	}
	if (jobs > max_jobs) {
		jobs = max_jobs;
		bound = "limit";
	}
	char mem[32] = "unknown";
	if (m->mem_available)
		snprintf(mem, sizeof(mem), "%" PRIu64 " MiB", m->mem_available >> 20);
	if (!strcmp(bound, "CPUs"))
		text_printf(why, whylen, "%ld: %ld CPU%s, and a submission keeps about %d%% of one busy", jobs, cpus,
			    cpus == 1 ? "" : "s", per);
	else if (!strcmp(bound, "memory"))
		text_printf(why, whylen, "%ld: %s of memory free, %" PRIu64 " MiB a sandbox (--memory), %d%% of it for "
					 "the sandboxes", jobs, mem, memory_bytes >> 20, GRADE_MEMORY_SHARE_PCT);
	else
		text_printf(why, whylen, "%ld: vlab grades at most %d at once", jobs, max_jobs);
	return (int)jobs;
}

int meminfo_available(const char *text, uint64_t *bytes)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long kb;
		if (sscanf(p, "MemAvailable: %llu kB", &kb) == 1) {
			*bytes = (uint64_t)kb * 1024;
			return 0;
		}
	}
	return -ENOENT;
}

void grade_jobs_machine_read(struct grade_jobs_machine *m)
{
	m->cpus = 1;
	m->mem_available = 0;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		m->cpus = CPU_COUNT(&set);
	struct strbuf sb = STRBUF_INIT;
	if (read_file("/proc/meminfo", &sb) == 0)
		meminfo_available(sb_str(&sb), &m->mem_available);
	sb_release(&sb);
}
