/* The tiny VMM. Sections cited are Documentation/virt/kvm/api.rst's. */
#include "runner/vm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "checks/exits.h"
#include "runner/cleanup.h"
#include "runner/util.h"

/* Older uapi headers lack these; the numbers are ABI (linux/kvm.h). */
#ifndef KVM_CAP_BINARY_STATS_FD
#define KVM_CAP_BINARY_STATS_FD 203
#endif
#ifndef KVM_GET_STATS_FD
#define KVM_GET_STATS_FD _IO(KVMIO, 0xce)
#endif

/* Where KVM_SET_TSS_ADDR puts its three pages: in the first 4 GiB, clear of
 * RAM and of the MMIO address (4.36 KVM_SET_TSS_ADDR); qemu uses the same
 * spot below the BIOS. */
#define TSS_GPA 0xfeffd000u
/* The message follows the 26 bytes of code at VMM_LOAD_GPA. */
#define HELLO_MSG_GPA (VMM_LOAD_GPA + 0x1au)

/* Real mode, 16-bit operands, ds = 0: the bytes as the Intel SDM encodes
 * them (vol. 2, "MOV", "LODS", "OUT", "Jcc", "HLT"). */
const struct guest_insn vmm_hello_insns[] = {
	{ { 0xba, 0xf8, 0x03 }, 3, "mov dx, 0x3f8", "dx = COM1's data port" },
	{ { 0xbe, HELLO_MSG_GPA & 0xff, HELLO_MSG_GPA >> 8 }, 3, "mov si, 0x101a",
	  "si = the message, right after the code" },
	{ { 0xac }, 1, "lodsb", "loop: al = byte at ds:si, si += 1" },
	{ { 0x84, 0xc0 }, 2, "test al, al", "the NUL after the message?" },
	{ { 0x74, 0x03 }, 2, "jz +3", "then skip the next two: on to the MMIO write" },
	{ { 0xee }, 1, "out dx, al", "one byte to COM1: one KVM_EXIT_IO" },
	{ { 0xeb, 0xf8 }, 2, "jmp -8", "back to the lodsb" },
	{ { 0xb8, 0x00, 0x10 }, 3, "mov ax, 0x1000", "" },
	{ { 0x8e, 0xc0 }, 2, "mov es, ax", "es base = 0x1000 * 16 = 0x10000, the first byte past RAM" },
	{ { 0xb0, VMM_MMIO_VALUE }, 2, "mov al, 0x5a", "" },
	{ { 0x26, 0xa2, 0x00, 0x00 }, 4, "mov [es:0], al", "a write where there is no memory: KVM_EXIT_MMIO" },
	{ { 0xf4 }, 1, "hlt", "no in-kernel irqchip, so KVM hands it to us: KVM_EXIT_HLT" },
};
const size_t vmm_hello_ninsns = ARRAY_SIZE(vmm_hello_insns);

size_t vmm_hello_image(uint8_t *buf, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < vmm_hello_ninsns; i++)
		n += vmm_hello_insns[i].len;
	/* `mov si` above hard-codes where the message starts */
	if (n != HELLO_MSG_GPA - VMM_LOAD_GPA)
		return 0;
	size_t total = n + sizeof(VMM_HELLO_MESSAGE); /* with its NUL, the loop's end */
	if (total > cap)
		return 0;
	n = 0;
	for (size_t i = 0; i < vmm_hello_ninsns; i++) {
		memcpy(buf + n, vmm_hello_insns[i].bytes, vmm_hello_insns[i].len);
		n += vmm_hello_insns[i].len;
	}
	memcpy(buf + n, VMM_HELLO_MESSAGE, sizeof(VMM_HELLO_MESSAGE));
	return total;
}

