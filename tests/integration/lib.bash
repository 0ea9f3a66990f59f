# Helpers for integration tests (sourced). Each test runs in its own scratch
# directory ($SCRATCH) with $VLAB the binary under test.
set -u
# Should this suite itself run in a CI job, `vlab grade`'s --ci auto would
# turn CI mode on in every test and write to that job's summary: a test
# that wants CI mode sets these itself.
unset GITHUB_ACTIONS GITLAB_CI GITHUB_STEP_SUMMARY GITHUB_OUTPUT GITHUB_WORKSPACE RUNNER_TEMP

die() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
note() { echo "# $*"; }

# The image files of a profile, from the manifest make image wrote.
image_dir() { echo "${VLAB_IMAGE_DIR:-$VLAB_REPO/build/image}"; }

require_image() {
	[ -f "$(image_dir)/manifest" ] || die "no guest image at $(image_dir): run 'make image'"
}

# require_taps: this host can make taps: a tun device node, and `ip tuntap
# add` working in a throwaway network namespace (the tap goes with it), so a
# node with no driver behind it is caught too. Skips with what is missing.
require_taps() {
	local err
	[ -c /dev/net/tun ] ||
		skip "no /dev/net/tun here (the tun module is not loaded, or a container without the device): taps cannot be made"
	err=$(unshare -n ip tuntap add vlabprobe mode tap 2>&1) ||
		skip "cannot make a tap here: ip tuntap add in a throwaway network namespace: ${err//$'\n'/ }"
}

# require_grading: what vlab grade's sandboxes need of the host: bwrap, one
# that runs a sandbox with --disable-userns (bubblewrap 0.8), user
# namespaces, and taps. Skips with the first thing missing.
require_grading() {
	local err max
	command -v bwrap >/dev/null || skip "bwrap (bubblewrap) is not installed: vlab grade jails every script with it"
	max=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)
	[ "$max" -gt 0 ] || skip "user namespaces are off here (user.max_user_namespaces is ${max}): every sandbox needs one"
	err=$(unshare -U true 2>&1) || skip "cannot make a user namespace here: ${err//$'\n'/ }"
	err=$(bwrap --unshare-user --disable-userns --ro-bind / / true 2>&1) ||
		skip "bwrap cannot run a sandbox with --disable-userns here: ${err//$'\n'/ }"
	require_taps
}

# check_status JSON ID STATUS: the check ID in the report has STATUS
check_status() {
	local got
	got=$(jq -r --arg id "$2" '.checks[] | select(.id == $id) | .status' "$1")
	[ "$got" = "$3" ] || die "$2: expected $3, got '${got:-absent}' ($(jq -c --arg id "$2" '.checks[] | select(.id == $id)' "$1"))"
}

# The files the manifest lists for a profile, with their recorded sha256.
profile_hashes() {
	awk -v p="$1" '$1 == "profile" { inp = ($2 == p) } inp && ($1 ~ /^(kernel|initrd|rootfs|kvmhost-initrd|kvmhost-modules)$/) { print $3 "  " $2 }' "$(image_dir)/manifest"
}

# sha256sum -c over a profile's files: they are never written
assert_image_pristine() {
	(cd "$(image_dir)/$1" && profile_hashes "$1" | sha256sum --quiet -c -) ||
		die "image profile $1 changed on disk"
}

# No qemu process whose command line mentions this run directory is left.
assert_no_qemu_of() {
	local pat=$1
	if pgrep -f -- "$pat" >/dev/null; then
		pgrep -af -- "$pat" >&2
		die "a qemu of $pat is still running"
	fi
}

# A run directory left with nothing but logs: no sockets, overlays, pid files.
assert_rundir_clean() {
	local d=$1 left
	[ -d "$d" ] || return 0
	left=$(find "$d" \( -type s -o -name '*.qcow2' -o -name '*.pid' \) -print)
	[ -z "$left" ] || die "left behind in $d: $left"
}

# A console driven by hand, as a student would type it: CON is a coprocess
# (socat to a UNIX socket) started by the test.
# expect PATTERN SECONDS: read the console until PATTERN shows up. bash
# unsets CON once the coprocess has exited, so a test that keeps a copy of
# its output (CON_OUT) has it read from there: what a console that ended
# early said is then shown, not lost.
expect() {
	local buf="" ch end=$((SECONDS + $2)) fd=${CON_OUT:-${CON[0]:-}}
	[ -n "$fd" ] || { echo "console: its process has exited before '$1'" >&2; return 1; }
	while [ $SECONDS -lt $end ]; do
		if IFS= read -r -t 1 -n 1 -d '' ch <&"$fd"; then
			buf+=$ch
			[[ $buf == *"$1"* ]] && return 0
		elif [ $? -le 128 ]; then
			break # end of file: the console has ended
		fi
	done
	echo "console: no '$1' within $2 s; got: $buf" >&2
	return 1
}
# send LINE: type LINE and Enter
send() { printf '%s\r' "$1" >&"${CON[1]}"; }

# ns_settle NS: a link just brought up runs IPv6 duplicate address detection
# for a moment (its link-local address is "tentative"): wait until none is
# left in NS, so that the kernel's own change is not taken for vlab's.
ns_settle() {
	for _ in $(seq 50); do
		[ -z "$(ip -n "$1" -6 addr show tentative)" ] && return 0
		sleep 0.1
	done
}

# ---- a lab built by hand, as a student builds chapter 2's ---------------------
# (for vlab verify, console and shell; the lab's command adapted only as this
# host needs: TCG instead of -enable-kvm -cpu host, the default image's
# vmlinux with its initrd, console=ttyS0, a qcow2 overlay over the image)

# handbuilt_setup NS: the student's side: a network namespace of the
# test's own with lo up and tap0 up with 10.0.0.1/24 (SKIPs when it cannot
# be made here), and the kernel and its initrd beside the script, as the
# lab has them.
handbuilt_setup() {
	ip netns add "$1" || skip "cannot make the network namespace $1 here (ip netns add failed)"
	ip -n "$1" link set lo up
	ip -n "$1" tuntap add tap0 mode tap
	ip -n "$1" addr add 10.0.0.1/24 dev tap0
	ip -n "$1" link set tap0 up
	ln -sf "$(image_dir)/default/vmlinux" vmlinux
	ln -sf "$(image_dir)/default/initrd.img" initrd.img
}

# handbuilt_vm NS MEM MAC SOCKET OVERLAY: the lab's chapter-2 qemu started
# in NS as a simple command in the background, so HB_PID is qemu itself
# (ip netns exec execs it); returns once its serial socket is there.
handbuilt_vm() {
	rm -f "$4" "$5"
	qemu-img create -q -f qcow2 -F raw -b "$(image_dir)/default/rootfs.ext4" "$5"
	ip netns exec "$1" qemu-system-x86_64 \
		-nodefaults \
		-nographic \
		-accel tcg \
		-m "$2" \
		-kernel vmlinux \
		-initrd initrd.img \
		-device virtio-blk-pci,drive=id0 -blockdev driver=qcow2,node-name=id0,file.driver=file,file.filename="$5" \
		-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path="$4",server,nowait \
		-device e1000,netdev=hostnet0,id=net0,mac="$3" -netdev tap,ifname=tap0,id=hostnet0 \
		-append "root=/dev/vda rw console=ttyS0 loglevel=4" </dev/null >qemu.log 2>&1 &
	HB_PID=$!
	for _ in $(seq 100); do
		[ -S "$4" ] && return 0
		sleep 0.05
	done
	cat qemu.log >&2
	die "qemu did not start"
}
