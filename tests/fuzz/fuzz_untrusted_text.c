/* libFuzzer harness for runner/untrusted_text: any bytes, under any flags,
 * come out clean (no control byte, no invalid UTF-8), and bytes that were
 * already clean come out unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/untrusted_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned flags = data[0] & 3;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, n, flags);
	const char *out = sb_str(&sb);
	size_t outlen = sb.len;
	if (!untrusted_text_is_clean(out, outlen, flags) || memchr(out, 0, outlen))
		abort();
	for (size_t i = 0; i < outlen; i++) {
		unsigned char c = (unsigned char)out[i];
		if ((c < 0x20 && !(c == '\n' && (flags & UT_KEEP_NEWLINE)) && !(c == '\t' && (flags & UT_KEEP_TAB))) ||
		    c == 0x7f)
			abort();
	}
	if (untrusted_text_is_clean(s, n, flags) && (outlen != n || memcmp(out, s, n) != 0))
		abort();
	sb_release(&sb);
	return 0;
}
