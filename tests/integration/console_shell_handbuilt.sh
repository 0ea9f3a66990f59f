# vlab console and vlab shell on a lab built by hand, with no vlab run at
# all (an empty run directory): the student's own tap0 with 10.0.0.1/24 in
# a network namespace of their own and their own qemu started under `ip
# netns exec` with the lab's chapter-2 command (adapted as verify.sh adapts
# it: TCG, the default image's vmlinux with its initrd, console=ttyS0, a
# qcow2 overlay over the image). Then:
#  - `vlab console --pid QPID` reaches the guest's login prompt, and what is
#    typed reaches the guest; Ctrl-] detaches; so does `vlab console` with
#    no option, and `--socket PATH`
#  - with socat holding the serial socket, console exits 3 at once naming
#    socat and its pid (one line), and once socat leaves the console is free
#  - `vlab shell --pid QPID` runs $SHELL in the lab's namespace: tap0 with
#    10.0.0.1/24 is there, and the shell's namespace is qemu's; `vlab shell`
#    with no option finds the same
#  - a second qemu (in this namespace, paused): console and shell list both
#    pids and exit 2; `vlab shell --pid` on that one says there is nothing
#    to enter and runs the shell here
# Nothing drives a terminal: vlab console's input is a pipe (raw mode is
# only for a tty, runner/vm/attach.c), its output read as it comes.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "a lab built by hand: a tap and a network namespace need root here"
command -v socat >/dev/null || skip "socat is not installed"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
export VLAB_RUN_DIR=$SCRATCH/run

NS=vch-$$
IMG=$(image_dir)/default
QPID=
Q2PID=
HOLD_PID=

cleanup() {
	for p in $HOLD_PID $Q2PID $QPID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -f "$SCRATCH/ov.qcow2" "$SCRATCH/serial.socket" "$SCRATCH/serial2.socket"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the student's side (verify.sh's start_vm) -----------------------------

handbuilt_setup "$NS"
handbuilt_vm "$NS" 256M 52:54:00:8b:99:de serial.socket ov.qcow2
QPID=$HB_PID

# ---- vlab console ------------------------------------------------------------

# console_open ARGS...: vlab console ARGS as the coprocess CON (stdout and
# stderr together), for lib.bash's expect and send. bash closes a
# coprocess's fds once it has exited, so what it says last is read from a
# copy (CON_OUT) and its pid kept (CON_WAIT).
console_open() {
	coproc CON { exec "$VLAB" console "$@" 2>&1; }
	CON_WAIT=$CON_PID
	exec {CON_OUT}<&"${CON[0]}"
}
# console_detach: Ctrl-]; vlab console says so and exits 0
console_detach() {
	local rc rest
	printf '\035' >&"${CON[1]}"
	wait "$CON_WAIT"
	rc=$?
	rest=$(timeout 5 cat <&"$CON_OUT")
	exec {CON_OUT}<&-
	unset CON_OUT
	[[ $rest == *"detached from"* ]] || die "Ctrl-] did not detach: $rest"
	[ "$rc" = 0 ] || die "vlab console exited $rc after Ctrl-]"
}

note "console --pid: the guest's login prompt, and a command typed through it"
console_open --pid "$QPID"
expect "connected to qemu pid $QPID ($SCRATCH/serial.socket)" 10 || die "console does not say where it attached"
# the guest boots under TCG meanwhile; vlab's Enter may come before getty
booted=
for _ in $(seq 24); do
	expect "login: " 5 2>/dev/null && { booted=1; break; }
	send ""
done
[ -n "$booted" ] || die "no login prompt within 120 s (qemu.log: $(tail -n 3 qemu.log))"
send root
expect "Password: " 10 || die "no password prompt"
send toor
expect "# " 20 || die "no root prompt"
send 'echo VLAB-$((6*7))'
expect "VLAB-42" 10 || die "a command typed through vlab console did not run"
send exit
expect "login: " 20 || die "no login prompt after exit"
console_detach

note "console, no option: the one qemu vlab did not start"
console_open
expect "connected to qemu pid $QPID" 10 || die "console without options did not find qemu $QPID"
expect "login: " 10 || die "no login prompt through console without options"
console_detach

note "console --socket, as this shell names it"
console_open --socket ./serial.socket
expect "connected to ./serial.socket" 10 || die "console --socket did not connect"
expect "login: " 10 || die "no login prompt through console --socket"
console_detach

