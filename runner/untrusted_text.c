/* Escaping untrusted text for reports and logs; see untrusted_text.h. */
#include "runner/untrusted_text.h"

#include <string.h>

/* RFC 3629's table of well-formed UTF-8 (its section 4), which rules out
 * overlong forms, the surrogates D800-DFFF and code points past 10FFFF by
 * narrowing the second byte's range. */
size_t utf8_sequence_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* How many bytes at s pass as they are (0: the byte at s is escaped). */
static size_t passing_len(const unsigned char *s, size_t n, unsigned flags)
{
	unsigned char c = s[0];
	if (c == '\n')
		return (flags & UT_KEEP_NEWLINE) ? 1 : 0;
	if (c == '\t')
		return (flags & UT_KEEP_TAB) ? 1 : 0;
	if (c < 0x20 || c == 0x7f)
		return 0;
	size_t len = utf8_sequence_len(s, n);
	/* U+0080-U+009F, the C1 controls, are C2 80 - C2 9F */
	if (len == 2 && c == 0xc2 && s[1] <= 0x9f)
		return 0;
	return len;
}

bool untrusted_text_is_clean(const char *s, size_t n, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = passing_len(u + i, n - i, flags);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

void untrusted_text_append(struct strbuf *sb, const char *s, size_t n, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t start = i, len;
		while (i < n && (len = passing_len(u + i, n - i, flags)) != 0)
			i += len;
		sb_add(sb, s + start, i - start);
		if (i < n) {
			/* a C1 control's two bytes are both escaped: \xc2\x9b */
			size_t bad = (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) ? 2 : 1;
			for (size_t k = 0; k < bad; k++)
				sb_addf(sb, "\\x%02x", u[i + k]);
			i += bad;
		}
	}
}

void untrusted_text_fputs(FILE *f, const char *s, unsigned flags)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (untrusted_text_is_clean(s, n, flags)) {
		fwrite(s, 1, n, f);
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	untrusted_text_append(&sb, s, n, flags);
	fputs(sb_str(&sb), f);
	sb_release(&sb);
}
