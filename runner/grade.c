/* vlab grade; see grade.h for the shape of a run. */
#include "runner/grade.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks/class_report.h"
#include "checks/grade_cmdline.h"
#include "checks/rubric.h"
#include "checks/saved_files.h"
#include "checks/script_check.h"
#include "runner/assets.h"
#include "runner/grade/capped_log.h"
#include "runner/class_merge.h"
#include "runner/cleanup.h"
#include "runner/engine.h"
#include "runner/grade/grade_report.h"
#include "runner/lab_names.h"
#include "runner/host/host.h"
#include "runner/vm/image.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/rundir.h"
#include "runner/grade/sandbox.h"
#include "runner/grade/shim.h"
#include "runner/verify.h"

#define SCRIPT_NAME "runqemu_single_vm.sh"
#define DEFAULT_RUBRIC "assets/rubric/default.rubric"
#define MAX_JOBS 16
#define MAX_RESULTS 48

struct grade_ctx {
	char **subs;              /* absolute paths */
	char **names;             /* their report names */
	int n;
	int jobs;
	int timeout_s;
	bool self;
	enum report_format format;
	char out[PATH_MAX];
	struct rubric rubric;
	char rubric_origin[PATH_MAX];
	char rubric_sha256[65];
	struct manifest manifest;
	struct image img;
	const char *profile;
	struct accel_decision accel;
	char vlab_exe[PATH_MAX];
	char *real_qemu;
	char *bwrap;
	char *grade_root;         /* RUN_BASE/grade-RUNID: the sandboxes */
	char cgroup_parent[64];   /* "vlab-grade-RUNID" below vlab's own cgroup */
	struct cgroup_host cgroups;
	uint64_t memory_bytes, disk_bytes;
	char http_cmd[128];
};

/* A submission's report name: its directory's name, [A-Za-z0-9._-] kept. */
static char *submission_name(const char *path)
{
	char *copy = xstrdup(path);
	size_t l = strlen(copy);
	while (l > 1 && copy[l - 1] == '/')
		copy[--l] = '\0';
	const char *base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	char *name = xstrdup(*base && strcmp(base, ".") && strcmp(base, "..") ? base : "submission");
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-' || *p == '_'))
			*p = '_';
	if (name[0] == '.')
		name[0] = '_';
	free(copy);
	return name;
}

/* ---- one submission (in its worker) ---------------------------------------- */

struct record {
	bool present;
	json_t *json;
	const char **argv;        /* into json */
	int argc;
	/* from vlab's own layout (shim.h: qmp-N.sock, qemu-N.stderr beside
	 * qemu-N.json), never from what the record says */
	char qmp[PATH_MAX], stderr_path[PATH_MAX];
};

static void record_release(struct record *rec)
{
	free(rec->argv);
	json_decref(rec->json);
	memset(rec, 0, sizeof(*rec));
}

/* What root reads of a sandbox's files, at most (records, qemu's stderr,
 * copied to --out). */
#define SHIM_FILE_CAP (1 << 20)

/* Record number seq of the shim directory (shim_fd), read as root reads what
 * a sandbox wrote (util.h read_untrusted_at). 0 loaded; -ENOENT not there
 * (yet); otherwise refused says why no record can be trusted. */
static int record_load(int shim_fd, const char *shim_dir, int seq, struct record *rec, char *refused, size_t n)
{
	memset(rec, 0, sizeof(*rec));
	char name[32];
	snprintf(name, sizeof(name), "qemu-%d.json", seq);
	struct strbuf sb = STRBUF_INIT;
	mode_t type;
	bool cut;
	int r = read_untrusted_at(shim_fd, name, SHIM_FILE_CAP, &sb, &cut, &type);
	if (r == -ENOENT) {
		sb_release(&sb);
		return r;
	}
	if (r) {
		snprintf(refused, n, "%s in the shim's directory is %s, not a record the shim wrote", name,
			 untrusted_refusal(r, type)[0] ? untrusted_refusal(r, type) : strerror(-r));
		sb_release(&sb);
		return r;
	}
	json_error_t e;
	rec->json = cut ? NULL : json_loadb(sb.buf ? sb.buf : "", sb.len, 0, &e);
	sb_release(&sb);
	json_t *argv = json_object_get(rec->json, "argv");
	size_t na = json_array_size(argv);
	if (!rec->json || !na || na > 4096) {
		snprintf(refused, n, "%s in the shim's directory is not a record the shim wrote (%s)", name,
			 cut ? "over 1 MiB" : !rec->json ? "not JSON" : "no command line");
		record_release(rec);
		return -EINVAL;
	}
	rec->argv = xcalloc(na + 1, sizeof(char *));
	for (size_t i = 0; i < na; i++) {
		const char *s = json_string_value(json_array_get(argv, i));
		rec->argv[i] = s ? s : "";
	}
	rec->argc = (int)na;
	snprintf(rec->qmp, sizeof(rec->qmp), "%s/qmp-%d.sock", shim_dir, seq);
	snprintf(rec->stderr_path, sizeof(rec->stderr_path), "%s/qemu-%d.stderr", shim_dir, seq);
	rec->present = true;
	return 0;
}

/* The last non-empty line of a sandbox's file (for details), "" when none
 * or when it is not a regular file. */
static void last_line_at(int dirfd, const char *name, char *out, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	out[0] = '\0';
	if (read_untrusted_at(dirfd, name, SHIM_FILE_CAP, &sb, NULL, NULL) == 0) {
		char *t = rtrim(sb.buf ? sb.buf : (char *)"");
		char *nl = strrchr(t, '\n');
		snprintf(out, n, "%s", nl ? nl + 1 : t);
	}
	sb_release(&sb);
}

static bool exe_is(pid_t pid, const char *exe)
{
	char p[64], buf[PATH_MAX];
	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, exe);
}

/* Whether pid is the qemu shim (vlab's binary) run with exactly the
 * record's command line: what makes a record the shim's own. */
static bool shim_process_is(const struct grade_ctx *ctx, pid_t pid, const struct record *rec)
{
	if (!exe_is(pid, ctx->vlab_exe))
		return false;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	struct strbuf sb = STRBUF_INIT;
	bool same = read_file(p, &sb) == 0;
	const char *a = sb.buf ? sb.buf : "", *end = a + sb.len;
	int i = 0;
	for (; same && a < end && i < rec->argc; i++, a += strlen(a) + 1)
		same = !strcmp(a, rec->argv[i]);
	same = same && a >= end && i == rec->argc;
	sb_release(&sb);
	return same;
}

struct outcome {
	struct check_result results[MAX_RESULTS];
	size_t n;
	json_t *facts;
	json_t *qemus;            /* the records */
	json_t *adaptations;      /* sentences */
	char script[256];         /* how the script ended */
	int left;                 /* processes left after the stop */
	int uid;                  /* the script's uid, -1 none */
	char stderr_name[64];     /* the first qemu's stderr, as kept */
};

static struct check_result *slot(struct outcome *o, const char *id)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->results[i].id, id))
			return &o->results[i];
	if (o->n >= MAX_RESULTS)
		return NULL;
	check_init(&o->results[o->n], id);
	return &o->results[o->n++];
}

