# Chapter 4 step 2's kvm_intel path on this host, on a fake sysfs: TCG has
# no VMX, so the emulated KVM host (AMD-V) cannot stand in for Intel's EPT
# (ch4_exits.sh runs the real npt switch in there). With VLAB_TEST_CH4_TCG=1
# the step's guests run under TCG (no VM exits to count: the exit checks must
# FAIL, not pass) and kvm_intel is a fake under VLAB_TEST_SYSFS_ROOT,
# reloaded by tests/fakes/modprobe; --emulated-kvm never keeps the chapter
# here. What is proven: the busy loops run and are seen, perf/tracepoint/QMP
# counting runs and reports, the reload happens only with
# --allow-module-reload and an idle module, and ept=Y comes back after a
# normal end, a loader failing half-way, a SIGINT between unload and load,
# and a SIGKILL followed by `vlab clean`. Nothing is left running.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "the module reload runs as root only"
[ -w /dev/kvm ] || skip "/dev/kvm is not usable here (chapter 4 needs it for step 1)"
# the step counts exits with `perf kvm stat record` and the kvm:kvm_exit
# tracepoint: without them every count would fail for the host's sake
command -v perf >/dev/null || skip "perf is not installed (linux-perf): chapter 4 counts exits with perf kvm stat"
[ -r /sys/kernel/tracing/events/kvm/kvm_exit/id ] || [ -r /sys/kernel/debug/tracing/events/kvm/kvm_exit/id ] ||
	skip "no kvm:kvm_exit tracepoint: neither /sys/kernel/tracing nor /sys/kernel/debug/tracing has events/kvm/kvm_exit (tracefs not mounted, or no kvm module)"
