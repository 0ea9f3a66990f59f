/* `vlab fetch` and `vlab image export|import`: the command layer over
 * runner/fetch/mirror.h (options, output, exit statuses). */
#include "runner/cmd/commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "runner/fetch/cache.h"
#include "runner/fetch/config.h"
#include "runner/cleanup.h"
#include "runner/exit_status.h"
#include "runner/fetch/image.h"
#include "runner/fetch/mirror.h"
#include "runner/report.h"
#include "runner/util.h"

#define FETCH_USAGE "[PROFILE] [--mirror URL] [--offline] [--check] [options]"
#define IMAGE_USAGE "export DIR [--profile P] | import DIR [--profile P] [--sha256 FILE]"

struct fetch_args {
	const char *mirror, *manifest, *profile, *sha256, *dir, *sub;
	bool offline, check, quiet;
	enum report_format format;
	struct fetch_opts fo;
};

/* Where both tables' rows put the options (parse starts it afresh). */
static struct fetch_args args;

/* The two commands share their parser: each option is one row below, and
 * each table also takes, without a help line (OPT_HIDDEN), the other's
 * options, to say whose they are. */
static const struct opt opt_offline = { OPT_OFFLINE, "offline", 0, NULL,
				       "only the cache: say whether the profile is there", COMPLETE_NONE, NULL, TO_LOOP };
static const struct opt opt_check = { OPT_CHECK, "check", 0, NULL,
				     "hash every file in the cache again; remove the ones that changed", COMPLETE_NONE,
				     NULL, TO_LOOP };
static const struct opt opt_retries = { OPT_RETRIES, "retries", 0, "N", "attempts after a transient error (default 4)",
				       COMPLETE_NONE, NULL, TO_LOOP };
static const struct opt opt_stall_timeout = { OPT_STALL_TIMEOUT, "stall-timeout", 0, "SECONDS",
					     "abort below 1 byte/s for this long (default 30)", COMPLETE_NONE, NULL,
					     TO_LOOP };
static const struct opt opt_profile = { OPT_PROFILE, "profile", 0, "P", "the profile exported or imported",
				       COMPLETE_PROFILE, NULL, TO_LOOP };
static const struct opt opt_sha256 = { OPT_SHA256, "sha256", 0, "FILE",
				      "import: the course's hashes (sha256sum's format); else\n"
				      "DIR/SHA256SUMS when it is there",
				      COMPLETE_FILE, NULL, TO_LOOP };
/* the storage both tables' rows give */
#define TO_MIRROR TO_STRING(&args.mirror)
#define TO_RETRIES TO_INT(&args.fo.retries, 0, 20, "a whole number")
#define TO_STALL TO_INT(&args.fo.stall_s, 1, 3600, "whole seconds")

static const struct opt fetch_opts[] = {
	{ OPT_OPERAND, "PROFILE", 0, NULL, "the profile (default 'default')", COMPLETE_PROFILE, NULL, TO_LOOP },
	OPT_LIKE(opt_mirror, "$VLAB_MIRROR, else 'mirror URL' in ~/.config/vlab/config ($VLAB_CONFIG)", TO_MIRROR),
	OPT_LIKE(opt_offline, NULL, TO_FLAG(&args.offline)),
	OPT_LIKE(opt_check, NULL, TO_FLAG(&args.check)),
	OPT_LIKE(opt_retries, NULL, TO_RETRIES),
	OPT_LIKE(opt_stall_timeout, NULL, TO_STALL),
	OPT_MANIFEST_TO(&args.manifest),
	OPT_FORMAT_TO(&args.format, FORMATS_TEXT_JSON),
	OPT_QUIET_TO(&args.quiet),
	OPT_HIDDEN(opt_profile, TO_STRING(&args.profile)),
	OPT_HIDDEN(opt_sha256, TO_STRING(&args.sha256)),
	{ 0 },
};