/* The checks that need a VM, when there is none to ask: FAIL, saying why. */
static const char *const vm_checks[] = {
	"ch1.qemu_running", "ch1.memory_256m", "ch1.rootfs_virtio_blk", "ch1.serial_login_root",
	"ch1.serial_login_student", "ch2.tap_up", "ch2.nic_mac", "ch2.guest_ip", "ch2.ping_guest_to_host",
	"ch2.ping_host_to_guest", "ch2.http_200",
};
static const char *const cmdline_checks[] = {
	"ch1.cmdline_kvm", "ch1.cmdline_cpu_host", "ch1.cmdline_memory", "ch1.cmdline_virtio_blk",
	"ch1.cmdline_serial_socket", "ch2.cmdline_nic",
};

static void fail_all(struct outcome *o, const char *const *ids, size_t n, bool error, const char *hint,
		     const char *why)
{
	for (size_t i = 0; i < n; i++) {
		struct check_result *r = slot(o, ids[i]);
		if (!r || r->done)
			continue;
		if (error)
			check_error(r, "%s", why);
		else
			check_fail(r, hint, "%s", why);
	}
}

static void static_checks(struct outcome *o, const struct record *rec)
{
	struct qemu_cmdline c;
	if (qemu_cmdline_parse(rec->argv, rec->argc, &c)) {
		fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), true, NULL,
			 "the recorded command line could not be read");
		return;
	}
	check_grade_kvm(slot(o, "ch1.cmdline_kvm"), &c);
	check_grade_cpu_host(slot(o, "ch1.cmdline_cpu_host"), &c);
	check_grade_memory(slot(o, "ch1.cmdline_memory"), &c);
	check_grade_virtio_blk(slot(o, "ch1.cmdline_virtio_blk"), &c, LAB_ROOTFS_FILE);
	check_grade_serial_socket(slot(o, "ch1.cmdline_serial_socket"), &c);
	check_grade_nic(slot(o, "ch2.cmdline_nic"), &c);
	qemu_cmdline_release(&c);
}

/* Whether the record stands for the qemu that runs: the shim's adaptation of
 * the recorded argv, redone here with the shim's configuration (its QMP
 * socket named by its pid), must be the process's /proc cmdline, and the
 * process the real qemu. The record lies where the script can write, so a
 * script could write one for a command it never ran and start another qemu
 * past the shim: that shows here. 1 it is, 0 it is not (why says how), -1
 * cannot tell (qemu is gone: the VM checks say so). */
static int record_verified(const struct grade_ctx *ctx, const struct record *rec, const char *initrd, pid_t qpid,
			   char *why, size_t n)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)qpid);
	struct strbuf sb = STRBUF_INIT;
	if (qpid <= 0 || read_file(p, &sb) || !sb.len) {
		sb_release(&sb);
		return -1;
	}
	if (!exe_is(qpid, ctx->real_qemu)) {
		sb_release(&sb);
		if (proc_gone(qpid))
			return -1;
		snprintf(why, n, "the process the record names (pid %d) is not %s", (int)qpid, ctx->real_qemu);
		return 0;
	}
	struct shim_config cfg = {
		.to_tcg = ctx->accel.accel != ACCEL_KVM,
		.tcg_why = ctx->accel.reason,
		.initrd = initrd,
		.qmp_path = rec->qmp,
	};
	struct shim_result res;
	shim_adapt(rec->argv, rec->argc, &cfg, &res);
	int verdict = 1, i = 0;
	const char *a = sb.buf, *end = sb.buf + sb.len;
	for (; a < end && i < res.argc; i++, a += strlen(a) + 1) {
		if (strcmp(a, res.argv[i])) {
			snprintf(why, n, "argument %d of the running qemu is '%.80s', but the record makes it '%.80s'", i, a,
				 res.argv[i]);
			verdict = 0;
			break;
		}
	}
	if (verdict && (a < end || i < res.argc)) {
		snprintf(why, n, "the running qemu has %s arguments than the record makes", a < end ? "more" : "fewer");
		verdict = 0;
	}
	shim_result_release(&res);
	sb_release(&sb);
	return verdict;
}

/* Saved artefacts, judged as `vlab check` does: the first file of each
 * kind's names in the submission. Only for checks the rubric lists. */
/* The saved artefacts a submission may hold: the check each is judged by,
 * `vlab check`'s kind, and the file names. */
static const struct {
	const char *id, *kind, *prefix, *suffix, *what;
} kinds[] = {
	{ "ch3.iperf_saved", "iperf", "iperf", ".json", "iperf3's JSON (iperf*.json)" },
	{ "ch4.strace_memory_region", "strace", "strace", ".log", "a strace log of qemu (strace.log)" },
	{ "ch4.exits_counted", "perf", "perf", ".txt", "a perf kvm stat report (perf*.txt)" },
};

static bool is_saved_artifact(const char *name)
{
	size_t l = strlen(name);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		size_t sl = strlen(kinds[k].suffix);
		if (starts_with(name, kinds[k].prefix) && l > sl && !strcmp(name + l - sl, kinds[k].suffix))
			return true;
	}
	return false;
}

/* The submission's saved artefacts as [{"file", "sha256", "bytes"}], for the
 * class report to find byte-identical ones (checks/class_report.h). Regular
 * files only: a link could point at another student's file. */
static json_t *saved_artifacts_json(const char *dir)
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

static void artefact_checks(struct outcome *o, const struct grade_ctx *ctx, const char *dir)
{
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		if (!rubric_find(&ctx->rubric, kinds[k].id))
			continue;
		struct check_result *r = slot(o, kinds[k].id);
		if (!r)
			continue;
		struct dirent **ents;
		int n = scandir(dir, &ents, NULL, alphasort);
		char *found = NULL;
		for (int i = 0; i < n; i++) {
			const char *nm = ents[i]->d_name;
			size_t l = strlen(nm), sl = strlen(kinds[k].suffix);
			if (!found && starts_with(nm, kinds[k].prefix) && l >= sl && !strcmp(nm + l - sl, kinds[k].suffix))
				found = xasprintf("%s/%s", dir, nm);
			free(ents[i]);
		}
		if (n >= 0)
			free(ents);
		if (!found) {
			check_fail(r, "save it in your submission's folder", "the submission has no %s", kinds[k].what);
			continue;
		}
		struct strbuf sb = STRBUF_INIT;
		const struct check_kind *ck = check_kind_find(kinds[k].kind);
		json_t *m = json_object(), *f = json_object();
		char why[256] = "";
		if (read_file(found, &sb)) {
			check_fail(r, NULL, "cannot read %s", found);
		} else if (ck->judge(sb_str(&sb), sb.len, r, m, f, why, sizeof(why))) {
			check_fail(r, "hand in the file the lab's command writes", "%s is %s", strrchr(found, '/') + 1, why);
		}
		r->id = kinds[k].id;  /* the kind's own id is `vlab check`'s */
		json_decref(m);
		json_decref(f);
		sb_release(&sb);
		free(found);
	}
}

/* What a graded script may print that is kept (the rest is counted). */
#define SCRIPT_LOG_CAP (1 << 20)

/* Whether dir's script cannot run, looked at without following a link (a
 * link could name a host file) and without opening anything but a regular
 * file (a FIFO would block). */
static bool script_unrunnable(const char *dir, char *why, size_t n, const char **hint)
{
	char *path = xasprintf("%s/" SCRIPT_NAME, dir);
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
	bad = script_check(SCRIPT_NAME, head, got, st.st_mode, why, n, hint) != 0;
	free(path);
	return bad;
}

/* What the sandbox was, for the result's facts: its jail, uid, limits and
 * what the script used of them. */
