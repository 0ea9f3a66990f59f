/* A qemu command line, as /proc/PID/cmdline holds it, read into what the lab
 * cares about. Pure: no I/O; never crashes on any argv.
 *
 * The syntax is QEMU's own (7.2; softmmu/vl.c): an option is "-name" or
 * "--name". Which options take an argument is QEMU's table
 * (qemu-options.hx, DEF(name, HAS_ARG, ...)): the ones that take none are
 * listed in qemu_cmdline.c, read off QEMU 7.2's binary; every other option
 * takes the next word. A word that is no option is a disk image, as -hda.
 * The structured options' arguments are read as checks/qemu_opt.h says.
 *
 * A running qemu's command line was accepted by qemu, so the parser can be
 * lenient: it keeps what it does not understand and never rejects a line.
 * What the line builds (its serial port, NICs, disk) is checks/qemu_devices.h;
 * the verdicts on it, checks/qemu_cmdline_verdicts.h.
 */
#ifndef VLAB_CHECKS_QEMU_CMDLINE_H
#define VLAB_CHECKS_QEMU_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/qemu_opt.h"

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

/* The n-th option of kind (n from 0), NULL past the last. */
const struct qemu_opt *qemu_cmdline_nth(const struct qemu_cmdline *c, enum qemu_opt_kind kind, size_t n);

#endif
