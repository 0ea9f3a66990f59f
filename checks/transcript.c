/* Reading a console transcript. */
#include "checks/transcript.h"

#include <string.h>

static int transcript_is_prompt_line(const char *line, size_t len, const char **after_prompt)
{
	/* the first "# " or "$ " within the first word (plus one space) */
	size_t i = 0;
	while (i < len && line[i] != ' ' && line[i] != '#' && line[i] != '$')
		i++;
	if (i < len && line[i] == ' ')
		i++;
	if (i + 1 < len && (line[i] == '#' || line[i] == '$') && line[i + 1] == ' ') {
		if (after_prompt)
			*after_prompt = line + i + 2;
		return 1;
	}
	/* a bare prompt at the very end: "~ #" after trailing blanks were cut */
	if (i + 1 == len && (line[i] == '#' || line[i] == '$')) {
		if (after_prompt)
			*after_prompt = line + len;
		return 1;
	}
	return 0;
}

static int is_login_line(const char *line, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++)
		if (!memcmp(line + i, "login:", 6))
			return 1;
	return 0;
}

static bool command_matches(const char *typed, size_t len, const char *prefix, const char *what, bool exact)
{
	size_t plen = strlen(prefix);
	if (exact)
		return len == plen && !memcmp(typed, prefix, plen);
	if (len < plen || memcmp(typed, prefix, plen))
		return false;
	if (!what)
		return true;
	size_t wlen = strlen(what);
	for (size_t i = 0; i + wlen <= len; i++)
		if (!memcmp(typed + i, what, wlen))
			return true;
	return false;
}

static size_t outputs(const char *text, const char *cmd, const char *what, bool exact, struct strbuf *outs,
		      size_t max);

size_t transcript_outputs(const char *text, const char *cmd, struct strbuf *outs, size_t max)
{
	return outputs(text, cmd, NULL, true, outs, max);
}

size_t transcript_outputs_like(const char *text, const char *prefix, const char *what, struct strbuf *outs,
			       size_t max)
{
	return outputs(text, prefix, what, false, outs, max);
}

static size_t outputs(const char *text, const char *cmd, const char *what, bool exact, struct strbuf *outs,
		      size_t max)
{
	size_t found = 0;
	struct strbuf *cur = NULL;
	const char *line = text;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
			len--;
		const char *after = NULL;
		bool prompt = transcript_is_prompt_line(line, len, &after);
		if (prompt || is_login_line(line, len))
			cur = NULL;
		if (prompt) {
			size_t rest = (size_t)(line + len - after);
			if (command_matches(after, rest, cmd, what, exact)) {
				if (found < max) {
					cur = &outs[found];
					sb_reset(cur);
				}
				found++;
			}
		} else if (cur && eol) {
			sb_add(cur, line, len);
			sb_adds(cur, "\n");
		}
		line = eol ? eol + 1 : NULL;
	}
	return found;
}

void transcript_last_lines(const char *text, int lines, char *out, size_t n)
{
	const char *end = text + strlen(text);
	const char *start[64];
	size_t len[64];
	int k = 0;
	if (lines > 64)
		lines = 64;
	/* from the end back, each non-empty line without its trailing spaces */
	while (end > text && k < lines) {
		const char *s = end;
		while (s > text && s[-1] != '\n')
			s--;
		const char *e = end;
		while (e > s && (e[-1] == ' ' || e[-1] == '\r'))
			e--;
		if (e > s) {
			start[k] = s;
			len[k] = (size_t)(e - s);
			k++;
		}
		end = s > text ? s - 1 : s;
	}
	struct strbuf sb = STRBUF_INIT;
	for (int i = k - 1; i >= 0; i--) {
		sb_add(&sb, start[i], len[i]);
		if (i)
			sb_adds(&sb, " | ");
	}
	text_printf(out, n, "%s", sb_str(&sb));
	sb_release(&sb);
}
