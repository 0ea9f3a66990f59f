/* A submission's saved work beyond one file of a kind; see saved_work.h. */
#include "runner/grade/saved_work.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "checks/ch4_saved.h"
#include "checks/check_registry.h"
#include "checks/conclusions.h"
#include "checks/iperf.h"
#include "checks/iperf_runs.h"
#include "checks/lab_plan.h"
#include "runner/untrusted_text.h"
#include "runner/util.h"
#include "runner/files.h"

/* What one saved file may hold, at most: perf's and iperf3's reports are a
 * few kB, a student's conclusions a page or two. */
#define SAVED_FILE_CAP (1 << 20)

/* The submission's file names in byte order (alphasort), as scandir gives
 * them; n < 0 when dir cannot be listed. */
struct names {
	struct dirent **ents;
	int n;
};

static void names_release(struct names *ns)
{
	for (int i = 0; i < ns->n; i++)
		free(ns->ents[i]);
	if (ns->n >= 0)
		free(ns->ents);
}

/* name's bytes into sb, as read_untrusted_at reads them: 0, or FAIL r saying
 * what the file is instead and returning -1. */
static int read_saved(struct check_result *r, int dirfd, const char *name, struct strbuf *sb)
{
	mode_t type = 0;
	int rc = read_untrusted_at(dirfd, name, SAVED_FILE_CAP, sb, NULL, &type);
	if (!rc)
		return 0;
	const char *what = untrusted_refusal(rc, type);
	check_fail(r, "hand in the file itself, not a link to it", "%s cannot be read: %s", name,
		   what[0] ? what : strerror(-rc));
	return -1;
}

/* ---- ch4.cr_exits_ept_off ------------------------------------------------- */

struct loaded_perf {
	struct saved_perf s;
	struct perf_report rep;
};

static int load_perf(struct check_result *r, int dirfd, const char *name, struct loaded_perf *lp)
{
	lp->s.name = name;
	lp->s.rep = &lp->rep;
	if (!name)
		return 0;
	struct strbuf sb = STRBUF_INIT;
	int rc = read_saved(r, dirfd, name, &sb);
	if (!rc)
		lp->s.parse_rc = perf_report_parse(sb_str(&sb), sb.len, &lp->rep);
	sb_release(&sb);
	return rc;
}

static void ept_pair_check(struct check_result *r, int dirfd, const struct names *ns)
{
	const char *on = NULL, *off = NULL, *unnamed = NULL, *param = "ept", *p;
	for (int i = 0; i < ns->n; i++) {
		const char *nm = ns->ents[i]->d_name;
		if (!perf_report_name(nm))
			continue;
		enum ept_side side = perf_name_ept_side(nm, &p);
		if (side == EPT_SIDE_ON && !on)
			on = nm;
		else if (side == EPT_SIDE_OFF && !off)
			off = nm;
		else if (side == EPT_SIDE_UNKNOWN && !unnamed)
			unnamed = nm;
		if (side != EPT_SIDE_UNKNOWN && !strcmp(p, "npt"))
			param = "npt";
	}
	struct loaded_perf *lon = xcalloc(1, sizeof(*lon)), *loff = xcalloc(1, sizeof(*loff));
	if (!load_perf(r, dirfd, off, loff) && !load_perf(r, dirfd, on, lon))
		check_saved_cr_exits(r, &lon->s, &loff->s, param, unnamed);
	free(lon);
	free(loff);
}

/* ---- ch3.conclusions ------------------------------------------------------- */

static bool iperf_name(const char *name)
{
	size_t l = strlen(name);
	return !strncmp(name, "iperf", 5) &&
	       ((l >= 10 && !strcmp(name + l - 5, ".json")) || (l >= 9 && !strcmp(name + l - 4, ".txt")));
}

/* The link a saved run went over, by the lab's addresses: the server a
 * client connected to, else the addresses of its connection (a server's
 * own report). */
static const char *run_link(const struct iperf_result *res)
{
	const char *l = lab_link_of_address(res->server);
	if (!l)
		l = lab_link_of_address(res->local);
	if (!l)
		l = lab_link_of_address(res->remote);
	return l;
}

