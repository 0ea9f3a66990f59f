/* runner/vmm: the hello program's bytes, and the VMM against the real
 * /dev/kvm: the hello guest's exits one by one, the stats fd before and
 * after, the exit bound, a stop request while the guest spins inside
 * KVM_RUN, and every fd and mapping released.
 * Without a usable /dev/kvm the KVM tests are SKIPPED with the reason. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/exits.h"
#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/vm/vmm.h"
#include "tests/unit/child.h"

#define EXIT_IO 2
#define EXIT_HLT 5
#define EXIT_MMIO 6

static void test_hello_image(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t n = vmm_hello_image(buf, sizeof(buf));
	assert_int_equal(n, 26 + sizeof(VMM_HELLO_MESSAGE));
	static const uint8_t head[] = { 0xba, 0xf8, 0x03, 0xbe, 0x1a, 0x10, 0xac };
	assert_memory_equal(buf, head, sizeof(head));
	assert_int_equal(buf[25], 0xf4); /* hlt, the last instruction */
	assert_memory_equal(buf + 26, VMM_HELLO_MESSAGE, sizeof(VMM_HELLO_MESSAGE));
	assert_int_equal(vmm_hello_image(buf, n - 1), 0);
	size_t listed = 0;
	for (size_t i = 0; i < vmm_hello_ninsns; i++) {
		assert_true(vmm_hello_insns[i].len >= 1 && vmm_hello_insns[i].len <= 6);
		listed += vmm_hello_insns[i].len;
	}
	assert_int_equal(listed, 26);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A VM built for real (vmm_create: the device opened, KVM_CREATE_VM, a
 * vCPU, the hello image loaded), in a child: a node that opens is not yet a
 * KVM that builds a VM (a device with no driver behind it, a KVM that
 * refuses VMs), and a probe that crashes must not take the suite with it. */
static const char *child_kvm_probe(void *arg)
{
	struct vmm v;
	uint8_t img[64];
	size_t n = vmm_hello_image(img, sizeof(img));
	int r;

	(void)arg;
	vmm_init(&v, NULL, NULL);
	r = vmm_create(&v, "/dev/kvm", img, n);
	if (r < 0)
		snprintf(child_msg, sizeof(child_msg), "SKIP: no VM can be made with /dev/kvm here: %s", v.error);
	vmm_close(&v);
	return r < 0 ? child_msg : NULL;
}

static void require_kvm(void)
{
	run_child(child_kvm_probe, NULL);
}

struct lines {
	struct strbuf all;
	int n, kvm_run;
};

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;
	sb_addf(&l->all, "%s\n", line);
	l->n++;
	if (strstr(line, "ioctl(vcpu, KVM_RUN, 0)"))
		l->kvm_run++;
}

static void test_bad_device(void **state)
{
	(void)state;
	struct vmm v;
	struct lines l = { STRBUF_INIT, 0, 0 };
	vmm_init(&v, collect, &l);
	uint8_t img[64];
	size_t n = vmm_hello_image(img, sizeof(img));
	assert_int_equal(vmm_create(&v, "/nonexistent/kvm", img, n), -ENOENT);
	assert_string_equal(v.error, "cannot open '/nonexistent/kvm': No such file or directory");
	assert_string_equal(l.all.buf, "open(\"/nonexistent/kvm\", O_RDWR|O_CLOEXEC) = -1 No such file or directory\n");
	vmm_close(&v);
	/* not a KVM at all: the first ioctl says so */
	assert_int_equal(vmm_create(&v, "/dev/null", img, n), -ENOTTY);
	assert_non_null(strstr(v.error, "ioctl(kvm, KVM_GET_API_VERSION, 0): "));
	vmm_close(&v);
	vmm_close(&v);
	/* too big for RAM above the load address */
	static uint8_t huge[VMM_MEM_SIZE];
	assert_int_equal(vmm_create(&v, "/dev/kvm", huge, sizeof(huge)), -EINVAL);
	assert_int_equal(v.kvm_fd, -1);
	struct vmm_result res;
	assert_int_equal(vmm_run(&v, 10, &res), -EBADF);
	uint8_t *buf;
	size_t len;
	assert_int_equal(vmm_stats_read(&v, &buf, &len), -EBADF);
	sb_release(&l.all);
}

