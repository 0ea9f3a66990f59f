/* The lab's names for the image's files (lab text, chapter 1): what a
 * student's runqemu_single_vm.sh names them, so what `vlab handout` writes
 * and what a grading sandbox shows the script under those names. */
#ifndef VLAB_LAB_NAMES_H
#define VLAB_LAB_NAMES_H

#define LAB_KERNEL_NAME "alpine-bzImage"
#define LAB_ROOTFS_NAME "simple_alpine_rootfs1.ext4"
#define LAB_INITRD_NAME "initrd.img"

#endif
