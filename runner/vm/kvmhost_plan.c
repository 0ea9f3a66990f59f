/* The emulated KVM host's plan and qemu command (pure); see kvmhost_plan.h. */
#include "runner/vm/kvmhost_plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool kvmhost_path_ok(const char *path)
{
	size_t n = strlen(path);
	if (path[0] != '/' || n > 1024)
		return false;
	for (const unsigned char *c = (const unsigned char *)path; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return false;
	/* components: none empty ("//", a trailing '/'), ".", ".." */
	for (const char *c = path; *c;) {
		const char *next = strchr(c + 1, '/');
		size_t len = next ? (size_t)(next - c - 1) : strlen(c + 1);
		if (n > 1 && (len == 0 || (len == 1 && c[1] == '.') || (len == 2 && c[1] == '.' && c[2] == '.')))
			return false;
		if (!next)
			break;
		c = next;
	}
	return true;
}

PRINTF_LIKE(2, 3)
static void note(struct kvmhost_plan *p, const char *fmt, ...)
{
	if (p->nnotes >= KVMHOST_MAX_NOTES)
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	p->notes[p->nnotes++] = sb.buf;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0' || (n == 1 && dir[0] == '/'));
}

static bool covered(const struct kvmhost_plan *p, const char *path)
{
	for (int i = 0; i < p->nshares; i++)
		if (under(path, p->shares[i].path))
			return true;
	return false;
}

static void add_share(struct kvmhost_plan *p, const char *path)
{
	struct kvmhost_share *s = &p->shares[p->nshares++];
	s->path = xstrdup(path);
	s->mode = SHARE_RO;
}

/* Why a wanted directory is not shared ("" when it can be). The emulated
 * host has its own /proc, /sys, /dev, /run and /tmp: the host's must not
 * show through, and a share on /run or /tmp itself would hide the tmpfs
 * the command needs (below them is fine: a run directory often is). */
static const char *unshareable(const char *path)
{
	static const char *const never_below[] = { "/proc", "/sys", "/dev" };
	if (!kvmhost_path_ok(path))
		return "its path has a blank or a control character, which the emulated host's /init cannot take";
	if (!strcmp(path, "/"))
		return "it is the host's whole root";
	for (size_t i = 0; i < ARRAY_SIZE(never_below); i++)
		if (under(path, never_below[i]))
			return "the emulated host has its own /proc, /sys and /dev";
	if (!strcmp(path, "/run") || !strcmp(path, "/tmp"))
		return "the emulated host has its own /run and /tmp";
	return "";
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct kvmhost_share *)a)->path, ((const struct kvmhost_share *)b)->path);
}

static int plan_root(const struct kvmhost_plan_in *in, struct kvmhost_plan *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < in->nroot; i++) {
		const struct kvmhost_root_entry *e = &in->root[i];
		if (!kvmhost_path_ok(e->path) || strchr(e->path + 1, '/')) {
			snprintf(err, errlen, "'%s' is not a directory at the root", e->path);
			return -EINVAL;
		}
		if (e->link && !*e->link)
			continue; /* absent */
		if (!e->link) {
			if (out->nshares >= KVMHOST_MAX_SHARES)
				return -E2BIG;
			add_share(out, e->path);
			continue;
		}
		if (out->nlinks >= KVMHOST_MAX_LINKS || strlen(e->link) > 255 || strpbrk(e->link, " \t\n\r")) {
			snprintf(err, errlen, "the symlink %s -> %s cannot be made in the emulated host", e->path, e->link);
			return -EINVAL;
		}
		out->links[out->nlinks].path = xstrdup(e->path);
		out->links[out->nlinks].target = xstrdup(e->link);
		out->nlinks++;
	}
	return 0;
}

static void plan_wanted(const struct kvmhost_plan_in *in, struct kvmhost_plan *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(in->wanted); i++) {
		const char *w = in->wanted[i];
		if (!w || covered(out, w))
			continue;
		const char *why = in->unreadable[i] ? "this user cannot read it" : unshareable(w);
		if (*why) {
			note(out, "%s %s is not shared: %s", in->wanted_why[i] ? in->wanted_why[i] : "the directory", w,
			     why);
			continue;
		}
		if (out->nshares >= KVMHOST_MAX_SHARES) {
			note(out, "%s %s is not shared: more than %d shares", in->wanted_why[i], w, KVMHOST_MAX_SHARES);
			continue;
		}
		/* a wanted directory above shares already made takes their place */
		for (int j = 0; j < out->nshares;) {
			if (under(out->shares[j].path, w)) {
				free(out->shares[j].path);
				out->shares[j] = out->shares[--out->nshares];
			} else {
				j++;
			}
		}
		add_share(out, w);
	}
}

