/* Chapter 3's written conclusions; see conclusions.h. */
#include "checks/conclusions.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/iperf.h"
#include "checks/lab_plan.h"

#define WORD_MAX 24
#define SENTENCE_MAX_WORDS 96

struct word {
	char w[WORD_MAX];    /* lower case; "'s" dropped */
	bool number;         /* w is a number: val */
	double val;
	bool times;          /* "3x", "3×" (glued), or a number with % after it: pct */
	bool pct;
	bool clause_end;     /* ";" or ":": not a word, a cut */
};

struct sentence {
	struct word words[SENTENCE_MAX_WORDS];
	size_t n;
	const char *start, *end;
	int line;
};

static bool in_set(const char *w, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(w, *set))
			return true;
	return false;
}

/* Whether a and b are one edit apart at most (a letter changed, added,
 * dropped, or two neighbours swapped). */
static bool one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > lb + 1 || lb > la + 1)
		return false;
	size_t i = 0;
	while (i < la && i < lb && a[i] == b[i])
		i++;
	if (i == la && i == lb)
		return true;
	if (la == lb) {
		if (!strcmp(a + i + 1, b + i + 1))
			return true;
		return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && !strcmp(a + i + 2, b + i + 2);
	}
	return la > lb ? !strcmp(a + i + 1, b + i) : !strcmp(a + i, b + i + 1);
}

/* ---- words ------------------------------------------------------------------ */

static void add_word(struct sentence *s, const char *w, size_t l)
{
	if (s->n >= SENTENCE_MAX_WORDS)
		return;
	struct word *x = &s->words[s->n];
	memset(x, 0, sizeof(*x));
	if (l >= WORD_MAX)
		l = WORD_MAX - 1;
	for (size_t i = 0; i < l; i++)
		x->w[i] = (char)tolower((unsigned char)w[i]);
	x->w[l] = '\0';
	size_t wl = strlen(x->w);
	if (wl > 2 && !strcmp(x->w + wl - 2, "'s"))
		x->w[wl - 2] = '\0';
	char *end;
	if (isdigit((unsigned char)x->w[0])) {
		double v = strtod(x->w, &end);
		if (end != x->w && (!*end || !strcmp(end, "x"))) {
			x->number = true;
			x->val = v;
			x->times = *end == 'x';
		}
	}
	s->n++;
}

static void words_of(const char *p, const char *end, struct sentence *s)
{
	s->n = 0;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == ';' || c == ':') {
			if (s->n < SENTENCE_MAX_WORDS)
				s->words[s->n++] = (struct word){ .clause_end = true };
			p++;
			continue;
		}
		if (c == '%' && s->n && s->words[s->n - 1].number) {
			s->words[s->n - 1].pct = true;
			p++;
			continue;
		}
		if (c == 0xc3 && p + 1 < end && (unsigned char)p[1] == 0x97) {  /* U+00D7 × */
			if (s->n && s->words[s->n - 1].number && !s->words[s->n - 1].times)
				s->words[s->n - 1].times = true;
			p += 2;
			continue;
		}
		if (!isalnum(c)) {
			p++;
			continue;
		}
		char w[WORD_MAX * 2];
		size_t l = 0;
		while (p < end && l < sizeof(w) - 1) {
			unsigned char d = (unsigned char)*p;
			if (isalnum(d)) {
				w[l++] = (char)d;
				p++;
			} else if (d == '\'' && p + 1 < end && isalpha((unsigned char)p[1])) {
				w[l++] = '\'';
				p++;
			} else if (d == 0xe2 && p + 3 < end && (unsigned char)p[1] == 0x80 &&
				   (unsigned char)p[2] == 0x99 && isalpha((unsigned char)p[3])) {  /* U+2019 ’ */
				w[l++] = '\'';
				p += 3;
			} else if (d == '.' && l && isdigit((unsigned char)w[l - 1]) && p + 1 < end &&
				   isdigit((unsigned char)p[1])) {
				w[l++] = '.';
				p++;
			} else {
				break;
			}
		}
		while (p < end && isalnum((unsigned char)*p))  /* the rest of a word too long to keep */
			p++;
		add_word(s, w, l);
	}
}

