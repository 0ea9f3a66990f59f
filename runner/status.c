/* vlab status / vlab clean. */
#include "runner/status.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/exit_status.h"
#include "runner/host/ept.h"
#include "runner/net/net.h"
#include "runner/net/ns.h"
#include "runner/rundir.h"
#include "runner/util.h"

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
			   !strcmp(word, "netns")) {
			e.kind = !strcmp(word, "file") ? LEDGER_FILE : !strcmp(word, "dir") ? LEDGER_DIR :
				 !strcmp(word, "tree") ? LEDGER_TREE : LEDGER_NETNS;
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
static bool link_is_ours(const struct ledger_entry *e)
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

static bool alive(pid_t pid, unsigned long long start)
{
	return start && proc_start_time(pid) == start;
}

/* Whether a ledger names a process that still runs: its owner (a vlab
 * at work) or a VM it started (one kept with --keep). */
static bool ledger_live(const struct ledger *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct ledger_entry *e = &l->entries[i];
		if ((e->kind == LEDGER_OWNER || e->kind == LEDGER_PROCESS) && alive(e->pid, e->start))
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

struct run {
	char id[128];
	char dir[4096];
	struct ledger ledger;
	bool owner_alive, kept, live;
	pid_t owner;
};

/* Every run directory that still has a ledger. */
static int load_runs(struct run **out, size_t *n)
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
			snprintf(r->id, sizeof(r->id), "%s", de->d_name);
			snprintf(r->dir, sizeof(r->dir), "%s/%s", base, de->d_name);
			if (ledger_parse(sb_str(&sb), &r->ledger) == 0) {
				for (size_t i = 0; i < r->ledger.n; i++) {
					const struct ledger_entry *e = &r->ledger.entries[i];
					if (e->kind == LEDGER_OWNER) {
						r->owner = e->pid;
						r->owner_alive = alive(e->pid, e->start);
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

static void free_runs(struct run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ledger_release(&runs[i].ledger);
	free(runs);
}

static const char *run_state(const struct run *r)
{
	if (r->owner_alive)
		return "running";
	return r->kept ? "kept (--keep)" : "left behind (vlab was killed)";
}

int cmd_status(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "vlab: unexpected '%s'\nusage: vlab status\n", argv[1]);
		return EXIT_USAGE;
	}
	struct run *runs;
	size_t n;
	int r = load_runs(&runs, &n);
	if (r) {
		fprintf(stderr, "vlab: cannot read '%s': %s\n", rundir_base(), strerror(-r));
		return EXIT_HOST;
	}
	if (!n)
		printf("nothing: no vlab run is going on or left behind in %s\n", rundir_base());
	for (size_t i = 0; i < n; i++) {
		const struct run *run = &runs[i];
		printf("run %s: %s", run->id, run_state(run));
		if (run->owner_alive)
			printf(" (vlab pid %d)", (int)run->owner);
		printf("\n");
		for (size_t k = 0; k < run->ledger.n; k++) {
			const struct ledger_entry *e = &run->ledger.entries[k];
			switch (e->kind) {
			case LEDGER_PROCESS:
				if (alive(e->pid, e->start))
					printf("  process %-8d %s\n", (int)e->pid, e->what);
				break;
			case LEDGER_FILE:
			case LEDGER_DIR:
			case LEDGER_TREE:
				if (path_exists(e->path))
					printf("  %-15s %s\n", strstr(e->path, ".sock") ? "socket" : "file", e->path);
				break;
			case LEDGER_NETNS: {
				char *p = xasprintf("/run/netns/%s", e->path);
				if (path_exists(p))
					printf("  netns           %s\n", e->path);
				free(p);
				break;
			}
			case LEDGER_LINK:
				if (link_is_ours(e))
					printf("  link            %s (host namespace)\n", e->path);
				break;
			case LEDGER_OWNER:
			case LEDGER_KEPT:
				break;
			}
		}
	}
	free_runs(runs, n);
	return 0;
}

/* Stop a process vlab recorded: it is no child of ours any more (the vlab
 * that started it is gone), so watch its start time instead of waitpid. */
static void stop_recorded(pid_t pid, unsigned long long start)
{
	if (!alive(pid, start))
		return;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (int i = 0; i < 300 && alive(pid, start); i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (alive(pid, start)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
}

static int clean_run(const struct run *run, bool verbose)
{
	const char *base = rundir_base();
	int removed = 0;
	for (size_t k = run->ledger.n; k-- > 0;) {
		const struct ledger_entry *e = &run->ledger.entries[k];
		switch (e->kind) {
		case LEDGER_PROCESS:
			if (alive(e->pid, e->start)) {
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
			if (strncmp(e->path, base, strlen(base)) || !path_exists(e->path))
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
			if (link_is_ours(e)) {
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
		case LEDGER_OWNER:
		case LEDGER_KEPT:
			break;
		}
	}
	char *ledger = xasprintf("%s/resources", run->dir);
	unlink(ledger);
	free(ledger);
	return removed;
}

int cmd_clean(int argc, char **argv)
{
	/* --root DIR (not in the usage): the sysfs the EPT restore reads, for
	 * tests on a fake one, as doctor's --root */
	const char *root = "";
	if (argc > 2 && !strcmp(argv[1], "--root")) {
		root = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc > 2) {
		fprintf(stderr, "vlab: unexpected '%s'\nusage: vlab clean [RUN_ID]\n", argv[2]);
		return EXIT_USAGE;
	}
	const char *only = argc > 1 ? argv[1] : NULL;
	/* First the one thing that outlives a run directory: a KVM module that
	 * a SIGKILLed chapter 4 left reloaded with ept/npt off. */
	char ept_msg[512];
	int ept_rc = ept_restore_if_pending(root, ept_msg, sizeof(ept_msg));
	if (ept_rc == 0 || ept_rc == -EALREADY)
		printf("KVM module: %s\n", ept_msg);
	else if (ept_rc < 0)
		fprintf(stderr, "vlab: %s\n", ept_msg);
	struct run *runs;
	size_t n;
	int r = load_runs(&runs, &n);
	if (r) {
		fprintf(stderr, "vlab: cannot read '%s': %s\n", rundir_base(), strerror(-r));
		return EXIT_HOST;
	}
	int status = 0;
	size_t done = 0;
	bool found = !only;
	for (size_t i = 0; i < n; i++) {
		const struct run *run = &runs[i];
		if (only && strcmp(run->id, only))
			continue;
		found = true;
		if (run->owner_alive) {
			printf("run %s is still running (vlab pid %d): stop it with Ctrl-C or `kill %d`\n", run->id,
			       (int)run->owner, (int)run->owner);
			continue;
		}
		printf("run %s (%s):\n", run->id, run_state(run));
		if (clean_run(run, true) == 0)
			printf("  nothing left to remove\n");
		done++;
	}
	if (!found) {
		fprintf(stderr, "vlab: no run '%s' in %s (see `vlab status`)\n", only, rundir_base());
		status = EXIT_USAGE;
	} else if (!done) {
		printf("nothing to clean in %s\n", rundir_base());
	}
	free_runs(runs, n);
	if (ept_rc < 0 && ept_rc != -EALREADY && !status)
		status = EXIT_HOST;
	return status;
}

int cmd_shell(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "vlab: unexpected '%s'\nusage: vlab shell [RUN_ID]\n", argv[2]);
		return EXIT_USAGE;
	}
	const char *only = argc > 1 ? argv[1] : NULL;
	struct run *runs;
	size_t n;
	if (load_runs(&runs, &n)) {
		fprintf(stderr, "vlab: cannot read '%s'\n", rundir_base());
		return EXIT_HOST;
	}
	char name[4096] = "", run_id[128] = "";
	bool chosen_live = false;
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
				snprintf(name, sizeof(name), "%s", e->path);
				snprintf(run_id, sizeof(run_id), "%s", runs[i].id);
				chosen_live = runs[i].live;
			}
			free(p);
		}
	}
	free_runs(runs, n);
	if (!name[0]) {
		fprintf(stderr, "vlab: no lab network namespace is up: start one with `vlab chapter 2 --keep` (as root)\n");
		return EXIT_HOST;
	}
	char *path = xasprintf("/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vlab: cannot enter the network namespace '%s': %s\n", name, strerror(errno));
		return EXIT_HOST;
	}
	close(fd);
	const char *sh = getenv("SHELL");
	if (!sh || !*sh)
		sh = "/bin/sh";
	fprintf(stderr, "vlab: a shell in the network namespace %s (run %s): the host side is 10.0.0.1 (tap0),\n"
			"the guest 10.0.0.10; try `ping 10.0.0.10` or `curl http://10.0.0.10:8000/`. `exit` leaves.\n",
		name, run_id);
	setenv("VLAB_NETNS", name, 1);
	char *const args[] = { (char *)sh, NULL };
	execvp(sh, args);
	fprintf(stderr, "vlab: cannot run '%s': %s\n", sh, strerror(errno));
	return EXIT_HOST;
}