static void test_hello_run(void **state)
{
	(void)state;
	require_kvm();
	int fds = count_fds();
	struct vmm v;
	struct lines l = { STRBUF_INIT, 0, 0 };
	vmm_init(&v, collect, &l);
	uint8_t img[64];
	size_t n = vmm_hello_image(img, sizeof(img));
	assert_int_equal(vmm_create(&v, "/dev/kvm", img, n), 0);
	assert_int_equal(v.api_version, 12);
	assert_non_null(strstr(l.all.buf, "ioctl(kvm, KVM_CREATE_VM, 0) = "));
	assert_non_null(strstr(l.all.buf, "ioctl(vm, KVM_SET_USER_MEMORY_REGION, {slot=0, flags=0, "
					  "guest_phys_addr=0x0, memory_size=65536, userspace_addr="));
	assert_non_null(strstr(l.all.buf, "ioctl(vcpu, KVM_SET_REGS, {rip=0x1000, rflags=0x2}) = 0"));

	struct kvm_stat before[256], after[256];
	size_t nb = 0, na = 0;
	uint8_t *buf = NULL;
	size_t len = 0;
	int src = vmm_stats_open(&v);
	if (src == 0) {
		assert_int_equal(vmm_stats_read(&v, &buf, &len), 0);
		assert_int_equal(kvm_stats_parse(buf, len, before, 256, &nb), 0);
		free(buf);
		const struct kvm_stat *e = kvm_stat_find(before, nb, "exits");
		assert_non_null(e);
		assert_int_equal(e->value, 0); /* a vCPU that never ran */
	} else {
		print_message("no stats fd here: %s\n", v.error);
	}

	struct vmm_result res;
	int before_run = l.kvm_run;
	assert_int_equal(vmm_run(&v, VMM_MAX_EXITS, &res), 0);
	assert_true(res.halted);
	assert_string_equal(res.stop, "");
	assert_int_equal(res.by_reason[EXIT_IO], strlen(VMM_HELLO_MESSAGE));
	assert_int_equal(res.by_reason[EXIT_MMIO], 1);
	assert_int_equal(res.by_reason[EXIT_HLT], 1);
	assert_int_equal(res.exits, strlen(VMM_HELLO_MESSAGE) + 2);
	assert_int_equal(res.runs, res.exits + res.interrupted);
	assert_int_equal(res.io_com1, strlen(VMM_HELLO_MESSAGE));
	assert_int_equal(res.serial_len, strlen(VMM_HELLO_MESSAGE));
	assert_memory_equal(res.serial, VMM_HELLO_MESSAGE, res.serial_len);
	assert_int_equal(res.rip, 0x101a); /* just past the hlt */
	assert_true(res.in_kvm_run_ns > 0 && res.loop_ns >= res.in_kvm_run_ns);
	assert_int_equal(l.kvm_run - before_run, (int)res.runs);

	/* the log: the first OUT, the MMIO write, the HLT */
	size_t first_io = 0, mmio = 0;
	while (first_io < res.nlog && res.log[first_io].err)
		first_io++;
	assert_int_equal(res.log[first_io].reason, EXIT_IO);
	assert_int_equal(res.log[first_io].io_port, 0x3f8);
	assert_int_equal(res.log[first_io].io_size, 1);
	assert_int_equal(res.log[first_io].io_count, 1);
	assert_int_equal(res.log[first_io].data[0], 'v');
	char d[160];
	vmm_describe_exit(&res.log[first_io], d, sizeof(d));
	assert_string_equal(d, "KVM_EXIT_IO out port 0x3f8 size 1 count 1 'v'");
	while (mmio < res.nlog && res.log[mmio].reason != EXIT_MMIO)
		mmio++;
	assert_true(mmio < res.nlog);
	assert_int_equal(res.log[mmio].mmio_gpa, VMM_MMIO_GPA);
	assert_int_equal(res.log[mmio].mmio_len, 1);
	assert_true(res.log[mmio].mmio_write);
	assert_int_equal(res.log[mmio].data[0], VMM_MMIO_VALUE);
	vmm_describe_exit(&res.log[mmio], d, sizeof(d));
	assert_string_equal(d, "KVM_EXIT_MMIO write 0x10000 len 1 data 0x5a");
	assert_int_equal(res.log[res.nlog - 1].reason, EXIT_HLT);

	if (src == 0) {
		assert_int_equal(vmm_stats_read(&v, &buf, &len), 0);
		assert_int_equal(kvm_stats_parse(buf, len, after, 256, &na), 0);
		free(buf);
		struct stats_delta sd;
		memset(&sd, 0, sizeof(sd));
		kvm_stats_delta(before, nb, after, na, &sd);
		assert_true(sd.has_exits);
		assert_true(sd.exits >= res.exits);
		/* kept by every KVM this was tried on (kvm_pvm included) */
		assert_int_equal(sd.halt_exits, 1);
		assert_int_equal(sd.mmio_exits, 1);
	}

	vmm_close(&v);
	vmm_close(&v);
	assert_int_equal(count_fds(), fds);
	sb_release(&l.all);
}

