/* Files of assets/ compiled into vlab (scripts/embed-assets): the lab's
 * handout, the reference solution and the default rubric, so an installed
 * vlab has them without a share directory. */
#ifndef VLAB_ASSETS_H
#define VLAB_ASSETS_H

#include <stddef.h>

struct embedded_asset {
	const char *path;   /* "assets/lab/runqemu_single_vm.sh" */
	int mode;           /* 0755 for scripts */
	const char *text;
};

extern const struct embedded_asset embedded_assets[];
extern const size_t nembedded_assets;

/* The asset at path, or NULL. */
const struct embedded_asset *asset_find(const char *path);

#endif
