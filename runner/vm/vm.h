/* A VM spec and the exact qemu argv it stands for, in one place.
 *
 * vm_spec_lab() gives the lab's own command (chapter 1/2 of the lab text) for
 * a profile's files; vlab then adapts it for the host (accelerator, -cpu,
 * console=, an overlay for the disk, a QMP socket) and records each change
 * with the reason, so the student sees both the command and why it differs. */
#ifndef VLAB_VM_H
#define VLAB_VM_H

#include <stdbool.h>
#include <sys/types.h>

#include "runner/host/host.h"
#include "runner/util.h"

#define VM_MAX_NICS 4
#define VM_MAX_NOTES 12
#define VM_MAX_ARGS 64

/* How the rootfs is attached: the lab's raw "file" protocol node, or a qcow2
 * overlay node over a read-only base (what vlab runs, so the pristine image is
 * never written). */
enum disk_form { DISK_FILE, DISK_QCOW2 };

struct nic_spec {
	char model[32];      /* "e1000", "virtio-net-pci" */
	char mac[18];        /* "52:54:00:8b:99:de" */
	char dev_id[16];     /* "net0" */
	char netdev_id[16];  /* "hostnet0" */
	char ifname[16];     /* "tap0" */
};

struct vm_note {
	char *what;  /* "-enable-kvm -> -accel tcg" */
	char *why;   /* "KVM here is kvm_pvm ..." */
};

struct vm_spec {
	char *qemu;           /* "qemu-system-x86_64" */
	char *name;           /* -name, NULL for none (the lab passes none) */
	bool nodefaults, nographic;
	enum accel accel;
	char *cpu;            /* NULL: no -cpu */
	char *memory;         /* as written: "256M" */
	char *kernel, *initrd, *append;
	enum disk_form disk;
	char *disk_path;      /* the raw file or the qcow2 overlay */
	char *blk_node;       /* "id0" */
	char *serial_id;      /* "serial0" */
	char *serial_socket;  /* path */
	bool chardev_short_bools; /* the lab's "server,nowait" spelling */
	char *qmp_socket;     /* NULL: none */
	char *pidfile;        /* NULL: none */
	struct nic_spec nics[VM_MAX_NICS];
	int nnics;
	struct vm_note notes[VM_MAX_NOTES];
	int nnotes;
};

/* The lab's single-VM command for these files (kernel, rootfs as the lab
 * names them relative to the current directory, console=hvc0 line). */
void vm_spec_lab(struct vm_spec *s, const char *kernel, const char *rootfs, const char *append);
/* Chapter 2's NIC: e1000, 52:54:00:8b:99:de, net0/hostnet0, tap0. */
void vm_spec_add_nic(struct vm_spec *s, const char *model, const char *mac, const char *dev_id,
		     const char *netdev_id, const char *ifname);
void vm_spec_release(struct vm_spec *s);
void vm_spec_note(struct vm_spec *s, const char *what, const char *why);
/* Setters that free what they replace. */
void vm_spec_set(char **field, const char *value);

/* argv (NULL-terminated, strings owned by the caller's argv array) */
struct vm_argv {
	char *v[VM_MAX_ARGS + 1];
	int n;
};
int vm_build_argv(const struct vm_spec *s, struct vm_argv *out);
void vm_argv_release(struct vm_argv *a);

/* The command as a student would type it: each argument shell-quoted only
 * when it needs it ("..." where that is enough), options grouped one device
 * per line with " \" continuations when multiline. */
void vm_format_command(const struct vm_argv *a, bool multiline, struct strbuf *out);
/* Shell-quote one word (for display). */
void shell_quote(const char *word, struct strbuf *out);

#endif
