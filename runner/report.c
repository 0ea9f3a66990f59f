/* Progress output and reports. */
#include "checks/check_registry.h"
#include "runner/report.h"
#include "runner/junit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner/chapter.h"
#include "runner/untrusted_text.h"
#include "runner/clock.h"

#include <time.h>
#include <unistd.h>

static bool text(const struct lab *lab)
{
	return lab->opt->format == FORMAT_TEXT;
}

/* Step titles, explanations, commands and notes: not with --quiet. */
static bool chatty(const struct lab *lab)
{
	return text(lab) && !lab->opt->quiet && !lab->setup_only;
}

/* stdout is a terminal; or, inside the emulated KVM host, the port it is
 * ends on one out here (VLAB_STDOUT_TTY, runner/vm/kvmhost_proto.h) */
static bool tty(void)
{
	static int is_tty = -1;
	const char *relayed = getenv("VLAB_STDOUT_TTY");
	if (is_tty < 0)
		is_tty = isatty(STDOUT_FILENO) || (relayed && !strcmp(relayed, "1"));
	return is_tty;
}

bool no_color_asked(void)
{
	const char *nc = getenv("NO_COLOR");
	return nc && *nc;
}

static bool colour(void)
{
	return tty() && !no_color_asked();
}

/* Marks in UTF-8 where the terminal takes it, else plain ASCII. */
static bool utf8(void)
{
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return false;
}

bool ui_utf8(void)
{
	return utf8();
}

static const char *mark(enum verdict v)
{
	static const char *const u[] = { "\u2713", "\u2717", "\u2013", "!" };
	static const char *const a[] = { "ok", "FAIL", "skip", "ERROR" };
	return utf8() ? u[v] : a[v];
}

/* The mark padded to 5 columns, in colour on a terminal. */
static void print_mark(enum verdict v)
{
	static const char *const sgr[] = { "32", "31", "33", "35" };
	const char *m = mark(v);
	/* the UTF-8 marks are one column wide but several bytes */
	int width = utf8() ? 1 : (int)strlen(m);
	if (colour())
		printf("\033[%sm%s\033[0m%*s", sgr[v], m, 5 - width, "");
	else
		printf("%s%*s", m, 5 - width, "");
}

static struct {
	bool active;
	char what[96];
	int64_t started_ms, drawn_ms;
	unsigned frame;
} wait_line;

static void draw_wait_line(void)
{
	if (!wait_line.active)
		return;
	int64_t now = now_ms();
	if (now - wait_line.drawn_ms < 100)
		return;
	wait_line.drawn_ms = now;
	static const char *const u[] = { "\u280b", "\u2819", "\u2839", "\u2838", "\u283c", "\u2834", "\u2826", "\u2827", "\u2807", "\u280f" };
	static const char *const a[] = { "|", "/", "-", "\\" };
	const char *f = utf8() ? u[wait_line.frame % ARRAY_SIZE(u)] : a[wait_line.frame % ARRAY_SIZE(a)];
	wait_line.frame++;
	printf("\r    %s %s (%.1f s)\033[K", f, wait_line.what, (double)(now - wait_line.started_ms) / 1000.0);
	fflush(stdout);
}

void ui_wait_begin(const struct lab *lab, const char *what)
{
	if (!text(lab) || !tty())
		return;
	snprintf(wait_line.what, sizeof(wait_line.what), "%s", what);
	wait_line.active = true;
	wait_line.started_ms = now_ms();
	wait_line.drawn_ms = 0;
	idle_set_tick(draw_wait_line);
	draw_wait_line();
}

void ui_wait_end(void)
{
	if (!wait_line.active)
		return;
	wait_line.active = false;
	idle_set_tick(NULL);
	printf("\r\033[K");
	fflush(stdout);
}

/* s (a guest's output, a command line, a check's detail: not vlab's
 * own words) on stdout with its control bytes and invalid UTF-8 escaped
 * visibly (runner/untrusted_text.h), so a guest cannot drive the terminal. */
static void print_untrusted(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, n, UT_KEEP_TAB);
	fputs(sb_str(&sb), stdout);
	sb_release(&sb);
}

static void print_indented(const char *prefix, const char *s)
{
	while (s && *s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		fputs(prefix, stdout);
		print_untrusted(s, len);
		fputc('\n', stdout);
		s = eol ? eol + 1 : NULL;
	}
}

