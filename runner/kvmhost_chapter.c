/* A chapter run inside the emulated KVM host, this host's side; see
 * kvmhost_chapter.h. */
#include "runner/kvmhost_chapter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/exit_status.h"
#include "runner/rundir.h"
#include "runner/util.h"
#include "runner/files.h"
#include "runner/vm/kvmhost.h"
#include "runner/vm/kvmhost_proto.h"

/* The boot's deadline, and the chapter's inside: every wait of the inner
 * vlab has its own deadline, so this one only ends an emulated host that
 * wedged (QEMU's emulated AMD-V can hang a CPU inside KVM with no lockup
 * reported: seen here once in make test). Chapter 4 takes about 70 s here,
 * so 5 min, plus what a chapter's own options add (its emulated_extra_ms:
 * chapter 4's counting windows), leaves room for a loaded machine. */
#define BOOT_TIMEOUT_MS 120000
#define RUN_TIMEOUT_BASE_MS (300 * 1000)
#define MAX_IMPORTED 64

enum kvm_need kvmhost_chapter_need(const struct chapter *ch, const struct lab_options *opt)
{
	enum kvm_need need = KVM_NEED_NONE;
	for (size_t s = 0; s < ch->nsteps; s++) {
		if (ch->steps[s].kvm > need)
			need = ch->steps[s].kvm;
		/* --step NAME runs the steps before it, as its set-up, and no later one */
		if (opt->only_step && !strcmp(ch->steps[s].name, opt->only_step))
			break;
	}
	return need;
}

int kvmhost_chapter_where(const struct chapter *ch, const struct lab_options *opt, struct kvm_where *w)
{
	struct host_kvm h;
	host_probe_kvm("", &h);
	struct kvm_where_in in = {
		.host = &h,
		.need = kvmhost_chapter_need(ch, opt),
		.mode = opt->emulated_kvm,
		.accel_tcg = opt->accel == ACCEL_REQ_TCG,
		.inside = host_kvm_emulated(),
		.kvmhost_missing = "",
	};
	int r = kvm_where_decide(&in, w);
	if (r || !w->emulated)
		return r;
	/* only when it would be used: the emulated host's files and qemu */
	char missing[512];
	if (kvmhost_check(opt->manifest, missing, sizeof(missing)) == 0)
		return 0;
	in.kvmhost_missing = missing;
	return kvm_where_decide(&in, w);
}

int kvmhost_chapter_argv(const char *vlab, const struct chapter *ch, const struct lab_options *opt,
			 const char *manifest, char nums[KVMHOST_CHAPTER_MAX_NUMS][24], const char **argv)
{
	static const char *const formats[] = { "text", "json", "junit", "tap" };
	static const char *const accels[] = { "auto", "kvm", "tcg" };
	int n = 0, num = 0;
	argv[n++] = vlab;
	argv[n++] = "chapter";
	snprintf(nums[num], sizeof(nums[num]), "%d", ch->number);
	argv[n++] = nums[num++];
	argv[n++] = "--format";
	argv[n++] = formats[opt->format];
	argv[n++] = "--image";
	argv[n++] = opt->profile ? opt->profile : "default";
	if (manifest) {
		argv[n++] = "--manifest";
		argv[n++] = manifest;
	}
	argv[n++] = "--accel";
	argv[n++] = accels[opt->accel];
	if (opt->boot_timeout_ms) {
		snprintf(nums[num], sizeof(nums[num]), "%lld", (long long)(opt->boot_timeout_ms / 1000));
		argv[n++] = "--boot-timeout";
		argv[n++] = nums[num++];
	}
	/* the chapter's own options, as its table says (runner/chapter.h) */
	for (const struct chapter_option *o = ch->options; o && o->name && num < KVMHOST_CHAPTER_MAX_NUMS; o++) {
		bool given = o->number ? *o->number != 0 : (o->flag && *o->flag) || o->set_in_emulated_host;
		if (!given)
			continue;
		argv[n++] = o->name;
		if (o->number) {
			snprintf(nums[num], sizeof(nums[num]), "%d", *o->number);
			argv[n++] = nums[num++];
		}
	}
	if (opt->only_step) {
		argv[n++] = "--step";
		argv[n++] = opt->only_step;
	}
	const struct {
		bool on;
		const char *flag;
	} flags[] = { { opt->quiet, "--quiet" }, { opt->manual, "--manual" }, { opt->host_net, "--host-net" } };
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (flags[i].on)
			argv[n++] = flags[i].flag;
	argv[n++] = "--emulated-kvm";
	argv[n++] = "never";
	argv[n] = NULL;
	return n;
}

static bool imported_has(const char *const *imported, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(imported[i], name))
			return true;
	return false;
}

