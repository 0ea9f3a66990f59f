/* vlab-docgen: the build's generator of vlab's man pages and bash
 * completion, from the same command and option tables that vlab's --help
 * and getopt use (runner/cmd/options.h), so none of them can drift.
 *
 *   vlab-docgen man NAME FRAGMENT DATE   the page vlab(1) or vlab-CMD(1):
 *                                        .TH, NAME and SYNOPSIS, then the
 *                                        hand-written FRAGMENT (assets/man/)
 *                                        with its @OPTIONS@ (and, in vlab(1),
 *                                        @COMMANDS@, in vlab-grade(1) @CHECKS@)
 *                                        line replaced; any other @WORD@
 *                                        fails the page
 *   vlab-docgen completion               the bash completion script
 *   vlab-docgen options                  "COMMAND --option" per documented
 *                                        option, for the test that holds
 *                                        --help, the pages and the completion
 *                                        to the tables
 * Output goes to stdout; the Makefile writes it to a temporary file and
 * renames it, so a failed run leaves no half page. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check_registry.h"
#include "runner/chapter.h"
#include "runner/cmd/options.h"
#include "runner/util.h"
#include "runner/files.h"
#include "runner/fetch/manifest.h"

/* Text into roff: a backslash as \e, a dash that starts a word (an
 * option) as \-, and a line that would start with a control character
 * guarded by \&. */
static void roff_text(FILE *f, const char *s, size_t len)
{
	if (len && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", f);
	for (size_t i = 0; i < len; i++) {
		char c = s[i], before = i ? s[i - 1] : ' ';
		if (c == '\\')
			fputs("\\e", f);
		else if (c == '-' && (before == ' ' || before == '-' || before == '[' || before == '(' ||
				      before == '|' || before == '`' || before == '\''))
			fputs("\\-", f);
		else
			fputc(c, f);
	}
}

static void roff_line(FILE *f, const char *s)
{
	roff_text(f, s, strlen(s));
	fputc('\n', f);
}

static void man_option(FILE *f, const struct opt *row, const char *help)
{
	const struct opt *o = opt_def(row);
	fputs(".TP\n", f);
	if (o->id == OPT_OPERAND) {
		fputs("\\fI", f);
		roff_text(f, o->name, strlen(o->name));
		fputs("\\fR\n", f);
	} else {
		if (o->short_name)
			fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
		fputs("\\fB\\-\\-", f);
		roff_text(f, o->name, strlen(o->name));
		fputs("\\fR", f);
		if (o->arg) {
			fputs(" \\fI", f);
			roff_text(f, o->arg, strlen(o->arg));
			fputs("\\fR", f);
		}
		fputc('\n', f);
	}
	/* the help's lines; an indented one (a sub-list) starts a new line */
	const char *line = help;
	for (;;) {
		size_t len = strcspn(line, "\n");
		size_t lead = strspn(line, " ");
		if (line != help && lead >= 2 && lead < len)
			fputs(".br\n", f);
		roff_text(f, line + lead, len - lead);
		fputc('\n', f);
		if (!line[len])
			break;
		line += len + 1;
	}
}

static void man_options(FILE *f, const struct command *c)
{
	fputs(".SH OPTIONS\n", f);
	for (const struct opt *o = c->opts; !opt_is_end(o); o++) {
		char buf[512];
		const char *help = opt_help(o, buf, sizeof(buf));
		if (help)
			man_option(f, o, help);
	}
	fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nthis help, and nothing else\n", f);
	if (c->epilogue) {
		fputs(".PP\n", f);
		const char *line = c->epilogue;
		while (*line) {
			size_t len = strcspn(line, "\n");
			roff_text(f, line, len);
			fputc('\n', f);
			line += len + (line[len] == '\n');
		}
	}
	if (c->needs) {
		fputs(".PP\nNeeds ", f);
		fprintf(f, "%s%s%s%s%s.\n", c->needs & NEEDS_ROOT ? "root" : "",
			(c->needs & NEEDS_ROOT) && (c->needs & ~NEEDS_ROOT) ? ", " : "",
			c->needs & NEEDS_IMAGE ? "a guest image" : "",
			(c->needs & NEEDS_IMAGE) && (c->needs & NEEDS_NETWORK) ? ", " : "",
			c->needs & NEEDS_NETWORK ? "the network (a course mirror)" : "");
	}
}

static void man_commands(FILE *f)
{
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < ncommands; i++) {
		const struct command *c = commands[i];
		fprintf(f, ".TP\n.BR vlab\\-%s (1)\n", c->name);
		roff_line(f, c->summary);
	}
}