static const struct opt image_opts[] = {
	{ OPT_OPERAND, "export DIR", 0, NULL,
	  "write profile P's files and manifest into DIR (serve DIR from any\n"
	  "static web server; students: vlab fetch P --mirror URL)",
	  COMPLETE_WORDS, "export import", TO_LOOP },
	{ OPT_OPERAND, "import DIR", 0, NULL,
	  "add the files in DIR (alpine-bzImage, simple_alpine_rootfs1.ext4)\n"
	  "to the cache as a profile; prints their sha256 on first import",
	  COMPLETE_DIR, NULL, TO_LOOP },
	OPT_LIKE(opt_profile, "'default' to export, 'alpine-lab' to import", TO_STRING(&args.profile)),
	OPT_LIKE(opt_sha256, NULL, TO_STRING(&args.sha256)),
	OPT_MANIFEST_TO(&args.manifest),
	OPT_FORMAT_TO(&args.format, FORMATS_TEXT_JSON),
	OPT_HIDDEN(opt_mirror, TO_MIRROR),
	OPT_HIDDEN(opt_offline, TO_FLAG(&args.offline)),
	OPT_HIDDEN(opt_check, TO_FLAG(&args.check)),
	OPT_HIDDEN(opt_retries, TO_RETRIES),
	OPT_HIDDEN(opt_stall_timeout, TO_STALL),
	OPT_HIDDEN(opt_quiet, TO_FLAG(&args.quiet)),
	{ 0 },
};

/* Options of both commands into *a; positional arguments into pos[]. */
static int parse(int argc, char **argv, const struct command *command, struct fetch_args *a, char **pos,
		 int maxpos, int *npos)
{
	memset(&args, 0, sizeof(args));
	fetch_opts_init(&args.fo);
	*npos = 0;
	struct opt_parser p;
	opt_parser_init(&p, command);
	int c;
	/* operands_in_order: they come back in order, as 1 */
	while ((c = opt_next(&p, argc, argv)) > 0) {
		if (c == 1) {
			if (*npos >= maxpos)
				return command_usage_fail(command, "unexpected '%s'", optarg);
			pos[(*npos)++] = optarg;
		}
	}
	args.fo.quiet = args.quiet;
	*a = args;
	return c < 0 ? EXIT_USAGE : 0;
}

static json_t *files_json(const struct obtain *o)
{
	json_t *files = json_array();
	for (int i = 0; i < o->nfiles; i++) {
		const struct obtained_file *f = &o->files[i];
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "role", f->role, "name", f->name, "sha256",
				      f->sha256, "source", f->source, "from", f->url, "bytes", (json_int_t)f->bytes,
				      "duration_ms", (json_int_t)f->ms);
		if (!strcmp(f->source, "mirror")) {
			json_object_set_new(j, "attempts", json_integer(f->attempts));
			json_object_set_new(j, "resumes", json_integer(f->resumes));
			json_object_set_new(j, "bytes_per_s",
					    json_real(f->ms > 0 ? (double)f->bytes * 1000.0 / (double)f->ms : 0));
		}
		if (!strcmp(f->source, "import"))
			json_object_set_new(j, "recorded", json_boolean(f->recorded));
		json_array_append_new(files, j);
	}
	return files;
}

/* The outcome, printed; the exit status. */
static int finish(const char *command, const struct fetch_args *a, const struct obtain *o, int r, const char *done_line)
{
	if (r == -EINTR || cleanup_stop_requested()) {
		cleanup_run_all();
		error_line("stopped by signal %d; nothing was installed", cleanup_stop_signal());
		return 128 + cleanup_stop_signal();
	}
	if (a->format == FORMAT_JSON) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:s}", "command", command, "profile", o->profile, "result",
				      r ? "error" : "ok", "reason", r ? json_string(o->reason) : json_null(), "cache",
				      cache_dir());
		json_object_set_new(j, "error", r ? json_string(o->msg) : json_null());
		json_object_set_new(j, "files", files_json(o));
		report_print_json(j);
		json_decref(j);
	}
	if (r)
		return say_error(EXIT_HOST, "%s", o->msg);
	if (a->format == FORMAT_TEXT) {
		bool recorded = false;
		for (int i = 0; i < o->nfiles; i++) {
			const struct obtained_file *f = &o->files[i];
			char size[32], rate[32] = "";
			format_size(f->bytes, size, sizeof(size));
			if (!strcmp(f->source, "mirror") && f->ms > 0) {
				char rs[32];
				format_size((uint64_t)((double)f->bytes * 1000.0 / (double)f->ms), rs, sizeof(rs));
				text_printf(rate, sizeof(rate), " in %.2f s, %s/s", (double)f->ms / 1000.0, rs);
			}
			printf("  %-6s  %-28s %10s  %s%s  sha256 %.16s...\n", f->role, f->name, size,
			       !strcmp(f->source, "cache") ? "already in the cache" : f->source, rate, f->sha256);
			recorded |= f->recorded;
		}
		if (recorded) {
			printf("\nNo sha256 was supplied for these files, so vlab recorded them (first import).\n"
			       "Publish these lines as SHA256SUMS so every student's copy is checked\n"
			       "(vlab image import DIR --sha256 SHA256SUMS):\n");
			for (int i = 0; i < o->nfiles; i++)
				if (o->files[i].recorded)
					printf("%s  %s\n", o->files[i].sha256, o->files[i].name);
		}
		printf("%s\n", done_line);
	}
	return EXIT_PASS;
}

