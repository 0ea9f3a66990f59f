/* vlab's own tiny VMM: the KVM ioctls qemu makes underneath, a few hundred
 * lines from open("/dev/kvm") to KVM_RUN, with one vCPU in real mode and a
 * guest program small enough to read byte by byte.
 *
 *   vmm_create:  open /dev/kvm ─ KVM_GET_API_VERSION ─ KVM_CREATE_VM ─
 *                KVM_SET_TSS_ADDR ─ KVM_SET_USER_MEMORY_REGION ─ KVM_CREATE_VCPU ─
 *                KVM_GET_VCPU_MMAP_SIZE ─ mmap(kvm_run) ─ KVM_GET/SET_SREGS ─ KVM_SET_REGS
 *   vmm_stats_open / vmm_stats_read:  KVM_GET_STATS_FD, pread
 *   vmm_run:     KVM_RUN until KVM_EXIT_HLT (or a bound, or an exit it cannot handle)
 *   vmm_close:   everything above released, in reverse
 *
 * Every ioctl is reported to a trace callback as it is made (the chapter
 * prints them), in the form strace shows them. Functions return 0 or a
 * negative errno, with v->error saying which call failed. */
#ifndef VLAB_VMM_H
#define VLAB_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The guest's world: one 64 KiB memory slot at guest physical 0, the
 * program at 0x1000 (cs=0, ip=0x1000), COM1's data port for its output, and
 * an address just past the slot for its MMIO write. */
#define VMM_MEM_SIZE 0x10000u
#define VMM_LOAD_GPA 0x1000u
#define VMM_MMIO_GPA 0x10000u
#define VMM_MMIO_VALUE 0x5au
#define VMM_COM1 0x3f8u
#define VMM_HELLO_MESSAGE "vlab kvm-api: hello from the guest\n"
/* No guest of vlab's needs more; a broken host cannot keep vlab here. */
#define VMM_MAX_EXITS 10000u

/* One hand-assembled instruction of the guest program. */
struct guest_insn {
	uint8_t bytes[6];
	uint8_t len;
	const char *text;   /* "mov dx, 0x3f8" */
	const char *why;    /* "COM1's data port" */
};

/* The hello program: OUT each byte of VMM_HELLO_MESSAGE to COM1, one MMIO
 * write of VMM_MMIO_VALUE to VMM_MMIO_GPA, hlt. */
extern const struct guest_insn vmm_hello_insns[];
extern const size_t vmm_hello_ninsns;
/* The program's bytes followed by the message: what is loaded at
 * VMM_LOAD_GPA. Returns its length (0 if cap is too small). */
size_t vmm_hello_image(uint8_t *buf, size_t cap);

typedef void (*vmm_trace_fn)(void *arg, const char *line);

struct vmm {
	int kvm_fd, vm_fd, vcpu_fd, stats_fd;
	uint8_t *mem;                 /* the guest's RAM, mapped in vlab */
	size_t mem_size;
	void *run;                    /* struct kvm_run, shared with the kernel */
	size_t run_size;
	int api_version;
	vmm_trace_fn trace;
	void *trace_arg;
	char error[256];
};

void vmm_init(struct vmm *v, vmm_trace_fn trace, void *arg);
/* Open dev ("/dev/kvm"), build the VM and its vCPU, load image at
 * VMM_LOAD_GPA and point the vCPU at it in real mode. -ENOENT/-EACCES: the
 * device is missing/not ours to open (a host matter); others: an ioctl
 * failed. */
int vmm_create(struct vmm *v, const char *dev, const uint8_t *image, size_t len);

/* One KVM_RUN return. */
struct vmm_exit {
	int err;                      /* KVM_RUN failed with this errno (EINTR); then no reason */
	uint32_t reason;              /* kvm_run.exit_reason */
	uint8_t io_dir, io_size;      /* KVM_EXIT_IO */
	uint16_t io_port;
	uint32_t io_count;
	uint64_t mmio_gpa;            /* KVM_EXIT_MMIO */
	uint32_t mmio_len;
	bool mmio_write;
	uint8_t data[8];              /* the first bytes moved (IO or MMIO) */
	uint64_t detail;              /* KVM_EXIT_FAIL_ENTRY: hardware reason; INTERNAL_ERROR: suberror */
};

#define VMM_REASONS 64
#define VMM_LOG_MAX 128
struct vmm_result {
	uint64_t runs;                /* KVM_RUN calls that returned */
	uint64_t exits;               /* of those, with an exit reason */
	uint64_t interrupted;         /* of those, EINTR (a signal) */
	uint64_t by_reason[VMM_REASONS];
	uint64_t beyond;              /* reasons >= VMM_REASONS */
	uint64_t io_com1;             /* one-byte OUTs to COM1 */
	char serial[256];             /* what they carried */
	size_t serial_len;
	struct vmm_exit log[VMM_LOG_MAX];
	size_t nlog;
	bool halted;                  /* the loop ended at KVM_EXIT_HLT */
	char stop[192];               /* otherwise why it ended */
	uint64_t rip;                 /* the vCPU's rip at the end */
	int64_t in_kvm_run_ns;        /* time spent inside KVM_RUN */
	int64_t loop_ns;              /* the whole loop, the VMM's own work included */
};

/* KVM_RUN until KVM_EXIT_HLT, an exit this VMM does not handle
 * (SHUTDOWN, FAIL_ENTRY, INTERNAL_ERROR...), or max_exits. 0 when the loop
 * ended either way (res->halted, res->stop say which); -EINTR on a stop
 * request; another negative errno when KVM_RUN itself failed. */
int vmm_run(struct vmm *v, uint64_t max_exits, struct vmm_result *res);
/* "KVM_EXIT_IO out port 0x3f8 size 1 count 1 data 'v'" */
void vmm_describe_exit(const struct vmm_exit *e, char *buf, size_t n);

/* KVM_CHECK_EXTENSION(KVM_CAP_BINARY_STATS_FD), then KVM_GET_STATS_FD on
 * the vCPU. -EOPNOTSUPP when this KVM has no binary stats (before 5.14). */
int vmm_stats_open(struct vmm *v);
/* The stats file's header, id, descriptors and data, each pread at its own
 * offset into one buffer that mirrors the file (for kvm_stats_parse).
 * *buf is malloc'd. */
int vmm_stats_read(struct vmm *v, uint8_t **buf, size_t *len);

/* Release everything vmm_create and vmm_stats_open made (reverse order).
 * Safe to call twice, and on a vmm that was only vmm_init'ed. */
void vmm_close(struct vmm *v);

#endif
