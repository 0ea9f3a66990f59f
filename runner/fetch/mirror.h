/* Getting a profile's files: from a course mirror into the cache (vlab fetch),
 * from the cache alone (--offline), out to a directory a web server can serve
 * as the mirror (vlab image export), and from files a student downloaded by
 * hand (vlab image import).
 *
 * A mirror is a directory served over http(s) or file://, as export writes it:
 *   MIRROR/manifest          the profiles with every file's sha256
 *   MIRROR/P/FILE            profile P's files
 *   MIRROR/P/SHA256SUMS      the same hashes, for `sha256sum -c`
 * the same layout as any image directory, so MIRROR/manifest also works as
 * `--manifest` when the mirror is on this machine.
 *
 * Every function fills a struct obtain: per file where it came from, and on
 * failure a reason (the json `reason`) and one line naming the URL or file and
 * the cause. A failure leaves no profile half-installed: the cache's manifest
 * names a profile only once all its files are verified in sha256/. */
#ifndef VLAB_MIRROR_H
#define VLAB_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

#include "runner/fetch/fetch.h"
#include "runner/fetch/manifest.h"

struct obtained_file {
	const char *role;         /* image_role_names[]: "kernel", "initrd", ... */
	char name[256];
	char sha256[65];
	char source[16];          /* "cache", "mirror", "import", "export" */
	char url[1024];           /* where it came from (a URL or a path) */
	uint64_t bytes;
	int64_t ms;
	int attempts, resumes;
	bool recorded;            /* import: no hash was supplied, this one was recorded */
};

struct obtain {
	char profile[72];
	char reason[32];          /* "" on success */
	char msg[1024];
	struct obtained_file files[IMAGE_NROLES];
	int nfiles;
};

/* The mirror to use: flag, else $VLAB_MIRROR, else the config file's
 * "mirror"; NULL when none (origin says which one answered). */
const char *mirror_choose(const char *flag, char *origin, size_t n, char *err, size_t errlen);

/* The hashes a course supplies: the builtin manifest and extra (--manifest;
 * may be NULL), not the cache's own record nor what make image built here
 * (a mirror's newer build of a profile differs from both, rightly). */
int mirror_course_manifest(struct manifest *m, const char *extra, char *err, size_t errlen);

/* Fetch profile's files from mirror into the cache and install the profile.
 * course: mirror_course_manifest()'s (a sha256 it gives for the same file
 * must agree with the mirror's; may be NULL). 0, -EINTR, or -EIO/-ENOENT
 * with out->reason. */
int mirror_fetch_profile(const char *mirror, const char *profile, const struct manifest *course,
			 const struct fetch_opts *o, struct obtain *out);

/* The profile from the cache only. -ENOENT (reason not_cached) otherwise. */
int mirror_offline_profile(const char *profile, struct obtain *out);

/* Write profile (found through the usual manifests plus extra) to dir as a
 * mirror. */
int mirror_export(const char *profile, const char *extra_manifest, const char *dir, struct obtain *out);

/* Import the files of profile (alpine-lab) from dir into the cache. Hashes
 * to check against: sums_file (sha256sum's format), else dir/SHA256SUMS,
 * else the builtin or extra manifest's; none: recorded (files[i].recorded). */
int mirror_import(const char *dir, const char *profile, const char *extra_manifest, const char *sums_file,
		  struct obtain *out);

#endif
