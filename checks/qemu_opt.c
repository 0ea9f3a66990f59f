/* A structured option's argument read into props; see qemu_opt.h for the
 * syntaxes. */
#include "checks/qemu_opt.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

void qemu_opt_add_prop(struct qemu_opt *o, const char *key, size_t klen, const char *value, bool flag)
{
	o->props = xrealloc(o->props, (o->nprops + 1) * sizeof(*o->props));
	struct qemu_prop *p = &o->props[o->nprops++];
	p->key = xstrndup(key, klen);
	p->value = xstrdup(value);
	p->flag = flag;
}

/* A value up to a single ',' (",," is a comma in it: get_opt_value() in
 * util/qemu-option.c); returns where the next item starts. */
static const char *read_value(const char *p, struct strbuf *val)
{
	sb_reset(val);
	sb_adds(val, "");
	for (;;) {
		size_t n = strcspn(p, ",");
		sb_add(val, p, n);
		p += n;
		if (p[0] == ',' && p[1] == ',') {
			sb_add(val, ",", 1);
			p += 2;
			continue;
		}
		if (*p == ',')
			p++;
		return p;
	}
}

/* QemuOpts or keyval text: items "key=value" separated by ','; a first item
 * without '=' is the implied key's value (when there is one); a later one
 * is a short boolean when short_bools (QemuOpts), "noX" meaning X=off. */
void qemu_opt_read_items(struct qemu_opt *o, const char *s, const char *implied, bool short_bools)
{
	struct strbuf val = STRBUF_INIT;
	bool first = true;
	const char *p = s;
	while (*p) {
		size_t len = strcspn(p, "=,");
		if (p[len] == '=') {
			const char *key = p;
			p = read_value(p + len + 1, &val);
			qemu_opt_add_prop(o, key, len, val.buf, false);
		} else if (first && implied) {
			p = read_value(p, &val);
			qemu_opt_add_prop(o, implied, strlen(implied), val.buf, false);
		} else if (len == 0) {
			p++; /* an empty item: ",," at the start, or a trailing comma */
		} else {
			bool no = short_bools && len > 2 && !strncmp(p, "no", 2);
			if (no)
				qemu_opt_add_prop(o, p + 2, len - 2, "off", true);
			else
				qemu_opt_add_prop(o, p, len, "on", true);
			p += len;
			if (*p == ',')
				p++;
		}
		first = false;
	}
	sb_release(&val);
}

/* JSON, flattened into dotted keys (as keyval names nested members);
 * arrays as key.0, key.1; booleans on/off; numbers as written. */
static void flatten_json(struct qemu_opt *o, const char *prefix, json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, m) {
			char *k = *prefix ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
			flatten_json(o, k, m);
			free(k);
		}
		return;
	case JSON_ARRAY:
		json_array_foreach(v, i, m) {
			char *k = xasprintf("%s%s%zu", prefix, *prefix ? "." : "", i);
			flatten_json(o, k, m);
			free(k);
		}
		return;
	case JSON_STRING:
		qemu_opt_add_prop(o, prefix, strlen(prefix), json_string_value(v), false);
		return;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, sizeof(buf), "on");
		break;
	case JSON_FALSE:
		snprintf(buf, sizeof(buf), "off");
		break;
	case JSON_NULL:
		return;
	}
	qemu_opt_add_prop(o, prefix, strlen(prefix), buf, false);
}

/* The compat syntax of -serial/-qmp/-monitor (qemu_chr_parse_compat()). */
void qemu_opt_read_compat_chardev(struct qemu_opt *o, const char *s)
{
	const char *colon = strchr(s, ':');
	if (!strncmp(s, "unix:", 5)) {
		qemu_opt_add_prop(o, "backend", 7, "socket", false);
		/* the rest is QemuOpts with "path" implied */
		qemu_opt_read_items(o, s + 5, "path", true);
	} else if (!strncmp(s, "chardev:", 8)) {
		qemu_opt_add_prop(o, "backend", 7, "chardev", false);
		qemu_opt_add_prop(o, "id", 2, s + 8, false);
	} else if (!strncmp(s, "mon:", 4)) {
		/* the monitor muxed onto a device: the device is what matters */
		qemu_opt_read_compat_chardev(o, s + 4);
		qemu_opt_add_prop(o, "mux", 3, "on", false);
	} else if (!strncmp(s, "file:", 5)) {
		qemu_opt_add_prop(o, "backend", 7, "file", false);
		qemu_opt_add_prop(o, "path", 4, s + 5, false);
	} else if (!strncmp(s, "/dev/", 5)) {
		qemu_opt_add_prop(o, "backend", 7, "tty", false);
		qemu_opt_add_prop(o, "path", 4, s, false);
	} else if (colon) {
		qemu_opt_add_prop(o, "backend", 7, s, false);
		o->props[o->nprops - 1].value[colon - s] = '\0';
		qemu_opt_add_prop(o, "address", 7, colon + 1, false);
	} else {
		qemu_opt_add_prop(o, "backend", 7, s, false);
	}
}

const char *qemu_opt_get(const struct qemu_opt *o, const char *key)
{
	if (!o)
		return NULL;
	for (size_t i = o->nprops; i-- > 0;)
		if (!strcmp(o->props[i].key, key))
			return o->props[i].value;
	return NULL;
}

bool qemu_opt_get_bool(const struct qemu_opt *o, const char *key, bool dflt)
{
	const char *v = qemu_opt_get(o, key);
	if (!v)
		return dflt;
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y"))
		return true;
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "n"))
		return false;
	return dflt;
}

void qemu_opt_text(const struct qemu_opt *o, struct strbuf *out)
{
	if (o->kind == QOPT_DISK && o->word == o->arg) {
		sb_adds(out, o->arg);
		return;
	}
	sb_addf(out, "%s ", o->word);
	if (!strpbrk(o->arg, " \t\"'\\$`") && *o->arg) {
		sb_adds(out, o->arg);
		return;
	}
	/* single quotes keep JSON's double quotes readable */
	if (!strchr(o->arg, '\'')) {
		sb_addf(out, "'%s'", o->arg);
		return;
	}
	sb_adds(out, "\"");
	for (const char *p = o->arg; *p; p++) {
		if (strchr("\"\\$`", *p))
			sb_add(out, "\\", 1);
		sb_add(out, p, 1);
	}
	sb_adds(out, "\"");
}

char *qemu_opt_text_dup(const struct qemu_opt *o)
{
	struct strbuf sb = STRBUF_INIT;
	qemu_opt_text(o, &sb);
	return sb.buf ? sb.buf : xstrdup("");
}

int qemu_opt_read_json_or_items(struct qemu_opt *o, const char *implied, bool short_bools, char *why, size_t n)
{
	const char *s = o->arg;
	while (*s == ' ')
		s++;
	if (*s != '{') {
		qemu_opt_read_items(o, o->arg, implied, short_bools);
		return 0;
	}
	json_error_t err;
	json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	int r = 0;
	if (!v || !json_is_object(v)) {
		snprintf(why, n, "%s", v ? "not an object" : err.text);
		r = -EINVAL;
	} else {
		flatten_json(o, "", v);
	}
	json_decref(v);
	return r;
}

void qemu_opt_release(struct qemu_opt *o)
{
	for (size_t k = 0; k < o->nprops; k++) {
		free(o->props[k].key);
		free(o->props[k].value);
	}
	free(o->props);
	o->props = NULL;
	o->nprops = 0;
}
