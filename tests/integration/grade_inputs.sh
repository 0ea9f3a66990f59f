# vlab grade's inputs and edges, cheaply (three guest boots):
# vlab handout's files; bad input with its one line and exit 3 (a rubric
# that does not parse, a submission that is no directory) or 2 (usage);
# a submission without the script (every check a FAIL saying so, no
# sandbox); saved artefacts judged when a rubric lists them; a report that
# cannot be written (exit 4, the file named); the shims
# outside grading; and --self on the handout completed with the reference's
# command, and under the lab-compat profile; SIGTERM in the middle of
# grading.
. "$VLAB_REPO/tests/integration/lib.bash"
# This run's sandboxed processes: their working directory (the script's,
# its qemu's) is under one of this run directory's grade-* directories.
sandbox_procs() {
	local p base=${VLAB_RUN_DIR:-/run/vlab}
	for p in /proc/[0-9]*; do
		case $(readlink "$p/cwd" 2>/dev/null) in "$base"/grade-*) echo "${p#/proc/}" ;; esac
	done
}
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
command -v jq >/dev/null || skip "jq is not installed"

# the handout: starter with its TODO, the image under the lab's names
"$VLAB" handout hand >handout.out || die "vlab handout exited $?"
for f in runqemu_single_vm.sh connect_to_socket.sh alpine-bzImage simple_alpine_rootfs1.ext4; do
	[ -f "hand/$f" ] || die "handout lacks $f"
done
[ -x hand/runqemu_single_vm.sh ] || die "the starter is not executable"
grep -q TODO hand/runqemu_single_vm.sh || die "the starter has no TODO"
cmp -s hand/simple_alpine_rootfs1.ext4 "$(image_dir)/default/rootfs.ext4" || die "the rootfs copy differs"
"$VLAB" handout hand >/dev/null 2>err && die "a second handout over the first succeeded"
grep -q -- "--force" err || die "no hint to --force: $(cat err)"

# bad input: one line, its exit status
printf 'rubric 1\nch1.qemu_running ten\n' >bad.rubric
mkdir -p subs/x
"$VLAB" grade subs/x --rubric bad.rubric 2>err; rc=$?
[ $rc = 3 ] || die "a bad rubric exited $rc"
[ "$(wc -l <err)" = 1 ] && grep -q "bad.rubric:2: points of 'ch1.qemu_running'" err || die "bad rubric message: $(cat err)"
"$VLAB" grade no-such-dir 2>err; rc=$?
[ $rc = 3 ] && grep -q "no-such-dir" err || die "a missing submission: exit $rc, $(cat err)"
"$VLAB" grade 2>err; [ $? = 2 ] || die "no submission is not a usage error"
# a run directory below one the sandboxes' user cannot enter (this test's
# scratch directory is a 0700 mktemp -d): one line, exit 3, no grading
chmod 0700 "$SCRATCH"
cp -r "$VLAB_REPO/assets/lab/reference" subs/ref
VLAB_RUN_DIR=$SCRATCH/run "$VLAB" grade subs/ref --out unreachable 2>err; rc=$?
[ $rc = 3 ] && [ "$(wc -l <err)" = 1 ] && grep -qF "is below $SCRATCH (mode 0700), which the sandboxes' user cannot enter" err ||
	die "an unreachable run directory: exit $rc, $(cat err)"
[ ! -e unreachable ] || die "reports were written for a grading that could not run"
rm -rf subs/ref
if command -v setpriv >/dev/null; then
	setpriv --reuid 65534 --regid 65534 --clear-groups "$VLAB" grade / 2>err; rc=$?
	[ $rc = 3 ] && grep -q "sudo vlab grade" err || die "not root: exit $rc, $(cat err)"
fi
"$VLAB" grade subs/x -j 0 2>err; [ $? = 2 ] || die "-j 0 is not a usage error"
"$VLAB" grade subs/x --memory 100M 2>err; [ $? = 2 ] && grep -q "memory takes a size" err || die "--memory 100M: $(cat err)"
"$VLAB" grade subs/x --disk lots 2>err; [ $? = 2 ] && grep -q "disk takes a size" err || die "--disk lots: $(cat err)"
# no bubblewrap: refused, never graded unjailed (a PATH with qemu but no bwrap)
mkdir nobwrap && ln -s "$(command -v qemu-system-x86_64)" nobwrap/
PATH="$PWD/nobwrap" "$VLAB" grade subs/x --out nb 2>err; rc=$?
[ $rc = 3 ] && grep -q "install the package bubblewrap" err && [ "$(wc -l <err)" = 1 ] ||
	die "without bwrap: exit $rc, $(cat err)"