static json_t *sandbox_facts(const struct grade_ctx *ctx, const struct sandbox *sb, uid_t uid)
{
	json_t *f = json_pack("{s:s, s:I, s:s, s:s, s:s?, s:I, s:i, s:I, s:b}", "jail", "bubblewrap", "host_uid",
			      (json_int_t)uid, "uid_map", sb->uid_map, "cgroup",
			      ctx->cgroups.version == CGROUP_V1   ? "v1"
			      : ctx->cgroups.version == CGROUP_V2 ? "v2"
								  : "none",
			      "cgroup_why", ctx->cgroups.version == CGROUP_NONE ? ctx->cgroups.why : NULL,
			      "memory_limit_bytes", (json_int_t)ctx->memory_bytes, "pids_max", SANDBOX_PIDS,
			      "disk_bytes", (json_int_t)ctx->disk_bytes, "seccomp", 1);
	if (ctx->cgroups.version != CGROUP_NONE) {
		json_object_set_new(f, "memory_peak_bytes", json_integer((json_int_t)sb->memory_peak));
		json_object_set_new(f, "memory_limit_hit", json_boolean(sb->memory_hit));
	}
	return f;
}

/* Run the script in its sandbox and check what it starts. */
static void run_submission(const struct grade_ctx *ctx, int i, int slot_no, const char *outdir, struct outcome *o)
{
	const char *dir = ctx->subs[i];
	char *script = xasprintf("%s/" SCRIPT_NAME, dir);
	bool has_script = path_exists(script);
	free(script);
	if (!has_script) {
		const char *why = "the submission has no " SCRIPT_NAME;
		const char *hint = "hand in your completed " SCRIPT_NAME " (`vlab handout` writes the starter)";
		fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), false, hint, why);
		fail_all(o, vm_checks, ARRAY_SIZE(vm_checks), false, hint, why);
		snprintf(o->script, sizeof(o->script), "not run: no " SCRIPT_NAME);
		return;
	}
	/* what would stop the kernel from running it, in the student's terms */
	char bad[320];
	const char *bad_hint = NULL;
	if (script_unrunnable(dir, bad, sizeof(bad), &bad_hint)) {
		fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), false, bad_hint, bad);
		fail_all(o, vm_checks, ARRAY_SIZE(vm_checks), false, bad_hint, bad);
		snprintf(o->script, sizeof(o->script), "not run: %s", bad);
		return;
	}
	char *root = xasprintf("%s/%s", ctx->grade_root, ctx->names[i]);
	char *out_log = xasprintf("%s/script.log", outdir);
	char *console = xasprintf("%s/console.log", outdir);
	int shim_fd = -1;
	/* the script's output through a relay that keeps SCRIPT_LOG_CAP bytes */
	struct capped_log out_cap;
	int out_fd = capped_log_start(out_log, SCRIPT_LOG_CAP, &out_cap) == 0 ? out_cap.write_fd : -1;
	/* a uid of its own: no other sandbox on this host, of this vlab or
	 * another, shares its processes' limits or signals */
	uid_t uid = 0;
	int uid_fd = -1;
	int ur = sandbox_claim_uid("", &uid, &uid_fd);
	o->uid = ur ? -1 : (int)uid;
	char *env[8];
	int ne = 0;
	env[ne++] = xasprintf("VLAB_SHIM_DIR=%s/" SANDBOX_SHIM_DIR, root);
	env[ne++] = xasprintf("VLAB_SHIM_QEMU=%s", ctx->real_qemu);
	env[ne++] = xasprintf("VLAB_SHIM_ACCEL=%s", ctx->accel.accel == ACCEL_KVM ? "kvm" : "tcg");
	env[ne++] = xasprintf("VLAB_SHIM_ACCEL_WHY=%s", ctx->accel.reason);
	if (ctx->img.initrd)
		env[ne++] = xasprintf("VLAB_SHIM_INITRD=%s/work/%s", root, strrchr(ctx->img.initrd, '/') + 1);
	env[ne] = NULL;
	struct sandbox_spec spec = {
		.submission = dir,
		.image_dir = ctx->img.dir,
		.kernel = strrchr(ctx->img.kernel, '/') + 1,
		.rootfs = strrchr(ctx->img.rootfs, '/') + 1,
		.lab_kernel = LAB_KERNEL_NAME,
		.lab_rootfs = LAB_ROOTFS_NAME,
		.root = root,
		.script = SCRIPT_NAME,
		.output_fd = out_fd,
		.vlab_exe = ctx->vlab_exe,
		.env = env,
		.uid = uid,
		.dev_kvm = ctx->accel.accel == ACCEL_KVM,
		.bwrap = ctx->bwrap,
		.nproc = 256,
		.cpu_s = ctx->timeout_s + 60,
		.fsize = 512ULL << 20,
		.disk_bytes = ctx->disk_bytes,
		.cgroups = &ctx->cgroups,
		.cgroup_parent = ctx->cgroup_parent,
		.cgroup_name = ctx->names[i],
		.limits = { .memory_bytes = ctx->memory_bytes, .pids = SANDBOX_PIDS, .cpu_weight = 100 },
	};
	struct sandbox sb;
	char err[640] = "";
	int64_t t0 = now_ms(), deadline = t0 + (int64_t)ctx->timeout_s * 1000;
	int rtree = cleanup_add_path(RES_TREE, root);
	int r = out_fd < 0 ? -EIO : ur ? ur : sandbox_start(&spec, &sb, err, sizeof(err));
	if (ur && !err[0])
		snprintf(err, sizeof(err), "no free uid for the script (%u..%u all in use)", SANDBOX_UID_BASE,
			 SANDBOX_UID_BASE + SANDBOX_UID_COUNT - 1);
	if (out_fd >= 0) {
		close(out_fd);
		out_cap.write_fd = -1;
	}
	for (int k = 0; k < ne; k++)
		free(env[k]);
	if (r) {
		char why[800];
		snprintf(why, sizeof(why), "vlab could not make the sandbox: %s", err[0] ? err : strerror(-r));
		fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), true, NULL, why);
		fail_all(o, vm_checks, ARRAY_SIZE(vm_checks), true, NULL, why);
		snprintf(o->script, sizeof(o->script), "not run: %s", why);
		goto out;
	}
	for (int k = 0; k < sb.nnotes; k++)
		json_array_append_new(o->adaptations, json_string(sb.notes[k]));
	if (ctx->cgroups.version == CGROUP_NONE)
		json_array_append_new(o->adaptations,
				      json_sprintf("warning: this sandbox had no memory, process or CPU limit as a whole "
						   "(%s); its disk, uid, namespaces and seccomp filter were as always",
						   ctx->cgroups.why));

	/* the script's first qemu: its record, the shim's word for it (its
	 * pid, from the kernel), then the process after its exec */
	struct record rec = { 0 };
	pid_t qpid = 0, shim_pid = 0;
	char refused[300] = "", impostor[200] = "";
	int64_t rec_seen = 0;
	shim_fd = open(sb.shim_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	while (ms_left(deadline) > 0 && !cleanup_stop_requested() && shim_fd >= 0) {
		int seq, ar;
		pid_t apid;
		/* a bounded number a round: a script flooding the channel does
		 * not keep the worker from its deadline */
		for (int k = 0; k < 64 && ((ar = sandbox_shim_announcement(&sb, &seq, &apid)) == 0 || ar == -EINVAL); k++) {
			if (ar == 0 && seq == 1 && !shim_pid) {
				if (!rec.present)
					record_load(shim_fd, sb.shim_dir, 1, &rec, refused, sizeof(refused));
				if (rec.present && shim_process_is(ctx, apid, &rec))
					shim_pid = apid;
				else if (rec.present)
					snprintf(impostor, sizeof(impostor), "pid %d, which is not the qemu shim run with the "
						 "recorded command line", (int)apid);
			}
			if (ar == 0)
				sandbox_shim_answer(&sb);
		}
		int lr = rec.present ? 0 : record_load(shim_fd, sb.shim_dir, 1, &rec, refused, sizeof(refused));
		if (lr && lr != -ENOENT)
			break;
		if (rec.present && !rec_seen)
			rec_seen = now_ms();
		if (rec.present && shim_pid) {
			/* until the shim has become qemu (its exec), then until
			 * qemu's QMP socket is there: qemu makes it after reading
			 * its whole command line, so a qemu that refuses the line
			 * is gone by then, and is judged gone */
			qpid = shim_pid;
			int64_t until = now_ms() + 5000;
			while (exe_is(qpid, ctx->vlab_exe) && ms_left(until) > 0)
				poll(NULL, 0, 10);
			until = now_ms() + 10000;
			while (!path_exists(rec.qmp) && !proc_gone(qpid) && ms_left(until) > 0)
				poll(NULL, 0, 10);
			break;
		}
		/* the shim announces a record as soon as it has published it:
		 * a record nobody announced is not the shim's */
		if (rec.present && now_ms() - rec_seen > 5000) {
			snprintf(refused, sizeof(refused),
				 "qemu-1.json in the shim's directory was not written by the qemu shim (%s)",
				 impostor[0] ? impostor : "no shim process announced it");
			record_release(&rec);
			break;
		}
		if (sandbox_script_exited(&sb) && !rec.present)
			break;
		struct pollfd pf = { .fd = sb.shim_fd, .events = POLLIN };
		poll(&pf, sb.shim_fd >= 0 ? 1 : 0, 50);
	}
	int64_t started_ms = now_ms() - t0;

	if (rec.present) {
		char forged[400] = "";
		char *initrd = ctx->img.initrd ? xasprintf("%s/work/%s", root, strrchr(ctx->img.initrd, '/') + 1) : NULL;
		int verified = record_verified(ctx, &rec, initrd, qpid, forged, sizeof(forged));
		free(initrd);
		json_object_set_new(o->facts, "record_verified", verified < 0 ? json_null() : json_boolean(verified));
		if (verified == 0) {
			char why[560];
			snprintf(why, sizeof(why), "the recorded command line is not the one qemu runs: %s", forged);
			fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), false,
				 "start qemu-system-x86_64 from the script as the lab does (by name, in its PATH)", why);
		} else {
			static_checks(o, &rec);
		}
		if (strrchr(rec.stderr_path, '/'))
			snprintf(o->stderr_name, sizeof(o->stderr_name), "%s", strrchr(rec.stderr_path, '/') + 1);
		json_t *q = json_deep_copy(rec.json);
		json_array_append_new(o->qemus, q);
		size_t k;
		json_t *c;
		json_array_foreach(json_object_get(rec.json, "changes"), k, c) {
			json_array_append_new(o->adaptations, json_sprintf("%s: %s", json_string_value(json_object_get(c, "what")),
									   json_string_value(json_object_get(c, "why"))));
		}
		int64_t boot = ctx->accel.accel == ACCEL_KVM ? 30000 : 90000;
		if (boot > ms_left(deadline))
			boot = ms_left(deadline);
		struct verify_grading g = {
			.pid = qpid > 0 ? qpid : -1,
			.argv = rec.argv,
			.argc = rec.argc,
			.qmp_path = rec.qmp,
			.transcript = console,
			.http_cmd = ctx->http_cmd,
			.boot_wait_ms = boot > 1000 ? boot : 1000,
			.tcg = ctx->accel.accel != ACCEL_KVM,
		};
		size_t n = 0;
		struct check_result got[LAB_MAX_CHECKS * 2];
		if (verify_for_grading(&g, got, ARRAY_SIZE(got), &n, o->facts) == 0) {
			for (size_t k2 = 0; k2 < n; k2++) {
				struct check_result *dst = slot(o, got[k2].id);
				if (dst)
					*dst = got[k2];
			}
		}
		/* a qemu that died (a typo qemu refused, a crash): what no
		 * check could ask is the student's failure, with qemu's words */
		if (qpid <= 0 || proc_gone(qpid)) {
			char line[300];
			char errname[32];
			snprintf(errname, sizeof(errname), "qemu-1.stderr");
			last_line_at(shim_fd, errname, line, sizeof(line));
			char why[600];
			snprintf(why, sizeof(why), "qemu exited%s%s%s", line[0] ? ": it said '" : " without a word on stderr",
				 line, line[0] ? "'" : "");
			for (size_t k2 = 0; k2 < ARRAY_SIZE(vm_checks); k2++) {
				struct check_result *dst = slot(o, vm_checks[k2]);
				if (dst && (dst->verdict != VERDICT_PASS || !strcmp(vm_checks[k2], "ch1.qemu_running")))
					check_fail(dst, "run the script by hand and read qemu's message", "%s", why);
			}
			json_object_set_new(o->facts, "qemu_exited", json_string(why));
		}
		record_release(&rec);
	} else if (refused[0]) {
		const char *hint = "let the script start qemu-system-x86_64 by name; leave the grader's files alone";
		fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), false, hint, refused);
		fail_all(o, vm_checks, ARRAY_SIZE(vm_checks), false, hint, refused);
	} else {
		char line[300] = "";
		int log_dir = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		last_line_at(log_dir, "script.log", line, sizeof(line));
		if (log_dir >= 0)
			close(log_dir);
		char why[700];
		if (sandbox_script_exited(&sb)) {
			char how[96];
			proc_describe_status(sb.script_status, how, sizeof(how));
			snprintf(why, sizeof(why), "the script started no qemu-system-x86_64: it %s%s%s%s", how,
				 line[0] ? "; its last line: '" : "", line, line[0] ? "'" : "");
		} else {
			snprintf(why, sizeof(why), "the script started no qemu-system-x86_64 within %d s", ctx->timeout_s);
		}
		const char *hint = "run qemu-system-x86_64 from the script, in the foreground (lab chapter 1)";
		fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), false, hint, why);
		fail_all(o, vm_checks, ARRAY_SIZE(vm_checks), false, hint, why);
	}
	json_object_set_new(o->facts, "qemu_started_ms", json_integer(started_ms));
	json_object_set_new(o->facts, "qemu_pid", json_integer(qpid));

	bool exited = sandbox_script_exited(&sb);
	int st = sb.script_status;
	sandbox_stop(&sb, &o->left);
	json_object_set_new(o->facts, "sandbox", sandbox_facts(ctx, &sb, uid));
	if (exited) {
		char how[96];
		proc_describe_status(st, how, sizeof(how));
		snprintf(o->script, sizeof(o->script), "%s before vlab ended it", how);
	} else {
		snprintf(o->script, sizeof(o->script), "ended by vlab after the checks (SIGKILL to its pid namespace)");
	}
	uint64_t printed = 0;
	if (out_fd >= 0 && capped_log_finish(&out_cap, 10000, &printed) == 0 && printed > SCRIPT_LOG_CAP) {
		json_array_append_new(o->adaptations,
				      json_sprintf("the script printed %llu bytes; script.log keeps the first %d "
						   "(the cap)", (unsigned long long)printed, SCRIPT_LOG_CAP));
	}
	json_object_set_new(o->facts, "script_output_bytes", json_integer((json_int_t)printed));
	out_fd = -1;
	/* qemu's records and stderr, kept with the reports: regular files of
	 * the shim's names only, read through the directory opened before the
	 * stop (its disk is detached now), never through a link */
	DIR *d = shim_fd >= 0 ? fdopendir(dup(shim_fd)) : NULL;
	int out_dir = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	while (d && out_dir >= 0 && (de = readdir(d))) {
		const char *nm = de->d_name;
		int64_t num;
		char digits[16];
		const char *dash = nm + 5, *dot = strchr(dash, '.');
		if (!starts_with(nm, "qemu-") || !dot || (size_t)(dot - dash) >= sizeof(digits) ||
		    (strcmp(dot, ".json") && strcmp(dot, ".stderr")))
			continue;
		snprintf(digits, sizeof(digits), "%.*s", (int)(dot - dash), dash);
		if (parse_i64(digits, 1, 999, &num))
			continue;
		int cr = copy_untrusted_at(shim_fd, nm, SHIM_FILE_CAP, out_dir, nm, 0644);
		mode_t type = 0;
		struct stat fst;
		if (cr && fstatat(shim_fd, nm, &fst, AT_SYMLINK_NOFOLLOW) == 0)
			type = fst.st_mode & S_IFMT;
		if (cr)
			json_array_append_new(o->adaptations, json_sprintf("%s in the shim's directory is %s: not kept", nm,
									   untrusted_refusal(cr, type)[0] ? untrusted_refusal(cr, type) : strerror(-cr)));
	}
	if (d)
		closedir(d);
	if (out_dir >= 0)
		close(out_dir);
