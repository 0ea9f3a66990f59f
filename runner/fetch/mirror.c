/* Profiles in and out of the cache: fetch, offline, export, import. */
#include "runner/fetch/mirror.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/fetch/cache.h"
#include "runner/cleanup.h"
#include "runner/fetch/config.h"
#include "runner/fetch/image.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/sha256.h"

/* A mirror's manifest is a few KiB; anything far larger is not one. */
#define MANIFEST_MAX_BYTES (1u << 20)

PRINTF_LIKE(3, 4)
static int failed(struct obtain *out, const char *reason, const char *fmt, ...)
{
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
	return -EIO;
}

static void obtain_init(struct obtain *out, const char *profile)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->profile, sizeof(out->profile), "%s", profile);
}

/* The next entry of out's file list, for file i (image_role_names[i]) of a profile:
 * its role, name, hash (when known) and where it came from. */
static struct obtained_file *add_obtained(struct obtain *out, size_t i, const struct image_file *f,
					  const char *source)
{
	struct obtained_file *of = &out->files[out->nfiles++];
	of->role = image_role_names[i];
	snprintf(of->name, sizeof(of->name), "%s", f->name);
	snprintf(of->sha256, sizeof(of->sha256), "%s", f->sha256);
	if (source)
		snprintf(of->source, sizeof(of->source), "%s", source);
	return of;
}

static const struct image_file *file_of(const struct image_profile *p, size_t i)
{
	return &p->files[i];
}

static struct image_file *file_of_mut(struct image_profile *p, size_t i)
{
	return &p->files[i];
}

const char *mirror_choose(const char *flag, char *origin, size_t n, char *err, size_t errlen)
{
	static struct vlab_config cfg;
	const char *env = getenv("VLAB_MIRROR");
	if (flag && *flag) {
		snprintf(origin, n, "--mirror");
		return flag;
	}
	if (env && *env) {
		snprintf(origin, n, "$VLAB_MIRROR");
		return env;
	}
	if (config_load(&cfg, err, errlen))
		return NULL;
	if (cfg.mirror[0]) {
		snprintf(origin, n, "%s:%d", config_path(), cfg.mirror_line);
		return cfg.mirror;
	}
	return NULL;
}

/* MIRROR/a/b with each part percent-encoded where a URL needs it (a manifest
 * file name may hold any byte but '/' and blanks). */
static char *url_join(const char *mirror, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, mirror);
	while (sb.len && sb.buf[sb.len - 1] == '/')
		sb.buf[--sb.len] = '\0';
	const char *const parts[] = { a, b };
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		if (!parts[i])
			continue;
		sb_adds(&sb, "/");
		for (const unsigned char *c = (const unsigned char *)parts[i]; *c; c++) {
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			    strchr("-._~+", *c))
				sb_add(&sb, c, 1);
			else
				sb_addf(&sb, "%%%02X", *c);
		}
	}
	return sb.buf;
}

static void on_lock_wait(void *arg)
{
	const char *name = arg;
	fprintf(stderr, "%s: another vlab is writing this file into the cache; waiting for it\n", name);
}

