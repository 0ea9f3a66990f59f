/* A graded submission's checks; see submission_checks.h. */
#include "runner/grade/submission_checks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/grade_cmdline.h"
#include "checks/qemu_cmdline.h"
#include "checks/check_kinds.h"
#include "checks/check_registry.h"
#include "checks/conclusions.h"
#include "checks/script_check.h"
#include "runner/grade/grade_ctx.h"
#include "runner/util.h"
#include "runner/files.h"
#include "runner/sha256.h"
#include "checks/lab_plan.h"

struct check_result *outcome_slot(struct outcome *o, const char *id)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->results[i].id, id))
			return &o->results[i];
	if (o->n >= OUTCOME_MAX_RESULTS)
		return NULL;
	check_init(&o->results[o->n], id);
	return &o->results[o->n++];
}

/* The checks of the recorded command line, or of the one running VM:
 * the registry's rows that grading decides so (check_registry.h), so a
 * check added there is failed with the rest when there is no VM to ask. */
static size_t graded_ids(enum check_graded_by by, const char *ids[OUTCOME_MAX_RESULTS])
{
	size_t n = check_registry_ids(by, ids, OUTCOME_MAX_RESULTS);
	return n < OUTCOME_MAX_RESULTS ? n : OUTCOME_MAX_RESULTS;
}

void fail_checks(struct outcome *o, const char *const *ids, size_t n, bool error, const char *hint,
		 const char *why)
{
	for (size_t i = 0; i < n; i++) {
		struct check_result *r = outcome_slot(o, ids[i]);
		if (!r || r->done)
			continue;
		if (error)
			check_error(r, "%s", why);
		else
			check_fail(r, hint, "%s", why);
	}
}

void fail_cmdline_checks(struct outcome *o, bool error, const char *hint, const char *why)
{
	const char *ids[OUTCOME_MAX_RESULTS];
	size_t n = graded_ids(GRADED_BY_CMDLINE, ids);
	fail_checks(o, (const char *const *)ids, n, error, hint, why);
}

static void fail_vm_checks(struct outcome *o, bool error, const char *hint, const char *why)
{
	const char *ids[OUTCOME_MAX_RESULTS];
	size_t n = graded_ids(GRADED_BY_VM, ids);
	fail_checks(o, (const char *const *)ids, n, error, hint, why);
}

void fail_run_checks(struct outcome *o, bool error, const char *hint, const char *why)
{
	fail_cmdline_checks(o, error, hint, why);
	fail_vm_checks(o, error, hint, why);
}

void fail_vm_checks_qemu_exited(struct outcome *o, const char *why)
{
	const char *ids[OUTCOME_MAX_RESULTS];
	size_t n = graded_ids(GRADED_BY_VM, ids);
	for (size_t k = 0; k < n; k++) {
		struct check_result *dst = outcome_slot(o, ids[k]);
		if (dst && (dst->verdict != VERDICT_PASS || check_registry_find(ids[k])->while_running))
			check_fail(dst, "run the script by hand and read qemu's message", "%s", why);
	}
}

void static_checks(struct outcome *o, const char *const *argv, int argc)
{
	struct qemu_cmdline c;
	if (qemu_cmdline_parse(argv, argc, &c)) {
		fail_cmdline_checks(o, true, NULL, "the recorded command line could not be read");
		return;
	}
	check_grade_kvm(outcome_slot(o, CHECK_CH1_CMDLINE_KVM), &c);
	check_grade_cpu_host(outcome_slot(o, CHECK_CH1_CMDLINE_CPU_HOST), &c);
	check_grade_memory(outcome_slot(o, CHECK_CH1_CMDLINE_MEMORY), &c);
	check_grade_virtio_blk(outcome_slot(o, CHECK_CH1_CMDLINE_VIRTIO_BLK), &c, LAB_ROOTFS_FILE);
	check_grade_serial_socket(outcome_slot(o, CHECK_CH1_CMDLINE_SERIAL_SOCKET), &c);
	check_grade_nic(outcome_slot(o, CHECK_CH2_CMDLINE_NIC), &c);
	qemu_cmdline_release(&c);
}

/* What one saved file may hold, at most: iperf3's and perf's reports are
 * a few kB, a strace log of qemu's start a few hundred. */
#define ARTEFACT_CAP (8 << 20)

/* Whether name is one of the files row is judged on. */
static bool of_kind(const char *name, const struct check_row *row)
{
	size_t l = strlen(name), sl = strlen(row->saved->suffix);
	return starts_with(name, row->saved->prefix) && l > sl && !strcmp(name + l - sl, row->saved->suffix);
}

