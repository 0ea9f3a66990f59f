/* The kinds of file `vlab check` judges (and vlab grade's rubric, for the
 * files a student hands in); see check_kinds.h. */
#include "checks/check_kinds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/ch4.h"
#include "checks/iperf.h"
#include "checks/iperf_runs.h"
#include "checks/strace_parse.h"
#include "runner/util.h"
#include "checks/lab_plan.h"

static size_t split_iperf(const char *data, size_t len, struct check_span **spans)
{
	struct iperf_span *runs;
	size_t n = iperf_split_runs(data, len, &runs);
	*spans = xcalloc(n, sizeof(**spans));
	for (size_t i = 0; i < n; i++) {
		(*spans)[i].offset = runs[i].offset;
		(*spans)[i].len = runs[i].len;
		(*spans)[i].line = runs[i].line;
		snprintf((*spans)[i].label, sizeof((*spans)[i].label), "%s", runs[i].label);
	}
	free(runs);
	return n;
}

static int judge_iperf_run(const char *data, size_t len, struct check_result *r, json_t *metrics, json_t *facts,
			   char *why, size_t whylen)
{
	struct iperf_result res;
	int rc = iperf_parse(data, len, &res);
	if (rc) {
		snprintf(why, whylen, "not iperf3's report: %s", res.why);
		return rc;
	}
	check_iperf_run(r, &res, 0);
	static const char *const roles[] = { "unknown", "client", "server" };
	json_object_set_new(facts, "form", json_string(res.form == IPERF_FORM_JSON ? "json" : "text"));
	json_object_set_new(facts, "role", json_string(roles[res.role]));
	const struct {
		const char *key, *value;
	} strs[] = {
		{ "version", res.version }, { "protocol", res.protocol }, { "server", res.server },
		{ "local", res.local },     { "remote", res.remote },     { "error", res.error },
	};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		json_object_set_new(facts, strs[i].key, strs[i].value[0] ? json_string(strs[i].value) : json_null());
	json_object_set_new(facts, "reverse", json_boolean(res.reverse));
	json_object_set_new(facts, "complete", json_boolean(res.complete));
	json_object_set_new(facts, "intervals", json_integer(res.nintervals));
	if (res.sent.present) {
		json_object_set_new(metrics, "sent_bps", json_real(res.sent.bits_per_second));
		json_object_set_new(metrics, "sent_bytes", json_integer((json_int_t)res.sent.bytes));
	}
	if (res.received.present) {
		json_object_set_new(metrics, "received_bps", json_real(res.received.bits_per_second));
		json_object_set_new(metrics, "received_bytes", json_integer((json_int_t)res.received.bytes));
	}
	if (res.sent.retransmits >= 0)
		json_object_set_new(metrics, "retransmits_count", json_integer(res.sent.retransmits));
	const struct iperf_sum *s = res.received.present ? &res.received : &res.sent;
	if (s->present)
		json_object_set_new(metrics, "duration_ms", json_integer((json_int_t)(s->seconds * 1000.0)));
	return 0;
}

/* A log of several runs judged as one (vlab grade's rubric slot): the last
 * run, the student's last try, and the detail says which it was. `vlab
 * check` splits the log itself and judges every run. */
static int judge_iperf(const char *data, size_t len, struct check_result *r, json_t *metrics, json_t *facts,
		       char *why, size_t whylen)
{
	struct check_span *spans;
	size_t n = split_iperf(data, len, &spans);
	const struct check_span *last = &spans[n - 1];
	int rc = judge_iperf_run(data + last->offset, last->len, r, metrics, facts, why, whylen);
	if (n > 1) {
		char which[160];
		snprintf(which, sizeof(which), "the last of %zu runs (line %d%s%s)", n, last->line,
			 last->label[0] ? ": " : "", last->label);
		if (rc)
			text_prefix(why, whylen, which);
		else
			check_detail_prefix(r, which);
		json_object_set_new(facts, "runs", json_integer((json_int_t)n));
		json_object_set_new(facts, "run_line", json_integer(last->line));
	}
	free(spans);
	return rc;
}

/* --guest-memory: the RAM a strace log must show (the lab's 256 MiB by default). */
static uint64_t strace_wanted_memory = 256ULL << 20;

void check_kinds_set_strace_memory(uint64_t bytes)
{
	strace_wanted_memory = bytes;
}

static int judge_strace(const char *data, size_t len, struct check_result *r, json_t *metrics, json_t *facts,
			char *why, size_t whylen)
{
	struct strace_summary *s = xcalloc(1, sizeof(*s));
	int rc = strace_parse(data, len, s);
	if (rc == -ENOENT) {
		snprintf(why, whylen, "not a strace log: no ioctl( call in %lu lines", s->lines);
		free(s);
		return -EINVAL;
	}
	check_strace_memory_region(r, s, rc, strace_wanted_memory);
	json_object_set_new(metrics, "ram_bytes", json_integer((json_int_t)s->ram_bytes));
	json_object_set_new(metrics, "kvm_ioctls_count", json_integer((json_int_t)s->kvm_calls));
	json_object_set_new(metrics, "kvm_run_count", json_integer((json_int_t)strace_request_count(s, "KVM_RUN")));
	json_object_set_new(metrics, "region_calls_count", json_integer((json_int_t)s->region_calls));
	json_object_set_new(facts, "cut_off", json_boolean(s->cut_off));
	json_object_set_new(facts, "wanted_bytes", json_integer((json_int_t)strace_wanted_memory));
	free(s);
	return 0;
}

static int judge_perf(const char *data, size_t len, struct check_result *r, json_t *metrics, json_t *facts,
		      char *why, size_t whylen)
{
	struct perf_report *rep = xcalloc(1, sizeof(*rep));
	if (perf_report_parse(data, len, rep)) {
		snprintf(why, whylen, "not a `perf kvm stat report` table (no header with 'Samples')");
		free(rep);
		return -EINVAL;
	}
	check_exits_counted(r, rep);
	json_object_set_new(facts, "event", json_string(rep->event));
	json_object_set_new(facts, "has_total", json_boolean(rep->has_total));
	json_t *reasons = json_object();
	for (size_t i = 0; i < rep->nrows; i++)
		json_object_set_new(reasons, rep->rows[i].reason, json_integer((json_int_t)rep->rows[i].samples));
	json_object_set_new(facts, "exits_by_reason", reasons);
	json_object_set_new(metrics, "exits_count", json_integer((json_int_t)rep->total_samples));
	json_object_set_new(metrics, "cr_exits_count", json_integer((json_int_t)perf_cr_exits(rep)));
	free(rep);
	return 0;
}

/* One row a kind; keep CHECK_OPTIONS (runner/cmd/check.h) in step. */
const struct check_kind check_kinds[] = {
	{ "iperf", judge_iperf, split_iperf },
	{ "strace", judge_strace, NULL },
	{ "perf", judge_perf, NULL },
};
const size_t ncheck_kinds = ARRAY_SIZE(check_kinds);

const struct check_kind *check_kind_find(const char *name)
{
	for (size_t i = 0; i < ncheck_kinds; i++)
		if (!strcmp(check_kinds[i].name, name))
			return &check_kinds[i];
	return NULL;
}
