/* vlab's own settings file and the sha256 lists a course publishes.
 *
 * The config file ($VLAB_CONFIG, else $XDG_CONFIG_HOME/vlab/config, else
 * ~/.config/vlab/config) has "KEY VALUE" lines and '#' comments, like the
 * profiles manifest. One key so far:
 *   mirror URL     where `vlab fetch` and chapter 0 get image profiles
 *
 * A sha256 list is what `sha256sum FILE...` prints ("HEX  NAME", "HEX *NAME")
 * or its BSD form ("SHA256 (NAME) = HEX"); names keep only their last path
 * component, hex is accepted in either case and kept lower-case.
 *
 * Both parsers are pure (text in, struct out): tested in test_config.c and
 * fuzzed (tests/fuzz/fuzz_sha256sums.c). */
#ifndef VLAB_CONFIG_H
#define VLAB_CONFIG_H

#include <stddef.h>

struct vlab_config {
	char mirror[1024];    /* "" when not set */
	int mirror_line;      /* where it was set, for messages */
};

/* -EINVAL with "ORIGIN:LINE: what is wrong" in err. */
int config_parse(const char *text, size_t len, const char *origin, struct vlab_config *c, char *err, size_t errlen);

/* The path the config is read from (static storage). */
const char *config_path(void);
/* Read and parse config_path(); a missing file is an empty config (0). */
int config_load(struct vlab_config *c, char *err, size_t errlen);

#define SHA256SUMS_MAX 32

struct sha256sum_entry {
	char name[256];
	char sha256[65];
};

struct sha256sums {
	struct sha256sum_entry entries[SHA256SUMS_MAX];
	int n;
};

/* -EINVAL with "ORIGIN:LINE: what is wrong" in err; out->n counts what was
 * read before the error. */
int sha256sums_parse(const char *text, size_t len, const char *origin, struct sha256sums *out, char *err,
		     size_t errlen);
/* The hash listed for name, NULL if none. */
const char *sha256sums_find(const struct sha256sums *s, const char *name);

#endif
