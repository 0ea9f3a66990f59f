# vlab handout covers the whole lab: the student's starter holds the
# course's runqemu_two_vms.sh byte for byte (the course's script, read
# independently from tests/fixtures/netcmds, which quotes it under a header
# of 6 lines) and names the files to save; each name it gives is one
# vlab grade accepts (the names are graded, not compared with our own
# list). --reference writes the TA's completed set, whose saved files score
# full marks on the saved-work checks (no guest boots: the rubric lists no
# check of a script's). A refused handout writes nothing.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v jq >/dev/null || skip "jq is not installed"

"$VLAB" handout stu >stu.out || die "vlab handout exited $?"
for f in runqemu_single_vm.sh runqemu_two_vms.sh connect_to_socket.sh alpine-bzImage simple_alpine_rootfs1.ext4; do
	[ -f "stu/$f" ] || die "the starter lacks $f"
done
[ -x stu/runqemu_two_vms.sh ] || die "runqemu_two_vms.sh is not executable"
cmp -s stu/runqemu_two_vms.sh <(sed 1,6d "$VLAB_REPO/tests/fixtures/netcmds/runqemu_two_vms.sh" | sed '1i #!/bin/bash') ||
	die "the starter's runqemu_two_vms.sh is not the course's"
# the saved files it names, each as vlab-grade(1) spells its names
saved=$(sed -n 's/^Chapter 3 runs .* Save in [^,]*, for grading: //p' stu.out)
[ -n "$saved" ] || die "the handout names no files to save: $(cat stu.out)"
for f in iperf_e1000.json iperf_virtio.json conclusions.txt strace.log perf_ept_on.txt perf_ept_off.txt; do
	grep -q "$f" <<<"$saved" || die "the handout does not name $f: $saved"
done

# a second handout refuses before writing anything: a file removed stays removed
rm stu/connect_to_socket.sh
"$VLAB" handout stu >/dev/null 2>err && die "a second handout over the first succeeded"
grep -q -- "--force" err || die "no hint to --force: $(cat err)"
[ ! -e stu/connect_to_socket.sh ] || die "a refused handout wrote connect_to_socket.sh"

"$VLAB" handout ref --reference >ref.out || die "vlab handout --reference exited $?"
for f in runqemu_single_vm.sh runqemu_two_vms.sh iperf_e1000.json iperf_virtio.json strace.log perf_ept_on.txt \
	perf_ept_off.txt conclusions.txt; do
	[ -s "ref/$f" ] || die "the reference lacks $f"
done
grep -q "^qemu-system-x86_64" ref/runqemu_single_vm.sh || die "the reference's single-VM script runs no qemu"
cmp -s ref/iperf_e1000.json "$VLAB_REPO/tests/fixtures/iperf/client-e1000-t5.json" || die "iperf_e1000.json is not the fixture"
jq -e '.start.connecting_to.host == "10.0.1.11"' ref/iperf_virtio.json >/dev/null || die "iperf_virtio.json is not the virtio link's"
"$VLAB" handout x --reference --class-ci github >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || die "--reference with --class-ci: exit $rc, not 2"

if [ "$(id -u)" = 0 ]; then
	printf 'rubric 1\nch3.iperf_saved 1\nch3.conclusions 1\nch4.strace_memory_region 1\nch4.exits_counted 1\nch4.cr_exits_ept_off 1\n' \
		>saved.rubric
	"$VLAB" grade ref --rubric ./saved.rubric --out out --format json >c.json 2>err || die "grade exited $?: $(cat err)"
	[ "$(jq -r '.submissions[0] | "\(.score)/\(.max_score)"' c.json)" = 5/5 ] ||
		die "the reference's saved files: $(jq -c '.submissions[0].checks' c.json)"
	# the starter's names: each file as the handout names it is what grade reads
	for f in iperf_e1000.json iperf_virtio.json conclusions.txt strace.log perf_ept_on.txt perf_ept_off.txt; do
		cp "ref/$f" "stu/$f"
	done
	"$VLAB" grade stu --rubric ./saved.rubric --out out2 --format json >c2.json 2>err || die "grade exited $?: $(cat err)"
	[ "$(jq -r '.submissions[0].score' c2.json)" = 5 ] || die "the starter's named files: $(jq -c '.submissions[0].checks' c2.json)"
else
	note "not root: the reference's saved files are not graded"
fi
echo "ok"
