/* The emulated KVM host's small formats (pure); see kvmhost_proto.h. */
#include "runner/vm/kvmhost_proto.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/host/host.h"

void kvmhost_strv_encode(const char *const *v, size_t n, struct strbuf *sb)
{
	for (size_t i = 0; i < n; i++)
		sb_add(sb, v[i], strlen(v[i]) + 1);
}

int kvmhost_strv_decode(const char *buf, size_t len, size_t max, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (len == 0 || buf[len - 1] != '\0')
		return -EINVAL;
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	if (count > max)
		return -EINVAL;
	/* the pointers, then the bytes they point into */
	char **v = xmalloc((count + 1) * sizeof(char *) + len);
	char *bytes = (char *)(v + count + 1);
	memcpy(bytes, buf, len);
	size_t k = 0;
	for (size_t i = 0; i < len; i += strlen(bytes + i) + 1)
		v[k++] = bytes + i;
	v[k] = NULL;
	*out = v;
	*n = count;
	return 0;
}

void kvmhost_status_format(const struct kvmhost_status *st, char *buf, size_t n)
{
	const char *const kinds[] = { "exit", "signal", "notrun" };
	snprintf(buf, n, "%s %d\n", kinds[st->kind], st->value);
}

int kvmhost_status_parse(const char *text, size_t len, struct kvmhost_status *st)
{
	char line[KVMHOST_STATUS_BYTES];
	if (len == 0 || len >= sizeof(line) || memchr(text, '\0', len))
		return -EINVAL;
	memcpy(line, text, len);
	line[len] = '\0';
	if (line[len - 1] == '\n')
		line[len - 1] = '\0';
	char *sp = strchr(line, ' ');
	if (!sp || strchr(line, '\n'))
		return -EINVAL;
	*sp = '\0';
	static const struct {
		const char *word;
		enum kvmhost_status_kind kind;
		int64_t min, max;
	} kinds[] = { { "exit", KVMHOST_EXITED, 0, 255 },
		      { "signal", KVMHOST_SIGNALED, 1, 64 },
		      { "notrun", KVMHOST_NOT_RUN, 1, 4095 } };
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		int64_t v;
		if (strcmp(line, kinds[i].word))
			continue;
		if (parse_i64(sp + 1, kinds[i].min, kinds[i].max, &v))
			return -EINVAL;
		st->kind = kinds[i].kind;
		st->value = (int)v;
		return 0;
	}
	return -EINVAL;
}

int kvmhost_status_code(const struct kvmhost_status *st)
{
	switch (st->kind) {
	case KVMHOST_EXITED:
		return st->value;
	case KVMHOST_SIGNALED:
		return 128 + st->value;
	case KVMHOST_NOT_RUN:
		return st->value == ENOENT ? 127 : 126;
	}
	return 126;
}

static const struct {
	int signo;
	char byte;
} ctl_bytes[] = { { SIGINT, 'i' }, { SIGTERM, 't' }, { SIGHUP, 'h' }, { SIGKILL, 'k' } };

char kvmhost_ctl_byte(int signo)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctl_bytes); i++)
		if (ctl_bytes[i].signo == signo)
			return ctl_bytes[i].byte;
	return 0;
}

int kvmhost_ctl_signal(char byte)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctl_bytes); i++)
		if (ctl_bytes[i].byte == byte)
			return ctl_bytes[i].signo;
	return 0;
}

size_t kvmhost_env_build(const struct kvmhost_env_in *in, char **v, size_t max)
{
	size_t n = 0;
#define PUT(...)                                      \
	do {                                          \
		if (n < max)                          \
			v[n++] = xasprintf(__VA_ARGS__); \
	} while (0)
	PUT("PATH=%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", in->vlab_dir);
	PUT("HOME=/root");
	PUT("USER=root");
	PUT("LOGNAME=root");
	PUT("VLAB_RUN_DIR=%s", KVMHOST_INNER_RUN_DIR);
	/* an inner vlab knows whose KVM it counts */
	PUT("%s=%s", KVM_HOST_ENV, KVM_HOST_EMULATED);
	if (in->out_tty)
		PUT("VLAB_STDOUT_TTY=1");
	if (in->image_dir)
		PUT("VLAB_IMAGE_DIR=%s", in->image_dir);
	if (in->cache_home)
		PUT("XDG_CACHE_HOME=%s", in->cache_home);
	if (in->term)
		PUT("TERM=%s", in->term);
	if (in->lang)
		PUT("LANG=%s", in->lang);
	if (in->lc_all)
		PUT("LC_ALL=%s", in->lc_all);
	if (in->lc_ctype)
		PUT("LC_CTYPE=%s", in->lc_ctype);
	if (in->no_color)
		PUT("NO_COLOR=%s", in->no_color);
#undef PUT
	return n;
}

void kvmhost_env_release(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}