/* ---- what the words say --------------------------------------------------- */

/* NIC_OTHER: another virtio device (virtio-blk): a claim about it is none */
enum nic { NIC_NONE, NIC_E1000, NIC_VIRTIO, NIC_OTHER };

static const char *const not_nic_after[] = { "blk", "block", "disk", "scsi", "serial", "console", "rng", "balloon",
					     "gpu", "fs", "vsock", NULL };

static enum nic nic_at(const struct sentence *s, size_t i)
{
	const char *w = s->words[i].w;
	size_t l = strlen(w);
	bool virtio = (w[0] == 'v' && l >= 5 && l <= 7 && one_edit(w, "virtio")) || !strcmp(w, "virtionet") ||
		      !strncmp(w, "paravirt", 8);
	if (virtio)
		return i + 1 < s->n && in_set(s->words[i + 1].w, not_nic_after) ? NIC_OTHER : NIC_VIRTIO;
	if (!strcmp(w, "e1k") || !strcmp(w, "emulated") || !strcmp(w, "intel"))
		return NIC_E1000;
	/* e1000, e1000e, and the zeros miscounted: e100, e10000 */
	if (w[0] == 'e' && w[1] == '1') {
		size_t z = 2;
		while (w[z] == '0')
			z++;
		if (z >= 4 && z <= 6 && (!w[z] || (!w[z + 1] && (w[z] == 'e' || w[z] == 's'))))
			return NIC_E1000;
	}
	return NIC_NONE;
}

static const char *const up_words[] = { "faster", "fastest", "quicker", "quickest", "better", "best",
					"outperformed", "outperforms", "outperform", "outperforming", "beat", "beats",
					"superior", "speedier", "won", "wins", NULL };
static const char *const down_words[] = { "slower", "slowest", "worse", "worst", "inferior", NULL };
static const char *const more_words[] = { "higher", "more", "greater", "bigger", "larger", "highest", NULL };
static const char *const less_words[] = { "lower", "less", "smaller", "lowest", NULL };
static const char *const rate_words[] = { "throughput", "bandwidth", "bitrate", "speed", "speeds", "rate", "rates",
					  "gbits", "mbits", "gbit", "mbit", "bits", "performance", "transfer",
					  "bps", "gbps", "mbps", "data", "performant", NULL };

/* +1 a "faster" word, -1 a "slower" one, 0 none; rate: the clause speaks of
 * throughput (so "higher" and "lower" count). */
static int comparative(const char *w, bool rate)
{
	if (in_set(w, up_words))
		return 1;
	if (in_set(w, down_words))
		return -1;
	if (rate && in_set(w, more_words))
		return 1;
	if (rate && in_set(w, less_words))
		return -1;
	size_t l = strlen(w);
	if (l >= 5 && (one_edit(w, "faster") || one_edit(w, "quicker")))
		return 1;
	if (l >= 5 && one_edit(w, "slower") && strcmp(w, "lower"))
		return -1;
	return 0;
}

static bool negation(const char *w)
{
	static const char *const set[] = { "not", "no", "never", "hardly", "nor", "neither", "cannot", "isnt",
					   "wasnt", "werent", "arent", "dont", "didnt", "doesnt", NULL };
	size_t l = strlen(w);
	return in_set(w, set) || (l > 3 && !strcmp(w + l - 3, "n't"));
}

/* "not much faster" is still faster */
static const char *const degree_words[] = { "much", "that", "significantly", "a", "lot", "way", "far", "hugely",
					    "dramatically", "considerably", "noticeably", "substantially", "by",
					    "so", "very", NULL };

static const char *const clause_cuts[] = { "but", "however", "whereas", "although", "though", "while", "yet",
					   NULL };
static const char *const hypothesis_words[] = { "expected", "expect", "expecting", "should", "would", "supposed",
						"thought", "theory", "theoretically", "predicted", "assumed", "assume",
						"hypothesis", "hoped", NULL };
static const char *const object_markers[] = { "than", "vs", "versus", "over", "against", "compared", "relative",
					      NULL };