int kvmhost_chapter_report(json_t *report, int number, const char *inner_id, const char *host_dir,
			   const char *run_id, const char *const *imported, size_t nimported)
{
	json_t *chapter = json_object_get(report, "chapter");
	json_t *arts = json_object_get(report, "artifacts");
	if (!json_is_object(report) || !json_is_integer(chapter) || json_integer_value(chapter) != number ||
	    !json_is_array(json_object_get(report, "checks")) || !json_is_object(arts))
		return -EINVAL;
	json_object_set_new(report, "run_id", json_string(run_id));
	char *prefix = xasprintf("%s/%s/", KVMHOST_INNER_RUN_DIR, inner_id);
	const char *key;
	json_t *v;
	json_object_foreach(arts, key, v) {
		const char *p = json_string_value(v);
		const char *name = p && starts_with(p, prefix) ? p + strlen(prefix) : NULL;
		if (name && !strchr(name, '/') && imported_has(imported, nimported, name)) {
			char *host = xasprintf("%s/%s", host_dir, name);
			json_object_set_new(arts, key, json_string(host));
			free(host);
		} else {
			/* inside the emulated host, gone with it */
			json_object_set_new(arts, key, json_null());
		}
	}
	free(prefix);
	const char *const own[][2] = { { "kvmhost_console_log", "kvmhost/console.log" },
				       { "kvmhost_qemu_log", "kvmhost/qemu.log" } };
	for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
		char *path = xasprintf("%s/%s", host_dir, own[i][1]);
		json_object_set_new(arts, own[i][0], json_string(path));
		free(path);
	}
	return 0;
}

/* The inner run's directory among those copied back to runs_fd: the
 * newest by name (run ids sort by time); -ENOENT when none came back. */
