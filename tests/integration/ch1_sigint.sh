# SIGINT while the guest boots: vlab exits 130 and leaves no qemu, socket,
# overlay or pid file; a second run right after works (nothing is stuck).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
export VLAB_RUN_DIR=$SCRATCH/run
for sig in INT TERM; do
	rm -rf "$VLAB_RUN_DIR"
	"$VLAB" chapter 1 --format json >report.json 2>stderr.txt &
	pid=$!
	# wait until qemu runs (its overlay exists), then interrupt mid-boot
	for _ in $(seq 200); do
		ls "$VLAB_RUN_DIR"/*/vm1.overlay.qcow2 >/dev/null 2>&1 && pgrep -f -- "$VLAB_RUN_DIR" >/dev/null && break
		sleep 0.05
	done
	pgrep -f -- "$VLAB_RUN_DIR" >/dev/null || die "qemu never started"
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	cat stderr.txt
	want=130
	[ "$sig" = TERM ] && want=143
	[ $rc -eq $want ] || die "SIG$sig: expected exit $want, got $rc"
	grep -q "stopped by signal" stderr.txt || die "SIG$sig: vlab did not say it stopped"
	sleep 0.2
	assert_no_qemu_of "$VLAB_RUN_DIR"
	for d in "$VLAB_RUN_DIR"/*/; do assert_rundir_clean "$d"; done
done
assert_image_pristine default
