# A chapter that runs inside the emulated KVM host, at its edges with this
# host: its live output coloured on a terminal as outside (and not with
# NO_COLOR); --keep refused with a line while the chapter runs; while it
# runs, `vlab status` says where and `vlab console` refuses with a line;
# SIGTERM ends it in order (exit 143); a SIGKILLed vlab takes qemu with it
# and `vlab clean` removes the rest: no qemu, socket, appended initramfs or
# ledger is left, whichever way it ended. A lockup of the emulated host
# (its kernel panics on one) starts the chapter again once, and says so.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
[ -f "$(image_dir)/default/kvmhost-initrd.img" ] ||
	skip "no emulated KVM host in $(image_dir) (make image builds kvmhost-initrd.img)"
command -v strace >/dev/null || skip "strace is not installed (chapter 4's step 1 runs it)"
command -v script >/dev/null || skip "script (util-linux) is not installed: no terminal to colour"
export VLAB_RUN_DIR=$SCRATCH/run

assert_all_gone() {
	assert_no_qemu_of "$VLAB_RUN_DIR"
	assert_rundir_clean "$VLAB_RUN_DIR"
	local left
	left=$(find "$VLAB_RUN_DIR" \( -name resources -o -name kvmhost-initrd.img -o -name 'ept-restore.state*' \) -print)
	[ -z "$left" ] || die "left behind: $left"
}

# 1. on a terminal: the marks in colour, as outside; NO_COLOR as outside
script -qec "'$VLAB' chapter 5 --emulated-kvm always" /dev/null >tty.out 2>&1 || die "chapter 5 on a terminal failed"
grep -q $'\e\\[32m' tty.out || die "no colour on a terminal: $(tail -n 5 tty.out | cat -v)"
NO_COLOR=1 script -qec "'$VLAB' chapter 5 --emulated-kvm always" /dev/null >nocolor.out 2>&1 || die "NO_COLOR run failed"
! grep -q $'\e\\[3[0-9]m' nocolor.out || die "colour with NO_COLOR set"
grep -q "passed, 0 failed" nocolor.out || die "the checklist did not come through: $(tail -n 5 nocolor.out)"

# 2. --keep: refused with a line, the chapter runs all the same
"$VLAB" chapter 5 --emulated-kvm always --keep --format json >keep.json 2>keep.err || die "chapter 5 --keep failed"
grep -q -- "--keep: chapter 5's lab is not kept: it runs inside the emulated KVM host" keep.err ||
	die "no word of --keep: $(cat keep.err)"
jq -e '.result == "pass"' keep.json >/dev/null || die "chapter 5 --keep did not pass"
assert_all_gone

# start chapter 4's step 1 inside; returns once strace runs in there
start_ch4() {
	"$VLAB" chapter 4 --step strace --emulated-kvm always >"$1.out" 2>"$1.err" &
	pid=$!
	# as long as vlab itself waits (the chapter's deadline inside and one
	# retry after a wedge of the emulated host), not a minute: a sanitized
	# vlab on a loaded machine took longer than that to get there once
	for _ in $(seq 1 6600); do
		grep -q 'strace -f -e trace=ioctl' "$1.out" 2>/dev/null && return 0
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	cat "$1.out" "$1.err"
	die "strace never started inside"
}

# 3. a live run: status says where, console refuses; SIGTERM ends it in order
start_ch4 term
"$VLAB" status >status.txt 2>&1
grep -q "inside          chapter 4 runs in the emulated KVM host" status.txt || { cat status.txt; die "status: no word of it"; }
grep -q "qemu (emulated KVM host: chapter 4)" status.txt || { cat status.txt; die "status: no qemu of it"; }
"$VLAB" console </dev/null >console.out 2>&1
rc=$?
[ $rc -eq 3 ] || { cat console.out; die "vlab console on a chapter inside exited $rc, not 3"; }
grep -q "runs chapter 4 inside the emulated KVM host: its VMs' consoles are in there" console.out ||
	die "console: $(cat console.out)"
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 143 ] || { tail -n 20 term.out term.err; die "SIGTERM: exit $rc, not 143"; }
grep -q "stopped by signal 15" term.err || die "no word of the stop: $(cat term.err)"
assert_all_gone

# 4. SIGKILL: qemu dies with vlab; status says left behind; clean removes the rest
start_ch4 kill
kill -KILL $pid
wait $pid
for _ in $(seq 1 50); do
	pgrep -f -- "$VLAB_RUN_DIR" >/dev/null || break
	sleep 0.1
done
assert_no_qemu_of "$VLAB_RUN_DIR"
"$VLAB" status >status.txt 2>&1
grep -q "left behind (vlab was killed)" status.txt || { cat status.txt; die "status after SIGKILL"; }
"$VLAB" clean >clean.txt 2>&1 || { cat clean.txt; die "vlab clean failed"; }
grep -q "removed .*/kvmhost/kvmhost-initrd.img" clean.txt || { cat clean.txt; die "clean did not remove the initramfs"; }
assert_all_gone
"$VLAB" status >status.txt 2>&1
grep -q "^nothing: no vlab run" status.txt || { cat status.txt; die "status lists something after clean"; }

