/* Chapter 0: set-up. Before any VM: does this host have what chapter 1
 * needs (doctor's essential rows), and is the chosen image profile here and
 * exactly the bytes its manifest records? A missing profile comes from the
 * cache, else the course mirror (vlab fetch), else make image's recipe where
 * this is vlab's source tree. `vlab run` does this chapter first. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/chapter.h"
#include "runner/fetch/cache.h"
#include "runner/fetch/config.h"
#include "runner/cleanup.h"
#include "runner/doctor/host_facts.h"
#include "runner/doctor/host_table.h"
#include "runner/fetch/fetch.h"
#include "runner/fetch/mirror.h"
#include "runner/proc.h"
#include "runner/report.h"
#include "runner/step.h"
#include "checks/lab_plan.h"
#include "runner/clock.h"
#include "runner/sha256.h"

#define LAB_CH0 "lab chapter 1, \"Getting started\" (the image files)"

static int step_host(struct lab *lab)
{
	struct check_result *r = lab_check(lab, CHECK_CH0_HOST_READY);
	struct doctor_facts *f = xcalloc(1, sizeof(*f));
	struct doctor_row *rows = xcalloc(DOCTOR_MAX_ROWS, sizeof(*rows));
	ui_wait_begin(lab, "looking at the host (vlab doctor's essentials)");
	doctor_gather("", f);
	size_t n = doctor_rows(f, rows, DOCTOR_MAX_ROWS);
	struct strbuf ok = STRBUF_INIT;
	const struct doctor_row *missing = NULL;
	for (size_t i = 0; i < n; i++) {
		/* the image rows are this chapter's next step, which can fix them */
		if (!rows[i].essential || starts_with(rows[i].name, "image "))
			continue;
		if (rows[i].status == DOCTOR_MISSING && !missing)
			missing = &rows[i];
		else if (rows[i].status != DOCTOR_MISSING)
			sb_addf(&ok, "%s%s", ok.len ? "; " : "", rows[i].detail);
	}
	if (missing)
		check_fail(r, missing->fix[0] ? missing->fix : NULL, "%s: %s", missing->name, missing->detail);
	else
		check_pass(r, "%s; guests will run under %s", sb_str(&ok), lab->accel.accel == ACCEL_KVM ? "KVM" : "TCG");
	sb_release(&ok);
	free(rows);
	free(f);
	return 0;
}

/* make image's recipe, when this vlab runs from its source tree (./vlab,
 * build/vlab, build/san/vlab). NULL otherwise. */
