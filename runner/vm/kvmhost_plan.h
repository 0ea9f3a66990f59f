/* The emulated KVM host's plan (pure): which of the host's directories it
 * gets, how, and the qemu command that boots it; and the small formats that
 * cross the boundary with it (runner/vm/kvmhost.h tells the whole design).
 *
 * The plan is a text file vlab writes into the run's writable share before
 * the boot; the emulated host's /init (assets/image/kvmhost-init) builds its
 * root from it and vlab's agent inside reads its own lines:
 *
 *   link PATH TARGET        a symlink at the root, as the host has it (/bin -> usr/bin)
 *   share TAG PATH MODE     a read-only 9p share (MODE ro), or one under a
 *                           tmpfs overlay (MODE overlay: the share holding
 *                           the kernel's module directory, which /init must
 *                           add the emulated kernel's tree to)
 *   modules DIR             where /lib/modules is on the host (/usr/lib/modules)
 *   rundir PATH             the writable share's place (tag vlabrun)
 *   agent PATH              vlab's own binary
 *   cwd PATH                where the command starts          (agent only)
 *   mode run|shell                                              (agent only)
 *   winsize ROWS COLS       the host terminal's, for the shell (agent only)
 *
 * Items are separated by single spaces and /init reads them with the
 * shell's `read`, so every path in a plan is absolute and free of blanks
 * and control characters (kvmhost_path_ok); the same path on both sides, so
 * a path the command prints means the same thing on the host. */
#ifndef VLAB_KVMHOST_PLAN_H
#define VLAB_KVMHOST_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/util.h"
#include "runner/vm/vm.h"

#define KVMHOST_MAX_SHARES 12
#define KVMHOST_MAX_LINKS 8
#define KVMHOST_MAX_NOTES 6
/* the writable share's 9p mount tag */
#define KVMHOST_RUN_TAG "vlabrun"
/* virtio-serial port names, as the agent finds them in /sys/class/virtio-ports */
#define KVMHOST_PORT_OUT "vlab.out"
#define KVMHOST_PORT_ERR "vlab.err"
#define KVMHOST_PORT_CTL "vlab.ctl"
#define KVMHOST_PORT_TTY "vlab.tty"

enum kvmhost_share_mode { SHARE_RO, SHARE_OVERLAY };

struct kvmhost_share {
	char tag[16];  /* "vlab0" */
	char *path;
	enum kvmhost_share_mode mode;
};

struct kvmhost_link {
	char *path;    /* "/bin" */
	char *target;  /* "usr/bin" */
};

/* One entry of the host's root directory that the plan considers. */
struct kvmhost_root_entry {
	const char *path;  /* "/lib64" */
	const char *link;  /* its symlink's target, NULL when it is a directory, "" when absent */
};

/* What the plan is made from: gathered from the host by kvmhost.c, made up
 * by the unit tests. Every path is canonical (realpath). */
struct kvmhost_plan_in {
	const struct kvmhost_root_entry *root;  /* /usr, /etc, /bin, /lib, ... */
	size_t nroot;
	const char *wanted[6];   /* more read-only directories: the working directory,
				  * vlab's own, the image's, the cache's (NULL: none) */
	const char *wanted_why[6]; /* what each is, for a note: "the working directory" */
	bool unreadable[6];      /* this user cannot read it (qemu, as this user, could not share it) */
	const char *modules_dir; /* where the host's /lib/modules is ("/usr/lib/modules") */
	const char *rundir;      /* the writable share */
	const char *agent;       /* vlab's binary */
	const char *cwd;         /* where the command starts */
	bool shell;
	int rows, cols;          /* the terminal's size; 0: unknown */
};

struct kvmhost_plan {
	struct kvmhost_share shares[KVMHOST_MAX_SHARES];
	int nshares;
	struct kvmhost_link links[KVMHOST_MAX_LINKS];
	int nlinks;
	char *notes[KVMHOST_MAX_NOTES];  /* what was left out, and why */
	int nnotes;
	char *cwd;                       /* the command's: in->cwd, or "/" when that is not shared */
};

/* Whether path can go into a plan: absolute, at most 1024 bytes, no blank
 * or control character, no empty, "." or ".." component. */
bool kvmhost_path_ok(const char *path);

/* The shares and links for in: every root entry that is a directory is a
 * share, a symlink a link; each wanted directory is a share unless a share
 * holds it already, or it is not to be shared (/, /proc, /sys, /dev and what
 * is below them, /run and /tmp themselves, which the emulated host has of its
 * own, a path kvmhost_path_ok refuses, one this user cannot read): then a
 * note says so. Shares sort
 * parents first. -EINVAL with err set when in itself is unusable (a root
 * entry's path or link, the rundir, the agent, or no share to hold the
 * module directory). */
int kvmhost_plan_make(const struct kvmhost_plan_in *in, struct kvmhost_plan *out, char *err, size_t errlen);
void kvmhost_plan_release(struct kvmhost_plan *p);
/* The plan file's text. */
void kvmhost_plan_write(const struct kvmhost_plan_in *in, const struct kvmhost_plan *p, struct strbuf *sb);

/* The agent's lines of a plan. */
struct kvmhost_agent_conf {
	char cwd[1100];
	bool shell;
	int rows, cols;
};
/* -EINVAL (err says which line) on a malformed agent line or no mode. */
int kvmhost_plan_parse_agent(const char *text, struct kvmhost_agent_conf *c, char *err, size_t errlen);

/* The qemu command for the emulated host. */
struct kvmhost_qemu_in {
	const char *qemu;      /* "qemu-system-x86_64" */
	const char *kernel;    /* the default profile's vmlinux */
	const char *initrd;    /* kvmhost-initrd.img with kvmhost-modules.cpio.gz appended */
	const char *console;   /* console.log, written by qemu */
	const char *sock_dir;  /* where the channel sockets go (NAME.sock) */
	const char *mem;       /* "2G" */
	int cpus;
	bool shell;
};
/* Always TCG with -cpu max, whatever the host has: only TCG's emulated CPU
 * is AMD with SVM and nested paging; KVM on an Intel host would hand the
 * guest VMX, which kvm_amd does not drive. */
int kvmhost_qemu_argv(const struct kvmhost_qemu_in *in, const struct kvmhost_plan_in *pin,
		      const struct kvmhost_plan *p, struct vm_argv *out);
/* A channel's socket path: SOCK_DIR/kvmhost-NAME.sock ("out", "err", "ctl", "tty"). */
char *kvmhost_sock_path(const char *sock_dir, const char *name);

#endif
