/* Chapter 5's verdicts and the KVM binary stats parser. */
#include "checks/exits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner/util.h"

/* linux/kvm.h's KVM_EXIT_* numbers; spelled out so this file needs no
 * kernel header and names the same reasons on every build host. */
static const char *const exit_names[] = {
	"KVM_EXIT_UNKNOWN", "KVM_EXIT_EXCEPTION", "KVM_EXIT_IO", "KVM_EXIT_HYPERCALL",
	"KVM_EXIT_DEBUG", "KVM_EXIT_HLT", "KVM_EXIT_MMIO", "KVM_EXIT_IRQ_WINDOW_OPEN",
	"KVM_EXIT_SHUTDOWN", "KVM_EXIT_FAIL_ENTRY", "KVM_EXIT_INTR", "KVM_EXIT_SET_TPR",
	"KVM_EXIT_TPR_ACCESS", "KVM_EXIT_S390_SIEIC", "KVM_EXIT_S390_RESET", "KVM_EXIT_DCR",
	"KVM_EXIT_NMI", "KVM_EXIT_INTERNAL_ERROR", "KVM_EXIT_OSI", "KVM_EXIT_PAPR_HCALL",
	"KVM_EXIT_S390_UCONTROL", "KVM_EXIT_WATCHDOG", "KVM_EXIT_S390_TSCH", "KVM_EXIT_EPR",
	"KVM_EXIT_SYSTEM_EVENT", "KVM_EXIT_S390_STSI", "KVM_EXIT_IOAPIC_EOI", "KVM_EXIT_HYPERV",
	"KVM_EXIT_ARM_NISV", "KVM_EXIT_X86_RDMSR", "KVM_EXIT_X86_WRMSR", "KVM_EXIT_DIRTY_RING_FULL",
	"KVM_EXIT_AP_RESET_HOLD", "KVM_EXIT_X86_BUS_LOCK", "KVM_EXIT_XEN", "KVM_EXIT_RISCV_SBI",
	"KVM_EXIT_RISCV_CSR", "KVM_EXIT_NOTIFY", "KVM_EXIT_LOONGARCH_IOCSR", "KVM_EXIT_MEMORY_FAULT",
};

const char *kvm_exit_name(uint32_t reason)
{
	static char buf[32];
	if (reason < ARRAY_SIZE(exit_names))
		return exit_names[reason];
	snprintf(buf, sizeof(buf), "KVM_EXIT_#%u", reason);
	return buf;
}

/* The stats file layout, from Documentation/virt/kvm/api.rst,
 * "KVM_GET_STATS_FD": a header at offset 0 (six u32: flags, name_size,
 * num_desc, id_offset, desc_offset, data_offset), an id string of name_size
 * bytes, num_desc descriptors of 16 bytes (u32 flags, s16 exponent, u16
 * size, u32 offset, u32 bucket_size) each followed by a name of name_size
 * bytes, and a data block of u64 values, each descriptor's at data_offset +
 * its offset. The blocks are not promised to be adjacent or in that order;
 * everything is in host byte order. Read field by field with memcpy: the
 * buffer need not be aligned, and nothing here trusts the file. */
#define HDR_SIZE 24u
#define DESC_SIZE 16u
/* Far above any kernel's (KVM_STATS_NAME_SIZE is 48; x86 vCPUs have ~50
 * stats): bounds what a corrupt header can make the parser walk. */
#define NAME_SIZE_MAX 4096u
#define NUM_DESC_MAX 65536u

struct hdr {
	uint32_t flags, name_size, num_desc, id_offset, desc_offset, data_offset;
};

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static int read_hdr(const uint8_t *buf, size_t len, struct hdr *h)
{
	if (len < HDR_SIZE)
		return -EAGAIN;
	h->flags = get_u32(buf);
	h->name_size = get_u32(buf + 4);
	h->num_desc = get_u32(buf + 8);
	h->id_offset = get_u32(buf + 12);
	h->desc_offset = get_u32(buf + 16);
	h->data_offset = get_u32(buf + 20);
	if (h->name_size == 0 || h->name_size > NAME_SIZE_MAX || h->num_desc > NUM_DESC_MAX)
		return -EBADMSG;
	return 0;
}

/* 64-bit sums of u32 fields cannot overflow. */
static uint64_t desc_end(const struct hdr *h)
{
	return (uint64_t)h->desc_offset + (uint64_t)h->num_desc * (DESC_SIZE + h->name_size);
}