perf_err=$(perf kvm stat record -o "$SCRATCH/perf-probe.data" -- true 2>&1) ||
	skip "perf kvm stat record does not work here: $(cut -c1-300 <<<"${perf_err//$'\n'/ }")"
rm -f "$SCRATCH/perf-probe.data"
root=$PWD/fake-root
export VLAB_RUN_DIR=$SCRATCH/run VLAB_TEST_CH4_TCG=1 VLAB_TEST_SYSFS_ROOT=$root
export VLAB_MODPROBE=$VLAB_REPO/tests/fakes/modprobe FAKE_MODPROBE_ROOT=$root FAKE_MODPROBE_LOG=$PWD/loader.log
fresh_module() {
	rm -rf "$root" && mkdir -p "$root/sys/module/kvm_intel/parameters"
	echo Y >"$root/sys/module/kvm_intel/parameters/ept"
	echo "${1:-0}" >"$root/sys/module/kvm_intel/refcnt"
	: >loader.log
}
ept() { cat "$root/sys/module/kvm_intel/parameters/ept" 2>/dev/null || echo absent; }
state=$VLAB_RUN_DIR/ept-restore.state
ch4() { "$VLAB" chapter 4 --step exits --seconds 1 --emulated-kvm never --format json "$@" >report.json 2>stderr.txt; }
assert_all_gone() {
	local run
	run=$(jq -r .run_id report.json 2>/dev/null)
	[ -n "$run" ] && [ "$run" != null ] && assert_no_qemu_of "$run"
	! pgrep -f -- "perf kvm stat record.*$VLAB_RUN_DIR" >/dev/null || die "perf is left running"
	[ ! -e "$state" ] || die "the state file is left: $(cat "$state")"
}

# 1. the whole step: counted (nothing under TCG), reloaded, restored
fresh_module
ch4 --allow-module-reload
rc=$?
[ $rc -eq 1 ] || { cat report.json stderr.txt; die "expected exit 1 (TCG has no VM exits), got $rc"; }
check_status report.json ch4.exits_counted fail
jq -e '.checks[] | select(.id == "ch4.exits_counted") | .detail | test("kvm:kvm_exit fired 0 times")' report.json >/dev/null ||
	die "the tracepoint did not count on qemu's threads"
check_status report.json ch4.cr_exits_ept_off fail
check_status report.json ch4.ept_restored pass
[ "$(cat loader.log)" = "$(printf 'modprobe -r kvm_intel\nmodprobe kvm_intel ept=0\nmodprobe -r kvm_intel\nmodprobe kvm_intel ept=Y')" ] ||
	{ cat loader.log; die "the loader was not called as expected"; }
[ "$(ept)" = Y ] || die "ept is $(ept) after the chapter"
for a in perf_report_ept_on perf_report_ept_off; do
	grep -q "VM-EXIT" "$(jq -r .artifacts.$a report.json)" || die "perf's report $a was not kept"
done
assert_all_gone

# 2. no --allow-module-reload: counted, nothing reloaded, and said why
fresh_module
ch4
check_status report.json ch4.cr_exits_ept_off skip
jq -e '.checks[] | select(.id == "ch4.cr_exits_ept_off") | .detail | test("--allow-module-reload")' report.json >/dev/null ||
	die "the skip does not name --allow-module-reload"
check_status report.json ch4.ept_restored skip
[ ! -s loader.log ] || die "the module was touched without --allow-module-reload"

# 3. another process holds KVM (refcnt 1): not reloaded
fresh_module 1
ch4 --allow-module-reload
check_status report.json ch4.cr_exits_ept_off skip
jq -e '.checks[] | select(.id == "ch4.cr_exits_ept_off") | .detail | test("in use \\(refcnt 1")' report.json >/dev/null ||
	die "the skip does not say the module is in use"
[ ! -s loader.log ] && [ "$(ept)" = Y ] || die "a module in use was reloaded"

# 4. the load with ept=0 fails half-way: skipped with the loader's words, ept=Y back
fresh_module
FAKE_MODPROBE_FAIL='kvm_intel ept=0' ch4 --allow-module-reload
check_status report.json ch4.cr_exits_ept_off skip
jq -e '.checks[] | select(.id == "ch4.cr_exits_ept_off") | .detail | test("could not insert")' report.json >/dev/null ||
	die "the loader's failure is not named"
check_status report.json ch4.ept_restored pass
[ "$(ept)" = Y ] || die "ept is $(ept) after a failed load"
assert_all_gone

# 5. SIGINT between unload and load: exit 130, ept=Y, ept=0 never loaded
fresh_module
FAKE_MODPROBE_SIGNAL='-r kvm_intel:INT' ch4 --allow-module-reload
rc=$?
[ $rc -eq 130 ] || { cat stderr.txt; die "SIGINT between unload and load: exit $rc, not 130"; }
[ "$(ept)" = Y ] || die "ept is $(ept) after SIGINT"
! grep -q "ept=0" loader.log || die "ept=0 was loaded after the stop request"
grep -q "kvm_intel ept=Y restored" stderr.txt || { cat stderr.txt; die "the restore on SIGINT is not reported"; }
run=$(ls "$VLAB_RUN_DIR" | grep -v ept-restore | tail -1)
assert_no_qemu_of "$run"
[ ! -e "$state" ] || die "the state file is left after SIGINT"

# 6. SIGKILL right after ept=0 is loaded: the state file stays; vlab clean restores
fresh_module
FAKE_MODPROBE_SIGNAL='kvm_intel ept=0:KILL' ch4 --allow-module-reload
rc=$?
[ $rc -eq 137 ] || die "expected the SIGKILLed vlab to exit 137, got $rc"
[ "$(ept)" = N ] && [ -e "$state" ] || die "after SIGKILL: ept=$(ept), state file $( [ -e "$state" ] && echo present || echo absent)"
"$VLAB" clean --root "$root" >clean.txt 2>&1 || { cat clean.txt; die "vlab clean failed"; }
grep -q "KVM module: kvm_intel ept=Y restored" clean.txt || { cat clean.txt; die "clean did not restore"; }
[ "$(ept)" = Y ] && [ ! -e "$state" ] || die "clean left ept=$(ept)"
for run in $(ls "$VLAB_RUN_DIR"); do assert_no_qemu_of "$run"; done
assert_image_pristine default
echo "ok: step 2 counts, reloads only when allowed, and ept=Y comes back every way"
