#!/usr/bin/env bash
# The floor of chapter 3, as the issue defines it: two VMs booted in
# parallel (until both print "login:") plus the two iperf3 runs' own time,
# 2 x DURATION. The boot is measured, not assumed: the same two qemu
# commands vlab runs (TCG, the default image, each VM on its own qcow2
# overlay, an e1000 and a virtio-net on taps in a throwaway namespace, a
# serial socket read from its start), without vlab. Prints the floor in ms.
. "$(dirname "$0")/lib.bash"
dur=${DURATION:-2}
d=$(mktemp -d)
ns=vlabbench-$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
for t in tap0 tap1 tap2 tap3; do
	ip -n "$ns" tuntap add "$t" mode tap
	ip -n "$ns" link set "$t" up
done
ip -n "$ns" link add br0 type bridge; ip -n "$ns" link add br1 type bridge
ip -n "$ns" link set tap0 master br0; ip -n "$ns" link set tap2 master br0
ip -n "$ns" link set tap1 master br1; ip -n "$ns" link set tap3 master br1
ip -n "$ns" link set br0 up; ip -n "$ns" link set br1 up
boot() { # boot VM E1000_MAC VIRTIO_MAC TAP_E TAP_V
	qemu-img create -q -f qcow2 -F raw -b "$IMAGE_DIR/default/rootfs.ext4" "$d/$1.qcow2"
	ip netns exec "$ns" qemu-system-x86_64 -nodefaults -nographic -accel tcg -m 256M \
		-kernel "$IMAGE_DIR/default/vmlinux" -initrd "$IMAGE_DIR/default/initrd.img" \
		-device virtio-blk-pci,drive=id0 \
		-blockdev driver=qcow2,node-name=id0,file.driver=file,file.filename="$d/$1.qcow2" \
		-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path="$d/$1.sock",server=on,wait=off \
		-device e1000,netdev=hostnet0,id=net0,mac="$2" -netdev tap,ifname="$4",id=hostnet0 \
		-device virtio-net-pci,netdev=hostnet1,id=net1,mac="$3" -netdev tap,ifname="$5",id=hostnet1 \
		-append "root=/dev/vda rw console=ttyS0 loglevel=4" >/dev/null 2>&1 &
	pids+=($!)
}
t0=$(now_ms)
boot vm1 52:54:00:8b:99:de 52:54:00:8b:99:df tap0 tap1
boot vm2 52:54:00:8b:99:ce 52:54:00:8b:99:cf tap2 tap3
for v in vm1 vm2; do
	while [ ! -S "$d/$v.sock" ]; do sleep 0.01; done
	socat -u UNIX-CONNECT:"$d/$v.sock" - >"$d/$v.log" 2>/dev/null &
	pids+=($!)
done
end=$((SECONDS + 120))
until grep -qs "login:" "$d/vm1.log" && grep -qs "login:" "$d/vm2.log"; do
	[ $SECONDS -lt $end ] || { echo "no login prompts within 120 s" >&2; exit 1; }
	sleep 0.01
done
echo $(( $(now_ms) - t0 + 2 * dur * 1000 ))
