/* A chapter run inside the emulated KVM host, this host's side: where this
 * host's KVM lacks what a step of the chapter needs (runner/host/kvm_where.h),
 * the engine hands the chapter to vlab inside the emulated host
 * (runner/vm/kvmhost.h) instead of letting the steps SKIP:
 *
 *   here: a run directory RUN with its ledger ──▶ boot the emulated host ──▶
 *   inside: `vlab chapter N` with the same options ──▶ its run directory
 *   copied back ──▶ here: its files into RUN, its report read, the paths in
 *   it made this host's ──▶ the report (appended, saved as RUN/report.json),
 *   the exit status the inner run's
 *
 * What crosses, and how:
 *   the options   the same, but --keep (refused with a line: the emulated
 *                 host powers off at the chapter's end), and with
 *                 --emulated-kvm never (it is the KVM host); the
 *                 chapter's own options as its table lists them
 *                 (runner/chapter.h), a flag it marks set_in_emulated_host
 *                 always (chapter 4's --allow-module-reload: the kvm_amd
 *                 inside runs nobody else's VMs; the flag keeps guarding
 *                 this host's)
 *   live output   the inner stdout on this stdout as it comes (text), its
 *                 stderr on this stderr; colour and live lines as this
 *                 terminal takes them (kvmhost_opts.out_tty), NO_COLOR too.
 *                 With --format json, junit or tap the inner stdout is kept
 *                 as RUN/inner-stdout.txt and this vlab prints the report
 *   the report    the inner report.json, read as a file code inside could
 *                 have written (O_NOFOLLOW, regular, capped), with run_id
 *                 this run's, its artifacts' paths this host's (a file that
 *                 did not come back: null), the emulated host's console log
 *                 and qemu log added, and its boot time and qemu's peak
 *                 memory as metrics; "kvm_host": "emulated-amd-v" comes
 *                 from inside (runner/host/host.h)
 *   files         every regular file of the inner run directory into RUN
 *                 (read the same way, 64 MiB each at most); the emulated
 *                 host's own files stay in RUN/kvmhost (console.log,
 *                 qemu.log, guest/)
 *   EPT/NPT       chapter 4's restore state lives and dies inside (the
 *                 agent does not copy it back): this host's modules are
 *                 never touched, by the run, `vlab clean` or `vlab doctor`
 *   a stop        SIGINT/SIGTERM go to the inner vlab, which ends in order
 *                 (chapter 4 restores npt first); the machine powers off;
 *                 exit 128+N. A SIGKILLed vlab takes qemu with it (its
 *                 parent-death signal); `vlab clean` removes the sockets
 *                 and the appended initramfs the ledger names
 *   status        the ledger says "kvmhost chapter N": `vlab status` shows
 *                 it, `vlab console` refuses with a line (the VMs' consoles
 *                 are inside) */
#ifndef VLAB_KVMHOST_CHAPTER_H
#define VLAB_KVMHOST_CHAPTER_H

#include <jansson.h>
#include <stddef.h>

#include "runner/chapter.h"
#include "runner/host/kvm_where.h"
#include "runner/lab.h"

/* room for kvmhost_chapter_argv's argv */
#define KVMHOST_CHAPTER_MAX_ARGS 40
/* room for the numbers in it: the chapter's, --boot-timeout's and the
 * chapter's own options' */
#define KVMHOST_CHAPTER_MAX_NUMS 6
/* each file of the inner run directory copied back, at most */
#define KVMHOST_CHAPTER_FILE_CAP (64u << 20)
/* the inner report.json read back, at most */
#define KVMHOST_CHAPTER_REPORT_CAP (4u << 20)

/* What of the host's KVM ch's steps to run need: the most any needs, up to
 * opt->only_step's when --step names one. Pure. */
enum kvm_need kvmhost_chapter_need(const struct chapter *ch, const struct lab_options *opt);

/* Where ch runs with opt, on this host's facts (kvm_where_decide): 0, or
 * -ENOENT with w->why when --emulated-kvm always cannot be had. */
int kvmhost_chapter_where(const struct chapter *ch, const struct lab_options *opt, struct kvm_where *w);

/* The inner command, `VLAB chapter N` with opt's options as they go inside
 * (see above), into argv (room for KVMHOST_CHAPTER_MAX_ARGS); manifest is
 * --manifest made absolute (NULL: none); numbers are written into nums.
 * Returns argc. Pure. */
int kvmhost_chapter_argv(const char *vlab, const struct chapter *ch, const struct lab_options *opt,
			 const char *manifest, char nums[KVMHOST_CHAPTER_MAX_NUMS][24], const char **argv);

/* The inner report made this host's (pure): run_id set to run_id, each
 * artifact under INNER_RUN_DIR/inner_id/ mapped to host_dir/NAME when NAME
 * is among imported (else null), and extra artifacts and metrics added. 0,
 * or -EINVAL when report is no report of chapter number. */
int kvmhost_chapter_report(json_t *report, int number, const char *inner_id, const char *host_dir,
			   const char *run_id, const char *const *imported, size_t nimported);

/* Run ch inside the emulated KVM host (w says why); as engine_run_chapter:
 * the exit status, the report appended to report, the one line of a run
 * that could not be had in why. */
int kvmhost_chapter_run(const struct chapter *ch, const struct lab_options *opt, const struct kvm_where *w,
			json_t *report, char *why, size_t whylen);

#endif
