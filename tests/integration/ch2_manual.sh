# chapter 2 --manual: vlab makes tap0 and boots the VM; the "student" (this
# test) types the lab's guest commands through vlab's console relay; after
# Enter vlab checks the guest's side from the transcript and QMP and the
# host's side by itself: every check passes.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 2 makes a tap: needs root here (/dev/net/tun is 0600)"
require_taps
command -v socat >/dev/null || skip "socat is not installed"
export VLAB_RUN_DIR=$SCRATCH/run

mkfifo enter
"$VLAB" chapter 2 --manual --format json <enter >report.json 2>stderr.txt &
vlab_pid=$!
exec 7>enter
for _ in $(seq 300); do
	sock=$(ls "$VLAB_RUN_DIR"/*/vm1.console.sock 2>/dev/null | head -n 1)
	[ -n "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || die "vlab never served the console relay"
coproc CON { socat - UNIX-CONNECT:"$sock"; }
# bash unsets CON_PID once the coprocess is gone: keep it
con_pid=$CON_PID
send ""
expect "login: " 90 || die "no login prompt through the relay"
send root; expect "Password: " 10; send toor; expect "# " 10 || die "no root prompt"
# the NIC module loads in the background at boot: wait for eth0
send 'while [ ! -e /sys/class/net/eth0 ]; do sleep 0.2; done'; expect "# " 20
send "ip a s"; expect "# " 10
send "ip link set eth0 up"; expect "# " 10
send "ip addr add 10.0.0.10/24 dev eth0"; expect "# " 10
send 'while [ "$(cat /sys/class/net/eth0/carrier)" != 1 ]; do sleep 0.2; done'; expect "# " 20
send "ip a s"; expect "# " 10
send "ping -c 3 10.0.0.1"; expect "packet loss" 20; expect "# " 10
send "httpd -p 8000 -h /root"; expect "# " 10
exec {CON[1]}>&-
wait "$con_pid" 2>/dev/null
echo >&7
exec 7>&-
wait "$vlab_pid"
rc=$?
cat report.json
[ $rc -eq 0 ] || { cat stderr.txt; die "vlab chapter 2 --manual exited $rc"; }
for id in ch2.tap_up ch2.nic_mac ch2.guest_ip ch2.ping_guest_to_host ch2.ping_host_to_guest \
	ch2.http_200 ch2.teardown_clean; do
	check_status report.json "$id" pass
done
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
