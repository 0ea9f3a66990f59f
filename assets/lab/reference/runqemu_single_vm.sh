#!/bin/bash
# The teaching assistants' reference solution of runqemu_single_vm.sh
# (chapters 1 and 2), in the course's shape: the starter's root check and
# file check kept as a student keeps them, the qemu command where the TODO
# was. vlab's grading tests expect it to score full marks.

if [[ $(id -u) != 0 ]]; then
	echo "Error: Please run this script as root"
	exit
fi

if [[ ! -f simple_alpine_rootfs1.ext4 ]]; then
	echo "Error: Could not find simple_alpine_rootfs1.ext4"
	echo "Error: Please put the lab's root filesystem in this directory (vlab handout writes it)"
	exit
fi

qemu-system-x86_64 \
	-nodefaults \
	-nographic \
	-enable-kvm \
	-cpu host \
	-m 256M \
	-kernel "alpine-bzImage" \
	-device virtio-blk-pci,drive=id0 -blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4 \
	-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait \
	-device e1000,netdev=hostnet0,id=net0,mac=52:54:00:8b:99:de -netdev tap,ifname=tap0,id=hostnet0 \
	-append "root=/dev/vda loglevel=15 console=hvc0"
