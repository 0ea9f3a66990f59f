/* The content-addressed image cache; see cache.h for its layout. */
#include "runner/fetch/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner/cleanup.h"
#include "runner/util.h"
#include "runner/clock.h"
#include "runner/files.h"
#include "runner/sha256.h"

const char *cache_dir(void)
{
	static char *dir;
	if (dir)
		return dir;
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	/* the XDG spec: a relative $XDG_CACHE_HOME is invalid and ignored */
	if (xdg && *xdg == '/')
		dir = xasprintf("%s/vlab", xdg);
	else
		dir = xasprintf("%s/.cache/vlab", home && *home ? home : "/root");
	return dir;
}

int cache_init(char *err, size_t errlen)
{
	static const char *const subs[] = { "sha256", "tmp", "locks", "profiles" };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		char *d = xasprintf("%s/%s", cache_dir(), subs[i]);
		int r = mkdir_p(d, 0755);
		if (r) {
			snprintf(err, errlen, "cannot create the cache directory '%s': %s", d, strerror(-r));
			free(d);
			return r;
		}
		free(d);
	}
	return 0;
}

char *cache_blob_path(const char *sha256)
{
	return xasprintf("%s/sha256/%s", cache_dir(), sha256);
}

char *cache_manifest_path(void)
{
	return xasprintf("%s/profiles/manifest", cache_dir());
}

bool cache_has_blob(const char *sha256)
{
	char *p = cache_blob_path(sha256);
	struct stat st;
	bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return ok;
}

int cache_lock(const char *name, struct cache_lock *l, void (*waiting)(void *arg), void *arg)
{
	char *path = xasprintf("%s/locks/%s.lock", cache_dir(), name);
	l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int r = l->fd < 0 ? -errno : 0;
	free(path);
	if (r)
		return r;
	bool told = false;
	while (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = -errno;
			break;
		}
		if (!told && waiting)
			waiting(arg);
		told = true;
		if (cleanup_stop_requested()) {
			r = -EINTR;
			break;
		}
		idle_tick();
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	if (r) {
		close(l->fd);
		l->fd = -1;
	}
	return r;
}

void cache_unlock(struct cache_lock *l)
{
	if (l->fd >= 0)
		close(l->fd);   /* closing the only descriptor releases the flock */
	l->fd = -1;
}

int cache_part_open(const char *sha256, bool truncate, struct cache_part *p)
{
	p->path = xasprintf("%s/tmp/%s.part", cache_dir(), sha256);
	p->fd = open(p->path, O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
	if (p->fd < 0) {
		int r = -errno;
		free(p->path);
		p->path = NULL;
		return r;
	}
	p->handle = cleanup_add_path(RES_FILE, p->path);
	return 0;
}

void cache_part_discard(struct cache_part *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->path) {
		unlink(p->path);
		cleanup_forget(p->handle);
	}
	free(p->path);
	p->path = NULL;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int cache_part_commit(struct cache_part *p, const char *want, const char *known, char got[65])
{
	int r = 0;
	got[0] = '\0';
	if (fsync(p->fd) < 0)
		r = -errno;
	if (!r && known && is_sha256_hex(known))
		snprintf(got, 65, "%s", known);
	else if (!r)
		r = sha256_file(p->path, got);
	if (!r && want && strcmp(want, got))
		r = -EBADMSG;
	if (!r && fchmod(p->fd, 0444) < 0)
		r = -errno;
	if (r) {
		cache_part_discard(p);
		return r;
	}
	char *blob = cache_blob_path(got);
	if (rename(p->path, blob) < 0)
		r = -errno;
	free(blob);
	if (r) {
		cache_part_discard(p);
		return r;
	}
	char *dir = xasprintf("%s/sha256", cache_dir());
	fsync_dir(dir);
	free(dir);
	close(p->fd);
	p->fd = -1;
	cleanup_forget(p->handle);
	free(p->path);
	p->path = NULL;
	return 0;
}

int cache_load_manifest(struct manifest *m, char *err, size_t errlen)
{
	char *path = cache_manifest_path();
	struct strbuf sb = STRBUF_INIT;
	int r = read_file(path, &sb);
	if (r == -ENOENT)
		r = 0;
	else if (r)
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-r));
	else
		r = manifest_parse(sb_str(&sb), path, m, err, errlen);
	sb_release(&sb);
	free(path);
	return r;
}