out:
	if (shim_fd >= 0)
		close(shim_fd);
	if (out_fd >= 0) {
		uint64_t ignored;
		capped_log_finish(&out_cap, 10000, &ignored);
	}
	cleanup_release(rtree);
	if (uid_fd >= 0)
		close(uid_fd);
	free(root);
	free(out_log);
	free(console);
}

static int grade_one(const struct grade_ctx *ctx, int i, int slot_no)
{
	int64_t t0 = now_ms();
	char *outdir = xasprintf("%s/%s", ctx->out, ctx->names[i]);
	/* an earlier grading's files go, and nothing else: OUT/NAME is only
	 * ever vlab's (cmd_grade refuses an --out that reaches a submission) */
	DIR *old = opendir(outdir);
	struct dirent *de;
	while (old && (de = readdir(old))) {
		static const char *const mine[] = { "report.json", "classroom.json", "feedback.txt", "console.log",
						     "script.log" };
		bool ours = starts_with(de->d_name, "qemu-");
		for (size_t k = 0; k < ARRAY_SIZE(mine); k++)
			ours |= !strcmp(de->d_name, mine[k]);
		if (ours)
			unlinkat(dirfd(old), de->d_name, 0);
	}
	if (old)
		closedir(old);
	int r = mkdir_p(outdir, 0755);
	if (r) {
		fprintf(stderr, "vlab: cannot make %s: %s\n", outdir, strerror(-r));
		free(outdir);
		return EXIT_INTERNAL;
	}
	struct outcome *o = xcalloc(1, sizeof(*o));
	o->facts = json_object();
	o->qemus = json_array();
	o->adaptations = json_array();
	run_submission(ctx, i, slot_no, outdir, o);
	artefact_checks(o, ctx, ctx->subs[i]);

	struct score *sc = xcalloc(1, sizeof(*sc));
	rubric_score(&ctx->rubric, o->results, o->n, sc);
	json_t *res = json_object();
	json_object_set_new(res, "schema_version", json_integer(GRADE_SCHEMA_VERSION));
	json_object_set_new(res, "kind", json_string("grade"));
	json_object_set_new(res, "vlab_version", json_string(VLAB_VERSION));
	json_object_set_new(res, "submission", json_string(ctx->names[i]));
	json_object_set_new(res, "path", json_string(ctx->subs[i]));
	json_object_set_new(res, "score", json_integer(sc->points));
	json_object_set_new(res, "max_score", json_integer(sc->max_points));
	json_object_set_new(res, "needs_regrade", json_boolean(sc->needs_regrade));
	json_object_set_new(res, "accelerator",
			    json_pack("{s:s, s:s}", "name", ctx->accel.accel == ACCEL_KVM ? "kvm" : "tcg", "reason",
				      ctx->accel.reason));
	json_object_set_new(res, "image", json_pack("{s:s, s:s}", "profile", ctx->profile, "sha256", ctx->img.digest));
	json_object_set_new(res, "rubric", json_pack("{s:s, s:s, s:s}", "path", ctx->rubric_origin, "sha256",
						     ctx->rubric_sha256, "title", ctx->rubric.title));
	json_object_set_new(res, "checks", grade_checks_json(sc));
	json_t *skipped = json_array();
	for (int k = 0; k < sc->nitems; k++)
		if (sc->items[k].outcome == OUTCOME_SKIP)
			json_array_append_new(skipped, json_string(sc->items[k].item->id));
	json_object_set_new(res, "skipped", skipped);
	json_object_set_new(res, "qemu", o->qemus);
	json_object_set_new(res, "adaptations", o->adaptations);
	json_object_set_new(res, "script", json_pack("{s:s, s:s, s:i, s:i}", "file", SCRIPT_NAME, "end", o->script,
						     "processes_left", o->left, "uid", o->uid));
	json_object_set_new(res, "artifacts", json_pack("{s:s, s:s, s:o}", "console", "console.log", "script_output",
							"script.log", "qemu_stderr", o->stderr_name[0] ? json_string(o->stderr_name) : json_null()));
	json_object_set_new(res, "saved", saved_artifacts_json(ctx->subs[i]));
	json_object_set_new(res, "facts", o->facts);
	json_object_set_new(res, "duration_ms", json_integer(now_ms() - t0));

	char *p = xasprintf("%s/report.json", outdir);
	r = json_dump_file(res, p, JSON_INDENT(2)) ? -EIO : 0;
	free(p);
	json_t *cls = grade_classroom_json(res);
	p = xasprintf("%s/classroom.json", outdir);
	json_dump_file(cls, p, JSON_INDENT(2));
	free(p);
	json_decref(cls);
	p = xasprintf("%s/feedback.txt", outdir);
	FILE *f = fopen(p, "w");
	if (f) {
		grade_write_feedback(f, res);
		fclose(f);
	}
	free(p);
	json_decref(res);
	free(sc);
	free(o);
	free(outdir);
	return r ? EXIT_INTERNAL : EXIT_PASS;
}

