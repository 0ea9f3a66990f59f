/* One submission's run, in its grading worker: its runqemu_single_vm.sh in
 * a sandbox of its own (runner/grade/sandbox.h) with the qemu shim on its
 * PATH, the shim's record of the first qemu it started found and verified
 * (runner/grade/shim_record.h), the VM that qemu runs checked as `vlab
 * verify` checks a lab (verify_for_grading), the sandbox ended and what it
 * left kept beside the reports.
 *
 *   sandbox_start: mount+net namespaces, overlay, tap0
 *     ──fork──▶ pid-ns init ──fork──▶ the script (a uid of its own, from SANDBOX_UID_BASE: sandbox_uid.h)
 *   wait for the shim's record and the qemu it exec'd (until --timeout)
 *   checks while the script runs
 *   sandbox_stop: SIGKILL the init: the script and all it started end
 *   OUTDIR: console.log, script.log, qemu-N.json, qemu-N.stderr */
#ifndef VLAB_SUBMISSION_RUN_H
#define VLAB_SUBMISSION_RUN_H

#include "runner/grade/grade_ctx.h"
#include "runner/grade/submission_checks.h"

/* Run submission i of ctx, its files going to outdir, its checks and facts
 * into o (whose JSON parts are made). */
void run_submission(const struct grade_ctx *ctx, int i, const char *outdir, struct outcome *o);

#endif
