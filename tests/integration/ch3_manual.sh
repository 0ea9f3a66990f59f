# chapter 3 --manual: vlab builds the bridges and boots both VMs; the
# "student" (this test) types the lab's commands in VM2 (addresses, the
# iperf3 server) and then in VM1 (addresses, pings, two iperf3 runs in text
# form) through vlab's two console relays; after Enter vlab judges the pings
# and runs from the transcripts and the links from the taps' counters over
# the session: every check passes. vlab itself types nothing in the guests.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 3 makes taps: needs root here (/dev/net/tun is 0600)"
require_taps
command -v socat >/dev/null || skip "socat is not installed"
export VLAB_RUN_DIR=$SCRATCH/run

attach() { # attach VM: a student's console on VM's relay socket
	local sock
	for _ in $(seq 300); do
		sock=$(ls "$VLAB_RUN_DIR"/*/"$1".console.sock 2>/dev/null | head -n 1)
		[ -n "$sock" ] && break
		sleep 0.1
	done
	[ -S "$sock" ] || die "vlab never served $1's console relay"
	coproc CON { socat - UNIX-CONNECT:"$sock"; }
	# bash unsets CON_PID once the coprocess is gone: keep it
	con_pid=$CON_PID
	send ""
	expect "login: " 90 || die "no login prompt on $1 through the relay"
	send root; expect "Password: " 10; send toor; expect "# " 10 || die "no root prompt on $1"
	# the NIC modules load in the background at boot: wait for both
	send 'while [ ! -e /sys/class/net/eth1 ]; do sleep 0.2; done'; expect "# " 20
	send "ip a s"; expect "# " 10
}
detach() {
	exec {CON[1]}>&-
	wait "$con_pid" 2>/dev/null
}
addresses() { # addresses .10|.11: eth0 is the e1000 and eth1 the virtio-net (PCI order)
	send "ip link set eth0 up; ip addr add 10.0.0$1/24 dev eth0"; expect "# " 10
	send "ip link set eth1 up; ip addr add 10.0.1$1/24 dev eth1"; expect "# " 10
	send 'while [ "$(cat /sys/class/net/eth0/carrier)" != 1 ]; do sleep 0.2; done'; expect "# " 20
}

mkfifo enter
"$VLAB" chapter 3 --manual --duration 2 --format json <enter >report.json 2>stderr.txt &
vlab_pid=$!
exec 7>enter
attach vm2
addresses .11
send "iperf3 -s -D"; expect "# " 10
detach
attach vm1
addresses .10
send "ping -c 3 10.0.0.11"; expect "packet loss" 20; expect "# " 10
send "ping -c 3 10.0.1.11"; expect "packet loss" 20; expect "# " 10
send "iperf3 -c 10.0.0.11 -t 2"; expect "iperf Done." 60 || die "the e1000 run did not finish"; expect "# " 10
send "iperf3 -c 10.0.1.11 -t 2"; expect "iperf Done." 60 || die "the virtio run did not finish"; expect "# " 10
detach
echo >&7
exec 7>&-
wait "$vlab_pid"
rc=$?
cat report.json
[ $rc -eq 0 ] || { cat stderr.txt; die "vlab chapter 3 --manual exited $rc"; }
for id in ch3.bridges ch3.ping_e1000_link ch3.ping_virtio_link ch3.iperf_e1000 ch3.iperf_virtio \
	ch3.virtio_faster; do
	check_status report.json "$id" pass
done
jq -e '.checks[] | select(.id == "ch3.iperf_virtio") | .detail | test("iperf3.s text output.*virtio link")' \
	report.json >/dev/null || die "iperf_virtio was not judged from the typed run and the counters"
# vlab typed nothing: the only commands in the transcripts are the student's
run=$(jq -r .run_id report.json)
! grep -q "stty columns" "$VLAB_RUN_DIR/$run"/vm*.console.log || die "vlab typed into a guest"
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
! ip netns list | grep -q "vlab-$run" || die "the namespace vlab-$run is left"