/* vlab(1)'s own options: what main() (runner/cmd/main.c) takes before a
 * command. They are not in a command's table, so they are written here. */
static void man_main_options(FILE *f)
{
	fputs(".SH OPTIONS\n"
	      ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\n"
	      "the list of commands, and nothing else;\n"
	      ".B vlab\n.I COMMAND\n.B \\-\\-help\n"
	      "gives a command's options\n"
	      ".TP\n\\fB\\-\\-version\\fR\n"
	      "vlab's version, as\n.B vlab version\nprints it\n",
	      f);
}

/* vlab-grade(1)'s list of the checks a rubric may name, from the check
 * registry (checks/check_registry.h) that the rubric parser reads, so the
 * page names every one and no other: id, evidence, title. */
static void man_checks(FILE *f)
{
	for (size_t i = 0; i < ncheck_registry; i++) {
		const struct check_row *row = &check_registry[i];
		if (!(row->earned & EARNED_GRADE))
			continue;
		fputs(".TP\n.B ", f);
		roff_line(f, row->id);
		fprintf(f, "(evidence=%s) ", check_evidence_name(row->evidence));
		roff_line(f, row->title);
	}
}

/* Whether the LEN bytes at LINE hold @WORD@ (WORD: capitals, digits, _),
 * the form of a placeholder; its length and start go to *WLEN, *AT. */
static bool holds_placeholder(const char *line, size_t len, size_t *at, size_t *wlen)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] != '@')
			continue;
		size_t j = i + 1;
		while (j < len && ((line[j] >= 'A' && line[j] <= 'Z') || (line[j] >= '0' && line[j] <= '9') ||
				   line[j] == '_'))
			j++;
		if (j > i + 1 && j < len && line[j] == '@') {
			*at = i;
			*wlen = j + 1 - i;
			return true;
		}
	}
	return false;
}

/* The fragment with its placeholders filled: @OPTIONS@ in every page,
 * @COMMANDS@ in vlab(1) only, each once. Any other @WORD@ would reach the
 * reader as it stands (man vlab once showed "@OPTIONS@"), so it is refused,
 * naming the page, the fragment's line and the word. */
static int man_body(FILE *f, const char *name, const struct command *c, const char *fragment, const char *line)
{
	int seen_options = 0, seen_commands = 0, seen_checks = 0;
	for (int lineno = 1; *line; lineno++) {
		size_t len = strcspn(line, "\n"), at, wlen;
		if (len == 9 && !strncmp(line, "@OPTIONS@", 9)) {
			if (c)
				man_options(f, c);
			else
				man_main_options(f);
			seen_options++;
		} else if (len == 10 && !strncmp(line, "@COMMANDS@", 10) && !c) {
			man_commands(f);
			seen_commands++;
		} else if (len == 8 && !strncmp(line, "@CHECKS@", 8) && c && !strcmp(c->name, "grade")) {
			man_checks(f);
			seen_checks++;
		} else if (holds_placeholder(line, len, &at, &wlen)) {
			fprintf(stderr, "vlab-docgen: the page %s: %s line %d holds '%.*s', which nothing fills; "
					"remove it (the page's placeholders are @OPTIONS@%s)\n",
				name, fragment, lineno, (int)wlen, line + at,
				!c				 ? " and @COMMANDS@"
				: !strcmp(c->name, "grade") ? " and @CHECKS@"
								 : "");
			return 1;
		} else {
			fwrite(line, 1, len, f);
			fputc('\n', f);
		}
		line += len + (line[len] == '\n');
	}
	if (c && !strcmp(c->name, "grade") && seen_checks != 1) {
		fprintf(stderr, "vlab-docgen: the page %s: %s must hold one line @CHECKS@ (the checks a rubric may name)\n",
			name, fragment);
		return 1;
	}
	if (seen_options != 1 || (!c && seen_commands != 1)) {
		fprintf(stderr, "vlab-docgen: the page %s: %s must hold one line @OPTIONS@%s\n", name, fragment,
			c ? "" : " and one line @COMMANDS@");
		return 1;
	}
	return 0;
}

