/* The image-profile manifest parser (pure) and lookup. */
#include "runner/fetch/manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

const char *const image_role_names[IMAGE_NROLES] = {
	[ROLE_KERNEL] = "kernel",
	[ROLE_INITRD] = "initrd",
	[ROLE_ROOTFS] = "rootfs",
	[ROLE_KVMHOST_INITRD] = "kvmhost-initrd",
	[ROLE_KVMHOST_MODULES] = "kvmhost-modules",
};

/* the named members and the array must be the same storage */
_Static_assert(offsetof(struct image_profile, kvmhost_modules) ==
		       offsetof(struct image_profile, files) + ROLE_KVMHOST_MODULES * sizeof(struct image_file),
	       "image_profile's named files and files[] disagree");

static int role_of_key(const char *key)
{
	for (int i = 0; i < IMAGE_NROLES; i++)
		if (!strcmp(key, image_role_names[i]))
			return i;
	return -1;
}

static void profile_release(struct image_profile *p)
{
	free(p->name);
	free(p->description);
	for (int i = 0; i < IMAGE_NROLES; i++)
		free(p->files[i].name);
	free(p->append);
	free(p->lab_append);
	for (int i = 0; i < p->nlogins; i++) {
		free(p->logins[i].user);
		free(p->logins[i].password);
	}
	memset(p, 0, sizeof(*p));
}

void manifest_release(struct manifest *m)
{
	for (int i = 0; i < m->nprofiles; i++)
		profile_release(&m->profiles[i]);
	m->nprofiles = 0;
}

const struct image_profile *manifest_find(const struct manifest *m, const char *name)
{
	for (int i = 0; i < m->nprofiles; i++)
		if (!strcmp(m->profiles[i].name, name))
			return &m->profiles[i];
	return NULL;
}

