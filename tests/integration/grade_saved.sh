# vlab grade on saved chapter 3-4 work alone (no script, so no sandbox and no
# guest boot): a rubric that lists only the saved-file checks, and five
# submissions: a complete chapter-4 set with conclusions that agree with the
# student's own iperf3 runs (full marks); the EPT-off report missing (that
# check alone fails); conclusions that contradict the runs (that check alone
# fails); one perf recording handed in under both names (a forged pair);
# both iperf3 runs appended to one file.
# Then each report format names those checks, and the class page and CSV
# have a column per chapter the rubric has (ch3, ch4; not ch1, ch2).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
command -v jq >/dev/null || skip "jq is not installed"

fx=$VLAB_REPO/tests/fixtures
full() {  # a complete set in $1
	mkdir -p "$1"
	cp "$fx/perf/perf-kvm-stat-report-intel-ept-on-handmade.txt" "$1/perf_ept_on.txt"
	cp "$fx/perf/perf-kvm-stat-report-intel-ept-off.txt" "$1/perf_ept_off.txt"
	cp "$fx/strace/strace-m256M-lab-ampersand.log" "$1/strace.log"
	cp "$fx/iperf/client-e1000-t2.json" "$1/iperf_e1000.json"
	cp "$fx/iperf/client-virtio-t2.json" "$1/iperf_virtio.json"
	printf '%s\n' "Conclusions" "" "- e1000: 1.39 Gbits/sec, virtio-net: 3.24 Gbits/sec" \
		"- virtio net was about 2.3x faster than the e1000, because the guest's driver knows it runs" \
		"  in a VM and qemu does not emulate a real Intel card." >"$1/conclusions.txt"
}
[ -f "$fx/strace/strace-m256M-lab-ampersand.log" ] || die "the strace fixture is gone"
full subs/complete
full subs/no_off && rm subs/no_off/perf_ept_off.txt
full subs/contra && printf 'The e1000 was faster than virtio-net.\n' >subs/contra/conclusions.md && rm subs/contra/conclusions.txt
full subs/forged && cp subs/forged/perf_ept_on.txt subs/forged/perf_ept_off.txt
# both runs appended to one file, the conclusions in other words
full subs/onefile && cat subs/onefile/iperf_e1000.json subs/onefile/iperf_virtio.json >subs/onefile/iperf.json &&
	rm subs/onefile/iperf_e1000.json subs/onefile/iperf_virtio.json &&
	printf 'The e1000 is more than 2 times slower than virtio net.\n' >subs/onefile/conclusions.txt
cat >saved.rubric <<'R'
rubric 1
title saved work, chapters 3-4
ch3.iperf_saved 10
ch3.conclusions 10
ch4.strace_memory_region 10
ch4.exits_counted 10
ch4.cr_exits_ept_off 10
R
t0=$(date +%s)
"$VLAB" grade subs/complete subs/no_off subs/contra subs/forged subs/onefile --rubric saved.rubric --out out --format json \
	>class.json 2>err || die "grading exited $?: $(cat err)"
