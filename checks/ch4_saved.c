/* Chapter 4's saved EPT on/off reports; see ch4_saved.h. */
#include "checks/ch4_saved.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/ch4.h"
#include "runner/util.h"

bool perf_report_name(const char *name)
{
	size_t l = strlen(name);
	return l > 8 && !strncasecmp(name, "perf", 4) && !strcasecmp(name + l - 4, ".txt");
}

static bool word_in(const char *w, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(w, *set))
			return true;
	return false;
}

static const char *const on_words[] = { "on", "1", "y", "yes", "true", "enabled", "enable", NULL };
static const char *const off_words[] = { "off", "0", "n", "no", "false", "disabled", "disable", NULL };

#define NAME_MAX_WORDS 16

enum ept_side perf_name_ept_side(const char *name, const char **param)
{
	char words[NAME_MAX_WORDS][24];
	size_t n = 0;
	for (const char *p = name; *p && n < NAME_MAX_WORDS;) {
		if (!isalnum((unsigned char)*p)) {
			p++;
			continue;
		}
		size_t l = 0;
		while (isalnum((unsigned char)*p)) {
			if (l + 1 < sizeof(words[n]))
				words[n][l++] = (char)tolower((unsigned char)*p);
			p++;
		}
		words[n++][l] = '\0';
	}
	bool on = false, off = false, npt = false, named = false;
	for (size_t i = 0; i < n; i++) {
		const char *w = words[i];
		if (!strcmp(w, "shadow")) {
			off = true;
			continue;
		}
		if (!strcmp(w, "noept") || !strcmp(w, "nonpt") || !strcmp(w, "notdp")) {
			off = true;
			npt |= !strcmp(w, "nonpt");
			continue;
		}
		if (strncmp(w, "ept", 3) && strncmp(w, "npt", 3) && strncmp(w, "tdp", 3))
			continue;
		npt |= !strncmp(w, "npt", 3);
		named = true;
		const char *glued = w + 3;
		if (*glued) {  /* "eptoff", "ept0"; anything else ("epta") is another word */
			on |= word_in(glued, on_words);
			off |= word_in(glued, off_words);
			continue;
		}
		if (i + 1 < n && word_in(words[i + 1], on_words))
			on = true;
		else if (i + 1 < n && word_in(words[i + 1], off_words))
			off = true;
		else if (i > 0 && !strcmp(words[i - 1], "with"))
			on = true;
		else if (i > 0 && (!strcmp(words[i - 1], "no") || !strcmp(words[i - 1], "without") ||
				   !strcmp(words[i - 1], "disabled")))
			off = true;
	}
	/* "perf_ept_on_off.txt" says both */
	for (size_t i = 0; named && i < n; i++) {
		on |= !strcmp(words[i], "on") || !strcmp(words[i], "enabled");
		off |= !strcmp(words[i], "off") || !strcmp(words[i], "disabled");
	}
	if (param)
		*param = npt ? "npt" : "ept";
	if (on == off)
		return EPT_SIDE_UNKNOWN;
	return on ? EPT_SIDE_ON : EPT_SIDE_OFF;
}

static const char hint_names[] =
	"save `perf kvm stat report` once with EPT/NPT on as perf_ept_on.txt and once with it off "
	"(modprobe kvm_intel ept=0, kvm_amd npt=0) as perf_ept_off.txt";

static bool same_table(const struct perf_report *a, const struct perf_report *b)
{
	if (a->nrows != b->nrows || a->total_samples != b->total_samples)
		return false;
	for (size_t i = 0; i < a->nrows; i++)
		if (strcmp(a->rows[i].reason, b->rows[i].reason) || a->rows[i].samples != b->rows[i].samples)
			return false;
	return true;
}

/* A side that cannot be compared: FAIL saying why; true when it failed. */
static bool side_unusable(struct check_result *r, const struct saved_perf *s, const char *side, const char *param,
			  const char *unnamed)
{
	if (!s->name) {
		if (unnamed) {
			char *hint = xasprintf("say in the name which it is: perf_%s_on.txt or perf_%s_off.txt", param,
					       param);
			check_fail(r, hint, "no perf report recorded with %s %s; %s does not say in its name whether %s "
					    "was on or off",
				   param, side, unnamed, param);
			free(hint);
		} else {
			check_fail(r, hint_names, "no perf report recorded with %s %s (perf_%s_%s.txt)", param, side,
				   param, side);
		}
		return true;
	}
	if (s->parse_rc) {
		check_fail(r, hint_names, "%s is not a `perf kvm stat report` table (no header with 'Samples')", s->name);
		return true;
	}
	if (!s->rep->nrows || !s->rep->total_samples) {
		check_fail(r, "record while the guest runs its three /root/while_true (`perf kvm stat record -p "
			      "QEMU_PID`, then `perf kvm stat report`)",
			   "%s counts no VM exits (%s %s)", s->name, param, side);
		return true;
	}
	return false;
}

void check_saved_cr_exits(struct check_result *r, const struct saved_perf *on, const struct saved_perf *off,
			  const char *param, const char *unnamed)
{
	if (side_unusable(r, off, "off", param, unnamed) || side_unusable(r, on, "on", param, unnamed))
		return;
	if (same_table(on->rep, off->rep)) {
		check_fail(r, hint_names,
			   "%s and %s hold the same exits, reason for reason and sample for sample: one recording "
			   "handed in twice, not a comparison (two recordings never count alike)",
			   on->name, off->name);
		return;
	}
	struct exit_sample *son = xcalloc(1, sizeof(*son)), *soff = xcalloc(1, sizeof(*soff));
	son->perf = *on->rep;
	soff->perf = *off->rep;
	/* seconds 0: the reports do not say how long they recorded */
	son->tp_rc = son->tp_cr_rc = son->qmp_rc = -1;
	soff->tp_rc = soff->tp_cr_rc = soff->qmp_rc = -1;
	check_cr_exits_ept_off(r, son, soff, param);
	/* the files the verdict came from, for the student to find */
	char *files = xasprintf("%s / %s", off->name, on->name);
	check_detail_prefix(r, files);
	free(files);
	free(son);
	free(soff);
}
