/* runner/grade/ci_report.c, against independent expressions of what reads
 * its output: GitHub's workflow command parser redone from actions/runner's
 * src/Runner.Common/ActionCommand.cs (TryParseV2: the "::" form after
 * TrimStart; TryParse: "##[" anywhere; their unescaping, Replace by Replace
 * in the order of its mapping tables), CommonMark's backslash escapes and
 * entities undone, GitLab's section markers; and the script line locator on
 * the course's reference script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/grade/ci_report.h"
#include "runner/untrusted_text.h"
#include "runner/util.h"
#include "tests/unit/unit_helpers.h"

/* ---- the runner's parser, redone ------------------------------------------ */

/* s with every from replaced by to (C#'s string.Replace). New string. */
static char *replace_all(const char *s, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	size_t fl = strlen(from);
	for (const char *p = s; *p;) {
		if (!strncmp(p, from, fl)) {
			sb_adds(&sb, to);
			p += fl;
		} else {
			sb_add(&sb, p++, 1);
		}
	}
	char *r = xstrdup(sb_str(&sb));
	sb_release(&sb);
	return r;
}

/* UnescapeProperty / UnescapeData: the mapping tables in their order. */
static char *runner_unescape(const char *s, bool property)
{
	static const char *const prop[][2] = { { "%0D", "\r" }, { "%0A", "\n" }, { "%3A", ":" }, { "%2C", "," }, { "%25", "%" } };
	static const char *const data[][2] = { { "%0D", "\r" }, { "%0A", "\n" }, { "%25", "%" } };
	char *cur = xstrdup(s);
	size_t n = property ? ARRAY_SIZE(prop) : ARRAY_SIZE(data);
	for (size_t i = 0; i < n; i++) {
		char *next = replace_all(cur, property ? prop[i][0] : data[i][0], property ? prop[i][1] : data[i][1]);
		free(cur);
		cur = next;
	}
	return cur;
}

struct parsed {
	char name[64];
	char *file, *line, *title, *data;
};

static void parsed_free(struct parsed *p)
{
	free(p->file);
	free(p->line);
	free(p->title);
	free(p->data);
}

/* .NET's char.IsWhiteSpace for what TrimStart removes, ASCII and the
 * UTF-8 spaces (U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000; U+0085 too): the byte length of the space at s, or 0. */
static size_t dotnet_space(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0x85))
		return 2;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* TryParseV2 on one line: true with p filled when it is a command (any
 * name: a registered one or a stop token). */
static bool runner_parse_v2(const char *line, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	const char *m = line;
	for (size_t k; (k = dotnet_space((const unsigned char *)m));)
		m += k;
	if (strncmp(m, "::", 2))
		return false;
	const char *end = strstr(m + 2, "::");
	if (!end)
		return false;
	char *info = strndup(m + 2, (size_t)(end - m - 2));
	char *space = strchr(info, ' ');
	snprintf(p->name, sizeof(p->name), "%.*s", space ? (int)(space - info) : (int)strlen(info), info);
	if (space) {
		char *save = NULL;
		for (char *prop = strtok_r(space + 1, ",", &save); prop; prop = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(prop, '=');
			if (!eq || eq == prop || !eq[1])
				continue;
			*eq = '\0';
			char **slot = !strcmp(prop, "file") ? &p->file : !strcmp(prop, "line") ? &p->line
								    : !strcmp(prop, "title") ? &p->title : NULL;
			if (slot) {
				free(*slot);
				*slot = runner_unescape(eq + 1, true);
			}
		}
	}
	free(info);
	p->data = runner_unescape(end + 2, false);
	return p->name[0] != '\0';
}

/* TryParse (the "##[" form) finds its prefix anywhere in a line. */
static bool runner_parse_legacy(const char *line)
{
	const char *pre = strstr(line, "##[");
	return pre && strchr(pre, ']');
}

/* ---- GitHub ------------------------------------------------------------------ */