note "console vm2: the lone qemu is the lab's VM1"
"$VLAB" console vm2 </dev/null >vm2.out 2>vm2.err
rc=$?
cat vm2.err
[ $rc = 3 ] || die "console vm2 exited $rc, expected 3"
grep -q "pid $QPID) is not chapter 3's VM2" vm2.err || die "console vm2 does not say why"

note "socat holds the serial socket: named, exit 3, at once"
socat -u UNIX-CONNECT:serial.socket - >held.guest 2>/dev/null &
HOLD_PID=$!
sleep 1
for args in "--pid $QPID" ""; do
	start=$SECONDS
	# shellcheck disable=SC2086 # the options, word by word
	timeout 30 "$VLAB" console $args </dev/null >held.out 2>held.err
	rc=$?
	cat held.err
	[ $rc = 3 ] || die "console $args on a held socket exited $rc, expected 3"
	[ $((SECONDS - start)) -lt 10 ] || die "console $args took $((SECONDS - start)) s to refuse"
	grep -q "held by socat (pid $HOLD_PID)" held.err || die "console $args does not name the holder"
	[ "$(wc -l <held.err)" = 1 ] || die "not one line: $(cat held.err)"
done
kill "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=
console_open --pid "$QPID"
expect "login: " 10 || die "no login prompt after the holder left"
console_detach

# ---- vlab shell --------------------------------------------------------------

cat >show.sh <<'EOF'
#!/bin/sh
ip -o addr show
echo "netns $(readlink /proc/self/ns/net)"
echo "VLAB_NETNS=${VLAB_NETNS-unset}"
EOF
chmod +x show.sh
qemu_ns=$(readlink "/proc/$QPID/ns/net")

for args in "--pid $QPID" ""; do
	note "shell $args: \$SHELL runs in the lab's namespace"
	# shellcheck disable=SC2086
	SHELL=$SCRATCH/show.sh "$VLAB" shell $args </dev/null >shell.out 2>shell.err
	rc=$?
	cat shell.err shell.out
	[ $rc = 0 ] || die "shell $args exited $rc"
	grep -Eq '^[0-9]+: tap0 +inet 10\.0\.0\.1/24 ' shell.out || die "tap0 with 10.0.0.1/24 is not in vlab shell $args"
	grep -qxF "netns $qemu_ns" shell.out || die "vlab shell $args did not run in qemu's namespace ($qemu_ns)"
	grep -qxF "VLAB_NETNS=$NS" shell.out || die "VLAB_NETNS is not the namespace's name"
	grep -q "a shell in the network namespace $NS, where qemu pid $QPID runs; qemu holds tap0" shell.err ||
		die "vlab shell $args does not name the namespace and the tap"
	grep -q "ping 10.0.0.10" shell.err || die "vlab shell $args does not say what to try"
done

# ---- a second qemu, in this namespace --------------------------------------

note "a second qemu: console and shell ask for --pid"
# paused (-S): it serves its console and costs no CPU
qemu-system-x86_64 -nodefaults -nographic -accel tcg -m 64M -S -kernel vmlinux \
	-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial2.socket,server,nowait \
	</dev/null >qemu2.log 2>&1 &
Q2PID=$!
for _ in $(seq 100); do
	[ -S serial2.socket ] && break
	sleep 0.05
done
[ -S serial2.socket ] || { cat qemu2.log >&2; die "the second qemu did not start"; }
for cmd in console shell; do
	"$VLAB" $cmd </dev/null >several.out 2>several.err
	rc=$?
	cat several.err
	[ $rc = 2 ] || die "$cmd with two qemus exited $rc, expected 2"
	grep -q "pids .*$QPID" several.err && grep -q "pids .*$Q2PID" several.err || die "$cmd does not list both qemus"
	grep -q "choose one with --pid" several.err || die "$cmd does not ask for --pid"
done

note "shell --pid on a qemu in vlab's own namespace: nothing to enter, a shell here"
SHELL=$SCRATCH/show.sh "$VLAB" shell --pid "$Q2PID" </dev/null >here.out 2>here.err
rc=$?
cat here.err
[ $rc = 0 ] || die "shell --pid $Q2PID exited $rc"
grep -q "qemu pid $Q2PID runs in .*: .*a shell right here; qemu holds no tap" here.err ||
	die "shell does not say there is nothing to enter"
grep -qxF "netns $(readlink /proc/self/ns/net)" here.out || die "the shell did not stay in vlab's namespace"
grep -qxF "VLAB_NETNS=unset" here.out || die "VLAB_NETNS is set for an unnamed namespace"

assert_image_pristine default
