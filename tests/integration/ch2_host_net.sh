# --host-net does chapter 2 in the namespace vlab runs in, as the lab does:
# here that is a throwaway namespace of this test's, standing in for the
# host. It refuses to start over a tap0 or a 10.0.0.0/24 address that is
# already there, and `vlab clean` after --keep deletes only the tap0 vlab
# made, not a same-named one made since.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "needs root (taps, namespaces)"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run
ns=vlab-test-hn-$$
ip netns add "$ns" || skip "cannot make a network namespace here"
trap 'ip netns pids "$ns" 2>/dev/null | xargs -r kill -9; ip netns del "$ns"' EXIT
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up

in_ns "$VLAB" chapter 2 --host-net --format json >report.json
rc=$?
cat report.json
[ $rc -eq 0 ] || die "--host-net exited $rc"
check_status report.json ch2.http_200 pass
check_status report.json ch2.teardown_clean pass
! in_ns ip link show tap0 >/dev/null 2>&1 || die "tap0 left in the namespace"

# refusals: a tap0 that is already there, and an address in 10.0.0.0/24
in_ns ip tuntap add tap0 mode tap
in_ns "$VLAB" chapter 2 --host-net >out.txt 2>err.txt
rc=$?
cat err.txt
[ $rc -eq 3 ] || die "an existing tap0: expected exit 3, got $rc"
grep -q "tap0 already exists" err.txt || die "the refusal does not name tap0"
in_ns ip link show tap0 >/dev/null || die "vlab removed a tap0 it did not make"
in_ns ip link del tap0
in_ns ip tuntap add stud0 mode tap
in_ns ip addr add 10.0.0.5/24 dev stud0
in_ns "$VLAB" chapter 2 --host-net >out.txt 2>err.txt
rc=$?
cat err.txt
[ $rc -eq 3 ] || die "an address in 10.0.0.0/24: expected exit 3, got $rc"
grep -q "stud0 already has 10.0.0.5/24" err.txt || die "the refusal does not name the address"
in_ns ip link del stud0

# --keep, then the student replaces tap0 with their own: clean leaves theirs
in_ns "$VLAB" chapter 2 --host-net --keep --quiet >/dev/null || die "--keep run failed"
in_ns "$VLAB" status | grep -q "link .*tap0" || die "status does not list vlab's tap0"
in_ns ip link del tap0
in_ns ip tuntap add tap0 mode tap
in_ns "$VLAB" clean >clean.txt
cat clean.txt
in_ns ip link show tap0 >/dev/null || die "clean deleted a tap0 vlab did not make"
grep -q "deleted link tap0" clean.txt && die "clean says it deleted the student's tap0"
assert_no_qemu_of "$VLAB_RUN_DIR"
exit 0