static uint64_t id_end(const struct hdr *h)
{
	return (uint64_t)h->id_offset + h->name_size;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Where descriptor i's values end, relative to the data block. */
static uint64_t value_end(const uint8_t *d)
{
	return (uint64_t)get_u32(d + 8) + (uint64_t)get_u16(d + 6) * 8u;
}

int kvm_stats_extent(const uint8_t *buf, size_t len, size_t *need, size_t *data_len)
{
	struct hdr h;
	*data_len = 0;
	int rc = read_hdr(buf, len, &h);
	if (rc == -EAGAIN)
		*need = HDR_SIZE;
	if (rc)
		return rc;
	uint64_t meta = max_u64(max_u64(desc_end(&h), id_end(&h)), HDR_SIZE);
	if (meta > SIZE_MAX / 4)
		return -EBADMSG;
	if (len < meta) {
		*need = (size_t)meta;
		return -EAGAIN;
	}
	uint64_t data = 0;
	for (uint32_t i = 0; i < h.num_desc; i++)
		data = max_u64(data, value_end(buf + h.desc_offset + (uint64_t)i * (DESC_SIZE + h.name_size)));
	/* an empty data block (no descriptors) occupies nothing, wherever
	 * data_offset points */
	*need = (size_t)max_u64(meta, data ? (uint64_t)h.data_offset + data : 0);
	*data_len = (size_t)data;
	return 0;
}

int kvm_stats_id(const uint8_t *buf, size_t len, char *id, size_t idlen)
{
	struct hdr h;
	if (idlen)
		id[0] = '\0';
	if (read_hdr(buf, len, &h) || id_end(&h) > len)
		return -EBADMSG;
	const uint8_t *s = buf + h.id_offset;
	const uint8_t *nul = memchr(s, '\0', h.name_size);
	if (!nul)
		return -EBADMSG;
	if (idlen)
		snprintf(id, idlen, "%s", (const char *)s);
	return 0;
}

int kvm_stats_parse(const uint8_t *buf, size_t len, struct kvm_stat *out, size_t max, size_t *n)
{
	struct hdr h;
	*n = 0;
	if (read_hdr(buf, len, &h) || desc_end(&h) > len)
		return -EBADMSG;
	size_t filled = 0;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const uint8_t *d = buf + h.desc_offset + (uint64_t)i * (DESC_SIZE + h.name_size);
		const uint8_t *name = d + DESC_SIZE;
		if (!memchr(name, '\0', h.name_size))
			return -EBADMSG;
		uint16_t size = get_u16(d + 6);
		uint64_t at = (uint64_t)h.data_offset + get_u32(d + 8);
		/* size 0 would be a stat with no value: the doc gives every
		 * type at least one */
		if (size == 0 || at + (uint64_t)size * 8u > len)
			return -EBADMSG;
		if (filled == max)
			continue; /* keep validating: a truncated list is still a checked one */
		struct kvm_stat *s = &out[filled++];
		snprintf(s->name, sizeof(s->name), "%s", (const char *)name);
		s->flags = get_u32(d);
		s->exponent = (int16_t)get_u16(d + 4);
		s->size = size;
		s->bucket_size = get_u32(d + 12);
		s->value = get_u64(buf + at);
	}
	*n = filled;
	return filled < h.num_desc ? -ENOSPC : 0;
}

const struct kvm_stat *kvm_stat_find(const struct kvm_stat *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	return NULL;
}

void kvm_stats_delta(const struct kvm_stat *before, size_t nb, const struct kvm_stat *after, size_t na,
		     struct stats_delta *d)
{
	static const char *const names[] = { "exits", "io_exits", "mmio_exits", "halt_exits" };
	bool *has[] = { &d->has_exits, &d->has_io, &d->has_mmio, &d->has_hlt };
	uint64_t *val[] = { &d->exits, &d->io_exits, &d->mmio_exits, &d->halt_exits };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct kvm_stat *b = kvm_stat_find(before, nb, names[i]);
		const struct kvm_stat *a = kvm_stat_find(after, na, names[i]);
		/* cumulative counters only grow; a smaller "after" is not this
		 * counter's growth, so it is treated as missing */
		*has[i] = a && b && a->value >= b->value;
		*val[i] = *has[i] ? a->value - b->value : 0;
	}
}

