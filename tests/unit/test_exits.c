/* checks/exits: the KVM binary stats parser on a real capture from a
 * kvm_pvm vCPU (tests/fixtures/kvmstats, see its README) and on files built
 * by hand (blocks out of order, a histogram, every way a header can lie),
 * and chapter 5's verdicts on kvm_pvm's and hardware KVM's shapes of
 * evidence. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/exits.h"
#include "runner/util.h"
#include "runner/files.h"

#define STATS_FIXTURES FIXTURES "/kvmstats/"
#define HELLO "vlab kvm-api: hello from the guest\n"

static uint8_t *load(const char *name, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];
	snprintf(path, sizeof(path), "%s%s", STATS_FIXTURES, name);
	int r = read_file(path, &sb);
	if (r)
		fail_msg("cannot read '%s': %s", path, strerror(-r));
	*len = sb.len;
	return (uint8_t *)sb.buf;
}

static void test_exit_names(void **state)
{
	(void)state;
	assert_string_equal(kvm_exit_name(2), "KVM_EXIT_IO");
	assert_string_equal(kvm_exit_name(5), "KVM_EXIT_HLT");
	assert_string_equal(kvm_exit_name(6), "KVM_EXIT_MMIO");
	assert_string_equal(kvm_exit_name(8), "KVM_EXIT_SHUTDOWN");
	assert_string_equal(kvm_exit_name(17), "KVM_EXIT_INTERNAL_ERROR");
	assert_string_equal(kvm_exit_name(39), "KVM_EXIT_MEMORY_FAULT");
	assert_string_equal(kvm_exit_name(1000), "KVM_EXIT_#1000");
}

/* The capture: 47 vCPU stats of kvm_pvm after the hello guest. */
static void test_parse_kvm_pvm(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = load("kvm_pvm-vcpu0-hello.bin", &len);
	assert_int_equal(len, 4200);
	struct kvm_stat s[64];
	size_t n = 99;
	assert_int_equal(kvm_stats_parse(buf, len, s, 64, &n), 0);
	assert_int_equal(n, 47);
	assert_string_equal(s[0].name, "halt_successful_poll");
	assert_string_equal(s[46].name, "pf_park_timeouts");

	const struct kvm_stat *e = kvm_stat_find(s, n, "exits");
	assert_non_null(e);
	assert_int_equal(e->value, 37);
	assert_int_equal(e->flags, 0); /* cumulative, no unit, pow10 */
	assert_int_equal(e->size, 1);
	assert_int_equal(kvm_stat_find(s, n, "io_exits")->value, 0);
	assert_int_equal(kvm_stat_find(s, n, "mmio_exits")->value, 1);
	assert_int_equal(kvm_stat_find(s, n, "halt_exits")->value, 1);
	assert_int_equal(kvm_stat_find(s, n, "insn_emulation")->value, 185);
	assert_null(kvm_stat_find(s, n, "no_such_stat"));

	const struct kvm_stat *ns = kvm_stat_find(s, n, "halt_poll_success_ns");
	assert_int_equal(ns->flags, 0x20); /* KVM_STATS_UNIT_SECONDS */
	assert_int_equal(ns->exponent, -9);
	const struct kvm_stat *h = kvm_stat_find(s, n, "halt_wait_hist");
	assert_int_equal(h->flags, 0x24); /* LOG_HIST | SECONDS */
	assert_int_equal(h->size, 32);
	assert_int_equal(kvm_stat_find(s, n, "blocking")->flags, 0x41); /* INSTANT | BOOLEAN */

	char id[64];
	assert_int_equal(kvm_stats_id(buf, len, id, sizeof(id)), 0);
	assert_string_equal(id, "kvm-6859/vcpu-0");

	size_t need = 0, data_len = 0;
	assert_int_equal(kvm_stats_extent(buf, len, &need, &data_len), 0);
	assert_int_equal(need, 4200);
	assert_int_equal(data_len, 1120);
	/* the header alone: read up to the end of the descriptors first */
	assert_int_equal(kvm_stats_extent(buf, 24, &need, &data_len), -EAGAIN);
	assert_int_equal(need, 72 + 47 * (16 + 48));
	assert_int_equal(kvm_stats_extent(buf, 10, &need, &data_len), -EAGAIN);
	assert_int_equal(need, 24);
	free(buf);
}

