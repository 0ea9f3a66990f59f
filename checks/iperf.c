/* iperf3's report and the verdict on one run. */
#include "checks/iperf.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON (iperf3 -J) ---- */

static void copy_str(const json_t *o, const char *key, char *buf, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (s)
		snprintf(buf, n, "%s", s);
}

/* A JSON number as a count: negative, non-finite or absurd values are 0. */
static uint64_t count_of(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	double d = json_number_value(v);
	/* 2^63: beyond it the conversion is undefined, and no run moves that much */
	return isfinite(d) && d > 0 && d < 9.2e18 ? (uint64_t)d : 0;
}

static double real_of(const json_t *v)
{
	double d = json_number_value(v);
	return isfinite(d) && d >= 0 ? d : 0;
}

static int int_of(const json_t *v)
{
	uint64_t c = count_of(v);
	return c > 1000000 ? 1000000 : (int)c;
}

static void read_sum(const json_t *o, struct iperf_sum *s)
{
	s->retransmits = -1;
	if (!json_is_object(o))
		return;
	s->present = true;
	s->bytes = count_of(json_object_get(o, "bytes"));
	s->seconds = real_of(json_object_get(o, "seconds"));
	s->bits_per_second = real_of(json_object_get(o, "bits_per_second"));
	const json_t *rt = json_object_get(o, "retransmits");
	if (json_is_number(rt))
		s->retransmits = (int64_t)count_of(rt);
}

/* The interval reports' bytes, for iperf_inconsistency() */
static void sum_intervals(const json_t *intervals, struct iperf_result *out)
{
	size_t i;
	const json_t *iv;
	json_array_foreach(intervals, i, iv) {
		const json_t *sum = json_object_get(iv, "sum");
		if (!json_is_object(sum) || json_is_true(json_object_get(sum, "omitted")))
			continue;
		uint64_t bytes = count_of(json_object_get(sum, "bytes"));
		double secs = real_of(json_object_get(sum, "seconds")), bps = real_of(json_object_get(sum, "bits_per_second"));
		out->intervals_summed++;
		out->interval_bytes += bytes;
		double want = secs > 0 ? (double)bytes * 8 / secs : 0;
		if (!out->bad_interval && secs > 0 && fabs(bps - want) > 0.01 * want + 1) {
			out->bad_interval = (int)i + 1;
			out->bad_interval_bps = bps;
			out->bad_interval_bytes_bps = want;
		}
	}
}

static int parse_json(const char *buf, size_t len, struct iperf_result *out)
{
	json_error_t err;
	json_t *root = json_loadb(buf, len, 0, &err);
	if (!root) {
		text_printf(out->why, sizeof(out->why), "not valid JSON: %s (line %d)", err.text, err.line);
		return -EINVAL;
	}
	const json_t *start = json_object_get(root, "start");
	const json_t *intervals = json_object_get(root, "intervals");
	const json_t *end = json_object_get(root, "end");
	const json_t *error = json_object_get(root, "error");
	if (!json_is_object(root) || (!json_is_object(start) && !json_is_array(intervals) && !json_is_object(end) &&
				      !json_is_string(error))) {
		snprintf(out->why, sizeof(out->why), "JSON, but not iperf3's: no \"start\", \"intervals\", \"end\" or \"error\"");
		json_decref(root);
		return -EINVAL;
	}
	out->form = IPERF_FORM_JSON;
	copy_str(start, "version", out->version, sizeof(out->version));
	const json_t *to = json_object_get(start, "connecting_to");
	if (json_is_object(to)) {
		out->role = IPERF_ROLE_CLIENT;
		copy_str(to, "host", out->server, sizeof(out->server));
	} else if (json_is_object(json_object_get(start, "accepted_connection"))) {
		out->role = IPERF_ROLE_SERVER;
	}
	const json_t *conn = json_array_get(json_object_get(start, "connected"), 0);
	copy_str(conn, "local_host", out->local, sizeof(out->local));
	copy_str(conn, "remote_host", out->remote, sizeof(out->remote));
	const json_t *ts = json_object_get(start, "test_start");
	copy_str(ts, "protocol", out->protocol, sizeof(out->protocol));
	out->num_streams = int_of(json_object_get(ts, "num_streams"));
	out->duration_s = real_of(json_object_get(ts, "duration"));
	out->reverse = count_of(json_object_get(ts, "reverse")) != 0;

	out->nintervals = json_is_array(intervals) ? (int)json_array_size(intervals) : 0;
	if (out->nintervals) {
		const json_t *last = json_array_get(intervals, (size_t)out->nintervals - 1);
		out->last_interval_end = real_of(json_object_get(json_object_get(last, "sum"), "end"));
	}
	read_sum(json_object_get(end, "sum_sent"), &out->sent);
	read_sum(json_object_get(end, "sum_received"), &out->received);
	const json_t *sender = json_object_get(json_object_get(end, "sum_sent"), "sender");
	out->sender_is_local = json_is_true(sender);
	/* without "sender" (iperf before 3.2), the side that prints sends as
	 * a client unless -R, as a server with -R */
	out->intervals_are_sent = json_is_boolean(sender) ? out->sender_is_local
							  : (out->role == IPERF_ROLE_SERVER) == out->reverse;
	sum_intervals(intervals, out);
	/* "Connection refused" and friends (the client's own words) */
	if (json_is_string(error))
		snprintf(out->error, sizeof(out->error), "%s", json_string_value(error));
	out->complete = (out->sent.present || out->received.present) && !out->error[0];
	json_decref(root);
	return 0;
}

