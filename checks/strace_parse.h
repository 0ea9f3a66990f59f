/* strace's log of qemu's ioctls (`strace -f -e trace=ioctl -o FILE qemu ...`),
 * read for what the lab asks: the KVM ioctls by request, and the guest RAM
 * that KVM_SET_USER_MEMORY_REGION hands to KVM. Pure: text in, summary out.
 *
 * It takes what strace prints on every host: lines with and without the pid
 * column (-f or not), with -t/-tt/-ttt timestamps, with -y fd paths
 * ("11<anon_inode:kvm-vm>"), calls split by "<unfinished ...>" and
 * "<... ioctl resumed>", failed calls ("= -1 EINVAL (...)"), qemu's own
 * stderr in between (the lab writes `&> strace.log`), and a log cut off
 * anywhere, even in the middle of a line. */
#ifndef VLAB_STRACE_PARSE_H
#define VLAB_STRACE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRACE_MAX_REQUESTS 64
#define STRACE_MAX_REGION_CALLS 64

struct strace_request_count {
	char name[48];      /* "KVM_RUN" */
	unsigned long count;
};

/* One KVM_SET_USER_MEMORY_REGION call as strace decoded it. */
struct strace_region_call {
	unsigned slot;
	bool readonly;      /* flags has KVM_MEM_READONLY */
	uint64_t guest_phys_addr, memory_size, userspace_addr;
	bool failed;        /* returned -1 */
	unsigned long line; /* 1-based line in the log */
};

struct strace_summary {
	unsigned long lines;              /* lines read */
	unsigned long ioctl_calls;        /* ioctl( calls of any kind */
	unsigned long kvm_calls;          /* whose request starts with KVM_ */
	struct strace_request_count requests[STRACE_MAX_REQUESTS]; /* KVM_* by name, first seen first */
	size_t nrequests;
	struct strace_region_call regions[STRACE_MAX_REGION_CALLS]; /* the first ones, for display */
	size_t nregions;                  /* how many are in regions[] */
	unsigned long region_calls;       /* how many there were in all */
	/* The guest's RAM: at every point of the log, the writable slots are
	 * grouped by where their memory lies in qemu (userspace_addr): windows
	 * into one RAM block (split around the legacy VGA/ROM hole, or below and
	 * above 4 GiB) land next to each other. The largest such block's span,
	 * the most seen at any point, is the RAM size; read-only slots (BIOS,
	 * option ROMs) are not RAM. */
	uint64_t ram_bytes;
	bool cut_off;                     /* the log ends inside a call */
};

/* Parse len bytes of text (need not be NUL-terminated). Returns 0, or
 * -ENOENT when the text has no ioctl call at all. */
int strace_parse(const char *text, size_t len, struct strace_summary *out);

/* The count of a request name, 0 when never seen. */
unsigned long strace_request_count(const struct strace_summary *s, const char *name);

#endif
