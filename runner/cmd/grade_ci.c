/* vlab grade's CI mode, the I/O half; see grade_ci.h. */
#include "runner/cmd/grade_ci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner/exit_status.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"

/* What of a submission's files is read for the log: its script (to find
 * the lines) and the tail of what it printed. */
#define CI_READ_CAP (1 << 20)
/* script.log's last lines shown in the log */
#define CI_SCRIPT_TAIL_LINES 40
/* GitHub keeps 1 MiB of a step's summary ("Adding a job summary": "the
 * maximum size of a step summary is 1MiB"); room is left for the end */
#define CI_SUMMARY_CAP (900 * 1024)

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

void grade_ci_decide(struct grade_ci *ci, enum ci_kind request, const char *summary_opt)
{
	ci->kind = request == CI_AUTO ? ci_detect(getenv("GITHUB_ACTIONS"), getenv("GITLAB_CI")) : request;
	ci->summary = summary_opt ? summary_opt : ci->kind == CI_GITHUB ? env_nonempty("GITHUB_STEP_SUMMARY") : NULL;
	ci->output = ci->kind == CI_GITHUB ? env_nonempty("GITHUB_OUTPUT") : NULL;
}

char *grade_ci_default_out(const struct grade_ci *ci, char *err, size_t errlen)
{
	const char *runner_temp = env_nonempty("RUNNER_TEMP");
	if (ci->kind == CI_GITHUB && runner_temp)
		return xasprintf("%s/vlab-grades", runner_temp);
	const char *tmp = env_nonempty("TMPDIR");
	char *dir = xasprintf("%s/vlab-grades.XXXXXX", tmp ? tmp : "/tmp");
	/* mkdtemp's 0700 opened for reading: the job's later steps read the
	 * reports as the runner's user, not as root */
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0) {
		snprintf(err, errlen, "cannot make a report directory %s: %s (give one with --out)", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* The script's path as the annotations name it: relative to the
 * repository's root, which is $GITHUB_WORKSPACE (or, where sudo dropped it,
 * the working directory a step starts in) when the submission is inside
 * it, else the submission itself. New string. */
static char *script_path_for_annotation(const char *sub)
{
	const char *ws = env_nonempty("GITHUB_WORKSPACE");
	char *base = ws ? realpath(ws, NULL) : getcwd(NULL, 0);
	char *rel = NULL;
	if (base) {
		size_t bl = strlen(base);
		if (!strcmp(sub, base))
			rel = xstrdup(GRADE_SCRIPT_NAME);
		else if (bl > 1 && !strncmp(sub, base, bl) && sub[bl] == '/')
			rel = xasprintf("%s/" GRADE_SCRIPT_NAME, sub + bl + 1);
		else if (!strcmp(base, "/"))
			rel = xasprintf("%s/" GRADE_SCRIPT_NAME, sub + 1);
	}
	free(base);
	return rel ? rel : xstrdup(GRADE_SCRIPT_NAME);
}

/* dir/name as a sandbox could have left it (never through a link, capped):
 * 0 with its text in sb. */
static int read_capped(const char *dir, const char *name, struct strbuf *sb)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = read_untrusted_at(fd, name, CI_READ_CAP, sb, NULL, NULL);
	close(fd);
	return r;
}

/* GitHub's annotations for --self: one per check that failed or that vlab
 * broke on (a parent's failure is its parent's); the command line's checks
 * on their line of the script. */
static void github_annotations(struct strbuf *log, const struct grade_ctx *ctx, const json_t *r)
{
	struct strbuf script = STRBUF_INIT;
	bool have_script = read_capped(ctx->subs[0], GRADE_SCRIPT_NAME, &script) == 0;
	char *file = script_path_for_annotation(ctx->subs[0]);
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(r, "checks"), i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *st = json_string_value(json_object_get(c, "status"));
		const char *detail = json_string_value(json_object_get(c, "detail"));
		const char *hint = json_string_value(json_object_get(c, "hint"));
		const char *evidence = json_string_value(json_object_get(c, "evidence"));
		/* vlab's own steps cost no points: the summary shows them */
		if (!id || !st || (strcmp(st, "fail") && strcmp(st, "error")) || (evidence && !strcmp(evidence, "vlab")))
			continue;
		bool on_line = have_script && ci_check_is_cmdline(id);
		int line = on_line ? ci_script_line(sb_str(&script), script.len, id) : 0;
		char *title = !strcmp(st, "error")
				      ? xasprintf("%s: vlab could not check it (a teaching assistant will regrade)", id)
				      : xasprintf("%s: %lld/%lld points", id,
						  (long long)json_integer_value(json_object_get(c, "points")),
						  (long long)json_integer_value(json_object_get(c, "rubric_points")));
		char *msg = xasprintf("%s%s%s", detail ? detail : "", hint ? " | to do: " : "", hint ? hint : "");
		ci_github_annotation(log, "error", on_line ? file : NULL, line, title, msg);
		free(title);
		free(msg);
	}
	free(file);
	sb_release(&script);
}

