/* `vlab doctor`: what this host has for the lab, row by row, each with its
 * evidence, what it enables and how to fix it.
 *
 * Probing (I/O: files below a root directory, tools found in PATH, an
 * optional boot under KVM) fills a struct doctor_facts; turning facts into
 * rows is pure, so every verdict is tested on fake roots. */
#ifndef VLAB_DOCTOR_H
#define VLAB_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "runner/grade/cgroup.h"
#include "runner/host/host.h"

#define DOCTOR_MAX_PROFILES 8
#define DOCTOR_MAX_ROWS 32

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
	int perf_paranoid;             /* kernel.perf_event_paranoid, -99 unknown */
	enum tracepoints kvm_tp;
	int kvm_tp_count;              /* events in tracefs' kvm directory, 0 when not counted */
	char kvm_tp_where[128];        /* "/sys/kernel/tracing/events/kvm", "perf list" */
	struct doctor_tool qemu, qemu_img, strace, perf, iperf3, bwrap;
	struct cgroup_host cgroups;    /* where vlab grade's sandboxes' cgroups would go */
	int seccomp;                   /* 1 the sandbox's filter compiles, -errno not */
	char seccomp_error[256];
	struct doctor_profile profiles[DOCTOR_MAX_PROFILES];
	int nprofiles;
	char manifest_error[320];      /* a manifest that does not parse */
	struct doctor_probe probe;
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

enum doctor_status { DOCTOR_OK, DOCTOR_INFO, DOCTOR_WARN, DOCTOR_MISSING };

struct doctor_row {
	char name[32];
	enum doctor_status status;
	bool essential;        /* chapter 1 cannot run without it */
	char detail[640];      /* the evidence */
	char enables[320];     /* what it is for in the lab */
	char fix[320];         /* one line; "" when nothing to do */
};

/* The table for these facts; returns the number of rows (at most max). */
size_t doctor_rows(const struct doctor_facts *f, struct doctor_row *rows, size_t max);

/* "ok", "info", "warn", "missing" */
const char *doctor_status_name(enum doctor_status s);

/* Kinds of host and what works on each (README's "Which host" section). */
struct doctor_host_kind {
	const char *id;        /* "bare-metal", "nested-vm", "cloud-vm", "wsl2", "macos" */
	const char *name;
	const char *works;
};
extern const struct doctor_host_kind doctor_host_kinds[];
extern const size_t doctor_nhost_kinds;

/* Which of doctor_host_kinds this host looks like; why gets the evidence. */
const struct doctor_host_kind *doctor_host_kind_guess(const struct doctor_facts *f, char *why, size_t n);

/* The last `lines` non-empty lines of raw console output, escape sequences
 * and control characters removed, joined with " | " (pure, for tests). */
void doctor_console_evidence(const char *raw, int lines, char *out, size_t n);

/* Output. */
void doctor_print_text(FILE *out, const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows);
json_t *doctor_json(const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows);
/* 0 when chapter 1 can run here, EXIT_HOST when an essential row is missing. */
int doctor_exit_status(const struct doctor_row *rows, size_t nrows);

/* The command: --format text|json, --probe, --root DIR (hidden), --help.
 * 0, 2 usage, 3 something essential missing, 128+signal when stopped.
 * Its usage, summary and option lines, for main.c's command table too. */
int cmd_doctor(int argc, char **argv);
#define DOCTOR_USAGE "[--format text|json] [--probe]"
#define DOCTOR_SUMMARY "what this host has for the lab, what each thing enables, how to fix what is missing"
#define DOCTOR_OPTIONS                                                                              \
	"  --format text|json      how to print (default text)\n"                                    \
	"  --probe                 also boot the default image under KVM (20 s at most) and see\n"   \
	"                          whether it reaches login:\n"


#endif
