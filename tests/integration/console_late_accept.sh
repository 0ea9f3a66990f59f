# vlab verify on a qemu whose main loop is late to take vlab's console
# connection, with no other client on the console: a hand-built chapter-1
# qemu (with a QMP socket) is made to block in its main loop by a QMP
# dump-guest-memory into a FIFO that nobody reads yet (qemu opens it, for
# writing, in the main loop, and the open waits for a reader). Its serial
# socket still listens, so vlab's connect succeeds but is not accepted.
#   - released after 4 s (inside verify's accept wait, 10 s under TCG):
#     vlab waited on, logged in, and both login checks pass;
#   - released after 16 s: vlab gives up at 10 s, and the login checks
#     SKIP saying that qemu did not take the connection and that no other
#     client held the console (a late qemu is not called a holder).
. "$VLAB_REPO/tests/integration/lib.bash"
require_image
command -v python3 >/dev/null || skip "python3 is not installed"
command -v socat >/dev/null || skip "socat is not installed"
command -v jq >/dev/null || skip "jq is not installed"

ln -sf "$(image_dir)/default/vmlinux" vmlinux
ln -sf "$(image_dir)/default/initrd.img" initrd.img
qemu-img create -q -f qcow2 -F raw -b "$(image_dir)/default/rootfs.ext4" disk.qcow2
qemu-system-x86_64 -nodefaults -nographic -accel tcg -m 256M -kernel vmlinux -initrd initrd.img \
	-device virtio-blk-pci,drive=id0 -blockdev driver=qcow2,node-name=id0,file.driver=file,file.filename=disk.qcow2 \
	-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait \
	-qmp unix:qmp.sock,server,nowait \
	-append "root=/dev/vda rw console=ttyS0 loglevel=4" </dev/null >qemu.log 2>&1 &
QPID=$!
trap 'kill $QPID 2>/dev/null; kill $(jobs -p) 2>/dev/null; wait' EXIT
for _ in $(seq 100); do [ -S serial.socket ] && [ -S qmp.sock ] && break; sleep 0.05; done
[ -S serial.socket ] || die "qemu did not start: $(tail -3 qemu.log)"

# boot to the login prompt, then leave the console
coproc CON { socat - UNIX-CONNECT:serial.socket; }
con_pid=$CON_PID # bash unsets CON_PID once the coprocess is gone: keep it
send ""
expect "login: " 120 || die "no login prompt within 120 s"
kill "$con_pid" 2>/dev/null
wait "$con_pid" 2>/dev/null

# block_main_loop FIFO: qemu's main loop waits in open(FIFO) from now on,
# until someone opens FIFO for reading (QMP stays connected meanwhile)
block_main_loop() {
	rm -f "$1"
	mkfifo "$1"
	python3 - "$PWD/qmp.sock" "$PWD/$1" <<'EOF' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()  # the greeting
f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n"); f.flush()
f.readline()
f.write(json.dumps({"execute": "dump-guest-memory",
                    "arguments": {"paging": False, "protocol": "file:" + sys.argv[2]}}) + "\n"); f.flush()
f.readline()  # once the dump is written: the FIFO was read
EOF
	QMP_PID=$!
	# qemu's main thread asleep in the open: no answer on QMP yet
	for _ in $(seq 100); do
		grep -qE "partner|fifo|pipe" "/proc/$QPID/wchan" 2>/dev/null && break
		[ -e "/proc/$QPID/wchan" ] || break
		sleep 0.05
	done
	sleep 0.5
}
# release FIFO SECONDS: after SECONDS, read FIFO to its end
release() { (sleep "$2"; cat "$1" >/dev/null) & }

login_status() { jq -r --arg id "$2" '.[0].checks[] | select(.id == $id) | .status' "$1"; }
login_detail() { jq -r --arg id "$2" '.[0].checks[] | select(.id == $id) | .detail' "$1"; }

note "released after 4 s"
block_main_loop dump1.fifo
release dump1.fifo 4
start=$(date +%s)
"$VLAB" verify 1 --pid "$QPID" --format json >late.json 2>late.err
took=$(($(date +%s) - start))
wait "$QMP_PID"
for id in ch1.serial_login_root ch1.serial_login_student; do
	[ "$(login_status late.json $id)" = pass ] ||
		die "released after 4 s: $id $(login_status late.json $id): $(login_detail late.json $id)"
done
[ "$took" -ge 4 ] || die "verify ended in $took s, before the main loop was released: the block did not hold"

note "released after 16 s"
block_main_loop dump2.fifo
release dump2.fifo 16
"$VLAB" verify 1 --pid "$QPID" --format json >never.json 2>never.err
wait "$QMP_PID"
for id in ch1.serial_login_root ch1.serial_login_student; do
	st=$(login_status never.json $id)
	d=$(login_detail never.json $id)
	[ "$st" = skip ] || die "released after 16 s: $id $st, expected skip ($d)"
	case $d in *"qemu did not take vlab's connection to the serial console in "*" s, and no other client held it"*) ;;
	*) die "released after 16 s: $id: $d" ;; esac
done
# the console is left as found: qemu takes a client again, at a login prompt
coproc CON { socat - UNIX-CONNECT:serial.socket; }
send ""
expect "login: " 30 || die "no login prompt after vlab's verify"
echo "a late qemu waited for; one later than the wait named as such, not as a holder"
