# chapter 3 --keep: both VMs, the namespace and its bridges stay up (the
# lab as runqemu_two_vms.sh leaves it); vlab status lists both VMs; VM2's
# console still answers; vlab clean removes all of it.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapter 3 makes taps: needs root here (/dev/net/tun is 0600)"
require_taps
command -v socat >/dev/null || skip "socat is not installed"
export VLAB_RUN_DIR=$SCRATCH/run
# whatever happens below, nothing kept outlives the test
trap '"$VLAB" clean >/dev/null 2>&1' EXIT
"$VLAB" chapter 3 --duration 1 --keep --format json >keep.json || { cat keep.json; die "vlab chapter 3 --keep failed"; }
run=$(jq -r .run_id keep.json)
[ "$(pgrep -f -- "$run" | wc -l)" -ge 2 ] || die "--keep did not keep both qemus running"
"$VLAB" status >status.txt
cat status.txt
grep -q "process .* vm1" status.txt || die "status does not list vm1"
grep -q "process .* vm2" status.txt || die "status does not list vm2"
grep -q "netns .*vlab-$run" status.txt || die "status does not list the namespace"
for br in br0:tap0:tap2 br1:tap1:tap3; do
	IFS=: read -r b t1 t2 <<<"$br"
	for t in "$t1" "$t2"; do
		ip -n "vlab-$run" -o link show "$t" | grep -q "master $b" || die "$t is not in $b after --keep"
	done
done
# VM2 still answers on its serial socket (vlab let go of it); the pauses let
# ash's cursor query (ESC[6n after each prompt) go by before the command
out=$({ sleep 0.3; printf '\r'; sleep 0.5; printf 'echo kept-$((6*7))\r'; sleep 1; } |
	timeout 10 socat -t 2 - UNIX-CONNECT:"$VLAB_RUN_DIR/$run/vm2.serial.sock" 2>&1)
case "$out" in *kept-42*) ;; *) die "vm2's console did not answer: $out" ;; esac
"$VLAB" clean >clean.txt
cat clean.txt
[ "$(grep -c "stopped process" clean.txt)" -eq 2 ] || die "clean did not stop both qemus"
sleep 0.3
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
! ip netns list | grep -q "vlab-$run" || die "the namespace vlab-$run is left after clean"
"$VLAB" status | grep -q "^nothing" || die "status still shows something after clean"
