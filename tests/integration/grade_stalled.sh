# vlab grade on VMs that never reach a login prompt: each submission starts
# a qemu paused (-S, which no one lets go), in chapters 1-2's script
# (single-stalled) and as VM1 of chapter 3's (two-stalled, graded with the
# lab rubric). The console is silent for the whole boot wait; the checks of
# the guest say so, and say what QMP found the VM to be after the wait
# (prelaunch), so that a grader reading the report knows a paused VM from
# a slow or a broken boot. The other VM of two-stalled boots and is asked.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
require_grading
command -v jq >/dev/null || skip "jq is not installed"

ref="$VLAB_REPO/assets/lab/reference"
mkdir -p subs/single-stalled subs/two-stalled
# chapters 1-2's qemu paused: its one `-m 256M \` line
sed 's/^\t-m 256M \\$/\t-m 256M -S \\/' "$ref/runqemu_single_vm.sh" >subs/single-stalled/runqemu_single_vm.sh
[ "$(diff "$ref/runqemu_single_vm.sh" subs/single-stalled/runqemu_single_vm.sh | grep -c '^>')" = 1 ] ||
	die "single-stalled: not one line changed"
# chapter 3's VM1 paused (QEMU_OPTS1's memory line, the first), VM2 as is
cp "$ref/runqemu_single_vm.sh" subs/two-stalled/
sed '0,/-m 256M \\/s//-m 256M -S \\/' "$ref/runqemu_two_vms.sh" >subs/two-stalled/runqemu_two_vms.sh
[ "$(diff "$ref/runqemu_two_vms.sh" subs/two-stalled/runqemu_two_vms.sh | grep -c '^>')" = 1 ] ||
	die "two-stalled: not one line changed"
chmod +x subs/*/*.sh

# --timeout 40: the boot wait ends with the submission's time, not at 90 s
start=$(date +%s)
"$VLAB" grade --rubric lab -j 2 --timeout 40 --out out --format json subs/* >class.json 2>grade.err ||
	die "vlab grade exited $?: $(tail -5 grade.err)"
note "2 submissions, -j 2, in $(($(date +%s) - start)) s"

status_of() { jq -r --arg s "$1" --arg id "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $id) | .status' class.json; }
detail_of() { jq -r --arg s "$1" --arg id "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $id) | .detail' class.json; }

# single-stalled: ch1.qemu_running fails on QMP's word, and the login
# checks under it say what the boot wait saw: the console silent, the VM
# still paused, qemu's age counted to the verdict (not to before the
# wait), and no word of a missing -initrd (the shim gave the image's)
st=$(status_of single-stalled ch1.qemu_running)
[ "$st" = fail ] || die "single-stalled ch1.qemu_running: $st ($(detail_of single-stalled ch1.qemu_running))"
detail_of single-stalled ch1.qemu_running | grep -q "prelaunch" ||
	die "single-stalled ch1.qemu_running: $(detail_of single-stalled ch1.qemu_running)"
st=$(status_of single-stalled ch1.serial_login_root)
d=$(detail_of single-stalled ch1.serial_login_root)
[ "$st" = parent_failed ] || die "single-stalled ch1.serial_login_root: $st ($d)"
case $d in *"no login prompt on the serial console within"*"QMP says the VM is prelaunch"*) ;;
*) die "single-stalled: no word of the silent console and the paused VM: $d" ;; esac
case $d in *initrd*) die "single-stalled: blames a missing -initrd the shim gave: $d" ;; esac
age=$(sed -n 's/.*(started \([0-9]*\) s ago).*/\1/p' <<<"$d")
[ -n "$age" ] && [ "$age" -ge 10 ] || die "single-stalled: qemu's age is not counted to the verdict: $d"

# two-stalled: VM1 never came up, which fails the checks of its guest
# (as a single VM's dead console does; a SKIP would take their points out
# of the maximum), saying why with QMP's word and -S in the hint; VM2's
# guest was asked (its iperf3 server check has a verdict of its own)
# (the pings are the addresses' children: their parent failed)
for id in ch3.guest_addresses ch3.ping_e1000_link ch3.ping_virtio_link; do
	st=$(status_of two-stalled "$id")
	d=$(detail_of two-stalled "$id")
	want=fail
	[ "$id" = ch3.guest_addresses ] || want=parent_failed
	[ "$st" = "$want" ] || die "two-stalled $id: $st, expected $want ($d)"
	case $d in *"VM1's guest never came up: no login prompt on the serial console within"*"QMP says the VM is prelaunch"*) ;;
	*) die "two-stalled $id: $d" ;; esac
done
jq -r '.submissions[] | select(.submission == "two-stalled") | .checks[] | select(.id == "ch3.guest_addresses") | .hint' \
	class.json | grep -q -- "-S in qemu's command" || die "two-stalled ch3.guest_addresses: no hint of -S"
st=$(status_of two-stalled ch3.iperf_server)
[ "$st" = pass ] || die "two-stalled ch3.iperf_server: $st ($(detail_of two-stalled ch3.iperf_server))"
grep -q "login:" out/two-stalled/two-vms/console-vm2.log || die "two-stalled: VM2's console has no login prompt"
[ "$(jq '[.submissions[] | select(.needs_regrade)] | length' class.json)" = 0 ] || die "a submission needs regrading"
echo "stalled VMs graded, QMP's word in the details"
