/* runner/seccomp_filter: the compiled filter applied in a child: denied
 * calls fail with their errno on every x86 ABI this kernel lets a 64-bit
 * process reach, the rest work, nothing is killed. And the same exported
 * program run by a classic-BPF interpreter here on synthetic seccomp_data
 * for all three ABIs (i386, x86_64, x32) and a foreign architecture, so the
 * 32-bit rules are checked on every host, including those where int 0x80
 * never reaches them. */
#include <asm/unistd.h>
#include <errno.h>
#include <linux/audit.h>
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
#include <seccomp.h>

#include "runner/grade/seccomp_filter.h"
#include "runner/util.h"
#include "tests/unit/child.h"

/* i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
#define I386_GETPID 20
#define I386_KEYCTL 288
#define I386_MOUNT 21
#define I386_IO_URING_SETUP 425
/* x86_64's (arch/x86/entry/syscalls/syscall_64.tbl); x32 shares these
 * "common" numbers, with __X32_SYSCALL_BIT set */
#define X64_GETPID 39
#define X64_MOUNT 165
#define X64_KEYCTL 250
#define X64_IO_URING_SETUP 425

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

/* ---- the exported program, interpreted ---- */

/* The compiled program seccomp_filter_fd exports, whole (free it). */
static struct sock_filter *exported_program(size_t *len)
{
	char err[256] = "", buf[4096];
	struct strbuf sb = STRBUF_INIT;
	ssize_t n;
	int fd = seccomp_filter_fd(err, sizeof(err));
	if (fd < 0)
		fail_msg("seccomp_filter_fd: %s", err);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)n);
	close(fd);
	assert_true(sb.len > 0 && sb.len % sizeof(struct sock_filter) == 0);
	*len = sb.len / sizeof(struct sock_filter);
	return (struct sock_filter *)sb.buf;
}

static uint32_t jump_if(bool cond, const struct sock_filter *i)
{
	return cond ? i->jt : i->jf;
}

/* The classic-BPF program run on one system call's seccomp_data, as the
 * kernel's seccomp would: its SECCOMP_RET_* value. Only the instructions a
 * libseccomp filter uses are known; any other fails the test, so a program
 * this cannot judge is never passed. */
static uint32_t cbpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *d)
{
	uint32_t a = 0;
	size_t pc = 0;
	/* every jump is forward: more steps than instructions is a bug here */
	for (size_t steps = 0; steps < len; steps++) {
		if (pc >= len)
			fail_msg("the program ran off its end (pc %zu of %zu)", pc, len);
		const struct sock_filter *i = &prog[pc++];
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k % 4 || i->k > sizeof(*d) - 4)
				fail_msg("a load at offset %u, outside seccomp_data", i->k);
			memcpy(&a, (const char *)d + i->k, 4);
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += jump_if(a == i->k, i);
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += jump_if(a >= i->k, i);
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += jump_if(a > i->k, i);
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += jump_if((a & i->k) != 0, i);
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			fail_msg("instruction %zu has opcode %#x, which this interpreter does not know", pc - 1,
				 (unsigned int)i->code);
		}
	}
	fail_msg("the program did not return within %zu steps", len);
	return 0;
}

