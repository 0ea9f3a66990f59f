/* Image profiles on disk. */
#include "runner/fetch/image.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/fetch/cache.h"
#include "runner/util.h"
#include "runner/files.h"

/* Which manifest each profile came from: parallel to m->profiles by name. */
struct origin {
	char name[72];
	char dir[PATH_MAX];
	char manifest[PATH_MAX];
};
static struct origin origins[MANIFEST_MAX_PROFILES];
static int norigins;

static void note_origin(const struct manifest *m, const char *dir, const char *manifest)
{
	for (int i = 0; i < m->nprofiles; i++) {
		int j;
		for (j = 0; j < norigins; j++)
			if (!strcmp(origins[j].name, m->profiles[i].name))
				break;
		if (j == norigins) {
			if (norigins >= MANIFEST_MAX_PROFILES)
				return;
			norigins++;
		}
		snprintf(origins[j].name, sizeof(origins[j].name), "%s", m->profiles[i].name);
		snprintf(origins[j].dir, sizeof(origins[j].dir), "%s", dir);
		snprintf(origins[j].manifest, sizeof(origins[j].manifest), "%s", manifest);
	}
}

static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return xstrdup(".");
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return xstrdup(buf);
}

const char *image_dir(void)
{
	static char *dir;
	if (dir)
		return dir;
	const char *env = getenv("VLAB_IMAGE_DIR");
	if (env && *env) {
		dir = xstrdup(env);
		return dir;
	}
	char *exe = exe_dir();
	/* ./vlab in the tree, build/vlab, build/san/vlab, PREFIX/bin/vlab */
	const char *const rel[] = { "build/image", "image", "../image", "../share/vlab/images" };
	for (size_t i = 0; i < ARRAY_SIZE(rel) && !dir; i++) {
		char *cand = xasprintf("%s/%s", exe, rel[i]);
		char *real = realpath(cand, NULL);
		if (real) {
			char *mf = xasprintf("%s/manifest", real);
			if (path_exists(mf))
				dir = xstrdup(real);
			free(mf);
			free(real);
		}
		free(cand);
	}
	if (!dir) {
		/* nothing built yet: name the in-tree place `make image` fills */
		char *makefile = xasprintf("%s/Makefile", exe);
		dir = path_exists(makefile) ? xasprintf("%s/build/image", exe) : xasprintf("%s/../image", exe);
		free(makefile);
	}
	free(exe);
	return dir;
}

static int load_file(struct manifest *m, const char *path, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(path, &sb);
	if (r) {
		snprintf(err, errlen, "cannot read manifest '%s': %s", path, strerror(-r));
		sb_release(&sb);
		return r == -ENOENT ? -ENOENT : -EINVAL;
	}
	struct manifest add = { .nprofiles = 0 };
	r = manifest_parse(sb_str(&sb), path, &add, err, errlen);
	sb_release(&sb);
	if (r) {
		manifest_release(&add);
		return r;
	}
	/* absolute, so qemu and qemu-img find the files from any directory */
	char *real = realpath(path, NULL);
	char *dir = xstrdup(real ? real : path);
	free(real);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	note_origin(&add, dir, path);
	/* merge: a later manifest replaces profiles of the same name */
	for (int i = 0; i < add.nprofiles; i++) {
		struct image_profile *p = &add.profiles[i];
		int j;
		for (j = 0; j < m->nprofiles; j++)
			if (!strcmp(m->profiles[j].name, p->name))
				break;
		if (j == m->nprofiles) {
			if (m->nprofiles >= MANIFEST_MAX_PROFILES)
				continue;
			m->nprofiles++;
		} else {
			struct manifest one = { .nprofiles = 1 };
			one.profiles[0] = m->profiles[j];
			manifest_release(&one);
		}
		m->profiles[j] = *p;
		memset(p, 0, sizeof(*p));
	}
	manifest_release(&add);
	free(dir);
	return 0;
}

int image_load_manifests(struct manifest *m, const char *extra, char *err, size_t errlen)
{
	/* a fresh manifest: callers declare theirs on the stack */
	memset(m, 0, sizeof(*m));
	norigins = 0;
	int r = manifest_parse(builtin_profiles_manifest, "builtin manifest", m, err, errlen);
	if (r)
		return -EINVAL;
	note_origin(m, image_dir(), "builtin");
	/* the cache (vlab fetch, vlab image import) before the built image: a
	 * profile make image built here wins over a downloaded one */
	char *cached = cache_manifest_path();
	if (path_exists(cached))
		r = load_file(m, cached, err, errlen);
	free(cached);
	if (r)
		return r;
	char *built = xasprintf("%s/manifest", image_dir());
	if (path_exists(built))
		r = load_file(m, built, err, errlen);
	free(built);
	if (r)
		return r;
	if (extra)
		r = load_file(m, extra, err, errlen);
	return r;
}

static char *file_path(const char *dir, const char *profile, const struct image_file *f)
{
	return f->name ? xasprintf("%s/%s/%s", dir, profile, f->name) : NULL;
}

int image_resolve(const struct manifest *m, const char *name, struct image *img, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	const struct image_profile *p = manifest_find(m, name);
	if (!p) {
		struct strbuf known = STRBUF_INIT;
		for (int i = 0; i < m->nprofiles; i++)
			sb_addf(&known, "%s%s", i ? ", " : "", m->profiles[i].name);
		snprintf(err, errlen, "unknown image profile '%s' (known: %s)", name, sb_str(&known));
		sb_release(&known);
		return -ENOENT;
	}
	const char *dir = image_dir();
	const char *manifest = "builtin";
	for (int i = 0; i < norigins; i++) {
		if (!strcmp(origins[i].name, name)) {
			dir = origins[i].dir;
			manifest = origins[i].manifest;
		}
	}
	img->profile = p;
	img->dir = xasprintf("%s/%s", dir, name);
	img->manifest_path = xstrdup(manifest);
	for (int i = 0; i < IMAGE_NROLES; i++)
		img->paths[i] = file_path(dir, name, &p->files[i]);
	/* the guest's files must be there; the emulated KVM host's are looked
	 * for by vlab kvmhost alone, so that no chapter depends on them */
	for (int i = 0; i < IMAGE_GUEST_ROLES; i++) {
		if (img->paths[i] && !path_exists(img->paths[i])) {
			snprintf(err, errlen, "image profile '%s' is missing '%s': build it with 'make image', "
				 "fetch it with 'vlab fetch %s --mirror URL' or import it with 'vlab image import DIR'",
				 name, img->paths[i], name);
			return -ENOENT;
		}
	}
	/* the profile's digest: sha256 of "role name sha256\n" lines, so one value
	 * names the exact set of files a report was made with: the guest's, not
	 * the emulated KVM host's, which no chapter's guest boots from */
	bool all = true;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < IMAGE_GUEST_ROLES; i++) {
		const struct image_file *f = &p->files[i];
		if (!f->name)
			continue;
		if (!f->sha256[0])
			all = false;
		sb_addf(&sb, "%s %s %s\n", image_role_names[i], f->name, f->sha256);
	}
	if (all) {
		unsigned char md[32];
		unsigned len = 0;
		EVP_Digest(sb.buf, sb.len, md, &len, EVP_sha256(), NULL);
		for (unsigned i = 0; i < 32; i++)
			snprintf(img->digest + 2 * i, 3, "%02x", md[i]);
	}
	sb_release(&sb);
	return 0;
}

void image_release(struct image *img)
{
	free(img->dir);
	for (int i = 0; i < IMAGE_NROLES; i++)
		free(img->paths[i]);
	free(img->manifest_path);
	memset(img, 0, sizeof(*img));
}