static bool is_saved_artifact(const char *name)
{
	for (size_t k = 0; k < ncheck_registry; k++)
		if (check_registry[k].saved && of_kind(name, &check_registry[k]))
			return true;
	return conclusions_name(name);
}

json_t *saved_artifacts_json(const char *dir)
{
	json_t *out = json_array();
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		char *p = xasprintf("%s/%s", dir, nm);
		struct stat st;
		char sha[65];
		if (is_saved_artifact(nm) && lstat(p, &st) == 0 && S_ISREG(st.st_mode) && sha256_file(p, sha) == 0)
			json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "file", nm, "sha256", sha, "bytes",
							     (json_int_t)st.st_size));
		free(p);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return out;
}

/* The submission's file nm, judged by row's kind into r: 0 when it passed;
 * otherwise r FAILs saying why, naming the file. The file is the
 * student's: read through dirfd, not followed if a link, up to a cap. */
static int judge_artefact(struct check_result *r, int dirfd, const char *nm, const struct check_row *row)
{
	struct strbuf sb = STRBUF_INIT;
	mode_t type = 0;
	int rc = read_untrusted_at(dirfd, nm, ARTEFACT_CAP, &sb, NULL, &type);
	if (rc) {
		const char *what = untrusted_refusal(rc, type);
		check_fail(r, "hand in the file itself, not a link to it", "%s cannot be read: %s", nm,
			   what[0] ? what : strerror(-rc));
		sb_release(&sb);
		return -1;
	}
	const struct check_kind *ck = check_kind_find(row->kind);
	json_t *m = json_object(), *f = json_object();
	char why[256] = "";
	if (ck->judge(sb_str(&sb), sb.len, r, m, f, why, sizeof(why)))
		check_fail(r, "hand in the file the lab's command writes", "%s is %s", nm, why);
	else if (r->verdict != VERDICT_PASS)
		check_detail_prefix(r, nm);
	r->id = row->id; /* the kind's own id is `vlab check`'s */
	json_decref(m);
	json_decref(f);
	sb_release(&sb);
	return r->verdict == VERDICT_PASS ? 0 : -1;
}

/* row's files in dir (names sorted as scandir's alphasort does)
 * judged into r: the first, or each while they pass (the detail then
 * names every one). */
static void judge_kind(struct check_result *r, int dirfd, struct dirent **ents, int n, const struct check_row *row)
{
	struct strbuf passed = STRBUF_INIT;
	int judged = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		if (!of_kind(nm, row))
			continue;
		if (judge_artefact(r, dirfd, nm, row)) {
			if (judged)
				check_detail_prefix(r, judged == 1 ? "one file passed, but" : "the files before it passed, but");
			sb_release(&passed);
			return;
		}
		sb_addf(&passed, "%s%s: %s", judged ? "; " : "", nm, r->detail);
		judged++;
		if (!row->saved->every)
			break;
	}
	if (!judged)
		check_fail(r, "save it in your submission's folder", "the submission has no %s", row->saved->what);
	else if (judged > 1)
		check_pass(r, "%d files, each passed: %s", judged, sb_str(&passed));
	sb_release(&passed);
}

void artefact_checks(struct outcome *o, const struct rubric *rubric, const char *dir)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent **ents = NULL;
	int n = dirfd < 0 ? -1 : scandir(dir, &ents, NULL, alphasort);
	for (size_t k = 0; k < ncheck_registry; k++) {
		const struct check_row *row = &check_registry[k];
		if (!row->saved || !rubric_find(rubric, row->id))
			continue;
		struct check_result *r = outcome_slot(o, row->id);
		if (!r)
			continue;
		if (n < 0)
			check_error(r, "cannot list %s: %s", dir, strerror(errno));
		else
			judge_kind(r, dirfd, ents, n, row);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	if (n >= 0)
		free(ents);
	if (dirfd >= 0)
		close(dirfd);
}

bool script_unrunnable(const char *dir, const char *script, char *why, size_t n, const char **hint)
{
	char *path = xasprintf("%s/%s", dir, script);
	struct stat st;
	memset(&st, 0, sizeof(st));
	unsigned char head[SCRIPT_CHECK_HEAD];
	size_t got = 0;
	bool bad = false;
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		ssize_t r = fd < 0 ? -1 : read(fd, head, sizeof(head));
		got = r > 0 ? (size_t)r : 0;
		if (fd >= 0)
			close(fd);
	}
	bad = script_check(script, head, got, st.st_mode, why, n, hint) != 0;
	free(path);
	return bad;
}