/* ---- text (iperf3 without -J) ---- */

/* iperf3's units: sizes in powers of 1024 ("MBytes"), rates in powers of
 * 1000 ("Mbits/sec"), as its units.c prints them. */
static double byte_unit(const char *u)
{
	static const struct {
		const char *name;
		double factor;
	} units[] = {
		{ "Bytes", 1 },
		{ "KBytes", 1024.0 },
		{ "MBytes", 1024.0 * 1024 },
		{ "GBytes", 1024.0 * 1024 * 1024 },
		{ "TBytes", 1024.0 * 1024 * 1024 * 1024 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(u, units[i].name))
			return units[i].factor;
	return 0;
}

static double rate_unit(const char *u)
{
	static const struct {
		const char *name;
		double factor;
	} units[] = {
		{ "bits/sec", 1 }, { "Kbits/sec", 1e3 }, { "Mbits/sec", 1e6 }, { "Gbits/sec", 1e9 }, { "Tbits/sec", 1e12 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(u, units[i].name))
			return units[i].factor;
	return 0;
}

static bool parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(d) || d < 0)
		return false;
	*out = d;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

#define MAX_WORDS 16

/* Split line (modified in place) on blanks into at most MAX_WORDS words. */
static int split_words(char *line, char *words[MAX_WORDS])
{
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, " \t", &save); w && n < MAX_WORDS; w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	return n;
}

struct text_state {
	bool any;                 /* a line of iperf3's was seen */
	bool sum_sender, sum_receiver;  /* a [SUM] summary line set the sum */
	int stream_intervals, sum_intervals;
};

/* "[  5]   0.00-1.00   sec   373 MBytes  3.13 Gbits/sec    0    789 KBytes" and
 * the summary lines that end in "sender" or "receiver". id is what stood in
 * the brackets ("5", "SUM"); words are what followed. */
static void text_data_line(struct iperf_result *out, struct text_state *st, const char *id, char **w, int n)
{
	double a, b, amount, rate, bf, rf;
	if (n < 6 || strcmp(w[1], "sec"))
		return;
	char range[48];
	snprintf(range, sizeof(range), "%s", w[0]);
	char *dash = strchr(range, '-');
	if (!dash)
		return;
	*dash = '\0';
	if (!parse_double(range, &a) || !parse_double(dash + 1, &b) || b < a)
		return;
	if (!parse_double(w[2], &amount) || !(bf = byte_unit(w[3])) || !parse_double(w[4], &rate) ||
	    !(rf = rate_unit(w[5])))
		return;
	st->any = true;
	bool is_sum = !strcmp(id, "SUM");
	const char *last = w[n - 1];
	bool sender = !strcmp(last, "sender"), receiver = !strcmp(last, "receiver");
	if (!sender && !receiver) {
		if (is_sum)
			st->sum_intervals++;
		else
			st->stream_intervals++;
		if (b > out->last_interval_end)
			out->last_interval_end = b;
		return;
	}
	struct iperf_sum *s = sender ? &out->sent : &out->received;
	bool *from_sum = sender ? &st->sum_sender : &st->sum_receiver;
	if (*from_sum && !is_sum)
		return; /* the [SUM] line already gave the total */
	*from_sum = is_sum;
	double bytes = amount * bf;
	s->present = true;
	s->bytes = bytes < 9.2e18 ? (uint64_t)bytes : 0;
	s->seconds = b - a;
	s->bits_per_second = rate * rf;
	s->retransmits = -1;
	/* TCP's sender line: "... 3.23 Gbits/sec    0             sender" */
	if (n >= 8 && all_digits(w[6])) {
		int64_t rt;
		if (parse_i64(w[6], 0, INT64_MAX, &rt) == 0)
			s->retransmits = rt;
	}
}