/* profiles/P/NAME -> ../../sha256/HEX, replacing what is there atomically */
static int link_file(const char *pdir, const struct image_file *f, char *err, size_t errlen)
{
	if (!f->name)
		return 0;
	char *target = xasprintf("../../sha256/%s", f->sha256);
	char *final = xasprintf("%s/%s", pdir, f->name);
	char *tmp = NULL;
	int r = -EEXIST;
	/* a fresh name for the new link (symlink() fails on a taken one, so
	 * another writer's link is never replaced), then renamed over final */
	for (unsigned n = 0; n < 1000 && r == -EEXIST; n++) {
		free(tmp);
		tmp = xasprintf("%s/.%s.tmp.%ld.%u", pdir, f->name, (long)getpid(), n);
		r = symlink(target, tmp) < 0 ? -errno : 0;
	}
	if (!r && rename(tmp, final) < 0) {
		r = -errno;
		unlink(tmp);
	}
	if (r)
		snprintf(err, errlen, "cannot link '%s' into the cache: %s", final, strerror(-r));
	free(target);
	free(tmp);
	free(final);
	return r;
}

int cache_install_profile(const struct image_profile *p, char *err, size_t errlen)
{
	struct cache_lock lock;
	int r = cache_lock("manifest", &lock, NULL, NULL);
	if (r) {
		snprintf(err, errlen, "cannot lock the cache's manifest: %s", strerror(-r));
		return r;
	}
	struct manifest m = { .nprofiles = 0 };
	struct strbuf text = STRBUF_INIT;
	char *pdir = xasprintf("%s/profiles/%s", cache_dir(), p->name);
	char *mpath = cache_manifest_path();
	r = cache_load_manifest(&m, err, errlen);
	if (r) {
		/* a cache manifest that does not parse is rebuilt from this profile
		 * on: the blobs are still there and verified */
		manifest_release(&m);
		r = 0;
	}
	r = mkdir_p(pdir, 0755);
	if (r) {
		snprintf(err, errlen, "cannot create '%s': %s", pdir, strerror(-r));
		goto out;
	}
	for (int i = 0; i < IMAGE_NROLES && !r; i++)
		r = link_file(pdir, &p->files[i], err, errlen);
	if (r)
		goto out;
	r = manifest_put_profile(&m, p);
	if (r) {
		snprintf(err, errlen, "the cache's manifest holds %d profiles already", MANIFEST_MAX_PROFILES);
		goto out;
	}
	sb_adds(&text, "# vlab's image cache: profiles fetched or imported, every file's sha256\n"
		       "# (written by vlab; the files are in P/, links into ../sha256/)\n");
	for (int i = 0; i < m.nprofiles; i++) {
		sb_adds(&text, "\n");
		manifest_write_profile(&text, &m.profiles[i]);
	}
	r = write_file_atomic(mpath, text.buf, text.len, 0644);
	if (r)
		snprintf(err, errlen, "cannot write '%s': %s", mpath, strerror(-r));
out:
	sb_release(&text);
	manifest_release(&m);
	free(pdir);
	free(mpath);
	cache_unlock(&lock);
	return r;
}

int cache_check(cache_check_cb cb, void *arg)
{
	char *dir = xasprintf("%s/sha256", cache_dir());
	DIR *d = opendir(dir);
	if (!d) {
		int r = errno == ENOENT ? 0 : -errno;
		free(dir);
		return r;
	}
	int bad = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		char got[65] = "";
		struct stat st;
		uint64_t bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
		int r = sha256_file(path, got);
		bool ok = r == 0 && is_sha256_hex(e->d_name) && !strcmp(got, e->d_name);
		if (!ok) {
			bad++;
			/* a file that is not what its name says must not be used:
			 * the next fetch gets it again */
			unlink(path);
		}
		if (cb)
			cb(arg, e->d_name, bytes, ok, r ? strerror(-r) : got);
		free(path);
		if (cleanup_stop_requested()) {
			bad = -EINTR;
			break;
		}
	}
	closedir(d);
	free(dir);
	return bad;
}
