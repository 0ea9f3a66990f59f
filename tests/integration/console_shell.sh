# vlab console attaches a terminal to a kept VM's serial console (raw mode,
# Ctrl-] detaches), and vlab shell opens a shell in a kept chapter-2 lab's
# network namespace where tap0 and the guest are.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v script >/dev/null || skip "script (util-linux) is not installed"
[ "$(id -u)" = 0 ] || skip "chapter 2 makes a tap: needs root here"
require_taps
export VLAB_RUN_DIR=$SCRATCH/run
trap '"$VLAB" clean >/dev/null 2>&1' EXIT

"$VLAB" chapter 2 --keep --quiet >keep.txt || { cat keep.txt; die "vlab chapter 2 --keep failed"; }

# console: the kept guest still has vlab's root shell open; type a command
# whose output differs from its echo, then Ctrl-] (0x1d)
{ sleep 1; printf '\r'; sleep 1; printf 'echo VLAB-$((6*7))\r'; sleep 1; printf '\035'; sleep 1; } |
	script -qec "$VLAB console" /dev/null >console.txt 2>&1
cat -v console.txt | tail -n 20
grep -q "press Ctrl-] to detach" console.txt || die "console does not announce its escape key"
grep -q "# " console.txt || die "no shell prompt on the console"
grep -q "VLAB-42" console.txt || die "a command typed through vlab console did not run"
grep -q "detached from vm1" console.txt || die "Ctrl-] did not detach"

# shell: inside the namespace the lab's tap0 and the guest are there
printf 'grep -o tap0 /proc/net/dev; cat /proc/net/arp\nexit\n' | "$VLAB" shell >shell.txt 2>shell.err
cat shell.err shell.txt
grep -q "a shell in the network namespace vlab-" shell.err || die "vlab shell does not say where it is"
grep -qx tap0 shell.txt || die "tap0 is not visible in vlab shell"
grep -q "10.0.0.10" shell.txt || die "the guest is not a neighbour in vlab shell"
# and it is not the host's namespace
! ip link show tap0 >/dev/null 2>&1 || die "tap0 is in the host's namespace"

"$VLAB" clean >clean.txt
cat clean.txt
grep -q "removed network namespace vlab-" clean.txt || die "clean did not remove the kept namespace"
assert_no_qemu_of "$VLAB_RUN_DIR"