static char *find_recipe(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	const char *const up[] = { "", "/..", "/../.." };
	for (size_t i = 0; i < ARRAY_SIZE(up); i++) {
		char *p = xasprintf("%s%s/assets/image/build-image", exe, up[i]);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* The profiles make image builds (assets/image/build-image). */
static bool recipe_builds(const char *profile)
{
	return !strcmp(profile, "default") || !strcmp(profile, "lab-compat");
}

static int build_locally(struct lab *lab, const char *recipe, char *why, size_t n)
{
	char *log = lab_path(lab, "build-image.log");
	const char *const argv[] = { recipe, image_dir(), NULL };
	ui_command(lab, "host", "make image");
	struct spawn_opts so = SPAWN_OPTS_INIT;
	so.argv = argv;
	so.stdout_path = log;
	so.stderr_path = log;
	so.own_pgrp = true;
	so.die_with_parent = true;
	pid_t pid;
	int r = proc_spawn(&so, &pid);
	if (r) {
		snprintf(why, n, "cannot run '%s': %s", recipe, strerror(-r));
		free(log);
		return r;
	}
	int h = cleanup_add_process(pid, "build-image");
	ui_wait_begin(lab, "building the guest image (make image's recipe)");
	int st = 0;
	r = proc_wait(pid, 30 * 60 * 1000, &st);
	if (r == 0) {
		cleanup_forget(h);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			char desc[96];
			proc_describe_status(st, desc, sizeof(desc));
			snprintf(why, n, "make image's recipe %s (its output: %s)", desc, log);
			r = -EIO;
		}
	} else if (r == -ETIMEDOUT) {
		snprintf(why, n, "make image's recipe took more than 30 min (its output: %s)", log);
	}
	lab_artifact(lab, "build-image.log", log);
	free(log);
	return r;
}

/* Load the manifests and find the profile's files again (after a fetch or
 * a build put them there). */
static int resolve(struct lab *lab, char *err, size_t n)
{
	image_release(&lab->image);
	manifest_release(&lab->manifest);
	int r = image_load_manifests(&lab->manifest, lab->opt->manifest, err, n);
	if (!r)
		r = image_resolve(&lab->manifest, lab->opt->profile, &lab->image, err, n);
	return r;
}

/* vlab fetch PROFILE --mirror MIRROR, as the step shows it, then the
 * profile found again: 0; -EINTR; or -ENOENT with why set. */
static int fetch_from_mirror(struct lab *lab, const char *mirror, char *why, size_t whylen)
{
	const char *profile = lab->opt->profile;
	char cmd[1200], err[1024] = "";
	snprintf(cmd, sizeof(cmd), "vlab fetch %s --mirror %s", profile, mirror);
	ui_command(lab, "host", cmd);
	struct fetch_opts fo;
	fetch_opts_init(&fo);
	fo.quiet = lab->opt->format != FORMAT_TEXT || lab->opt->quiet;
	struct obtain o;
	struct manifest course = { .nprofiles = 0 };
	int fr = mirror_course_manifest(&course, lab->opt->manifest, err, sizeof(err));
	if (fr == 0)
		fr = mirror_fetch_profile(mirror, profile, &course, &fo, &o);
	else
		snprintf(o.msg, sizeof(o.msg), "%s", err);
	manifest_release(&course);
	if (fr == -EINTR)
		return fr;
	if (fr == 0 && resolve(lab, err, sizeof(err)) == 0)
		return 0;
	snprintf(why, whylen, "%s", fr ? o.msg : err);
	return -ENOENT;
}

static int step_present(struct lab *lab)
{
	struct check_result *r = lab_check(lab, CHECK_CH0_IMAGE_PRESENT);
	const char *profile = lab->opt->profile;
	char err[1024] = "";
	static const char hint[] = "get the profile's files: vlab fetch PROFILE --mirror URL (the course's mirror), "
				   "make image (in vlab's source tree), or vlab image import DIR (the lab's own files)";
	int rc = resolve(lab, err, sizeof(err));
	if (rc == 0) {
		bool cached = starts_with(lab->image.dir, cache_dir());
		check_pass(r, "profile '%s': %s in %s", profile, cached ? "from vlab's cache" : "built here",
			   lab->image.dir);
		return 0;
	}
	if (!manifest_find(&lab->manifest, profile)) {
		check_fail(r, "see `vlab doctor` for the profiles there are", "%s", err);
		return lab_block(lab, 0, "%s", err);
	}
	ui_note(lab, "%s", err);
	char origin[512] = "", cerr[512] = "";
	const char *mirror = mirror_choose(NULL, origin, sizeof(origin), cerr, sizeof(cerr));
	char *recipe = recipe_builds(profile) ? find_recipe() : NULL;
	char why[1024] = "";
	if (mirror) {
		int fr = fetch_from_mirror(lab, mirror, why, sizeof(why));
		if (fr == -EINTR) {
			free(recipe);
			return -EINTR;
		}
		if (fr == 0) {
			check_pass(r, "profile '%s' fetched from %s (%s) into %s", profile, mirror, origin, lab->image.dir);
			free(recipe);
			return 0;
		}
	} else if (cerr[0]) {
		snprintf(why, sizeof(why), "%s", cerr);
	}
	if (recipe) {
		char bwhy[512] = "";
		int br = build_locally(lab, recipe, bwhy, sizeof(bwhy));
		free(recipe);
		if (br == -EINTR)
			return -EINTR;
		if (br == 0 && resolve(lab, err, sizeof(err)) == 0) {
			check_pass(r, "profile '%s' built here with make image's recipe%s%s", profile,
				   why[0] ? " (the mirror failed: " : "", why[0] ? why : "");
			if (why[0])
				strcat(r->detail, ")");
			return 0;
		}
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", why[0] ? "; " : "", br ? bwhy : err);
	}
	if (!why[0])
		snprintf(why, sizeof(why), "%s; no mirror is configured (--mirror, VLAB_MIRROR, 'mirror' in %s)%s", err,
			 config_path(), recipe_builds(profile) ? " and make image's recipe is not here" : "");
	check_fail(r, hint, "%s", why);
	return lab_block(lab, 0, "profile '%s' is not here", profile);
}

static int step_verified(struct lab *lab)
{
	struct check_result *r = lab_check(lab, CHECK_CH0_IMAGE_VERIFIED);
	const struct image_profile *p = lab->image.profile;
	char *const *paths = lab->image.paths;
	const struct image_file *files = p->files;
	int64_t t0 = now_ms();
	int nfiles = 0;
	ui_wait_begin(lab, "hashing the image files");
	/* the guest's files; vlab kvmhost checks the emulated host's own */
	for (int i = 0; i < IMAGE_GUEST_ROLES; i++) {
		if (!files[i].name)
			continue;
		/* hashing is work, not a wait: nothing else would see a stop */
		if (cleanup_stop_requested())
			return -EINTR;
		char got[65];
		int e = sha256_file(paths[i], got);
		if (e) {
			check_fail(r, NULL, "cannot read '%s': %s", paths[i], strerror(-e));
			return 0;
		}
		if (!files[i].sha256[0]) {
			check_fail(r, "make image records them; vlab fetch and vlab image import do too",
				   "%s: its manifest (%s) records no sha256, so it cannot be verified (it is %s)", paths[i],
				   lab->image.manifest_path, got);
			return 0;
		}
		if (strcmp(got, files[i].sha256)) {
			check_fail(r, "the file changed on disk: make image rebuilds it; vlab fetch --check removes a changed "
				      "cached file so vlab fetch gets it again",
				   "%s: checksum mismatch: the manifest says sha256 %s, the file is %s", paths[i],
				   files[i].sha256, got);
			return 0;
		}
		nfiles++;
	}
	lab_metric(lab, "image_verify_ms", (double)(now_ms() - t0));
	check_pass(r, "%d file(s) of '%s', each with the sha256 its manifest records (profile digest %.16s...)", nfiles,
		   p->name, lab->image.digest);
	return 0;
}

/* The accelerator the next chapters will choose, for the header and the
 * report; --accel kvm without a usable /dev/kvm stops here (exit 3), as it
 * would in chapter 1. */
static int ch0_prepare(struct lab *lab)
{
	host_probe_kvm("", &lab->host);
	int r = accel_decide(&lab->host, lab->opt->accel, &lab->accel);
	return r ? lab_block(lab, r, "%s", lab->accel.reason) : 0;
}

static const struct step ch0_steps[] = {
	{
		.name = "host",
		.title = "Check the host: what chapter 1 cannot do without",
		.explain = "The lab needs qemu-system-x86_64 and qemu-img on this machine; KVM makes the guests fast\n"
			   "but is not required (vlab falls back to TCG and says so). `vlab doctor` shows the whole table.",
		.lab_section = LAB_CH0,
		.run = step_host,
	},
	{
		.name = "image",
		.title = "Get the guest image",
		.explain = "A guest is a kernel and an ext4 root file system (and for vlab's own image an initramfs).\n"
			   "vlab looks for the profile's files where make image builds them and in its cache; when\n"
			   "they are not there it downloads them from the course mirror, or builds them from Debian's\n"
			   "packages when this is vlab's source tree.",
		.lab_section = LAB_CH0,
		.run = step_present,
	},
	{
		.name = "verify",
		.title = "Verify every file against its sha256",
		.explain = "The manifest records each file's sha256. A file that differs (a half download, a changed\n"
			   "rootfs) would make every later check say something about the wrong guest.",
		.lab_section = LAB_CH0,
		.run = step_verified,
	},
};

const struct chapter chapter_setup = {
	.number = 0,
	.name = "setup",
	.title = "Set-up: the host and the guest image",
	.summary = "check the host's essentials, get the image profile (cache, mirror or make image) and verify it",
	.steps = ch0_steps,
	.nsteps = sizeof(ch0_steps) / sizeof(ch0_steps[0]),
	.prepare = ch0_prepare,
};
