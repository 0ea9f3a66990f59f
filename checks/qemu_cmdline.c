/* A qemu command line read and judged; see qemu_cmdline.h for the syntax. */
#include "checks/qemu_cmdline.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* NIC models a -device may name (QEMU's x86 NICs); a device with netdev=
 * counts as a NIC whatever its name. */
static const char *const nic_models[] = {
	"e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "igb", "virtio-net-pci",
	"virtio-net", "virtio-net-pci-transitional", "virtio-net-pci-non-transitional", "rtl8139",
	"ne2k_pci", "ne2k_isa", "pcnet", "vmxnet3", "i82550", "i82551", "i82557a", "i82557b", "i82557c",
	"i82558a", "i82558b", "i82559a", "i82559b", "i82559c", "i82559er", "i82562", "i82801", "usb-net",
	"tulip", "sungem",
};

/* ---- props ------------------------------------------------------------- */

static void add_prop(struct qemu_opt *o, const char *key, size_t klen, const char *value, bool flag)
{
	o->props = xrealloc(o->props, (o->nprops + 1) * sizeof(*o->props));
	struct qemu_prop *p = &o->props[o->nprops++];
	p->key = xstrndup(key, klen);
	p->value = xstrdup(value);
	p->flag = flag;
}

/* A value up to a single ',' (",," is a comma in it: get_opt_value() in
 * util/qemu-option.c); returns where the next item starts. */
static const char *read_value(const char *p, struct strbuf *val)
{
	sb_reset(val);
	sb_adds(val, "");
	for (;;) {
		size_t n = strcspn(p, ",");
		sb_add(val, p, n);
		p += n;
		if (p[0] == ',' && p[1] == ',') {
			sb_add(val, ",", 1);
			p += 2;
			continue;
		}
		if (*p == ',')
			p++;
		return p;
	}
}

/* QemuOpts or keyval text: items "key=value" separated by ','; a first item
 * without '=' is the implied key's value (when there is one); a later one
 * is a short boolean when short_bools (QemuOpts), "noX" meaning X=off. */
static void parse_items(struct qemu_opt *o, const char *s, const char *implied, bool short_bools)
{
	struct strbuf val = STRBUF_INIT;
	bool first = true;
	const char *p = s;
	while (*p) {
		size_t len = strcspn(p, "=,");
		if (p[len] == '=') {
			const char *key = p;
			p = read_value(p + len + 1, &val);
			add_prop(o, key, len, val.buf, false);
		} else if (first && implied) {
			p = read_value(p, &val);
			add_prop(o, implied, strlen(implied), val.buf, false);
		} else if (len == 0) {
			p++; /* an empty item: ",," at the start, or a trailing comma */
		} else {
			bool no = short_bools && len > 2 && !strncmp(p, "no", 2);
			if (no)
				add_prop(o, p + 2, len - 2, "off", true);
			else
				add_prop(o, p, len, "on", true);
			p += len;
			if (*p == ',')
				p++;
		}
		first = false;
	}
	sb_release(&val);
}

/* JSON, flattened into dotted keys (as keyval names nested members);
 * arrays as key.0, key.1; booleans on/off; numbers as written. */
static void flatten_json(struct qemu_opt *o, const char *prefix, json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, m) {
			char *k = *prefix ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
			flatten_json(o, k, m);
			free(k);
		}
		return;
	case JSON_ARRAY:
		json_array_foreach(v, i, m) {
			char *k = xasprintf("%s%s%zu", prefix, *prefix ? "." : "", i);
			flatten_json(o, k, m);
			free(k);
		}
		return;
	case JSON_STRING:
		add_prop(o, prefix, strlen(prefix), json_string_value(v), false);
		return;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, sizeof(buf), "on");
		break;
	case JSON_FALSE:
		snprintf(buf, sizeof(buf), "off");
		break;
	case JSON_NULL:
		return;
	}
	add_prop(o, prefix, strlen(prefix), buf, false);
}

/* The compat syntax of -serial/-qmp/-monitor (qemu_chr_parse_compat()). */
static void parse_compat_chardev(struct qemu_opt *o, const char *s)
{
	const char *colon = strchr(s, ':');
	if (!strncmp(s, "unix:", 5)) {
		add_prop(o, "backend", 7, "socket", false);
		/* the rest is QemuOpts with "path" implied */
		parse_items(o, s + 5, "path", true);
	} else if (!strncmp(s, "chardev:", 8)) {
		add_prop(o, "backend", 7, "chardev", false);
		add_prop(o, "id", 2, s + 8, false);
	} else if (!strncmp(s, "mon:", 4)) {
		/* the monitor muxed onto a device: the device is what matters */
		parse_compat_chardev(o, s + 4);
		add_prop(o, "mux", 3, "on", false);
	} else if (!strncmp(s, "file:", 5)) {
		add_prop(o, "backend", 7, "file", false);
		add_prop(o, "path", 4, s + 5, false);
	} else if (!strncmp(s, "/dev/", 5)) {
		add_prop(o, "backend", 7, "tty", false);
		add_prop(o, "path", 4, s, false);
	} else if (colon) {
		add_prop(o, "backend", 7, s, false);
		o->props[o->nprops - 1].value[colon - s] = '\0';
		add_prop(o, "address", 7, colon + 1, false);
	} else {
		add_prop(o, "backend", 7, s, false);
	}
}

