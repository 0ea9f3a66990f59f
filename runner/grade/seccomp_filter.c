/* The sandboxes' seccomp filter; see seccomp_filter.h. */
#include "runner/grade/seccomp_filter.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *const seccomp_denied_eperm[] = {
	"keyctl", "add_key", "request_key",
	"bpf", "userfaultfd", "perf_event_open",
	"ptrace", "process_vm_readv", "process_vm_writev",
	"kexec_load", "kexec_file_load",
	"init_module", "finit_module", "delete_module",
	"mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
	"fspick", "mount_setattr",
	"setns", "swapon", "swapoff", "reboot", "open_by_handle_at", "name_to_handle_at",
	"iopl", "ioperm", "syslog", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"acct", "quotactl", "quotactl_fd", "lookup_dcookie", "vhangup",
	NULL,
};

const char *const seccomp_denied_enosys[] = { "io_uring_setup", "io_uring_enter", "io_uring_register", NULL };

static int deny(scmp_filter_ctx ctx, const char *const *names, int err_no, char *err, size_t errlen)
{
	for (const char *const *n = names; *n; n++) {
		int nr = seccomp_syscall_resolve_name(*n);
		if (nr == __NR_SCMP_ERROR)
			continue;  /* not a call of these architectures (umount on x86_64) */
		int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)err_no), nr, 0);
		if (r < 0 && r != -EDOM) {
			snprintf(err, errlen, "cannot add the seccomp rule for %s: %s", *n, strerror(-r));
			return r;
		}
	}
	return 0;
}

int seccomp_filter_fd(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "cannot start a seccomp filter (libseccomp)");
		return -ENOMEM;
	}
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
	if (!r && (r = seccomp_arch_add(ctx, SCMP_ARCH_X86)) == -EEXIST)
		r = 0;
	if (!r && (r = seccomp_arch_add(ctx, SCMP_ARCH_X32)) == -EEXIST)
		r = 0;
	if (r) {
		snprintf(err, errlen, "cannot set the seccomp filter's architectures: %s", strerror(-r));
		goto out;
	}
	if ((r = deny(ctx, seccomp_denied_eperm, EPERM, err, errlen)) ||
	    (r = deny(ctx, seccomp_denied_enosys, ENOSYS, err, errlen)))
		goto out;
	int fd = memfd_create("vlab-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "memfd_create: %s", strerror(-r));
		goto out;
	}
	if ((r = seccomp_export_bpf(ctx, fd)) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		r = r < 0 ? r : -errno;
		snprintf(err, errlen, "cannot compile the seccomp filter: %s", strerror(-r));
		close(fd);
		goto out;
	}
	r = fd;
out:
	seccomp_release(ctx);
	return r;
}
