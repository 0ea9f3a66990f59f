/* What a parsed qemu command line builds: the serial port the lab logs in
 * through, the QMP socket, the NICs with their backends, the boot disk; each
 * with the options that make it, so a verdict can name them. Pure. */
#ifndef VLAB_CHECKS_QEMU_DEVICES_H
#define VLAB_CHECKS_QEMU_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/qemu_cmdline.h"

/* The serial port the lab logs in through: -device isa-serial bound to a
 * -chardev socket with a path, or -serial unix:PATH. */
struct qemu_serial {
	const struct qemu_opt *device;   /* -device isa-serial,...; NULL for -serial */
	const struct qemu_opt *chardev;  /* the -chardev (or the -serial) it is bound to */
	const char *backend;             /* "socket", "pty", "stdio"... */
	const char *path;                /* the UNIX socket's path as written, NULL when none */
	bool server, wait;
};
/* 0 when the VM has an isa-serial port on a UNIX socket that qemu serves
 * (server); else -ENOENT and why (one sentence naming the student's own
 * option text) and, for a port that exists on something else, *s filled. */
int qemu_cmdline_serial(const struct qemu_cmdline *c, struct qemu_serial *s, char *why, size_t n);

/* The QMP socket: -qmp unix:PATH or -qmp-pretty, or -chardev socket,id=X,path=PATH
 * with -mon chardev=X,mode=control. NULL when the VM has none. */
const char *qemu_cmdline_qmp_path(const struct qemu_cmdline *c);

/* A NIC of the VM with its host-side backend. */
struct qemu_nic {
	const struct qemu_opt *device;   /* -device MODEL,..., -nic, or -net nic */
	const struct qemu_opt *backend;  /* -netdev, the -nic itself, -net tap/user; NULL when unbound */
	const char *model;               /* "e1000" (also -nic/-net without model=: the pc machine's);
	                                  * NULL for a -device without a driver (qemu refuses one) */
	const char *mac;                 /* as written, NULL: qemu picks one */
	const char *type;                /* the backend's type: "tap", "user", ...; NULL when unbound */
	const char *ifname;              /* tap ifname=, NULL when not given */
	const char *netdev_id;           /* the netdev= / id that joins the two halves */
};
/* The VM's NICs, at most max of them; returns how many there are. Without
 * -nodefaults and with no network option at all, QEMU adds its own (an
 * e1000 on user-mode networking): that one comes back with device and
 * backend NULL and model "e1000", type "user". */
size_t qemu_cmdline_nics(const struct qemu_cmdline *c, struct qemu_nic *out, size_t max);

/* The NIC whose mac= is mac (any case), into out: false when none has it. */
bool qemu_cmdline_nic_by_mac(const struct qemu_cmdline *c, const char *mac, struct qemu_nic *out);

/* The disk the guest boots from: a virtio-blk device and its backend. */
struct qemu_disk {
	const struct qemu_opt *device;   /* -device virtio-blk-pci,...; NULL for -drive if=virtio */
	const struct qemu_opt *backend;  /* the -blockdev node (the top one) or -drive */
	const char *driver;              /* the top node's driver: "file", "raw", "qcow2" */
	const char *file;                /* the image file, as written (a qcow2's own file, not its backing) */
};
/* 0 with d filled when a virtio-blk device has a backend with a file;
 * -ENOENT otherwise. */
int qemu_cmdline_virtio_disk(const struct qemu_cmdline *c, struct qemu_disk *d);

/* path as qemu opens it: relative paths are relative to qemu's working
 * directory cwd. "" cwd: path as is. -ENAMETOOLONG when it does not fit. */
int qemu_path_resolve(const char *cwd, const char *path, char *out, size_t n);

#endif
