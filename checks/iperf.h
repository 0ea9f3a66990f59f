/* iperf3's report, read from what it printed (pure: bytes in, struct out),
 * and the verdict on one run.
 *
 * Two forms are read: `iperf3 -J` (one JSON object: "start", "intervals",
 * "end", and "error" when it failed) and iperf3's human-readable text (what a
 * student saves or types without -J). Both were captured from iperf 3.12 in
 * the lab's guests, in tests/fixtures/iperf (see its README): a client and a
 * server run, an error object, runs interrupted part-way, -R, -u, -P 2.
 *
 * Facts the parser relies on, all from those captures:
 *   - the client's "start" has "connecting_to", the server's
 *     "accepted_connection";
 *   - "end" holds "sum_sent" and "sum_received" (each with "bytes",
 *     "seconds", "bits_per_second"; "retransmits" on TCP's sum_sent); their
 *     "sender" is true when the side that printed the report is the one
 *     sending (false on the server, and on a client with -R);
 *   - a run that failed has "error" ("unable to connect to server:
 *     Connection refused"; "interrupt - the client has terminated" after
 *     Ctrl-C, with the sums so far; "control socket has closed unexpectedly"
 *     when the server died, with an empty "end");
 *   - the text form ends with "sender" and "receiver" summary lines after a
 *     "- - -" rule ("[SUM]" lines with -P), errors as "iperf3: error - ...". */
#ifndef VLAB_CHECKS_IPERF_H
#define VLAB_CHECKS_IPERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/verdict.h"
#include "runner/util.h"

enum iperf_form { IPERF_FORM_JSON, IPERF_FORM_TEXT };
enum iperf_role { IPERF_ROLE_UNKNOWN, IPERF_ROLE_CLIENT, IPERF_ROLE_SERVER };

struct iperf_sum {
	bool present;
	uint64_t bytes;          /* text form: as printed, to its 3 digits ("752 MBytes") */
	double seconds;
	double bits_per_second;
	int64_t retransmits;     /* -1 when not given (receiver side, UDP, server) */
};

struct iperf_result {
	enum iperf_form form;
	enum iperf_role role;
	char version[32];        /* "iperf 3.12" (JSON only) */
	char protocol[8];        /* "TCP", "UDP", "SCTP"; "" unknown */
	char server[64];         /* client: the host it connected to ("10.0.0.11") */
	char local[64];          /* the first connection's local and remote address */
	char remote[64];
	int num_streams;         /* 0 unknown */
	bool reverse;            /* -R: the server sent */
	double duration_s;       /* the length asked for (-t); 0 unknown */
	int nintervals;          /* interval reports (per second) seen */
	double last_interval_end;
	struct iperf_sum sent;       /* end.sum_sent: the sending side's count */
	struct iperf_sum received;   /* end.sum_received: what the receiver got */
	bool sender_is_local;    /* the sums' "sender": the printing side sent */
	/* JSON only, for iperf_inconsistency(): the bytes of the interval
	 * reports iperf3 counted in its end sums (not "omitted": -O), which
	 * are the printing side's (sum_sent's when it sent, else
	 * sum_received's); the first interval whose rate is not its bytes over
	 * its seconds (1-based, 0 none) */
	int intervals_summed;
	uint64_t interval_bytes;
	bool intervals_are_sent;
	int bad_interval;
	double bad_interval_bps, bad_interval_bytes_bps;
	char error[160];         /* iperf3's own error, "" when none */
	bool complete;           /* the end sums came and no error */
	char why[160];           /* iperf_parse() < 0: why this is not iperf3 output */
};

/* Parse buf[0..len) (it need not be NUL-terminated, and may hold anything).
 * JSON when the first non-blank byte is '{', else the text form; lines may
 * end in \n or \r\n. With several text runs in buf, the last one counts; to
 * judge each, split them first (iperf_split_runs(), checks/iperf_runs.h).
 *
 * 0: it is iperf3's report, out filled (which may say the run failed: see
 * error and complete). -EINVAL: it is not (out->why says why: not JSON, a
 * JSON value that is not iperf3's, text without any iperf3 line). */
int iperf_parse(const char *buf, size_t len, struct iperf_result *out);

/* Whether a complete JSON report's numbers are ones a run produced (a
 * report edited by hand is not): each sum's and each interval's
 * bits_per_second is its bytes * 8 / seconds (iperf3 computes it so:
 * iperf_print_results() in esnet/iperf's src/iperf_api.c), the receiver got
 * no more bytes than were sent, and the interval reports add up to the
 * printing side's sum; each within 1% (every real report in
 * tests/fixtures/iperf agrees to the byte). 0 when they hold or cannot be
 * checked (the text form rounds to 3 digits; an incomplete run); 1 with
 * what does not add up in why. */
int iperf_inconsistency(const struct iperf_result *r, char *why, size_t n);

/* The rate the run achieved: what the receiver got, else what was sent;
 * 0 when neither is known. */
double iperf_bps(const struct iperf_result *r);

/* "4.35 Gbit/s", "812 Mbit/s", "0 bit/s" */
void iperf_format_bps(double bps, char *buf, size_t n);

/* The verdict on one run, for `vlab check iperf` and the chapter: PASS when
 * iperf3 reports a finished TCP run that moved data; FAIL (with what went
 * wrong and what to do) for an error, a run cut short, UDP, no data, or
 * numbers that do not add up (iperf_inconsistency()).
 * parse_rc is iperf_parse()'s return (< 0: FAIL, the output is unusable). */
void check_iperf_run(struct check_result *r, const struct iperf_result *res, int parse_rc);

/* The comparison for the terminal: a table (sent, received, retransmits) and
 * a bar a row, scaled to the largest rate, width columns wide at most; UTF-8
 * block characters when utf8, else '#'. Appends to out. */
struct iperf_row {
	const char *label;       /* "e1000" */
	const struct iperf_result *res;
};
void iperf_format_comparison(struct strbuf *out, const struct iperf_row *rows, size_t n, int width, bool utf8);

#endif
