# vlab grade on a small class under TCG: the TA's reference solution and
# five submissions each with one mistake (tests/fixtures/grade/), graded
# with the default rubric, each score asserted with the checks that cost the
# points; the reports (JSON, JUnit validated, TAP
# read by prove, CSV, feedback) and the kept transcripts; the host after
# grading (the image unchanged, no qemu, process or sandbox directory left);
# and -j 2 giving the same verdicts, scores and details as -j 1 (pids,
# namespace inodes, run directories and round-trip times aside).
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
require_grading
command -v jq >/dev/null || skip "jq is not installed"

mkdir subs
cp -r "$VLAB_REPO/assets/lab/reference" subs/good
cp -r "$VLAB_REPO"/tests/fixtures/grade/* subs/

sandboxes_left() { find "${VLAB_RUN_DIR:-/run/vlab}" -maxdepth 1 -name 'grade-*' 2>/dev/null; }
before_left=$(sandboxes_left)

start=$(date +%s)
"$VLAB" grade subs/* --out j1 --format json >j1.json || die "vlab grade -j 1 exited $?"
note "-j 1: 6 submissions in $(($(date +%s) - start)) s"

score() { jq -r --arg s "$1" '.submissions[] | select(.submission == $s) | "\(.score)/\(.max_score)"' j1.json; }
status_of() { jq -r --arg s "$1" --arg id "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $id) | .status' j1.json; }
detail_of() { jq -r --arg s "$1" --arg id "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $id) | .detail' j1.json; }
expect_score() { [ "$(score "$1")" = "$2" ] || die "$1 scored $(score "$1"), expected $2: $(jq -c --arg s "$1" '.submissions[] | select(.submission == $s) | [.checks[] | select(.status != "pass") | {id, status, detail}]' j1.json)"; }
expect_status() { [ "$(status_of "$1" "$2")" = "$3" ] || die "$1 $2: $(status_of "$1" "$2"), expected $3 ($(detail_of "$1" "$2"))"; }

expect_score good 100/100
for id in $(jq -r '.submissions[] | select(.submission == "good") | .checks[].id' j1.json); do
	expect_status good "$id" pass
done
expect_score wrong-memory 85/100
expect_status wrong-memory ch1.cmdline_memory fail
detail_of wrong-memory ch1.cmdline_memory | grep -q '`-m 512M` gives the guest 512 MiB' || die "wrong-memory: $(detail_of wrong-memory ch1.cmdline_memory)"
expect_status wrong-memory ch1.memory_256m fail
expect_score wrong-mac 80/100
expect_status wrong-mac ch2.cmdline_nic fail
expect_status wrong-mac ch2.nic_mac fail
expect_status wrong-mac ch2.http_200 parent_failed
expect_score no-nic 80/100
expect_status no-nic ch2.nic_mac fail
expect_status no-nic ch1.serial_login_root pass
expect_score no-serial 55/100
expect_status no-serial ch1.cmdline_serial_socket fail
expect_status no-serial ch1.serial_login_root fail
expect_status no-serial ch1.serial_login_student parent_failed
[ "$(jq -r '.submissions[] | select(.submission == "no-serial") | .checks[] | select(.id == "ch1.serial_login_student") | .note' j1.json)" = "parent failed: ch1.serial_login_root" ] || die "no 'parent failed' note"
expect_score typo 40/100
expect_status typo ch1.qemu_running fail
detail_of typo ch1.qemu_running | grep -q "invalid option" || die "typo: qemu's own words missing: $(detail_of typo ch1.qemu_running)"
[ "$(jq '[.submissions[] | select(.needs_regrade)] | length' j1.json)" = 0 ] || die "a submission needs regrading"

# what makes a grade reproducible, in every result
jq -e '.submissions[] | select(.schema_version == 1 and (.vlab_version | length > 0) and (.image.sha256 | length == 64)
	and (.rubric.sha256 | length == 64) and .accelerator.name == "tcg")' j1.json >/dev/null || die "a result lacks what reproduces it"
# the shim recorded the command as written, and said what it changed
jq -e '.argv | index("-enable-kvm")' j1/good/qemu-1.json >/dev/null || die "the record is not the script's own command"
jq -e '.exec_argv | index("tcg")' j1/good/qemu-1.json >/dev/null || die "qemu did not get TCG"
grep -q -- '-enable-kvm -> -accel tcg' j1/good/feedback.txt || die "the feedback does not say what vlab changed"
grep -q "login:" j1/good/console.log || die "no console transcript"
grep -q "invalid option" j1/typo/qemu-*.stderr || die "typo's qemu stderr was not kept"
grep -q "512 MiB" j1/wrong-memory/feedback.txt || die "no feedback for wrong-memory"
# GitHub Classroom is gone: no classroom.json (vlab-grade(1), "GitHub Classroom")
[ ! -e j1/good/classroom.json ] || die "classroom.json is still written"
head -1 j1/class.csv | grep -q '^submission,score,max_score,percent,needs_regrade,ch1.cmdline_kvm' || die "CSV header: $(head -1 j1/class.csv)"
grep -q '^wrong-memory,85,100,85.0,no,' j1/class.csv || die "CSV row: $(grep wrong-memory j1/class.csv)"
if command -v xmllint >/dev/null; then
	xmllint --noout --schema "$VLAB_REPO/tests/fixtures/junit/junit.xsd" j1/class.junit.xml || die "class.junit.xml does not validate"
	xmllint --noout --schema "$VLAB_REPO/tests/fixtures/junit/xunit-junit-10.xsd" j1/class.junit.xml ||
		die "class.junit.xml does not validate against the xUnit plugin's schema"
fi
if command -v prove >/dev/null; then
	# a failing class is not ok, but must parse: prove's own parse errors are what fail here
	prove -e cat j1/class.tap 2>&1 | grep -q "Parse errors" && die "prove cannot parse class.tap"
fi

# the host after grading
assert_image_pristine default
pgrep -af "grade-" | grep qemu-system && die "a graded qemu is still running"
[ -z "$(sandbox_procs)" ] || die "sandboxed processes left: $(sandbox_procs)"
[ "$(sandboxes_left)" = "$before_left" ] || die "sandbox directories left: $(sandboxes_left)"

# -j 2 on three of them: the same verdicts, scores and details
mkdir subs2
cp -r subs/good subs/wrong-mac subs/typo subs2/
"$VLAB" grade subs2/* -j 2 --out j2 --format json >j2.json || die "vlab grade -j 2 exited $?"
normal() {
	jq -S '[.submissions[] | select(.submission == ("good", "wrong-mac", "typo")) | {submission, score, max_score, needs_regrade,
		checks: [.checks[] | {id, status, points, max_points, detail, hint, note}]}] | sort_by(.submission)' "$1" |
		sed -E -e 's/grade-[0-9-]+/grade-RUN/g' -e 's/pid [0-9]+/pid N/g' -e 's/net:\[[0-9]+\]/net:[N]/g' \
			-e 's/rtt (avg|min\/avg\/max) [0-9.\/]+ ms/rtt R ms/g'
}
diff <(normal j1.json) <(normal j2.json) || die "-j 2 does not give what -j 1 gives"
[ "$(sandboxes_left)" = "$before_left" ] || die "sandbox directories left after -j 2"
echo "graded: good 100, wrong-memory 85, wrong-mac 80, no-nic 80, no-serial 55, typo 40; -j 2 agrees"
