# SIGINT during chapter 3's iperf3 run (and once during the boot of both
# VMs): exit 130, and no qemu, tap, bridge, namespace, socket or overlay is
# left.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 3 makes taps: needs root here (/dev/net/tun is 0600)"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run

interrupt_when() { # interrupt_when FILE-PATTERN TEXT-IN-VM1-CONSOLE
	rm -rf "$VLAB_RUN_DIR"
	"$VLAB" chapter 3 --duration 10 --format json >report.json 2>stderr.txt &
	local pid=$! i seen=
	for i in $(seq 1200); do
		if [ -n "$2" ]; then
			grep -qs -- "$2" "$VLAB_RUN_DIR"/*/vm1.console.log && seen=1 && break
		else
			ls "$VLAB_RUN_DIR"/*/$1 >/dev/null 2>&1 && seen=1 && break
		fi
		sleep 0.05
	done
	[ -n "$seen" ] || { kill -INT "$pid"; wait "$pid"; cat stderr.txt; die "never saw ${2:-$1}"; }
	local run
	run=$(basename "$(dirname "$(ls "$VLAB_RUN_DIR"/*/vm1.console.log | head -n 1)")")
	# the lab is up: both VMs and the namespace with its bridges
	ip netns list | grep -q "vlab-$run" || die "no namespace vlab-$run while running"
	ip -n "vlab-$run" link show br0 >/dev/null || die "no br0 while running"
	kill -INT "$pid"
	wait "$pid"
	local rc=$?
	cat stderr.txt
	[ $rc -eq 130 ] || die "SIGINT: expected exit 130, got $rc"
	sleep 0.3
	assert_no_qemu_of "$VLAB_RUN_DIR"
	assert_rundir_clean "$VLAB_RUN_DIR/$run"
	! ip netns list | grep -q "vlab-$run" || die "the namespace vlab-$run (with its taps and bridges) is left"
	! ls "$VLAB_RUN_DIR/$run"/*.qcow2 >/dev/null 2>&1 || die "an overlay is left"
	! ip link show br0 >/dev/null 2>&1 || die "a br0 appeared in the host's namespace"
}
# both qemus are up, the guests are booting
interrupt_when vm2.qmp.sock ""
# the iperf3 client runs over the e1000 link (10 s long: SIGINT lands inside it)
interrupt_when "" "iperf3 -c 10.0.0.11"