static void text_line(struct iperf_result *out, struct text_state *st, char *line)
{
	char host[64];
	int port;
	if (sscanf(line, "Connecting to host %63[^,], port %d", host, &port) == 2) {
		bool had_run = st->stream_intervals || st->sum_intervals || out->sent.present || out->received.present;
		char error[sizeof(out->error)];
		/* a new run: only the last counts, but an error line printed
		 * before it (stderr is unbuffered) belongs to it */
		snprintf(error, sizeof(error), "%s", had_run ? "" : out->error);
		memset(out, 0, sizeof(*out));
		memset(st, 0, sizeof(*st));
		out->form = IPERF_FORM_TEXT;
		snprintf(out->error, sizeof(out->error), "%s", error);
		out->sent.retransmits = out->received.retransmits = -1;
		out->role = IPERF_ROLE_CLIENT;
		snprintf(out->server, sizeof(out->server), "%s", host);
		st->any = true;
		return;
	}
	if (starts_with(line, "Server listening on ") || starts_with(line, "Accepted connection from ")) {
		out->role = IPERF_ROLE_SERVER;
		st->any = true;
		return;
	}
	if (sscanf(line, "Reverse mode, remote host %63s is sending", host) == 1) {
		out->reverse = true;
		return;
	}
	static const char err_prefix[] = "iperf3: error - ", int_prefix[] = "iperf3: ";
	if (starts_with(line, err_prefix)) {
		snprintf(out->error, sizeof(out->error), "%s", rtrim(line + strlen(err_prefix)));
		st->any = true;
		return;
	}
	if (starts_with(line, "iperf3: interrupt - ")) {
		snprintf(out->error, sizeof(out->error), "%s", rtrim(line + strlen(int_prefix)));
		st->any = true;
		return;
	}
	if (starts_with(line, "iperf Done.")) {
		st->any = true;
		return;
	}
	/* the header names the protocol's columns */
	if (starts_with(line, "[ ID] Interval")) {
		if (strstr(line, "Datagrams"))
			snprintf(out->protocol, sizeof(out->protocol), "UDP");
		else if (strstr(line, "Retr"))
			snprintf(out->protocol, sizeof(out->protocol), "TCP");
		return;
	}
	if (line[0] != '[')
		return;
	char *close = strchr(line, ']');
	if (!close)
		return;
	*close = '\0';
	char id[16];
	if (sscanf(line + 1, " %15s", id) != 1)
		return;
	char *w[MAX_WORDS];
	int n = split_words(close + 1, w);
	/* "[  5] local 10.0.1.10 port 44704 connected to 10.0.1.11 port 5201" */
	if (n >= 8 && !strcmp(w[0], "local") && !strcmp(w[4], "connected") && !strcmp(w[5], "to")) {
		if (!out->local[0]) {
			snprintf(out->local, sizeof(out->local), "%s", w[1]);
			snprintf(out->remote, sizeof(out->remote), "%s", w[6]);
		}
		out->num_streams++;
		st->any = true;
		return;
	}
	text_data_line(out, st, id, w, n);
}

