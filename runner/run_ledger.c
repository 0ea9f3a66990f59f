/* The run ledgers: parsing, which runs are live, and removing what a run
 * left behind; see run_ledger.h. */
#include "runner/run_ledger.h"

#include <dirent.h>
#include <linux/magic.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/net/net.h"
#include "runner/net/ns.h"
#include "runner/rundir.h"
#include "runner/util.h"
#include "runner/files.h"

int ledger_parse(const char *text, struct ledger *out)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0;
	const char *line = text;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char *l = xstrndup(line, len);
		char word[16] = "";
		int off = 0;
		struct ledger_entry e;
		memset(&e, 0, sizeof(e));
		bool known = true;
		int ok = sscanf(l, "%15s %n", word, &off) >= 1;
		const char *rest = l + off;
		if (!ok || !word[0]) {
			known = false;
		} else if (!strcmp(word, "owner") || !strcmp(word, "process")) {
			int pid = 0, n = 0;
			e.kind = !strcmp(word, "owner") ? LEDGER_OWNER : LEDGER_PROCESS;
			if (sscanf(rest, "%d %llu %n", &pid, &e.start, &n) < 2 || pid <= 0) {
				free(l);
				ledger_release(out);
				return -EINVAL;
			}
			e.pid = pid;
			snprintf(e.what, sizeof(e.what), "%s", rest + n);
		} else if (!strcmp(word, "file") || !strcmp(word, "dir") || !strcmp(word, "tree") ||
			   !strcmp(word, "netns") || !strcmp(word, "cgroup")) {
			e.kind = !strcmp(word, "file")	 ? LEDGER_FILE
				 : !strcmp(word, "dir")	 ? LEDGER_DIR
				 : !strcmp(word, "tree")	 ? LEDGER_TREE
				 : !strcmp(word, "cgroup") ? LEDGER_CGROUP
							   : LEDGER_NETNS;
			if (!*rest || (e.kind != LEDGER_NETNS && rest[0] != '/')) {
				free(l);
				ledger_release(out);
				return -EINVAL;
			}
			snprintf(e.path, sizeof(e.path), "%s", rest);
		} else if (!strcmp(word, "link")) {
			e.kind = LEDGER_LINK;
			if (sscanf(rest, "%15s %d", e.path, &e.ifindex) != 2 || e.ifindex <= 0) {
				free(l);
				ledger_release(out);
				return -EINVAL;
			}
		} else if (!strcmp(word, "kept")) {
			e.kind = LEDGER_KEPT;
		} else if (!strcmp(word, "kvmhost")) {
			e.kind = LEDGER_KVMHOST;
			snprintf(e.what, sizeof(e.what), "%s", rest);
		} else {
			known = false;
		}
		free(l);
		if (known) {
			if (out->n == cap) {
				cap = cap ? cap * 2 : 16;
				out->entries = xrealloc(out->entries, cap * sizeof(*out->entries));
			}
			out->entries[out->n++] = e;
		}
		line = eol ? eol + 1 : NULL;
	}
	return 0;
}

void ledger_release(struct ledger *l)
{
	free(l->entries);
	l->entries = NULL;
	l->n = 0;
}

/* A link vlab made in the host's namespace (--host-net) is still the same
 * one: same name, same index. A tap0 the student made since is left alone. */
bool ledger_link_is_ours(const struct ledger_entry *e)
{
	struct net *net;
	struct net_link_info info;
	bool ours = false;
	if (net_open(&net) == 0) {
		ours = net_link_get(net, e->path, &info) == 0 && info.index == e->ifindex;
		net_close(net);
	}
	return ours;
}

bool run_process_alive(pid_t pid, unsigned long long start)
{
	return start && proc_start_time(pid) == start;
}

/* Whether a ledger names a process that still runs: its owner (a vlab
 * at work) or a VM it started (one kept with --keep). */
static bool ledger_live(const struct ledger *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct ledger_entry *e = &l->entries[i];
		if ((e->kind == LEDGER_OWNER || e->kind == LEDGER_PROCESS) && run_process_alive(e->pid, e->start))
			return true;
	}
	return false;
}

