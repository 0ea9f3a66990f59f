/* checks/strace_parse.c and checks/ch4.c on real strace logs of qemu. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/ch4.h"
#include "checks/strace_parse.h"
#include "runner/util.h"
#include "runner/files.h"

static struct strbuf load(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xasprintf("%s/strace/%s", FIXTURES, name);
	if (read_file(path, &sb))
		fail_msg("cannot read %s", path);
	free(path);
	return sb;
}

static void parse_file(const char *name, uint64_t ram, unsigned long min_run, bool all_threads)
{
	struct strbuf sb = load(name);
	struct strace_summary s;
	assert_int_equal(strace_parse(sb.buf, sb.len, &s), 0);
	assert_true(s.ram_bytes == ram);
	assert_true(strace_request_count(&s, "KVM_RUN") >= min_run);
	assert_int_equal(strace_request_count(&s, "KVM_CREATE_VM"), 1);
	/* QEMU creates each vCPU in that vCPU's own thread: seen with -f only */
	if (all_threads)
		assert_true(strace_request_count(&s, "KVM_CREATE_VCPU") >= 1);
	assert_true(s.region_calls >= 7);
	assert_true(s.kvm_calls > s.region_calls);
	sb_release(&sb);
}

static void test_real_logs(void **state)
{
	(void)state;
	parse_file("strace-shared-m256M.log", 256ULL << 20, 1000, true);
	parse_file("strace-m256M-ftty.log", 256ULL << 20, 1000, true);
	parse_file("strace-m512M-f.log", 512ULL << 20, 1000, true);
	/* 5 GiB: 3 GiB below the PCI hole and 2 GiB above 4 GiB, one block in qemu */
	parse_file("strace-m5G-f.log", 5ULL << 30, 1000, true);
	/* without -f only the main thread: no KVM_RUN, the memory is all there */
	parse_file("strace-m256M-nof.log", 256ULL << 20, 0, false);
	parse_file("strace-m256M-lab-ampersand.log", 256ULL << 20, 0, false);
}

static void test_first_region_call(void **state)
{
	(void)state;
	struct strbuf sb = load("strace-shared-m256M.log");
	struct strace_summary s;
	assert_int_equal(strace_parse(sb.buf, sb.len, &s), 0);
	assert_int_equal(s.regions[0].slot, 0);
	assert_true(s.regions[0].memory_size == 268435456);
	assert_int_equal(s.regions[0].line, 120);
	assert_true(s.regions[1].readonly);
	assert_true(s.regions[1].guest_phys_addr == 0xfffc0000);
	sb_release(&sb);
}

/* The log cut at many places, even mid-line: never a crash; once the first
 * 256 MiB call is in, the RAM stays 256 MiB (the most seen at any point). */
static void test_cut_logs(void **state)
{
	(void)state;
	struct strbuf sb = load("strace-shared-m256M.log");
	const char *first = strstr(sb.buf, "memory_size=268435456");
	size_t first_end = (size_t)(strchr(first, '\n') - sb.buf);
	for (size_t cut = 0; cut <= sb.len; cut += 997) {
		struct strace_summary s;
		int r = strace_parse(sb.buf, cut, &s);
		assert_true(r == 0 || r == -ENOENT);
		if (cut > first_end)
			assert_true(s.ram_bytes == 256ULL << 20);
		if (cut < (size_t)(first - sb.buf))
			assert_true(s.ram_bytes == 0);
	}
	sb_release(&sb);
}

static void parse_text(const char *text, struct strace_summary *s, int want_rc)
{
	assert_int_equal(strace_parse(text, strlen(text), s), want_rc);
}