static int parse_text(const char *buf, size_t len, struct iperf_result *out)
{
	struct text_state st = { 0 };
	out->form = IPERF_FORM_TEXT;
	/* a copy to cut into lines; NULs (the input may hold anything) become blanks */
	char *copy = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		copy[i] = buf[i] ? buf[i] : ' ';
	copy[len] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(copy, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
		text_line(out, &st, line);
	free(copy);
	if (!st.any) {
		snprintf(out->why, sizeof(out->why), "neither JSON nor iperf3's text: no line of iperf3's report");
		return -EINVAL;
	}
	out->nintervals = st.sum_intervals ? st.sum_intervals : st.stream_intervals;
	/* the side that printed "sender" first sent: the client, unless -R */
	out->sender_is_local = out->role == IPERF_ROLE_CLIENT ? !out->reverse : out->reverse;
	out->complete = (out->sent.present || out->received.present) && !out->error[0];
	return 0;
}

int iperf_parse(const char *buf, size_t len, struct iperf_result *out)
{
	memset(out, 0, sizeof(*out));
	out->sent.retransmits = out->received.retransmits = -1;
	size_t i = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i == len) {
		snprintf(out->why, sizeof(out->why), "empty");
		return -EINVAL;
	}
	if (buf[i] == '{')
		return parse_json(buf + i, len - i, out);
	return parse_text(buf, len, out);
}

double iperf_bps(const struct iperf_result *r)
{
	if (r->received.present && r->received.bits_per_second > 0)
		return r->received.bits_per_second;
	return r->sent.present ? r->sent.bits_per_second : 0;
}

