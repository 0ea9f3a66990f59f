/* What a parsed qemu command line builds: its serial port, QMP socket, NICs
 * and boot disk, with the option that makes each. */
#include "checks/qemu_devices.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runner/util.h"

/* NIC models a -device may name (QEMU's x86 NICs); a device with netdev=
 * counts as a NIC whatever its name. */
static const char *const nic_models[] = {
	"e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "igb", "virtio-net-pci",
	"virtio-net", "virtio-net-pci-transitional", "virtio-net-pci-non-transitional", "rtl8139",
	"ne2k_pci", "ne2k_isa", "pcnet", "vmxnet3", "i82550", "i82551", "i82557a", "i82557b", "i82557c",
	"i82558a", "i82558b", "i82559a", "i82559b", "i82559c", "i82559er", "i82562", "i82801", "usb-net",
	"tulip", "sungem",
};

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

/* The port's chardev judged: a UNIX socket qemu serves. */
static int judge_serial_chardev(struct qemu_serial *s, const struct qemu_opt *ch, char *why, size_t n)
{
	s->chardev = ch;
	s->backend = qemu_opt_get(ch, "backend");
	s->path = qemu_opt_get(ch, "path");
	s->server = qemu_opt_get_bool(ch, "server", false);
	s->wait = qemu_opt_get_bool(ch, "wait", true);
	char *t = qemu_opt_text_dup(ch);
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
			char *t = qemu_opt_text_dup(dev);
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
		char *t = qemu_opt_text_dup(lonely);
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
			out[0].model = "e1000";
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