void ui_chapter_begin(const struct lab *lab)
{
	ui_wait_end(); /* the words replace the wait line */
	if (!chatty(lab))
		return;
	const struct chapter *ch = lab->chapter;
	printf("Chapter %d: %s\n", ch->number, ch->title);
	/* chapter 5 runs its own tiny guest: no image */
	if (lab->image.profile)
		printf("  image: %s (%s)\n", lab->image.profile->name, lab->image.dir);
	printf("  accelerator: %s\n", lab->accel.reason);
	if (host_kvm_emulated())
		printf("  KVM host: emulated (QEMU TCG, -cpu max: AMD-V with nested paging; kvm_amd): its counts are "
		       "KVM's on an emulated AMD CPU, its times are not hardware's\n");
	else if (lab->kvm_where[0])
		printf("  KVM host: this one: %s\n", lab->kvm_where);
	printf("  run directory: %s%s\n", lab->run_dir,
	       host_kvm_emulated() ? " (inside the emulated KVM host: copied back at the end)" : "");
	fflush(stdout);
}

void ui_step_begin(const struct lab *lab, const struct step *st, int index)
{
	ui_wait_end(); /* the words replace the wait line */
	if (!chatty(lab))
		return;
	printf("\n[%d] %s\n", index + 1, st->title);
	print_indented("    ", st->explain);
	if (st->explain_for) {
		struct strbuf more = STRBUF_INIT;
		st->explain_for(lab, &more);
		print_indented("    ", sb_str(&more));
		sb_release(&more);
	}
	if (st->host_cmds)
		for (const char *const *c = st->host_cmds; *c; c++)
			ui_command(lab, "host", *c);
	const char *const *guest_cmds = st->guest_cmds_for ? st->guest_cmds_for(lab) : st->guest_cmds;
	if (guest_cmds) {
		printf("    The lab has you type these in the guest (vlab types them on the serial console):\n");
		for (const char *const *c = guest_cmds; *c; c++)
			ui_command(lab, "guest", *c);
	}
	fflush(stdout);
}

void ui_note(const struct lab *lab, const char *fmt, ...)
{
	ui_wait_end(); /* the words replace the wait line */
	if (!chatty(lab))
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	print_indented("    ", sb_str(&sb));
	sb_release(&sb);
	fflush(stdout);
}

void ui_command(const struct lab *lab, const char *where, const char *cmd)
{
	ui_wait_end(); /* the words replace the wait line */
	if (!chatty(lab))
		return;
	const char *prompt = !strcmp(where, "guest") ? "guest# " : "host$ ";
	const char *s = cmd;
	bool first = true;
	while (s && *s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		printf("    %s", first ? prompt : "");
		print_untrusted(s, len);
		fputc('\n', stdout);
		first = false;
		s = eol ? eol + 1 : NULL;
	}
	fflush(stdout);
}

void ui_output(const struct lab *lab, const char *out)
{
	ui_wait_end(); /* the words replace the wait line */
	if (!chatty(lab))
		return;
	print_indented("      | ", out);
	fflush(stdout);
}

static const struct check_result *find(const struct lab *lab, const char *id)
{
	for (int i = 0; i < lab->nchecks; i++)
		if (!strcmp(lab->checks[i].id, id))
			return &lab->checks[i];
	return NULL;
}

static void print_check(const struct check_result *r, const char *lab_section)
{
	printf("  ");
	print_mark(r->verdict);
	printf(" %-26s ", r->id);
	print_untrusted(r->detail, strlen(r->detail));
	fputc('\n', stdout);
	if (r->verdict == VERDICT_FAIL) {
		if (r->hint[0]) {
			fputs("        hint: ", stdout);
			print_untrusted(r->hint, strlen(r->hint));
			fputc('\n', stdout);
		}
		if (lab_section)
			printf("        redo: %s\n", lab_section);
	}
}

void ui_print_check(const struct check_result *r)
{
	ui_wait_end(); /* the words replace the wait line */
	print_check(r, NULL);
	fflush(stdout);
}

void ui_step_checks(const struct lab *lab, const struct step *st)
{
	if (!chatty(lab))
		return;
	const char *ids[CHECKS_PER_STEP_MAX];
	size_t n = check_registry_step_ids(lab->chapter->number, st->name, ids, CHECKS_PER_STEP_MAX);
	for (size_t i = 0; i < n && i < CHECKS_PER_STEP_MAX; i++) {
		const struct check_result *r = find(lab, ids[i]);
		if (r && r->done)
			print_check(r, st->lab_section);
	}
	fflush(stdout);
}