static void test_parse_truncated_list(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = load("kvm_pvm-vcpu0-hello.bin", &len);
	struct kvm_stat s[21];
	size_t n = 0;
	assert_int_equal(kvm_stats_parse(buf, len, s, 21, &n), -ENOSPC);
	assert_int_equal(n, 21);
	assert_string_equal(s[20].name, "exits");
	assert_int_equal(s[20].value, 37);
	assert_int_equal(kvm_stats_parse(buf, len, NULL, 0, &n), -ENOSPC);
	assert_int_equal(n, 0);
	free(buf);
}

/* Every prefix of the real file is refused, none read past its end (ASan
 * watches the exact-size copies). */
static void test_parse_every_prefix(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = load("kvm_pvm-vcpu0-hello.bin", &len);
	struct kvm_stat s[64];
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *p = xmalloc(cut ? cut : 1);
		memcpy(p, buf, cut);
		size_t n = 99, need, data_len;
		int rc = kvm_stats_parse(p, cut, s, 64, &n);
		if (rc != -EBADMSG)
			fail_msg("a %zu-byte prefix parsed with %d", cut, rc);
		assert_int_equal(n, 0);
		rc = kvm_stats_extent(p, cut, &need, &data_len);
		assert_true(rc == -EAGAIN || (rc == 0 && need == len));
		char id[64];
		kvm_stats_id(p, cut, id, sizeof(id));
		free(p);
	}
	free(buf);
}

/* A stats file built by hand, in the order api.rst says is not promised:
 * data block first, then the id, then the descriptors. */