/* ---- the class ------------------------------------------------------------- */

/* A result for a worker that left none (it crashed): every check an ERROR. */
static json_t *broken_result(const struct grade_ctx *ctx, int i, const char *why)
{
	struct outcome *o = xcalloc(1, sizeof(*o));
	fail_all(o, cmdline_checks, ARRAY_SIZE(cmdline_checks), true, NULL, why);
	fail_all(o, vm_checks, ARRAY_SIZE(vm_checks), true, NULL, why);
	struct score *sc = xcalloc(1, sizeof(*sc));
	rubric_score(&ctx->rubric, o->results, o->n, sc);
	json_t *res = json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:b}", "schema_version", GRADE_SCHEMA_VERSION, "kind",
				"grade", "vlab_version", VLAB_VERSION, "submission", ctx->names[i], "path", ctx->subs[i],
				"score", sc->points, "max_score", sc->max_points, "needs_regrade", 1);
	json_object_set_new(res, "checks", grade_checks_json(sc));
	json_object_set_new(res, "skipped", json_array());
	free(sc);
	free(o);
	return res;
}

static int write_with(const char *dir, const char *name, void (*fn)(FILE *, const json_t *), const json_t *v)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	free(p);
	if (!f)
		return -errno;
	fn(f, v);
	return fclose(f) ? -errno : 0;
}