/* s escaped as untrusted text, cut to n bytes at a character's start. */
static void escape_in_place(char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, strlen(s), 0);
	size_t l = sb.len < n ? sb.len : n - 1;
	while (l > 0 && l < sb.len && ((unsigned char)sb.buf[l] & 0xc0) == 0x80)
		l--;
	memcpy(s, sb_str(&sb), l);
	s[l] = '\0';
	sb_release(&sb);
}

static void conclusions_check(struct check_result *r, int dirfd, const struct names *ns)
{
	const char *file = NULL;
	for (int i = 0; i < ns->n && !file; i++)
		if (conclusions_name(ns->ents[i]->d_name))
			file = ns->ents[i]->d_name;
	if (!file) {
		check_fail(r, "write what you concluded from the two iperf3 runs in conclusions.txt, in your "
			      "submission's folder (lab chapter 3, \"Virtualized Vs Paravirtualized I/O\")",
			   "the submission has no conclusions.txt (or conclusions.md)");
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	if (read_saved(r, dirfd, file, &sb)) {
		sb_release(&sb);
		return;
	}
	struct nic_conclusion *c = xcalloc(1, sizeof(*c));
	nic_conclusion_parse(sb_str(&sb), sb.len, c);
	escape_in_place(c->sentence, sizeof(c->sentence));
	escape_in_place(c->other_sentence, sizeof(c->other_sentence));
	/* the first complete run of each link, in name order */
	char *names[2] = { NULL, NULL };
	struct link_rate rate[2] = { { NULL, 0 }, { NULL, 0 } };
	struct iperf_result *res = xcalloc(1, sizeof(*res));
	for (int i = 0; i < ns->n; i++) {
		const char *nm = ns->ents[i]->d_name;
		if (!iperf_name(nm))
			continue;
		sb_reset(&sb);
		if (read_untrusted_at(dirfd, nm, SAVED_FILE_CAP, &sb, NULL, NULL))
			continue;
		/* both runs may be in one file, appended */
		struct iperf_span *spans;
		size_t nspans = iperf_split_runs(sb_str(&sb), sb.len, &spans);
		for (size_t j = 0; j < nspans; j++) {
			/* a report whose numbers no run produced is no measurement
			 * to conclude from (iperf_inconsistency()) */
			char why[240];
			if (iperf_parse(sb_str(&sb) + spans[j].offset, spans[j].len, res) || !res->complete ||
			    iperf_bps(res) <= 0 || iperf_inconsistency(res, why, sizeof(why)))
				continue;
			const char *link = run_link(res);
			int k = !link ? -1 : !strcmp(link, "e1000") ? 0 : 1;
			if (k >= 0 && !rate[k].file) {
				names[k] = xstrdup(nm);
				rate[k] = (struct link_rate){ names[k], iperf_bps(res) };
			}
		}
		free(spans);
	}
	check_nic_conclusions(r, file, c, &rate[0], &rate[1]);
	free(names[0]);
	free(names[1]);
	free(res);
	free(c);
	sb_release(&sb);
}

void saved_work_checks(struct outcome *o, const struct rubric *rubric, const char *dir)
{
	/* each judge of several files, and the checks the registry says it decides */
	static const struct {
		enum check_graded_by by;
		void (*judge)(struct check_result *r, int dirfd, const struct names *ns);
	} judges[] = { { GRADED_BY_EPT_PAIR, ept_pair_check }, { GRADED_BY_CONCLUSIONS, conclusions_check } };
	struct names ns = { NULL, -1 };
	int dirfd = -1;
	bool listed = false;
	for (size_t j = 0; j < ARRAY_SIZE(judges); j++) {
		const char *ids[4];
		size_t n = check_registry_ids(judges[j].by, ids, ARRAY_SIZE(ids));
		for (size_t k = 0; k < n && k < ARRAY_SIZE(ids); k++) {
			struct check_result *r = rubric_find(rubric, ids[k]) ? outcome_slot(o, ids[k]) : NULL;
			if (!r)
				continue;
			if (!listed) {
				/* once, for the first check the rubric asks for */
				listed = true;
				dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (dirfd >= 0)
					ns.n = scandir(dir, &ns.ents, NULL, alphasort);
			}
			if (dirfd < 0 || ns.n < 0)
				check_error(r, "cannot list %s: %s", dir, strerror(errno));
			else
				judges[j].judge(r, dirfd, &ns);
		}
	}
	names_release(&ns);
	if (dirfd >= 0)
		close(dirfd);
}
