# vlab verify on a lab built by hand, the way a student builds it: a tap
# with 10.0.0.1/24 in a network namespace of its own, qemu started directly
# (inside that namespace) with the lab's chapter-2 command, the guest set up
# over the serial socket with socat. `vlab verify 2` passes every check;
# then one thing at a time is broken (tap down, the guest's address gone,
# httpd stopped, socat holding the console, a shell left open, -m 512M, a
# wrong MAC) and each gives its own FAIL or SKIP and nothing else. Around
# every verify run the namespace's links, addresses and processes are the
# same before and after, and the console is where it was.
#
# The lab's command is adapted only as this host needs: TCG instead of
# -enable-kvm -cpu host (KVM here cannot run the guest), the default image's
# vmlinux with its initrd, console=ttyS0, a qcow2 overlay over the image
# (never the pristine file).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "verify needs a lab built by hand: a tap and a network namespace need root here"
require_taps
command -v socat >/dev/null || skip "socat is not installed"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"

NS=vt-$$
IMG=$(image_dir)/default
QPID=
HOLD_PID=
DEAD_PID=

cleanup() {
	[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null
	[ -n "$DEAD_PID" ] && kill "$DEAD_PID" 2>/dev/null
	if [ -n "$QPID" ]; then
		kill "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -f "$SCRATCH/ov.qcow2" "$SCRATCH/serial.socket" "$SCRATCH/qmp.socket" "$SCRATCH/dead.qcow2" "$SCRATCH/dead.socket"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the student's side -----------------------------------------------------

handbuilt_setup "$NS"

start_vm() { # start_vm MEM MAC
	handbuilt_vm "$NS" "$1" "$2" serial.socket ov.qcow2
	QPID=$HB_PID
}

stop_vm() {
	kill "$QPID"
	wait "$QPID" 2>/dev/null
	QPID=
}

# The console, as the student's socat.
con_open() { coproc CON { socat - UNIX-CONNECT:serial.socket; }; con_pid=$CON_PID; }
con_close() {
	exec {CON[1]}>&-
	wait "$con_pid" 2>/dev/null
}
# guest CMD: log in as root, run CMD (its end marked so its echo does not
# count), log out.
guest() {
	con_open
	send ""
	expect "login: " 120 || die "no login prompt"
	send root
	expect "Password: " 10 || die "no password prompt"
	send toor
	expect "# " 20 || die "no root prompt"
	send "$1; echo GUEST''-DONE"
	expect "GUEST-DONE" 60 || die "'$1' did not finish"
	expect "# " 10
	send exit
	expect "login: " 20 || die "no login prompt after exit"
	con_close
}

configure_guest() {
	# the NIC's module loads in the background at boot; the e1000 has
	# carrier about 2 s after it is up (measured under TCG)
	guest 'i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done;
ip link set eth0 up; ip addr add 10.0.0.10/24 dev eth0; httpd -p 8000 -h /root;
i=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done'
}

# Where the console is: at "login: " (or "# " when a shell was left open).
console_at() {
	con_open
	send ""
	expect "$1" 10 || die "the console is no longer at '$1' after vlab verify"
	con_close
}

# ---- vlab verify ------------------------------------------------------------

ALL_IDS="ch1.qemu_running ch1.memory_256m ch1.serial_login_root ch1.rootfs_virtio_blk ch1.serial_login_student
ch2.tap_up ch2.nic_mac ch2.guest_ip ch2.ping_guest_to_host ch2.ping_host_to_guest ch2.http_200"

lab_state() {
	ip -n "$NS" -o link show
	ip -n "$NS" -o addr show
	# the processes in the namespace, by name: a pid alone cannot tell a
	# lab process from a passer-by
	for p in $(ip netns pids "$NS" | sort -n); do echo "$p $(cat /proc/$p/comm 2>/dev/null)"; done
	echo "qemu $QPID $( [ -d /proc/$QPID ] && echo alive)"
	[ -z "$HOLD_PID" ] || echo "holder $HOLD_PID $( [ -d /proc/$HOLD_PID ] && echo alive)"
}

# run_verify NAME EXPECTED_RC [CHAPTER]: vlab verify CHAPTER (default 2)
# --format json into NAME.json; the lab is the same before and after
run_verify() {
	local rc
	ns_settle "$NS"
	lab_state >"$1.before"
	"$VLAB" verify ${3-2} --pid "$QPID" --format json >"$1.json" 2>"$1.err"
	rc=$?
	lab_state >"$1.after"
	jq -r '.[] | .checks[] | "  \(.status)\t\(.id)\t\(.detail)"' "$1.json" 2>/dev/null || cat "$1.json"
	[ "$rc" = "$2" ] || { cat "$1.err"; die "$1: vlab verify exited $rc, expected $2"; }
	diff "$1.before" "$1.after" || die "$1: vlab verify changed the lab"
}

status_of() { jq -r --arg id "$2" '[.[] | .checks[] | select(.id == $id) | .status] | join(",")' "$1.json"; }
detail_of() { jq -r --arg id "$2" '.[] | .checks[] | select(.id == $id) | .detail' "$1.json"; }

# expect_only NAME ID=STATUS...: those checks have those statuses, every
# other check of chapters 1 and 2 passes, and no other id is reported
expect_only() {
	local name=$1 id want got
	shift
	for id in $ALL_IDS; do
		want=pass
		for kv in "$@"; do
			[ "${kv%%=*}" = "$id" ] && want=${kv#*=}
		done
		got=$(status_of "$name" "$id")
		[ "$got" = "$want" ] || die "$name: $id is '$got', expected $want: $(detail_of "$name" "$id")"
	done
	got=$(jq '[.[] | .checks[]] | length' "$name.json")
	[ "$got" = 11 ] || die "$name: $got checks reported, expected 11"
}

detail_has() { # detail_has NAME ID TEXT
	detail_of "$1" "$2" | grep -qF -- "$3" || die "$1: $2's detail lacks '$3': $(detail_of "$1" "$2")"
}

# The lab's chapter-1 command as the lab writes it, without -initrd: this
# image's kernel cannot mount /dev/vda without its initrd, and console=hvc0
# shows nothing on the socket. Started now, so that it is past verify's
# boot grace (30 s) when it is judged at the end.
start_dead_vm() {
	rm -f dead.socket dead.qcow2
	qemu-img create -q -f qcow2 -F raw -b "$IMG/rootfs.ext4" dead.qcow2
	qemu-system-x86_64 -nodefaults -nographic -accel tcg -m 256M -kernel vmlinux \
		-device virtio-blk-pci,drive=id0 -blockdev driver=qcow2,node-name=id0,file.driver=file,file.filename=dead.qcow2 \
		-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=dead.socket,server,nowait \
		-append "root=/dev/vda loglevel=15 console=hvc0" </dev/null >dead.log 2>&1 &
	DEAD_PID=$!
	for _ in $(seq 100); do [ -S dead.socket ] && return 0; sleep 0.05; done
	cat dead.log >&2
	die "the dead guest's qemu did not start"
}
start_dead_vm

start_vm 256M 52:54:00:8b:99:de
configure_guest

note "the lab as the lab text builds it"
run_verify good 0
expect_only good
jq -e '[.[] | .chapter] == [1, 2]' good.json >/dev/null || die "verify 2 does not report chapters 1 and 2"
jq -e --argjson p "$QPID" '.[0].verify.pid == $p and .[0].verify.console == "free"' good.json >/dev/null ||
	die "the report does not name the qemu and the console's state"
detail_has good ch2.http_200 "body matches /root/index.html"
# the one accelerator policy: TCG right by hand here, the lab's words handed in
jq -r '.[0].verify.differences[]' good.json | grep -qF "keep -enable-kvm -cpu host in the script you hand in" ||
	die "verify does not say what to hand in for -accel tcg: $(jq -c '.[0].verify.differences' good.json)"
detail_has good ch1.serial_login_root "logged out again"
console_at "login: "

note "the other formats, and the chapter chosen from the command (it has a NIC)"
"$VLAB" verify --pid "$QPID" --format tap >good.tap || die "verify --format tap failed"
grep -q '^1\.\.11$' good.tap || die "the TAP plan is not 1..11: $(cat good.tap)"
[ "$(grep -c '^ok ' good.tap)" = 11 ] || die "not 11 ok lines in TAP"
"$VLAB" verify 2 --pid "$QPID" --format junit >good.xml || die "verify --format junit failed"
grep -q 'tests="11" failures="0"' good.xml || die "JUnit does not count 11 passing tests"
"$VLAB" verify 2 --pid "$QPID" >good.txt || die "verify (text) failed"
grep -q "ch2.http_200" good.txt && grep -q "Serial console" good.txt || die "the text report lacks its parts"

note "tap0 down"
ip -n "$NS" link set tap0 down
run_verify tapdown 1
ip -n "$NS" link set tap0 up
expect_only tapdown ch2.tap_up=fail ch2.ping_guest_to_host=fail ch2.ping_host_to_guest=fail ch2.http_200=fail
detail_has tapdown ch2.tap_up "tap0 exists but is down"

note "the guest's address removed"
guest 'ip addr del 10.0.0.10/24 dev eth0'
run_verify noaddr 1
guest 'ip addr add 10.0.0.10/24 dev eth0'
expect_only noaddr ch2.guest_ip=fail ch2.ping_guest_to_host=fail ch2.ping_host_to_guest=fail ch2.http_200=fail
detail_has noaddr ch2.guest_ip "does not have 10.0.0.10/24"

note "the HTTP server stopped"
guest 'killall httpd'
run_verify nohttp 1
guest 'httpd -p 8000 -h /root'
expect_only nohttp ch2.http_200=fail
detail_has nohttp ch2.http_200 "connection refused"

note "socat holds the serial socket: the logins cannot be judged, the chapter is incomplete (exit 3)"
socat -u UNIX-CONNECT:serial.socket - >/dev/null 2>&1 &
HOLD_PID=$!
sleep 0.5
run_verify held 3
expect_only held ch1.serial_login_root=skip ch1.serial_login_student=skip ch2.guest_ip=skip \
	ch2.ping_guest_to_host=skip
detail_has held ch1.serial_login_root "held by socat (pid $HOLD_PID)"
detail_has held ch2.guest_ip "stand-in: 10.0.0.10 answered"
detail_has held ch2.http_200 "not compared"
jq -e '.[0].verify.console == "held"' held.json >/dev/null || die "the report does not say the console is held"
jq -e '[.[] | .result] == ["incomplete", "incomplete"]' held.json >/dev/null ||
	die "a held console does not make the chapters incomplete: $(jq -c '[.[] | .result]' held.json)"
"$VLAB" verify 2 --pid "$QPID" >held.txt 2>&1
grep -q "^incomplete: vlab could not judge 2 check(s)" held.txt || die "the text does not say incomplete: $(cat held.txt)"
kill "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=
console_at "login: "

note "a shell left open on the console"
con_open
send ""
expect "login: " 10 || die "no login prompt"
send root
expect "Password: " 10
send toor
expect "# " 20 || die "no root prompt"
con_close
run_verify shell 3
expect_only shell ch1.serial_login_root=skip ch1.serial_login_student=skip
detail_has shell ch1.serial_login_root "a shell was already open on the console (as root): not logged in again"
detail_has shell ch2.http_200 "body matches /root/index.html"
console_at "# "
guest_exit() { con_open; send exit; expect "login: " 10 || die "no login prompt after exit"; con_close; }
guest_exit

note "-m 512M"
stop_vm
start_vm 512M 52:54:00:8b:99:de
configure_guest
run_verify mem512 1
expect_only mem512 ch1.memory_256m=fail
detail_has mem512 ch1.memory_256m '`-m 512M` gives the guest 512 MiB; the lab asks for 256 MiB'

note "a wrong MAC"
stop_vm
start_vm 256M 52:54:00:12:34:56
configure_guest
run_verify wrongmac 1
expect_only wrongmac ch2.nic_mac=fail
detail_has wrongmac ch2.nic_mac "its MAC is 52:54:00:12:34:56; the lab asks for 52:54:00:8b:99:de"

note "chapter 1's VM (no NIC) with a QMP socket: verify picks chapter 1 and asks QMP too"
stop_vm
rm -f serial.socket qmp.socket ov.qcow2
qemu-img create -q -f qcow2 -F raw -b "$IMG/rootfs.ext4" ov.qcow2
qemu-system-x86_64 -nodefaults -nographic -accel tcg -m 256M -kernel vmlinux -initrd initrd.img \
	-device virtio-blk-pci,drive=id0 -blockdev driver=qcow2,node-name=id0,file.driver=file,file.filename=ov.qcow2 \
	-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait \
	-append "root=/dev/vda rw console=ttyS0 loglevel=4" -qmp unix:qmp.socket,server,nowait </dev/null >qemu.log 2>&1 &
QPID=$!
for _ in $(seq 100); do [ -S serial.socket ] && break; sleep 0.05; done
console_at "login: "
run_verify ch1 0 ""
jq -e '[.[] | .chapter] == [1] and ([.[0].checks[] | select(.status == "pass")] | length) == 6' ch1.json >/dev/null ||
	die "verify did not pass chapter 1's six checks"
detail_has ch1 ch1.only_loopback "in the guest: \`ip a s\` lists only lo"
detail_has ch1 ch1.memory_256m "QMP query-memory-size-summary: base-memory 268435456 bytes"
detail_has ch1 ch1.qemu_running "QMP query-status: running"
console_at "login: "

note "a guest that never booted (no -initrd): the logins FAIL, naming the cause; never a pass"
"$VLAB" verify 1 --pid "$DEAD_PID" --format json >dead.json 2>dead.err
rc=$?
jq -r '.[] | .checks[] | "  \(.status)\t\(.id)\t\(.detail)"' dead.json
[ $rc = 1 ] || die "verify 1 of a dead guest exited $rc, expected 1"
for id in ch1.serial_login_root ch1.serial_login_student; do
	[ "$(jq -r --arg id $id '.[0].checks[] | select(.id == $id) | .status' dead.json)" = fail ] || die "$id is not a FAIL"
	jq -r --arg id $id '.[0].checks[] | select(.id == $id) | .detail' dead.json |
		grep -qF "the command boots vmlinux with no -initrd, though initrd.img lies beside it" ||
		die "$id does not name the missing -initrd"
	jq -r --arg id $id '.[0].checks[] | select(.id == $id) | .hint' dead.json | grep -qF "add -initrd initrd.img" ||
		die "$id's hint does not say to add -initrd"
done
jq -e '.[0].result == "fail" and .[0].verify.console == "silent"' dead.json >/dev/null || die "not a fail with a silent console"
kill "$DEAD_PID"
wait "$DEAD_PID" 2>/dev/null

note "qemu exits while verify waits on its console: a FAIL, never a pass"
start_dead_vm
"$VLAB" verify 1 --pid "$DEAD_PID" --format json >gone.json 2>gone.err &
VPID=$!
sleep 2
kill "$DEAD_PID"
wait "$VPID"
rc=$?
wait "$DEAD_PID" 2>/dev/null
DEAD_PID=
[ $rc = 1 ] || die "verify 1 of a qemu that exited under it exited $rc, expected 1: $(cat gone.err)"
jq -r '.[0].checks[] | select(.id == "ch1.serial_login_root") | .detail' gone.json |
	grep -qF "exited while vlab read the lab" || die "the login does not say qemu exited: $(jq -c . gone.json)"
[ "$(jq -r '.[0].checks[] | select(.id == "ch1.qemu_running") | .status' gone.json)" = fail ] ||
	die "ch1.qemu_running passes for a qemu that exited"

note "no qemu to check: exit 3, one line, a reason in JSON"
"$VLAB" verify --pid $$ --format json >none.json 2>none.err
rc=$?
[ $rc = 3 ] || die "verify --pid (not a qemu) exited $rc, expected 3"
[ "$(wc -l <none.err)" = 1 ] || die "not one line: $(cat none.err)"
jq -e '.reason == "no_such_qemu"' none.json >/dev/null || die "no machine-readable reason: $(cat none.json)"

stop_vm
assert_image_pristine default