int kvmhost_plan_make(const struct kvmhost_plan_in *in, struct kvmhost_plan *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const char *const must[] = { in->rundir, in->agent, in->modules_dir };
	const char *const what[] = { "the run directory", "vlab's binary", "the module directory" };
	for (size_t i = 0; i < ARRAY_SIZE(must); i++) {
		if (!must[i] || !kvmhost_path_ok(must[i])) {
			snprintf(err, errlen, "%s '%s' cannot be shared: its path must be absolute, without blanks", what[i],
				 must[i] ? must[i] : "(none)");
			return -EINVAL;
		}
	}
	int r = plan_root(in, out, err, errlen);
	if (r) {
		kvmhost_plan_release(out);
		return r;
	}
	plan_wanted(in, out);
	qsort(out->shares, (size_t)out->nshares, sizeof(out->shares[0]), by_path);
	int holder = -1;
	for (int i = 0; i < out->nshares; i++) {
		snprintf(out->shares[i].tag, sizeof(out->shares[i].tag), "vlab%d", i);
		if (under(in->modules_dir, out->shares[i].path))
			holder = i; /* the innermost: shares sort parents first */
	}
	if (holder < 0) {
		snprintf(err, errlen, "no share holds the module directory %s", in->modules_dir);
		kvmhost_plan_release(out);
		return -EINVAL;
	}
	out->shares[holder].mode = SHARE_OVERLAY;
	bool cwd_seen = in->cwd && kvmhost_path_ok(in->cwd) && (covered(out, in->cwd) || under(in->cwd, in->rundir));
	out->cwd = xstrdup(cwd_seen ? in->cwd : "/");
	return 0;
}

void kvmhost_plan_release(struct kvmhost_plan *p)
{
	for (int i = 0; i < p->nshares; i++)
		free(p->shares[i].path);
	for (int i = 0; i < p->nlinks; i++) {
		free(p->links[i].path);
		free(p->links[i].target);
	}
	for (int i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->cwd);
	memset(p, 0, sizeof(*p));
}

void kvmhost_plan_write(const struct kvmhost_plan_in *in, const struct kvmhost_plan *p, struct strbuf *sb)
{
	sb_adds(sb, "# the emulated KVM host's plan, written by vlab (runner/vm/kvmhost_plan.h)\n");
	for (int i = 0; i < p->nlinks; i++)
		sb_addf(sb, "link %s %s\n", p->links[i].path, p->links[i].target);
	for (int i = 0; i < p->nshares; i++)
		sb_addf(sb, "share %s %s %s\n", p->shares[i].tag, p->shares[i].path,
			p->shares[i].mode == SHARE_OVERLAY ? "overlay" : "ro");
	sb_addf(sb, "modules %s\nrundir %s\nagent %s\ncwd %s\nmode %s\n", in->modules_dir, in->rundir, in->agent,
		p->cwd, in->shell ? "shell" : "run");
	if (in->rows > 0 && in->cols > 0)
		sb_addf(sb, "winsize %d %d\n", in->rows, in->cols);
}

static int parse_agent_line(char *line, struct kvmhost_agent_conf *c, bool *mode_seen)
{
	char *save = NULL;
	char *key = strtok_r(line, " ", &save);
	char *a = strtok_r(NULL, " ", &save);
	char *b = strtok_r(NULL, " ", &save);
	int64_t rows, cols;
	if (!key || key[0] == '#')
		return 0;
	if (!strcmp(key, "cwd")) {
		if (!a || !kvmhost_path_ok(a) || strlen(a) >= sizeof(c->cwd))
			return -EINVAL;
		snprintf(c->cwd, sizeof(c->cwd), "%s", a);
	} else if (!strcmp(key, "mode")) {
		if (!a || (strcmp(a, "run") && strcmp(a, "shell")))
			return -EINVAL;
		c->shell = !strcmp(a, "shell");
		*mode_seen = true;
	} else if (!strcmp(key, "winsize")) {
		if (!a || !b || parse_i64(a, 1, 10000, &rows) || parse_i64(b, 1, 10000, &cols))
			return -EINVAL;
		c->rows = (int)rows;
		c->cols = (int)cols;
	}
	return 0;
}

