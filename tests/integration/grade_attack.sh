# vlab grade under attack: every submission of tests/fixtures/attack/ graded
# in one class (-j 2) with the TA's reference last. Each ends as a FAIL or a
# score with its reason; the reference after them still scores full marks;
# nothing is flagged for regrading but "stuck", a copy of the reference whose
# grading worker the test stops (SIGSTOP): the parent kills it at its
# deadline; the whole run ends within its bound (timeout 40 s a submission);
# and the host is as it was: its links, routes, SysV shared memory, /tmp,
# $HOME, vlab's run directories, the image files, its free disk space, no
# host secret under --out, and no process left of the sandboxes' uids (the
# fork bomb's included).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
require_grading

mkdir subs
cp -r "$VLAB_REPO"/tests/fixtures/attack/* subs/
rm subs/README.md
cp -r "$VLAB_REPO/assets/lab/reference" subs/zz-good
cp -r "$VLAB_REPO/assets/lab/reference" subs/stuck

host_links() { ip -o link show | awk -F': ' '{ print $2 }' | sort; }
# anything on the host's disk owned by a sandbox uid (2046820352 and the
# 999 after it, runner/grade/sandbox.h),
# outside the sandboxes' own directories (grade-*, removed at the end and
# checked below): what a script wrote past its sandbox
sandbox_files() {
	find / -xdev \( -path /proc -o -path '*/grade-*' \) -prune -o \
		\( -uid +2046820351 -a -uid -2046821352 \) -print 2>/dev/null | sort
}
host_state() {
	host_links
	ip route show
	ipcs -m | grep '^0x' | sort
	sandbox_files
	find "$HOME" /tmp /var/tmp /run -maxdepth 3 -name 'vlab-attack-*' 2>/dev/null
}
host_state >before.txt
# user-space processes (kernel threads come and go on their own)
user_procs() { ps -e -o ppid=,pid= | awk '$1 != 2 && $2 != 2' | wc -l; }
procs_before=$(user_procs)

