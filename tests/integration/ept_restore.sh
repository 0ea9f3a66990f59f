# A chapter 4 killed with SIGKILL while kvm_intel was reloaded with ept=0:
# `vlab clean` and `vlab doctor` find the state file and put ept=Y back, on
# a fake sysfs through the fake loader (tests/fakes/modprobe). A state file
# whose vlab still runs is left to that vlab; a loader that fails keeps the
# state file and exits 3. (The state file as a real SIGKILL leaves it is
# made in test_ept's test_sigkill_then_clean; here it is written in the same
# format, to drive the commands end to end.)
. "$VLAB_REPO/tests/integration/lib.bash"
[ "$(id -u)" = 0 ] || skip "the restore runs as root only (a module reload needs root)"
root=$PWD/fake-root
export VLAB_RUN_DIR=$PWD/run VLAB_MODPROBE=$VLAB_REPO/tests/fakes/modprobe
export FAKE_MODPROBE_ROOT=$root FAKE_MODPROBE_LOG=$PWD/loader.log
mkdir -p "$root/sys/module/kvm_intel/parameters" "$VLAB_RUN_DIR"
echo N >"$root/sys/module/kvm_intel/parameters/ept"
echo 0 >"$root/sys/module/kvm_intel/refcnt"
state=$VLAB_RUN_DIR/ept-restore.state
left_by_killed_vlab() {
	sleep 0 & local dead=$!
	wait $dead
	printf 'module=kvm_intel\nparam=ept\noriginal=Y\npid=%d\nstart=1\n' "$dead" >"$state"
}
ept() { cat "$root/sys/module/kvm_intel/parameters/ept"; }

# vlab clean
left_by_killed_vlab
"$VLAB" clean --root "$root" >out.txt 2>err.txt || { cat out.txt err.txt; die "vlab clean failed"; }
grep -q "KVM module: kvm_intel ept=Y restored (read back Y)" out.txt || { cat out.txt; die "clean does not say it restored ept"; }
[ "$(ept)" = Y ] || die "ept is $(ept) after vlab clean, not Y"
[ ! -e "$state" ] || die "the state file is still there after the restore"
grep -qx "modprobe kvm_intel ept=Y" loader.log || die "the loader was not asked for ept=Y"

# vlab doctor
echo N >"$root/sys/module/kvm_intel/parameters/ept"
left_by_killed_vlab
"$VLAB" doctor --root "$root" --format json >doctor.json 2>err.txt
jq -e '.rows[] | select(.name == "ept/npt") | .detail | test("restored after an interrupted chapter 4: kvm_intel ept=Y restored")' \
	doctor.json >/dev/null || { jq '.rows[] | select(.name == "ept/npt")' doctor.json; die "doctor does not restore ept"; }
[ "$(ept)" = Y ] && [ ! -e "$state" ] || die "doctor left ept=$(ept) or the state file"

# the vlab that wrote the state file still runs: leave it to that vlab
echo N >"$root/sys/module/kvm_intel/parameters/ept"
sleep 60 & alive=$!
start=$(awk '{ print $22 }' "/proc/$alive/stat")
printf 'module=kvm_intel\nparam=ept\noriginal=Y\npid=%d\nstart=%s\n' "$alive" "$start" >"$state"
"$VLAB" clean --root "$root" >out.txt 2>err.txt || { cat out.txt err.txt; kill $alive; die "clean must not fail while chapter 4 runs"; }
kill $alive
grep -q "puts it back itself" out.txt || { cat out.txt; die "clean does not say who restores"; }
[ "$(ept)" = N ] && [ -e "$state" ] || die "clean restored under a running chapter 4"

# the loader fails: exit 3, the state file stays for the next try
left_by_killed_vlab
FAKE_MODPROBE_FAIL='kvm_intel ept=Y' "$VLAB" clean --root "$root" >out.txt 2>err.txt
rc=$?; [ $rc -eq 3 ] || { cat out.txt err.txt; die "clean with a failing loader exited $rc, not 3"; }
grep -q "was not restored.*could not insert 'kvm_intel'" err.txt || { cat err.txt; die "the failure is not named"; }
[ -e "$state" ] || die "the state file went although nothing was restored"
"$VLAB" clean --root "$root" >out.txt 2>err.txt || die "the second clean failed"
[ "$(ept)" = Y ] && [ ! -e "$state" ] || die "the retry did not restore"

# nothing pending: clean says nothing about KVM
"$VLAB" clean --root "$root" >out.txt 2>err.txt || die "clean with nothing pending failed"
! grep -q "KVM module" out.txt || die "clean talks of a restore with nothing pending"
echo "ok: clean and doctor restore ept after a killed chapter 4; a live chapter 4 is left alone"
