/* vlab grade's CI output, pure; see ci_report.h. */
#include "runner/grade/ci_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/untrusted_text.h"

int ci_kind_parse(const char *s, enum ci_kind *out)
{
	static const struct {
		const char *name;
		enum ci_kind kind;
	} kinds[] = { { "auto", CI_AUTO }, { "github", CI_GITHUB }, { "gitlab", CI_GITLAB }, { "off", CI_OFF } };
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(s, kinds[i].name)) {
			*out = kinds[i].kind;
			return 0;
		}
	}
	return -1;
}

enum ci_kind ci_detect(const char *github_actions, const char *gitlab_ci)
{
	/* both set "true" in their runners' environments: GitHub's
	 * "Default environment variables", GitLab's "Predefined CI/CD
	 * variables" */
	if (github_actions && !strcmp(github_actions, "true"))
		return CI_GITHUB;
	if (gitlab_ci && !strcmp(gitlab_ci, "true"))
		return CI_GITLAB;
	return CI_OFF;
}

const char *ci_kind_name(enum ci_kind k)
{
	return k == CI_GITHUB ? "github" : k == CI_GITLAB ? "gitlab" : k == CI_AUTO ? "auto" : "off";
}

/* ---- log text ------------------------------------------------------------ */

void ci_log_text(struct strbuf *sb, enum ci_kind k, const char *s, size_t n)
{
	struct strbuf clean = STRBUF_INIT;
	untrusted_text_append(&clean, s, n, UT_KEEP_TAB);
	const char *t = sb_str(&clean);
	if (k != CI_GITHUB) {
		sb_add(sb, t, clean.len);
		sb_release(&clean);
		return;
	}
	for (size_t i = 0; i < clean.len; i++) {
		if (t[i] == ':' && t[i + 1] == ':') {
			sb_adds(sb, ":\\x3a");
			i++;
		} else if (t[i] == '#' && t[i + 1] == '#' && t[i + 2] == '[') {
			sb_adds(sb, "#\\x23[");
			i += 2;
		} else {
			sb_add(sb, &t[i], 1);
		}
	}
	sb_release(&clean);
}

void ci_log_lines(struct strbuf *sb, enum ci_kind k, const char *prefix, const char *text, size_t max_lines)
{
	size_t len = strlen(text), lines = 0;
	while (len && text[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	lines += len > 0;
	const char *p = text, *end = text + len;
	for (size_t skip = max_lines && lines > max_lines ? lines - max_lines : 0; skip; skip--)
		p = strchr(p, '\n') + 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		sb_adds(sb, prefix);
		ci_log_text(sb, k, p, n);
		sb_adds(sb, "\n");
		p += n + 1;
	}
}

/* ---- GitHub workflow commands ---------------------------------------------- */

/* ActionCommand.cs escapes '%' first, and unescapes it last, so a "%0A"
 * in the text comes back as itself. */
static void github_escape(struct strbuf *sb, const char *s, bool property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': sb_adds(sb, "%25"); break;
		case '\r': sb_adds(sb, "%0D"); break;
		case '\n': sb_adds(sb, "%0A"); break;
		case ':': sb_adds(sb, property ? "%3A" : ":"); break;
		case ',': sb_adds(sb, property ? "%2C" : ","); break;
		default: sb_add(sb, s, 1);
		}
	}
}

void ci_github_escape_data(struct strbuf *sb, const char *s)
{
	github_escape(sb, s, false);
}

void ci_github_escape_property(struct strbuf *sb, const char *s)
{
	github_escape(sb, s, true);
}

void ci_github_annotation(struct strbuf *sb, const char *level, const char *file, int line, const char *title,
			  const char *message)
{
	sb_addf(sb, "::%s", level);
	const char *sep = " ";
	if (file) {
		sb_addf(sb, "%sfile=", sep);
		ci_github_escape_property(sb, file);
		sep = ",";
	}
	if (file && line > 0) {
		sb_addf(sb, "%sline=%d", sep, line);
		sep = ",";
	}
	if (title) {
		sb_addf(sb, "%stitle=", sep);
		ci_github_escape_property(sb, title);
	}
	sb_adds(sb, "::");
	struct strbuf safe = STRBUF_INIT;
	ci_log_text(&safe, CI_GITHUB, message, strlen(message));
	ci_github_escape_data(sb, sb_str(&safe));
	sb_release(&safe);
	sb_adds(sb, "\n");
}

void ci_github_output(struct strbuf *sb, const char *name, const char *value, unsigned long long delim_seed)
{
	if (!strpbrk(value, "\r\n")) {
		sb_addf(sb, "%s=%s\n", name, value);
		return;
	}
	char delim[48];
	do
		snprintf(delim, sizeof(delim), "VLAB_EOF_%016llx", delim_seed++);
	while (strstr(value, delim));
	sb_addf(sb, "%s<<%s\n%s\n%s\n", name, delim, value, delim);
}