static void upper(const char *s, char *out, size_t n)
{
	size_t i = 0;
	for (; s[i] && i + 1 < n; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
	out[i] = 0;
}

static int man(const char *name, const char *fragment, const char *date)
{
	const struct command *c = NULL;
	if (strcmp(name, "vlab")) {
		if (strncmp(name, "vlab-", 5) || !(c = command_find(name + 5))) {
			fprintf(stderr, "vlab-docgen: no command for the page '%s'\n", name);
			return 2;
		}
	}
	struct strbuf text = STRBUF_INIT;
	int r = read_file(fragment, &text);
	if (r) {
		fprintf(stderr, "vlab-docgen: cannot read %s: %s\n", fragment, strerror(-r));
		return 1;
	}
	char up[64];
	upper(name, up, sizeof(up));
	FILE *f = stdout;
	fprintf(f, ".\\\" generated by the build from vlab's option tables and %s\n", fragment);
	fputs(".TH ", f);
	roff_text(f, up, strlen(up));
	/* no hyphenation: option names, check ids and paths read as typed */
	fprintf(f, " 1 \"%s\" \"vlab %s\" \"vlab manual\"\n.nh\n.SH NAME\n", date, VLAB_VERSION);
	roff_text(f, name, strlen(name));
	fputs(" \\- ", f);
	roff_line(f, c ? (c->man_name ? c->man_name : c->summary) : "run and check a QEMU/KVM virtualization lab");
	fputs(".SH SYNOPSIS\n", f);
	if (c) {
		fprintf(f, ".B vlab %s\n", c->name);
		if (c->usage[0])
			roff_line(f, c->usage);
	} else {
		fputs(".B vlab\n.I COMMAND\n[options]\n", f);
	}
	r = man_body(f, name, c, fragment, sb_str(&text));
	sb_release(&text);
	if (r)
		return r;
	return fflush(f) ? 1 : 0;
}

/* ---- bash completion ------------------------------------------------------ */

/* Steps of several chapters share names ("boot"): each name once. */
static bool step_named_before(size_t ch, size_t step)
{
	const char *name = chapters[ch]->steps[step].name;
	for (size_t i = 0; i <= ch; i++)
		for (size_t s = 0; s < (i == ch ? step : chapters[i]->nsteps); s++)
			if (!strcmp(chapters[i]->steps[s].name, name))
				return true;
	return false;
}

static void words_of(FILE *f, const struct opt *row, const struct manifest *m)
{
	char buf[64];
	switch (opt_def(row)->complete) {
	case COMPLETE_WORDS:
		fprintf(f, "compgen -W '%s' -- \"$cur\"", opt_words(row, buf, sizeof(buf)));
		break;
	case COMPLETE_FILE:
		fputs("compgen -f -- \"$cur\"", f);
		break;
	case COMPLETE_DIR:
		fputs("compgen -d -- \"$cur\"", f);
		break;
	case COMPLETE_PROFILE:
		fputs("compgen -W '", f);
		for (int i = 0; i < m->nprofiles; i++)
			fprintf(f, "%s%s", i ? " " : "", m->profiles[i].name);
		fputs("' -- \"$cur\"", f);
		break;
	case COMPLETE_STEP:
		fputs("compgen -W '", f);
		for (size_t i = 0, n = 0; i < nchapters; i++)
			for (size_t s = 0; s < chapters[i]->nsteps; s++)
				if (!step_named_before(i, s))
					fprintf(f, "%s%s", n++ ? " " : "", chapters[i]->steps[s].name);
		fputs("' -- \"$cur\"", f);
		break;
	case COMPLETE_CHAPTER:
		fputs("compgen -W '", f);
		for (size_t i = 0; i < nchapters; i++)
			fprintf(f, "%s%d", i ? " " : "", chapters[i]->number);
		fputs("' -- \"$cur\"", f);
		break;
	case COMPLETE_COMMAND:
		fputs("compgen -W '", f);
		for (size_t i = 0; i < ncommands; i++)
			fprintf(f, "%s%s", i ? " " : "", commands[i]->name);
		fputs("' -- \"$cur\"", f);
		break;
	case COMPLETE_RUN:
		fputs("compgen -W \"$(_vlab_runs)\" -- \"$cur\"", f);
		break;
	case COMPLETE_NONE:
		fputs(":", f);
		break;
	}
}

static void completion_command(FILE *f, const struct command *c, const struct manifest *m)
{
	fprintf(f, "\t%s)\n\t\tcase $prev in\n", c->name);
	for (const struct opt *row = c->opts; !opt_is_end(row); row++) {
		const struct opt *o = opt_def(row);
		if (o->id == OPT_OPERAND || !o->arg)
			continue;
		fprintf(f, "\t\t--%s", o->name);
		if (o->short_name)
			fprintf(f, "|-%c", o->short_name);
		fputs(") COMPREPLY=($(", f);
		words_of(f, row, m);
		fputs(")); return ;;\n", f);
	}
	fputs("\t\tesac\n\t\topts='", f);
	for (const struct opt *row = c->opts; !opt_is_end(row); row++) {
		const struct opt *o = opt_def(row);
		char buf[512];
		if (o->id != OPT_OPERAND && opt_help(row, buf, sizeof(buf))) {
			fprintf(f, "--%s ", o->name);
			if (o->short_name)
				fprintf(f, "-%c ", o->short_name);
		}
	}
	fputs("--help'\n\t\tcase $nop in\n", f);
	int k = 0;
	const struct opt *last = NULL;
	for (const struct opt *o = c->opts; !opt_is_end(o); o++) {
		if (opt_def(o)->id != OPT_OPERAND)
			continue;
		fprintf(f, "\t\t%d) ops=$(", k++);
		words_of(f, o, m);
		fputs(") ;;\n", f);
		last = o;
	}
	/* the last operand repeats (FILE..., SUBMISSION...) */
	fputs("\t\t*) ops=$(", f);
	if (last)
		words_of(f, last, m);
	else
		fputs(":", f);
	fputs(") ;;\n\t\tesac\n\t\t;;\n", f);
}

static int completion(void)
{
	struct manifest *m = xcalloc(1, sizeof(*m));
	char err[256];
	if (manifest_parse(builtin_profiles_manifest, "builtin", m, err, sizeof(err))) {
		fprintf(stderr, "vlab-docgen: the built-in manifest: %s\n", err);
		free(m);
		return 1;
	}
	FILE *f = stdout;
	fputs("# bash completion for vlab: commands, options, chapter numbers, image\n"
	      "# profiles and step names. Generated by the build from vlab's option\n"
	      "# tables (runner/cmd/options.h); do not edit.\n"
	      "_vlab_runs() {\n"
	      "\tlocal d=${VLAB_RUN_DIR:-}\n"
	      "\tif [ -z \"$d\" ]; then\n"
	      "\t\tif [ \"$(id -u)\" = 0 ]; then d=/run/vlab\n"
	      "\t\telif [ -n \"${XDG_RUNTIME_DIR:-}\" ]; then d=$XDG_RUNTIME_DIR/vlab\n"
	      "\t\telse d=/tmp/vlab-$(id -u); fi\n"
	      "\tfi\n"
	      "\tls \"$d\" 2>/dev/null\n"
	      "}\n\n"
	      "_vlab() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal opts='' ops='' nop=0 i\n"
	      "\tCOMPREPLY=()\n"
	      "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W '",
	      f);
	for (size_t i = 0; i < ncommands; i++)
		fprintf(f, "%s ", commands[i]->name);
	fputs("--help --version' -- \"$cur\"))\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\t# operands before this word (an option's value is no operand)\n"
	      "\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) case ${COMP_WORDS[i-1]} in\n",
	      f);
	/* every option that takes a value, of any command */
	fputs("\t\t\t", f);
	bool first = true;
	for (size_t i = 0; i < ncommands; i++)
		for (const struct opt *row = commands[i]->opts; !opt_is_end(row); row++) {
			const struct opt *o = opt_def(row);
			if (o->id != OPT_OPERAND && o->arg) {
				fprintf(f, "%s--%s", first ? "" : "|", o->name);
				if (o->short_name)
					fprintf(f, "|-%c", o->short_name);
				first = false;
			}
		}
	fputs(") ;;\n\t\t\t*) nop=$((nop + 1)) ;;\n\t\t\tesac ;;\n\t\tesac\n\tdone\n"
	      "\tcase ${COMP_WORDS[1]} in\n",
	      f);
	for (size_t i = 0; i < ncommands; i++)
		completion_command(f, commands[i], m);
	fputs("\t*) return ;;\n"
	      "\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tCOMPREPLY=($ops)\n"
	      "\tfi\n"
	      "}\n"
	      "complete -o default -F _vlab vlab\n",
	      f);
	manifest_release(m);
	free(m);
	return fflush(f) ? 1 : 0;
}

static int options(void)
{
	for (size_t i = 0; i < ncommands; i++)
		for (const struct opt *o = commands[i]->opts; !opt_is_end(o); o++) {
			char buf[512];
			if (opt_help(o, buf, sizeof(buf)))
				printf("%s %s%s\n", commands[i]->name, opt_def(o)->id == OPT_OPERAND ? "" : "--",
				       opt_def(o)->name);
		}
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "man"))
		return man(argv[2], argv[3], argv[4]);
	if (argc == 2 && !strcmp(argv[1], "completion"))
		return completion();
	if (argc == 2 && !strcmp(argv[1], "options"))
		return options();
	fprintf(stderr, "usage: vlab-docgen man NAME FRAGMENT DATE | completion | options\n");
	return 2;
}
