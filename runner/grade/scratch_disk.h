/* A sandbox's writable layer on a file system of its own, of a fixed size:
 * a sparse file made into ext4 (mke2fs, no journal: the layer dies with the
 * sandbox), attached to a free loop device with autoclear and mounted
 * nosuid,nodev. A script that fills it gets ENOSPC; the host's free space is
 * only what the file holds (at most its size).
 *
 * Not a tmpfs: tmpfs pages are charged to the writer's memory cgroup, so a
 * script filling a tmpfs larger than its memory limit would be OOM-killed
 * (perhaps its qemu with it) instead of getting ENOSPC.
 *
 * The mount lives in the calling process's mount namespace (grading's worker
 * makes one of its own): when that namespace goes, so does the mount, and
 * autoclear then frees the loop device; nothing outlives a SIGKILLed worker
 * but the sparse file, which lies in the sandbox's directory. Root only. */
#ifndef VLAB_SCRATCH_DISK_H
#define VLAB_SCRATCH_DISK_H

#include <stddef.h>
#include <stdint.h>

/* Make image (must not exist) of bytes, and mount it at mountpoint (an
 * existing directory). The root of the new file system is mode 0755, owned
 * by root. err says which step failed. */
int scratch_disk_mount(const char *image, const char *mountpoint, uint64_t bytes, char *err, size_t errlen);

#endif