# 5. a lockup of the emulated host: its first qemu (a stand-in first in PATH)
# writes what the emulated kernel prints when it finds a CPU stuck in KVM and
# panics (softlockup_panic=1, as vlab boots it), then exits as -no-reboot
# makes qemu exit; vlab keeps those files aside, says so and runs the chapter
# again, once, in the real qemu. A second lockup is not retried.
real_qemu=$(command -v qemu-system-x86_64)
mkdir -p fakebin
cat >fakebin/qemu-system-x86_64 <<FAKE
#!/bin/bash
n=\$(cat "$SCRATCH/lockups-left" 2>/dev/null || echo 0)
[ "\$n" -gt 0 ] || exec "$real_qemu" "\$@"
echo \$((n - 1)) >"$SCRATCH/lockups-left"
exec python3 "$SCRATCH/fake-lockup.py" "\$@"
FAKE
# listens on vlab's channels as qemu does, takes vlab's connections, then
# leaves the console log of a lockup and exits
cat >fake-lockup.py <<'FAKE'
import os, socket, sys, time
log, socks = None, []
for a in sys.argv[1:]:
    if a.startswith("file,id=console,path="):
        log = a[len("file,id=console,path="):].replace(",,", ",")
    elif a.startswith("socket,id="):
        path = a.split(",path=", 1)[1].rsplit(",server=on", 1)[0].replace(",,", ",")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(4)
        s.settimeout(0.2)
        socks.append(s)
conns, end = [], time.time() + 5
while time.time() < end and len(conns) < len(socks):
    for s in socks:
        try:
            conns.append(s.accept()[0])
        except OSError:
            pass
with open(log, "w") as f:
    if os.environ.get("FAKE_ENDS_EARLY"):
        # a machine that resets at once (a triple fault says nothing)
        f.write("vlab-kvmhost: starting the agent (3.82 s since boot)\n")
    else:
        f.write("[   88.458221] watchdog: BUG: soft lockup - CPU#0 stuck for 49s! [qemu-system-x86:180]\n"
                "[   88.470000] Kernel panic - not syncing: softlockup: hung tasks\n")
FAKE
chmod +x fakebin/qemu-system-x86_64
echo 1 >lockups-left
PATH=$SCRATCH/fakebin:$PATH "$VLAB" chapter 5 --emulated-kvm always --format json >lockup.json 2>lockup.err ||
	{ cat lockup.err; die "chapter 5 after one lockup did not pass"; }
grep -q "the emulated KVM host locked up inside KVM (QEMU's emulated AMD-V, not the lab): chapter 5 starts again, once" lockup.err ||
	die "no word of the lockup: $(cat lockup.err)"
jq -e '.result == "pass" and .metrics.kvmhost_lockups_retried == 1' lockup.json >/dev/null ||
	die "the retried run's report: $(jq -c '{result, metrics}' lockup.json)"
run=$(jq -r .run_id lockup.json)
grep -q "soft lockup" "$VLAB_RUN_DIR/$run/kvmhost-lockup/console.log" || die "the first run's console log was not kept"
assert_all_gone
echo 2 >lockups-left
PATH=$SCRATCH/fakebin:$PATH "$VLAB" chapter 5 --emulated-kvm always >lockup2.out 2>lockup2.err
rc=$?
[ $rc -eq 3 ] || { cat lockup2.err; die "two lockups: exit $rc, not 3 (the host's)"; }
grep -q "found a CPU stuck inside KVM (a soft lockup) and powered off" lockup2.err || die "two lockups: $(cat lockup2.err)"
[ "$(grep -c 'starts again, once' lockup2.err)" = 1 ] || die "retried more than once: $(cat lockup2.err)"
assert_all_gone

# 6. an emulated host that ends on its own before the chapter's exit status,
# with no lockup reported (seen once in make test: the console's last line
# the agent's start): the machine failed, not the chapter, so it too runs
# again, once; twice is reported as it is
echo 1 >lockups-left
FAKE_ENDS_EARLY=1 PATH=$SCRATCH/fakebin:$PATH "$VLAB" chapter 5 --emulated-kvm always --format json >early.json \
	2>early.err || { cat early.err; die "chapter 5 after one early end did not pass"; }
grep -q "the emulated KVM host ended before the chapter did (QEMU's emulated AMD-V, not the lab): chapter 5 starts again, once" \
	early.err || die "no word of the early end: $(cat early.err)"
jq -e '.result == "pass" and .metrics.kvmhost_lockups_retried == 1' early.json >/dev/null ||
	die "the retried run's report: $(jq -c '{result, metrics}' early.json)"
assert_all_gone
echo 2 >lockups-left
FAKE_ENDS_EARLY=1 PATH=$SCRATCH/fakebin:$PATH "$VLAB" chapter 5 --emulated-kvm always >early2.out 2>early2.err
rc=$?
[ $rc -eq 3 ] || { cat early2.err; die "two early ends: exit $rc, not 3 (the host's)"; }
grep -q "ended without the command's exit status" early2.err || die "two early ends: $(cat early2.err)"
[ "$(grep -c 'starts again, once' early2.err)" = 1 ] || die "retried more than once: $(cat early2.err)"
assert_all_gone
