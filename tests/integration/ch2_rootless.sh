# Without root, where /dev/net/tun is 0600 (as on these machines): vlab says
# exactly that and how to fix it, exit 3, and leaves nothing behind.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
[ "$(id -u)" = 0 ] || skip "needs root to drop to another uid"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
[ -c /dev/net/tun ] || skip "no /dev/net/tun here: the refusal of its 0600 mode cannot happen"
mode=$(stat -c %a /dev/net/tun)
[ "$mode" = 600 ] || skip "/dev/net/tun is $mode here: the refusal cannot happen"
chmod 0755 "$SCRATCH"
mkdir -p "$SCRATCH/run" && chown 65534:65534 "$SCRATCH/run"
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$SCRATCH" VLAB_RUN_DIR="$SCRATCH/run" \
	VLAB_IMAGE_DIR="$(image_dir)" "$VLAB" chapter 2 >out.txt 2>err.txt
rc=$?
cat out.txt err.txt
[ $rc -eq 3 ] || die "rootless with a 0600 tun: expected exit 3, got $rc"
grep -q "/dev/net/tun is mode 0600" err.txt || die "the reason does not name /dev/net/tun"
grep -qE "run vlab as root|chmod 0666" err.txt || die "the message gives no fix"
[ "$(wc -l <err.txt)" -eq 1 ] || die "more than one line of error"
assert_no_qemu_of "$SCRATCH/run"
