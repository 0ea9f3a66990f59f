#!/usr/bin/env bash
# vlab fetch against `curl -o` of the same file from the same loopback server
# (tests/tools/test-httpd, sendfile), RUNS times each, interleaved; prints a
# Markdown row: the medians in MiB/s and their ratio. The file is SIZE_MIB of
# random bytes in a one-file profile exported by `vlab image export`. vlab's
# time is the whole command: the mirror's manifest, the download, the sha256
# of the bytes on disk, fsync and the rename into the cache; curl only
# downloads, so a third column does what vlab does after it with the tools
# (curl -o, then openssl's sha256 of the file, then sync FILE: its fsync).
. "$(dirname "$0")/lib.bash"
runs=${RUNS:-7}
size_mib=${SIZE_MIB:-256}
command -v curl >/dev/null || { echo "no curl here to compare with" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vlab-bench-fetch.XXXXXX")
trap 'kill $httpd 2>/dev/null; rm -rf "$work"' EXIT
cc -std=c11 -O2 -o "$work/test-httpd" "$repo/tests/tools/test-httpd.c" || exit 1
mkdir -p "$work/src/bench"
head -c $((size_mib << 20)) /dev/urandom >"$work/src/bench/payload"
printf 'profile bench\nkernel payload\nrootfs payload\nappend x\nlogin root toor\nend\n' >"$work/src/manifest"
"$VLAB" image export "$work/mirror" --profile bench --manifest "$work/src/manifest" >/dev/null || exit 1
rm -rf "$work/src"
"$work/test-httpd" --root "$work/mirror" --port-file "$work/port" &
httpd=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat "$work/port")
export XDG_CACHE_HOME=$work/cache VLAB_CONFIG=$work/none
bytes=$((size_mib << 20))
v=() c=() f=()
for i in $(seq "$runs"); do
	rm -rf "$work/cache"
	t0=$(now_ms)
	"$VLAB" fetch bench --mirror "$url" --quiet >/dev/null || { echo "vlab fetch failed" >&2; exit 1; }
	v+=($(( $(now_ms) - t0 )))
	rm -f "$work/out"
	t0=$(now_ms)
	curl -s -f -o "$work/out" "$url/bench/payload" || { echo "curl failed" >&2; exit 1; }
	c+=($(( $(now_ms) - t0 )))
	rm -f "$work/out"
	t0=$(now_ms)
	curl -s -f -o "$work/out" "$url/bench/payload" && openssl dgst -sha256 "$work/out" >/dev/null && sync "$work/out" ||
		{ echo "curl + sha256 + sync failed" >&2; exit 1; }
	f+=($(( $(now_ms) - t0 )))
	echo "run $i: vlab ${v[-1]} ms, curl ${c[-1]} ms, curl+sha256+fsync ${f[-1]} ms" >&2
done
vm=$(printf '%s\n' "${v[@]}" | median)
cm=$(printf '%s\n' "${c[@]}" | median)
fm=$(printf '%s\n' "${f[@]}" | median)
mibs() { awk -v b="$bytes" -v ms="$1" 'BEGIN { printf "%.0f", b / 1048576 / (ms / 1000) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "| fetch ${size_mib} MiB, loopback | $runs | $vm ms ($(mibs "$vm") MiB/s) | $cm ms ($(mibs "$cm") MiB/s) | $(ratio "$vm" "$cm") | $fm ms ($(mibs "$fm") MiB/s) | $(ratio "$vm" "$fm") |"
echo "machine: $(machine); $(curl --version | head -n 1 | cut -d' ' -f1-2), vlab's libcurl $(pkg-config --modversion libcurl)"
