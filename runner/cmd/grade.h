/* `vlab grade SUBMISSION...` and `vlab grade --self DIR`: each submission's
 * runqemu_single_vm.sh run in its own sandbox (runner/grade/sandbox.h) with the
 * qemu shim on its PATH (runner/grade/shim.h); the recorded command line judged
 * (checks/grade_cmdline.h), the VM it started checked as `vlab verify` checks
 * a lab (chapters 1-2), saved artefacts judged as `vlab check` does, all
 * scored against a rubric (checks/rubric.h), and reported per submission and
 * for the class (runner/grade/grade_report.h). This is the command: its
 * options, checks of its inputs and the host, the class reports and what it
 * prints; the grading itself is runner/grade/grading_run.h.
 *
 *   parent ──fork──▶ worker (one per submission, at most -j at a time; slot s)
 *                     │ sandbox_start: mount+net namespaces, overlay, tap0
 *                     │ ──fork──▶ pid-ns init ──fork──▶ the script (a uid of its own, 64000 and up)
 *                     │ wait for the shim's record and the qemu it exec'd
 *                     │ checks while the script runs (verify_for_grading)
 *                     │ sandbox_stop: SIGKILL the init: the script and all it started end
 *                     └ OUT/NAME/: report.json, classroom.json, feedback.txt,
 *                       console.log, script.log, qemu-N.json, qemu-N.stderr
 *   parent: OUT/class.json, class.csv, class.junit.xml, class.tap; stdout in --format
 *
 * Exit status: 0 when grading completed, whatever the scores (a submission
 * vlab broke on is flagged "needs_regrade" in the reports); 2 usage; 3 the
 * host or an input is unusable (not root, no image, a bad rubric, a
 * submission that is no directory); 4 vlab broke, or a report could not be
 * written (a line names the file); 128+N on a signal.
 */
#ifndef VLAB_CMD_GRADE_H
#define VLAB_CMD_GRADE_H

#define GRADE_USAGE "SUBMISSION... [-j N] [--rubric FILE] [--format FORMAT] [--out DIR] [--timeout S] [--memory SIZE] [--disk SIZE] [--shard I/N] | --self DIR"
#define GRADE_SUMMARY "grade students' submissions (their runqemu_single_vm.sh) in sandboxes, against a rubric"
#define GRADE_OPTIONS                                                                                        \
	"  SUBMISSION              a directory with the student's runqemu_single_vm.sh (and saved artefacts)\n" \
	"  --self DIR              check your own folder before handing it in (the same checks)\n"          \
	"  -j, --jobs N            grade N submissions at once (default 1)\n"                               \
	"  --rubric FILE           points per check (default: assets/rubric/default.rubric, built in)\n"    \
	"  --format FORMAT         text, json, junit or tap on stdout (default text)\n"                     \
	"  --out DIR               where the reports go (default ./vlab-grades)\n"                          \
	"  --timeout SECONDS       wall time a submission gets (default 180)\n"                             \
	"  --memory SIZE           memory of a sandbox as a whole, qemu included (default 1G)\n"           \
	"  --disk SIZE             a sandbox's writable layer, the rootfs copy included (default 1G)\n"    \
	"  --image PROFILE         the image profile to grade with (default 'default')\n"                   \
	"  --manifest FILE         extra image profiles\n"                                                  \
	"  --accel auto|kvm|tcg    the accelerator qemu gets (auto: KVM where a standard guest boots)\n"      \
	"  --shard I/N             grade only the I-th of N slices (by name); join them with vlab report merge\n"

int cmd_grade(int argc, char **argv);

#endif