free_kib() { df -k --output=avail "${VLAB_RUN_DIR:-/run}" / | tail -n +2 | sort -n | head -n 1; }
free_before=$(free_kib)
# the worker of "stuck" stopped as soon as its sandbox runs: bwrap's
# command line names the sandbox; its parent is the worker
( for _ in $(seq 600); do
	for p in $(pgrep -f -- '--chdir .*/stuck/work'); do
		w=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
		if [ -n "$w" ] && [ "$(cat "/proc/$w/comm" 2>/dev/null)" = vlab ]; then
			kill -STOP "$w" && echo "$w" >stuck.pid && exit 0
		fi
	done
	sleep 0.2
done ) &
stopper=$!
timeout 900 "$VLAB" grade subs/* -j 2 --timeout 40 --out out --format json >class.json
rc=$?
wait $stopper
[ -s stuck.pid ] || die "the test never found the worker of 'stuck' to stop"
free_after=$(free_kib)
[ $((free_before - free_after)) -lt 102400 ] || die "the host's free space fell from $free_before KiB to $free_after KiB"
[ $rc -eq 0 ] || die "vlab grade exited $rc (124: it did not end in 15 minutes)"

score() { jq -r --arg s "$1" '.submissions[] | select(.submission == $s) | "\(.score)/\(.max_score)"' class.json; }
first_detail() { jq -r --arg s "$1" '.submissions[] | select(.submission == $s) | .checks[0].detail' class.json; }
expect() { [ "$(score "$1")" = "$2" ] || die "$1 scored $(score "$1"), expected $2 ($(first_detail "$1"))"; }
expect_detail() { first_detail "$1" | grep -qF -- "$2" || die "$1: '$(first_detail "$1")' does not say '$2'"; }

jq -e '[.submissions[] | select(.needs_regrade) | .submission] == ["stuck"]' class.json >/dev/null ||
	die "flagged for regrading: $(jq -c '[.submissions[] | select(.needs_regrade) | .submission]' class.json)"
expect_detail stuck "passed its deadline (--timeout 40 s + 30 s) and was killed: regrade"
jq -e '[.submissions[] | select(.submission != "stuck") | .checks[] | select(.status == "error")] == []' class.json >/dev/null ||
	die "a check ended in ERROR"
jq -e '[.submissions[] | select(.submission == "stuck") | .checks[] | select(.status != "error")] == []' class.json >/dev/null ||
	die "stuck: the killed worker's checks are not ERROR (vlab's side broke, not the student's)"

expect zz-good 100/100
for s in sleep-after-qemu qemu-twice output-flood writes-outside ip-link traffic-out kill-parent \
	shim-links fifo-stderr sysv-shm userns-and-tap memory-hog fill-disk ls-root; do
	expect "$s" 100/100 # the attack does not get past the sandbox, the lab's command still runs
done
expect infinite-loop 0/100
expect_detail infinite-loop "started no qemu-system-x86_64 within 40 s"
expect fork-bomb 0/100
expect_detail fork-bomb "started no qemu-system-x86_64"
for s in forged-record forged-dead-record; do
	expect "$s" 0/100
	expect_detail "$s" "qemu-1.json in the shim's directory was not written by the qemu shim"
done
expect fifo-record 0/100
expect_detail fifo-record "qemu-1.json in the shim's directory is a FIFO, not a record the shim wrote"
# a QMP server of the script's own is not qemu's: no hang, and its claim of
# 256 MiB earns nothing for a VM of 128 MiB
jq -e '.submissions[] | select(.submission == "fake-qmp") | .checks[] | select(.id == "ch1.memory_256m") | .status == "fail"' \
	class.json >/dev/null || die "fake-qmp's QMP server was believed: $(jq -c '.submissions[] | select(.submission == "fake-qmp") |
	[.score, (.checks[] | select(.id == "ch1.memory_256m")), .facts.qmp]' class.json)"
jq -r '.facts.qmp' out/fake-qmp/report.json | grep -Eq "served by another process|^answered$" ||
	die "fake-qmp: QMP: $(jq -r .facts.qmp out/fake-qmp/report.json)"
# no host secret under --out: the links were never followed
shadow=$(grep -m1 -v '^[^:]*:[*!]' /etc/shadow | head -n 1)
[ -z "$shadow" ] && shadow=$(head -n 1 /etc/shadow)
! grep -rqF -- "$shadow" out/ || die "a line of the host's /etc/shadow is under --out: $(grep -rlF -- "$shadow" out/)"
jq -e '.adaptations | any(test("qemu-99.stderr in the shim.s directory is a symbolic link: not kept"))' out/shim-links/report.json >/dev/null ||
	die "shim-links: the refused link is not said: $(jq -c .adaptations out/shim-links/report.json)"
# the host's file system is not there: no /home, /root, other sandboxes...
! grep -q '^visible:' out/ls-root/script.log || die "ls-root saw the host: $(grep '^visible:' out/ls-root/script.log)"
[ "$(grep -c '^absent:' out/ls-root/script.log)" = 6 ] || die "ls-root: $(cat out/ls-root/script.log)"
grep -qx 'sandboxes: ls-root ' out/ls-root/script.log || die "ls-root sees other sandboxes: $(grep '^sandboxes:' out/ls-root/script.log)"
vlab_top=$(readlink -f "$VLAB" | cut -d/ -f2)
for d in $(sed -n 's/^top: //p' out/ls-root/script.log); do
	case " bin dev etc lib lib32 lib64 libx32 proc run sbin sys tmp usr var $vlab_top " in
	*" $d "*) ;;
	*) die "ls-root sees the host's /$d" ;;
	esac
done
# the limits held, and each result says so
jq -e '.facts.sandbox.memory_limit_hit == true' out/memory-hog/report.json >/dev/null ||
	die "memory-hog: $(jq -c .facts.sandbox out/memory-hog/report.json)"
grep -q "No space left on device" out/fill-disk/script.log || die "fill-disk: $(cat out/fill-disk/script.log)"
grep -q "nested user namespace: refused" out/userns-and-tap/script.log || die "userns-and-tap: $(cat out/userns-and-tap/script.log)"
grep -q "tap0 (up, 10.0.0.1/24) is vlab's" out/userns-and-tap/feedback.txt || die "the feedback does not say tap0 was vlab's"
jq -e '.submissions[] | select(.submission == "zz-good") | .facts.record_verified == true' class.json >/dev/null ||
	die "the reference's record was not checked against its running qemu"
expect crlf 0/100
expect_detail crlf "has CRLF line ends"
expect not-executable 0/100
expect_detail not-executable "is not executable (mode 0644)"
expect not-a-script 0/100
expect_detail not-a-script "is an ELF binary"
expect missing 0/100
expect_detail missing "has no runqemu_single_vm.sh"

# the flood: kept up to the cap, truncated, said so
size=$(stat -c %s out/output-flood/script.log)
[ "$size" -le $((1048576 + 200)) ] || die "script.log of the flood is $size bytes"
tail -n 1 out/output-flood/script.log | grep -q "67108864 bytes in all, the first 1048576 kept" || die "the truncation is not said in the log"
jq -e '.adaptations | any(test("printed 67108864 bytes"))' out/output-flood/report.json >/dev/null || die "the report does not say the output was cut"
# the traffic found no way out: the sandbox's namespace has no route
grep -q "192.0.2.1/80: Network is unreachable" out/traffic-out/script.log ||
	die "traffic-out's connection did not fail on the route: $(head -c 300 out/traffic-out/script.log)"
# every sandbox ended with nothing left in it
jq -e '[.submissions[] | select(.submission != "stuck") | .script.processes_left] | all(. == 0)' class.json >/dev/null || die "processes were left in a sandbox"

# the host
host_state >after.txt
diff before.txt after.txt >diff.txt || { cat diff.txt; die "the host changed"; }
# processes of the sandboxes' uids whose working directory is one of this
# grading's sandboxes (another grader on the host has its own base)
base=${VLAB_RUN_DIR:-/run/vlab}
for pid in $(ps -e -o pid=,uid= | awk '$2 >= 2046820352 && $2 < 2046821352 { print $1 }'); do
	case $(readlink "/proc/$pid/cwd" 2>/dev/null) in
	"$base"/grade-*) die "a sandbox's process is left: $(tr '\0' ' ' <"/proc/$pid/cmdline")" ;;
	esac
done
procs_after=$(user_procs)
[ "$procs_after" -le $((procs_before + 2)) ] || die "$procs_before user processes before grading, $procs_after after"
! find "${VLAB_RUN_DIR:-/run/vlab}" -maxdepth 1 -name 'grade-*' 2>/dev/null | grep -q . || die "a sandbox directory is left"
assert_image_pristine default
echo "ok: $(jq '.submissions | length' class.json) submissions, each attack contained, the host as it was"