struct built {
	uint8_t b[512];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

#define NAME_SIZE 16u
#define DATA_OFF 24u
#define ID_OFF 80u
#define DESC_OFF 96u

static void desc(struct built *f, int i, uint32_t flags, int16_t exponent, uint16_t size, uint32_t off,
		 uint32_t bucket, const char *name)
{
	uint8_t *d = f->b + DESC_OFF + (size_t)i * (16 + NAME_SIZE);
	put32(d, flags);
	put16(d + 4, (uint16_t)exponent);
	put16(d + 6, size);
	put32(d + 8, off);
	put32(d + 12, bucket);
	memset(d + 16, 0, NAME_SIZE);
	memcpy(d + 16, name, strlen(name));
}

static void build(struct built *f)
{
	memset(f, 0, sizeof(*f));
	/* header: flags, name_size, num_desc, id_offset, desc_offset, data_offset */
	put32(f->b, 0);
	put32(f->b + 4, NAME_SIZE);
	put32(f->b + 8, 3);
	put32(f->b + 12, ID_OFF);
	put32(f->b + 16, DESC_OFF);
	put32(f->b + 20, DATA_OFF);
	/* data: exits, a 4-bucket linear histogram, io_exits (7 u64: 24..80) */
	put64(f->b + DATA_OFF, 1234);
	for (int i = 0; i < 4; i++)
		put64(f->b + DATA_OFF + 8 + 8 * (size_t)i, (uint64_t)(10 + i));
	put64(f->b + DATA_OFF + 40, 35);
	memcpy(f->b + ID_OFF, "kvm-1/vcpu-7", 13);
	desc(f, 0, 0x00, 0, 1, 0, 0, "exits");
	desc(f, 1, 0x23, -9, 4, 8, 1000, "lat_hist"); /* LINEAR_HIST | SECONDS */
	desc(f, 2, 0x00, 0, 1, 40, 0, "io_exits");
	f->len = DESC_OFF + 3 * (16 + NAME_SIZE);
}

static void test_parse_built(void **state)
{
	(void)state;
	struct built f;
	build(&f);
	struct kvm_stat s[8];
	size_t n = 0;
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0].name, "exits");
	assert_int_equal(s[0].value, 1234);
	assert_string_equal(s[1].name, "lat_hist");
	assert_int_equal(s[1].flags, 0x23);
	assert_int_equal(s[1].exponent, -9);
	assert_int_equal(s[1].size, 4);
	assert_int_equal(s[1].bucket_size, 1000);
	assert_int_equal(s[1].value, 10); /* the first bucket */
	assert_string_equal(s[2].name, "io_exits");
	assert_int_equal(s[2].value, 35);

	char id[8];
	assert_int_equal(kvm_stats_id(f.b, f.len, id, sizeof(id)), 0);
	assert_string_equal(id, "kvm-1/v"); /* cut to fit */
	size_t need, data_len;
	assert_int_equal(kvm_stats_extent(f.b, f.len, &need, &data_len), 0);
	assert_int_equal(need, f.len); /* the descriptors end last here */
	assert_int_equal(data_len, 48);

	/* no descriptors: an empty data block, wherever data_offset points
	 * (found by the fuzzer: tests/fuzz/corpus/kvmstats/no-descriptors-data-far.bin) */
	uint8_t none[48];
	memset(none, 0, sizeof(none));
	put32(none + 4, 16);
	put32(none + 12, 24);
	put32(none + 16, 40);
	put32(none + 20, 0x2a0000);
	memcpy(none + 24, "kvm-1", 6);
	assert_int_equal(kvm_stats_parse(none, sizeof(none), s, 8, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kvm_stats_extent(none, sizeof(none), &need, &data_len), 0);
	assert_int_equal(need, 40);
	assert_int_equal(data_len, 0);

	/* a name longer than vlab keeps is cut, not refused */
	put32(f.b + 4, 80);
	put32(f.b + 8, 1);
	uint8_t big[24 + 80 + 16 + 80 + 8];
	memset(big, 0, sizeof(big));
	memcpy(big, f.b, 24);
	put32(big + 12, 24);               /* id */
	put32(big + 16, 104);              /* descriptor */
	put32(big + 20, 200);              /* data */
	put16(big + 104 + 6, 1);
	memset(big + 120, 'x', 79);
	put64(big + 200, 7);
	assert_int_equal(kvm_stats_parse(big, sizeof(big), s, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(s[0].name), KVM_STAT_NAME_MAX - 1);
	assert_int_equal(s[0].value, 7);
}

static void test_parse_malformed(void **state)
{
	(void)state;
	struct built f;
	struct kvm_stat s[8];
	size_t n, need, data_len;
	char id[32];

	build(&f); /* name_size 0 */
	put32(f.b + 4, 0);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);
	assert_int_equal(kvm_stats_extent(f.b, f.len, &need, &data_len), -EBADMSG);

	build(&f); /* a name without its NUL */
	memset(f.b + DESC_OFF + 2 * (16 + NAME_SIZE) + 16, 'a', NAME_SIZE);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);

	build(&f); /* the id without its NUL */
	memset(f.b + ID_OFF, 'k', NAME_SIZE);
	assert_int_equal(kvm_stats_id(f.b, f.len, id, sizeof(id)), -EBADMSG);
	assert_string_equal(id, "");

	build(&f); /* more descriptors than the file holds */
	put32(f.b + 8, 4);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);
	assert_int_equal(kvm_stats_extent(f.b, f.len, &need, &data_len), -EAGAIN);
	assert_int_equal(need, f.len + 16 + NAME_SIZE);

	build(&f); /* an absurd count */
	put32(f.b + 8, 0xffffffffu);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);
	assert_int_equal(kvm_stats_extent(f.b, f.len, &need, &data_len), -EBADMSG);

	build(&f); /* a value past the end */
	put32(f.b + DESC_OFF + 2 * (16 + NAME_SIZE) + 8, 0xfffffff8u);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);
	assert_int_equal(n, 0);

	build(&f); /* a histogram that runs off the end */
	put16(f.b + DESC_OFF + 1 * (16 + NAME_SIZE) + 6, 0xffff);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);

	build(&f); /* a stat with no value */
	put16(f.b + DESC_OFF + 6, 0);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);

	build(&f); /* offsets at the top of u32: sums must not wrap */
	put32(f.b + 16, 0xffffffffu);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);
	build(&f);
	put32(f.b + 20, 0xfffffff0u);
	assert_int_equal(kvm_stats_parse(f.b, f.len, s, 8, &n), -EBADMSG);
	build(&f);
	put32(f.b + 12, 0xffffffffu);
	assert_int_equal(kvm_stats_id(f.b, f.len, id, sizeof(id)), -EBADMSG);

	assert_int_equal(kvm_stats_parse(f.b, 0, s, 8, &n), -EBADMSG);
}

