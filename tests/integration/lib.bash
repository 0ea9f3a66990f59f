# Helpers for integration tests (sourced). Each test runs in its own scratch
# directory ($SCRATCH) with $VLAB the binary under test.
set -u

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
# expect PATTERN SECONDS: read the console until PATTERN shows up
expect() {
	local buf="" ch end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		if IFS= read -r -t 1 -n 1 -d '' ch <&"${CON[0]}"; then
			buf+=$ch
			[[ $buf == *"$1"* ]] && return 0
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
