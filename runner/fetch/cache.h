/* The content-addressed cache of image files: $XDG_CACHE_HOME/vlab, else
 * ~/.cache/vlab.
 *
 *   sha256/HEX            a verified file, named by its sha256, read-only
 *   tmp/HEX.part          a file being written (downloaded, imported): in the
 *                         cleanup registry, so no way out leaves one behind
 *   locks/HEX.lock        flock(2) held while HEX is written: two vlabs
 *                         fetching the same file take turns, the second finds
 *                         it done; locks/manifest.lock guards the manifest
 *   profiles/manifest     the cached profiles with every file's sha256
 *   profiles/P/FILE       a symlink to ../../sha256/HEX: the layout every
 *                         manifest has (a profile P of DIR/manifest has its
 *                         files in DIR/P/), so image_load_manifests() reads
 *                         the cache like any other image directory
 *
 * A file enters sha256/ only by rename(2) after its sha256 was computed from
 * the bytes on disk and matched: a half-written or wrong file is never used.
 */
#ifndef VLAB_CACHE_H
#define VLAB_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "runner/fetch/manifest.h"

const char *cache_dir(void);
/* Make the directories; -errno with err naming the one that failed. */
int cache_init(char *err, size_t errlen);
char *cache_blob_path(const char *sha256);   /* malloc'd */
char *cache_manifest_path(void);             /* malloc'd */
bool cache_has_blob(const char *sha256);

/* An exclusive lock on locks/NAME.lock. Waits (polling every 100 ms so a stop
 * request ends the wait with -EINTR); waiting() is called once if someone
 * else holds it. */
struct cache_lock {
	int fd;
};
int cache_lock(const char *name, struct cache_lock *l, void (*waiting)(void *arg), void *arg);
void cache_unlock(struct cache_lock *l);

/* tmp/HEX.part, created empty or (resume) kept as it is, registered for
 * removal. Call with HEX's lock held. */
struct cache_part {
	char *path;
	int fd;
	int handle;       /* cleanup registry */
};
int cache_part_open(const char *sha256, bool truncate, struct cache_part *p);
/* Close, remove and forget the part. */
void cache_part_discard(struct cache_part *p);
/* Hash the part's bytes (or take known, the sha256 of exactly the bytes
 * written, computed as they were); when they are want, fsync, make it
 * read-only and rename it to sha256/HEX (-EBADMSG otherwise, the part
 * removed; got holds what it was). want NULL: take whatever it is (got says
 * what; an import recording the hashes). Always closes and forgets the part. */
int cache_part_commit(struct cache_part *p, const char *want, const char *known, char got[65]);

/* Put profile p (every file's sha256 set, every blob present) into the
 * cache: the symlinks, then the manifest entry, under the manifest lock. */
int cache_install_profile(const struct image_profile *p, char *err, size_t errlen);
/* The cache's own manifest (empty when none). */
int cache_load_manifest(struct manifest *m, char *err, size_t errlen);

/* `vlab fetch --check`: every blob hashed again; one that is not what its
 * name says is removed. cb is told of each. Returns the number of bad ones,
 * or -errno. */
typedef void (*cache_check_cb)(void *arg, const char *sha256, uint64_t bytes, bool ok, const char *got);
int cache_check(cache_check_cb cb, void *arg);

#endif
