# A class graded in two shards and merged: `vlab grade --shard I/N` keeps
# every N-th submission by name, `vlab report merge` joins the shards'
# class.json into one class report (JSON, CSV, JUnit, TAP, HTML: the same
# bytes as the class graded whole, times aside) with the histogram, the
# pass rates, and a strace.log handed in byte-identical by two students
# flagged; a submission graded by both shards is reported as such; bad input
# to merge is one line and exit 3 (2 for usage). The page is opened in
# headless Chromium, which lays it out and reports what it drew
# (tests/browser/class-page-probe.html). Two guest boots (the shard and the
# unsharded grading): the other three submissions have no script (graded
# without a sandbox).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
require_grading

mkdir -p subs/good subs/empty1 subs/empty2 subs/empty3
cp "$VLAB_REPO/assets/lab/reference/runqemu_single_vm.sh" subs/good/
strace_log=$VLAB_REPO/tests/fixtures/strace/strace-ioctl-qemu7.2-m256M.log
[ -f "$strace_log" ] || strace_log=$(ls "$VLAB_REPO"/tests/fixtures/strace/*.log | head -1)
cp "$strace_log" subs/good/strace.log
cp "$strace_log" subs/empty1/strace.log
echo '{"start": {}}' >subs/empty2/iperf3-e1000.json

"$VLAB" grade subs/* --shard 1/2 --out s1 --format json >s1.json || die "shard 1/2 exited $?"
"$VLAB" grade subs/* --shard 2/2 --out s2 --format json >s2.json || die "shard 2/2 exited $?"
[ "$(jq -c '[.submissions[].submission]' s1/class.json)" = '["empty1","empty3"]' ] ||
	die "shard 1/2 graded $(jq -c '[.submissions[].submission]' s1/class.json)"
[ "$(jq -c '[.submissions[].submission]' s2/class.json)" = '["empty2","good"]' ] ||
	die "shard 2/2 graded $(jq -c '[.submissions[].submission]' s2/class.json)"
jq -e '.submissions[0].saved[0] | .file == "strace.log" and (.sha256 | length) == 64' s1/class.json >/dev/null ||
	die "the saved strace.log has no hash in the result"

"$VLAB" report merge s2/class.json s1/class.json --out merged --title "Lab 1" >merge.txt ||
	{ cat merge.txt; die "vlab report merge exited $?"; }
cat merge.txt
jq -e '[.submissions[].submission] == ["empty1","empty2","empty3","good"]' merged/class.json >/dev/null ||
	die "the merged class is not the four submissions in name order"
jq -e '.submissions[] | select(.submission == "good") | .score == .max_score' merged/class.json >/dev/null ||
	die "the reference solution lost points in the merge"
jq -e '.class.identical_artifacts == [{"file": "strace.log", "sha256": .class.identical_artifacts[0].sha256, "submissions": ["empty1", "good"]}]' \
	merged/class.json >/dev/null || { jq .class merged/class.json; die "the identical strace.log is not flagged"; }
grep -q "identical strace.log (sha256 [0-9a-f]*) in: empty1, good" merge.txt || die "the summary does not flag the copy"
jq -e '.class.histogram[10].count == 1 and .class.histogram[0].count == 3' merged/class.json >/dev/null ||
	die "the histogram is wrong: $(jq -c .class.histogram merged/class.json)"
jq -e '.sources | length == 2' merged/class.json >/dev/null || die "the sources are not recorded"
[ "$(wc -l <merged/class.csv)" -eq 5 ] || die "class.csv has $(wc -l <merged/class.csv) lines, not 5"

# the merge reproduces the class graded whole, byte for byte in every class
# report, once what legitimately differs between two gradings is masked:
# when each result's grading began (started_at, JUnit's timestamp), how
# long things took (duration_ms and every other *_ms, JUnit's time), the
# grading directory's run id in paths, what was measured of the guest and
# the sandbox (qemu's pid and round-trip times in a detail, the inode of the
# network namespace a tap0 detail names, and each result's
# "facts": qemu's pid and process state when sampled, the sandbox's peak
# memory, ...), and the merge's own "sources" (the shard files it read)
"$VLAB" grade subs/* --out whole --format json >whole.json || die "the unsharded grading exited $?"
mask() {
	perl -0pe 's/,\n  "sources": \[.*?\n  \]//s; s/\n      "facts": \{.*?\n      \}/\n      "facts": "MEASURED"/sg' "$1" | sed -E \
		-e 's/("started_at": )"[^"]*"/\1"T"/' -e 's/("[a-z_]*_ms": )[0-9]+/\1N/' \
		-e 's/ (timestamp|time)="[^"]*"/ \1="T"/g' -e 's#grade-[0-9][0-9-]*#grade-RUN#g' \
		-e 's/rtt ([a-z/]+ )?[0-9.\/]+ ms/rtt \1R ms/g' -e 's/net:\[[0-9]+\]/net:[N]/g' \
		-e 's/\(pid [0-9]+\)/(pid N)/g'
}
differ=
for f in class.json class.csv class.junit.xml class.tap class.html; do
	[ -s "merged/$f" ] || die "the merge wrote no $f"
	mask "whole/$f" >"whole-$f"
	mask "merged/$f" >"merged-$f"
	# the page's title is the merge's --title
	[ "$f" = class.html ] && sed -i 's/Lab 1/Class report/g' "merged-$f"
	diff -u "whole-$f" "merged-$f" >"diff-$f" || { cat "diff-$f"; differ="$differ $f"; }
done
[ -z "$differ" ] || die "the merged reports differ from the unsharded ones:$differ"

# the page, in a real browser
if command -v chromium >/dev/null; then
	cp "$VLAB_REPO/tests/browser/class-page-probe.html" merged/
	verdict=$(HOME=$PWD timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$PWD/chromium" \
		--allow-file-access-from-files --virtual-time-budget=5000 --dump-dom \
		"file://$PWD/merged/class-page-probe.html" 2>/dev/null | sed -n 's|.*<pre id="verdict">\(.*\)</pre>.*|\1|p')
	[ "${verdict%% *}" = ok ] || die "Chromium's view of class.html: ${verdict:-nothing}"
	case $verdict in *"submissions=4 binned=4"*) ;; *) die "Chromium saw: $verdict" ;; esac
	note "chromium: $verdict"
else
	note "chromium is not installed: the page was not opened in a browser"
fi

# overlapping shards: said
"$VLAB" report merge s1/class.json s1/class.json s2/class.json --out twice >twice.txt || die "merge of overlapping shards failed"
grep -q "graded more than once (do the shards overlap?): empty1" twice.txt || { cat twice.txt; die "the overlap is not reported"; }

# bad input
"$VLAB" report merge no-such.json --out bad 2>err.txt
rc=$?
[ $rc -eq 3 ] && grep -q "cannot read 'no-such.json'" err.txt || die "a missing file: exit $rc, $(cat err.txt)"
echo '{"kind": "something"}' >other.json
"$VLAB" report merge other.json --out bad 2>err.txt
rc=$?
[ $rc -eq 3 ] && grep -q "is not a report of vlab grade" err.txt || die "a foreign JSON: exit $rc, $(cat err.txt)"
[ ! -e bad ] || die "a failed merge left a half-written report"
"$VLAB" report merge 2>err.txt
[ $? -eq 2 ] || die "no files must be a usage error"
# a report that cannot be written: exit 4, one line naming it, the others whole
mkdir -p wfail/class.csv
"$VLAB" report merge s1/class.json --out wfail >/dev/null 2>err.txt
rc=$?
[ $rc -eq 4 ] && [ "$(wc -l <err.txt)" = 1 ] && grep -q "cannot write wfail/class.csv" err.txt ||
	die "an unwritable class.csv: exit $rc, $(cat err.txt)"
jq -e .kind wfail/class.json >/dev/null || die "class.json before it is not whole"
[ -z "$(find wfail -name '*.tmp*')" ] || die "a temporary file was left"
"$VLAB" grade subs/* --shard 3/2 2>err.txt
[ $? -eq 2 ] && grep -q -- "--shard" err.txt || die "a bad --shard must be a usage error naming it"
echo "ok: two shards merged into one class report; the copy flagged; the page drawn as meant"