void iperf_format_bps(double bps, char *buf, size_t n)
{
	static const char *const units[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
	size_t u = 0;
	if (!isfinite(bps) || bps < 0)
		bps = 0;
	/* as iperf3 prints them; 999.7 rounds up into the next unit */
	while (bps >= 999.5 && u + 1 < ARRAY_SIZE(units)) {
		bps /= 1000;
		u++;
	}
	/* three significant digits, trailing zeros kept: 1.40, 31.0, 812 */
	snprintf(buf, n, "%.*f %s", bps < 9.995 ? 2 : bps < 99.95 ? 1 : 0, bps, units[u]);
}

/* ---- the verdict ---- */

static const char *error_hint(const char *error)
{
	if (strstr(error, "unable to connect"))
		return "nothing answered on the server's address and port: start `iperf3 -s` on the other VM first, "
		       "and check that ping reaches that address";
	if (strstr(error, "interrupt"))
		return "the run was stopped before its end (Ctrl-C): run it again and let it finish";
	if (strstr(error, "control socket") || strstr(error, "server"))
		return "the server went away during the run: leave `iperf3 -s` running until the client is done";
	return "read iperf3's error; the run must finish for its numbers to count";
}

static void describe_run(struct strbuf *d, const struct iperf_result *res)
{
	if (res->role == IPERF_ROLE_SERVER)
		sb_addf(d, "server %s, client %s", res->local[0] ? res->local : "?", res->remote[0] ? res->remote : "?");
	else if (res->local[0] && res->remote[0])
		sb_addf(d, "client %s -> server %s", res->local, res->remote);
	else
		sb_addf(d, "client -> server %s", res->server[0] ? res->server : "?");
	sb_addf(d, ", %s", res->protocol[0] ? res->protocol : "TCP");
	if (res->reverse)
		sb_adds(d, " reverse (-R)");
	if (res->num_streams > 1)
		sb_addf(d, ", %d streams", res->num_streams);
	const struct iperf_sum *s = res->received.present ? &res->received : &res->sent;
	sb_addf(d, ", %.1f s", s->seconds);
	char bps[32];
	if (res->sent.present && res->sent.bytes) {
		iperf_format_bps(res->sent.bits_per_second, bps, sizeof(bps));
		sb_addf(d, ": sent %s", bps);
	}
	if (res->received.present && res->received.bytes) {
		iperf_format_bps(res->received.bits_per_second, bps, sizeof(bps));
		sb_addf(d, "%s received %s", res->sent.present && res->sent.bytes ? "," : ":", bps);
	}
	if (res->sent.retransmits >= 0)
		sb_addf(d, ", %lld retransmits", (long long)res->sent.retransmits);
	if (res->version[0])
		sb_addf(d, " (%s)", res->version);
	else if (res->form == IPERF_FORM_TEXT)
		sb_adds(d, " (iperf3's text output)");
}

static bool off_by_more_than_1pct(double got, double want)
{
	return fabs(got - want) > 0.01 * want + 1;
}

/* sum's rate against its bytes over its seconds */
static int sum_inconsistent(const struct iperf_sum *s, const char *name, char *why, size_t n)
{
	if (!s->present || s->seconds <= 0)
		return 0;
	double want = (double)s->bytes * 8 / s->seconds;
	if (!off_by_more_than_1pct(s->bits_per_second, want))
		return 0;
	char got_s[32], want_s[32];
	iperf_format_bps(s->bits_per_second, got_s, sizeof(got_s));
	iperf_format_bps(want, want_s, sizeof(want_s));
	text_printf(why, n, "end.%s says %s, but its %llu bytes in %.2f s are %s", name, got_s,
		    (unsigned long long)s->bytes, s->seconds, want_s);
	return 1;
}

int iperf_inconsistency(const struct iperf_result *r, char *why, size_t n)
{
	if (r->form != IPERF_FORM_JSON || !r->complete)
		return 0;
	if (sum_inconsistent(&r->sent, "sum_sent", why, n) || sum_inconsistent(&r->received, "sum_received", why, n))
		return 1;
	/* TCP's receiver reads no byte the sender did not write: exactly; UDP
	 * may see a duplicate datagram */
	uint64_t slack = strcmp(r->protocol, "UDP") ? 0 : r->sent.bytes / 100;
	if (r->sent.present && r->received.present && r->sent.bytes && r->received.bytes > r->sent.bytes + slack) {
		text_printf(why, n, "end.sum_received has %llu bytes, more than the %llu of end.sum_sent: a receiver "
				    "gets no more than was sent",
			    (unsigned long long)r->received.bytes, (unsigned long long)r->sent.bytes);
		return 1;
	}
	if (r->bad_interval) {
		char got_s[32], want_s[32];
		iperf_format_bps(r->bad_interval_bps, got_s, sizeof(got_s));
		iperf_format_bps(r->bad_interval_bytes_bps, want_s, sizeof(want_s));
		text_printf(why, n, "interval %d says %s, but its bytes over its seconds are %s", r->bad_interval, got_s,
			    want_s);
		return 1;
	}
	/* the intervals add up to the side's sum, to the byte in every real
	 * report here; iperf3 may leave out a last interval shorter than a
	 * tenth of one (iperf_print_intermediate()), so they may fall short by
	 * that much, never exceed it */
	const struct iperf_sum *side = r->intervals_are_sent ? &r->sent : &r->received;
	if (r->intervals_summed && side->present && side->seconds > 0) {
		double sum = (double)side->bytes, got = (double)r->interval_bytes;
		double short_by = 0.15 * sum / side->seconds + 0.01 * sum;
		if (got > sum * 1.001 + 1 || got < sum - short_by) {
			text_printf(why, n, "the %d interval reports add up to %llu bytes, but end.%s says %llu",
				    r->intervals_summed, (unsigned long long)r->interval_bytes,
				    r->intervals_are_sent ? "sum_sent" : "sum_received", (unsigned long long)side->bytes);
			return 1;
		}
	}
	return 0;
}

void check_iperf_run(struct check_result *r, const struct iperf_result *res, int parse_rc)
{
	if (parse_rc) {
		check_fail(r, "save what `iperf3 -c SERVER -J` prints: the whole JSON object",
			   "not iperf3's report: %s", res->why[0] ? res->why : strerror(-parse_rc));
		return;
	}
	if (res->error[0]) {
		struct strbuf d = STRBUF_INIT;
		sb_addf(&d, "iperf3 reported an error: %s", res->error);
		if (res->nintervals)
			sb_addf(&d, " (after %d interval report%s, %.1f s)", res->nintervals,
				res->nintervals == 1 ? "" : "s", res->last_interval_end);
		check_fail(r, error_hint(res->error), "%s", d.buf);
		sb_release(&d);
		return;
	}
	if (!res->complete) {
		check_fail(r, "let the run finish: its summary (the \"end\" object, or the sender and receiver lines) "
			      "comes last",
			   "the report stops before iperf3's summary (%d interval report%s): the run did not finish",
			   res->nintervals, res->nintervals == 1 ? "" : "s");
		return;
	}
	if (!strcmp(res->protocol, "UDP")) {
		check_fail(r, "measure with TCP: iperf3 -c SERVER (without -u)",
			   "a UDP run (-u) sends at the rate it is told (-b, 1 Mbit/s by default): it does not "
			   "measure what the link can carry");
		return;
	}
	uint64_t moved = res->received.present ? res->received.bytes : res->sent.bytes;
	if (!moved) {
		check_fail(r, "check the addresses: the client must connect to the server's address on the link to test",
			   "the run moved no data");
		return;
	}
	const struct iperf_sum *s = res->received.present ? &res->received : &res->sent;
	if (res->duration_s > 0 && s->seconds < 0.9 * res->duration_s) {
		check_fail(r, "let the run finish", "the run lasted %.1f s of the %.0f s asked for", s->seconds,
			   res->duration_s);
		return;
	}
	char why[240];
	if (iperf_inconsistency(res, why, sizeof(why))) {
		check_fail(r, "hand in the report as iperf3 -J wrote it, unedited (run it again if it is lost)",
			   "its numbers are not a run's: %s", why);
		return;
	}
	struct strbuf d = STRBUF_INIT;
	describe_run(&d, res);
	check_pass(r, "%s", d.buf);
	sb_release(&d);
}

/* ---- the comparison ---- */

static void pad_to(struct strbuf *out, size_t line_start, size_t col)
{
	while (out->len - line_start < col)
		sb_adds(out, " ");
}

void iperf_format_comparison(struct strbuf *out, const struct iperf_row *rows, size_t n, int width, bool utf8)
{
	size_t labelw = 4;
	for (size_t i = 0; i < n; i++)
		if (strlen(rows[i].label) > labelw)
			labelw = strlen(rows[i].label);
	size_t start = out->len;
	sb_adds(out, "link");
	pad_to(out, start, labelw + 2);
	sb_adds(out, "sent");
	pad_to(out, start, labelw + 16);
	sb_adds(out, "received");
	pad_to(out, start, labelw + 30);
	sb_adds(out, "retransmits\n");
	double max = 0;
	for (size_t i = 0; i < n; i++) {
		const struct iperf_result *r = rows[i].res;
		char sent[32] = "-", recv[32] = "-";
		if (r && r->sent.present)
			iperf_format_bps(r->sent.bits_per_second, sent, sizeof(sent));
		if (r && r->received.present)
			iperf_format_bps(r->received.bits_per_second, recv, sizeof(recv));
		start = out->len;
		sb_adds(out, rows[i].label);
		pad_to(out, start, labelw + 2);
		sb_adds(out, sent);
		pad_to(out, start, labelw + 16);
		sb_adds(out, recv);
		pad_to(out, start, labelw + 30);
		if (r && r->sent.retransmits >= 0)
			sb_addf(out, "%lld\n", (long long)r->sent.retransmits);
		else
			sb_adds(out, "-\n");
		if (r && iperf_bps(r) > max)
			max = iperf_bps(r);
	}
	if (width < 1)
		width = 1;
	sb_adds(out, "\n");
	for (size_t i = 0; i < n; i++) {
		double bps = rows[i].res ? iperf_bps(rows[i].res) : 0;
		/* eighths of a column: U+2588 is a full block, U+2589..U+258F
		 * narrower ones down to one eighth */
		long eighths = max > 0 ? lround(bps / max * width * 8) : 0;
		start = out->len;
		sb_adds(out, rows[i].label);
		pad_to(out, start, labelw + 2);
		size_t cols = 0;
		for (long e = eighths; e >= 8; e -= 8, cols++)
			sb_adds(out, utf8 ? "\u2588" : "#");
		if (utf8 && eighths % 8) {
			static const char *const part[] = { "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b",
							    "\u258a", "\u2589" };
			sb_adds(out, part[eighths % 8]);
			cols++;
		}
		for (; cols < (size_t)width; cols++)
			sb_adds(out, " ");
		char b[32];
		iperf_format_bps(bps, b, sizeof(b));
		sb_addf(out, "  %s\n", b);
	}
}