static void test_annotation_round_trip(void **state)
{
	(void)state;
	static const char *const hostile[] = {
		"plain",
		"a:b,c",
		"%0A%25%3A%2C literal escapes",
		"100% sure%",
		"line\nbreak\rcarriage",
		"::error::inside",
		"title=x,line=9::data",
		"##[error]x",
		"tail ::",
		"%",
		"%%0A",
	};
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(hostile); j++) {
			struct strbuf sb = STRBUF_INIT;
			ci_github_annotation(&sb, "error", hostile[i], 7, hostile[j], hostile[(i + j) % ARRAY_SIZE(hostile)]);
			/* one line, the newline at its end */
			assert_int_equal(strchr(sb_str(&sb), '\n') - sb_str(&sb), (ptrdiff_t)sb.len - 1);
			assert_null(strchr(sb_str(&sb), '\r'));
			char *line = strndup(sb_str(&sb), sb.len - 1);
			struct parsed p;
			assert_true(runner_parse_v2(line, &p));
			assert_string_equal(p.name, "error");
			/* an empty value is dropped by the runner (RemoveEmptyEntries) */
			if (*hostile[i])
				assert_string_equal(p.file, hostile[i]);
			assert_string_equal(p.line, "7");
			assert_string_equal(p.title, hostile[j]);
			struct strbuf want = STRBUF_INIT;
			const char *msg = hostile[(i + j) % ARRAY_SIZE(hostile)];
			ci_log_text(&want, CI_GITHUB, msg, strlen(msg));
			assert_string_equal(p.data, sb_str(&want));
			sb_release(&want);
			parsed_free(&p);
			free(line);
			sb_release(&sb);
		}
	}
}

static void test_annotation_without_file(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	ci_github_annotation(&sb, "error", NULL, 12, "ch1.memory_256m: 0/5 points", "saw 512 MiB");
	assert_string_equal(sb_str(&sb), "::error title=ch1.memory_256m%3A 0/5 points::saw 512 MiB\n");
	sb_reset(&sb);
	ci_github_annotation(&sb, "error", "runqemu_single_vm.sh", 23, "t", "m");
	assert_string_equal(sb_str(&sb), "::error file=runqemu_single_vm.sh,line=23,title=t::m\n");
	sb_release(&sb);
}

/* Every string of up to 5 characters over the bytes that make commands:
 * neutralised, no form of command starts, wherever the text lands in a
 * line (alone, after vlab's words, after spaces), and no line breaks. */
static void test_log_text_exhaustive(void **state)
{
	(void)state;
	static const char alphabet[] = { ':', '#', '[', ']', ' ', 'a', '\r', '\n', '\t', '%' };
	const size_t na = sizeof(alphabet);
	char s[6];
	size_t total = 1;
	for (int len = 1; len <= 5; len++) {
		total *= na;
		for (size_t code = 0; code < total; code++) {
			size_t c = code;
			for (int k = 0; k < len; k++, c /= na)
				s[k] = alphabet[c % na];
			s[len] = '\0';
			static const char *const before[] = { "", "  ", "saw: ", "\xc2\xa0" };
			for (size_t b = 0; b < ARRAY_SIZE(before); b++) {
				struct strbuf sb = STRBUF_INIT;
				sb_adds(&sb, before[b]);
				ci_log_text(&sb, CI_GITHUB, s, (size_t)len);
				struct parsed p;
				if (runner_parse_v2(sb_str(&sb), &p))
					fail_msg("'%s' parses as ::%s:: after '%s'", s, p.name, before[b]);
				parsed_free(&p);
				assert_false(runner_parse_legacy(sb_str(&sb)));
				assert_null(strpbrk(sb_str(&sb), "\r\n"));
				assert_null(strstr(sb_str(&sb), "::"));
				sb_release(&sb);
			}
		}
	}
}

static void test_log_text_visible(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	const char *s = "::stop-commands::tok ##[group]x \033[2J :::";
	ci_log_text(&sb, CI_GITHUB, s, strlen(s));
	assert_string_equal(sb_str(&sb), ":\\x3astop-commands:\\x3atok #\\x23[group]x \\x1b[2J :\\x3a:");
	sb_reset(&sb);
	/* GitLab needs only the control bytes escaped */
	ci_log_text(&sb, CI_GITLAB, s, strlen(s));
	assert_string_equal(sb_str(&sb), "::stop-commands::tok ##[group]x \\x1b[2J :::");
	sb_reset(&sb);
	ci_log_lines(&sb, CI_GITHUB, "| ", "one\n::two\nthree\n\n", 2);
	assert_string_equal(sb_str(&sb), "| :\\x3atwo\n| three\n");
	sb_release(&sb);
}

