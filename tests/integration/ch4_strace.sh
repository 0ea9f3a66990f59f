# chapter 4 step 1: qemu runs with KVM under strace (the ioctls work on this
# host's kvm_pvm even though a standard guest does not boot); the 256 MiB is
# found; the log is kept; nothing else is left.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v strace >/dev/null || skip "strace is not installed"
[ -w /dev/kvm ] || skip "/dev/kvm is not usable here"
export VLAB_RUN_DIR=$SCRATCH/run
"$VLAB" chapter 4 --format json >report.json
rc=$?
cat report.json
[ $rc -eq 0 ] || die "vlab chapter 4 exited $rc"
check_status report.json ch4.strace_memory_region pass
jq -e '.checks[0].detail | test("256 MiB")' report.json >/dev/null || die "the detail lacks the size"
jq -e '.metrics.strace_kvm_run_count > 0' report.json >/dev/null || die "no KVM_RUN counted"
[ "$(jq -r .accel report.json)" = kvm ] || die "chapter 4 did not use KVM"
log=$(jq -r .artifacts.strace_log report.json)
grep -q "KVM_SET_USER_MEMORY_REGION.*memory_size=268435456" "$log" || die "the kept strace log lacks the region"
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
! pgrep -f -- "strace.*$run" >/dev/null || die "strace is left running"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
assert_image_pristine default
