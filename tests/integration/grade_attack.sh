# vlab grade under attack: every submission of tests/fixtures/attack/ graded
# in one class (-j 2) with the TA's reference last. Each ends as a FAIL or a
# score with its reason; the reference after them still scores full marks;
# nothing is flagged for regrading; the whole run ends within its bound
# (timeout 40 s a submission); and the host is as it was: its links, routes,
# /tmp, $HOME, vlab's run directories, the image files, and no process left
# of the sandboxes' uids (the fork bomb's included).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"

mkdir subs
cp -r "$VLAB_REPO"/tests/fixtures/attack/* subs/
rm subs/README.md
cp -r "$VLAB_REPO/assets/lab/reference" subs/zz-good

host_links() { ip -o link show | awk -F': ' '{ print $2 }' | sort; }
# anything on the host's disk owned by a sandbox uid (2046820352 and the
# 999 after it, runner/sandbox.h),
# outside the sandboxes' own directories (grade-*, removed at the end and
# checked below): what a script wrote past its sandbox
sandbox_files() {
	find / -xdev \( -path /proc -o -path '*/grade-*' \) -prune -o \
		\( -uid +2046820351 -a -uid -2046821352 \) -print 2>/dev/null | sort
}
host_state() {
	host_links
	ip route show
	sandbox_files
	find "$HOME" /tmp /var/tmp /run -maxdepth 3 -name 'vlab-attack-*' 2>/dev/null
}
host_state >before.txt
# user-space processes (kernel threads come and go on their own)
user_procs() { ps -e -o ppid=,pid= | awk '$1 != 2 && $2 != 2' | wc -l; }
procs_before=$(user_procs)

timeout 900 "$VLAB" grade subs/* -j 2 --timeout 40 --out out --format json >class.json
rc=$?
[ $rc -eq 0 ] || die "vlab grade exited $rc (124: it did not end in 15 minutes)"

score() { jq -r --arg s "$1" '.submissions[] | select(.submission == $s) | "\(.score)/\(.max_score)"' class.json; }
first_detail() { jq -r --arg s "$1" '.submissions[] | select(.submission == $s) | .checks[0].detail' class.json; }
expect() { [ "$(score "$1")" = "$2" ] || die "$1 scored $(score "$1"), expected $2 ($(first_detail "$1"))"; }
expect_detail() { first_detail "$1" | grep -qF -- "$2" || die "$1: '$(first_detail "$1")' does not say '$2'"; }

jq -e '[.submissions[] | select(.needs_regrade)] == []' class.json >/dev/null ||
	die "flagged for regrading: $(jq -c '[.submissions[] | select(.needs_regrade) | .submission]' class.json)"
jq -e '[.submissions[].checks[] | select(.status == "error")] == []' class.json >/dev/null || die "a check ended in ERROR"

expect zz-good 100/100
for s in sleep-after-qemu qemu-twice output-flood writes-outside ip-link traffic-out kill-parent; do
	expect "$s" 100/100 # the attack does not get past the sandbox, the lab's command still runs
done
expect infinite-loop 0/100
expect_detail infinite-loop "started no qemu-system-x86_64 within 40 s"
expect fork-bomb 0/100
expect_detail fork-bomb "started no qemu-system-x86_64"
first_detail forged-record | grep -qF "the recorded command line is not the one qemu runs" ||
	die "forged-record's own record was believed: $(first_detail forged-record) ($(score forged-record))"
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
jq -e '[.submissions[].script.processes_left] | all(. == 0)' class.json >/dev/null || die "processes were left in a sandbox"

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