static void test_outputs(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	ci_github_output(&sb, "score", "85", 1);
	ci_github_output(&sb, "reports", "/tmp/a=b<<c", 1);
	assert_string_equal(sb_str(&sb), "score=85\nreports=/tmp/a=b<<c\n");
	sb_reset(&sb);
	/* a value with a line break: the heredoc form, a delimiter not in it */
	ci_github_output(&sb, "reports", "/x\nVLAB_EOF_0000000000000001\n", 1);
	assert_string_equal(sb_str(&sb), "reports<<VLAB_EOF_0000000000000002\n/x\nVLAB_EOF_0000000000000001\n\n"
					 "VLAB_EOF_0000000000000002\n");
	sb_release(&sb);
}

static void test_kinds(void **state)
{
	(void)state;
	enum ci_kind k;
	assert_int_equal(ci_kind_parse("github", &k), 0);
	assert_int_equal(k, CI_GITHUB);
	assert_int_equal(ci_kind_parse("auto", &k), 0);
	assert_int_equal(k, CI_AUTO);
	assert_int_equal(ci_kind_parse("GitHub", &k), -1);
	assert_int_equal(ci_detect("true", "true"), CI_GITHUB);
	assert_int_equal(ci_detect(NULL, "true"), CI_GITLAB);
	assert_int_equal(ci_detect("1", NULL), CI_OFF);
	assert_int_equal(ci_detect(NULL, NULL), CI_OFF);
}

/* ---- Markdown ---------------------------------------------------------------- */

/* CommonMark read back: a backslash before ASCII punctuation is that
 * character; the five entities are theirs. New string. */
static char *markdown_unescape(const char *s)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&#39;", "'" } };
	struct strbuf sb = STRBUF_INIT;
	while (*s) {
		if (*s == '\\' && s[1] && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[1])) {
			sb_add(&sb, s + 1, 1);
			s += 2;
			continue;
		}
		bool done = false;
		for (size_t i = 0; i < ARRAY_SIZE(ent) && !done; i++) {
			if (!strncmp(s, ent[i][0], strlen(ent[i][0]))) {
				sb_adds(&sb, ent[i][1]);
				s += strlen(ent[i][0]);
				done = true;
			}
		}
		if (!done)
			sb_add(&sb, s++, 1);
	}
	char *r = xstrdup(sb_str(&sb));
	sb_release(&sb);
	return r;
}

/* Whether the character at s[i] is backslash-escaped (an odd run of
 * backslashes before it). */
static bool escaped_at(const char *s, size_t i)
{
	size_t n = 0;
	while (i > n && s[i - n - 1] == '\\')
		n++;
	return n % 2 == 1;
}

static void test_markdown_hostile_cells(void **state)
{
	(void)state;
	static const char *const hostile[] = {
		"a|b",
		"<script>alert(1)</script>",
		"[x](javascript:alert(1))",
		"](javascript:",
		"<img src=x onerror=alert(1)>",
		"https://evil.example/x and www.evil.example and a@b.example",
		"**bold** _em_ `code` ~~s~~",
		"\\|",
		"\\\\|",
		"&amp; &lt; &#x3C;",
		"line\nbreak | -- |",
		"\033[31mred",
		"# heading",
		"> quote",
		"![img](x)",
	};
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		struct strbuf sb = STRBUF_INIT;
		ci_markdown_text(&sb, hostile[i]);
		const char *md = sb_str(&sb);
		/* read back, it is the text as untrusted_text shows it */
		struct strbuf want = STRBUF_INIT;
		untrusted_text_append(&want, hostile[i], strlen(hostile[i]), 0);
		char *back = markdown_unescape(md);
		assert_string_equal(back, sb_str(&want));
		free(back);
		sb_release(&want);
		/* no raw HTML, one line, and nothing that structures Markdown
		 * (a cell's end, a link, emphasis, code) is left unescaped */
		assert_null(strpbrk(md, "<>\n\r"));
		for (size_t k = 0; md[k]; k++) {
			if (strchr("|[]()*_`!~#:/.@", md[k]) && !escaped_at(md, k))
				fail_msg("'%s': '%c' at %zu unescaped in '%s'", hostile[i], md[k], k, md);
		}
		assert_null(strstr(md, "://"));
		assert_null(strstr(md, "www."));
		sb_release(&sb);
	}
}

