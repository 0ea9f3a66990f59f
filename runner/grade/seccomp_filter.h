/* The seccomp filter of grading's sandboxes, built with libseccomp and
 * handed to bubblewrap (--seccomp FD) as a compiled BPF program.
 *
 * Everything is allowed except what the lab never needs and what reaches
 * the kernel's less-walked paths: keys (keyctl, add_key, request_key), bpf,
 * userfaultfd, perf_event_open, ptrace and process_vm_*, kexec, kernel
 * modules, the mount family (mount, umount2, pivot_root, the new mount API),
 * setns, swap, reboot, open_by_handle_at, iopl/ioperm, syslog, the clock
 * setters, acct, quotactl. Those fail with EPERM. io_uring's three calls
 * fail with ENOSYS, as on a kernel without it: Debian's qemu 7.2 links
 * liburing and probes for it, then falls back. Nothing is ever killed, so a
 * denied call is an error the script or qemu can report.
 *
 * The filter covers x86_64 and the other two ABIs a 64-bit x86 kernel runs
 * (i386 through int 0x80, x32): a call denied on one is denied on all. Any
 * other architecture gets ENOSYS for every call. */
#ifndef VLAB_SECCOMP_FILTER_H
#define VLAB_SECCOMP_FILTER_H

#include <stddef.h>

/* The names of the calls denied with EPERM, then those with ENOSYS
 * (NULL-terminated), for the README, doctor and tests. */
extern const char *const seccomp_denied_eperm[];
extern const char *const seccomp_denied_enosys[];

/* A memfd (close-on-exec, offset 0) holding the compiled filter: -errno,
 * with err saying what failed. */
int seccomp_filter_fd(char *err, size_t errlen);

#endif