/* ---- Markdown -------------------------------------------------------------- */

void ci_html_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_adds(sb, "&amp;"); break;
		case '<': sb_adds(sb, "&lt;"); break;
		case '>': sb_adds(sb, "&gt;"); break;
		case '"': sb_adds(sb, "&quot;"); break;
		case '\'': sb_adds(sb, "&#39;"); break;
		default: sb_add(sb, s, 1);
		}
	}
}

void ci_markdown_text(struct strbuf *sb, const char *s)
{
	/* one line (no \n ends a table row), no controls, then: any ASCII
	 * punctuation may be backslash-escaped and is then literal
	 * (CommonMark 0.31, "Backslash escapes"); GFM splits a table row at
	 * an unescaped '|' only; an escaped ':' '/' '.' '@' breaks GFM's
	 * extended autolinks (http://, www., e-mail). The HTML specials are
	 * entities instead, so not even a backslash sits next to a '<'. */
	struct strbuf clean = STRBUF_INIT;
	untrusted_text_append(&clean, s, strlen(s), 0);
	for (const char *p = sb_str(&clean); *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (strchr("&<>\"'", c))
			ci_html_text(sb, (char[]){ (char)c, 0 });
		else if (c < 0x80 && c > ' ' && strchr("!#$%()*+,-./:;=?@[\\]^_`{|}~", c))
			sb_addf(sb, "\\%c", c);
		else
			sb_add(sb, p, 1);
	}
	sb_release(&clean);
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static bool check_lost(const json_t *c)
{
	const char *st = jstr(c, "status");
	return strcmp(st, "pass") && strcmp(st, "skip");
}

static const char *status_label(const char *st)
{
	return !strcmp(st, "pass")	    ? "✅ pass"
	       : !strcmp(st, "skip")	    ? "➖ skip"
	       : !strcmp(st, "error")	    ? "⚠️ error (vlab's)"
	       : !strcmp(st, "parent_failed") ? "⛔ parent failed"
					    : "❌ fail";
}

/* What a check saw, for a reader: its detail, or its note (a parent's
 * failure) when it has no detail of its own. */
static const char *check_saw(const json_t *c)
{
	return *jstr(c, "detail") && strcmp(jstr(c, "status"), "parent_failed") ? jstr(c, "detail") : jstr(c, "note");
}

static void md_check_row(struct strbuf *sb, const json_t *c, bool with_hint)
{
	sb_addf(sb, "| %s | ", status_label(jstr(c, "status")));
	ci_markdown_text(sb, jstr(c, "id"));
	sb_addf(sb, " | %lld/%lld | ", jint(c, "points"), jint(c, "rubric_points"));
	ci_markdown_text(sb, check_saw(c));
	if (with_hint) {
		sb_adds(sb, " | ");
		ci_markdown_text(sb, check_lost(c) && strcmp(jstr(c, "status"), "parent_failed") ? jstr(c, "hint") : "");
	}
	sb_adds(sb, " |\n");
}

static size_t count_lost(const json_t *r)
{
	size_t n = 0, i;
	const json_t *c;
	json_array_foreach(json_object_get(r, "checks"), i, c)
		n += check_lost(c);
	return n;
}

static void md_failed_table(struct strbuf *sb, const json_t *r)
{
	size_t i;
	const json_t *c;
	sb_adds(sb, "| Status | Check | Points | What vlab saw | What to do |\n|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(r, "checks"), i, c)
		if (check_lost(c))
			md_check_row(sb, c, true);
}

static void md_self(struct strbuf *sb, const json_t *r)
{
	size_t lost = count_lost(r), total = json_array_size(json_object_get(r, "checks"));
	sb_adds(sb, "## vlab grade: ");
	ci_markdown_text(sb, jstr(r, "submission"));
	sb_addf(sb, ": %lld/%lld points\n\n", jint(r, "score"), jint(r, "max_score"));
	if (json_is_true(json_object_get(r, "needs_regrade")))
		sb_adds(sb, "> [!WARNING]\n> Provisional: vlab broke on some checks (⚠️ below); a teaching assistant "
			    "will regrade them.\n\n");
	if (lost) {
		sb_addf(sb, "### ❌ %zu of %zu checks failed\n\n", lost, total);
		md_failed_table(sb, r);
		sb_adds(sb, "\n");
	} else {
		sb_addf(sb, "### ✅ All %zu checks passed\n\n", total);
	}
	sb_addf(sb, "<details><summary>The other checks (%zu)</summary>\n\n", total - lost);
	sb_adds(sb, "| Status | Check | Points | What vlab saw |\n|---|---|---|---|\n");
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(r, "checks"), i, c)
		if (!check_lost(c))
			md_check_row(sb, c, false);
	sb_adds(sb, "\n</details>\n\n");
}

static void md_class(struct strbuf *sb, const json_t *results, size_t cap)
{
	size_t i, k;
	const json_t *r, *c;
	double sum = 0;
	size_t scored = 0;
	json_array_foreach(results, i, r) {
		if (jint(r, "max_score") > 0) {
			sum += 100.0 * (double)jint(r, "score") / (double)jint(r, "max_score");
			scored++;
		}
	}
	sb_addf(sb, "## vlab grade: %zu submissions, mean %.1f%%\n\n", json_array_size(results),
		scored ? sum / (double)scored : 0.0);
	sb_adds(sb, "| Submission | Score | Failed checks |\n|---|---|---|\n");
	json_array_foreach(results, i, r) {
		if (sb->len > cap) {
			sb_adds(sb, "\n*(the summary stops here: GitHub keeps 1 MiB of it; every submission is in the "
				    "reports)*\n");
			return;
		}
		sb_adds(sb, "| ");
		ci_markdown_text(sb, jstr(r, "submission"));
		sb_addf(sb, " | %lld/%lld%s | ", jint(r, "score"), jint(r, "max_score"),
			json_is_true(json_object_get(r, "needs_regrade")) ? " ⚠️ needs regrading" : "");
		const char *sep = "";
		json_array_foreach(json_object_get(r, "checks"), k, c) {
			if (check_lost(c)) {
				sb_adds(sb, sep);
				ci_markdown_text(sb, jstr(c, "id"));
				sep = ", ";
			}
		}
		sb_adds(sb, " |\n");
	}
	sb_adds(sb, "\n");
	json_array_foreach(results, i, r) {
		if (!count_lost(r))
			continue;
		if (sb->len > cap) {
			sb_adds(sb, "*(the details stop here: GitHub keeps 1 MiB of a summary; the rest is in the "
				    "reports)*\n");
			return;
		}
		sb_adds(sb, "<details><summary>");
		ci_html_text(sb, jstr(r, "submission"));
		sb_addf(sb, ": %lld/%lld</summary>\n\n", jint(r, "score"), jint(r, "max_score"));
		md_failed_table(sb, r);
		sb_adds(sb, "\n</details>\n\n");
	}
}

void ci_summary_markdown(struct strbuf *sb, const json_t *results, bool self, const char *reports, size_t cap)
{
	size_t start = sb->len;
	if (self && json_array_size(results) == 1)
		md_self(sb, json_array_get(results, 0));
	else
		md_class(sb, results, start + cap);
	sb_adds(sb, "Reports: ");
	ci_markdown_text(sb, reports);
	sb_adds(sb, " (class.junit.xml, report.json, feedback.txt)\n\n");
}

void ci_summary_text(struct strbuf *sb, enum ci_kind k, const json_t *results, bool self)
{
	size_t i, j;
	const json_t *r, *c;
	json_array_foreach(results, i, r) {
		size_t lost = count_lost(r);
		sb_addf(sb, "vlab grade: %s: %lld/%lld points; %zu check(s) failed%s\n", jstr(r, "submission"),
			jint(r, "score"), jint(r, "max_score"), lost,
			json_is_true(json_object_get(r, "needs_regrade")) ? " (provisional: needs regrading)" : "");
		if (!self && !lost)
			continue;
		json_array_foreach(json_object_get(r, "checks"), j, c) {
			if (!check_lost(c))
				continue;
			const char *st = jstr(c, "status");
			sb_addf(sb, "  %-6s %s %lld/%lld\n", !strcmp(st, "error") ? "ERROR" : "FAIL", jstr(c, "id"),
				jint(c, "points"), jint(c, "rubric_points"));
			const char *saw = check_saw(c);
			if (*saw) {
				sb_adds(sb, "         saw: ");
				ci_log_text(sb, k, saw, strlen(saw));
				sb_adds(sb, "\n");
			}
			if (*jstr(c, "hint") && strcmp(st, "parent_failed")) {
				sb_adds(sb, "         to do: ");
				ci_log_text(sb, k, jstr(c, "hint"), strlen(jstr(c, "hint")));
				sb_adds(sb, "\n");
			}
		}
	}
}

/* ---- GitLab sections ---------------------------------------------------------- */

bool ci_gitlab_section_name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '.' || *p == '-'))
			return false;
	return true;
}

void ci_gitlab_section_start(struct strbuf *sb, long long t, const char *name, const char *header, bool collapsed)
{
	sb_addf(sb, "\033[0Ksection_start:%lld:%s%s\r\033[0K", t, name, collapsed ? "[collapsed=true]" : "");
	ci_log_text(sb, CI_GITLAB, header, strlen(header));
	sb_adds(sb, "\n");
}

void ci_gitlab_section_end(struct strbuf *sb, long long t, const char *name)
{
	sb_addf(sb, "\033[0Ksection_end:%lld:%s\r\033[0K\n", t, name);
}