#define fail parse_error_at

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* A file name inside the profile's directory: no path separators, no "..". */
static bool valid_file_name(const char *s)
{
	return *s && strlen(s) < 256 && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static int parse_file(struct image_file *f, char *value, const char *key,
		      char *err, size_t errlen, const char *origin, int line)
{
	if (f->name)
		return fail(err, errlen, origin, line, "'%s' given twice", key);
	char *save = NULL;
	char *name = strtok_r(value, " \t", &save);
	char *hash = strtok_r(NULL, " \t", &save);
	char *extra = strtok_r(NULL, " \t", &save);
	if (!name)
		return fail(err, errlen, origin, line, "'%s' needs a file name", key);
	if (!valid_file_name(name))
		return fail(err, errlen, origin, line, "'%s': bad file name '%s' (a plain name, no '/')", key, name);
	if (extra)
		return fail(err, errlen, origin, line, "'%s': unexpected '%s' after the sha256", key, extra);
	if (hash && !is_sha256_hex(hash))
		return fail(err, errlen, origin, line, "'%s': sha256 '%s' is not 64 lower-case hex digits", key, hash);
	f->name = xstrdup(name);
	snprintf(f->sha256, sizeof(f->sha256), "%s", hash ? hash : "");
	return 0;
}

static int finish_profile(struct image_profile *p, char *err, size_t errlen, const char *origin)
{
	if (!p->kernel.name)
		return fail(err, errlen, origin, p->line, "profile '%s' has no 'kernel'", p->name);
	if (!p->rootfs.name)
		return fail(err, errlen, origin, p->line, "profile '%s' has no 'rootfs'", p->name);
	if (!p->append)
		return fail(err, errlen, origin, p->line, "profile '%s' has no 'append'", p->name);
	if (p->nlogins == 0)
		return fail(err, errlen, origin, p->line, "profile '%s' has no 'login'", p->name);
	if (strcmp(p->logins[0].user, "root"))
		return fail(err, errlen, origin, p->line, "profile '%s': the first login must be root", p->name);
	return 0;
}

/* Put the finished profile in place, replacing one of the same name. */
static void store_profile(struct manifest *m, struct image_profile *p)
{
	for (int i = 0; i < m->nprofiles; i++) {
		if (!strcmp(m->profiles[i].name, p->name)) {
			profile_release(&m->profiles[i]);
			m->profiles[i] = *p;
			memset(p, 0, sizeof(*p));
			return;
		}
	}
	m->profiles[m->nprofiles++] = *p;
	memset(p, 0, sizeof(*p));
}

/* A key of a profile block with its value (not empty), into p: 0, or the
 * error fail() wrote. */
static int read_profile_key(struct image_profile *p, const char *key, char *value, char *err, size_t errlen,
			    const char *origin, int lineno)
{
	int role = role_of_key(key);
	if (role >= 0) {
		return parse_file(&p->files[role], value, key, err, errlen, origin, lineno);
	} else if (!strcmp(key, "description")) {
		free(p->description);
		p->description = xstrdup(value);
	} else if (!strcmp(key, "append")) {
		free(p->append);
		p->append = xstrdup(value);
	} else if (!strcmp(key, "lab-append")) {
		free(p->lab_append);
		p->lab_append = xstrdup(value);
	} else if (!strcmp(key, "login")) {
		char *sp = NULL;
		char *user = strtok_r(value, " \t", &sp);
		char *pw = strtok_r(NULL, " \t", &sp);
		char *extra = strtok_r(NULL, " \t", &sp);
		if (!user || !pw || extra)
			return fail(err, errlen, origin, lineno, "'login' takes a user and a password");
		if (p->nlogins >= PROFILE_MAX_LOGINS)
			return fail(err, errlen, origin, lineno, "more than %d logins", PROFILE_MAX_LOGINS);
		p->logins[p->nlogins].user = xstrdup(user);
		p->logins[p->nlogins].password = xstrdup(pw);
		p->nlogins++;
	} else if (!strcmp(key, "http")) {
		if (!strcmp(value, "busybox"))
			p->http = HTTP_BUSYBOX;
		else if (!strcmp(value, "python3"))
			p->http = HTTP_PYTHON3;
		else
			return fail(err, errlen, origin, lineno, "'http' is busybox or python3, not '%s'", value);
	} else {
		return fail(err, errlen, origin, lineno, "unknown key '%s'", key);
	}
	return 0;
}

int manifest_parse(const char *text, const char *origin, struct manifest *m, char *err, size_t errlen)
{
	char *copy = xstrdup(text);
	struct image_profile cur;
	bool in_profile = false;
	int ret = 0;
	int lineno = 0;
	memset(&cur, 0, sizeof(cur));

	/* split by hand: strtok would merge empty lines and shift line numbers */
	char *line = copy;
	while (line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		rtrim(line);
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			goto next;
		char *key = s;
		char *value = s + strcspn(s, " \t");
		if (*value) {
			*value++ = '\0';
			while (*value == ' ' || *value == '\t')
				value++;
		}
		if (!strcmp(key, "profile")) {
			if (in_profile) {
				ret = fail(err, errlen, origin, lineno, "'profile' inside profile '%s' (missing 'end')", cur.name);
				goto out;
			}
			if (!valid_name(value)) {
				ret = fail(err, errlen, origin, lineno, "bad profile name '%s' (use a-z, 0-9, '-', '_')", value);
				goto out;
			}
			if (m->nprofiles >= MANIFEST_MAX_PROFILES && !manifest_find(m, value)) {
				ret = fail(err, errlen, origin, lineno, "more than %d profiles", MANIFEST_MAX_PROFILES);
				goto out;
			}
			cur.name = xstrdup(value);
			cur.line = lineno;
			cur.http = HTTP_BUSYBOX;
			in_profile = true;
			goto next;
		}
		if (!in_profile) {
			ret = fail(err, errlen, origin, lineno, "'%s' outside a profile block", key);
			goto out;
		}
		if (!strcmp(key, "end")) {
			if (*value) {
				ret = fail(err, errlen, origin, lineno, "unexpected '%s' after 'end'", value);
				goto out;
			}
			ret = finish_profile(&cur, err, errlen, origin);
			if (ret)
				goto out;
			store_profile(m, &cur);
			in_profile = false;
			goto next;
		}
		if (!*value) {
			ret = fail(err, errlen, origin, lineno, "'%s' needs a value", key);
			goto out;
		}
		ret = read_profile_key(&cur, key, value, err, errlen, origin, lineno);
		if (ret)
			goto out;
next:
		line = nl ? nl + 1 : NULL;
	}
	/* cur.line, not lineno: after a final newline lineno is one past the
	 * last line, and the open profile's first line is what to look at */
	if (in_profile)
		ret = fail(err, errlen, origin, cur.line, "profile '%s' is not closed with 'end'", cur.name);
out:
	profile_release(&cur);
	free(copy);
	return ret;
}

static void write_file_line(struct strbuf *sb, const char *key, const struct image_file *f)
{
	if (!f->name)
		return;
	sb_addf(sb, "%s %s", key, f->name);
	if (f->sha256[0])
		sb_addf(sb, " %s", f->sha256);
	sb_adds(sb, "\n");
}

void manifest_write_profile(struct strbuf *sb, const struct image_profile *p)
{
	sb_addf(sb, "profile %s\n", p->name);
	if (p->description)
		sb_addf(sb, "description %s\n", p->description);
	for (int i = 0; i < IMAGE_NROLES; i++)
		write_file_line(sb, image_role_names[i], &p->files[i]);
	sb_addf(sb, "append %s\n", p->append);
	if (p->lab_append)
		sb_addf(sb, "lab-append %s\n", p->lab_append);
	for (int i = 0; i < p->nlogins; i++)
		sb_addf(sb, "login %s %s\n", p->logins[i].user, p->logins[i].password);
	sb_addf(sb, "http %s\nend\n", p->http == HTTP_PYTHON3 ? "python3" : "busybox");
}

void manifest_profile_copy(struct image_profile *dst, const struct image_profile *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->name = xstrdup(src->name);
	dst->description = src->description ? xstrdup(src->description) : NULL;
	for (int i = 0; i < IMAGE_NROLES; i++) {
		dst->files[i].name = src->files[i].name ? xstrdup(src->files[i].name) : NULL;
		memcpy(dst->files[i].sha256, src->files[i].sha256, sizeof(dst->files[i].sha256));
	}
	dst->append = xstrdup(src->append);
	dst->lab_append = src->lab_append ? xstrdup(src->lab_append) : NULL;
	for (int i = 0; i < src->nlogins; i++) {
		dst->logins[i].user = xstrdup(src->logins[i].user);
		dst->logins[i].password = xstrdup(src->logins[i].password);
	}
	dst->nlogins = src->nlogins;
	dst->http = src->http;
	dst->line = src->line;
}

int manifest_put_profile(struct manifest *m, const struct image_profile *p)
{
	struct image_profile copy;
	if (m->nprofiles >= MANIFEST_MAX_PROFILES && !manifest_find(m, p->name))
		return -ENOSPC;
	manifest_profile_copy(&copy, p);
	store_profile(m, &copy);
	return 0;
}
