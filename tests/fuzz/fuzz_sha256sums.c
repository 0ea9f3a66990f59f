/* libFuzzer harness for the sha256 list parser (a course's SHA256SUMS, read
 * by vlab image import). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/fetch/config.h"
#include "runner/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sha256sums s;
	static struct vlab_config c;
	char err[256];
	int rc = sha256sums_parse((const char *)data, size, "fuzz", &s, err, sizeof(err));
	if (s.n < 0 || s.n > SHA256SUMS_MAX)
		abort();
	for (int i = 0; i < s.n; i++)
		if (!is_sha256_hex(s.entries[i].sha256) || !s.entries[i].name[0] || strchr(s.entries[i].name, '/'))
			abort();
	(void)rc;
	/* the config file shares the line splitter */
	if (config_parse((const char *)data, size, "fuzz", &c, err, sizeof(err)) == 0 && strlen(c.mirror) >= sizeof(c.mirror))
		abort();
	return 0;
}
