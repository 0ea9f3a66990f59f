/* Chapter 3's conclusions as a student writes them down: the lab ends its
 * iperf3 comparison with "Draw some conclusions from the output", and the
 * conclusion it leads to is which NIC, the emulated e1000 or the
 * paravirtualized virtio-net, moved data faster (and by how much). The
 * parser reads that claim out of free English text (typos, both NICs in one
 * sentence, "virtio net", "e1000 was slower", "not faster"); the verdict
 * holds it against the student's own saved iperf3 runs, which were measured
 * under KVM on the student's machine (vlab's grading runs under TCG, where
 * the ratio says nothing of the student's). Pure: text in, claim out. The
 * parser takes untrusted text and is fuzzed (tests/fuzz/fuzz_conclusions.c).
 *
 * What is read: sentences (ended by . ! ? followed by a space or the end, a
 * blank line, or a new list item or heading), cut into clauses at "but",
 * "however", "whereas", "although", "though", "while", "yet", ";" and ":". A clause
 * claims when it has a comparative (faster, quicker, better, outperformed,
 * beat, superior; slower, worse, inferior; higher/more and lower/less next
 * to a throughput word, so "lower latency" claims nothing) and names a NIC
 * (virtio, virtio-net, virtio net, paravirtualized; e1000, e1000e, e1k,
 * emulated; one-letter typos of "virtio", "faster", "slower" and
 * "quicker"). Its subject is the NIC that is not after "than", "compared
 * to/with", "vs", "versus", "over" or "against", else the last NIC before
 * the comparative, else the first after it, else the previous clause's (as
 * in "..., but it was slower"). A negation (not, no, never, n't, hardly)
 * up to three words before the comparative turns it round, except "not
 * much faster" and the like (much, that, significantly, a lot: still
 * faster); so does "not (the)" just before the subject ("it was not the
 * e1000 that was faster"). A question ("...?") claims nothing. Clauses that only expect something (expected, should, would,
 * supposed, thought, theory) claim only when no other clause does. The
 * factor is a number before "x", "times" or "%" (or twice, double, ...) in
 * the claiming clause; "N% slower" is 1/(1 - N/100). */
#ifndef VLAB_CHECKS_CONCLUSIONS_H
#define VLAB_CHECKS_CONCLUSIONS_H

#include <stddef.h>

#include "checks/verdict.h"

enum nic_claim {
	NIC_CLAIM_NONE,          /* nothing read: no sentence says which NIC was faster */
	NIC_CLAIM_VIRTIO_FASTER,
	NIC_CLAIM_E1000_FASTER,
	NIC_CLAIM_CONFLICT,      /* sentences that say both */
};

#define CONCLUSION_SENTENCE_MAX 200

struct nic_conclusion {
	enum nic_claim claim;
	double factor;           /* "about 2.5x faster": 2.5; "50% faster": 1.5; 0 when not said */
	int line;                /* the claiming sentence's first line (1-based) */
	char sentence[CONCLUSION_SENTENCE_MAX];  /* its bytes, as written (untrusted), cut */
	int other_line;          /* NIC_CLAIM_CONFLICT: the sentence saying the opposite */
	char other_sentence[CONCLUSION_SENTENCE_MAX];
	unsigned nclaims;        /* clauses that claimed */
};

/* Read text[0..len) (need not be NUL-terminated; may hold anything). */
void nic_conclusion_parse(const char *text, size_t len, struct nic_conclusion *out);

/* One saved iperf3 run of a link: its file and rate; file NULL when there is
 * none. */
struct link_rate {
	const char *file;
	double bps;
};

/* ch3.conclusions: the claim must be readable and agree with the student's
 * own runs (the faster link by their receivers' rates; a factor, when one is
 * said, within 1.5 times of theirs either way). file names the conclusions
 * file in the detail. */
void check_nic_conclusions(struct check_result *r, const char *file, const struct nic_conclusion *c,
			   const struct link_rate *e1000, const struct link_rate *virtio);

/* The chapter-3 link an IPv4 address is on by the lab's plan
 * (checks/lab_plan.h): "e1000" for 10.0.0.0/24, "virtio" for 10.0.1.0/24,
 * else NULL. */
const char *lab_link_of_address(const char *ip);

/* Whether name is a conclusions file's: conclusion*.txt, conclusion*.md or
 * conclusion* with no extension, answers.txt or answers.md (any case). */
bool conclusions_name(const char *name);

#endif