static void trace(struct vmm *v, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void trace(struct vmm *v, const char *fmt, ...)
{
	if (!v->trace)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	v->trace(v->trace_arg, line);
}

/* ioctl with the call traced as "ioctl(vm, KVM_CREATE_VCPU, 0) = 5" and a
 * failure kept in v->error. Returns ioctl's value or -errno. */
static int kvm_ioctl(struct vmm *v, int fd, const char *fdname, unsigned long req, const char *reqname, void *arg,
		     const char *argdesc)
{
	int r = ioctl(fd, req, arg);
	int e = errno;
	if (r < 0) {
		snprintf(v->error, sizeof(v->error), "ioctl(%s, %s, %s): %s", fdname, reqname, argdesc, strerror(e));
		trace(v, "ioctl(%s, %s, %s) = -1 %s", fdname, reqname, argdesc, strerror(e));
		return -e;
	}
	trace(v, "ioctl(%s, %s, %s) = %d", fdname, reqname, argdesc, r);
	return r;
}

/* for ioctls whose argument is an integer, not a pointer */
#define KVM_IOCTL_INT(v, fd, fdname, req, n, argdesc) \
	kvm_ioctl(v, fd, fdname, req, #req, (void *)(uintptr_t)(n), argdesc)
#define KVM_IOCTL_PTR(v, fd, fdname, req, p, argdesc) kvm_ioctl(v, fd, fdname, req, #req, p, argdesc)

void vmm_init(struct vmm *v, vmm_trace_fn fn, void *arg)
{
	memset(v, 0, sizeof(*v));
	v->kvm_fd = v->vm_fd = v->vcpu_fd = v->stats_fd = -1;
	v->trace = fn;
	v->trace_arg = arg;
}

/* 4.1 KVM_GET_API_VERSION ... 4.5 KVM_GET_VCPU_MMAP_SIZE, 4.7
 * KVM_CREATE_VCPU, 4.35 KVM_SET_USER_MEMORY_REGION: system, VM and vCPU
 * fds, RAM, and the shared kvm_run page. */
static int build_vm(struct vmm *v, const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(v->error, sizeof(v->error), "cannot open '%s': %s", dev, strerror(e));
		trace(v, "open(\"%s\", O_RDWR|O_CLOEXEC) = -1 %s", dev, strerror(e));
		return -e;
	}
	v->kvm_fd = fd;
	trace(v, "open(\"%s\", O_RDWR|O_CLOEXEC) = %d  (kvm: the system fd)", dev, fd);

	int r = KVM_IOCTL_INT(v, v->kvm_fd, "kvm", KVM_GET_API_VERSION, 0, "0");
	if (r < 0)
		return r;
	v->api_version = r;
	/* 4.1: "Applications should refuse to run if KVM_GET_API_VERSION
	 * returns a value other than 12." */
	if (r != KVM_API_VERSION) {
		snprintf(v->error, sizeof(v->error), "KVM_GET_API_VERSION returned %d, not %d", r, KVM_API_VERSION);
		return -EPROTO;
	}
	/* 4.2: machine type 0, the default */
	r = KVM_IOCTL_INT(v, v->kvm_fd, "kvm", KVM_CREATE_VM, 0, "0");
	if (r < 0)
		return r;
	v->vm_fd = r;

	/* 4.36: Intel needs it for real mode where the CPU cannot run real
	 * mode itself (no unrestricted guest, e.g. with ept=0 in chapter 4) */
	r = KVM_IOCTL_INT(v, v->kvm_fd, "kvm", KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR");
	if (r < 0)
		return r;
	if (r > 0) {
		r = KVM_IOCTL_INT(v, v->vm_fd, "vm", KVM_SET_TSS_ADDR, TSS_GPA, "0xfeffd000");
		if (r < 0)
			return r;
	}

	void *mem = mmap(NULL, VMM_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		int e = errno;
		snprintf(v->error, sizeof(v->error), "cannot map %u bytes of guest RAM: %s", VMM_MEM_SIZE, strerror(e));
		return -e;
	}
	v->mem = mem;
	v->mem_size = VMM_MEM_SIZE;
	trace(v, "mmap(NULL, %u, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = %p  "
		 "(the guest's RAM, in vlab's memory)",
	      VMM_MEM_SIZE, mem);

	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.flags = 0,
		.guest_phys_addr = 0,
		.memory_size = VMM_MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	char desc[160];
	snprintf(desc, sizeof(desc), "{slot=0, flags=0, guest_phys_addr=0x0, memory_size=%u, userspace_addr=%p}",
		 VMM_MEM_SIZE, mem);
	r = KVM_IOCTL_PTR(v, v->vm_fd, "vm", KVM_SET_USER_MEMORY_REGION, &region, desc);
	if (r < 0)
		return r;

	r = KVM_IOCTL_INT(v, v->vm_fd, "vm", KVM_CREATE_VCPU, 0, "0");
	if (r < 0)
		return r;
	v->vcpu_fd = r;

	r = KVM_IOCTL_INT(v, v->kvm_fd, "kvm", KVM_GET_VCPU_MMAP_SIZE, 0, "0");
	if (r < 0)
		return r;
	if ((size_t)r < sizeof(struct kvm_run)) {
		snprintf(v->error, sizeof(v->error), "KVM_GET_VCPU_MMAP_SIZE returned %d, less than struct kvm_run", r);
		return -EPROTO;
	}
	/* 4.10 KVM_RUN: the parameter block is the vCPU fd mmap'ed at 0 */
	void *run = mmap(NULL, (size_t)r, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu_fd, 0);
	if (run == MAP_FAILED) {
		int e = errno;
		snprintf(v->error, sizeof(v->error), "cannot mmap the vCPU's kvm_run area: %s", strerror(e));
		trace(v, "mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_SHARED, vcpu, 0) = -1 %s", r, strerror(e));
		return -e;
	}
	v->run = run;
	v->run_size = (size_t)r;
	trace(v, "mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_SHARED, vcpu, 0) = %p  (struct kvm_run, shared with KVM)",
	      r, run);
	return 0;
}

/* 4.13 KVM_GET_SREGS, 4.14 KVM_SET_SREGS, 4.12 KVM_SET_REGS: a vCPU
 * comes out of reset in real mode at f000:fff0; point cs:ip at the
 * program instead. */
static int set_registers(struct vmm *v)
{
	struct kvm_sregs sregs;
	int r = KVM_IOCTL_PTR(v, v->vcpu_fd, "vcpu", KVM_GET_SREGS, &sregs, "&sregs");
	if (r < 0)
		return r;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	char desc[160];
	snprintf(desc, sizeof(desc), "{cs={base=0x0, selector=0x0}, cr0=0x%llx (PE clear: real mode)}",
		 (unsigned long long)sregs.cr0);
	r = KVM_IOCTL_PTR(v, v->vcpu_fd, "vcpu", KVM_SET_SREGS, &sregs, desc);
	if (r < 0)
		return r;

	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	regs.rip = VMM_LOAD_GPA;
	regs.rflags = 0x2; /* bit 1 is reserved and always set; IF and DF clear */
	snprintf(desc, sizeof(desc), "{rip=0x%x, rflags=0x2}", VMM_LOAD_GPA);
	r = KVM_IOCTL_PTR(v, v->vcpu_fd, "vcpu", KVM_SET_REGS, &regs, desc);
	return r < 0 ? r : 0;
}

int vmm_create(struct vmm *v, const char *dev, const uint8_t *image, size_t len)
{
	v->error[0] = '\0';
	if (len == 0 || len > VMM_MEM_SIZE - VMM_LOAD_GPA) {
		snprintf(v->error, sizeof(v->error), "a guest image of %zu bytes does not fit at 0x%x", len, VMM_LOAD_GPA);
		return -EINVAL;
	}
	int r = build_vm(v, dev);
	if (r)
		return r;
	memcpy(v->mem + VMM_LOAD_GPA, image, len);
	trace(v, "memcpy(ram + 0x%x, program, %zu)  (the guest's code and message)", VMM_LOAD_GPA, len);
	return set_registers(v);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vmm_describe_exit(const struct vmm_exit *e, char *buf, size_t n)
{
	if (e->err) {
		snprintf(buf, n, "-1 %s", strerror(e->err));
		return;
	}
	const char *name = kvm_exit_name(e->reason);
	switch (e->reason) {
	case KVM_EXIT_IO: {
		char what[16] = "";
		if (e->io_dir == KVM_EXIT_IO_OUT && e->io_size == 1 && e->io_count == 1) {
			unsigned char c = e->data[0];
			if (c == '\n')
				snprintf(what, sizeof(what), " '\\n'");
			else if (c >= 0x20 && c < 0x7f)
				snprintf(what, sizeof(what), " '%c'", c);
			else
				snprintf(what, sizeof(what), " 0x%02x", c);
		}
		snprintf(buf, n, "%s %s port 0x%x size %u count %u%s", name,
			 e->io_dir == KVM_EXIT_IO_OUT ? "out" : "in", e->io_port, e->io_size, e->io_count, what);
		break;
	}
	case KVM_EXIT_MMIO:
		snprintf(buf, n, "%s %s 0x%" PRIx64 " len %u data 0x%02x", name, e->mmio_write ? "write" : "read",
			 e->mmio_gpa, e->mmio_len, e->data[0]);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, n, "%s hardware_entry_failure_reason 0x%" PRIx64, name, e->detail);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, n, "%s suberror %" PRIu64, name, e->detail);
		break;
	default:
		snprintf(buf, n, "%s", name);
	}
}

/* 5. "The kvm_run structure": what each exit leaves for userspace. An IO
 * exit's bytes are at (char *)run + io.data_offset, size * count of them;
 * an MMIO exit's are in mmio.data. Returns false when the exit ends the
 * loop. */
static bool handle_exit(struct vmm *v, struct kvm_run *run, struct vmm_exit *e, struct vmm_result *res)
{
	e->reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		e->io_dir = run->io.direction;
		e->io_size = run->io.size;
		e->io_port = run->io.port;
		e->io_count = run->io.count;
		uint64_t bytes = (uint64_t)run->io.size * run->io.count;
		if (run->io.data_offset > v->run_size || bytes > v->run_size - run->io.data_offset) {
			snprintf(res->stop, sizeof(res->stop),
				 "KVM_EXIT_IO with its data outside kvm_run (offset %llu, %llu bytes)",
				 (unsigned long long)run->io.data_offset, (unsigned long long)bytes);
			return false;
		}
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		if (run->io.direction == KVM_EXIT_IO_IN)
			memset(data, 0xff, bytes); /* nothing there: an ISA bus reads all ones */
		memcpy(e->data, data, bytes < sizeof(e->data) ? bytes : sizeof(e->data));
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == VMM_COM1 && run->io.size == 1 &&
		    run->io.count == 1) {
			res->io_com1++;
			if (res->serial_len < sizeof(res->serial))
				res->serial[res->serial_len++] = (char)data[0];
		}
		return true;
	}
	case KVM_EXIT_MMIO:
		e->mmio_gpa = run->mmio.phys_addr;
		e->mmio_len = run->mmio.len;
		e->mmio_write = run->mmio.is_write;
		/* a device model would take the write or answer the read;
		 * there is none at this address, so reads see all ones */
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		memcpy(e->data, run->mmio.data, sizeof(e->data));
		return true;
	case KVM_EXIT_HLT:
		res->halted = true;
		return false;
	case KVM_EXIT_SHUTDOWN:
		snprintf(res->stop, sizeof(res->stop), "KVM_EXIT_SHUTDOWN (the vCPU triple-faulted)");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		e->detail = run->fail_entry.hardware_entry_failure_reason;
		snprintf(res->stop, sizeof(res->stop), "KVM_EXIT_FAIL_ENTRY (hardware_entry_failure_reason 0x%llx)",
			 (unsigned long long)e->detail);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		e->detail = run->internal.suberror;
		snprintf(res->stop, sizeof(res->stop), "KVM_EXIT_INTERNAL_ERROR (suberror %u%s)", run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? ": KVM could not emulate an instruction"
										 : "");
		return false;
	default:
		snprintf(res->stop, sizeof(res->stop), "%s, an exit this VMM does not handle",
			 kvm_exit_name(run->exit_reason));
		return false;
	}
}

