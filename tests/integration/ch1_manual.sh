# --manual: vlab boots the VM and types nothing; a "student" (this test)
# types the lab's commands through vlab's console relay, presses Enter, and
# vlab judges from the transcript and QMP: every check passes. Then a
# student who skips `ip a s` gets that check failed with a hint.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v socat >/dev/null || skip "socat is not installed"
export VLAB_RUN_DIR=$SCRATCH/run

session() { # session SKIP_IP: type the lab's commands like a student would
	local sock
	for _ in $(seq 300); do
		sock=$(ls "$VLAB_RUN_DIR"/*/vm1.console.sock 2>/dev/null | head -n 1)
		[ -n "$sock" ] && break
		sleep 0.1
	done
	[ -S "$sock" ] || die "vlab never served the console relay"
	coproc CON { socat - UNIX-CONNECT:"$sock"; }
	# bash unsets CON_PID once the coprocess is gone: keep it
	con_pid=$CON_PID
	send ""
	expect "login: " 90 || die "no login prompt through the relay"
	send root; expect "Password: " 10 || die "no password prompt"
	send toor; expect "# " 10 || die "no root prompt"
	send "id -un"; expect "# " 10
	send "ls /"; expect "# " 10
	[ "$1" = skip-ip ] || { send "ip a s"; expect "# " 10; }
	send "cat /proc/mounts"; expect "# " 10
	send exit; expect "login: " 20 || die "no login prompt after exit"
	send student; expect "Password: " 10
	send student; expect "$ " 10 || die "no student prompt"
	send "id -un"; expect "$ " 10
	exec {CON[1]}>&-
	wait "$con_pid" 2>/dev/null
}

run_manual() { # run_manual SKIP_IP REPORT
	rm -rf "$VLAB_RUN_DIR"
	rm -f enter
	mkfifo enter
	"$VLAB" chapter 1 --manual --format json <enter >"$2" 2>stderr.txt &
	vlab_pid=$!
	exec 7>enter   # the student's terminal: Enter comes later
	session "$1"
	echo >&7
	exec 7>&-
	wait "$vlab_pid"
}

run_manual all manual.json
rc=$?
cat manual.json
[ $rc -eq 0 ] || { cat stderr.txt; die "vlab chapter 1 --manual exited $rc"; }
for id in ch1.qemu_running ch1.memory_256m ch1.rootfs_virtio_blk ch1.serial_login_root \
	ch1.serial_login_student ch1.only_loopback; do
	check_status manual.json "$id" pass
done
jq -e '.checks[] | select(.id == "ch1.serial_login_root") | .detail | test("transcript")' manual.json >/dev/null ||
	die "the login verdict does not say it came from the transcript"
run=$(jq -r .run_id manual.json)
assert_no_qemu_of "$run"
assert_rundir_clean "$VLAB_RUN_DIR/$run"

run_manual skip-ip skipped.json
rc=$?
cat skipped.json
[ $rc -eq 1 ] || die "a skipped command: expected exit 1, got $rc"
check_status skipped.json ch1.only_loopback fail
jq -e '.checks[] | select(.id == "ch1.only_loopback") | .hint | test("ip a s")' skipped.json >/dev/null ||
	die "the hint does not say what to type"
check_status skipped.json ch1.serial_login_root pass
