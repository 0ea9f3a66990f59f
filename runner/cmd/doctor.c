/* `vlab doctor`: the host table (runner/doctor/host_table.h) of the facts
 * gathered here (runner/doctor/host_facts.h), printed as text or JSON; exit 3
 * when chapter 1 cannot run here. */
#include "runner/cmd/doctor.h"
#include "runner/cmd/commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/exit_status.h"
#include "runner/host/ept.h"
#include "runner/report.h"
#include "runner/util.h"
#include "runner/files.h"

int doctor_exit_status(const struct doctor_row *rows, size_t nrows)
{
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].essential && rows[i].status == DOCTOR_MISSING)
			return EXIT_HOST;
	return EXIT_PASS;
}

/* ---- output ------------------------------------------------------------- */

static bool use_colour(FILE *out)
{
	return isatty(fileno(out)) && !no_color_asked();
}

static int text_width(FILE *out)
{
	struct winsize ws;
	if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 60)
		return ws.ws_col > 160 ? 160 : ws.ws_col;
	return 100;
}

/* text from column col, wrapped at width, continuation lines at indent */
static void print_wrapped(FILE *out, const char *text, int col, int indent, int width)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		size_t len = strcspn(p, " ");
		if (!first && col + 1 + (int)len > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)len, p);
		col += (int)len;
		first = false;
		p += len;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

#define NAME_COL 2
#define DETAIL_COL 27

void doctor_print_text(FILE *out, const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows)
{
	static const char *const sgr[] = { "32", "36", "33", "31" };
	bool colour = use_colour(out);
	int width = text_width(out);
	fprintf(out, "vlab doctor: what this host has for the lab%s%s%s\n\n", f->root[0] ? " (root " : "", f->root,
		f->root[0] ? ")" : "");
	for (size_t i = 0; i < nrows; i++) {
		const struct doctor_row *r = &rows[i];
		const char *mark = doctor_status_name(r->status);
		if (colour)
			fprintf(out, "  \033[%sm%-8s\033[0m", sgr[r->status], mark);
		else
			fprintf(out, "  %-8s", mark);
		fprintf(out, "%-16s ", r->name);
		int col = NAME_COL + 8 + 17;
		if ((int)strlen(r->name) > 16) {
			fprintf(out, "\n%*s", DETAIL_COL, "");
			col = DETAIL_COL;
		}
		print_wrapped(out, r->detail, col, DETAIL_COL, width);
		if (r->status == DOCTOR_OK)
			continue;
		if (r->enables[0]) {
			fprintf(out, "%*senables: ", DETAIL_COL, "");
			print_wrapped(out, r->enables, DETAIL_COL + 9, DETAIL_COL + 9, width);
		}
		if (r->fix[0]) {
			fprintf(out, "%*sfix: ", DETAIL_COL, "");
			print_wrapped(out, r->fix, DETAIL_COL + 5, DETAIL_COL + 5, width);
		}
	}

	char why[256];
	const struct doctor_host_kind *guess = doctor_host_kind_guess(f, why, sizeof(why));
	fprintf(out, "\nhost kinds (* this host):\n");
	for (size_t i = 0; i < doctor_nhost_kinds; i++) {
		const struct doctor_host_kind *k = &doctor_host_kinds[i];
		fprintf(out, "  %s %s\n%6s", k == guess ? "*" : " ", k->name, "");
		print_wrapped(out, k->works, 6, 6, width);
	}

	struct strbuf missing = STRBUF_INIT;
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].essential && rows[i].status == DOCTOR_MISSING)
			sb_addf(&missing, "%s%s", missing.len ? ", " : "", rows[i].name);
	if (missing.len)
		fprintf(out, "\nchapter 1 cannot run here: missing %s (see fix: above)\n", missing.buf);
	else
		fprintf(out, "\nchapter 1 can run here, under %s\n", f->accel.accel == ACCEL_KVM ? "KVM" : "TCG");
	sb_release(&missing);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *doctor_json(const struct doctor_facts *f, const struct doctor_row *rows, size_t nrows)
{
	json_t *arr = json_array();
	struct strbuf reason = STRBUF_INIT;
	for (size_t i = 0; i < nrows; i++) {
		const struct doctor_row *r = &rows[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:s, s:o, s:o}", "name", r->name, "status",
						     doctor_status_name(r->status), "essential", r->essential,
						     "detail", r->detail, "enables", str_or_null(r->enables), "fix",
						     str_or_null(r->fix)));
		if (r->essential && r->status == DOCTOR_MISSING)
			sb_addf(&reason, "%s%s: %s", reason.len ? "; " : "", r->name, r->detail);
	}
	char why[256];
	const struct doctor_host_kind *k = doctor_host_kind_guess(f, why, sizeof(why));
	json_t *probe = json_null();
	if (f->probe.state != PROBE_NOT_RUN) {
		static const char *const states[] = { "not_run", "skipped", "login", "no_login", "failed" };
		probe = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "result", states[f->probe.state],
				  "timeout_ms", (json_int_t)f->probe.timeout_ms, "elapsed_ms",
				  (json_int_t)f->probe.elapsed_ms, "cpu", str_or_null(f->probe.cpu), "detail",
				  str_or_null(f->probe.detail), "console_tail", str_or_null(f->probe.console),
				  "transcript", str_or_null(f->probe.transcript));
	}
	json_t *o = json_pack("{s:i, s:b, s:o, s:o, s:{s:s, s:s, s:s, s:b, s:b}, s:{s:s, s:s, s:s, s:s}, s:o}",
			      "schema_version", REPORT_SCHEMA_VERSION, "ready", reason.len == 0, "reason",
			      str_or_null(reason.buf), "rows", arr, "accelerator", "accel",
			      f->accel.accel == ACCEL_KVM ? "kvm" : "tcg", "reason", f->accel.reason, "evidence",
			      f->accel.evidence, "standard_guest_ok", f->accel.standard_guest_ok, "kvm_ioctls_ok",
			      f->accel.kvm_ioctls_ok, "host_kind", "id", k->id, "name", k->name, "why", why, "works",
			      k->works, "probe", probe);
	sb_release(&reason);
	return o;
}

