# vlab grade --rubric lab: chapter 3's runqemu_two_vms.sh graded in a
# sandbox of its own after runqemu_single_vm.sh's, under TCG. Each
# submission holds the TA's reference runqemu_single_vm.sh and:
#   good:       the TA's whole-lab reference (assets/lab/reference, what
#               `vlab handout --reference` writes: the course's
#               runqemu_two_vms.sh, every line, and the saved files of
#               chapters 3-4): 100 of lab.rubric's 100 points, or 98 when
#               ch3.virtio_faster came out the other way under TCG (see
#               below); it is the same script as tests/fixtures/netcmds
#   crossed:    its VM2's NICs crossed (e1000 on tap3, virtio-net on tap2):
#               ch3.vm2_command_line and the links' checks (pings, then
#               iperf3 as their children) fail, nothing else
#   bad-bridge: its tap2 added to br1: ch3.bridges and the e1000 link fail,
#               the command lines and taps pass
#   no-two:     no runqemu_two_vms.sh: chapter 3's checks fail saying so
# Chapters 1-2's verdicts are the same in all four. After the run (a class
# of both shapes: whole-lab submissions and no-two, a chapters 1-2 one) the
# host is as it was in what this test made: links (taps, bridges), named
# network namespaces, qemus (no qemu-system-x86_64 that was not there
# before) and processes of its sandboxes, mounts, cgroups, SysV shared
# memory segments, grading directories.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "vlab grade makes its sandboxes as root"
require_grading
command -v jq >/dev/null || skip "jq is not installed"

course="$VLAB_REPO/tests/fixtures/netcmds/runqemu_two_vms.sh"
[ -f "$course" ] || die "no $course"
base=${VLAB_RUN_DIR:-/run/vlab}

host_links() { ip -o link show | awk -F': ' '{ print $2 }' | sort; }
host_netns() { ls /run/netns 2>/dev/null | sort; }
grade_dirs() { find "$base" -maxdepth 1 -name 'grade-*' 2>/dev/null | sort; }
grade_mounts() { awk '$2 ~ /\/grade-/ { print $2 }' /proc/mounts | sort; }
grade_cgroups() { find /sys/fs/cgroup -maxdepth 6 -type d -name 'vlab-grade-*' 2>/dev/null | sort; }
shm_segments() { ipcs -m | awk '/^0x/ { print $2 }' | sort; }
sandbox_procs() {
	local p
	for p in /proc/[0-9]*; do
		case $(readlink "$p/cwd" 2>/dev/null) in "$base"/grade-*) echo "${p#/proc/}" ;; esac
	done | sort
}
qemus() { pgrep -x qemu-system-x86; }  # comm, cut to 15 characters
snapshot() {
	host_links >"$1.links"; host_netns >"$1.netns"; grade_dirs >"$1.dirs"; grade_mounts >"$1.mounts"
	grade_cgroups >"$1.cgroups"; shm_segments >"$1.shm"; sandbox_procs >"$1.procs"; qemus | sort >"$1.qemus"
}
snapshot before

mkdir -p subs
for s in good crossed bad-bridge no-two; do
	mkdir -p "subs/$s"
	cp "$VLAB_REPO/assets/lab/reference/runqemu_single_vm.sh" "subs/$s/"
done
cp -r "$VLAB_REPO/assets/lab/reference/." subs/good/
rm subs/good/README.md
cmp -s subs/good/runqemu_two_vms.sh <(sed 1,6d "$course" | sed '1i #!/bin/bash') || die "the reference's two-VM script is not the course's"
# VM2's e1000 on tap3 and its virtio-net on tap2: its two -netdev lines only
sed -e '/mac=52:54:00:8b:99:ce/s/ifname=tap2/ifname=tap3/' -e '/mac=52:54:00:8b:99:cf/s/ifname=tap3/ifname=tap2/' \
	"$course" >subs/crossed/runqemu_two_vms.sh
# tap2 added to br1 (after br1's addbr) in place of br0
sed -e '/^\tbrctl addif br0 tap2$/d' -e 's/^\tbrctl addif br1 tap3$/&\n\tbrctl addif br1 tap2/' "$course" \
	>subs/bad-bridge/runqemu_two_vms.sh