static json_t *load_results(void)
{
	json_error_t e;
	json_t *r = json_load_file(FIXTURES "/grade-report/results.json", 0, &e);
	if (!r)
		fail_msg("results.json:%d: %s", e.line, e.text);
	return r;
}

static void test_summary_self_failed_first(void **state)
{
	(void)state;
	json_t *all = load_results();
	json_t *one = json_array();
	json_array_append(one, json_array_get(all, 0));
	struct strbuf sb = STRBUF_INIT;
	ci_summary_markdown(&sb, one, true, "/tmp/r", 1 << 20);
	const char *md = sb_str(&sb);
	assert_contains(md, "## vlab grade: alice: 15/25 points");
	const char *failed = strstr(md, "ch1\\.cmdline\\_memory");
	const char *passed = strstr(md, "ch1\\.qemu\\_running");
	assert_non_null(failed);
	assert_non_null(passed);
	assert_true(failed < passed);
	assert_contains(md, "use \\-m 256M");
	/* the detail's newline did not end the row */
	assert_contains(md, "\\x0asecond line");
	/* every table row has the header's cells: no '|' of a detail split one */
	for (const char *row = md; (row = strstr(row, "\n| ")); row++) {
		const char *end = strchr(row + 1, '\n');
		size_t cells = 0;
		for (const char *p = row + 1; p < end; p++)
			cells += *p == '|' && !escaped_at(row, (size_t)(p - row));
		assert_true(cells == 5 || cells == 6);
	}
	sb_release(&sb);
	json_decref(one);
	json_decref(all);
}

static void test_summary_class_capped(void **state)
{
	(void)state;
	json_t *all = load_results();
	struct strbuf sb = STRBUF_INIT;
	ci_summary_markdown(&sb, all, false, "/tmp/r", 1 << 20);
	assert_contains(sb_str(&sb), "| alice | 15/25 | ch1\\.cmdline\\_memory, ch1\\.memory\\_256m |");
	assert_contains(sb_str(&sb), "<details><summary>alice: 15/25</summary>");
	size_t whole = sb.len;
	sb_reset(&sb);
	ci_summary_markdown(&sb, all, false, "/tmp/r", 200);
	assert_true(sb.len < whole);
	assert_contains(sb_str(&sb), "the details stop here");
	assert_null(strstr(sb_str(&sb), "<details>"));
	sb_reset(&sb);
	ci_summary_markdown(&sb, all, false, "/tmp/r", 50);
	assert_contains(sb_str(&sb), "the summary stops here");
	assert_null(strstr(sb_str(&sb), "| alice |"));
	sb_release(&sb);
	json_decref(all);
}

/* ---- GitLab ------------------------------------------------------------------ */

static void test_gitlab_sections(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	ci_gitlab_section_start(&sb, 1700000000, "vlab_feedback", "the feedback \033[2J", true);
	ci_gitlab_section_end(&sb, 1700000001, "vlab_feedback");
	assert_string_equal(sb_str(&sb), "\033[0Ksection_start:1700000000:vlab_feedback[collapsed=true]\r\033[0Kthe "
					 "feedback \\x1b[2J\n\033[0Ksection_end:1700000001:vlab_feedback\r\033[0K\n");
	sb_release(&sb);
	assert_true(ci_gitlab_section_name_ok("vlab_script-output.1"));
	assert_false(ci_gitlab_section_name_ok(""));
	assert_false(ci_gitlab_section_name_ok("a b"));
	assert_false(ci_gitlab_section_name_ok("a:b"));
	assert_false(ci_gitlab_section_name_ok("a[collapsed=true]"));
}

/* ---- the script's lines -------------------------------------------------------- */