static const char *errno_name(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

static const char *action_name(uint32_t ret, char *buf, size_t n)
{
	if (ret == SECCOMP_RET_ALLOW)
		snprintf(buf, n, "ALLOW");
	else if ((ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
		snprintf(buf, n, "ERRNO(%s)", errno_name((int)(ret & SECCOMP_RET_DATA)));
	else
		snprintf(buf, n, "%#x", ret);
	return buf;
}

/* The program's answer for (arch, nr) is want (SECCOMP_RET_ALLOW, or
 * SECCOMP_RET_ERRNO | errno). */
static void expect_action(const struct sock_filter *prog, size_t len, uint32_t arch, int nr, const char *what,
			  uint32_t want)
{
	struct seccomp_data d = { .nr = nr, .arch = arch, .instruction_pointer = 0x401000 };
	uint32_t got = cbpf_run(prog, len, &d);
	char g[48], w[48];
	if (got != want)
		fail_msg("%s (arch %#x, nr %#x): %s, want %s", what, arch, (unsigned int)nr,
			 action_name(got, g, sizeof(g)), action_name(want, w, sizeof(w)));
}

#define ERRNO_RET(e) (SECCOMP_RET_ERRNO | (uint32_t)(e))

/* Each ABI's numbers for the calls asked about, from the kernel's tables
 * (not from libseccomp, which built the program). */
static void test_program_interpreted(void **state)
{
	(void)state;
	size_t len;
	struct sock_filter *prog = exported_program(&len);
	const int x32 = __X32_SYSCALL_BIT;

	expect_action(prog, len, AUDIT_ARCH_I386, I386_KEYCTL, "i386 keyctl", ERRNO_RET(EPERM));
	expect_action(prog, len, AUDIT_ARCH_I386, I386_MOUNT, "i386 mount", ERRNO_RET(EPERM));
	expect_action(prog, len, AUDIT_ARCH_I386, I386_IO_URING_SETUP, "i386 io_uring_setup", ERRNO_RET(ENOSYS));
	expect_action(prog, len, AUDIT_ARCH_I386, I386_GETPID, "i386 getpid", SECCOMP_RET_ALLOW);

	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_KEYCTL, "x86_64 keyctl", ERRNO_RET(EPERM));
	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_MOUNT, "x86_64 mount", ERRNO_RET(EPERM));
	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_IO_URING_SETUP, "x86_64 io_uring_setup", ERRNO_RET(ENOSYS));
	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_GETPID, "x86_64 getpid", SECCOMP_RET_ALLOW);

	/* x32 reports AUDIT_ARCH_X86_64 with the x32 bit in the number */
	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_KEYCTL | x32, "x32 keyctl", ERRNO_RET(EPERM));
	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_MOUNT | x32, "x32 mount", ERRNO_RET(EPERM));
	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_IO_URING_SETUP | x32, "x32 io_uring_setup", ERRNO_RET(ENOSYS));
	expect_action(prog, len, AUDIT_ARCH_X86_64, X64_GETPID | x32, "x32 getpid", SECCOMP_RET_ALLOW);

	/* any other architecture: ENOSYS for everything, getpid included */
	expect_action(prog, len, AUDIT_ARCH_AARCH64, 172, "aarch64 getpid", ERRNO_RET(ENOSYS));
	free(prog);
}

/* Every name of both lists, on each ABI that has it: denied there with its
 * errno. */
static void test_program_every_rule(void **state)
{
	(void)state;
	static const struct {
		uint32_t scmp, audit;
		const char *name;
	} abi[] = {
		{ SCMP_ARCH_X86, AUDIT_ARCH_I386, "i386" },
		{ SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, "x86_64" },
		{ SCMP_ARCH_X32, AUDIT_ARCH_X86_64, "x32" },
	};
	const char *const *lists[] = { seccomp_denied_eperm, seccomp_denied_enosys };
	const int errs[] = { EPERM, ENOSYS };
	size_t len;
	int checked = 0;
	struct sock_filter *prog = exported_program(&len);
	for (size_t a = 0; a < ARRAY_SIZE(abi); a++) {
		for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
			for (const char *const *n = lists[l]; *n; n++) {
				int nr = seccomp_syscall_resolve_name_arch(abi[a].scmp, *n);
				if (nr < 0)
					continue; /* no such call on this ABI (umount on x86_64) */
				char what[64];
				snprintf(what, sizeof(what), "%s %s", abi[a].name, *n);
				expect_action(prog, len, abi[a].audit, nr, what, ERRNO_RET(errs[l]));
				checked++;
			}
		}
	}
	assert_true(checked > 100);
	free(prog);
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
		cmocka_unit_test(test_program_interpreted),
		cmocka_unit_test(test_program_every_rule),
		cmocka_unit_test(test_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