enum verdict lab_result(const struct lab *lab)
{
	bool any_pass = false, any_fail = false, any_error = false;
	for (int i = 0; i < lab->nchecks; i++) {
		switch (lab->checks[i].verdict) {
		case VERDICT_PASS:
			any_pass = true;
			break;
		case VERDICT_FAIL:
			any_fail = true;
			break;
		case VERDICT_ERROR:
			any_error = true;
			break;
		case VERDICT_SKIP:
			break;
		}
	}
	if (any_error)
		return VERDICT_ERROR;
	if (any_fail)
		return VERDICT_FAIL;
	return any_pass ? VERDICT_PASS : VERDICT_SKIP;
}

bool lab_incomplete(const struct lab *lab)
{
	enum verdict v = lab_result(lab);
	if (!lab->skip_is_unjudged || (v != VERDICT_PASS && v != VERDICT_SKIP))
		return false;
	for (int i = 0; i < lab->nchecks; i++)
		if (lab->checks[i].verdict == VERDICT_SKIP)
			return true;
	return false;
}

const char *lab_result_name(const struct lab *lab)
{
	return lab_incomplete(lab) ? "incomplete" : verdict_name(lab_result(lab));
}

void ui_chapter_end(const struct lab *lab)
{
	ui_wait_end(); /* the words replace the wait line */
	if (!text(lab))
		return;
	int counts[4] = { 0 };
	for (int i = 0; i < lab->nchecks; i++)
		counts[lab->checks[i].verdict]++;
	printf("\nChapter %d: %s (%.1f s)\n", lab->chapter->number, lab->chapter->title,
	       (double)lab->duration_ms / 1000.0);
	for (int i = 0; i < lab->nchecks; i++) {
		const struct check_result *r = &lab->checks[i];
		const char *section = NULL;
		for (size_t s = 0; s < lab->chapter->nsteps && !section; s++)
			if (check_registry_in_step(r->id, lab->chapter->number, lab->chapter->steps[s].name))
				section = lab->chapter->steps[s].lab_section;
		print_check(r, section);
	}
	printf("%d passed, %d failed, %d skipped, %d errors: %s\n", counts[VERDICT_PASS], counts[VERDICT_FAIL],
	       counts[VERDICT_SKIP], counts[VERDICT_ERROR], lab_result_name(lab));
	if (lab_incomplete(lab))
		printf("incomplete: vlab could not judge %d check(s), each line says why; nothing it judged failed\n",
		       counts[VERDICT_SKIP]);
	if (lab->blocked[0]) {
		fputs("stopped early: ", stdout);
		print_untrusted(lab->blocked, strlen(lab->blocked));
		fputc('\n', stdout);
	}
	for (int i = 0; i < lab->nartifacts; i++)
		if (!strcmp(lab->artifacts[i].name, "console") && lab_result(lab) != VERDICT_PASS)
			printf("console transcript: %s\n", lab->artifacts[i].path);
	fflush(stdout);
}

/* A JSON string of text that may not be valid UTF-8 (jansson refuses
 * that, and the key would go missing): as it is when it is UTF-8, else
 * with the bytes that are not escaped visibly. JSON escapes control
 * characters itself. */
json_t *report_json_text(const char *s)
{
	json_t *v = json_string(s ? s : "");
	if (v)
		return v;
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, strlen(s), UT_KEEP_NEWLINE | UT_KEEP_TAB);
	v = json_string(sb_str(&sb));
	sb_release(&sb);
	return v;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? report_json_text(s) : json_null();
}

void report_timestamp(time_t t, char out[REPORT_TIMESTAMP_LEN])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, REPORT_TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
}