/* The 1-based line of s that holds needle first, found plainly. */
static int line_of(const char *s, const char *needle)
{
	const char *at = strstr(s, needle);
	assert_non_null(at);
	int line = 1;
	for (const char *p = s; p < at; p++)
		line += *p == '\n';
	return line;
}

static void test_script_line_reference(void **state)
{
	(void)state;
	char *s = fixture_text("../../assets/lab/reference/runqemu_single_vm.sh");
	size_t n = strlen(s);
	assert_int_equal(ci_script_line(s, n, "ch1.cmdline_memory"), line_of(s, "-m 256M"));
	assert_int_equal(ci_script_line(s, n, "ch1.cmdline_kvm"), line_of(s, "-enable-kvm"));
	assert_int_equal(ci_script_line(s, n, "ch1.cmdline_cpu_host"), line_of(s, "-cpu host"));
	assert_int_equal(ci_script_line(s, n, "ch1.cmdline_virtio_blk"), line_of(s, "-device virtio-blk"));
	assert_int_equal(ci_script_line(s, n, "ch1.cmdline_serial_socket"), line_of(s, "-device isa-serial"));
	assert_int_equal(ci_script_line(s, n, "ch2.cmdline_nic"), line_of(s, "-device e1000"));
	/* a check of the command with no option of its own: the command's line */
	assert_int_equal(ci_script_line(s, n, "ch1.cmdline_other"), line_of(s, "qemu-system-x86_64 \\"));
	free(s);
}

static void test_script_line_shapes(void **state)
{
	(void)state;
	static const struct {
		const char *script;
		const char *check;
		int line;
	} cases[] = {
		/* commented out, echoed, quoted: not the command */
		{ "#!/bin/bash\n# qemu-system-x86_64 -m 1G\necho \"qemu-system-x86_64 -m 2G\"\nsudo -E qemu-system-x86_64 \\\n"
		  "  -nographic \\\n  --m 256M\n", "ch1.cmdline_memory", 6 },
		{ "qemu-system-x86_64 -m 1G -cpu host\n", "ch1.cmdline_cpu_host", 1 },
		/* built from a variable: not found */
		{ "QEMU=qemu-system-x86_64\n$QEMU -m 1G\n", "ch1.cmdline_memory", 0 },
		/* an assignment and exec before it; a path; quotes over lines */
		{ "X=1 exec /usr/bin/qemu-system-x86_64 -append \"a\nb\" \\\n -m 1G\n", "ch1.cmdline_memory", 3 },
		/* the last -m wins, as in qemu */
		{ "qemu-system-x86_64 -m 1G \\\n -m 256M\n", "ch1.cmdline_memory", 2 },
		/* a '#' inside a word is no comment; ; ends a command */
		{ "cd x; qemu-system-x86_64 -name a#b \\\n -m 1\n", "ch1.cmdline_memory", 2 },
		/* no -m at all: the command's own line */
		{ "\n\nqemu-system-x86_64 \\\n -cpu host\n", "ch1.cmdline_memory", 3 },
		/* -device of another kind is not the NIC */
		{ "qemu-system-x86_64 \\\n -device virtio-blk-pci \\\n -device e1000,mac=x\n", "ch2.cmdline_nic", 3 },
		{ "", "ch1.cmdline_memory", 0 },
		{ "qemu-system-x86_64 'unterminated", "ch1.cmdline_memory", 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = ci_script_line(cases[i].script, strlen(cases[i].script), cases[i].check);
		if (got != cases[i].line)
			fail_msg("case %zu: line %d, want %d", i, got, cases[i].line);
	}
	assert_true(ci_check_is_cmdline("ch1.cmdline_memory"));
	assert_false(ci_check_is_cmdline("ch1.memory_256m"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annotation_round_trip), cmocka_unit_test(test_annotation_without_file),
		cmocka_unit_test(test_log_text_exhaustive),   cmocka_unit_test(test_log_text_visible),
		cmocka_unit_test(test_outputs),		      cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_markdown_hostile_cells), cmocka_unit_test(test_summary_self_failed_first),
		cmocka_unit_test(test_summary_class_capped),  cmocka_unit_test(test_gitlab_sections),
		cmocka_unit_test(test_script_line_reference), cmocka_unit_test(test_script_line_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