bool run_dir_live(const char *dir)
{
	char *path = xasprintf("%s/resources", dir);
	struct strbuf sb = STRBUF_INIT;
	struct ledger l;
	bool live = read_file(path, &sb) == 0 && ledger_parse(sb_str(&sb), &l) == 0;
	if (live) {
		live = ledger_live(&l);
		ledger_release(&l);
	}
	sb_release(&sb);
	free(path);
	return live;
}

int runs_load(struct run **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *base = rundir_base();
	DIR *d = opendir(base);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	size_t cap = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s/resources", base, de->d_name);
		struct strbuf sb = STRBUF_INIT;
		if (read_file(path, &sb) == 0) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 8;
				*out = xrealloc(*out, cap * sizeof(**out));
			}
			struct run *r = &(*out)[*n];
			memset(r, 0, sizeof(*r));
			text_printf(r->id, sizeof(r->id), "%s", de->d_name);
			snprintf(r->dir, sizeof(r->dir), "%s/%s", base, de->d_name);
			if (ledger_parse(sb_str(&sb), &r->ledger) == 0) {
				for (size_t i = 0; i < r->ledger.n; i++) {
					const struct ledger_entry *e = &r->ledger.entries[i];
					if (e->kind == LEDGER_OWNER) {
						r->owner = e->pid;
						r->owner_alive = run_process_alive(e->pid, e->start);
					} else if (e->kind == LEDGER_KEPT) {
						r->kept = true;
					}
				}
				r->live = ledger_live(&r->ledger);
				(*n)++;
			}
		}
		sb_release(&sb);
		free(path);
	}
	closedir(d);
	return 0;
}

void runs_release(struct run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ledger_release(&runs[i].ledger);
	free(runs);
}

const char *run_state(const struct run *r)
{
	if (r->owner_alive)
		return "running";
	return r->kept ? "kept (--keep)" : "left behind (vlab was killed)";
}

/* Stop a process vlab recorded: it is no child of ours any more (the vlab
 * that started it is gone), so watch its start time instead of waitpid. */
