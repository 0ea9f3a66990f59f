/* Image profiles: which files make a guest, with their sha256, the kernel
 * command line, the logins and how the guest serves HTTP. The format is the
 * one documented at the top of assets/profiles.manifest. */
#ifndef VLAB_MANIFEST_H
#define VLAB_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#define MANIFEST_MAX_PROFILES 16
#define PROFILE_MAX_LOGINS 4

enum http_server { HTTP_BUSYBOX, HTTP_PYTHON3 };

struct image_file {
	char *name;       /* as in the manifest, relative to the profile's dir; NULL: none */
	char sha256[65];  /* "" when the manifest gives none */
};

/* A profile's files by role, in the manifest's order. The kvmhost ones are
 * the emulated KVM host's (runner/vm/kvmhost.h): optional, and only the
 * default profile's are used. Every loop over a profile's files (hashes,
 * fetch, export, import, the cache, reports) goes over all the roles, so a
 * new role is carried everywhere by adding it here. */
enum image_role {
	ROLE_KERNEL,
	ROLE_INITRD,
	ROLE_ROOTFS,
	ROLE_KVMHOST_INITRD,
	ROLE_KVMHOST_MODULES,
	IMAGE_NROLES
};
/* The roles a chapter's guest boots from come first. */
#define IMAGE_GUEST_ROLES (ROLE_ROOTFS + 1)
/* The manifest key of each role: "kernel", ..., "kvmhost-modules". */
extern const char *const image_role_names[IMAGE_NROLES];

struct login {
	char *user;
	char *password;
};

struct image_profile {
	char *name;
	char *description;
	/* by name where one file is meant, by role where all are */
	union {
		struct {
			struct image_file kernel, initrd, rootfs, kvmhost_initrd, kvmhost_modules;
		};
		struct image_file files[IMAGE_NROLES];
	};
	char *append;
	char *lab_append;   /* NULL when the lab's line is the same */
	struct login logins[PROFILE_MAX_LOGINS];
	int nlogins;
	enum http_server http;
	int line;           /* where the profile starts, for messages */
};

struct manifest {
	struct image_profile profiles[MANIFEST_MAX_PROFILES];
	int nprofiles;
};

/* Parse text (origin names it in errors). On error returns -EINVAL with a
 * one-line message "ORIGIN:LINE: what is wrong" in err. Profiles that repeat
 * a name replace the earlier one (a later manifest overrides). */
int manifest_parse(const char *text, const char *origin, struct manifest *m, char *err, size_t errlen);
const struct image_profile *manifest_find(const struct manifest *m, const char *name);
void manifest_release(struct manifest *m);

/* The profile as manifest text ("profile NAME" ... "end\n"), appended to sb:
 * what manifest_parse reads back as the same profile. */
struct strbuf;
void manifest_write_profile(struct strbuf *sb, const struct image_profile *p);
/* A deep copy (release it with the manifest it goes into). */
void manifest_profile_copy(struct image_profile *dst, const struct image_profile *src);
/* Add a copy of p to m, replacing a profile of the same name; -ENOSPC when full. */
int manifest_put_profile(struct manifest *m, const struct image_profile *p);

/* The profiles compiled into vlab (assets/profiles.manifest). */
extern const char builtin_profiles_manifest[];

#endif
