/* runner/seccomp_filter: the compiled filter applied in a child: denied
 * calls fail with their errno on every x86 ABI, the rest work, nothing is
 * killed. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/grade/seccomp_filter.h"
#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

/* i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
#define I386_GETPID 20
#define I386_KEYCTL 288
#define I386_MOUNT 21

/* A 32-bit system call through int 0x80 from this 64-bit process: the
 * kernel runs it from its i386 table (when built with IA32 emulation). */
static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static void apply(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)n);
	struct sock_fprog prog = { .len = (unsigned short)(sb.len / sizeof(struct sock_filter)),
				   .filter = (struct sock_filter *)sb.buf };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		_exit(90);
}

/* Whether int 0x80 from this 64-bit process reaches the i386 system-call
 * table, asked in a child of its own: kernels without IA32 emulation answer
 * -ENOSYS, and some (seen on a 6.18 kernel built with IA32_EMULATION=y)
 * raise SIGSEGV instead. false, with the reason in why, when it does not. */
static bool i386_entry_reached(char *why, size_t cap)
{
	int pfd[2], st;
	long got[2] = { 0, 0 };
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		default_fault_signals();
		long probe[2] = { int80(I386_GETPID, 0, 0, 0), getpid() };
		_exit(write(pfd[1], probe, sizeof(probe)) == sizeof(probe) ? 0 : 91);
	}
	close(pfd[1]);
	ssize_t n = read(pfd[0], got, sizeof(got));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		snprintf(why, cap, "int 0x80 from a 64-bit process raised %s", strsignal(WTERMSIG(st)));
	else if (n != (ssize_t)sizeof(got))
		snprintf(why, cap, "the int 0x80 probe reported nothing (exit status %d)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	else if (got[0] == -ENOSYS)
		snprintf(why, cap, "int 0x80 returned ENOSYS (no IA32 emulation)");
	else if (got[0] != got[1])
		snprintf(why, cap, "int 0x80 getpid returned %ld, not the pid %ld", got[0], got[1]);
	else
		return true;
	return false;
}

/* What the child saw, one bit per expectation met. */
enum {
	KEYCTL_EPERM = 1, BPF_EPERM = 2, URING_ENOSYS = 4, MOUNT_EPERM = 8, PTRACE_EPERM = 16, GETPID_OK = 32,
	I386_KEYCTL_EPERM = 64, I386_MOUNT_EPERM = 128, I386_GETPID_OK = 256,
};

static void test_filter_applied(void **state)
{
	(void)state;
	char err[256] = "", why[160] = "";
	/* asked first, unfiltered: the filtered child takes the 32-bit entry
	 * only where it is known to work, so a fault there is the filter's */
	bool i386 = i386_entry_reached(why, sizeof(why));
	int fd = seccomp_filter_fd(err, sizeof(err));
	if (fd < 0)
		fail_msg("seccomp_filter_fd: %s", err);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		default_fault_signals();
		apply(fd);
		int seen = 0;
		errno = 0;
		if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM)
			seen |= KEYCTL_EPERM;
		if (syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM)
			seen |= BPF_EPERM;
		if (syscall(SYS_io_uring_setup, 1, NULL) < 0 && errno == ENOSYS)
			seen |= URING_ENOSYS;
		if (syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL) < 0 && errno == EPERM)
			seen |= MOUNT_EPERM;
		if (syscall(SYS_ptrace, 0, 0, NULL, NULL) < 0 && errno == EPERM)
			seen |= PTRACE_EPERM;
		if (syscall(SYS_getpid) == getpid())
			seen |= GETPID_OK;
		if (i386) {
			if (int80(I386_GETPID, 0, 0, 0) == getpid())
				seen |= I386_GETPID_OK;
			if (int80(I386_KEYCTL, 0, 0, 0) == -EPERM)
				seen |= I386_KEYCTL_EPERM;
			if (int80(I386_MOUNT, 0, 0, 0) == -EPERM)
				seen |= I386_MOUNT_EPERM;
		}
		if (write(pfd[1], &seen, sizeof(seen)) != sizeof(seen))
			_exit(91);
		_exit(0);
	}
	close(pfd[1]);
	int seen = 0, st;
	ssize_t n = read(pfd[0], &seen, sizeof(seen));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fail_msg("the filtered child died of %s", strsignal(WTERMSIG(st)));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* never killed */
	assert_int_equal(n, sizeof(seen));
	assert_true(seen & KEYCTL_EPERM);
	assert_true(seen & BPF_EPERM);
	assert_true(seen & URING_ENOSYS);
	assert_true(seen & MOUNT_EPERM);
	assert_true(seen & PTRACE_EPERM);
	assert_true(seen & GETPID_OK);
	if (!i386) {
		print_message("i386 ABI: %s; the 32-bit rules are not reached here, the 64-bit ones were checked\n", why);
	} else {
		assert_true(seen & I386_GETPID_OK);
		assert_true(seen & I386_KEYCTL_EPERM);
		assert_true(seen & I386_MOUNT_EPERM);
	}
	close(fd);
}

static void test_lists(void **state)
{
	(void)state;
	bool uring = false, keyctl = false;
	for (const char *const *n = seccomp_denied_enosys; *n; n++)
		uring |= !strcmp(*n, "io_uring_setup");
	for (const char *const *n = seccomp_denied_eperm; *n; n++)
		keyctl |= !strcmp(*n, "keyctl");
	assert_true(uring && keyctl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_applied),
		cmocka_unit_test(test_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
