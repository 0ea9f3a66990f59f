/* runner/seccomp_filter: the compiled filter applied in a child: denied
 * calls fail with their errno on every x86 ABI, the rest work, nothing is
 * killed. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
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

/* What the child saw, one bit per expectation met. */
enum {
	KEYCTL_EPERM = 1, BPF_EPERM = 2, URING_ENOSYS = 4, MOUNT_EPERM = 8, PTRACE_EPERM = 16, GETPID_OK = 32,
	I386_KEYCTL_EPERM = 64, I386_MOUNT_EPERM = 128, I386_GETPID_OK = 256, NO_IA32 = 512,
};

static void test_filter_applied(void **state)
{
	(void)state;
	char err[256] = "";
	int fd = seccomp_filter_fd(err, sizeof(err));
	if (fd < 0)
		fail_msg("seccomp_filter_fd: %s", err);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
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
		long me = int80(I386_GETPID, 0, 0, 0);
		if (me == -ENOSYS) {
			seen |= NO_IA32;
		} else {
			if (me == getpid())
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
	assert_int_equal(read(pfd[0], &seen, sizeof(seen)), sizeof(seen));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* never killed */
	assert_true(seen & KEYCTL_EPERM);
	assert_true(seen & BPF_EPERM);
	assert_true(seen & URING_ENOSYS);
	assert_true(seen & MOUNT_EPERM);
	assert_true(seen & PTRACE_EPERM);
	assert_true(seen & GETPID_OK);
	if (seen & NO_IA32) {
		print_message("i386 ABI: this kernel has no IA32 emulation; the 32-bit rules are not reached\n");
	} else {
		assert_true(seen & I386_GETPID_OK);
		assert_true(seen & I386_KEYCTL_EPERM);
		assert_true(seen & I386_MOUNT_EPERM);
	}
	close(pfd[0]);
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
