/* vlab check. */
#include "runner/check_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/ch4.h"
#include "checks/iperf.h"
#include "checks/strace_parse.h"
#include "runner/exit_status.h"
#include "runner/report.h"
#include "runner/util.h"

static int judge_iperf(const char *data, size_t len, struct check_result *r, json_t *metrics, json_t *facts,
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

/* --memory: the RAM a strace log must show (the lab's 256 MiB by default). */
static uint64_t strace_wanted_memory = 256ULL << 20;

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

/* One row a kind; keep CHECK_OPTIONS (check_cmd.h) in step. */
const struct check_kind check_kinds[] = {
	{ "iperf", "iperf.run", judge_iperf },
	{ "strace", "ch4.strace_memory_region", judge_strace },
	{ "perf", "ch4.exits_counted", judge_perf },
};
const size_t ncheck_kinds = ARRAY_SIZE(check_kinds);

const struct check_kind *check_kind_find(const char *name)
{
	for (size_t i = 0; i < ncheck_kinds; i++)
		if (!strcmp(check_kinds[i].name, name))
			return &check_kinds[i];
	return NULL;
}

#define usage(...) usage_fail("check " CHECK_USAGE, __VA_ARGS__)

/* Judge one file into a report object; returns its exit status. */
static int check_file(const struct check_kind *k, const char *path, enum report_format f, json_t **report)
{
	struct strbuf data = STRBUF_INIT;
	int rc = read_file(strcmp(path, "-") ? path : "/dev/stdin", &data);
	struct check_result r;
	check_init(&r, k->check_id);
	json_t *metrics = json_object(), *facts = json_object();
	char why[256] = "";
	const char *reason = NULL;
	int status;
	if (rc) {
		snprintf(why, sizeof(why), "cannot read it: %s", strerror(-rc));
		reason = "unreadable";
	} else if (k->judge(sb_str(&data), data.len, &r, metrics, facts, why, sizeof(why))) {
		reason = "unrecognized";
	}
	sb_release(&data);
	if (reason) {
		fprintf(stderr, "vlab: %s: %s\n", path, why);
		status = EXIT_HOST;
	} else {
		status = r.verdict == VERDICT_PASS || r.verdict == VERDICT_SKIP ? EXIT_PASS
			 : r.verdict == VERDICT_FAIL			     ? EXIT_CHECK_FAILED
									     : EXIT_INTERNAL;
	}
	if (f == FORMAT_TEXT && !reason) {
		printf("%s %s\n", k->name, path);
		ui_print_check(&r);
	}
	json_t *checks = json_array();
	if (!reason)
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:o}", "id", r.id, "status",
							 verdict_name(r.verdict), "detail", r.detail, "hint",
							 r.hint[0] ? json_string(r.hint) : json_null()));
	*report = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "schema_version",
			    REPORT_SCHEMA_VERSION, "vlab_version", VLAB_VERSION, "kind", k->name, "file", path,
			    "result", reason ? "unusable" : verdict_name(r.verdict), "reason",
			    reason ? json_string(reason) : json_null(), "why", why[0] ? json_string(why) : json_null(),
			    "checks", checks, "metrics", metrics, "facts", facts);
	return status;
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	enum report_format f = FORMAT_TEXT;
	optind = 1;
	opterr = 0;
	int c;
	/* options may come anywhere (getopt permutes); a lone "-" is a FILE */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'm') {
			/* qemu's -m spelling: a bare number is MiB */
			if (parse_size(optarg, true, &strace_wanted_memory) || !strace_wanted_memory)
				return usage("--memory takes a size as qemu's -m does (256M, 1G), not '%s'", optarg);
			continue;
		}
		if (c != 'f')
			return usage("unknown option '%s'", argv[optind - 1]);
		if (report_format_parse(optarg, &f) || f == FORMAT_JUNIT || f == FORMAT_TAP)
			return usage("--format takes text or json here, not '%s'", optarg);
	}
	char kinds[128] = "";
	for (size_t i = 0; i < ncheck_kinds; i++)
		snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s", i ? ", " : "",
			 check_kinds[i].name);
	if (optind >= argc)
		return usage("which kind of file? (%s)", kinds);
	const struct check_kind *k = check_kind_find(argv[optind]);
	if (!k)
		return usage("no kind '%s' to check (%s)", argv[optind], kinds);
	if (optind + 1 >= argc)
		return usage("which file?");
	json_t *all = json_array();
	int worst = EXIT_PASS;
	for (int i = optind + 1; i < argc; i++) {
		json_t *rep = NULL;
		int st = check_file(k, argv[i], f, &rep);
		json_array_append_new(all, rep);
		/* an unusable input outranks a failed check: the grader must look */
		if (st == EXIT_HOST || (worst != EXIT_HOST && st > worst))
			worst = st;
	}
	if (f == FORMAT_JSON)
		report_print_json(json_array_size(all) == 1 ? json_array_get(all, 0) : all);
	json_decref(all);
	return worst;
}
