/* A submission's script run in a sandbox of its own (runner/grade/sandbox.h)
 * by its grading worker: what chapters 1-2's run (submission_run.c) and
 * chapter 3's (two_vm_run.c) share. The script's output through a capped
 * relay, a uid of its own, the qemu shim on its PATH; the shim's records
 * of the qemus it started found and verified to be the shim's own; the
 * sandbox ended and what it used said.
 *
 * A worker runs its sandboxes one after the other: each sandbox_start
 * moves it into fresh mount and network namespaces (the earlier ones go
 * with their last user). */
#ifndef VLAB_SANDBOX_RUN_H
#define VLAB_SANDBOX_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/grade/capped_log.h"
#include "runner/grade/grade_ctx.h"
#include "runner/grade/net_agent.h"
#include "runner/grade/sandbox.h"
#include "runner/grade/shim_record.h"
#include "runner/grade/submission_checks.h"

/* What a run of one script needs besides the grading's settings. */
struct run_setup {
	const char *script;       /* the file in the submission: GRADE_SCRIPT_NAME */
	const char *sandbox_name; /* its directory below the grading's and its cgroup's name */
	bool script_network;      /* the script builds its links (sandbox.h) */
	const char *lab_rootfs2;  /* a second copy of the image's rootfs under this name; NULL none */
	uint64_t memory_bytes;    /* the sandbox's memory limit as a whole */
};

/* One submission's sandbox and what the worker holds of it. */
struct submission_run {
	char *root;               /* GRADE_ROOT/NAME: the sandbox's directory */
	char *out_log;            /* OUTDIR/script.log */
	char *console;            /* OUTDIR/console.log */
	struct capped_log out_cap;
	bool log_relay;           /* out_cap's relay runs (until capped_log_finish) */
	uid_t uid;                /* the script's */
	int uid_fd;               /* the claim on it, -1 none */
	int rtree;                /* cleanup registration of root */
	uint64_t memory_bytes;    /* the sandbox's memory limit */
	struct sandbox sb;
	struct net_agent agent;   /* --network script: applies the script's ip and brctl changes */
	int shim_fd;              /* the shim's directory, opened once the sandbox runs; -1 none */
	int64_t t0, deadline;     /* when the sandbox started; when --timeout ends */
};

/* run's paths for setup in outdir (run_release frees them). */
void run_init(const struct grade_ctx *ctx, const struct run_setup *setup, const char *outdir,
	      struct submission_run *run);
void run_release(struct submission_run *run);

/* Start the script in its sandbox: 0, or -errno after failing every check
 * of the run (fail_run, with o) as vlab's ERROR. */
int sandbox_begin(const struct grade_ctx *ctx, int i, const struct run_setup *setup, struct submission_run *run,
		  struct outcome *o, void (*fail_run)(struct outcome *, bool, const char *, const char *));

/* A qemu the script started, as the worker waits for it: the shim's
 * record number seq, its announcement (the kernel's word for the sender's
 * pid) and the process after its exec. */
struct awaited_qemu {
	int seq;                  /* 1, 2: which record */
	struct record rec;        /* loaded and trusted when present (and pid set) */
	pid_t pid;                /* the qemu, 0 none */
	char refused[300];        /* why a record there is not trusted */
	/* the wait's own */
	pid_t shim_pid;
	char impostor[200];
	int64_t rec_seen, bad_seen;
	bool done;
	bool late;                /* none came within AWAIT_OTHERS_MS of the first qemu */
};

/* How long await_qemus waits for the other records once one qemu runs:
 * a script that starts its VMs one after the other (the course's starts
 * both with `&`, a fraction of a second apart) has had ample time, and one
 * that starts only one would otherwise hold its worker until --timeout
 * (180 s by default). */
#define AWAIT_OTHERS_MS 30000

/* The image's initrd as a sandbox below root hands it to qemu (the shim's
 * VLAB_SHIM_INITRD, and what a record is verified with); NULL when the
 * image has none. */
char *run_initrd_path(const struct grade_ctx *ctx, const char *root);

/* Wait (until the deadline, the script's end with no record, or
 * AWAIT_OTHERS_MS after the first qemu: then the rest are `late`) for the
 * records q[0..n) (q[k].seq set), each announced by the shim run with its
 * command line, and each one's qemu exec'd: each q[k] loaded with its pid,
 * or not, refused saying why a record there is not trusted. */
void await_qemus(const struct grade_ctx *ctx, struct submission_run *run, struct awaited_qemu *q, int n);

/* End the sandbox (the script and all it started) and say how the script
 * ended, what the sandbox used, and how much the script printed. */
void sandbox_end(const struct grade_ctx *ctx, struct submission_run *run, struct outcome *o);

/* The grader's side of the ip and brctl shims (net_agent.h), logging to
 * OUTDIR/net-commands.jsonl. */
void start_net_agent(const struct grade_ctx *ctx, struct submission_run *run, const char *outdir,
		     struct outcome *o);
/* The links of the sandbox's network namespace as the script left them
 * (this worker lives in it), read over rtnetlink before the sandbox ends:
 * OUTDIR/netns.json {"links": [{"name", "kind", "up", "master", "addresses"}]}. */
void save_netns(const char *outdir, struct outcome *o);

#endif
