/* Chapter 5's evidence and verdicts: VM exits counted three ways (what
 * KVM_RUN returned to vlab's VMM, the vCPU's binary stats, kvm tracepoints)
 * and the parser of the binary stats file (KVM_GET_STATS_FD). Everything
 * here is pure: bytes and numbers in, a verdict out. */
#ifndef VLAB_CHECKS_EXITS_H
#define VLAB_CHECKS_EXITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/verdict.h"

/* "KVM_EXIT_IO" for 2, ... (linux/kvm.h); "KVM_EXIT_#N" past the names
 * this table knows. Static storage for known reasons; unknown ones are
 * formatted into a static buffer (single-threaded use only). */
const char *kvm_exit_name(uint32_t reason);

/* One statistic of a KVM stats file (Documentation/virt/kvm/api.rst,
 * "KVM_GET_STATS_FD"). */
#define KVM_STAT_NAME_MAX 64
struct kvm_stat {
	char name[KVM_STAT_NAME_MAX];   /* truncated if the kernel's is longer */
	uint32_t flags;                 /* KVM_STATS_TYPE_* | KVM_STATS_UNIT_* | KVM_STATS_BASE_* */
	int16_t exponent;
	uint16_t size;                  /* number of u64 values (histogram buckets) */
	uint32_t bucket_size;
	uint64_t value;                 /* the first value (the only one unless a histogram) */
};

/* Parse a stats file image: buf holds the file's bytes from offset 0 (the
 * header, then the id, descriptor and data blocks at the offsets the header
 * gives, as pread() put them). Fills out[0..max) and *n.
 * 0; -ENOSPC when there were more than max (the first max are filled);
 * -EBADMSG when the image is malformed (a block past len, a name without
 * its NUL, a value past the data block). */
int kvm_stats_parse(const uint8_t *buf, size_t len, struct kvm_stat *out, size_t max, size_t *n);
/* The id string ("kvm-1234/vcpu-0"): 0, or -EBADMSG. */
int kvm_stats_id(const uint8_t *buf, size_t len, char *id, size_t idlen);
/* How many bytes of the file hold everything the header and descriptors
 * name (*need: the length to give kvm_stats_parse) and how long the data
 * block is (*data_len, from data_offset). Needs the header and the
 * descriptor block in buf: 0; -EAGAIN when buf is too short (read *need
 * bytes' worth of header, id and descriptors first; *data_len is 0 then);
 * -EBADMSG when the header is malformed. */
int kvm_stats_extent(const uint8_t *buf, size_t len, size_t *need, size_t *data_len);
const struct kvm_stat *kvm_stat_find(const struct kvm_stat *s, size_t n, const char *name);

/* What vlab's VMM saw come back from KVM_RUN. */
struct exit_tally {
	uint64_t runs;        /* KVM_RUN calls that returned, EINTR included */
	uint64_t exits;       /* of those, the ones that returned an exit reason */
	uint64_t io, mmio, hlt, other;
	uint64_t io_com1;     /* of io: one-byte OUTs to 0x3f8, each one exit */
	const char *serial;   /* what those OUTs carried */
	size_t serial_len;
	bool halted;          /* the loop ended at KVM_EXIT_HLT */
	const char *stopped;  /* when not halted: why the loop ended ("KVM_EXIT_SHUTDOWN") */
	bool vmm_broke;       /* the stop was KVM's or vlab's fault, not the guest's program */
};

/* ch5.io_exits: one KVM_EXIT_IO per byte of want (one-byte OUTs to COM1),
 * no other port I/O, and the bytes spell want. */
void check_io_exits(struct check_result *r, const struct exit_tally *t, const char *want);
/* ch5.hlt_exit: the loop ended at exactly one KVM_EXIT_HLT. */
void check_hlt_exit(struct check_result *r, const struct exit_tally *t);

/* The vCPU's stats over the run: after minus before. */
struct stats_delta {
	int rc;               /* 0: read; negative errno: not read (why says why) */
	char why[160];
	bool has_exits, has_io, has_mmio, has_hlt;
	uint64_t exits, io_exits, mmio_exits, halt_exits;
};
/* The four counters' growth between two parses of the same stats file.
 * A counter missing from either is left has_* = false. */
void kvm_stats_delta(const struct kvm_stat *before, size_t nb, const struct kvm_stat *after, size_t na,
		     struct stats_delta *d);

/* The tracepoints counted around the run, for vlab's own thread. */
enum { TPE_USERSPACE_EXIT, TPE_PIO, TPE_MMIO, TPE_EXIT, TPE_N };
extern const char *const tp_event_names[TPE_N]; /* "kvm:kvm_userspace_exit", ... */
struct tp_evidence {
	bool counted[TPE_N];
	uint64_t count[TPE_N];
	char why[TPE_N][160];  /* when not counted */
};

/* ch5.stats_agree: the kernel's own counts against userspace's.
 * Stats: exits >= t->exits; halt_exits, mmio_exits, io_exits equal the
 * KVM_RUN counts where this KVM maintains them (a counter that stays 0 while
 * userspace saw such exits is reported as not maintained, not failed).
 * Tracepoints: kvm_userspace_exit fires once per KVM_RUN return; kvm_pio once
 * per IO exit; kvm_exit at least once per exit where it fires at all;
 * kvm_mmio is shown, not judged. SKIP when neither source could be read. */
void check_stats_agree(struct check_result *r, const struct exit_tally *t, const struct stats_delta *s,
		       const struct tp_evidence *tp);

#endif