static void on_check(void *arg, const char *sha, uint64_t bytes, bool ok, const char *got)
{
	struct fetch_args *a = ((void **)arg)[0];
	json_t *arr = ((void **)arg)[1];
	char size[32];
	format_size(bytes, size, sizeof(size));
	if (a->format == FORMAT_TEXT)
		printf("  %s  %.16s...  %10s%s%s\n", ok ? "ok     " : "CHANGED", sha, size, ok ? "" : "  now ",
		       ok ? "" : got);
	json_array_append_new(arr, json_pack("{s:s, s:I, s:b, s:s}", "sha256", sha, "bytes", (json_int_t)bytes, "ok", ok,
					     "found", got));
}

static int fetch_check(struct fetch_args *a)
{
	json_t *arr = json_array();
	void *arg[2] = { a, arr };
	if (a->format == FORMAT_TEXT)
		printf("vlab fetch --check: every file in %s/sha256 hashed again\n", cache_dir());
	int bad = cache_check(on_check, arg);
	if (bad == -EINTR) {
		json_decref(arr);
		error_line("stopped by signal %d", cleanup_stop_signal());
		return 128 + cleanup_stop_signal();
	}
	if (a->format == FORMAT_JSON) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o}", "command", "fetch --check", "cache", cache_dir(), "result",
				      bad ? "error" : "ok", "reason", bad ? json_string("checksum_mismatch") : json_null(),
				      "files", arr);
		report_print_json(j);
		json_decref(j);
	} else {
		if (!bad)
			printf("every cached file (%zu) is what its name says\n", json_array_size(arr));
		json_decref(arr);
	}
	if (bad < 0)
		return say_error(EXIT_HOST, "cannot read the cache %s: %s", cache_dir(), strerror(-bad));
	if (bad)
		return say_error(EXIT_HOST, "%s: %d file(s) in the cache no longer match their sha256 (checksum mismatch); "
				"removed: fetch or import them again", cache_dir(), bad);
	return EXIT_PASS;
}

