/* Chapter 3's written conclusions: the claim read out of what students
 * write (the texts below are in the styles students hand in: lists,
 * paragraphs, typos, both NICs in one sentence, negations, hedges), and the
 * verdict holding it against their own iperf3 runs (tests/fixtures/iperf:
 * e1000 1.39 Gbit/s, virtio 3.24 Gbit/s, captured in the lab's guests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/conclusions.h"
#include "tests/unit/unit_helpers.h"

static enum nic_claim claim_of(const char *text, double *factor)
{
	struct nic_conclusion c;
	nic_conclusion_parse(text, strlen(text), &c);
	if (factor)
		*factor = c.factor;
	return c.claim;
}

#define V NIC_CLAIM_VIRTIO_FASTER
#define E NIC_CLAIM_E1000_FASTER
#define NONE NIC_CLAIM_NONE
#define BOTH NIC_CLAIM_CONFLICT

static const struct {
	const char *text;
	enum nic_claim want;
	double factor;
} cases[] = {
	{ "virtio-net was faster than e1000.", V, 0 },
	{ "The virtio net interface is faster than the e1000 one", V, 0 },
	{ "e1000 was slower than virtio.", V, 0 },
	{ "e1000 was slower.", V, 0 },
	{ "The e1000 was faster than virtio-net.", E, 0 },
	{ "virtio was slower than the e1000", E, 0 },
	{ "Virtio is not faster than e1000.", E, 0 },
	{ "e1000 wasn't faster than virtio-net, virtio-net won by far.", V, 0 },
	{ "e1000 isn’t quicker than virtio", V, 0 },
	{ "virtio was not much faster than e1000 (1.1x)", V, 1.1 },
	{ "Vritio is fatser then e1000", V, 0 },
	{ "virito was about 2.3x faster than e1000", V, 2.3 },
	{ "virtio was 2.3 times faster than e1000", V, 2.3 },
	{ "virtio-net reached 3.24 Gbit/s and e1000 1.39 Gbit/s, so virtio-net is twice as fast... actually, "
	  "virtio-net had a higher throughput.", V, 0 },
	{ "Comparing e1000 and virtio, virtio was faster by 130%.", V, 2.3 },
	{ "The faster NIC was virtio-net, not e1000.", V, 0 },
	{ "The slower one is e1000", V, 0 },
	{ "Conclusions:\n- e1000: 1.39 Gbits/sec\n- virtio: 3.24 Gbits/sec\n- virtio is ~2.3x faster than "
	  "e1000 because the guest driver knows it is virtualized\n", V, 2.3 },
	{ "I expected virtio to be faster, but it was slower than e1000.", E, 0 },
	{ "Virtio should be faster since it is paravirtualized.", V, 0 },
	{ "e1000 has lower latency.", NONE, 0 },
	{ "The paravirtualized NIC outperformed the emulated one by a factor of 2.", V, 0 },
	{ "The throughput of e1000 is lower compared to virtio-net", V, 0 },
	{ "virtio-blk is faster than the e1000", NONE, 0 },
	{ "Both NICs work and the iperf3 runs finished.", NONE, 0 },
	{ "", NONE, 0 },
	{ "virtio was faster. e1000 was faster.", BOTH, 0 },
	{ "E1000 vs virtio: virtio is better", V, 0 },
	{ "virtio net's bandwidth was higher", V, 0 },
	{ "With virtio the transfer was quicker; e1000 was slower", V, 0 },
	{ "e1000e was faster than virtio", E, 0 },
	{ "Virtio-net is 3 times faster then e1000.\n\nThis is because virtio does not emulate real hardware, "
	  "so there are fewer VM exits.", V, 3 },
	{ "virtio was faster than e1000, which is no surprise", V, 0 },
	{ "It was not the e1000 that was faster, virtio was.", V, 0 },
	/* found by trying texts the rules were not written for */
	{ "No, e1000 is not faster.", V, 0 },
	{ "e1000 was faster? No, virtio was faster.", V, 0 },
	{ "The e1000 NIC is significantly slower compared with virtio-net, around 57% slower.", V, 2.33 },
	{ "We can see that virtio is much more performant than e1000.", V, 0 },
	{ "Virtio is faster. The reason is that e1000 must be emulated, which makes it slower.", V, 0 },
	{ "Virtio has more CPU overhead but it is faster than e1000.", V, 0 },
	{ "The e1000 interface had a bandwidth of 1.39 Gbit/s while virtio had 3.24 Gbit/s.", NONE, 0 },
	{ "la virtio est plus rapide que e1000", NONE, 0 },
};