int kvmhost_plan_parse_agent(const char *text, struct kvmhost_agent_conf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->cwd, sizeof(c->cwd), "/");
	char *copy = xstrdup(text);
	bool mode_seen = false;
	int lineno = 0, r = 0;
	for (char *line = copy, *nl; line && !r; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		lineno++;
		r = parse_agent_line(line, c, &mode_seen);
		if (r)
			snprintf(err, errlen, "plan line %d is malformed", lineno);
	}
	free(copy);
	if (!r && !mode_seen) {
		snprintf(err, errlen, "the plan has no 'mode' line");
		r = -EINVAL;
	}
	return r;
}

char *kvmhost_sock_path(const char *sock_dir, const char *name)
{
	return xasprintf("%s/kvmhost-%s.sock", sock_dir, name);
}

/* A path inside a qemu -device/-chardev option: a comma is doubled. */
static void add_escaped(struct strbuf *sb, const char *path)
{
	for (const char *c = path; *c; c++) {
		if (*c == ',')
			sb_add(sb, ",", 1);
		sb_add(sb, c, 1);
	}
}

static char *opt_with_path(const char *before, const char *path, const char *after)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, before);
	add_escaped(&sb, path);
	sb_adds(&sb, after);
	return sb.buf;
}

static int push(struct vm_argv *a, char *arg)
{
	if (a->n >= VM_MAX_ARGS) {
		free(arg);
		return -E2BIG;
	}
	a->v[a->n++] = arg;
	a->v[a->n] = NULL;
	return 0;
}

/* A virtio-serial port on a socket vlab connects to: -chardev and -device. */
static int push_port(struct vm_argv *a, const char *sock_dir, const char *id, const char *name, bool console)
{
	char *sock = kvmhost_sock_path(sock_dir, id);
	int r = push(a, xstrdup("-chardev"));
	char *before = xasprintf("socket,id=%s,path=", id);
	r |= push(a, opt_with_path(before, sock, ",server=on,wait=off"));
	r |= push(a, xstrdup("-device"));
	r |= push(a, xasprintf("%s,bus=vser.0,chardev=%s,name=%s", console ? "virtconsole" : "virtserialport", id, name));
	free(before);
	free(sock);
	return r;
}

int kvmhost_qemu_argv(const struct kvmhost_qemu_in *in, const struct kvmhost_plan_in *pin,
		      const struct kvmhost_plan *p, struct vm_argv *a)
{
	a->n = 0;
	a->v[0] = NULL;
	const char *const fixed[] = { in->qemu, "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
				      "-machine", "q35,accel=tcg", "-cpu", "max", "-m", in->mem, "-kernel", in->kernel,
				      "-initrd", in->initrd, "-append",
				      /* panic=-1: a panic reboots, and -no-reboot makes that an exit;
				       * softlockup_panic=1: a CPU stuck inside KVM is such a panic
				       * (KVMHOST_LOCKUP_MARK) */
				      "console=ttyS0 rdinit=/init panic=-1 softlockup_panic=1 quiet" };
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		r |= push(a, xstrdup(fixed[i]));
	r |= push(a, xstrdup("-smp"));
	r |= push(a, xasprintf("%d", in->cpus));
	r |= push(a, xstrdup("-chardev"));
	r |= push(a, opt_with_path("file,id=console,path=", in->console, ""));
	r |= push(a, xstrdup("-serial"));
	r |= push(a, xstrdup("chardev:console"));
	r |= push(a, xstrdup("-device"));
	r |= push(a, xstrdup("virtio-serial-pci,id=vser"));
	r |= push_port(a, in->sock_dir, "out", KVMHOST_PORT_OUT, false);
	r |= push_port(a, in->sock_dir, "err", KVMHOST_PORT_ERR, false);
	r |= push_port(a, in->sock_dir, "ctl", KVMHOST_PORT_CTL, false);
	if (in->shell)
		r |= push_port(a, in->sock_dir, "tty", KVMHOST_PORT_TTY, true);
	for (int i = 0; i < p->nshares; i++) {
		char *after = xasprintf(",mount_tag=%s,security_model=none,readonly=on,multidevs=remap", p->shares[i].tag);
		r |= push(a, xstrdup("-virtfs"));
		r |= push(a, opt_with_path("local,path=", p->shares[i].path, after));
		free(after);
	}
	r |= push(a, xstrdup("-virtfs"));
	r |= push(a, opt_with_path("local,path=", pin->rundir,
				   ",mount_tag=" KVMHOST_RUN_TAG ",security_model=none,multidevs=remap"));
	if (r) {
		vm_argv_release(a);
		return -E2BIG;
	}
	return 0;
}
