# Stops as they really come, not as one signal to vlab alone:
#  - `timeout 300 vlab ...` with SIGINT to timeout (it relays SIGINT to
#    vlab, then to the whole process group, then SIGCONT);
#  - SIGINT then SIGTERM 0.2 s later to vlab's process group (a CI cancel);
#  - two Ctrl-C a second apart;
#  - SIGTERM, then SIGKILL after a grace period where vlab is still there.
# At chosen points of chapter 2 (the boot, the pings, the HTTP check),
# chapter 3 (the boot, the iperf3 run) and a grading (a sandbox's set-up,
# its guest's boot). Each stop is one request: vlab tears down in order,
# prints its "stopped by signal" line and exits 128+N; after it nothing of
# the run is left: network namespace, qemu, sandbox process, cgroup, loop
# device, mount, socket, overlay, grading directory. Then a grading is
# SIGKILLed during its guest's boot on purpose, and `vlab clean` removes
# what it left, cgroups included.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "chapters 2 and 3 make taps and grading makes sandboxes: root here"
command -v setsid >/dev/null || skip "setsid is not installed (util-linux)"
export VLAB_RUN_DIR=$SCRATCH/run
# the sandboxes' user must reach the grading directory through it
chmod 0711 "$SCRATCH"

# Every vlab-grade-* cgroup on the host, one per line (other gradings may
# run: only new ones count).
grade_cgroups() { find /sys/fs/cgroup -maxdepth 3 -type d -name 'vlab-grade-*' 2>/dev/null | sort; }
cgroups_before=$(grade_cgroups)

