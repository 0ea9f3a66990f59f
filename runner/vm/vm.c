/* VM spec → qemu argv; shell-quoted display of a command. */
#include "runner/vm/vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vm_spec_set(char **field, const char *value)
{
	char *old = *field;
	*field = value ? xstrdup(value) : NULL;
	free(old);
}

void vm_spec_lab(struct vm_spec *s, const char *kernel, const char *rootfs, const char *append)
{
	memset(s, 0, sizeof(*s));
	s->qemu = xstrdup("qemu-system-x86_64");
	s->nodefaults = true;
	s->nographic = true;
	s->accel = ACCEL_KVM;
	s->cpu = xstrdup("host");
	s->memory = xstrdup("256M");
	s->kernel = xstrdup(kernel);
	s->append = xstrdup(append);
	s->disk = DISK_FILE;
	s->disk_path = xstrdup(rootfs);
	s->blk_node = xstrdup("id0");
	s->serial_id = xstrdup("serial0");
	s->serial_socket = xstrdup("serial.socket");
	s->chardev_short_bools = true;
}

void vm_spec_add_nic(struct vm_spec *s, const char *model, const char *mac, const char *dev_id,
		     const char *netdev_id, const char *ifname)
{
	if (s->nnics >= VM_MAX_NICS)
		return;
	struct nic_spec *n = &s->nics[s->nnics++];
	snprintf(n->model, sizeof(n->model), "%s", model);
	snprintf(n->mac, sizeof(n->mac), "%s", mac);
	snprintf(n->dev_id, sizeof(n->dev_id), "%s", dev_id);
	snprintf(n->netdev_id, sizeof(n->netdev_id), "%s", netdev_id);
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
}

void vm_spec_note(struct vm_spec *s, const char *what, const char *why)
{
	if (s->nnotes >= VM_MAX_NOTES)
		return;
	s->notes[s->nnotes].what = xstrdup(what);
	s->notes[s->nnotes].why = xstrdup(why);
	s->nnotes++;
}

void vm_spec_release(struct vm_spec *s)
{
	free(s->qemu);
	free(s->name);
	free(s->cpu);
	free(s->memory);
	free(s->kernel);
	free(s->initrd);
	free(s->append);
	free(s->disk_path);
	free(s->blk_node);
	free(s->serial_id);
	free(s->serial_socket);
	free(s->qmp_socket);
	free(s->pidfile);
	for (int i = 0; i < s->nnotes; i++) {
		free(s->notes[i].what);
		free(s->notes[i].why);
	}
	memset(s, 0, sizeof(*s));
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

static int push2(struct vm_argv *a, const char *opt, char *val)
{
	int r = push(a, xstrdup(opt));
	if (r) {
		free(val);
		return r;
	}
	return push(a, val);
}

void vm_argv_release(struct vm_argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
	a->v[0] = NULL;
}

/* The order follows the lab's command (machine, CPU and memory, kernel, disk,
 * serial, NICs, then -append), so the lab's line comes out exactly and vlab's
 * additions (QMP, pidfile, -name) come last where they are easy to spot. */
int vm_build_argv(const struct vm_spec *s, struct vm_argv *a)
{
	int r = 0;
	a->n = 0;
	a->v[0] = NULL;
	if (!s->qemu || !s->memory || !s->kernel || !s->disk_path || !s->blk_node)
		return -EINVAL;
	r |= push(a, xstrdup(s->qemu));
	if (s->nodefaults)
		r |= push(a, xstrdup("-nodefaults"));
	if (s->nographic)
		r |= push(a, xstrdup("-nographic"));
	if (s->accel == ACCEL_KVM)
		r |= push(a, xstrdup("-enable-kvm"));
	else
		r |= push2(a, "-accel", xstrdup("tcg"));
	if (s->cpu)
		r |= push2(a, "-cpu", xstrdup(s->cpu));
	r |= push2(a, "-m", xstrdup(s->memory));
	r |= push2(a, "-kernel", xstrdup(s->kernel));
	if (s->initrd)
		r |= push2(a, "-initrd", xstrdup(s->initrd));
	r |= push2(a, "-device", xasprintf("virtio-blk-pci,drive=%s", s->blk_node));
	if (s->disk == DISK_FILE)
		r |= push2(a, "-blockdev", xasprintf("file,node-name=%s,filename=%s", s->blk_node, s->disk_path));
	else
		r |= push2(a, "-blockdev", xasprintf("driver=qcow2,node-name=%s,file.driver=file,file.filename=%s",
						      s->blk_node, s->disk_path));
	if (s->serial_socket) {
		r |= push2(a, "-device", xasprintf("isa-serial,chardev=%s", s->serial_id));
		r |= push2(a, "-chardev", xasprintf("socket,id=%s,path=%s,%s", s->serial_id, s->serial_socket,
						     s->chardev_short_bools ? "server,nowait" : "server=on,wait=off"));
	}
	for (int i = 0; i < s->nnics; i++) {
		const struct nic_spec *n = &s->nics[i];
		r |= push2(a, "-device", xasprintf("%s,netdev=%s,id=%s,mac=%s", n->model, n->netdev_id, n->dev_id, n->mac));
		r |= push2(a, "-netdev", xasprintf("tap,ifname=%s,id=%s", n->ifname, n->netdev_id));
	}
	if (s->append)
		r |= push2(a, "-append", xstrdup(s->append));
	if (s->qmp_socket)
		r |= push2(a, "-qmp", xasprintf("unix:%s,server=on,wait=off", s->qmp_socket));
	if (s->pidfile)
		r |= push2(a, "-pidfile", xstrdup(s->pidfile));
	if (s->name)
		r |= push2(a, "-name", xstrdup(s->name));
	if (r) {
		vm_argv_release(a);
		return -E2BIG;
	}
	return 0;
}

static bool plain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_./:,=+@%", c);
}

void shell_quote(const char *w, struct strbuf *out)
{
	bool plain = *w != '\0';
	bool dq_ok = true;
	for (const char *c = w; *c; c++) {
		if (!plain_char(*c))
			plain = false;
		if (strchr("\"$`\\!", *c) || (unsigned char)*c < 0x20)
			dq_ok = false;
	}
	if (plain) {
		sb_adds(out, w);
	} else if (dq_ok) {
		sb_addf(out, "\"%s\"", w);
	} else {
		sb_adds(out, "'");
		for (const char *c = w; *c; c++) {
			if (*c == '\'')
				sb_adds(out, "'\\''");
			else
				sb_add(out, c, 1);
		}
		sb_adds(out, "'");
	}
}

/* Options whose value pairs with the previous "-device" on one display line
 * (the lab writes a device and its backend together). */
static bool is_backend_opt(const char *opt)
{
	return !strcmp(opt, "-blockdev") || !strcmp(opt, "-chardev") || !strcmp(opt, "-netdev");
}

void vm_format_command(const struct vm_argv *a, bool multiline, struct strbuf *out)
{
	for (int i = 0; i < a->n; i++) {
		const char *arg = a->v[i];
		if (i > 0) {
			bool new_line = multiline && arg[0] == '-' && !is_backend_opt(arg);
			sb_adds(out, new_line ? " \\\n        " : " ");
		}
		shell_quote(arg, out);
	}
}