[ ! -e nb ] || die "without bwrap, reports were written: $(ls -R nb)"
# reports that would overwrite a submission: refused, the submission untouched
touch subs/x/keep.me
"$VLAB" grade subs/x --out subs 2>err; rc=$?
[ $rc = 2 ] && grep -q "overlaps the submission" err && [ -f subs/x/keep.me ] || die "--out over a submission: exit $rc, $(cat err)"

# from here on vlab grade gets past its host checks, and --self below runs
# a sandbox
require_grading

# no script: FAILs that say so; artefacts judged for a rubric that lists them
cp "$VLAB_REPO/tests/fixtures/iperf/client-virtio-t2.json" subs/x/iperf-virtio.json
cat >art.rubric <<'R'
rubric 1
title artefacts
ch1.cmdline_kvm 5
ch3.iperf_saved 10
ch4.strace_memory_region 10
R
"$VLAB" grade subs/x --rubric art.rubric --out out --format json >x.json || die "grading x exited $?"
jq -e '.submissions[0] | .score == 10 and .max_score == 25' x.json >/dev/null || die "x: $(jq -c '.submissions[0].checks' x.json)"
jq -e '.submissions[0].checks[] | select(.id == "ch1.cmdline_kvm") | .detail | test("no runqemu_single_vm.sh")' x.json >/dev/null || die "no-script detail"
jq -e '.submissions[0].checks[] | select(.id == "ch4.strace_memory_region") | .status == "fail" and (.detail | test("^the submission has no strace log of qemu \\(strace.log\\)"))' x.json >/dev/null || die "missing strace.log"
jq -e '.rubric.title == "artefacts" and (.rubric.sha256 | length) == 64' x.json >/dev/null || die "rubric identity"

# a report that cannot be written: exit 4 and one line naming the file, no
# temporary left beside it (a directory where the file goes: permissions do
# not stop root)
mkdir -p wfail/class.tap
"$VLAB" grade subs/x --rubric art.rubric --out wfail --format json >/dev/null 2>err; rc=$?
[ $rc = 4 ] && [ "$(wc -l <err)" = 1 ] && grep -q "cannot write .*/wfail/class.tap" err ||
	die "an unwritable class.tap: exit $rc, $(cat err)"
jq -e '.submissions[0].submission == "x"' wfail/class.json >/dev/null || die "class.json, written before, is not whole"
! ls wfail | grep -q '\.tmp\.' || die "a temporary was left: $(ls wfail)"
mkdir -p wfail2/x/feedback.txt
"$VLAB" grade subs/x --rubric art.rubric --out wfail2 --format json >/dev/null 2>err; rc=$?
[ $rc = 4 ] && [ "$(wc -l <err)" = 1 ] && grep -q "cannot write .*/wfail2/x/feedback.txt" err ||
	die "an unwritable feedback.txt: exit $rc, $(cat err)"
jq -e '.score == 10' wfail2/x/report.json >/dev/null || die "report.json beside it: $(cat wfail2/x/report.json)"
! ls wfail2/x | grep -q '\.tmp\.' || die "a temporary was left: $(ls wfail2/x)"

# the shims outside grading: a clear refusal, not a recursion
ln -s "$VLAB" qemu-system-x86_64
./qemu-system-x86_64 -version 2>err; rc=$?
[ $rc = 127 ] && grep -q "outside \`vlab grade\`" err || die "the qemu shim outside grading: exit $rc, $(cat err)"