static double number_word(const char *w)
{
	static const char *const n[] = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
					 "nine", "ten", NULL };
	for (int i = 0; n[i]; i++)
		if (!strcmp(w, n[i]))
			return i;
	return 0;
}

/* word_dir: the comparative's own direction; "57% slower" leaves 43 %,
 * a factor of 1/0.43 */
static double factor_in(const struct sentence *s, size_t a, size_t b, int word_dir)
{
	for (size_t i = a; i < b; i++) {
		const struct word *x = &s->words[i];
		const char *next = i + 1 < b ? s->words[i + 1].w : "";
		if (!strcmp(x->w, "twice") || !strcmp(x->w, "double") || !strcmp(x->w, "doubled"))
			return 2;
		if (!strcmp(x->w, "triple") || !strcmp(x->w, "thrice") || !strcmp(x->w, "tripled"))
			return 3;
		double v = x->number ? x->val : number_word(x->w);
		if (v <= 0)
			continue;
		if (x->number && x->pct)
			return word_dir < 0 ? (v < 100 ? 1 / (1 - v / 100) : 0) : 1 + v / 100;
		if (x->times || !strcmp(next, "x") || !strcmp(next, "times") || !strcmp(next, "fold"))
			return v;
	}
	return 0;
}

struct clause_claim {
	enum nic faster;     /* NIC_NONE: no claim */
	enum nic subject;    /* for the next clause's "it" */
	double factor;
	bool hypothesis;
};

static struct clause_claim clause_claim(const struct sentence *s, size_t a, size_t b, enum nic prev_subject)
{
	struct clause_claim c = { .faster = NIC_NONE, .subject = NIC_NONE };
	bool rate = false;
	for (size_t i = a; i < b; i++) {
		rate |= in_set(s->words[i].w, rate_words);
		c.hypothesis |= in_set(s->words[i].w, hypothesis_words);
	}
	size_t comp = b;
	int dir = 0;
	for (size_t i = a; i < b && !dir; i++)
		if ((dir = comparative(s->words[i].w, rate)))
			comp = i;
	enum nic object = NIC_NONE, before = NIC_NONE, after = NIC_NONE;
	size_t before_at = b;
	for (size_t i = a; i < b; i++) {
		enum nic k = nic_at(s, i);
		if (k == NIC_NONE)
			continue;
		bool is_object = false;
		for (size_t j = i > a + 3 ? i - 3 : a; j < i; j++)
			is_object |= in_set(s->words[j].w, object_markers);
		if (is_object && object == NIC_NONE)
			object = k;
		else if (i < comp)
			before = k, before_at = i;
		else if (after == NIC_NONE)
			after = k;
	}
	enum nic subject = before != NIC_NONE ? before : after != NIC_NONE ? after : NIC_NONE;
	if (object == NIC_OTHER)
		subject = NIC_OTHER;
	else if (object != NIC_NONE && (subject == NIC_NONE || subject == object))
		subject = object == NIC_E1000 ? NIC_VIRTIO : NIC_E1000;
	if (subject == NIC_NONE)
		subject = prev_subject;
	c.subject = subject;
	if (!dir || subject == NIC_NONE || subject == NIC_OTHER)
		return c;
	/* a negation up to three words before, "much" and the like not between */
	bool degree = false, negated = false;
	int word_dir = dir;
	for (size_t j = comp; j > a && comp - j < 3; j--) {
		const char *w = s->words[j - 1].w;
		if (nic_at(s, j - 1) != NIC_NONE)  /* "No, virtio was faster": not its negation */
			break;
		if (negation(w)) {
			negated = true;
			if (!degree)
				dir = -dir;
			break;
		}
		degree |= in_set(w, degree_words);
	}
	/* "it was not (the) e1000 that was faster" */
	if (!negated && before_at < b && subject == before) {
		size_t j = before_at;
		if (j > a && (!strcmp(s->words[j - 1].w, "the") || !strcmp(s->words[j - 1].w, "a")))
			j--;
		if (j > a && !strcmp(s->words[j - 1].w, "not"))
			dir = -dir;
	}
	c.faster = dir > 0 ? subject : subject == NIC_E1000 ? NIC_VIRTIO : NIC_E1000;
	c.factor = factor_in(s, a, b, word_dir);
	return c;
}

