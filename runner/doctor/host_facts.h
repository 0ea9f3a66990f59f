/* The host facts behind `vlab doctor` and chapter 0's host step: files below
 * a root directory, tools found in PATH, an optional boot under KVM, read
 * into a struct doctor_facts (I/O; host_table.h judges them, purely). */
#ifndef VLAB_HOST_FACTS_H
#define VLAB_HOST_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/grade/cgroup.h"
#include "runner/host/host.h"
#include "runner/doctor/sandbox_userns_probe.h"

#define DOCTOR_MAX_PROFILES 8

struct doctor_tool {
	bool found;            /* in PATH */
	bool runs;             /* `TOOL --version` exited 0 */
	char path[256];
	char version[160];     /* first line of its --version output (or what it said instead) */
};

struct doctor_file {
	bool present;
	unsigned mode;         /* st_mode */
	uid_t uid;
	gid_t gid;
	int open_err;          /* 0: open(O_RDWR) worked; else -errno */
};

struct doctor_profile {
	char name[64];
	char description[160];
	bool is_default;
	bool ok;               /* every file is there */
	bool hashed;           /* the manifest records a sha256 for every file */
	char dir[256];
	char files[160];       /* "vmlinux, initrd.img, rootfs.ext4" */
	char digest[17];       /* the profile digest's first 16 hex digits, "" unknown */
	char error[320];       /* image_resolve's message when !ok */
};

enum probe_state {
	PROBE_NOT_RUN,
	PROBE_SKIPPED,         /* why: probe.detail */
	PROBE_LOGIN,           /* "login:" seen */
	PROBE_NO_LOGIN,        /* deadline passed */
	PROBE_FAILED,          /* qemu exited, or could not be started */
};

struct doctor_probe {
	enum probe_state state;
	int64_t timeout_ms;
	int64_t elapsed_ms;    /* spawn to login:, or to giving up */
	char cpu[48];          /* the -cpu qemu finally ran with */
	char detail[512];      /* why skipped / how it failed */
	char console[512];     /* the last console lines, " | "-joined */
	char transcript[256];  /* the console transcript file */
};

enum tracepoints { TP_UNKNOWN, TP_FOUND, TP_ABSENT };

struct doctor_facts {
	char root[256];                /* "" for the real host */
	char osrelease[128];           /* /proc/sys/kernel/osrelease */
	struct host_kvm kvm;
	struct accel_decision accel;   /* what --accel auto would choose */
	struct doctor_file dev_kvm;
	int kvm_api;                   /* KVM_GET_API_VERSION (12); 0 not asked (not a device); -errno */
	struct doctor_file tun;        /* /dev/net/tun */
	uid_t euid;
	int userns_clone;              /* kernel.unprivileged_userns_clone: 0/1, -1 no such sysctl */
	long max_userns;               /* user.max_user_namespaces, -1 unknown */
	int apparmor_userns;           /* kernel.apparmor_restrict_unprivileged_userns, -1 none */
	int userns_unshare;            /* unshare(CLONE_NEWUSER|CLONE_NEWNET) in a child: 1 ok,
					* -errno refused, 0 not tried (a fake root) */
	bool apparmor_userns_present;  /* the sysctl file exists */
	char apparmor_userns_text[32]; /* its first line */
	struct sandbox_userns_probe sandbox_userns; /* what bwrap --unshare-user needs, tried */
	int perf_paranoid;             /* kernel.perf_event_paranoid, -99 unknown */
	enum tracepoints kvm_tp;
	int kvm_tp_count;              /* events in tracefs' kvm directory, 0 when not counted */
	char kvm_tp_where[128];        /* "/sys/kernel/tracing/events/kvm", "perf list" */
	struct doctor_tool qemu, qemu_img, strace, perf, iperf3, bwrap;
	struct doctor_tool ping, curl, wget;   /* what the lab has the student type on the host */
	struct cgroup_host cgroups;    /* where vlab grade's sandboxes' cgroups would go */
	int seccomp;                   /* 1 the sandbox's filter compiles, -errno not */
	char seccomp_error[256];
	struct doctor_profile profiles[DOCTOR_MAX_PROFILES];
	int nprofiles;
	char manifest_error[320];      /* a manifest that does not parse */
	struct doctor_probe probe;
	char kvmhost_missing[512];     /* why the emulated KVM host cannot start here; "" it can */
	int ept_restore_rc;            /* ept_restore_if_pending(): 1 nothing pending, 0 restored, -errno */
	char ept_restore[512];         /* what it did or why not */
};

/* Everything but the boot probe. root is "" for this host, else a directory
 * holding proc/, sys/, dev/ as a test builds them. Tools are looked up in
 * $PATH, images in image_dir(). Never fails: what cannot be read is a fact. */
void doctor_gather(const char *root, struct doctor_facts *f);

/* Boot the default image under KVM with this deadline and see whether the
 * guest reaches "login:". Skipped (and says why) without a usable /dev/kvm or
 * on a fake root. 0, or -EINTR when vlab was asked to stop. */
int doctor_probe(struct doctor_facts *f, int64_t timeout_ms);

/* The last `lines` non-empty lines of raw console output, escape sequences
 * and control characters removed, joined with " | " (pure, for tests). */
void doctor_console_evidence(const char *raw, int lines, char *out, size_t n);

#endif