/* out forever: the bound ends it. */
static void test_exit_bound(void **state)
{
	(void)state;
	require_kvm();
	static const uint8_t spin[] = {
		0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xee,             /* out dx, al */
		0xeb, 0xfd,       /* jmp -3 */
	};
	struct vmm v;
	vmm_init(&v, NULL, NULL);
	assert_int_equal(vmm_create(&v, "/dev/kvm", spin, sizeof(spin)), 0);
	struct vmm_result res;
	assert_int_equal(vmm_run(&v, 100, &res), 0);
	assert_false(res.halted);
	assert_int_equal(res.exits, 100);
	assert_int_equal(res.by_reason[EXIT_IO], 100);
	assert_string_equal(res.stop, "no hlt within 100 exits");
	vmm_close(&v);
}

/* A guest that spins without ever exiting (`jmp $`) keeps KVM_RUN in the
 * kernel: no exit bound can end that. A stop request can: the signal makes
 * KVM_RUN return EINTR (4.10), and the loop unwinds with -EINTR. The
 * signal comes from a POSIX timer, as Ctrl-C would from the terminal. */
static void test_stop_request(void **state)
{
	(void)state;
	require_kvm();
	static const uint8_t spin[] = { 0xeb, 0xfe }; /* jmp $ */
	struct vmm v;
	vmm_init(&v, NULL, NULL);
	assert_int_equal(vmm_create(&v, "/dev/kvm", spin, sizeof(spin)), 0);
	cleanup_install_signal_handlers();
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGINT;
	timer_t t;
	assert_int_equal(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
	struct itimerspec its = { .it_value = { .tv_nsec = 100 * 1000 * 1000 } };
	assert_int_equal(timer_settime(t, 0, &its, NULL), 0);
	struct vmm_result res;
	int64_t t0 = now_ms();
	assert_int_equal(vmm_run(&v, 100, &res), -EINTR);
	assert_true(now_ms() - t0 < 5000);
	timer_delete(t);
	assert_true(cleanup_stop_requested());
	cleanup_clear_stop();
	assert_false(res.halted);
	assert_int_equal(res.exits, 0);
	assert_true(res.interrupted >= 1);
	assert_int_equal(res.log[0].err, EINTR);
	char d[64];
	vmm_describe_exit(&res.log[0], d, sizeof(d));
	assert_string_equal(d, "-1 Interrupted system call");
	vmm_close(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_image),
		cmocka_unit_test(test_bad_device),
		cmocka_unit_test(test_hello_run),
		cmocka_unit_test(test_exit_bound),
		cmocka_unit_test(test_stop_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
