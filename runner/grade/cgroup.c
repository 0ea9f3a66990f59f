/* Control groups for grading's sandboxes; see cgroup.h. */
#include "runner/grade/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"

static const char *const controller_name[CG_NCONTROLLERS] = { "memory", "pids", "cpu" };

/* Whether a comma-separated list holds word. */
static bool list_has(const char *list, size_t len, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list, *end = list + len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t l = comma ? (size_t)(comma - p) : (size_t)(end - p);
		if (l == wl && !memcmp(p, word, wl))
			return true;
		p += l + 1;
	}
	return false;
}

/* Field i (0-based, space-separated) of a line, into out. */
static bool field(const char *line, size_t len, int i, char *out, size_t n)
{
	const char *p = line, *end = line + len;
	for (int k = 0; p < end; k++) {
		while (p < end && *p == ' ')
			p++;
		const char *s = p;
		while (p < end && *p != ' ')
			p++;
		if (k == i) {
			if (p == s || (size_t)(p - s) >= n)
				return false;
			memcpy(out, s, (size_t)(p - s));
			out[p - s] = '\0';
			return true;
		}
	}
	return false;
}

/* The path of this process's group in the hierarchy whose controllers
 * (v1) include ctl, or the v2 line's (ctl NULL), from /proc/self/cgroup. */