static void set_stat(struct kvm_stat *s, const char *name, uint64_t v)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->size = 1;
	s->value = v;
}

static void test_delta(void **state)
{
	(void)state;
	struct kvm_stat b[4], a[4];
	set_stat(&b[0], "exits", 5);
	set_stat(&b[1], "io_exits", 0);
	set_stat(&b[2], "halt_exits", 3);
	set_stat(&b[3], "mmio_exits", 0);
	set_stat(&a[0], "mmio_exits", 1);
	set_stat(&a[1], "exits", 42);
	set_stat(&a[2], "io_exits", 35);
	set_stat(&a[3], "halt_exits", 2); /* went down: not this counter's growth */
	struct stats_delta d;
	memset(&d, 0, sizeof(d));
	kvm_stats_delta(b, 4, a, 4, &d);
	assert_true(d.has_exits);
	assert_int_equal(d.exits, 37);
	assert_true(d.has_io);
	assert_int_equal(d.io_exits, 35);
	assert_true(d.has_mmio);
	assert_int_equal(d.mmio_exits, 1);
	assert_false(d.has_hlt);
	assert_int_equal(d.halt_exits, 0);
	/* a counter this KVM does not have */
	kvm_stats_delta(b, 2, a, 4, &d);
	assert_false(d.has_mmio);
	assert_false(d.has_hlt);
}

/* What the hello guest's run looks like from KVM_RUN. */
static struct exit_tally hello_tally(void)
{
	struct exit_tally t = {
		.runs = 37, .exits = 37, .io = 35, .mmio = 1, .hlt = 1, .io_com1 = 35,
		.serial = HELLO, .serial_len = strlen(HELLO), .halted = true,
	};
	return t;
}

static void test_io_exits(void **state)
{
	(void)state;
	struct check_result r;
	struct exit_tally t = hello_tally();
	check_init(&r, "ch5.io_exits");
	check_io_exits(&r, &t, HELLO);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.detail, "35 KVM_EXIT_IO, one per byte: the guest wrote "
				      "\"vlab kvm-api: hello from the guest\\n\" to port 0x3f8");

	t.io = 36; /* one IO exit that is not a byte for COM1 */
	check_io_exits(&r, &t, HELLO);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "of which 1 were not one-byte OUTs to 0x3f8"));
	assert_non_null(strstr(r.hint, "io.data_offset"));

	t = hello_tally(); /* rep outsb would do it in fewer */
	t.io = t.io_com1 = 1;
	t.serial_len = 1;
	check_io_exits(&r, &t, HELLO);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "1 KVM_EXIT_IO for a 35-byte message"));

	t = hello_tally();
	t.serial = "vlab kvm-api: HELLO from the guest\n";
	check_io_exits(&r, &t, HELLO);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "but COM1 got \"vlab kvm-api: HELLO"));

	t = hello_tally();
	t.io = t.io_com1 = 3;
	t.serial_len = 3;
	t.halted = false;
	t.vmm_broke = true;
	t.stopped = "KVM_EXIT_INTERNAL_ERROR (suberror 1)";
	check_io_exits(&r, &t, HELLO);
	assert_int_equal(r.verdict, VERDICT_ERROR);
	assert_string_equal(r.detail, "the run stopped at KVM_EXIT_INTERNAL_ERROR (suberror 1) after 3 IO exits; "
				      "COM1 got \"vla\"");

	t.serial = "\x01\x7f\"";
	check_io_exits(&r, &t, HELLO);
	assert_non_null(strstr(r.detail, "COM1 got \"\\x01\\x7f\\\"\""));
}