/* One file of a mirror's profile into sha256/. */
static int fetch_file(const char *mirror, const char *profile, const struct image_file *f, const struct fetch_opts *o,
		      struct obtained_file *of, struct obtain *out)
{
	char *url = url_join(mirror, profile, f->name);
	snprintf(of->url, sizeof(of->url), "%s", url);
	struct cache_lock lock = { -1 };
	int r = 0;
	if (cache_has_blob(f->sha256)) {
		snprintf(of->source, sizeof(of->source), "cache");
		goto out;
	}
	r = cache_lock(f->sha256, &lock, on_lock_wait, f->name);
	if (r) {
		r = r == -EINTR ? -EINTR : failed(out, "cache", "cannot lock '%s' in the cache %s: %s", f->name,
						 cache_dir(), strerror(-r));
		goto out;
	}
	/* whoever held the lock may have just put it there */
	if (cache_has_blob(f->sha256)) {
		snprintf(of->source, sizeof(of->source), "cache");
		goto out;
	}
	struct cache_part part;
	r = cache_part_open(f->sha256, true, &part);
	if (r) {
		r = failed(out, r == -ENOSPC ? "disk_full" : "cache", "cannot create a file in %s/tmp: %s", cache_dir(),
			   strerror(-r));
		goto out;
	}
	struct fetch_opts fo = *o;
	fo.name = f->name;
	struct fetch_stats st;
	struct fetch_error e;
	r = fetch_to_fd(url, part.fd, &fo, &st, &e);
	of->bytes = st.size;
	of->ms = st.ms;
	of->attempts = st.attempts;
	of->resumes = st.resumes;
	if (r) {
		cache_part_discard(&part);
		if (r != -EINTR)
			r = failed(out, fetch_reason_name(e.reason), "%s; nothing was installed", e.msg);
		goto out;
	}
	char got[65];
	r = cache_part_commit(&part, f->sha256, st.sha256, got);
	if (r == -EBADMSG) {
		r = failed(out, "checksum_mismatch",
			   "%s: checksum mismatch: the manifest says sha256 %s, the file downloaded is %s; nothing was installed",
			   url, f->sha256, got);
	} else if (r) {
		r = failed(out, r == -ENOSPC || r == -EDQUOT ? "disk_full" : "cache", "cannot put '%s' into %s: %s",
			   f->name, cache_dir(), strerror(-r));
	} else {
		snprintf(of->source, sizeof(of->source), "mirror");
	}
out:
	cache_unlock(&lock);
	free(url);
	return r;
}

int mirror_course_manifest(struct manifest *m, const char *extra, char *err, size_t errlen)
{
	int r = manifest_parse(builtin_profiles_manifest, "builtin manifest", m, err, errlen);
	if (!r && extra) {
		struct strbuf sb = STRBUF_INIT;
		r = read_file(extra, &sb);
		if (r)
			snprintf(err, errlen, "cannot read manifest '%s': %s", extra, strerror(-r));
		else
			r = manifest_parse(sb_str(&sb), extra, m, err, errlen);
		sb_release(&sb);
	}
	return r ? -EINVAL : 0;
}

int mirror_fetch_profile(const char *mirror, const char *profile, const struct manifest *course,
			 const struct fetch_opts *o, struct obtain *out)
{
	obtain_init(out, profile);
	char err[512];
	if (cache_init(err, sizeof(err)))
		return failed(out, "cache", "%s", err);
	char *url = url_join(mirror, "manifest", NULL);
	struct strbuf text = STRBUF_INIT;
	struct fetch_error e;
	struct fetch_opts mo = *o;
	mo.name = "manifest";
	mo.quiet = true;
	struct manifest m = { .nprofiles = 0 };
	int r = fetch_to_buffer(url, MANIFEST_MAX_BYTES, &mo, &text, &e);
	if (r) {
		if (r != -EINTR)
			r = failed(out, fetch_reason_name(e.reason), "%s", e.msg);
		goto out;
	}
	/* the mirror's manifest is input from the network: the same parser
	 * as every manifest, fuzzed (tests/fuzz/fuzz_manifest.c) */
	if (memchr(text.buf ? text.buf : "", '\0', text.len)) {
		r = failed(out, "bad_manifest", "%s: not a vlab manifest (binary data)", url);
		goto out;
	}
	if (manifest_parse(sb_str(&text), url, &m, err, sizeof(err))) {
		r = failed(out, "bad_manifest", "%s", err);
		goto out;
	}
	const struct image_profile *p = manifest_find(&m, profile);
	if (!p) {
		struct strbuf known = STRBUF_INIT;
		for (int i = 0; i < m.nprofiles; i++)
			sb_addf(&known, "%s%s", i ? ", " : "", m.profiles[i].name);
		r = failed(out, "unknown_profile", "%s: the mirror has no profile '%s' (it has: %s)", url, profile,
			   known.len ? known.buf : "none");
		sb_release(&known);
		goto out;
	}
	const struct image_profile *lp = course ? manifest_find(course, profile) : NULL;
	for (size_t i = 0; i < (size_t)IMAGE_NROLES; i++) {
		const struct image_file *f = file_of(p, i);
		if (!f->name)
			continue;
		if (!f->sha256[0]) {
			r = failed(out, "bad_manifest", "%s: profile '%s' gives no sha256 for '%s', so it cannot be verified",
				   url, profile, f->name);
			goto out;
		}
		const struct image_file *lf = lp ? file_of(lp, i) : NULL;
		if (lf && lf->name && lf->sha256[0] && !strcmp(lf->name, f->name) && strcmp(lf->sha256, f->sha256)) {
			r = failed(out, "checksum_mismatch",
				   "%s: checksum mismatch for '%s': the mirror says sha256 %s, this machine's manifest says %s; nothing was installed",
				   url, f->name, f->sha256, lf->sha256);
			goto out;
		}
	}
	for (size_t i = 0; i < (size_t)IMAGE_NROLES; i++) {
		const struct image_file *f = file_of(p, i);
		if (!f->name)
			continue;
		struct obtained_file *of = add_obtained(out, i, f, NULL);
		r = fetch_file(mirror, profile, f, o, of, out);
		if (r)
			goto out;
		if (!of->bytes) {
			char *blob = cache_blob_path(f->sha256);
			struct stat sst;
			if (stat(blob, &sst) == 0)
				of->bytes = (uint64_t)sst.st_size;
			free(blob);
		}
	}
	if (cache_install_profile(p, err, sizeof(err)))
		r = failed(out, "cache", "%s", err);
out:
	manifest_release(&m);
	sb_release(&text);
	free(url);
	return r;
}

