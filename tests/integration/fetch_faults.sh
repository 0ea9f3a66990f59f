# vlab fetch from a mirror on a loopback test server that misbehaves: 404,
# 500 then success, 429 with Retry-After, a connection dropped mid-body and
# resumed with Range (and restarted where the server ignores ranges), wrong
# bytes, a redirect and a redirect loop, a stall, nothing listening, a full
# disk. Each error is one line naming the URL and cause, exit 3, a json
# reason, and nothing installed.
. "$VLAB_REPO/tests/integration/lib.bash"
. "$VLAB_REPO/tests/integration/fetch_lib.bash"
export VLAB_RUN_DIR=${VLAB_RUN_DIR:-$SCRATCH/run}
httpd_build
tiny_mirror
Q=(--quiet --format json)
reset_cache() { rm -rf "$CACHE"; }

# a plain success, the log shows one GET per file
httpd_start
run_vlab 0 -- fetch tiny --mirror "$URL" "${Q[@]}"
assert_installed_like tiny "$SCRATCH/mirror"
[ "$(grep -c '^GET /tiny/' "$SCRATCH/httpd.log")" -eq 2 ] || { cat "$SCRATCH/httpd.log"; die "expected 2 file GETs"; }
# again: both files come from the cache, nothing is downloaded
run_vlab 0 -- fetch tiny --mirror "$URL" "${Q[@]}"
jq -e '[.files[].source] == ["cache", "cache"]' out.json >/dev/null || die "a second fetch downloaded again"
httpd_stop

# 404: the mirror lacks a file
reset_cache
mv "$SCRATCH/mirror/tiny/r" "$SCRATCH/r.away"
httpd_start
run_vlab 3 -- fetch tiny --mirror "$URL" "${Q[@]}"
assert_error not_found "^vlab: http://127.0.0.1:[0-9]+/tiny/r: HTTP 404"
assert_not_installed tiny
httpd_stop
mv "$SCRATCH/r.away" "$SCRATCH/mirror/tiny/r"

# an unknown profile
httpd_start
run_vlab 3 -- fetch nosuch --mirror "$URL" "${Q[@]}"
assert_error unknown_profile "manifest: the mirror has no profile 'nosuch' \(it has: tiny\)"
httpd_stop

# 500 once, then the retry succeeds
reset_cache
httpd_start --fault 500 --only /tiny/k --times 1
run_vlab 0 -- fetch tiny --mirror "$URL" "${Q[@]}"
assert_installed_like tiny "$SCRATCH/mirror"
jq -e '.files[0].attempts == 2' out.json >/dev/null || { cat out.json; die "expected 2 attempts for k"; }
grep -q "GET /tiny/k range=-1 -> 500" "$SCRATCH/httpd.log" || die "the server never sent its 500"
httpd_stop

# 500 every time: gives up after 1 + --retries attempts, naming them
reset_cache
httpd_start --fault 500 --only /tiny/k --times 99
run_vlab 3 -- fetch tiny --mirror "$URL" --retries 2 "${Q[@]}"
assert_error http_error "/tiny/k: HTTP 500 \(3 attempts\); nothing was installed"
assert_not_installed tiny
httpd_stop

# 429 with Retry-After: 1 is waited out
reset_cache
httpd_start --fault 429 --only /tiny/r --times 1
t0=$(date +%s%N)
run_vlab 0 -- fetch tiny --mirror "$URL" "${Q[@]}"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 900 ] || die "Retry-After: 1 was not honoured (${ms} ms)"
assert_installed_like tiny "$SCRATCH/mirror"
httpd_stop

# the connection drops after 1 MiB of the 4 MiB kernel: the next attempt asks
# for the rest with Range, and the file is byte-identical
reset_cache
httpd_start --fault drop:1048576 --only /tiny/k --times 1
run_vlab 0 -- fetch tiny --mirror "$URL" "${Q[@]}"
grep -q "GET /tiny/k range=1048576 -> 206" "$SCRATCH/httpd.log" || { cat "$SCRATCH/httpd.log"; die "no resume with Range from byte 1048576"; }
jq -e '.files[0].resumes == 1' out.json >/dev/null || { cat out.json; die "the resume is not counted"; }
cmp "$SCRATCH/tinysrc/tiny/k" "$CACHE/profiles/tiny/k" || die "the resumed file differs"
assert_installed_like tiny "$SCRATCH/mirror"
httpd_stop

# the same with a server that ignores Range: the file starts over
reset_cache
httpd_start --fault drop:1048576 --only /tiny/k --times 1 --no-range
run_vlab 0 -- fetch tiny --mirror "$URL" "${Q[@]}"
assert_installed_like tiny "$SCRATCH/mirror"
httpd_stop

# wrong bytes on the mirror: checksum mismatch with both hashes, nothing installed
reset_cache
cp "$SCRATCH/mirror/tiny/r" "$SCRATCH/r.good"
head -c $((1 << 20)) /dev/urandom >"$SCRATCH/mirror/tiny/r"
bad=$(sha256sum "$SCRATCH/mirror/tiny/r" | cut -d' ' -f1)
httpd_start
run_vlab 3 -- fetch tiny --mirror "$URL" "${Q[@]}"
assert_error checksum_mismatch "/tiny/r: checksum mismatch: the manifest says sha256 $R_SHA, the file downloaded is $bad; nothing was installed"
assert_not_installed tiny
[ ! -e "$CACHE/sha256/$bad" ] && [ ! -e "$CACHE/sha256/$R_SHA" ] || die "the wrong file reached sha256/"
httpd_stop
cp "$SCRATCH/r.good" "$SCRATCH/mirror/tiny/r"