static void test_hlt_exit(void **state)
{
	(void)state;
	struct check_result r;
	struct exit_tally t = hello_tally();
	check_init(&r, "ch5.hlt_exit");
	check_hlt_exit(&r, &t);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.detail, "the run ended at KVM_EXIT_HLT after 37 exits (35 IO, 1 MMIO, 1 HLT)");

	t.halted = false;
	t.hlt = 0;
	t.vmm_broke = true;
	t.stopped = "KVM_EXIT_SHUTDOWN (the vCPU triple-faulted)";
	check_hlt_exit(&r, &t);
	assert_int_equal(r.verdict, VERDICT_ERROR);
	assert_string_equal(r.detail, "the run stopped at KVM_EXIT_SHUTDOWN (the vCPU triple-faulted) after 37 exits, "
				      "before the guest's hlt");

	t.vmm_broke = false;
	t.stopped = "no hlt within 10000 exits";
	check_hlt_exit(&r, &t);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_non_null(strstr(r.detail, "no KVM_EXIT_HLT: the run ended with no hlt within 10000 exits"));

	t = hello_tally();
	t.hlt = 2;
	check_hlt_exit(&r, &t);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_string_equal(r.detail, "2 KVM_EXIT_HLT (want exactly 1)");
}

/* kvm_pvm, as the trial and the fixture show it: exits, mmio_exits and
 * halt_exits kept, io_exits not; kvm_exit never fires. */
static void pvm_evidence(struct stats_delta *d, struct tp_evidence *tp)
{
	memset(d, 0, sizeof(*d));
	d->has_exits = d->has_io = d->has_mmio = d->has_hlt = true;
	d->exits = 37;
	d->mmio_exits = 1;
	d->halt_exits = 1;
	memset(tp, 0, sizeof(*tp));
	for (int i = 0; i < TPE_N; i++)
		tp->counted[i] = true;
	tp->count[TPE_USERSPACE_EXIT] = 37;
	tp->count[TPE_PIO] = 35;
	tp->count[TPE_MMIO] = 1;
	tp->count[TPE_EXIT] = 0;
}

static void test_stats_agree_kvm_pvm(void **state)
{
	(void)state;
	struct check_result r;
	struct exit_tally t = hello_tally();
	struct stats_delta d;
	struct tp_evidence tp;
	pvm_evidence(&d, &tp);
	check_init(&r, "ch5.stats_agree");
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_string_equal(r.detail,
			    "stats fd: exits 37 >= 37 seen; halt_exits 1 = 1 HLT exits; mmio_exits 1 = 1 MMIO exits; "
			    "io_exits stays 0 while KVM_RUN returned 35 IO exits: not maintained by this KVM; "
			    "kvm:kvm_userspace_exit 37 = 37 KVM_RUN returns; kvm:kvm_pio 35 = 35 IO exits; "
			    "kvm:kvm_mmio 1 (1 MMIO exits; shown, not judged); kvm:kvm_exit never fires on this KVM");
}

/* Hardware KVM: every counter kept, more exits in the kernel than reach
 * userspace (page faults, interrupts), kvm_exit firing for each. */
static void test_stats_agree_hardware(void **state)
{
	(void)state;
	struct check_result r;
	struct exit_tally t = hello_tally();
	struct stats_delta d;
	struct tp_evidence tp;
	pvm_evidence(&d, &tp);
	d.exits = 45;
	d.io_exits = 35;
	tp.count[TPE_EXIT] = 45;
	check_init(&r, "ch5.stats_agree");
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "exits 45 >= 37 seen"));
	assert_non_null(strstr(r.detail, "io_exits 35 = 35 IO exits"));
	assert_non_null(strstr(r.detail, "kvm:kvm_exit 45 >= 37 exits"));

	/* a KVM_RUN interrupted by a signal: one more return than exits */
	t.runs = 38;
	tp.count[TPE_USERSPACE_EXIT] = 38;
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "kvm:kvm_userspace_exit 38 = 38 KVM_RUN returns"));
}

