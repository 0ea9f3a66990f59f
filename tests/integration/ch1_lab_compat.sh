# vlab chapter 1 on the lab-compat image (the lab's own file names, bzImage, console=hvc0): every check passes, the report has
# what vlab-chapter(1) promises, and the image is untouched.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
export VLAB_RUN_DIR=$SCRATCH/run
"$VLAB" chapter 1 --image lab-compat --format json >report.json
rc=$?
cat report.json
[ $rc -eq 0 ] || die "vlab chapter 1 exited $rc"
for id in ch1.qemu_running ch1.memory_256m ch1.rootfs_virtio_blk ch1.serial_login_root \
	ch1.serial_login_student ch1.only_loopback; do
	check_status report.json "$id" pass
done
[ "$(jq -r .result report.json)" = pass ] || die "result is not pass"
[ "$(jq -r .schema_version report.json)" = 1 ] || die "schema_version missing"
[ "$(jq -r .image report.json)" = lab-compat ] || die "image profile missing"
jq -e '.image_sha256 | test("^[0-9a-f]{64}$")' report.json >/dev/null || die "image_sha256 missing"
jq -e '.accel == "tcg" or .accel == "kvm"' report.json >/dev/null || die "accel missing"
jq -e '.vlab_version | length > 0' report.json >/dev/null || die "vlab_version missing"
jq -e '.metrics.boot_to_login_ms > 0' report.json >/dev/null || die "boot_to_login_ms missing"
# the qemu command line is the lab's shape
argv=$(jq -r '.vms[0].argv | join(" ")' report.json)
for want in -nodefaults -nographic "-m 256M" "-device virtio-blk-pci,drive=id0" "-device isa-serial,chardev=serial0" \
	"-chardev socket,id=serial0,path="; do
	case "$argv" in *"$want"*) ;; *) die "argv lacks '$want': $argv" ;; esac
done
assert_image_pristine lab-compat
jq -e '[.vms[0].changes[].change] | any(test("console=hvc0 -> console=ttyS0"))' report.json >/dev/null || die "the console= correction is not reported"
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"
[ -s "$VLAB_RUN_DIR/$run/vm1.console.log" ] || die "no console transcript kept"
