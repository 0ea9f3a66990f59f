# vlab check perf FILE: a saved `perf kvm stat report` judged by
# ch4.exits_counted; Intel and AMD exit names; no exits (kvm_pvm) fails
# with the reason; a file that is not such a report exits 3.
. "$VLAB_REPO/tests/integration/lib.bash"
f=$VLAB_REPO/tests/fixtures/perf
"$VLAB" check perf "$f/perf-kvm-stat-report-intel-ept-off.txt" >out.txt || { cat out.txt; die "the lab's EPT-off report must pass"; }
grep -q "CR-access exits: 69" out.txt || die "the CR_ACCESS exits are not counted"
"$VLAB" check perf --format json "$f/perf-kvm-stat-report-amd-npt-off-handmade.txt" >out.json || die "the AMD report must pass"
jq -e '.metrics.cr_exits_count == 4120 and .facts.exits_by_reason.write_cr3 == 4120' out.json >/dev/null ||
	{ cat out.json; die "AMD's write_cr3 exits are not counted as CR exits"; }
"$VLAB" check perf "$f/perf-kvm-stat-report-pvm-no-exits.txt" >out.txt
[ $? -eq 1 ] || die "a report with no exits must fail"
grep -q "no VM exits" out.txt || die "the failure does not say what is missing"
"$VLAB" check perf "$VLAB_REPO/README.md" >out.txt 2>err.txt
[ $? -eq 3 ] || die "a file that is not a perf report must exit 3"
