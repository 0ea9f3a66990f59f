/* Rubrics: the parser and the scoring; see rubric.h for the format. */
#include "checks/rubric.h"
#include "checks/lab_plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What `vlab grade` gives verdicts on. The cmdline checks read the command
 * line the qemu shim recorded; the others are chapter checks of the running
 * VM (as `vlab verify` has them) and saved artefacts (as `vlab check`). The
 * evidence says whose work passing proves: vlab gives the guest its address
 * and starts its HTTP server, and makes tap0, so those checks prove vlab's
 * steps worked on the student's VM, not the student's own work. */
const struct grade_check grade_checks[] = {
	{ CHECK_CH1_CMDLINE_KVM, EVIDENCE_STUDENT, "the command asks for KVM: -enable-kvm or -accel kvm" },
	{ CHECK_CH1_CMDLINE_CPU_HOST, EVIDENCE_STUDENT, "the command passes the host's CPU through: -cpu host" },
	{ CHECK_CH1_CMDLINE_MEMORY, EVIDENCE_STUDENT, "the command gives the guest 256 MiB: -m in any spelling" },
	{ CHECK_CH1_CMDLINE_VIRTIO_BLK, EVIDENCE_STUDENT, "a virtio-blk-pci device bound to the rootfs's block node" },
	{ CHECK_CH1_CMDLINE_SERIAL_SOCKET, EVIDENCE_STUDENT, "an isa-serial device bound to a UNIX-socket chardev" },
	{ CHECK_CH2_CMDLINE_NIC, EVIDENCE_STUDENT, "an e1000 with mac 52:54:00:8b:99:de on a tap netdev (tap0)" },
	{ CHECK_CH1_QEMU_RUNNING, EVIDENCE_STUDENT, "the script's qemu runs the lab's VM (QMP query-status)" },
	{ CHECK_CH1_MEMORY_256M, EVIDENCE_STUDENT, "the running VM has 256 MiB (QMP)" },
	{ CHECK_CH1_ROOTFS_VIRTIO_BLK, EVIDENCE_STUDENT, "the guest's / is ext4 on /dev/vda" },
	{ CHECK_CH1_SERIAL_LOGIN_ROOT, EVIDENCE_STUDENT, "root logs in over the serial socket" },
	{ CHECK_CH1_SERIAL_LOGIN_STUDENT, EVIDENCE_STUDENT, "student logs in over the serial socket" },
	{ CHECK_CH2_NIC_MAC, EVIDENCE_STUDENT, "the guest has an e1000 NIC with the lab's MAC" },
	{ CHECK_CH2_TAP_UP, EVIDENCE_VLAB, "tap0 is up with 10.0.0.1/24 (vlab made it, as the lab's host side)" },
	{ CHECK_CH2_GUEST_IP, EVIDENCE_VLAB, "the guest's NIC has 10.0.0.10/24 (vlab set it)" },
	{ CHECK_CH2_PING_GUEST_TO_HOST, EVIDENCE_VLAB, "the guest pings 10.0.0.1 over the student's NIC" },
	{ CHECK_CH2_PING_HOST_TO_GUEST, EVIDENCE_VLAB, "vlab pings 10.0.0.10 from tap0's side" },
	{ CHECK_CH2_HTTP_200, EVIDENCE_VLAB, "GET http://10.0.0.10:8000/ from the host (vlab started the server)" },
	{ CHECK_CH3_VM1_COMMAND_LINE, EVIDENCE_STUDENT, "runqemu_two_vms.sh's VM1: 256 MiB, virtio-blk, serial socket, "
								"e1000 on tap0 and virtio-net on tap1 with the lab's MACs" },
	{ CHECK_CH3_VM2_COMMAND_LINE, EVIDENCE_STUDENT, "runqemu_two_vms.sh's VM2: the same with its own rootfs, e1000 "
								"on tap2 and virtio-net on tap3" },
	{ CHECK_CH3_BRIDGES, EVIDENCE_STUDENT, "the script's bridges: br0 joins tap0 and tap2, br1 tap1 and tap3, all up" },
	{ CHECK_CH3_TAPS_ATTACHED, EVIDENCE_STUDENT, "each tap is held by the qemu whose command line names it" },
	{ CHECK_CH3_GUEST_ADDRESSES, EVIDENCE_VLAB, "each guest's NICs hold the plan's addresses (vlab set them, by MAC)" },
	{ CHECK_CH3_PING_E1000_LINK, EVIDENCE_STUDENT, "VM1 pings VM2's 10.0.0.11 over the e1000 link (br0) both ways" },
	{ CHECK_CH3_PING_VIRTIO_LINK, EVIDENCE_STUDENT, "VM1 pings VM2's 10.0.1.11 over the virtio link (br1) both ways" },
	{ CHECK_CH3_IPERF_SERVER, EVIDENCE_VLAB, "an iperf3 server listens in VM2 (vlab started it)" },
	{ CHECK_CH3_IPERF_E1000, EVIDENCE_STUDENT, "VM1's iperf3 client over the e1000 link completes (vlab ran it)" },
	{ CHECK_CH3_IPERF_VIRTIO, EVIDENCE_STUDENT, "VM1's iperf3 client over the virtio link completes (vlab ran it)" },
	{ CHECK_CH3_VIRTIO_FASTER, EVIDENCE_STUDENT, "the virtio-net link is faster than the e1000 one" },
	{ CHECK_CH3_IPERF_SAVED, EVIDENCE_STUDENT, "the saved iperf3 JSON (iperf*.json) is a complete run" },
	{ CHECK_CH4_STRACE_MEMORY_REGION, EVIDENCE_STUDENT, "the saved strace.log shows the 256 MiB memory region" },
	{ CHECK_CH4_EXITS_COUNTED, EVIDENCE_STUDENT, "the saved perf kvm stat report (perf*.txt) counts VM exits" },
	{ CHECK_CH4_CR_EXITS_EPT_OFF, EVIDENCE_STUDENT,
	  "the saved perf reports with EPT/NPT on and off (perf_ept_on.txt, perf_ept_off.txt): CR-access exits up with "
	  "it off" },
	{ CHECK_CH3_CONCLUSIONS, EVIDENCE_STUDENT,
	  "the conclusions written down (conclusions.txt) name the NIC the student's own iperf3 runs found faster" },
};
const size_t ngrade_checks = sizeof(grade_checks) / sizeof(grade_checks[0]);