/* ---- sentences -------------------------------------------------------------- */

/* Whether the line starting at p begins a new sentence: blank, or a list
 * item or heading. */
static bool line_starts_sentence(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p >= end || *p == '\n')
		return true;
	if (strchr("-*+#>|", *p))
		return true;
	const char *q = p;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	return q > p && q < end && (*q == '.' || *q == ')');
}

static const char *sentence_end(const char *p, const char *end)
{
	for (; p < end; p++) {
		if ((*p == '.' || *p == '!' || *p == '?') && (p + 1 == end || isspace((unsigned char)p[1])))
			return p + 1;
		if (*p == '\n' && line_starts_sentence(p + 1, end))
			return p + 1;
	}
	return end;
}

static void keep_sentence(char *out, const char *a, const char *b)
{
	size_t n = 0;
	bool space = false;
	while (a < b && (isspace((unsigned char)*a)))
		a++;
	for (; a < b && n + 1 < CONCLUSION_SENTENCE_MAX; a++) {
		if (isspace((unsigned char)*a)) {
			space = true;
			continue;
		}
		if (space && n)
			out[n++] = ' ';
		space = false;
		if (n + 1 < CONCLUSION_SENTENCE_MAX)
			out[n++] = *a;
	}
	out[n] = '\0';
}

struct found {
	enum nic faster;
	double factor;
	int line;
	const char *a, *b;
};

void nic_conclusion_parse(const char *text, size_t len, struct nic_conclusion *out)
{
	memset(out, 0, sizeof(*out));
	struct sentence *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	struct found firm[2] = { { 0 } }, guess[2] = { { 0 } };  /* the first of each NIC: stated, expected */
	const char *end = text + len;
	int line = 1;
	for (const char *p = text; p < end;) {
		while (p < end && isspace((unsigned char)*p))
			line += *p++ == '\n';
		if (p == end)
			break;
		const char *q = sentence_end(p, end);
		s->line = line;
		for (const char *c = p; c < q; c++)
			line += *c == '\n';
		words_of(p, q, s);
		if (q[-1] == '?')  /* a question claims nothing: "e1000 was faster? No, ..." */
			s->n = 0;
		size_t a = 0;
		enum nic prev = NIC_NONE;
		while (a < s->n) {
			size_t b = a + 1;
			while (b < s->n && !s->words[b].clause_end && !in_set(s->words[b].w, clause_cuts))
				b++;
			struct clause_claim c = clause_claim(s, a, b, prev);
			prev = c.subject;
			if (c.faster != NIC_NONE) {
				struct found *f = &(c.hypothesis ? guess : firm)[c.faster == NIC_VIRTIO];
				out->nclaims += !c.hypothesis;
				if (!f->faster)
					*f = (struct found){ c.faster, c.factor, s->line, p, q };
				else if (!f->factor)
					f->factor = c.factor;
			}
			a = b + (b < s->n && s->words[b].clause_end);
		}
		p = q;
	}
	free(s);
	struct found *set = firm[0].faster || firm[1].faster ? firm : guess;
	if (set == guess)
		out->nclaims = (guess[0].faster != 0) + (guess[1].faster != 0);
	if (!set[0].faster && !set[1].faster)
		return;
	/* the claim made first in the text, and what contradicts it */
	bool both = set[0].faster && set[1].faster;
	const struct found *first = !set[1].faster || (set[0].faster && set[0].a < set[1].a) ? &set[0] : &set[1];
	const struct found *other = first == &set[0] ? &set[1] : &set[0];
	out->claim = both ? NIC_CLAIM_CONFLICT : first->faster == NIC_VIRTIO ? NIC_CLAIM_VIRTIO_FASTER
									: NIC_CLAIM_E1000_FASTER;
	out->factor = both ? 0 : first->factor;
	out->line = first->line;
	keep_sentence(out->sentence, first->a, first->b);
	if (both) {
		out->other_line = other->line;
		keep_sentence(out->other_sentence, other->a, other->b);
	}
}

/* ---- the verdict ------------------------------------------------------------ */