int mirror_offline_profile(const char *profile, struct obtain *out)
{
	obtain_init(out, profile);
	struct manifest m = { .nprofiles = 0 };
	char err[512];
	int r = cache_load_manifest(&m, err, sizeof(err));
	if (r) {
		r = failed(out, "cache", "%s", err);
		goto out;
	}
	const struct image_profile *p = manifest_find(&m, profile);
	if (!p) {
		r = failed(out, "not_cached",
			   "profile '%s' is not in the cache %s: fetch it once without --offline (vlab fetch %s --mirror URL)",
			   profile, cache_dir(), profile);
		goto out;
	}
	for (size_t i = 0; i < (size_t)IMAGE_NROLES; i++) {
		const struct image_file *f = file_of(p, i);
		if (!f->name)
			continue;
		struct obtained_file *of = add_obtained(out, i, f, "cache");
		char *blob = cache_blob_path(f->sha256);
		snprintf(of->url, sizeof(of->url), "%s", blob);
		struct stat st;
		if (stat(blob, &st) < 0) {
			r = failed(out, "not_cached",
				   "'%s' of profile '%s' is no longer in the cache (%s): fetch it again without --offline",
				   f->name, profile, blob);
			free(blob);
			goto out;
		}
		of->bytes = (uint64_t)st.st_size;
		free(blob);
	}
out:
	manifest_release(&m);
	return r;
}

/* Copy src into the open dst, hashing nothing (the caller does), polling
 * for a stop between blocks. -errno; *werr says whether writing failed. */
static int copy_fd(int src, int dst, bool *werr)
{
	static char buf[1 << 17];
	*werr = false;
	for (;;) {
		if (cleanup_stop_requested())
			return -EINTR;
		ssize_t n = read(src, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(dst, buf + done, (size_t)(n - done));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				*werr = true;
				return -errno;
			}
			done += w;
		}
	}
}

static const char *write_reason(int r)
{
	return r == -ENOSPC || r == -EDQUOT || r == -EFBIG ? "disk_full" : "write_error";
}

