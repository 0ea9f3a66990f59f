/* The ledgers ("resources") vlab keeps in each run directory: what a run
 * started, made or kept, read back to say what is running or left behind
 * (vlab status, console, shell) and to remove it (vlab clean). Only what a
 * ledger records is ever touched: a student's own tap0 or qemu is never
 * vlab's to remove. */
#ifndef VLAB_RUN_LEDGER_H
#define VLAB_RUN_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* LEDGER_KVMHOST: "kvmhost chapter N", a chapter run inside the emulated
 * KVM host (runner/kvmhost_chapter.h): its VMs are in there. */
enum ledger_kind { LEDGER_OWNER, LEDGER_PROCESS, LEDGER_FILE, LEDGER_DIR, LEDGER_TREE, LEDGER_NETNS, LEDGER_KEPT,
		   LEDGER_LINK, LEDGER_CGROUP, LEDGER_KVMHOST };

struct ledger_entry {
	enum ledger_kind kind;
	pid_t pid;                   /* owner, process */
	unsigned long long start;    /* its start time, to tell a recycled pid apart */
	char what[64];               /* process: "vm1"; kvmhost: "chapter 4" */
	char path[4096];             /* file, dir, tree, cgroup; netns, link: its name */
	int ifindex;                 /* link: the index it had when vlab made it */
};

struct ledger {
	struct ledger_entry *entries;
	size_t n;
};

/* Parse a ledger's text (pure). Lines it does not know are skipped (a newer
 * vlab may write more); malformed known lines give -EINVAL. */
int ledger_parse(const char *text, struct ledger *out);
void ledger_release(struct ledger *l);

/* Whether the run in dir is live: its ledger names a process that still
 * runs (the vlab at work, or a VM it kept). */
bool run_dir_live(const char *dir);

/* Whether the process pid still is the one that started at start (its
 * start time, so a recycled pid is told apart). */
bool run_process_alive(pid_t pid, unsigned long long start);

/* A link vlab made in the host's namespace (--host-net) is still the same
 * one: same name, same index. A tap0 the student made since is not. */
bool ledger_link_is_ours(const struct ledger_entry *e);

/* A run directory that still has a ledger. */
struct run {
	char id[128];
	char dir[4096];
	struct ledger ledger;
	bool owner_alive, kept, live;
	pid_t owner;
};

/* Every run directory under rundir_base() that still has a ledger, into a
 * new array (runs_release). 0, or -errno when the base cannot be read (none
 * there is 0 runs). */
int runs_load(struct run **out, size_t *n);
void runs_release(struct run *runs, size_t n);

/* "running", "kept (--keep)" or "left behind (vlab was killed)" */
const char *run_state(const struct run *r);

/* Remove what run's ledger records, newest first: stop its processes, remove
 * its files (only those in vlab's run directory), network namespaces and
 * links; then the ledger. Each removal is printed ("  removed ...") when
 * verbose. Returns the number removed. */
int run_clean(const struct run *run, bool verbose);

/* The lab network namespace of the run to enter: of run only when only is
 * not NULL, a live run before one left behind, the newest among equals.
 * Its name and run id into name and run_id; false when there is none. */
bool runs_find_netns(const struct run *runs, size_t n, const char *only, char *name, size_t namelen, char *run_id,
		     size_t idlen);

/* A run of a chapter inside the emulated KVM host: of run only when only
 * is not NULL, else a live one. What runs ("chapter 4") and its run id
 * into what and run_id; false when there is none. */
bool runs_find_kvmhost(const struct run *runs, size_t n, const char *only, char *what, size_t whatlen, char *run_id,
		       size_t idlen);

#endif