# a redirect is followed; a redirect loop stops at the limit
reset_cache
httpd_start
run_vlab 0 -- fetch tiny --mirror "$URL/moved" "${Q[@]}"
grep -q "GET /moved/tiny/k range=-1 -> 302" "$SCRATCH/httpd.log" || die "no redirect happened"
assert_installed_like tiny "$SCRATCH/mirror"
reset_cache
run_vlab 3 -- fetch tiny --mirror "$URL/loop" "${Q[@]}"
assert_error too_many_redirects "/loop/manifest: more than 5 redirects"
httpd_stop

# a server that stops sending after 64 KiB: the stall limit ends it
reset_cache
httpd_start --fault stall:65536 --only /tiny/k --times 99
t0=$(date +%s)
run_vlab 3 -- fetch tiny --mirror "$URL" --stall-timeout 2 --retries 1 "${Q[@]}"
assert_error stalled "/tiny/k: stalled: less than 1 byte/s for 2 s \(the stall limit\) \(2 attempts\)"
[ $(( $(date +%s) - t0 )) -lt 20 ] || die "the stall limit was not kept"
assert_not_installed tiny

# SIGINT while stalled: exit 130, no partial file left
"$VLAB" fetch tiny --mirror "$URL" --quiet >/dev/null 2>err.txt &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || { cat err.txt; die "SIGINT: expected 130, got $rc"; }
assert_not_installed tiny
httpd_stop

# nothing listens on the port: refused, at once
reset_cache
port=$(sed 's/.*://' <<<"$URL")
run_vlab 3 -- fetch tiny --mirror "http://127.0.0.1:$port" "${Q[@]}"
assert_error refused "^vlab: http://127.0.0.1:$port/manifest: connection refused"

# a disk that fills up (RLIMIT_FSIZE of 2 MiB: the 4 MiB kernel cannot be written)
reset_cache
httpd_start
(ulimit -f 2048; "$VLAB" fetch tiny --mirror "$URL" "${Q[@]}" >out.json 2>err.txt)
rc=$?
[ $rc -eq 3 ] || { cat out.json err.txt; die "disk full: expected exit 3, got $rc"; }
assert_error disk_full "/tiny/k: disk full: File too large"
assert_not_installed tiny
httpd_stop

# file:// works as a mirror; a missing file:// file is not_found
reset_cache
run_vlab 0 -- fetch tiny --mirror "file://$SCRATCH/mirror" "${Q[@]}"
assert_installed_like tiny "$SCRATCH/mirror"
run_vlab 3 -- fetch tiny --mirror "file://$SCRATCH/nowhere" "${Q[@]}"
assert_error not_found "nowhere/manifest: no such file"

# not a URL vlab takes
run_vlab 3 -- fetch tiny --mirror "ftp://127.0.0.1/x" "${Q[@]}"
assert_error bad_url "not an http://, https:// or file:// URL"

# HTTPS verifies the server against the system's CAs: a self-signed
# certificate on loopback is refused (reason tls), nothing installed
if command -v openssl >/dev/null; then
	reset_cache
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout key.pem -out cert.pem -days 1 2>/dev/null ||
		die "openssl could not make a test certificate"
	(cd "$SCRATCH/mirror" && exec openssl s_server -accept 127.0.0.1:0 -WWW -cert "$SCRATCH/cert.pem" -key "$SCRATCH/key.pem") >tls.out 2>&1 &
	tls=$!
	for _ in $(seq 100); do grep -q '^ACCEPT' tls.out && break; sleep 0.05; done
	tport=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' tls.out)
	[ -n "$tport" ] || { kill $tls; die "openssl s_server did not start"; }
	run_vlab 3 -- fetch tiny --mirror "https://127.0.0.1:$tport" "${Q[@]}"
	kill $tls
	assert_error tls "https://127.0.0.1:$tport/manifest: TLS: .*certificate"
	assert_not_installed tiny
else
	note "no openssl: the HTTPS case is not tested"
fi

# a host name that does not resolve, asked inside a network namespace of its
# own (no interface but a down lo: the resolver's query cannot leave)
if unshare -n true 2>/dev/null; then
	unshare -n "$VLAB" fetch tiny --mirror "http://vlab-mirror.invalid" "${Q[@]}" >out.json 2>err.txt
	[ $? -eq 3 ] || { cat out.json err.txt; die "DNS: expected exit 3"; }
	assert_error dns "^vlab: http://vlab-mirror.invalid/manifest: the host name does not resolve \(DNS\)"
else
	note "unshare -n refused here: the DNS case is not tested"
fi

# a manifest of this machine's (--manifest) that gives another sha256 for a
# file than the mirror does: refused before anything is downloaded
reset_cache
other=0000000000000000000000000000000000000000000000000000000000000000
printf 'profile tiny\nkernel k %s\nrootfs r\nappend console=ttyS0\nlogin root toor\nend\n' "$other" >course.manifest
run_vlab 3 -- fetch tiny --mirror "file://$SCRATCH/mirror" --manifest course.manifest "${Q[@]}"
assert_error checksum_mismatch "checksum mismatch for 'k': the mirror says sha256 $K_SHA, this machine's manifest says $other"
assert_not_installed tiny
