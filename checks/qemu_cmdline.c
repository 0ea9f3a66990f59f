/* A qemu command line read into options; see qemu_cmdline.h for the
 * syntax. */
#include "checks/qemu_cmdline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"


/* The options of QEMU 7.2 that take no argument (DEF(name, 0, ...) in
 * qemu-options.hx, read off the option table of Debian's
 * qemu-system-x86_64 1:7.2+dfsg-7), plus the no-argument options older and
 * newer versions have (curses, sdl, alt-grab, ctrl-grab, no-frame, no-quit,
 * enable-fips, nodefconfig, perfmap, jitdump). Anything else takes the next
 * word: guessing wrong there would shift every option after it. */
static const char *const no_arg_options[] = {
	"S", "async-teardown", "audio-help", "daemonize", "enable-kvm", "enable-sync-profile", "full-screen",
	"h", "help", "mem-prealloc", "no-acpi", "no-fd-bootchk", "no-hpet", "no-reboot", "no-shutdown",
	"no-user-config", "nodefaults", "nographic", "old-param", "only-migratable", "portrait", "preconfig",
	"s", "semihosting", "singlestep", "snapshot", "usb", "version", "win2k-hack", "xen-attach",
	"xen-domid-restrict",
	"curses", "sdl", "alt-grab", "ctrl-grab", "no-frame", "no-quit", "enable-fips", "nodefconfig",
	"perfmap", "jitdump",
};

static bool takes_no_arg(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(no_arg_options); i++)
		if (!strcmp(no_arg_options[i], name))
			return true;
	return false;
}

const struct qemu_opt *qemu_cmdline_nth(const struct qemu_cmdline *c, enum qemu_opt_kind kind, size_t n)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].kind == kind && n-- == 0)
			return &c->opts[i];
	return NULL;
}