# Nothing of the runs under $VLAB_RUN_DIR is left.
assert_nothing_left() { # WHAT
	local d run
	sleep 0.3
	assert_no_qemu_of "$VLAB_RUN_DIR"
	for d in "$VLAB_RUN_DIR"/*/; do
		[ -d "$d" ] || continue
		assert_rundir_clean "$d"
		run=$(basename "$d")
		! ip netns list | grep -q "vlab-$run" || die "$1: the namespace vlab-$run is left"
		[ ! -e "$d/resources" ] || die "$1: the run's ledger is left ($(cat "$d/resources"))"
	done
	if pgrep -f -- "$VLAB_RUN_DIR" >/dev/null; then
		pgrep -af -- "$VLAB_RUN_DIR" >&2
		die "$1: a process of the run is left"
	fi
	local new
	new=$(comm -13 <(echo "$cgroups_before") <(grade_cgroups))
	[ -z "$new" ] || die "$1: cgroups left: $new"
	! losetup -a | grep -qF "$VLAB_RUN_DIR" || die "$1: a loop device is left: $(losetup -a | grep -F "$VLAB_RUN_DIR")"
	! grep -qF "$VLAB_RUN_DIR" /proc/mounts || die "$1: a mount is left: $(grep -F "$VLAB_RUN_DIR" /proc/mounts)"
	! ls -d "$VLAB_RUN_DIR"/grade-* >/dev/null 2>&1 || die "$1: a grading directory is left: $(ls -d "$VLAB_RUN_DIR"/grade-*)"
}

# A qemu started in one of this run's sandboxes (its working directory is
# under a grade-* directory; the sandbox's own files are in its mount
# namespace, out of sight).
sandbox_qemu_up() {
	local p
	for p in $(pgrep -f qemu-system-x86_64); do
		case $(readlink "/proc/$p/cwd" 2>/dev/null) in "$VLAB_RUN_DIR"/grade-*) return 0 ;; esac
	done
	return 1
}

# Wait until a file matching the glob exists, or the text is in a VM's
# console log, or (glob "sandbox-qemu") a sandbox's qemu runs; 0 when seen.
wait_for() { # GLOB [TEXT]
	local i
	for i in $(seq 1200); do
		if [ "$1" = "$VLAB_RUN_DIR/sandbox-qemu" ]; then
			sandbox_qemu_up && return 0
		elif [ -n "${2:-}" ]; then
			grep -qs -- "$2" $1 && return 0
		else
			compgen -G "$1" >/dev/null && return 0
		fi
		sleep 0.05
	done
	return 1
}

# stop_as KIND: stop the run started by start_run the KIND way; sets rc.
stop_as() {
	case $1 in
	timeout) kill -INT "$tpid" ;;
	# the second signal may find vlab gone already: that is fine
	group) kill -INT -- "-$vpid"; sleep 0.2; kill -TERM -- "-$vpid" 2>/dev/null ;;
	twice) kill -INT "$vpid"; sleep 1; kill -INT "$vpid" 2>/dev/null ;;
	term-kill)
		kill -TERM "$vpid"
		for _ in $(seq 100); do kill -0 "$vpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$vpid" 2>/dev/null ;;
	esac
	wait "$tpid"
	rc=$?
}

# start_run KIND ARGS...: vlab ARGS, as KIND needs it started: under
# timeout, or as the leader of its own process group (setsid); tpid is
# what the test waits for, vpid is vlab.
start_run() {
	local kind=$1
	shift
	rm -rf "$VLAB_RUN_DIR"
	mkdir -p "$VLAB_RUN_DIR"
	if [ "$kind" = timeout ]; then
		timeout 300 "$VLAB" "$@" >out.txt 2>err.txt &
		tpid=$!
		for _ in $(seq 100); do vpid=$(pgrep -P "$tpid" | head -n 1); [ -n "$vpid" ] && break; sleep 0.02; done
	else
		setsid "$VLAB" "$@" >out.txt 2>err.txt &
		tpid=$!
		vpid=$tpid
	fi
}

# interrupt KIND WHAT GLOB [TEXT] -- ARGS...: start vlab ARGS, stop it the
# KIND way once GLOB (or TEXT in it) shows up, and check what is left.
interrupt() {
	local kind=$1 what=$2 glob=$3 text=$4
	shift 5
	start_run "$kind" "$@"
	if ! wait_for "$VLAB_RUN_DIR/$glob" "$text"; then
		for p in $(pgrep -f qemu-system-x86_64); do echo "qemu $p in $(readlink "/proc/$p/cwd")"; done
		kill -KILL "$vpid" 2>/dev/null
		cat out.txt err.txt
		die "$what: never saw ${text:-$glob}"
	fi
	stop_as "$kind"
	note "$what, stopped as '$kind': exit $rc; $(grep -h 'stopped' err.txt | head -n 1)"
	[ "$rc" = 130 ] || [ "$rc" = 143 ] || { cat err.txt; die "$what ($kind): exit $rc, not 130 or 143"; }
	grep -q "stopped by signal" err.txt || { cat err.txt; die "$what ($kind): no 'stopped by signal' line"; }
	if grep -q "second stop request" err.txt; then die "$what ($kind): one stop event was taken for two"; fi
	assert_nothing_left "$what ($kind)"
}

interrupt timeout "chapter 2, the boot" "*/vm1.qmp.sock" "" -- chapter 2
interrupt group "chapter 2, the boot" "*/vm1.qmp.sock" "" -- chapter 2
interrupt twice "chapter 2, the guest's ping" "*/vm1.console.log" "ping -c" -- chapter 2
interrupt timeout "chapter 2, the HTTP check" "*/vm1.console.log" "httpd -p 8000" -- chapter 2
interrupt term-kill "chapter 2, the HTTP check" "*/vm1.console.log" "httpd -p 8000" -- chapter 2
interrupt group "chapter 3, the boot" "*/vm2.qmp.sock" "" -- chapter 3 --duration 10
interrupt timeout "chapter 3, the iperf3 run" "*/vm1.console.log" "iperf3 -c 10.0.0.11" -- chapter 3 --duration 10

mkdir -p subs
cp -r "$VLAB_REPO/assets/lab/reference" subs/s01
cp -r "$VLAB_REPO/assets/lab/reference" subs/s02
interrupt timeout "a grading, a sandbox's set-up" "grade-*" "" -- grade subs/s01 subs/s02 -j 2 --out g1
interrupt group "a grading, the guests' boot" "sandbox-qemu" "" -- grade subs/s01 subs/s02 -j 2 --out g2
interrupt twice "a grading, the guests' boot" "sandbox-qemu" "" -- grade subs/s01 subs/s02 -j 2 --out g3

# SIGKILL: nothing can run in vlab; its ledger tells `vlab clean` what to
# remove, the sandboxes' cgroups and the class's among it
start_run group grade subs/s01 subs/s02 -j 2 --out g4
wait_for "$VLAB_RUN_DIR/sandbox-qemu" || { kill -KILL "$vpid"; die "the grading never booted a guest"; }
kill -KILL -- "-$vpid"
wait "$tpid" 2>/dev/null
left=$(comm -13 <(echo "$cgroups_before") <(grade_cgroups))
[ -n "$left" ] || note "no cgroup was left by the SIGKILL (this host grades without cgroups?)"
"$VLAB" status >status.txt
cat status.txt
[ -z "$left" ] || grep -q "cgroup .*vlab-grade-" status.txt || die "vlab status does not list the cgroups left"
"$VLAB" clean >clean.txt
cat clean.txt
[ -z "$left" ] || grep -q "removed cgroup" clean.txt || die "vlab clean did not remove the cgroups"
assert_nothing_left "a grading, SIGKILL, then vlab clean"