int vmm_run(struct vmm *v, uint64_t max_exits, struct vmm_result *res)
{
	memset(res, 0, sizeof(*res));
	struct kvm_run *run = v->run;
	if (!run)
		return -EBADF;
	int rc = 0;
	int64_t t0 = mono_ns();
	for (;;) {
		if (res->exits >= max_exits) {
			snprintf(res->stop, sizeof(res->stop), "no hlt within %llu exits", (unsigned long long)max_exits);
			break;
		}
		int64_t a = mono_ns();
		int r = ioctl(v->vcpu_fd, KVM_RUN, 0);
		int err = errno;
		res->in_kvm_run_ns += mono_ns() - a;
		res->runs++;
		struct vmm_exit scratch, *e = res->nlog < VMM_LOG_MAX ? &res->log[res->nlog++] : &scratch;
		memset(e, 0, sizeof(*e));
		char what[160];
		if (r < 0) {
			e->err = err;
			trace(v, "ioctl(vcpu, KVM_RUN, 0) = -1 %s", strerror(err));
			/* 4.10: EINTR, "an unmasked signal is pending"; run again
			 * unless that signal asked vlab to stop */
			if (err == EINTR || err == EAGAIN) {
				res->interrupted++;
				if (cleanup_stop_requested()) {
					rc = -EINTR;
					break;
				}
				continue;
			}
			snprintf(v->error, sizeof(v->error), "ioctl(vcpu, KVM_RUN, 0): %s", strerror(err));
			snprintf(res->stop, sizeof(res->stop), "KVM_RUN failed: %s", strerror(err));
			rc = -err;
			break;
		}
		res->exits++;
		if (run->exit_reason < VMM_REASONS)
			res->by_reason[run->exit_reason]++;
		else
			res->beyond++;
		bool go_on = handle_exit(v, run, e, res);
		vmm_describe_exit(e, what, sizeof(what));
		trace(v, "ioctl(vcpu, KVM_RUN, 0) = 0  %s", what);
		if (!go_on)
			break;
		if (cleanup_stop_requested()) {
			rc = -EINTR;
			break;
		}
	}
	res->loop_ns = mono_ns() - t0;

	struct kvm_regs regs;
	if (ioctl(v->vcpu_fd, KVM_GET_REGS, &regs) == 0) {
		res->rip = regs.rip;
		trace(v, "ioctl(vcpu, KVM_GET_REGS, &regs) = 0  {rip=0x%llx}", (unsigned long long)regs.rip);
	}
	return rc;
}