const char *const tp_event_names[TPE_N] = {
	[TPE_USERSPACE_EXIT] = "kvm:kvm_userspace_exit",
	[TPE_PIO] = "kvm:kvm_pio",
	[TPE_MMIO] = "kvm:kvm_mmio",
	[TPE_EXIT] = "kvm:kvm_exit",
};

static bool com1_bytes_match(const struct exit_tally *t, const char *want)
{
	size_t n = strlen(want);
	return t->serial_len == n && t->serial && !memcmp(t->serial, want, n);
}

/* The message as a C string literal would show it, cut at max bytes. */
static void quoted(const char *s, size_t n, char *out, size_t outlen)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "\"");
	for (size_t i = 0; s && i < n && i < 80; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			sb_adds(&sb, "\\n");
		else if (c == '"' || c == '\\')
			sb_addf(&sb, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			sb_addf(&sb, "\\x%02x", c);
		else
			sb_add(&sb, &c, 1);
	}
	sb_adds(&sb, n > 80 ? "\"..." : "\"");
	snprintf(out, outlen, "%s", sb_str(&sb));
	sb_release(&sb);
}

void check_io_exits(struct check_result *r, const struct exit_tally *t, const char *want)
{
	size_t n = strlen(want);
	char got[400];
	quoted(t->serial, t->serial_len, got, sizeof(got));
	if (t->vmm_broke && t->io_com1 < n) {
		check_error(r, "the run stopped at %s after %llu IO exits; COM1 got %s", t->stopped ? t->stopped : "?",
			    (unsigned long long)t->io, got);
		return;
	}
	if (t->io == n && t->io_com1 == n && com1_bytes_match(t, want)) {
		check_pass(r, "%llu KVM_EXIT_IO, one per byte: the guest wrote %s to port 0x3f8", (unsigned long long)t->io,
			   got);
		return;
	}
	const char *hint = "each `out dx, al` with dx=0x3f8 is one KVM_EXIT_IO carrying one byte at "
			   "kvm_run + io.data_offset; look at the VMM's exit log";
	if (t->io != t->io_com1)
		check_fail(r, hint,
			   "%llu KVM_EXIT_IO, of which %llu were not one-byte OUTs to 0x3f8 (want %zu, all to 0x3f8)",
			   (unsigned long long)t->io, (unsigned long long)(t->io - t->io_com1), n);
	else if (t->io != n)
		check_fail(r, hint, "%llu KVM_EXIT_IO for a %zu-byte message (want one per byte); COM1 got %s",
			   (unsigned long long)t->io, n, got);
	else
		check_fail(r, hint, "%zu KVM_EXIT_IO as expected, but COM1 got %s", n, got);
}

void check_hlt_exit(struct check_result *r, const struct exit_tally *t)
{
	if (t->halted && t->hlt == 1) {
		check_pass(r, "the run ended at KVM_EXIT_HLT after %llu exits (%llu IO, %llu MMIO, 1 HLT)",
			   (unsigned long long)t->exits, (unsigned long long)t->io, (unsigned long long)t->mmio);
		return;
	}
	if (t->vmm_broke) {
		check_error(r, "the run stopped at %s after %llu exits, before the guest's hlt",
			    t->stopped ? t->stopped : "?", (unsigned long long)t->exits);
		return;
	}
	if (!t->halted)
		check_fail(r, "the guest's last instruction is `hlt` (F4): without an in-kernel irqchip KVM hands it "
			      "to userspace as KVM_EXIT_HLT",
			   "no KVM_EXIT_HLT: the run ended with %s after %llu exits", t->stopped ? t->stopped : "?",
			   (unsigned long long)t->exits);
	else
		check_fail(r, NULL, "%llu KVM_EXIT_HLT (want exactly 1)", (unsigned long long)t->hlt);
}

/* One counter of the stats fd against userspace's count: agreeing, not
 * maintained (stays 0 while userspace saw some), or a mismatch. */
static void judge_counter(struct strbuf *ok, struct strbuf *bad, const char *name, bool has, uint64_t got,
			  uint64_t seen, const char *what)
{
	if (!has)
		sb_addf(ok, "; no %s counter", name);
	else if (got == seen)
		sb_addf(ok, "; %s %llu = %llu %s", name, (unsigned long long)got, (unsigned long long)seen, what);
	else if (got == 0)
		sb_addf(ok, "; %s stays 0 while KVM_RUN returned %llu %s: not maintained by this KVM", name,
			(unsigned long long)seen, what);
	else
		sb_addf(bad, "; %s %llu but KVM_RUN returned %llu %s", name, (unsigned long long)got,
			(unsigned long long)seen, what);
}