/* How long past --timeout a worker may take to end its sandbox and write
 * its reports before the parent kills it: the checks after the script's
 * time (a guest login under TCG) and the teardown. */
static int worker_margin_s(const struct grade_ctx *ctx)
{
	return ctx->timeout_s / 2 > 30 ? ctx->timeout_s / 2 : 30;
}

/* What a killed worker left: its sandbox's processes die with it (bwrap
 * dies with its parent, the sandbox with bwrap) and its mounts with its
 * mount namespace; its cgroup and directories are the parent's to remove. */
static void reap_killed_worker(const struct grade_ctx *ctx, int i)
{
	struct cgroup cg;
	if (cgroup_open(&ctx->cgroups, ctx->cgroup_parent, ctx->names[i], &cg) == 0)
		cgroup_kill_remove(&cg, 5000);
	char *root = xasprintf("%s/%s", ctx->grade_root, ctx->names[i]);
	remove_tree(root);
	free(root);
	char *p = xasprintf("%s/%s/report.json", ctx->out, ctx->names[i]);
	unlink(p);
	free(p);
}

static int run_all(struct grade_ctx *ctx, json_t *results)
{
	/* a worker killed at its deadline leaves its bwrap and the sandbox's
	 * init without a parent: they come to vlab, not to PID 1 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t workers[MAX_JOBS] = { 0 };
	int handles[MAX_JOBS];
	int idx[MAX_JOBS];
	int64_t deadline[MAX_JOBS];
	bool *killed = xcalloc((size_t)ctx->n + 1, sizeof(bool));
	int next = 0, running = 0;
	fflush(NULL);
	bool forwarded = false;
	while ((next < ctx->n && !cleanup_stop_requested()) || running) {
		/* a stop: no new worker; the running ones are told, and waited
		 * for while they end their sandboxes and remove them */
		if (cleanup_stop_requested() && !forwarded) {
			for (int s = 0; s < MAX_JOBS; s++)
				if (workers[s])
					kill(-workers[s], SIGTERM);
			forwarded = true;
		}
		while (next < ctx->n && running < ctx->jobs && !cleanup_stop_requested()) {
			int s = 0;
			while (workers[s])
				s++;
			if (ctx->format == FORMAT_TEXT && !ctx->self)
				printf("  grading %s ...\n", ctx->names[next]);
			fflush(NULL);
			pid_t pid = fork();
			if (pid < 0) {
				free(killed);
				return -errno;
			}
			if (pid == 0) {
				setpgid(0, 0);
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				/* the parent's registrations (other workers, the grade
				 * directory) are the parent's to release, not this worker's */
				cleanup_forget_all();
				int rc = grade_one(ctx, next, s);
				cleanup_run_all();
				_exit(rc);
			}
			setpgid(pid, pid);
			workers[s] = pid;
			idx[s] = next++;
			handles[s] = cleanup_add_process(pid, "grading worker");
			deadline[s] = now_ms() + (int64_t)(ctx->timeout_s + worker_margin_s(ctx)) * 1000;
			running++;
		}
		/* every worker has a hard deadline: one stuck anywhere (a read
		 * that never ends, a stopped process) is killed, never waited
		 * for without end */
		for (int s = 0; s < MAX_JOBS; s++) {
			if (workers[s] && !killed[idx[s]] && ms_left(deadline[s]) <= 0) {
				kill(-workers[s], SIGKILL);
				kill(workers[s], SIGKILL);
				killed[idx[s]] = true;
			}
		}
		int st;
		pid_t done = waitpid(-1, &st, WNOHANG);
		if (done == 0) {
			poll(NULL, 0, 100);
			continue;
		}
		if (done < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int s = 0; s < MAX_JOBS; s++) {
			if (workers[s] != done)
				continue;
			cleanup_forget(handles[s]);
			workers[s] = 0;
			running--;
			if (killed[idx[s]]) {
				reap_killed_worker(ctx, idx[s]);
				fprintf(stderr, "vlab: grading %s: the worker passed its deadline (--timeout %d s + %d s) and "
						"was killed; it is flagged for regrading\n",
					ctx->names[idx[s]], ctx->timeout_s, worker_margin_s(ctx));
			} else if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
				char how[96];
				proc_describe_status(st, how, sizeof(how));
				fprintf(stderr, "vlab: grading %s: the worker %s\n", ctx->names[idx[s]], how);
			}
		}
	}
	/* what a killed worker's sandbox left comes to us (the subreaper):
	 * reaped here, not left as zombies under a PID 1 that may not reap */
	int64_t orphans_by = now_ms() + 3000;
	for (;;) {
		pid_t o = waitpid(-1, NULL, WNOHANG);
		if (o < 0 && errno != EINTR)
			break;
		if (o == 0 && ms_left(orphans_by) <= 0)
			break;
		if (o == 0)
			poll(NULL, 0, 20);
	}
	if (cleanup_stop_requested()) {
		free(killed);
		return -EINTR;
	}
	for (int i = 0; i < ctx->n; i++) {
		char *p = xasprintf("%s/%s/report.json", ctx->out, ctx->names[i]);
		json_error_t e;
		json_t *r = killed[i] ? NULL : json_load_file(p, 0, &e);
		free(p);
		char why[200];
		snprintf(why, sizeof(why),
			 killed[i] ? "vlab's grading worker passed its deadline (--timeout %d s + %d s) and was killed: regrade"
				   : "vlab's grading worker broke: regrade",
			 ctx->timeout_s, worker_margin_s(ctx));
		json_array_append_new(results, r ? r : broken_result(ctx, i, why));
	}
	free(killed);
	return 0;
}

/* ---- the command ------------------------------------------------------------ */

static const struct grade_ctx *sort_ctx;

static int by_name(const void *a, const void *b)
{
	return strcmp(sort_ctx->names[*(const int *)a], sort_ctx->names[*(const int *)b]);
}

/* --shard I/N: keep this shard's slice of the submissions, in name order
 * (checks/class_report.h says how the slices are cut). */
static void keep_shard(struct grade_ctx *ctx, const struct shard *sh)
{
	int *order = xcalloc((size_t)ctx->n + 1, sizeof(int));
	for (int i = 0; i < ctx->n; i++)
		order[i] = i;
	sort_ctx = ctx;
	qsort(order, (size_t)ctx->n, sizeof(int), by_name);
	char **subs = xcalloc((size_t)ctx->n + 1, sizeof(char *)), **names = xcalloc((size_t)ctx->n + 1, sizeof(char *));
	int kept = 0;
	for (int pos = 0; pos < ctx->n; pos++) {
		int i = order[pos];
		if (shard_owns(sh, (size_t)pos)) {
			subs[kept] = ctx->subs[i];
			names[kept++] = ctx->names[i];
		} else {
			free(ctx->subs[i]);
			free(ctx->names[i]);
		}
	}
	if (ctx->format == FORMAT_TEXT)
		printf("vlab grade: shard %u/%u: %d of %d submissions\n", sh->index, sh->count, kept, ctx->n);
	free(ctx->subs);
	free(ctx->names);
	free(order);
	ctx->subs = subs;
	ctx->names = names;
	ctx->n = kept;
}

