#!/usr/bin/env bash
# The floor of chapter 1: what it costs without vlab. The same qemu command
# vlab runs (TCG, same image, a qcow2 overlay, a serial socket and QMP), the
# same guest actions typed over the socket with socat (root login, id -un,
# ls /, ip a s, cat /proc/mounts, logout, student login, id -un) and the same
# QMP queries, then quit. Prints the wall time in ms.
. "$(dirname "$0")/lib.bash"
d=$(mktemp -d)
trap 'kill "$qpid" 2>/dev/null; rm -rf "$d"' EXIT
t0=$(now_ms)
qemu-img create -q -f qcow2 -F raw -b "$IMAGE_DIR/default/rootfs.ext4" "$d/ov.qcow2"
qemu-system-x86_64 -nodefaults -nographic -accel tcg -m 256M \
	-kernel "$IMAGE_DIR/default/vmlinux" -initrd "$IMAGE_DIR/default/initrd.img" \
	-device virtio-blk-pci,drive=id0 -blockdev driver=qcow2,node-name=id0,file.driver=file,file.filename="$d/ov.qcow2" \
	-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path="$d/s.sock",server=on,wait=off \
	-append "root=/dev/vda rw console=ttyS0 loglevel=4" \
	-qmp unix:"$d/q.sock",server=on,wait=off >/dev/null 2>&1 &
qpid=$!
while [ ! -S "$d/s.sock" ]; do sleep 0.01; done
coproc CON { socat - UNIX-CONNECT:"$d/s.sock"; }
qmp() { printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"}\n' "$1" | socat - UNIX-CONNECT:"$d/q.sock" >/dev/null; }
qmp query-status
qmp query-memory-size-summary
expect "login: " 90
send root; expect "Password: " 10; send toor; expect "# " 10
send "id -un"; expect "# " 10
send "ls /"; expect "# " 10
send "ip a s"; expect "# " 10
send "cat /proc/mounts"; expect "# " 10
qmp query-block
qmp query-pci
send exit; expect "login: " 20
send student; expect "Password: " 10; send student; expect "$ " 10
send "id -un"; expect "$ " 10
qmp quit
wait "$qpid"
echo $(( $(now_ms) - t0 ))
