/* Chapter 3 of one submission, in its grading worker: its
 * runqemu_two_vms.sh in a sandbox of its own (runner/grade/sandbox_run.h),
 * after the single-VM one, with the network shims on (the script builds
 * tap0..tap3, br0 and br1 itself), a second copy of the image's rootfs
 * (each qemu its own file), twice one VM's memory. Both qemus' records are
 * found and verified to be the shim's, each is told VM1 or VM2 by its
 * command line (checks/two_vm_plan.h two_vm_pair, never by start order),
 * and `vlab verify 3`'s own verdicts (checks/handbuilt_two_vms.h) judge
 * them with the sandbox's links and the taps each qemu holds. When the
 * rubric lists a guest's check, vlab logs into both consoles as root, gives
 * the guests the plan's addresses, starts the iperf3 server in VM2 and
 * runs VM1's pings and iperf3 clients (runner/inspect/two_vm_evidence.h),
 * judged by verify 3's guest verdicts.
 *
 *   OUTDIR/two-vms/: script.log, console-vm1.log, console-vm2.log, qemu-N.json, qemu-N.stderr, net-N.json,
 *   net-commands.jsonl, netns.json */
#ifndef VLAB_TWO_VM_RUN_H
#define VLAB_TWO_VM_RUN_H

#include <stdbool.h>

#include "checks/rubric.h"
#include "runner/grade/grade_ctx.h"
#include "runner/grade/submission_checks.h"

/* OUTDIR's directory of the two-VM run's files. */
#define TWO_VM_OUTDIR "two-vms"

/* Whether the rubric lists a check the two-VM run decides (chapter 3's,
 * but ch3.iperf_saved, a saved file). */
bool two_vm_run_wanted(const struct rubric *r);

/* Run submission i's runqemu_two_vms.sh and fill in the rubric's chapter-3
 * checks of o; what the run was goes in o->facts "two_vms". */
void run_two_vms(const struct grade_ctx *ctx, int i, const char *outdir, struct outcome *o);

#endif