static int cmd_fetch(int argc, char **argv)
{
	struct fetch_args a;
	char *pos[1];
	int npos;
	int r = parse(argc, argv, &command_fetch, &a, pos, 1, &npos);
	if (r)
		return r;
	if (a.sha256 || a.profile)
		return command_usage_fail(&command_fetch, "%s is an option of 'vlab image'", a.sha256 ? "--sha256" : "--profile");
	if (a.check)
		return npos || a.offline || a.mirror ? command_usage_fail(&command_fetch, "%s", "--check takes nothing else")
						     : fetch_check(&a);
	const char *profile = npos ? pos[0] : "default";
	struct obtain o;
	char line[1024];
	if (a.offline) {
		r = mirror_offline_profile(profile, &o);
		snprintf(line, sizeof(line), "profile '%s' is in the cache (%s/profiles/%s)", profile, cache_dir(), profile);
		return finish("fetch", &a, &o, r, line);
	}
	char origin[512] = "", err[512] = "";
	const char *mirror = mirror_choose(a.mirror, origin, sizeof(origin), err, sizeof(err));
	if (!mirror) {
		memset(&o, 0, sizeof(o));
		snprintf(o.profile, sizeof(o.profile), "%s", profile);
		snprintf(o.reason, sizeof(o.reason), "%s", err[0] ? "bad_config" : "no_mirror");
		if (err[0])
			snprintf(o.msg, sizeof(o.msg), "%s", err);
		else
			snprintf(o.msg, sizeof(o.msg),
				 "no mirror to fetch '%s' from: give --mirror URL, set VLAB_MIRROR, or put 'mirror URL' in %s",
				 profile, config_path());
		return finish("fetch", &a, &o, -ENOENT, "");
	}
	struct manifest local = { .nprofiles = 0 };
	if (mirror_course_manifest(&local, a.manifest, err, sizeof(err))) {
		manifest_release(&local);
		memset(&o, 0, sizeof(o));
		snprintf(o.profile, sizeof(o.profile), "%s", profile);
		snprintf(o.reason, sizeof(o.reason), "bad_manifest");
		snprintf(o.msg, sizeof(o.msg), "%s", err);
		return finish("fetch", &a, &o, -EINVAL, "");
	}
	if (a.format == FORMAT_TEXT && !a.quiet)
		printf("vlab fetch %s from %s (%s) into %s\n", profile, mirror, origin, cache_dir());
	r = mirror_fetch_profile(mirror, profile, &local, &a.fo, &o);
	manifest_release(&local);
	snprintf(line, sizeof(line), "profile '%s' is in the cache, every file verified: vlab chapter 1 --image %s",
		 profile, profile);
	return finish("fetch", &a, &o, r, line);
}

static int cmd_image(int argc, char **argv)
{
	struct fetch_args a;
	char *pos[2];
	int npos;
	int r = parse(argc, argv, &command_image, &a, pos, 2, &npos);
	if (r)
		return r;
	if (npos < 1)
		return command_usage_fail(&command_image, "%s", "export or import?");
	if (strcmp(pos[0], "export") && strcmp(pos[0], "import"))
		return command_usage_fail(&command_image, "no subcommand '%s' (export or import)", pos[0]);
	if (npos < 2)
		return command_usage_fail(&command_image, "%s which directory?", pos[0]);
	if (a.mirror || a.offline || a.check)
		return command_usage_fail(&command_image, "%s", "--mirror, --offline and --check are options of 'vlab fetch'");
	const char *dir = pos[1];
	struct obtain o;
	char line[1024];
	if (!strcmp(pos[0], "export")) {
		if (a.sha256)
			return command_usage_fail(&command_image, "%s", "--sha256 is an option of 'vlab image import'");
		const char *profile = a.profile ? a.profile : "default";
		r = mirror_export(profile, a.manifest, dir, &o);
		snprintf(line, sizeof(line),
			 "exported '%s' to %s: serve it from any static web server, then: vlab fetch %s --mirror URL",
			 profile, dir, profile);
		return finish("image export", &a, &o, r, line);
	}
	const char *profile = a.profile ? a.profile : "alpine-lab";
	r = mirror_import(dir, profile, a.manifest, a.sha256, &o);
	snprintf(line, sizeof(line), "imported '%s' into the cache (%s/profiles/%s): vlab chapter 1 --image %s", profile,
		 cache_dir(), profile, profile);
	return finish("image import", &a, &o, r, line);
}

const struct command command_fetch = {
	.name = "fetch",
	.run = cmd_fetch,
	.usage = FETCH_USAGE,
	.summary = "download an image profile's files from the course mirror into vlab's cache",
	.opts = fetch_opts,
	.epilogue = "The cache is $XDG_CACHE_HOME/vlab (~/.cache/vlab). A profile of --manifest is fetched only\n"
		    "where its sha256 agree with the mirror's.\n",
	.needs = NEEDS_NETWORK,
	.operands_in_order = true,
};

const struct command command_image = {
	.name = "image",
	.run = cmd_image,
	.usage = IMAGE_USAGE,
	.summary = "write a profile as a course mirror; add the lab's own files downloaded by hand",
	.opts = image_opts,
	.operands_in_order = true,
};