chmod +x subs/*/*.sh
# each variant changed its lines, and nothing else
[ "$(diff "$course" subs/crossed/runqemu_two_vms.sh | grep -c '^>')" = 2 ] || die "crossed: not two lines changed"
[ "$(diff "$course" subs/bad-bridge/runqemu_two_vms.sh | grep -c '^[<>]')" = 2 ] || die "bad-bridge: not one line moved"

start=$(date +%s)
"$VLAB" grade --rubric lab -j 2 --timeout 120 --out out --format json subs/* >class.json 2>grade.err ||
	die "vlab grade exited $?: $(tail -5 grade.err)"
note "4 submissions, -j 2, in $(($(date +%s) - start)) s"

status_of() { jq -r --arg s "$1" --arg id "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $id) | .status' class.json; }
detail_of() { jq -r --arg s "$1" --arg id "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $id) | .detail' class.json; }
# on a wrong verdict, the submission's two consoles' last lines too: a
# failed CI run keeps only this log
consoles_of() {
	local v
	for v in 1 2; do
		echo "--- $1's console-vm$v.log, last lines:"
		tail -n 8 "out/$1/two-vms/console-vm$v.log" 2>&1 | tr -d '\r'
	done
}
expect() {
	[ "$(status_of "$1" "$2")" = "$3" ] ||
		die "$1 $2: $(status_of "$1" "$2"), expected $3 ($(detail_of "$1" "$2"))
$(consoles_of "$1")"
}
# a submission's checks but chapter 3's, as id=status lines
ch12() { jq -r --arg s "$1" '.submissions[] | select(.submission == $s) | .checks[] | select(.id | test("^ch[12]\\.")) | "\(.id)=\(.status)"' class.json; }

jq -e '.submissions[0].rubric.path == "builtin:assets/rubric/lab.rubric"' class.json >/dev/null || die "not the lab rubric"
[ "$(jq '[.submissions[] | select(.needs_regrade)] | length' class.json)" = 0 ] || die "a submission needs regrading"
host_ids="ch3.vm1_command_line ch3.vm2_command_line ch3.bridges ch3.taps_attached"
guest_ids="ch3.guest_addresses ch3.ping_e1000_link ch3.ping_virtio_link ch3.iperf_server ch3.iperf_e1000 ch3.iperf_virtio"
for id in $host_ids $guest_ids; do expect good "$id" pass; done
faster=$(status_of good ch3.virtio_faster)
note "good: ch3.virtio_faster $faster ($(detail_of good ch3.virtio_faster))"
case $faster in pass | fail) ;; *) die "good: ch3.virtio_faster is $faster: $(detail_of good ch3.virtio_faster)" ;; esac
# the reference's chapters 1-2 all pass, and the same in every submission
for line in $(ch12 good); do [ "${line#*=}" = pass ] || die "good: $line"; done
for s in crossed bad-bridge no-two; do
	diff <(ch12 good) <(ch12 $s) >/dev/null || die "$s: chapters 1-2 differ from good's: $(diff <(ch12 good) <(ch12 $s))"
done
# good: both records verified, the roles by their command lines, rootfs2 its own copy
jq -e '.facts.two_vms.qemu | length == 2 and all(.verified == true)' out/good/report.json >/dev/null ||
	die "good: not two verified records: $(jq -c '.facts.two_vms.qemu' out/good/report.json)"
grep -q "simple_alpine_rootfs2.ext4 is a copy of the image's" out/good/feedback.txt ||
	die "good: no word of the second rootfs: $(grep -i rootfs out/good/feedback.txt)"
ls out/good/two-vms/qemu-1.json out/good/two-vms/qemu-2.json out/good/two-vms/netns.json >/dev/null ||
	die "good: the two-VM run's files were not kept"
grep -q "login:" out/good/two-vms/console-vm1.log || die "good: no transcript of VM1's console"
grep -q "login:" out/good/two-vms/console-vm2.log || die "good: no transcript of VM2's console"
# VM1's two clients ran side by side (the virtio one against VM2's second
# server, in the background of the e1000 one), for lab.rubric's 2 s
grep -q "(iperf3 -c 10.0.1.11 -p 5202 -t 2 -J >/tmp/vlab-iperf-virtio.json 2>&1 & iperf3 -c 10.0.0.11 -t 2 -J; wait)" \
	out/good/two-vms/console-vm1.log || die "good: VM1's clients did not run side by side: $(grep iperf3 out/good/two-vms/console-vm1.log)"
grep -q "iperf3 -s -D && iperf3 -s -D -p 5202" out/good/two-vms/console-vm2.log || die "good: VM2 has not two servers"
peak=$(jq -r '.facts.two_vms.sandbox.memory_peak_bytes // "none"' out/good/report.json)
limit=$(jq -r '.facts.two_vms.sandbox.memory_limit_bytes' out/good/report.json)
note "two-VM sandbox: memory peak $peak bytes of $limit"
[ "$(jq -r '.facts.two_vms.sandbox.memory_limit_hit // false' out/good/report.json)" = false ] || die "good: the memory limit was hit"

# crossed: VM2's command line and the links, nothing else of chapter 3
expect crossed ch3.vm2_command_line fail
detail_of crossed ch3.vm2_command_line | grep -q tap3 || die "crossed: the detail names no tap3: $(detail_of crossed ch3.vm2_command_line)"
for id in ch3.vm1_command_line ch3.bridges ch3.taps_attached ch3.guest_addresses ch3.iperf_server; do
	expect crossed "$id" pass
done
expect crossed ch3.ping_e1000_link fail
expect crossed ch3.ping_virtio_link fail
for id in ch3.iperf_e1000 ch3.iperf_virtio ch3.virtio_faster; do expect crossed "$id" parent_failed; done
# bad-bridge: the bridges and the e1000 link (br0 holds tap0 alone); the
# virtio link's share br1 with VM2's e1000 (which ARP answers from is the
# guest's choice): noted, not asserted
expect bad-bridge ch3.bridges fail
detail_of bad-bridge ch3.bridges | grep -q "tap2 is in br1" || die "bad-bridge: the detail names no tap2: $(detail_of bad-bridge ch3.bridges)"
for id in ch3.vm1_command_line ch3.vm2_command_line ch3.taps_attached ch3.guest_addresses; do expect bad-bridge "$id" pass; done
expect bad-bridge ch3.ping_e1000_link fail
note "bad-bridge: ch3.ping_virtio_link $(status_of bad-bridge ch3.ping_virtio_link)"
# no-two: chapter 3 fails saying why (a guest's check whose parent failed
# says so), and no sandbox was made for it
for id in $host_ids $guest_ids ch3.virtio_faster; do
	st=$(status_of no-two "$id")
	[ "$st" = parent_failed ] && continue
	[ "$st" = fail ] || die "no-two $id: $st"
	detail_of no-two "$id" | grep -q "no runqemu_two_vms.sh" || die "no-two $id: $(detail_of no-two "$id")"
done
[ ! -e out/no-two/two-vms/script.log ] || die "no-two: a two-VM script ran"
# the lab rubric's 100 points, all the reference's. ch3.virtio_faster
# compares two 2 s iperf3 runs side by side under TCG at -j 2 on a shared
# 2-core host, and a pair with the e1000 ahead is run again before it
# fails: the measure, not the reference, could still come out the other
# way twice, so when it failed exactly its 2 points are missing and every
# other check passed; anything else is a failure of the test
jq -e '.submissions[] | select(.submission == "good") | .max_score == 100' class.json >/dev/null || die "lab.rubric is not 100 points"
got=$(jq -r '.submissions[] | select(.submission == "good") | .score' class.json)
not_passed=$(jq -r '.submissions[] | select(.submission == "good") | .checks[] | select(.status != "pass") | .id' class.json)
if [ "$faster" = pass ]; then
	[ "$got" = 100 ] && [ -z "$not_passed" ] || die "good scored $got, not 100 (not passed: $not_passed)"
else
	[ "$got" = 98 ] && [ "$not_passed" = ch3.virtio_faster ] ||
		die "good scored $got with ch3.virtio_faster failed, not 98 (not passed: $not_passed)"
	note "good: 98/100, ch3.virtio_faster's 2 points lost to the measure under TCG"
fi
for id in ch3.iperf_saved ch4.strace_memory_region ch4.exits_counted; do expect good "$id" pass; done

# Attacks on the two records, with paused qemus (-S: no guest boots) and a
# rubric of the host's checks alone (no guest is asked): a script that
# starts VM1 only (VM2's checks fail naming the count, 30 s after VM1
# started, well before --timeout 90),
# and one that copies qemu-1.json to qemu-2.json and starts VM2's qemu past
# the shim (the unannounced record is refused, VM2 is not judged from it)
mkdir -p subs2/one subs2/forge
paused() { sed 's/^        -nodefaults \\$/        -nodefaults -S \\/' "$course"; }
paused | sed 's/^qemu-system-x86_64 \$QEMU_OPTS2 &$/sleep 1000 \&/' >subs2/one/runqemu_two_vms.sh
paused | sed 's|^qemu-system-x86_64 \$QEMU_OPTS2 &$|sleep 1; cp "$VLAB_SHIM_DIR/qemu-1.json" "$VLAB_SHIM_DIR/qemu-2.json"; /usr/bin/qemu-system-x86_64 -accel tcg $QEMU_OPTS2 \&|' \
	>subs2/forge/runqemu_two_vms.sh
grep -q 'sleep 1000' subs2/one/runqemu_two_vms.sh && grep -q 'cp "$VLAB_SHIM_DIR' subs2/forge/runqemu_two_vms.sh &&
	[ "$(grep -c -- '-nodefaults -S' subs2/forge/runqemu_two_vms.sh)" = 2 ] || die "the attack scripts were not made"
chmod +x subs2/*/*.sh
printf 'rubric 1\nch3.vm1_command_line 1\nch3.vm2_command_line 1\nch3.bridges 1\nch3.taps_attached 1\n' >host.rubric
start=$(date +%s)
"$VLAB" grade --rubric ./host.rubric -j 2 --timeout 90 --out out2 --format json subs2/* >class2.json 2>grade2.err ||
	die "vlab grade (attacks) exited $?: $(tail -5 grade2.err)"
took=$(($(date +%s) - start))
note "the attacks graded in $took s"
[ "$took" -lt 80 ] || die "the attacks took $took s: one waited for --timeout, not 30 s after its first qemu"
st2() { jq -r --arg s "$1" --arg id "$2" '.submissions[] | select(.submission == $s) | .checks[] | select(.id == $id) | "\(.status) \(.detail)"' class2.json; }
for s in one forge; do
	st2 $s ch3.vm1_command_line | grep -q '^pass' || die "$s: VM1: $(st2 $s ch3.vm1_command_line)"
	st2 $s ch3.bridges | grep -q '^pass' || die "$s: bridges: $(st2 $s ch3.bridges)"
done
st2 one ch3.vm2_command_line | grep -q "^fail .*started 1 qemu-system-x86_64 of the lab's two: no second came within 30 s of the first" ||
	die "one: VM2: $(st2 one ch3.vm2_command_line)"
st2 one ch3.taps_attached | grep -q '^fail' || die "one: taps: $(st2 one ch3.taps_attached)"
st2 forge ch3.vm2_command_line | grep -q '^fail qemu-2.json .*not written by the qemu shim' ||
	die "forge: VM2: $(st2 forge ch3.vm2_command_line)"
st2 forge ch3.taps_attached | grep -q '^fail' || die "forge: taps: $(st2 forge ch3.taps_attached)"

# the host is as it was
sleep 1
snapshot after
for k in links netns dirs mounts cgroups shm procs; do
	diff before.$k after.$k >/dev/null || die "the host's $k changed: $(diff before.$k after.$k)"
done
# a qemu that ended meanwhile is someone else's; one that appeared is ours
left=$(comm -13 before.qemus after.qemus)
[ -z "$left" ] || die "qemu left running: $(ps -o pid,args -p "$(echo $left | tr ' ' ,)")"
echo "ok"
