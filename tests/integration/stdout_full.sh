# A report that cannot reach standard output (a full disk: /dev/full) is a
# report not written: exit 4 and one line saying so; a reader that leaves
# early (a closed pipe) is no error.
. "$VLAB_REPO/tests/integration/lib.bash"
[ -w /dev/full ] || skip "no /dev/full"
for cmd in "list --format json" "check iperf $VLAB_REPO/tests/fixtures/iperf/client-e1000-t5.json --format json"; do
	"$VLAB" $cmd >/dev/full 2>err.txt
	rc=$?
	[ $rc = 4 ] && [ "$(wc -l <err.txt)" = 1 ] && grep -q "cannot write the output to standard output: No space left" err.txt ||
		die "vlab $cmd >/dev/full: exit $rc, $(cat err.txt)"
done
"$VLAB" list | head -1 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || die "vlab list | head -1: exit $rc"
echo "ok: a full standard output fails the command; a closed pipe does not"