const char *qemu_opt_get(const struct qemu_opt *o, const char *key)
{
	if (!o)
		return NULL;
	for (size_t i = o->nprops; i-- > 0;)
		if (!strcmp(o->props[i].key, key))
			return o->props[i].value;
	return NULL;
}

bool qemu_opt_get_bool(const struct qemu_opt *o, const char *key, bool dflt)
{
	const char *v = qemu_opt_get(o, key);
	if (!v)
		return dflt;
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y"))
		return true;
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "n"))
		return false;
	return dflt;
}

void qemu_opt_text(const struct qemu_opt *o, struct strbuf *out)
{
	if (o->kind == QOPT_DISK && o->word == o->arg) {
		sb_adds(out, o->arg);
		return;
	}
	sb_addf(out, "%s ", o->word);
	if (!strpbrk(o->arg, " \t\"'\\$`") && *o->arg) {
		sb_adds(out, o->arg);
		return;
	}
	/* single quotes keep JSON's double quotes readable */
	if (!strchr(o->arg, '\'')) {
		sb_addf(out, "'%s'", o->arg);
		return;
	}
	sb_adds(out, "\"");
	for (const char *p = o->arg; *p; p++) {
		if (strchr("\"\\$`", *p))
			sb_add(out, "\\", 1);
		sb_add(out, p, 1);
	}
	sb_adds(out, "\"");
}

const struct qemu_opt *qemu_cmdline_nth(const struct qemu_cmdline *c, enum qemu_opt_kind kind, size_t n)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].kind == kind && n-- == 0)
			return &c->opts[i];
	return NULL;
}

/* ---- argv -------------------------------------------------------------- */

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

