# vlab chapter 2 in its own network namespace: every check passes, the report
# carries the ping and HTTP numbers, nothing is left (no tap, no namespace, no
# qemu), and the host's own links and routes are untouched.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 2 makes a tap: needs root here (/dev/net/tun is 0600)"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run
ip -o link show | awk -F': ' '{ print $2 }' | sort >links.before
ip route show >routes.before
"$VLAB" chapter 2 --format json >report.json
rc=$?
cat report.json
[ $rc -eq 0 ] || die "vlab chapter 2 exited $rc"
for id in ch2.tap_up ch2.nic_mac ch2.guest_ip ch2.ping_guest_to_host ch2.ping_host_to_guest \
	ch2.http_200 ch2.teardown_clean; do
	check_status report.json "$id" pass
done
jq -e '.checks[] | select(.id == "ch2.nic_mac") | .detail | test("e1000")' report.json >/dev/null ||
	die "nic_mac does not name the driver"
jq -e '.checks[] | select(.id == "ch2.http_200") | .detail | test("200")' report.json >/dev/null ||
	die "http_200 does not give the status"
argv=$(jq -r '.vms[0].argv | join(" ")' report.json)
case "$argv" in
*"-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de -netdev tap,ifname=tap0,id=hostnet0"*) ;;
*) die "the NIC is not the lab's: $argv" ;;
esac
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
! ip netns list | grep -q "vlab-$run" || die "the namespace vlab-$run is left"
ip -o link show | awk -F': ' '{ print $2 }' | sort >links.after
ip route show >routes.after
diff links.before links.after || die "the host's links changed"
diff routes.before routes.after || die "the host's routes changed"
assert_image_pristine default
