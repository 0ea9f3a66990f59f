/* Progress output and reports. */
#include "runner/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chapters/chapter.h"

static bool text(const struct lab *lab)
{
	return lab->opt->format == FORMAT_TEXT;
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

static const char *mark(enum verdict v)
{
	static const char *const u[] = { "\u2713", "\u2717", "\u2013", "!" };
	static const char *const a[] = { "ok", "FAIL", "skip", "ERROR" };
	return utf8() ? u[v] : a[v];
}

static void print_indented(const char *prefix, const char *s)
{
	while (s && *s) {
		const char *eol = strchr(s, '\n');
		int len = eol ? (int)(eol - s) : (int)strlen(s);
		printf("%s%.*s\n", prefix, len, s);
		s = eol ? eol + 1 : NULL;
	}
}

void ui_chapter_begin(const struct lab *lab)
{
	if (!text(lab))
		return;
	const struct chapter *ch = lab->chapter;
	printf("Chapter %d: %s\n", ch->number, ch->title);
	printf("  image: %s (%s)\n", lab->image.profile ? lab->image.profile->name : "?", lab->image.dir ? lab->image.dir : "?");
	printf("  accelerator: %s\n", lab->accel.reason);
	printf("  run directory: %s\n", lab->run_dir);
	fflush(stdout);
}

void ui_step_begin(const struct lab *lab, const struct step *st, int index)
{
	if (!text(lab))
		return;
	printf("\n[%d] %s\n", index + 1, st->title);
	print_indented("    ", st->explain);
	if (st->host_cmds)
		for (const char *const *c = st->host_cmds; *c; c++)
			ui_command(lab, "host", *c);
	if (st->guest_cmds)
		for (const char *const *c = st->guest_cmds; *c; c++)
			ui_command(lab, "guest", *c);
	fflush(stdout);
}

void ui_note(const struct lab *lab, const char *fmt, ...)
{
	if (!text(lab))
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
	if (!text(lab))
		return;
	const char *prompt = !strcmp(where, "guest") ? "guest# " : "host$ ";
	const char *s = cmd;
	bool first = true;
	while (s && *s) {
		const char *eol = strchr(s, '\n');
		int len = eol ? (int)(eol - s) : (int)strlen(s);
		printf("    %s%.*s\n", first ? prompt : "", len, s);
		first = false;
		s = eol ? eol + 1 : NULL;
	}
	fflush(stdout);
}

void ui_output(const struct lab *lab, const char *out)
{
	if (!text(lab))
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
	printf("  %-5s %-26s %s\n", mark(r->verdict), r->id, r->detail);
	if (r->verdict == VERDICT_FAIL) {
		if (r->hint[0])
			printf("        hint: %s\n", r->hint);
		if (lab_section)
			printf("        redo: %s\n", lab_section);
	}
}

void ui_step_checks(const struct lab *lab, const struct step *st)
{
	if (!text(lab) || !st->checks)
		return;
	for (const char *const *id = st->checks; *id; id++) {
		const struct check_result *r = find(lab, *id);
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

void ui_chapter_end(const struct lab *lab)
{
	if (!text(lab))
		return;
	int counts[4] = { 0 };
	for (int i = 0; i < lab->nchecks; i++)
		counts[lab->checks[i].verdict]++;
	printf("\nChapter %d summary (%.1f s):\n", lab->chapter->number, (double)lab->duration_ms / 1000.0);
	for (int i = 0; i < lab->nchecks; i++) {
		const struct check_result *r = &lab->checks[i];
		printf("  %-5s %s\n", mark(r->verdict), r->id);
	}
	printf("%d passed, %d failed, %d skipped, %d errors: %s\n", counts[VERDICT_PASS], counts[VERDICT_FAIL],
	       counts[VERDICT_SKIP], counts[VERDICT_ERROR], verdict_name(lab_result(lab)));
	if (lab->blocked[0])
		printf("stopped early: %s\n", lab->blocked);
	fflush(stdout);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
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
	json_object_set_new(o, "image", str_or_null(lab->image.profile ? lab->image.profile->name : NULL));
	json_object_set_new(o, "image_sha256", str_or_null(lab->image.digest));
	json_t *files = json_object();
	if (lab->image.profile) {
		const struct image_profile *p = lab->image.profile;
		const struct image_file *const f[] = { &p->kernel, &p->initrd, &p->rootfs };
		const char *const role[] = { "kernel", "initrd", "rootfs" };
		for (size_t i = 0; i < ARRAY_SIZE(f); i++)
			if (f[i]->name)
				json_object_set_new(files, role[i], json_pack("{s:s, s:o}", "name", f[i]->name,
								"sha256", str_or_null(f[i]->sha256)));
	}
	json_object_set_new(o, "image_files", files);
	json_object_set_new(o, "result", json_string(verdict_name(lab_result(lab))));
	json_object_set_new(o, "duration_ms", json_integer(lab->duration_ms));
	json_object_set_new(o, "run_id", str_or_null(lab->run_id));
	json_object_set_new(o, "stopped_early", str_or_null(lab->blocked));

	json_t *checks = json_array();
	for (int i = 0; i < lab->nchecks; i++) {
		const struct check_result *r = &lab->checks[i];
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:o, s:I}", "id", r->id, "status",
							 verdict_name(r->verdict), "detail", r->detail, "hint",
							 str_or_null(r->hint), "duration_ms", (json_int_t)r->duration_ms));
	}
	json_object_set_new(o, "checks", checks);

	json_t *metrics = json_object();
	for (int i = 0; i < lab->nmetrics; i++)
		json_object_set_new(metrics, lab->metrics[i].name, json_real(lab->metrics[i].value));
	json_object_set_new(o, "metrics", metrics);

	json_t *arts = json_object();
	for (int i = 0; i < lab->nartifacts; i++)
		json_object_set_new(arts, lab->artifacts[i].name, json_string(lab->artifacts[i].path));
	json_object_set_new(o, "artifacts", arts);

	json_t *vms = json_array();
	for (int i = 0; i < lab->nvms; i++) {
		const struct vm *vm = &lab->vms[i];
		json_t *argv = json_array();
		for (int a = 0; a < vm->argv.n; a++)
			json_array_append_new(argv, json_string(vm->argv.v[a]));
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