json_t *report_chapter_json(const struct lab *lab)
{
	json_t *o = json_object();
	json_object_set_new(o, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
	json_object_set_new(o, "vlab_version", json_string(VLAB_VERSION));
	json_object_set_new(o, "chapter", json_integer(lab->chapter->number));
	json_object_set_new(o, "title", json_string(lab->chapter->title));
	json_object_set_new(o, "accel", json_string(lab->accel.accel == ACCEL_KVM ? "kvm" : "tcg"));
	json_object_set_new(o, "accel_reason", json_string(lab->accel.reason));
	/* whose KVM the counts are: "emulated-amd-v" inside vlab's emulated host */
	json_object_set_new(o, "kvm_host", json_string(host_kvm_kind(&lab->host)));
	json_object_set_new(o, "image", str_or_null(lab->image.profile ? lab->image.profile->name : NULL));
	json_object_set_new(o, "image_sha256", str_or_null(lab->image.digest));
	json_t *files = json_object();
	if (lab->image.profile) {
		const struct image_profile *p = lab->image.profile;
		/* the guest's files, which the image's digest covers */
		for (int i = 0; i < IMAGE_GUEST_ROLES; i++)
			if (p->files[i].name)
				json_object_set_new(files, image_role_names[i],
						    json_pack("{s:s, s:o}", "name", p->files[i].name, "sha256",
							      str_or_null(p->files[i].sha256)));
	}
	json_object_set_new(o, "image_files", files);
	json_object_set_new(o, "result", json_string(lab_result_name(lab)));
	json_object_set_new(o, "duration_ms", json_integer(lab->duration_ms));
	char started[REPORT_TIMESTAMP_LEN];
	report_timestamp(lab->started_at ? lab->started_at : time(NULL) - (time_t)(lab->duration_ms / 1000), started);
	json_object_set_new(o, "started_at", json_string(started));
	json_object_set_new(o, "run_id", str_or_null(lab->run_id));
	json_object_set_new(o, "stopped_early", str_or_null(lab->blocked));

	json_t *checks = json_array();
	for (int i = 0; i < lab->nchecks; i++) {
		const struct check_result *r = &lab->checks[i];
		json_array_append_new(checks, json_pack("{s:s, s:s, s:o, s:o, s:I}", "id", r->id, "status",
							 verdict_name(r->verdict), "detail", report_json_text(r->detail),
							 "hint", str_or_null(r->hint), "duration_ms",
							 (json_int_t)r->duration_ms));
	}
	json_object_set_new(o, "checks", checks);

	json_t *metrics = json_object();
	for (int i = 0; i < lab->nmetrics; i++)
		json_object_set_new(metrics, lab->metrics[i].name, json_real(lab->metrics[i].value));
	json_object_set_new(o, "metrics", metrics);

	json_t *arts = json_object();
	for (int i = 0; i < lab->nartifacts; i++)
		json_object_set_new(arts, lab->artifacts[i].name, report_json_text(lab->artifacts[i].path));
	json_object_set_new(o, "artifacts", arts);

	json_t *vms = json_array();
	for (int i = 0; i < lab->nvms; i++) {
		const struct vm *vm = &lab->vms[i];
		json_t *argv = json_array();
		for (int a = 0; a < vm->argv.n; a++)
			json_array_append_new(argv, report_json_text(vm->argv.v[a]));
		json_t *notes = json_array();
		for (int n = 0; n < vm->spec.nnotes; n++)
			json_array_append_new(notes, json_pack("{s:s, s:s}", "change", vm->spec.notes[n].what,
							       "why", vm->spec.notes[n].why));
		json_array_append_new(vms, json_pack("{s:s, s:o, s:o, s:o}", "name", vm->name, "argv", argv,
						     "lab_command", str_or_null(vm->lab_command), "changes", notes));
	}
	json_object_set_new(o, "vms", vms);
	return o;
}

void report_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		puts(s);
		free(s);
	}
	fflush(stdout);
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

const char *report_started_at(const json_t *o)
{
	static char now[REPORT_TIMESTAMP_LEN];
	const char *t = json_string_value(json_object_get(o, "started_at"));
	if (t)
		return t;
	report_timestamp(time(NULL), now);
	return now;
}

/* A chapter's checks counted as JUnit counts them. */
static struct junit_counts chapter_counts(const json_t *ch)
{
	struct junit_counts c = { 0, 0, 0, 0 };
	size_t i;
	json_t *chk;
	json_array_foreach(json_object_get(ch, "checks"), i, chk)
		junit_count(&c, jstr(chk, "status"));
	return c;
}

