# Bad input and a broken host give one clear line and the documented status:
# 2 usage, 3 host/input unusable, 1 a check failed.
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
export VLAB_RUN_DIR=$SCRATCH/run

expect() { # expect STATUS PATTERN -- command...
	local want=$1 pat=$2
	shift 3
	"$@" >out.txt 2>err.txt
	local rc=$?
	[ $rc -eq "$want" ] || { cat out.txt err.txt; die "'$*': expected exit $want, got $rc"; }
	grep -qE -- "$pat" err.txt || { cat err.txt; die "'$*': stderr lacks /$pat/"; }
	note "ok: exit $rc: $(head -n 1 err.txt)"
}

expect 2 "no command 'bogus'" -- "$VLAB" bogus
expect 2 "no chapter '9'" -- "$VLAB" chapter 9
expect 2 "unknown --format 'xml'" -- "$VLAB" chapter 1 --format xml
expect 2 "unknown --accel 'hvf'" -- "$VLAB" chapter 1 --accel hvf
expect 2 "--boot-timeout takes whole seconds" -- "$VLAB" chapter 1 --boot-timeout soon
expect 2 "which chapter" -- "$VLAB" chapter
# a chapter's own option is its own: another chapter refuses it, it does not ignore it
expect 2 "^vlab: --seconds is chapter 4's option; chapter 3 has no use for it$" -- "$VLAB" chapter 3 --seconds 30
expect 2 "^vlab: --duration is chapter 3's option; chapter 1 has no use for it$" -- "$VLAB" chapter 1 --duration 2
expect 2 "^vlab: --allow-module-reload is chapter 4's option; chapter 5 has no use for it$" -- "$VLAB" chapter 5 --allow-module-reload
expect 2 "^vlab: --duration takes whole seconds" -- "$VLAB" chapter 3 --duration 0
# a format a command does not print is refused, by one parser, naming the
# command's own formats (vlab list --format tap printed nothing, exit 0)
expect 2 "^vlab: unknown --format 'tap' \(text or json\)$" -- "$VLAB" list --format tap
expect 2 "^vlab: unknown --format 'junit' \(text or json\)$" -- "$VLAB" list --format junit
expect 2 "^vlab: unknown --format 'tap' \(text or json\)$" -- "$VLAB" check iperf x --format tap
expect 2 "^vlab: unknown --format 'xml' \(text, json, junit or tap\)$" -- "$VLAB" verify --format xml
# an option's value is a value, even -h: no help is printed instead
expect 2 "^vlab: --guest-memory takes a size .*not '-h'$" -- "$VLAB" check strace --guest-memory -h f
! grep -q "^usage: vlab check" out.txt || die "vlab check --guest-memory -h printed the help"
expect 2 "^vlab: which reports\?" -- "$VLAB" report merge --title -h
! grep -q "^usage: vlab report" out.txt || die "vlab report merge --title -h printed the help"
"$VLAB" report merge --title x -h >out.txt || die "vlab report merge --title x -h exited $?"
grep -q "^usage: vlab report" out.txt || die "-h after a value gives no help"
expect 3 "unknown image profile 'nope'" -- "$VLAB" chapter 1 --image nope

# no image built: names the command that builds it
mkdir empty
expect 3 "make image" -- env VLAB_IMAGE_DIR="$SCRATCH/empty" "$VLAB" chapter 1

# qemu missing from PATH
mkdir bin
expect 3 "qemu-system-x86_64 not found.*qemu-system-x86" -- env PATH="$SCRATCH/bin" "$VLAB" chapter 1

# a malformed manifest: one line naming the file and line
printf 'profile broken\nkernel a/b\nend\n' >bad.manifest
expect 3 "bad.manifest:2: 'kernel': bad file name" -- "$VLAB" chapter 1 --manifest bad.manifest --image broken

# qemu exits during boot (a kernel file that is not a kernel): FAIL with the
# last lines of qemu's stderr
mkdir -p junk/default
printf 'not a kernel\n' >junk/default/vmlinux
ln -s "$(image_dir)/default/initrd.img" junk/default/initrd.img
ln -s "$(image_dir)/default/rootfs.ext4" junk/default/rootfs.ext4
sed '/^profile default$/,/^end$/ s/^kernel .*/kernel vmlinux/' "$(image_dir)/manifest" >junk/manifest
"$VLAB" chapter 1 --manifest junk/manifest --format json >report.json 2>err.txt
rc=$?
cat report.json
[ $rc -eq 1 ] || die "qemu exiting at once: expected exit 1, got $rc"
check_status report.json ch1.qemu_running fail
jq -e '.checks[] | select(.id == "ch1.qemu_running") | .detail | test("exited with status 1.*qemu[-a-z0-9_]*: ")' report.json >/dev/null ||
	die "the detail does not quote qemu's stderr"
check_status report.json ch1.serial_login_root fail

# the guest never prints "login:" (init exits: kernel panic, qemu stays up):
# FAIL after the deadline, naming the transcript
mkdir -p noinit
ln -s "$(image_dir)/default" noinit/default
sed '/^profile default$/,/^end$/ s|^append .*|append root=/dev/vda rw console=ttyS0 loglevel=4 init=/bin/false|' \
	"$(image_dir)/manifest" >noinit/manifest
start=$(date +%s)
"$VLAB" chapter 1 --manifest noinit/manifest --boot-timeout 8 --format json >report.json 2>err.txt
rc=$?
cat report.json
[ $rc -eq 1 ] || die "no login prompt: expected exit 1, got $rc"
[ $(( $(date +%s) - start )) -lt 40 ] || die "the deadline was not kept"
check_status report.json ch1.serial_login_root fail
jq -e '.checks[] | select(.id == "ch1.serial_login_root") | .detail | test("no .login:. within 8 s.*console.log")' report.json >/dev/null ||
	die "the detail does not name the deadline and the transcript"
run=$(jq -r .run_id report.json)
assert_no_qemu_of "$run"