# --self: the handout, completed with the reference's command
cp "$VLAB_REPO/assets/lab/reference/runqemu_single_vm.sh" hand/
"$VLAB" grade --self hand --out self >self.txt || die "--self exited $?"
grep -q "hand: 100/100 points" self.txt || die "--self: $(head -20 self.txt)"
# SIGTERM mid-grading: every sandbox ended and removed, exit 143
sandboxes_left() { find "${VLAB_RUN_DIR:-/run/vlab}" -maxdepth 1 -name 'grade-*' 2>/dev/null; }
before=$(sandboxes_left)
bash -c 'echo $$ >grade.pid; exec "$VLAB" grade hand --out term' >term.out 2>&1 &
for _ in $(seq 100); do pgrep -f "grade-.*/hand/work" >/dev/null && break; sleep 0.1; done
sleep 2
kill -TERM "$(cat grade.pid)"
wait $!; rc=$?
[ $rc = 143 ] || die "SIGTERM: exit $rc, $(cat term.out)"
grep -q "every sandbox was ended" term.out || die "SIGTERM: $(cat term.out)"
[ -z "$(sandbox_procs)" ] || die "sandboxed processes left after SIGTERM: $(sandbox_procs)"
[ "$(sandboxes_left)" = "$before" ] || die "sandbox directories left after SIGTERM: $(sandboxes_left)"
# what the sandbox gives a script: a probe that reports it and tries to
# write where it must not reach (tests/fixtures/grade-probe/)
cp -r "$VLAB_REPO/tests/fixtures/grade-probe/probe" probe
shm_before=$(ipcs -m | grep -c '^0x')
"$VLAB" grade probe --out pout --timeout 10 >/dev/null || die "grading the probe exited $?"
[ "$(ipcs -m | grep -c '^0x')" = "$shm_before" ] || die "SysV shared memory outlived the sandbox: $(ipcs -m)"
log=pout/probe/script.log
want() { grep -qx -- "$1" "$log" || die "sandbox: no line '$1' in: $(cat "$log")"; }
uid=$(jq -r '.script.uid' pout/probe/report.json)
# root of a user namespace of its own, one host uid of the range behind it
[ "$uid" -ge 2046820352 ] && [ "$uid" -lt 2046821352 ] || die "the script's host uid is $uid"
[ "$(jq -r '.facts.sandbox.uid_map' pout/probe/report.json)" = "0 $uid 1" ] ||
	die "uid_map: $(jq -c .facts.sandbox pout/probe/report.json)"
[ "$(jq -r '.facts.sandbox.jail' pout/probe/report.json)" = bubblewrap ] || die "no jail recorded"
jq -e '.facts.sandbox | .memory_limit_bytes == 1073741824 and .disk_bytes == 1073741824 and .pids_max == 512 and .seccomp' \
	pout/probe/report.json >/dev/null || die "limits: $(jq -c .facts.sandbox pout/probe/report.json)"
want "uid=0 gid=0 groups=0"
want "CapEff: 0000000000000000"
want "NoNewPrivs: 1"
want "links=lo tap0 "
want "nproc=256 cpu=70 fsize=524288 core=0"
want "rootfs-write=ok"
want "cwd-write=ok"
want "image-dir-write=refused"
want "link-add=refused"
want "tun=open"
want "home=absent"
want "hostname=vlab-sandbox"
want "userns=refused"
grep -q "^dev=core fd full net null ptmx pts random shm stderr stdin stdout tty urandom zero $" "$log" ||
	die "sandbox /dev: $(grep ^dev= "$log")"
# its own root: nothing of the host's top level but what the jail binds
# (and the first directory of vlab's own path, bound at the same path)
vlab_top=$(readlink -f "$VLAB" | cut -d/ -f2)
for d in $(sed -n 's/^root=//p' "$log"); do
	case " bin dev etc lib lib32 lib64 libx32 proc run sbin sys tmp usr var $vlab_top " in
	*" $d "*) ;;
	*) die "the sandbox's / shows the host's /$d: $(grep ^root= "$log")" ;;
	esac
done
n=$(sed -n 's/^processes=//p' "$log"); [ "$n" -lt 10 ] || die "the script sees $n processes: not its own pid namespace"
# SysV shared memory made inside stays inside (its own IPC namespace)
grep -qx "shm=made" "$log" || die "ipcmk failed in the sandbox: $(grep ^shm= "$log")"
[ "$(ls probe)" = runqemu_single_vm.sh ] || die "the script wrote into the submission: $(ls probe)"

# the other profile: the lab's own file names and a compressed kernel, the same script
mkdir -p lc/ref && cp "$VLAB_REPO/assets/lab/reference/runqemu_single_vm.sh" lc/ref/
"$VLAB" grade lc/ref --image lab-compat --out lcout --format json >lc.json || die "lab-compat grading exited $?"
jq -e '.submissions[0] | .score == 100 and .image.profile == "lab-compat"' lc.json >/dev/null ||
	die "lab-compat: $(jq -c '.submissions[0] | [.score, [.checks[] | select(.status != "pass") | {id, detail}]]' lc.json)"
assert_image_pristine lab-compat
assert_image_pristine default
echo "handout, bad input, artefacts, shims and --self as documented"
