# chapter 4 step 1: qemu runs with KVM under strace, on this host's KVM
# (kvm_pvm's ioctls work although a standard guest does not boot on it) or,
# on a host without /dev/kvm, inside the emulated KVM host; the 256 MiB is
# found; the log is kept in this host's run directory; nothing else is left.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v strace >/dev/null || skip "strace is not installed"
export VLAB_RUN_DIR=$SCRATCH/run
if [ -e /dev/kvm ]; then
	[ -w /dev/kvm ] || skip "/dev/kvm is not usable here (not ours to open)"
	want_host=here
else
	[ -f "$(image_dir)/default/kvmhost-initrd.img" ] ||
		skip "no /dev/kvm, and no emulated KVM host in $(image_dir) (make image builds kvmhost-initrd.img)"
	want_host=emulated-amd-v
fi
"$VLAB" chapter 4 --step strace --format json >report.json 2>stderr.txt
rc=$?
cat report.json stderr.txt
[ $rc -eq 0 ] || die "vlab chapter 4 --step strace exited $rc"
check_status report.json ch4.strace_memory_region pass
jq -e '.checks[0].detail | test("256 MiB")' report.json >/dev/null || die "the detail lacks the size"
jq -e '.metrics.strace_kvm_run_count > 0' report.json >/dev/null || die "no KVM_RUN counted"
[ "$(jq -r .accel report.json)" = kvm ] || die "chapter 4 did not use KVM"
kvm_host=$(jq -r .kvm_host report.json)
if [ "$want_host" = emulated-amd-v ]; then
	[ "$kvm_host" = emulated-amd-v ] || die "without /dev/kvm, kvm_host is $kvm_host"
else
	[ "$kvm_host" != emulated-amd-v ] || die "chapter 4 went inside the emulated host on a host with KVM"
fi
run=$(jq -r .run_id report.json)
log=$(jq -r .artifacts.strace_log report.json)
[ "$(dirname "$log")" = "$VLAB_RUN_DIR/$run" ] || die "the strace log is not in this host's run directory: $log"
grep -q "KVM_SET_USER_MEMORY_REGION.*memory_size=268435456" "$log" || die "the kept strace log lacks the region"
assert_no_qemu_of "$VLAB_RUN_DIR"
! pgrep -f -- "strace.*$run" >/dev/null || die "strace is left running"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
[ ! -e "$VLAB_RUN_DIR/$run/resources" ] || die "the ledger is left: $(cat "$VLAB_RUN_DIR/$run/resources")"
assert_image_pristine default