/* dir/P/NAME from src: a temp file beside it (registered), renamed when whole. */
static int export_file(const char *src, const char *dst, struct obtain *out)
{
	char *tmp = NULL;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int fd = -1, h = -1, r = 0;
	if (in < 0) {
		r = failed(out, "missing_file", "cannot read '%s': %s", src, strerror(errno));
		goto out;
	}
	fd = open_tmp_beside(dst, 0644, &tmp);
	if (fd < 0) {
		r = failed(out, write_reason(fd), "cannot create a temporary file beside '%s': %s", dst, strerror(-fd));
		goto out;
	}
	h = cleanup_add_path(RES_FILE, tmp);
	bool werr;
	r = copy_fd(in, fd, &werr);
	if (!r && fsync(fd) < 0) {
		r = -errno;
		werr = true;
	}
	if (r && r != -EINTR)
		r = failed(out, werr ? write_reason(r) : "read_error", "cannot copy '%s' to '%s': %s", src, dst,
			   strerror(-r));
	if (!r && rename(tmp, dst) < 0)
		r = failed(out, "write_error", "cannot rename '%s' to '%s': %s", tmp, dst, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (in >= 0)
		close(in);
	if (r && tmp)
		unlink(tmp);
	if (h >= 0)
		cleanup_forget(h);
	free(tmp);
	return r;
}

/* Each of p's files (at paths) hashed from its bytes into p and into sums
 * (SHA256SUMS lines); a file that does not match the sha256 the manifest
 * gives it is not exported. */
static int hash_profile_files(struct image_profile *p, const char *const paths[], struct strbuf *sums,
			      struct obtain *out)
{
	int r = 0;
	for (size_t i = 0; i < (size_t)IMAGE_NROLES && !r; i++) {
		struct image_file *f = file_of_mut(p, i);
		if (!f->name)
			continue;
		char got[65];
		int hr = sha256_file(paths[i], got);
		if (hr) {
			r = failed(out, "missing_file", "cannot read '%s': %s", paths[i], strerror(-hr));
		} else if (f->sha256[0] && strcmp(f->sha256, got)) {
			r = failed(out, "checksum_mismatch",
				   "%s: checksum mismatch: the manifest says sha256 %s, the file is %s; not exported", paths[i],
				   f->sha256, got);
		} else {
			snprintf(f->sha256, sizeof(f->sha256), "%s", got);
			sb_addf(sums, "%s  %s\n", got, f->name);
		}
	}
	return r;
}

/* Each of p's files (at paths) copied into pdir, each noted in out. */
static int copy_profile_files(const struct image_profile *p, const char *const paths[], const char *pdir,
			      struct obtain *out)
{
	int r = 0;
	for (size_t i = 0; i < (size_t)IMAGE_NROLES && !r; i++) {
		const struct image_file *f = file_of(p, i);
		if (!f->name)
			continue;
		struct obtained_file *of = add_obtained(out, i, f, "export");
		char *dst = xasprintf("%s/%s", pdir, f->name);
		snprintf(of->url, sizeof(of->url), "%s", dst);
		int64_t t0 = now_ms();
		r = export_file(paths[i], dst, out);
		of->ms = now_ms() - t0;
		struct stat st;
		if (!r && stat(dst, &st) == 0)
			of->bytes = (uint64_t)st.st_size;
		free(dst);
	}
	return r;
}

/* The mirror's manifest at mpath with profile p in it: DIR/manifest keeps
 * the other profiles a TA exported there before. */
static int write_mirror_manifest(const char *mpath, const struct image_profile *p, struct obtain *out)
{
	struct manifest mm = { .nprofiles = 0 };
	char err[512];
	struct strbuf old = STRBUF_INIT, text = STRBUF_INIT;
	int r = 0;
	if (read_file(mpath, &old) == 0 && manifest_parse(sb_str(&old), mpath, &mm, err, sizeof(err))) {
		r = failed(out, "bad_manifest", "%s (remove it, or export into an empty directory)", err);
		goto out;
	}
	manifest_put_profile(&mm, p);
	sb_adds(&text, "# a vlab course mirror (vlab image export): serve this directory from any\n"
		       "# static web server; students run vlab fetch PROFILE --mirror URL\n");
	for (int i = 0; i < mm.nprofiles; i++) {
		sb_adds(&text, "\n");
		manifest_write_profile(&text, &mm.profiles[i]);
	}
	r = write_file_atomic(mpath, text.buf, text.len, 0644);
	if (r)
		r = failed(out, write_reason(r), "cannot write '%s': %s", mpath, strerror(-r));
out:
	sb_release(&old);
	sb_release(&text);
	manifest_release(&mm);
	return r;
}

int mirror_export(const char *profile, const char *extra_manifest, const char *dir, struct obtain *out)
{
	obtain_init(out, profile);
	struct manifest m = { .nprofiles = 0 };
	struct image img;
	memset(&img, 0, sizeof(img));
	char err[512];
	struct strbuf sums = STRBUF_INIT;
	char *pdir = xasprintf("%s/%s", dir, profile);
	char *mpath = xasprintf("%s/manifest", dir);
	char *spath = xasprintf("%s/SHA256SUMS", pdir);
	int r = image_load_manifests(&m, extra_manifest, err, sizeof(err));
	if (r) {
		r = failed(out, "bad_manifest", "%s", err);
		goto out;
	}
	r = image_resolve(&m, profile, &img, err, sizeof(err));
	if (r) {
		r = failed(out, manifest_find(&m, profile) ? "missing_file" : "unknown_profile", "%s", err);
		goto out;
	}
	/* the profile as exported: every file's sha256 from the bytes */
	struct image_profile p;
	manifest_profile_copy(&p, img.profile);
	const char *const *paths = (const char *const *)img.paths;
	r = hash_profile_files(&p, paths, &sums, out);
	if (r)
		goto release_p;
	r = mkdir_p(pdir, 0755);
	if (r) {
		r = failed(out, write_reason(r), "cannot create '%s': %s", pdir, strerror(-r));
		goto release_p;
	}
	r = copy_profile_files(&p, paths, pdir, out);
	if (r)
		goto release_p;
	r = write_file_atomic(spath, sums.buf, sums.len, 0644);
	if (r) {
		r = failed(out, write_reason(r), "cannot write '%s': %s", spath, strerror(-r));
		goto release_p;
	}
	r = write_mirror_manifest(mpath, &p, out);
release_p:;
	struct manifest one = { .nprofiles = 1 };
	one.profiles[0] = p;
	manifest_release(&one);
out:
	manifest_release(&m);
	image_release(&img);
	sb_release(&sums);
	free(pdir);
	free(mpath);
	free(spath);
	return r;
}

/* The hashes a course supplies for an import. */
static int import_hashes(const char *dir, const char *sums_file, struct sha256sums *sums, bool *have, struct obtain *out)
{
	char *own = xasprintf("%s/SHA256SUMS", dir);
	const char *path = sums_file ? sums_file : own;
	struct strbuf sb = STRBUF_INIT;
	char err[512];
	int r = read_file(path, &sb);
	*have = false;
	if (r == -ENOENT && !sums_file) {
		r = 0;
	} else if (r) {
		r = failed(out, "missing_file", "cannot read the hashes '%s': %s", path, strerror(-r));
	} else if (sha256sums_parse(sb.buf ? sb.buf : "", sb.len, path, sums, err, sizeof(err))) {
		r = failed(out, "bad_manifest", "%s", err);
	} else {
		*have = true;
	}
	sb_release(&sb);
	free(own);
	return r;
}

/* Every file of p is in dir before anything is copied. */
static int check_files_present(const char *dir, const struct image_profile *p, const char *profile,
			       struct obtain *out)
{
	for (size_t i = 0; i < (size_t)IMAGE_NROLES; i++) {
		const struct image_file *f = file_of(p, i);
		if (!f->name)
			continue;
		char *src = xasprintf("%s/%s", dir, f->name);
		struct stat st;
		if (stat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
			int r = failed(out, "missing_file",
				       "'%s': %s: profile %s needs %s there (the lab's own file, as downloaded)", src,
				       stat(src, &st) < 0 ? strerror(errno) : "not a regular file", profile, f->name);
			free(src);
			return r;
		}
		free(src);
	}
	return 0;
}

/* The file src (f's) into the cache under key (the hash wanted, or "import"
 * while it is yet unknown), checked against want (NULL: any); got: its
 * sha256. */
static int copy_into_cache(const char *src, const struct image_file *f, const char *key, const char *want,
			   char got[65], struct obtain *out)
{
	struct cache_lock lock;
	int r = cache_lock(key, &lock, on_lock_wait, f->name);
	if (r)
		return r == -EINTR ? r : failed(out, "cache", "cannot lock the cache: %s", strerror(-r));
	struct cache_part part;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	r = in < 0 ? -errno : cache_part_open(key, true, &part);
	if (r) {
		if (in >= 0)
			close(in);
		cache_unlock(&lock);
		return failed(out, in < 0 ? "missing_file" : "cache", "cannot import '%s': %s", src, strerror(-r));
	}
	bool werr;
	r = copy_fd(in, part.fd, &werr);
	close(in);
	if (r) {
		cache_part_discard(&part);
		if (r != -EINTR)
			r = failed(out, werr ? write_reason(r) : "read_error", "cannot import '%s' into %s: %s", src,
				   cache_dir(), strerror(-r));
	} else {
		r = cache_part_commit(&part, want, NULL, got);
		if (r == -EBADMSG)
			r = failed(out, "checksum_mismatch",
				   "%s: checksum mismatch: the course's sha256 is %s, this file's is %s; nothing was installed",
				   src, want, got);
		else if (r)
			r = failed(out, write_reason(r), "cannot put '%s' into %s: %s", src, cache_dir(), strerror(-r));
	}
	cache_unlock(&lock);
	return r;
}

/* The file of role i of the profile, f, from dir into the cache, noted in
 * out; f's sha256 set to what it turned out to be. want: the hash it must
 * have (NULL: any, recorded then). */
static int import_file(const char *dir, size_t i, struct image_file *f, const char *want, struct obtain *out)
{
	struct obtained_file *of = &out->files[out->nfiles++];
	of->role = image_role_names[i];
	snprintf(of->name, sizeof(of->name), "%s", f->name);
	snprintf(of->source, sizeof(of->source), "import");
	char *src = xasprintf("%s/%s", dir, f->name);
	snprintf(of->url, sizeof(of->url), "%s", src);
	int64_t t0 = now_ms();
	/* the part is named by the hash wanted, or by the file's name while
	 * its hash is yet unknown */
	char key[80];
	snprintf(key, sizeof(key), "%s", want ? want : "import");
	char got[65] = "";
	int r = copy_into_cache(src, f, key, want, got, out);
	of->ms = now_ms() - t0;
	free(src);
	if (r)
		return r;
	snprintf(f->sha256, sizeof(f->sha256), "%s", got);
	snprintf(of->sha256, sizeof(of->sha256), "%s", got);
	of->recorded = !want;
	char *blob = cache_blob_path(got);
	struct stat st;
	if (stat(blob, &st) == 0)
		of->bytes = (uint64_t)st.st_size;
	free(blob);
	return 0;
}

int mirror_import(const char *dir, const char *profile, const char *extra_manifest, const char *sums_file,
		  struct obtain *out)
{
	obtain_init(out, profile);
	char err[512];
	/* the course's hashes: builtin and --manifest, not the cache's own
	 * record (a new download may differ from what was recorded) */
	struct manifest m = { .nprofiles = 0 };
	struct sha256sums sums;
	bool have_sums = false;
	struct image_profile p;
	bool have_p = false;
	int r = mirror_course_manifest(&m, extra_manifest, err, sizeof(err));
	if (r) {
		r = failed(out, "bad_manifest", "%s", err);
		goto out;
	}
	const struct image_profile *mp = manifest_find(&m, profile);
	if (!mp) {
		r = failed(out, "unknown_profile", "unknown image profile '%s' (import takes alpine-lab, or a profile of --manifest)",
			   profile);
		goto out;
	}
	manifest_profile_copy(&p, mp);
	have_p = true;
	r = import_hashes(dir, sums_file, &sums, &have_sums, out);
	if (r)
		goto out;
	r = check_files_present(dir, &p, profile, out);
	if (r)
		goto out;
	if (cache_init(err, sizeof(err))) {
		r = failed(out, "cache", "%s", err);
		goto out;
	}
	for (size_t i = 0; i < (size_t)IMAGE_NROLES; i++) {
		struct image_file *f = file_of_mut(&p, i);
		if (!f->name)
			continue;
		const char *want = have_sums ? sha256sums_find(&sums, f->name) : NULL;
		if (!want && f->sha256[0])
			want = f->sha256;
		r = import_file(dir, i, f, want, out);
		if (r)
			goto out;
	}
	if (cache_install_profile(&p, err, sizeof(err)))
		r = failed(out, "cache", "%s", err);
out:
	if (have_p) {
		struct manifest one = { .nprofiles = 1 };
		one.profiles[0] = p;
		manifest_release(&one);
	}
	manifest_release(&m);
	return r;
}