/* 4.133 KVM_GET_STATS_FD */
int vmm_stats_open(struct vmm *v)
{
	if (v->stats_fd >= 0)
		return 0;
	int r = KVM_IOCTL_INT(v, v->kvm_fd, "kvm", KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD,
			      "KVM_CAP_BINARY_STATS_FD");
	if (r < 0)
		return r;
	if (r == 0) {
		snprintf(v->error, sizeof(v->error),
			 "this KVM has no binary stats (KVM_CAP_BINARY_STATS_FD is 0; Linux 5.14 added them)");
		return -EOPNOTSUPP;
	}
	r = KVM_IOCTL_INT(v, v->vcpu_fd, "vcpu", KVM_GET_STATS_FD, 0, "0");
	if (r < 0)
		return r;
	v->stats_fd = r;
	return 0;
}

static int pread_full(int fd, uint8_t *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the header promised more */
		got += (size_t)r;
	}
	return 0;
}

static uint8_t *grow(uint8_t *buf, size_t *len, size_t need)
{
	buf = xrealloc(buf, need);
	memset(buf + *len, 0, need - *len);
	*len = need;
	return buf;
}

static uint32_t hdr_field(const uint8_t *buf, int i)
{
	uint32_t x;
	memcpy(&x, buf + 4 * i, sizeof(x));
	return x;
}