static void stop_recorded(pid_t pid, unsigned long long start)
{
	if (!run_process_alive(pid, start))
		return;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (int i = 0; i < 300 && run_process_alive(pid, start); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (run_process_alive(pid, start)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
}

/* path lies below base: base, then '/', and no ".." on the way (a ledger
 * entry "/run/vlab-other/x" or "/run/vlab/../etc" is not vlab's). */
static bool inside_run_dir(const char *base, const char *path)
{
	size_t n = strlen(base);
	if (strncmp(path, base, n) || path[n] != '/')
		return false;
	for (const char *p = path + n; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || p[3] == 0)
			return false;
	return true;
}

/* path is a directory of a cgroup file system (v1 or v2) with a component
 * that vlab's gradings name their groups with ("vlab-grade-RUN"): a ledger
 * line cannot make `vlab clean` empty another group. */
static bool cgroup_is_vlabs(const char *path)
{
	struct statfs fs;
	if (statfs(path, &fs) < 0 || (fs.f_type != CGROUP_SUPER_MAGIC && fs.f_type != CGROUP2_SUPER_MAGIC))
		return false;
	if (strstr(path, "/.."))
		return false;
	return strstr(path, "/vlab-grade-") != NULL;
}

int run_clean(const struct run *run, bool verbose)
{
	const char *base = rundir_base();
	int removed = 0;
	for (size_t k = run->ledger.n; k-- > 0;) {
		const struct ledger_entry *e = &run->ledger.entries[k];
		switch (e->kind) {
		case LEDGER_PROCESS:
			if (run_process_alive(e->pid, e->start)) {
				stop_recorded(e->pid, e->start);
				if (verbose)
					printf("  stopped process %d (%s)\n", (int)e->pid, e->what);
				removed++;
			}
			break;
		case LEDGER_FILE:
		case LEDGER_DIR:
		case LEDGER_TREE:
			/* only what lies in vlab's own run directory */
			if (!inside_run_dir(base, e->path) || !path_exists(e->path))
				break;
			if (e->kind == LEDGER_TREE)
				remove_tree(e->path);
			else if (e->kind == LEDGER_DIR)
				rmdir(e->path);
			else
				unlink(e->path);
			if (verbose)
				printf("  removed %s\n", e->path);
			removed++;
			break;
		case LEDGER_NETNS:
			if (strncmp(e->path, "vlab-", 5))
				break;
			if (ns_remove_named(e->path) == 0) {
				if (verbose)
					printf("  removed network namespace %s\n", e->path);
				removed++;
			}
			break;
		case LEDGER_LINK:
			if (ledger_link_is_ours(e)) {
				struct net *net;
				if (net_open(&net) == 0) {
					if (net_link_delete(net, e->path) == 0) {
						if (verbose)
							printf("  deleted link %s\n", e->path);
						removed++;
					}
					net_close(net);
				}
			}
			break;
		case LEDGER_CGROUP:
			/* only a cgroup, and one of vlab's gradings */
			if (!cgroup_is_vlabs(e->path))
				break;
			if (!path_exists(e->path))
				break;
			int cr = cgroup_empty_and_remove(e->path, 3000);
			if (cr == 0) {
				if (verbose)
					printf("  removed cgroup %s\n", e->path);
				removed++;
			} else if (verbose) {
				printf("  cannot remove cgroup %s: %s\n", e->path, strerror(-cr));
			}
			break;
		case LEDGER_OWNER:
		case LEDGER_KEPT:
		case LEDGER_KVMHOST:
			break;
		}
	}
	char *ledger = xasprintf("%s/resources", run->dir);
	unlink(ledger);
	free(ledger);
	/* a grading's directory holds nothing but its sandboxes' (removed
	 * above) and the ledger: once empty it goes too; a chapter's keeps
	 * its logs and reports */
	const char *name = strrchr(run->dir, '/');
	if (name && starts_with(name + 1, "grade-") && rmdir(run->dir) == 0) {
		if (verbose)
			printf("  removed %s\n", run->dir);
		removed++;
	}
	return removed;
}

bool runs_find_netns(const struct run *runs, size_t n, const char *only, char *name, size_t namelen, char *run_id,
		     size_t idlen)
{
	bool chosen_live = false;
	name[0] = run_id[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (only && strcmp(runs[i].id, only))
			continue;
		/* a run whose vlab or VMs still run wins over one left behind;
		 * among equals the newest (run ids sort by time while the clock
		 * only moves forward) */
		for (size_t k = 0; k < runs[i].ledger.n; k++) {
			const struct ledger_entry *e = &runs[i].ledger.entries[k];
			char *p = xasprintf("/run/netns/%s", e->path);
			bool better = runs[i].live != chosen_live ? runs[i].live : strcmp(runs[i].id, run_id) > 0;
			if (e->kind == LEDGER_NETNS && path_exists(p) && (!name[0] || better)) {
				snprintf(name, namelen, "%s", e->path);
				snprintf(run_id, idlen, "%s", runs[i].id);
				chosen_live = runs[i].live;
			}
			free(p);
		}
	}
	return name[0] != '\0';
}

bool runs_find_kvmhost(const struct run *runs, size_t n, const char *only, char *what, size_t whatlen, char *run_id,
		       size_t idlen)
{
	for (size_t i = 0; i < n; i++) {
		if (only ? strcmp(runs[i].id, only) != 0 : !runs[i].live)
			continue;
		for (size_t k = 0; k < runs[i].ledger.n; k++) {
			if (runs[i].ledger.entries[k].kind != LEDGER_KVMHOST)
				continue;
			snprintf(what, whatlen, "%s", runs[i].ledger.entries[k].what);
			snprintf(run_id, idlen, "%s", runs[i].id);
			return true;
		}
	}
	return false;
}