void report_write_junit(FILE *f, const json_t *reports)
{
	struct junit_counts all = { 0, 0, 0, 0 };
	double total_s = 0;
	size_t i;
	json_t *ch;
	json_array_foreach(reports, i, ch) {
		struct junit_counts c = chapter_counts(ch);
		all.tests += c.tests;
		all.failures += c.failures;
		all.errors += c.errors;
		all.skipped += c.skipped;
		total_s += (double)json_integer_value(json_object_get(ch, "duration_ms")) / 1000.0;
	}
	junit_begin(f, "vlab", &all, total_s);
	json_array_foreach(reports, i, ch) {
		long long chapter = (long long)json_integer_value(json_object_get(ch, "chapter"));
		char *suite = xasprintf("chapter %lld: %s", chapter, jstr(ch, "title"));
		char *classname = xasprintf("vlab.ch%lld", chapter);
		struct junit_counts c = chapter_counts(ch);
		const struct junit_property props[] = {
			{ "vlab_version", jstr(ch, "vlab_version") }, { "accel", jstr(ch, "accel") },
			{ "image", jstr(ch, "image") },		      { "image_sha256", jstr(ch, "image_sha256") },
			{ "run_id", jstr(ch, "run_id") },
		};
		junit_suite_begin(f, suite, &c, (double)json_integer_value(json_object_get(ch, "duration_ms")) / 1000.0,
				  report_started_at(ch), props, ARRAY_SIZE(props));
		size_t k;
		json_t *chk;
		json_array_foreach(json_object_get(ch, "checks"), k, chk) {
			const char *st = jstr(chk, "status"), *detail = jstr(chk, "detail");
			bool passed = junit_outcome_of(st) == JUNIT_PASS;
			/* a pass shows what it saw; an outcome's body holds the detail */
			junit_case(f, &(struct junit_case){
					      .classname = classname,
					      .name = jstr(chk, "id"),
					      .seconds = (double)json_integer_value(json_object_get(chk, "duration_ms")) / 1000.0,
					      .status = st,
					      .message = detail,
					      .text = detail,
					      .hint = jstr(chk, "hint"),
					      .system_out = passed ? detail : NULL,
				      });
		}
		junit_suite_end(f);
		free(classname);
		free(suite);
	}
	junit_end(f);
}

void report_tap_text(FILE *f, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, strlen(s), UT_KEEP_NEWLINE | UT_KEEP_TAB);
	for (const char *p = sb_str(&sb); *p; p++)
		fputc(*p == '\n' || *p == '\t' ? ' ' : *p == '#' ? '*' : *p, f);
	sb_release(&sb);
}

void report_yaml_quoted(FILE *f, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, strlen(s), UT_KEEP_NEWLINE | UT_KEEP_TAB);
	fputc('"', f);
	for (const char *p = sb_str(&sb); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
	sb_release(&sb);
}

void report_write_tap(FILE *f, const json_t *reports)
{
	size_t n = 0, i;
	json_t *ch;
	json_array_foreach(reports, i, ch)
		n += json_array_size(json_object_get(ch, "checks"));
	fprintf(f, "TAP version 13\n1..%zu\n", n);
	size_t num = 0;
	json_array_foreach(reports, i, ch) {
		fprintf(f, "# chapter %lld: ", (long long)json_integer_value(json_object_get(ch, "chapter")));
		report_tap_text(f, jstr(ch, "title"));
		if (*jstr(ch, "image"))
			fprintf(f, " (accel %s, image %s)\n", jstr(ch, "accel"), jstr(ch, "image"));
		else
			fprintf(f, " (accel %s)\n", jstr(ch, "accel"));
		size_t k;
		json_t *c;
		json_array_foreach(json_object_get(ch, "checks"), k, c) {
			const char *st = jstr(c, "status");
			bool ok = !strcmp(st, "pass") || !strcmp(st, "skip");
			fprintf(f, "%s %zu - %s: ", ok ? "ok" : "not ok", ++num, jstr(c, "id"));
			report_tap_text(f, jstr(c, "detail"));
			if (!strcmp(st, "skip")) {
				fprintf(f, " # SKIP ");
				report_tap_text(f, jstr(c, "detail"));
			}
			fputc('\n', f);
			if (!ok) {
				fprintf(f, "  ---\n  status: %s\n  detail: ", st);
				report_yaml_quoted(f, jstr(c, "detail"));
				fputc('\n', f);
				if (*jstr(c, "hint")) {
					fprintf(f, "  hint: ");
					report_yaml_quoted(f, jstr(c, "hint"));
					fputc('\n', f);
				}
				fprintf(f, "  ...\n");
			}
		}
	}
	fflush(f);
}
