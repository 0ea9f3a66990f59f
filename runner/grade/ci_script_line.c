/* Where in a student's script a command-line check's failure belongs; see
 * ci_script_line in ci_report.h. The grading records the argv qemu got
 * (runner/grade/shim.h), not where the script wrote it, so the line is
 * found again in the script's text: its words read as bash splits them
 * (quotes, backslash-newline, comments, ; & | ( ) ending a command), each
 * word with the line it starts on. Pure. */
#include "runner/grade/ci_report.h"

#include <stdlib.h>
#include <string.h>

struct word {
	char *text;
	int line;
};

struct command_words {
	struct word *w;
	size_t n, cap;
};

static void words_add(struct command_words *c, struct strbuf *text, int line)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->w = xrealloc(c->w, c->cap * sizeof(*c->w));
	}
	c->w[c->n++] = (struct word){ xstrdup(sb_str(text)), line };
	sb_reset(text);
}

static void words_clear(struct command_words *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->w[i].text);
	c->n = 0;
}

/* The index of the command's program word: past NAME=value assignments and
 * the wrappers a script may put first (sudo and its options, exec, env,
 * command, nohup, time). */
static size_t program_word(const struct command_words *c)
{
	size_t i = 0;
	while (i < c->n) {
		const char *t = c->w[i].text;
		const char *eq = strchr(t, '=');
		bool assignment = eq && eq > t && strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
							     (size_t)(eq - t);
		if (assignment || !strcmp(t, "exec") || !strcmp(t, "env") || !strcmp(t, "command") ||
		    !strcmp(t, "nohup") || !strcmp(t, "time")) {
			i++;
		} else if (!strcmp(t, "sudo")) {
			for (i++; i < c->n && c->w[i].text[0] == '-'; i++)
				;
		} else {
			break;
		}
	}
	return i;
}

static bool is_qemu(const struct command_words *c)
{
	size_t p = program_word(c);
	if (p >= c->n)
		return false;
	const char *base = strrchr(c->w[p].text, '/');
	return !strcmp(base ? base + 1 : c->w[p].text, "qemu-system-x86_64");
}

/* Split s into commands; the first that runs qemu-system-x86_64 stays in
 * *out (true), or none does (false). */
static bool find_qemu_command(const char *s, size_t n, struct command_words *out)
{
	struct strbuf word = STRBUF_INIT;
	bool in_word = false, found = false;
	char quote = 0;
	int line = 1, word_line = 1;
	for (size_t i = 0; i < n && !found; i++) {
		char ch = s[i];
		if (ch == '\\' && quote != '\'' && i + 1 < n && s[i + 1] == '\n') {
			i++; /* a continuation: no character at all */
			line++;
			continue;
		}
		if (quote) {
			if (ch == quote) {
				quote = 0;
			} else if (quote == '"' && ch == '\\' && i + 1 < n && strchr("$`\"\\", s[i + 1])) {
				sb_add(&word, &s[++i], 1);
			} else {
				sb_add(&word, &ch, 1);
				line += ch == '\n';
			}
			continue;
		}
		bool ends_word = ch == ' ' || ch == '\t' || ch == '\n' || strchr(";&|()<>", ch);
		bool ends_command = ch == '\n' || strchr(";&|()", ch);
		if (ends_word) {
			if (in_word)
				words_add(out, &word, word_line);
			in_word = false;
			if (ends_command) {
				found = is_qemu(out);
				if (!found)
					words_clear(out);
			}
			line += ch == '\n';
			continue;
		}
		if (ch == '#' && !in_word) {
			while (i + 1 < n && s[i + 1] != '\n')
				i++;
			continue;
		}
		if (!in_word) {
			in_word = true;
			word_line = line;
		}
		if (ch == '\'' || ch == '"') {
			quote = ch;
		} else if (ch == '\\' && i + 1 < n) {
			sb_add(&word, &s[++i], 1);
		} else {
			sb_add(&word, &ch, 1);
		}
	}
	if (!found) {
		if (in_word)
			words_add(out, &word, word_line);
		found = is_qemu(out);
	}
	sb_release(&word);
	return found;
}

/* Which option of the command line each check judges, in the order they
 * are looked for: the option, and what its value starts with (NULL: any). */
static const struct {
	const char *check;
	const char *opt[4];
	const char *value[4];
} check_options[] = {
	{ "ch1.cmdline_kvm", { "-enable-kvm", "-accel", "-machine" }, { NULL } },
	{ "ch1.cmdline_cpu_host", { "-cpu" }, { NULL } },
	{ "ch1.cmdline_memory", { "-m" }, { NULL } },
	{ "ch1.cmdline_virtio_blk", { "-device", "-blockdev", "-drive" }, { "virtio-blk" } },
	{ "ch1.cmdline_serial_socket", { "-device", "-chardev", "-serial" }, { "isa-serial" } },
	{ "ch2.cmdline_nic", { "-device", "-netdev", "-nic", "-net" }, { "e1000" } },
};

/* qemu takes "--opt" as "-opt" */
static bool is_option(const char *word, const char *opt)
{
	return !strcmp(word, opt) || (word[0] == '-' && !strcmp(word + 1, opt));
}

bool ci_check_is_cmdline(const char *id)
{
	return strstr(id, ".cmdline_") != NULL;
}

int ci_script_line(const char *s, size_t n, const char *check_id)
{
	struct command_words c = { 0 };
	int line = 0;
	if (find_qemu_command(s, n, &c)) {
		line = c.w[program_word(&c)].line;
		for (size_t k = 0; k < ARRAY_SIZE(check_options); k++) {
			if (strcmp(check_options[k].check, check_id))
				continue;
			int at = 0;
			for (size_t o = 0; o < 4 && check_options[k].opt[o] && !at; o++) {
				const char *want = check_options[k].value[o];
				/* the last one: qemu takes the last -m, -cpu, ... */
				for (size_t i = program_word(&c) + 1; i < c.n; i++) {
					if (is_option(c.w[i].text, check_options[k].opt[o]) &&
					    (!want || (i + 1 < c.n && !strncmp(c.w[i + 1].text, want, strlen(want)))))
						at = c.w[i].line;
				}
			}
			if (at)
				line = at;
		}
	}
	words_clear(&c);
	free(c.w);
	return line;
}
