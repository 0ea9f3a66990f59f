/* The config file and sha256 lists (pure parsers, plus where the config lives). */
#include "runner/fetch/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"
#include "runner/files.h"

#define fail parse_error_at

/* Calls fn on each line (without its newline, trailing blanks trimmed,
 * leading blanks skipped), numbered from 1; skips blank and '#' lines.
 * The text need not be NUL-terminated and may hold NUL bytes (a line with
 * one is refused by the caller, which sees it shorter than its length). */
typedef int (*line_fn)(char *line, size_t len, int lineno, void *arg);

static int each_line(const char *text, size_t len, line_fn fn, void *arg)
{
	size_t pos = 0;
	int lineno = 0;
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		lineno++;
		char *line = xstrndup(start, n);
		size_t real = strlen(line);
		rtrim(line);
		char *s = line + strspn(line, " \t");
		int r = 0;
		if (*s && *s != '#')
			r = fn(s, real < n ? (size_t)-1 : strlen(s), lineno, arg);
		free(line);
		if (r)
			return r;
	}
	return 0;
}

struct config_ctx {
	struct vlab_config *c;
	const char *origin;
	char *err;
	size_t errlen;
};

static int config_line(char *s, size_t len, int lineno, void *arg)
{
	struct config_ctx *x = arg;
	if (len == (size_t)-1)
		return fail(x->err, x->errlen, x->origin, lineno, "a NUL byte in the line");
	char *value = s + strcspn(s, " \t");
	if (*value) {
		*value++ = '\0';
		value += strspn(value, " \t");
	}
	if (!strcmp(s, "mirror")) {
		if (!*value)
			return fail(x->err, x->errlen, x->origin, lineno, "'mirror' needs a URL");
		if (strcspn(value, " \t") != strlen(value))
			return fail(x->err, x->errlen, x->origin, lineno, "'mirror' takes one URL, no spaces");
		if (strlen(value) >= sizeof(x->c->mirror))
			return fail(x->err, x->errlen, x->origin, lineno, "the mirror URL is longer than %zu bytes",
				    sizeof(x->c->mirror) - 1);
		snprintf(x->c->mirror, sizeof(x->c->mirror), "%s", value);
		x->c->mirror_line = lineno;
		return 0;
	}
	return fail(x->err, x->errlen, x->origin, lineno, "unknown key '%s' (known: mirror)", s);
}

int config_parse(const char *text, size_t len, const char *origin, struct vlab_config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	struct config_ctx x = { c, origin, err, errlen };
	return each_line(text, len, config_line, &x);
}

const char *config_path(void)
{
	static char *path;
	if (path)
		return path;
	const char *env = getenv("VLAB_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (env && *env)
		path = xstrdup(env);
	else if (xdg && *xdg == '/')
		path = xasprintf("%s/vlab/config", xdg);
	else
		path = xasprintf("%s/.config/vlab/config", home && *home ? home : "/root");
	return path;
}

int config_load(struct vlab_config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(config_path(), &sb);
	if (r == -ENOENT) {
		sb_release(&sb);
		return 0;
	}
	if (r) {
		snprintf(err, errlen, "cannot read the config '%s': %s", config_path(), strerror(-r));
		sb_release(&sb);
		return -EINVAL;
	}
	r = config_parse(sb.buf ? sb.buf : "", sb.len, config_path(), c, err, errlen);
	sb_release(&sb);
	return r;
}

/* ---- sha256 lists -------------------------------------------------------- */

struct sums_ctx {
	struct sha256sums *out;
	const char *origin;
	char *err;
	size_t errlen;
};

static bool hex64(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return false;
	return true;
}

static int add_sum(struct sums_ctx *x, int lineno, const char *hex, const char *name, size_t namelen)
{
	/* "dir/alpine-bzImage" names the same file as "alpine-bzImage" */
	for (size_t i = namelen; i > 0; i--) {
		if (name[i - 1] == '/') {
			namelen -= i;
			name += i;
			break;
		}
	}
	if (!namelen || namelen >= sizeof(x->out->entries[0].name))
		return fail(x->err, x->errlen, x->origin, lineno, "no file name, or one too long");
	if (x->out->n >= SHA256SUMS_MAX)
		return fail(x->err, x->errlen, x->origin, lineno, "more than %d files", SHA256SUMS_MAX);
	struct sha256sum_entry *e = &x->out->entries[x->out->n++];
	snprintf(e->name, sizeof(e->name), "%.*s", (int)namelen, name);
	for (int i = 0; i < 64; i++)
		e->sha256[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
	e->sha256[64] = '\0';
	return 0;
}

static int sums_line(char *s, size_t len, int lineno, void *arg)
{
	struct sums_ctx *x = arg;
	if (len == (size_t)-1)
		return fail(x->err, x->errlen, x->origin, lineno, "a NUL byte in the line");
	/* BSD form: SHA256 (NAME) = HEX */
	if (starts_with(s, "SHA256 (")) {
		char *name = s + 8;
		char *close = strstr(name, ") = ");
		if (!close || !hex64(close + 4, strlen(close + 4)))
			return fail(x->err, x->errlen, x->origin, lineno, "not 'SHA256 (NAME) = 64 hex digits'");
		return add_sum(x, lineno, close + 4, name, (size_t)(close - name));
	}
	/* GNU form: HEX, one space, then a space (text) or '*' (binary), NAME */
	size_t hexlen = strcspn(s, " \t");
	if (!hex64(s, hexlen))
		return fail(x->err, x->errlen, x->origin, lineno, "not a sha256 line ('HEX  NAME', as sha256sum prints)");
	char *name = s + hexlen;
	name += strspn(name, " \t");
	if (*name == '*')
		name++;
	return add_sum(x, lineno, s, name, strlen(name));
}

int sha256sums_parse(const char *text, size_t len, const char *origin, struct sha256sums *out, char *err,
		     size_t errlen)
{
	memset(out, 0, sizeof(*out));
	struct sums_ctx x = { out, origin, err, errlen };
	return each_line(text, len, sums_line, &x);
}

const char *sha256sums_find(const struct sha256sums *s, const char *name)
{
	for (int i = s->n - 1; i >= 0; i--)
		if (!strcmp(s->entries[i].name, name))
			return s->entries[i].sha256;
	return NULL;
}
