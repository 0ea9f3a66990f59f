# A profile whose root password is wrong: ch1.serial_login_root FAILs with a
# hint, the chapter exits 1, and the run still cleans up.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
export VLAB_RUN_DIR=$SCRATCH/run
# the same files, through a manifest of our own (files in DIR/PROFILE/)
mkdir -p alt
ln -s "$(image_dir)/default" alt/default
sed -e '/^profile default$/,/^end$/ s/^login root toor$/login root not-the-password/' "$(image_dir)/manifest" >alt/manifest
grep -q 'login root not-the-password' alt/manifest || die "could not make the test manifest"
"$VLAB" chapter 1 --manifest alt/manifest --format json >report.json
rc=$?
cat report.json
[ $rc -eq 1 ] || die "expected exit 1 (a check failed), got $rc"
check_status report.json ch1.serial_login_root fail
jq -e '.checks[] | select(.id == "ch1.serial_login_root") | .detail | test("Login incorrect")' report.json >/dev/null ||
	die "the detail does not say what the guest answered"
jq -e '.checks[] | select(.id == "ch1.serial_login_root") | .hint | test("root/toor")' report.json >/dev/null ||
	die "the hint does not name the lab's accounts"
# the student account still works: the failure is the password's alone
check_status report.json ch1.serial_login_student pass
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