static const char hint_sentence[] =
	"write one plain sentence with your result, such as \"virtio-net was 2.3 times faster than e1000\" "
	"(or \"e1000 was faster than virtio-net\", if that is what you measured)";

void check_nic_conclusions(struct check_result *r, const char *file, const struct nic_conclusion *c,
			   const struct link_rate *e1000, const struct link_rate *virtio)
{
	if (c->claim == NIC_CLAIM_NONE) {
		check_fail(r, hint_sentence, "%s does not say which NIC was faster (no sentence compares e1000 and "
					     "virtio-net)", file);
		return;
	}
	if (c->claim == NIC_CLAIM_CONFLICT) {
		check_fail(r, hint_sentence, "%s says both: line %d \"%s\" and line %d \"%s\"", file, c->line,
			   c->sentence, c->other_line, c->other_sentence);
		return;
	}
	const struct link_rate *missing = !e1000->file ? e1000 : !virtio->file ? virtio : NULL;
	if (missing) {
		check_fail(r, "save both runs as iperf3 -J printed them: iperf_e1000.json (to 10.0.0.11) and "
			      "iperf_virtio.json (to 10.0.1.11)",
			   "%s cannot be held against your measurements: no saved iperf3 run of the %s link", file,
			   missing == e1000 ? "e1000 (10.0.0.0/24)" : "virtio (10.0.1.0/24)");
		return;
	}
	char re[32], rv[32];
	iperf_format_bps(e1000->bps, re, sizeof(re));
	iperf_format_bps(virtio->bps, rv, sizeof(rv));
	bool virtio_faster = virtio->bps > e1000->bps;
	bool said_virtio = c->claim == NIC_CLAIM_VIRTIO_FASTER;
	double measured = virtio_faster ? virtio->bps / (e1000->bps > 0 ? e1000->bps : 1)
					: e1000->bps / (virtio->bps > 0 ? virtio->bps : 1);
	char *ran = NULL;
	if (asprintf(&ran, "your runs: e1000 %s (%s), virtio %s (%s)", re, e1000->file, rv, virtio->file) < 0)
		abort();
	if (said_virtio != virtio_faster) {
		check_fail(r, "conclude from your own iperf3 runs, or run them again if you believe they are wrong",
			   "%s line %d says %s was faster (\"%s\"), but %s", file, c->line, said_virtio ? "virtio-net" : "e1000",
			   c->sentence, ran);
	} else if (c->factor > 0 && (c->factor > measured * 1.5 || c->factor * 1.5 < measured)) {
		check_fail(r, "give the factor your runs show (the faster rate divided by the slower)",
			   "%s line %d says %.3gx, but your runs differ %.2fx: %s", file, c->line, c->factor, measured,
			   ran);
	} else {
		char said[48] = "";
		if (c->factor > 0)
			snprintf(said, sizeof(said), " (%.3gx)", c->factor);
		check_pass(r, "%s line %d: %s faster%s, as %s: %.2fx", file, c->line,
			   said_virtio ? "virtio-net" : "e1000", said, ran, measured);
	}
	free(ran);
}

const char *lab_link_of_address(const char *ip)
{
	static const struct {
		const char *addr, *link;
	} links[] = { { LAB_VM2_E1000_IP, "e1000" }, { LAB_VM2_VIRTIO_IP, "virtio" } };
	struct in_addr a, b;
	if (!ip || inet_pton(AF_INET, ip, &a) != 1)
		return NULL;
	for (size_t k = 0; k < sizeof(links) / sizeof(links[0]); k++)
		if (inet_pton(AF_INET, links[k].addr, &b) == 1 &&
		    (ntohl(a.s_addr) & 0xffffff00u) == (ntohl(b.s_addr) & 0xffffff00u))  /* the links are /24 */
			return links[k].link;
	return NULL;
}

bool conclusions_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	bool ext_ok = !dot || dot == name || !strcasecmp(dot, ".txt") || !strcasecmp(dot, ".md");
	if (!strncasecmp(name, "conclusion", 10))
		return ext_ok;
	return !strcasecmp(name, "answers.txt") || !strcasecmp(name, "answers.md");
}
