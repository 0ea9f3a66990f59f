/* Filling the CI templates; see ci_template.h. */
#include "runner/ci_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

int ci_forge_parse(const char *s, enum ci_forge *k)
{
	if (!strcmp(s, "github"))
		*k = CI_FORGE_GITHUB;
	else if (!strcmp(s, "gitlab"))
		*k = CI_FORGE_GITLAB;
	else
		return -1;
	return 0;
}

const char *ci_template_asset(enum ci_forge k, bool class_run)
{
	if (k == CI_FORGE_GITHUB)
		return class_run ? "assets/ci/github-class.yml" : "assets/ci/github-self.yml";
	if (k == CI_FORGE_GITLAB)
		return class_run ? "assets/ci/gitlab-class.yml" : "assets/ci/gitlab-self.yml";
	return NULL;
}

const char *ci_template_dest(enum ci_forge k, bool class_run)
{
	/* GitHub runs every workflow under .github/workflows/; GitLab reads
	 * one .gitlab-ci.yml at the project's root */
	if (k == CI_FORGE_GITHUB)
		return class_run ? ".github/workflows/vlab-class.yml" : ".github/workflows/vlab.yml";
	if (k == CI_FORGE_GITLAB)
		return ".gitlab-ci.yml";
	return NULL;
}

int ci_value_check(const char *s, char *why, size_t n)
{
	if (!*s) {
		snprintf(why, n, "it is empty");
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* printable ASCII only: a URL percent-encodes the rest, and a
		 * byte that is not UTF-8 would make the file no YAML */
		if (*p <= ' ' || *p >= 0x7f) {
			snprintf(why, n, "it holds whitespace, a control character or a byte outside ASCII (0x%02x)", *p);
			return -1;
		}
		if (strchr("\"\\$`'", *p)) {
			snprintf(why, n, "it holds a '%c'", *p);
			return -1;
		}
	}
	return 0;
}

int ci_mirror_check(const char *url, char *why, size_t n)
{
	static const char *const schemes[] = { "http://", "https://", "file://" };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		if (!strncmp(url, schemes[i], strlen(schemes[i])) && url[strlen(schemes[i])])
			break;
	if (i == ARRAY_SIZE(schemes)) {
		snprintf(why, n, "a mirror is an http://, https:// or file:// URL");
		return -1;
	}
	return ci_value_check(url, why, n);
}

/* The value of placeholder name (len bytes), or NULL when unknown; list is
 * scratch space for @SHARD_LIST@. */
static const char *value_of(const char *name, size_t len, const struct ci_values *v, char *num,
			    struct strbuf *list)
{
#define IS(lit) (len == sizeof(lit) - 1 && !memcmp(name, lit, len))
	if (IS("PROFILE"))
		return v->profile;
	if (IS("MIRROR"))
		return v->mirror;
	if (IS("SHARDS")) {
		snprintf(num, 16, "%u", v->shards);
		return num;
	}
	if (IS("SHARD_LIST")) {
		sb_reset(list);
		for (unsigned i = 1; i <= v->shards; i++)
			sb_addf(list, "%s%u", i > 1 ? ", " : "", i);
		return sb_str(list);
	}
	return NULL;
#undef IS
}

char *ci_template_fill(const char *text, const struct ci_values *v, char *err, size_t errlen)
{
	char why[160];
	if (v->shards < 1 || v->shards > CI_MAX_SHARDS) {
		snprintf(err, errlen, "the shard count must be from 1 to %d, not %u", CI_MAX_SHARDS, v->shards);
		return NULL;
	}
	if (ci_value_check(v->profile, why, sizeof(why))) {
		snprintf(err, errlen, "the image profile '%s' cannot go into a workflow: %s", v->profile, why);
		return NULL;
	}
	if (ci_mirror_check(v->mirror, why, sizeof(why))) {
		snprintf(err, errlen, "the mirror '%s' cannot go into a workflow: %s", v->mirror, why);
		return NULL;
	}
	struct strbuf out = STRBUF_INIT, list = STRBUF_INIT;
	char num[16];
	const char *p = text;
	while (*p) {
		const char *at = strchr(p, '@');
		if (!at) {
			sb_add(&out, p, strlen(p));
			break;
		}
		sb_add(&out, p, (size_t)(at - p));
		size_t len = strspn(at + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
		if (len == 0 || at[1 + len] != '@') {
			sb_add(&out, "@", 1);
			p = at + 1;
			continue;
		}
		const char *val = value_of(at + 1, len, v, num, &list);
		if (!val) {
			snprintf(err, errlen, "the template holds @%.*s@, which this vlab does not fill (a bug in the build)",
				 (int)(len > 40 ? 40 : len), at + 1);
			sb_release(&out);
			sb_release(&list);
			return NULL;
		}
		sb_add(&out, val, strlen(val));
		p = at + len + 2;
	}
	sb_release(&list);
	char *filled = xstrdup(sb_str(&out));
	sb_release(&out);
	return filled;
}