/* A titled block of the log: collapsed where the CI can. */
static void block_start(struct strbuf *log, const struct grade_ci *ci, const char *name, const char *title)
{
	if (ci->kind == CI_GITHUB) {
		sb_adds(log, "::group::");
		ci_github_escape_data(log, title);
		sb_adds(log, "\n");
	} else {
		ci_gitlab_section_start(log, (long long)time(NULL), name, title, true);
	}
}

static void block_end(struct strbuf *log, const struct grade_ci *ci, const char *name)
{
	if (ci->kind == CI_GITHUB)
		sb_adds(log, "::endgroup::\n");
	else
		ci_gitlab_section_end(log, (long long)time(NULL), name);
}

/* --self's log: the whole feedback and the tail of what the script printed,
 * collapsed; then the score and what failed, and the annotations. */
static void self_log(struct strbuf *log, const struct grade_ci *ci, const struct grade_ctx *ctx, const json_t *results)
{
	char *subout = xasprintf("%s/%s", ctx->out, ctx->names[0]);
	struct strbuf text = STRBUF_INIT;
	if (read_capped(subout, "feedback.txt", &text) == 0) {
		block_start(log, ci, "vlab_feedback", "vlab grade: the feedback, every check");
		ci_log_lines(log, ci->kind, "", sb_str(&text), 0);
		block_end(log, ci, "vlab_feedback");
	}
	sb_reset(&text);
	if (read_capped(subout, "script.log", &text) == 0 && text.len) {
		char title[160];
		snprintf(title, sizeof(title), "what %s printed (its last %d lines)", GRADE_SCRIPT_NAME,
			 CI_SCRIPT_TAIL_LINES);
		block_start(log, ci, "vlab_script_output", title);
		ci_log_lines(log, ci->kind, "| ", sb_str(&text), CI_SCRIPT_TAIL_LINES);
		block_end(log, ci, "vlab_script_output");
	}
	sb_release(&text);
	free(subout);
	ci_summary_text(log, ci->kind, results, true);
	if (ci->kind == CI_GITHUB)
		github_annotations(log, ctx, json_array_get(results, 0));
}

static int append_file(const char *path, const char *what, const struct strbuf *sb)
{
	FILE *f = fopen(path, "a");
	bool ok = f && fwrite(sb_str(sb), 1, sb->len, f) == sb->len;
	int e = errno;
	if (f && fclose(f))
		ok = false, e = errno;
	if (!ok)
		return say_error(EXIT_INTERNAL, "cannot append the %s to %s: %s", what, path, strerror(e));
	return 0;
}

static int write_outputs(const struct grade_ci *ci, const struct grade_ctx *ctx, const json_t *results)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (unsigned long long)now_ms();
	char num[64];
	if (ctx->self) {
		const json_t *r = json_array_get(results, 0);
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(json_object_get(r, "score")));
		ci_github_output(&sb, "score", num, seed);
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(json_object_get(r, "max_score")));
		ci_github_output(&sb, "max_score", num, seed);
	} else {
		snprintf(num, sizeof(num), "%zu", json_array_size(results));
		ci_github_output(&sb, "submissions", num, seed);
	}
	ci_github_output(&sb, "reports", ctx->out, seed);
	int status = append_file(ci->output, "step outputs", &sb);
	sb_release(&sb);
	return status;
}

int grade_ci_report(const struct grade_ci *ci, const struct grade_ctx *ctx, const json_t *results)
{
	int status = 0;
	if (ci->kind != CI_OFF) {
		struct strbuf log = STRBUF_INIT;
		if (ctx->self) {
			self_log(&log, ci, ctx, results);
		} else {
			block_start(&log, ci, "vlab_failed_checks", "vlab grade: each submission's failed checks");
			ci_summary_text(&log, ci->kind, results, false);
			block_end(&log, ci, "vlab_failed_checks");
		}
		/* the reports' place, for the steps after (GitLab's
		 * artifacts:reports:junit wants a copy inside the project) */
		sb_addf(&log, "vlab grade: reports in %s (the JUnit report: %s/class.junit.xml)\n", ctx->out, ctx->out);
		FILE *f = ctx->format == FORMAT_TEXT ? stdout : stderr;
		fflush(stdout);
		fwrite(sb_str(&log), 1, log.len, f);
		fflush(f);
		sb_release(&log);
	}
	if (ci->summary) {
		struct strbuf md = STRBUF_INIT;
		ci_summary_markdown(&md, results, ctx->self, ctx->out, CI_SUMMARY_CAP);
		status = append_file(ci->summary, "job summary", &md);
		sb_release(&md);
	}
	if (ci->output && !status)
		status = write_outputs(ci, ctx, results);
	return status;
}