static void judge_tp(struct strbuf *ok, struct strbuf *bad, const struct tp_evidence *tp, int i, uint64_t want,
		     const char *what)
{
	const char *name = tp_event_names[i];
	unsigned long long got = (unsigned long long)tp->count[i];
	if (!tp->counted[i])
		sb_addf(ok, "; %s not counted (%s)", name, tp->why[i]);
	else if (got == want)
		sb_addf(ok, "; %s %llu = %llu %s", name, got, (unsigned long long)want, what);
	else
		sb_addf(bad, "; %s %llu but %llu %s", name, got, (unsigned long long)want, what);
}

void check_stats_agree(struct check_result *r, const struct exit_tally *t, const struct stats_delta *s,
		       const struct tp_evidence *tp)
{
	struct strbuf ok = STRBUF_INIT, bad = STRBUF_INIT;
	bool any_tp = false;
	for (int i = 0; i < TPE_N; i++)
		any_tp |= tp->counted[i];

	if (s->rc == 0) {
		sb_adds(&ok, "; stats fd:");
		if (!s->has_exits)
			sb_adds(&ok, " no exits counter");
		else if (s->exits >= t->exits)
			sb_addf(&ok, " exits %llu >= %llu seen", (unsigned long long)s->exits,
				(unsigned long long)t->exits);
		else
			sb_addf(&bad, "; the stats fd counts %llu exits but KVM_RUN returned %llu",
				(unsigned long long)s->exits, (unsigned long long)t->exits);
		judge_counter(&ok, &bad, "halt_exits", s->has_hlt, s->halt_exits, t->hlt, "HLT exits");
		judge_counter(&ok, &bad, "mmio_exits", s->has_mmio, s->mmio_exits, t->mmio, "MMIO exits");
		judge_counter(&ok, &bad, "io_exits", s->has_io, s->io_exits, t->io, "IO exits");
	} else {
		sb_addf(&ok, "; stats fd not read (%s)", s->why);
	}

	if (any_tp) {
		judge_tp(&ok, &bad, tp, TPE_USERSPACE_EXIT, t->runs, "KVM_RUN returns");
		judge_tp(&ok, &bad, tp, TPE_PIO, t->io, "IO exits");
		if (tp->counted[TPE_MMIO])
			sb_addf(&ok, "; kvm:kvm_mmio %llu (%llu MMIO exits; shown, not judged)",
				(unsigned long long)tp->count[TPE_MMIO], (unsigned long long)t->mmio);
		if (!tp->counted[TPE_EXIT])
			sb_addf(&ok, "; kvm:kvm_exit not counted (%s)", tp->why[TPE_EXIT]);
		else if (tp->count[TPE_EXIT] == 0 && t->exits)
			sb_adds(&ok, "; kvm:kvm_exit never fires on this KVM");
		else if (tp->count[TPE_EXIT] >= t->exits)
			sb_addf(&ok, "; kvm:kvm_exit %llu >= %llu exits", (unsigned long long)tp->count[TPE_EXIT],
				(unsigned long long)t->exits);
		else
			sb_addf(&bad, "; kvm:kvm_exit %llu but KVM_RUN returned %llu exits",
				(unsigned long long)tp->count[TPE_EXIT], (unsigned long long)t->exits);
	} else {
		sb_addf(&ok, "; tracepoints not counted (%s)", tp->why[TPE_USERSPACE_EXIT]);
	}

	/* the lists start with "; " */
	if (bad.len)
		check_fail(r, "the kernel's counters and KVM_RUN's returns should describe the same run; the "
			      "VMM's exit log in the artifacts lists every return",
			   "%s (agreeing:%s)", sb_str(&bad) + 2, ok.len > 1 ? sb_str(&ok) + 1 : " none");
	else if (s->rc != 0 && !any_tp)
		check_skip(r, "%s", sb_str(&ok) + 2);
	else
		check_pass(r, "%s", sb_str(&ok) + 2);
	sb_release(&ok);
	sb_release(&bad);
}
