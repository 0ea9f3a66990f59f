/* The sandboxes' host uids; see sandbox_uid.h. */
#include "runner/grade/sandbox_uid.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runner/util.h"
#include "runner/files.h"

bool sandbox_uid_delegated(const char *subid_text, uid_t uid)
{
	const char *line = subid_text;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[256];
		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			int64_t start, count;
			if (c2) {
				*c2 = '\0';
				if (parse_i64(c1 + 1, 0, UINT32_MAX, &start) == 0 && parse_i64(c2 + 1, 1, UINT32_MAX, &count) == 0 &&
				    (int64_t)uid >= start && (int64_t)uid < start + count)
					return true;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return false;
}

/* Host uids some process runs under (real, effective, saved, fs): a sorted
 * array. */
static size_t uids_in_use(const char *root, uid_t **out)
{
	char *procdir = xasprintf("%s/proc", root);
	DIR *d = opendir(procdir);
	size_t n = 0, cap = 0;
	*out = NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int64_t pid;
		if (parse_i64(de->d_name, 1, INT_MAX, &pid))
			continue;
		char *p = xasprintf("%s/%s/status", procdir, de->d_name);
		struct strbuf sb = STRBUF_INIT;
		if (read_file(p, &sb) == 0) {
			const char *l = strstr(sb_str(&sb), "\nUid:");
			unsigned long u[4];
			if (l && sscanf(l + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) == 4) {
				for (int k = 0; k < 4; k++) {
					if (n == cap) {
						cap = cap ? cap * 2 : 256;
						*out = xrealloc(*out, cap * sizeof(uid_t));
					}
					(*out)[n++] = (uid_t)u[k];
				}
			}
		}
		sb_release(&sb);
		free(p);
	}
	if (d)
		closedir(d);
	free(procdir);
	return n;
}

static bool uid_listed(const uid_t *v, size_t n, uid_t u)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == u)
			return true;
	return false;
}

int sandbox_claim_uid(const char *root, uid_t *uid, int *fd)
{
	struct strbuf subuid = STRBUF_INIT, subgid = STRBUF_INIT;
	char *a = xasprintf("%s/etc/subuid", root), *b = xasprintf("%s/etc/subgid", root);
	read_file(a, &subuid);
	read_file(b, &subgid);
	free(a);
	free(b);
	uid_t *used;
	size_t nused = uids_in_use(root, &used);
	int r = -EBUSY;
	for (unsigned i = 0; i < SANDBOX_UID_COUNT && r == -EBUSY; i++) {
		uid_t u = (uid_t)(SANDBOX_UID_BASE + i);
		if (sandbox_uid_delegated(sb_str(&subuid), u) || sandbox_uid_delegated(sb_str(&subgid), u) ||
		    (!*root && (getpwuid(u) || getgrgid((gid_t)u))) || uid_listed(used, nused, u))
			continue;
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0) {
			r = -errno;
			break;
		}
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "vlab-grade-uid-%u", (unsigned)u);
		if (bind(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) == 0) {
			*uid = u;
			*fd = s;
			r = 0;
		} else {
			int e = errno;
			close(s);
			if (e != EADDRINUSE)
				r = -e;
		}
	}
	free(used);
	sb_release(&subuid);
	sb_release(&subgid);
	return r;
}