static struct qemu_opt *new_opt(struct qemu_cmdline *c, enum qemu_opt_kind kind, int argi, const char *word,
				const char *arg)
{
	c->opts = xrealloc(c->opts, (c->nopts + 1) * sizeof(*c->opts));
	struct qemu_opt *o = &c->opts[c->nopts++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->argi = argi;
	o->word = word;
	o->arg = arg;
	return o;
}

static void note_error(struct qemu_cmdline *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void note_error(struct qemu_cmdline *c, const char *fmt, ...)
{
	if (c->error[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
}

/* JSON where QEMU takes it, else items; what cannot be read is noted. */
static void read_json_or_items(struct qemu_cmdline *c, struct qemu_opt *o, const char *implied, bool short_bools)
{
	char why[160];
	if (qemu_opt_read_json_or_items(o, implied, short_bools, why, sizeof(why)))
		note_error(c, "%s: not JSON QEMU could read: %s", o->word, why);
}

/* The accelerator: -accel (the first one is tried first), else the last of
 * -enable-kvm and -machine accel= (both land in the machine's "accel"),
 * else QEMU 7.2's default: tcg, or kvm for a binary whose name ends in
 * "kvm" (softmmu/vl.c configure_accelerators()). */
static void decide_accel(struct qemu_cmdline *c, const char *machine_accel, const char *machine_from)
{
	const char *name = NULL;
	const struct qemu_opt *a = qemu_cmdline_nth(c, QOPT_ACCEL, 0);
	if (a && qemu_opt_get(a, "accel")) {
		name = qemu_opt_get(a, "accel");
		snprintf(c->accel_from, sizeof(c->accel_from), "%s %s", a->word, a->arg);
	} else if (machine_accel) {
		name = machine_accel;
		snprintf(c->accel_from, sizeof(c->accel_from), "%s", machine_from);
	} else {
		size_t bl = strlen(c->binary);
		name = bl >= 3 && !strcmp(c->binary + bl - 3, "kvm") ? "kvm" : "tcg";
		c->accel_from[0] = '\0';
	}
	/* "kvm:tcg": the first is the one tried first */
	snprintf(c->accel_name, sizeof(c->accel_name), "%.*s", (int)strcspn(name, ":"), name);
	c->accel = !strcmp(c->accel_name, "kvm") ? QACCEL_KVM : !strcmp(c->accel_name, "tcg") ? QACCEL_TCG
											: QACCEL_OTHER;
}

/* -enable-kvm and -machine accel= as they come: the last one counts, unless
 * an -accel overrides both (decide_accel). */
struct machine_accel {
	const char *name;         /* NULL: none seen */
	char from[96];            /* the option as written */
};

/* An option without an argument: the ones that say something about the VM. */
static void note_flag(struct qemu_cmdline *c, const char *name, const char *word, struct machine_accel *ma)
{
	if (!strcmp(name, "enable-kvm")) {
		ma->name = "kvm";
		snprintf(ma->from, sizeof(ma->from), "%s", word);
	} else if (!strcmp(name, "nodefaults")) {
		c->nodefaults = true;
	} else if (!strcmp(name, "nographic")) {
		c->nographic = true;
	} else if (!strcmp(name, "S")) {
		c->paused = true;
	} else if (!strcmp(name, "daemonize")) {
		c->daemonize = true;
	} else if (!strcmp(name, "snapshot")) {
		c->snapshot = true;
	}
}

/* The option name (its dashes off) with its argument arg, the word argv[argi]
 * as written: kept as one of c's options, read by its syntax, or noted in c
 * (-cpu, -kernel...); an option the lab does not care about is skipped. */
static void read_option(struct qemu_cmdline *c, const char *name, int argi, const char *word, const char *arg,
			struct machine_accel *ma)
{
	struct qemu_opt *o = NULL;
	if (!strcmp(name, "m")) {
		o = new_opt(c, QOPT_MEMORY, argi, word, arg);
		qemu_opt_read_items(o, arg, "size", true);
	} else if (!strcmp(name, "accel")) {
		o = new_opt(c, QOPT_ACCEL, argi, word, arg);
		qemu_opt_read_items(o, arg, "accel", true);
	} else if (!strcmp(name, "machine") || !strcmp(name, "M")) {
		o = new_opt(c, QOPT_MACHINE, argi, word, arg);
		qemu_opt_read_items(o, arg, "type", true);
		if (qemu_opt_get(o, "accel")) {
			ma->name = qemu_opt_get(o, "accel");
			snprintf(ma->from, sizeof(ma->from), "%s accel=%s", word, ma->name);
		}
	} else if (!strcmp(name, "cpu")) {
		c->cpu = arg;
	} else if (!strcmp(name, "kernel")) {
		c->kernel = arg;
	} else if (!strcmp(name, "initrd")) {
		c->initrd = arg;
	} else if (!strcmp(name, "append")) {
		c->append = arg;
	} else if (!strcmp(name, "device")) {
		o = new_opt(c, QOPT_DEVICE, argi, word, arg);
		read_json_or_items(c, o, "driver", true);
	} else if (!strcmp(name, "blockdev")) {
		o = new_opt(c, QOPT_BLOCKDEV, argi, word, arg);
		read_json_or_items(c, o, "driver", false);
	} else if (!strcmp(name, "netdev")) {
		o = new_opt(c, QOPT_NETDEV, argi, word, arg);
		read_json_or_items(c, o, "type", true);
	} else if (!strcmp(name, "drive")) {
		o = new_opt(c, QOPT_DRIVE, argi, word, arg);
		qemu_opt_read_items(o, arg, NULL, true);
	} else if (!strcmp(name, "chardev")) {
		o = new_opt(c, QOPT_CHARDEV, argi, word, arg);
		qemu_opt_read_items(o, arg, "backend", true);
	} else if (!strcmp(name, "nic")) {
		o = new_opt(c, QOPT_NIC, argi, word, arg);
		qemu_opt_read_items(o, arg, "type", true);
	} else if (!strcmp(name, "net")) {
		o = new_opt(c, QOPT_NET, argi, word, arg);
		qemu_opt_read_items(o, arg, "type", true);
	} else if (!strcmp(name, "mon")) {
		o = new_opt(c, QOPT_MON, argi, word, arg);
		qemu_opt_read_items(o, arg, "chardev", true);
	} else if (!strcmp(name, "serial")) {
		o = new_opt(c, QOPT_SERIAL, argi, word, arg);
		qemu_opt_read_compat_chardev(o, arg);
	} else if (!strcmp(name, "qmp") || !strcmp(name, "qmp-pretty")) {
		o = new_opt(c, QOPT_QMP, argi, word, arg);
		qemu_opt_read_compat_chardev(o, arg);
	} else if (!strcmp(name, "monitor")) {
		o = new_opt(c, QOPT_MONITOR, argi, word, arg);
		qemu_opt_read_compat_chardev(o, arg);
	} else if (!strcmp(name, "hda") || !strcmp(name, "hdb") || !strcmp(name, "hdc") || !strcmp(name, "hdd") ||
		   !strcmp(name, "cdrom")) {
		o = new_opt(c, QOPT_DISK, argi, word, arg);
		qemu_opt_add_prop(o, "file", 4, arg, false);
	}
}

/* The memory the VM asks for: the last -m (its opts list merges; the last
 * value wins). */
static void decide_memory(struct qemu_cmdline *c)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].kind == QOPT_MEMORY)
			c->memory = &c->opts[i];
	if (c->memory) {
		uint64_t b;
		const char *size = qemu_opt_get(c->memory, "size");
		/* parse_size() follows qemu: a bare number is MiB */
		if (size && parse_size(size, true, &b) == 0)
			c->memory_bytes = b;
	}
}

int qemu_cmdline_parse(const char *const *argv, int argc, struct qemu_cmdline *c)
{
	memset(c, 0, sizeof(*c));
	if (!argv || argc < 1 || !argv[0])
		return -EINVAL;
	c->argv = xcalloc((size_t)argc + 1, sizeof(*c->argv));
	for (int i = 0; i < argc; i++)
		c->argv[i] = xstrdup(argv[i] ? argv[i] : "");
	c->argc = argc;
	c->binary = c->argv[0];

	struct machine_accel ma = { NULL, "" };
	for (int i = 1; i < argc; i++) {
		const char *word = c->argv[i];
		if (word[0] != '-' || !word[1]) {
			/* a disk image (vl.c: drive_add(IF_DEFAULT, 0, ...)) */
			struct qemu_opt *o = new_opt(c, QOPT_DISK, i, word, word);
			qemu_opt_add_prop(o, "file", 4, word, false);
			continue;
		}
		const char *name = word + 1;
		if (*name == '-')
			name++;
		if (takes_no_arg(name)) {
			note_flag(c, name, word, &ma);
			continue;
		}
		if (i + 1 >= argc) {
			note_error(c, "%s has no argument", word);
			break;
		}
		i++;
		read_option(c, name, i - 1, word, c->argv[i], &ma);
	}
	decide_accel(c, ma.name, ma.from);
	decide_memory(c);
	return 0;
}

int qemu_cmdline_parse_proc(const char *buf, size_t len, struct qemu_cmdline *c)
{
	memset(c, 0, sizeof(*c));
	if (!buf || !len)
		return -EINVAL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			n++;
	if (buf[len - 1] != '\0')
		n++;
	const char **argv = xcalloc(n + 1, sizeof(*argv));
	char *copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	int argc = 0;
	for (size_t off = 0; off < len && argc < (int)n;) {
		argv[argc++] = copy + off;
		off += strlen(copy + off) + 1;
	}
	int r = qemu_cmdline_parse(argv, argc, c);
	free(copy);
	free(argv);
	return r;
}

void qemu_cmdline_release(struct qemu_cmdline *c)
{
	for (size_t i = 0; i < c->nopts; i++)
		qemu_opt_release(&c->opts[i]);
	free(c->opts);
	for (int i = 0; c->argv && i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	memset(c, 0, sizeof(*c));
}
