/* One structured option of a qemu command line (-device, -chardev,
 * -netdev, -blockdev...): its argument read into props, key and value, as
 * QEMU reads it (7.2; util/qemu-option.c, util/keyval.c, chardev/char.c
 * qemu_chr_parse_compat()). Pure: no I/O; never crashes on any text.
 *
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
 */
#ifndef VLAB_CHECKS_QEMU_OPT_H
#define VLAB_CHECKS_QEMU_OPT_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/util.h"

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

/* The value of key in o (the last one written wins, as in qemu), or NULL. */
const char *qemu_opt_get(const struct qemu_opt *o, const char *key);
/* A boolean prop: on/yes/true/y -> true, off/no/false/n -> false, absent -> dflt. */
bool qemu_opt_get_bool(const struct qemu_opt *o, const char *key, bool dflt);
/* "-m 512M", "-append \"root=/dev/vda console=ttyS0\"": the option as the
 * student wrote it, the argument quoted when it has blanks. */
void qemu_opt_text(const struct qemu_opt *o, struct strbuf *out);
/* The same, malloc'd: the caller frees it. */
char *qemu_opt_text_dup(const struct qemu_opt *o);

/* ---- reading an argument into o's props ---- */

/* A prop key (klen bytes of it) = value; flag: written without '='. */
void qemu_opt_add_prop(struct qemu_opt *o, const char *key, size_t klen, const char *value, bool flag);
/* QemuOpts (short_bools) or keyval items of s; implied: the key of a first
 * item without '=', NULL when the option has none. */
void qemu_opt_read_items(struct qemu_opt *o, const char *s, const char *implied, bool short_bools);
/* o->arg as JSON when it starts with '{' (after blanks), else as items.
 * -EINVAL when the JSON cannot be read, why saying why (o keeps no props
 * from it); else 0. */
int qemu_opt_read_json_or_items(struct qemu_opt *o, const char *implied, bool short_bools, char *why, size_t n);
/* s in the compat chardev syntax of -serial, -qmp, -monitor. */
void qemu_opt_read_compat_chardev(struct qemu_opt *o, const char *s);
/* Frees o's props. */
void qemu_opt_release(struct qemu_opt *o);

#endif
