/* Control groups for grading's sandboxes: memory, pids and a CPU share for a
 * sandbox as a whole, and a kill of everything in it.
 *
 * Where vlab runs decides the version:
 *   - cgroup v1, one hierarchy per controller (/sys/fs/cgroup/memory, ...
 *     /pids, .../cpu): used when memory, pids and cpu are each mounted. The
 *     CI machines mount these, and an empty cgroup2 "unified" mount beside
 *     them (no controllers), with PID 1 not systemd.
 *   - cgroup v2, one unified hierarchy whose own cgroup offers memory, pids
 *     and cpu in cgroup.controllers: what current distributions mount. The
 *     kernel's no-internal-process rule (cgroup-v2.rst) lets a group that
 *     holds processes give its children no controllers, and vlab's own group
 *     holds vlab; so, before any sandbox, vlab moves itself into a leaf of
 *     its own and only then enables the controllers (cgroup_prepare_parent):
 *
 *       OWN/                  +memory +pids +cpu, no process left in it
 *       OWN/PARENT.vlab/      vlab and the workers it forks (no limits)
 *       OWN/PARENT/           +memory +pids +cpu, no process
 *       OWN/PARENT/NAME/      one sandbox, limited
 *
 *     and undoes it after the last (cgroup_remove_parent). Where other
 *     processes share OWN (vlab started from a login shell in its session's
 *     group) the kernel refuses, and grading goes on as with no cgroups,
 *     saying why. Tested on a fake cgroupfs that answers as the kernel does
 *     (tests/unit/test_cgroup.c); the layout's moves and the rule itself on
 *     a real cgroup2 mount where a test can make one.
 *   - neither: grading goes on without limits and says so in every result.
 *
 * Every group is made below vlab's own cgroup in each hierarchy (as
 * /proc/self/cgroup names it), never at a hierarchy's root: on a machine
 * where each job runs in a child cgroup (memory:/process_api/ID), the
 * sandboxes stay inside the job's own limits.
 *
 * Paths are read below a root ("" for the real /proc and /sys) so the
 * decisions are tested on fake trees. */
#ifndef VLAB_CGROUP_H
#define VLAB_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_version { CGROUP_NONE = 0, CGROUP_V1 = 1, CGROUP_V2 = 2 };

enum { CG_MEMORY, CG_PIDS, CG_CPU, CG_NCONTROLLERS };

/* Where this process's cgroups are: for v1 the directory of its own group
 * in each controller's hierarchy, for v2 the one directory (all three
 * entries the same). */
struct cgroup_host {
	enum cgroup_version version;
	char dir[CG_NCONTROLLERS][512];
	char why[512];          /* CGROUP_NONE: what is missing */
	/* v2, from cgroup_prepare_parent to cgroup_remove_parent: what it did,
	 * to undo: vlab's leaf ("" when vlab was not moved) and the controllers
	 * it turned on in OWN's cgroup.subtree_control ("+memory +pids") */
	char leaf[600];
	char enabled[32];
};

/* Decide from the texts of /proc/self/mountinfo and /proc/self/cgroup (pure
 * apart from reading ROOT/<v2 dir>/cgroup.controllers); root prefixes every
 * path ("" for the host). */
int cgroup_host_parse(const char *root, const char *mountinfo, const char *self_cgroup, struct cgroup_host *out);
/* The same for this process, read from ROOT/proc/self/... */
int cgroup_host_detect(const char *root, struct cgroup_host *out);
/* "v1 (memory, pids, cpu)", "v2 (memory, pids, cpu)" or "none: WHY" */
void cgroup_host_describe(const struct cgroup_host *h, char *out, size_t n);

struct cgroup_limits {
	uint64_t memory_bytes;  /* memory (v1 limit_in_bytes, v2 memory.max; swap held to the same in v2) */
	int pids;               /* pids.max */
	int cpu_weight;         /* v2 cpu.weight 1..10000 (100 is the default); v1 cpu.shares = weight * 1024 / 100 */
};

/* One sandbox's group (one directory per v1 hierarchy). */
struct cgroup {
	enum cgroup_version version;
	char dir[CG_NCONTROLLERS][600];
	int ndirs;              /* v1: 3, v2: 1, none: 0 */
};

/* Once per run, before any sandbox and in the process that forks the
 * workers: v2's layout above (v1 has nothing to do; parent is e.g.
 * "vlab-grade-RUNID"). 0, or -errno with everything undone, err saying
 * why, and h turned into CGROUP_NONE with the same why: grading goes on
 * without limits and says so. */
int cgroup_prepare_parent(struct cgroup_host *h, const char *parent, char *err, size_t errlen);

/* Make PARENT/NAME below each hierarchy's own group (v1: parent is made
 * when missing; v2: after cgroup_prepare_parent), and write the limits. On
 * error nothing is left and err says which file refused. */
int cgroup_create(const struct cgroup_host *h, const char *parent, const char *name, const struct cgroup_limits *lim,
		  struct cgroup *cg, char *err, size_t errlen);
/* The group PARENT/NAME made earlier (by a worker since killed), for
 * cgroup_kill_remove; -ENOENT when it is not there. */
int cgroup_open(const struct cgroup_host *h, const char *parent, const char *name, struct cgroup *cg);
/* Move pid into the group (every hierarchy). */
int cgroup_enter(const struct cgroup *cg, pid_t pid);
/* Kill everything in the group (v2 cgroup.kill where there is one, else
 * SIGKILL to each pid in cgroup.procs, again until none is left or the
 * deadline passes), then remove its directories. Returns how many
 * processes were still there at the deadline (0). */
int cgroup_kill_remove(struct cgroup *cg, int timeout_ms);
/* Remove PARENT below each hierarchy's own group when it is empty; v2 then
 * undoes the rest of cgroup_prepare_parent: OWN's controllers off again,
 * vlab (and whatever is left in its leaf) back in OWN, the leaf removed. */
void cgroup_remove_parent(struct cgroup_host *h, const char *parent);

/* How the group files are written and groups made and removed: the real
 * calls unless a test puts a fake cgroupfs in their place
 * (tests/unit/test_cgroup.c answers there as the kernel would). Each 0 or
 * -errno. NULL: the real ones. */
struct cgroup_fs_ops {
	int (*write)(const char *dir, const char *file, const char *text);
	int (*mkdir)(const char *path);
	int (*rmdir)(const char *path);
};
void cgroup_set_fs_ops(const struct cgroup_fs_ops *ops);
/* The group's peak memory use in bytes (v1 memory.max_usage_in_bytes, v2
 * memory.peak), 0 when unknown. */
uint64_t cgroup_memory_peak(const struct cgroup *cg);
/* Whether the group's memory limit was hit (v1: memory.failcnt,
 * memory.memsw.failcnt or memory.oom_control's oom_kill above 0; v2:
 * memory.events' max or oom_kill above 0). */
bool cgroup_memory_hit(const struct cgroup *cg);

#endif
