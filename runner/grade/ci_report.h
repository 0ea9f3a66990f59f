/* `vlab grade --ci`: what a grading says in a CI system's own terms, as
 * pure functions of the result objects (runner/grade/grade_report.h) and
 * text; the command (runner/cmd/grade_ci.c) probes the environment and
 * writes the files.
 *
 * GitHub Actions reads workflow commands from every line a step prints
 * (actions/runner, src/Runner.Worker/Handlers/OutputManager.cs and
 * src/Runner.Common/ActionCommand.cs):
 *   - "::NAME k=v,k=v::DATA": a line whose text, leading whitespace trimmed
 *     (.NET TrimStart), starts with "::", NAME a registered command (error,
 *     warning, group, add-mask, stop-commands, ...), matched without case;
 *   - "##[NAME k=v;k=v]DATA": the older form, found ANYWHERE in a line
 *     (IndexOf), not only at its start; the log view also draws the lines
 *     the runner itself writes as "##[group]", "##[error]", ...;
 *   - a line ends at \n, \r or \r\n (StreamReader.ReadLine).
 * So text from a submission is printed only after ci_log_text: untrusted
 * text escaping (runner/untrusted_text.h: no \r, \n or ESC survives, so it
 * stays on vlab's line), then every "::" becomes ":\x3a" and every "##["
 * becomes "#\x23[" (visible, as untrusted_text's \xHH are). Neither
 * command form can then start in it, wherever in a line it lands.
 *
 * Why escaping and not "::stop-commands::TOKEN" around the text: stopped
 * commands still reach the log as they are, where a "##[group]" or
 * "##[error]" line is drawn as the runner's own; and a vlab killed between
 * the stop and "::TOKEN::" would leave every later command of the job
 * ignored. Escaping has neither gap and needs no state.
 *
 * The job summary is GitHub-flavoured Markdown rendered with HTML: text
 * from a submission goes in through ci_markdown_text (every ASCII
 * punctuation backslash-escaped, HTML's five specials as entities), so no
 * tag, link, autolink, emphasis or table cell boundary comes from it.
 *
 * GitLab's collapsible sections (docs.gitlab.com/ee/ci/jobs/job_logs.html,
 * "Custom collapsible sections"): "\e[0Ksection_start:UNIX_TIME:NAME
 * [collapsed=true]\r\e[0KHeader" ... "\e[0Ksection_end:UNIX_TIME:NAME\r\e[0K",
 * NAME of [A-Za-z0-9_.-] (GitLab's Gitlab::Regex.logs_section_prefix_regex).
 * untrusted_text already keeps ESC and \r out of a submission's text, so
 * no marker can come from one. */
#ifndef VLAB_CI_REPORT_H
#define VLAB_CI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "runner/util.h"

enum ci_kind {
	CI_OFF,
	CI_GITHUB,
	CI_GITLAB,
	CI_AUTO, /* only as a request: decided by ci_detect */
};

/* "auto", "github", "gitlab" or "off": 0, or -1 when s is none of them. */
int ci_kind_parse(const char *s, enum ci_kind *out);
/* The CI an "auto" request means, from the values of GITHUB_ACTIONS and
 * GITLAB_CI (NULL when unset): GitHub when the first is "true", GitLab when
 * the second is, else off. */
enum ci_kind ci_detect(const char *github_actions, const char *gitlab_ci);
const char *ci_kind_name(enum ci_kind k);

/* s[0..n) from a submission, for one line of a CI log (see above). */
void ci_log_text(struct strbuf *sb, enum ci_kind k, const char *s, size_t n);
/* Each line of text (lines end at '\n'), prefix before each, through
 * ci_log_text, each ended with '\n'; at most max_lines, the last ones
 * (0: all). */
void ci_log_lines(struct strbuf *sb, enum ci_kind k, const char *prefix, const char *text, size_t max_lines);

/* GitHub's workflow command escaping (ActionCommand.cs's mappings): a
 * command's data ('%', '\r', '\n'), a property's value (and ':', ','). */
void ci_github_escape_data(struct strbuf *sb, const char *s);
void ci_github_escape_property(struct strbuf *sb, const char *s);
/* "::LEVEL file=F,line=N,title=T::MESSAGE\n": file NULL for none, line 0
 * for none, title NULL for none; the message goes through ci_log_text
 * first. */
void ci_github_annotation(struct strbuf *sb, const char *level, const char *file, int line, const char *title,
			  const char *message);
/* A step output line (FileCommandManager.cs): "name=value\n", or the
 * "name<<DELIM" form when value holds a line break (delim_seed makes the
 * delimiter, which is checked not to occur in value). */
void ci_github_output(struct strbuf *sb, const char *name, const char *value, unsigned long long delim_seed);

/* s as Markdown inline text, safe in a GFM table cell (see above). */
void ci_markdown_text(struct strbuf *sb, const char *s);
/* s as HTML text (&, <, >, ", ' as entities). */
void ci_html_text(struct strbuf *sb, const char *s);

/* The job summary of results (an array of result objects): for --self
 * (self) the one submission's score and every check, failed ones first with
 * what to do; for a class, a table of the submissions and each one's
 * failed checks. reports names the directory of the reports. What goes
 * past cap bytes is left out, saying so (GitHub keeps 1 MiB of a step's
 * summary). */
void ci_summary_markdown(struct strbuf *sb, const json_t *results, bool self, const char *reports, size_t cap);
/* The same for a log, as text: the score and each check that failed, its
 * detail and what to do, through ci_log_text. */
void ci_summary_text(struct strbuf *sb, enum ci_kind k, const json_t *results, bool self);

/* A GitLab section's name is [A-Za-z0-9_.-]+. */
bool ci_gitlab_section_name_ok(const char *name);
/* The start and end lines of section name (valid: callers pass vlab's own
 * names), at the UNIX time t; header is vlab's text. */
void ci_gitlab_section_start(struct strbuf *sb, long long t, const char *name, const char *header, bool collapsed);
void ci_gitlab_section_end(struct strbuf *sb, long long t, const char *name);

/* Whether check id judges the qemu command line (its failure belongs to a
 * line of the script). */
bool ci_check_is_cmdline(const char *id);
/* The line (1-based) of the script text s[0..n) that check id's failure
 * points at: the line of the option the check judges in the script's
 * first qemu-system-x86_64 command (the command's own line when the
 * option is not there), or 0 when no such command is written in the script
 * (one built from variables, say). Shell words are read as bash reads them
 * for this: quotes, backslash-newline continuations, comments. */
int ci_script_line(const char *s, size_t n, const char *check_id);

#endif
