# vlab check iperf on saved iperf3 reports: exit 0 for a finished run (client
# or server side, JSON or text), 1 for a failed or cut one (with the hint),
# 3 for a file that is not iperf3's or cannot be read; a log of several runs
# has each judged and named; --format json carries the verdict, metrics and
# facts; standard input as "-"; usage errors exit 2.
. "$VLAB_REPO/tests/integration/lib.bash"
fx=$VLAB_REPO/tests/fixtures/iperf
expect_rc() { # expect_rc RC ARGS...
	local want=$1
	shift
	"$VLAB" check iperf "$@" >out.txt 2>err.txt
	local rc=$?
	[ $rc -eq "$want" ] || { cat out.txt err.txt; die "vlab check iperf $*: expected exit $want, got $rc"; }
}
for f in client-e1000-t2.json server-e1000-t2.json client-virtio-t2.txt server-virtio-t2.txt \
	client-parallel-2.json client-reverse.json; do
	expect_rc 0 "$fx/$f"
	grep -q "iperf.run" out.txt || die "$f: no check line"
done
for f in error-connection-refused.json client-interrupted-sigint.json client-server-killed.json client-udp.json; do
	expect_rc 1 "$fx/$f"
	grep -q "hint:" out.txt || die "$f: no hint"
done
for f in truncated.json not-iperf-qmp.json not-iperf-ping.txt; do
	expect_rc 3 "$fx/$f"
	grep -q "not iperf3's report" err.txt || die "$f: no reason on stderr"
done
expect_rc 3 "$SCRATCH/no-such-file.json"
grep -q "cannot read it" err.txt || die "a missing file: no reason"

# json: one object for one file, an array for several; the worst status wins
"$VLAB" check iperf --format json "$fx/client-e1000-t2.json" >one.json || die "json: exit $?"
jq -e '.kind == "iperf" and .result == "pass" and .checks[0].id == "iperf.run" and
	.metrics.received_bps > 1e9 and .facts.role == "client" and .facts.server == "10.0.0.11"' one.json >/dev/null ||
	die "json: unexpected $(cat one.json)"
"$VLAB" check iperf "$fx/client-e1000-t2.json" "$fx/error-connection-refused.json" --format json >two.json
[ $? -eq 1 ] || die "a pass and a fail: expected exit 1"
jq -e 'length == 2 and .[1].result == "fail" and (.[1].checks[0].hint | test("iperf3 -s"))' two.json >/dev/null ||
	die "json array: unexpected $(cat two.json)"
"$VLAB" check iperf "$fx/client-e1000-t2.json" "$fx/truncated.json" --format json >three.json
[ $? -eq 3 ] || die "a pass and an unusable file: expected exit 3"
jq -e '.[1].result == "unusable" and .[1].reason == "unrecognized" and .[1].checks == []' three.json >/dev/null ||
	die "json unusable: unexpected $(cat three.json)"

# a log of several runs (real iperf3 output appended, tests/fixtures/iperf/
# README): every run judged, one verdict line each naming its run and line;
# the worst run decides
expect_rc 0 "$fx/loopback-two-client-runs.txt"
grep -q "2 runs, each judged" out.txt || die "two runs: no header saying so: $(cat out.txt)"
[ "$(grep -c "iperf.run" out.txt)" = 2 ] || die "two runs: not one verdict line each: $(cat out.txt)"
grep -q "run 1 of 2 (line 1: Connecting to host 127.0.0.1, port 15201): client" out.txt &&
	grep -q "run 2 of 2 (line 11: Connecting to host 127.0.0.1, port 15201): client" out.txt ||
	die "two runs: the lines do not name their runs: $(cat out.txt)"
expect_rc 0 "$fx/loopback-two-client-runs.json"
grep -q "run 2 of 2 (line 123: started Sat, 05 Dec 2026 00:42:13 GMT)" out.txt ||
	die "two JSON runs: the second is not named by its start time: $(cat out.txt)"
expect_rc 1 "$fx/loopback-refused-then-ok.txt"
grep -q "run 1 of 2 (line 1): iperf3 reported an error: unable to connect" out.txt &&
	grep -q "run 2 of 2 (line 2: Connecting" out.txt || die "a refused try, then a run: $(cat out.txt)"
grep -q "hint: nothing answered" out.txt || die "the refused try has no hint"
expect_rc 0 "$fx/loopback-server-two-tests.txt"
grep -q "run 2 of 2 (line 15: Accepted connection from 127.0.0.1, port 52988): server" out.txt ||
	die "a server's two tests: $(cat out.txt)"
"$VLAB" check iperf --format json "$fx/loopback-refused-then-ok.txt" >runs.json
[ $? -eq 1 ] || die "json, a refused try then a run: expected exit 1"
jq -e '.runs == 2 and .result == "fail" and (.checks | length) == 2 and
	[.checks[].status] == ["fail", "pass"] and [.checks[].run.index] == [1, 2] and
	[.checks[].run.line] == [1, 2] and .checks[1].run.label == "Connecting to host 127.0.0.1, port 15201" and
	.checks[1].metrics.retransmits_count == 16 and .checks[1].facts.role == "client" and .metrics == {}' \
	runs.json >/dev/null || die "json, several runs: unexpected $(cat runs.json)"
jq -e '.runs == 1 and (.checks[0] | has("run") | not)' one.json >/dev/null || die "json, one run: $(cat one.json)"
# a whole run, then a copy cut short: the run is judged, the rest is unusable
cat "$fx/client-e1000-t2.json" "$fx/truncated.json" >cut.json
expect_rc 3 cut.json
grep -q "run 1 of 2 (line 1: started" out.txt || die "the whole run before the cut is not judged: $(cat out.txt)"
grep -q "cut.json: run 2 of 2 (line [0-9]*): not iperf3's report" err.txt || die "the cut run: $(cat err.txt)"

# standard input
"$VLAB" check iperf - <"$fx/client-virtio-t2.json" >stdin.txt || die "stdin: exit $?"
grep -q "10.0.1.11" stdin.txt || die "stdin: not judged"

# usage
"$VLAB" check >/dev/null 2>&1; [ $? -eq 2 ] || die "no kind: expected exit 2"
"$VLAB" check strace2 x >/dev/null 2>&1; [ $? -eq 2 ] || die "unknown kind: expected exit 2"
"$VLAB" check iperf >/dev/null 2>&1; [ $? -eq 2 ] || die "no file: expected exit 2"
"$VLAB" check iperf --format tap x >/dev/null 2>&1; [ $? -eq 2 ] || die "tap: expected exit 2"
"$VLAB" check --help | grep -q "iperf" || die "--help does not list iperf"