static void test_stats_agree_mismatch(void **state)
{
	(void)state;
	struct check_result r;
	struct exit_tally t = hello_tally();
	struct stats_delta d;
	struct tp_evidence tp;
	check_init(&r, "ch5.stats_agree");

	pvm_evidence(&d, &tp);
	d.io_exits = 3;
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_true(starts_with(r.detail, "io_exits 3 but KVM_RUN returned 35 IO exits (agreeing: stats fd: exits 37"));

	pvm_evidence(&d, &tp);
	d.exits = 30;
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_true(starts_with(r.detail, "the stats fd counts 30 exits but KVM_RUN returned 37"));

	pvm_evidence(&d, &tp);
	tp.count[TPE_PIO] = 70;
	tp.count[TPE_EXIT] = 5;
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_true(starts_with(r.detail, "kvm:kvm_pio 70 but 35 IO exits; kvm:kvm_exit 5 but KVM_RUN returned 37 exits"));
	assert_non_null(r.hint[0] ? r.hint : NULL);

	pvm_evidence(&d, &tp);
	tp.count[TPE_USERSPACE_EXIT] = 36;
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_FAIL);
	assert_true(starts_with(r.detail, "kvm:kvm_userspace_exit 36 but 37 KVM_RUN returns"));
}

static void test_stats_agree_partial(void **state)
{
	(void)state;
	struct check_result r;
	struct exit_tally t = hello_tally();
	struct stats_delta d;
	struct tp_evidence tp;
	check_init(&r, "ch5.stats_agree");

	/* no perf: the stats alone decide */
	pvm_evidence(&d, &tp);
	memset(&tp, 0, sizeof(tp));
	for (int i = 0; i < TPE_N; i++)
		snprintf(tp.why[i], sizeof(tp.why[i]), "perf_event_open(%s) refused: Permission denied", tp_event_names[i]);
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_non_null(strstr(r.detail, "; tracepoints not counted (perf_event_open(kvm:kvm_userspace_exit) refused"));

	/* no stats fd (Linux < 5.14): the tracepoints alone; one tracepoint missing */
	pvm_evidence(&d, &tp);
	memset(&d, 0, sizeof(d));
	d.rc = -EOPNOTSUPP;
	snprintf(d.why, sizeof(d.why), "this KVM has no binary stats");
	tp.counted[TPE_EXIT] = false;
	snprintf(tp.why[TPE_EXIT], sizeof(tp.why[TPE_EXIT]), "no tracepoint kvm:kvm_exit");
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_true(starts_with(r.detail, "stats fd not read (this KVM has no binary stats); kvm:kvm_userspace_exit 37"));
	assert_non_null(strstr(r.detail, "kvm:kvm_exit not counted (no tracepoint kvm:kvm_exit)"));

	/* neither */
	memset(&tp, 0, sizeof(tp));
	snprintf(tp.why[TPE_USERSPACE_EXIT], sizeof(tp.why[0]), "tracefs is not mounted");
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_SKIP);
	assert_string_equal(r.detail, "stats fd not read (this KVM has no binary stats); tracepoints not counted "
				      "(tracefs is not mounted)");

	/* a KVM without some counters at all */
	pvm_evidence(&d, &tp);
	d.has_io = false;
	d.has_exits = false;
	check_stats_agree(&r, &t, &d, &tp);
	assert_int_equal(r.verdict, VERDICT_PASS);
	assert_true(starts_with(r.detail, "stats fd: no exits counter;"));
	assert_non_null(strstr(r.detail, "; no io_exits counter"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_names),
		cmocka_unit_test(test_parse_kvm_pvm),
		cmocka_unit_test(test_parse_truncated_list),
		cmocka_unit_test(test_parse_every_prefix),
		cmocka_unit_test(test_parse_built),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_io_exits),
		cmocka_unit_test(test_hlt_exit),
		cmocka_unit_test(test_stats_agree_kvm_pvm),
		cmocka_unit_test(test_stats_agree_hardware),
		cmocka_unit_test(test_stats_agree_mismatch),
		cmocka_unit_test(test_stats_agree_partial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