enum { OPT_RUBRIC = 256, OPT_FORMAT, OPT_OUT, OPT_TIMEOUT, OPT_SELF, OPT_IMAGE, OPT_MANIFEST, OPT_ACCEL, OPT_HELP,
       OPT_SHARD, OPT_MEMORY, OPT_DISK };

#define usage(...) usage_fail("grade " GRADE_USAGE, __VA_ARGS__)

static int load_rubric(struct grade_ctx *ctx, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	if (path) {
		int r = read_file(path, &sb);
		if (r) {
			fprintf(stderr, "vlab: cannot read the rubric %s: %s (see README, \"Rubrics\")\n", path, strerror(-r));
			return EXIT_HOST;
		}
		char *abs = realpath(path, NULL);
		snprintf(ctx->rubric_origin, sizeof(ctx->rubric_origin), "%s", abs ? abs : path);
		free(abs);
	} else {
		const struct embedded_asset *a = asset_find(DEFAULT_RUBRIC);
		if (!a) {
			fprintf(stderr, "vlab: built without its default rubric\n");
			return EXIT_INTERNAL;
		}
		sb_adds(&sb, a->text);
		snprintf(ctx->rubric_origin, sizeof(ctx->rubric_origin), "builtin:" DEFAULT_RUBRIC);
	}
	char err[512];
	int r = rubric_parse(sb_str(&sb), sb.len, path ? path : DEFAULT_RUBRIC, &ctx->rubric, err, sizeof(err));
	sha256_buf(sb_str(&sb), sb.len, ctx->rubric_sha256);
	sb_release(&sb);
	if (r) {
		fprintf(stderr, "vlab: bad rubric: %s\n", err);
		return EXIT_HOST;
	}
	return 0;
}

static void print_text(const struct grade_ctx *ctx, json_t *results)
{
	if (ctx->self) {
		char *p = xasprintf("%s/%s/feedback.txt", ctx->out, ctx->names[0]);
		struct strbuf sb = STRBUF_INIT;
		if (read_file(p, &sb) == 0)
			fputs(sb_str(&sb), stdout);
		sb_release(&sb);
		printf("\n(the full report: %s/%s/report.json)\n", ctx->out, ctx->names[0]);
		free(p);
		return;
	}
	printf("vlab grade: %d submission(s); rubric %s (sha256 %.12s); image %s (sha256 %.12s); accelerator %s\n",
	       ctx->n, ctx->rubric_origin, ctx->rubric_sha256, ctx->profile, ctx->img.digest,
	       ctx->accel.accel == ACCEL_KVM ? "kvm" : "tcg");
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r) {
		printf("  %-24s %4lld/%-4lld%s\n", json_string_value(json_object_get(r, "submission")),
		       (long long)json_integer_value(json_object_get(r, "score")),
		       (long long)json_integer_value(json_object_get(r, "max_score")),
		       json_is_true(json_object_get(r, "needs_regrade")) ? "  needs regrading (vlab broke on a check)" : "");
	}
	printf("reports: %s/class.{json,csv,junit.xml,tap}; each student's: %s/NAME/feedback.txt, report.json, "
	       "classroom.json\n",
	       ctx->out, ctx->out);
}

