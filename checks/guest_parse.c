/* Parsers for guest command output. */
#include "checks/guest_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/util.h"

/* "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..." — also
 * "3: veth0@if2: <...>" where the name carries its peer after '@'. */
static bool parse_iface_line(const char *line, struct ip_iface *ifc)
{
	const char *p = line;
	if (!isdigit((unsigned char)*p))
		return false;
	char *end;
	long idx = strtol(p, &end, 10);
	if (end[0] != ':' || end[1] != ' ' || idx <= 0 || idx > 1000000)
		return false;
	p = end + 2;
	const char *colon = strstr(p, ": <");
	if (!colon || colon == p)
		return false;
	memset(ifc, 0, sizeof(*ifc));
	ifc->index = (int)idx;
	size_t nlen = (size_t)(colon - p);
	const char *at = memchr(p, '@', nlen);
	if (at)
		nlen = (size_t)(at - p);
	if (nlen >= sizeof(ifc->name))
		nlen = sizeof(ifc->name) - 1;
	memcpy(ifc->name, p, nlen);
	const char *flags = colon + 3;
	const char *close = strchr(flags, '>');
	if (!close)
		return false;
	char fl[256];
	size_t flen = (size_t)(close - flags);
	if (flen >= sizeof(fl))
		flen = sizeof(fl) - 1;
	memcpy(fl, flags, flen);
	fl[flen] = '\0';
	char *save = NULL;
	for (char *tok = strtok_r(fl, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "UP"))
			ifc->up = true;
		else if (!strcmp(tok, "LOWER_UP"))
			ifc->lower_up = true;
	}
	return true;
}

int parse_ip_addr_show(const char *text, struct ip_iface *ifs, size_t max)
{
	size_t n = 0;
	bool any = false;
	struct ip_iface *cur = NULL;
	struct ip_iface scratch;
	const char *line = text;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[512];
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		rtrim(buf);
		if (parse_iface_line(buf, &scratch)) {
			any = true;
			if (n < max) {
				ifs[n] = scratch;
				cur = &ifs[n++];
			} else {
				cur = NULL;
			}
		} else if (cur && (buf[0] == ' ' || buf[0] == '\t')) {
			char *s = buf;
			while (*s == ' ' || *s == '\t')
				s++;
			char word[32], arg[64];
			/* a tun device's line is "link/none" alone: one word */
			int k = sscanf(s, "%31s %63s", word, arg);
			if (k >= 1 && starts_with(word, "link/")) {
				text_printf(cur->link_type, sizeof(cur->link_type), "%s", word + 5);
				if (k == 2 && strlen(arg) == 17)
					snprintf(cur->mac, sizeof(cur->mac), "%s", arg);
			} else if (k == 2 && (!strcmp(word, "inet") || !strcmp(word, "inet6"))) {
				if (cur->naddrs < IFACE_MAX_ADDRS)
					text_printf(cur->addrs[cur->naddrs++], sizeof(cur->addrs[0]), "%s", arg);
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return any ? (int)n : -EINVAL;
}

int parse_root_mount(const char *proc_mounts, char *dev, size_t devlen, char *fstype, size_t typelen)
{
	bool found = false;
	const char *line = proc_mounts;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[1024];
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		char d[256], mp[256], t[64];
		if (sscanf(buf, "%255s %255s %63s", d, mp, t) == 3 && !strcmp(mp, "/")) {
			snprintf(dev, devlen, "%s", d);
			snprintf(fstype, typelen, "%s", t);
			found = true;
		}
		line = eol ? eol + 1 : NULL;
	}
	return found ? 0 : -ENOENT;
}
