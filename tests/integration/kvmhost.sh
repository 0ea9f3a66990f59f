# vlab kvmhost: chapter 5 inside the emulated KVM host passes 3/3 with KVM
# (also on a machine without /dev/kvm), its JSON alone on stdout and its exit
# status carried back; a command's stdout, stderr and status (7, 127) come
# back apart; the shell runs piped commands on a terminal inside; SIGINT while the command runs reaches it (its trap prints and
# vlab exits 130), SIGINT during the boot kills qemu at once; neither leaves
# a qemu, a socket or the appended initramfs. As uid 65534 too, where that
# user can read the build.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
for f in kvmhost-initrd.img kvmhost-modules.cpio.gz; do
	[ -f "$(image_dir)/default/$f" ] || die "no $(image_dir)/default/$f: make image builds it"
done
export VLAB_RUN_DIR=$SCRATCH/run

# the one run directory a vlab kvmhost run made since the last call
newest_run() { ls -1d "$VLAB_RUN_DIR"/*/ | tail -n 1; }

# what a finished or stopped run may leave: logs and guest/, nothing running
assert_run_left_clean() {
	local d=$1
	assert_no_qemu_of "$d"
	assert_rundir_clean "$d"
	[ ! -e "$d/kvmhost-initrd.img" ] || die "the appended initramfs is left in $d"
	[ ! -e "$d/resources" ] || die "the ledger is left in $d: $(cat "$d/resources")"
	[ -s "$d/console.log" ] || die "no console log in $d"
}

# chapter 5 through the emulated host: its own vlab found in the inner PATH
start=$(date +%s%N)
"$VLAB" kvmhost run -- vlab chapter 5 --format json >ch5.json 2>ch5.err
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
cat ch5.err
[ $rc -eq 0 ] || { cat ch5.json; die "vlab kvmhost run -- vlab chapter 5 exited $rc"; }
jq -e '.chapter == 5 and .result == "pass" and .accel == "kvm" and (.checks | length) == 3' ch5.json >/dev/null ||
	die "not a passing KVM run of chapter 5: $(cat ch5.json)"
for id in ch5.io_exits ch5.hlt_exit ch5.stats_agree; do
	check_status ch5.json "$id" pass
done
grep -q "^vlab kvmhost: up in [0-9.]* s" ch5.err || die "no 'up in' line on stderr"
grep -q "^vlab kvmhost: the command exited with status 0 after" ch5.err || die "no end line on stderr"
d=$(newest_run)
assert_run_left_clean "$d"
# the inner vlab's run directory came back through the writable share
ls "$d"/guest/runs/*/report.json >/dev/null 2>&1 || die "no inner report under $d/guest/runs"
grep -q "vlab-kvmhost: starting the agent" "$d/console.log" || die "the console log lacks /init's lines"
note "chapter 5 in the emulated host: 3/3 in $((ms / 1000)).$(((ms % 1000) / 100)) s ($(grep -o 'up in [0-9.]* s' ch5.err))"

# stdout and stderr apart, the status carried; the emulated host has svm and /dev/kvm
"$VLAB" kvmhost run -q -- sh -c 'echo out; echo err >&2; grep -q svm /proc/cpuinfo && test -c /dev/kvm || exit 9; exit 7' \
	>out.txt 2>err.txt
rc=$?
[ $rc -eq 7 ] || die "exit 7 came back as $rc (stderr: $(cat err.txt))"
[ "$(cat out.txt)" = out ] || die "stdout: '$(cat out.txt)'"
[ "$(cat err.txt)" = err ] || die "stderr: '$(cat err.txt)'"
"$VLAB" kvmhost run -q -- no-such-command-here >out.txt 2>err.txt
rc=$?
[ $rc -eq 127 ] || die "a missing command exited $rc, not 127"
grep -q "cannot run 'no-such-command-here'" err.txt || die "no word of the missing command: $(cat err.txt)"
assert_run_left_clean "$(newest_run)"

# the shell, its input piped: commands run as root on a terminal inside, exit's status comes back
printf 'echo "hi from $(hostname) on $(tty)"\nexit 5\n' | "$VLAB" kvmhost shell >shell.out 2>shell.err
rc=$?
[ $rc -eq 5 ] || die "the shell's exit 5 came back as $rc ($(cat shell.err))"
grep -q "hi from vlab-kvmhost on /dev/hvc0" shell.out || die "the shell did not run the command: $(cat shell.out)"
grep -q "standard input is not a terminal" shell.err || die "no word of the piped input"
assert_run_left_clean "$(newest_run)"

# SIGINT while the command runs: forwarded to its process group, its trap
# runs and prints, vlab exits 130 with nothing left
"$VLAB" kvmhost run -- sh -c 'trap "echo got INT; exit 42" INT; echo ready; while :; do sleep 0.2; done' \
	>int.out 2>int.err &
pid=$!
for _ in $(seq 1 300); do
	grep -q ready int.out 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
grep -q ready int.out || { cat int.err; die "the command never printed ready"; }
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || die "after SIGINT vlab exited $rc, not 130 ($(cat int.err))"
grep -q "got INT" int.out || die "the command's trap did not run (stdout: $(cat int.out))"
assert_run_left_clean "$(newest_run)"

# SIGINT during the boot: qemu is killed, nothing waits for a command
"$VLAB" kvmhost run -- true >/dev/null 2>boot.err &
pid=$!
for _ in $(seq 1 50); do
	grep -q "booting the emulated KVM host" boot.err 2>/dev/null && break
	sleep 0.1
done
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || die "SIGINT during the boot: vlab exited $rc, not 130 ($(cat boot.err))"
d=$(newest_run)
assert_no_qemu_of "$d"
assert_rundir_clean "$d"
[ ! -e "$d/kvmhost-initrd.img" ] || die "the appended initramfs is left in $d"

# no root needed: the same as uid 65534, where that user can read the build
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody_dir=$(mktemp -d /tmp/vlab-it-kvmhost-nobody.XXXXXX)
	chmod 0777 "$nobody_dir"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
		VLAB_RUN_DIR="$nobody_dir" VLAB_IMAGE_DIR="$(image_dir)" "$@"; }
	if as_nobody test -x "$VLAB" -a -r "$(image_dir)/default/vmlinux" -a -r "$(image_dir)/manifest"; then
		# this scratch directory is root's alone: not shared, said, and the
		# command starts in /
		as_nobody "$VLAB" kvmhost run -- sh -c 'test -c /dev/kvm && id -u && pwd' >nobody.out 2>nobody.err
		rc=$?
		rm -rf "$nobody_dir"
		[ $rc -eq 0 ] || die "as uid 65534: exited $rc ($(cat nobody.err))"
		[ "$(cat nobody.out)" = "$(printf '0\n/')" ] || die "as uid 65534: not root in /: $(cat nobody.out)"
		grep -q "the working directory $SCRATCH is not shared: this user cannot read it" nobody.err ||
			die "no word of the unreadable working directory: $(cat nobody.err)"
		note "as uid 65534: the emulated host ran, root inside"
	else
		rm -rf "$nobody_dir"
		note "uid 65534 cannot read $VLAB or the image here: the unprivileged run is not tried"
	fi
fi
