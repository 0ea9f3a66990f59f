# Helpers for the fetch/image tests (sourced after lib.bash): an empty cache
# and config of the test's own, a mirror exported by vlab, and
# tests/tools/test-httpd serving it on 127.0.0.1 (nothing leaves loopback).
export XDG_CACHE_HOME=$SCRATCH/cache
export VLAB_CONFIG=$SCRATCH/config
unset VLAB_MIRROR
CACHE=$XDG_CACHE_HOME/vlab

httpd_build() {
	command -v cc >/dev/null || skip "no C compiler for tests/tools/test-httpd.c"
	cc -std=c11 -O2 -Wall -Wextra -Werror -o "$SCRATCH/test-httpd" "$VLAB_REPO/tests/tools/test-httpd.c" ||
		die "tests/tools/test-httpd.c does not build"
}

# A small profile "tiny" (a 4 MiB kernel, a 1 MiB rootfs of random bytes)
# exported to $SCRATCH/mirror: fast to fetch, big enough to cut mid-body.
tiny_mirror() {
	mkdir -p "$SCRATCH/tinysrc/tiny"
	head -c $((4 << 20)) /dev/urandom >"$SCRATCH/tinysrc/tiny/k"
	head -c $((1 << 20)) /dev/urandom >"$SCRATCH/tinysrc/tiny/r"
	printf 'profile tiny\nkernel k\nrootfs r\nappend console=ttyS0\nlogin root toor\nend\n' >"$SCRATCH/tinysrc/manifest"
	"$VLAB" image export "$SCRATCH/mirror" --profile tiny --manifest "$SCRATCH/tinysrc/manifest" >/dev/null ||
		die "vlab image export of the tiny profile failed"
	K_SHA=$(sha256sum "$SCRATCH/tinysrc/tiny/k" | cut -d' ' -f1)
	R_SHA=$(sha256sum "$SCRATCH/tinysrc/tiny/r" | cut -d' ' -f1)
}

# httpd_start [test-httpd options]: serve $SCRATCH/mirror; sets URL, HTTPD_PID
httpd_start() {
	local pf=$SCRATCH/port.$RANDOM
	: >"$SCRATCH/httpd.log"
	"$SCRATCH/test-httpd" --root "$SCRATCH/mirror" --port-file "$pf" --log "$SCRATCH/httpd.log" "$@" &
	HTTPD_PID=$!
	for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
	[ -s "$pf" ] || die "test-httpd did not start"
	URL=http://127.0.0.1:$(cat "$pf")
	trap httpd_stop EXIT
}

httpd_stop() {
	[ -n "${HTTPD_PID:-}" ] || return 0
	kill "$HTTPD_PID" 2>/dev/null
	wait "$HTTPD_PID" 2>/dev/null
	HTTPD_PID=
}

# run_fetch STATUS -- vlab arguments: runs vlab, expects STATUS; out.json,
# err.txt hold what it printed
run_vlab() {
	local want=$1
	shift 2
	"$VLAB" "$@" >out.json 2>err.txt
	local rc=$?
	[ $rc -eq "$want" ] || { cat out.json err.txt; die "vlab $*: expected exit $want, got $rc"; }
}

# The json's reason is $1 and stderr says /$2/ in one line
assert_error() {
	jq -e --arg r "$1" '.result == "error" and .reason == $r' out.json >/dev/null ||
		{ cat out.json; die "expected reason $1"; }
	[ "$(wc -l <err.txt)" -eq 1 ] || { cat err.txt; die "the error is not one line"; }
	grep -qE -- "$2" err.txt || { cat err.txt; die "stderr lacks /$2/"; }
	note "ok: $1: $(cat err.txt)"
}

# Nothing of profile $1 installed, nothing half-written left in the cache
assert_not_installed() {
	if [ -f "$CACHE/profiles/manifest" ] && grep -q "^profile $1\$" "$CACHE/profiles/manifest"; then
		die "profile $1 is in the cache's manifest"
	fi
	[ ! -e "$CACHE/profiles/$1" ] || [ -z "$(ls -A "$CACHE/profiles/$1")" ] || die "profile $1 has files in the cache"
	[ -z "$(ls -A "$CACHE/tmp" 2>/dev/null)" ] || die "left in the cache's tmp: $(ls "$CACHE/tmp")"
}

# Profile $1 in the cache, each file's bytes those of $2/$1/FILE
assert_installed_like() {
	grep -q "^profile $1\$" "$CACHE/profiles/manifest" || die "profile $1 is not in the cache's manifest"
	local f
	for f in "$2/$1"/*; do
		case $f in */SHA256SUMS) continue ;; esac
		cmp -s "$f" "$CACHE/profiles/$1/$(basename "$f")" || die "cached $(basename "$f") differs from $f"
	done
	[ -z "$(ls -A "$CACHE/tmp")" ] || die "left in the cache's tmp: $(ls "$CACHE/tmp")"
}
