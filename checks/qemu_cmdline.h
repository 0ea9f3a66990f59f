/* A qemu command line, as /proc/PID/cmdline holds it, read into what the lab
 * cares about, and verdicts on its static shape (what a grader reading the
 * student's runqemu_single_vm.sh would check). Pure: no I/O; never crashes
 * on any argv.
 *
 * The syntax is QEMU's own (7.2; util/qemu-option.c, util/keyval.c,
 * chardev/char.c qemu_chr_parse_compat(), softmmu/vl.c):
 *
 *  - An option is "-name" or "--name". Which options take an argument is
 *    QEMU's table (qemu-options.hx, DEF(name, HAS_ARG, ...)): the ones that
 *    take none are listed in qemu_cmdline.c, read off QEMU 7.2's binary;
 *    every other option takes the next word. A word that is no option is a
 *    disk image, as -hda.
 *  - QemuOpts (-device, -chardev, -netdev, -nic, -net, -drive, -m,
 *    -machine, -accel, -mon): "key=value" items separated by ','; ",," is a
 *    literal comma. A first item without '=' is the option's implied key
 *    (-device driver, -chardev backend, -netdev/-nic/-net type, -m size,
 *    -machine type, -accel accel, -mon chardev). A later item without '='
 *    is a boolean: "server" is server=on, "nowait" wait=off (the short form
 *    QEMU 6.0 deprecated; 7.2 still takes it).
 *  - keyval (-blockdev): the same, with dotted keys ("file.filename") and no
 *    short booleans.
 *  - JSON ("{...}") for -blockdev, -device and -netdev, flattened here into
 *    dotted keys as keyval would have them.
 *  - -serial, -qmp, -monitor take a character device in the compat syntax:
 *    "unix:PATH[,server,nowait]", "chardev:ID", "stdio", "pty", "mon:DEV",
 *    "tcp:...", "file:PATH", "none"...; read here as a chardev with backend
 *    "socket" (and path) for "unix:", backend "chardev" (and id) for
 *    "chardev:ID", else the word before ':' as the backend.
 *
 * A running qemu's command line was accepted by qemu, so the parser can be
 * lenient: it keeps what it does not understand and never rejects a line.
 */
#ifndef VLAB_CHECKS_QEMU_CMDLINE_H
#define VLAB_CHECKS_QEMU_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/verdict.h"

/* The lab's VM (lab text, chapters 1 and 2). */
#define LAB_QEMU_MEMORY_BYTES (256ULL << 20)
#define LAB_NIC_MODEL "e1000"
#define LAB_NIC_MAC "52:54:00:8b:99:de"
#define LAB_TAP "tap0"

/* Where a check's hint sends the student back to. */
#define LAB_SECTION_CH1 "lab chapter 1, \"Build a simple QEMU + KVM Virtual Machine\""
#define LAB_SECTION_CH2 "lab chapter 2, \"Add a network device to the VM\""

enum qemu_opt_kind {
	QOPT_DEVICE, QOPT_BLOCKDEV, QOPT_DRIVE, QOPT_CHARDEV, QOPT_NETDEV, QOPT_NIC, QOPT_NET,
	QOPT_SERIAL, QOPT_QMP, QOPT_MONITOR, QOPT_MON, QOPT_MACHINE, QOPT_ACCEL, QOPT_MEMORY,
	QOPT_DISK,   /* -hda..-hdd, -cdrom, or a bare image word: "file" is its prop */
};

struct qemu_prop {
	char *key;    /* "drive", "file.filename"; the implied key for a first bare item */
	char *value;  /* ",," already undone; "on"/"off" for a short boolean */
	bool flag;    /* written without '=' after the first item ("server", "nowait") */
};

struct qemu_opt {
	enum qemu_opt_kind kind;
	int argi;                 /* index in argv of the option word (of the word itself for a bare image) */
	const char *word;         /* the option as written: "-device", "--device" (points into argv) */
	const char *arg;          /* its argument as written (points into argv) */
	struct qemu_prop *props;
	size_t nprops;
};

enum qemu_accel { QACCEL_TCG, QACCEL_KVM, QACCEL_OTHER };

