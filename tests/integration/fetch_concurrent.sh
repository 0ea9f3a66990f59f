# Two vlab fetches of the same profile at once (a slow server, so they
# overlap): the second waits on the file's lock, finds it in the cache, and
# neither corrupts it; each file crosses the wire once. Then --offline with
# and without the profile cached.
. "$VLAB_REPO/tests/integration/lib.bash"
. "$VLAB_REPO/tests/integration/fetch_lib.bash"
export VLAB_RUN_DIR=${VLAB_RUN_DIR:-$SCRATCH/run}
httpd_build
tiny_mirror

# --offline with nothing cached: exit 3, not_cached, says how to get it
"$VLAB" fetch tiny --offline --format json >out.json 2>err.txt
[ $? -eq 3 ] || die "--offline without a cache must exit 3"
assert_error not_cached "profile 'tiny' is not in the cache .*: fetch it once without --offline"

httpd_start --rate 2048
"$VLAB" fetch tiny --mirror "$URL" --format json >a.json 2>a.err &
a=$!
sleep 0.5
"$VLAB" fetch tiny --mirror "$URL" --format json >b.json 2>b.err &
b=$!
wait $a || { cat a.json a.err; die "the first fetch failed"; }
wait $b || { cat b.json b.err; die "the second fetch failed"; }
cat a.err b.err
# which one waited depends on which took the lock first (a loaded machine)
cat a.err b.err | grep -q "another vlab is writing this file into the cache; waiting" || die "neither fetch waited on the lock"
[ "$(grep -c '^GET /tiny/k' "$SCRATCH/httpd.log")" -eq 1 ] || { cat "$SCRATCH/httpd.log"; die "the kernel was downloaded twice"; }
[ "$(jq -s '[.[].files[0].source] | sort' a.json b.json | jq -c .)" = '["cache","mirror"]' ] ||
	{ cat a.json b.json; die "one fetch should download the kernel, the other take it from the cache"; }
assert_installed_like tiny "$SCRATCH/mirror"
httpd_stop

# on a terminal: a progress bar redrawn in place (bytes, rate, ETA)
if command -v script >/dev/null; then
	rm -rf "$CACHE"
	httpd_start --rate 4096
	script -qfec "$VLAB fetch tiny --mirror $URL" /dev/null >tty.txt </dev/null || { cat tty.txt; die "fetch on a pty failed"; }
	httpd_stop
	grep -qE $'\r''k  [0-9.]+ [KM]i?B / 4 MiB +[0-9]+%  \[=* *\]  [0-9.]+ [KM]iB/s  ETA 0:0[0-9]' tty.txt ||
		{ cat -v tty.txt; die "no progress bar on a terminal"; }
	assert_installed_like tiny "$SCRATCH/mirror"
else
	note "no script(1): the terminal progress bar is not tested"
fi

# --offline with the profile cached: ok, no server needed
"$VLAB" fetch tiny --offline --format json >out.json || { cat out.json; die "--offline with a cached profile failed"; }
jq -e '.result == "ok" and ([.files[].source] | unique) == ["cache"]' out.json >/dev/null || die "--offline did not use the cache"
"$VLAB" fetch --check >check.txt || { cat check.txt; die "--check failed on a good cache"; }
grep -q "every cached file (2) is what its name says" check.txt || die "--check did not count the files"