/* The header, then the id and descriptors at their offsets, then the data
 * block: each read at its own offset, as 4.133 asks ("not guaranteed that
 * the four blocks are adjacent or in the above order"). */
int vmm_stats_read(struct vmm *v, uint8_t **bufp, size_t *lenp)
{
	*bufp = NULL;
	*lenp = 0;
	if (v->stats_fd < 0)
		return -EBADF;
	size_t len = 24, need = 0, data_len = 0;
	uint8_t *buf = xcalloc(1, len);
	int rc = pread_full(v->stats_fd, buf, len, 0);
	if (!rc)
		rc = kvm_stats_extent(buf, len, &need, &data_len);
	uint32_t name_size = hdr_field(buf, 1), num_desc = hdr_field(buf, 2);
	uint32_t id_off = hdr_field(buf, 3), desc_off = hdr_field(buf, 4), data_off = hdr_field(buf, 5);
	if (rc == -EAGAIN) {
		/* the id and the descriptors: immutable, read once */
		buf = grow(buf, &len, need);
		rc = pread_full(v->stats_fd, buf + id_off, name_size, id_off);
		if (!rc)
			rc = pread_full(v->stats_fd, buf + desc_off, (size_t)num_desc * (16 + name_size), desc_off);
		if (!rc)
			rc = kvm_stats_extent(buf, len, &need, &data_len);
	}
	if (!rc) {
		/* the values: all that changes from one read to the next */
		if (need > len)
			buf = grow(buf, &len, need);
		rc = pread_full(v->stats_fd, buf + data_off, data_len, data_off);
	}
	if (rc) {
		snprintf(v->error, sizeof(v->error), "cannot read the vCPU's stats fd: %s", strerror(-rc));
		free(buf);
		return rc;
	}
	trace(v, "pread(stats, ...) = header, id, %u descriptors and the data block: %zu bytes", num_desc, len);
	*bufp = buf;
	*lenp = len;
	return 0;
}

void vmm_close(struct vmm *v)
{
	if (v->stats_fd >= 0)
		close(v->stats_fd);
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->vcpu_fd >= 0)
		close(v->vcpu_fd);
	if (v->vm_fd >= 0)
		close(v->vm_fd);
	if (v->mem)
		munmap(v->mem, v->mem_size);
	if (v->kvm_fd >= 0)
		close(v->kvm_fd);
	v->stats_fd = v->vcpu_fd = v->vm_fd = v->kvm_fd = -1;
	v->run = NULL;
	v->mem = NULL;
}