struct qemu_cmdline {
	char **argv;              /* a copy, NULL-terminated */
	int argc;
	const char *binary;       /* argv[0] */
	const struct qemu_opt *memory;  /* the last -m, NULL when none */
	uint64_t memory_bytes;    /* what it asks for (0 when unreadable or none) */
	enum qemu_accel accel;
	char accel_name[32];      /* "kvm", "tcg", "hvf"... */
	char accel_from[96];      /* "-enable-kvm", "-accel kvm", "-machine accel=kvm", or "" (qemu's default) */
	const char *cpu, *kernel, *initrd, *append;  /* the last of each, NULL when absent */
	bool nodefaults, nographic, paused, daemonize, snapshot;
	struct qemu_opt *opts;    /* every structured option, in argv order */
	size_t nopts;
	char error[160];          /* what could not be read (an option without its argument, bad JSON); "" */
};

/* argv of argc words (argv[0] the program). 0, or -EINVAL when argc < 1. */
int qemu_cmdline_parse(const char *const *argv, int argc, struct qemu_cmdline *c);
/* The same from /proc/PID/cmdline's bytes (NUL-separated words, the last
 * NUL optional). -EINVAL when empty (a kernel thread, a zombie). */
int qemu_cmdline_parse_proc(const char *buf, size_t len, struct qemu_cmdline *c);
void qemu_cmdline_release(struct qemu_cmdline *c);

/* The value of key in o (the last one written wins, as in qemu), or NULL. */
const char *qemu_opt_get(const struct qemu_opt *o, const char *key);
/* A boolean prop: on/yes/true/y -> true, off/no/false/n -> false, absent -> dflt. */
bool qemu_opt_get_bool(const struct qemu_opt *o, const char *key, bool dflt);
/* "-m 512M", "-append \"root=/dev/vda console=ttyS0\"": the option as the
 * student wrote it, the argument quoted when it has blanks. */
void qemu_opt_text(const struct qemu_opt *o, struct strbuf *out);
/* The n-th option of kind (n from 0), NULL past the last. */
const struct qemu_opt *qemu_cmdline_nth(const struct qemu_cmdline *c, enum qemu_opt_kind kind, size_t n);

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

/* Differences from the lab's command that no check fails (the accelerator,
 * -cpu, -initrd, console=, the disk's form, the serial's spelling), one
 * sentence each naming the option, at most max; returns how many there are. */
size_t qemu_cmdline_differences(const struct qemu_cmdline *c, char out[][256], size_t max);

/* ---- verdicts (the command line's part of each check) ---- */

/* ch1.qemu_running: the process is a VM of the lab: it boots a kernel
 * (-kernel) and was not started paused (-S) unless qmp_running says it runs
 * now (qmp_status NULL: no QMP answer). state is /proc/PID/stat's state
 * letter ('T' stopped, 'Z' exited; 0 unknown). */
void check_cmdline_lab_vm(struct check_result *r, const struct qemu_cmdline *c, int pid, char state,
			  const char *qmp_status, bool qmp_running);

/* ch1.memory_256m: -m asks for wanted bytes. */
void check_cmdline_memory(struct check_result *r, const struct qemu_cmdline *c, uint64_t wanted);

/* ch1.rootfs_virtio_blk: a virtio-blk device bound to a disk with a file,
 * and root=/dev/vda (when -append names a root=); then, when root_dev is
 * not NULL, the guest's / (from /proc/mounts) is ext4 on /dev/vda. When the
 * guest was not asked, not_read says why ("the console is held by ..."). */
void check_cmdline_rootfs(struct check_result *r, const struct qemu_cmdline *c, const char *root_dev,
			  const char *root_fstype, const char *not_read);

/* The serial port verdict shared by ch1.serial_login_root and _student:
 * true when there is a socket to log in through; else a FAIL in r. */
bool check_cmdline_serial(struct check_result *r, const struct qemu_cmdline *c);

/* ch1.only_loopback: the command gives the VM no NIC. */
void check_cmdline_no_nic(struct check_result *r, const struct qemu_cmdline *c);

/* ch2.nic_mac: a NIC of model with mac on a tap backend named ifname (the
 * lab's: e1000, 52:54:00:8b:99:de, tap0). */
void check_cmdline_nic(struct check_result *r, const struct qemu_cmdline *c, const char *model, const char *mac,
		       const char *ifname);

#endif