static bool own_path(const char *self_cgroup, const char *ctl, char *out, size_t n)
{
	const char *line = self_cgroup;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			size_t cl = (size_t)(c2 - c1 - 1);
			bool match = ctl ? list_has(c1 + 1, cl, ctl) : cl == 0;
			size_t pl = len - (size_t)(c2 + 1 - line);
			if (match && pl > 0 && pl < n && c2[1] == '/') {
				memcpy(out, c2 + 1, pl);
				out[pl] = '\0';
				return true;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return false;
}

/* root + mountpoint + (path below the mount's own root). */
static bool join_dir(const char *root, const char *mnt, const char *mnt_root, const char *path, char *out, size_t n)
{
	size_t rl = strlen(mnt_root);
	const char *rel = path;
	if (strcmp(mnt_root, "/")) {
		if (strncmp(path, mnt_root, rl) || (path[rl] && path[rl] != '/'))
			return false;  /* our group lies outside what is mounted */
		rel = path + rl;
	}
	if (!strcmp(rel, "/"))
		rel = "";
	int w = snprintf(out, n, "%s%s%s", root, mnt, rel);
	return w > 0 && (size_t)w < n;
}

int cgroup_host_parse(const char *root, const char *mountinfo, const char *self_cgroup, struct cgroup_host *out)
{
	memset(out, 0, sizeof(*out));
	bool v1[CG_NCONTROLLERS] = { false };
	char v2_mnt[256] = "", v2_root[256] = "";
	const char *line = mountinfo;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *dash = NULL;
		for (const char *p = line; p + 2 < line + len; p++)
			if (p[0] == ' ' && p[1] == '-' && p[2] == ' ') {
				dash = p + 1;
				break;
			}
		char mnt_root[256], mnt[256], fstype[32], opts[256];
		if (dash && field(line, (size_t)(dash - line), 3, mnt_root, sizeof(mnt_root)) &&
		    field(line, (size_t)(dash - line), 4, mnt, sizeof(mnt)) &&
		    field(dash, len - (size_t)(dash - line), 1, fstype, sizeof(fstype)) &&
		    field(dash, len - (size_t)(dash - line), 3, opts, sizeof(opts))) {
			if (!strcmp(fstype, "cgroup")) {
				for (int k = 0; k < CG_NCONTROLLERS; k++) {
					char path[512];
					if (v1[k] || !list_has(opts, strlen(opts), controller_name[k]) ||
					    !own_path(self_cgroup, controller_name[k], path, sizeof(path)))
						continue;
					v1[k] = join_dir(root, mnt, mnt_root, path, out->dir[k], sizeof(out->dir[k]));
				}
			} else if (!strcmp(fstype, "cgroup2") && !v2_mnt[0]) {
				snprintf(v2_mnt, sizeof(v2_mnt), "%s", mnt);
				snprintf(v2_root, sizeof(v2_root), "%s", mnt_root);
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	if (v1[CG_MEMORY] && v1[CG_PIDS] && v1[CG_CPU]) {
		out->version = CGROUP_V1;
		return 0;
	}
	memset(out->dir, 0, sizeof(out->dir));
	char path[512], dir[512];
	if (v2_mnt[0] && own_path(self_cgroup, NULL, path, sizeof(path)) &&
	    join_dir(root, v2_mnt, v2_root, path, dir, sizeof(dir))) {
		char ctl[256];
		char *file = xasprintf("%s/cgroup.controllers", dir + strlen(root));
		int r = read_line_at(root, file, ctl, sizeof(ctl));
		free(file);
		bool all = r == 0;
		for (int k = 0; all && k < CG_NCONTROLLERS; k++) {
			/* space-separated there */
			char padded[260];
			snprintf(padded, sizeof(padded), " %s ", ctl);
			char want[16];
			snprintf(want, sizeof(want), " %s ", controller_name[k]);
			all = strstr(padded, want) != NULL;
		}
		if (all) {
			out->version = CGROUP_V2;
			for (int k = 0; k < CG_NCONTROLLERS; k++)
				snprintf(out->dir[k], sizeof(out->dir[k]), "%s", dir);
			return 0;
		}
		text_printf(out->why, sizeof(out->why),
			 "cgroup v2 at %s offers %s%s%s to vlab's own group, not memory, pids and cpu; no cgroup v1 "
			 "hierarchies of memory, pids and cpu are mounted",
			 v2_mnt, r || !ctl[0] ? "" : "'", r ? "nothing readable" : ctl[0] ? ctl : "no controllers",
			 r || !ctl[0] ? "" : "'");
		return 0;
	}
	snprintf(out->why, sizeof(out->why), "neither cgroup v1 hierarchies of memory, pids and cpu%s nor cgroup v2 "
		 "is mounted", v1[CG_MEMORY] || v1[CG_PIDS] || v1[CG_CPU] ? " (only some of them)" : "");
	return 0;
}

int cgroup_host_detect(const char *root, struct cgroup_host *out)
{
	struct strbuf mi = STRBUF_INIT, sc = STRBUF_INIT;
	char *a = xasprintf("%s/proc/self/mountinfo", root), *b = xasprintf("%s/proc/self/cgroup", root);
	int r = read_file(a, &mi);
	if (!r)
		r = read_file(b, &sc);
	if (!r)
		r = cgroup_host_parse(root, sb_str(&mi), sb_str(&sc), out);
	else {
		memset(out, 0, sizeof(*out));
		snprintf(out->why, sizeof(out->why), "cannot read %s: %s", mi.len ? b : a, strerror(-r));
	}
	free(a);
	free(b);
	sb_release(&mi);
	sb_release(&sc);
	return r;
}

void cgroup_host_describe(const struct cgroup_host *h, char *out, size_t n)
{
	if (h->version == CGROUP_NONE)
		snprintf(out, n, "none: %s", h->why);
	else
		snprintf(out, n, "v%d (memory, pids, cpu) below %s", (int)h->version, h->dir[CG_MEMORY]);
}

static const struct cgroup_fs_ops *fs_ops;

void cgroup_set_fs_ops(const struct cgroup_fs_ops *ops)
{
	fs_ops = ops;
}

static int cg_mkdir(const char *path)
{
	if (fs_ops)
		return fs_ops->mkdir(path);
	return mkdir(path, 0755) < 0 ? -errno : 0;
}

static int cg_rmdir(const char *path)
{
	if (fs_ops)
		return fs_ops->rmdir(path);
	return rmdir(path) < 0 ? -errno : 0;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	if (fs_ops)
		return fs_ops->write(dir, file, text);
	char *p = xasprintf("%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644);
	free(p);
	if (fd < 0)
		return -errno;
	size_t n = strlen(text);
	int r = write(fd, text, n) == (ssize_t)n ? 0 : -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

static bool file_there(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);
	bool yes = access(p, F_OK) == 0;
	free(p);
	return yes;
}

static void remove_dirs(struct cgroup *cg)
{
	for (int k = 0; k < cg->ndirs; k++)
		cg_rmdir(cg->dir[k]);
	cg->ndirs = 0;
}

/* The controllers vlab's sandboxes need, as cgroup.subtree_control takes
 * them. */
static const char v2_enable[] = "+memory +pids +cpu";

/* Whether a space-separated list (a cgroup.subtree_control) holds word. */
static bool words_have(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += wl)
		if ((p == list || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\n' || !p[wl]))
			return true;
	return false;
}

/* The pids dir's cgroup.procs lists (malloc'd, *n of them; NULL none). */
static pid_t *members(const char *dir, size_t *n)
{
	char *p = xasprintf("%s/cgroup.procs", dir);
	struct strbuf sb = STRBUF_INIT;
	pid_t *pids = NULL;
	size_t cap = 0;
	*n = 0;
	if (read_file(p, &sb) == 0) {
		char *save = NULL;
		for (char *tok = strtok_r(sb.buf ? sb.buf : (char *)"", "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
			int64_t pid;
			if (parse_i64(tok, 1, INT_MAX, &pid))
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				pids = xrealloc(pids, cap * sizeof(*pids));
			}
			pids[(*n)++] = (pid_t)pid;
		}
	}
	sb_release(&sb);
	free(p);
	return pids;
}

/* How many pids dir's cgroup.procs lists, besides self. */
static int other_members(const char *dir, pid_t self)
{
	size_t n;
	pid_t *pids = members(dir, &n);
	int others = 0;
	for (size_t i = 0; i < n; i++)
		others += pids[i] != self;
	free(pids);
	return others;
}

/* Every pid from's cgroup.procs lists, written to to's: 0 or the first
 * refusal. */
static int move_members(const char *from, const char *to)
{
	char *p = xasprintf("%s/cgroup.procs", from);
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(p, &sb);
	if (r == 0) {
		char *save = NULL;
		for (char *tok = strtok_r(sb.buf ? sb.buf : (char *)"", "\n", &save); tok && !r;
		     tok = strtok_r(NULL, "\n", &save))
			r = write_text(to, "cgroup.procs", tok);
	}
	sb_release(&sb);
	free(p);
	return r;
}

/* own's cgroup.subtree_control back as it was (the controllers in
 * h->enabled turned off again), then whatever is in vlab's leaf moved back
 * to own and the leaf removed. Each step only once the one before it
 * worked: a group with controllers for its children takes no process. */
static void v2_undo(struct cgroup_host *h)
{
	const char *own = h->dir[0];
	if (h->enabled[0]) {
		char off[sizeof(h->enabled)];
		snprintf(off, sizeof(off), "%s", h->enabled);
		for (char *c = off; (c = strchr(c, '+'));)
			*c = '-';
		if (write_text(own, "cgroup.subtree_control", off))
			return;
		h->enabled[0] = '\0';
	}
	if (h->leaf[0] && move_members(h->leaf, own) == 0 && cg_rmdir(h->leaf) == 0)
		h->leaf[0] = '\0';
}

int cgroup_create(const struct cgroup_host *h, const char *parent, const char *name, const struct cgroup_limits *lim,
		  struct cgroup *cg, char *err, size_t errlen)
{
	memset(cg, 0, sizeof(*cg));
	cg->version = h->version;
	if (h->version == CGROUP_NONE)
		return 0;
	int r = 0;
	const char *what = "";
	char val[32], pdir[600];
	int nh = h->version == CGROUP_V1 ? CG_NCONTROLLERS : 1;
	/* v2: the parent and its controllers are cgroup_prepare_parent's */
	for (int k = 0; k < nh; k++) {
		snprintf(pdir, sizeof(pdir), "%s/%s", h->dir[k], parent);
		if ((r = cg_mkdir(pdir)) && r != -EEXIST) {
			what = pdir;
			goto fail;
		}
		int w = snprintf(cg->dir[k], sizeof(cg->dir[k]), "%s/%s", pdir, name);
		if (w < 0 || (size_t)w >= sizeof(cg->dir[k])) {
			r = -ENAMETOOLONG;
			what = name;
			goto fail;
		}
		if ((r = cg_mkdir(cg->dir[k]))) {
			what = cg->dir[k];
			goto fail;
		}
		cg->ndirs = k + 1;
	}
	const char *mem = cg->dir[CG_MEMORY], *pids = cg->dir[h->version == CGROUP_V1 ? CG_PIDS : 0],
		   *cpu = cg->dir[h->version == CGROUP_V1 ? CG_CPU : 0];
	snprintf(val, sizeof(val), "%" PRIu64, lim->memory_bytes);
	if (h->version == CGROUP_V1) {
		if ((r = write_text(mem, what = "memory.limit_in_bytes", val)))
			goto fail;
		/* with swap accounting on, memory and swap together are held to
		 * the same, so the limit cannot be passed by swapping */
		if (file_there(mem, "memory.memsw.limit_in_bytes") &&
		    (r = write_text(mem, what = "memory.memsw.limit_in_bytes", val)))
			goto fail;
	} else {
		if ((r = write_text(mem, what = "memory.max", val)))
			goto fail;
		if (file_there(mem, "memory.swap.max") && (r = write_text(mem, what = "memory.swap.max", "0")))
			goto fail;
	}
	snprintf(val, sizeof(val), "%d", lim->pids);
	if ((r = write_text(pids, what = "pids.max", val)))
		goto fail;
	if (h->version == CGROUP_V1) {
		snprintf(val, sizeof(val), "%d", lim->cpu_weight * 1024 / 100);
		r = write_text(cpu, what = "cpu.shares", val);
	} else {
		snprintf(val, sizeof(val), "%d", lim->cpu_weight);
		r = write_text(cpu, what = "cpu.weight", val);
	}
	if (r)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot set up the sandbox's cgroup (v%d): %s: %s", (int)h->version, what, strerror(-r));
	remove_dirs(cg);
	return r;
}

int cgroup_open(const struct cgroup_host *h, const char *parent, const char *name, struct cgroup *cg)
{
	memset(cg, 0, sizeof(*cg));
	cg->version = h->version;
	int nh = h->version == CGROUP_V1 ? CG_NCONTROLLERS : h->version == CGROUP_V2 ? 1 : 0;
	for (int k = 0; k < nh; k++) {
		snprintf(cg->dir[k], sizeof(cg->dir[k]), "%s/%s/%s", h->dir[k], parent, name);
		if (access(cg->dir[k], F_OK) < 0)
			break;
		cg->ndirs = k + 1;
	}
	return cg->ndirs ? 0 : -ENOENT;
}

int cgroup_enter(const struct cgroup *cg, pid_t pid)
{
	char val[24];
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (int k = 0; k < cg->ndirs; k++) {
		int r = write_text(cg->dir[k], "cgroup.procs", val);
		if (r)
			return r;
	}
	return 0;
}

/* SIGKILL to every pid the group lists (init, pid 1, never); how many it
 * listed. */
static int kill_listed(const char *dir)
{
	size_t n;
	pid_t *pids = members(dir, &n);
	int listed = 0;
	for (size_t i = 0; i < n; i++) {
		if (pids[i] < 2)
			continue;
		kill(pids[i], SIGKILL);
		listed++;
	}
	free(pids);
	return listed;
}

int cgroup_kill_remove(struct cgroup *cg, int timeout_ms)
{
	if (!cg->ndirs)
		return 0;
	if (cg->version == CGROUP_V2 && file_there(cg->dir[0], "cgroup.kill"))
		write_text(cg->dir[0], "cgroup.kill", "1");
	int64_t deadline = now_ms() + timeout_ms;
	int left;
	for (;;) {
		left = 0;
		for (int k = 0; k < cg->ndirs; k++)
			left += kill_listed(cg->dir[k]);
		if (!left || ms_left(deadline) <= 0)
			break;
		poll(NULL, 0, 20);
	}
	/* a group empties a moment after its last process is reaped */
	for (int k = 0; k < cg->ndirs; k++)
		while (cg_rmdir(cg->dir[k]) == -EBUSY && ms_left(deadline) > 0)
			poll(NULL, 0, 20);
	cg->ndirs = 0;
	return left;
}

/* Why v2 refused the layout, for h->why and err. */
static void v2_refusal(struct cgroup_host *h, const char *what, int r, char *err, size_t errlen)
{
	int others = r == -EBUSY ? other_members(h->dir[0], getpid()) : 0;
	if (others > 0)
		text_printf(h->why, sizeof(h->why),
			    "cgroup v2: %d other process%s share%s vlab's cgroup %s, and the kernel gives a group's children "
			    "controllers only while it holds no process (its no-internal-process rule); run vlab in a "
			    "cgroup of its own, e.g. systemd-run --scope vlab grade ...",
			    others, others == 1 ? "" : "es", others == 1 ? "s" : "", h->dir[0]);
	else
		text_printf(h->why, sizeof(h->why), "cgroup v2: %s: %s", what, strerror(-r));
	snprintf(err, errlen, "%s", h->why);
	v2_undo(h);
	h->version = CGROUP_NONE;
	memset(h->dir, 0, sizeof(h->dir));
}

int cgroup_prepare_parent(struct cgroup_host *h, const char *parent, char *err, size_t errlen)
{
	if (h->version != CGROUP_V2)
		return 0;
	const char *own = h->dir[0], *what;
	char have[128] = "", want[sizeof(h->enabled)] = "", pdir[600], pid[24];
	int r;
	h->enabled[0] = h->leaf[0] = '\0';
	/* only what is not on already is turned on, and off again after */
	char *sc = xasprintf("%s/cgroup.subtree_control", own);
	read_line_at("", sc, have, sizeof(have));
	free(sc);
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		if (!words_have(have, controller_name[k]))
			text_printf(want + strlen(want), sizeof(want) - strlen(want), "%s+%s", want[0] ? " " : "",
				    controller_name[k]);
	int w = snprintf(pdir, sizeof(pdir), "%s/%s", own, parent);
	if (w < 0 || (size_t)w >= sizeof(pdir) ||
	    (size_t)snprintf(h->leaf, sizeof(h->leaf), "%s.vlab", pdir) >= sizeof(h->leaf)) {
		h->leaf[0] = '\0';
		r = -ENAMETOOLONG;
		what = parent;
		goto fail;
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if ((r = cg_mkdir(what = h->leaf))) {
		h->leaf[0] = '\0';
		goto fail;
	}
	/* vlab into its leaf first: its workers, forked later, start there */
	what = "cgroup.procs of vlab's leaf";
	if ((r = write_text(h->leaf, "cgroup.procs", pid)))
		goto fail;
	what = "cgroup.subtree_control of vlab's own group";
	if (want[0] && (r = write_text(own, "cgroup.subtree_control", want)))
		goto fail;
	snprintf(h->enabled, sizeof(h->enabled), "%s", want);
	if ((r = cg_mkdir(what = pdir)) && r != -EEXIST)
		goto fail;
	what = "cgroup.subtree_control of the sandboxes' parent";
	if ((r = write_text(pdir, "cgroup.subtree_control", v2_enable))) {
		cg_rmdir(pdir);
		goto fail;
	}
	return 0;
fail:
	v2_refusal(h, what, r, err, errlen);
	return r;
}

void cgroup_remove_parent(struct cgroup_host *h, const char *parent)
{
	int nh = h->version == CGROUP_V1 ? CG_NCONTROLLERS : h->version == CGROUP_V2 ? 1 : 0;
	for (int k = 0; k < nh; k++) {
		char *p = xasprintf("%s/%s", h->dir[k], parent);
		cg_rmdir(p);
		free(p);
	}
	if (h->version == CGROUP_V2)
		v2_undo(h);
}

static uint64_t read_u64(const char *dir, const char *file, const char *key)
{
	char *p = xasprintf("%s/%s", dir, file);
	struct strbuf sb = STRBUF_INIT;
	uint64_t v = 0;
	if (read_file(p, &sb) == 0) {
		const char *s = sb_str(&sb);
		if (key) {
			size_t kl = strlen(key);
			const char *at = s;
			while ((at = strstr(at, key)) && ((at != s && at[-1] != '\n') || at[kl] != ' '))
				at += kl;
			s = at ? at + kl + 1 : "";
		}
		v = strtoull(s, NULL, 10);
	}
	sb_release(&sb);
	free(p);
	return v;
}

uint64_t cgroup_memory_peak(const struct cgroup *cg)
{
	if (!cg->ndirs)
		return 0;
	return cg->version == CGROUP_V1 ? read_u64(cg->dir[CG_MEMORY], "memory.max_usage_in_bytes", NULL)
					: read_u64(cg->dir[0], "memory.peak", NULL);
}

bool cgroup_memory_hit(const struct cgroup *cg)
{
	if (!cg->ndirs)
		return false;
	if (cg->version == CGROUP_V2)
		return read_u64(cg->dir[0], "memory.events", "oom_kill") > 0 ||
		       read_u64(cg->dir[0], "memory.events", "max") > 0;
	/* with swap accounting the memory+swap counter is charged first, so
	 * its failcnt may move alone; oom_control counts the OOM kills */
	const char *mem = cg->dir[CG_MEMORY];
	return read_u64(mem, "memory.failcnt", NULL) > 0 || read_u64(mem, "memory.memsw.failcnt", NULL) > 0 ||
	       read_u64(mem, "memory.oom_control", "oom_kill") > 0;
}