const struct grade_check *grade_check_find(const char *id)
{
	for (size_t i = 0; i < ngrade_checks; i++)
		if (!strcmp(grade_checks[i].id, id))
			return &grade_checks[i];
	return NULL;
}

const char *evidence_name(enum evidence e)
{
	return e == EVIDENCE_VLAB ? "vlab" : "student";
}

const char *outcome_name(enum item_outcome o)
{
	switch (o) {
	case OUTCOME_PASS:
		return "pass";
	case OUTCOME_FAIL:
		return "fail";
	case OUTCOME_PARENT_FAILED:
		return "parent_failed";
	case OUTCOME_SKIP:
		return "skip";
	case OUTCOME_ERROR:
		return "error";
	}
	return "error";
}

/* ---- parsing ------------------------------------------------------------ */

#define MAX_WORDS 8
#define MAX_LINE 512

static int bad(char *err, size_t errlen, const char *origin, int line, const char *fmt, ...) PRINTF_LIKE(5, 6);
static int bad(char *err, size_t errlen, const char *origin, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s:%d: %s", origin, line, msg);
	return -EINVAL;
}

/* Split line (modified) at blanks; -E2BIG past MAX_WORDS. */
static int split(char *line, char *words[MAX_WORDS], int *n)
{
	*n = 0;
	for (char *p = line;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		if (*n == MAX_WORDS)
			return -E2BIG;
		words[(*n)++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static int find_item(const struct rubric *r, const char *id)
{
	for (int i = 0; i < r->nitems; i++)
		if (!strcmp(r->items[i].id, id))
			return i;
	return -1;
}

/* A known-ids list for messages: "ch1.cmdline_kvm, ch1.cmdline_cpu_host, ..." (first few). */
static void known_ids(char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ngrade_checks && used + 1 < n; i++) {
		int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", grade_checks[i].id);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

static int parse_item(struct rubric *r, char **w, int nw, const char *origin, int line, char *err, size_t errlen)
{
	const struct grade_check *gc = grade_check_find(w[0]);
	if (!gc) {
		char ids[200];
		known_ids(ids, sizeof(ids));
		return bad(err, errlen, origin, line, "unknown check '%.48s' (`vlab grade` knows: %s, ...; see README)",
			   w[0], ids);
	}
	if (find_item(r, w[0]) >= 0)
		return bad(err, errlen, origin, line, "check '%s' is listed twice (list each check once)", w[0]);
	if (r->nitems == RUBRIC_MAX_ITEMS)
		return bad(err, errlen, origin, line, "more than %d checks", RUBRIC_MAX_ITEMS);
	if (nw < 2)
		return bad(err, errlen, origin, line, "check '%s' has no points (write: %s POINTS)", w[0], w[0]);
	int64_t pts;
	if (parse_i64(w[1], 0, RUBRIC_MAX_POINTS, &pts))
		return bad(err, errlen, origin, line, "points of '%s' must be a whole number from 0 to %d, not '%.32s'",
			   w[0], RUBRIC_MAX_POINTS, w[1]);
	struct rubric_item *it = &r->items[r->nitems];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%s", w[0]);
	it->points = (int)pts;
	it->parent = -1;
	it->evidence = gc->evidence;
	it->line = line;
	bool seen_parent = false, seen_evidence = false;
	for (int i = 2; i < nw; i++) {
		if (starts_with(w[i], "parent=")) {
			const char *p = w[i] + 7;
			if (seen_parent)
				return bad(err, errlen, origin, line, "check '%s' has two parents (a check has at most one)",
					   w[0]);
			seen_parent = true;
			int pi = find_item(r, p);
			if (pi < 0)
				return bad(err, errlen, origin, line,
					   "parent '%.48s' of '%s' is not listed above it (list a parent before its children)",
					   p, w[0]);
			it->parent = pi;
		} else if (starts_with(w[i], "evidence=")) {
			const char *e = w[i] + 9;
			if (seen_evidence)
				return bad(err, errlen, origin, line, "check '%s' has two evidence= labels", w[0]);
			seen_evidence = true;
			enum evidence ev;
			if (!strcmp(e, "student"))
				ev = EVIDENCE_STUDENT;
			else if (!strcmp(e, "vlab"))
				ev = EVIDENCE_VLAB;
			else
				return bad(err, errlen, origin, line, "evidence= of '%s' is student or vlab, not '%.32s'",
					   w[0], e);
			if (ev != gc->evidence)
				return bad(err, errlen, origin, line,
					   "'%s' is evidence=%s (%s), not %s: the label says what the check proves; "
					   "change its points instead",
					   w[0], evidence_name(gc->evidence), gc->what, evidence_name(ev));
		} else {
			return bad(err, errlen, origin, line,
				   "unexpected '%.48s' after '%s %s' (parent=CHECK_ID or evidence=student|vlab)", w[i], w[0],
				   w[1]);
		}
	}
	r->nitems++;
	return 0;
}

int rubric_parse(const char *text, size_t len, const char *origin, struct rubric *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (err && errlen)
		err[0] = '\0';
	int line = 0;
	size_t pos = 0;
	bool header = false;
	while (pos < len) {
		line++;
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		if (n && text[pos + n - 1] == '\r')
			n--;  /* a file saved with CRLF line ends reads the same */
		if (n >= MAX_LINE)
			return bad(err, errlen, origin, line, "line longer than %d bytes", MAX_LINE - 1);
		char buf[MAX_LINE];
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos = end < len ? end + 1 : end;
		if (memchr(buf, '\0', n))
			return bad(err, errlen, origin, line, "a NUL byte (is this a text file?)");
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		char *w[MAX_WORDS];
		int nw;
		if (split(buf, w, &nw))
			return bad(err, errlen, origin, line, "too many words (CHECK_ID POINTS [parent=ID] [evidence=...])");
		if (!nw)
			continue;
		if (!header) {
			int64_t v;
			if (strcmp(w[0], "rubric") || nw != 2 || parse_i64(w[1], 1, 1000, &v))
				return bad(err, errlen, origin, line,
					   "a rubric starts with the line 'rubric %d' (the format's version)", RUBRIC_FORMAT);
			if (v != RUBRIC_FORMAT)
				return bad(err, errlen, origin, line, "rubric format %d is not known to this vlab (it reads %d)",
					   (int)v, RUBRIC_FORMAT);
			r->version = (int)v;
			header = true;
			continue;
		}
		if (!strcmp(w[0], "title")) {
			/* the words that follow, one blank between them */
			struct strbuf sb = STRBUF_INIT;
			for (int i = 1; i < nw; i++)
				sb_addf(&sb, "%s%s", i > 1 ? " " : "", w[i]);
			snprintf(r->title, sizeof(r->title), "%s", sb_str(&sb));
			sb_release(&sb);
			continue;
		}
		if (!strcmp(w[0], "iperf_seconds")) {
			int64_t v;
			if (nw != 2 || parse_i64(w[1], 1, RUBRIC_IPERF_SECONDS_MAX, &v))
				return bad(err, errlen, origin, line,
					   "iperf_seconds takes one whole number of seconds, 1 to %d (iperf3's -t in "
					   "grading's chapter 3)",
					   RUBRIC_IPERF_SECONDS_MAX);
			r->iperf_seconds = (int)v;
			continue;
		}
		int rc = parse_item(r, w, nw, origin, line, err, errlen);
		if (rc)
			return rc;
	}
	if (!header)
		return bad(err, errlen, origin, line ? line : 1, "empty rubric (it starts with 'rubric %d', then one check a line)",
			   RUBRIC_FORMAT);
	if (!r->nitems)
		return bad(err, errlen, origin, line, "no checks (one a line: CHECK_ID POINTS [parent=ID])");
	return 0;
}

const struct rubric_item *rubric_find(const struct rubric *r, const char *id)
{
	int i = find_item(r, id);
	return i < 0 ? NULL : &r->items[i];
}

int rubric_max_points(const struct rubric *r)
{
	int sum = 0;
	for (int i = 0; i < r->nitems; i++)
		sum += r->items[i].points;
	return sum;
}

/* ---- scoring ------------------------------------------------------------ */

void rubric_score(const struct rubric *r, const struct check_result *results, size_t n, struct score *s)
{
	memset(s, 0, sizeof(*s));
	s->nitems = r->nitems;
	for (int i = 0; i < r->nitems; i++) {
		const struct rubric_item *it = &r->items[i];
		struct item_score *is = &s->items[i];
		is->item = it;
		for (size_t k = 0; k < n; k++)
			if (results[k].id && !strcmp(results[k].id, it->id))
				is->result = &results[k];
		/* parents come first in the file, so theirs is decided already */
		const struct item_score *parent = it->parent >= 0 ? &s->items[it->parent] : NULL;
		if (parent && (parent->outcome == OUTCOME_FAIL || parent->outcome == OUTCOME_PARENT_FAILED)) {
			is->outcome = OUTCOME_PARENT_FAILED;
			snprintf(is->note, sizeof(is->note), "parent failed: %s", parent->item->id);
		} else if (!is->result || !is->result->done) {
			is->outcome = OUTCOME_ERROR;
			snprintf(is->note, sizeof(is->note), "vlab gave no verdict for this check: regrade");
		} else {
			switch (is->result->verdict) {
			case VERDICT_PASS:
				is->outcome = OUTCOME_PASS;
				break;
			case VERDICT_FAIL:
				is->outcome = OUTCOME_FAIL;
				break;
			case VERDICT_SKIP:
				is->outcome = OUTCOME_SKIP;
				snprintf(is->note, sizeof(is->note), "skipped: left out of the maximum");
				break;
			case VERDICT_ERROR:
			default:
				is->outcome = OUTCOME_ERROR;
				snprintf(is->note, sizeof(is->note), "vlab broke on this check: regrade");
				break;
			}
		}
		switch (is->outcome) {
		case OUTCOME_PASS:
			is->points = is->max_points = it->points;
			s->npass++;
			break;
		case OUTCOME_FAIL:
			is->max_points = it->points;
			s->nfail++;
			break;
		case OUTCOME_PARENT_FAILED:
			is->max_points = it->points;
			s->nparent_failed++;
			break;
		case OUTCOME_SKIP:
			s->nskip++;
			break;
		case OUTCOME_ERROR:
			s->nerror++;
			s->needs_regrade = true;
			break;
		}
		s->points += is->points;
		s->max_points += is->max_points;
	}
}