/* JSON where QEMU takes it, else items. */
static void parse_json_or_items(struct qemu_cmdline *c, struct qemu_opt *o, const char *implied, bool short_bools)
{
	const char *s = o->arg;
	while (*s == ' ')
		s++;
	if (*s != '{') {
		parse_items(o, o->arg, implied, short_bools);
		return;
	}
	json_error_t err;
	json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	if (!v || !json_is_object(v))
		note_error(c, "%s: not JSON QEMU could read: %s", o->word, v ? "not an object" : err.text);
	else
		flatten_json(o, "", v);
	json_decref(v);
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

	char machine_from[96] = "";
	const char *machine_accel = NULL;
	for (int i = 1; i < argc; i++) {
		const char *word = c->argv[i];
		if (word[0] != '-' || !word[1]) {
			/* a disk image (vl.c: drive_add(IF_DEFAULT, 0, ...)) */
			struct qemu_opt *o = new_opt(c, QOPT_DISK, i, word, word);
			add_prop(o, "file", 4, word, false);
			continue;
		}
		const char *name = word + 1;
		if (*name == '-')
			name++;
		if (takes_no_arg(name)) {
			if (!strcmp(name, "enable-kvm")) {
				machine_accel = "kvm";
				snprintf(machine_from, sizeof(machine_from), "%s", word);
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
			continue;
		}
		if (i + 1 >= argc) {
			note_error(c, "%s has no argument", word);
			break;
		}
		const char *arg = c->argv[++i];
		struct qemu_opt *o = NULL;
		if (!strcmp(name, "m")) {
			o = new_opt(c, QOPT_MEMORY, i - 1, word, arg);
			parse_items(o, arg, "size", true);
		} else if (!strcmp(name, "accel")) {
			o = new_opt(c, QOPT_ACCEL, i - 1, word, arg);
			parse_items(o, arg, "accel", true);
		} else if (!strcmp(name, "machine") || !strcmp(name, "M")) {
			o = new_opt(c, QOPT_MACHINE, i - 1, word, arg);
			parse_items(o, arg, "type", true);
			if (qemu_opt_get(o, "accel")) {
				machine_accel = qemu_opt_get(o, "accel");
				snprintf(machine_from, sizeof(machine_from), "%s accel=%s", word, machine_accel);
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
			o = new_opt(c, QOPT_DEVICE, i - 1, word, arg);
			parse_json_or_items(c, o, "driver", true);
		} else if (!strcmp(name, "blockdev")) {
			o = new_opt(c, QOPT_BLOCKDEV, i - 1, word, arg);
			parse_json_or_items(c, o, "driver", false);
		} else if (!strcmp(name, "netdev")) {
			o = new_opt(c, QOPT_NETDEV, i - 1, word, arg);
			parse_json_or_items(c, o, "type", true);
		} else if (!strcmp(name, "drive")) {
			o = new_opt(c, QOPT_DRIVE, i - 1, word, arg);
			parse_items(o, arg, NULL, true);
		} else if (!strcmp(name, "chardev")) {
			o = new_opt(c, QOPT_CHARDEV, i - 1, word, arg);
			parse_items(o, arg, "backend", true);
		} else if (!strcmp(name, "nic")) {
			o = new_opt(c, QOPT_NIC, i - 1, word, arg);
			parse_items(o, arg, "type", true);
		} else if (!strcmp(name, "net")) {
			o = new_opt(c, QOPT_NET, i - 1, word, arg);
			parse_items(o, arg, "type", true);
		} else if (!strcmp(name, "mon")) {
			o = new_opt(c, QOPT_MON, i - 1, word, arg);
			parse_items(o, arg, "chardev", true);
		} else if (!strcmp(name, "serial")) {
			o = new_opt(c, QOPT_SERIAL, i - 1, word, arg);
			parse_compat_chardev(o, arg);
		} else if (!strcmp(name, "qmp") || !strcmp(name, "qmp-pretty")) {
			o = new_opt(c, QOPT_QMP, i - 1, word, arg);
			parse_compat_chardev(o, arg);
		} else if (!strcmp(name, "monitor")) {
			o = new_opt(c, QOPT_MONITOR, i - 1, word, arg);
			parse_compat_chardev(o, arg);
		} else if (!strcmp(name, "hda") || !strcmp(name, "hdb") || !strcmp(name, "hdc") ||
			   !strcmp(name, "hdd") || !strcmp(name, "cdrom")) {
			o = new_opt(c, QOPT_DISK, i - 1, word, arg);
			add_prop(o, "file", 4, arg, false);
		}
	}
	decide_accel(c, machine_accel, machine_from);

	/* the last -m (its opts list merges; the last value wins) */
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
	for (size_t i = 0; i < c->nopts; i++) {
		for (size_t k = 0; k < c->opts[i].nprops; k++) {
			free(c->opts[i].props[k].key);
			free(c->opts[i].props[k].value);
		}
		free(c->opts[i].props);
	}
	free(c->opts);
	for (int i = 0; c->argv && i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	memset(c, 0, sizeof(*c));
}

/* ---- what the command line builds -------------------------------------- */

static const struct qemu_opt *find_by(const struct qemu_cmdline *c, enum qemu_opt_kind kind, const char *key,
				      const char *value)
{
	if (!value)
		return NULL;
	const struct qemu_opt *found = NULL;
	for (size_t i = 0; i < c->nopts; i++) {
		const char *v = qemu_opt_get(&c->opts[i], key);
		if (c->opts[i].kind == kind && v && !strcmp(v, value))
			found = &c->opts[i];
	}
	return found;
}

static bool is_isa_serial(const struct qemu_opt *o)
{
	const char *d = qemu_opt_get(o, "driver");
	return o->kind == QOPT_DEVICE && d && !strcmp(d, "isa-serial");
}

/* One sentence, naming the option. */
static void say(char *why, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void say(char *why, size_t n, const char *fmt, ...)
{
	if (!why || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

static char *opt_text(const struct qemu_opt *o)
{
	struct strbuf sb = STRBUF_INIT;
	qemu_opt_text(o, &sb);
	return sb.buf ? sb.buf : xstrdup("");
}

/* The port's chardev judged: a UNIX socket qemu serves. */
static int judge_serial_chardev(struct qemu_serial *s, const struct qemu_opt *ch, char *why, size_t n)
{
	s->chardev = ch;
	s->backend = qemu_opt_get(ch, "backend");
	s->path = qemu_opt_get(ch, "path");
	s->server = qemu_opt_get_bool(ch, "server", false);
	s->wait = qemu_opt_get_bool(ch, "wait", true);
	char *t = opt_text(ch);
	int r = -ENOENT;
	if (!s->backend || strcmp(s->backend, "socket")) {
		const char *b = s->backend ? s->backend : "?";
		const char *what = !strcmp(b, "pty")     ? "a pseudo-terminal"
				   : !strcmp(b, "stdio") ? "qemu's own terminal (stdio)"
				   : !strcmp(b, "file")  ? "a file"
				   : !strcmp(b, "null")  ? "nothing (null)"
				   : !strcmp(b, "none")  ? "nothing (none)"
				   : !strcmp(b, "vc")    ? "a graphical console"
							 : NULL;
		if (what)
			say(why, n, "`%s`: the serial port is on %s, not on a UNIX socket", t, what);
		else
			say(why, n, "`%s`: the serial port is on a '%s' character device, not on a UNIX socket", t, b);
	} else if (!s->path) {
		say(why, n, "`%s`: a TCP socket, not a UNIX socket path (path=serial.socket)", t);
	} else if (!s->server) {
		say(why, n, "`%s` has no server: qemu connects to %s as a client instead of serving it", t, s->path);
	} else {
		r = 0;
	}
	free(t);
	return r;
}

int qemu_cmdline_serial(const struct qemu_cmdline *c, struct qemu_serial *s, char *why, size_t n)
{
	memset(s, 0, sizeof(*s));
	if (why && n)
		why[0] = '\0';
	const struct qemu_opt *dev = NULL;
	for (size_t i = 0; i < c->nopts && !dev; i++)
		if (is_isa_serial(&c->opts[i]))
			dev = &c->opts[i];
	if (dev) {
		s->device = dev;
		const char *id = qemu_opt_get(dev, "chardev");
		const struct qemu_opt *ch = find_by(c, QOPT_CHARDEV, "id", id);
		if (!ch) {
			char *t = opt_text(dev);
			say(why, n, "`%s` names no -chardev with id=%s", t, id ? id : "(none)");
			free(t);
			return -ENOENT;
		}
		return judge_serial_chardev(s, ch, why, n);
	}
	const struct qemu_opt *ser = qemu_cmdline_nth(c, QOPT_SERIAL, 0);
	if (ser) {
		const char *b = qemu_opt_get(ser, "backend");
		if (b && !strcmp(b, "chardev")) {
			const struct qemu_opt *ch = find_by(c, QOPT_CHARDEV, "id", qemu_opt_get(ser, "id"));
			if (ch)
				return judge_serial_chardev(s, ch, why, n);
		}
		return judge_serial_chardev(s, ser, why, n);
	}
	/* no port: a socket chardev left unbound is the usual slip */
	const struct qemu_opt *lonely = NULL;
	for (size_t i = 0; i < c->nopts && !lonely; i++) {
		const char *b = qemu_opt_get(&c->opts[i], "backend");
		if (c->opts[i].kind == QOPT_CHARDEV && b && !strcmp(b, "socket") &&
		    !find_by(c, QOPT_MON, "chardev", qemu_opt_get(&c->opts[i], "id")))
			lonely = &c->opts[i];
	}
	if (lonely) {
		char *t = opt_text(lonely);
		say(why, n,
		    "`%s` is bound to no device: -device isa-serial,chardev=%s is missing, so the VM has no "
		    "serial port on that socket",
		    t, qemu_opt_get(lonely, "id") ? qemu_opt_get(lonely, "id") : "ID");
		free(t);
	} else if (c->nodefaults) {
		say(why, n, "the VM has no serial port: no -device isa-serial, and -nodefaults leaves out QEMU's own");
	} else {
		say(why, n, "no -device isa-serial: the VM's only serial port is QEMU's default one, on %s",
		    c->nographic ? "qemu's own terminal (-nographic)" : "a graphical console");
	}
	return -ENOENT;
}

const char *qemu_cmdline_qmp_path(const struct qemu_cmdline *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const struct qemu_opt *o = &c->opts[i];
		const char *b = qemu_opt_get(o, "backend");
		if (o->kind == QOPT_QMP && b && !strcmp(b, "socket") && qemu_opt_get_bool(o, "server", false))
			return qemu_opt_get(o, "path");
		if (o->kind == QOPT_QMP && b && !strcmp(b, "chardev")) {
			const struct qemu_opt *ch = find_by(c, QOPT_CHARDEV, "id", qemu_opt_get(o, "id"));
			b = qemu_opt_get(ch, "backend");
			if (ch && b && !strcmp(b, "socket") && qemu_opt_get_bool(ch, "server", false))
				return qemu_opt_get(ch, "path");
		}
		const char *mode = qemu_opt_get(o, "mode");
		if (o->kind == QOPT_MON && mode && !strcmp(mode, "control")) {
			const struct qemu_opt *ch = find_by(c, QOPT_CHARDEV, "id", qemu_opt_get(o, "chardev"));
			b = qemu_opt_get(ch, "backend");
			if (ch && b && !strcmp(b, "socket") && qemu_opt_get_bool(ch, "server", false))
				return qemu_opt_get(ch, "path");
		}
	}
	return NULL;
}

static bool is_nic_device(const struct qemu_opt *o)
{
	if (o->kind != QOPT_DEVICE)
		return false;
	if (qemu_opt_get(o, "netdev"))
		return true;
	const char *d = qemu_opt_get(o, "driver");
	for (size_t i = 0; d && i < ARRAY_SIZE(nic_models); i++)
		if (!strcmp(d, nic_models[i]))
			return true;
	return false;
}

size_t qemu_cmdline_nics(const struct qemu_cmdline *c, struct qemu_nic *out, size_t max)
{
	size_t n = 0;
	bool any_net_option = false;
	const struct qemu_opt *hub_backend = NULL;
	for (size_t i = 0; i < c->nopts; i++) {
		const struct qemu_opt *o = &c->opts[i];
		const char *type = qemu_opt_get(o, "type");
		if (o->kind == QOPT_NETDEV || o->kind == QOPT_NIC || o->kind == QOPT_NET)
			any_net_option = true;
		/* -net: NICs and backends meet on hub 0 (the old "vlan") */
		if (o->kind == QOPT_NET && type && strcmp(type, "nic") && strcmp(type, "none") && !hub_backend)
			hub_backend = o;
	}
	for (size_t i = 0; i < c->nopts; i++) {
		const struct qemu_opt *o = &c->opts[i];
		const char *type = qemu_opt_get(o, "type");
		struct qemu_nic nic;
		memset(&nic, 0, sizeof(nic));
		if (is_nic_device(o)) {
			nic.device = o;
			nic.model = qemu_opt_get(o, "driver");
			nic.mac = qemu_opt_get(o, "mac");
			nic.netdev_id = qemu_opt_get(o, "netdev");
			nic.backend = find_by(c, QOPT_NETDEV, "id", nic.netdev_id);
		} else if (o->kind == QOPT_NIC && type && strcmp(type, "none")) {
			nic.device = nic.backend = o;
			/* without model=, the pc machine's NIC: an e1000 */
			nic.model = qemu_opt_get(o, "model") ? qemu_opt_get(o, "model") : "e1000";
			nic.mac = qemu_opt_get(o, "mac");
			nic.netdev_id = qemu_opt_get(o, "id");
		} else if (o->kind == QOPT_NET && type && !strcmp(type, "nic")) {
			nic.device = o;
			nic.model = qemu_opt_get(o, "model") ? qemu_opt_get(o, "model") : "e1000";
			nic.mac = qemu_opt_get(o, "macaddr");
			nic.netdev_id = qemu_opt_get(o, "netdev");
			nic.backend = nic.netdev_id ? find_by(c, QOPT_NETDEV, "id", nic.netdev_id) : hub_backend;
		} else {
			continue;
		}
		if (nic.backend) {
			nic.type = qemu_opt_get(nic.backend, "type");
			nic.ifname = qemu_opt_get(nic.backend, "ifname");
		}
		if (n < max)
			out[n] = nic;
		n++;
	}
	/* vl.c: with no network option and no -nodefaults, QEMU adds
	 * "-net nic -net user" (an e1000 on a pc machine) */
	if (!n && !any_net_option && !c->nodefaults) {
		if (max) {
			memset(&out[0], 0, sizeof(out[0]));
			out[0].model = LAB_NIC_MODEL;
			out[0].type = "user";
		}
		n = 1;
	}
	return n;
}

/* Follow a block node to the file it reads: "file" names a child node or
 * holds its options inline (file.filename, file.driver). */
static const char *node_file(const struct qemu_cmdline *c, const struct qemu_opt *node, int depth)
{
	if (!node || depth > 8)
		return NULL;
	const char *drv = qemu_opt_get(node, "driver");
	if (drv && (!strcmp(drv, "file") || !strcmp(drv, "host_device")))
		return qemu_opt_get(node, "filename");
	if (qemu_opt_get(node, "file.filename"))
		return qemu_opt_get(node, "file.filename");
	const char *child = qemu_opt_get(node, "file");
	if (child)
		return node_file(c, find_by(c, QOPT_BLOCKDEV, "node-name", child), depth + 1);
	return qemu_opt_get(node, "filename");
}

static bool is_virtio_blk(const char *driver)
{
	return driver && starts_with(driver, "virtio-blk");
}

int qemu_cmdline_virtio_disk(const struct qemu_cmdline *c, struct qemu_disk *d)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < c->nopts; i++) {
		const struct qemu_opt *o = &c->opts[i];
		if (o->kind == QOPT_DEVICE && is_virtio_blk(qemu_opt_get(o, "driver"))) {
			const char *id = qemu_opt_get(o, "drive");
			const struct qemu_opt *b = find_by(c, QOPT_BLOCKDEV, "node-name", id);
			const char *file = NULL;
			if (b) {
				file = node_file(c, b, 0);
			} else if ((b = find_by(c, QOPT_DRIVE, "id", id))) {
				file = qemu_opt_get(b, "file");
			}
			if (!b || !file)
				continue;
			d->device = o;
			d->backend = b;
			d->driver = b->kind == QOPT_DRIVE ? qemu_opt_get(b, "format") : qemu_opt_get(b, "driver");
			d->file = file;
			return 0;
		}
		const char *iface = qemu_opt_get(o, "if");
		if (o->kind == QOPT_DRIVE && iface && !strcmp(iface, "virtio") && qemu_opt_get(o, "file")) {
			d->backend = o;
			d->driver = qemu_opt_get(o, "format");
			d->file = qemu_opt_get(o, "file");
			return 0;
		}
	}
	return -ENOENT;
}

int qemu_path_resolve(const char *cwd, const char *path, char *out, size_t n)
{
	int len;
	if (path[0] == '/' || !cwd || !*cwd)
		len = snprintf(out, n, "%s", path);
	else
		len = snprintf(out, n, "%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", path);
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* The value of key= in a kernel command line (-append), NULL when absent;
 * *len its length. The last one counts, as in the kernel. */
static const char *append_param(const char *line, const char *key, size_t *len)
{
	const char *found = NULL;
	size_t kl = strlen(key);
	for (const char *p = line; p && *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			found = p + kl + 1;
			*len = n - kl - 1;
		}
		p += n;
	}
	return found;
}

size_t qemu_cmdline_differences(const struct qemu_cmdline *c, char out[][256], size_t max)
{
	size_t n = 0;
#define DIFF(...)                                                   \
	do {                                                        \
		if (n < max)                                        \
			snprintf(out[n], sizeof(out[n]), __VA_ARGS__); \
		n++;                                                \
	} while (0)

	if (c->accel != QACCEL_KVM && c->accel_from[0])
		DIFF("`%s` instead of the lab's -enable-kvm: the guest runs under %s (fine where KVM cannot run "
		     "it: see `vlab doctor`)",
		     c->accel_from, c->accel_name);
	else if (c->accel != QACCEL_KVM)
		DIFF("no -enable-kvm: the guest runs under qemu's default accelerator, %s (fine where KVM cannot "
		     "run it: see `vlab doctor`)",
		     c->accel_name);
	else if (strcmp(c->accel_from, "-enable-kvm"))
		DIFF("`%s` instead of -enable-kvm: the same accelerator", c->accel_from);
	if (!c->cpu)
		DIFF("no -cpu: QEMU's default CPU model instead of the lab's -cpu host");
	else if (strcmp(c->cpu, "host"))
		DIFF("`-cpu %s` instead of the lab's -cpu host", c->cpu);
	if (!c->nodefaults)
		DIFF("no -nodefaults: QEMU adds its default devices (a VGA card, a NIC unless one is given, ...)");
	if (c->initrd)
		DIFF("`-initrd %s` added (the lab's kernel needs none)", c->initrd);
	size_t len = 0;
	const char *console = c->append ? append_param(c->append, "console", &len) : NULL;
	if (console && (len != 4 || strncmp(console, "hvc0", 4)))
		DIFF("console=%.*s instead of the lab's console=hvc0 in -append", (int)len, console);
	struct qemu_disk d;
	if (qemu_cmdline_virtio_disk(c, &d) == 0) {
		char *t = opt_text(d.backend);
		if (!d.device)
			DIFF("`%s` instead of -device virtio-blk-pci with -blockdev file: the same virtio disk", t);
		else if (d.driver && strcmp(d.driver, "file"))
			DIFF("`%s`: the disk is a %s image, not the lab's raw file node", t, d.driver);
		free(t);
	}
	struct qemu_serial s;
	if (qemu_cmdline_serial(c, &s, NULL, 0) == 0 && !s.device) {
		char *t = opt_text(s.chardev);
		DIFF("`%s` instead of -device isa-serial with -chardev socket: the same serial port", t);
		free(t);
	}
	if (qemu_cmdline_qmp_path(c))
		DIFF("a QMP socket (%s): vlab asks QEMU itself through it", qemu_cmdline_qmp_path(c));
#undef DIFF
	return n;
}

/* ---- verdicts ---------------------------------------------------------- */

#define HINT_SERIAL "-device isa-serial,chardev=serial0 -chardev socket,id=serial0,path=serial.socket,server,nowait"
#define HINT_DISK "-device virtio-blk-pci,drive=id0 -blockdev file,node-name=id0,filename=simple_alpine_rootfs1.ext4"
#define HINT_NIC "-device e1000,netdev=hostnet0,id=net0,mac=" LAB_NIC_MAC " -netdev tap,ifname=" LAB_TAP ",id=hostnet0"

void check_cmdline_lab_vm(struct check_result *r, const struct qemu_cmdline *c, int pid, char state,
			  const char *qmp_status, bool qmp_running)
{
	if (state == 'Z' || state == 'X') {
		check_fail(r, "start the VM again (sudo ./runqemu_single_vm.sh) and read what qemu prints",
			   "qemu (pid %d) has exited; its parent has not collected it yet", pid);
		return;
	}
	if (state == 'T' || state == 't') {
		char *hint = xasprintf("in qemu's terminal type `fg`, or run `kill -CONT %d`", pid);
		check_fail(r, hint, "qemu (pid %d) is stopped (Ctrl-Z in its terminal?): the VM does not run", pid);
		free(hint);
		return;
	}
	if (!c->kernel) {
		check_fail(r, "boot the lab's kernel: -kernel alpine-bzImage (" LAB_SECTION_CH1 ")",
			   "qemu (pid %d) has no -kernel: it is not the lab's VM, which boots a kernel directly", pid);
		return;
	}
	if (qmp_status && !qmp_running) {
		check_fail(r, "the VM was started paused (-S?) or has stopped; it must be running",
			   "qemu (pid %d) is up but QMP says the VM is '%s'", pid, qmp_status);
		return;
	}
	if (!qmp_status && c->paused) {
		check_fail(r, "leave out -S: it starts the VM paused until a monitor says 'cont'",
			   "qemu (pid %d) was started with -S: the VM waits, paused, for a 'cont'", pid);
		return;
	}
	struct strbuf d = STRBUF_INIT;
	sb_addf(&d, "qemu (pid %d) runs the lab's VM: -kernel %s, accelerator %s", pid, c->kernel, c->accel_name);
	if (c->accel_from[0])
		sb_addf(&d, " (%s)", c->accel_from);
	else
		sb_adds(&d, " (qemu's default)");
	if (qmp_status)
		sb_addf(&d, "; QMP query-status: %s", qmp_status);
	check_pass(r, "%s", d.buf);
	sb_release(&d);
}

void check_cmdline_memory(struct check_result *r, const struct qemu_cmdline *c, uint64_t wanted)
{
	char want[32], seen[32];
	format_size(wanted, want, sizeof(want));
	char *hint = xasprintf("give the VM -m %lluM, as the lab's command does (" LAB_SECTION_CH1 ")",
			       (unsigned long long)(wanted >> 20));
	if (!c->memory) {
		check_fail(r, hint, "no -m: qemu's default is 128 MiB; the lab asks for %s", want);
	} else {
		char *t = opt_text(c->memory);
		format_size(c->memory_bytes, seen, sizeof(seen));
		if (!c->memory_bytes)
			check_fail(r, hint, "`%s`: not a size vlab can read; the lab asks for %s", t, want);
		else if (c->memory_bytes != wanted)
			check_fail(r, hint, "`%s` gives the guest %s; the lab asks for %s", t, seen, want);
		else
			check_pass(r, "`%s`: %s", t, seen);
		free(t);
	}
	free(hint);
}

void check_cmdline_rootfs(struct check_result *r, const struct qemu_cmdline *c, const char *root_dev,
			  const char *root_fstype, const char *not_read)
{
	const char *hint = "attach the rootfs as the lab does: " HINT_DISK " and boot with root=/dev/vda (" LAB_SECTION_CH1 ")";
	struct qemu_disk d;
	if (qemu_cmdline_virtio_disk(c, &d)) {
		const struct qemu_opt *other = qemu_cmdline_nth(c, QOPT_DISK, 0);
		if (!other)
			other = qemu_cmdline_nth(c, QOPT_DRIVE, 0);
		if (!other)
			other = qemu_cmdline_nth(c, QOPT_BLOCKDEV, 0);
		if (other) {
			char *t = opt_text(other);
			check_fail(r, hint, "`%s` is no virtio-blk disk: the guest would not see it as /dev/vda", t);
			free(t);
		} else {
			check_fail(r, hint, "the VM has no disk: no -device virtio-blk-pci bound to a -blockdev");
		}
		return;
	}
	size_t len = 0;
	const char *root = c->append ? append_param(c->append, "root", &len) : NULL;
	if (root && (len != 8 || strncmp(root, "/dev/vda", 8))) {
		check_fail(r, "the virtio disk is /dev/vda in the guest: -append \"root=/dev/vda ...\"",
			   "`-append \"%s\"` has root=%.*s: the virtio disk is /dev/vda", c->append, (int)len, root);
		return;
	}
	struct strbuf det = STRBUF_INIT;
	char *bt = opt_text(d.backend);
	if (d.device) {
		char *dt = opt_text(d.device);
		sb_addf(&det, "`%s` is bound to `%s` (%s)", dt, bt, d.file);
		free(dt);
	} else {
		sb_addf(&det, "`%s` is a virtio-blk disk on %s", bt, d.file);
	}
	free(bt);
	if (root_dev) {
		if (strcmp(root_dev, "/dev/vda")) {
			check_fail(r, hint, "%s, but the guest's / is %s (%s), not /dev/vda", det.buf,
				   *root_dev ? root_dev : "unknown", root_fstype && *root_fstype ? root_fstype : "?");
			sb_release(&det);
			return;
		}
		if (!root_fstype || strcmp(root_fstype, "ext4")) {
			check_fail(r, "the lab's rootfs is an ext4 image", "%s, but /dev/vda is mounted on / as %s, not ext4",
				   det.buf, root_fstype && *root_fstype ? root_fstype : "?");
			sb_release(&det);
			return;
		}
		sb_adds(&det, "; in the guest / is ext4 on /dev/vda");
	} else if (not_read && *not_read) {
		sb_addf(&det, "; the guest's /proc/mounts was not read: %s", not_read);
	}
	check_pass(r, "%s", det.buf);
	sb_release(&det);
}

bool check_cmdline_serial(struct check_result *r, const struct qemu_cmdline *c)
{
	struct qemu_serial s;
	char why[512];
	if (qemu_cmdline_serial(c, &s, why, sizeof(why)) == 0)
		return true;
	check_fail(r, "give the VM the lab's serial console: " HINT_SERIAL " (" LAB_SECTION_CH1 ")",
		   "%s", why);
	return false;
}

void check_cmdline_no_nic(struct check_result *r, const struct qemu_cmdline *c)
{
	struct qemu_nic nics[4];
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	if (!n) {
		check_pass(r, "the command gives the VM no NIC");
		return;
	}
	if (!nics[0].device) {
		check_fail(r, "add -nodefaults, as the lab's command has it",
			   "no -nodefaults: QEMU adds its default NIC (an e1000 on user-mode networking)");
		return;
	}
	char *t = opt_text(nics[0].device);
	check_fail(r, "chapter 1's VM has no NIC: leave out -device e1000/-netdev (chapter 2 adds them)",
		   "the command gives the VM %s NIC%s: `%s`", n == 1 ? "a" : "more than one", n == 1 ? "" : "s", t);
	free(t);
}

bool qemu_cmdline_nic_by_mac(const struct qemu_cmdline *c, const char *mac, struct qemu_nic *out)
{
	struct qemu_nic nics[8];
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	for (size_t i = 0; i < n && i < ARRAY_SIZE(nics); i++) {
		if (nics[i].mac && !strcasecmp(nics[i].mac, mac)) {
			*out = nics[i];
			return true;
		}
	}
	return false;
}

void check_cmdline_nic(struct check_result *r, const struct qemu_cmdline *c, const char *model, const char *mac,
		       const char *ifname)
{
	char *hint = xasprintf("give the VM the lab's NIC: " HINT_NIC " (" LAB_SECTION_CH2 ")");
	struct qemu_nic nics[8], by_mac;
	size_t n = qemu_cmdline_nics(c, nics, ARRAY_SIZE(nics));
	if (n > ARRAY_SIZE(nics))
		n = ARRAY_SIZE(nics);
	const struct qemu_nic *nic = qemu_cmdline_nic_by_mac(c, mac, &by_mac) ? &by_mac : NULL;
	if (!nic) {
		/* the student's NIC of the lab's model, else their first */
		for (size_t i = 0; i < n && !nic; i++)
			if (nics[i].model && !strcmp(nics[i].model, model))
				nic = &nics[i];
		if (!nic && n)
			nic = &nics[0];
		if (!nic) {
			check_fail(r, hint, "the VM has no NIC: the command has no -device %s with a -netdev tap", model);
		} else if (!nic->device) {
			check_fail(r, hint, "no NIC option: the VM's only NIC is QEMU's default one (user-mode "
					    "networking, MAC 52:54:00:12:34:56), not %s", mac);
		} else {
			char *t = opt_text(nic->device);
			if (nic->mac)
				check_fail(r, hint, "`%s`: its MAC is %s; the lab asks for %s", t, nic->mac, mac);
			else
				check_fail(r, hint, "`%s` has no mac=: qemu gives it 52:54:00:12:34:56; the lab asks for %s",
					   t, mac);
			free(t);
		}
		free(hint);
		return;
	}
	char *dt = opt_text(nic->device);
	if (!nic->model || strcmp(nic->model, model)) {
		check_fail(r, hint, "`%s`: a %s NIC; the lab's is an emulated Intel %s", dt,
			   nic->model ? nic->model : "default", model);
	} else if (!nic->backend) {
		check_fail(r, hint, "`%s` is bound to no -netdev (netdev=%s): the NIC has no host side", dt,
			   nic->netdev_id ? nic->netdev_id : "");
	} else {
		char *bt = opt_text(nic->backend);
		if (!nic->type || strcmp(nic->type, "tap")) {
			const char *what = nic->type && !strcmp(nic->type, "user")
						   ? "user-mode networking (slirp), not a tap: the guest is not on " LAB_TAP
						   : "not a tap";
			check_fail(r, hint, "`%s`: %s; the lab asks for -netdev tap,ifname=%s", bt, what, ifname);
		} else if (!nic->ifname) {
			check_fail(r, hint, "`%s` has no ifname=: qemu makes a new tap of its own instead of using %s",
				   bt, ifname);
		} else if (strcmp(nic->ifname, ifname)) {
			check_fail(r, hint, "`%s`: the tap is %s; the lab's is %s", bt, nic->ifname, ifname);
		} else if (nic->device == nic->backend) {
			check_pass(r, "`%s`: an %s NIC with %s on tap %s", dt, model, mac, ifname);
		} else {
			check_pass(r, "`%s` on `%s`", dt, bt);
		}
		free(bt);
	}
	free(dt);
	free(hint);
}
