/* libFuzzer harness for the manifest parser: a mirror's manifest comes from
 * the network (vlab fetch). Whatever parses must write back as text that
 * parses to the same profiles. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/fetch/manifest.h"
#include "runner/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the caller refuses text with NUL bytes; the parser sees a C string */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct manifest m = { .nprofiles = 0 };
	char err[256];
	int rc = manifest_parse(text, "fuzz", &m, err, sizeof(err));
	if (m.nprofiles > MANIFEST_MAX_PROFILES)
		abort();
	if (rc == 0) {
		struct strbuf sb = STRBUF_INIT;
		for (int i = 0; i < m.nprofiles; i++)
			manifest_write_profile(&sb, &m.profiles[i]);
		struct manifest back = { .nprofiles = 0 };
		if (manifest_parse(sb_str(&sb), "written", &back, err, sizeof(err)) || back.nprofiles != m.nprofiles)
			abort();
		for (int i = 0; i < m.nprofiles; i++)
			if (strcmp(back.profiles[i].name, m.profiles[i].name) ||
			    strcmp(back.profiles[i].kernel.sha256, m.profiles[i].kernel.sha256))
				abort();
		manifest_release(&back);
		sb_release(&sb);
	}
	manifest_release(&m);
	free(text);
	return 0;
}
