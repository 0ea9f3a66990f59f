# VM1's two addresses on the wrong interfaces (the virtio-net's 10.0.1.10 on
# the e1000 and the other way round), through vlab's test fault
# VLAB_TEST_CH3_SWAP_ADDRESSES: both iperf3 runs still "work" (Linux answers
# ARP for any of its addresses on any interface), but the taps' counters show
# each run's data on the other link, and the iperf checks fail saying so.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 3 makes taps: needs root here (/dev/net/tun is 0600)"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run
VLAB_TEST_CH3_SWAP_ADDRESSES=1 "$VLAB" chapter 3 --duration 2 --format json >report.json
rc=$?
cat report.json
[ $rc -eq 1 ] || die "a crossed address plan: expected exit 1, got $rc"
check_status report.json ch3.bridges pass
for link in e1000 virtio; do
	check_status report.json "ch3.iperf_$link" fail
	jq -e --arg id "ch3.iperf_$link" \
		'.checks[] | select(.id == $id) | .detail | test("the traffic took the other link")' report.json \
		>/dev/null || die "ch3.iperf_$link does not say its traffic took the other link"
	jq -e --arg id "ch3.iperf_$link" '.checks[] | select(.id == $id) | .hint | test("by MAC|MAC")' \
		report.json >/dev/null || die "ch3.iperf_$link's hint does not point at the MACs"
done
# iperf3 itself reported both runs fine: the counters are what caught it
for link in e1000 virtio; do
	"$VLAB" check iperf "$(jq -r ".artifacts.iperf_$link" report.json)" >/dev/null ||
		die "iperf3's own report of the $link run did not pass: the fault did not cross the links"
done
check_status report.json ch3.virtio_faster fail
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
