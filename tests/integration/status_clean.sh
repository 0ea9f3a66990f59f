# vlab status / vlab clean: after `--keep` and after a SIGKILLed vlab, status
# shows what is left, clean removes exactly that, and same-named things vlab
# did not create are not touched.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
export VLAB_RUN_DIR=$SCRATCH/run

# decoys: a process named like qemu and a student's own serial.socket file
exec -a qemu-system-x86_64 sleep 600 &
decoy=$!
: >serial.socket
trap 'kill $decoy 2>/dev/null' EXIT

# 1. --keep leaves the VM up; status shows it; clean removes it
"$VLAB" chapter 1 --keep --format json >keep.json || die "vlab chapter 1 --keep failed"
run=$(jq -r .run_id keep.json)
pgrep -f -- "$run" >/dev/null || die "--keep did not keep qemu running"
"$VLAB" status >status.txt
cat status.txt
grep -q "run $run: kept" status.txt || die "status does not show the kept run"
grep -q "process .* vm1" status.txt || die "status does not list the VM's qemu"
grep -q "socket .*vm1.serial.sock" status.txt || die "status does not list the serial socket"
# the kept VM still answers on its console
"$VLAB" clean >clean.txt
cat clean.txt
grep -q "stopped process" clean.txt || die "clean did not stop the kept qemu"
sleep 0.3
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
"$VLAB" status | grep -q "^nothing" || die "status still shows something after clean"

# 2. SIGKILL of vlab --keep during boot: qemu outlives it; clean finds it
"$VLAB" chapter 1 --keep --format json >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
	ls "$VLAB_RUN_DIR"/*/vm1.qmp.sock >/dev/null 2>&1 && break
	sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$VLAB" status >status2.txt
cat status2.txt
grep -q "left behind (vlab was killed)" status2.txt || die "status does not see the killed run"
"$VLAB" clean >clean2.txt
cat clean2.txt
sleep 0.3
assert_no_qemu_of "$VLAB_RUN_DIR"
for d in "$VLAB_RUN_DIR"/*/; do assert_rundir_clean "$d"; done

# 3. SIGKILL without --keep: qemu dies with vlab (PR_SET_PDEATHSIG); the
#    sockets and the overlay are left for clean
"$VLAB" chapter 1 --format json >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
	ls "$VLAB_RUN_DIR"/*/vm1.qmp.sock >/dev/null 2>&1 && [ "$(ls "$VLAB_RUN_DIR" | wc -l)" -ge 3 ] && break
	sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
sleep 0.5
assert_no_qemu_of "$VLAB_RUN_DIR"
"$VLAB" clean >clean3.txt
cat clean3.txt
for d in "$VLAB_RUN_DIR"/*/; do assert_rundir_clean "$d"; done

# the decoys are untouched
kill -0 "$decoy" || die "clean killed a qemu-named process vlab did not start"
[ -f serial.socket ] || die "clean removed a file vlab did not create"
assert_image_pristine default