note "graded five submissions in $(($(date +%s) - t0)) s"
status() { jq -r --arg s "$1" --arg c "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $c) | .status' class.json; }
detail() { jq -r --arg s "$1" --arg c "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $c) | .detail' class.json; }
score() { jq -r --arg s "$1" '.submissions[] | select(.submission == $s) | "\(.score)/\(.max_score)"' class.json; }

[ "$(score complete)" = 50/50 ] || die "complete: $(score complete): $(jq -c '.submissions[0].checks' class.json)"
detail complete ch4.cr_exits_ept_off | grep -q "perf_ept_off.txt / perf_ept_on.txt: CR-access exits: 69 with ept off, 2 with it on" ||
	die "complete: $(detail complete ch4.cr_exits_ept_off)"
detail complete ch3.conclusions | grep -q "conclusions.txt line 4: virtio-net faster (2.3x)" ||
	die "complete: $(detail complete ch3.conclusions)"
detail complete ch3.iperf_saved | grep -q "^2 files, each passed: iperf_e1000.json: .*; iperf_virtio.json: " ||
	die "complete: both iperf3 files are judged: $(detail complete ch3.iperf_saved)"

[ "$(score no_off)" = 40/50 ] && [ "$(status no_off ch4.cr_exits_ept_off)" = fail ] ||
	die "no_off: $(score no_off), $(status no_off ch4.cr_exits_ept_off)"
detail no_off ch4.cr_exits_ept_off | grep -q "no perf report recorded with ept off (perf_ept_off.txt)" ||
	die "no_off: $(detail no_off ch4.cr_exits_ept_off)"

[ "$(score contra)" = 40/50 ] && [ "$(status contra ch3.conclusions)" = fail ] || die "contra: $(score contra)"
detail contra ch3.conclusions | grep -q "conclusions.md line 1 says e1000 was faster" ||
	die "contra: $(detail contra ch3.conclusions)"

[ "$(status forged ch4.cr_exits_ept_off)" = fail ] && [ "$(score forged)" = 40/50 ] || die "forged: $(score forged)"
detail forged ch4.cr_exits_ept_off | grep -q "hold the same exits" || die "forged: $(detail forged ch4.cr_exits_ept_off)"

[ "$(score onefile)" = 50/50 ] || die "onefile: $(score onefile): $(detail onefile ch3.conclusions)"
detail onefile ch3.conclusions | grep -q "e1000 1.39 Gbit/s (iperf.json), virtio 3.24 Gbit/s (iperf.json)" ||
	die "onefile: $(detail onefile ch3.conclusions)"

# the conclusions are a saved artefact: hashed, for the class report's copies
jq -e '.submissions[] | select(.submission == "complete") | .saved | map(.file) | index("conclusions.txt") != null' \
	class.json >/dev/null || die "conclusions.txt is not among the saved files"

# every per-submission format names chapter 3's and 4's checks
ids="ch3.iperf_saved ch3.conclusions ch4.strace_memory_region ch4.exits_counted ch4.cr_exits_ept_off"
for id in $ids; do
	head -1 out/class.csv | tr ',' '\n' | grep -qx "$id" || die "class.csv's header lacks $id: $(head -1 out/class.csv)"
	grep -q "name=\"$id\"" out/class.junit.xml || die "class.junit.xml lacks $id"
	grep -q " - complete: $id (10/10)\$" out/class.tap || die "class.tap lacks $id: $(grep complete out/class.tap)"
	grep -q "PASS  $id " out/complete/feedback.txt || die "feedback.txt lacks $id: $(cat out/complete/feedback.txt)"
	jq -e --arg id "$id" '.checks | map(.id) | index($id) != null' out/complete/report.json >/dev/null ||
		die "report.json lacks $id"
done
grep -q "FAIL  ch4.cr_exits_ept_off " out/no_off/feedback.txt || die "no_off's feedback: $(cat out/no_off/feedback.txt)"
# a column per chapter the rubric has, ch3 and ch4, with each one's points
head -1 out/class.csv | grep -q ',ch3_points,ch3_max,ch4_points,ch4_max$' || die "class.csv's chapters: $(head -1 out/class.csv)"
grep -q '^no_off,.*,20,20,20,30$' out/class.csv || die "no_off's chapters: $(grep no_off out/class.csv)"
grep -q '<th class="chapter">ch3</th><th class="chapter">ch4</th><th></th>' out/class.html ||
	die "class.html has no chapter columns: $(grep -o '<table id="submissions">.*</tr>' out/class.html | head -1)"
! grep -q '<th class="chapter">ch[12]</th>' out/class.html || die "class.html shows a chapter the rubric lacks"
grep -q 'data-chapter="ch4" data-points="20" data-max="30">20/30</td>' out/class.html || die "no_off's ch4 cell"
jq -e '.class.chapters | map(.chapter) == ["ch3", "ch4"]' class.json >/dev/null || die "class.json's chapters: $(jq -c .class.chapters class.json)"
if command -v xmllint >/dev/null; then xmllint --noout out/class.junit.xml || die "class.junit.xml is not XML"; fi

# in CI's terms too: the failed saved-work checks, with what to do
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/summary.md "$VLAB" grade subs/no_off subs/contra --rubric saved.rubric \
	--out gh --ci github >gh.log 2>&1 || die "--ci github exited $?: $(tail -3 gh.log)"
grep -q '^  FAIL   ch4.cr_exits_ept_off 0/10' gh.log && grep -q '^  FAIL   ch3.conclusions 0/10' gh.log ||
	die "the GitHub log lacks the failed checks: $(cat gh.log)"
grep -q 'ch4\\.cr\\_exits\\_ept\\_off' summary.md && grep -q 'ch3\\.conclusions' summary.md ||
	die "the job summary lacks them: $(cat summary.md)"
GITLAB_CI=true "$VLAB" grade subs/no_off --rubric saved.rubric --out gl --ci gitlab >gl.log 2>&1 ||
	die "--ci gitlab exited $?: $(tail -3 gl.log)"
grep -q 'section_start:[0-9]*:vlab_failed_checks' gl.log && grep -q '^  FAIL   ch4.cr_exits_ept_off 0/10' gl.log ||
	die "the GitLab log lacks the failed check: $(cat gl.log)"

# Forged iperf3 results (numbers no run produced, edited with jq on a real
# report): the e1000 run's received rate made 10x its bytes over its
# seconds fails ch3.iperf_saved; the virtio run's received bytes and rate
# both made 10x, with conclusions that agree with the forgery, fails
# ch3.iperf_saved too (every iperf*.json is judged, not only the first in
# name order) and leaves the conclusions with no virtio measurement to
# agree with: ch3.conclusions fails. A saved file that is a link (to a file
# of the grader's) is refused unread.
full forge/rate && jq '.end.sum_received.bits_per_second *= 10' "$fx/iperf/client-e1000-t5.json" >forge/rate/iperf_e1000.json
full forge/bytes && jq '.end.sum_received.bits_per_second *= 10 | .end.sum_received.bytes *= 10' \
	"$fx/iperf/client-virtio-t5.json" >forge/bytes/iperf_virtio.json &&
	printf 'virtio-net was 32 times faster than e1000.\n' >forge/bytes/conclusions.txt
full forge/link && rm forge/link/iperf_virtio.json && ln -s /etc/passwd forge/link/iperf_virtio.json
# each forgery changed only what it says
[ "$(jq -c .end.sum_received.bits_per_second forge/rate/iperf_e1000.json)" != "$(jq -c .end.sum_received.bits_per_second "$fx/iperf/client-e1000-t5.json")" ] &&
	diff <(jq -S 'del(.end.sum_received)' forge/rate/iperf_e1000.json) <(jq -S 'del(.end.sum_received)' "$fx/iperf/client-e1000-t5.json") >/dev/null ||
	die "the rate forgery is not one field"
"$VLAB" grade forge/rate forge/bytes forge/link --rubric saved.rubric --out forge-out --format json >forge.json 2>err ||
	die "grading the forgeries exited $?: $(cat err)"
fst() { jq -r --arg s "$1" --arg c "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $c) | "\(.status) \(.detail)"' forge.json; }
fst rate ch3.iperf_saved | grep -q "^fail .*not a run's: end.sum_received says 14.1 Gbit/s, but its 880315928 bytes in 5.01 s are 1.41 Gbit/s" ||
	die "rate: $(fst rate ch3.iperf_saved)"
fst rate ch3.conclusions | grep -q "^fail .*no saved iperf3 run of the e1000 (10.0.0.0/24) link" || die "rate: $(fst rate ch3.conclusions)"
fst bytes ch3.iperf_saved | grep -q "^fail one file passed, but: iperf_virtio.json: its numbers are not a run's" ||
	die "bytes: iperf_virtio.json is forged: $(fst bytes ch3.iperf_saved)"
fst link ch3.iperf_saved | grep -q "^fail .*iperf_virtio.json cannot be read: .*link" || die "link: $(fst link ch3.iperf_saved)"
fst link ch3.iperf_saved | grep -q "root:" && die "link: the grader's file was read: $(fst link ch3.iperf_saved)"
fst bytes ch3.conclusions | grep -q "^fail .*no saved iperf3 run of the virtio" || die "bytes: $(fst bytes ch3.conclusions)"
for s in rate bytes; do
	for id in ch4.strace_memory_region ch4.exits_counted ch4.cr_exits_ept_off; do
		fst $s $id | grep -q "^pass" || die "$s $id: $(fst $s $id)"
	done
done