int cmd_grade(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "rubric", required_argument, NULL, OPT_RUBRIC },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "self", no_argument, NULL, OPT_SELF },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "manifest", required_argument, NULL, OPT_MANIFEST },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ NULL, 0, NULL, 0 },
	};
	struct shard shard = { 1, 1 };
	struct grade_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->jobs = 1;
	ctx->timeout_s = 180;
	ctx->profile = "default";
	ctx->memory_bytes = SANDBOX_MEMORY_DEFAULT;
	ctx->disk_bytes = SANDBOX_DISK_DEFAULT;
	const char *rubric = NULL, *out = "vlab-grades", *manifest = NULL;
	enum accel_request accel = ACCEL_REQ_AUTO;
	int status = EXIT_PASS;
	optind = 1;
	opterr = 0;
	int c;
	int64_t v;
	while ((c = getopt_long(argc, argv, ":j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (parse_i64(optarg, 1, MAX_JOBS, &v)) {
				status = usage("-j takes a number from 1 to %d, not '%s'", MAX_JOBS, optarg);
				goto out;
			}
			ctx->jobs = (int)v;
			break;
		case OPT_RUBRIC:
			rubric = optarg;
			break;
		case OPT_FORMAT:
			if (report_format_parse(optarg, &ctx->format)) {
				status = usage("unknown --format '%s' (text, json, junit or tap)", optarg);
				goto out;
			}
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_i64(optarg, 10, 3600, &v)) {
				status = usage("--timeout takes whole seconds from 10 to 3600, not '%s'", optarg);
				goto out;
			}
			ctx->timeout_s = (int)v;
			break;
		case OPT_SELF:
			ctx->self = true;
			break;
		case OPT_MEMORY:
		case OPT_DISK: {
			uint64_t bytes;
			uint64_t min = c == OPT_MEMORY ? SANDBOX_MEMORY_MIN : SANDBOX_DISK_MIN;
			if (parse_size(optarg, false, &bytes) || bytes < min || bytes > (1ULL << 40)) {
				status = usage("%s takes a size from %llu MiB to 1 TiB such as 1G or 512M, not '%s'",
					       c == OPT_MEMORY ? "--memory" : "--disk", (unsigned long long)(min >> 20), optarg);
				goto out;
			}
			*(c == OPT_MEMORY ? &ctx->memory_bytes : &ctx->disk_bytes) = bytes;
			break;
		}
		case OPT_IMAGE:
			ctx->profile = optarg;
			break;
		case OPT_MANIFEST:
			manifest = optarg;
			break;
		case OPT_ACCEL:
			if (accel_request_parse(optarg, &accel)) {
				status = usage("unknown --accel '%s' (auto, kvm or tcg)", optarg);
				goto out;
			}
			break;
		case OPT_SHARD: {
			char why[160];
			if (shard_parse(optarg, &shard, why, sizeof(why))) {
				status = usage("%s", why);
				goto out;
			}
			break;
		}
		case OPT_HELP:
			printf("usage: vlab grade " GRADE_USAGE "\n" GRADE_SUMMARY "\n\noptions:\n" GRADE_OPTIONS);
			goto out;
		case ':':
			status = usage("option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
			status = usage("unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	ctx->n = argc - optind;
	if (!ctx->n) {
		status = usage(ctx->self ? "--self needs your folder" : "which submissions? (directories)");
		goto out;
	}
	if (ctx->self && ctx->n != 1) {
		status = usage("--self checks one folder, yours");
		goto out;
	}
	ctx->subs = xcalloc((size_t)ctx->n, sizeof(char *));
	ctx->names = xcalloc((size_t)ctx->n, sizeof(char *));
	for (int i = 0; i < ctx->n; i++) {
		const char *a = argv[optind + i];
		struct stat st;
		if (stat(a, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "vlab: submission '%s' is %s: give each student's folder (holding %s)\n", a,
				errno == ENOENT ? "not there" : "no directory", SCRIPT_NAME);
			status = EXIT_HOST;
			goto out;
		}
		ctx->subs[i] = realpath(a, NULL);
		ctx->names[i] = submission_name(ctx->subs[i]);
		for (int k = 0; k < i; k++) {
			if (!strcmp(ctx->names[k], ctx->names[i])) {
				status = usage("two submissions would be reported as '%s' (%s and %s): rename one folder",
					       ctx->names[i], ctx->subs[k], ctx->subs[i]);
				goto out;
			}
		}
	}
	if (shard.count > 1)
		keep_shard(ctx, &shard);
	if (geteuid() != 0) {
		fprintf(stderr, "vlab: grading runs each script in a sandbox vlab makes as root (namespaces, tap0, an "
				"unprivileged uid for the script): run sudo vlab grade ...\n");
		status = EXIT_HOST;
		goto out;
	}
	if ((status = load_rubric(ctx, rubric)))
		goto out;
	char err[768];
	if (image_load_manifests(&ctx->manifest, manifest, err, sizeof(err)) ||
	    image_resolve(&ctx->manifest, ctx->profile, &ctx->img, err, sizeof(err))) {
		fprintf(stderr, "vlab: %s\n", err);
		status = EXIT_HOST;
		goto out;
	}
	const struct image_profile *prof = ctx->img.profile;
	snprintf(ctx->http_cmd, sizeof(ctx->http_cmd), "%s",
		 prof && prof->http == HTTP_PYTHON3 ? "(cd /root && python3 -m http.server 8000 >/dev/null 2>&1 &)"
						    : "httpd -p 8000 -h /root");
	struct host_kvm h;
	host_probe_kvm("", &h);
	if (accel_decide(&h, accel, &ctx->accel)) {
		fprintf(stderr, "vlab: %s\n", ctx->accel.reason);
		status = EXIT_HOST;
		goto out;
	}
	ctx->bwrap = proc_which("bwrap");
	if (!ctx->bwrap) {
		fprintf(stderr, "vlab: no bwrap on PATH: grading jails every script with bubblewrap and never runs one "
				"without it; install the package bubblewrap (make deps)\n");
		status = EXIT_HOST;
		goto out;
	}
	cgroup_host_detect("", &ctx->cgroups);
	if (ctx->cgroups.version == CGROUP_NONE && ctx->format == FORMAT_TEXT)
		fprintf(stderr, "vlab: warning: no cgroup for the sandboxes (%s): grading goes on without memory, "
				"process and CPU limits for a sandbox as a whole, and every result says so\n",
			ctx->cgroups.why);
	ctx->real_qemu = proc_which(SHIM_QEMU_NAME);
	if (!ctx->real_qemu) {
		fprintf(stderr, "vlab: no %s on PATH: install qemu-system-x86 (make deps)\n", SHIM_QEMU_NAME);
		status = EXIT_HOST;
		goto out;
	}
	ssize_t len = readlink("/proc/self/exe", ctx->vlab_exe, sizeof(ctx->vlab_exe) - 1);
	if (len <= 0) {
		fprintf(stderr, "vlab: cannot find its own binary (/proc/self/exe)\n");
		status = EXIT_INTERNAL;
		goto out;
	}
	ctx->vlab_exe[len] = '\0';
	int r = mkdir_p(out, 0755);
	char *abs_out = r ? NULL : realpath(out, NULL);
	if (!abs_out) {
		fprintf(stderr, "vlab: cannot make the report directory %s: %s\n", out, strerror(r ? -r : errno));
		status = EXIT_HOST;
		goto out;
	}
	snprintf(ctx->out, sizeof(ctx->out), "%s", abs_out);
	free(abs_out);
	/* OUT/NAME is rewritten: it must be no submission, nor inside one,
	 * nor hold one */
	for (int j = 0; j < ctx->n; j++) {
		char *dst = xasprintf("%s/%s", ctx->out, ctx->names[j]);
		for (int i = 0; i < ctx->n; i++) {
			if (paths_overlap(dst, ctx->subs[i])) {
				status = usage("the reports would go to %s, which overlaps the submission %s: choose "
					       "another --out",
					       dst, ctx->subs[i]);
				free(dst);
				goto out;
			}
		}
		free(dst);
	}
	/* the sandboxes: under the run directory, which the scripts' uids
	 * must traverse (not list) to reach their own */
	const char *base = rundir_base();
	struct stat bst;
	char *run_id = NULL;
	if ((r = mkdir_p(base, 0700)) == 0)
		r = rundir_create_at(base, "grade-", 0711, time(NULL), getpid(), &run_id, &ctx->grade_root);
	if (r) {
		fprintf(stderr, "vlab: cannot make a grading directory under %s: %s\n", base, strerror(-r));
		status = EXIT_HOST;
		goto out;
	}
	snprintf(ctx->cgroup_parent, sizeof(ctx->cgroup_parent), "vlab-grade-%s", run_id);
	free(run_id);
	if (stat(base, &bst) == 0 && (bst.st_mode & 0111) != 0111)
		chmod(base, (bst.st_mode & 07777) | 0111);
	if (chmod(ctx->grade_root, 0711) < 0) {
		fprintf(stderr, "vlab: cannot make %s searchable: %s\n", ctx->grade_root, strerror(errno));
		rmdir(ctx->grade_root);
		status = EXIT_HOST;
		goto out;
	}
	int hroot = cleanup_add_path(RES_DIR, ctx->grade_root);
	/* what the workers make is recorded here too, so `vlab status` and
	 * `vlab clean` see what a killed grading left */
	char *ledger = xasprintf("%s/resources", ctx->grade_root);
	cleanup_set_ledger(ledger);

	json_t *results = json_array();
	/* the sandboxes' cgroups' parent, in each hierarchy: removed after
	 * the class, or by `vlab clean` from the ledger after a SIGKILL */
	int ncg = ctx->cgroups.version == CGROUP_V1 ? CG_NCONTROLLERS : ctx->cgroups.version == CGROUP_V2 ? 1 : 0;
	for (int k = 0; k < ncg; k++) {
		char *pdir = xasprintf("%s/%s", ctx->cgroups.dir[k], ctx->cgroup_parent);
		cleanup_add_path(RES_DIR, pdir);
		free(pdir);
	}
	r = run_all(ctx, results);
	cgroup_remove_parent(&ctx->cgroups, ctx->cgroup_parent);
	cleanup_set_ledger(NULL);
	unlink(ledger);
	free(ledger);
	cleanup_release(hroot);
	if (r == -EINTR) {
		fprintf(stderr, "vlab: stopped by signal %d; every sandbox was ended\n", cleanup_stop_signal());
		status = 128 + cleanup_stop_signal();
		json_decref(results);
		goto out;
	}
	json_t *cls = grade_class_json(results);
	char *p = xasprintf("%s/class.json", ctx->out);
	json_dump_file(cls, p, JSON_INDENT(2));
	free(p);
	write_with(ctx->out, "class.csv", grade_write_csv, results);
	write_with(ctx->out, "class.junit.xml", grade_write_junit, results);
	write_with(ctx->out, "class.tap", grade_write_tap, results);
	write_with(ctx->out, "class.html", grade_write_class_html, results);
	switch (ctx->format) {
	case FORMAT_TEXT:
		print_text(ctx, results);
		break;
	case FORMAT_JSON:
		report_print_json(ctx->self ? json_array_get(results, 0) : cls);
		break;
	case FORMAT_JUNIT:
		grade_write_junit(stdout, results);
		break;
	case FORMAT_TAP:
		grade_write_tap(stdout, results);
		break;
	}
	json_decref(cls);
	json_decref(results);
out:
	for (int i = 0; ctx->subs && i < ctx->n; i++) {
		free(ctx->subs[i]);
		free(ctx->names[i]);
	}
	free(ctx->subs);
	free(ctx->names);
	free(ctx->real_qemu);
	free(ctx->bwrap);
	free(ctx->grade_root);
	image_release(&ctx->img);
	manifest_release(&ctx->manifest);
	free(ctx);
	return status;
}