static int find_inner_run(int runs_fd, char *id, size_t n)
{
	DIR *d = fdopendir(dup(runs_fd));
	if (!d)
		return -errno;
	id[0] = '\0';
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (e->d_name[0] == '.' || strlen(e->d_name) >= n || strcmp(e->d_name, id) <= 0 ||
		    fstatat(runs_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(id, n, "%s", e->d_name);
	}
	closedir(d);
	return id[0] ? 0 : -ENOENT;
}

/* The regular files of the inner run's directory into out_fd, each read as
 * code inside could have written it; their names into names. Not the
 * inner ledger, nor report.json (rewritten, not copied). */
static size_t import_files(int inner_fd, int out_fd, char **names, size_t max)
{
	DIR *d = fdopendir(dup(inner_fd));
	size_t n = 0;
	for (struct dirent *e; d && n < max && (e = readdir(d));) {
		struct stat st;
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "resources") || !strcmp(e->d_name, "report.json") ||
		    fstatat(inner_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    faccessat(out_fd, e->d_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		int r = copy_untrusted_at(inner_fd, e->d_name, KVMHOST_CHAPTER_FILE_CAP, out_fd, e->d_name, 0644);
		if (r)
			error_line("cannot copy %s back from the emulated KVM host: %s", e->d_name, strerror(-r));
		else
			names[n++] = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

/* What one run inside leaves to read back. */
struct inner {
	const struct chapter *ch;
	const char *run_dir, *run_id;
	struct kvmhost_result res;
	char *names[MAX_IMPORTED];
	size_t nnames;
	json_t *report;  /* NULL: none came back */
};

static void add_metrics(struct inner *in)
{
	json_t *m = json_object_get(in->report, "metrics");
	if (!json_is_object(m))
		return;
	json_object_set_new(m, "kvmhost_boot_ms", json_real((double)in->res.boot_ms));
	if (in->res.qemu_maxrss_kb > 0)
		json_object_set_new(m, "kvmhost_qemu_peak_rss_kb", json_real((double)in->res.qemu_maxrss_kb));
}

/* The inner run's files into RUN and its report, made this host's. */
static void read_back(struct inner *in)
{
	char *runs = xasprintf("%s/guest/runs", in->res.dir);
	int runs_fd = open(runs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(runs);
	char id[NAME_MAX + 1];
	int inner_fd = runs_fd >= 0 && find_inner_run(runs_fd, id, sizeof(id)) == 0
			       ? openat(runs_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			       : -1;
	int out_fd = open(in->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (inner_fd >= 0 && out_fd >= 0)
		in->nnames = import_files(inner_fd, out_fd, in->names, ARRAY_SIZE(in->names));
	struct strbuf sb = STRBUF_INIT;
	bool cut = false;
	if (inner_fd >= 0 && read_untrusted_at(inner_fd, "report.json", KVMHOST_CHAPTER_REPORT_CAP, &sb, &cut, NULL) == 0 &&
	    !cut) {
		in->report = json_loadb(sb.buf ? sb.buf : "", sb.len, 0, NULL);
		if (in->report && kvmhost_chapter_report(in->report, in->ch->number, id, in->run_dir, in->run_id,
							 (const char *const *)in->names, in->nnames)) {
			error_line("the report that came back from the emulated KVM host is no chapter %d report",
				   in->ch->number);
			json_decref(in->report);
			in->report = NULL;
		}
	}
	sb_release(&sb);
	if (in->report) {
		add_metrics(in);
		char *saved = xasprintf("%s/report.json", in->run_dir);
		json_dump_file(in->report, saved, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		free(saved);
	}
	if (inner_fd >= 0)
		close(inner_fd);
	if (runs_fd >= 0)
		close(runs_fd);
	if (out_fd >= 0)
		close(out_fd);
}

/* What is said before the boot: where the chapter runs and why, and that
 * its counts are an emulated CPU's (stdout in text, else stderr). */
static void say_inside(const struct chapter *ch, const struct lab_options *opt, const struct kvm_where *w,
		       const char *run_dir)
{
	if (opt->keep)
		error_line("--keep: chapter %d's lab is not kept: it runs inside the emulated KVM host, which powers off "
			   "when the chapter ends (vlab kvmhost shell gives a KVM host to work in by hand)",
			   ch->number);
	if (opt->quiet)
		return;
	FILE *f = opt->format == FORMAT_TEXT ? stdout : stderr;
	fprintf(f, "Chapter %d runs inside an emulated KVM host: %s%s.\n", ch->number, w->why,
		opt->emulated_kvm == EMULATED_KVM_AUTO ? " (--emulated-kvm never: those steps skip instead)" : "");
	fprintf(f, "  QEMU TCG with -cpu max (AMD-V, nested paging) and kvm_amd in it: what it counts is KVM on an "
		   "emulated AMD CPU, and its times are not hardware's.\n");
	fprintf(f, "  The chapter's files come back to %s.\n\n", run_dir);
	fflush(f);
}

/* The exit status of a run inside, and the line for why when it did not
 * end in a report (said here, unless the inner vlab said it already). */
static int outcome(const struct inner *in, int r, char *why, size_t whylen)
{
	int st = in->res.status;
	char line[1200] = "";
	bool said_inside = false;
	if (r == -EINTR) {
		text_printf(line, sizeof(line), "%s", in->res.why);
	} else if (r) {
		text_printf(line, sizeof(line), "the emulated KVM host could not run chapter %d: %s", in->ch->number,
			 in->res.why);
		st = EXIT_HOST;
	} else if (st == 126 || st == 127) {
		text_printf(line, sizeof(line), "vlab could not be started inside the emulated KVM host (status %d)", st);
		said_inside = true;
		st = EXIT_HOST;
	} else if ((st == EXIT_PASS || st == EXIT_CHECK_FAILED) && !in->report) {
		text_printf(line, sizeof(line),
			 "chapter %d ended inside the emulated KVM host with status %d, but no report came back (see "
			 "%s/console.log)",
			 in->ch->number, st, in->res.dir);
		st = EXIT_INTERNAL;
	} else if (st != EXIT_PASS && st != EXIT_CHECK_FAILED) {
		text_printf(line, sizeof(line), "chapter %d could not run inside the emulated KVM host (status %d; its own "
					     "line above says why)",
			 in->ch->number, st);
		said_inside = true;
	}
	if (line[0] && !said_inside)
		error_line("%s", line);
	if (why && whylen)
		text_printf(why, whylen, "%s", line);
	return st;
}

/* The inner stdout: this one (text), else a file in the run directory. */
static int inner_stdout(const struct lab_options *opt, const char *run_dir)
{
	if (opt->format == FORMAT_TEXT)
		return STDOUT_FILENO;
	char *path = xasprintf("%s/inner-stdout.txt", run_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	free(path);
	return fd;
}

/* After a lockup of the emulated host (kvmhost_result.locked_up), a
 * machine that ended on its own (ended_early), or a chapter that outlived
 * its deadline in there, once:
 * its files kept as RUN/kvmhost-lockup for the record, the inner stdout
 * file emptied, and a line saying why the chapter starts again. The lockup
 * is QEMU's emulated CPU's, not the chapter's, so a second run is a fair
 * measure; a second lockup is reported as it is. 0, or -errno when the
 * first run's files cannot be set aside (then no second run). */
static int again_after_lockup(struct inner *in, int out_fd)
{
	char *from = xasprintf("%s/kvmhost", in->run_dir), *to = xasprintf("%s/kvmhost-lockup", in->run_dir);
	int r = rename(from, to) < 0 ? -errno : 0;
	if (r == 0 && out_fd > STDERR_FILENO && (ftruncate(out_fd, 0) < 0 || lseek(out_fd, 0, SEEK_SET) < 0))
		r = -errno;
	if (r == 0)
		error_line("the emulated KVM host %s (QEMU's emulated AMD-V, not the lab): "
			   "chapter %d starts again, once; the first run's console log is %s/console.log",
			   in->res.locked_up     ? "locked up inside KVM"
			   : in->res.ended_early ? "ended before the chapter did"
						 : "hung past the chapter's deadline",
			   in->ch->number,
			   to);
	free(from);
	free(to);
	if (r == 0)
		in->res = (struct kvmhost_result){ 0 };
	return r;
}

static int run_inside(struct inner *in, const struct lab_options *opt, int out_fd)
{
	char *vlab = realpath("/proc/self/exe", NULL);
	char *manifest = opt->manifest ? realpath(opt->manifest, NULL) : NULL;
	char *manifest_dir = manifest ? xstrdup(manifest) : NULL;
	if (manifest_dir)
		*strrchr(manifest_dir, '/') = '\0';
	char nums[KVMHOST_CHAPTER_MAX_NUMS][24];
	const char *argv[KVMHOST_CHAPTER_MAX_ARGS];
	kvmhost_chapter_argv(vlab ? vlab : "vlab", in->ch, opt, manifest ? manifest : opt->manifest, nums,
			     argv);
	char label[64];
	snprintf(label, sizeof(label), "qemu (emulated KVM host: chapter %d)", in->ch->number);
	struct kvmhost_opts ko = {
		.argv = argv,
		.out_fd = out_fd,
		.err_fd = STDERR_FILENO,
		.boot_timeout_ms = BOOT_TIMEOUT_MS,
		.timeout_ms = RUN_TIMEOUT_BASE_MS + (in->ch->emulated_extra_ms ? in->ch->emulated_extra_ms() : 0),
		.quiet = opt->quiet,
		.run_dir = in->run_dir,
		.extra_manifest = opt->manifest,
		.extra_dir = manifest_dir && *manifest_dir ? manifest_dir : NULL,
		.out_tty = out_fd == STDOUT_FILENO && isatty(STDOUT_FILENO),
		.label = label,
	};
	fflush(stdout);
	int r = kvmhost_run_argv(&ko, &in->res);
	free(vlab);
	free(manifest);
	free(manifest_dir);
	return r;
}

int kvmhost_chapter_run(const struct chapter *ch, const struct lab_options *opt, const struct kvm_where *w,
			json_t *report, char *why, size_t whylen)
{
	struct inner in = { .ch = ch };
	char *run_id = NULL, *run_dir = NULL;
	int r = rundir_create(&run_id, &run_dir);
	if (r) {
		error_line("cannot create a run directory under '%s': %s", rundir_base(), strerror(-r));
		if (why && whylen)
			snprintf(why, whylen, "cannot create a run directory under '%s': %s", rundir_base(), strerror(-r));
		return EXIT_HOST;
	}
	in.run_dir = run_dir;
	in.run_id = run_id;
	char *ledger = xasprintf("%s/resources", run_dir);
	cleanup_set_ledger(ledger);
	cleanup_ledger_note("kvmhost chapter %d", ch->number);
	say_inside(ch, opt, w, run_dir);
	int out_fd = inner_stdout(opt, run_dir);
	r = out_fd < 0 ? -errno : run_inside(&in, opt, out_fd);
	if (out_fd < 0)
		snprintf(in.res.why, sizeof(in.res.why), "cannot create %s/inner-stdout.txt: %s", run_dir, strerror(-r));
	bool retried = false;
	bool wedged = in.res.locked_up || in.res.ended_early || (r == -ETIMEDOUT && in.res.status == 124);
	if (r && wedged && !cleanup_stop_requested() && again_after_lockup(&in, out_fd) == 0) {
		retried = true;
		r = run_inside(&in, opt, out_fd);
	}
	if (out_fd > STDERR_FILENO)
		close(out_fd);
	read_back(&in);
	if (retried && in.report)
		json_object_set_new(json_object_get(in.report, "metrics"), "kvmhost_lockups_retried", json_integer(1));
	int status = outcome(&in, r, why, whylen);
	if (in.report && report)
		json_array_append(report, in.report);
	if (opt->format == FORMAT_TEXT && !opt->quiet && in.res.ran)
		printf("vlab: chapter %d's files are in %s (copied back from the emulated KVM host)\n", ch->number,
		       run_dir);
	/* everything it started is gone: kvmhost_run_argv released it */
	cleanup_run_all();
	cleanup_set_ledger(NULL);
	unlink(ledger);
	free(ledger);
	json_decref(in.report);
	for (size_t i = 0; i < in.nnames; i++)
		free(in.names[i]);
	free(run_id);
	free(run_dir);
	return status;
}
