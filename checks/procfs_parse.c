/* /proc parsers; see procfs_parse.h. */
#include "checks/procfs_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

/* __SO_ACCEPTCON, include/linux/net.h */
#define SO_ACCEPTCON_FLAG 0x10000u

static int parse_unix_line(const char *line, size_t len, struct unix_sock *s)
{
	char buf[512];
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	unsigned refcount, protocol;
	int off = 0;
	memset(s, 0, sizeof(*s));
	/* "%pK: %08X %08X %08X %04X %02X %5lu" then " path" when bound */
	if (sscanf(buf, "%*[0-9a-fA-F]: %x %x %x %x %x %lu%n", &refcount, &protocol, &s->flags, &s->type,
		   &s->state, &s->inode, &off) != 6)
		return -EINVAL;
	s->listening = (s->flags & SO_ACCEPTCON_FLAG) != 0;
	const char *p = buf + off;
	if (*p == ' ')
		p++;
	snprintf(s->path, sizeof(s->path), "%s", p);
	return 0;
}

int procfs_parse_net_unix(const char *text, struct unix_sock *out, size_t max, size_t *n)
{
	*n = 0;
	if (!text || !starts_with(text, "Num"))
		return -EINVAL;
	const char *line = strchr(text, '\n');
	while (line && *line) {
		line++;
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		struct unix_sock s;
		if (len && parse_unix_line(line, len, &s) == 0) {
			if (*n < max)
				out[*n] = s;
			(*n)++;
		}
		line = eol;
	}
	return 0;
}

int procfs_parse_socket_link(const char *link, unsigned long *inode)
{
	if (!link || !starts_with(link, "socket:["))
		return -EINVAL;
	const char *p = link + 8;
	char *end;
	errno = 0;
	unsigned long v = strtoul(p, &end, 10);
	if (errno || end == p || *p == '-' || strcmp(end, "]"))
		return -EINVAL;
	*inode = v;
	return 0;
}

int procfs_parse_tun_iff(const char *fdinfo, char *ifname, size_t n)
{
	for (const char *line = fdinfo; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		if (len > 4 && !strncmp(line, "iff:", 4)) {
			const char *v = line + 4;
			while (*v == '\t' || *v == ' ')
				v++;
			size_t vl = len - (size_t)(v - line);
			if (!vl || vl >= n)
				return vl ? -ENAMETOOLONG : -ENOENT;
			memcpy(ifname, v, vl);
			ifname[vl] = '\0';
			return 0;
		}
		line = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int procfs_parse_stat_state(const char *stat, char *state)
{
	const char *close = stat ? strrchr(stat, ')') : NULL;
	if (!close || close[1] != ' ' || !close[2] || close[3] != ' ')
		return -EINVAL;
	*state = close[2];
	return 0;
}

int procfs_tcp_listening(const char *text, unsigned port)
{
	/* "  sl  local_address ..." then "   0: ADDR:PORT REMADDR:PORT ST ...",
	 * ADDR 8 hex digits (tcp) or 32 (tcp6), PORT and ST in hex */
	if (!text || !strstr(text, "local_address"))
		return -EINVAL;
	const char *line = strchr(text, '\n');
	while (line && *line) {
		line++;
		const char *eol = strchr(line, '\n');
		char local[80], remote[80], st[8];
		if (sscanf(line, " %*[0-9]: %79s %79s %7s", local, remote, st) == 3) {
			const char *colon = strrchr(local, ':');
			unsigned long p = colon ? strtoul(colon + 1, NULL, 16) : 0;
			if (colon && p == port && !strcmp(st, "0A"))
				return 1;
		}
		line = eol;
	}
	return 0;
}

int procfs_parse_stat_starttime(const char *stat, uint64_t *ticks)
{
	const char *close = stat ? strrchr(stat, ')') : NULL;
	if (!close)
		return -EINVAL;
	/* after ")": field 3 (state) is the first; starttime is field 22 */
	const char *p = close + 1;
	for (int field = 3; field < 22; field++) {
		p += strspn(p, " ");
		if (!*p)
			return -EINVAL;
		p += strcspn(p, " ");
	}
	p += strspn(p, " ");
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (end == p || errno || (*end && *end != ' ' && *end != '\n'))
		return -EINVAL;
	*ticks = v;
	return 0;
}
