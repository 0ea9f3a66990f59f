/* Finding an embedded asset by its path; see assets.h. */
#include "runner/assets.h"

#include <string.h>

const struct embedded_asset *asset_find(const char *path)
{
	for (size_t i = 0; i < nembedded_assets; i++)
		if (!strcmp(embedded_assets[i].path, path))
			return &embedded_assets[i];
	return NULL;
}
