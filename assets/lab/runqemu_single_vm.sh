#!/bin/bash
# Lab chapters 1 and 2: start the lab's VM with qemu, in the foreground.
#
# The course's starter: run it as root, from the directory that holds the
# kernel (alpine-bzImage) and the root filesystem (simple_alpine_rootfs1.ext4):
#     sudo ./runqemu_single_vm.sh
# Then, from another terminal, reach the guest's serial console with
#     ./connect_to_socket.sh serial.socket
# and stop the VM with Ctrl-C here.
#
# Chapter 2 needs tap0 on the host first (as root):
#     ip tuntap add tap0 mode tap && ip link set tap0 up && ip addr add 10.0.0.1/24 dev tap0

if [[ $(id -u) != 0 ]]; then
	echo "Error: Please run this script as root"
	exit
fi

if [[ ! -f simple_alpine_rootfs1.ext4 ]]; then
	echo "Error: Could not find simple_alpine_rootfs1.ext4"
	echo "Error: Please put the lab's root filesystem in this directory (vlab handout writes it)"
	exit
fi

# TODO (chapter 1): run qemu-system-x86_64 with
#   - no default devices and no graphical window,
#   - KVM as the accelerator, the host's CPU model, 256 MiB of memory
#     (-enable-kvm -cpu host: hand the script in with these words. Where
#     KVM cannot run the guest, `vlab doctor` says so: to run it by hand
#     there, type -accel tcg in their place, and put them back before you
#     hand it in; vlab grade runs it under TCG where it has to),
#   - the kernel alpine-bzImage, with the kernel command line
#     "root=/dev/vda loglevel=15 console=hvc0",
#   - a virtio-blk-pci disk whose block node (-blockdev, node-name id0) is
#     the file simple_alpine_rootfs1.ext4,
#   - an isa-serial port bound to a chardev that is a UNIX socket server
#     at serial.socket (id serial0), not waiting for a client.
# TODO (chapter 2): add an e1000 NIC with mac 52:54:00:8b:99:de whose
#   netdev (id hostnet0) is the tap interface tap0.
