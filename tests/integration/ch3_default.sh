# vlab chapter 3 --duration 2 in its own network namespace: every check
# passes, the counters prove each link carried its run, the metrics carry
# both rates and the ratio, the saved iperf3 reports pass `vlab check iperf`,
# nothing is left (no qemu, tap, bridge, namespace, overlay), the host's own
# links and routes are untouched and the image is never written.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 3 makes taps: needs root here (/dev/net/tun is 0600)"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run
ip -o link show | awk -F': ' '{ print $2 }' | sort >links.before
ip route show >routes.before
"$VLAB" chapter 3 --duration 2 --format json >report.json
rc=$?
cat report.json
[ $rc -eq 0 ] || die "vlab chapter 3 exited $rc"
for id in ch3.bridges ch3.ping_e1000_link ch3.ping_virtio_link ch3.iperf_e1000 ch3.iperf_virtio \
	ch3.virtio_faster; do
	check_status report.json "$id" pass
done
jq -e '.checks[] | select(.id == "ch3.iperf_e1000") | .detail | test("the e1000 link \\(tap0, br0, tap2\\) carried")' \
	report.json >/dev/null || die "iperf_e1000 does not give the tap counters"
jq -e '.checks[] | select(.id == "ch3.iperf_virtio") | .detail | test("the virtio link \\(tap1, br1, tap3\\) carried")' \
	report.json >/dev/null || die "iperf_virtio does not give the tap counters"
jq -e '.metrics.iperf_e1000_bps > 0 and .metrics.iperf_virtio_bps > 0 and
	.metrics.virtio_over_e1000_ratio > 1 and .metrics.boot_to_login_ms > 0' report.json >/dev/null ||
	die "metrics missing: $(jq -c .metrics report.json)"
ratio=$(jq -r '.metrics.iperf_virtio_bps / .metrics.iperf_e1000_bps' report.json)
awk -v a="$ratio" -v b="$(jq -r .metrics.virtio_over_e1000_ratio report.json)" \
	'BEGIN { exit !(a - b < 1e-9 && b - a < 1e-9) }' || die "the ratio is not virtio/e1000"
# both VMs, with the lab's NICs on the lab's taps
for vm in 0 1; do
	argv=$(jq -r ".vms[$vm].argv | join(\" \")" report.json)
	case $vm in
	0) want1="-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de -netdev tap,ifname=tap0,id=hostnet0"
	   want2="-device virtio-net-pci,netdev=hostnet1,id=net1,mac=52:54:00:8b:99:df -netdev tap,ifname=tap1,id=hostnet1" ;;
	1) want1="-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:ce -netdev tap,ifname=tap2,id=hostnet0"
	   want2="-device virtio-net-pci,netdev=hostnet1,id=net1,mac=52:54:00:8b:99:cf -netdev tap,ifname=tap3,id=hostnet1" ;;
	esac
	case "$argv" in *"$want1"*"$want2"*) ;; *) die "vm$((vm + 1))'s NICs are not the lab's: $argv" ;; esac
	# each VM on its own overlay (two VMs can never share a writable base)
	case "$argv" in *"vm$((vm + 1)).overlay.qcow2"*) ;; *) die "vm$((vm + 1)) has no overlay of its own" ;; esac
done
# the saved reports are iperf3's own, and `vlab check iperf` agrees
for link in e1000 virtio; do
	f=$(jq -r ".artifacts.iperf_$link" report.json)
	[ -s "$f" ] || die "no saved iperf3 report for $link ($f)"
	"$VLAB" check iperf "$f" >check.txt || { cat check.txt; die "vlab check iperf $f failed"; }
done
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
! ip netns list | grep -q "vlab-$run" || die "the namespace vlab-$run is left"
ip -o link show | awk -F': ' '{ print $2 }' | sort >links.after
ip route show >routes.after
diff links.before links.after || die "the host's links changed"
diff routes.before routes.after || die "the host's routes changed"
assert_image_pristine default
