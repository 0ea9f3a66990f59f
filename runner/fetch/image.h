/* Finding an image profile's files on this machine.
 *
 * Profiles come from the manifest compiled into vlab (assets/profiles.manifest),
 * then the one `make image` writes beside the built files (same profiles with
 * their sha256), then any --manifest FILE. A profile named P in a manifest at
 * DIR/manifest has its files in DIR/P/. */
#ifndef VLAB_IMAGE_H
#define VLAB_IMAGE_H

#include "runner/fetch/manifest.h"

struct image {
	const struct image_profile *profile;
	char *dir;
	/* absolute paths, by name or by role (enum image_role); NULL for a
	 * role the profile has no file of (initrd, the kvmhost ones) */
	union {
		struct {
			char *kernel, *initrd, *rootfs, *kvmhost_initrd, *kvmhost_modules;
		};
		char *paths[IMAGE_NROLES];
	};
	char *manifest_path;             /* where the profile came from ("builtin") */
	char digest[65];                 /* sha256 over the files' recorded hashes; "" if unknown */
};

/* The directory built images live in: $VLAB_IMAGE_DIR, else build/image next
 * to the vlab binary (in-tree builds), else PREFIX/share/vlab/images. */
const char *image_dir(void);

/* Load builtin + image dir manifest + extra (may be NULL). Errors: -EINVAL
 * with a one-line message (a malformed manifest), -ENOENT (extra missing). */
int image_load_manifests(struct manifest *m, const char *extra_manifest, char *err, size_t errlen);

/* Resolve profile name to files. -ENOENT when the profile is unknown or a
 * guest's file (kernel, initrd, rootfs) is missing (err names it and the
 * command that makes it); the kvmhost paths are set but not looked for. */
int image_resolve(const struct manifest *m, const char *name, struct image *img, char *err, size_t errlen);
void image_release(struct image *img);

#endif