/* ---- the command -------------------------------------------------------- */

/* Boot deadline of --probe: a hardware KVM reaches login: in about a second;
 * on kvm_pvm the guest never does, so this is how long the proof takes. */
#define PROBE_TIMEOUT_MS 20000

#define DOCTOR_USAGE "[--format text|json] [--probe]"
#define doctor_usage_error(...) usage_fail("doctor " DOCTOR_USAGE, __VA_ARGS__)

/* Where the rows put the options (cmd_doctor sets the defaults first). */
static struct {
	enum report_format format;
	bool probe;
	const char *root;
} doctor_args;

static const struct opt doctor_opts[] = {
	OPT_FORMAT_TO(&doctor_args.format, FORMATS_TEXT_JSON),
	{ OPT_PROBE, "probe", 0, NULL,
	  "also boot the default image under KVM (20 s at most) and see\nwhether it reaches login:", COMPLETE_NONE,
	  NULL, TO_FLAG(&doctor_args.probe) },
	OPT_ROOT_TO(&doctor_args.root),
	{ 0 },
};

static int cmd_doctor(int argc, char **argv)
{
	doctor_args.format = FORMAT_TEXT;
	doctor_args.probe = false;
	doctor_args.root = "";
	struct opt_parser p;
	opt_parser_init(&p, &command_doctor);
	int c;
	while ((c = opt_next(&p, argc, argv)) > 0)
		;
	bool json = doctor_args.format == FORMAT_JSON, probe = doctor_args.probe;
	const char *root = doctor_args.root;
	if (c < 0)
		return EXIT_USAGE;
	if (optind < argc)
		return doctor_usage_error("unexpected '%s'", argv[optind]);
	if (probe && root[0])
		return doctor_usage_error("--probe boots on this host: it cannot be combined with --root");
	if (root[0] && !path_exists(root))
		return doctor_usage_error("--root '%s': no such directory", root);

	/* A KVM module left reloaded by a SIGKILLed chapter 4 is put back
	 * first, so the rows below show the host as it is meant to be. */
	static char ept_msg[512];
	int ept_rc = ept_restore_if_pending(root, ept_msg, sizeof(ept_msg));
	static struct doctor_facts f;
	doctor_gather(root, &f);
	f.ept_restore_rc = ept_rc;
	snprintf(f.ept_restore, sizeof(f.ept_restore), "%s", ept_msg);
	if (probe) {
		if (!json)
			fprintf(stderr, "vlab doctor: booting the default image under KVM (up to %d s)...\n",
				PROBE_TIMEOUT_MS / 1000);
		if (doctor_probe(&f, PROBE_TIMEOUT_MS) == -EINTR) {
			error_line("stopped by signal %d; the probe's VM was removed",
				cleanup_stop_signal());
			return 128 + cleanup_stop_signal();
		}
	}
	static struct doctor_row rows[DOCTOR_MAX_ROWS];
	size_t n = doctor_rows(&f, rows, ARRAY_SIZE(rows));
	if (json) {
		json_t *o = doctor_json(&f, rows, n);
		report_print_json(o);
		json_decref(o);
	} else {
		doctor_print_text(stdout, &f, rows, n);
	}
	return doctor_exit_status(rows, n);
}

const struct command command_doctor = {
	.name = "doctor",
	.run = cmd_doctor,
	.usage = DOCTOR_USAGE,
	.summary = "what this host has for the lab, what each thing enables, how to fix what is missing",
	.opts = doctor_opts,
};