static void test_claims(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double f;
		enum nic_claim got = claim_of(cases[i].text, &f);
		if (got != cases[i].want)
			fail_msg("\"%s\": claim %d, want %d", cases[i].text, got, cases[i].want);
		if (cases[i].factor && (f < cases[i].factor - 0.01 || f > cases[i].factor + 0.01))
			fail_msg("\"%s\": factor %g, want %g", cases[i].text, f, cases[i].factor);
	}
}

static void test_where_and_conflict(void **state)
{
	(void)state;
	const char *t = "# Chapter 3\n\nI ran iperf3 on both links.\nvirtio-net was\nfaster than e1000.\n\n"
			"Later: e1000 was faster than virtio.\n";
	struct nic_conclusion c;
	nic_conclusion_parse(t, strlen(t), &c);
	assert_int_equal(c.claim, NIC_CLAIM_CONFLICT);
	assert_int_equal(c.line, 4);
	assert_string_equal(c.sentence, "virtio-net was faster than e1000.");
	assert_int_equal(c.other_line, 7);
	assert_string_equal(c.other_sentence, "Later: e1000 was faster than virtio.");
	/* not NUL-terminated, and bytes that are not text */
	char raw[] = { 'v', 'i', 'r', 't', 'i', 'o', ' ', 'f', 'a', 's', 't', 'e', 'r', '\0', '\xff', '%', 'x' };
	nic_conclusion_parse(raw, sizeof(raw), &c);
	assert_int_equal(c.claim, NIC_CLAIM_VIRTIO_FASTER);
	nic_conclusion_parse(raw, 5, &c);
	assert_int_equal(c.claim, NIC_CLAIM_NONE);
}

static void test_verdict(void **state)
{
	(void)state;
	struct link_rate e = { "iperf_e1000.json", 1393386256.39 }, v = { "iperf_virtio.json", 3236019913.75 },
			 none = { NULL, 0 };
	struct nic_conclusion c;
	struct check_result r;
	const char *agree = "virtio-net was about 2.3x faster than e1000.";
	nic_conclusion_parse(agree, strlen(agree), &c);
	check_init(&r, "ch3.conclusions");
	check_nic_conclusions(&r, "conclusions.txt", &c, &e, &v);
	assert_verdict(&r, VERDICT_PASS);
	assert_contains(r.detail, "e1000 1.39 Gbit/s (iperf_e1000.json), virtio 3.24 Gbit/s (iperf_virtio.json): 2.32x");
	/* the student's own runs, whatever they are: swapped, the same claim fails */
	check_init(&r, "ch3.conclusions");
	struct link_rate e2 = { "iperf_e1000.json", v.bps }, v2 = { "iperf_virtio.json", e.bps };
	check_nic_conclusions(&r, "conclusions.txt", &c, &e2, &v2);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "line 1 says virtio-net was faster");
	/* the right side, the wrong factor */
	const char *tenfold = "virtio was 10 times faster than e1000";
	nic_conclusion_parse(tenfold, strlen(tenfold), &c);
	check_init(&r, "ch3.conclusions");
	check_nic_conclusions(&r, "conclusions.txt", &c, &e, &v);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "says 10x, but your runs differ 2.32x");
	/* nothing read: FAIL with the sentence wanted, never a guess */
	const char *vague = "Virtio is a paravirtualized device and e1000 an emulated one.";
	nic_conclusion_parse(vague, strlen(vague), &c);
	check_init(&r, "ch3.conclusions");
	check_nic_conclusions(&r, "conclusions.txt", &c, &e, &v);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.hint, "virtio-net was 2.3 times faster than e1000");
	/* a run missing: nothing to hold the claim against */
	nic_conclusion_parse(agree, strlen(agree), &c);
	check_init(&r, "ch3.conclusions");
	check_nic_conclusions(&r, "conclusions.txt", &c, &e, &none);
	assert_verdict(&r, VERDICT_FAIL);
	assert_contains(r.detail, "no saved iperf3 run of the virtio (10.0.1.0/24) link");
}

static void test_link_of_address(void **state)
{
	(void)state;
	assert_string_equal(lab_link_of_address("10.0.0.11"), "e1000");
	assert_string_equal(lab_link_of_address("10.0.0.10"), "e1000");
	assert_string_equal(lab_link_of_address("10.0.1.11"), "virtio");
	assert_null(lab_link_of_address("10.0.2.11"));
	assert_null(lab_link_of_address("10.0.1"));
	assert_null(lab_link_of_address(""));
	assert_null(lab_link_of_address(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_where_and_conflict),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_link_of_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