static void test_shapes(void **state)
{
	(void)state;
	struct strace_summary s;
	/* the legacy VGA hole: RAM split around 0xa0000-0xc0000 is still one block */
	parse_text("ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=0, flags=0, guest_phys_addr=0, memory_size=655360, userspace_addr=0x7f0000000000}) = 0\n"
		   "ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=1, flags=0, guest_phys_addr=0xc0000, memory_size=267649024, userspace_addr=0x7f00000c0000}) = 0\n",
		   &s, 0);
	assert_true(s.ram_bytes == 256ULL << 20);
	/* -ttt times, -y paths with commas, no pid */
	parse_text("1795635893.672560 ioctl(11<anon_inode:kvm-vm,x>, KVM_SET_USER_MEMORY_REGION, {slot=0, flags=0, guest_phys_addr=0, memory_size=134217728, userspace_addr=0x1000000}) = 0\n",
		   &s, 0);
	assert_true(s.ram_bytes == 128ULL << 20);
	/* unfinished and resumed, with another thread in between */
	parse_text("101 ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=0, flags=0, guest_phys_addr=0, memory_size=268435456, userspace_addr=0x1000000} <unfinished ...>\n"
		   "102 ioctl(9, KVM_RUN, 0 <unfinished ...>\n"
		   "101 <... ioctl resumed>) = 0\n",
		   &s, 0);
	assert_true(s.ram_bytes == 256ULL << 20);
	assert_false(s.cut_off);
	/* a failed call changes nothing */
	parse_text("ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=0, flags=0, guest_phys_addr=0, memory_size=268435456, userspace_addr=0x1000000}) = -1 EINVAL (Invalid argument)\n",
		   &s, 0);
	assert_true(s.ram_bytes == 0);
	assert_true(s.regions[0].failed);
	/* read-only slots (BIOS) and SMM's address space are not RAM */
	parse_text("ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=1, flags=KVM_MEM_READONLY, guest_phys_addr=0xfffc0000, memory_size=262144, userspace_addr=0x2000000}) = 0\n"
		   "ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=65536, flags=0, guest_phys_addr=0, memory_size=268435456, userspace_addr=0x1000000}) = 0\n",
		   &s, 0);
	assert_true(s.ram_bytes == 0);
	/* a log that stops inside the call: counted as cut off, region taken */
	parse_text("ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=0, flags=0, guest_phys_addr=0, memory_size=268435456, userspace_addr=0x1000000}",
		   &s, 0);
	assert_true(s.cut_off);
	assert_true(s.ram_bytes == 256ULL << 20);
	/* qemu's stderr and strace's own notes in between */
	parse_text("qemu-system-x86_64: warning: short-form boolean option 'server' deprecated\n"
		   "strace: Process 1 detached\n"
		   "ioctl(3, KVM_GET_API_VERSION, 0)       = 12\n"
		   "+++ exited with 0 +++\n",
		   &s, 0);
	assert_int_equal(strace_request_count(&s, "KVM_GET_API_VERSION"), 1);
	/* no ioctl at all, garbage, empty */
	parse_text("", &s, -ENOENT);
	parse_text("hello\nworld", &s, -ENOENT);
	parse_text("ioctl(", &s, 0);
	parse_text("ioctl(1, TCGETS, {c_iflag=0}) = 0\n", &s, 0);
	assert_int_equal(s.kvm_calls, 0);
	parse_text("ioctl(8, KVM_SET_USER_MEMORY_REGION, {slot=99999999999999999999, memory_size=x}) = 0\n", &s, 0);
	assert_true(s.ram_bytes == 0);
}

static void test_verdicts(void **state)
{
	(void)state;
	struct check_result r;
	struct strbuf sb = load("strace-shared-m256M.log");
	struct strace_summary s;
	int rc = strace_parse(sb.buf, sb.len, &s);
	check_init(&r, "ch4.strace_memory_region");
	check_strace_memory_region(&r, &s, rc, 256ULL << 20);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "256 MiB"));
	assert_non_null(strstr(r.detail, "line 120"));
	check_init(&r, "ch4.strace_memory_region");
	check_strace_memory_region(&r, &s, rc, 512ULL << 20);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "adds up to 256 MiB"));
	assert_non_null(strstr(r.detail, "asks for 512 MiB"));
	assert_string_equal(r.hint, "start qemu with -m 512M");
	sb_release(&sb);

	/* a TCG run: strace shows no KVM ioctls */
	const char *tcg = "ioctl(1, TCGETS, {c_iflag=0}) = 0\n";
	rc = strace_parse(tcg, strlen(tcg), &s);
	check_init(&r, "ch4.strace_memory_region");
	check_strace_memory_region(&r, &s, rc, 256ULL << 20);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "no KVM ioctls"));
	assert_non_null(strstr(r.hint, "-enable-kvm"));
	rc = strace_parse("", 0, &s);
	check_init(&r, "ch4.strace_memory_region");
	check_strace_memory_region(&r, &s, rc, 256ULL << 20);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	/* KVM ioctls but cut before the memory */
	const char *early = "ioctl(3, KVM_GET_API_VERSION, 0) = 12\nioctl(3, KVM_CREATE_VM, 0) = 8\n";
	rc = strace_parse(early, strlen(early), &s);
	check_init(&r, "ch4.strace_memory_region");
	check_strace_memory_region(&r, &s, rc, 256ULL << 20);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "no KVM_SET_USER_MEMORY_REGION"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_logs),
		cmocka_unit_test(test_first_region_call),
		cmocka_unit_test(test_cut_logs),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
